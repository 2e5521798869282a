"""The click panel (a neuron's or an edge's equations with numbers), rewind, and experiment export/import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.experiment import ExperimentError, from_json, to_json
from engine.trace import StepTrace
from engine.trainer import Trainer
from ui.session import set_trainer
from viz.equations import edge_equations, neuron_equations
from viz.network import Selection


def selection_panel(trainer: Trainer, trace: StepTrace, sel: Selection | None, sample: int | None) -> None:
    """Show the equations of the clicked neuron or edge, numbers plugged in (or a hint when none is picked)."""
    if sel is None:
        st.info("Click a neuron to see z = Σ w·a + b, a = f(z) and its δ with the numbers plugged in; click the "
                "middle of an edge for ∂L/∂w, the update and the new weight.")
        return
    L = len(trace.layers)
    if sel.kind == "node" and 0 <= sel.layer <= L:
        s = 0 if sample is None else sample
        name = "input" if sel.layer == 0 else "output" if sel.layer == L else f"hidden layer {sel.layer}"
        st.markdown(f"#### Neuron {sel.j + 1} of the {name} — sample {s + 1} of the batch")
        if sample is None:
            st.caption("Equations are per sample, so this shows sample 1 while the graph shows the batch mean.")
        for line in neuron_equations(trace, trainer.net, sel.layer, sel.j, s):
            st.latex(line)
    elif sel.kind == "edge" and 1 <= sel.layer <= L:
        source = f"input x{sel.k + 1}" if sel.layer == 1 else f"neuron {sel.k + 1} of layer {sel.layer - 1}"
        what = f"bias of neuron {sel.j + 1}" if sel.k < 0 else f"weight from {source} to neuron {sel.j + 1}"
        st.markdown(f"#### Layer {sel.layer}: {what} — whole batch (B = {trace.x.shape[0]})")
        for line in edge_equations(trace, trainer.config, sel.layer, sel.j, sel.k):
            st.latex(line)


def rewind_slider(trainer: Trainer, key: str) -> None:
    """Draw a slider over past iterations; moving it restores that moment exactly (weights, trace, counters)."""
    if trainer.iteration < 1:
        return

    def restore() -> None:
        trainer.rewind(int(st.session_state[key]))

    st.session_state[key] = trainer.iteration
    st.slider("Rewind to iteration (stepping on from there gives the same numbers again)", 0, trainer.iteration,
              key=key, on_change=restore)


def export_panel(trainer: Trainer, key: str) -> None:
    """Downloads (history CSV, experiment JSON) and a JSON upload that restores a saved experiment."""
    cols = st.columns(2)
    # callables: the files are built only when someone downloads them
    cols[0].download_button("History (CSV)", lambda: pd.DataFrame(trainer.history.columns()).to_csv(index=False),
                            "history.csv", "text/csv", key=f"{key}_hist", on_click="ignore")
    cols[1].download_button("Experiment (JSON)", lambda: to_json(trainer, custom_data=trainer.custom_data),
                            "experiment.json", "application/json", key=f"{key}_json", on_click="ignore")
    upload = st.file_uploader("Load a saved experiment (.json)", type=["json"], key=f"{key}_load")
    if upload is None or st.session_state.get(f"{key}_loaded") == upload.file_id:
        return
    st.session_state[f"{key}_loaded"] = upload.file_id
    try:
        loaded, message = from_json(upload.getvalue())
    except ExperimentError as e:
        st.error(f"Could not load that file: {e}. Your current experiment is unchanged.")
        return
    set_trainer(loaded)
    st.success(message)
    st.rerun()
