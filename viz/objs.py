"""plotly.graph_objects constructors that skip Plotly's property validation unless VALIDATE is on.

Plotly checks every property of every figure in Python. Under a class of sessions that was most of a Step's
server time (about 30 of 50 ms, py-spy). The app skips it; the tests switch it on (BPV_VALIDATE_FIGURES=1,
tests/conftest.py), so a misspelt property or a bad value still fails there. Use as `vo.Scatter(...)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import plotly.graph_objects as go
import plotly.io as pio

VALIDATE = os.environ.get("BPV_VALIDATE_FIGURES", "") == "1"


def Figure(data=None, **props) -> go.Figure:
    """Return a go.Figure of `data` (traces, or a figure to copy), validated only when VALIDATE is on."""
    return go.Figure(data, _validate=VALIDATE, **props)


def _unvalidated(kind: type) -> Callable[..., go.Scatter]:
    def make(**props):
        return kind(_validate=VALIDATE, **props)

    make.__name__ = kind.__name__
    make.__doc__ = f"Return a go.{kind.__name__} of props, validated only when VALIDATE is on."
    return make


Scatter = _unvalidated(go.Scatter)
Scatter3d = _unvalidated(go.Scatter3d)
Heatmap = _unvalidated(go.Heatmap)
Contour = _unvalidated(go.Contour)
Surface = _unvalidated(go.Surface)
Bar = _unvalidated(go.Bar)
Table = _unvalidated(go.Table)
Frame = _unvalidated(go.Frame)


def spec(fig: go.Figure) -> str:
    """Return the figure as the JSON text Plotly.js draws (what st.plotly_chart sends), without re-validating."""
    return pio.to_json(fig, validate=False)
