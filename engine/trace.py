"""The step trace: everything one training iteration computed, as immutable plain arrays.

Every page, notebook and test reads a step's numbers from a StepTrace, so they all see the same ones.
Both records are NamedTuples: immutable, and their fields can be zipped like the parameters they mirror.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Array = np.ndarray


class NormTrace(NamedTuple):
    """The batch normalisation of one hidden layer in one step (equations N1, N2, NB, B5, B6 of network.py)."""

    mean: Array           #: (n,) μ_B, the batch mean of z (the running mean when the batch is one sample)
    var: Array            #: (n,) σ²_B, the batch variance of z, 1/B (the running variance for one sample)
    from_batch: bool      #: False: a batch of one sample, normalised with the running statistics
    x_hat: Array          #: (B, n) x̂ = (z − μ_B)/√(σ²_B + ε)
    y: Array              #: (B, n) y = γ x̂ + β, what the activation is applied to
    gamma: Array          #: (n,) γ used in the forward pass (before the update)
    beta: Array           #: (n,) β used in the forward pass
    delta_y: Array        #: (B, n) δ at y, ∂ℓ_i/∂y (the layer's `delta` is δ at z, after the three-term formula)
    grad_gamma: Array     #: (n,) ∂(batch loss)/∂γ = mean δ_y ⊙ x̂
    grad_beta: Array      #: (n,) ∂(batch loss)/∂β = mean δ_y
    update_gamma: Array   #: (n,) what the optimizer added to γ
    update_beta: Array    #: (n,) what the optimizer added to β
    running_mean: Array   #: (n,) the running mean after this step (what evaluation normalises with)
    running_var: Array    #: (n,) the running variance after this step


class LayerTrace(NamedTuple):
    """One layer l = 1..L of one step. Arrays are (B, n_out) unless noted."""

    W: Array          #: (n_out, n_in) weights used in the forward pass (before the update)
    b: Array          #: (n_out,) biases used in the forward pass
    z: Array          #: pre-activation z = a_prev @ W.T + b
    a: Array          #: activation a = f(z), or f(y) with batch norm (before dropout)
    delta: Array      #: δ = ∂ℓ_i/∂z per sample (no 1/B); B·∂L/∂z_i with batch norm
    grad_W: Array     #: (n_out, n_in) ∂(batch loss + regularization)/∂W
    grad_b: Array     #: (n_out,) ∂(batch loss)/∂b
    update_W: Array   #: (n_out, n_in) what the optimizer added to W (after clipping, momentum, Adam)
    update_b: Array   #: (n_out,) what the optimizer added to b (zero when biases are frozen)
    mask: Array | None = None     #: dropout mask m: 1 kept, 0 dropped (None without dropout)
    dropout: float = 0.0          #: the rate p the mask was drawn with
    a_out: Array | None = None    #: m ⊙ a/(1 − p), what the next layer received (None without dropout: a)
    bn: NormTrace | None = None   #: the layer's batch normalisation (None without)

    @property
    def W_after(self) -> Array:
        """Return the weights after this step, (n_out, n_in)."""
        return self.W + self.update_W

    @property
    def b_after(self) -> Array:
        """Return the biases after this step, (n_out,)."""
        return self.b + self.update_b

    @property
    def a_next(self) -> Array:
        """Return what the next layer received, (B, n_out): a, or m ⊙ a/(1 − p) with dropout."""
        return self.a if self.a_out is None else self.a_out

    @property
    def y(self) -> Array:
        """Return what the activation was applied to, (B, n_out): y = γ x̂ + β with batch norm, else z."""
        return self.z if self.bn is None else self.bn.y

    def arrays(self) -> list[Array]:
        """Return every array this layer's trace holds (for counting memory)."""
        own = [v for v in (*self[:9], self.mask, self.a_out) if v is not None]
        return own + ([v for v in self.bn if isinstance(v, np.ndarray)] if self.bn is not None else [])


class StepTrace(NamedTuple):
    """One training iteration: the batch, the per-layer trace, the losses and the status."""

    iteration: int            #: 1-based count of updates, this one included
    epoch: int                #: 1-based epoch this batch belongs to
    batch_in_epoch: int       #: 1-based index of this batch within its epoch
    batches_per_epoch: int    #: ceil(N / B) at the current batch size
    batch_index: Array        #: (B,) indices into the training set
    x: Array                  #: (B, n_in) the batch inputs
    y: Array                  #: (B, n_out) the batch targets
    layers: tuple[LayerTrace, ...]
    loss: float               #: batch data loss before the update
    reg_loss: float           #: regularization penalty before the update (reported apart)
    train_loss: float         #: training-set data loss after the update
    test_loss: float          #: test-set data loss after the update (NaN without a test set)
    lr: float                 #: learning rate actually used (after the schedule)
    grad_norm: float          #: global ‖gradient‖ of the trained parameters before clipping (frozen biases left out)
    clipped_norm: float       #: global ‖gradient‖ after clipping (== grad_norm when not clipped)
    status: str = "ok"        #: "ok" | "diverged" (non-finite loss or gradient: update NOT applied)

    @property
    def ok(self) -> bool:
        """Return True when the update was applied."""
        return self.status == "ok"

    @property
    def nbytes(self) -> int:
        """Return the bytes of the distinct arrays this trace holds (a budget for keeping traces, e.g. Play)."""
        return unique_nbytes([self.batch_index, self.x, self.y, *(x for layer in self.layers for x in layer.arrays())])

    @property
    def full_grad_norm(self) -> float:
        """Return the global ‖gradient‖ over every W, b, γ and β, frozen biases included (before clipping)."""
        grads = [g for lt in self.layers for g in (lt.grad_W, lt.grad_b)]
        grads += [g for lt in self.layers if lt.bn is not None for g in (lt.bn.grad_gamma, lt.bn.grad_beta)]
        return float(np.sqrt(sum(np.vdot(g, g) for g in grads)))


def unique_nbytes(arrays) -> int:
    """Return the bytes of the distinct buffers behind arrays (views count their base once)."""
    bases = {}
    for a in arrays:
        while isinstance(a.base, np.ndarray):
            a = a.base
        bases[id(a)] = a.nbytes
    return sum(bases.values())


def sample_or_mean(values: Array, sample: int | None) -> Array:
    """Return row `sample` of per-sample values (B, ...) — clamped to the batch — or their batch mean when None."""
    return values.mean(axis=0) if sample is None else values[min(sample, values.shape[0] - 1)]

