"""One set of size limits (engine/limits.py), checked by the Trainer, the experiment files and the compared nets:
exact at the boundary, and batch-norm neurons counted twice (a step keeps twice the arrays for each)."""

import numpy as np
import pytest

from engine import Config, Dataset, Trainer, limits


def _data(rows: int, features: int) -> Dataset:
    X = np.random.default_rng(0).normal(size=(rows, features))
    return Dataset("csv", X, (X[:, :1] > 0).astype(float), "binary", tuple(f"f{i}" for i in range(features)))


def test_the_cell_limit_is_exact_and_names_itself():
    hidden = (16,) * 6
    rows = limits.max_rows(63, hidden, 1)
    assert rows == 500_000 // (63 + 96 + 1) == 3125
    assert limits.network_problems(63, hidden, 1, rows) == []
    (problem,) = limits.network_problems(63, hidden, 1, rows + 1)
    assert problem == ("rows × (inputs + neurons), the data times the network's size is limited to 1–500,000 "
                       "(got 500,160 = 3,126 rows × 160; at most 3,125 rows fit this network)")


def test_batch_norm_neurons_count_twice():
    hidden = (16,) * 6
    rows = limits.max_rows(63, hidden, 1, batch_norm=True)
    assert limits.cells_width(63, hidden, 1, batch_norm=True) == 63 + 2 * 96 + 1
    assert rows == 500_000 // 256 == 1953
    assert limits.network_problems(63, hidden, 1, rows, batch_norm=True) == []
    assert "batch-norm neurons counted twice" in limits.network_problems(63, hidden, 1, rows + 1, batch_norm=True)[0]


def test_the_trainer_refuses_a_batch_norm_net_too_big_for_its_data():
    data = _data(2000, 63)
    Trainer(Config(hidden=(16,) * 6), dataset=data)                    # 2000 × 160 fits
    with pytest.raises(ValueError, match="2,000 rows × 256, batch-norm neurons counted twice"):
        Trainer(Config(hidden=(16,) * 6, batch_norm=True), dataset=data)
