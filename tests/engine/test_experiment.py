"""Saving an experiment as JSON and loading it back: exact restore, or a clear refusal."""

import json

import numpy as np
import pytest

from engine import Config, Trainer
from engine.csvdata import example_csv, load_csv
from engine.experiment import ExperimentError, from_json, to_json


def test_round_trip_restores_weights_and_history_exactly():
    trainer = Trainer(Config(batch_mode="mini", optimizer="adam", lr=0.01))
    trainer.run(123)
    loaded, message = from_json(to_json(trainer))
    assert "exactly" in message and loaded.iteration == 123
    for (W, b), (W2, b2) in zip(trainer.params, loaded.params):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    np.testing.assert_array_equal(loaded.history.column("train_loss"), trainer.history.column("train_loss"))
    # and it steps on identically
    np.testing.assert_array_equal(loaded.step().layers[0].update_W, trainer.step().layers[0].update_W)


def test_settings_changed_mid_run_restores_the_weights_as_a_new_start():
    trainer = Trainer(Config())
    trainer.run(5)
    trainer.set_lr(0.1)
    trainer.run(5)
    loaded, message = from_json(to_json(trainer))
    assert "new starting point" in message and loaded.iteration == 0
    np.testing.assert_array_equal(loaded.params[0][0], trainer.params[0][0])


def test_uploaded_data_travels_with_the_file():
    trainer = Trainer(Config(hidden=(3,)), dataset=load_csv(example_csv()))
    trainer.run(4)
    loaded, _ = from_json(to_json(trainer, custom_data=True))
    assert loaded.custom_data and loaded.dataset.feature_names == ("x1", "x2")
    np.testing.assert_array_equal(loaded.dataset.X, trainer.dataset.X)


def _doc(**changes):
    doc = json.loads(to_json(Trainer(Config())))
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(("text", "words"), [
    ("", "not valid JSON"), ("{", "not valid JSON"), ("[]", "not a saved experiment"),
    (json.dumps({"format": "other"}), "not a saved experiment"),
    (_doc(config={"lr": "fast"}), "lr must be a number"),
    (_doc(config={"hidden": [2, "x"]}), "hidden"),
    (_doc(config={"nonsense": 1}), "unknown setting"),
    (_doc(config={"lr": -5}), "lr must be between"),
    (_doc(params=[{"W": [[1.0]], "b": [0.0]}]), "layers of weights"),
    (_doc(params="nope"), "list of layers"),
    (_doc(initial_params=[{"W": [["NaN"]], "b": [0]}]), "finite"),
    (_doc(iteration=-1), "iteration"),
    (_doc(iteration=True), "iteration"),
    (_doc(dataset={"X": [[1, 2]], "y": [[1]], "task": "binary"}), "at least 4 rows"),
])
def test_bad_files_are_refused_with_a_reason(text, words):
    with pytest.raises(ExperimentError, match=words):
        from_json(text)
