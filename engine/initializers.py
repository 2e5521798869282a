"""Weight initialisation schemes. Weights are (n_out, n_in), biases (n_out,)."""

from __future__ import annotations

import itertools

import numpy as np

Array = np.ndarray

INITS = {
    "uniform01": "Uniform [0, 1) (classic XOR listing)",
    "standard": "Standard U[−1/√n_in, 1/√n_in]",
    "xavier_uniform": "Xavier/Glorot uniform",
    "xavier_normal": "Xavier/Glorot normal",
    "he_normal": "He normal N(0, 2/n_in)",
    "zeros": "Zeros (shows symmetry)",
}


def init_layer(rng: np.random.Generator, scheme: str, n_in: int, n_out: int,
               scale: float = 1.0) -> tuple[Array, Array]:
    """Return (W (n_out, n_in), b (n_out,)) drawn from `scheme`, weights multiplied by `scale`."""
    if scheme == "uniform01":
        # the classic listing draws biases from [0, 1) too
        W = rng.uniform(size=(n_out, n_in))
        b = rng.uniform(size=n_out)
        return scale * W, b
    b = np.zeros(n_out)
    if scheme == "standard":
        limit = 1.0 / np.sqrt(n_in)
        W = rng.uniform(-limit, limit, size=(n_out, n_in))
    elif scheme == "xavier_uniform":
        limit = np.sqrt(6.0 / (n_in + n_out))
        W = rng.uniform(-limit, limit, size=(n_out, n_in))
    elif scheme == "xavier_normal":
        W = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))
    elif scheme == "he_normal":
        W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    elif scheme == "zeros":
        W = np.zeros((n_out, n_in))
    else:
        raise ValueError(f"unknown initialisation {scheme!r}; choose one of {', '.join(INITS)}")
    return scale * W, b


def init_params(rng: np.random.Generator, scheme: str, sizes: tuple[int, ...],
                scale: float = 1.0) -> list[tuple[Array, Array]]:
    """Return [(W_l, b_l)] for layers 1..L of a net with layer widths `sizes` (input first)."""
    return [init_layer(rng, scheme, n_in, n_out, scale) for n_in, n_out in itertools.pairwise(sizes)]
