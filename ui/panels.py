"""The click panel (a neuron's or an edge's equations with numbers), rewind, and experiment export/import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.experiment import ExperimentError, from_json, to_json
from engine.trace import StepTrace
from engine.trainer import Trainer
from ui.chrome import math_line_chars
from ui.session import set_trainer
from ui.stage import stage
from ui.walk import View
from viz.equations import edge_equations, neuron_equations
from viz.network import Selection, layer_name
from viz.text import MESSAGE_LIMIT, markdown_text


def selection_panel(trainer: Trainer, trace: StepTrace, sel: Selection, sample: int | None, key: str,
                    width: int) -> bool:
    """Show the equations of the clicked neuron or edge with the numbers plugged in, wrapped to a panel `width`
    pixels wide; return True on "close".

    A picker under the title reaches every neuron, including those a wide layer's drawing leaves out.
    """
    chars = math_line_chars(width)
    L = len(trace.layers)
    head = st.container(horizontal=True, vertical_alignment="center")
    closed = head.button("✕ Close", key=f"{key}_close", shortcut="Esc", help="Back to the data and the loss (Esc)")
    if sel.kind == "node" and 0 <= sel.layer <= L:
        s = 0 if sample is None else min(sample, trace.x.shape[0] - 1)
        head.markdown(f"**{layer_name(sel.layer, L, long=True).capitalize()}, neuron {sel.j + 1}** — "
                      f"sample {s + 1} of {trace.x.shape[0]}")
        if sample is None:
            st.caption("Equations are per sample, so this shows sample 1 while the graph shows the batch mean.")
        for line in neuron_equations(trace, trainer.net, sel.layer, sel.j, s, chars):
            st.latex(line)
    elif sel.kind == "edge" and 1 <= sel.layer <= L:
        source = f"input x{sel.k + 1}" if sel.layer == 1 else f"neuron {sel.k + 1} of {layer_name(sel.layer - 1, L)}"
        what = f"bias of neuron {sel.j + 1}" if sel.k < 0 else f"weight {source} → neuron {sel.j + 1}"
        head.markdown(f"**{layer_name(sel.layer, L, long=True).capitalize()}: {what}** — batch of "
                      f"{trace.x.shape[0]}")
        for line in edge_equations(trace, trainer.config, sel.layer, sel.j, sel.k, chars):
            st.latex(line)
    _neuron_picker(trace, sel, key)
    return closed


def _neuron_picker(trace: StepTrace, sel: Selection, key: str) -> None:
    """Draw 'another neuron' selects; picking one shows it (every neuron, also those not drawn)."""
    L = len(trace.layers)
    sizes = [trace.x.shape[1], *(lt.W.shape[0] for lt in trace.layers)]
    with st.expander("Another neuron (every neuron, also those a wide layer does not draw)"):
        cols = st.columns(2)
        layer = cols[0].selectbox("Layer", range(L + 1), index=min(sel.layer, L), key=f"{key}_pick_layer",
                                  format_func=lambda c: layer_name(c, L, long=True))
        j = cols[1].number_input("Neuron", 1, sizes[layer], min(sel.j + 1, sizes[layer]), key=f"{key}_pick_j")
        if st.button("Show it", key=f"{key}_pick"):
            st.session_state[f"_pick_{key}"] = Selection("node", int(layer), int(j) - 1)


def picked_neuron(key: str) -> Selection | None:
    """Return (once) the neuron chosen with the picker, or None."""
    return st.session_state.pop(f"_pick_{key}", None)


def rewind_slider(trainer: Trainer, key: str) -> None:
    """Draw a slider over past iterations: moving it VIEWS that moment (nothing is deleted); "Continue training
    from here" then truncates, after saying so."""
    if trainer.iteration < 1:
        return
    s = stage(key, trainer)
    widget = f"{key}_rewind"
    st.session_state[widget] = s.view.iteration

    def view() -> None:
        s.view = View(int(st.session_state[widget]), s.view.phase)

    cols = st.columns([4, 1.4], vertical_alignment="bottom")
    cols[0].slider("Look back at iteration (the later ones are kept; ← / PageUp walk back too)", 0,
                   trainer.iteration, key=widget, on_change=view)
    if s.view.iteration < trainer.iteration:
        later = trainer.iteration - s.view.iteration
        if cols[1].button(f"Continue training from {s.view.iteration}", key=f"{key}_truncate",
                          help=f"Deletes the {later} later iterations; stepping on gives the same numbers again"):
            trainer.rewind(s.view.iteration)
            st.toast(f"Deleted iterations {s.view.iteration + 1}–{s.view.iteration + later}: training goes on "
                     f"from iteration {s.view.iteration}.")
            st.rerun(scope="fragment")


def export_panel(trainer: Trainer, key: str) -> None:
    """Downloads (history CSV, experiment JSON) and a JSON upload that restores a saved experiment."""
    cols = st.columns(2)
    # callables: the files are built only when someone downloads them
    cols[0].download_button("History (CSV)", lambda: pd.DataFrame(trainer.history.columns()).to_csv(index=False),
                            "history.csv", "text/csv", key=f"{key}_hist", on_click="ignore")
    cols[1].download_button("Experiment (JSON)", lambda: to_json(trainer, custom_data=trainer.custom_data),
                            "experiment.json", "application/json", key=f"{key}_json", on_click="ignore")
    restored = st.session_state.pop(f"{key}_restored", None)
    if restored:  # said after the rerun that moved the sidebar to the loaded settings
        st.success(markdown_text(restored, MESSAGE_LIMIT))
    upload = st.file_uploader("Load a saved experiment (.json)", type=["json"], key=f"{key}_load")
    if upload is None or st.session_state.get(f"{key}_loaded") == upload.file_id:
        return
    st.session_state[f"{key}_loaded"] = upload.file_id
    try:
        loaded, message = from_json(upload.getvalue())
    except ExperimentError as e:
        st.error(f"Could not load that file: {markdown_text(e, MESSAGE_LIMIT)}. Your current experiment is "
                 "unchanged.")
        return
    set_trainer(loaded)
    st.session_state[f"{key}_restored"] = message
    st.rerun()
