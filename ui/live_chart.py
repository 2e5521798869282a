"""A Plotly figure redrawn in place, for the figures a Step or a Play frame changes.

`st.plotly_chart` (Streamlit 1.67) makes every new figure a new element: the browser tears the plot down
and builds it again on every Step and every Play frame (a purge and two Plotly.react calls per chart,
measured; streamlit/streamlit#16052). With three charts that capped live Play at about two redraws a
second. This tiny component keeps one Plotly plot per key and hands each new figure to Plotly.react,
which updates the plot where it stands. A click on a point with customdata comes back like a
`st.plotly_chart` selection event, so `viz.network.parse_selection` reads both.

Plotly itself is Streamlit's own copy (`window.Plotly`, defined once the page has drawn any
`st.plotly_chart`): `plotly_loader()` draws a hidden empty chart on every page so it is always there.
"""

from __future__ import annotations

import streamlit as st

import viz.objs as vo

_JS = r"""
export default function({ parentElement, data, setTriggerValue }) {
  const host = parentElement;
  let gd = host.__bpvPlot;
  if (!gd) {
    gd = document.createElement('div');
    host.appendChild(gd);
    host.__bpvPlot = gd;
  }
  host.__bpvNext = data;   // only the newest figure is drawn when several arrive during one draw
  const click = (ev) => {
    const points = (ev.points || []).filter((p) => p.customdata !== undefined)
      .map((p) => ({curve_number: p.curveNumber, point_index: p.pointNumber, customdata: p.customdata}));
    if (points.length) setTriggerValue('click', {selection: {points}});
  };
  const draw = (waited) => {
    const Plotly = window.Plotly;
    if (!Plotly) {
      if (waited > 20000) { gd.textContent = 'The chart library did not load: reload the page.'; return; }
      setTimeout(() => draw(waited + 50), 50);
      return;
    }
    if (host.__bpvBusy || !host.__bpvNext) return;
    const next = host.__bpvNext;
    host.__bpvNext = null;
    host.__bpvBusy = true;
    const fig = JSON.parse(next.figure);
    Plotly.react(gd, fig.data, fig.layout, next.config).then(() => {
      if (next.clickable && !gd.__bpvClick) {
        gd.__bpvClick = true;
        gd.on('plotly_click', click);
      }
      // live Play: drawn, so ask for the next frame (the server computes it while the browser paints this one)
      if (next.pace !== null && next.pace !== host.__bpvPaced) {
        host.__bpvPaced = next.pace;
        setTriggerValue('drawn', next.pace);
      }
    }).finally(() => { host.__bpvBusy = false; if (host.__bpvNext) draw(0); });
  };
  draw(0);
}
"""
_chart = st.components.v2.component("bpv_live_chart", js=_JS, isolate_styles=False)
_CONFIG = {"displayModeBar": False, "displaylogo": False}


def live_chart(fig, key: str, clickable: bool = False, pace: int | None = None) -> dict | None:
    """Draw `fig` under `key`, updating the plot in place on later runs; a figure without a layout width takes
    the column's width (and follows it when the window is resized). `pace`: live Play's frame number
    (ui.play.frame) — once this figure is drawn the browser reruns the page's live fragment for the next frame.

    Return the click of this run as {"selection": {"points": [...]}} when `clickable` and a point with
    customdata was clicked, else None.
    """
    spec = vo.spec(fig)
    fixed = fig.layout.width is not None
    config = {**_CONFIG, "responsive": not fixed}
    result = _chart(key=key, data={"figure": spec, "config": config, "clickable": clickable, "pace": pace},
                    width="content" if fixed else "stretch", on_click_change=lambda: None,
                    on_drawn_change=lambda: None)
    return getattr(result, "click", None) if clickable else None


def plotly_loader() -> None:
    """Draw a hidden, empty st.plotly_chart: it makes Streamlit load its Plotly, which live_chart draws with."""
    st.html("<style>.st-key-bpv_plotly_loader { display: none; }</style>")  # takes no room
    st.plotly_chart(vo.Figure(layout={"width": 10, "height": 10}), key="bpv_plotly_loader", width="content")
