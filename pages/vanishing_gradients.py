"""Vanishing gradients: the same deep net with sigmoid, tanh and ReLU (same data, same start), stepped together."""

import streamlit as st

from engine import INITS, OPTIMIZERS, Config
from engine.diagnostics import COMPARE_ACTIVATIONS, Comparison, comparison_for
from ui.session import current_style
from ui.settings import ACT_LABELS, LR_STEPS
from viz import vanishing as vv

DATASETS = {"circle": "Circle", "moons": "Two moons", "xor_quadrants": "XOR quadrants", "gaussians": "Two Gaussians",
            "spiral": "Two spirals"}
INIT_CHOICES = {k: v for k, v in INITS.items() if k != "zeros"}
LOSS_CHOICES = {"half_sse": "½·SSE (as Glorot & Bengio)", "bce": "Binary cross-entropy"}
SCALES = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
CLIPS = (0.0, 0.1, 0.5, 1.0, 5.0, 20.0)
STEP_N = (10, 50, 100, 500)
PLAY_EVERY = 0.35   # seconds between Play frames
PLAY_LIMIT = 5000   # Play stops here so history stays small
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
KEY, PLAYING, NOTICE = "vg_comparison", "vg_playing", "vg_notice"


def _off(v: float) -> str:
    return f"{v:g}" if v else "off"


def setup() -> tuple[Config, list[str]]:
    """Draw this page's own settings in the sidebar; return (config, activations)."""
    q = {"bind": "query-params"}
    with st.sidebar:
        st.markdown("**This page's networks** — one per activation; changes rebuild them")
        acts = st.multiselect("Activations", list(ACT_LABELS), default=list(COMPARE_ACTIVATIONS),
                              format_func=ACT_LABELS.get, key="vg_acts", **q)
        depth = st.slider("Hidden layers", 2, 12, 6, key="vg_depth", **q)
        width = st.slider("Neurons per hidden layer", 4, 64, 32, key="vg_width", **q)
        init = st.selectbox("Initialisation", list(INIT_CHOICES), index=list(INIT_CHOICES).index("standard"),
                            format_func=INIT_CHOICES.get, key="vg_init", **q)
        scale = st.select_slider("Initial weights × (scale)", SCALES, value=1.0, key="vg_scale", **q)
        ds = st.selectbox("Dataset", list(DATASETS), format_func=DATASETS.get, key="vg_ds", **q)
        n = st.slider("Samples N", 50, 1000, 200, step=50, key="vg_n", **q)
        loss = st.selectbox("Loss", list(LOSS_CHOICES), format_func=LOSS_CHOICES.get, key="vg_loss", **q)
        seed = st.number_input("Weight seed", 0, 9999, 1, key="vg_seed", **q)
        st.divider()
        st.markdown("**Training** — changes keep the weights")
        opt = st.selectbox("Optimizer", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key="vg_opt", **q)
        lr = st.select_slider("Learning rate η", LR_STEPS, value=1.0, key="vg_lr", **q)
        clip = st.select_slider("Clip gradient norm at", CLIPS, value=0.0, format_func=_off, key="vg_clip", **q)
        st.select_slider("Play: iterations per frame", (1, 2, 5, 10, 20), value=5, key="vg_frame")
    cfg = Config(dataset=ds, n_samples=n, test_ratio=0.0, hidden=(width,) * depth, loss=loss, init=init,
                 init_scale=scale, seed=int(seed), lr=lr, optimizer=opt, clip_norm=clip)
    return cfg, acts


def stop_playing(message: str | None = None) -> None:
    """Stop Play (a full rerun drops the frame timer) and keep a message for the next run."""
    st.session_state[PLAYING] = False
    if message:
        st.session_state[NOTICE] = message
    st.rerun()


def controls(comp: Comparison) -> Comparison:
    """Draw Step / Step ×N / Play / Reset, run what was clicked and return the (possibly reset) comparison."""
    cols = st.columns([1, 1.1, 1, 1, 1, 3.4], vertical_alignment="center")
    n = cols[2].selectbox("N", STEP_N, key="vg_stepn_n", label_visibility="collapsed")
    if cols[0].button("Step", key="vg_step", type="primary", use_container_width=True):
        comp.step()
    if cols[1].button(f"Step ×{n}", key="vg_stepn", use_container_width=True):
        comp.run(n)
    playing = st.session_state.get(PLAYING, False)
    if cols[3].button("Pause" if playing else "Play", key="vg_play", use_container_width=True):
        st.session_state[PLAYING] = not playing
        st.rerun()
    if cols[4].button("Reset", key="vg_reset", use_container_width=True):
        comp = Comparison(comp.config, comp.activations)
        st.session_state[KEY] = comp
        if playing:
            stop_playing()
    cols[5].markdown(f"### iteration {comp.iteration}")
    return comp


def play_frame(comp: Comparison) -> None:
    """Advance every net by one Play frame; stop Play at a divergence or at the iteration limit."""
    newly = comp.run(int(st.session_state.get("vg_frame", 5)))
    if newly:
        stop_playing("Play stopped: " + ", ".join(f"{vv.act_label(a)} diverged at iteration {comp.diverged_at[a]}"
                                                  for a in newly) + ".")
    if comp.iteration >= PLAY_LIMIT or len(comp.diverged_at) == len(comp.trainers):
        stop_playing(f"Play stopped at iteration {comp.iteration}.")


@st.fragment(run_every=PLAY_EVERY if st.session_state.get(PLAYING) else None)
def live() -> None:
    """Controls and every figure; Step reruns only this part of the page."""
    comp = controls(st.session_state[KEY])
    if st.session_state.get(PLAYING):
        play_frame(comp)
    for name, k in comp.diverged_at.items():
        st.error(f"**{vv.act_label(name)} diverged at iteration {k}**: its loss or gradient stopped being a finite "
                 "number, so it keeps its last finite weights and stops. Lower the learning rate or the weight "
                 "scale, or turn on gradient clipping, then step again.")
    style = current_style()
    snaps = comp.snapshots()
    st.plotly_chart(vv.gradient_flow_figure(comp, snaps, style), key="vg_flow", theme=None)
    st.caption("Read each line from right (output) to left (input): a line that falls steeply means the error "
               "signal δ shrinks at every layer, so the first layers barely learn (first/last = mean |δ| of hidden "
               "layer 1 ÷ that of the last hidden layer). Same data, same start: only the activation differs.")
    view = st.segmented_control("Details", list(vv.DETAIL_VIEWS), format_func=vv.DETAIL_VIEWS.get, default="sat",
                                required=True, key="vg_view", bind="query-params") or "sat"
    st.plotly_chart(vv.detail_figure(view, comp, snaps, style), key=f"vg_{view}_fig", theme=None)
    st.caption(CAPTIONS[view])


st.title("Vanishing gradients")
st.markdown("The same deep network, one copy per activation, trained side by side: **where does the gradient "
            "die on its way back to the input?**")
config, activations = setup()
if not activations:
    st.warning("Choose at least one activation in the sidebar to compare.")
    st.stop()
previous = st.session_state.get(KEY)
try:
    comparison, rebuilt = comparison_for(previous, config, activations)
except ValueError as err:
    if previous is None:
        st.error(f"These settings don't work together: {err}.")
        st.stop()
    st.error(f"These settings don't work together: {err}. The previous networks are kept.")
    comparison, rebuilt = previous, []
st.session_state[KEY] = comparison
if rebuilt:
    st.info("Networks rebuilt (new weights, iteration 0) because these changed: " + ", ".join(rebuilt))
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.warning(notice)
live()
