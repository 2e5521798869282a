"""NumPy backprop engine: networks, backprop with a full step trace, training, data, diagnostics.

Imports NumPy only, so it works in a notebook and is tested on its own. The backprop equations are in
engine/network.py; see docs/architecture.md for the map.
"""

from . import limits
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation, sigmoid, softmax
from .config import BATCH_MODES, LIVE_FIELDS, Config, config_problems
from .data import DATASETS, Dataset, Split, make_dataset, split_dataset
from .gradcheck import gradcheck
from .initializers import INITIALIZERS, INITS, init_params, initial_params
from .losses import LOSSES, get_loss, labels_problem, resolve_loss
from .network import BatchNorm, Net, backward, data_loss, forward, forward_pass, predict, unflatten
from .optim import OPTIMIZER_RULES, OPTIMIZERS, SCHEDULES, get_optimizer
from .trace import LayerTrace, StepTrace, sample_or_mean
from .trainer import Trainer

__all__ = [
    "ACTIVATIONS", "BATCH_MODES", "DATASETS", "HIDDEN_ACTIVATIONS", "INITIALIZERS", "INITS", "LIVE_FIELDS",
    "LOSSES", "OPTIMIZERS", "OPTIMIZER_RULES", "SCHEDULES", "BatchNorm", "Config", "Dataset", "LayerTrace", "Net",
    "Split", "StepTrace", "Trainer", "backward", "config_problems", "data_loss", "forward", "forward_pass",
    "get_activation", "get_loss", "get_optimizer", "gradcheck", "init_params", "initial_params", "labels_problem",
    "limits", "make_dataset", "predict", "resolve_loss", "sample_or_mean", "sigmoid", "softmax", "split_dataset",
    "unflatten",
]
