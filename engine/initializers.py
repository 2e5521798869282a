"""Weight initialisation schemes. Weights are (n_out, n_in), biases (n_out,).

To add a scheme, add one `Initializer(...)` to the tuple below: `draw(rng, n_in, n_out)` returns (W, b) of one
layer from the run's Generator; a scheme that draws the whole net in its own order from the seed (the lecture
listing) gives `draw_net(seed, sizes)` instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Initializer:
    """A scheme: its label and `draw(rng, n_in, n_out)` → (W (n_out, n_in), b (n_out,)) before scaling, or
    `draw_net(seed, sizes)` → [(W, b)] for every layer at once."""

    name: str
    label: str
    draw: Callable[[np.random.Generator, int, int], tuple[Array, Array]] | None = None
    draw_net: Callable[[int, tuple[int, ...]], list[tuple[Array, Array]]] | None = None


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


def _listing(seed: int, sizes: tuple[int, ...]) -> list[tuple[Array, Array]]:
    """The lecture notes' XOR listing: np.random.seed(S), then np.random.uniform draws every weight matrix
    (n_in × n_out, layer by layer: W_ih, W_ho), then every bias row (1 × n_out: b_h, b_o), from [0, 1).

    A RandomState of our own gives the same numbers as the legacy global seed without touching the global RNG;
    the listing's matrices are (n_in, n_out), ours (n_out, n_in), hence the transposes.
    """
    legacy = np.random.RandomState(seed)
    weights = [legacy.uniform(size=(n_in, n_out)).T for n_in, n_out in itertools.pairwise(sizes)]
    biases = [legacy.uniform(size=(1, n_out))[0] for n_out in sizes[1:]]
    return [(np.ascontiguousarray(W), b) for W, b in zip(weights, biases)]


INITIALIZERS: dict[str, Initializer] = {i.name: i for i in (
    Initializer("xavier_uniform", "Xavier uniform", _uniform(lambda n_in, n_out: np.sqrt(6.0 / (n_in + n_out)))),
    Initializer("xavier_normal", "Xavier normal", _normal(lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)))),
    Initializer("he_normal", "He normal", _normal(lambda n_in, n_out: np.sqrt(2.0 / n_in))),
    Initializer("standard", "Standard 1/√n", _uniform(lambda n_in, n_out: 1.0 / np.sqrt(n_in))),
    Initializer("uniform01", "Uniform [0,1)", _uniform01),
    Initializer("listing", "Lecture listing (np.random.seed)", draw_net=_listing),
    Initializer("zeros", "Zeros", lambda rng, n_in, n_out: (np.zeros((n_out, n_in)), np.zeros(n_out))),
)}
#: name → label, for widgets (the labels come from INITIALIZERS)
INITS = {name: i.label for name, i in INITIALIZERS.items()}


def init_layer(rng: np.random.Generator, scheme: str, n_in: int, n_out: int,
               scale: float = 1.0) -> tuple[Array, Array]:
    """Return (W (n_out, n_in), b (n_out,)) drawn from `scheme`, weights multiplied by `scale`."""
    draw = get_initializer(scheme).draw
    if draw is None:
        raise ValueError(f"the {scheme!r} initialisation draws a whole net (initial_params), not one layer")
    W, b = draw(rng, n_in, n_out)
    return scale * W, b


def get_initializer(scheme: str) -> Initializer:
    """Return the registered Initializer called `scheme` (ValueError listing the valid names otherwise)."""
    if scheme not in INITIALIZERS:
        raise ValueError(f"unknown initialisation {scheme!r}; choose one of {', '.join(INITIALIZERS)}")
    return INITIALIZERS[scheme]


def init_params(rng: np.random.Generator, scheme: str, sizes: tuple[int, ...],
                scale: float = 1.0) -> list[tuple[Array, Array]]:
    """Return [(W_l, b_l)] for layers 1..L of a net with layer widths `sizes` (input first)."""
    return [init_layer(rng, scheme, n_in, n_out, scale) for n_in, n_out in itertools.pairwise(sizes)]


def initial_params(seed: int, scheme: str, sizes: tuple[int, ...], scale: float = 1.0) -> list[tuple[Array, Array]]:
    """Return the starting [(W_l (n_out, n_in), b_l (n_out,))] of a run with weight seed `seed` (what a Trainer
    starts from): a per-layer scheme draws from Generator([seed, 1]), the listing from its own legacy seed."""
    draw_net = get_initializer(scheme).draw_net
    if draw_net is None:
        return init_params(np.random.default_rng([seed, 1]), scheme, sizes, scale)
    return [(scale * W, b) for W, b in draw_net(seed, sizes)]
