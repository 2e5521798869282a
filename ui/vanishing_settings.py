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


def _own(key: str, kind: str, label: str, default, options=None, field: str | None = None, **extra) -> Setting:
    return Setting(key, kind, label, field, options, own_default=default, **extra)


def _hidden(values: dict) -> dict:
    return {"hidden": (int(values["vg_width"]),) * int(values["vg_depth"])}


#: the network settings (changes rebuild the nets), then the training ones (changes keep the weights)
NETWORK = (
    _own("vg_depth", "int", "Hidden layers", 6, lo=2, hi=limits.HIDDEN_LAYERS.hi, field="hidden", to_fields=_hidden,
         from_field=lambda cfg: len(cfg.hidden)),
    _own("vg_width", "int", "Neurons per hidden layer", 32, lo=4, hi=limits.WIDTH.hi, field="hidden",
         to_fields=lambda values: {}, from_field=lambda cfg: cfg.hidden[0]),  # hidden is set with the depth
    _own("vg_init", "select", "Initialisation", "standard", INIT_CHOICES, "init"),
    _own("vg_scale", "steps", "Initial weights × (scale)", 1.0, SCALES, "init_scale"),
    _own("vg_ds", "select", "Dataset", "circle", DATASETS, "dataset"),
    _own("vg_n", "int", "Samples N", 200, lo=50, hi=1000, step=50, field="n_samples"),
    _own("vg_loss", "select", "Loss", "half_sse", LOSS_CHOICES, "loss"),
    _own("vg_seed", "int", "Weight seed", 1, lo=0, hi=9999, field="seed"),
)
TRAINING = (
    _own("vg_opt", "select", "Optimizer", "sgd", OPTIMIZERS, "optimizer", rebuilds=False),
    _own("vg_lr", "steps", "Learning rate η", 1.0, LR_STEPS, "lr", rebuilds=False),
    _own("vg_clip", "steps", "Clip gradient norm at", 0.0, CLIPS, "clip_norm", rebuilds=False),
)
ACTIVATIONS = _own("vg_acts", "select", "Activations", "sigmoid", ACT_LABELS)
#: drawn beside the activations: the same nets with batch norm before every hidden activation (a rebuild)
BATCH_NORM = _own("vg_bn", "check", "Batch norm", False, field="batch_norm", help=BATCH_NORM_HELP)
BY_KEY = {s.key: s for s in (BATCH_NORM, *NETWORK, *TRAINING)}


def to_config(values: dict) -> Config:
    """Return the Config of the page's nets for {key: widget value} (the activation is set per net)."""
    v = {s.key: s.default for s in BY_KEY.values()} | values
    fields = {}
    for s in BY_KEY.values():
        fields |= s.fields(v)
    return Config(test_ratio=0.0, **fields)


def from_config(cfg: Config) -> dict:
    """Return the {key: widget value} of this page's settings that describe cfg (the inverse of to_config)."""
    return {s.key: s.value_for(cfg) for s in BY_KEY.values()}
