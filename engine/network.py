r"""Forward and backward passes of a fully connected net, as the lecture writes them. No state: params in, arrays out.

Layers are l = 1..L (layer 0 is the input, a⁰ = x). For one sample, as column vectors:

    forward       z^l = W^l a^{l−1} + b^l,          a^l = f(y^l)   (y^l = z^l without batch norm)     (F)
    batch norm    x̂^l = (z^l − μ_B)/√(σ²_B + ε),    y^l = γ^l ⊙ x̂^l + β^l                           (N1, N2)
    dropout       ã^l = m^l ⊙ a^l / (1 − p),  m^l_j = 1 with probability 1 − p, else 0;
                  ã^l is what layer l + 1 receives (a^l itself without dropout)                     (D)
    output error  δ^L = ∂ℓ/∂a^L ⊙ f′(z^L)           (= a^L − t for BCE + sigmoid, CE + softmax)   (B1)
    hidden error  δ_y^l = (W^{l+1})ᵀ δ^{l+1} ⊙ m^l/(1 − p) ⊙ f′(y^l)       (δ at y)               (B2)
    batch norm    δ^l = γ/√(σ²_B + ε) ⊙ (δ_y − mean δ_y − x̂ ⊙ mean(δ_y ⊙ x̂))   (δ at z; else δ^l = δ_y^l) (NB)
    gradients     ∂L/∂W^l = mean over the batch of δ^l (ã^{l−1})ᵀ,   ∂L/∂b^l = mean of δ^l          (B3, B4)
                  ∂L/∂γ^l = mean of δ_y^l ⊙ x̂^l,                     ∂L/∂β^l = mean of δ_y^l       (B5, B6)

In code a batch is rows (one sample per row), so every vector equation is transposed: z = a_prev @ W.T + b
is (F), and (W^{l+1})ᵀ δ^{l+1} becomes delta_next @ W_next. W^l is stored (n_out, n_in) — row j holds the
weights into neuron j, as PyTorch's Linear — and b^l is (n_out,). Python lists are 0-based: index l holds
layer l + 1. δ is per sample (∂ℓ_i/∂z, no 1/B); the 1/B of the batch mean appears only in (B3)–(B6).
With batch norm a sample's loss depends on the whole batch (through μ_B and σ²_B), so δ^l means B·∂L/∂z_i —
the same number as ∂ℓ_i/∂z_i when there is no batch norm — and (B3)–(B6) hold unchanged. The mean in (NB) is
over the batch, per neuron: the last two terms are the gradient's path through μ_B and through σ²_B.

Batch norm and dropout act while training only. Evaluation (losses, predictions, the decision boundary, the
landscape) uses every neuron and normalises with the running statistics, a fixed map per neuron. A batch of one
sample has no spread (σ²_B = 0), so it is normalised with the running statistics too (see BN_ONE_SAMPLE).
The weight penalty and the optimizers live in losses.py and optim.py; trainer.py strings them together.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import Activation, get_activation
from .losses import Loss, get_loss

Array = np.ndarray
Params = list[tuple[Array, Array]]

BN_EPS = 1e-5        #: ε in √(σ²_B + ε): keeps x̂ finite for a neuron that is constant over the batch (as PyTorch)
BN_MOMENTUM = 0.1    #: running ← (1 − 0.1)·running + 0.1·(this batch's value), as PyTorch's BatchNorm1d
#: the rule for a batch of one sample, in the words the sidebar shows
BN_ONE_SAMPLE = ("A batch of one sample has no spread (σ²_B = 0), so batch norm normalises it with the running "
                 "mean and variance instead, as evaluation does, and leaves them unchanged: with SGD (one sample "
                 "per step) batch norm is a fixed scaling of each neuron and only γ and β learn.")


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


class BatchNorm(NamedTuple):
    """One hidden layer's batch normalisation, (n,) each: the trained γ and β, and the running statistics of z
    that evaluation normalises with."""

    gamma: Array   #: scale γ (starts at 1)
    beta: Array    #: shift β (starts at 0)
    mean: Array    #: running mean of z (starts at 0)
    var: Array     #: running variance of z, unbiased as PyTorch keeps it (starts at 1)

    @classmethod
    def fresh(cls, n: int) -> BatchNorm:
        """Return the starting batch norm of a layer of n neurons: γ = 1, β = 0, running mean 0, variance 1."""
        return cls(np.ones(n), np.zeros(n), np.zeros(n), np.ones(n))


#: per layer, its BatchNorm or None (the output layer, and every layer of a net without batch norm)
Norms = Sequence[BatchNorm | None]


class BatchStats(NamedTuple):
    """What (N1) normalised one batch of a layer with."""

    mean: Array        #: (n,) μ_B, or the running mean (evaluation, a batch of one)
    var: Array         #: (n,) σ²_B (the biased batch variance, 1/B), or the running variance
    x_hat: Array       #: (B, n) x̂ = (z − μ_B)/√(σ²_B + ε)
    from_batch: bool   #: True: μ_B and σ²_B of this batch; False: the running statistics, constants for backward


class LayerPass(NamedTuple):
    """One layer's forward numbers for a batch, (B, n) each (rows are samples)."""

    z: Array                 #: z = a_prev Wᵀ + b                                    (F)
    stats: BatchStats | None  #: the normalisation of a batch-norm layer (None without)   (N1)
    y: Array                 #: γ x̂ + β with batch norm, else z itself              (N2)
    a: Array                 #: f(y)                                                  (F)
    out: Array               #: m ⊙ a/(1 − p) with dropout, else a itself: the next layer's input   (D)


class Gradients(NamedTuple):
    """What backward returns, one entry per layer l = 1..L (None where a layer has no batch norm)."""

    delta: list[Array]            #: (B, n) δ at z, the error that gives ∂L/∂W and ∂L/∂b
    delta_y: list[Array]          #: (B, n) δ at y, before (NB) (the same array as delta without batch norm)
    W: list[Array]                #: ∂(data loss)/∂W, (n_out, n_in)
    b: list[Array]                #: ∂(data loss)/∂b, (n_out,)
    gamma: list[Array | None]     #: ∂(data loss)/∂γ, (n,)
    beta: list[Array | None]      #: ∂(data loss)/∂β, (n,)


def batch_stats(z: Array, norm: BatchNorm, train: bool) -> BatchStats:
    """Return (N1) for z (..., B, n): with the batch's μ_B and σ²_B when training on two or more samples, else
    with the running statistics."""
    if train and z.shape[-2] > 1:
        mean = z.mean(axis=-2)                                   # μ_B = mean over the batch of z
        centred = z - mean
        var, from_batch = (centred * centred).mean(axis=-2), True   # σ²_B = mean over the batch of (z − μ_B)²
    else:
        mean, var, from_batch = norm.mean, norm.var, False
        centred = z - mean
    x_hat = centred / np.sqrt(var + BN_EPS)                      # (N1)
    return BatchStats(mean, var, x_hat, from_batch)


def running_stats(norm: BatchNorm, stats: BatchStats, batch: int) -> BatchNorm:
    """Return norm with its running mean and variance moved BN_MOMENTUM of the way to this batch's (the variance
    unbiased, σ²_B·B/(B − 1), as PyTorch); unchanged when the batch used the running statistics."""
    if not stats.from_batch:
        return norm
    m = BN_MOMENTUM
    return norm._replace(mean=(1 - m) * norm.mean + m * stats.mean,
                         var=(1 - m) * norm.var + m * stats.var * (batch / (batch - 1)))


def forward_pass(net: Net, params: Params, x: Array, norms: Norms | None = None,
                 masks: Sequence[Array | None] | None = None, p: float = 0.0, train: bool = False) -> list[LayerPass]:
    """Return one LayerPass per layer for inputs x (B, n_in).

    `norms[l]` batch-normalises layer l (with the batch's statistics when `train`, else the running ones);
    `masks[l]` (B, n_l) of 0/1 drops neurons of layer l with rate p. W may carry leading axes (..., n_out, n_in)
    with b (..., n_out): every array is then (..., B, n_l) — one pass for a whole grid of weights (the landscape).
    """
    L = len(params)
    passes = []
    a_prev = x
    for l, (W, b) in enumerate(params):
        z = a_prev @ W.mT + b[..., None, :]                  # (F)  z^l = W^l a^{l−1} + b^l
        norm = norms[l] if norms else None
        stats = None if norm is None else batch_stats(z, norm, train)                     # (N1)
        y = z if stats is None else norm.gamma * stats.x_hat + norm.beta                    # (N2) y = γ x̂ + β
        a = net.act(l, L).f(y)                               # (F)  a^l = f(y^l)
        mask = masks[l] if masks else None
        out = a if mask is None else mask * a / (1.0 - p)   # (D)  ã^l = m ⊙ a^l / (1 − p)
        passes.append(LayerPass(z, stats, y, a, out))
        a_prev = out
    return passes


def forward(net: Net, params: Params, x: Array, norms: Norms | None = None) -> tuple[list[Array], list[Array]]:
    """Return (zs, activations) of an evaluation pass: zs[l] is (B, n_l) for l = 0..L−1; activations[0] = x,
    then a_1..a_L. Batch norm uses the running statistics; nothing is dropped.

    W may carry leading axes, (..., n_out, n_in) with b (..., n_out): then every z and a is (..., B, n_l) — one
    pass for a whole grid of weights (the loss landscape).
    """
    passes = forward_pass(net, params, x, norms)
    return [lp.z for lp in passes], [x, *(lp.a for lp in passes)]


def output_delta(net: Net, z_L: Array, a_L: Array, y: Array) -> Array:
    """Return δ^L = ∂ℓ/∂a ⊙ f′(z^L) per sample, (B, K); a − t when the loss is fused with its output."""
    if net.loss.fused_output is not None:
        return a_L - y
    return net.loss.dloss_da(a_L, y) * net.output.df(z_L, a_L)


def batch_norm_backward(delta_y: Array, stats: BatchStats, gamma: Array) -> Array:
    """Return δ at z from δ at y through (N1, N2), (B, n): the three-term formula (NB) for batch statistics,
    γ/√(σ² + ε) ⊙ δ_y when the running statistics (constants) were used."""
    scale = gamma / np.sqrt(stats.var + BN_EPS)
    if not stats.from_batch:
        return scale * delta_y
    x_hat = stats.x_hat
    return scale * (delta_y - delta_y.mean(axis=0) - x_hat * (delta_y * x_hat).mean(axis=0))   # (NB)


def backward(net: Net, params: Params, x: Array, passes: list[LayerPass], y: Array, norms: Norms | None = None,
             masks: Sequence[Array | None] | None = None, p: float = 0.0) -> Gradients:
    """Return the Gradients of the data loss: δ at z and at y per sample, the parameter gradients as batch means.

    `passes` are forward_pass's on inputs x, with the same weights, norms, masks and rate p (before any update).
    """
    B, L = y.shape[0], len(params)
    W = [W_l for W_l, _ in params]
    a_prev = [x, *(lp.out for lp in passes[:-1])]                         # the input each layer received
    f_prime = net.hidden.df
    delta, delta_y = [np.empty(0)] * L, [np.empty(0)] * L
    delta[L - 1] = delta_y[L - 1] = output_delta(net, passes[-1].z, passes[-1].a, y)     # (B1)
    for l in reversed(range(L - 1)):
        W_next, lp = W[l + 1], passes[l]
        into_a = delta[l + 1] @ W_next                                    # (W^{l+1})ᵀ δ^{l+1}
        if masks and masks[l] is not None:
            into_a = into_a * masks[l] / (1.0 - p)                        # (D) a dropped neuron gets no error
        delta_y[l] = into_a * f_prime(lp.y, lp.a)                         # (B2)
        delta[l] = delta_y[l] if lp.stats is None else batch_norm_backward(delta_y[l], lp.stats, norms[l].gamma)
    grads_W = [delta[l].T @ a_prev[l] / B for l in range(L)]             # (B3)
    grads_b = [delta[l].sum(axis=0) / B for l in range(L)]               # (B4)
    grads_gamma = [None if lp.stats is None else (delta_y[l] * lp.stats.x_hat).sum(axis=0) / B
                   for l, lp in enumerate(passes)]                        # (B5)
    grads_beta = [None if lp.stats is None else delta_y[l].sum(axis=0) / B for l, lp in enumerate(passes)]   # (B6)
    return Gradients(delta, delta_y, grads_W, grads_b, grads_gamma, grads_beta)


def predict(net: Net, params: Params, x: Array, norms: Norms | None = None) -> Array:
    """Return the network output a_L for inputs x (B, n_in) → (B, n_out) (evaluation: running statistics)."""
    return forward(net, params, x, norms)[1][-1]


def mean_loss(net: Net, z_L: Array, a_L: Array, y: Array) -> Array | float:
    """Return the batch mean of the per-sample data loss ℓ_i (no penalty); (...) for stacked outputs (..., B, K)."""
    total = net.loss.per_sample(z_L, a_L, y).sum(axis=-1)
    return float(total) / y.shape[-2] if np.ndim(total) == 0 else total / y.shape[-2]


def data_loss(net: Net, params: Params, x: Array, y: Array, norms: Norms | None = None) -> Array | float:
    """Return the mean data loss of params on (x, y) (NaN for an empty set); params may carry leading axes.

    Evaluation: batch norm with the running statistics, no dropout.
    """
    if x.shape[0] == 0:
        return float("nan")
    zs, acts = forward(net, params, x, norms)
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
