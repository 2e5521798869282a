"""Injected names (CSV headers, file names, a shared experiment's dataset, a rejected file's keys) reach the page
only as text: escaped in every Markdown box, as entities in the data figure; and a loaded experiment says so."""

import json

import numpy as np

from engine import Config, Trainer
from engine.data import Dataset
from engine.experiment import to_json
from harness.apptest import boxes_with_markup, chart_specs, load_experiment
from harness.corpus import injected
from tests.app.conftest import new_app, trainer_of
from tests.app.test_links import shown

NAMES = injected("http://127.0.0.1:9")




def _assert_text_only(at) -> None:
    """Check every message box holds no unescaped link, image, HTML, math or icon."""
    assert boxes_with_markup(at) == []


def _chart_specs(at) -> list[str]:
    return [json.dumps(spec) for spec in chart_specs(at).values()]


def test_injected_csv_names_are_text_in_the_sidebar_and_the_data_view():
    at = new_app().run()
    header = ",".join(name.replace(",", ";").replace('"', "'") for name in NAMES[:3])
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(30))
    name = NAMES[0][:30] + ".csv"
    at.file_uploader(key="csv_file").set_value((name, f"{header}\n{rows}\n".encode(), "text/csv")).run()
    target = at.selectbox(key="csv_target")
    assert target.options[-1] == NAMES[2].replace(",", ";")  # a selectbox shows plain text: no escaping there
    at.button(key="csv_use").click().run()
    assert not at.exception and trainer_of(at).custom_data
    success = at.success[0].value
    assert shown(success).startswith(f"Training on **{name}**") and "](" not in success
    assert "\\$\\\\rule" in success  # the $…$ target name is escaped, so no math block
    _assert_text_only(at)
    for spec in _chart_specs(at):
        assert "<a href" not in spec and "<img" not in spec
    at.button(key="fb_step").click().run()
    assert trainer_of(at).iteration == 1


def test_a_shared_experiment_with_injected_names_loads_as_text_and_says_restored():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    ds = Dataset(NAMES[0], X, (X[:, 0] > 0).astype(float).reshape(-1, 1), "binary", (NAMES[1], NAMES[3]),
                 (NAMES[2],), ("0", "1"))
    trainer = Trainer(Config(hidden=(3,)), dataset=ds)
    trainer.run(5)
    saved = to_json(trainer, custom_data=True)
    at = load_experiment(new_app().run(), saved, "exp.json")
    assert not at.exception and trainer_of(at).iteration == 5
    said = [shown(s.value) for s in at.success]
    assert any(s.startswith("Restored exactly: iteration 5") for s in said), said
    assert any(s.startswith("Training on **![p](http://127.0.0.1:9/pixel.png)**") for s in said), said
    _assert_text_only(at)
    for spec in _chart_specs(at):
        assert "<a href" not in spec


def test_a_rejected_experiment_quotes_its_keys_as_text():
    bad = {"format": "backprop-visualizer/1", "config": {NAMES[0]: 1, NAMES[2]: 2}, "iteration": 0}
    at = new_app().run()
    before = trainer_of(at)
    load_experiment(at, json.dumps(bad), "bad.json")
    errors = [e.value for e in at.error]
    assert errors and "unknown setting" in shown(errors[0]) and "pixel.png" in shown(errors[0])
    assert "](" not in errors[0] and "\\$\\\\rule" in errors[0]
    assert trainer_of(at) is before
