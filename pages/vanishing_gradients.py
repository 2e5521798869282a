"""Vanishing gradients: the same deep net with sigmoid, tanh and ReLU (same data, same start), stepped together."""

import streamlit as st

from engine import INITS, OPTIMIZERS, Config
from engine.diagnostics import COMPARE_ACTIVATIONS, Comparison, comparison_for
from ui.controls import step_row
from ui.play import live_area, play_frame, show_note
from ui.session import current_style, presenter_mode
from ui.settings import ACT_LABELS, LR_STEPS, claim_url_keys
from ui.viewport import column_space
from viz import vanishing as vv

K = "vg"
VG_DATASETS = {"circle": "Circle", "moons": "Two moons", "xor_quadrants": "XOR quadrants", "gaussians": "Two Gaussians",
               "spiral": "Two spirals"}
INIT_CHOICES = {k: v for k, v in INITS.items() if k != "zeros"}
LOSS_CHOICES = {"half_sse": "½·SSE (as Glorot & Bengio)", "bce": "Binary cross-entropy"}
SCALES = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
CLIPS = (0.0, 0.1, 0.5, 1.0, 5.0, 20.0)
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
        ds = st.selectbox("Dataset", list(VG_DATASETS), format_func=VG_DATASETS.get, key="vg_ds", **q)
        n = st.slider("Samples N", 50, 1000, 200, step=50, key="vg_n", **q)
        loss = st.selectbox("Loss", list(LOSS_CHOICES), format_func=LOSS_CHOICES.get, key="vg_loss", **q)
        seed = st.number_input("Weight seed", 0, 9999, 1, key="vg_seed", **q)
        st.divider()
        st.markdown("**Training** — changes keep the weights")
        opt = st.selectbox("Optimizer", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key="vg_opt", **q)
        lr = st.select_slider("Learning rate η", LR_STEPS, value=1.0, key="vg_lr", **q)
        clip = st.select_slider("Clip gradient norm at", CLIPS, value=0.0, format_func=_off, key="vg_clip", **q)
    cfg = Config(dataset=ds, n_samples=n, test_ratio=0.0, hidden=(width,) * depth, loss=loss, init=init,
                 init_scale=scale, seed=int(seed), lr=lr, optimizer=opt, clip_norm=clip)
    return cfg, acts


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
    st.plotly_chart(vv.gradient_flow_figure(comp, snaps, style, height=max(340, min(560, space.height_left()))),
                    key="vg_flow", theme=None)
    st.caption("Read each line from right (output) to left (input): a line that falls steeply means the error "
               "signal δ shrinks at every layer, so the first layers barely learn (first/last = mean |δ| of hidden "
               "layer 1 ÷ that of the last hidden layer). Same data, same start: only the activation differs.")
    view = st.segmented_control("Details", list(vv.DETAIL_VIEWS), format_func=vv.DETAIL_VIEWS.get, default="sat",
                                required=True, key="vg_view", bind="query-params") or "sat"
    st.plotly_chart(vv.detail_figure(view, comp, snaps, style), key=f"vg_{view}_fig", theme=None)
    st.caption(CAPTIONS[view])


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
    if previous is None:
        st.error(f"These settings don't work together: {err}.")
        st.stop()
    st.error(f"These settings don't work together: {err}. The previous networks are kept.")
    comparison, rebuilt = previous, []
st.session_state[KEY] = comparison
if rebuilt:
    st.info("Networks rebuilt (new weights, iteration 0) because these changed: " + ", ".join(rebuilt))
live_area(K, live)
