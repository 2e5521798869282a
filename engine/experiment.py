"""Save an experiment as JSON and load it back exactly, or refuse the file with a plain reason.

JSON only — user files are never unpickled. A file holds the trainer's snapshots (weights, batch norms' γ, β and
running statistics, optimizer state, random-generator state and batch position, each with its settings), its
history columns and, for uploaded data, the dataset; arrays are stored as base64 float64, which is exact and
compact. Loading is O(file): it checks every piece against engine/limits.py before allocating anything, rebuilds
the trainer at its last snapshot and replays at most one snapshot gap (bounded by limits.REPLAY_WORK) to show the
last step again. Dropout masks need no state: they come from the weight seed and the iteration.
Files of the first format (weights only) are still read: they replay their iterations when that is bounded.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math

import numpy as np

from . import limits
from .config import Config
from .data import Dataset, dataset_shape
from .history import History
from .network import BatchNorm
from .trainer import Snapshot, Trainer, trained_parameters

FORMAT = "backprop-visualizer/2"
FORMAT_V1 = "backprop-visualizer/1"
MAX_JSON_BYTES = limits.FILE_BYTES
MAX_NAME = 60                 #: characters kept of a dataset, feature or class name
SNAPSHOT_KEYS = {"iteration", "config", "params", "opt_state", "rng", "has_perm", "cursor", "epoch",
                 "batch_in_epoch", "pinned", "norms"}
NORM_KEYS = set(BatchNorm._fields)
TOP_KEYS = {"format", "snapshots", "snapshot_every", "history", "dataset", "restarted_from"}
DATASET_KEYS = {"name", "task", "X", "y", "feature_names", "target_names", "class_names"}


class ExperimentError(ValueError):
    """A file that is not a valid saved experiment; str(error) says why."""


# ---- saving --------------------------------------------------------------------------------------
def _pack(a: np.ndarray) -> dict:
    """Return an array as {"shape": [...], "f8": base64 of its little-endian float64 bytes}."""
    data = np.ascontiguousarray(a, dtype="<f8").tobytes()
    return {"shape": list(a.shape), "f8": base64.b64encode(data).decode("ascii")}


def _snapshot_doc(snap: Snapshot, previous: Snapshot | None) -> dict:
    doc = {"iteration": snap.iteration, "params": [{"W": _pack(W), "b": _pack(b)} for W, b in snap.params],
           "opt_state": [{k: (_pack(v) if isinstance(v, np.ndarray) else v) for k, v in s.items()}
                         for s in snap.opt_state],
           "rng": snap.rng_state_before_perm, "has_perm": snap.has_perm, "cursor": snap.cursor, "epoch": snap.epoch,
           "batch_in_epoch": snap.batch_in_epoch, "pinned": snap.pinned}
    if any(n is not None for n in snap.norms):   # files of nets without batch norm stay as they were
        doc["norms"] = [None if n is None else {k: _pack(v) for k, v in n._asdict().items()} for n in snap.norms]
    if previous is None or snap.config != previous.config:
        doc["config"] = snap.config.to_dict()   # a snapshot without "config" has the one before it
    return doc


def _document(trainer: Trainer, snapshots: list[Snapshot], custom_data: bool, history: bool) -> dict:
    docs = [_snapshot_doc(s, p) for s, p in zip(snapshots, [None, *snapshots])]
    doc = {"format": FORMAT, "snapshots": docs, "snapshot_every": trainer._snapshot_every,
           "history": {k: _pack(v) for k, v in trainer.history.columns().items()} if history else None}
    if custom_data:
        ds = trainer.dataset
        doc["dataset"] = {"name": ds.name, "task": ds.task, "X": _pack(ds.X), "y": _pack(ds.y),
                          "feature_names": list(ds.feature_names), "target_names": list(ds.target_names),
                          "class_names": list(ds.class_names)}
    return doc


def to_json(trainer: Trainer, custom_data: bool = False) -> str:
    """Return the experiment as JSON: every snapshot, the current state, the history (and uploaded data).

    When that is over the file limit, regular snapshots are dropped (rewinding replays longer); if it is
    still too large, the file keeps only the current weights, to be loaded as a new starting point.
    """
    past = [s for s in trainer.snapshots if s.iteration < trainer.iteration]
    now = trainer.snapshot()
    attempts = [[*past, now], [s for s in past if s.pinned or s.iteration == 0] + [now]]
    for snapshots in attempts:
        text = json.dumps(_document(trainer, snapshots, custom_data, history=True))
        if len(text) <= MAX_JSON_BYTES:
            return text
    start = Snapshot(0, now.config, now.params, now.opt_state, now.rng_state_before_perm, now.has_perm, now.cursor,
                     now.epoch, now.batch_in_epoch, True, now.norms)
    doc = _document(trainer, [start], custom_data, history=False)
    doc["restarted_from"] = trainer.iteration
    return json.dumps(doc)


# ---- loading: small checked readers --------------------------------------------------------------
def _int(value, name: str, lo: int = 0, hi: int = 2**63) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ExperimentError(f"{name} must be a whole number between {lo:,} and {hi:,}")
    return value


def _object(value, name: str, keys: set[str], required: set[str] | None = None) -> dict:
    if not isinstance(value, dict):
        raise ExperimentError(f"{name} must be an object")
    unknown = sorted(str(k)[:30] for k in set(value) - keys)
    if unknown:
        raise ExperimentError(f"{name} has unknown key(s): {', '.join(unknown[:5])}")
    missing = sorted((required if required is not None else keys) - set(value))
    if missing:
        raise ExperimentError(f"{name} is missing {', '.join(missing)}")
    return value


def _unpack(value, name: str, shape: tuple[int, ...] | None = None, finite: bool = True,
            max_size: int = 10**7) -> np.ndarray:
    """Return a packed array, checking its shape (against `shape` if given) and size before decoding it."""
    doc = _object(value, name, {"shape", "f8"})
    dims = doc["shape"]
    if not isinstance(dims, list) or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= max_size
                                             for d in dims) or len(dims) > 2:
        raise ExperimentError(f"{name} has a bad shape")
    if shape is not None and tuple(dims) != shape:
        raise ExperimentError(f"{name} must have shape {shape}, not {tuple(dims)}")
    n = math.prod(dims)
    if n > max_size or not isinstance(doc["f8"], str) or len(doc["f8"]) != 4 * math.ceil(8 * n / 3):
        raise ExperimentError(f"{name} does not hold {n:,} numbers")
    try:
        arr = np.frombuffer(base64.b64decode(doc["f8"], validate=True), dtype="<f8").astype(np.float64)
    except (binascii.Error, ValueError):
        raise ExperimentError(f"{name} is not valid base64 data") from None
    if finite and not np.isfinite(arr).all():
        raise ExperimentError(f"{name} must hold finite numbers only")
    return arr.reshape(dims)


def _config(value, name: str) -> Config:
    if not isinstance(value, dict):
        raise ExperimentError(f"{name} must be an object")
    try:
        return Config.from_dict(value)
    except (ValueError, TypeError) as e:
        raise ExperimentError(f"bad settings: {e}") from None


def _names(value, name: str, count: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) not in (0, 1, count) or not all(isinstance(v, str) for v in value):
        raise ExperimentError(f"{name} must be a list of {count} names")
    return tuple(v[:MAX_NAME] for v in value)


def _dataset(value, cfg: Config) -> Dataset:
    """Return the saved dataset, its size checked against the limits (and the network) before it is decoded."""
    doc = _object(value, "dataset", DATASET_KEYS, {"task", "X", "y"})
    task = doc["task"]
    if task not in ("binary", "multiclass", "regression"):
        raise ExperimentError("dataset task must be binary, multiclass or regression")
    dims = [d.get("shape") if isinstance(d, dict) else None for d in (doc["X"], doc["y"])]
    if not all(isinstance(s, list) and len(s) == 2 and all(isinstance(v, int) for v in s) for s in dims):
        raise ExperimentError("dataset X and y must be tables (rows × columns)")
    (rows, n_in), (rows_y, n_out) = dims
    if rows != rows_y:
        raise ExperimentError("dataset X and y must have the same number of rows")
    problems = limits.network_problems(n_in, cfg.hidden, n_out, rows, cfg.batch_norm)
    if problems:
        raise ExperimentError(problems[0])
    X, y = _unpack(doc["X"], "dataset X", (rows, n_in)), _unpack(doc["y"], "dataset y", (rows, n_out))
    name = doc.get("name", "uploaded")
    return Dataset(name[:MAX_NAME] if isinstance(name, str) else "uploaded", X, y, task,
                   _names(doc.get("feature_names", []), "feature_names", n_in)
                   or tuple(f"x{i + 1}" for i in range(n_in)),
                   _names(doc.get("target_names", []), "target_names", n_out) or ("y",),
                   _names(doc.get("class_names", []), "class_names", n_out if task == "multiclass" else 2))


def _rng_state(value, name: str) -> dict:
    doc = _object(value, name, {"bit_generator", "state", "has_uint32", "uinteger"})
    inner = _object(doc["state"], f"{name} state", {"state", "inc"})
    for key in ("state", "inc"):
        _int(inner[key], f"{name} {key}", 0, 2**128 - 1)
    return doc


def _norms(value, where: str, config: Config, sizes: tuple[int, ...]) -> tuple:
    """Return the saved batch norms (one per layer, None where a layer has none); () for a net without them."""
    if not config.batch_norm:
        if value is not None:
            raise ExperimentError(f"{where}: batch norm values for a net without batch norm")
        return ()
    L = len(sizes) - 1
    if not isinstance(value, list) or len(value) != L:
        raise ExperimentError(f"{where}: expected the batch norm of each of {L} layers")
    norms = []
    for l, (layer, n) in enumerate(zip(value, sizes[1:]), start=1):
        if (layer is None) != (l == L):
            raise ExperimentError(f"{where}: every hidden layer, and no other, has a batch norm")
        norms.append(None if layer is None else BatchNorm(**{k: _unpack(v, f"{where} layer {l} batch norm {k}", (n,))
                                                             for k, v in _object(layer, f"{where} layer {l} batch norm",
                                                                                 NORM_KEYS).items()}))
    return tuple(norms)


def _snapshot(value, where: str, config: Config, sizes: tuple[int, ...]) -> Snapshot:
    doc = _object(value, where, SNAPSHOT_KEYS, SNAPSHOT_KEYS - {"config", "norms"})
    if "config" in doc:
        config = _config(doc["config"], f"{where} config")
    pairs = list(itertools.pairwise(sizes))
    if not isinstance(doc["params"], list) or len(doc["params"]) != len(pairs):
        raise ExperimentError(f"{where}: expected {len(pairs)} layers of weights")
    params = tuple((_unpack(_object(layer, f"{where} layer {l}", {"W", "b"})["W"], f"{where} layer {l} W", (o, i)),
                    _unpack(layer["b"], f"{where} layer {l} b", (o,)))
                   for l, (layer, (i, o)) in enumerate(zip(doc["params"], pairs), start=1))
    norms = _norms(doc.get("norms"), where, config, sizes)
    shapes = [x.shape for x in trained_parameters(params, norms or [None] * len(params))]
    if not isinstance(doc["opt_state"], list) or len(doc["opt_state"]) != len(shapes):
        raise ExperimentError(f"{where}: the optimizer state must have one entry per parameter")
    states = [{k: (_int(v, f"{where} optimizer {k}") if isinstance(v, int) else
                   _unpack(v, f"{where} optimizer {k}", shape)) for k, v in _object(s, f"{where} optimizer",
                                                                                  {"t", "m", "v"}, set()).items()}
              for s, shape in zip(doc["opt_state"], shapes)]
    if not isinstance(doc["has_perm"], bool) or not isinstance(doc["pinned"], bool):
        raise ExperimentError(f"{where}: has_perm and pinned must be true or false")
    return Snapshot(_int(doc["iteration"], f"{where} iteration"), config, params, states,
                    _rng_state(doc["rng"], f"{where} rng"), doc["has_perm"], _int(doc["cursor"], f"{where} cursor"),
                    _int(doc["epoch"], f"{where} epoch"), _int(doc["batch_in_epoch"], f"{where} batch_in_epoch"),
                    doc["pinned"], norms)


def _parse(text: str | bytes):
    if len(text) > MAX_JSON_BYTES:
        raise ExperimentError(f"the file is over the {MAX_JSON_BYTES // 2**20} MB limit for a saved experiment")
    try:
        return json.loads(text)
    except RecursionError:
        raise ExperimentError("the file is nested too deeply to be a saved experiment") from None
    except ValueError as e:   # bad JSON, bad UTF-8, or an integer beyond Python's digit limit
        reason = "a number in it is far too long" if "digits" in str(e) else "it is not valid JSON"
        raise ExperimentError(f"the file can't be read: {reason}") from None


# ---- loading -------------------------------------------------------------------------------------
def from_json(text: str | bytes) -> tuple[Trainer, str]:
    """Return (trainer, message) restored from JSON; raises ExperimentError with a clear reason otherwise."""
    doc = _parse(text)
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if fmt == FORMAT_V1:
        return _from_v1(doc)
    if fmt != FORMAT:
        raise ExperimentError(f"this is not a saved experiment (expected format {FORMAT!r})")
    try:
        return _from_v2(doc)
    except ValueError as e:   # the trainer refused a piece (labels that don't fit the loss, sizes, …)
        raise ExperimentError(str(e)) from None


def _from_v2(doc: dict) -> tuple[Trainer, str]:
    _object(doc, "the file", TOP_KEYS, {"format", "snapshots", "history"})
    raw = doc["snapshots"]
    if not isinstance(raw, list) or not raw or not isinstance(raw[0], dict) or "config" not in raw[0]:
        raise ExperimentError("snapshots must be a non-empty list, the first with its settings")
    config = _config(raw[0]["config"], "the settings")
    dataset = _dataset(doc["dataset"], config) if "dataset" in doc else None
    n_in, n_out = (dataset.X.shape[1], dataset.y.shape[1]) if dataset else _builtin_network(config)
    sizes = (n_in, *config.hidden, n_out)
    snapshots, cfg = [], config
    for k, s in enumerate(raw):
        snapshots.append(_snapshot(s, f"snapshot {k + 1}", cfg, sizes))
        cfg = snapshots[-1].config
    last = snapshots[-1].iteration
    history = _history(doc["history"], len(sizes) - 1, last)
    trainer = Trainer.restored(dataset, snapshots, history, _int(doc.get("snapshot_every", 10), "snapshot_every", 1))
    if "restarted_from" in doc:
        return trainer, (f"The file was too large to keep the history of its {doc['restarted_from']:,} iterations: "
                         "its weights are restored as a new starting point.")
    before = [s for s in snapshots if s.iteration < last]
    if before and before[-1].config == snapshots[-1].config and trainer.replay_work(last) <= limits.REPLAY_WORK.hi:
        trainer.rewind(last)   # one snapshot gap: brings back the last step's trace for the graph
    return trainer, f"Restored exactly: iteration {last:,}, with its full history."


def _history(value, n_layers: int, iterations: int) -> History:
    if value is None:
        if iterations:
            raise ExperimentError("the history is missing")
        return History(n_layers)
    if not isinstance(value, dict):
        raise ExperimentError("history must be an object of columns")
    columns = {str(k)[:40]: _unpack(v, f"history {str(k)[:40]}", (iterations,), finite=False) for k, v in value.items()}
    try:
        return History.from_columns(n_layers, columns)
    except ValueError as e:
        raise ExperimentError(str(e)) from None


def _builtin_network(config: Config) -> tuple[int, int]:
    """Return (inputs, outputs) of config's built-in dataset, after checking its network against the limits."""
    n_in, n_out = dataset_shape(config.dataset)
    problems = limits.network_problems(n_in, config.hidden, n_out, config.n_samples, config.batch_norm)
    if problems:
        raise ExperimentError(problems[0])
    return n_in, n_out


# ---- the first format: weights and a bounded replay ----------------------------------------------
def _v1_array(value, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ExperimentError(f"{name} must be numbers") from None
    if arr.shape != shape or not np.isfinite(arr).all():
        raise ExperimentError(f"{name} must be a {shape} array of finite numbers")
    return arr


def _v1_params(value, name: str, sizes: tuple[int, ...]) -> list:
    pairs = list(itertools.pairwise(sizes))
    if not isinstance(value, list) or len(value) != len(pairs):
        raise ExperimentError(f"{name}: expected {len(pairs)} layers of weights")
    return [(_v1_array(_object(layer, f"{name} layer {l}", {"W", "b"})["W"], f"{name} layer {l} W", (o, i)),
             _v1_array(layer["b"], f"{name} layer {l} b", (o,)))
            for l, (layer, (i, o)) in enumerate(zip(value, pairs), start=1)]


def _v1_dataset(value, cfg: Config) -> Dataset:
    doc = _object(value, "dataset", DATASET_KEYS, {"task", "X", "y"})
    X, y = doc["X"], doc["y"]
    if not (isinstance(X, list) and isinstance(y, list) and X and isinstance(X[0], list) and isinstance(y[0], list)):
        raise ExperimentError("dataset X and y must be tables (lists of rows)")
    problems = limits.network_problems(len(X[0]), cfg.hidden, len(y[0]), len(X), cfg.batch_norm)
    if problems:
        raise ExperimentError(problems[0])
    packed = {"X": _pack(_v1_array(X, "dataset X", (len(X), len(X[0])))),
              "y": _pack(_v1_array(y, "dataset y", (len(y), len(y[0]))))}
    return _dataset({**doc, **packed}, cfg)


def _from_v1(doc: dict) -> tuple[Trainer, str]:
    # the settings first: a file with settings we don't know says so, whatever else it lacks
    cfg = _config(doc.get("config"), "the settings")
    _object(doc, "the file", {"format", "config", "iteration", "initial_params", "params", "settings_changed",
                              "dataset"}, {"format", "config", "iteration", "initial_params", "params"})
    dataset = _v1_dataset(doc["dataset"], cfg) if "dataset" in doc else None
    if dataset is None:
        _builtin_network(cfg)
    iteration = _int(doc["iteration"], "iteration")
    try:
        trainer = Trainer(cfg, dataset=dataset)
        initial = _v1_params(doc["initial_params"], "initial_params", trainer.sizes)
        current = _v1_params(doc["params"], "params", trainer.sizes)
        trainer = Trainer(cfg, dataset=dataset, params=initial)
    except ValueError as e:
        raise ExperimentError(str(e)) from None
    work = limits.replay_work(iteration, trainer.batch_size, trainer.sizes)
    if not doc.get("settings_changed") and work <= limits.REPLAY_WORK.hi:
        trainer.run(iteration)
        if trainer.iteration == iteration and _same(trainer.params, current):
            return trainer, f"Restored exactly: iteration {iteration:,}, with its full history."
    trainer = Trainer(cfg, dataset=dataset, params=current)
    return trainer, "Restored the saved weights as a new starting point (history starts at iteration 0)."


def _same(a, b) -> bool:
    return all(np.allclose(W1, W2, rtol=1e-12, atol=1e-12) and np.allclose(b1, b2, rtol=1e-12, atol=1e-12)
               for (W1, b1), (W2, b2) in zip(a, b))
