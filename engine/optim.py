r"""Optimizers, learning-rate schedules and gradient clipping.

An optimizer is an update rule for one parameter θ with gradient g: `update(g, state, lr, hyper)` returns
(Δθ, new state), and Δθ is what gets *added* to θ. Each parameter (every W and every b) keeps its own state,
including its own step count, as PyTorch does, so a parameter that sits out a step (frozen biases) neither
moves nor ages. States are plain dicts of arrays and ints, never changed in place, so they snapshot exactly.

To add an optimizer, add one `Optimizer(...)` to the tuple below; `hyper` names the Config fields it reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .losses import penalty, penalty_gradients

Array = np.ndarray
State = dict


@dataclass(frozen=True)
class Optimizer:
    """An update rule: its label, its TeX, the Config hyper-parameters it reads, its state and its update."""

    name: str
    label: str
    tex: str                        #: the rule in TeX, with g = ∂L/∂θ and η the learning rate
    hyper: tuple[str, ...]          #: names of the Config fields it reads (shown in the sidebar when chosen)
    init: Callable[[Array], State]  #: fresh state for a parameter shaped like the argument
    update: Callable[[Array, State, float, Mapping[str, float]], tuple[Array, State]]


def _sgd(g: Array, state: State, lr: float, hp: Mapping[str, float]) -> tuple[Array, State]:
    return -lr * g, state


def _momentum(g: Array, state: State, lr: float, hp: Mapping[str, float]) -> tuple[Array, State]:
    v = hp["momentum"] * state["v"] - lr * g            # the classical heavy-ball form: v ← μv − ηg, θ ← θ + v
    return v, {"v": v}


def _adam(g: Array, state: State, lr: float, hp: Mapping[str, float]) -> tuple[Array, State]:
    b1, b2 = hp["beta1"], hp["beta2"]
    t = state["t"] + 1
    m = b1 * state["m"] + (1 - b1) * g
    v = b2 * state["v"] + (1 - b2) * g * g
    step = -lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + hp["eps"])
    return step, {"t": t, "m": m, "v": v}


OPTIMIZER_RULES: dict[str, Optimizer] = {o.name: o for o in (
    Optimizer("sgd", "SGD", r"\Delta\theta = -\eta\,g", (), lambda p: {}, _sgd),
    Optimizer("momentum", "Momentum", r"v \leftarrow \mu v - \eta\,g,\quad \Delta\theta = v", ("momentum",),
              lambda p: {"v": np.zeros_like(p)}, _momentum),
    Optimizer("adam", "Adam",
              r"m \leftarrow \beta_1 m + (1-\beta_1)g,\ v \leftarrow \beta_2 v + (1-\beta_2)g^2,\ "
              r"\Delta\theta = -\eta\,\frac{m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)}+\epsilon}",
              ("beta1", "beta2", "eps"), lambda p: {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)}, _adam),
)}
#: name → label, for widgets (the labels come from OPTIMIZER_RULES)
OPTIMIZERS = {name: o.label for name, o in OPTIMIZER_RULES.items()}
SCHEDULES = {"constant": "Constant", "step": "Step decay", "exponential": "Exponential", "inv_t": "1/t"}


def get_optimizer(name: str) -> Optimizer:
    """Return the registered Optimizer called `name` (ValueError listing the valid names otherwise)."""
    try:
        return OPTIMIZER_RULES[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZER_RULES)}") from None


def copy_state(states: list[State]) -> list[State]:
    """Return a copy of per-parameter optimizer states whose arrays share nothing with the original."""
    return [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()} for s in states]


def scheduled_lr(base_lr: float, schedule: str, iteration: int, decay: float = 0.5,
                 step_size: int = 100) -> float:
    """Return the learning rate used at 1-based `iteration` under `schedule`.

    step: η·γ^⌊(t−1)/s⌋ · exponential: η·γ^((t−1)/s) · inv_t: η/(1 + γ·(t−1)/s) · constant: η.
    """
    k = iteration - 1
    if schedule == "constant":
        return base_lr
    if schedule == "step":
        return base_lr * decay ** (k // step_size)
    if schedule == "exponential":
        return base_lr * decay ** (k / step_size)
    if schedule == "inv_t":
        return base_lr / (1.0 + decay * k / step_size)
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")


def regularization(weights: list[Array], l1: float, l2: float) -> tuple[float, list[Array]]:
    """Return (penalty, grads shaped like weights) of λ1·Σ|W| + ½λ2·ΣW² (engine.losses.penalty and its gradient)."""
    return penalty(weights, l1, l2), penalty_gradients(weights, l1, l2)


def global_norm(arrays: list[Array]) -> float:
    """Return √(Σ‖a‖²) over all arrays."""
    return math.sqrt(sum(float(np.vdot(a, a)) for a in arrays))


def clip_gradients(grads: list[Array], clip_norm: float, clip_value: float) -> list[Array]:
    """Return the gradients clipped elementwise to ±clip_value, then rescaled to global norm ≤ clip_norm (0 = off)."""
    if clip_value:
        grads = [np.clip(g, -clip_value, clip_value) for g in grads]
    if clip_norm:
        norm = global_norm(grads)
        if norm > clip_norm:
            grads = [g * (clip_norm / norm) for g in grads]
    return grads
