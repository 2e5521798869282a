"""Central finite differences on every parameter, against the analytic backward pass.

The loss differentiated is the training loss of one step: batch norm with the batch's statistics and, with
dropout, one fixed set of masks (the masks are drawn before the step, so they are constants of it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .losses import penalty, penalty_gradients
from .network import Net, Norms, Params, backward, forward_pass, mean_loss

Array = np.ndarray
Masks = Sequence[Array | None] | None


def total_loss(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0,
               norms: Norms | None = None, masks: Masks = None, p: float = 0.0) -> float:
    """Return the batch loss of a training pass: mean per-sample data loss + regularization penalty."""
    out = forward_pass(net, params, x, norms, masks, p, train=True)[-1]
    return mean_loss(net, out.z, out.a, y) + penalty([W for W, _ in params], l1, l2)


def analytic_gradients(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0,
                       norms: Norms | None = None, masks: Masks = None, p: float = 0.0) -> list[tuple[Array, ...]]:
    """Return [(grad_W, grad_b)] per layer of total_loss, (grad_W, grad_b, grad_γ, grad_β) for a batch-norm layer,
    from the backward pass."""
    passes = forward_pass(net, params, x, norms, masks, p, train=True)
    g = backward(net, params, x, passes, y, norms, masks, p)
    reg = penalty_gradients([W for W, _ in params], l1, l2)
    return [(gW + r, gb) if gg is None else (gW + r, gb, gg, gbe)
            for gW, r, gb, gg, gbe in zip(g.W, reg, g.b, g.gamma, g.beta)]


def numeric_gradients(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0,
                      h: float = 1e-4, norms: Norms | None = None, masks: Masks = None,
                      p: float = 0.0) -> list[tuple[Array, ...]]:
    """Return per layer (grad_W, grad_b), or (grad_W, grad_b, grad_γ, grad_β) for a batch-norm layer, of
    total_loss by central differences.

    Uses the fourth-order central stencil (8[f(θ+h) − f(θ−h)] − [f(θ+2h) − f(θ−2h)]) / 12h: its truncation
    error is O(h⁴), so with h = 1e-4 rounding (~1e-12) dominates and a 1e-6 relative check is meaningful.
    """
    work = [(W.astype(np.float64).copy(), b.astype(np.float64).copy()) for W, b in params]
    work_norms = [None if n is None else n._replace(gamma=n.gamma.copy(), beta=n.beta.copy())
                  for n in (norms or [None] * len(params))]
    out = []
    for (W, b), norm in zip(work, work_norms):
        group = []
        for theta in (W, b) if norm is None else (W, b, norm.gamma, norm.beta):
            g = np.zeros_like(theta)
            for i in np.ndindex(theta.shape):
                old = theta[i]
                f = {}
                for step in (-2, -1, 1, 2):
                    theta[i] = old + step * h
                    f[step] = total_loss(net, work, x, y, l1, l2, work_norms, masks, p)
                theta[i] = old
                g[i] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * h)
            group.append(g)
        out.append(tuple(group))
    return out


def relative_error(a: Array, n: Array, floor: float = 1e-4) -> float:
    """Return max |a − n| / max(|a|, |n|, floor); the floor keeps near-zero gradients from dividing by ~0."""
    denom = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return float((np.abs(a - n) / denom).max()) if a.size else 0.0


def gradcheck(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0,
              h: float = 1e-4, norms: Norms | None = None, masks: Masks = None, p: float = 0.0) -> float:
    """Return the max relative error between analytic and central-difference gradients, over all params (W, b,
    and γ, β of batch-norm layers)."""
    ana = analytic_gradients(net, params, x, y, l1, l2, norms, masks, p)
    num = numeric_gradients(net, params, x, y, l1, l2, h, norms, masks, p)
    return max(relative_error(a, n) for pa, pn in zip(ana, num) for a, n in zip(pa, pn))
