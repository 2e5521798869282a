"""The Vanishing gradients page's own settings (one net per activation, deep by default): one table for its
widgets and for the check of its vg_* link values, so both always agree."""

from __future__ import annotations

from engine import INITS, OPTIMIZERS, Config, limits
from engine.diagnostics import COMPARE_ACTIVATIONS
from ui.settings import ACT_LABELS, BATCH_NORM_HELP, LR_STEPS, Setting

DATASETS = {"circle": "Circle", "moons": "Two moons", "xor_quadrants": "XOR quadrants", "gaussians": "Two Gaussians",
            "spiral": "Two spirals"}
INIT_CHOICES = {k: v for k, v in INITS.items() if k != "zeros"}
LOSS_CHOICES = {"half_sse": "½·SSE (as Glorot & Bengio)", "bce": "Binary cross-entropy"}
SCALES = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
CLIPS = (0.0, 0.1, 0.5, 1.0, 5.0, 20.0)
DEFAULT_ACTIVATIONS = COMPARE_ACTIVATIONS


def _own(key: str, kind: str, label: str, default, options=None, **extra) -> Setting:
    return Setting(key, kind, label, None, options, own_default=default, **extra)


#: the network settings (changes rebuild the nets), then the training ones (changes keep the weights)
NETWORK = (
    _own("vg_depth", "int", "Hidden layers", 6, lo=2, hi=limits.HIDDEN_LAYERS.hi),
    _own("vg_width", "int", "Neurons per hidden layer", 32, lo=4, hi=limits.WIDTH.hi),
    _own("vg_init", "select", "Initialisation", "standard", INIT_CHOICES),
    _own("vg_scale", "steps", "Initial weights × (scale)", 1.0, SCALES),
    _own("vg_ds", "select", "Dataset", "circle", DATASETS),
    _own("vg_n", "int", "Samples N", 200, lo=50, hi=1000, step=50),
    _own("vg_loss", "select", "Loss", "half_sse", LOSS_CHOICES),
    _own("vg_seed", "int", "Weight seed", 1, lo=0, hi=9999),
)
TRAINING = (
    _own("vg_opt", "select", "Optimizer", "sgd", OPTIMIZERS, rebuilds=False),
    _own("vg_lr", "steps", "Learning rate η", 1.0, LR_STEPS, rebuilds=False),
    _own("vg_clip", "steps", "Clip gradient norm at", 0.0, CLIPS, rebuilds=False),
)
ACTIVATIONS = _own("vg_acts", "select", "Activations", "sigmoid", ACT_LABELS)
#: drawn beside the activations: the same nets with batch norm before every hidden activation (a rebuild)
BATCH_NORM = _own("vg_bn", "check", "Batch norm", False, help=BATCH_NORM_HELP)
BY_KEY = {s.key: s for s in (BATCH_NORM, *NETWORK, *TRAINING)}


def to_config(values: dict) -> Config:
    """Return the Config of the page's nets for {key: widget value} (the activation is set per net)."""
    v = {s.key: s.default for s in BY_KEY.values()} | values
    return Config(dataset=v["vg_ds"], n_samples=int(v["vg_n"]), test_ratio=0.0,
                  hidden=(int(v["vg_width"]),) * int(v["vg_depth"]), loss=v["vg_loss"], init=v["vg_init"],
                  init_scale=float(v["vg_scale"]), seed=int(v["vg_seed"]), lr=float(v["vg_lr"]),
                  optimizer=v["vg_opt"], clip_norm=float(v["vg_clip"]), batch_norm=bool(v["vg_bn"]))
