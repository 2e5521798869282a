"""Forward & backward: step training one iteration at a time and watch the numbers on the network."""

import streamlit as st

from ui.chrome import lesson_banner
from ui.controls import played_traces, step_controls
from ui.panels import export_panel, rewind_slider, selection_panel
from ui.session import TRAINER_KEY, current_style, current_trainer
from ui.sidebar import show_notices
from ui.tables import show_layer_tables
from viz.curves import loss_figure
from viz.dataview import data_figure
from viz.network import EDGE_QUANTITIES, animated_network, network_figure, parse_selection, phases

current_trainer()  # draws the sidebar and keeps the session's trainer in step with it
show_notices()
style = current_style()
title, link = st.columns([4, 1])
title.title("Forward & backward")
link.page_link("pages/lessons.py", label="Lessons", icon=":material/school:")
lesson_banner()


@st.fragment
def stepping_view() -> None:
    """Everything a Step changes; a click here reruns only this part, not the sidebar."""
    trainer = step_controls(st.session_state[TRAINER_KEY], "fb")
    played = played_traces("fb")

    trace = trainer.last_trace
    preview = trace is None
    if preview:
        trace = trainer.peek()
    all_phases = phases(trainer.n_layers)
    labels = [p.label for p in all_phases]
    view = st.columns([3, 1.4, 1.2])
    phase_label = view[0].select_slider(
        "Phase of this iteration (forward → loss → backward → update)", options=labels, value=labels[-1],
        key="fb_phase")
    quantity = view[1].radio("Edges show", list(EDGE_QUANTITIES), format_func=EDGE_QUANTITIES.get, key="fb_edgeq",
                             horizontal=True)
    B = trace.x.shape[0]
    sample_options = ["mean", *range(min(B, 50))]
    sample_choice = view[2].selectbox("Nodes show", sample_options, key="fb_sample",
                                      format_func=lambda s: "batch mean" if s == "mean" else f"sample {s + 1} of {B}")
    sample = None if sample_choice == "mean" else int(sample_choice)
    if preview:
        st.caption("Iteration 0: this is a preview of what iteration 1 will compute. Press **Step** to apply it.")

    graph_col, panel_col = st.columns([3, 2])
    with graph_col:
        if played:
            st.caption(f"Computed {len(played)} iterations — press ▶ Play in the figure to watch them (❚❚ pauses).")
            st.plotly_chart(animated_network(played, style, edge_quantity=quantity, sample=sample), key="fb_net_play")
        else:
            phase = all_phases[labels.index(phase_label)]
            fig = network_figure(trace, style, phase=phase, edge_quantity=quantity, sample=sample,
                                 input_names=trainer.dataset.feature_names, output_names=trainer.dataset.target_names
                                 if trainer.dataset.task == "regression" else None)
            # a fresh chart key after each click clears Plotly's selection dimming; the pick lives in session state
            chart_key = f"fb_net_{st.session_state.get('fb_clicks', 0)}"
            picked = parse_selection(st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=chart_key))
            if picked is not None:
                st.session_state["fb_selected"] = picked
                st.session_state["fb_clicks"] = st.session_state.get("fb_clicks", 0) + 1
                st.rerun(scope="fragment")
    with panel_col:
        selection_panel(trainer, trace, st.session_state.get("fb_selected"), sample)

    data_col, loss_col = st.columns(2)
    with data_col:
        st.subheader("Data and prediction")
        st.plotly_chart(data_figure(trainer, style, None if preview else trace.batch_index), key="fb_data")
        st.caption("Background: the network's prediction; black ring: the samples in the current batch.")
    with loss_col:
        st.subheader("Loss")
        log_y = st.toggle("log scale", key="fb_logy")
        if len(trainer.history):
            st.plotly_chart(loss_figure(trainer.history, style, log_y=log_y), key="fb_loss")
        else:
            st.info("The loss curve starts with the first step.")
        rewind_slider(trainer, "fb_rewind")

    # expanders track their state so closed ones cost nothing on each Step
    tables = st.expander("Tables for one layer (z, a, δ, W, ∂L/∂W, ΔW) with CSV downloads", key="fb_tables",
                         on_change="rerun")
    if tables.open:
        with tables:
            show_layer_tables(trace, sample, "fb_tbl")
    saving = st.expander("Save or load the experiment", key="fb_saving", on_change="rerun")
    if saving.open:
        with saving:
            export_panel(trainer, "fb_exp")


stepping_view()
