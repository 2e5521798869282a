"""The network figure reads the trace: node colours, edge groups, hover numbers, and click mapping."""

import re

import numpy as np
import pytest

from engine import Config, Trainer
from viz.equations import edge_equations, neuron_equations
from viz.network import (
    EDGE,
    MID_TRACE,
    NODE,
    NODE_TRACE,
    WIDTH_BINS,
    Selection,
    animated_network,
    edge_hover,
    network_figure,
    node_values,
    parse_selection,
    phases,
)
from viz.theme import Style


@pytest.fixture(scope="module")
def trace_and_trainer():
    trainer = Trainer(Config(hidden=(4, 3), batch_mode="mini", batch_size=5))
    trainer.run(3)
    return trainer.last_trace, trainer


def test_phases_cover_one_iteration():
    labels = [p.label for p in phases(3)]
    assert labels == ["forward 1", "forward 2", "forward 3", "loss", "backward 3", "backward 2", "backward 1",
                      "update"]


def test_node_colours_are_the_trace_values(trace_and_trainer):
    trace, _ = trace_and_trainer
    fig = network_figure(trace, Style(), phase=phases(3)[0], sample=2)
    nodes = fig.data[NODE_TRACE]
    colours = np.asarray(nodes.marker.color)
    # forward 1: inputs and layer 1 show a for sample 3; layers 2 and 3 are not reached yet (neutral 0)
    np.testing.assert_array_equal(colours[:2], trace.x[2])
    np.testing.assert_array_equal(colours[2:6], trace.layers[0].a[2])
    np.testing.assert_array_equal(colours[6:], 0.0)
    assert nodes.marker.colorbar.title.text == "a"
    back = network_figure(trace, Style(), phase=phases(3)[5], sample=None)  # backward 2: δ, batch mean
    colours = np.asarray(back.data[NODE_TRACE].marker.color)
    np.testing.assert_allclose(colours[6:9], trace.layers[1].delta.mean(axis=0))
    np.testing.assert_allclose(colours[9:], trace.layers[2].delta.mean(axis=0))
    np.testing.assert_array_equal(colours[2:6], 0.0)  # layer 1 not reached by the backward pass yet
    assert back.data[NODE_TRACE].marker.colorbar.title.text == "δ"
    # the colour scale is centred on zero
    assert back.data[NODE_TRACE].marker.cmin == -back.data[NODE_TRACE].marker.cmax


def test_edges_are_grouped_into_few_traces_and_carry_every_edge(trace_and_trainer):
    trace, _ = trace_and_trainer
    fig = network_figure(trace, Style(), edge_quantity="grad_W")
    line_traces = fig.data[:NODE_TRACE]
    assert len(line_traces) == 4 * WIDTH_BINS <= 16
    n_segments = sum(np.isfinite(np.asarray(t.x, dtype=float)).sum() // 2 for t in line_traces)
    n_edges = sum(lt.W.size + lt.b.size for lt in trace.layers)
    assert n_segments == n_edges
    mids = fig.data[MID_TRACE]
    assert len(mids.x) == n_edges
    data = np.asarray(mids.customdata)
    assert set(data[:, 0]) == {EDGE}


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


def _result(latex: str) -> float:
    """The number after the last '=' of an equation."""
    return float(re.findall(r"= (-?[0-9.]+)(?:\\end\{aligned\})?$", latex)[0])


def test_neuron_equation_numbers_match_the_trace(trace_and_trainer):
    trace, trainer = trace_and_trainer
    z_line, a_line, d_line = neuron_equations(trace, trainer.net, 2, 1, sample=0)
    lt = trace.layers[1]
    assert _result(z_line) == pytest.approx(lt.z[0, 1], abs=1e-4)
    assert _result(a_line) == pytest.approx(lt.a[0, 1], abs=1e-4)
    assert _result(d_line) == pytest.approx(lt.delta[0, 1], abs=1e-5)
    grad_line = edge_equations(trace, trainer.config, 1, 0, 1)[0]
    assert _result(grad_line) == pytest.approx(trace.layers[0].grad_W[0, 1], abs=1e-6)


def test_animation_has_one_frame_per_trace():
    trainer = Trainer(Config())
    traces = [trainer.step() for _ in range(5)]
    fig = animated_network(traces, Style())
    assert [f.name for f in fig.frames] == ["1", "2", "3", "4", "5"]
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.label.endswith("Play") and play.args[1]["frame"]["duration"] <= 100  # ≥ 10 iterations a second
    last_nodes = fig.frames[-1].data[-1]
    np.testing.assert_allclose(np.asarray(last_nodes.marker.color)[2:6], traces[-1].layers[0].delta[0])


def test_node_values_batch_mean_and_sample(trace_and_trainer):
    trace, _ = trace_and_trainer
    cols, reached, name = node_values(trace, phases(3)[-1], None)
    assert name == "δ" and all(reached)
    np.testing.assert_allclose(cols[3], trace.layers[2].delta.mean(axis=0))
