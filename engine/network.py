"""Forward and backward passes of a fully connected net. No state: params in, arrays out.

Conventions (DESIGN.md): W_l is (n_out, n_in), b_l is (n_out,), a batch is rows, z = a_prev @ W.T + b.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np

from .activations import Activation, get_activation
from .losses import Loss, get_loss

Array = np.ndarray
Params = list[tuple[Array, Array]]


@dataclass(frozen=True)
class Net:
    """The functions of a net: hidden activation, output activation and loss (resolved once)."""

    hidden: Activation
    output: Activation
    loss: Loss

    @classmethod
    def build(cls, hidden: str, output: str, loss: str) -> Net:
        """Return a Net, checking that the output activation fits the loss."""
        net = cls(get_activation(hidden), get_activation(output), get_loss(loss))
        fused = net.loss.fused_output
        if fused is not None and output != fused:
            raise ValueError(f"loss {loss!r} needs a {fused} output, not {output!r}")
        if output == "softmax" and fused != "softmax":
            raise ValueError("a softmax output needs the softmax_ce loss")
        if hidden == "softmax":
            raise ValueError("softmax is an output activation only")
        return net

    def act(self, layer: int, n_layers: int) -> Activation:
        """Return the activation of 0-based `layer` in a net of `n_layers` layers."""
        return self.output if layer == n_layers - 1 else self.hidden


def params_vector(params: Params) -> Array:
    """Return [(W, b), …] flattened as W1, b1, W2, b2, …, shape (P,)."""
    return np.concatenate([x.ravel() for pair in params for x in pair])


def forward(net: Net, params: Params, x: Array) -> tuple[list[Array], list[Array]]:
    """Return (zs, activations): zs[l] is (B, n_l) for l = 0..L−1; activations[0] = x, then a_1..a_L.

    z = a_prev Wᵀ + b, a = f(z) per layer (rows are samples). W may carry leading axes, (..., n_out, n_in)
    with b (..., n_out): then every z and a is (..., B, n_l) — one pass for a whole grid of weights (the
    loss landscape).
    """
    zs: list[Array] = []
    acts = [x]
    a_prev = x
    for l, (W, b) in enumerate(params):
        z = a_prev @ W.mT + b[..., None, :]
        a_prev = net.act(l, len(params)).f(z)
        zs.append(z)
        acts.append(a_prev)
    return zs, acts


def predict(net: Net, params: Params, x: Array) -> Array:
    """Return the network output a_L for inputs x (B, n_in) → (B, n_out)."""
    return forward(net, params, x)[1][-1]


def backward(net: Net, params: Params, zs: list[Array], acts: list[Array],
             y: Array) -> tuple[list[Array], list[Array], list[Array]]:
    """Return (deltas, grads_W, grads_b) of the data loss; deltas[l] is (B, n_l), grads mean over the batch.

    Uses the weights the forward pass used (the ones before any update).
    """
    B = y.shape[0]
    df = net.hidden.df
    delta = net.loss.delta(zs[-1], acts[-1], y, net.output)
    deltas = [delta]
    for i in range(len(params) - 2, -1, -1):
        delta = delta @ params[i + 1][0]
        delta *= df(zs[i], acts[i + 1])  # in place on the fresh product: one temporary fewer per layer
        deltas.append(delta)
    deltas.reverse()
    grads_W = []
    for d, a_prev in zip(deltas, acts):
        grad_W = d.T @ a_prev
        grad_W /= B
        grads_W.append(grad_W)
    weights = _mean_weights(B)
    grads_b = [weights @ d for d in deltas]
    return deltas, grads_W, grads_b


@functools.lru_cache(maxsize=32)
def _mean_weights(B: int) -> Array:
    """Return the read-only vector (B,) of 1/B: a product with it averages batch rows several times faster
    than .mean(axis=0) on small batches."""
    weights = np.full(B, 1.0 / B)
    weights.flags.writeable = False
    return weights


def mean_abs(arrays: list[Array]) -> Array:
    """Return mean |x| of each array (e.g. each layer's δ), shape (len(arrays),)."""
    # one abs and one segmented sum over all arrays at once: half the NumPy calls of a loop per array,
    # which matters because the trainer records it on every step
    offsets, sizes = _segments(tuple(x.size for x in arrays))
    flat = np.concatenate(arrays, axis=None)
    np.abs(flat, out=flat)
    return np.add.reduceat(flat, offsets) / sizes


@functools.lru_cache(maxsize=64)
def _segments(sizes: tuple[int, ...]) -> tuple[Array, Array]:
    """Return (start offsets, sizes as floats) of arrays of these sizes laid end to end."""
    return np.array([0, *itertools.accumulate(sizes[:-1])]), np.array(sizes, dtype=np.float64)


def batch_loss(net: Net, zs_last: Array, a_last: Array, y: Array) -> float:
    """Return the mean over the batch of the per-sample data loss (no regularization)."""
    return float(net.loss.per_sample(zs_last, a_last, y).sum()) / y.shape[0]


def data_loss(net: Net, params: Params, x: Array, y: Array) -> float:
    """Return the mean data loss of params on (x, y); NaN for an empty set."""
    if x.shape[0] == 0:
        return float("nan")
    zs, acts = forward(net, params, x)
    return batch_loss(net, zs[-1], acts[-1], y)
