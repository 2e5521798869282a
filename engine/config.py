"""The settings of one experiment, as a flat frozen dataclass (easy to put in a URL or a JSON file)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import limits
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .data import DATASETS
from .initializers import INITIALIZERS
from .losses import LOSSES
from .optim import OPTIMIZER_RULES, SCHEDULES

MAX_DROPOUT = 0.9   #: a higher rate leaves too few neurons to learn anything (and 1 divides by 0)
BATCH_MODES = {"full": "Full batch", "mini": "Mini-batch", "sgd": "SGD (one sample)"}

#: settings a running trainer can change while keeping its weights
LIVE_FIELDS = frozenset({
    "lr", "schedule", "decay", "step_size", "optimizer", "momentum", "beta1", "beta2", "eps",
    "batch_mode", "batch_size", "l1", "l2", "clip_norm", "clip_value", "train_biases", "dropout",
})


@dataclass(frozen=True)
class Config:
    """Everything that defines an experiment; the same Config always gives the same numbers."""

    dataset: str = "circle"
    n_samples: int = 200
    noise: float = 0.1
    test_ratio: float = 0.2
    data_seed: int = 0
    standardize: bool = False
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "tanh"
    output: str = "auto"          #: output activation; "auto" picks the one that fits the loss/task
    loss: str = "auto"            #: "auto" picks bce / softmax_ce / mse by task
    init: str = "xavier_uniform"
    init_scale: float = 1.0
    batch_norm: bool = False      #: batch normalisation before the activation of every hidden layer (network.py)
    seed: int = 1
    lr: float = 0.3               #: the default experiment trains without a single loss rise (bench/default_lr.py)
    schedule: str = "constant"
    decay: float = 0.5
    step_size: int = 100
    optimizer: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_mode: str = "full"      #: "full" | "mini" | "sgd"
    batch_size: int = 16
    l1: float = 0.0
    l2: float = 0.0
    clip_norm: float = 0.0        #: 0 = off
    clip_value: float = 0.0       #: 0 = off
    train_biases: bool = True
    dropout: float = 0.0          #: rate p of inverted dropout on every hidden layer while training (0 = off)

    def replace(self, **changes) -> Config:
        """Return a copy with `changes` applied (hidden given as a list becomes a tuple)."""
        if "hidden" in changes:
            changes["hidden"] = tuple(int(h) for h in changes["hidden"])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Return the settings as a JSON-friendly dict."""
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Config:
        """Return a validated Config from a dict (unknown keys or bad values raise ValueError)."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(d) - set(names)
        if unknown:
            shown = sorted(str(k)[:40] + ("…" if len(str(k)) > 40 else "") for k in unknown)
            raise ValueError(f"unknown setting(s): {', '.join(shown[:5])}{' …' if len(shown) > 5 else ''}")
        kwargs = {key: _coerce(key, value, getattr(cls, key) if key != "hidden" else ()) for key, value in d.items()}
        cfg = cls(**kwargs)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raise ValueError naming the first setting that is out of range."""
        for problem in config_problems(self):
            raise ValueError(problem)

    def batch_size_for(self, n_train: int) -> int:
        """Return the batch size B used for a training set of n_train samples."""
        if self.batch_mode == "full":
            return n_train
        if self.batch_mode == "sgd":
            return 1
        return max(1, min(self.batch_size, n_train))


def _coerce(key: str, value, default):
    if key == "hidden":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                           for v in value):
            raise ValueError("hidden must be a list of whole numbers")
        if len(value) > limits.HIDDEN_LAYERS.hi:   # refused before anything iterates over it
            raise ValueError(limits.HIDDEN_LAYERS.problem(len(value)))
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key} must be a whole number")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key} must be a number")
        try:
            return float(value)
        except OverflowError:  # an int too large for a float
            raise ValueError(f"{key} is far too large") from None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


def config_problems(cfg: Config) -> list[str]:
    """Return a list of plain-language problems with cfg (empty when it is valid)."""
    p = []
    choices = {
        "dataset": DATASETS, "activation": HIDDEN_ACTIVATIONS, "init": INITIALIZERS, "optimizer": OPTIMIZER_RULES,
        "schedule": SCHEDULES, "batch_mode": BATCH_MODES,
        "loss": (*LOSSES, "auto"), "output": (*ACTIVATIONS, "auto"),
    }
    for key, allowed in choices.items():
        if getattr(cfg, key) not in allowed:
            p.append(f"{key} must be one of {', '.join(allowed)}")
    finite_ranges = {
        "n_samples": (4, limits.ROWS.hi), "noise": (0.0, 2.0), "test_ratio": (0.0, 0.9), "init_scale": (0.0, 100.0),
        "lr": (1e-8, 1e4), "decay": (0.0, 10.0), "step_size": (1, 10**7), "momentum": (0.0, 0.9999),
        "beta1": (0.0, 0.9999), "beta2": (0.0, 0.999999), "eps": (1e-12, 1.0), "batch_size": (1, limits.ROWS.hi),
        "l1": (0.0, 10.0), "l2": (0.0, 10.0), "clip_norm": (0.0, 1e6), "clip_value": (0.0, 1e6),
        "seed": (0, 2**31 - 1), "data_seed": (0, 2**31 - 1), "dropout": (0.0, MAX_DROPOUT),
    }
    for key, (lo, hi) in finite_ranges.items():
        v = getattr(cfg, key)
        if not (lo <= v <= hi):  # also false for NaN
            p.append(f"{key} must be between {lo:g} and {hi:g} (got {v!r})")
    p += [m for m in [limits.HIDDEN_LAYERS.problem(len(cfg.hidden))] if m]
    p += [m for l, h in enumerate(cfg.hidden[:limits.HIDDEN_LAYERS.hi], start=1)
          if (m := limits.WIDTH.problem(h, f"in hidden layer {l}"))]
    return p
