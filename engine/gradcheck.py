"""Central finite differences on every parameter, against the analytic backward pass."""

from __future__ import annotations

import numpy as np

from .losses import penalty, penalty_gradients
from .network import Net, Params, backward, data_loss, forward

Array = np.ndarray


def total_loss(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0) -> float:
    """Return the batch loss: mean per-sample data loss + regularization penalty."""
    return data_loss(net, params, x, y) + penalty([W for W, _ in params], l1, l2)


def analytic_gradients(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0,
                       l2: float = 0.0) -> list[tuple[Array, Array]]:
    """Return [(grad_W, grad_b)] per layer of total_loss, from the backward pass."""
    zs, acts = forward(net, params, x)
    _, grads_W, grads_b = backward(net, params, zs, acts, y)
    reg = penalty_gradients([W for W, _ in params], l1, l2)
    return [(gW + r, gb) for gW, r, gb in zip(grads_W, reg, grads_b)]


def numeric_gradients(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0,
                      h: float = 1e-4) -> list[tuple[Array, Array]]:
    """Return [(grad_W, grad_b)] per layer of total_loss by central differences.

    Uses the fourth-order central stencil (8[f(θ+h) − f(θ−h)] − [f(θ+2h) − f(θ−2h)]) / 12h: its truncation
    error is O(h⁴), so with h = 1e-4 rounding (~1e-12) dominates and a 1e-6 relative check is meaningful.
    """
    work = [(W.astype(np.float64).copy(), b.astype(np.float64).copy()) for W, b in params]
    out = []
    for W, b in work:
        pair = []
        for p in (W, b):
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                old = p[i]
                f = {}
                for step in (-2, -1, 1, 2):
                    p[i] = old + step * h
                    f[step] = total_loss(net, work, x, y, l1, l2)
                p[i] = old
                g[i] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * h)
            pair.append(g)
        out.append((pair[0], pair[1]))
    return out


def relative_error(a: Array, n: Array, floor: float = 1e-4) -> float:
    """Return max |a − n| / max(|a|, |n|, floor); the floor keeps near-zero gradients from dividing by ~0."""
    denom = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return float((np.abs(a - n) / denom).max()) if a.size else 0.0


def gradcheck(net: Net, params: Params, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0,
              h: float = 1e-4) -> float:
    """Return the max relative error between analytic and central-difference gradients, over all params."""
    ana = analytic_gradients(net, params, x, y, l1, l2)
    num = numeric_gradients(net, params, x, y, l1, l2, h)
    return max(relative_error(a, n) for pa, pn in zip(ana, num) for a, n in zip(pa, pn))
