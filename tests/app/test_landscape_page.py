"""The Loss landscape page in AppTest: the map stays still while Step and live Play move the point down over it;
Re-frame and leaving the map are the only re-frames; the batch surface; every direction kind; side by side."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from engine.landscape import KIND_HELP, RUN_LR, current_loss
from harness.apptest import chart_specs
from tests.app.conftest import new_app, trainer_of

PAGE = "pages/loss_landscape.py"


@pytest.fixture
def at():
    app = new_app().run()
    app.switch_page(PAGE).run()
    app.run()   # AppTest's switch_page rebuilds the sidebar's trainer once more on the next run; a browser does not
    assert not app.exception, [e.value for e in app.exception]
    return app


def _chart(app, key: str) -> dict:
    """Return the Plotly spec of the chart with this widget key."""
    return chart_specs(app)[key]


def _keys(app) -> list[str]:
    return list(chart_specs(app))


def _arr(value) -> np.ndarray:
    if isinstance(value, dict):   # plotly ships NumPy arrays as typed binary
        raw = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return raw.reshape([int(n) for n in str(value["shape"]).split(",")]) if "shape" in value else raw
    return np.asarray(value, dtype=np.float64)


def _trace(app, name: str, key: str = "ls_contour") -> dict:
    return next(t for t in _chart(app, key)["data"] if t.get("name") == name)


def _point(app) -> tuple[float, float]:
    now = _trace(app, "now")
    return float(_arr(now["x"])[0]), float(_arr(now["y"])[0])


def _frame(app) -> dict:
    """Return what must not move while training: axis ranges, colour range, grid, surface, axis titles, directions."""
    spec = _chart(app, "ls_contour")
    contour, layout = spec["data"][0], spec["layout"]
    d = app.session_state["ls_watch"].frame.directions
    return {"x range": tuple(layout["xaxis"]["range"]), "y range": tuple(layout["yaxis"]["range"]),
            "colour range": (contour["zmin"], contour["zmax"]), "levels": json.dumps(contour["contours"]),
            "ticks": json.dumps(contour["colorbar"]["tickvals"]), "titles": (layout["xaxis"]["title"]["text"],
                                                                            layout["yaxis"]["title"]["text"]),
            "grid": (_arr(contour["x"]).tobytes(), _arr(contour["y"]).tobytes()), "z": _arr(contour["z"]).tobytes(),
            "directions": (d.center.tobytes(), d.d1.tobytes(), d.d2.tobytes())}


def _marker(app) -> float:
    """Return the height of the 'loss now' bar across the colour bar (0 = bottom of the colour range, 1 = top)."""
    return next(a["y"] for a in _chart(app, "ls_contour")["layout"]["annotations"] if a["text"] == "")


def _titles(app) -> tuple[str, str]:
    layout = _chart(app, "ls_contour")["layout"]
    return layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"].replace("<br>", " ")


def _captions(app) -> str:
    return " ".join(c.value for c in app.caption)


def _watch_moves(app, press, n: int) -> None:
    """Press n times; after each, the frame is the one of before while the point moves and its loss falls."""
    frame = _frame(app)
    point, marker = _point(app), _marker(app)
    loss = current_loss(trainer_of(app))
    for _ in range(n):
        press()
        assert not app.exception, [e.value for e in app.exception]
        assert _frame(app) == frame
        assert _point(app) != point and _marker(app) < marker and current_loss(trainer_of(app)) < loss
        point, marker, loss = _point(app), _marker(app), current_loss(trainer_of(app))


def test_the_map_stays_still_for_30_steps_and_30_played_iterations_while_the_point_rolls_down(at):
    assert "chosen for the first steps at iteration 0" in _captions(at) and _point(at) == (0.0, 0.0)
    frame = _frame(at)
    _watch_moves(at, lambda: at.button(key="ls_step").click().run(), 10)
    _watch_moves(at, lambda: at.button(key="ls_step10").click().run(), 2)
    assert trainer_of(at).iteration == 30
    at.button(key="ls_play").click().run()      # the click restarts the page, which plays the first frame
    assert at.session_state["_play_ls"].playing and trainer_of(at).iteration == 40
    _watch_moves(at, at.run, 2)                  # the fragment's timer: a frame each
    assert trainer_of(at).iteration == 60 and _frame(at) == frame
    path = _trace(at, "descent path")
    assert len(_arr(path["x"])) == 61            # every played iteration is on the path
    at.button(key="ls_pause").click().run()
    assert not at.session_state["_play_ls"].playing and _frame(at) == frame
    stopped, still = trainer_of(at).iteration, _point(at)
    at.run()
    assert trainer_of(at).iteration == stopped and _point(at) == still
    assert "frames" not in _chart(at, "ls_contour")     # no replay in the figure: Play trains live


def test_reframe_changes_the_frame_and_only_then(at):
    at.button(key="ls_step10").click().run()
    frame = _frame(at)
    at.button(key="ls_reframe").click().run()
    reframed = _frame(at)
    assert reframed["x range"] != frame["x range"] and reframed["colour range"] != frame["colour range"]
    assert reframed["directions"] != frame["directions"]
    assert "re-framed as you asked at iteration 10" in _captions(at)
    assert _point(at) == (0.0, 0.0)              # the new frame is centred on the weights when it was chosen
    at.button(key="ls_step").click().run()
    assert _frame(at) == reframed
    at.button(key="ls_step").click().run()
    assert _frame(at) == reframed


def test_follow_the_point_keeps_the_old_way_as_an_option(at):
    at.toggle(key="ls_follow").set_value(True).run()
    frame = _frame(at)
    at.button(key="ls_step").click().run()
    assert _point(at) == (0.0, 0.0) and _frame(at)["x range"] != frame["x range"]   # the map moves, not the point
    assert "The map follows the point" in _captions(at)
    at.toggle(key="ls_follow").set_value(False).run()
    kept = _frame(at)
    at.button(key="ls_step").click().run()
    assert _frame(at) == kept and _point(at) != (0.0, 0.0)
    assert "centred on the point at iteration 1 and stays still" in _captions(at)


def test_a_big_learning_rate_leaves_the_map_and_says_so(at):
    frame = _frame(at)
    at.select_slider(key="lr").set_value(5.0).run()
    at.button(key="ls_step").click().run()
    assert _frame(at) == frame                   # one step at η = 5 stays on the map …
    for _ in range(10):
        at.button(key="ls_step10").click().run()
        if _frame(at) != frame:                  # … but soon it goes off, even between two redraws
            break
    k = trainer_of(at).iteration
    notice = f"Re-framed at iteration {k}: the point had left the map."
    assert _chart(at, "ls_contour")["layout"]["title"]["text"] == notice
    assert notice in [t.value for t in at.toast]
    assert "re-framed: the point had left the map" in _captions(at)
    ranges = _frame(at)
    at.button(key="ls_step").click().run()       # the notice stays with its frame
    if _frame(at) == ranges:
        assert _chart(at, "ls_contour")["layout"]["title"]["text"] == notice


def test_the_batch_surface_jumps_each_step_in_mini_batch_mode_and_is_absent_in_full_batch(at):
    assert not at.segmented_control                     # full batch: the batch is the training set
    at.radio(key="batch").set_value("mini").run()
    assert at.segmented_control(key="ls_surface").value == "full"
    full = _arr(_chart(at, "ls_contour")["data"][0]["z"])
    at.segmented_control(key="ls_surface").set_value("batch").run()
    contour = _chart(at, "ls_contour")["data"][0]
    batch = _arr(contour["z"])
    assert contour["colorbar"]["title"]["text"] == "loss (batch of 16)" and not np.allclose(batch, full)
    at.button(key="ls_step").click().run()
    assert not np.allclose(_arr(_chart(at, "ls_contour")["data"][0]["z"]), batch)
    at.toggle(key="ls_3d").set_value(True).run()        # the 3-D view draws the batch's surface too
    assert not at.exception, [e.value for e in at.exception]
    np.testing.assert_array_equal(_arr(_chart(at, "ls_surface3d")["data"][0]["z"]),
                                  _arr(_chart(at, "ls_contour")["data"][0]["z"]))
    at.segmented_control(key="ls_surface").set_value("full").run()
    np.testing.assert_array_equal(_arr(_chart(at, "ls_contour")["data"][0]["z"]), full)


def test_each_direction_kind_runs_labels_its_axes_and_says_what_they_are(at):
    assert "(PC1, " in _titles(at)[0] and "% of variance)" in _titles(at)[1]   # PCA of where the path is going
    assert KIND_HELP["pca"] in _captions(at)
    at.selectbox(key="ls_kind").set_value("random").run()
    assert not at.exception and _titles(at) == ("random direction 1 (filter-normalised)",
                                                 "random direction 2 (filter-normalised)")
    assert KIND_HELP["random"] in _captions(at)
    at.selectbox(key="ls_kind").set_value("weights").run()
    assert not at.exception and _titles(at) == ("w[1][1,1]", "w[1][1,2]")
    assert KIND_HELP["weights"] in _captions(at)
    assert _keys(at) == ["ls_contour", "ls_slice"]


def test_step_moves_the_current_point_to_the_new_weights(at):
    at.selectbox(key="ls_kind").set_value("weights").run()
    W = trainer_of(at).params[0][0]
    before = _point(at)
    assert before == (W[0, 0], W[0, 1])
    at.button(key="ls_step").click().run()
    W = trainer_of(at).params[0][0]
    after = _point(at)
    assert after == (W[0, 0], W[0, 1]) and after != before
    now = _trace(at, "now", "ls_slice")
    assert _arr(now["y"])[0] == current_loss(trainer_of(at))


def test_iteration_slider_shows_the_past_without_moving_the_trainer(at):
    at.selectbox(key="ls_kind").set_value("weights").run()
    W0 = trainer_of(at).params[0][0].copy()
    at.button(key="ls_step10").click().run()
    assert at.slider(key="ls_view").value == 10
    at.slider(key="ls_view").set_value(0).run()
    assert _point(at) == (W0[0, 0], W0[0, 1]) and trainer_of(at).iteration == 10
    at.button(key="ls_step").click().run()      # stepping jumps the view back to now
    assert at.slider(key="ls_view").value == 11


def test_same_weight_twice_is_a_warning_and_3d_is_off_until_asked(at):
    at.selectbox(key="ls_kind").set_value("weights").run()
    at.selectbox(key="ls_w2").set_value(0).run()
    assert not at.exception and "two different weights" in at.warning[0].value
    at.selectbox(key="ls_w2").set_value(3).run()
    assert _keys(at) == ["ls_contour", "ls_slice"]
    at.toggle(key="ls_3d").set_value(True).run()
    assert _keys(at) == ["ls_contour", "ls_slice", "ls_surface3d"]


def test_batch_modes_side_by_side_train_the_same_epochs_each_at_its_own_rate(at):
    assert at.slider(key="ls_cmp_epochs").value == 10
    assert [at.select_slider(key=f"ls_cmp_lr_batch_mode_{v}").value for v in ("full", "mini", "sgd")] == \
        [RUN_LR["batch_mode"][v] for v in ("full", "mini", "sgd")]
    at.slider(key="ls_cmp_epochs").set_value(2).run()
    at.button(key="ls_cmp_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    curves = _chart(at, "ls_cmp_curves")["data"]
    labels = (("full", "Full batch"), ("mini", "Mini-batch"), ("sgd", "SGD (one sample)"))
    assert [c["name"] for c in curves] == [f"{label}, η = {RUN_LR['batch_mode'][v]:g}" for v, label in labels]
    n_train = trainer_of(at).n_train
    assert [len(_arr(c["x"])) for c in curves] == [2 + 1, 2 * -(-n_train // 16) + 1, 2 * n_train + 1]
    assert [_arr(c["x"])[-1] for c in curves] == [2.0, 2.0, 2.0]
    start = trainer_of(at).initial_params
    first = _arr(curves[0]["y"])[0]
    assert all(_arr(c["y"])[0] == first for c in curves)   # one start for all three
    assert first == current_loss(type(trainer_of(at))(trainer_of(at).config, params=start))
    assert len(at.success) == 3 and not at.error


def test_optimizers_side_by_side_each_at_its_own_rate_and_a_run_that_goes_wrong_says_so(at):
    at.radio(key="ls_cmp_field").set_value("optimizer").run()
    assert at.slider(key="ls_cmp_epochs").value == 100
    at.slider(key="ls_cmp_epochs").set_value(30).run()
    at.button(key="ls_cmp_run").click().run()
    assert not at.exception and len(at.success) == 3 and not at.error and not at.warning
    at.select_slider(key="ls_cmp_lr_optimizer_adam").set_value(10.0).run()
    assert not at.exception and len(at.success) == 2
    assert [w.value.startswith("**Adam ended higher than it started** (η = 10)") for w in at.warning] == [True]
    names = [c["name"] for c in _chart(at, "ls_cmp_curves")["data"]]
    assert names[2] == "Adam, η = 10" and len(_chart(at, "ls_cmp_map")["data"]) == 5   # map, 3 paths, start
    at.select_slider(key="ls_cmp_lr_optimizer_adam").set_value(RUN_LR["optimizer"]["adam"]).run()
    at.selectbox(key="ds").set_value("sine").run()   # a regression net (linear output) can really blow up
    at.button(key="ls_cmp_run").click().run()
    assert not at.exception and len(at.success) == 2 and len(at.error) == 1   # the others go on
    assert at.error[0].value.startswith("**SGD blew up at iteration")
    assert "(blew up)" in _chart(at, "ls_cmp_curves")["data"][0]["name"]


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
