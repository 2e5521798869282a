"""Experiment files for tests and benches: valid ones (each must restore exactly and step on identically) and
malformed ones with the words their refusal must contain (truncated, wrong types, NaN/inf, over the limits, deep
nesting, huge numbers, injected markup in names)."""

from __future__ import annotations

import base64
import json

import numpy as np

from engine import Config, Trainer
from engine import experiment as ex
from engine.csvdata import example_csv, load_csv
from engine.experiment import to_json


def trained(cfg: Config, steps: int, dataset=None, change=None) -> Trainer:
    """Return a Trainer of cfg run `steps` times (then, with `change`, re-set and run half as many more)."""
    trainer = Trainer(cfg, dataset=dataset)
    trainer.run(steps)
    if change:
        trainer.update_config(**change)
        trainer.run(steps // 2 + 1)
    return trainer


#: name → a function returning the trainer whose saved file must restore exactly
VALID = {
    "fresh default": lambda: Trainer(Config()),
    "adam mini-batch, 123 steps": lambda: trained(Config(batch_mode="mini", optimizer="adam", lr=0.01), 123),
    "learning rate changed mid-run": lambda: trained(Config(), 12, change={"lr": 0.1}),
    "biases frozen mid-run, momentum": lambda: trained(Config(optimizer="momentum", lr=0.05, batch_mode="sgd"),
                                                        30, change={"train_biases": False}),
    "three classes": lambda: trained(Config(dataset="spiral3", hidden=(6,)), 25),
    "regression": lambda: trained(Config(dataset="plane", hidden=(3, 2), loss="mse"), 40),
    "uploaded data": lambda: trained(Config(hidden=(3,)), 9, dataset=load_csv(example_csv())),
    "long run (thinned snapshots)": lambda: trained(Config(hidden=(3,), n_samples=60), 3000),
}


def _doc(trainer: Trainer | None = None) -> dict:
    return json.loads(to_json(trainer or trained(Config(optimizer="adam", lr=0.01), 12)))


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
#: name → (file text, or "LABELS" for _labels_file(); a regex its refusal must match)
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


def bad_text(case: str) -> str:
    """Return the file text of the malformed case `case` of BAD."""
    text = BAD[case][0]
    return _labels_file() if text == "LABELS" else text
