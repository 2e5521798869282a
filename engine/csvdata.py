"""Load a user's CSV (numeric feature columns + one target column) into a Dataset, or say exactly why not.

Every rejection is a CSVError subclass with a message a student can act on; nothing is guessed silently.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from .data import Dataset

MAX_BYTES = 5 * 2**20
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_CLASSES = 10


class CSVError(ValueError):
    """A CSV file that cannot become a dataset; str(error) is the message to show."""


class EmptyFileError(CSVError):
    """The file has no data rows."""


class EncodingError(CSVError):
    """The file is not UTF-8 text."""


class TooFewColumnsError(CSVError):
    """Fewer than two columns (need at least one feature and a target)."""


class TooLargeError(CSVError):
    """Too many bytes, rows or columns for an interactive lesson."""


class HeaderError(CSVError):
    """Missing, blank or duplicate column names."""


class RaggedRowsError(CSVError):
    """Rows with a different number of cells than the header."""


class MissingValueError(CSVError):
    """Empty cells or NaN."""


class NotNumericError(CSVError):
    """A cell that is not a number."""


class NonFiniteError(CSVError):
    """inf or a number too large for float64."""


class ConstantColumnError(CSVError):
    """A feature column with one value only (it carries no information and breaks standardisation)."""


class LabelMismatchError(CSVError):
    """Target values that do not fit the chosen loss."""


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise TooLargeError(f"the file is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")
    if b"\x00" in data[:4096]:
        raise EncodingError("this looks like a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise EncodingError(f"the file is not UTF-8 text (bad byte at position {e.start}); "
                            "save it as 'CSV UTF-8' and upload again") from None


def _read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    if len(text) > MAX_BYTES:
        raise TooLargeError(f"the file is over {MAX_BYTES // 2**20} MB")
    if not text.strip():
        raise EmptyFileError("the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise TooLargeError(f"the file has more than {MAX_ROWS:,} rows; use a sample of it")
    except csv.Error as e:
        raise RaggedRowsError(f"the file is not valid CSV ({e})") from None
    if not rows:
        raise EmptyFileError("the file is empty")
    header = [h.strip() for h in rows[0]]
    if len(header) > MAX_COLUMNS:
        raise TooLargeError(f"the file has {len(header)} columns; the limit is {MAX_COLUMNS}")
    if len(header) < 2:
        raise TooFewColumnsError("the file needs at least two columns: one or more features and a target")
    if len(rows) == 1:
        raise EmptyFileError("the file has a header but no data rows")
    return header, rows[1:]


def _check_header(header: list[str]) -> None:
    if any(not h for h in header):
        raise HeaderError(f"column {next(i for i, h in enumerate(header) if not h) + 1} has no name")
    seen = set()
    for h in header:
        if h in seen:
            raise HeaderError(f"the column name {h!r} appears twice")
        seen.add(h)
    if all(_is_number(h) for h in header):
        raise HeaderError("the first row must be column names, but it is all numbers")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _parse_matrix(header: list[str], body: list[list[str]]) -> np.ndarray:
    out = np.empty((len(body), len(header)))
    for r, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise RaggedRowsError(f"row {r} has {len(row)} cells but the header has {len(header)}")
        for c, cell in enumerate(row):
            cell = cell.strip()
            if cell == "" or cell.lower() in ("nan", "na", "n/a", "null", "none", "?"):
                raise MissingValueError(f"row {r}, column {header[c]!r} is empty or missing; "
                                        "fill or remove incomplete rows")
            try:
                value = float(cell)
            except ValueError:
                shown = cell if len(cell) <= 20 else cell[:20] + "…"
                raise NotNumericError(f"row {r}, column {header[c]!r} holds {shown!r}, which is not a number"
                                      ) from None
            if not math.isfinite(value):
                raise NonFiniteError(f"row {r}, column {header[c]!r} is {cell!r}; only finite numbers work")
            out[r - 2, c] = value
    return out


def _target_task(values: np.ndarray, loss: str | None) -> str:
    integral = bool(np.all(values == np.round(values)))
    classes = np.unique(values)
    if len(classes) < 2:
        raise LabelMismatchError("the target has a single class (one value in every row): there is nothing to learn")
    if loss in ("half_sse", "mse"):
        return "binary" if integral and set(classes) <= {0.0, 1.0} else "regression"
    if loss == "bce":
        if not set(classes) <= {0.0, 1.0}:
            raise LabelMismatchError("binary cross-entropy needs a target of 0/1 labels; "
                                     f"this target has values like {', '.join(f'{v:g}' for v in classes[:4])}")
        return "binary"
    if loss == "softmax_ce":
        if not integral or classes.min() < 0:
            raise LabelMismatchError("softmax cross-entropy needs whole-number class labels 0, 1, 2, …")
        if len(classes) > MAX_CLASSES:
            raise LabelMismatchError(f"the target has {len(classes)} classes; the limit is {MAX_CLASSES}")
        return "multiclass"
    if integral and len(classes) == 2 and set(classes) <= {0.0, 1.0}:
        return "binary"
    if integral and 2 < len(classes) <= MAX_CLASSES and classes.min() >= 0:
        return "multiclass"
    return "regression"


def csv_columns(data: bytes | str) -> list[str]:
    """Return the column names of a CSV file (raises a CSVError subclass when the file can't be read)."""
    header, _ = _read_rows(_decode(data))
    _check_header(header)
    return header


def load_csv(data: bytes | str, target: str | None = None, loss: str | None = None,
             name: str = "uploaded") -> Dataset:
    """Return a Dataset from CSV bytes/text: all columns but `target` (default: the last) are features.

    The task is inferred from the target (0/1 → binary, 3–10 whole numbers → multiclass, else regression)
    or fixed by `loss`. Raises a CSVError subclass with a specific message for every bad file.
    """
    header, body = _read_rows(_decode(data))
    _check_header(header)
    target = target if target is not None else header[-1]
    if target not in header:
        raise HeaderError(f"there is no column named {target!r}; columns are: {', '.join(header)}")
    matrix = _parse_matrix(header, body)
    t = header.index(target)
    features = [h for h in header if h != target]
    X = np.delete(matrix, t, axis=1)
    values = matrix[:, t]
    if X.shape[0] < 4:
        raise EmptyFileError(f"the file has {X.shape[0]} data rows; a lesson needs at least 4")
    constant = [features[j] for j in range(X.shape[1]) if np.ptp(X[:, j]) == 0]
    if constant:
        raise ConstantColumnError(f"the column {constant[0]!r} has the same value in every row; remove it")
    task = _target_task(values, loss)
    if task == "multiclass":
        classes = np.unique(values)
        labels = np.searchsorted(classes, values)
        y = np.eye(len(classes))[labels]
        class_names = tuple(f"{c:g}" for c in classes)
    else:
        y = values.reshape(-1, 1)
        class_names = ("0", "1") if task == "binary" else ()
    return Dataset(name, X, y, task, tuple(features), (target,), class_names)


def example_csv(n: int = 60, seed: int = 0) -> str:
    """Return a small example CSV (two features x1, x2 and a 0/1 label) as text."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    label = (X[:, 0] ** 2 + X[:, 1] ** 2 < 0.5).astype(int)
    lines = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, label)]
    return "\n".join(lines) + "\n"
