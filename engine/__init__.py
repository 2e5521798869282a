"""NumPy backprop engine: networks, backprop with a full step trace, training, data, diagnostics.

Imports NumPy only, so it works in a notebook and is tested on its own.
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation, sigmoid, softmax
from .config import BATCH_MODES, LIVE_FIELDS, Config, config_problems
from .data import DATASETS, Dataset, Split, make_dataset, split_dataset
from .gradcheck import gradcheck
from .initializers import INITS, init_params
from .losses import LOSSES, get_loss
from .network import Net, backward, forward, predict
from .optim import OPTIMIZERS, SCHEDULES
from .trace import LayerTrace, StepTrace
from .trainer import Trainer, resolve_loss

__all__ = [
    "ACTIVATIONS", "BATCH_MODES", "DATASETS", "HIDDEN_ACTIVATIONS", "INITS", "LIVE_FIELDS", "LOSSES",
    "OPTIMIZERS", "SCHEDULES", "Config", "Dataset", "LayerTrace", "Net", "Split", "StepTrace", "Trainer",
    "backward", "config_problems", "forward", "get_activation", "get_loss", "gradcheck", "init_params",
    "make_dataset", "predict", "resolve_loss", "sigmoid", "softmax", "split_dataset",
]
