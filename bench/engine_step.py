"""Benchmark: µs per Trainer.step() with the full trace, against a bare inline NumPy step of the same net.

Run: .venv/bin/python bench/engine_step.py   (prints a table; target ratio ≤ 1.5 at every size)
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Trainer

CASES = [("2-8-8-1", (8, 8), 200), ("2-16-16-16-1", (16, 16, 16), 500), ("2-(32×6)-1", (32,) * 6, 1000)]


def bare_step_factory(trainer: Trainer):
    """Return a closure doing forward + backward + SGD update of the same net (tanh hidden, sigmoid+BCE)."""
    params = [(W.copy(), b.copy()) for W, b in trainer.params]
    X, y = trainer.split.X_train, trainer.split.y_train
    lr, B = trainer.config.lr, X.shape[0]

    def step():
        acts = [X]
        a = X
        for i, (W, b) in enumerate(params):
            z = a @ W.T + b
            a = np.tanh(z) if i < len(params) - 1 else 1.0 / (1.0 + np.exp(-z))
            acts.append(a)
        delta = acts[-1] - y
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            grad_W = delta.T @ acts[i] / B
            grad_b = delta.mean(axis=0)
            if i:
                delta = (delta @ W) * (1.0 - acts[i] ** 2)
            params[i] = (W - lr * grad_W, b - lr * grad_b)

    return step


def paired_us(fn_a, fn_b, n: int, rounds: int = 9) -> tuple[float, float]:
    """Return the best mean µs per call of fn_a and of fn_b, timed in alternating rounds of n calls.

    Alternating the two keeps a slow patch of the machine (a noisy neighbour, a frequency change) from
    landing on one side of the ratio only.
    """
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for k, fn in enumerate((fn_a, fn_b)):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            best[k] = min(best[k], (time.perf_counter() - t0) / n)
    return best[0] * 1e6, best[1] * 1e6


def main() -> None:
    print(f"{'net':<14}{'N':>6}{'trace step µs':>15}{'bare step µs':>14}{'ratio':>8}")
    ratios = []
    for name, hidden, n in CASES:
        cfg = Config(hidden=hidden, n_samples=n, lr=0.1)
        trainer = Trainer(cfg)
        steps = 1000 if n <= 200 else 300
        trace_us, bare_us = paired_us(trainer.step, bare_step_factory(Trainer(cfg)), steps)
        ratios.append(trace_us / bare_us)
        print(f"{name:<14}{n:>6}{trace_us:>15.1f}{bare_us:>14.1f}{trace_us / bare_us:>8.2f}")
    tracemalloc.start()
    trainer = Trainer(Config(hidden=(8, 8), n_samples=200))
    trainer.run(10_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory, 10 000 steps of 2-8-8-1/N=200: {peak / 2**20:.1f} MB (target ≤ 20 MB)")
    print(f"worst ratio {max(ratios):.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
