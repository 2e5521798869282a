r"""Forward and backward passes of a fully connected net, as the lecture writes them. No state: params in, arrays out.

Layers are l = 1..L (layer 0 is the input, a⁰ = x). For one sample, as column vectors:

    forward       z^l = W^l a^{l−1} + b^l,          a^l = f(z^l)                       (F)
    output error  δ^L = ∂ℓ/∂a^L ⊙ f′(z^L)           (= a^L − t for BCE + sigmoid, CE + softmax)   (B1)
    hidden error  δ^l = (W^{l+1})ᵀ δ^{l+1} ⊙ f′(z^l)                                    (B2)
    gradients     ∂L/∂W^l = mean over the batch of δ^l (a^{l−1})ᵀ,   ∂L/∂b^l = mean of δ^l   (B3, B4)

In code a batch is rows (one sample per row), so every vector equation is transposed: z = a_prev @ W.T + b
is (F), and (W^{l+1})ᵀ δ^{l+1} becomes delta_next @ W_next. W^l is stored (n_out, n_in) — row j holds the
weights into neuron j, as PyTorch's Linear — and b^l is (n_out,). Python lists are 0-based: index l holds
layer l + 1. δ is per sample (∂ℓ_i/∂z, no 1/B); the 1/B of the batch mean appears only in (B3, B4).
The weight penalty and the optimizers live in losses.py and optim.py; trainer.py strings them together.
"""

from __future__ import annotations

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
        if not net.output.hidden and fused != output:
            raise ValueError(f"a {output} output needs the loss it is fused with")
        if not net.hidden.hidden:
            raise ValueError(f"{hidden} is an output activation only")
        return net

    def act(self, layer: int, n_layers: int) -> Activation:
        """Return the activation of 0-based `layer` in a net of `n_layers` layers."""
        return self.output if layer == n_layers - 1 else self.hidden


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
        z = a_prev @ W.mT + b[..., None, :]                  # (F)  z^l = W^l a^{l−1} + b^l
        a_prev = net.act(l, len(params)).f(z)                # (F)  a^l = f(z^l)
        zs.append(z)
        acts.append(a_prev)
    return zs, acts


def output_delta(net: Net, z_L: Array, a_L: Array, y: Array) -> Array:
    """Return δ^L = ∂ℓ/∂a ⊙ f′(z^L) per sample, (B, K); a − t when the loss is fused with its output."""
    if net.loss.fused_output is not None:
        return a_L - y
    return net.loss.dloss_da(a_L, y) * net.output.df(z_L, a_L)


def backward(net: Net, params: Params, zs: list[Array], acts: list[Array],
             y: Array) -> tuple[list[Array], list[Array], list[Array]]:
    """Return (deltas, grads_W, grads_b) of the data loss: deltas[l] is (B, n_l), the grads mean over the batch.

    `zs` and `acts` are forward's; the weights are the ones that forward pass used (before any update).
    """
    B = y.shape[0]
    L = len(params)
    W = [W_l for W_l, _ in params]
    z, a, a_prev = zs, acts[1:], acts[:-1]                   # a_prev[l] is the input to layer l
    f_prime = net.hidden.df
    delta = [np.empty(0)] * L
    delta[L - 1] = output_delta(net, z[L - 1], a[L - 1], y)                   # (B1)
    for l in reversed(range(L - 1)):
        W_next = W[l + 1]
        delta[l] = (delta[l + 1] @ W_next) * f_prime(z[l], a[l])              # (B2)
    grads_W = [delta[l].T @ a_prev[l] / B for l in range(L)]                 # (B3)
    grads_b = [delta[l].sum(axis=0) / B for l in range(L)]                   # (B4)
    return delta, grads_W, grads_b


def predict(net: Net, params: Params, x: Array) -> Array:
    """Return the network output a_L for inputs x (B, n_in) → (B, n_out)."""
    return forward(net, params, x)[1][-1]


def mean_loss(net: Net, z_L: Array, a_L: Array, y: Array) -> Array | float:
    """Return the batch mean of the per-sample data loss ℓ_i (no penalty); (...) for stacked outputs (..., B, K)."""
    total = net.loss.per_sample(z_L, a_L, y).sum(axis=-1)
    return float(total) / y.shape[-2] if np.ndim(total) == 0 else total / y.shape[-2]


def data_loss(net: Net, params: Params, x: Array, y: Array) -> Array | float:
    """Return the mean data loss of params on (x, y) (NaN for an empty set); params may carry leading axes."""
    if x.shape[0] == 0:
        return float("nan")
    zs, acts = forward(net, params, x)
    return mean_loss(net, zs[-1], acts[-1], y)


def mean_abs(arrays: list[Array]) -> list[float]:
    """Return mean |x| of each array (e.g. each layer's δ), one float per array."""
    return [float(np.abs(x).sum()) / x.size for x in arrays]


def params_vector(params: Params) -> Array:
    """Return [(W, b), …] flattened as W1, b1, W2, b2, …, shape (P,)."""
    return np.concatenate([x.ravel() for pair in params for x in pair])


def unflatten(vec: Array, sizes: tuple[int, ...]) -> Params:
    """Return [(W (..., n_out, n_in), b (..., n_out))] views into a flat vector (P,) or a stack of them (..., P).

    The inverse of params_vector for a net with layer widths `sizes` (input first).
    """
    lead = vec.shape[:-1]
    out, k = [], 0
    for n_in, n_out in itertools.pairwise(sizes):
        W = vec[..., k:k + n_out * n_in].reshape(*lead, n_out, n_in)
        k += n_out * n_in
        out.append((W, vec[..., k:k + n_out]))
        k += n_out
    return out
