"""The shared settings: one table drives the sidebar widgets, the URL check and the Config mapping.

Pure Python (no Streamlit), so the URL validation is unit-tested on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine import BATCH_MODES, DATASETS, LOSSES, OPTIMIZERS, SCHEDULES, Config

LR_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0,
            10.0)
REG_STEPS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
CLIP_STEPS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
BATCH_STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
SCALE_STEPS = (0.1, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
ACT_LABELS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU", "linear": "Linear"}
LOSS_LABELS = {"auto": "Auto (fits the task)", **{k: v.label for k, v in LOSSES.items()}}
CLIP_MODES = {"off": "Off", "norm": "By global norm", "value": "By value"}
INIT_LABELS = {"xavier_uniform": "Xavier uniform", "xavier_normal": "Xavier normal", "he_normal": "He normal",
               "standard": "Standard 1/√n", "uniform01": "Uniform [0,1)", "zeros": "Zeros"}


@dataclass(frozen=True)
class Setting:
    """One sidebar widget: URL key, kind, label, allowed values and default."""

    key: str
    kind: str                 #: "select" | "radio" | "steps" | "int" | "float" | "check"
    label: str
    default: object
    options: dict | tuple | None = None   #: select/radio: value → label; steps: the allowed values
    lo: float = 0
    hi: float = 0
    step: float = 1
    rebuilds: bool = True
    help: str | None = None

    def nearest(self, value):
        """Return the widget value closest to value (a loaded experiment may hold values the widget can't show)."""
        if self.kind in ("select", "radio"):
            return value if value in self.options else self.default
        if self.kind == "check":
            return bool(value)
        if self.kind == "steps":
            return min(self.options, key=lambda o: abs(math.log10(max(o, 1e-12)) - math.log10(max(value, 1e-12))))
        clamped = min(max(value, self.lo), self.hi)
        snapped = self.lo + round((clamped - self.lo) / self.step) * self.step
        return int(snapped) if self.kind == "int" else round(float(snapped), 10)

    def url_text(self, value) -> str:
        """Return how value appears in the URL (the inverse of parse)."""
        if self.kind in ("select", "radio"):
            return str(self.options[value])
        if self.kind == "check":
            return "true" if value else "false"
        if self.kind == "steps":
            return "off" if value == 0 else f"{value:g}"
        return str(int(value)) if self.kind == "int" else f"{float(value):g}"

    def parse(self, raw: str):
        """Return the value a URL string stands for, or raise ValueError."""
        if self.kind in ("select", "radio"):
            # the URL holds the label shown in the widget (Streamlit binds formatted options)
            by_label = {label: value for value, label in self.options.items()}
            if raw not in by_label:
                raise ValueError("not one of the choices")
            return by_label[raw]
        if self.kind == "check":
            if raw.lower() not in ("true", "false"):
                raise ValueError("must be true or false")
            return raw.lower() == "true"
        if self.kind == "steps" and raw == "off" and 0 in self.options:
            return 0.0
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        if self.kind == "steps":
            match = [v for v in self.options if math.isclose(v, value, rel_tol=1e-9, abs_tol=1e-12)]
            if not match:
                raise ValueError("not one of the allowed values")
            return match[0]
        if not self.lo <= value <= self.hi:
            raise ValueError(f"outside {self.lo:g} … {self.hi:g}")
        if self.kind == "int":
            if value != int(value):
                raise ValueError("not a whole number")
            return int(value)
        return value


SETTINGS: tuple[Setting, ...] = (
    Setting("ds", "select", "Dataset", "circle", DATASETS),
    Setting("noise", "float", "Noise", 0.1, lo=0.0, hi=0.5, step=0.05),
    Setting("n", "int", "Samples N", 200, lo=20, hi=1000, step=10),
    Setting("test", "float", "Test fraction", 0.2, lo=0.0, hi=0.5, step=0.05),
    Setting("dseed", "int", "Data seed", 0, lo=0, hi=9999),
    Setting("layers", "int", "Hidden layers", 2, lo=0, hi=6),
    Setting("width", "int", "Neurons per hidden layer", 4, lo=1, hi=16),
    Setting("act", "select", "Hidden activation", "tanh", ACT_LABELS),
    Setting("loss", "select", "Loss", "auto", LOSS_LABELS),
    Setting("init", "select", "Initialisation", "xavier_uniform", INIT_LABELS),
    Setting("iscale", "steps", "Initial weight scale ×", 1.0, SCALE_STEPS),
    Setting("seed", "int", "Weight seed", 1, lo=0, hi=9999),
    Setting("lr", "steps", "Learning rate η", 1.0, LR_STEPS, rebuilds=False),
    Setting("sched", "select", "Schedule", "constant", SCHEDULES, rebuilds=False),
    Setting("decay", "float", "Decay γ", 0.5, lo=0.05, hi=1.0, step=0.05, rebuilds=False),
    Setting("every", "int", "Decay every (iterations)", 100, lo=10, hi=1000, step=10, rebuilds=False),
    Setting("opt", "select", "Optimizer", "sgd", OPTIMIZERS, rebuilds=False),
    Setting("mom", "float", "Momentum μ", 0.9, lo=0.0, hi=0.99, step=0.01, rebuilds=False),
    Setting("beta1", "steps", "Adam β₁", 0.9, (0.0, 0.5, 0.8, 0.9, 0.95, 0.99), rebuilds=False),
    Setting("beta2", "steps", "Adam β₂", 0.999, (0.9, 0.99, 0.999, 0.9999), rebuilds=False),
    Setting("batch", "radio", "Batch", "full", BATCH_MODES, rebuilds=False),
    Setting("bs", "steps", "Batch size B", 16, BATCH_STEPS, rebuilds=False),
    Setting("l1", "steps", "L1 λ₁", 0.0, REG_STEPS, rebuilds=False),
    Setting("l2", "steps", "L2 λ₂", 0.0, REG_STEPS, rebuilds=False),
    Setting("clip", "select", "Gradient clipping", "off", CLIP_MODES, rebuilds=False),
    Setting("clipat", "steps", "Clip threshold", 1.0, CLIP_STEPS, rebuilds=False),
    Setting("biases", "check", "Train biases", True, rebuilds=False),
)
BY_KEY = {s.key: s for s in SETTINGS}
#: URL keys the app understands besides the settings (page flags)
OTHER_URL_KEYS = frozenset({"presenter", "hide", "lesson"})
#: pages with their own URL-bound widgets use these key prefixes; the shared check leaves them alone
PAGE_KEY_PREFIXES = ("vg_", "we_", "ls_", "fb_", "lesson_")


def defaults() -> dict:
    """Return {key: default value} for every setting."""
    return {s.key: s.default for s in SETTINGS}


def url_problems(params: dict[str, str | list[str]]) -> list[str]:
    """Return one plain message per unknown or invalid URL parameter (names shortened, never executed)."""
    problems = []
    for key, raw in params.items():
        shown_key = _shorten(key)
        if key in OTHER_URL_KEYS or key.startswith(PAGE_KEY_PREFIXES):
            continue
        setting = BY_KEY.get(key)
        if setting is None:
            problems.append(f"unknown setting “{shown_key}” (ignored)")
            continue
        value = raw[-1] if isinstance(raw, list) else raw
        try:
            setting.parse(str(value))
        except ValueError as e:
            default = setting.url_text(setting.default)
            problems.append(f"{setting.label} = “{_shorten(str(value))}”: {e}; using {default}")
    return problems


def _shorten(text: str, limit: int = 30) -> str:
    # keep only harmless characters so a crafted URL can't inject markup into the notice
    safe = "".join(ch if ch.isalnum() or ch in " ._-+=" else "·" for ch in text)
    return safe if len(safe) <= limit else safe[:limit] + "…"


def to_query(values: dict) -> dict[str, str]:
    """Return URL query parameters for the settings in values that differ from their defaults."""
    return {k: BY_KEY[k].url_text(v) for k, v in values.items() if k in BY_KEY and v != BY_KEY[k].default}


def to_config(values: dict) -> Config:
    """Return the Config for a {key: value} dict of settings (missing keys take their defaults)."""
    v = {**defaults(), **values}
    clip = v["clip"]
    return Config(
        dataset=v["ds"], noise=float(v["noise"]), n_samples=int(v["n"]), test_ratio=float(v["test"]),
        data_seed=int(v["dseed"]), hidden=(int(v["width"]),) * int(v["layers"]), activation=v["act"],
        loss=v["loss"], init=v["init"], init_scale=float(v["iscale"]), seed=int(v["seed"]), lr=float(v["lr"]),
        schedule=v["sched"],
        decay=float(v["decay"]), step_size=int(v["every"]), optimizer=v["opt"], momentum=float(v["mom"]),
        beta1=float(v["beta1"]), beta2=float(v["beta2"]),
        batch_mode=v["batch"], batch_size=int(v["bs"]), l1=float(v["l1"]), l2=float(v["l2"]),
        clip_norm=float(v["clipat"]) if clip == "norm" else 0.0,
        clip_value=float(v["clipat"]) if clip == "value" else 0.0, train_biases=bool(v["biases"]),
    )


def from_config(cfg: Config) -> dict:
    """Return the {key: value} widget settings closest to cfg (uniform hidden widths, values on the widgets' steps)."""
    clip = "norm" if cfg.clip_norm else "value" if cfg.clip_value else "off"
    raw = {
        "ds": cfg.dataset, "noise": cfg.noise, "n": cfg.n_samples, "test": cfg.test_ratio, "dseed": cfg.data_seed,
        "layers": len(cfg.hidden), "width": cfg.hidden[0] if cfg.hidden else 4, "act": cfg.activation,
        "loss": cfg.loss, "init": cfg.init, "iscale": cfg.init_scale, "seed": cfg.seed, "lr": cfg.lr,
        "sched": cfg.schedule,
        "decay": cfg.decay, "every": cfg.step_size, "opt": cfg.optimizer, "mom": cfg.momentum,
        "beta1": cfg.beta1, "beta2": cfg.beta2,
        "batch": cfg.batch_mode, "bs": cfg.batch_size, "l1": cfg.l1, "l2": cfg.l2, "clip": clip,
        "clipat": cfg.clip_norm or cfg.clip_value or 1.0, "biases": cfg.train_biases,
    }
    return {k: BY_KEY[k].nearest(v) for k, v in raw.items()}
