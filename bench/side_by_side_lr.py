"""Benchmark: each side-by-side run's own learning rate on the default experiment (circle, 2-4-4-1 tanh).

For every run the Loss landscape page compares (batch modes, optimizers) and every η of the sidebar's steps, 30
runs (weight seeds 0–9 × data seeds 0–2) of the comparison's default length (at least MIN_STEPS steps): how many
diverge (a non-finite loss), how many rise (the training loss, read once per epoch, goes up by more than 0.1 %
anywhere — a full-batch epoch is one iteration, so that is every step there), and the loss reached. The chosen
η is the largest that neither diverges nor rises in any of the 30 runs: the fastest smooth descent, the same
rule that gave the default η = 0.3 (bench/default_lr.py). engine.landscape.RUN_LR holds the choice; this prints
it next to the table.

Run: .venv/bin/python bench/side_by_side_lr.py [--seeds 10] [--field optimizer]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Trainer
from engine.landscape import COMPARE_EPOCHS, RUN_LR, SIDE_BY_SIDE
from engine.network import data_loss

LADDER = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0)   #: the sidebar's η steps
RISE = 1e-3
MIN_STEPS = 100   #: a full-batch run of 10 epochs is 10 steps: too short to show a rate that spikes later


def one_run(config: Config, epochs: int) -> tuple[bool, float, float]:
    """Return (diverged, worst relative rise of the per-epoch training loss, final training loss) of one run of
    `epochs` epochs, or of MIN_STEPS steps when that is more."""
    trainer = Trainer(config)
    epochs = max(epochs, -(-MIN_STEPS // trainer.batches_per_epoch))
    start = float(data_loss(trainer.net, trainer.params, trainer.split.X_train, trainer.split.y_train))
    trace = trainer.run(epochs * trainer.batches_per_epoch)
    if trace is None or not trace.ok:
        return True, np.inf, np.nan
    per_epoch = trainer.history.column("train_loss")[trainer.batches_per_epoch - 1::trainer.batches_per_epoch]
    curve = np.r_[start, per_epoch]
    return False, float(np.max(np.diff(curve) / curve[:-1])), float(curve[-1])


def measure(field: str, value: str, seeds: int) -> list[tuple[float, int, int, float, float]]:
    """Return [(η, runs diverged, runs rising, worst rise, median final loss)] over the ladder for one run."""
    rows = []
    for lr in LADDER:
        results = [one_run(Config(seed=s, data_seed=d, lr=lr).replace(**{field: value}), COMPARE_EPOCHS[field])
                   for s in range(seeds) for d in range(3)]
        diverged = sum(r[0] for r in results)
        rising = sum(r[1] > RISE for r in results if not r[0])
        finals = [r[2] for r in results if not r[0]]
        worst = max((r[1] for r in results if not r[0]), default=np.nan)
        rows.append((lr, diverged, rising, worst, float(np.median(finals)) if finals else np.nan))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="weight seeds (× 3 data seeds)")
    parser.add_argument("--field", choices=list(SIDE_BY_SIDE), default=None)
    parser.add_argument("--run", default=None, help="only this run (e.g. sgd)")
    args = parser.parse_args()
    for field in [args.field] if args.field else list(SIDE_BY_SIDE):
        print(f"\n{field}: {COMPARE_EPOCHS[field]} epochs each, {3 * args.seeds} runs per η")
        print(f"{'run':<18}{'η':>7}{'diverged':>10}{'rising':>8}{'worst rise':>12}{'median loss':>13}")
        for value, label in SIDE_BY_SIDE[field].items():
            if args.run and value != args.run:
                continue
            rows = measure(field, value, args.seeds)
            smooth = [lr for lr, div, rise, _, _ in rows if div == 0 and rise == 0]
            for lr, div, rise, worst, final in rows:
                print(f"{label:<18}{lr:>7g}{div:>10d}{rise:>8d}{worst:>12.2%}{final:>13.4f}")
            chosen = max(smooth) if smooth else None
            print(f"{label}: largest smooth η = {chosen}; RUN_LR = {RUN_LR[field][value]}")


if __name__ == "__main__":
    main()
