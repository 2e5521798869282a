"""Loss-landscape figures: log-scaled contour with the descent path, 3-D surface, 1-D slice, interpolation.

All take an `engine.landscape.Landscape` (coordinates already in display units) and a `Style`.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import make_colorscale, sequential

import viz.objs as vo
from engine.landscape import Landscape, Run
from viz.theme import SERIES, Style, apply_layout

# dark = low loss, so the valley reads as a valley; colour-blind safe. Spelled out (as Plotly's validator
# would), so the figure is the same with validation off (viz/objs.py)
COLORSCALE = make_colorscale(sequential.Viridis)
PATH_COLOUR = "#FF5A1F"         # one descent path: vermillion, visible on every part of Viridis
#: several paths: a light grey map (dark = low) so the series colours of the runs stand out
GREY_SCALE = [[0.0, "#9a9a9a"], [1.0, "#f4f4f4"]]
RUN_COLOURS = [SERIES[0], SERIES[5], SERIES[2], SERIES[3]]
N_CONTOURS = 24
FRAME_MS = 80


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


def log_axis(values) -> dict:
    """Return Plotly axis settings for a log axis over values with round loss labels (no minor-digit clutter)."""
    logs = log_loss(values)
    logs = logs[np.isfinite(logs)]
    pos, text = log_ticks(float(logs.min()), float(logs.max())) if logs.size else (np.array([]), [])
    return {"type": "log", "tickvals": 10.0**pos, "ticktext": text}


def _zrange(ls: Landscape) -> tuple[float, float]:
    logs = log_loss(np.concatenate([ls.Z.ravel(), [ls.point[2]], *(p.heights for p in ls.paths)]))
    logs = logs[np.isfinite(logs)]
    return (float(logs.min()), float(logs.max())) if logs.size else (0.0, 1.0)


def _colorbar(ls: Landscape, style: Style) -> dict:
    pos, text = log_ticks(*_zrange(ls))
    return {"title": {"text": "loss", "side": "right"}, "tickvals": pos, "ticktext": text,
            "tickfont": {"size": style.font}, "thickness": 18}


def _path_traces(ls: Landscape, style: Style, upto: dict | None = None) -> list[go.Scatter]:
    traces = []
    for k, p in enumerate(ls.paths):
        n = p.iterations.size if upto is None else upto[p.label]
        colour = _path_colour(ls, k)
        traces.append(vo.Scatter(
            x=p.coords[:n, 0], y=p.coords[:n, 1], mode="lines", name=p.label,
            line={"color": colour, "width": 2.2 * style.line}, customdata=np.c_[p.iterations[:n], p.heights[:n]],
            hovertemplate="iteration %{customdata[0]}<br>loss on this plane %{customdata[1]:.4g}<extra></extra>"))
    return traces


def _path_colour(ls: Landscape, k: int) -> str:
    return PATH_COLOUR if len(ls.paths) == 1 else RUN_COLOURS[k % len(RUN_COLOURS)]


def _scale(ls: Landscape) -> list:
    return COLORSCALE if len(ls.paths) <= 1 else GREY_SCALE


def _point_trace(x: float, y: float, loss: float, style: Style, name: str = "now") -> go.Scatter:
    return vo.Scatter(x=np.array([x]), y=np.array([y]), mode="markers", name=name,
                      marker={"size": 2.4 * style.marker, "color": "#FFFFFF", "symbol": "circle",
                              "line": {"color": "#000000", "width": 3}},
                      hovertemplate=f"{name}<br>loss {loss:.4g}<extra></extra>")


def _start_trace(ls: Landscape, style: Style) -> go.Scatter:
    starts = np.array([p.coords[0] for p in ls.paths])
    return vo.Scatter(x=starts[:, 0], y=starts[:, 1], mode="markers", name="start",
                      marker={"size": 1.6 * style.marker, "color": "#000000", "symbol": "square",
                              "line": {"color": "#FFFFFF", "width": 2}}, hoverinfo="skip")


def contour_figure(ls: Landscape, style: Style, animate_from: int | None = None, height: int = 560,
                   show_point: bool = True) -> go.Figure:
    """Return the log-scaled contour map with the path(s), start and current point.

    With `animate_from` (an iteration on the first path) the figure gets one frame per later path
    point, moving the path and the point; the browser plays them (▶ on the figure), no server round trip.
    """
    d = ls.directions
    fig = vo.Figure(vo.Contour(
        x=ls.xs, y=ls.ys, z=log_loss(ls.Z), customdata=ls.Z, colorscale=_scale(ls), ncontours=N_CONTOURS,
        contours={"coloring": "heatmap", "showlines": True}, line={"width": 0.6, "color": "rgba(0,0,0,0.35)"},
        colorbar=_colorbar(ls, style), name="loss",
        hovertemplate="x %{x:.3g}<br>y %{y:.3g}<br>loss %{customdata:.4g}<extra></extra>"))
    fig.add_traces(_path_traces(ls, style))
    if ls.paths:
        fig.add_trace(_start_trace(ls, style))
    if show_point:
        fig.add_trace(_point_trace(*ls.point, style))
    apply_layout(fig, style, height=height)
    _dark_axes(fig, style)
    # a long vertical title ("direction 2 (PC2, 4.05 % of variance)") would be cut: two lines
    fig.update_layout(xaxis_title_text=d.labels[0], yaxis_title_text=d.labels[1].replace(" (", "<br>("),
                      showlegend=len(ls.paths) > 1,
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      xaxis={"range": [ls.xs[0], ls.xs[-1]]}, yaxis={"range": [ls.ys[0], ls.ys[-1]]},
                      uirevision=d.kind)
    if animate_from is not None and ls.paths:
        _add_frames(fig, ls, style, animate_from)
    return fig


def _dark_axes(fig: go.Figure, style: Style) -> None:
    # plotly_white greys the axes; on a projector they must be as dark as the rest of the text
    axis = {"title_font": {"size": style.font, "color": "#111"}, "tickfont": {"size": style.font - 2, "color": "#222"}}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)


def _add_frames(fig: go.Figure, ls: Landscape, style: Style, animate_from: int) -> None:
    path = ls.paths[0]
    first = int(np.searchsorted(path.iterations, animate_from))
    path_index, point_index = 1, len(fig.data) - 1
    frames = []
    for n in range(first + 1, path.iterations.size + 1):
        x, y = path.coords[n - 1]
        frames.append(vo.Frame(name=str(path.iterations[n - 1]), traces=[path_index, point_index], data=[
            _path_traces(ls, style, {path.label: n})[0],
            _point_trace(x, y, path.heights[n - 1], style, f"iteration {path.iterations[n - 1]}")]))
    fig.frames = frames
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "fromcurrent": False, "transition": {"duration": 0}}
    fig.update_layout(updatemenus=[{
        "type": "buttons", "direction": "left", "x": 0.0, "y": -0.16, "xanchor": "left", "yanchor": "top",
        "font": {"size": style.font}, "showactive": False, "buttons": [
            {"label": f"▶ play the last {len(frames)} steps", "method": "animate", "args": [None, play]},
            {"label": "❚❚ pause", "method": "animate",
             "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}]}]}],
        margin={"b": 110})


def surface3d_figure(ls: Landscape, style: Style, height: int = 560) -> go.Figure:
    """Return the 3-D surface (height = log loss) with the path(s) drawn on it and the current point."""
    d = ls.directions
    lo, hi = _zrange(ls)
    pos, text = log_ticks(lo, hi)
    lift = 0.03 * max(hi - lo, 1e-9)   # keeps the path visibly on top of the surface it lies on
    fig = vo.Figure(vo.Surface(x=ls.xs, y=ls.ys, z=log_loss(ls.Z), customdata=ls.Z, colorscale=_scale(ls),
                               showscale=False, name="loss",
                               hovertemplate="loss %{customdata:.4g}<extra></extra>"))
    for k, p in enumerate(ls.paths):
        fig.add_trace(vo.Scatter3d(
            x=p.coords[:, 0], y=p.coords[:, 1], z=log_loss(p.heights) + lift, mode="lines", name=p.label,
            line={"color": _path_colour(ls, k), "width": 5 * style.line},
            customdata=p.iterations, hovertemplate="iteration %{customdata}<extra></extra>"))
    x, y, loss = ls.point
    fig.add_trace(vo.Scatter3d(x=np.array([x]), y=np.array([y]), z=log_loss([loss]) + lift, mode="markers",
                               name="now", marker={"size": 1.2 * style.marker, "color": "#FFFFFF",
                                                   "line": {"color": "#000000", "width": 6}}))
    apply_layout(fig, style, height=height)
    title, ticks = {"size": style.font}, {"size": style.font - 4, "color": "#333"}
    flat = {"nticks": 5, "tickfont": ticks}
    fig.update_layout(
        showlegend=False, margin={"l": 0, "r": 0, "t": 10, "b": 0}, uirevision=d.kind,  # keep a turned camera
        scene={"xaxis": {"title": {"text": _short(d.labels[0]), "font": title}, **flat},
               "yaxis": {"title": {"text": _short(d.labels[1]), "font": title}, **flat},
               "zaxis": {"title": {"text": "loss", "font": title}, "tickvals": pos, "ticktext": text,
                         "tickfont": ticks},
               "camera": {"eye": camera_eye(ls)}, "aspectmode": "cube"})
    return fig


def camera_eye(ls: Landscape) -> dict:
    """Return a 3-D camera eye above the quadrant of the grid with the lowest loss.

    Looking from the low side across to the high side, no ridge stands between the camera and the valley
    where the path ends.
    """
    logs = log_loss(ls.Z)
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
    # 3-D axis titles get little room: "direction 1 (PC1, 63 % of variance)" → "direction 1"
    return label.split(" (")[0]


def slice_figure(ls: Landscape, style: Style, height: int = 380) -> go.Figure:
    """Return the loss along direction 1 through the current point (log y), the point marked."""
    fig = vo.Figure(vo.Scatter(x=ls.slice_t, y=ls.slice_loss, mode="lines", name="loss",
                               line={"color": SERIES[0], "width": style.line}))
    fig.add_trace(_point_trace(ls.point[0], ls.point[2], ls.point[2], style))
    apply_layout(fig, style, height=height)
    _dark_axes(fig, style)
    fig.update_layout(xaxis_title_text=ls.directions.labels[0], yaxis_title_text="loss", showlegend=False,
                      yaxis=log_axis(np.r_[ls.slice_loss, ls.point[2]]))
    return fig


def interpolation_figure(ls: Landscape, style: Style, height: int = 380) -> go.Figure:
    """Return the loss along the straight line from the initial weights θ₀ (α = 0) to now (α = 1), log y."""
    fig = vo.Figure(vo.Scatter(x=ls.interp_alpha, y=ls.interp_loss, mode="lines", name="loss",
                               line={"color": SERIES[0], "width": style.line}))
    ends = np.interp([0.0, 1.0], ls.interp_alpha, ls.interp_loss)
    fig.add_trace(vo.Scatter(x=np.array([0.0, 1.0]), y=ends, mode="markers+text", text=["θ₀ start", "θ now"],
                             textposition="top center", textfont={"size": style.font},
                             marker={"size": 1.6 * style.marker, "color": "#000000"}, hoverinfo="skip"))
    apply_layout(fig, style, height=height)
    _dark_axes(fig, style)
    fig.update_layout(xaxis_title_text="α  (weights = θ₀ + α·(θ − θ₀))", yaxis_title_text="loss", showlegend=False,
                      yaxis=log_axis(ls.interp_loss))
    return fig


def curves_figure(runs: list[Run], style: Style, height: int = 420) -> go.Figure:
    """Return the training loss against epochs for each run (log y), one colour per run as on the plane."""
    fig = vo.Figure()
    for k, r in enumerate(runs):
        fig.add_trace(vo.Scatter(x=r.epochs, y=np.where(np.isfinite(r.train_loss), r.train_loss, np.nan),
                                 mode="lines", name=r.label + (" (diverged)" if r.diverged else ""),
                                 line={"color": RUN_COLOURS[k % len(RUN_COLOURS)], "width": style.line}))
    apply_layout(fig, style, height=height)
    _dark_axes(fig, style)
    fig.update_layout(xaxis_title_text="epochs (passes over the training set)", yaxis_title_text="training loss",
                      yaxis=log_axis(np.concatenate([r.train_loss for r in runs])),
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig
