"""Activation functions as (f, f') pairs written side by side.

Each derivative takes both z and a = f(z), so sigmoid and tanh can reuse the activation
(σ' = a(1 − a), tanh' = 1 − a²) exactly as textbooks write them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An activation: `f(z)` and its elementwise derivative `df(z, a)`, both shaped like z."""

    name: str
    label: str
    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array]
    latex: str


def sigmoid(z: Array) -> Array:
    """σ(z) = 1/(1+e^(−z)), same shape as z; stable for any |z| (no overflow warnings)."""
    # σ(z) = exp(−softplus(−z)); logaddexp never overflows and keeps σ's tiny tail exact
    return np.exp(-np.logaddexp(0.0, -z))


def _d_sigmoid(z: Array, a: Array) -> Array:
    return a * (1.0 - a)


def _tanh(z: Array) -> Array:
    return np.tanh(z)


def _d_tanh(z: Array, a: Array) -> Array:
    return 1.0 - a * a


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _d_relu(z: Array, a: Array) -> Array:
    # the derivative at exactly 0 is taken as 0 (as PyTorch does)
    return (z > 0).astype(np.float64)


def _leaky_relu(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _d_leaky_relu(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def _linear(z: Array) -> Array:
    return z


def _d_linear(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def softmax(z: Array) -> Array:
    """Softmax over the last axis of z (…, K) → (…, K); max-shifted so it never overflows."""
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _d_softmax(z: Array, a: Array) -> Array:
    # softmax only appears fused with cross-entropy, whose δ_L = a − y is computed directly;
    # the elementwise "derivative" is never used for a Jacobian product.
    raise ValueError("softmax is only supported as the output of softmax_ce (fused, stable δ)")


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "Sigmoid", sigmoid, _d_sigmoid, r"\sigma(z)=\frac{1}{1+e^{-z}}"),
        Activation("tanh", "Tanh", _tanh, _d_tanh, r"\tanh(z)"),
        Activation("relu", "ReLU", _relu, _d_relu, r"\max(0,z)"),
        Activation("leaky_relu", "Leaky ReLU", _leaky_relu, _d_leaky_relu, r"\max(0.01z,\,z)"),
        Activation("linear", "Linear", _linear, _d_linear, r"z"),
        Activation("softmax", "Softmax", softmax, _d_softmax, r"\frac{e^{z_k}}{\sum_j e^{z_j}}"),
    )
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


def get_activation(name: str) -> Activation:
    """Return the registered Activation called `name` (ValueError listing the valid names otherwise)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
