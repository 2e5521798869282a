"""The data view draws a bounded, fixed sample of a big data set (the batch always among it), says so, and shows
column names as text."""

import html

import numpy as np
import plotly.io as pio
import pytest

from engine import Config, Trainer
from engine.data import Dataset
from harness.corpus import injected
from viz.dataview import MAX_POINTS, data_figure, shown_points
from viz.theme import Style


def _big(n: int = 3_000, d: int = 63, names=None) -> Dataset:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] * X[:, 1] > 0).astype(float).reshape(-1, 1)
    return Dataset("big.csv", X, y, "binary", tuple(names or (f"c{i}" for i in range(d))), ("label",), ("0", "1"))


@pytest.fixture(scope="module")
def big_trainer():
    return Trainer(Config(hidden=(16,) * 6, batch_mode="mini", batch_size=64), dataset=_big())


def _points(fig, name):
    trace = next(t for t in fig.data if t.name == name)
    return np.c_[trace.x, trace.y]


def test_a_big_data_set_draws_a_fixed_sample_with_the_batch_and_says_so(big_trainer):
    style = Style.for_mode(False)
    trace = big_trainer.step()
    fig = data_figure(big_trainer, style, trace.batch_index)
    train, test = _points(fig, "train"), _points(fig, "test")
    assert MAX_POINTS <= len(train) + len(test) <= MAX_POINTS + len(trace.batch_index)
    split = big_trainer.split
    batch_xy = (split.X_train[trace.batch_index] * split.std + split.mean)[:, :2]
    drawn = {tuple(p) for p in train}
    assert all(tuple(p) in drawn for p in batch_xy)
    note = fig.layout.annotations[0].text
    assert note.startswith(f"{len(train) + len(test):,} of 3,000 points shown") and "the batch" in note
    assert len(pio.to_json(fig, validate=False)) < 400_000   # was 0.8 MB; Streamlit's limit is 200 MB
    again = data_figure(big_trainer, style, big_trainer.step().batch_index)
    common = {tuple(p) for p in _points(again, "train")} & drawn
    assert len(common) >= MAX_POINTS * 0.75   # the same fixed sample at every step (only the batch changes)


def test_small_data_is_drawn_whole_without_a_note():
    trainer = Trainer(Config(n_samples=200))
    fig = data_figure(trainer, Style.for_mode(False), trainer.step().batch_index)
    assert len(_points(fig, "train")) + len(_points(fig, "test")) == 200
    assert not fig.layout.annotations


def test_shown_points_is_deterministic_and_bounded():
    a, b = shown_points(16_000, 4_000), shown_points(16_000, 4_000)
    np.testing.assert_array_equal(a[0], b[0])
    assert len(a[0]) + len(a[1]) == MAX_POINTS and len(a[0]) == 1600
    full = shown_points(100, 20)
    assert len(full[0]) == 100 and len(full[1]) == 20


def test_column_names_are_plotly_text_not_markup():
    names = injected("http://127.0.0.1:9")[:2]
    trainer = Trainer(Config(hidden=(3,)), dataset=_big(200, 2, names))
    fig = data_figure(trainer, Style.for_mode(False))
    for axis, name in ((fig.layout.xaxis, names[0]), (fig.layout.yaxis, names[1])):
        assert "<" not in axis.title.text and html.unescape(axis.title.text) == name
