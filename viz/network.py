"""The network graph: neurons in columns, edges grouped into a few traces, click targets on one marker trace.

Node colour is the activation a in forward phases and δ in backward phases (diverging scale centred on 0);
edges are coloured by sign and sized by |value| of the chosen quantity (W, ∂L/∂W or ΔW).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import viz.objs as vo
from engine.trace import StepTrace
from viz.theme import DIVERGING, GREY, NEGATIVE, POSITIVE, Style, base_layout, fmt, fmt_short, symmetric_range

EDGE_QUANTITIES = {"W": "weight W", "grad_W": "gradient ∂L/∂W", "update_W": "update ΔW"}
_BIAS_OF = {"W": "b", "grad_W": "grad_b", "update_W": "update_b"}
WIDTH_BINS = 4
NODE, EDGE = 0, 1
MAX_NODE_TEXT = 8
NODE_TRACE = 4 * WIDTH_BINS
MID_TRACE = NODE_TRACE + 2


@dataclass(frozen=True)
class Phase:
    """One view of a step: forward through layer l, the loss, backward through layer l, or the update."""

    kind: str   #: "forward" | "loss" | "backward" | "update"
    layer: int  #: 1-based layer for forward/backward, L for loss/update

    @property
    def label(self) -> str:
        """Return a short label such as 'forward 2' or 'update'."""
        return f"{self.kind} {self.layer}" if self.kind in ("forward", "backward") else self.kind


def phases(n_layers: int) -> list[Phase]:
    """Return the phases of one iteration: forward 1..L, loss, backward L..1, update (2L + 2 of them)."""
    return ([Phase("forward", l) for l in range(1, n_layers + 1)] + [Phase("loss", n_layers)]
            + [Phase("backward", l) for l in range(n_layers, 0, -1)] + [Phase("update", n_layers)])


@dataclass(frozen=True)
class Selection:
    """What a click picked: a neuron (layer 0..L, j) or an edge (layer 1..L, j ← k; k = −1 is the bias)."""

    kind: str
    layer: int
    j: int
    k: int = -1


def node_positions(sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) arrays, one entry per neuron column by column; columns centred vertically."""
    xs, ys = [], []
    for col, n in enumerate(sizes):
        xs.append(np.full(n, float(col)))
        ys.append((n - 1) / 2.0 - np.arange(n, dtype=np.float64))
    return np.concatenate(xs), np.concatenate(ys)


def _bias_y(sizes: Sequence[int]) -> float:
    return (max(sizes) - 1) / 2.0 + 1.0


def node_values(trace: StepTrace, phase: Phase, sample: int | None) -> tuple[list[np.ndarray], list[bool], str]:
    """Return (per-column values, per-column 'reached' flags, quantity name 'a' or 'δ') for a phase.

    Values are for one sample of the batch, or the batch mean when sample is None.
    """
    L = len(trace.layers)

    def pick(arr: np.ndarray) -> np.ndarray:
        return arr.mean(axis=0) if sample is None else arr[min(sample, arr.shape[0] - 1)]

    backward = phase.kind in ("backward", "update")
    cols, reached = [pick(trace.x)], [True]
    for l, lt in enumerate(trace.layers, start=1):
        cols.append(pick(lt.delta if backward else lt.a))
        if phase.kind == "forward":
            reached.append(l <= phase.layer)
        elif phase.kind == "backward":
            reached.append(l >= phase.layer)
        else:
            reached.append(True)
    if backward:
        reached[0] = phase.kind == "update"
    return cols, reached[: L + 1], "δ" if backward else "a"


def edge_matrices(trace: StepTrace, quantity: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return [(matrix (n_out, n_in), bias vector (n_out,))] per layer for W, grad_W or update_W."""
    if quantity not in EDGE_QUANTITIES:
        raise ValueError(f"edge quantity must be one of {', '.join(EDGE_QUANTITIES)}")
    return [(getattr(lt, quantity), getattr(lt, _BIAS_OF[quantity])) for lt in trace.layers]


def _segments(x0, y0, x1, y1) -> tuple[np.ndarray, np.ndarray]:
    n = len(x0)
    xs = np.full(3 * n, np.nan)
    ys = np.full(3 * n, np.nan)
    xs[0::3], xs[1::3] = x0, x1
    ys[0::3], ys[1::3] = y0, y1
    return xs, ys


def _edge_table(trace: StepTrace, sizes: Sequence[int], quantity: str, reached: list[bool]) -> dict:
    """Every edge (bias edges included) as flat arrays: endpoints, value, ids and whether it is active."""
    x, y = node_positions(sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    by = _bias_y(sizes)
    parts = {k: [] for k in ("x0", "y0", "x1", "y1", "v", "layer", "j", "k", "active")}
    for l, (M, bvec) in enumerate(edge_matrices(trace, quantity), start=1):
        n_out, n_in = M.shape
        jj, kk = np.divmod(np.arange(n_out * n_in), n_in)
        to = offsets[l] + jj
        frm = offsets[l - 1] + kk
        parts["x0"] += [x[frm], np.full(n_out, l - 1 + 0.25)]
        parts["y0"] += [y[frm], np.full(n_out, by)]
        parts["x1"] += [x[to], x[offsets[l] + np.arange(n_out)]]
        parts["y1"] += [y[to], y[offsets[l] + np.arange(n_out)]]
        parts["v"] += [M.ravel(), bvec]
        parts["layer"] += [np.full(n_out * n_in + n_out, l)]
        parts["j"] += [jj, np.arange(n_out)]
        parts["k"] += [kk, np.full(n_out, -1)]
        parts["active"] += [np.full(n_out * n_in + n_out, reached[l])]
    return {k: np.concatenate(v) for k, v in parts.items()}


def _edge_traces(edges: dict, style: Style) -> list[go.Scatter]:
    """Group edges by (active, sign, width bin) into a handful of line traces joined with NaN separators."""
    v = edges["v"]
    m = symmetric_range(v)
    mag = np.where(np.isfinite(v), np.abs(v) / m, 0.0)
    width_bin = np.minimum((mag * WIDTH_BINS).astype(int), WIDTH_BINS - 1)
    traces = []
    # always the same number of traces (empty groups included) so animation frames line up
    for active in (False, True):
        for positive in (True, False):
            for b in range(WIDTH_BINS):
                sel = (edges["active"] == active) & ((v >= 0) == positive) & (width_bin == b)
                xs, ys = _segments(edges["x0"][sel], edges["y0"][sel], edges["x1"][sel], edges["y1"][sel])
                colour = (POSITIVE if positive else NEGATIVE) if active else GREY
                traces.append(vo.Scatter(
                    x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                    line={"color": colour, "width": style.line * (0.4 + 1.6 * (b + 1) / WIDTH_BINS)},
                    opacity=0.85 if active else 0.45))
    return traces


def edge_hover(trace: StepTrace, layer: int, j: int, k: int) -> str:
    """Return the hover text of edge (layer, j ← k): W, ∂L/∂W, ΔW and W after (k = −1: the bias)."""
    lt = trace.layers[layer - 1]
    if k < 0:
        w, g, u = lt.b[j], lt.grad_b[j], lt.update_b[j]
        name = f"bias b{layer}[{j + 1}]"
    else:
        w, g, u = lt.W[j, k], lt.grad_W[j, k], lt.update_W[j, k]
        name = f"w{layer}[{j + 1},{k + 1}]"
    return (f"<b>{name}</b><br>W = {fmt(w)}<br>∂L/∂W = {fmt(g, 5)}<br>ΔW = {fmt(u, 5)}"
            f"<br>W after = {fmt(w + u)}")


def _node_hover(trace: StepTrace, layer: int, j: int, sample: int | None) -> str:
    def pick(arr):
        col = arr[:, j]
        return col.mean() if sample is None else col[min(sample, len(col) - 1)]

    who = "batch mean" if sample is None else f"sample {sample + 1}"
    if layer == 0:
        return f"<b>input x{j + 1}</b> ({who})<br>x = {fmt(pick(trace.x))}"
    lt = trace.layers[layer - 1]
    return (f"<b>layer {layer}, neuron {j + 1}</b> ({who})<br>z = {fmt(pick(lt.z))}<br>a = {fmt(pick(lt.a))}"
            f"<br>δ = {fmt(pick(lt.delta), 5)}")


def _text_colour(values: np.ndarray, m: float) -> np.ndarray:
    # white text on the dark ends of the scale, black in the light middle
    return np.where(np.abs(values) / m > 0.55, "#ffffff", "#111111")


def network_figure(trace: StepTrace, style: Style, *, phase: Phase | None = None, edge_quantity: str = "W",
                   sample: int | None = 0, node_text: Sequence[Sequence[str]] | None = None,
                   edge_names: dict[tuple[int, int, int], str] | None = None,
                   input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
                   height: int = 520) -> go.Figure:
    """Return the network graph of one step as a go.Figure.

    Traces: 4·WIDTH_BINS edge groups, the node marker trace (index NODE_TRACE, customdata [NODE, layer, j, -1]),
    the grey overlay of unreached nodes, the invisible edge-midpoint markers (index MID_TRACE, customdata
    [EDGE, layer, j, k]) that carry the clicks, and the bias squares.
    """
    traces, layout = _network_parts(trace, style, phase=phase, edge_quantity=edge_quantity, sample=sample,
                                    node_text=node_text, edge_names=edge_names, input_names=input_names,
                                    output_names=output_names, height=height)
    return vo.Figure(traces, layout=layout)


def _network_parts(trace: StepTrace, style: Style, *, phase: Phase | None = None, edge_quantity: str = "W",
                   sample: int | None = 0, node_text: Sequence[Sequence[str]] | None = None,
                   edge_names: dict[tuple[int, int, int], str] | None = None,
                   input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
                   height: int = 520) -> tuple[list[go.Scatter], dict]:
    """Return (traces, layout dict) of network_figure, for it and for the animation frames."""
    L = len(trace.layers)
    phase = phase or Phase("update", L)
    sizes = [trace.x.shape[1], *(lt.W.shape[0] for lt in trace.layers)]
    cols, reached, qname = node_values(trace, phase, sample)
    edges = _edge_table(trace, sizes, edge_quantity, reached)
    traces = _edge_traces(edges, style)

    x, y = node_positions(sizes)
    values = np.concatenate(cols)
    col_of = np.concatenate([np.full(n, c) for c, n in enumerate(sizes)])
    j_of = np.concatenate([np.arange(n) for n in sizes])
    active = np.array([reached[c] for c in col_of])
    on_scale = active.copy()
    if qname == "δ":
        on_scale[col_of == 0] = False  # inputs have no δ: show their x on white, not on the δ scale
    m = symmetric_range(values[on_scale]) if on_scale.any() else 1.0
    shown = np.where(on_scale & np.isfinite(values), values, 0.0)
    labels = np.array([fmt_short(v) if sizes[c] <= MAX_NODE_TEXT and active[i] else ""
                       for i, (v, c) in enumerate(zip(values, col_of))], dtype=object)
    if node_text is not None:
        labels = np.array([t for col in node_text for t in col], dtype=object)
    traces.append(vo.Scatter(
        x=x, y=y, mode="markers+text", text=labels, textposition="middle center",
        textfont={"size": style.node_font, "color": _text_colour(shown, m),
                  "weight": "bold"},
        marker={"size": style.node, "color": shown,
                "colorscale": DIVERGING, "cmin": -m, "cmax": m, "line": {"width": 2, "color": "#333"},
                "colorbar": {"title": {"text": qname, "font": {"size": style.font + 4}}, "thickness": 18,
                             "tickfont": {"size": style.font}, "len": 0.8}},
        customdata=np.c_[np.full(len(x), NODE), col_of, j_of, np.full(len(x), -1)],
        hovertext=[_node_hover(trace, int(c), int(j), sample) for c, j in zip(col_of, j_of)],
        hoverinfo="text", showlegend=False, name="neurons",
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}))
    # grey out the columns not reached in this phase with a translucent overlay of grey markers
    traces.append(vo.Scatter(x=x[~active], y=y[~active], mode="markers", hoverinfo="skip", showlegend=False,
                             marker={"size": style.node, "color": "#e6e6e6", "line": {"width": 2, "color": "#999"}}))
    mx = (edges["x0"] + edges["x1"]) / 2
    my = (edges["y0"] + edges["y1"]) / 2
    mid_text = None
    if edge_names:
        mid_text = [edge_names.get((int(l), int(j), int(k)), "")
                    for l, j, k in zip(edges["layer"], edges["j"], edges["k"])]
    traces.append(vo.Scatter(
        x=mx, y=my, mode="markers+text" if mid_text else "markers", text=mid_text,
        textposition="top center", textfont={"size": style.node_font, "color": "#333"},
        marker={"size": 16, "color": "rgba(0,0,0,0)"},
        customdata=np.c_[np.full(len(mx), EDGE), edges["layer"], edges["j"], edges["k"]],
        hovertext=[edge_hover(trace, int(l), int(j), int(k))
                   for l, j, k in zip(edges["layer"], edges["j"], edges["k"])],
        hoverinfo="text", showlegend=False, name="edges",
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}))
    traces.append(_bias_nodes(sizes, style))
    top = _bias_y(sizes) + 0.9
    layout = base_layout(
        style, height=height, annotations=_column_titles(sizes, style, input_names, output_names),
        xaxis={"visible": False, "range": [-0.6, len(sizes) - 0.4], "fixedrange": True},
        yaxis={"visible": False, "range": [-(max(sizes) - 1) / 2 - 0.9, top], "fixedrange": True},
        margin={"l": 10, "r": 10, "t": 10, "b": 10}, clickmode="event+select", dragmode=False)
    return traces, layout


def _bias_nodes(sizes: Sequence[int], style: Style) -> go.Scatter:
    by = _bias_y(sizes)
    n = len(sizes) - 1
    return vo.Scatter(
        x=np.arange(n) + 0.25, y=np.full(n, by), mode="markers+text", text=["+1"] * n,
        textfont={"size": style.node_font - 2}, textposition="middle center", hoverinfo="skip",
        marker={"size": style.node * 0.7, "symbol": "square", "color": "#ffffff",
                "line": {"width": 2, "color": "#777"}},
        showlegend=False, name="bias")


def _column_titles(sizes: Sequence[int], style: Style, input_names, output_names) -> list[dict]:
    """Return the annotations naming each column, and the input/output units when names are given."""
    L = len(sizes) - 1
    bottom = -(max(sizes) - 1) / 2 - 0.7
    notes = []
    for c in range(L + 1):
        title = "input" if c == 0 else "output" if c == L else f"hidden {c}"
        notes.append({"x": c, "y": bottom, "text": f"<b>{title}</b>", "showarrow": False, "font": {"size": style.font}})
    for names, col in ((input_names, 0), (output_names, L)):
        if not names:
            continue
        ys = (sizes[col] - 1) / 2.0 - np.arange(sizes[col])
        for name, yy in zip(names, ys):
            notes.append({"x": col, "y": float(yy), "text": name, "showarrow": False, "font": {"size": style.font},
                          "xshift": -(style.node * 0.9) if col == 0 else style.node * 0.9})
    return notes


def parse_selection(event) -> Selection | None:
    """Return the neuron or edge a `st.plotly_chart(on_select=...)` event picked, or None.

    Accepts the event object or its dict form; only points carrying our customdata count.
    """
    if event is None:
        return None
    sel = event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)
    if sel is None:
        return None
    points = sel.get("points") if isinstance(sel, dict) else getattr(sel, "points", None)
    for point in points or []:
        data = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(data, dict):
            # the browser may send an array as an object keyed "0", "1", …
            data = [data[k] for k in sorted(data, key=lambda s: int(s))] if all(
                str(k).isdigit() for k in data) else None
        if data is None or len(data) < 4:
            continue
        kind, layer, j, k = (round(float(v)) for v in data[:4])
        if kind == NODE:
            return Selection("node", layer, j)
        if kind == EDGE:
            return Selection("edge", layer, j, k)
    return None


def animated_network(traces: Sequence[StepTrace], style: Style, *, edge_quantity: str = "W", sample: int | None = 0,
                     frame_ms: int = 80, height: int = 520) -> go.Figure:
    """Return the network graph with one animation frame per trace, played in the browser (▶ / ❚❚ buttons).

    Frames update the edge groups and the node trace only; at 80 ms a frame it draws 12.5 iterations a second.
    """
    parts = [_network_parts(tr, style, edge_quantity=edge_quantity, sample=sample, height=height) for tr in traces]
    animated = list(range(NODE_TRACE + 1))
    frames = [vo.Frame(data=[data[i] for i in animated], traces=animated, name=str(tr.iteration))
              for (data, _), tr in zip(parts, traces)]
    timing = {"frame": {"duration": frame_ms, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    data, layout = parts[0]
    layout.update(
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0.0, "y": 1.02, "xanchor": "left",
                      "yanchor": "bottom", "pad": {"r": 8}, "font": {"size": style.font},
                      "buttons": [{"label": "▶ Play", "method": "animate",
                                   "args": [None, {**timing, "fromcurrent": True}]},
                                  {"label": "❚❚ Pause", "method": "animate",
                                   "args": [[None], {**timing, "frame": {"duration": 0, "redraw": False}}]}]}],
        sliders=[{"active": 0, "y": 0, "x": 0.1, "len": 0.85, "currentvalue": {"prefix": "iteration ",
                                                                                "font": {"size": style.font}},
                  "steps": [{"label": str(tr.iteration), "method": "animate",
                             "args": [[str(tr.iteration)], {**timing, "frame": {"duration": 0, "redraw": False}}]}
                            for tr in traces]}],
        margin={"l": 10, "r": 10, "t": 50, "b": 60})
    return vo.Figure(data, layout=layout, frames=frames)
