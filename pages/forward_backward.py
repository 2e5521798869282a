"""Forward & backward: step training one iteration (or one phase) at a time and watch the numbers on the network."""

import streamlit as st

from ui.chrome import lesson_banner
from ui.controls import divergence_message, trainer_advance, trainer_step_row
from ui.live_chart import live_chart
from ui.panels import export_panel, picked_neuron, rewind_slider, selection_panel
from ui.play import frame, is_playing, live_area, play_frame, show_note
from ui.session import TRAINER_KEY, current_style, current_trainer, rebuild_same
from ui.sidebar import show_notices
from ui.stage import follow, phase_scrubber, select, stage, view_options, view_trace, walk_buttons
from ui.tables import show_layer_tables
from ui.viewport import column_space
from viz.curves import loss_figure
from viz.dataview import data_figure
from viz.network import network_figure, parse_selection
from viz.pictures import neuron_pictures

K = "fb"
current_trainer()  # draws the sidebar and keeps the session's trainer in step with it
show_notices()
lesson_banner()


def reset():
    trainer = rebuild_same(st.session_state[TRAINER_KEY])
    follow(K, trainer)
    return trainer


def live() -> None:
    """Everything a step changes; a click reruns only this part, and Play reruns it every frame."""
    trainer = st.session_state[TRAINER_KEY]
    play_frame(K, trainer.iteration, trainer_advance(trainer))
    if is_playing(K):
        follow(K, trainer)
    trainer_step_row(K, trainer, reset, viewed=lambda: stage(K, st.session_state[TRAINER_KEY]).view.iteration,
                     after=lambda: follow(K, st.session_state[TRAINER_KEY]))
    trainer = st.session_state[TRAINER_KEY]
    show_note(K)
    divergence_message(trainer)
    s = stage(K, trainer)
    picked = picked_neuron(K)
    if picked is not None:
        select(K, trainer, picked)
    walk_col, options_col = st.columns([3, 2], gap="small", vertical_alignment="bottom")
    with walk_col, st.container(horizontal=True, vertical_alignment="bottom", gap="small", key=f"{K}_walk"):
        walk_buttons(K, forward=False)
        phase = phase_scrubber(K, trainer)
        walk_buttons(K, forward=True)
    trace = view_trace(trainer, s.view)
    with options_col, st.container(horizontal=True, vertical_alignment="bottom", gap="small", key=f"{K}_options"):
        quantity, sample, scale, pictures = view_options(K, trace.x.shape[0])

    style = current_style()
    graph_col, side_col = st.columns([3, 2], gap="small")
    with graph_col:
        space = column_space(f"{K}_space")
        ds = trainer.dataset
        fig = network_figure(trace, style, phase=phase, edge_quantity=quantity, sample=sample, width=space.width,
                             height=min(space.height_left(), int(1.15 * space.width)), net=trainer.net,
                             scale=scale, selection=s.selection, input_names=ds.feature_names,
                             output_names=ds.target_names if ds.task == "regression" else None,
                             pictures=neuron_pictures(trainer, trace) if pictures else None)
        picked = parse_selection(live_chart(fig, key=f"{K}_net", clickable=True, pace=frame(K)))
        if picked is not None:
            select(K, trainer, picked)
            st.rerun(scope="fragment")
    with side_col:
        side = column_space(f"{K}_side")
        if s.selection is not None:
            if selection_panel(trainer, trace, s.selection, sample, key=K, width=side.width):
                select(K, trainer, None)
                st.rerun(scope="fragment")
        else:
            viewed = s.view.iteration
            params, norms = (None, None) if viewed == trainer.iteration else trainer.state_at(viewed)
            left = side.height_left()
            live_chart(data_figure(trainer, style, None if trainer.iteration == 0 else trace.batch_index,
                                   height=min(side.width, int(0.58 * left)), width=side.width, params=params,
                                   compact=True, norms=norms), key=f"{K}_data")
            if len(trainer.history):
                live_chart(loss_figure(trainer.history, style, log_y=st.session_state.get(f"{K}_logy", False),
                                       height=max(180, left - min(side.width, int(0.58 * left)) - 40),
                                       width=side.width, current=viewed, compact=True), key=f"{K}_loss")
            else:
                st.info("The loss curve starts with the first step.")
    rewind_slider(trainer, K)
    tables = st.expander("Tables for one layer (z, a, δ, W, ∂L/∂W, ΔW) with CSV downloads", key=f"{K}_tables",
                         on_change="rerun")
    if tables.open:
        with tables:
            show_layer_tables(trace, sample, f"{K}_tbl")
    saving = st.expander("Save or load the experiment", key=f"{K}_saving", on_change="rerun")
    if saving.open:
        with saving:
            export_panel(trainer, f"{K}_exp")


live_area(K, live)
