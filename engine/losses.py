"""Losses: each entry carries the per-sample loss ℓ_i, its derivative ∂ℓ_i/∂a, its label and its TeX.

`half_sse` and `mse` work with any output activation (δ_L = ∂ℓ/∂a ⊙ f′(z), engine/network.py).
`bce` (sigmoid output) and `softmax_ce` (softmax output) are fused with their output: δ_L = a − t, and the
loss is computed from z with log-sum-exp, so neither overflows nor takes log(0).
The weight penalty λ₁Σ|W| + ½λ₂ΣW² (regularization) lives here too: it is part of the loss being minimised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .activations import get_activation

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """A loss: `per_sample(z, a, y)` → (..., B), `dloss_da(a, y)` → (B, K), how to show it, what it needs."""

    name: str
    label: str
    tex: str                                  #: TeX of ℓ in terms of the target t and the output o
    per_sample: Callable[[Array, Array, Array], Array]
    dloss_da: Callable[[Array, Array], Array]
    fused_output: str | None = None           #: the output activation whose δ_L = a − t is fused with this loss
    task: str | None = None                   #: the task this loss is the automatic choice for

    def per_sample_for(self, y: Array) -> Callable[[Array, Array], Array]:
        """Return per_sample(z, a) → (B,) for fixed targets y (kept for callers that evaluate repeatedly)."""
        return lambda z, a: self.per_sample(z, a, y)


def _half_sse(z: Array, a: Array, y: Array) -> Array:
    r = y - a
    return 0.5 * np.einsum("...k,...k->...", r, r)


def _mse(z: Array, a: Array, y: Array) -> Array:
    r = y - a
    return np.einsum("...k,...k->...", r, r) / a.shape[-1]


def _bce(z: Array, a: Array, y: Array) -> Array:
    # the targets are 0/1 labels (labels_problem refuses others), and then −[t log σ(z) + (1−t) log(1−σ(z))]
    # = softplus((1 − 2t)·z) = log(1 + e^{(1−2t)z}): finite for any z, and it keeps tiny losses
    # (z = 50, t = 1 → 1.9e−22) instead of rounding them to 0
    return np.logaddexp(0.0, (1.0 - 2.0 * y) * z).sum(axis=-1)


def _d_bce(a: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - y) / (a * (1.0 - a))


def _softmax_ce(z: Array, a: Array, y: Array) -> Array:
    zmax = z.max(axis=-1, keepdims=True)
    lse = zmax[..., 0] + np.log(np.exp(z - zmax).sum(axis=-1))
    return lse - np.einsum("...k,...k->...", y, z)


def _d_softmax_ce(a: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -y / a


LOSSES: dict[str, Loss] = {loss.name: loss for loss in (
    Loss("half_sse", "½·SSE (textbook)", r"\tfrac12\sum_k (t_k-o_k)^2", _half_sse, lambda a, y: a - y),
    Loss("mse", "MSE", r"\tfrac1K\sum_k (t_k-o_k)^2", _mse, lambda a, y: 2.0 * (a - y) / a.shape[-1],
         task="regression"),
    Loss("bce", "Binary cross-entropy", r"-[t\log o+(1-t)\log(1-o)]", _bce, _d_bce, fused_output="sigmoid",
         task="binary"),
    Loss("softmax_ce", "Softmax cross-entropy", r"-\sum_k t_k\log o_k", _softmax_ce, _d_softmax_ce,
         fused_output="softmax", task="multiclass"),
)}


def get_loss(name: str) -> Loss:
    """Return the registered Loss called `name` (ValueError listing the valid names otherwise)."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None


def resolve_loss(loss: str, output: str, task: str) -> tuple[str, str]:
    """Return (loss, output activation) with "auto" filled in to fit the task (binary → BCE on a sigmoid…)."""
    if loss == "auto":
        by_task = {entry.task: entry.name for entry in LOSSES.values() if entry.task}
        loss = by_task.get(task, by_task["regression"])
    if output == "auto":
        output = get_loss(loss).fused_output or ("linear" if task == "regression" else "sigmoid")
    return loss, output


def labels_problem(y: Array, task: str, loss: str, output: str = "auto") -> str | None:
    """Return why targets y (N, K) of a `task` dataset don't fit the loss/output, or None when they do.

    The one label check: the Trainer and the CSV loader both call it. "auto" is resolved first.
    """
    loss, output = resolve_loss(loss, output, task)
    if loss == "bce" and (y.shape[1] != 1 or not np.isin(y, (0.0, 1.0)).all()):
        return "binary cross-entropy needs one target column of 0/1 labels"
    if loss == "softmax_ce" and task != "multiclass":
        return "softmax cross-entropy needs class labels (two or more classes)"
    lo, hi = get_activation(output).output_range
    if get_loss(loss).fused_output is None and ((y < lo) | (y > hi)).any():
        return f"a {output} output can only reach targets between {lo:g} and {hi:g}"
    return None


def penalty(weights: Sequence[Array], l1: float, l2: float) -> Array | float:
    """Return λ₁·Σ|W| + ½λ₂·ΣW² over the weight matrices (never the biases).

    Each W is (..., n_out, n_in): leading axes (a grid of weights, the loss landscape) give a penalty of that
    shape; plain matrices give a float.
    """
    total = 0.0
    for W in weights:
        if l1:
            total = total + l1 * np.abs(W).sum(axis=(-2, -1))
        if l2:
            total = total + 0.5 * l2 * np.einsum("...ij,...ij->...", W, W)
    return float(total) if np.ndim(total) == 0 else total


def penalty_gradients(weights: Sequence[Array], l1: float, l2: float) -> list[Array]:
    """Return ∂penalty/∂W = λ₁·sign(W) + λ₂·W for each weight matrix, shaped like it."""
    return [l1 * np.sign(W) + l2 * W for W in weights]
