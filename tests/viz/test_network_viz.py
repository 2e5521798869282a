"""The network figure reads the trace: node colours, phases, edge groups, the strip, layout without overlaps."""

import re

import numpy as np
import pytest

from engine import Config, Trainer
from engine.diagnostics import trainer_snapshot
from ui.lessons import BY_NUMBER
from viz.equations import edge_equations, neuron_equations, printed_length
from viz.network import (
    EDGE,
    GREY_TRACE,
    MID_TRACE,
    NODE,
    NODE_TRACE,
    WIDTH_BINS,
    Phase,
    Selection,
    edge_hover,
    edge_quantity_for,
    geometry,
    network_figure,
    node_scales,
    node_values,
    parse_selection,
    phases,
)
from viz.scales import choose_scale, text_width
from viz.theme import DIVERGING, Style


@pytest.fixture(scope="module")
def trace_and_trainer():
    trainer = Trainer(Config(hidden=(4, 3), batch_mode="mini", batch_size=5))
    trainer.run(3)
    return trainer.last_trace, trainer


def test_phases_cover_one_iteration_with_the_column_names():
    labels = [p.label for p in phases(3)]
    assert labels == ["forward h1", "forward h2", "forward out", "loss", "backward out", "backward h2",
                      "backward h1", "update"]


def test_node_colours_are_the_trace_values_on_one_scale_per_iteration(trace_and_trainer):
    trace, _ = trace_and_trainer
    scales = node_scales(trace, 2)
    fig = network_figure(trace, Style(), phase=phases(3)[0], sample=2)
    colours = np.asarray(fig.data[NODE_TRACE].marker.color, dtype=float)
    # forward h1: inputs and layer 1 show a of sample 3 on the a scale; layers 2 and 3 are not reached (0)
    np.testing.assert_allclose(colours[:2], scales.a.position(trace.x[2]))
    np.testing.assert_allclose(colours[2:6], scales.a.position(trace.layers[0].a[2]))
    np.testing.assert_array_equal(colours[6:], 0.0)
    assert fig.data[NODE_TRACE].marker.colorbar.title.text.startswith("a")
    # the same value keeps its colour in every forward phase of the iteration
    later = network_figure(trace, Style(), phase=phases(3)[2], sample=2)
    np.testing.assert_allclose(np.asarray(later.data[NODE_TRACE].marker.color, dtype=float)[:6], colours[:6])
    back = network_figure(trace, Style(), phase=phases(3)[5], sample=None)  # backward h2: δ, batch mean
    colours = np.asarray(back.data[NODE_TRACE].marker.color, dtype=float)
    delta_scale = node_scales(trace, None).delta
    np.testing.assert_allclose(colours[6:9], delta_scale.position(trace.layers[1].delta.mean(axis=0)))
    np.testing.assert_array_equal(colours[2:6], 0.0)  # layer 1 not reached by the backward pass yet
    assert back.data[NODE_TRACE].marker.colorbar.title.text.startswith("δ")


def test_loss_phase_shows_the_targets_and_the_loss(trace_and_trainer):
    trace, trainer = trace_and_trainer
    fig = network_figure(trace, Style(), phase=Phase("loss", 3, 3), sample=1, net=trainer.net)
    texts = [a.text for a in fig.layout.annotations]
    assert any(f"t = {trace.y[1, 0]:.3g}" in t for t in texts)
    per_sample = trainer.net.loss.per_sample(trace.layers[-1].z[1:2], trace.layers[-1].a[1:2], trace.y[1:2])[0]
    assert any(f"ℓ = {per_sample:.4f}" in t for t in texts)
    forward = network_figure(trace, Style(), phase=Phase("forward", 3, 3), sample=1, net=trainer.net)
    assert not any("t = " in a.text for a in forward.layout.annotations)


def _segment_values(fig, sign: bool) -> int:
    """Number of drawn segments in the active edge traces of one sign."""
    start = 4 * WIDTH_BINS // 2 + (0 if sign else WIDTH_BINS)
    return sum(np.isfinite(np.asarray(t.x, dtype=float)).sum() // 2 for t in fig.data[start:start + WIDTH_BINS])


def test_update_phase_draws_the_new_weights_and_differs_from_backward(trace_and_trainer):
    trace, _ = trace_and_trainer
    assert edge_quantity_for(Phase("update", 3, 3), "auto") == "W_after"
    assert edge_quantity_for(Phase("update", 3, 3), "update_W") == "update_W"
    update = network_figure(trace, Style(), phase=phases(3)[-1], edge_quantity="auto")
    after = np.concatenate([np.r_[lt.W_after.ravel(), lt.b_after] for lt in trace.layers])
    assert _segment_values(update, True) == int((after >= 0).sum())
    assert _segment_values(update, False) == int((after < 0).sum())
    back = network_figure(trace, Style(), phase=phases(3)[-2], edge_quantity="auto")
    grads = np.concatenate([np.r_[lt.grad_W.ravel(), lt.grad_b] for lt in trace.layers])
    assert _segment_values(back, True) == int((grads >= 0).sum())  # backward h1: every gradient is known
    early = network_figure(trace, Style(), phase=phases(3)[4], edge_quantity="auto")  # backward out
    last = np.r_[trace.layers[-1].grad_W.ravel(), trace.layers[-1].grad_b]
    assert _segment_values(early, True) == int((last >= 0).sum())  # only the output layer's are known yet
    assert not update.data[NODE_TRACE].marker.showscale and back.data[NODE_TRACE].marker.showscale
    assert "new weight" in update.layout.annotations[-1].text


def test_edges_are_grouped_into_few_traces_and_carry_every_edge(trace_and_trainer):
    trace, _ = trace_and_trainer
    fig = network_figure(trace, Style(), edge_quantity="grad_W")
    line_traces = fig.data[:NODE_TRACE]
    assert len(line_traces) == 4 * WIDTH_BINS
    n_segments = sum(np.isfinite(np.asarray(t.x, dtype=float)).sum() // 2 for t in line_traces)
    n_edges = sum(lt.W.size + lt.b.size for lt in trace.layers)
    assert n_segments == n_edges
    mids = fig.data[MID_TRACE]
    assert len(mids.x) == n_edges
    assert set(np.asarray(mids.customdata)[:, 0]) == {EDGE}


def test_hover_text_has_the_numbers(trace_and_trainer):
    trace, _ = trace_and_trainer
    lt = trace.layers[1]
    text = edge_hover(trace, 2, 1, 3)
    shown = [float(v) for v in re.findall(r"= (-?[0-9.]+(?:e[-+]?[0-9]+)?)", text)]
    expected = [lt.W[1, 3], lt.grad_W[1, 3], lt.update_W[1, 3], lt.W[1, 3] + lt.update_W[1, 3]]
    np.testing.assert_allclose(shown, expected, rtol=2e-3, atol=1e-4)


def test_click_mapping():
    node = {"selection": {"points": [{"curve_number": NODE_TRACE, "point_index": 3,
                                      "customdata": [NODE, 1, 2, -1]}]}}
    edge = {"selection": {"points": [{"customdata": [EDGE, 2, 0, -1]}]}}
    assert parse_selection(node) == Selection("node", 1, 2)
    assert parse_selection(edge) == Selection("edge", 2, 0, -1)
    assert parse_selection({"selection": {"points": [{"customdata": {"0": 0, "1": 2, "2": 1, "3": -1}}]}}) == \
        Selection("node", 2, 1)
    assert parse_selection({"selection": {"points": [{"x": 1}]}}) is None
    assert parse_selection(None) is None
    assert parse_selection({"selection": {"points": []}}) is None


def test_the_clicked_neuron_is_ringed(trace_and_trainer):
    trace, _ = trace_and_trainer
    plain = network_figure(trace, Style())
    ringed = network_figure(trace, Style(), selection=Selection("node", 2, 1))
    assert len(ringed.data) == len(plain.data) + 1
    ring = ringed.data[-1]
    nodes = plain.data[NODE_TRACE]
    custom = np.asarray(nodes.customdata)
    at = np.flatnonzero((custom[:, 1] == 2) & (custom[:, 2] == 1))[0]
    assert (ring.x[0], ring.y[0]) == (nodes.x[at], nodes.y[at])


def _result(latex: str) -> float:
    """The number after the last '=' of an equation."""
    return float(re.findall(r"= (-?[0-9.]+)(?:\\end\{aligned\})?$", latex)[0])


def test_neuron_and_edge_equations_match_the_trace(trace_and_trainer):
    trace, trainer = trace_and_trainer
    z_line, a_line, d_line = neuron_equations(trace, trainer.net, 2, 1, sample=0)
    lt = trace.layers[1]
    assert _result(z_line) == pytest.approx(lt.z[0, 1], abs=1e-4)
    assert _result(a_line) == pytest.approx(lt.a[0, 1], abs=1e-4)
    assert _result(d_line) == pytest.approx(lt.delta[0, 1], abs=1e-5)
    grad_line = edge_equations(trace, trainer.config, 1, 0, 1)[0]
    assert _result(grad_line) == pytest.approx(trace.layers[0].grad_W[0, 1], abs=1e-6)
    assert r"a_{2}^{(0)}" in grad_line and r"\delta_{1}^{(1)}" in grad_line
    bias_line = edge_equations(trace, trainer.config, 2, 0, -1)[0]
    assert r"\cdot 1" in bias_line and not re.search(r"(?<![a-z])a_\{", bias_line)  # ∂L/∂b = mean δ·1


@pytest.mark.parametrize("line_chars", [24, 40, 70])
def test_equations_wrap_to_the_panel(line_chars):
    trainer = Trainer(Config(hidden=(8, 8), batch_mode="mini", batch_size=3))
    trace = trainer.step()
    neuron = neuron_equations(trace, trainer.net, 2, 3, 0, line_chars)
    lines = [*neuron_equations(trace, trainer.net, 1, 0, 0, line_chars), *neuron,
             *edge_equations(trace, trainer.config, 2, 1, 4, line_chars)]
    sums = [part for line in lines for part in line.split(r"\\") if r"\cdot" in part and "+" in part]
    assert sums and all(printed_length(part) <= line_chars for part in sums), max(sums, key=printed_length)
    breaks = [line.count(r"\\") for line in neuron_equations(trace, trainer.net, 2, 3, 0, 400)]
    assert sum(breaks) < sum(line.count(r"\\") for line in neuron)  # a wide panel needs fewer lines


def test_node_values_batch_mean_and_sample(trace_and_trainer):
    trace, _ = trace_and_trainer
    cols, reached, name = node_values(trace, phases(3)[-1], None)
    assert name == "δ" and reached[1:] == [True] * 3 and not reached[0]
    np.testing.assert_allclose(cols[3], trace.layers[2].delta.mean(axis=0))


def test_log_scale_separates_decades_and_switches_on_for_lesson_5():
    scale = choose_scale([1e-7, 1e-3, 0.2])
    assert scale.kind == "log" and scale.auto
    low, high = scale.position([1e-7, 1e-3])
    assert high - low > 0.3  # a linear scale would put both within 0.005 of white
    assert choose_scale([1e-7, 1e-3, 0.2], "linear").position([1e-3])[0] < 0.01
    assert choose_scale([0.1, 0.5, -0.3]).kind == "linear"

    def rgb(position):
        t = (position + 1) / 2
        stops = [p for p, _ in DIVERGING]
        colours = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in DIVERGING])
        return np.array([np.interp(t, stops, colours[:, k]) for k in range(3)])

    assert np.abs(rgb(low) - rgb(high)).max() > 60  # clearly different on screen
    trainer = Trainer(BY_NUMBER[5].config())
    trainer.run(10)
    assert node_scales(trainer.last_trace, 0).delta.kind == "log"
    fig = network_figure(trainer.last_trace, Style(), phase=phases(trainer.n_layers)[-2], sample=0)
    assert "log" in fig.data[NODE_TRACE].marker.colorbar.title.text


def test_strip_shows_the_vanishing_pages_numbers():
    """Full batch: the strip's mean |δ| per layer is the Vanishing gradients page's mean |δ| at those weights."""
    trainer = Trainer(Config(hidden=(8,) * 4, activation="sigmoid", init="standard"))
    trainer.run(3)
    expected = trainer_snapshot(Trainer(trainer.config, params=trainer.params_at(2))).mean_abs_delta
    fig = network_figure(trainer.last_trace, Style(), phase=phases(5)[-2], sample=None)  # backward h1: all
    labels = next(t for t in fig.data if t.mode == "text" and t.text is not None and len(t.text) == 5).text
    np.testing.assert_allclose([float(v) for v in labels], expected, rtol=0.06)


@pytest.mark.parametrize("hidden", [(), (4,), (4, 4), (8,) * 6, (16,) * 6, (6, 32, 4, 12, 8, 2, 20, 3), (64,),
                                    (1,) * 12, (64,) * 12])
@pytest.mark.parametrize("size,presenter", [((560, 500), False), ((740, 520), True), ((1100, 800), False)])
def test_layout_never_overlaps(hidden, size, presenter):
    """Circles in a column are at least a diameter apart, columns and their titles fit their spacing."""
    style = Style.for_mode(presenter)
    sizes = [2, *hidden, 1]
    geo = geometry(sizes, style, *size)
    for ys in geo.ys:
        gaps = -np.diff(ys)
        assert (gaps >= geo.node - 1e-9).all()
    assert geo.dx >= geo.node
    assert max(text_width(t, geo.title_font, bold=True) for t in geo.titles) <= 0.95 * geo.dx
    assert len(geo.ys[0]) == 2
    assert geo.node_font == 0 or geo.node_font >= style.node_font  # numbers are readable or not drawn
    for n, rows, more in zip(sizes, geo.rows, geo.more):
        assert (len(rows) == n) == (more is None)
        if more is not None:  # a wide column: first and last neurons and a marker for the rest
            assert rows[0] == 0 and rows[-1] == n - 1 and len(rows) + more[1] == n
    top = max(float(ys.max()) for ys in geo.ys) + geo.node / 2
    assert top <= geo.bias_y - geo.bias_size / 2 + 1
    assert min(float(ys.min()) for ys in geo.ys) - geo.node / 2 >= geo.title_y
    assert GREY_TRACE == NODE_TRACE + 1


def test_dropped_neurons_are_crossed_out_with_faded_edges_and_the_panel_says_why():
    trainer = Trainer(Config(hidden=(6, 5), dropout=0.5, lr=0.1))
    trace = trainer.step()
    sample = 0
    dropped = {(l, int(j)) for l, lt in enumerate(trace.layers[:-1], start=1) for j in np.flatnonzero(lt.mask[0] == 0)}
    assert dropped
    fig = network_figure(trace, Style(), phase=Phase("backward", 1, 3), sample=sample, width=700, height=500)
    marks = [t for t in fig.data if t.name == "dropped"]
    assert len(marks) == 1 and len(marks[0].x) == len(dropped) and marks[0].marker.symbol == "circle-x"
    nodes = fig.data[NODE_TRACE]
    for i, (_, layer, j, _) in enumerate(nodes.customdata):
        if (int(layer), int(j)) in dropped:
            assert nodes.text[i] == ""
            assert "dropped, passes 0" in nodes.hovertext[i] and "δ = 0" in nodes.hovertext[i]
    # every edge into or out of a dropped neuron is drawn in the faded (grey) groups
    edges = [(l, j, k) for l, lt in enumerate(trace.layers, start=1) for j in range(lt.W.shape[0])
             for k in range(-1, lt.W.shape[1])]
    cut = [e for e in edges if (e[0], e[1]) in dropped or (e[2] >= 0 and (e[0] - 1, e[2]) in dropped)]
    bright = sum(len(t.x) // 3 for t in fig.data[:NODE_TRACE] if t.opacity == 0.85)
    assert cut and bright == len(edges) - len(cut)
    layer, j = next(iter(sorted(dropped)))
    lines = " ".join(neuron_equations(trace, trainer.net, layer, j, sample))
    assert r"\frac{m}{1-p}" in lines and "dropped" in lines
    # the batch mean has no single mask: nothing is crossed out
    assert not [t for t in network_figure(trace, Style(), sample=None).data if t.name == "dropped"]


def test_batch_norm_layers_are_named_in_the_titles_and_hover():
    trainer = Trainer(Config(hidden=(3, 3), batch_norm=True))
    trace = trainer.step()
    fig = network_figure(trace, Style(), width=900, height=500)
    titles = [a.text for a in fig.layout.annotations[:4]]
    assert ["BN" in t for t in titles] == [False, True, True, False]
    hover = fig.data[NODE_TRACE].hovertext[3]
    assert "batch norm: x̂ =" in hover and "δ at y =" in hover and "δ at z =" in hover
