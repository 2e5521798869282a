"""Loss-landscape figures: log levels, the path and the point where the engine put them, animation frames."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from engine import Config, Trainer
from engine.landscape import current_loss, side_by_side, view
from viz.landscape import (
    GREY_SCALE,
    PATH_COLOUR,
    camera_eye,
    contour_figure,
    curves_figure,
    interpolation_figure,
    log_loss,
    log_ticks,
    slice_figure,
    surface3d_figure,
)
from viz.theme import Style


@pytest.fixture(scope="module")
def trained():
    t = Trainer(Config())
    t.run(12)
    return t


@pytest.fixture(scope="module")
def ls(trained):
    return view(trained, trained.iteration, "pca", 21, None, seed=1, dense_from=8)[0]


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


def test_contour_draws_log_loss_the_path_and_the_point(ls):
    fig = contour_figure(ls, Style())
    contour, path, start, point = fig.data
    np.testing.assert_array_equal(contour.z, np.log10(ls.Z))
    np.testing.assert_array_equal(contour.customdata, ls.Z)
    np.testing.assert_array_equal(contour.x, ls.xs)
    np.testing.assert_array_equal(path.x, ls.paths[0].coords[:, 0])
    np.testing.assert_array_equal(path.y, ls.paths[0].coords[:, 1])
    assert path.line.color == PATH_COLOUR and path.line.width >= 2 * Style().line
    assert (start.x[0], start.y[0]) == tuple(ls.paths[0].coords[0])
    assert (point.x[0], point.y[0]) == (0.0, 0.0) and point.marker.size >= 2 * Style().marker
    assert fig.layout.xaxis.title.text.startswith("direction 1 (PC1, ")
    assert fig.layout.yaxis.title.text.replace("<br>", " ") == ls.directions.labels[1]
    ticks = np.array(contour.colorbar.tickvals)
    assert np.nanmin(contour.z) - 1e-9 <= ticks.min() and ticks.max() <= np.nanmax(contour.z) + 1e-9
    assert not fig.frames


def test_animation_frames_move_the_point_along_the_played_steps(ls, trained):
    fig = contour_figure(ls, Style(), animate_from=8)
    assert len(fig.frames) == trained.iteration - 8 + 1   # from where Play started to now
    first, last = fig.frames[0], fig.frames[-1]
    its = ls.paths[0].iterations
    assert first.name == "8" and last.name == str(trained.iteration)
    assert len(first.data[0].x) == int(np.searchsorted(its, 8)) + 1
    np.testing.assert_array_equal(last.data[0].x, ls.paths[0].coords[:, 0])
    assert (last.data[1].x[0], last.data[1].y[0]) == tuple(ls.paths[0].coords[-1])
    assert list(first.traces) == [1, len(fig.data) - 1]
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.method == "animate" and play.args[1]["frame"]["redraw"] is True   # else Plotly drops the contour


def test_surface3d_has_the_path_on_top_of_the_surface(ls, trained):
    fig = surface3d_figure(ls, Style())
    surf, path, point = fig.data
    np.testing.assert_array_equal(surf.z, np.log10(ls.Z))
    lifted = np.asarray(path.z) - np.log10(ls.paths[0].heights)
    assert np.all(lifted > 0) and np.ptp(lifted) < 1e-12
    assert point.z[0] == pytest.approx(np.log10(current_loss(trained)) + lifted[0], rel=1e-12)
    assert fig.layout.scene.xaxis.title.text == "direction 1"


def test_slice_and_interpolation_plot_the_engine_numbers(ls):
    sl = slice_figure(ls, Style())
    np.testing.assert_array_equal(sl.data[0].y, ls.slice_loss)
    assert (sl.data[1].x[0], sl.data[1].y[0]) == (0.0, ls.point[2])
    assert sl.layout.yaxis.type == "log"
    it = interpolation_figure(ls, Style())
    np.testing.assert_array_equal(it.data[0].x, ls.interp_alpha)
    np.testing.assert_allclose(it.data[1].y, np.interp([0.0, 1.0], ls.interp_alpha, ls.interp_loss))
    assert ls.interp_loss[np.searchsorted(ls.interp_alpha, 1.0)] == pytest.approx(ls.point[2], rel=1e-12)


def test_side_by_side_uses_a_grey_map_and_one_colour_per_run():
    cfg = Config(n_samples=40)
    t = Trainer(cfg)
    runs, cmp = side_by_side(cfg, t.dataset, t.initial_params, "optimizer", 2, 21)
    fig = contour_figure(cmp, Style(), show_point=False)
    assert fig.data[0].colorscale[0][1] == GREY_SCALE[0][1]
    colours = [d.line.color for d in fig.data[1:4]]
    assert len(set(colours)) == 3 and fig.layout.showlegend
    curves = curves_figure(runs, Style())
    assert [d.name for d in curves.data] == ["SGD", "Momentum", "Adam"]
    assert [d.line.color for d in curves.data] == colours
    np.testing.assert_array_equal(curves.data[2].y, runs[2].train_loss)


def test_3d_camera_looks_from_the_low_quadrant(ls):
    gx, gy = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 7))
    low_at_right_top = replace(ls, Z=np.exp(-gx - 2 * gy))   # rows are y: the loss falls towards +x, +y
    eye = camera_eye(low_at_right_top)
    assert eye["x"] > 0 and eye["y"] > 0
    eye = camera_eye(replace(ls, Z=np.exp(gx + 2 * gy)))
    assert eye["x"] < 0 and eye["y"] < 0
