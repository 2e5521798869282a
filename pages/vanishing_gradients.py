"""Vanishing gradients: the same deep net with sigmoid, tanh and ReLU (same data, same start), stepped together."""

import streamlit as st

from engine import Config
from engine.diagnostics import Comparison, comparison_for
from engine.network import BN_MOMENTUM
from ui import vanishing_settings as vs
from ui.controls import step_row
from ui.live_chart import live_chart
from ui.play import frame, live_area, play_frame, show_note
from ui.session import current_style, presenter_mode
from ui.settings import Setting, claim_url_keys
from ui.sidebar import apply_pending_settings, default_arg, move_settings_back, show_refusal
from ui.urlcheck import check_vanishing_url
from ui.viewport import column_space
from viz import vanishing as vv

K = "vg"
CAPTIONS = {
    "sat": "Tall left bars: units stuck on the flat part of σ or tanh (their slope passes almost no gradient). "
           "Right bars: ReLU units that output 0 for every sample and so can never learn again.",
    "time": "Each row of cells is a layer over time; dark means a tiny weight gradient. Dark rows near the bottom "
            "that stay dark are early layers that never get to learn.",
    "hist": "As in Glorot & Bengio (2010), one curve per hidden layer. Right: curves that step left layer after "
            "layer show δ shrinking toward the input. Left: curves piled at the ends show saturated units.",
    "explode": "Solid: the gradient's size before clipping; dotted: what the update used. Raise the weight scale "
               "or the learning rate to make it explode, then set a clip threshold to cap it.",
}
KEY = "vg_comparison"


def _off(v: float) -> str:
    return f"{v:g}" if v else "off"


def _widget(s: Setting):
    """Draw one of this page's settings (ui/vanishing_settings.py) bound to the URL; return its value."""
    q = {"key": s.key, "bind": "query-params", **default_arg(s)}
    if s.kind == "check":
        return st.toggle(s.label, help=s.help, **q)
    if s.kind == "select":
        return st.selectbox(s.label, list(s.options), format_func=s.options.get, **q)
    if s.kind == "steps":
        return st.select_slider(s.label, s.options, format_func=_off if s.key == "vg_clip" else str, **q)
    if s.hi - s.lo > 100 and s.step == 1:
        return st.number_input(s.label, int(s.lo), int(s.hi), **q)
    return st.slider(s.label, int(s.lo), int(s.hi), step=int(s.step), **q)


def setup() -> tuple[Config, list[str]]:
    """Draw this page's own settings in the sidebar; return (config, activations)."""
    apply_pending_settings()
    with st.sidebar:
        st.markdown("**This page's networks** — one per activation; changes rebuild them")
        acts = st.multiselect(vs.ACTIVATIONS.label, list(vs.ACTIVATIONS.options), default=list(vs.DEFAULT_ACTIVATIONS),
                              format_func=vs.ACTIVATIONS.options.get, key=vs.ACTIVATIONS.key, bind="query-params")
        values = {s.key: _widget(s) for s in (vs.BATCH_NORM, *vs.NETWORK)}
        st.divider()
        st.markdown("**Training** — changes keep the weights")
        values |= {s.key: _widget(s) for s in vs.TRAINING}
    return vs.to_config(values), acts


def advance(n: int) -> tuple[int, str | None]:
    """Play's Advance for the comparison: step every net n times; stop at the first divergence."""
    comp: Comparison = st.session_state[KEY]
    start = comp.iteration
    newly = comp.run(n)
    if newly:
        return comp.iteration - start, ", ".join(f"{vv.act_label(a)} diverged at iteration {comp.diverged_at[a]}"
                                                 for a in newly) + "."
    return comp.iteration - start, None


def reset() -> None:
    comp = st.session_state[KEY]
    st.session_state[KEY] = Comparison(comp.config, comp.activations)


def live() -> None:
    """Controls and every figure; Step reruns only this part of the page, and Play every frame."""
    play_frame(K, st.session_state[KEY].iteration, advance)
    step_row(K, lambda: f"iteration {st.session_state[KEY].iteration}",
             step=lambda n: st.session_state[KEY].run(n), epoch=None, reset=reset)
    show_note(K)
    comp: Comparison = st.session_state[KEY]
    for name, k in comp.diverged_at.items():
        st.error(f"**{vv.act_label(name)} diverged at iteration {k}**: its loss or gradient stopped being a finite "
                 "number, so it keeps its last finite weights and stops. Lower the learning rate or the weight "
                 "scale, or turn on gradient clipping, then step again.")
    style = current_style()
    snaps = comp.snapshots()
    space = column_space(f"{K}_space")
    live_chart(vv.gradient_flow_figure(comp, snaps, style, height=max(340, min(560, space.height_left()))),
               key="vg_flow", pace=frame(K))
    st.caption("Read each line from right (output) to left (input): a line that falls steeply means the error "
               "signal δ shrinks at every layer, so the first layers barely learn (first/last = mean |δ| of hidden "
               "layer 1 ÷ that of the last hidden layer). Same data, same start: only the activation differs."
               + (" With batch norm, δ is taken at z, after the three-term formula: each layer rescales it by "
                  "γ/√(σ²_B + ε), so it no longer shrinks on the way back. The training loss is an evaluation with "
                  f"the running statistics, which trail the batch's (momentum {BN_MOMENTUM:g}): it can rise in the "
                  "first steps while the nets already learn." if comp.config.batch_norm else ""))
    view = st.segmented_control("Details", list(vv.DETAIL_VIEWS), format_func=vv.DETAIL_VIEWS.get, default="sat",
                                required=True, key="vg_view", bind="query-params") or "sat"
    live_chart(vv.detail_figure(view, comp, snaps, style), key="vg_detail")
    st.caption(CAPTIONS[view])


check_vanishing_url()  # before any vg_* widget reads the link
claim_url_keys("vg_")  # this page's own URL-bound widgets
if not presenter_mode():
    st.markdown("#### Vanishing gradients — the same deep network, one copy per activation: **where does the "
                "gradient die on its way back to the input?**")
config, activations = setup()
if not activations:
    st.warning("Choose at least one activation in the sidebar to compare.")
    st.stop()
previous = st.session_state.get(KEY)
try:
    comparison, rebuilt = comparison_for(previous, config, activations)
except ValueError as err:
    # a link or a change that does not fit still leaves a working page: the default (or previous) nets, with the
    # sidebar moved back to their settings, and why
    if previous is None:
        st.session_state[KEY] = Comparison(vs.to_config({}), activations)
    kept = "Showing the default networks instead." if previous is None else "The previous networks are kept."
    move_settings_back(vs.from_config(st.session_state[KEY].config), err, kept, from_link=previous is None)
show_refusal()
st.session_state[KEY] = comparison
if rebuilt:
    st.info("Networks rebuilt (new weights, iteration 0) because these changed: " + ", ".join(rebuilt))
live_area(K, live)
