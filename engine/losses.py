"""Losses: per-sample loss ℓ_i and the output error δ_L = ∂ℓ_i/∂z_L, side by side.

`half_sse` and `mse` work with any output activation: δ_L = ∂ℓ/∂a · f'(z).
`bce` (sigmoid output) and `softmax_ce` (softmax output) are fused: δ_L = a − y, and the loss is
computed from z with log-sum-exp, so neither overflows nor takes log(0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import Activation

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """A loss: `per_sample(z, a, y)` → (B,), `dloss_da(a, y)` → (B, K), and the output activation it needs."""

    name: str
    label: str
    per_sample: Callable[[Array, Array, Array], Array]
    dloss_da: Callable[[Array, Array], Array]
    latex: str
    fused_output: str | None = None  # the output activation whose δ_L is fused with this loss

    def per_sample_for(self, y: Array) -> Callable[[Array, Array], Array]:
        """Return per_sample(z, a) → (B,) specialised to fixed targets y (B, K), for repeated evaluation."""
        if self.name == "bce" and y.shape[1] == 1 and np.isin(y, (0.0, 1.0)).all():
            # with 0/1 labels ℓ = softplus((1 − 2y)·z) exactly: 2 NumPy calls instead of 8, and just as
            # precise (logaddexp keeps the tiny tail that max(z,0) − y·z + log1p(e^−|z|) keeps)
            sign = (1.0 - 2.0 * y)[:, 0]
            return lambda z, a: np.logaddexp(0.0, sign * z[:, 0])
        return lambda z, a: self.per_sample(z, a, y)

    def delta(self, z: Array, a: Array, y: Array, out: Activation) -> Array:
        """Return δ_L = ∂ℓ_i/∂z_L per sample, shape (B, K)."""
        if self.fused_output is not None:
            return a - y
        return self.dloss_da(a, y) * out.df(z, a)


def _half_sse(z: Array, a: Array, y: Array) -> Array:
    r = y - a
    return 0.5 * np.einsum("ij,ij->i", r, r)


def _d_half_sse(a: Array, y: Array) -> Array:
    return a - y


def _mse(z: Array, a: Array, y: Array) -> Array:
    r = y - a
    return np.einsum("ij,ij->i", r, r) / a.shape[1]


def _d_mse(a: Array, y: Array) -> Array:
    return 2.0 * (a - y) / a.shape[1]


def _bce(z: Array, a: Array, y: Array) -> Array:
    # −[y log σ(z) + (1−y) log(1−σ(z))] = max(z, 0) − y·z + log(1 + e^−|z|): finite for any z, and the
    # log1p term keeps tiny losses (z = 50, y = 1 → 1.9e−22) instead of rounding them to 0
    return (np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))).sum(axis=1)


def _d_bce(a: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - y) / (a * (1.0 - a))


def _softmax_ce(z: Array, a: Array, y: Array) -> Array:
    zmax = z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
    return lse - np.einsum("ij,ij->i", y, z)


def _d_softmax_ce(a: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -y / a


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("half_sse", "½·SSE (textbook)", _half_sse, _d_half_sse, r"\tfrac12\sum_k (t_k-o_k)^2"),
        Loss("mse", "MSE", _mse, _d_mse, r"\tfrac1K\sum_k (t_k-o_k)^2"),
        Loss("bce", "Binary cross-entropy", _bce, _d_bce,
             r"-[t\log o+(1-t)\log(1-o)]", fused_output="sigmoid"),
        Loss("softmax_ce", "Softmax cross-entropy", _softmax_ce, _d_softmax_ce,
             r"-\sum_k t_k\log o_k", fused_output="softmax"),
    )
}


def get_loss(name: str) -> Loss:
    """Return the registered Loss called `name` (ValueError listing the valid names otherwise)."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
