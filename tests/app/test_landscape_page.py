"""The Loss landscape page in AppTest: every direction kind runs, Step and the iteration slider move the point."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from engine.landscape import current_loss
from tests.app.conftest import new_app, trainer_of

PAGE = "pages/loss_landscape.py"


@pytest.fixture
def at():
    app = new_app().run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _chart(app, key: str) -> dict:
    """Return the Plotly spec of the chart with this widget key."""
    return json.loads(next(c.proto.spec for c in app.get("plotly_chart") if c.proto.id.endswith(key)))


def _keys(app) -> list[str]:
    return [c.proto.id.split("-")[-1] for c in app.get("plotly_chart")]


def _arr(value) -> np.ndarray:
    if isinstance(value, dict):   # plotly ships NumPy arrays as typed binary
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=np.float64)


def _point(app) -> tuple[float, float]:
    now = next(t for t in _chart(app, "ls_contour")["data"] if t.get("name") == "now")
    return float(_arr(now["x"])[0]), float(_arr(now["y"])[0])


def _titles(app) -> tuple[str, str]:
    layout = _chart(app, "ls_contour")["layout"]
    return layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"].replace("<br>", " ")


def test_each_direction_kind_runs_and_labels_its_axes(at):
    assert "random filter-normalised" in at.info[0].value          # no path yet: PCA falls back, and says so
    assert _titles(at)[0] == "random direction 1 (filter-normalised)"
    at.button(key="ls_step10").click().run()
    assert not at.info and "(PC1, " in _titles(at)[0] and "% of variance)" in _titles(at)[1]
    at.radio(key="ls_kind").set_value("random").run()
    assert not at.exception and _titles(at) == ("random direction 1 (filter-normalised)",
                                                 "random direction 2 (filter-normalised)")
    at.radio(key="ls_kind").set_value("weights").run()
    assert not at.exception and _titles(at) == ("w[1][1,1]", "w[1][1,2]")
    assert "every other weight is frozen" in " ".join(c.value for c in at.caption)
    assert _keys(at) == ["ls_contour", "ls_surface", "ls_slice", "ls_interp"]


def test_step_moves_the_current_point_to_the_new_weights(at):
    at.radio(key="ls_kind").set_value("weights").run()
    W = trainer_of(at).params[0][0]
    before = _point(at)
    assert before == (W[0, 0], W[0, 1])
    at.button(key="ls_step").click().run()
    W = trainer_of(at).params[0][0]
    after = _point(at)
    assert after == (W[0, 0], W[0, 1]) and after != before
    curve = _chart(at, "ls_slice")["data"]
    now = next(t for t in curve if t.get("name") == "now")
    assert _arr(now["y"])[0] == current_loss(trainer_of(at))


def test_iteration_slider_shows_the_past_without_moving_the_trainer(at):
    at.radio(key="ls_kind").set_value("weights").run()
    W0 = trainer_of(at).params[0][0].copy()
    at.button(key="ls_step10").click().run()
    assert at.slider(key="ls_view").value == 10
    at.slider(key="ls_view").set_value(0).run()
    assert _point(at) == (W0[0, 0], W0[0, 1]) and trainer_of(at).iteration == 10
    at.button(key="ls_step").click().run()      # stepping jumps the view back to now
    assert at.slider(key="ls_view").value == 11


def test_pca_point_sits_at_the_centre_and_play_animates_the_steps(at):
    at.button(key="ls_play").click().run()
    assert not at.exception
    spec = _chart(at, "ls_contour")
    n = trainer_of(at).iteration
    assert n > 2 and _point(at) == (0.0, 0.0)
    assert len(spec["frames"]) == n + 1 and spec["frames"][-1]["name"] == str(n)
    at.slider(key="ls_grid").set_value(21).run()   # a new grid keeps the animation of the same steps
    assert len(_chart(at, "ls_contour")["frames"]) == n + 1
    at.button(key="ls_step").click().run()
    assert "frames" not in _chart(at, "ls_contour")


def test_same_weight_twice_is_a_warning_and_3d_can_be_turned_off(at):
    at.radio(key="ls_kind").set_value("weights").run()
    at.selectbox(key="ls_w2").set_value(0).run()
    assert not at.exception and "two different weights" in at.warning[0].value
    at.selectbox(key="ls_w2").set_value(3).run()
    at.toggle(key="ls_3d").set_value(False).run()
    assert _keys(at) == ["ls_contour", "ls_slice", "ls_interp"]


def test_batch_modes_side_by_side_train_the_same_epochs(at):
    at.slider(key="ls_cmp_epochs").set_value(2).run()
    at.button(key="ls_cmp_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    curves = _chart(at, "ls_cmp_curves")["data"]
    assert [c["name"] for c in curves] == ["Full batch", "Mini-batch", "SGD (one sample)"]
    n_train = trainer_of(at).n_train
    assert [len(_arr(c["x"])) for c in curves] == [2 + 1, 2 * -(-n_train // 16) + 1, 2 * n_train + 1]
    assert [_arr(c["x"])[-1] for c in curves] == [2.0, 2.0, 2.0]
    start = trainer_of(at).initial_params
    first = _arr(curves[0]["y"])[0]
    assert all(_arr(c["y"])[0] == first for c in curves)   # one start for all three
    assert first == current_loss(type(trainer_of(at))(trainer_of(at).config, params=start))


def test_with_batch_norm_and_dropout_the_map_is_the_evaluated_train_loss():
    app = new_app({"bn": "true", "drop": "0.3"}).run()
    app.switch_page(PAGE).run()
    app.button(key="ls_step10").click().run()
    assert not app.exception, [e.value for e in app.exception]
    trainer = trainer_of(app)
    assert current_loss(trainer) == trainer.history.last("train_loss")   # every neuron, running statistics
    assert "γ, β and the running statistics stay" in " ".join(c.value for c in app.caption)
    now = next(t for t in _chart(app, "ls_slice")["data"] if t.get("name") == "now")
    assert _arr(now["y"])[0] == current_loss(trainer)
