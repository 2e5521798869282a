"""Loss-landscape figures: the log-scaled map with the descent path, 3-D surface, 1-D slice, interpolation, and
the side-by-side runs' loss curves.

The map and the 3-D view take an `engine.landscape.Map` (axis coordinates, a fixed colour range), the slice a
`Slice`. Every figure is one constructor call through viz/objs.py, from NumPy arrays.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import make_colorscale, sequential

import viz.objs as vo
from engine.landscape import Map, Run, Slice
from viz.theme import SERIES, Style, base_layout

# dark = low loss, so the valley reads as a valley; colour-blind safe. Spelled out (as Plotly's validator
# would), so the figure is the same with validation off (viz/objs.py)
COLORSCALE = make_colorscale(sequential.Viridis)
PATH_COLOUR = "#FF5A1F"         # one descent path: vermillion, visible on every part of Viridis
#: several paths: a light grey map (dark = low) so the series colours of the runs stand out
GREY_SCALE = [[0.0, "#9a9a9a"], [1.0, "#f4f4f4"]]
RUN_COLOURS = [SERIES[0], SERIES[5], SERIES[2], SERIES[3]]
N_CONTOURS = 24
COLORBAR_PX = 18                #: the colour bar's thickness; the marker of the loss now spans it
COLORBAR_GAP = 14               #: px between the map and its colour bar, where the marker's pointer sits
MAP_BOTTOM = 50                 #: the map's bottom margin (px): the slice beside it uses the same, so they line up


def log_loss(values) -> np.ndarray:
    """Return log10 of losses (same shape); non-finite → NaN, zeros clipped to the smallest positive value."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v) & (v > 0)
    floor = float(v[finite].min()) if finite.any() else 1.0
    with np.errstate(all="ignore"):
        return np.where(np.isfinite(v), np.log10(np.maximum(v, floor)), np.nan)


def log_ticks(lo: float, hi: float) -> tuple[np.ndarray, list[str]]:
    """Return (tick positions in log10 units, their labels as round loss values) between lo and hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return np.array([]), []
    for mantissas in ((1,), (1, 3), (1, 2, 5)):
        vals = [m * 10.0**e for e in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in mantissas]
        picked = [v for v in vals if lo - 1e-9 <= math.log10(v) <= hi + 1e-9]
        if len(picked) >= 4:
            break
    else:   # less than a decade: round values evenly spaced in loss units
        vlo, vhi = 10.0**lo, 10.0**hi
        step = _nice_step((vhi - vlo) / 4) if vhi > vlo else max(vlo, 1e-12)
        picked = [k * step for k in range(math.ceil(vlo / step), math.floor(vhi / step) + 1) if k > 0]
    pos = np.log10(np.array(picked, dtype=np.float64))
    return pos, [f"{v:.3g}" for v in picked]


def _nice_step(raw: float) -> float:
    """Return the largest 1-2-5 number not above raw (> 0)."""
    exp = 10.0 ** math.floor(math.log10(raw))
    return max(m * exp for m in (1, 2, 5) if m * exp <= raw * (1 + 1e-9))


def log_axis(values, fixed: tuple[float, float] | None = None) -> dict:
    """Return Plotly settings for a log axis over values (or over the log10 range `fixed`, kept as it is) with
    round loss labels (no minor-digit clutter)."""
    if fixed is not None:
        lo, hi = fixed
    else:
        logs = log_loss(values)
        logs = logs[np.isfinite(logs)]
        lo, hi = (float(logs.min()), float(logs.max())) if logs.size else (0.0, 1.0)
    pos, text = log_ticks(lo, hi)
    axis = {"type": "log", "tickvals": 10.0**pos, "ticktext": text}
    if fixed is not None:
        axis["range"] = [lo, hi]   # a log axis's range is in log10 units
    return axis


def map_top(title: str | None) -> int:
    """Return the map's top margin in px (room for the loss now above the colour bar, and for a title)."""
    return 56 if title else 34


def _scale(m: Map) -> list:
    """Return the colour scale: Viridis for one path, a light grey under several coloured runs."""
    return COLORSCALE if len(m.paths) <= 1 else GREY_SCALE


def _path_colour(m: Map, k: int) -> str:
    """Return the colour of path k: vermillion alone, one series colour per run."""
    return PATH_COLOUR if len(m.paths) == 1 else RUN_COLOURS[k % len(RUN_COLOURS)]


def _path_traces(m: Map, style: Style) -> list[go.Scatter]:
    """Return one line trace per path, its iterations and training losses on hover."""
    return [vo.Scatter(x=p.coords[:, 0], y=p.coords[:, 1], mode="lines", name=p.label,
                       line={"color": _path_colour(m, k), "width": 2.2 * style.line},
                       customdata=np.c_[p.iterations, p.losses],
                       hovertemplate="iteration %{customdata[0]}<br>training loss %{customdata[1]:.4g}<extra></extra>")
            for k, p in enumerate(m.paths)]


def _point_trace(x: float, y: float, loss: float, style: Style, name: str = "now") -> go.Scatter:
    """Return the white dot of the point now, its loss on hover."""
    return vo.Scatter(x=np.array([x]), y=np.array([y]), mode="markers", name=name,
                      marker={"size": 2.4 * style.marker, "color": "#FFFFFF", "symbol": "circle",
                              "line": {"color": "#000000", "width": 3}},
                      hovertemplate=f"{name}<br>loss {loss:.4g}<extra></extra>")


def _start_trace(m: Map, style: Style) -> go.Scatter:
    """Return the black squares where the paths start."""
    starts = np.array([p.coords[0] for p in m.paths])
    return vo.Scatter(x=starts[:, 0], y=starts[:, 1], mode="markers", name="start",
                      marker={"size": 1.6 * style.marker, "color": "#000000", "symbol": "square",
                              "line": {"color": "#FFFFFF", "width": 2}}, hoverinfo="skip")


def _axis_font(style: Style) -> dict:
    """Return axis title and tick fonts as dark as the rest of the text."""
    # plotly_white greys the axes; on a projector they must be as dark as the rest of the text
    return {"title": {"font": {"size": style.font, "color": "#111"}}, "tickfont": {"size": style.font - 2,
                                                                                    "color": "#222"}}


def colorbar_fraction(m: Map, loss: float) -> float:
    """Return where `loss` sits on the map's colour bar: 0 at the bottom (lowest colour), 1 at the top."""
    lo, hi = m.zrange
    return float(np.clip((math.log10(max(loss, 1e-300)) - lo) / (hi - lo), 0.0, 1.0)) if loss > 0 else 0.0


def _now_marker(m: Map, style: Style) -> list[dict]:
    """Return annotations marking the loss now on the colour bar: a bar across it with a pointer in the gap beside
    it (annotations, because Plotly draws colour bars over shapes), and its value above the colour bar."""
    y = colorbar_fraction(m, m.point[2])
    at_bar = {"xref": "paper", "yref": "paper", "x": 1.0, "y": y, "showarrow": False, "yanchor": "middle"}
    across = {**at_bar, "xanchor": "left", "xshift": COLORBAR_GAP - 3, "text": "", "width": COLORBAR_PX + 2,
              "height": 3, "bgcolor": "#000", "bordercolor": "#FFF", "borderwidth": 2, "borderpad": 0}
    pointer = {**at_bar, "xanchor": "right", "xshift": COLORBAR_GAP + 1, "yshift": 2, "text": "▶",
               "font": {"size": style.font, "color": "#000"}}
    value = {**at_bar, "y": 1.0, "yanchor": "bottom", "xanchor": "center", "xshift": COLORBAR_GAP + COLORBAR_PX / 2,
             "yshift": 2, "text": f"now <b>{m.point[2]:.3g}</b>", "font": {"size": style.font, "color": "#000"}}
    return [across, pointer, value]


def contour_figure(m: Map, style: Style, height: int = 560, width: int | None = None, title: str | None = None,
                   show_point: bool = True) -> go.Figure:
    """Return the log-scaled map with the path(s), their start and the point now, in the map's fixed colour range.

    With a point, a marker on the colour bar shows its loss (it moves down as the loss falls).
    """
    d, (lo, hi) = m.directions, m.zrange
    ticks, text = log_ticks(lo, hi)
    contour = vo.Contour(
        x=m.xs, y=m.ys, z=log_loss(m.Z), customdata=m.Z, colorscale=_scale(m), zmin=lo, zmax=hi, zauto=False,
        autocontour=False, contours={"coloring": "heatmap", "showlines": True, "start": lo, "end": hi,
                                     "size": (hi - lo) / N_CONTOURS},
        line={"width": 0.6, "color": "rgba(0,0,0,0.35)"}, name="loss",
        # the bar spans the plot's height exactly (no padding), so a loss maps to a height on it
        colorbar={"title": {"text": f"loss ({m.data})", "side": "right"}, "tickvals": ticks, "ticktext": text,
                  "tickfont": {"size": style.font - 2}, "thickness": COLORBAR_PX, "x": 1.0, "xanchor": "left",
                  "xpad": COLORBAR_GAP, "ypad": 0, "len": 1, "y": 0.5, "yanchor": "middle", "outlinewidth": 0},
        hovertemplate="x %{x:.3g}<br>y %{y:.3g}<br>loss %{customdata:.4g}<extra></extra>")
    traces = [contour, *_path_traces(m, style)]
    if m.paths:
        traces.append(_start_trace(m, style))
    notes = []
    if show_point and m.point is not None:
        traces.append(_point_trace(*m.point, style))
        notes = _now_marker(m, style)
    axis = _axis_font(style)
    layout = base_layout(
        style, title=title, height=height, **({"width": width} if width else {}),
        margin={"l": 60, "r": 10, "t": map_top(title), "b": MAP_BOTTOM},
        xaxis={**axis, "title": {**axis["title"], "text": d.labels[0]}, "range": [m.xs[0], m.xs[-1]]},
        # a long vertical title ("direction 2 (PC2, 4.05 % of variance)") would be cut: two lines
        yaxis={**axis, "title": {**axis["title"], "text": d.labels[1].replace(" (", "<br>(")},
               "range": [m.ys[0], m.ys[-1]]},
        showlegend=len(m.paths) > 1, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        annotations=notes, uirevision=m.revision or d.kind)
    if title:
        layout["title"] = {"text": title, "font": {"size": style.font}, "x": 0.0, "xanchor": "left", "y": 0.99,
                           "yanchor": "top"}
    return vo.Figure(traces, layout=layout)


def surface3d_figure(m: Map, style: Style, height: int = 480, width: int | None = None) -> go.Figure:
    """Return the 3-D surface (height = log loss, the map's colour range) with the path(s) on it and the point."""
    d, (lo, hi) = m.directions, m.zrange
    pos, text = log_ticks(lo, hi)
    lift = 0.03 * max(hi - lo, 1e-9)   # keeps the path visibly on top of the surface it lies on
    traces = [vo.Surface(x=m.xs, y=m.ys, z=log_loss(m.Z), customdata=m.Z, colorscale=_scale(m), cmin=lo, cmax=hi,
                         showscale=False, name="loss", hovertemplate="loss %{customdata:.4g}<extra></extra>")]
    for k, p in enumerate(m.paths):
        traces.append(vo.Scatter3d(
            x=p.coords[:, 0], y=p.coords[:, 1], z=log_loss(p.heights) + lift, mode="lines", name=p.label,
            line={"color": _path_colour(m, k), "width": 5 * style.line},
            customdata=p.iterations, hovertemplate="iteration %{customdata}<extra></extra>"))
    if m.point is not None and m.paths:
        p = m.paths[0]
        traces.append(vo.Scatter3d(x=p.coords[-1:, 0], y=p.coords[-1:, 1], z=log_loss(p.heights[-1:]) + lift,
                                   mode="markers", name="now",
                                   marker={"size": 1.2 * style.marker, "color": "#FFFFFF",
                                           "line": {"color": "#000000", "width": 6}}))
    title, ticks = {"size": style.font}, {"size": style.font - 4, "color": "#333"}
    flat = {"nticks": 5, "tickfont": ticks}
    layout = base_layout(
        style, height=height, **({"width": width} if width else {}), showlegend=False,
        margin={"l": 0, "r": 0, "t": 10, "b": 0}, uirevision=m.revision or d.kind,  # keep a turned camera
        scene={"xaxis": {"title": {"text": _short(d.labels[0]), "font": title}, **flat},
               "yaxis": {"title": {"text": _short(d.labels[1]), "font": title}, **flat},
               "zaxis": {"title": {"text": "loss", "font": title}, "tickvals": pos, "ticktext": text,
                         "tickfont": ticks, "range": [lo, hi + lift]},
               "camera": {"eye": camera_eye(m)}, "aspectmode": "cube"})
    return vo.Figure(traces, layout=layout)


def camera_eye(m: Map) -> dict:
    """Return a 3-D camera eye above the quadrant of the grid with the lowest loss.

    Looking from the low side across to the high side, no ridge stands between the camera and the valley
    where the path ends.
    """
    logs = log_loss(m.Z)
    ny, nx = logs.shape
    best, eye = np.inf, (-1.0, -1.0)
    for sx, cols in ((-1.0, slice(0, nx // 2)), (1.0, slice(nx - nx // 2, nx))):
        for sy, rows in ((-1.0, slice(0, ny // 2)), (1.0, slice(ny - ny // 2, ny))):
            part = logs[rows, cols]
            part = part[np.isfinite(part)]
            if part.size and part.mean() < best:
                best, eye = part.mean(), (sx, sy)
    return {"x": 1.5 * eye[0], "y": 1.5 * eye[1], "z": 1.25}


def _short(label: str) -> str:
    """Return an axis label without its parenthesis."""
    # 3-D axis titles get little room: "direction 1 (PC1, 63 % of variance)" → "direction 1"
    return label.split(" (")[0]


def slice_figure(s: Slice, style: Style, height: int = 300, width: int | None = None, top: int = 30) -> go.Figure:
    """Return the loss along direction 1 through the weights now (log y, the map's colour range), the point marked
    with its value. As tall as the map with its `top` margin, its loss axis lines up with the map's colour bar."""
    x, loss = s.point
    axis = _axis_font(style)
    traces = [vo.Scatter(x=s.t, y=s.loss, mode="lines", name="loss", line={"color": SERIES[0], "width": style.line},
                         hovertemplate="loss %{y:.4g}<extra></extra>"),
              vo.Scatter(x=np.array([x]), y=np.array([loss]), mode="markers", name="now", cliponaxis=False,
                         marker={"size": 1.8 * style.marker, "color": "#FFFFFF", "line": {"color": "#000", "width": 3}},
                         hovertemplate="now<br>loss %{y:.4g}<extra></extra>")]
    # the value beside the point, on the side with more room (a log axis places annotations in log10 units)
    right = x < (s.t[0] + s.t[-1]) / 2
    value = {"x": x, "y": math.log10(loss) if loss > 0 else s.zrange[0], "text": f"now <b>{loss:.3g}</b>",
             "showarrow": True, "arrowhead": 0, "ax": 34 if right else -34, "ay": -26,
             "xanchor": "left" if right else "right", "font": {"size": style.font, "color": "#000"},
             "bgcolor": "rgba(255,255,255,0.85)"}
    layout = base_layout(
        style, height=height, **({"width": width} if width else {}), showlegend=False,
        margin={"l": 60, "r": 10, "t": top, "b": MAP_BOTTOM},
        xaxis={**axis, "title": {**axis["title"], "text": _short(s.label)}, "range": [s.t[0], s.t[-1]]},
        yaxis={**axis, "title": {**axis["title"], "text": "loss"}, **log_axis(None, fixed=s.zrange)},
        annotations=[value])
    return vo.Figure(traces, layout=layout)


def interpolation_figure(alphas: np.ndarray, losses: np.ndarray, style: Style, height: int = 300,
                         width: int | None = None) -> go.Figure:
    """Return the loss along the straight line from the initial weights θ₀ (α = 0) to now (α = 1), log y."""
    ends = np.interp([0.0, 1.0], alphas, losses)
    axis = _axis_font(style)
    traces = [vo.Scatter(x=alphas, y=losses, mode="lines", name="loss", line={"color": SERIES[0], "width": style.line}),
              vo.Scatter(x=np.array([0.0, 1.0]), y=ends, mode="markers+text", text=np.array(["θ₀ start", "θ now"]),
                         textposition="top center", textfont={"size": style.font},
                         marker={"size": 1.6 * style.marker, "color": "#000000"}, hoverinfo="skip")]
    layout = base_layout(
        style, height=height, **({"width": width} if width else {}), showlegend=False,
        margin={"l": 60, "r": 10, "t": 10, "b": 50},
        xaxis={**axis, "title": {**axis["title"], "text": "α  (weights = θ₀ + α·(θ − θ₀))"}},
        yaxis={**axis, "title": {**axis["title"], "text": "loss"}, **log_axis(losses)})
    return vo.Figure(traces, layout=layout)


def curves_figure(runs: list[Run], style: Style, height: int = 420) -> go.Figure:
    """Return the training loss against epochs for each run (log y), one colour per run as on the map."""
    traces = [vo.Scatter(x=r.epochs, y=np.where(np.isfinite(r.train_loss), r.train_loss, np.nan), mode="lines",
                         name=f"{r.label}, η = {r.lr:g}" + (" (blew up)" if r.diverged else ""),
                         line={"color": RUN_COLOURS[k % len(RUN_COLOURS)], "width": style.line})
              for k, r in enumerate(runs)]
    axis = _axis_font(style)
    finite = np.concatenate([r.train_loss[np.isfinite(r.train_loss)] for r in runs])
    layout = base_layout(
        style, height=height, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={**axis, "title": {**axis["title"], "text": "epochs (passes over the training set)"}},
        yaxis={**axis, "title": {**axis["title"], "text": "training loss"}, **log_axis(finite)})
    return vo.Figure(traces, layout=layout)
