"""Load a user's CSV (numeric feature columns + one target column) into a Dataset, or say exactly why not.

Every rejection is a CSVError subclass with a message a student can act on; nothing is guessed silently.
"""

from __future__ import annotations

import codecs
import csv
import io
import math

import numpy as np

from .data import Dataset

# An upload's limits (MAX_BYTES … MAX_CLASSES are the ones the shared limits table will hold)
#: 5 MB = 5 000 000 bytes: .streamlit/config.toml's maxUploadSize = 5 as the browser counts it on Linux and macOS
#: (on Windows it counts MiB and sends up to 5 242 880 bytes; this check then refuses the rest with a message)
MAX_BYTES = 5_000_000
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_CLASSES = 10
MAX_CELL = csv.field_size_limit()   #: 131 072 characters (128 KB): Python's csv refuses longer cells
MAX_NAME = 200            #: characters of a column name
#: beyond this a value's square overflows float64 (even standardising it does), so the data must be rescaled
MAX_MAGNITUDE = 1e150
PLAIN_NUMBERS = ("numbers are written with the digits 0–9 and a '.' for decimals, without digit separators "
                 "(1000, -0.5, 2e-3)")


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


class ScaleError(CSVError):
    """Numbers so large that the arithmetic overflows (the data must be rescaled first)."""


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise TooLargeError(f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:g} MB")
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            # Excel's "Unicode Text" is UTF-16 with a byte-order mark: read it as it is
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise EncodingError(f"the file starts like {codec.upper()} text but is damaged; "
                                    f"{SAVE_AS_CSV}") from None
    _refuse_known_binaries(data[:4096])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise EncodingError(f"the file is not UTF-8 text (bad byte at position {e.start}); "
                            "save it as 'CSV UTF-8' and upload again") from None


SAVE_AS_CSV = "in Excel or LibreOffice choose File → Save As → 'CSV UTF-8 (comma delimited)' and upload that file"


def _refuse_known_binaries(head: bytes) -> None:
    """Raise EncodingError naming what a non-text file is (a workbook, a PDF, UTF-16 without its mark…)."""
    if head.startswith(b"PK\x03\x04"):
        raise EncodingError(f"this is an Excel workbook (.xlsx) or another zip file, not a CSV file; {SAVE_AS_CSV}")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise EncodingError(f"this is an old Excel workbook (.xls), not a CSV file; {SAVE_AS_CSV}")
    if head.startswith(b"%PDF"):
        raise EncodingError("this is a PDF document, not a CSV file")
    if b"\x00" in head:
        odd, even = head[1::2], head[0::2]
        if head and (odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even)):
            raise EncodingError(f"this looks like UTF-16 text without its byte-order mark; {SAVE_AS_CSV}")
        raise EncodingError(f"this looks like a binary file, not a CSV text file; {SAVE_AS_CSV}")


def _delimiter(text: str) -> tuple[str, str]:
    """Return (delimiter, text without Excel's 'sep=' line): the 'sep=;' hint if given, else sniffed."""
    first, _, rest = text.partition("\n")
    hint = first.strip()
    if hint.lower().startswith("sep=") and len(hint) == 5:
        return hint[4], rest
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter, text
    except csv.Error:
        return ",", text


def _read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    if len(text) > MAX_BYTES:
        raise TooLargeError(f"the file is over {MAX_BYTES / 1e6:g} MB")
    # classic Mac (and some Excel) files end lines with CR alone
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyFileError("the file is empty")
    delimiter, text = _delimiter(text)
    rows = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise TooLargeError(f"the file has more than {MAX_ROWS:,} rows; use a sample of it")
    except csv.Error as e:
        if "field larger" in str(e):
            raise TooLargeError(f"line {reader.line_num} has a cell longer than {MAX_CELL // 1024} KB; a cell "
                                "holds one number or a column name") from None
        if "NUL" in str(e):
            raise EncodingError(f"line {reader.line_num} holds NUL characters, so this is not a CSV text file; "
                                f"{SAVE_AS_CSV}") from None
        raise RaggedRowsError(f"line {reader.line_num} is not valid CSV ({e})") from None
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


def _q(name: str) -> str:
    """Return a column name or cell quoted for a message, cut to 40 characters."""
    return repr(name if len(name) <= 40 else name[:40] + "…")


def _check_header(header: list[str]) -> None:
    if any(not h for h in header):
        raise HeaderError(f"column {next(i for i, h in enumerate(header) if not h) + 1} has no name")
    for i, h in enumerate(header, start=1):
        if len(h) > MAX_NAME:
            raise HeaderError(f"the name of column {i} is {len(h):,} characters long; keep names under {MAX_NAME}")
    seen = set()
    for h in header:
        if h in seen:
            raise HeaderError(f"the column name {_q(h)} appears twice")
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
                raise MissingValueError(f"row {r}, column {_q(header[c])} is empty or missing; "
                                        "fill or remove incomplete rows")
            try:
                # Python's float() also reads 1_000, ١٢ and １２: refused, so no cell is read as a number by a guess
                if "_" in cell or not cell.isascii():
                    raise ValueError
                value = float(cell)
            except ValueError:
                raise NotNumericError(f"row {r}, column {_q(header[c])} holds {_q(cell)}, which is not a number; "
                                      f"{PLAIN_NUMBERS}") from None
            if not math.isfinite(value):
                raise NonFiniteError(f"row {r}, column {_q(header[c])} is {_q(cell)}; only finite numbers work")
            out[r - 2, c] = value
    return out


def _check_scale(matrix: np.ndarray, header: list[str], target: int) -> None:
    """Raise ScaleError when a column holds numbers too large to square (the loss or standardising overflows)."""
    peak = np.abs(matrix).max(axis=0)
    for c in np.flatnonzero(peak > MAX_MAGNITUDE):
        what = "the target" if c == target else "the feature"
        raise ScaleError(f"{what} {_q(header[c])} reaches {peak[c]:.3g}: numbers this large overflow the "
                         f"arithmetic (their squares are infinite), so training can only diverge; divide the column "
                         f"by a power of ten (e.g. 1e{int(math.log10(peak[c]))}) and upload again")


def target_task(values: np.ndarray, loss: str | None) -> str:
    """Return the task ("binary" | "multiclass" | "regression") of target values (N,) for `loss` (None: auto).

    Raises LabelMismatchError when the values can't be labels for that loss; the one place the CSV checks labels.
    """
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
        raise HeaderError(f"there is no column named {_q(target)}; columns are: {', '.join(map(_q, header))}")
    matrix = _parse_matrix(header, body)
    t = header.index(target)
    _check_scale(matrix, header, t)
    features = [h for h in header if h != target]
    X = np.delete(matrix, t, axis=1)
    values = matrix[:, t]
    if X.shape[0] < 4:
        raise EmptyFileError(f"the file has {X.shape[0]} data rows; a lesson needs at least 4")
    constant = [features[j] for j in range(X.shape[1]) if np.ptp(X[:, j]) == 0]
    if constant:
        raise ConstantColumnError(f"the column {_q(constant[0])} has the same value in every row; remove it")
    task = target_task(values, loss)
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


def scale_advice(ds: Dataset, standardize: bool) -> list[str]:
    """Return plain-language advice when the data's scale, not the learning rate, will make training fail."""
    advice = []
    feature_peak = float(np.abs(ds.X).max())
    if not standardize and feature_peak > 10:
        advice.append(f"The features reach {feature_peak:.3g}; tanh and sigmoid units saturate on inputs much "
                      "beyond ±3 and large inputs make large gradients, so tick “Standardise the features” "
                      "(each column to mean 0, standard deviation 1).")
    target_peak = float(np.abs(ds.y).max())
    if ds.task == "regression" and target_peak > 1e3:
        advice.append(f"The target reaches {target_peak:.3g}: the network's first predictions are near 0, so its "
                      "first errors and gradients are about that large and training diverges at any usual learning "
                      f"rate; divide the target column by 1e{int(math.log10(target_peak))} in your spreadsheet.")
    return advice
