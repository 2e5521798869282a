"""Save an experiment (settings, data when uploaded, weights) as JSON and load it back, validated.

JSON only — user files are never unpickled. Loading replays the saved number of iterations from the saved
initial weights, so history and weights come back exactly; if the replay can't reproduce the saved weights
(the settings were changed mid-run), the saved weights become a new starting point.
"""

from __future__ import annotations

import json

import numpy as np

from .config import Config
from .data import Dataset
from .trainer import Trainer

FORMAT = "backprop-visualizer/1"
MAX_REPLAY = 20_000
MAX_JSON_BYTES = 5 * 2**20


class ExperimentError(ValueError):
    """A file that is not a valid saved experiment; str(error) says why."""


def _params_json(params) -> list:
    return [{"W": W.tolist(), "b": b.tolist()} for W, b in params]


def to_json(trainer: Trainer, custom_data: bool = False) -> str:
    """Return the experiment as a JSON string: settings, initial and current weights, iteration (and data)."""
    doc = {
        "format": FORMAT,
        "config": trainer.config.to_dict(),
        "iteration": trainer.iteration,
        "initial_params": _params_json(trainer.initial_params),
        "params": _params_json(trainer.params),
        "settings_changed": trainer.settings_changed,
    }
    if custom_data:
        ds = trainer.dataset
        doc["dataset"] = {"name": ds.name, "X": ds.X.tolist(), "y": ds.y.tolist(), "task": ds.task,
                          "feature_names": list(ds.feature_names), "target_names": list(ds.target_names),
                          "class_names": list(ds.class_names)}
    return json.dumps(doc)


def _array(value, name: str, ndim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExperimentError(f"{name} must be numbers") from None
    if arr.ndim != ndim or not np.isfinite(arr).all():
        raise ExperimentError(f"{name} must be a {ndim}-D array of finite numbers")
    return arr


def _params(value, name: str) -> list:
    if not isinstance(value, list) or not value:
        raise ExperimentError(f"{name} must be a list of layers")
    out = []
    for i, layer in enumerate(value, start=1):
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            raise ExperimentError(f"{name} layer {i} must have W and b")
        out.append((_array(layer["W"], f"{name} layer {i} W", 2), _array(layer["b"], f"{name} layer {i} b", 1)))
    return out


def _dataset(value) -> Dataset:
    if not isinstance(value, dict):
        raise ExperimentError("dataset must be an object")
    X, y = _array(value.get("X"), "dataset X", 2), _array(value.get("y"), "dataset y", 2)
    task = value.get("task")
    if task not in ("binary", "multiclass", "regression") or X.shape[0] != y.shape[0] or X.shape[0] < 4:
        raise ExperimentError("dataset must have a task and matching X and y with at least 4 rows")
    names = [tuple(str(n) for n in value.get(k, ())) for k in ("feature_names", "target_names", "class_names")]
    return Dataset(str(value.get("name", "uploaded"))[:60], X, y, task, names[0] or ("x1", "x2"),
                   names[1] or ("y",), names[2])


def from_json(text: str | bytes) -> tuple[Trainer, str]:
    """Return (trainer, message) restored from JSON; raises ExperimentError with a clear reason otherwise."""
    if len(text) > MAX_JSON_BYTES:
        raise ExperimentError("the file is too large to be a saved experiment")
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ExperimentError("the file is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExperimentError(f"this is not a saved experiment (expected format {FORMAT!r})")
    try:
        cfg = Config.from_dict(doc.get("config", {}))
    except (ValueError, TypeError) as e:
        raise ExperimentError(f"bad settings: {e}") from None
    dataset = _dataset(doc["dataset"]) if "dataset" in doc else None
    initial, current = _params(doc.get("initial_params"), "initial_params"), _params(doc.get("params"), "params")
    iteration = doc.get("iteration")
    if not isinstance(iteration, int) or isinstance(iteration, bool) or iteration < 0:
        raise ExperimentError("iteration must be a whole number ≥ 0")
    try:
        trainer = Trainer(cfg, dataset=dataset, params=initial)
        Trainer(cfg, dataset=dataset, params=current)  # shape check of the saved weights
    except ValueError as e:
        raise ExperimentError(str(e)) from None
    if not doc.get("settings_changed") and iteration <= MAX_REPLAY:
        trainer.run(iteration)
        if trainer.iteration == iteration and _same(trainer.params, current):
            return trainer, f"Restored exactly: iteration {iteration}, with its full history."
    trainer = Trainer(cfg, dataset=dataset, params=current)
    return trainer, "Restored the saved weights as a new starting point (history starts at iteration 0)."


def _same(a, b) -> bool:
    return all(np.allclose(W1, W2, rtol=1e-12, atol=1e-12) and np.allclose(b1, b2, rtol=1e-12, atol=1e-12)
               for (W1, b1), (W2, b2) in zip(a, b))
