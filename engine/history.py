"""Per-step scalars for every step, in growable NumPy columns (bounded: a few floats per step)."""

from __future__ import annotations

import numpy as np

SCALARS = ("iteration", "epoch", "loss", "reg_loss", "train_loss", "test_loss", "train_acc", "test_acc",
           "lr", "grad_norm", "clipped_norm")


class History:
    """Columns of per-step scalars plus per-layer ‖grad_W‖ and mean |δ| (shape (steps, L))."""

    def __init__(self, n_layers: int, capacity: int = 256):
        self.n_layers = n_layers
        self._n = 0
        self._scalars = np.full((capacity, len(SCALARS)), np.nan)
        self._grad_W_norm = np.full((capacity, n_layers), np.nan)
        self._mean_abs_delta = np.full((capacity, n_layers), np.nan)

    def __len__(self) -> int:
        return self._n

    def append(self, row: tuple, grad_W_norm, mean_abs_delta) -> None:
        """Append one step: `row` in SCALARS order, and the two per-layer vectors of length L."""
        if self._n == self._scalars.shape[0]:
            self._grow()
        self._scalars[self._n] = row
        self._grad_W_norm[self._n] = grad_W_norm
        self._mean_abs_delta[self._n] = mean_abs_delta
        self._n += 1

    def _grow(self) -> None:
        def bigger(a):
            out = np.full((2 * a.shape[0], a.shape[1]), np.nan)
            out[: a.shape[0]] = a
            return out

        self._scalars = bigger(self._scalars)
        self._grad_W_norm = bigger(self._grad_W_norm)
        self._mean_abs_delta = bigger(self._mean_abs_delta)

    def truncate(self, n: int) -> None:
        """Forget every step after the first n."""
        self._n = min(self._n, n)

    def column(self, name: str) -> np.ndarray:
        """Return the column `name` (one of SCALARS) for all steps, shape (steps,)."""
        return self._scalars[: self._n, SCALARS.index(name)].copy()

    @property
    def grad_W_norm(self) -> np.ndarray:
        """Return ‖grad_W‖ (Frobenius) per step and layer, shape (steps, L)."""
        return self._grad_W_norm[: self._n].copy()

    @property
    def mean_abs_delta(self) -> np.ndarray:
        """Return mean |δ| per step and layer, shape (steps, L)."""
        return self._mean_abs_delta[: self._n].copy()

    def last(self, name: str) -> float:
        """Return the latest value of column `name` (NaN before the first step)."""
        return float(self._scalars[self._n - 1, SCALARS.index(name)]) if self._n else float("nan")

    def columns(self) -> dict[str, np.ndarray]:
        """Return every column by name (per-layer ones as `grad_W_norm_l` / `mean_abs_delta_l`, l from 1)."""
        out = {name: self.column(name) for name in SCALARS}
        for l in range(self.n_layers):
            out[f"grad_W_norm_{l + 1}"] = self._grad_W_norm[: self._n, l].copy()
            out[f"mean_abs_delta_{l + 1}"] = self._mean_abs_delta[: self._n, l].copy()
        return out

    def nbytes(self) -> int:
        """Return the bytes held by the columns."""
        return self._scalars.nbytes + self._grad_W_norm.nbytes + self._mean_abs_delta.nbytes
