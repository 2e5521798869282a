"""Weight initialisation schemes. Weights are (n_out, n_in), biases (n_out,).

To add a scheme, add one `Initializer(...)` to the tuple below: `draw(rng, n_in, n_out)` returns (W, b).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Initializer:
    """A scheme: its label and `draw(rng, n_in, n_out)` → (W (n_out, n_in), b (n_out,)) before scaling."""

    name: str
    label: str
    draw: Callable[[np.random.Generator, int, int], tuple[Array, Array]]


def _uniform01(rng, n_in, n_out):
    # the classic listing draws biases from [0, 1) too
    return rng.uniform(size=(n_out, n_in)), rng.uniform(size=n_out)


def _uniform(limit: Callable[[int, int], float]):
    def draw(rng, n_in, n_out):
        a = limit(n_in, n_out)
        return rng.uniform(-a, a, size=(n_out, n_in)), np.zeros(n_out)
    return draw


def _normal(std: Callable[[int, int], float]):
    def draw(rng, n_in, n_out):
        return rng.normal(0.0, std(n_in, n_out), size=(n_out, n_in)), np.zeros(n_out)
    return draw


INITIALIZERS: dict[str, Initializer] = {i.name: i for i in (
    Initializer("xavier_uniform", "Xavier uniform", _uniform(lambda n_in, n_out: np.sqrt(6.0 / (n_in + n_out)))),
    Initializer("xavier_normal", "Xavier normal", _normal(lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)))),
    Initializer("he_normal", "He normal", _normal(lambda n_in, n_out: np.sqrt(2.0 / n_in))),
    Initializer("standard", "Standard 1/√n", _uniform(lambda n_in, n_out: 1.0 / np.sqrt(n_in))),
    Initializer("uniform01", "Uniform [0,1)", _uniform01),
    Initializer("zeros", "Zeros", lambda rng, n_in, n_out: (np.zeros((n_out, n_in)), np.zeros(n_out))),
)}
#: name → label, for widgets (the labels come from INITIALIZERS)
INITS = {name: i.label for name, i in INITIALIZERS.items()}


def init_layer(rng: np.random.Generator, scheme: str, n_in: int, n_out: int,
               scale: float = 1.0) -> tuple[Array, Array]:
    """Return (W (n_out, n_in), b (n_out,)) drawn from `scheme`, weights multiplied by `scale`."""
    if scheme not in INITIALIZERS:
        raise ValueError(f"unknown initialisation {scheme!r}; choose one of {', '.join(INITIALIZERS)}")
    W, b = INITIALIZERS[scheme].draw(rng, n_in, n_out)
    return scale * W, b


def init_params(rng: np.random.Generator, scheme: str, sizes: tuple[int, ...],
                scale: float = 1.0) -> list[tuple[Array, Array]]:
    """Return [(W_l, b_l)] for layers 1..L of a net with layer widths `sizes` (input first)."""
    return [init_layer(rng, scheme, n_in, n_out, scale) for n_in, n_out in itertools.pairwise(sizes)]
