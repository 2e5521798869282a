"""Benchmark: how much batch norm keeps δ from vanishing. The vanishing ratio mean |δ| of the first hidden layer ÷
that of the last hidden layer, without and with batch norm, for sigmoid, tanh and ReLU nets of depth 6 and widths 8
and 32, at iteration 0 and after 20 full-batch steps.

The nets are the Vanishing gradients page's (circle, 200 samples, ½·SSE, η = 1), with Xavier initialisation (at
width 8 the independent measurement quoted in issue 15: ≈ 5e-4 without batch norm, ≈ 3–6 with it) and the page's
default "standard 1/√n" for width 32. δ is the error at z (after the three-term formula in a batch-norm layer),
measured on the whole training set as engine.diagnostics does.
Run: .venv/bin/python bench/vanishing_bn.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config
from engine.diagnostics import Comparison, first_last_ratio

NETS = [(8, "xavier_uniform"), (32, "xavier_uniform"), (8, "standard"), (32, "standard")]
STEPS = 20


def ratios(width: int, init: str, batch_norm: bool) -> dict[str, tuple[float, float]]:
    """Return {activation: (ratio at iteration 0, ratio after STEPS steps)} for one depth-6 net of each kind."""
    cfg = Config(dataset="circle", n_samples=200, test_ratio=0.0, hidden=(width,) * 6, loss="half_sse", init=init,
                 lr=1.0, batch_norm=batch_norm)
    comparison = Comparison(cfg)
    before = {a: first_last_ratio(s.mean_abs_delta) for a, s in comparison.snapshots().items()}
    comparison.run(STEPS)
    return {a: (before[a], first_last_ratio(s.mean_abs_delta)) for a, s in comparison.snapshots().items()}


def main() -> None:
    print(f"{'net':<26}{'activation':<10}{'no BN, it 0':>13}{f'no BN, it {STEPS}':>14}{'BN, it 0':>11}"
          f"{f'BN, it {STEPS}':>11}")
    for width, init in NETS:
        plain, normed = ratios(width, init, False), ratios(width, init, True)
        for act in plain:
            print(f"{f'6 × {width} ({init})':<26}{act:<10}{plain[act][0]:>13.2e}{plain[act][1]:>14.2e}"
                  f"{normed[act][0]:>11.3g}{normed[act][1]:>11.3g}")


if __name__ == "__main__":
    main()
