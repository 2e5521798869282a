"""Benchmark: one session at the largest data and network engine/limits.py allows — memory and time per step.

For each case: the trainer's own accounting (memory_bytes), the peak of NumPy allocations while it trains
(tracemalloc), the process's resident memory above what it was before, and ms per Step; then the time to save
and load it as an experiment file. The limits are chosen so every case stays well under 100 MB and a Step
stays interactive (≲ 0.2 s of engine time).
Run: .venv/bin/python bench/limits.py
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Dataset, Trainer, limits
from engine.diagnostics import Comparison
from engine.experiment import from_json, to_json
from harness.browser import server_memory_kib

STEPS = 120


def _rows_for(n_in: int, hidden: tuple[int, ...], n_out: int, batch_norm: bool = False) -> int:
    return limits.max_rows(n_in, hidden, n_out, batch_norm)


def _csv_like(rows: int, features: int, classes: int) -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, features))
    labels = rng.integers(0, classes, rows)
    if classes == 2:
        return Dataset("csv", X, labels[:, None].astype(float), "binary", tuple(f"f{i}" for i in range(features)))
    return Dataset("csv", X, np.eye(classes)[labels], "multiclass", tuple(f"f{i}" for i in range(features)),
                   class_names=tuple(map(str, range(classes))))


W, L = limits.WIDTH.hi, limits.HIDDEN_LAYERS.hi
CASES = {
    f"{L}×{W} on the most rows of 2-D data": (Config(hidden=(W,) * L, n_samples=_rows_for(2, (W,) * L, 1)), None),
    "2-2-1 on 50 000 rows": (Config(hidden=(2,), n_samples=limits.ROWS.hi, test_ratio=0.2), None),
    f"63 features, 6×16, 10 classes ({_rows_for(63, (16,) * 6, 10):,} rows)":
        (Config(hidden=(16,) * 6), _csv_like(_rows_for(63, (16,) * 6, 10), 63, 10)),
    f"{L}×{W}, batch norm + dropout 0.5": (Config(hidden=(W,) * L, n_samples=_rows_for(2, (W,) * L, 1, True),
                                                 batch_norm=True, dropout=0.5), None),
    "63 features, 6×16, batch norm + dropout 0.5": (Config(hidden=(16,) * 6, batch_norm=True, dropout=0.5),
                                                      _csv_like(_rows_for(63, (16,) * 6, 1, True), 63, 2)),
    f"{L}×{W}, mini-batch 256": (Config(hidden=(W,) * L, n_samples=_rows_for(2, (W,) * L, 1), batch_mode="mini",
                                        batch_size=256, optimizer="adam", lr=0.001), None),
}


def measure(cfg: Config, dataset: Dataset | None) -> dict:
    """Return memory and time figures of one trainer of cfg stepped STEPS times."""
    gc.collect()
    rss0 = server_memory_kib(os.getpid())["VmRSS"]
    tracemalloc.start()
    trainer = Trainer(cfg, dataset=dataset)
    t0 = time.perf_counter()
    trainer.run(STEPS)
    step_ms = (time.perf_counter() - t0) / STEPS * 1e3
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = server_memory_kib(os.getpid())["VmRSS"] - rss0
    t0 = time.perf_counter()
    text = to_json(trainer, custom_data=dataset is not None)
    save_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    from_json(text)
    load_s = time.perf_counter() - t0
    return {"held MB": trainer.memory_bytes() / 2**20, "peak MB": peak / 2**20, "RSS +MB": rss / 1024,
            "ms/step": step_ms, "traces": len(trainer.traces), "file MB": len(text) / 2**20, "save s": save_s,
            "load s": load_s}


def main() -> None:
    print(f"limits: {L} hidden layers × {W} neurons, {limits.ROWS.hi:,} rows, {limits.FEATURES.hi} features, "
          f"{limits.OUTPUTS.hi} outputs, rows × (inputs + neurons) ≤ {limits.CELLS.hi:,}; {STEPS} steps each")
    header = ["held MB", "peak MB", "RSS +MB", "ms/step", "traces", "file MB", "save s", "load s"]
    print(f"{'case':<44}" + "".join(f"{h:>9}" for h in header))
    for name, (cfg, dataset) in CASES.items():
        row = measure(cfg, dataset)
        print(f"{name:<44}" + "".join(f"{row[h]:>9.2f}" if isinstance(row[h], float) else f"{row[h]:>9}"
                                      for h in header))
    # the vanishing-gradients page steps three such nets together
    cfg = Config(hidden=(W,) * L, n_samples=_rows_for(2, (W,) * L, 1), test_ratio=0.0, loss="half_sse")
    tracemalloc.start()
    comparison = Comparison(cfg)
    t0 = time.perf_counter()
    comparison.run(40)
    ms = (time.perf_counter() - t0) / 40 * 1e3
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = sum(t.memory_bytes() for t in comparison.trainers.values()) / 2**20
    print(f"{'vanishing page: 3 nets of the first case':<44}{held:>9.2f}{peak / 2**20:>9.2f}{'':>9}{ms:>9.2f}")


if __name__ == "__main__":
    main()
