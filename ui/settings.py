"""The shared settings: one table drives the sidebar widgets, the URL check and the Config mapping.

Each Setting names the Config field it sets and how its widget value converts, so `to_config` and
`from_config` are generated from the table and the widgets' defaults are Config's defaults. Labels and choices
come from the engine's registries; ranges from engine/limits.py. Pure Python (no Streamlit), so the URL
validation is unit-tested on its own.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from engine import (
    ACTIVATIONS,
    BATCH_MODES,
    DATASETS,
    HIDDEN_ACTIVATIONS,
    INITIALIZERS,
    LOSSES,
    OPTIMIZER_RULES,
    SCHEDULES,
    Config,
    limits,
)
from engine.network import BN_EPS, BN_MOMENTUM, BN_ONE_SAMPLE

# 0.4 on the mean of XOR's four samples is the lecture listing's 0.1 on their sum (Lesson 2)
LR_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 2.0, 3.0,
            5.0, 10.0)
REG_STEPS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
CLIP_STEPS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
BATCH_STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
SCALE_STEPS = (0.1, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
DROPOUT_STEPS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
BATCH_NORM_HELP = (f"Batch normalisation before the activation of every hidden layer: z → x̂ = (z − μ_B)/√(σ²_B + "
                   f"{BN_EPS:g}) → y = γx̂ + β → a = f(y), with μ_B and σ²_B the batch's mean and variance of z. γ and "
                   f"β are trained by the optimizer. Evaluation (train/test loss, decision boundary, landscape) "
                   f"normalises with running averages instead, updated at every step with momentum {BN_MOMENTUM:g}: "
                   f"running ← {1 - BN_MOMENTUM:g}·running + {BN_MOMENTUM:g}·batch value. {BN_ONE_SAMPLE}")
DROPOUT_HELP = ("Inverted dropout on every hidden layer while training: each step drops each hidden neuron of each "
                "sample with probability p (its output and its δ are 0) and scales the kept ones by 1/(1 − p). The "
                "masks come from the weight seed and the iteration, so a rewind or a reload replays them exactly. "
                "Evaluation (train/test loss, decision boundary, landscape) uses every neuron.")
BIASES_HELP = ("Untick to freeze every b: it keeps its value and its optimizer state (momentum, Adam's moments and "
               "step count) waits. The panels still show ∂L/∂b, but the global gradient norm, which clipping uses, "
               "leaves frozen biases out.")
#: hidden activation → label (from the registry; kept under this name for the pages that import it)
ACT_LABELS = {name: ACTIVATIONS[name].label for name in HIDDEN_ACTIVATIONS}
LOSS_LABELS = {"auto": "Auto (fits the task)", **{k: v.label for k, v in LOSSES.items()}}
CLIP_MODES = {"off": "Off", "norm": "By global norm", "value": "By value"}
MAX_SAMPLES_SLIDER = 2000   # the samples slider's top; engine/limits.py allows more from a file
NO_HIDDEN = "none"


def _hidden_text(hidden: tuple[int, ...]) -> str:
    return "-".join(str(h) for h in hidden) or NO_HIDDEN


def parse_hidden(raw: str) -> str:
    """Return the canonical text ("6-4-2", or "none") of hidden widths typed as raw, or raise ValueError."""
    text = raw.strip().replace(" ", "").replace(",", "-").replace("×", "x").lower()
    if text in ("", "0", NO_HIDDEN):
        return NO_HIDDEN
    if "x" in text:   # "3x8": three layers of 8
        count, _, width = text.partition("x")
        text = "-".join([width] * int(count)) if _digits(count) and len(count) < 3 else "?"
    parts = text.split("-")
    if not all(_digits(p) and len(p) < 5 for p in parts):
        raise ValueError("write the neurons of each hidden layer as numbers joined by dashes, e.g. 6-4-2")
    widths = tuple(int(p) for p in parts)
    problem = limits.HIDDEN_LAYERS.problem(len(widths)) or next(
        (m for l, h in enumerate(widths, start=1) if (m := limits.WIDTH.problem(h, f"in hidden layer {l}"))), None)
    if problem:
        raise ValueError(problem)
    return _hidden_text(widths)


def _digits(text: str) -> bool:
    # ASCII digits only: "²".isdigit() and "٣".isdecimal() are true, and int() then fails or surprises
    return text.isascii() and text.isdigit()


def _from_hidden_text(text: str) -> tuple[int, ...]:
    return () if text == NO_HIDDEN else tuple(int(p) for p in text.split("-"))


@dataclass(frozen=True)
class Setting:
    """One sidebar widget: URL key, kind, label, allowed values, and the Config field it sets.

    `field` names the Config field; `to_fields(values)` / `from_field(cfg)` convert when a setting is not a
    plain copy of its field (hidden widths, clipping). The default is Config's default, as the widget shows it.
    """

    key: str
    kind: str                 #: "select" | "radio" | "steps" | "int" | "float" | "check" | "text"
    label: str
    field: str | None
    options: dict | tuple | None = None   #: select/radio: value → label; steps: the allowed values
    lo: float = 0
    hi: float = 0
    step: float = 1
    rebuilds: bool = True
    help: str | None = None
    shown: Callable[[dict], bool] | None = None          #: shown only when this holds for the values so far
    to_fields: Callable[[dict], dict] | None = None      #: widget values → Config fields (default: the field)
    from_field: Callable[[Config], object] | None = None  #: Config → widget value (default: the field)
    own_default: object = None  #: the default of a page's own setting that sets no Config field

    @property
    def default(self):
        """Return the widget value of Config's default (a page's own setting: its own default)."""
        return self.value_for(Config()) if self.own_default is None else self.own_default

    def value_for(self, cfg: Config):
        """Return the widget value closest to cfg's (a loaded experiment may hold values the widget can't show)."""
        return self.nearest(self.from_field(cfg) if self.from_field else getattr(cfg, self.field))

    def fields(self, values: dict) -> dict:
        """Return the Config fields this setting sets, from the widget values."""
        if self.to_fields:
            return self.to_fields(values)
        cast = {"int": int, "float": float, "steps": float, "check": bool}.get(self.kind, lambda v: v)
        value = values[self.key]
        return {self.field: int(value) if self.field in _INT_FIELDS else cast(value)}

    def nearest(self, value):
        """Return the widget value closest to value."""
        if self.kind in ("select", "radio"):
            return value if value in self.options else next(iter(self.options))
        if self.kind == "check":
            return bool(value)
        if self.kind == "text":
            return value
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
        if self.kind == "text":
            return str(value)
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
        if self.kind == "text":
            return parse_hidden(raw)
        if self.kind == "steps" and raw == "off" and 0 in self.options:
            return 0.0
        value = _number(raw)
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


def _number(raw: str) -> float:
    if len(raw) > 30:   # never hand Python a 5000-digit number to convert
        raise ValueError("not a number")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


_INT_FIELDS = {f.name for f in dataclasses.fields(Config) if f.type in ("int", int)}


def _uses(hyper: str) -> Callable[[dict], bool]:
    """Return a test: does the chosen optimizer read this hyper-parameter? (from the optimizer registry)"""
    return lambda v: hyper in OPTIMIZER_RULES[v["opt"]].hyper


def _clip_fields(v: dict) -> dict:
    at = float(v.get("clipat", 1.0))
    return {"clip_norm": at if v["clip"] == "norm" else 0.0, "clip_value": at if v["clip"] == "value" else 0.0}


def _scheduled(v: dict) -> bool:
    return v["sched"] != "constant"


SETTINGS: tuple[Setting, ...] = (
    Setting("ds", "select", "Dataset", "dataset", DATASETS),
    Setting("noise", "float", "Noise", "noise", lo=0.0, hi=0.5, step=0.05),
    Setting("n", "int", "Samples N", "n_samples", lo=20, hi=MAX_SAMPLES_SLIDER, step=10),
    Setting("test", "float", "Test fraction", "test_ratio", lo=0.0, hi=0.5, step=0.05),
    Setting("dseed", "int", "Data seed", "data_seed", lo=0, hi=9999),
    Setting("hidden", "text", "Hidden layers (neurons in each)", "hidden",
            help=f"Neurons of each hidden layer joined by dashes: 6-4-2 is three hidden layers. Up to "
                 f"{limits.HIDDEN_LAYERS.hi} layers of {limits.WIDTH.lo}–{limits.WIDTH.hi} neurons; "
                 f"“{NO_HIDDEN}” for no hidden layer.",
            to_fields=lambda v: {"hidden": _from_hidden_text(v["hidden"])},
            from_field=lambda cfg: _hidden_text(cfg.hidden)),
    Setting("act", "select", "Hidden activation", "activation", ACT_LABELS),
    Setting("loss", "select", "Loss", "loss", LOSS_LABELS),
    Setting("init", "select", "Initialisation", "init", {k: v.label for k, v in INITIALIZERS.items()}),
    Setting("iscale", "steps", "Initial weight scale ×", "init_scale", SCALE_STEPS),
    Setting("bn", "check", "Batch norm (every hidden layer)", "batch_norm", help=BATCH_NORM_HELP),
    Setting("seed", "int", "Weight seed", "seed", lo=0, hi=9999),
    Setting("lr", "steps", "Learning rate η", "lr", LR_STEPS, rebuilds=False),
    Setting("sched", "select", "Schedule", "schedule", SCHEDULES, rebuilds=False),
    Setting("decay", "float", "Decay γ", "decay", lo=0.05, hi=1.0, step=0.05, rebuilds=False, shown=_scheduled),
    Setting("every", "int", "Decay every (iterations)", "step_size", lo=10, hi=1000, step=10, rebuilds=False,
            shown=_scheduled),
    Setting("opt", "select", "Optimizer", "optimizer", {k: v.label for k, v in OPTIMIZER_RULES.items()},
            rebuilds=False),
    Setting("mom", "float", "Momentum μ", "momentum", lo=0.0, hi=0.99, step=0.01, rebuilds=False,
            shown=_uses("momentum")),
    Setting("beta1", "steps", "Adam β₁", "beta1", (0.0, 0.5, 0.8, 0.9, 0.95, 0.99), rebuilds=False,
            shown=_uses("beta1")),
    Setting("beta2", "steps", "Adam β₂", "beta2", (0.9, 0.99, 0.999, 0.9999), rebuilds=False, shown=_uses("beta2")),
    Setting("batch", "radio", "Batch", "batch_mode", BATCH_MODES, rebuilds=False),
    Setting("bs", "steps", "Batch size B", "batch_size", BATCH_STEPS, rebuilds=False,
            shown=lambda v: v["batch"] == "mini"),
    Setting("l1", "steps", "L1 λ₁", "l1", REG_STEPS, rebuilds=False),
    Setting("l2", "steps", "L2 λ₂", "l2", REG_STEPS, rebuilds=False),
    Setting("clip", "select", "Gradient clipping", None, CLIP_MODES, rebuilds=False, to_fields=_clip_fields,
            from_field=lambda cfg: "norm" if cfg.clip_norm else "value" if cfg.clip_value else "off"),
    Setting("clipat", "steps", "Clip threshold", None, CLIP_STEPS, rebuilds=False,
            shown=lambda v: v["clip"] != "off", to_fields=lambda v: {},
            from_field=lambda cfg: cfg.clip_norm or cfg.clip_value or 1.0),
    Setting("drop", "steps", "Dropout rate p (hidden layers)", "dropout", DROPOUT_STEPS, rebuilds=False,
            help=DROPOUT_HELP),
    Setting("biases", "check", "Train biases", "train_biases", rebuilds=False, help=BIASES_HELP),
)
BY_KEY = {s.key: s for s in SETTINGS}
#: links made before per-layer widths: ?layers=N&width=M means N hidden layers of M neurons
LEGACY_KEYS = {"layers": ("Hidden layers", limits.HIDDEN_LAYERS), "width": ("Neurons per hidden layer", limits.WIDTH)}
#: URL keys the app's own flags use besides the settings
OTHER_URL_KEYS = frozenset({"presenter", "hide", "lesson"})
_claimed_prefixes: set[str] = set()


def claim_url_keys(*prefixes: str) -> None:
    """Declare URL keys starting with these prefixes as a page's own (e.g. claim_url_keys("vg_")), so the
    shared URL check does not call them unknown. A page calls it before drawing the shared sidebar."""
    _claimed_prefixes.update(prefixes)


def defaults() -> dict:
    """Return {key: default value} for every setting (the widget values of Config())."""
    return {s.key: s.default for s in SETTINGS}


def migrate_legacy(params: dict[str, str | list[str]]) -> tuple[dict[str, str | list[str]], list[str]]:
    """Return (params with ?layers=N&width=M rewritten as hidden=M-…-M, problems with those two values).

    A bad legacy value gets the default of its part; an explicit `hidden` wins over both.
    """
    if not set(LEGACY_KEYS) & set(params):
        return params, []
    default = _from_hidden_text(BY_KEY["hidden"].default)
    parts = {"layers": len(default), "width": default[0] if default else 4}
    problems = []
    for key, (label, limit) in LEGACY_KEYS.items():
        if key not in params:
            continue
        raw = str(params[key][-1] if isinstance(params[key], list) else params[key])
        try:
            value = _number(raw)
            if value != int(value) or limit.problem(int(value)):
                raise ValueError(limit.problem(int(value)) or "not a whole number")
            parts[key] = int(value)
        except (ValueError, OverflowError) as e:
            problems.append(f"{label} = “{_shorten(raw)}”: {e}; using {parts[key]}")
    rest = {k: v for k, v in params.items() if k not in LEGACY_KEYS}
    if "hidden" not in rest:
        rest["hidden"] = _hidden_text((parts["width"],) * parts["layers"])
    return rest, problems


def url_problems(params: dict[str, str | list[str]]) -> list[str]:
    """Return one plain message per unknown or invalid URL parameter (names shortened, never executed)."""
    params, problems = migrate_legacy(params)
    for key, raw in params.items():
        if key in OTHER_URL_KEYS or key.startswith(tuple(_claimed_prefixes)):
            continue
        setting = BY_KEY.get(key)
        if setting is None:
            problems.append(f"unknown setting “{_shorten(key)}” (ignored)")
            continue
        value = raw[-1] if isinstance(raw, list) else raw
        try:
            setting.parse(str(value))
        except ValueError as e:
            shown = setting.url_text(setting.default)
            problems.append(f"{setting.label} = “{_shorten(str(value))}”: {e}; using {shown}")
    return problems


def _shorten(text: str, limit: int = 30) -> str:
    # keep only harmless characters so a crafted URL can't inject markup into the notice
    safe = "".join(ch if ch.isalnum() or ch in " ._-+=" else "·" for ch in text[:200])
    return safe if len(safe) <= limit else safe[:limit] + "…"


def to_query(values: dict) -> dict[str, str]:
    """Return URL query parameters for the settings in values that differ from their defaults."""
    return {k: BY_KEY[k].url_text(v) for k, v in values.items() if k in BY_KEY and v != BY_KEY[k].default}


def to_config(values: dict) -> Config:
    """Return the Config for a {key: value} dict of settings (missing keys take their defaults)."""
    v = {**defaults(), **values}
    fields = {}
    for s in SETTINGS:
        fields.update(s.fields(v))
    return Config(**fields)


def from_config(cfg: Config) -> dict:
    """Return the {key: value} widget settings closest to cfg (values on the widgets' steps)."""
    return {s.key: s.value_for(cfg) for s in SETTINGS}
