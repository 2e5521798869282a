"""Loss landscape: the training loss around the current weights, with the descent path drawn on it."""

import streamlit as st

from engine.landscape import KINDS, SIDE_BY_SIDE, describe_param, param_names, side_by_side, state_key, view
from ui.controls import played_traces, step_controls
from ui.session import current_style, current_trainer
from ui.sidebar import show_notices
from viz import landscape as vl

SPANS = ("auto", 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
CONTOUR_TEXT = ("Dark is low loss. The orange line is the way gradient descent came down; the white dot is where "
                "the network is now — watch it roll towards the dark valley as you step.")
SURFACE_TEXT = ("The same slice as a landscape you can turn with the mouse: height is the loss (log scale) and the "
                "line is the path, drawn on this slice.")
SLICE_TEXT = ("A cut through the map along the horizontal axis: is the network at the bottom of this valley, or "
              "still on a slope?")
INTERP_TEXT = ("The loss on the straight line from the starting weights to now: a smooth downhill line means the "
               "problem is easy; a bump means training had to get over a ridge.")
COMPARE = {"batch_mode": "Batch modes: full batch, mini-batch, SGD", "optimizer": "Optimizers: SGD, momentum, Adam"}


def with_progress(text: str, compute):
    """Return compute(on_progress) with a progress bar that appears only once the work is chunked."""
    slot = st.empty()   # made inside the cached functions, so a cache hit replays it harmlessly
    out = compute(lambda done, total: slot.progress(done / total, text=text))
    slot.empty()
    return out


@st.cache_data(max_entries=48, show_spinner=False)
def cached_view(_trainer, key, iteration, kind, grid_n, span, seed, picks, biases, dense_from):
    return with_progress("Computing the loss surface…", lambda progress: view(
        _trainer, iteration, kind, grid_n, span, seed, picks, biases, dense_from, progress))


@st.cache_data(max_entries=8, show_spinner=False)
def cached_side_by_side(_trainer, key, field, epochs, grid_n):
    return with_progress("Training the runs side by side…", lambda progress: side_by_side(
        _trainer.config, _trainer.dataset, _trainer.initial_params, field, epochs, grid_n, progress))


st.title("Loss landscape")
show_notices()
trainer = current_trainer()
style = current_style()
trainer = step_controls(trainer, "ls")
played = played_traces("ls")
if played:  # remembered so the animation survives a change of grid or directions
    st.session_state["ls_anim"] = (id(trainer), played[0].iteration - 1, played[-1].iteration)
anim = st.session_state.get("ls_anim")
animate_from = anim[1] if anim and anim[0] == id(trainer) and anim[2] == trainer.iteration else None

c = st.columns([2.2, 1.4, 1.4, 2.6])
kind = c[0].radio("Directions", list(KINDS), format_func=KINDS.get, key="ls_kind")
grid_n = c[1].slider("Grid size (points per side)", 21, 81, 41, step=2, key="ls_grid")
span = c[2].select_slider("Span (± around now)", SPANS, value="auto", key="ls_span")
show_3d = c[1].toggle("3-D view", value=True, key="ls_3d", help="Turn off on a slow computer: 3-D redraws are costly")
names = param_names(trainer.sizes)
picks, biases, seed = (0, 1), False, (trainer.config.seed, st.session_state.get("ls_seed", 0))
if kind == "weights":
    for k in ("ls_w1", "ls_w2"):
        if st.session_state.get(k, 0) >= len(names):   # the network shrank: back to the defaults
            del st.session_state[k]
    picks = (c[3].selectbox("First weight (x axis)", range(len(names)), index=0, key="ls_w1",
                            format_func=lambda i: describe_param(names[i])),
             c[3].selectbox("Second weight (y axis)", range(len(names)), index=1, key="ls_w2",
                            format_func=lambda i: describe_param(names[i])))
elif kind == "random":
    if c[3].button("New random directions", key="ls_new_dirs"):
        st.session_state["ls_seed"] = seed[1] + 1
        seed = (seed[0], seed[1] + 1)
    biases = c[3].checkbox("Move the biases too", key="ls_biases")

T = trainer.iteration
if st.session_state.get("ls_view_max") != T or "ls_view" not in st.session_state:  # show the newest
    st.session_state["ls_view"] = st.session_state["ls_view_max"] = T
k = st.slider("Show the landscape at iteration", 0, T, key="ls_view") if T > 0 else 0
if kind == "weights":
    st.caption("With two chosen weights every other weight is frozen at its value at the shown iteration, "
               "so moving this slider moves the whole slice, not just the point.")
if trainer.config.batch_norm:
    st.caption("Batch norm: the map moves W and b only; γ, β and the running statistics stay at their current "
               "values, and every loss is an evaluation (running statistics, no dropout), as the train loss is.")
if picks[0] == picks[1]:
    st.warning("Pick two different weights for the two axes.")
    st.stop()

ls, note = cached_view(trainer, state_key(trainer), k, kind, grid_n, None if span == "auto" else span, seed,
                       picks, biases, animate_from if k == T else None)
if note:
    st.info(note[0].upper() + note[1:])
anim_now = animate_from if k == T else None
if anim_now is not None:
    st.caption(f"Computed {T - anim_now} steps — press ▶ under the map to watch the point roll down them.")
cards = [(vl.contour_figure(ls, style, anim_now), "ls_contour", CONTOUR_TEXT)]
if show_3d:
    cards.append((vl.surface3d_figure(ls, style), "ls_surface", SURFACE_TEXT))
cards += [(vl.slice_figure(ls, style), "ls_slice", SLICE_TEXT), (vl.interpolation_figure(ls, style), "ls_interp",
                                                                 INTERP_TEXT)]
for row in range(0, len(cards), 2):
    for col, (fig, key, text) in zip(st.columns(2), cards[row:row + 2]):
        col.plotly_chart(fig, key=key, theme=None)
        col.caption(text)

st.subheader("Side by side, from the same initial weights")
c = st.columns([2.5, 1.5, 1])
field = c[0].radio("Compare", list(COMPARE), format_func=COMPARE.get, key="ls_cmp_field", horizontal=True)
epochs = c[1].slider("Epochs each", 1, 50, 10, key="ls_cmp_epochs")
if c[2].button("Run them", key="ls_cmp_run", type="primary", width="stretch"):
    st.session_state["ls_cmp"] = True
if st.session_state.get("ls_cmp"):
    try:
        runs, cmp = cached_side_by_side(trainer, state_key(trainer, at_start=True), field, epochs, grid_n)
    except ValueError as e:
        st.warning(f"These runs can't be drawn on one plane: {e}.")
        st.stop()
    left, right = st.columns(2)
    left.plotly_chart(vl.contour_figure(cmp, style, show_point=False), key="ls_cmp_map", theme=None)
    left.caption(f"All {len(runs)} runs start at the black square and train for {epochs} epochs at η = "
                 f"{trainer.config.lr:g}, drawn on one PCA plane: " + (
                     "the noisier the gradient, the more the path wanders." if field == "batch_mode"
                     else "see how far and how straight each optimizer goes."))
    right.plotly_chart(vl.curves_figure(runs, style), key="ls_cmp_curves", theme=None)
    right.caption("The training loss of each run against epochs: which one gets lowest for the same number of "
                  "passes over the data?")
else:
    st.caption(f"Runs {', '.join(SIDE_BY_SIDE[field].values())} from this network's initial weights.")
