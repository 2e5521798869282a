"""Loss curves: long sessions are thinned without losing their shape."""

import numpy as np

from engine import Config, Trainer
from viz.curves import MAX_CURVE_POINTS, envelope_indices, loss_figure
from viz.theme import Style


def test_envelope_keeps_ends_extremes_and_gaps():
    rng = np.random.default_rng(3)
    y = rng.random(10_007)
    y[4321], y[777] = 50.0, -3.0        # a spike up and one down
    y[9000:9040] = np.nan               # a stretch where the loss was not finite
    keep = envelope_indices(y, 2000)
    assert len(keep) <= 2002 and np.all(np.diff(keep) > 0)
    assert {0, len(y) - 1, 4321, 777} <= set(keep.tolist())
    assert np.isnan(y[keep]).any()       # the gap is still drawn as a gap
    # every bucket's extremes are kept, so the thinned curve spans the same range everywhere
    assert np.nanmax(y[keep]) == np.nanmax(y) and np.nanmin(y[keep]) == np.nanmin(y)
    np.testing.assert_array_equal(envelope_indices(y[:1500], 2000), np.arange(1500))


def test_long_history_draws_at_most_the_cap_and_keeps_its_last_point():
    trainer = Trainer(Config(batch_mode="sgd"))
    trainer.run(MAX_CURVE_POINTS * 3)
    fig = loss_figure(trainer.history, Style())
    for trace in fig.data:
        assert len(trace.x) <= MAX_CURVE_POINTS + 2
        assert trace.x[-1] == trainer.iteration
    train = next(t for t in fig.data if t.name == "train loss")
    assert min(train.y) == np.nanmin(trainer.history.column("train_loss"))


def test_a_short_chart_keeps_its_loss_ticks_apart():
    trainer = Trainer(Config())
    trainer.run(20)
    presenter = Style(font=22)
    short = loss_figure(trainer.history, presenter, height=190, compact=True).to_dict()["layout"]["yaxis"]
    tall = loss_figure(trainer.history, Style(), height=380).to_dict()["layout"]["yaxis"]
    assert short["nticks"] == 3                 # (190 − 28 − 40 − 33) px / (2.5 × 22) px = 1.6, at least 3
    assert tall["nticks"] == (380 - 70 - 24) // 40 == 7
