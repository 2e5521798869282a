"""Benchmark: which learning rate trains the default experiment smoothly (circle, 2-4-4-1 tanh, full batch)?

For each η, 30 runs (weight seeds 0–9 × data seeds 0–2) of 500 iterations: the largest relative rise of the
training loss from one iteration to the next, how many runs rise by more than 0.1 % anywhere, and the loss
reached. Config's default η is the largest of these that never rises (0.3 when this was written: 0.5 spikes in
2 runs of 30, 1.0 — the old sidebar default — in most).
Run: .venv/bin/python bench/default_lr.py
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Trainer


def main() -> None:
    print(f"{'η':>6}{'worst rise':>12}{'runs rising > 0.1 %':>22}{'median loss @500':>18}{'worst loss @500':>17}")
    for lr in (0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
        worst, final = [], []
        for seed in range(10):
            for data_seed in range(3):
                trainer = Trainer(Config(lr=lr, seed=seed, data_seed=data_seed))
                trainer.run(500)
                loss = trainer.history.column("train_loss")
                worst.append(float((np.diff(loss) / loss[:-1]).max()))
                final.append(loss[-1])
        rising = sum(w > 1e-3 for w in worst)
        print(f"{lr:>6g}{max(worst):>12.2e}{rising:>17d} / 30{np.median(final):>18.4f}{max(final):>17.4f}")
    print(f"Config().lr = {Config().lr}")


if __name__ == "__main__":
    main()
