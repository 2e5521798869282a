"""Loss-landscape figures: log levels, the path and the point where the engine put them, the fixed colour range and
the marker of the loss now on the colour bar."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from engine import Config, Trainer
from engine.landscape import (
    INTERP_ALPHAS,
    RUN_LR,
    LossModel,
    MapSettings,
    current_loss,
    frame_map,
    interpolation,
    path_of,
    side_by_side,
    slice_through,
    update_frame,
)
from viz.landscape import (
    GREY_SCALE,
    PATH_COLOUR,
    camera_eye,
    colorbar_fraction,
    contour_figure,
    curves_figure,
    interpolation_figure,
    log_loss,
    log_ticks,
    map_top,
    slice_figure,
    surface3d_figure,
)
from viz.theme import Style


@pytest.fixture(scope="module")
def trained():
    """(trainer after 12 steps, its path, the frame chosen at iteration 0)."""
    t = Trainer(Config())
    path = path_of(t)
    frame = update_frame(None, t, path, MapSettings(grid_n=21))
    t.run(12)
    return t, path_of(t, path), frame


@pytest.fixture(scope="module")
def ls(trained):
    return frame_map(*(trained[i] for i in (2, 0, 1)), heights=True)


def test_log_loss_clips_zero_and_blanks_non_finite():
    np.testing.assert_array_equal(log_loss([100.0, 0.0, 0.01, np.inf, np.nan]), [2.0, -2.0, -2.0, np.nan, np.nan])


@pytest.mark.parametrize(("lo", "hi"), [(0.001, 10.0), (0.616, 1.1), (0.669, 0.814), (0.62, 0.6255), (0.3, 1.6)])
def test_log_ticks_are_round_loss_values_inside_the_range(lo, hi):
    pos, text = log_ticks(math.log10(lo), math.log10(hi))
    values = [float(t) for t in text]
    assert len(values) >= 3
    np.testing.assert_allclose(pos, np.log10(values), rtol=1e-12)
    assert all(lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9) for v in values)
    assert all(len(t.replace("0.", "").lstrip("0")) <= 3 for t in text)   # 0.62, 0.7, 1e-3 … not 0.6693


def test_contour_draws_log_loss_the_path_and_the_point_in_the_fixed_colour_range(ls, trained):
    fig = contour_figure(ls, Style(), width=600, height=500)
    contour, path, start, point = fig.data
    np.testing.assert_array_equal(contour.z, np.log10(ls.Z))
    np.testing.assert_array_equal(contour.customdata, ls.Z)
    np.testing.assert_array_equal(contour.x, ls.xs)
    assert (contour.zmin, contour.zmax) == ls.zrange and contour.zauto is False
    assert (contour.contours.start, contour.contours.end) == ls.zrange
    np.testing.assert_array_equal(path.x, ls.paths[0].coords[:, 0])
    np.testing.assert_array_equal(path.y, ls.paths[0].coords[:, 1])
    np.testing.assert_array_equal(path.customdata[:, 1], ls.paths[0].losses)
    assert path.line.color == PATH_COLOUR and path.line.width >= 2 * Style().line
    assert (start.x[0], start.y[0]) == (0.0, 0.0)            # the frame was chosen at the start
    assert (point.x[0], point.y[0]) == ls.point[:2] != (0.0, 0.0) and point.marker.size >= 2 * Style().marker
    assert ls.point[2] == current_loss(trained[0])
    assert fig.layout.xaxis.title.text.startswith("direction 1 (PC1, ")
    assert fig.layout.yaxis.title.text.replace("<br>", " ") == ls.directions.labels[1]
    assert tuple(fig.layout.xaxis.range) == (ls.xs[0], ls.xs[-1]) and tuple(fig.layout.yaxis.range) == (ls.ys[0],
                                                                                                         ls.ys[-1])
    assert (fig.layout.width, fig.layout.height) == (600, 500)
    ticks = np.array(contour.colorbar.tickvals)
    assert ls.zrange[0] - 1e-9 <= ticks.min() and ticks.max() <= ls.zrange[1] + 1e-9


def test_the_loss_now_is_marked_on_the_colour_bar_and_moves_down_as_it_falls(trained, ls):
    t, path, frame = trained
    early = frame_map(frame, t, path, upto=2)
    assert early.point[2] > ls.point[2]
    marks = [[a for a in contour_figure(m, Style()).layout.annotations] for m in (early, ls)]
    heights = [next(a.y for a in m if a.text == "") for m in marks]       # the bar across the colour bar
    assert heights[0] > heights[1]
    lo, hi = ls.zrange
    assert heights[1] == pytest.approx((np.log10(ls.point[2]) - lo) / (hi - lo), rel=1e-12)
    assert heights[1] == colorbar_fraction(ls, ls.point[2])
    assert any(a.text == f"now <b>{ls.point[2]:.3g}</b>" for a in marks[1])
    bar = contour_figure(ls, Style()).data[0].colorbar
    assert (bar.len, bar.y, bar.ypad) == (1, 0.5, 0)      # the bar spans the plot: a fraction is a height on it
    assert not contour_figure(ls, Style(), show_point=False).layout.annotations


def test_surface3d_has_the_path_on_top_of_the_surface(ls):
    fig = surface3d_figure(ls, Style())
    surf, path, point = fig.data
    np.testing.assert_array_equal(surf.z, np.log10(ls.Z))
    assert (surf.cmin, surf.cmax) == ls.zrange
    lifted = np.asarray(path.z) - np.log10(ls.paths[0].heights)
    assert np.all(lifted > 0) and np.ptp(lifted) < 1e-12
    assert point.z[0] == pytest.approx(np.log10(ls.paths[0].heights[-1]) + lifted[0], rel=1e-12)
    assert fig.layout.scene.xaxis.title.text == "direction 1"


def test_slice_and_interpolation_plot_the_engine_numbers(trained):
    t, path, frame = trained
    cut = slice_through(frame, LossModel.of(t), t.param_vector())
    sl = slice_figure(cut, Style())
    np.testing.assert_array_equal(sl.data[0].y, cut.loss)
    assert (sl.data[1].x[0], sl.data[1].y[0]) == cut.point and cut.point[1] == current_loss(t)
    assert sl.layout.yaxis.type == "log" and sl.layout.annotations[0].text == f"now <b>{cut.point[1]:.3g}</b>"
    assert tuple(sl.layout.yaxis.range) == frame.zrange      # the map's colour range: the two line up
    beside = slice_figure(cut, Style(), height=500, top=map_top(None))
    m = frame_map(frame, t, path)
    fig = contour_figure(m, Style(), height=500)
    assert (beside.layout.margin.t, beside.layout.margin.b) == (fig.layout.margin.t, fig.layout.margin.b)
    losses = interpolation(t, path.points[0], t.param_vector(), INTERP_ALPHAS)
    it = interpolation_figure(INTERP_ALPHAS, losses, Style())
    np.testing.assert_array_equal(it.data[0].x, INTERP_ALPHAS)
    np.testing.assert_allclose(it.data[1].y, np.interp([0.0, 1.0], INTERP_ALPHAS, losses))
    assert losses[np.searchsorted(INTERP_ALPHAS, 1.0)] == pytest.approx(current_loss(t), rel=1e-12)


def test_side_by_side_uses_a_grey_map_and_one_colour_per_run():
    cfg = Config(n_samples=40)
    t = Trainer(cfg)
    runs, cmp = side_by_side(cfg, t.dataset, t.initial_params, "optimizer", 2, 21)
    fig = contour_figure(cmp, Style(), show_point=False)
    assert fig.data[0].colorscale[0][1] == GREY_SCALE[0][1]
    colours = [d.line.color for d in fig.data[1:4]]
    assert len(set(colours)) == 3 and fig.layout.showlegend
    curves = curves_figure(runs, Style())
    names = (("sgd", "SGD"), ("momentum", "Momentum"), ("adam", "Adam"))
    assert [d.name for d in curves.data] == [f"{label}, η = {RUN_LR['optimizer'][name]:g}" for name, label in names]
    assert [d.line.color for d in curves.data] == colours
    np.testing.assert_array_equal(curves.data[2].y, runs[2].train_loss)


def test_3d_camera_looks_from_the_low_quadrant(ls):
    gx, gy = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 7))
    low_at_right_top = replace(ls, Z=np.exp(-gx - 2 * gy))   # rows are y: the loss falls towards +x, +y
    eye = camera_eye(low_at_right_top)
    assert eye["x"] > 0 and eye["y"] > 0
    eye = camera_eye(replace(ls, Z=np.exp(gx + 2 * gy)))
    assert eye["x"] < 0 and eye["y"] < 0
