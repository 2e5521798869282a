"""Benchmark: ms per loss surface (one batched forward pass over the grid), and per whole landscape view.

Run: .venv/bin/python bench/landscape.py   (prints a table; target: 51×51 for 2-8-8-1 on N = 200 ≤ 100 ms)
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Trainer
from engine.landscape import LossModel, choose_directions, grid_axis, sampled_path, surface, view

TARGET_MS = 100.0
#: (net, hidden widths, grid points per side); every net trains on N = 200 samples (no test split)
CASES = [("2-8-8-1", (8, 8), 51), ("2-8-8-1", (8, 8), 81), ("2-(32×6)-1", (32,) * 6, 51),
         ("2-(32×6)-1", (32,) * 6, 81), ("2-4-4-1 (page default)", (4, 4), 41)]
STEPS = 30


def best_ms(fn, repeats: int = 5) -> float:
    """Return the best wall time of fn over repeats, in ms (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main() -> None:
    print(f"{'net':<24}{'N':>5}{'P':>6}{'grid':>8}{'surface ms':>12}{'µs/point':>10}{'whole view ms':>15}")
    target_ok = True
    for name, hidden, n in CASES:
        trainer = Trainer(Config(hidden=hidden, n_samples=200, test_ratio=0.0))
        trainer.run(STEPS)
        model = LossModel.of(trainer)
        _, path = sampled_path(trainer)
        dirs, _ = choose_directions("pca", model, path, seed=1)
        grid = (grid_axis(1.0, n), grid_axis(1.0, n))
        ms = best_ms(lambda m=model, d=dirs, g=grid: surface(m, d, g))
        # the page's cache miss: path replay + PCA + surface + path heights + slice + interpolation
        whole = best_ms(lambda t=trainer, k=n: view(t, t.iteration, "pca", k, None, seed=1), repeats=3)
        print(f"{name:<24}{model.X.shape[0]:>5}{model.n_params:>6}{f'{n}×{n}':>8}{ms:>12.1f}"
              f"{1e3 * ms / n**2:>10.1f}{whole:>15.1f}")
        if name == "2-8-8-1" and n == 51:
            target_ok = ms <= TARGET_MS
    print(f"target (2-8-8-1, 51×51, N = 200) ≤ {TARGET_MS:.0f} ms: {'met' if target_ok else 'MISSED'}")


if __name__ == "__main__":
    main()
