"""The step trace: everything one training iteration computed, as immutable plain arrays.

Every page, notebook and test reads a step's numbers from a StepTrace, so they all see the same ones.
Both records are NamedTuples: immutable, and their fields can be zipped like the parameters they mirror.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Array = np.ndarray


class LayerTrace(NamedTuple):
    """One layer l = 1..L of one step. Arrays are (B, n_out) unless noted."""

    W: Array          #: (n_out, n_in) weights used in the forward pass (before the update)
    b: Array          #: (n_out,) biases used in the forward pass
    z: Array          #: pre-activation z = a_prev @ W.T + b
    a: Array          #: activation a = f(z)
    delta: Array      #: δ = ∂ℓ_i/∂z per sample (no 1/B)
    grad_W: Array     #: (n_out, n_in) ∂(batch loss + regularization)/∂W
    grad_b: Array     #: (n_out,) ∂(batch loss)/∂b
    update_W: Array   #: (n_out, n_in) what the optimizer added to W (after clipping, momentum, Adam)
    update_b: Array   #: (n_out,) what the optimizer added to b (zero when biases are frozen)

    @property
    def W_after(self) -> Array:
        """Return the weights after this step, (n_out, n_in)."""
        return self.W + self.update_W

    @property
    def b_after(self) -> Array:
        """Return the biases after this step, (n_out,)."""
        return self.b + self.update_b


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
        return unique_nbytes([self.batch_index, self.x, self.y, *(x for layer in self.layers for x in layer)])

    @property
    def full_grad_norm(self) -> float:
        """Return the global ‖gradient‖ over every W and b, frozen biases included (before clipping)."""
        return float(np.sqrt(sum(np.vdot(g, g) for lt in self.layers for g in (lt.grad_W, lt.grad_b))))


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

