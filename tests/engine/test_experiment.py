"""Saving an experiment as JSON and loading it back: an exact restore, or ExperimentError with a plain reason.

The corpus below holds valid files (each must continue bit-for-bit) and malformed ones (truncated, wrong types,
NaN/inf, over the limits, deep nesting, huge numbers, injected markup in names); every one must load or be
refused within a time and memory bound.
"""

import base64
import json
import time
import tracemalloc

import numpy as np
import pytest

from engine import Config, Trainer, limits
from engine import experiment as ex
from engine.csvdata import example_csv, load_csv
from engine.experiment import FORMAT, ExperimentError, from_json, to_json

MAX_SECONDS = 3.0
MAX_PEAK_BYTES = 60 * 2**20


def _trained(cfg: Config, steps: int, dataset=None, change=None) -> Trainer:
    trainer = Trainer(cfg, dataset=dataset)
    trainer.run(steps)
    if change:
        trainer.update_config(**change)
        trainer.run(steps // 2 + 1)
    return trainer


VALID = {
    "fresh default": lambda: Trainer(Config()),
    "adam mini-batch, 123 steps": lambda: _trained(Config(batch_mode="mini", optimizer="adam", lr=0.01), 123),
    "learning rate changed mid-run": lambda: _trained(Config(), 12, change={"lr": 0.1}),
    "biases frozen mid-run, momentum": lambda: _trained(Config(optimizer="momentum", lr=0.05, batch_mode="sgd"),
                                                        30, change={"train_biases": False}),
    "three classes": lambda: _trained(Config(dataset="spiral3", hidden=(6,)), 25),
    "regression": lambda: _trained(Config(dataset="plane", hidden=(3, 2), loss="mse"), 40),
    "uploaded data": lambda: _trained(Config(hidden=(3,)), 9, dataset=load_csv(example_csv())),
    "long run (thinned snapshots)": lambda: _trained(Config(hidden=(3,), n_samples=60), 3000),
}


def _bounded(call):
    """Run call() and return its result, asserting the time and memory bounds."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        return call()
    finally:
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s"
        assert peak < MAX_PEAK_BYTES, f"peak {peak / 2**20:.0f} MB"


def _same_state(a: Trainer, b: Trainer) -> None:
    assert a.iteration == b.iteration and a.config == b.config
    for (W, bb), (W2, b2) in zip(a.params, b.params):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(bb, b2)
    for name, column in a.history.columns().items():
        np.testing.assert_array_equal(column, b.history.columns()[name])


@pytest.mark.parametrize("case", list(VALID))
def test_valid_files_restore_exactly_and_step_on_identically(case):
    original = VALID[case]()
    text = to_json(original, custom_data=original.custom_data)
    loaded, message = _bounded(lambda: from_json(text))
    assert message.startswith("Restored exactly")
    _same_state(loaded, original)
    if original.iteration:
        assert loaded.last_trace is not None and loaded.last_trace.iteration == original.iteration
    for _ in range(7):
        a, b = original.step(), loaded.step()
        assert a.loss == b.loss and a.train_loss == b.train_loss
        for la, lb in zip(a.layers, b.layers):
            np.testing.assert_array_equal(la.update_W, lb.update_W)
            np.testing.assert_array_equal(la.update_b, lb.update_b)
    _same_state(loaded, original)


def test_rewinding_a_loaded_run_matches_the_original():
    original = _trained(Config(batch_mode="mini", optimizer="momentum", lr=0.05), 57, change={"batch_size": 8})
    loaded, _ = from_json(to_json(original))
    for k in (0, 13, 40, 57):
        np.testing.assert_array_equal(loaded.params_at(k)[0][0], original.params_at(k)[0][0])
    loaded.rewind(20)
    original.rewind(20)
    _same_state(loaded, original)


def test_a_file_over_the_limit_keeps_the_weights_as_a_new_start(monkeypatch):
    trainer = _trained(Config(), 50)
    monkeypatch.setattr(ex, "MAX_JSON_BYTES", 4000)
    text = to_json(trainer)
    monkeypatch.undo()
    loaded, message = from_json(text)
    assert "new starting point" in message and loaded.iteration == 0
    np.testing.assert_array_equal(loaded.params[0][0], trainer.params[0][0])


# ---- the first file format still loads --------------------------------------------------------------
def _v1(trainer: Trainer, **changes) -> str:
    def params(ps):
        return [{"W": W.tolist(), "b": b.tolist()} for W, b in ps]

    doc = {"format": "backprop-visualizer/1", "config": trainer.config.to_dict(), "iteration": trainer.iteration,
           "initial_params": params(trainer.initial_params), "params": params(trainer.params),
           "settings_changed": trainer.settings_changed}
    doc.update(changes)
    return json.dumps(doc)


def test_first_format_files_replay_when_the_replay_is_bounded():
    trainer = _trained(Config(batch_mode="mini", optimizer="adam", lr=0.01), 80)
    loaded, message = from_json(_v1(trainer))
    assert "exactly" in message
    _same_state(loaded, trainer)
    changed = _trained(Config(), 5, change={"lr": 0.1})
    loaded, message = from_json(_v1(changed))
    assert "new starting point" in message and loaded.iteration == 0
    # a replay beyond the work limit is not attempted: the weights become the start
    big = _trained(Config(hidden=(64,) * 3, n_samples=1000), 1)
    claimed = limits.REPLAY_WORK.hi // limits.replay_work(1, big.batch_size, big.sizes) + 10
    loaded, message = _bounded(lambda: from_json(_v1(big, iteration=claimed)))
    assert "new starting point" in message


# ---- malformed files -------------------------------------------------------------------------------
def _doc(trainer: Trainer | None = None) -> dict:
    return json.loads(to_json(trainer or _trained(Config(optimizer="adam", lr=0.01), 12)))


def _edit(change) -> str:
    doc = _doc()
    change(doc)
    return json.dumps(doc)


def _packed_bad(shape, n_numbers=None, value=0.0):
    data = np.full(n_numbers if n_numbers is not None else int(np.prod(shape)), value).astype("<f8").tobytes()
    return {"shape": list(shape), "f8": base64.b64encode(data).decode()}


def _set(path, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _with_dataset(X_shape, y_shape):
    def change(doc):
        doc["dataset"] = {"task": "binary", "X": {"shape": list(X_shape), "f8": ""},
                          "y": {"shape": list(y_shape), "f8": ""}}
    return change


GOOD = json.dumps(_doc())
MARKUP = "![p](http://127.0.0.1:9/pixel.png)<a href='x'>CLICK</a>$\\rule{3000px}{3000px}$"
BAD = {
    "empty": ("", "not valid JSON"),
    "truncated": (GOOD[: len(GOOD) // 2], "not valid JSON"),
    "not an object": ("[]", "not a saved experiment"),
    "null": ("null", "not a saved experiment"),
    "other format": (json.dumps({"format": "other"}), "not a saved experiment"),
    "deep nesting": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "deep nesting inside config": (GOOD.replace('"config": {', '"config": {"x": ' + "[" * 100_000 + "]" * 100_000
                                                + ", ", 1), "nested too deeply"),
    "5000-digit integer": (GOOD.replace('"iteration": 0', '"iteration": ' + "9" * 5000, 1), "far too long"),
    "markup in an unknown key": (_edit(_set(["snapshots", 0, "config", MARKUP], 1)), "unknown setting"),
    "markup in a top-level key": (_edit(_set([MARKUP], 1)), "unknown key"),
    "learning rate as text": (_edit(_set(["snapshots", 0, "config", "lr"], "fast")), "lr must be a number"),
    "learning rate NaN": (GOOD.replace('"lr": 0.01', '"lr": NaN', 1), "lr must be between"),
    "learning rate 1e400": (GOOD.replace('"lr": 0.01', '"lr": 1e400', 1), "lr must be between"),
    "negative learning rate": (_edit(_set(["snapshots", 0, "config", "lr"], -5)), "lr must be between"),
    "hidden with text": (_edit(_set(["snapshots", 0, "config", "hidden"], [2, "x"])), "hidden"),
    "13 hidden layers": (_edit(_set(["snapshots", 0, "config", "hidden"], [4] * 13)), "hidden layers is limited"),
    "a 1000-neuron layer": (_edit(_set(["snapshots", 0, "config", "hidden"], [1000])), "neurons per hidden layer"),
    "a million samples": (_edit(_set(["snapshots", 0, "config", "n_samples"], 10**6)), "n_samples must be between"),
    "100 000 features": (_edit(_with_dataset((100, 100_000), (100, 1))), "input features is limited"),
    "20 000 classes": (_edit(_with_dataset((100, 2), (100, 20_000))), "outputs .classes or targets. is limited"),
    "a billion rows": (_edit(_with_dataset((10**9, 2), (10**9, 1))), "data rows .samples. is limited"),
    "too big for the network": (_edit(_with_dataset((40_000, 20), (40_000, 1))), "rows × .inputs \\+ neurons."),
    "data shorter than its shape": (_edit(_set(["snapshots", 0, "params", 0, "W"], _packed_bad((4, 2), 3))),
                                    "does not hold 8 numbers"),
    "weights of the wrong shape": (_edit(_set(["snapshots", 0, "params", 0, "W"], _packed_bad((3, 2)))),
                                   "must have shape"),
    "weights NaN": (_edit(_set(["snapshots", 1, "params", 1, "b"], _packed_bad((4,), value=np.nan))), "finite"),
    "not base64": (_edit(_set(["snapshots", 0, "params", 0, "b", "f8"], "!" * 44)), "not valid base64"),
    "too few layers": (_edit(_set(["snapshots", 0, "params"], [])), "layers of weights"),
    "optimizer state of another optimizer": (_edit(_set(["snapshots", 1, "opt_state", 0, "m"], None)),
                                             "must be an object"),
    "optimizer state missing a moment": (_edit(lambda d: d["snapshots"][1]["opt_state"][0].pop("m")),
                                         "does not fit the adam optimizer"),
    "negative step count": (_edit(_set(["snapshots", 1, "opt_state", 0, "t"], -1)), "whole number"),
    "random state garbage": (_edit(_set(["snapshots", 0, "rng", "state", "state"], "abc")), "whole number"),
    "random state of another generator": (_edit(_set(["snapshots", 0, "rng", "bit_generator"], "MT19937")),
                                          "random generator state"),
    "cursor beyond the data": (_edit(_set(["snapshots", 1, "cursor"], 10**6)), "outside the data"),
    "iteration true": (_edit(_set(["snapshots", 1, "iteration"], True)), "whole number"),
    "snapshots out of order": (_edit(_set(["snapshots", 1, "iteration"], 0)), "don't belong to one network"),
    "architecture changed between snapshots": (_edit(lambda d: d["snapshots"][1].__setitem__(
        "config", {**d["snapshots"][0]["config"], "hidden": [3, 3]})), "don't belong to one network"),
    "no snapshots": (_edit(_set(["snapshots"], [])), "non-empty list"),
    "history of the wrong length": (_edit(_set(["history", "loss"], _packed_bad((3,)))), "must have shape"),
    "history missing": (_edit(_set(["history"], None)), "history is missing"),
    "history with an unknown column": (_edit(_set(["history", MARKUP], _packed_bad((12,)))), "history columns"),
    "labels that don't fit the loss": ("LABELS", "0/1 labels"),
}


def _labels_file() -> str:
    trainer = Trainer(Config(hidden=(3,), loss="mse"), dataset=load_csv(example_csv()))
    doc = json.loads(to_json(trainer, custom_data=True))
    doc["snapshots"][0]["config"]["loss"] = "bce"
    y = ex._unpack(doc["dataset"]["y"], "y")
    doc["dataset"]["y"] = ex._pack(y * 2)
    return json.dumps(doc)


def test_the_corpus_is_large_enough():
    assert len(VALID) + len(BAD) + 4 >= 30   # + the rewind, over-the-limit and two first-format files


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_files_are_refused_with_a_plain_reason(case):
    text, words = BAD[case]
    text = _labels_file() if text == "LABELS" else text
    with pytest.raises(ExperimentError, match=words) as refused:
        _bounded(lambda: from_json(text))
    message = str(refused.value)
    assert 0 < len(message) < 300 and "Traceback" not in message


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(ExperimentError, match="MB limit"):
        from_json(" " * (limits.FILE_BYTES + 1))


def test_files_name_their_format():
    assert json.loads(to_json(Trainer(Config())))["format"] == FORMAT
