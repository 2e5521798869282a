"""The worked 2-2-2 example as the lecture notes write it: LaTeX blocks with the numbers substituted, the
labelled network, the update table and the keep-training figures. Every number comes from engine.worked.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

import viz.objs as vo
from engine.trace import StepTrace
from engine.worked import (
    EDGE_NAMES,
    HIDDEN_NAMES,
    INPUT_NAMES,
    OUTPUT_NAMES,
    ForwardNumbers,
    LayerChain,
    UpdateRow,
)
from viz.scales import text_width
from viz.theme import SERIES, Style, apply_layout, base_layout

DECIMALS = 9  # the lecture notes print 9 decimal places (0.082167041, 0.593269992)
D = r"\partial"


def num(x: float) -> str:
    """Return x as the notes print it: 9 decimals without trailing zeros; scientific (9 significant) when tiny."""
    x = float(x)
    if not math.isfinite(x):
        return "—"
    if x != 0 and (abs(x) < 1e-4 or abs(x) >= 1e7):
        return f"{x:.8e}"
    text = f"{x:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def tex(x: float, paren: bool = False) -> str:
    """Return x as LaTeX (a×10^k when tiny), in parentheses when negative and `paren` is asked for."""
    text = num(x)
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant}\times 10^{{{int(exp)}}}"
    return f"({text})" if paren and x < 0 else text


def _w(layer: int, j: int, k: int) -> str:
    return f"w_{{{EDGE_NAMES[(layer, j, k)][1:]}}}"


def _v(kind: str, node: str) -> str:
    return rf"\text{{{kind}}}_{{{node}}}"


def _frac(top: str, bottom: str) -> str:
    return rf"\frac{{{D} {top}}}{{{D} {bottom}}}"


def _bold(x: float) -> str:
    return rf"\mathbf{{{tex(x)}}}"


def _fd(numeric: float | None) -> str:
    if numeric is None:
        return ""
    return rf"\qquad\textcolor{{#666}}{{\text{{finite diff. }}{{{tex(numeric)}}}}}"


def _aligned(*rows: str) -> str:
    # a little space before a row that starts a new equation, none before a continuation ("&= …")
    body = rows[0] + "".join((r"\\[2pt]" if row.startswith("&") else r"\\[12pt]") + row for row in rows[1:])
    return r"\begin{aligned}" + body + r"\end{aligned}"


def forward_lines(fw: ForwardNumbers, trace: StepTrace) -> list[str]:
    """Return the forward pass as one LaTeX block per neuron: h1, h2, o1, o2 (net, then out)."""
    layers = ((["i_{1}", "i_{2}"], HIDDEN_NAMES, fw.inputs, fw.net_h, fw.out_h, "b_1"),
              ([_v("out", h) for h in HIDDEN_NAMES], OUTPUT_NAMES, fw.out_h, fw.net_o, fw.out_o, "b_2"))
    blocks = []
    for layer, (prev, names, prev_vals, nets, outs, bias) in enumerate(layers, start=1):
        lt = trace.layers[layer - 1]
        for j, node in enumerate(names):
            terms = " + ".join(rf"{_w(layer, j, k)}\,{p}" for k, p in enumerate(prev))
            values = " + ".join(rf"{tex(lt.W[j, k], True)}\cdot {tex(prev_vals[k], True)}" for k in range(len(prev)))
            # the symbols on one row and the numbers on the next: a long line would run out of its column
            blocks.append(_aligned(
                rf"{_v('net', node)} &= {terms} + {bias}",
                rf"&= {values} + {tex(lt.b[j], True)} = {_bold(nets[j])}",
                rf"{_v('out', node)} &= \sigma({_v('net', node)}) = \frac{{1}}{{1 + e^{{-{tex(nets[j], True)}}}}}"
                rf" = {_bold(outs[j])}"))
    return blocks


def error_lines(fw: ForwardNumbers) -> list[str]:
    """Return E_o1, E_o2 and E_total as LaTeX lines."""
    lines = [_aligned(rf"E_{{{o}}} &= \tfrac12\,(t_{{{o}}} - {_v('out', o)})^2",
                      rf"&= \tfrac12\,({tex(fw.targets[k])} - {tex(fw.out_o[k])})^2 = {_bold(fw.E_o[k])}")
             for k, o in enumerate(OUTPUT_NAMES)]
    lines.append(rf"E_{{\text{{total}}}} = E_{{o1}} + E_{{o2}} = {tex(fw.E_o[0])} + {tex(fw.E_o[1])}"
                 rf" = {_bold(fw.E_total)}")
    return lines


def _delta_block(chain: LayerChain, j: int, node: str, dE_dout_rows: list[str]) -> str:
    out, net = _v("out", node), _v("net", node)
    return _aligned(
        *dE_dout_rows,
        rf"{_frac(out, net)} &= {out}\,(1 - {out}) = {tex(chain.out[j])}\,(1 - {tex(chain.out[j])})"
        rf" = {_bold(chain.dout_dnet[j])}",
        rf"\delta_{{{node}}} = {_frac('E', net)} &= {_frac('E', out)}\cdot{_frac(out, net)} = "
        rf"{tex(chain.dE_dout[j])}\cdot {tex(chain.dout_dnet[j], True)} = {_bold(chain.delta[j])}")


def _weight_block(chain: LayerChain, layer: int, j: int, k: int, node: str, lr: float,
                  numeric: float | None) -> str:
    w = _w(layer, j, k)
    out, net = _v("out", node), _v("net", node)
    return _aligned(
        rf"{_frac('E', w)} &= {_frac('E', out)}\cdot{_frac(out, net)}\cdot{_frac(net, w)}",
        rf"&= {tex(chain.dE_dout[j])}\cdot {tex(chain.dout_dnet[j], True)}\cdot {tex(chain.dnet_dw[k], True)}"
        rf" = {_bold(chain.grad_W[j, k])}{_fd(numeric)}",
        rf"{w}^{{+}} &= {w} - \eta\,{_frac('E', w)} = {tex(chain.W[j, k])} - {tex(lr, True)}\cdot"
        rf"{tex(chain.grad_W[j, k], True)} = {_bold(chain.W_after[j, k])}")


def _numeric(numeric: list[tuple[np.ndarray, np.ndarray]] | None, layer: int, j: int, k: int) -> float | None:
    return None if numeric is None else float(numeric[layer - 1][0][j, k])


def output_layer_blocks(chain: LayerChain, targets: np.ndarray, lr: float,
                        numeric: list[tuple[np.ndarray, np.ndarray]] | None = None) -> list[list[str]]:
    """Return per output neuron [δ block, one block per incoming weight (w5, w6 | w7, w8)] as LaTeX."""
    groups = []
    for j, node in enumerate(OUTPUT_NAMES):
        out = _v("out", node)
        first = [rf"{_frac('E', out)} &= {out} - t_{{{node}}} = {tex(chain.out[j])} - {tex(targets[j], True)}"
                 rf" = {_bold(chain.dE_dout[j])}"]
        groups.append([_delta_block(chain, j, node, first)] + [
            _weight_block(chain, 2, j, k, node, lr, _numeric(numeric, 2, j, k)) for k in range(len(HIDDEN_NAMES))])
    return groups


def hidden_layer_blocks(chain: LayerChain, lr: float,
                        numeric: list[tuple[np.ndarray, np.ndarray]] | None = None) -> list[list[str]]:
    """Return per hidden neuron [path-sum and δ block, one block per incoming weight (w1, w2 | w3, w4)]."""
    groups = []
    for j, node in enumerate(HIDDEN_NAMES):
        out = _v("out", node)
        per_path = " + ".join(_frac(f"E_{{{o}}}", out) for o in OUTPUT_NAMES)
        symbols = " + ".join(rf"\delta_{{{o}}}\,{_w(2, m, j)}" for m, o in enumerate(OUTPUT_NAMES))
        values = " + ".join(rf"{tex(d)}\cdot {tex(w, True)}" if m == 0 else
                            rf"{tex(d, True)}\cdot {tex(w, True)}"
                            for m, (d, w) in enumerate(zip(chain.next_delta, chain.W_next[:, j])))
        paths = tex(chain.paths[0, j]) + "".join(
            (f" - {tex(-p)}" if p < 0 else f" + {tex(p)}") for p in chain.paths[1:, j])
        rows = [rf"{_frac('E', out)} &= {per_path} = {symbols}",
                rf"&= {values}",
                rf"&= {paths} = {_bold(chain.dE_dout[j])}"]
        groups.append([_delta_block(chain, j, node, rows)] + [
            _weight_block(chain, 1, j, k, node, lr, _numeric(numeric, 1, j, k)) for k in range(len(INPUT_NAMES))])
    return groups


def bias_lines(chains: tuple[LayerChain, LayerChain], trace: StepTrace, lr: float) -> list[str]:
    """Return ∂E/∂b = δ and b⁺ = b − η δ per neuron (hidden then output), for when the biases train."""
    lines = []
    for layer, (chain, names) in enumerate(zip(chains, (HIDDEN_NAMES, OUTPUT_NAMES)), start=1):
        lt = trace.layers[layer - 1]
        for j, node in enumerate(names):
            b = rf"b_{{{node}}}"
            lines.append(rf"{_frac('E', b)} = \delta_{{{node}}}\cdot 1 = {tex(chain.delta[j])},\quad "
                         rf"{b}^{{+}} = {tex(lt.b[j])} - {tex(lr, True)}\cdot{tex(chain.delta[j], True)}"
                         rf" = {_bold(lt.b_after[j])}")
    return lines


#: notation of the lecture notes next to the rest of the app's, for the one-line legend under the drawing
NOTATION = ("net = z (the weighted sum) · out = a = σ(net) · E = L, the loss ½Σ(t − out)² · "
            "∂E/∂net = δ · w⁺ = the weight after the update")


def _box_text(title: str, *lines: str) -> str:
    return "<br>".join([f"<b>{title}</b>", *lines])


def _needed_width(font: float) -> float:
    """Return the narrowest drawing (px) that holds three boxes, two gaps with their labels and the targets."""
    box = text_width("out 0.593270", font) + 14
    return 3 * box + 2 * (text_width("w8", font) + 48) + text_width("t = 0.99", font) + 20


def worked_network(trace: StepTrace, fw: ForwardNumbers, style: Style, width: int = 620,
                   height: int = 400) -> go.Figure:
    """Return the 2-2-2 network as the notes draw it, laid out in pixels so no two labels overlap.

    Each neuron is a box holding its name and its net / out values; w1…w8 sit on their edges near the source
    end (the crossing edges meet in the middle, the labels don't), the biases b1, b2 are boxes above each
    layer and the targets stand right of the outputs.
    """
    font = next((f for f in range(style.font, 10, -1) if _needed_width(f) <= width), 10)
    line_h = 1.3 * font
    bw = text_width("out 0.593270", font) + 14
    bh = 3 * line_h + 8
    left, right = 8 + bw / 2, width - 12 - bw / 2 - text_width("t = 0.99", font)  # the targets go right
    xs = [left, (left + right) / 2, right]
    top_y, bottom_y = height - 2.2 * line_h - 16 - bh / 2, bh / 2 + 6
    ys = [top_y, bottom_y]
    columns = [
        [(n, [f"= {num(v)}"]) for n, v in zip(INPUT_NAMES, fw.inputs)],
        [(n, [f"net {z:.6f}", f"out {a:.6f}"]) for n, z, a in zip(HIDDEN_NAMES, fw.net_h, fw.out_h)],
        [(n, [f"net {z:.6f}", f"out {a:.6f}"]) for n, z, a in zip(OUTPUT_NAMES, fw.net_o, fw.out_o)],
    ]
    shapes, notes, edge_x, edge_y = [], [], [], []
    for c, column in enumerate(columns):
        for r, (name, lines) in enumerate(column):
            h = bh if c else line_h * 2 + 8
            shapes.append({"type": "rect", "x0": xs[c] - bw / 2, "x1": xs[c] + bw / 2, "y0": ys[r] - h / 2,
                           "y1": ys[r] + h / 2, "xref": "x", "yref": "y", "line": {"color": "#333", "width": 2},
                           "fillcolor": "#fde9d9" if c else "#eef3fb", "layer": "below"})
            notes.append({"x": xs[c], "y": ys[r], "text": _box_text(name, *lines)})
    for (layer, j, k), name in EDGE_NAMES.items():
        x0, y0 = xs[layer - 1] + bw / 2, ys[k]
        x1, y1 = xs[layer] - bw / 2, ys[j]
        edge_x += [x0, x1, None]
        edge_y += [y0, y1, None]
        f = 0.5 if j == k else 0.2  # straight edges: the middle; crossing ones: near the source
        notes.append({"x": x0 + f * (x1 - x0), "y": y0 + f * (y1 - y0), "text": f"<b>{name}</b>",
                      "bgcolor": "rgba(255,255,255,0.9)"})
    for layer, lt in enumerate(trace.layers, start=1):
        bx, by = (xs[layer - 1] + xs[layer]) / 2, height - line_h - 8
        notes.append({"x": bx, "y": by, "text": f"<b>b{layer}</b> = {num(lt.b[0])} → both",
                      "bordercolor": "#777", "borderwidth": 1.5, "bgcolor": "#ffffff"})
    for k, target in enumerate(fw.targets):
        notes.append({"x": xs[2] + bw / 2 + 6, "y": ys[k], "text": f"t = {num(target)}", "xanchor": "left"})
    for note in notes:
        note.update(showarrow=False, xref="x", yref="y", font={"size": font, **note.pop("font", {})})
    edges = vo.Scatter(x=np.array(edge_x, dtype=float), y=np.array(edge_y, dtype=float), mode="lines",
                       hoverinfo="skip", showlegend=False, line={"color": "#c96a1b", "width": style.line})
    layout = base_layout(style, width=width, height=height, shapes=shapes, annotations=notes,
                         xaxis={"visible": False, "range": [0, width], "fixedrange": True},
                         yaxis={"visible": False, "range": [0, height], "fixedrange": True},
                         margin={"l": 0, "r": 0, "t": 0, "b": 0}, dragmode=False)
    return vo.Figure([edges], layout=layout)


def update_table(rows: list[UpdateRow], style: Style, numeric: bool = False) -> go.Figure:
    """Return a before / gradient / (finite difference) / after table as a go.Figure in large type."""
    header = ["parameter", "before", "∂E/∂w", *(["finite diff."] if numeric else []), "after  w − η ∂E/∂w"]
    cols = [[r.name for r in rows], [num(r.before) for r in rows], [num(r.grad) for r in rows],
            *([[num(r.numeric) for r in rows]] if numeric else []), [num(r.after) for r in rows]]
    size = style.font + 4
    fig = vo.Figure(vo.Table(
        header={"values": [f"<b>{h}</b>" for h in header], "font": {"size": size}, "height": 2 * size,
                "fill": {"color": "#e8eef7"}, "align": "left"},
        cells={"values": cols, "font": {"size": size, "family": "DejaVu Sans Mono, monospace"},
               "height": 2 * size, "align": ["left"] + ["right"] * (len(cols) - 1)}))
    apply_layout(fig, style, height=int(2 * size * (len(rows) + 1) + 30))
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig


def loss_curve_figure(iterations: np.ndarray, losses: np.ndarray, style: Style) -> go.Figure:
    """Return E_total against the iteration on a log y-axis."""
    fig = vo.Figure(vo.Scatter(x=iterations, y=losses, mode="lines", line={"width": style.line, "color": SERIES[0]},
                               name="E_total", hovertemplate="iteration %{x}<br>E = %{y:.9g}<extra></extra>"))
    apply_layout(fig, style, "Total error E (log scale)", height=380)
    fig.update_layout(xaxis_title_text="iteration", showlegend=False,
                      yaxis={"type": "log", "exponentformat": "power", "dtick": 1, "title": {"text": "E_total"}})
    return fig


def outputs_figure(iterations: np.ndarray, outputs: np.ndarray, targets: np.ndarray, style: Style) -> go.Figure:
    """Return out_o1, out_o2 against the iteration, each with its target as a dashed line."""
    fig = vo.Figure()
    for k, name in enumerate(OUTPUT_NAMES):
        colour = SERIES[k + 1]
        fig.add_trace(vo.Scatter(x=iterations, y=outputs[:, k], mode="lines", name=f"out_{name}",
                                 line={"width": style.line, "color": colour},
                                 hovertemplate=f"iteration %{{x}}<br>out_{name} = %{{y:.9g}}<extra></extra>"))
        fig.add_hline(y=float(targets[k]), line={"dash": "dash", "color": colour, "width": style.line / 2},
                      annotation_text=f"target {targets[k]:g}", annotation_font_size=style.font,
                      annotation_position="top right" if targets[k] < 0.5 else "bottom right")
    apply_layout(fig, style, "Outputs approaching their targets", height=380)
    fig.update_layout(xaxis_title_text="iteration", yaxis={"range": [-0.05, 1.05], "title": {"text": "output"}},
                      legend={"orientation": "h", "y": -0.25, "x": 0})
    return fig
