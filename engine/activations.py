"""Activation functions: each entry carries f, its derivative f′, its label and its TeX, side by side.

The derivative takes both z and a = f(z), so sigmoid and tanh reuse the activation exactly as textbooks
write them (σ′ = a(1 − a), tanh′ = 1 − a²). To add an activation, add one `Activation(...)` to the tuple
below: the sidebar, the equations panel and the gradient tests all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An activation: `f(z)` and its elementwise derivative `df(z, a)`, both shaped like z, and how to show it."""

    name: str
    label: str                          #: what the sidebar and the figures call it
    symbol: str                         #: TeX of the function's name, as in a = σ(z)
    tex: str                            #: TeX of f(z)
    tex_df: str                         #: TeX of f′(z)
    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array]
    hidden: bool = True                 #: usable in hidden layers (softmax is an output only)
    output_range: tuple[float, float] = (-np.inf, np.inf)   #: the values a = f(z) can take
    kinked: bool = False                #: f′ jumps at z = 0 (finite differences must stay away from it)


def sigmoid(z: Array) -> Array:
    """σ(z) = 1/(1+e^(−z)), same shape as z; stable for any |z| (no overflow warnings)."""
    # σ(z) = exp(−softplus(−z)); logaddexp never overflows and keeps σ's tiny tail exact
    return np.exp(-np.logaddexp(0.0, -z))


def softmax(z: Array) -> Array:
    """Softmax over the last axis of z (…, K) → (…, K); max-shifted so it never overflows."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_df(z: Array, a: Array) -> Array:
    # softmax only appears fused with cross-entropy, whose δ_L = a − t is computed directly (losses.py)
    raise ValueError("softmax is only supported as the output of softmax_ce (fused, stable δ)")


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("sigmoid", "Sigmoid", r"\sigma", r"\frac{1}{1+e^{-z}}", r"\sigma(z)\,(1-\sigma(z))",
               sigmoid, lambda z, a: a * (1.0 - a), output_range=(0.0, 1.0)),
    Activation("tanh", "Tanh", r"\tanh", r"\tanh z", r"1-\tanh^2 z",
               np.tanh, lambda z, a: 1.0 - a * a, output_range=(-1.0, 1.0)),
    # the derivative at exactly 0 is taken as 0, as PyTorch does
    Activation("relu", "ReLU", r"\mathrm{ReLU}", r"\max(0,z)", r"[z>0]",
               lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64), output_range=(0.0, np.inf),
               kinked=True),
    Activation("leaky_relu", "Leaky ReLU", r"\mathrm{LReLU}", rf"\max({LEAKY_SLOPE:g}z,\,z)",
               rf"1\ \text{{if }}z>0\text{{, else }}{LEAKY_SLOPE:g}",
               lambda z: np.where(z > 0, z, LEAKY_SLOPE * z), lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
               kinked=True),
    Activation("linear", "Linear", r"\mathrm{id}", "z", "1", lambda z: z, lambda z, a: np.ones_like(z)),
    Activation("softmax", "Softmax", r"\mathrm{softmax}", r"\frac{e^{z_k}}{\sum_j e^{z_j}}",
               r"\text{(fused with cross-entropy)}", softmax, _softmax_df, hidden=False, output_range=(0.0, 1.0)),
)}

#: names usable in hidden layers, in display order
HIDDEN_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if a.hidden)


def get_activation(name: str) -> Activation:
    """Return the registered Activation called `name` (ValueError listing the valid names otherwise)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
