"""Loss curves over iterations, with epoch boundaries."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

import viz.objs as vo
from engine.history import History
from viz.theme import SERIES, Style, base_layout

MAX_EPOCH_LINES = 40
#: a long session's curve is thinned to about this many points per series: a plot a few hundred pixels wide
#: shows no more, and every Step would otherwise send (and redraw) the whole history
MAX_CURVE_POINTS = 2000


def epoch_starts(history: History) -> np.ndarray:
    """Return the iterations (1-based) at which a new epoch began, after the first, shape (E−1,)."""
    epoch = history.column("epoch")
    it = history.column("iteration")
    return it[1:][np.diff(epoch) > 0]


def envelope_indices(y: np.ndarray, max_points: int) -> np.ndarray:
    """Return sorted indices (≤ max_points + 2) of y that keep its shape: the first and last point and, in each
    of about max_points / 2 equal buckets, the lowest and the highest finite value (spikes stay visible).

    All indices when y is short enough.
    """
    n = y.shape[0]
    if n <= max_points:
        return np.arange(n)
    size = -(-n // (max_points // 2))  # points per bucket, rounded up
    rows = -(-n // size)
    padded = np.full(rows * size, np.nan)
    padded[:n] = y
    padded = padded.reshape(rows, size)
    # a bucket with no finite value keeps its first point, so the gap is still drawn as a gap
    lowest = np.where(np.isfinite(padded), padded, np.inf).argmin(axis=1)
    highest = np.where(np.isfinite(padded), padded, -np.inf).argmax(axis=1)
    start = np.arange(rows) * size
    keep = np.concatenate([[0, n - 1], start + lowest, start + highest])
    return np.unique(keep[keep < n])


def loss_figure(history: History, style: Style, log_y: bool = False, height: int = 380,
                current: int | None = None, width: int | None = None, compact: bool = False) -> go.Figure:
    """Return train, test and batch loss per iteration; dotted lines mark epoch starts (when few enough).

    `current`: the iteration being viewed — a line marks it and the iterations after it are greyed (kept).
    `compact`: small margins and the legend inside, for a narrow column.
    """
    it = history.column("iteration")
    traces = []
    series = (("loss", "batch loss (before update)", SERIES[2], "dot"), ("train_loss", "train loss", SERIES[0], None),
              ("test_loss", "test loss", SERIES[1], None))
    for col, name, colour, dash in series:
        if compact:
            name = name.split(" ")[0]
        y = history.column(col)
        if np.isfinite(y).any():
            keep = envelope_indices(y, MAX_CURVE_POINTS)
            line = {"color": colour, "width": style.line, **({"dash": dash} if dash else {})}
            traces.append(vo.Scatter(x=it[keep], y=np.where(np.isfinite(y[keep]), y[keep], np.nan),
                                     mode="lines" if len(keep) > 1 else "markers",  # one point: no line to draw
                                     name=name, line=line))
    starts = epoch_starts(history)
    shapes = []
    # full batch: every iteration is an epoch, so lines would only add noise
    if 0 < len(starts) <= MAX_EPOCH_LINES and len(starts) < len(it) - 1:
        shapes += [_vline(s - 0.5, {"width": 1, "dash": "dot", "color": "#888"}) for s in starts]
    if current is not None and len(it) and current < it[-1]:
        shapes.append(_vline(current, {"width": 2, "color": "#111"}))
        shapes.append({"type": "rect", "x0": current, "x1": float(it[-1]), "xref": "x", "y0": 0, "y1": 1,
                       "yref": "y domain", "fillcolor": "rgba(255,255,255,0.65)", "line": {"width": 0},
                       "layer": "above"})
    extra = {"width": width} if width else {}
    if compact:
        extra["margin"] = {"l": 50, "r": 10, "t": 28, "b": 40}
    layout = base_layout(style, height=height, xaxis={"title": {"text": "iteration"}},
                         yaxis={"title": {"text": "loss"}, "type": "log" if log_y else "linear"},
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                                 **({"font": {"size": style.font - 3}} if compact else {})},
                         **({"shapes": shapes} if shapes else {}), **extra)
    margin = layout["margin"]
    plot_height = height - margin["t"] - margin["b"] - 1.5 * style.font   # less the legend's line above the plot
    # tick labels at least 2.5 lines apart: a short presenter-mode chart keeps two or three readable ones
    layout["yaxis"]["nticks"] = max(3, int(plot_height / (2.5 * style.font)))
    return vo.Figure(traces, layout=layout)


def _vline(x: float, line: dict) -> dict:
    """Return a layout shape: a vertical line at x across the whole plot height."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}
