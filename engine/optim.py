"""Optimizers, learning-rate schedules, regularization and gradient clipping.

Optimizers are pure functions of (grads, state, lr) → (updates, new_state), so the optimizer
state can be snapshotted and restored exactly. An update is what gets *added* to a parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

OPTIMIZERS = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
SCHEDULES = {"constant": "Constant", "step": "Step decay", "exponential": "Exponential", "inv_t": "1/t"}


@dataclass(frozen=True)
class OptimizerSpec:
    """Which optimizer and its hyper-parameters."""

    name: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


def init_state(spec: OptimizerSpec, params: list[Array]) -> dict:
    """Return a fresh optimizer state for parameters shaped like `params` (a flat list)."""
    if spec.name == "sgd":
        return {"t": 0}
    if spec.name == "momentum":
        return {"t": 0, "v": [np.zeros_like(p) for p in params]}
    if spec.name == "adam":
        return {"t": 0, "m": [np.zeros_like(p) for p in params], "v": [np.zeros_like(p) for p in params]}
    raise ValueError(f"unknown optimizer {spec.name!r}; choose one of {', '.join(OPTIMIZERS)}")


def copy_state(state: dict) -> dict:
    """Return a deep copy of an optimizer state."""
    return {k: ([a.copy() for a in v] if isinstance(v, list) else v) for k, v in state.items()}


def optimizer_updates(spec: OptimizerSpec, grads: list[Array], state: dict,
                      lr: float) -> tuple[list[Array], dict]:
    """Return (updates shaped like grads, new state). Updates are added to the parameters."""
    t = state["t"] + 1
    if spec.name == "sgd":
        return [-lr * g for g in grads], {"t": t}
    if spec.name == "momentum":
        # v ← μ·v − η·g ; θ ← θ + v  (the classical heavy-ball form)
        v = [spec.momentum * v0 - lr * g for v0, g in zip(state["v"], grads)]
        return [x.copy() for x in v], {"t": t, "v": v}
    if spec.name == "adam":
        b1, b2 = spec.beta1, spec.beta2
        m = [b1 * m0 + (1 - b1) * g for m0, g in zip(state["m"], grads)]
        v = [b2 * v0 + (1 - b2) * g * g for v0, g in zip(state["v"], grads)]
        c1, c2 = 1 - b1**t, 1 - b2**t
        updates = [-lr * (mi / c1) / (np.sqrt(vi / c2) + spec.eps) for mi, vi in zip(m, v)]
        return updates, {"t": t, "m": m, "v": v}
    raise ValueError(f"unknown optimizer {spec.name!r}")


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
    """Return (penalty, grads shaped like weights) for λ1·Σ|W| + ½λ2·ΣW² (weights only, never biases)."""
    penalty = 0.0
    grads = []
    for W in weights:
        g = np.zeros_like(W)
        if l1:
            penalty += l1 * float(np.abs(W).sum())
            g += l1 * np.sign(W)
        if l2:
            penalty += 0.5 * l2 * float(np.einsum("ij,ij->", W, W))
            g += l2 * W
        grads.append(g)
    return penalty, grads


def global_norm(arrays: list[Array]) -> float:
    """Return √(Σ‖a‖²) over all arrays."""
    return math.sqrt(sum(float(np.vdot(a, a)) for a in arrays))


def clip_gradients(grads: list[Array], clip_norm: float | None, clip_value: float | None,
                   raw: float | None = None) -> tuple[list[Array], float, float]:
    """Return (clipped grads, raw global norm, clipped global norm): value clip, then norm clip.

    `raw` may pass in the already computed global norm of grads.
    """
    if raw is None:
        raw = global_norm(grads)
    out = grads
    if clip_value:
        out = [np.clip(g, -clip_value, clip_value) for g in out]
    if clip_norm:
        n = global_norm(out)
        if n > clip_norm:
            out = [g * (clip_norm / n) for g in out]
    clipped = raw if out is grads else global_norm(out)
    return out, raw, clipped
