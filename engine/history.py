"""Per-step scalars for every step, in growable NumPy columns (bounded: a few floats per step)."""

from __future__ import annotations

import numpy as np

PENDING_ROWS = 64

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
        # rows appended since the last read, converted to the arrays in one go: a NumPy row assignment per
        # step cost more than the rest of the history bookkeeping of a small net's step
        self._pending: list[tuple] = []

    def __len__(self) -> int:
        return self._n + len(self._pending)

    def append(self, row: tuple, grad_W_norm, mean_abs_delta) -> None:
        """Append one step: `row` in SCALARS order, and the two per-layer vectors of length L."""
        self._pending.append((row, grad_W_norm, mean_abs_delta))
        if len(self._pending) >= PENDING_ROWS:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        n, k = self._n, len(pending)
        while n + k > self._scalars.shape[0]:
            self._grow()
        rows, grad_W_norm, mean_abs_delta = zip(*pending)
        self._scalars[n:n + k] = rows
        self._grad_W_norm[n:n + k] = grad_W_norm
        self._mean_abs_delta[n:n + k] = mean_abs_delta
        self._n = n + k

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
        self._flush()
        self._n = min(self._n, n)

    def column(self, name: str) -> np.ndarray:
        """Return the column `name` (one of SCALARS) for all steps, shape (steps,)."""
        self._flush()
        return self._scalars[: self._n, SCALARS.index(name)].copy()

    @property
    def grad_W_norm(self) -> np.ndarray:
        """Return ‖grad_W‖ (Frobenius) per step and layer, shape (steps, L)."""
        self._flush()
        return self._grad_W_norm[: self._n].copy()

    @property
    def mean_abs_delta(self) -> np.ndarray:
        """Return mean |δ| per step and layer, shape (steps, L)."""
        self._flush()
        return self._mean_abs_delta[: self._n].copy()

    def last(self, name: str) -> float:
        """Return the latest value of column `name` (NaN before the first step)."""
        self._flush()
        return float(self._scalars[self._n - 1, SCALARS.index(name)]) if self._n else float("nan")

    def columns(self) -> dict[str, np.ndarray]:
        """Return every column by name (per-layer ones as `grad_W_norm_l` / `mean_abs_delta_l`, l from 1)."""
        self._flush()
        out = {name: self.column(name) for name in SCALARS}
        for l in range(self.n_layers):
            out[f"grad_W_norm_{l + 1}"] = self._grad_W_norm[: self._n, l].copy()
            out[f"mean_abs_delta_{l + 1}"] = self._mean_abs_delta[: self._n, l].copy()
        return out

    @classmethod
    def from_columns(cls, n_layers: int, columns: dict[str, np.ndarray]) -> History:
        """Return a History holding `columns` as columns() returns them (ValueError if any is missing or ragged)."""
        names = [*SCALARS, *(f"{kind}_{l}" for l in range(1, n_layers + 1)
                             for kind in ("grad_W_norm", "mean_abs_delta"))]
        if set(columns) != set(names):
            raise ValueError("the history columns don't match the network")
        data = {k: np.asarray(columns[k], dtype=np.float64) for k in names}
        n = data["iteration"].shape[0]
        if any(v.shape != (n,) for v in data.values()):
            raise ValueError("the history columns must be lists of numbers of the same length")
        history = cls(n_layers, capacity=max(n, 1))
        history._scalars[:n] = np.column_stack([data[k] for k in SCALARS])
        for l in range(n_layers):
            history._grad_W_norm[:n, l] = data[f"grad_W_norm_{l + 1}"]
            history._mean_abs_delta[:n, l] = data[f"mean_abs_delta_{l + 1}"]
        history._n = n
        return history

    def nbytes(self) -> int:
        """Return the bytes held by the columns."""
        self._flush()
        return self._scalars.nbytes + self._grad_W_norm.nbytes + self._mean_abs_delta.nbytes
