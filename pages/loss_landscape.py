"""Loss landscape: the training loss around the weights on a map that stays still, the point and its path moving
over it as the network trains."""

import streamlit as st

from engine import limits
from engine.landscape import INTERP_ALPHAS, LossModel, frame_map, interpolation, next_batch, slice_through
from ui.chrome import lesson_banner
from ui.controls import divergence_message, trainer_advance, trainer_step_row
from ui.landscape import (
    frame_caption,
    map_layout,
    map_options,
    side_by_side_section,
    view_slider,
    viewed_iteration,
    watch,
)
from ui.live_chart import live_chart
from ui.play import frame, live_area, play_frame, show_note
from ui.session import TRAINER_KEY, current_style, current_trainer, rebuild_same
from ui.sidebar import show_notices
from ui.viewport import column_space
from viz import landscape as vl

K = "ls"
BN_TEXT = ("Batch norm: the map moves W and b only; γ, β and the running statistics stay at their current values, "
           "and every loss is an evaluation (running statistics, no dropout), as the train loss is.")
INTERP_TEXT = ("The loss on the straight line from the starting weights to now: a smooth downhill line means the "
               "problem is easy; a bump means training had to get over a ridge.")
current_trainer()  # draws the sidebar and keeps the session's trainer in step with it
show_notices()
lesson_banner()


def reset():
    """Start over from the same initial weights (a new trainer: the map is chosen anew)."""
    return rebuild_same(st.session_state[TRAINER_KEY])


def live() -> None:
    """The step row, the map and what moves with the point; a click reruns only this, and Play every frame."""
    trainer = st.session_state[TRAINER_KEY]
    play_frame(K, trainer.iteration, trainer_advance(trainer))
    trainer_step_row(K, trainer, reset, viewed=lambda: viewed_iteration(K, st.session_state[TRAINER_KEY]))
    trainer = st.session_state[TRAINER_KEY]
    show_note(K)
    divergence_message(trainer)
    options = map_options(K, trainer)
    if options.settings.picks[0] == options.settings.picks[1]:
        st.warning("Pick two different weights for the two axes.")
        return
    w = watch(trainer, options)
    k = viewed_iteration(K, trainer)
    rows = next_batch(trainer) if options.batch else None
    m = frame_map(w.frame, trainer, w.path, k, rows, heights=options.show_3d)
    style = current_style()
    map_w, side_w, height = map_layout(column_space(f"{K}_space"))
    map_col, side_col = st.columns([map_w, side_w], gap="small") if side_w else (st.container(), None)
    with map_col:
        live_chart(vl.contour_figure(m, style, height=height, width=map_w, title=w.notice), key=f"{K}_contour",
                   pace=frame(K))
    theta = w.path.at(trainer, k)
    cut = slice_through(w.frame, LossModel.of(trainer, rows), theta)
    with side_col or st.container():   # beside the map its loss axis lines up with the colour bar
        fig = vl.slice_figure(cut, style, height=height if side_w else min(320, height), width=side_w or map_w,
                              top=vl.map_top(w.notice))
        live_chart(fig, key=f"{K}_slice")
        st.caption("The loss along direction 1 through the weights now: it sinks as the network learns.")
    st.caption(frame_caption(w.frame, options.follow))
    if trainer.config.batch_norm:
        st.caption(BN_TEXT)
    if trainer.n_train > limits.SURFACE_ROWS:
        st.caption(f"On {trainer.n_train:,} training rows the map is computed on a fixed sample of "
                   f"{limits.SURFACE_ROWS:,} of them (the same rows at every step), so it stays quick; the point's "
                   "loss on the map is on that sample too.")
    view_slider(K, trainer)
    if options.show_3d:
        live_chart(vl.surface3d_figure(m, style, height=height, width=map_w), key=f"{K}_surface3d")
        st.caption("The same map as a landscape you can turn with the mouse: height is the loss (log scale).")
    more = st.expander("Straight line from the start to now (interpolation)", key=f"{K}_interp_open",
                       on_change="rerun")
    if more.open:
        losses = interpolation(trainer, w.path.points[0], theta, INTERP_ALPHAS)
        with more:
            st.plotly_chart(vl.interpolation_figure(INTERP_ALPHAS, losses, style, width=map_w), key=f"{K}_interp",
                            theme=None, width="content")
            st.caption(INTERP_TEXT)


live_area(K, live)
side_by_side_section(st.session_state[TRAINER_KEY], current_style(), st.session_state.get(f"{K}_grid", 41))
