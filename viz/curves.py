"""Loss curves over iterations, with epoch boundaries."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.history import History
from viz.theme import SERIES, Style, apply_layout

MAX_EPOCH_LINES = 40


def epoch_starts(history: History) -> np.ndarray:
    """Return the iterations (1-based) at which a new epoch began, after the first, shape (E−1,)."""
    epoch = history.column("epoch")
    it = history.column("iteration")
    return it[1:][np.diff(epoch) > 0]


def loss_figure(history: History, style: Style, log_y: bool = False, height: int = 380,
                current: int | None = None) -> go.Figure:
    """Return train, test and batch loss per iteration; dotted lines mark epoch starts (when few enough)."""
    it = history.column("iteration")
    fig = go.Figure()
    series = (("loss", "batch loss (before update)", SERIES[2], "dot"), ("train_loss", "train loss", SERIES[0], None),
              ("test_loss", "test loss", SERIES[1], None))
    for col, name, colour, dash in series:
        y = history.column(col)
        if np.isfinite(y).any():
            fig.add_trace(go.Scatter(x=it, y=np.where(np.isfinite(y), y, np.nan), mode="lines", name=name,
                                     line={"color": colour, "width": style.line, "dash": dash}))
    starts = epoch_starts(history)
    # full batch: every iteration is an epoch, so lines would only add noise
    if 0 < len(starts) <= MAX_EPOCH_LINES and len(starts) < len(it) - 1:
        for s in starts:
            fig.add_vline(x=s - 0.5, line={"width": 1, "dash": "dot", "color": "#888"})
    if current is not None:
        fig.add_vline(x=current, line={"width": 2, "color": "#111"})
    apply_layout(fig, style, height=height)
    fig.update_layout(xaxis_title="iteration", yaxis_title="loss", yaxis_type="log" if log_y else "linear",
                      legend={"orientation": "h", "y": 1.12, "x": 0})
    return fig
