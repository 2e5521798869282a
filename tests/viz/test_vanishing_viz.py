"""Figures of the vanishing-gradients page hold the engine's numbers, on the axes the lesson needs."""

import numpy as np
import pytest

from engine import Config
from engine.diagnostics import Comparison, first_last_ratio, grad_rms_over_time, saturation_fraction
from viz import vanishing as vv
from viz.theme import Style

CFG = Config(dataset="circle", n_samples=80, test_ratio=0.0, hidden=(8,) * 4, loss="half_sse", init="standard",
             lr=1.0)
STYLE = Style()


@pytest.fixture(scope="module")
def stepped():
    comp = Comparison(CFG.replace(clip_norm=0.01))
    comp.run(6)
    return comp, comp.snapshots()


def _traces(fig, **match):
    return [t for t in fig.data if all(getattr(t, k) == v for k, v in match.items())]


def test_gradient_flow_plots_mean_abs_delta_and_per_element_norm_on_log_axes(stepped):
    comp, snaps = stepped
    fig = vv.gradient_flow_figure(comp, snaps, STYLE)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    for name, snap in snaps.items():
        delta, grad, loss = _traces(fig, legendgroup=name)
        np.testing.assert_allclose(delta.y, snap.mean_abs_delta)
        np.testing.assert_allclose(grad.y, snap.grad_W_rms)
        np.testing.assert_array_equal(delta.x, np.arange(1, 6))
        assert vv.fmt(first_last_ratio(snap.mean_abs_delta), 3) in delta.name
        np.testing.assert_allclose(loss.y, comp.trainers[name].history.column("train_loss"))
    assert list(fig.layout.xaxis.ticktext) == ["1", "2", "3", "4", "out"]


def test_gradient_flow_leaves_gaps_for_zero_or_non_finite_values():
    np.testing.assert_array_equal(np.isnan(vv._positive(np.array([1e-3, 0.0, np.inf, np.nan, 2.0]))),
                                  [False, True, True, True, False])


def test_heatmap_is_log10_per_element_norm_with_one_colour_scale(stepped):
    comp, snaps = stepped
    fig = vv.gradient_heatmap_figure(comp, snaps, STYLE)
    assert len(fig.data) == 3 and {t.coloraxis for t in fig.data} == {"coloraxis"}
    for name, trace in zip(comp.activations, fig.data):
        its, rows = grad_rms_over_time(comp.trainers[name], snaps[name])
        np.testing.assert_array_equal(trace.x, its)
        np.testing.assert_allclose(trace.z, np.log10(rows.T))
    top = max(np.nanmax(t.z) for t in fig.data)
    assert fig.layout.coloraxis.cmax == pytest.approx(top)


def test_heatmap_columns_thin_long_runs_but_keep_both_ends():
    cols = vv.heatmap_columns(5000, limit=400)
    assert len(cols) <= 400 and cols[0] == 0 and cols[-1] == 4999
    assert vv.heatmap_columns(7).tolist() == list(range(7))


def test_histograms_are_shares_per_layer(stepped):
    _, snaps = stepped
    fig = vv.histograms_figure(snaps, STYLE)
    hidden = len(CFG.hidden)
    assert len(fig.data) == 3 * 2 * hidden
    # every curve of the sigmoid/tanh nets holds all of its layer's values (fixed ranges cover them)
    for trace in fig.data[: 2 * 2 * hidden]:
        assert sum(trace.y) == pytest.approx(1.0)
    assert sum(t.showlegend is not False for t in fig.data) == hidden


def test_saturation_bars_are_the_engine_fractions(stepped):
    _, snaps = stepped
    fig = vv.saturation_figure(snaps, STYLE)
    for name, snap in snaps.items():
        sat, dead = _traces(fig, legendgroup=name)
        np.testing.assert_allclose(sat.y, saturation_fraction(snap))
        never_active = [int((snap.acts[i] == 0).all(axis=0).sum()) for i in range(len(CFG.hidden))]
        assert list(dead.y) == never_active


def test_clipping_figure_shows_raw_and_clipped_norms(stepped):
    comp, _ = stepped
    fig = vv.clipping_figure(comp, STYLE)
    for name, trainer in comp.trainers.items():
        raw, clipped = _traces(fig, legendgroup=name)
        np.testing.assert_allclose(raw.y, trainer.history.column("grad_norm"))
        # norm clipping at 0.01: whatever was larger went into the update at exactly 0.01
        np.testing.assert_allclose(clipped.y, np.minimum(raw.y, 0.01), rtol=1e-12)
    assert fig.layout.yaxis.type == "log"
    assert any(s.y0 == 0.01 for s in fig.layout.shapes)


def test_clipped_lines_hidden_when_clipping_never_acted():
    comp = Comparison(CFG, ("tanh",))
    comp.run(2)
    assert len(vv.clipping_figure(comp, STYLE).data) == 1


def test_a_diverged_net_says_where_in_the_legend():
    comp = Comparison(CFG.replace(hidden=(16,) * 12, loss="bce", init_scale=8.0), ("relu", "tanh"))
    comp.run(10)
    fig = vv.gradient_flow_figure(comp, comp.snapshots(), STYLE)
    assert "ReLU (diverged at iteration 2)" in fig.data[0].name


def test_detail_figure_picks_the_view(stepped):
    comp, snaps = stepped
    kinds = {view: {t.type for t in vv.detail_figure(view, comp, snaps, STYLE).data} for view in vv.DETAIL_VIEWS}
    assert kinds == {"sat": {"bar"}, "time": {"heatmap"}, "hist": {"scatter"}, "explode": {"scatter"}}


def test_figures_at_iteration_zero_already_show_the_gradients():
    comp = Comparison(CFG)
    snaps = comp.snapshots()
    fig = vv.gradient_flow_figure(comp, snaps, STYLE)
    sigmoid = _traces(fig, legendgroup="sigmoid")[0]
    assert np.all(np.isfinite(sigmoid.y)) and sigmoid.y[0] < sigmoid.y[3] / 10
    heat = vv.gradient_heatmap_figure(comp, snaps, STYLE)
    assert [t.z.shape for t in heat.data] == [(5, 1)] * 3
