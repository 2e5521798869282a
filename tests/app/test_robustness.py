"""The app holds up: malformed CSV uploads, tampered URLs and divergence never crash it or lose state."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.corpus import BAD_CSVS, GOOD_CSVS
from tests.app.conftest import new_app, trainer_of
from tests.app.test_links import shown
from tests.engine.test_data import BAD

MORE_BAD = {
    "text target for bce": (b"x,y\n1,a\n2,b\n3,a\n4,b\n", "not a number"),
    "regression target for bce": (b"x,y\n1,0.5\n2,1.5\n3,2.5\n4,7\n", "0/1 labels"),
    "semicolon with text": (b"x;y\n1;0\n2;oops\n3;1\n4;0\n", "not a number"),
    "million rows": (b"x,y\n" + b"1,0\n2,1\n" * 500_000, "rows"),
    "ten thousand columns": ((",".join(f"c{i}" for i in range(10_000)) + "\n" + "1," * 9_999 + "1\n").encode(),
                             "columns"),
    "html": (b"<html><script>alert(1)</script></html>", "two columns"),
}


def _upload_and_try(at, name: str, data: bytes):
    at.file_uploader(key="csv_file").set_value((f"{name}.csv", data, "text/csv")).run()
    assert not at.exception, name
    if not at.error and at.button(key="csv_use"):
        at.button(key="csv_use").click().run()
        assert not at.exception, name
    return " ".join(shown(e.value) for e in at.error)


@pytest.fixture(scope="module")
def stepped():
    at = new_app({"loss": "Binary cross-entropy"}).run()
    at.button(key="fb_step10").click().run()
    return at


def test_every_malformed_csv_gets_a_message_and_keeps_the_experiment(stepped):
    at = stepped
    trainer = trainer_of(at)
    kinds = {**{k: (v[0], v[2]) for k, v in BAD.items()}, **MORE_BAD, **BAD_CSVS}
    assert len(kinds) >= 60
    for name, (data, words) in kinds.items():
        message = _upload_and_try(at, name, data)
        assert "can't be used" in message and words in message and "unchanged" in message, (name, message)
        assert trainer_of(at) is trainer and trainer.iteration == 10, name
    at.file_uploader(key="csv_file").set_value(None).run()
    at.button(key="fb_step").click().run()  # the page still steps
    assert not at.exception and trainer.iteration == 11


@pytest.mark.parametrize("name", list(GOOD_CSVS))
def test_unusual_good_files_train_and_their_names_stay_text(name):
    at = new_app().run()
    assert _upload_and_try(at, name, GOOD_CSVS[name][0]) == ""
    trainer = trainer_of(at)
    assert trainer.custom_data and trainer.dataset.n == GOOD_CSVS[name][1][0]
    success = at.success[0].value
    assert "](" not in success and "<b>" not in success
    assert shown(success).startswith(f"Training on **{(name + '.csv')[:40]}**: ")
    at.button(key="fb_step").click().run()
    assert not at.exception and trainer_of(at).iteration == 1


def test_standardising_rebuilds_the_uploaded_data_and_the_advice_goes():
    at = new_app().run()
    text = "area,rooms,label\n" + "\n".join(f"{1000 + 37 * i},{i % 5 + 1},{i % 2}" for i in range(40))
    assert _upload_and_try(at, "houses", text.encode()) == ""
    assert "tick “Standardise the features”" in shown(at.warning[0].value)
    at.checkbox(key="csv_std").check().run()
    trainer = trainer_of(at)
    assert trainer.custom_data and trainer.config.standardize
    np.testing.assert_allclose(trainer.split.X_train.mean(axis=0), 0, atol=1e-12)
    assert not [w for w in at.warning if "Standardise" in w.value]
    at.button(key="fb_step").click().run()
    assert trainer_of(at).iteration == 1 and trainer_of(at).config.standardize


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=0, max_size=300))
def test_random_uploads_never_crash(stepped, data):
    at = stepped
    trainer = trainer_of(at)
    _upload_and_try(at, "random", data)
    assert trainer_of(at) is trainer or trainer_of(at).custom_data


def test_a_good_csv_replaces_the_data_and_back():
    at = new_app().run()
    text = "a,b,label\n" + "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(30))
    message = _upload_and_try(at, "good", text.encode())
    assert message == ""
    trainer = trainer_of(at)
    assert trainer.custom_data and trainer.dataset.feature_names == ("a", "b")
    at.button(key="fb_step").click().run()
    assert not at.exception and trainer_of(at).iteration == 1
    at.select_slider(key="lr").set_value(0.1).run()  # live settings still apply to the uploaded data
    assert trainer_of(at) is trainer and trainer.config.lr == 0.1
    at.button(key="csv_builtin").click().run()
    assert not trainer_of(at).custom_data


TAMPERED = [
    {"lr": "NaN"}, {"lr": "-1"}, {"lr": "1e309"}, {"lr": "0.3; DROP TABLE"}, {"layers": "-3"}, {"layers": "1000000"},
    {"width": "0"}, {"width": "2.5"}, {"n": "-100"}, {"n": "99999999"}, {"noise": "inf"}, {"seed": "abc"},
    {"ds": "../../etc/passwd"}, {"act": "<script>alert(1)</script>"}, {"loss": "javascript:alert(1)"},
    {"batch": "everything"}, {"bs": "0"}, {"l2": "-0.1"}, {"clip": "always"}, {"biases": "maybe"},
    {"unknown_key": "1"}, {"<img src=x onerror=alert(1)>": "1"}, {"init": "%00"}, {"opt": "adam'--"},
    {"lr": ["banana", "nope"]}, {"iscale": "1e-400"}, {"dseed": "-5"},
]


@pytest.mark.parametrize("params", TAMPERED, ids=range(len(TAMPERED)))
def test_tampered_urls_give_defaults_and_a_notice(params):
    at = new_app(params).run()
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "not understood" in notices
    for text in [notices, *(m.value for m in at.markdown)]:
        assert not re.search(r"(?<!\\)<(script|img)", text, re.I)  # only as escaped text
    cfg = trainer_of(at).config
    assert 1 <= len(cfg.hidden) <= 6 and 1e-4 <= cfg.lr <= 10 and 20 <= cfg.n_samples <= 1000


@pytest.mark.parametrize("act", ["Sigmoid", "Tanh", "ReLU", "Leaky ReLU", "Linear"])
@pytest.mark.parametrize("opt", ["SGD", "Momentum", "Adam"])
def test_divergence_everywhere_keeps_pages_working(act, opt):
    at = new_app({"lr": "10", "act": act, "opt": opt, "ds": "Plane (2-D regression)", "loss": "MSE",
                  "layers": "4", "width": "8", "iscale": "3"}).run()
    for _ in range(5):
        at.button(key="fb_step10").click().run()
        assert not at.exception
    texts = [m.value for m in at.markdown] + [e.value for e in at.error] + [c.value for c in at.caption]
    for text in texts:
        assert not re.search(r"\b(nan|inf)\b", text, re.I), text
    trainer = trainer_of(at)
    assert all(np.isfinite(W).all() for W, _ in trainer.params)
    for page in ("pages/loss_landscape.py", "pages/vanishing_gradients.py", "pages/worked_example.py"):
        at.switch_page(page).run()
        assert not at.exception, page
