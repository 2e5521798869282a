"""Figures of the vanishing-gradients page: one line (or panel) per hidden activation, same data, same start.

Every function takes the nets' GradientSnapshots (engine/diagnostics.py) and/or the Comparison, and a Style.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

import viz.objs as vo
from engine.activations import ACTIVATIONS
from engine.diagnostics import (
    Comparison,
    GradientSnapshot,
    activation_range,
    activation_values,
    dead_units,
    first_last_ratio,
    grad_rms_over_time,
    layer_histograms,
    log_abs_delta_values,
    log_delta_range,
    saturation_fraction,
)
from viz.theme import SERIES, Style, apply_layout, fmt

#: one fixed colour per activation, so a net has the same colour in every figure
ACT_COLORS = {"sigmoid": SERIES[0], "tanh": SERIES[1], "relu": SERIES[2], "leaky_relu": SERIES[3],
              "linear": SERIES[6]}
HEATMAP_SCALE = "Viridis"
MAX_HEATMAP_COLUMNS = 400
LOG10_FLOOR = 12.0  # heatmap colours cover at most this many decades below the largest value

Snaps = Mapping[str, GradientSnapshot]


def act_label(name: str) -> str:
    """Return the display label of an activation ('ReLU', 'Tanh', …)."""
    return ACTIVATIONS[name].label


def _positive(values: np.ndarray) -> np.ndarray:
    """Return values with non-positive and non-finite entries as NaN (gaps on a log axis)."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def _net_name(comparison: Comparison, name: str) -> str:
    """Return the net's label, with where it diverged if it did."""
    k = comparison.diverged_at.get(name)
    return act_label(name) + (f" (diverged at iteration {k})" if k is not None else "")


def layer_ticks(n_layers: int) -> tuple[np.ndarray, list[str]]:
    """Return (tick positions 1..L, labels '1'…'L−1', 'out') for a layer axis."""
    return np.arange(1, n_layers + 1), [*map(str, range(1, n_layers)), "out"]


def ratio_text(snap: GradientSnapshot) -> str:
    """Return 'first/last = …' for the mean |δ| of the first and last hidden layers ('δ = 0 …' when all vanish)."""
    per_layer = snap.mean_abs_delta
    if not np.any(per_layer):
        return "δ = 0 in every layer"
    return f"first/last = {fmt(first_last_ratio(per_layer), 3)}"


def gradient_flow_figure(comparison: Comparison, snaps: Snaps, style: Style, height: int = 460) -> go.Figure:
    """Return the headline row: mean |δ| and per-element ‖∂L/∂W‖ against layer (log-y), and the training loss.

    One colour per net; the legend prints each net's first/last hidden-layer ratio of mean |δ|.
    """
    # axis titles instead of subplot titles: the legend (which line is which) goes above the plots
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08, column_widths=[0.36, 0.36, 0.28])
    n_layers = 0
    for name, snap in snaps.items():
        n_layers = len(snap.deltas)
        x = np.arange(1, n_layers + 1)
        color = ACT_COLORS.get(name, SERIES[4])
        tag = "<extra>" + act_label(name) + "</extra>"
        common = {"mode": "lines+markers", "legendgroup": name, "line": {"color": color, "width": style.line},
                  "marker": {"size": style.marker + 2}}
        fig.add_trace(vo.Scatter(x=x, y=_positive(snap.mean_abs_delta), name=f"{_net_name(comparison, name)}:  "
                                 f"{ratio_text(snap)}", hovertemplate="layer %{x}: mean |δ| = %{y:.3e}" + tag,
                                 **common), row=1, col=1)
        fig.add_trace(vo.Scatter(x=x, y=_positive(snap.grad_W_rms), showlegend=False,
                                 hovertemplate="layer %{x}: %{y:.3e} per weight" + tag, **common), row=1, col=2)
        h = comparison.trainers[name].history
        fig.add_trace(vo.Scatter(x=h.column("iteration"), y=h.column("train_loss"), mode="lines", showlegend=False,
                                 legendgroup=name, line={"color": color, "width": style.line},
                                 hovertemplate="iteration %{x}: loss %{y:.4f}" + tag), row=1, col=3)
    ticks, labels = layer_ticks(n_layers)
    for col, title in ((1, "mean |δ| per layer"), (2, "‖∂L/∂W‖ per weight")):
        fig.update_xaxes(title_text="layer (1 = next to input)", tickvals=ticks, ticktext=labels, row=1, col=col)
        fig.update_yaxes(type="log", exponentformat="power", dtick=1, title_text=title, row=1, col=col)
    fig.update_xaxes(title_text="iteration", rangemode="tozero", row=1, col=3)
    fig.update_yaxes(rangemode="tozero", title_text="training loss", row=1, col=3)
    if comparison.iteration == 0:
        fig.add_annotation(text="Step to see<br>the loss", showarrow=False, xref="x3 domain", yref="y3 domain",
                           x=0.5, y=0.5, font={"size": style.title, "color": "#666"})
    apply_layout(fig, style, height=height)
    fig.update_annotations(font_size=style.title)
    # the legend (which line is which, with each net's ratio) above the plots: it must be on screen with them
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "x": 0.0, "yanchor": "bottom",
                              "font": {"size": style.font - 1}},
                      margin={"t": 40, "b": 20, "l": 60, "r": 10})
    return fig


def heatmap_columns(n: int, limit: int = MAX_HEATMAP_COLUMNS) -> np.ndarray:
    """Return at most `limit` evenly spaced indices into range(n), always keeping the first and the last."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def gradient_heatmap_figure(comparison: Comparison, snaps: Snaps, style: Style) -> go.Figure:
    """Return one heatmap per net: log10 per-element ‖∂L/∂W‖, layer (y) × iteration (x), one shared colour scale."""
    names = list(comparison.activations)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=[act_label(n) for n in names])
    grids = {}
    for name in names:
        its, rows = grad_rms_over_time(comparison.trainers[name], snaps[name])
        keep = heatmap_columns(its.shape[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            grids[name] = (its[keep], np.log10(_positive(rows[keep])).T)
    top = max((np.nanmax(z) for _, z in grids.values() if np.isfinite(z).any()), default=0.0)
    bottom = min((np.nanmin(z) for _, z in grids.values() if np.isfinite(z).any()), default=top - 1)
    bottom = max(bottom, top - LOG10_FLOOR)
    for i, name in enumerate(names, start=1):
        x, z = grids[name]
        n_layers = z.shape[0]
        fig.add_trace(vo.Heatmap(x=x, y=np.arange(1, n_layers + 1), z=z, coloraxis="coloraxis",
                                 hovertemplate="iteration %{x}, layer %{y}: log10 = %{z:.2f}<extra>"
                                 + act_label(name) + "</extra>"), row=i, col=1)
        ticks, labels = layer_ticks(n_layers)
        fig.update_yaxes(title_text="layer", tickvals=ticks, ticktext=labels, row=i, col=1)
    fig.update_xaxes(title_text="weights after iteration", row=len(names), col=1)
    apply_layout(fig, style, height=120 + 170 * len(names))
    fig.update_annotations(font_size=style.title)
    colorbar = {"title": {"text": "log10 ‖∂L/∂W‖<br>per weight"}}
    fig.update_layout(coloraxis={"colorscale": HEATMAP_SCALE, "cmin": bottom, "cmax": max(top, bottom + 1),
                                 "colorbar": colorbar}, margin={"t": 40})
    return fig


def histograms_figure(snaps: Snaps, style: Style, bins: int = 40) -> go.Figure:
    """Return per-layer histograms (Glorot–Bengio style): activations (left) and log10 |δ| (right), a row per net."""
    names = list(snaps)
    titles = []
    for n in names:
        zeros = " (zeros left out)" if n == "relu" else ""
        titles += [f"{act_label(n)}: activations{zeros}", f"{act_label(n)}: log10 |δ|"]
    fig = make_subplots(rows=len(names), cols=2, subplot_titles=titles, horizontal_spacing=0.08,
                        vertical_spacing=0.16 if len(names) > 1 else 0.0)
    d_lo, d_hi = log_delta_range(list(snaps.values()))
    for i, name in enumerate(names, start=1):
        snap = snaps[name]
        a_lo, a_hi = activation_range([snap])
        for col, (values, lo, hi) in enumerate(((activation_values(snap), a_lo, a_hi),
                                                (log_abs_delta_values(snap), d_lo, d_hi)), start=1):
            centres, rows = layer_histograms(values, lo, hi, bins)
            colors = sample_colorscale("Viridis", np.linspace(0.85, 0.0, rows.shape[0]))
            for l, (row, color) in enumerate(zip(rows, colors), start=1):
                fig.add_trace(vo.Scatter(x=centres, y=row, mode="lines", name=f"layer {l}", legendgroup=f"l{l}",
                                         showlegend=(i == 1 and col == 1), line={"color": color, "width": style.line},
                                         hovertemplate=f"layer {l}: " + "%{x:.3g} → %{y:.1%}<extra></extra>"),
                              row=i, col=col)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text="value", col=1, row=len(names))
    fig.update_xaxes(title_text="log10 |δ|  (left = smaller)", col=2, row=len(names))
    apply_layout(fig, style, height=80 + 250 * len(names))
    fig.update_annotations(font_size=style.title)
    fig.update_layout(legend={"title": {"text": "hidden layer"}}, margin={"t": 40})
    return fig


def saturation_figure(snaps: Snaps, style: Style, height: int = 380) -> go.Figure:
    """Return bars per hidden layer: share of saturated units (left) and dead units (right), a bar per net."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("saturated: f′(z) < 0.05 (σ, tanh) or = 0", "dead units (0 on every sample)"))
    for name, snap in snaps.items():
        sat = saturation_fraction(snap)
        dead = dead_units(snap)
        x = np.arange(1, sat.shape[0] + 1)
        color = ACT_COLORS.get(name, SERIES[4])
        fig.add_trace(vo.Bar(x=x, y=sat, name=act_label(name), marker_color=color, legendgroup=name,
                             hovertemplate="layer %{x}: %{y:.1%}<extra>" + act_label(name) + "</extra>"), row=1, col=1)
        fig.add_trace(vo.Bar(x=x, y=dead, name=act_label(name), marker_color=color, legendgroup=name,
                             showlegend=False,
                             hovertemplate="layer %{x}: %{y} dead<extra>" + act_label(name) + "</extra>"), row=1, col=2)
    fig.update_xaxes(title_text="hidden layer", dtick=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    apply_layout(fig, style, height=height)
    fig.update_annotations(font_size=style.title)
    fig.update_layout(barmode="group", margin={"t": 50})
    return fig


def clipping_figure(comparison: Comparison, style: Style, height: int = 380) -> go.Figure:
    """Return the global gradient norm before (solid) and after (dotted) clipping against iteration, log-y.

    The dotted lines are drawn only while clipping is on or once it has changed a gradient.
    """
    fig = vo.Figure()
    for name, trainer in comparison.trainers.items():
        h = trainer.history
        its, raw, clipped = h.column("iteration"), h.column("grad_norm"), h.column("clipped_norm")
        color = ACT_COLORS.get(name, SERIES[4])
        fig.add_trace(vo.Scatter(x=its, y=_positive(raw), mode="lines", legendgroup=name,
                                 name=f"{_net_name(comparison, name)}: raw",
                                 line={"color": color, "width": style.line}))
        if comparison.config.clip_norm or not np.array_equal(raw, clipped, equal_nan=True):
            fig.add_trace(vo.Scatter(x=its, y=_positive(clipped), mode="lines", legendgroup=name,
                                     name=f"{act_label(name)}: clipped",
                                     line={"color": color, "width": style.line + 1, "dash": "dot"}))
    clip = comparison.config.clip_norm
    if clip:
        fig.add_hline(y=clip, line={"color": "#444", "dash": "dash", "width": 1.5},
                      annotation_text=f"clip at {clip:g}", annotation_font_size=style.font)
    if comparison.iteration == 0:
        fig.add_annotation(text="Step to see the curves", showarrow=False, xref="paper", yref="paper", x=0.5,
                           y=0.5, font={"size": style.title, "color": "#666"})
    apply_layout(fig, style, height=height)
    fig.update_xaxes(title_text="iteration", rangemode="tozero")
    fig.update_yaxes(title_text="global ‖gradient‖", type="log", exponentformat="power", dtick=1)
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0.0})
    return fig


DETAIL_VIEWS = {"sat": "Saturation & dead units", "time": "Gradients over time", "hist": "Histograms per layer",
                "explode": "Exploding & clipping"}


def detail_figure(view: str, comparison: Comparison, snaps: Snaps, style: Style) -> go.Figure:
    """Return the figure of one of DETAIL_VIEWS (saturation, heatmap over time, histograms, clipping)."""
    if view == "time":
        return gradient_heatmap_figure(comparison, snaps, style)
    if view == "hist":
        return histograms_figure(snaps, style)
    if view == "explode":
        return clipping_figure(comparison, style)
    return saturation_figure(snaps, style)
