"""The data view: 2-D points over the model's prediction (decision boundary), or a 1-D regression curve."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

import viz.objs as vo
from engine.trainer import Trainer
from viz.text import plotly_text
from viz.theme import DIVERGING, SERIES, Style, base_layout

GRID = 80
CLASS_SCALES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
#: train + test points drawn at most: a Step's figure stays small (~0.1 MB) whatever the data's size
MAX_POINTS = 2000


def shown_points(n_train: int, n_test: int, batch_index: np.ndarray | None = None,
                 budget: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Return (train indices, test indices) of the points to draw: all when they fit in `budget`, else a fixed
    seeded sample of each set in proportion (the same points at every step) plus every point of the batch."""
    total = n_train + n_test
    if total <= budget:
        return np.arange(n_train), np.arange(n_test)
    rng = np.random.default_rng(0)
    k_train = round(budget * n_train / total)
    train = rng.choice(n_train, size=k_train, replace=False)
    test = rng.choice(n_test, size=budget - k_train, replace=False)
    if batch_index is not None and len(batch_index) < n_train:
        train = np.union1d(train, batch_index)
    return np.sort(train), np.sort(test)


def _sample_note(shown: int, total: int, mini_batch: bool, style: Style) -> dict:
    """Return the layout annotation (and the top margin it needs) saying how many points are drawn ({} when all)."""
    if shown >= total:
        return {}
    size = round(style.font * 0.75)
    text = f"{shown:,} of {total:,} points shown<br>(a fixed sample{' and the batch' if mini_batch else ''})"
    return {"annotations": [{"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": 1, "xanchor": "left",
                             "yanchor": "bottom", "align": "left", "showarrow": False,
                             "font": {"size": size, "color": "#555"}}],
            "margin": {"t": 20 + round(2.6 * size)}}


def prediction_grid(trainer: Trainer, n: int = GRID, params=None,
                    norms=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (xs (n,), ys (n,), Z (n, n)) over the data's box: Z[j, i] is the prediction at (xs[i], ys[j]).

    Binary: P(class 1); multiclass: the winning class index; regression: the first output. `params`, `norms`:
    other weights and batch norms of the trainer's net (a past iteration's, Trainer.state_at); default the current
    ones. Predictions are evaluations: every neuron, batch norm with the running statistics.
    """
    X = trainer.dataset.X
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.c_[gx.ravel(), gy.ravel()]
    if X.shape[1] > 2:
        # other features held at their mean: the view is a slice through feature space
        grid = np.c_[grid, np.tile(X[:, 2:].mean(axis=0), (grid.shape[0], 1))]
    out = trainer.predict(grid, params, norms)
    if trainer.dataset.task == "multiclass":
        z = out.argmax(axis=1).astype(np.float64)
    else:
        z = out[:, 0]
    return xs, ys, z.reshape(n, n)


def data_figure(trainer: Trainer, style: Style, batch_index: np.ndarray | None = None, height: int = 460,
                width: int | None = None, params=None, grid: int = GRID, compact: bool = False,
                norms=None) -> go.Figure:
    """Return the data view: 1-D regression as points + prediction curve; 2-D as points over a prediction heatmap.

    Points of the current batch (indices into the training set) are drawn larger with a black ring. `params`,
    `norms`: the weights and batch norms whose prediction is drawn (default the current ones); `grid`: heatmap
    points per side; `compact`: small margins, legend inside and a thin colour bar, for a narrow column.
    """
    ds, split = trainer.dataset, trainer.split
    train, test = shown_points(len(split.X_train), len(split.X_test), batch_index)
    X_train_raw = split.X_train[train] * split.std + split.mean
    X_test_raw = split.X_test[test] * split.std + split.mean
    y_train, y_test = split.y_train[train], split.y_test[test]
    mini_batch = batch_index is not None and len(batch_index) < len(split.X_train)
    note = _sample_note(len(train) + len(test), len(split.X_train) + len(split.X_test), mini_batch, style)
    names = [plotly_text(n) for n in ds.feature_names[:2]]
    traces = []
    if ds.X.shape[1] == 1:
        xs = np.linspace(ds.X[:, 0].min(), ds.X[:, 0].max(), 200)
        traces.append(vo.Scatter(x=X_train_raw[:, 0], y=y_train[:, 0], mode="markers", name="train",
                                 marker={"size": style.marker, "color": SERIES[0]}))
        if len(X_test_raw):
            traces.append(vo.Scatter(x=X_test_raw[:, 0], y=y_test[:, 0], mode="markers", name="test",
                                     marker={"size": style.marker, "color": SERIES[1], "symbol": "x"}))
        curve = trainer.predict(xs[:, None], params, norms)[:, 0]
        traces.append(vo.Scatter(x=xs, y=curve, mode="lines", name="prediction",
                                 line={"width": style.line * 1.5, "color": "#111"}))
        if mini_batch:
            X_batch = split.X_train[batch_index] * split.std + split.mean
            traces.append(vo.Scatter(x=X_batch[:, 0], y=split.y_train[batch_index, 0], mode="markers",
                                     name="this batch", marker={"size": style.marker * 1.8, "color": "rgba(0,0,0,0)",
                                                                "line": {"width": 2.5, "color": "#111"}}))
        extra = _layout_extras(width, compact, note, style)
        layout = base_layout(style, height=height, xaxis=_axis(names[0], compact, style),
                             yaxis=_axis(plotly_text(ds.target_names[0]), compact, style), **extra)
        return vo.Figure(traces, layout=layout)
    xs, ys, Z = prediction_grid(trainer, grid, params, norms)
    if ds.task != "regression":  # probabilities or class indices: a colour map needs no more digits, and every
        Z = Z.astype(np.float32)  # Step and Play frame ships it (a regression output may not fit a float32)
    bar = {"thickness": 10, "len": 0.8} if compact else {"thickness": 16}
    if ds.task == "binary":
        traces.append(vo.Heatmap(x=xs, y=ys, z=Z, zmin=0, zmax=1, colorscale=DIVERGING, opacity=0.75,
                                 colorbar={"title": {"text": "P(1)"}, **bar}, hoverinfo="skip"))
        traces.append(vo.Contour(x=xs, y=ys, z=Z, contours={"start": 0.5, "end": 0.5, "coloring": "none"},
                                 line={"width": style.line, "color": "#111"}, showscale=False, hoverinfo="skip",
                                 name="decision boundary", showlegend=True))
    elif ds.task == "multiclass":
        k = ds.y.shape[1]
        scale = [[i / max(k - 1, 1), CLASS_SCALES[i % len(CLASS_SCALES)]] for i in range(k)]
        traces.append(vo.Heatmap(x=xs, y=ys, z=Z, zmin=0, zmax=k - 1, colorscale=scale, opacity=0.35,
                                 showscale=False, hoverinfo="skip"))
    else:
        traces.append(vo.Heatmap(x=xs, y=ys, z=Z, colorscale=DIVERGING, opacity=0.75, hoverinfo="skip",
                                 colorbar={"title": {"text": "ŷ"}, **bar}))
    traces += _scatter_points(trainer, (X_train_raw, y_train), (X_test_raw, y_test), style, batch_index)
    extra = _layout_extras(width, compact, note, style)
    # equal units on both axes, and the map exactly fills its box (the plot shrinks instead of padding)
    layout = base_layout(style, height=height,
                         xaxis=_axis(names[0], compact, style, range=[xs[0], xs[-1]], constrain="domain"),
                         yaxis=_axis(names[1], compact, style, scaleanchor="x", scaleratio=1, range=[ys[0], ys[-1]],
                                     constrain="domain"),
                         showlegend=not compact, **extra)
    return vo.Figure(traces, layout=layout)


def _axis(title: str, compact: bool, style: Style, **more) -> dict:
    """Return an axis: its title and `more`; compact: a few upright, smaller ticks (a narrow plot never turns
    its tick labels on their side)."""
    axis = {"title": {"text": title}, **more}
    if compact:
        axis.update(nticks=5, tickangle=0, tickfont={"size": style.font - 3})
    return axis


def _layout_extras(width: int | None, compact: bool, note: dict, style: Style) -> dict:
    """Return the layout keys of the size, the margins (small when compact), the legend and the sample note."""
    extra = {**note, "legend": {"orientation": "h", "y": -0.15 * style.font / 16}}
    if width:
        extra["width"] = width
    if compact:
        top = note.get("margin", {}).get("t", 8)
        extra["margin"] = {"l": 44, "r": 4, "t": top, "b": 36}
        extra["legend"] = {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": style.font - 3}}
    return extra


def _scatter_points(trainer, train, test, style, batch_index) -> list[go.Scatter]:
    """Return the training, test and current-batch point traces of the 2-D data view ((X raw, y) of each set)."""
    ds, split = trainer.dataset, trainer.split
    (X_train_raw, y_train), (X_test_raw, y_test) = train, test
    classification = ds.task != "regression"

    def colours(y):
        if not classification:
            return y[:, 0]
        lab = y.argmax(axis=1) if ds.task == "multiclass" else y[:, 0].round().astype(int)
        return np.array(CLASS_SCALES)[lab % len(CLASS_SCALES)]

    common = {"mode": "markers"}
    points = [vo.Scatter(x=X_train_raw[:, 0], y=X_train_raw[:, 1], name="train", **common,
                         marker={"size": style.marker, "color": colours(y_train),
                                 "line": {"width": 1.2, "color": "#111"}})]
    if len(X_test_raw):
        points.append(vo.Scatter(x=X_test_raw[:, 0], y=X_test_raw[:, 1], name="test", **common,
                                 marker={"size": style.marker, "color": colours(y_test), "symbol": "x"}))
    if batch_index is not None and len(batch_index) < split.X_train.shape[0]:
        X_batch = split.X_train[batch_index] * split.std + split.mean
        points.append(vo.Scatter(x=X_batch[:, 0], y=X_batch[:, 1], name="this batch",
                                 **common, marker={"size": style.marker * 2, "color": "rgba(0,0,0,0)",
                                                   "line": {"width": 2.5, "color": "#111"}}))
    return points
