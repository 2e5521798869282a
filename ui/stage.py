"""The Forward & backward stage: which iteration and phase is on screen, walked with a clicker, and the row of
view controls (phase scrubber, edge quantity, which sample the nodes show)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from engine import StepTrace, Trainer
from ui.session import TRAINER_KEY
from ui.walk import View, clamp_view, next_view, previous_view
from viz.network import EDGE_QUANTITIES, Phase, Selection, phases
from viz.scales import SCALE_CHOICES

NEXT_KEYS = ("PageDown", "Right")   #: a presentation clicker sends PageDown (some send →)
PREVIOUS_KEYS = ("PageUp", "Left")


@dataclass
class StageState:
    """What the stage shows, tied to the trainer it was made for (a rebuilt trainer starts a new stage)."""

    trainer: Trainer
    view: View
    selection: Selection | None = None


def stage(key: str, trainer: Trainer) -> StageState:
    """Return the page's StageState for this trainer (a new one, at forward 1 of iteration 0, after a rebuild)."""
    name = f"_stage_{key}"
    held: StageState | None = st.session_state.get(name)
    if held is None or held.trainer is not trainer:
        held = StageState(trainer, View(trainer.iteration, 0))
        st.session_state[name] = held
    n = len(phases(trainer.n_layers))
    held.view = clamp_view(held.view, trainer.iteration, n)
    return held


def follow(key: str, trainer: Trainer) -> None:
    """Show the newest iteration (after Step, Play or Reset), keeping the phase."""
    s = stage(key, trainer)
    s.view = View(trainer.iteration, s.view.phase)


def view_trace(trainer: Trainer, view: View) -> StepTrace:
    """Return the trace the view draws: update `view.trace_iteration`, or the preview of update 1 at the start."""
    if trainer.iteration == 0:
        return trainer.peek()
    return trainer.trace_at(view.trace_iteration)


def _walk(key: str, forward: bool) -> None:
    # a button callback: it runs before the page, so it may move the phase scrubber
    trainer = st.session_state[TRAINER_KEY]
    s = stage(key, trainer)
    n = len(phases(trainer.n_layers))
    if forward:
        view, train = next_view(s.view, trainer.iteration, n)
        if train:
            trace = trainer.run(train)
            if trace is not None and not trace.ok:
                return  # diverged: stay; the divergence message explains
    else:
        view = previous_view(s.view, n)
    s.view = view
    st.session_state[f"{key}_phase"] = phases(trainer.n_layers)[view.phase].label


def walk_buttons(key: str, forward: bool) -> None:
    """Draw ◀ (PageUp, ←) or ▶ (PageDown, →): one phase back or on; the arrow keys press hidden twins."""
    keys = NEXT_KEYS if forward else PREVIOUS_KEYS
    label = "Next ▶" if forward else "◀ Back"
    words = "next phase (PageDown or →)" if forward else "previous phase (PageUp or ←)"
    for i, shortcut in enumerate(keys):
        name = f"{key}_{'next' if forward else 'back'}{'' if i == 0 else '_twin'}"
        st.button(label, key=name, shortcut=shortcut, help=f"The {words}", on_click=_walk, args=(key, forward))


def phase_scrubber(key: str, trainer: Trainer) -> Phase:
    """Draw the phase scrubber (key `{key}_phase`) bound to the stage's view; return the chosen phase."""
    s = stage(key, trainer)
    all_phases = phases(trainer.n_layers)
    labels = [p.label for p in all_phases]
    widget = f"{key}_phase"
    if st.session_state.get(widget) not in labels:
        st.session_state[widget] = labels[s.view.phase]
    chosen = st.select_slider("Phase", options=labels, key=widget, label_visibility="collapsed")
    s.view = View(s.view.iteration, labels.index(chosen))
    return all_phases[s.view.phase]


def view_options(key: str, batch: int) -> tuple[str, int | None, str, bool]:
    """Draw the edge-quantity control and the View popover (sample, colour scale, pictures, log loss); return
    (edge quantity, sample or None for the batch mean, colour scale choice, neuron pictures on)."""
    quantity = st.segmented_control("Edges show", list(EDGE_QUANTITIES), format_func=EDGE_QUANTITIES.get,
                                    default="auto", required=True, key=f"{key}_edgeq",
                                    help="auto: W going forward, ∂L/∂W going backward, the new W at the update")
    options = [*range(min(batch, 50)), "mean"]
    with st.popover("View", help="Which sample the neurons show, colour scale, neuron pictures"):
        choice = st.selectbox("Neurons show", options, key=f"{key}_sample",
                              format_func=lambda s: "batch mean" if s == "mean" else f"sample {s + 1} of {batch}",
                              help="Equations are per sample; the batch mean of δ is ∂L/∂b")
        scale = st.radio("Colour scale of δ, ∂L/∂W, ΔW", list(SCALE_CHOICES), format_func=SCALE_CHOICES.get,
                         key=f"{key}_scale", horizontal=True,
                         help="auto: log |x| when the values span more than three decades")
        pictures = st.toggle("Neuron pictures (each hidden neuron's output over the input plane)",
                             key=f"{key}_pictures")
        st.toggle("Loss on a log scale", key=f"{key}_logy")
    return quantity or "auto", None if choice == "mean" else int(choice), scale, pictures


def select(key: str, trainer: Trainer, picked: Selection | None) -> None:
    """Remember what a click on the graph picked (None clears it)."""
    s = stage(key, trainer)
    s.selection = picked
