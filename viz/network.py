"""The network graph: neurons in columns, edges grouped into a few traces, click targets on one marker trace.

The figure is laid out in pixels (one axis unit = one pixel of the figure), from the space the page gives
it: node size, label font and column spacing follow the figure's real size and the number of neurons, so
labels and circles never overlap. A number is printed on a node only when it fits at a readable size;
otherwise the colour stays and the number moves to hover and the click panel. Columns wider than the space
(or than MAX_ROWS) are drawn as their first and last neurons around a "⋮ k more" marker.

Nodes show a in forward phases and δ in backward phases, on one colour scale for the whole iteration
(linear, or signed log when the values span decades); edges are coloured by sign and sized by |value| of
the edge quantity. A strip under the columns shows mean |a| or mean |δ| per layer on a log axis.
With dropout, the neurons the shown sample dropped in this step are drawn hollow and crossed out, and their
edges faded (they pass nothing on and get no error back); a batch-normalised layer's title says "BN".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import viz.objs as vo
from engine.network import Net, mean_abs
from engine.trace import StepTrace, sample_or_mean
from viz.scales import ColourScale, choose_scale, compact, text_width
from viz.text import plain, plotly_text
from viz.theme import DIVERGING, GREY, NEGATIVE, POSITIVE, Style, base_layout, fmt, fmt_short

#: what the edges show; "auto" follows the phase: W forward, ∂L/∂W backward, the new W after the update
EDGE_QUANTITIES = {"auto": "auto", "W": "W", "grad_W": "∂L/∂W", "update_W": "ΔW"}
_BIAS_OF = {"W": "b", "grad_W": "grad_b", "update_W": "update_b"}
_EDGE_WORDS = {"W": "weight W", "grad_W": "gradient ∂L/∂W", "update_W": "update ΔW", "W_after": "new weight W"}
WIDTH_BINS = 4
NODE, EDGE = 0, 1
NODE_TRACE = 4 * WIDTH_BINS
GREY_TRACE = NODE_TRACE + 1
MID_TRACE = NODE_TRACE + 2
MAX_ROWS = 16          #: a column with more neurons is drawn as its first and last ones around "⋮ k more"
MIN_NODE = 14          #: px: circles are never drawn smaller; columns are abbreviated instead
MIN_TITLE_FONT = 10    #: px: column titles shrink to fit tight columns, never below this
HIGHLIGHT = "#f5c400"  #: the clicked neuron or edge


@dataclass(frozen=True)
class Phase:
    """One view of a step: forward through layer l, the loss, backward through layer l, or the update."""

    kind: str   #: "forward" | "loss" | "backward" | "update"
    layer: int  #: 1-based layer for forward/backward, L for loss/update
    n_layers: int = 0  #: L (for the layer's name); 0 = unknown

    @property
    def label(self) -> str:
        """Return the scrubber label: 'forward h1', 'backward out', 'loss', 'update'."""
        if self.kind in ("forward", "backward"):
            return f"{self.kind} {layer_name(self.layer, self.n_layers)}"
        return self.kind


def layer_name(layer: int, n_layers: int, long: bool = False) -> str:
    """Return a column's name: 'in'/'input' for 0, 'out'/'output' for L, 'h1'/'hidden h1' between."""
    if layer == 0:
        return "input" if long else "in"
    if layer == n_layers or (n_layers == 0 and layer < 0):
        return "output" if long else "out"
    return f"hidden h{layer}" if long else f"h{layer}"


def phases(n_layers: int) -> list[Phase]:
    """Return the phases of one iteration: forward 1..L, loss, backward L..1, update (2L + 2 of them)."""
    L = n_layers
    return ([Phase("forward", l, L) for l in range(1, L + 1)] + [Phase("loss", L, L)]
            + [Phase("backward", l, L) for l in range(L, 0, -1)] + [Phase("update", L, L)])


@dataclass(frozen=True)
class Selection:
    """What a click picked: a neuron (layer 0..L, j) or an edge (layer 1..L, j ← k; k = −1 is the bias)."""

    kind: str
    layer: int
    j: int
    k: int = -1


# ---- which numbers a phase shows -----------------------------------------------------------------------
def node_values(trace: StepTrace, phase: Phase, sample: int | None) -> tuple[list[np.ndarray], list[bool], str]:
    """Return (per-column values, per-column 'reached' flags, quantity name 'a' or 'δ') for a phase.

    Values are for one sample of the batch, or the batch mean when sample is None.
    """
    L = len(trace.layers)
    backward = phase.kind in ("backward", "update")
    cols, reached = [sample_or_mean(trace.x, sample)], [True]
    for l, lt in enumerate(trace.layers, start=1):
        cols.append(sample_or_mean(lt.delta if backward else lt.a, sample))
        if phase.kind == "forward":
            reached.append(l <= phase.layer)
        elif phase.kind == "backward":
            reached.append(l >= phase.layer)
        else:
            reached.append(True)
    if backward:
        reached[0] = False  # inputs have no δ
    return cols, reached[: L + 1], "δ" if backward else "a"


def edge_quantity_for(phase: Phase, quantity: str) -> str:
    """Return the trace field the edges show in a phase: "auto" → W / grad_W / W_after; W in the update → W_after."""
    if quantity == "auto":
        return {"backward": "grad_W", "update": "W_after"}.get(phase.kind, "W")
    if quantity == "W" and phase.kind == "update":
        return "W_after"
    return quantity


def edge_matrices(trace: StepTrace, quantity: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return [(matrix (n_out, n_in), bias vector (n_out,))] per layer for W, grad_W, update_W or W_after."""
    if quantity == "W_after":
        return [(lt.W_after, lt.b_after) for lt in trace.layers]
    if quantity not in _BIAS_OF:
        raise ValueError(f"edge quantity must be one of {', '.join(EDGE_QUANTITIES)}")
    return [(getattr(lt, quantity), getattr(lt, _BIAS_OF[quantity])) for lt in trace.layers]


def edges_reached(phase: Phase, n_layers: int) -> list[bool]:
    """Return, for layers 1..L, whether that layer's edges are known in this phase (index 0 = layer 1)."""
    if phase.kind == "forward":
        return [l <= phase.layer for l in range(1, n_layers + 1)]
    if phase.kind == "backward":
        return [l >= phase.layer for l in range(1, n_layers + 1)]
    return [True] * n_layers


# ---- geometry --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geometry:
    """Where everything goes, in pixels of a width × height figure (y grows upwards)."""

    width: int
    height: int
    xs: tuple[float, ...]                 #: x of each column 0..L
    rows: tuple[np.ndarray, ...]          #: per column, the neuron indices drawn
    ys: tuple[np.ndarray, ...]            #: per column, the y of each drawn neuron
    more: tuple[tuple[float, int] | None, ...]  #: per column, (y, k) of its "⋮ k more" marker
    node: float                           #: circle diameter
    node_font: int                        #: font of the numbers on nodes; 0 = no numbers
    font: int                             #: legends and side labels
    titles: tuple[str, ...]
    title_font: int                       #: the column titles' font (smaller than `font` when columns are tight)
    title_y: float
    bias_y: float
    bias_size: float
    strip: tuple[float, float]            #: (bottom, top) of the per-layer strip; (0, 0) = none
    legend_y: float
    dx: float                             #: distance between columns

    def position(self, layer: int, j: int) -> tuple[float, float] | None:
        """Return the (x, y) of neuron j of a column, or None when it is not drawn."""
        hit = np.flatnonzero(self.rows[layer] == j)
        return (self.xs[layer], float(self.ys[layer][hit[0]])) if hit.size else None


def geometry(sizes: Sequence[int], style: Style, width: int, height: int, *,
             left_text: float = 0.0, right_text: float = 0.0, strip: bool = True,
             colourbar_w: float = 0.0) -> Geometry:
    """Return the Geometry of a net with layer widths `sizes` (input first) in a width × height figure.

    `left_text`/`right_text` the widest label
    drawn left of the inputs / right of the outputs (names, targets), and `colourbar_w` the colour bar's
    width at the right edge, all in pixels.
    """
    L = len(sizes) - 1
    font = style.font
    legend_h = 1.4 * font
    title_h = 1.4 * font
    strip_h = 2.7 * font if strip else 0.0
    d = float(style.node)
    for _ in range(2):  # the node size fixes the margins, the margins fix the node size: twice is enough
        left = 8 + max(left_text + 10, 0) + d / 2
        right = width - 8 - colourbar_w - (right_text + 10 if right_text else 0) - d / 2
        dx = (right - left) / max(L, 1)
        d = min(d, 0.5 * dx)
        bias = min(max(0.55 * d, 16.0), 30.0)
        top = height - legend_h - bias - 12 - d / 2
        bottom = strip_h + title_h + d / 2 + 2
        slots = max(1, min(MAX_ROWS, int((top - bottom) / (MIN_NODE / 0.8)) + 1))
        counts = [n if n <= slots else slots for n in sizes]
        most = max(counts)
        dy = (top - bottom) / (most - 1) if most > 1 else 0.0
        if most > 1:
            d = min(d, 0.8 * dy)
    d = max(d, float(min(MIN_NODE, style.node)))
    rows, ys, more = [], [], []
    middle = (top + bottom) / 2
    for n, k in zip(sizes, counts):
        # a column of few neurons spreads out (its labels need the room), never past the drawing's height
        spacing = min((top - bottom) / (k - 1), max(dy, 1.6 * d, 1.5 * font)) if k > 1 else 0.0
        y = middle + (k - 1) / 2 * spacing - np.arange(k) * spacing
        if n <= k:
            rows.append(np.arange(n))
            ys.append(y)
            more.append(None)
            continue
        first = k // 2
        last = k - 1 - first
        rows.append(np.r_[np.arange(first), np.arange(n - last, n)])
        ys.append(np.r_[y[:first], y[first + 1:]])
        more.append((float(y[first]), n - first - last))
    # one font for every number: as large as fits five characters; each number is printed in the most precise
    # of 3, 2 or 1 significant digits that fits
    node_font = int(min(style.node_font_max, 0.9 * d / (0.62 * 5)))
    if node_font < style.node_font:
        node_font = 0
    titles, title_font = column_titles(L, font, dx)
    return Geometry(width, height, tuple(left + c * dx for c in range(L + 1)), tuple(rows), tuple(ys), tuple(more),
                    d, node_font, font, titles, title_font, strip_h + title_h / 2,
                    height - legend_h - bias / 2 - 4, bias, (4.0, strip_h - 4.0) if strip else (0.0, 0.0),
                    height - legend_h / 2, dx)


def column_titles(n_layers: int, font: int, dx: float) -> tuple[tuple[str, ...], int]:
    """Return (column titles, their font): the long names when they fit between columns dx apart, else the short
    ones ("in", "h1"…, "out") at `font`, or shrunk until they fit (at least MIN_TITLE_FONT)."""
    long = tuple(layer_name(c, n_layers, long=True) for c in range(n_layers + 1))
    short = tuple(layer_name(c, n_layers) for c in range(n_layers + 1))
    room = 0.95 * dx
    if max(text_width(t, font, bold=True) for t in long) <= room:
        return long, font
    widest = max(text_width(t, 1, bold=True) for t in short)
    return short, max(MIN_TITLE_FONT, min(font, int(room / widest)))


def node_positions(sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) arrays in column units, one entry per neuron column by column; columns centred."""
    xs, ys = [], []
    for col, n in enumerate(sizes):
        xs.append(np.full(n, float(col)))
        ys.append((n - 1) / 2.0 - np.arange(n, dtype=np.float64))
    return np.concatenate(xs), np.concatenate(ys)


# ---- traces ------------------------------------------------------------------------------------------------
def _segments(x0, y0, x1, y1) -> tuple[np.ndarray, np.ndarray]:
    n = len(x0)
    xs = np.full(3 * n, np.nan)
    ys = np.full(3 * n, np.nan)
    xs[0::3], xs[1::3] = x0, x1
    ys[0::3], ys[1::3] = y0, y1
    return xs, ys


def dropped_neurons(trace: StepTrace, sample: int | None) -> set[tuple[int, int]]:
    """Return {(layer, j)} of the neurons dropout dropped for `sample` in this step (none for the batch mean, whose
    masks differ from sample to sample)."""
    if sample is None:
        return set()
    s = min(sample, trace.x.shape[0] - 1)
    return {(l, int(j)) for l, lt in enumerate(trace.layers, start=1) if lt.mask is not None
            for j in np.flatnonzero(lt.mask[s] == 0)}


def _edge_table(geo: Geometry, matrices: list[tuple[np.ndarray, np.ndarray]], reached: list[bool],
                dropped: set[tuple[int, int]] = frozenset()) -> dict:
    """Every drawn edge (bias edges included) as flat arrays: endpoints, value, ids, whether it is known (an edge
    into or out of a dropped neuron counts as not: it is drawn faded)."""
    parts = {k: [] for k in ("x0", "y0", "x1", "y1", "v", "layer", "j", "k", "active")}
    for l, (M, bvec) in enumerate(matrices, start=1):
        to, frm = geo.rows[l], geo.rows[l - 1]
        jj, kk = np.repeat(to, len(frm)), np.tile(frm, len(to))
        y_to, y_from = np.repeat(geo.ys[l], len(frm)), np.tile(geo.ys[l - 1], len(to))
        bias_x = geo.xs[l - 1] + 0.42 * geo.dx
        parts["x0"] += [np.full(jj.size, geo.xs[l - 1]), np.full(to.size, bias_x)]
        parts["y0"] += [y_from, np.full(to.size, geo.bias_y)]
        parts["x1"] += [np.full(jj.size + to.size, geo.xs[l])]
        parts["y1"] += [y_to, geo.ys[l]]
        parts["v"] += [M[jj, kk], bvec[to]]
        parts["layer"] += [np.full(jj.size + to.size, l)]
        parts["j"] += [jj, to]
        parts["k"] += [kk, np.full(to.size, -1)]
        into = [j for c, j in dropped if c == l]
        cut = np.isin(jj, into) | np.isin(kk, [k for c, k in dropped if c == l - 1])
        parts["active"] += [reached[l - 1] & ~np.r_[cut, np.isin(to, into)]]
    return {k: np.concatenate(v) for k, v in parts.items()}


def _width_bins(v: np.ndarray, scale: ColourScale) -> np.ndarray:
    mag = np.abs(scale.position(v))
    return np.minimum((mag * WIDTH_BINS).astype(int), WIDTH_BINS - 1)


def _edge_traces(edges: dict, scale: ColourScale, style: Style) -> list[go.Scatter]:
    """Group edges by (known, sign, width bin) into 4·WIDTH_BINS line traces joined with NaN separators."""
    v = edges["v"]
    width_bin = _width_bins(v, scale)
    traces = []
    for active in (False, True):
        for positive in (True, False):
            for b in range(WIDTH_BINS):
                sel = (edges["active"] == active) & ((v >= 0) == positive) & (width_bin == b)
                xs, ys = _segments(edges["x0"][sel], edges["y0"][sel], edges["x1"][sel], edges["y1"][sel])
                colour = (POSITIVE if positive else NEGATIVE) if active else GREY
                traces.append(vo.Scatter(
                    x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                    line={"color": colour, "width": style.line * (0.35 + 1.65 * (b + 1) / WIDTH_BINS)},
                    opacity=0.85 if active else 0.4))
    return traces


def edge_hover(trace: StepTrace, layer: int, j: int, k: int) -> str:
    """Return the hover text of edge (layer, j ← k): W, ∂L/∂W, ΔW and W after (k = −1: the bias)."""
    lt = trace.layers[layer - 1]
    L = len(trace.layers)
    if k < 0:
        w, g, u = lt.b[j], lt.grad_b[j], lt.update_b[j]
        name = f"bias b<sup>({layer})</sup><sub>{j + 1}</sub> of {layer_name(layer, L)}"
    else:
        w, g, u = lt.W[j, k], lt.grad_W[j, k], lt.update_W[j, k]
        name = f"w<sup>({layer})</sup><sub>{j + 1},{k + 1}</sub> ({layer_name(layer - 1, L)} → {layer_name(layer, L)})"
    return (f"<b>{name}</b><br>W = {fmt(w)}<br>∂L/∂W = {fmt(g, 5)}<br>ΔW = {fmt(u, 5)}"
            f"<br>W after = {fmt(w + u)}")


def _node_hover(trace: StepTrace, layer: int, j: int, sample: int | None) -> str:
    who = "batch mean" if sample is None else f"sample {sample + 1}"
    L = len(trace.layers)
    if layer == 0:
        return f"<b>input x{j + 1}</b> ({who})<br>x = {fmt(sample_or_mean(trace.x, sample)[j])}"
    lt = trace.layers[layer - 1]
    z, a, d = (sample_or_mean(arr, sample)[j] for arr in (lt.z, lt.a, lt.delta))
    lines = [f"<b>{layer_name(layer, L)}, neuron {j + 1}</b> ({who})", f"z = {fmt(z)}"]
    if lt.bn is not None:
        x_hat, y = (sample_or_mean(arr, sample)[j] for arr in (lt.bn.x_hat, lt.bn.y))
        lines += [f"batch norm: x̂ = {fmt(x_hat)}, y = γx̂ + β = {fmt(y)}"]
    lines += [f"a = {fmt(a)}"]
    if lt.mask is not None:
        kept = sample_or_mean(lt.mask, sample)[j]
        lines += [f"dropout: {'kept, passes a/(1 − p) = ' + fmt(a / (1 - lt.dropout)) if kept else 'dropped, passes 0'}"
                  if sample is not None else f"dropout: kept in {kept:.0%} of the batch"]
    if lt.bn is not None:
        lines += [f"δ at y = {fmt(sample_or_mean(lt.bn.delta_y, sample)[j], 5)}"]
    return "<br>".join([*lines, f"δ{' at z' if lt.bn is not None else ''} = {fmt(d, 5)}"])


def node_label(value: float, geo: Geometry) -> str:
    """Return the number to print on a node: 3 significant digits if they fit, else 2, else 1, else nothing."""
    if not geo.node_font:
        return ""
    for text in (fmt_short(value), compact(value), compact(value, 1)):
        if text_width(text, geo.node_font) * 0.62 / 0.64 <= 0.9 * geo.node:
            return text
    return ""


def _text_colour(position: np.ndarray) -> np.ndarray:
    # white text on the dark ends of the scale, black in the light middle
    return np.where(np.abs(position) > 0.55, "#ffffff", "#111111")


@dataclass(frozen=True)
class NodeScales:
    """The two node colour scales of one iteration (a for forward phases, δ for backward), fixed over its phases."""

    a: ColourScale
    delta: ColourScale


def node_scales(trace: StepTrace, sample: int | None, choice: str = "auto") -> NodeScales:
    """Return the a and δ colour scales of an iteration: over every layer, so a phase change keeps colours.

    `choice` ("auto" | "linear" | "log") applies to δ; a is always linear (activations span few decades).
    """
    a_values = np.concatenate([sample_or_mean(trace.x, sample)] + [sample_or_mean(lt.a, sample) for lt in trace.layers])
    d_values = np.concatenate([sample_or_mean(lt.delta, sample) for lt in trace.layers])
    return NodeScales(choose_scale(a_values, "linear"), choose_scale(d_values, choice))


def edge_scale(trace: StepTrace, field: str, choice: str = "auto") -> ColourScale:
    """Return the width scale of an edge quantity over every layer of the iteration (log when it spans decades)."""
    values = np.concatenate([np.r_[M.ravel(), b] for M, b in edge_matrices(trace, field)])
    return choose_scale(values, "linear" if field in ("W", "W_after") else choice)


def _strip_traces(geo: Geometry, values: np.ndarray, qname: str, style: Style) -> tuple[list[go.Scatter], list]:
    """Return (bar traces, annotations) of the per-layer strip: mean |q| of layers 1..L on a log axis.

    NaN values (layers the phase has not reached) get no bar; a value is written above its bar when it fits.
    """
    bottom, top = geo.strip
    known = np.isfinite(values) & (values > 0)
    if top <= bottom or not known.any():
        return [], []
    positive = values[known]
    hi = math.ceil(math.log10(positive.max()) + 1e-9)
    lo = min(math.floor(math.log10(positive.min())), hi - 1)
    small = max(geo.font - 3, 10)
    height = top - bottom - 1.2 * small  # room for the value above the bar
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((np.log10(values) - lo) / (hi - lo), 0.03, 1.0)
    xs = np.array(geo.xs[1:])[known]
    tops = bottom + frac[known] * height
    bar_w = min(0.45 * geo.dx, 4 * geo.font)
    bx, by = _segments(xs, np.full(xs.size, bottom), xs, tops)
    out = [vo.Scatter(x=bx, y=by, mode="lines", hoverinfo="skip", showlegend=False,
                      line={"color": "#5b6b84", "width": bar_w})]
    labels = [compact(v) for v in positive]
    if max(text_width(t, small) for t in labels) <= 0.92 * geo.dx:
        out.append(vo.Scatter(x=xs, y=tops + small * 0.75, mode="text", hoverinfo="skip", text=labels,
                              textfont={"size": small, "color": "#222"}, showlegend=False))
    room = geo.xs[1] - 0.5 * bar_w - 6
    words = next((w for w in (f"mean |{qname}| per layer (log)", f"mean |{qname}|<br>(log)", f"|{qname}|<br>(log)",
                              f"|{qname}|")
                  if max(text_width(part, small) for part in w.split("<br>")) <= room), "")
    note = {"x": 2, "y": (bottom + top) / 2, "xanchor": "left", "text": words, "showarrow": False,
            "font": {"size": small, "color": "#444"}, "xref": "x", "yref": "y"}
    return out, [note] if words else []


def network_figure(trace: StepTrace, style: Style, *, phase: Phase | None = None, edge_quantity: str = "auto",
                   sample: int | None = 0, width: int = 760, height: int = 520, net: Net | None = None,
                   scale: str = "auto", selection: Selection | None = None,
                   input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
                   pictures: dict[tuple[int, int], str] | None = None, strip: bool = True) -> go.Figure:
    """Return the network graph of one step as a width × height go.Figure.

    Traces: 4·WIDTH_BINS edge groups, the node marker trace (index NODE_TRACE, customdata [NODE, layer, j, -1]),
    the grey overlay of unreached nodes (GREY_TRACE), the invisible edge-midpoint markers (MID_TRACE,
    customdata [EDGE, layer, j, k]) that carry the clicks, then bias squares, markers, strip and highlight.
    `net` lets the loss phase name the loss; `pictures` maps (layer, j) to an image drawn in that node.
    """
    L = len(trace.layers)
    phase = phase or Phase("update", L, L)
    sizes = [trace.x.shape[1], *(lt.W.shape[0] for lt in trace.layers)]
    cols, reached, qname = node_values(trace, phase, sample)
    scales = node_scales(trace, sample, scale)
    node_scale = scales.delta if qname == "δ" else scales.a
    if phase.kind == "update":
        reached = [False] * (L + 1)  # the update is about the edges: the neurons step back
    targets = sample_or_mean(trace.y, sample) if phase.kind == "loss" else None
    # a dataset's names are the user's text: measured as shown, drawn as text (never Plotly markup)
    input_names = [plain(n) for n in input_names or ()]
    output_names = [plain(n) for n in output_names or ()]
    left = max((text_width(n, style.font) for n in input_names), default=0.0)
    right_words = list(output_names)
    if targets is not None:
        right_words += [f"t = {fmt_short(t)}" for t in targets]
    right = max((text_width(n, style.font) for n in right_words), default=0.0)
    bar_title = qname + (", log" if node_scale.kind == "log" else "")
    bar_w = 0.0 if phase.kind == "update" else \
        max(text_width(bar_title, style.font), 22 + node_scale.tick_width(style.font - 2)) + 10
    geo = geometry(sizes, style, width, height, left_text=left, right_text=right, strip=strip,
                   colourbar_w=bar_w)

    field = edge_quantity_for(phase, edge_quantity)
    e_scale = edge_scale(trace, field, scale)
    dropped = dropped_neurons(trace, sample)
    edges = _edge_table(geo, edge_matrices(trace, field), edges_reached(phase, L), dropped)
    traces = _edge_traces(edges, e_scale, style)

    drawn = [(c, int(j), geo.xs[c], float(y)) for c in range(L + 1) for j, y in zip(geo.rows[c], geo.ys[c])]
    col_of = np.array([c for c, *_ in drawn])
    j_of = np.array([j for _, j, *_ in drawn])
    x = np.array([p[2] for p in drawn])
    y = np.array([p[3] for p in drawn])
    values = np.array([cols[c][j] for c, j in zip(col_of, j_of)])
    active = np.array([reached[c] for c in col_of])
    position = np.where(active, node_scale.position(values), 0.0)
    texts = np.array([node_label(v, geo) if active[i] and (c, j) not in (pictures or {}) and (c, j) not in dropped
                      else "" for i, (v, c, j) in enumerate(zip(values, col_of, j_of))], dtype=object)
    ticks, tick_text = node_scale.ticks()
    fill = np.where([(c, j) in (pictures or {}) for c, j in zip(col_of, j_of)], np.nan, position)
    traces.append(vo.Scatter(
        x=x, y=y, mode="markers+text", text=texts, textposition="middle center",
        textfont={"size": geo.node_font or style.font, "color": _text_colour(position), "weight": "bold"},
        marker={"size": geo.node, "color": fill, "colorscale": DIVERGING, "cmin": -1.0, "cmax": 1.0,
                "line": {"width": 2 if geo.node > 24 else 1, "color": "#333"},
                "showscale": phase.kind != "update",
                "colorbar": {"title": {"text": bar_title, "font": {"size": style.font}}, "thickness": 16,
                             "tickvals": ticks, "ticktext": tick_text, "tickfont": {"size": style.font - 2},
                             "len": 0.62, "x": 1.0, "xanchor": "right", "y": 0.55, "outlinewidth": 0}},
        customdata=np.c_[np.full(len(x), NODE), col_of, j_of, np.full(len(x), -1)],
        hovertext=[_node_hover(trace, int(c), int(j), sample) for c, j in zip(col_of, j_of)],
        hoverinfo="text", showlegend=False, name="neurons",
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}))
    grey = ~active & ~np.isin(np.arange(len(x)), [i for i, (c, j) in enumerate(zip(col_of, j_of))
                                                 if (c, j) in (pictures or {})])
    traces.append(vo.Scatter(x=x[grey], y=y[grey], mode="markers", hoverinfo="skip", showlegend=False,
                             marker={"size": geo.node, "color": "#eeeeee", "line": {"width": 1.5, "color": "#999"}}))
    mx, my = (edges["x0"] + edges["x1"]) / 2, (edges["y0"] + edges["y1"]) / 2
    traces.append(vo.Scatter(
        x=mx, y=my, mode="markers", marker={"size": max(10, min(18, geo.node * 0.5)), "color": "rgba(0,0,0,0)"},
        customdata=np.c_[np.full(len(mx), EDGE), edges["layer"], edges["j"], edges["k"]],
        hovertext=[edge_hover(trace, int(l), int(j), int(k)) for l, j, k in
                   zip(edges["layer"], edges["j"], edges["k"])],
        hoverinfo="text", showlegend=False, name="edges",
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}))
    traces.append(_bias_nodes(geo, style))
    # a neuron is crossed out once the phase has reached its layer (and at the update, which looks back at it all)
    traces += _dropped_markers(geo, {(c, j) for c, j in dropped if phase.kind == "update" or reached[c]})
    bn = [False, *(lt.bn is not None for lt in trace.layers)]
    notes = _column_titles(geo, phase, bn) + _side_names(geo, input_names, output_names, targets, style)
    traces += _more_markers(geo, style)
    strip_values = np.where(reached[1:], mean_abs([lt.delta if qname == "δ" else lt.a for lt in trace.layers]),
                            np.nan) if phase.kind != "update" else np.array(mean_abs([lt.delta for lt in trace.layers]))
    strip_traces, strip_notes = _strip_traces(geo, strip_values, "δ" if phase.kind == "update" else qname, style) \
        if strip else ([], [])
    traces += strip_traces
    notes += [*strip_notes, _legend(trace, phase, field, e_scale, net, sample, geo, style)]
    if selection is not None:
        traces += _highlight(geo, selection)
    layout = base_layout(
        style, height=height, width=width, annotations=notes,
        xaxis={"visible": False, "range": [0, width], "fixedrange": True},
        yaxis={"visible": False, "range": [0, height], "fixedrange": True},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, clickmode="event+select", dragmode=False,
        **({"images": _pictures(geo, pictures)} if pictures else {}))
    return vo.Figure(traces, layout=layout)


def _bias_nodes(geo: Geometry, style: Style) -> go.Scatter:
    n = len(geo.xs) - 1
    return vo.Scatter(
        x=np.array(geo.xs[:-1]) + 0.42 * geo.dx, y=np.full(n, geo.bias_y), mode="markers+text", text=["+1"] * n,
        textfont={"size": max(10, min(style.font - 2, int(geo.bias_size * 0.55)))}, textposition="middle center",
        hoverinfo="skip", marker={"size": geo.bias_size, "symbol": "square", "color": "#ffffff",
                                  "line": {"width": 1.5, "color": "#777"}},
        showlegend=False, name="bias")


def _more_markers(geo: Geometry, style: Style) -> list[go.Scatter]:
    xs = [geo.xs[c] for c, m in enumerate(geo.more) if m]
    if not xs:
        return []
    ys = [m[0] for m in geo.more if m]
    text = [f"⋮ {m[1]} more" if text_width(f"⋮ {m[1]} more", style.font - 2) < 0.9 * geo.dx else f"+{m[1]}"
            for m in geo.more if m]
    return [vo.Scatter(x=np.array(xs), y=np.array(ys), mode="text", text=text, hoverinfo="skip", showlegend=False,
                       textfont={"size": style.font - 2, "color": "#333"})]


def _dropped_markers(geo: Geometry, dropped: set[tuple[int, int]]) -> list[go.Scatter]:
    """Return a hollow, crossed-out circle over each drawn neuron dropout dropped (clicks go to the node below)."""
    at = [p for c, j in sorted(dropped) if (p := geo.position(c, j)) is not None]
    if not at:
        return []
    xs, ys = (np.array(v) for v in zip(*at))
    return [vo.Scatter(x=xs, y=ys, mode="markers", hoverinfo="skip", showlegend=False, name="dropped",
                       marker={"size": geo.node, "symbol": "circle-x", "color": "#ffffff",
                               "line": {"width": 2, "color": "#888"}})]


def _column_titles(geo: Geometry, phase: Phase, bn: Sequence[bool] = ()) -> list[dict]:
    """Return the annotations naming each column (with "· BN" on a batch-normalised layer); the column the phase
    is at is underlined in bold."""
    L = len(geo.xs) - 1
    at = {"forward": phase.layer, "backward": phase.layer, "loss": L}.get(phase.kind, -1)
    notes = []
    for c, (x, t) in enumerate(zip(geo.xs, geo.titles)):
        font = geo.title_font
        if c < len(bn) and bn[c]:   # the longest "· BN" title that fits; else the short one, smaller if need be
            short = layer_name(c, L)
            fits = [v for v in (f"{t} · BN", f"{short} · BN") if text_width(v, font, bold=True) <= 0.95 * geo.dx]
            t = fits[0] if fits else f"{short}·BN"
            font = min(font, int(0.95 * geo.dx / text_width(t, 1, bold=True)))
        notes.append({"x": x, "y": geo.title_y, "text": f"<b><u>{t}</u></b>" if c == at else f"<b>{t}</b>",
                      "showarrow": False, "font": {"size": font}, "xref": "x", "yref": "y"})
    return notes


def _side_names(geo: Geometry, input_names, output_names, targets, style: Style) -> list[dict]:
    """Return annotations left of the inputs (feature names) and right of the outputs (names, loss targets)."""
    notes = []
    L = len(geo.xs) - 1
    offset = geo.node / 2 + 6
    for j, yy in zip(geo.rows[0], geo.ys[0]):
        if input_names and j < len(input_names):
            notes.append({"x": geo.xs[0] - offset, "y": float(yy), "text": plotly_text(input_names[j]),
                          "xanchor": "right"})
    for j, yy in zip(geo.rows[L], geo.ys[L]):
        words = []
        if output_names and j < len(output_names):
            words.append(plotly_text(output_names[j]))
        if targets is not None:
            words.append(f"<b>t = {fmt_short(targets[j])}</b>")
        if words:
            notes.append({"x": geo.xs[L] + offset, "y": float(yy), "text": " ".join(words), "xanchor": "left"})
    for note in notes:
        note.update(showarrow=False, font={"size": style.font}, xref="x", yref="y")
    return notes


def _legend(trace: StepTrace, phase: Phase, field: str, scale: ColourScale, net: Net | None,
            sample: int | None, geo: Geometry, style: Style) -> dict:
    """Return the line above the graph: what the edges show (colour, width) or, in the loss phase, the loss."""
    if phase.kind == "loss":
        who = f"sample {sample + 1}" if sample is not None else f"mean over the batch of {trace.x.shape[0]}"
        if net is not None and sample is not None:
            lt = trace.layers[-1]
            s = min(sample, trace.x.shape[0] - 1)
            value = float(net.loss.per_sample(lt.z[s:s + 1], lt.a[s:s + 1], trace.y[s:s + 1])[0])
        else:
            value = trace.loss
        name = net.loss.label if net is not None else "loss"
        short = "batch mean" if sample is None else f"sample {sample + 1}"
        variants = (f"<b>{name}</b>: ℓ = {fmt(value)} ({who}) — outputs a against targets t",
                    f"<b>{name}</b>: ℓ = {fmt(value)} ({short})", f"<b>ℓ = {fmt(value)}</b> ({short})")
        text = next((v for v in variants if text_width(_plain(v), style.font - 2) <= geo.width - 12), variants[-1])
    else:
        how = "log |value|" if scale.kind == "log" else "|value|"
        plus = f"<span style='color:{POSITIVE}'><b>orange +</b></span>"
        minus = f"<span style='color:{NEGATIVE}'><b>blue −</b></span>"
        variants = (f"edges: <b>{_EDGE_WORDS[field]}</b> — {plus}, {minus}; width ∝ {how}, largest "
                    f"{compact(scale.m)}",
                    f"<b>{_EDGE_WORDS[field]}</b>: {plus} {minus}, width ∝ {how} (max {compact(scale.m)})",
                    f"<b>{EDGE_QUANTITIES.get(field, 'W')}</b>: {plus} {minus}")
        text = next((v for v in variants if text_width(_plain(v), style.font - 2) <= geo.width - 12), variants[-1])
    return {"x": 6, "y": geo.legend_y, "xanchor": "left", "text": text, "showarrow": False,
            "font": {"size": style.font - 2}, "xref": "x", "yref": "y"}


def _plain(html: str) -> str:
    """Return the visible characters of a short Plotly HTML text (tags dropped)."""
    out, inside = [], False
    for ch in html:
        if ch in "<>":
            inside = ch == "<"
        elif not inside:
            out.append(ch)
    return "".join(out)


def _highlight(geo: Geometry, sel: Selection) -> list[go.Scatter]:
    """Return a ring around the clicked neuron or a glow along the clicked edge (nothing if it is not drawn)."""
    if sel.kind == "node" and 0 <= sel.layer < len(geo.xs):
        at = geo.position(sel.layer, sel.j)
        if at is None:
            return []
        return [vo.Scatter(x=np.array([at[0]]), y=np.array([at[1]]), mode="markers", hoverinfo="skip",
                           showlegend=False, marker={"size": geo.node + 12, "color": "rgba(0,0,0,0)",
                                                     "line": {"width": 4, "color": HIGHLIGHT}})]
    if sel.kind == "edge" and 1 <= sel.layer < len(geo.xs):
        end = geo.position(sel.layer, sel.j)
        start = (geo.xs[sel.layer - 1] + 0.42 * geo.dx, geo.bias_y) if sel.k < 0 else \
            geo.position(sel.layer - 1, sel.k)
        if end is None or start is None:
            return []
        return [vo.Scatter(x=np.array([start[0], end[0]]), y=np.array([start[1], end[1]]), mode="lines",
                           hoverinfo="skip", showlegend=False, opacity=0.75,
                           line={"width": 10, "color": HIGHLIGHT})]
    return []


def _pictures(geo: Geometry, pictures: dict[tuple[int, int], str]) -> list[dict]:
    out = []
    for (c, j), source in pictures.items():
        at = geo.position(c, j)
        if at is None:
            continue
        s = geo.node * 0.92
        out.append({"source": source, "xref": "x", "yref": "y", "x": at[0] - s / 2, "y": at[1] + s / 2,
                    "sizex": s, "sizey": s, "sizing": "stretch", "layer": "above", "xanchor": "left",
                    "yanchor": "top"})
    return out


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
