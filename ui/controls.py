"""Step / Step ×10 / Step one epoch / Play / Reset, shared by the pages that drive the session's Trainer."""

from __future__ import annotations

import streamlit as st

from engine import StepTrace, Trainer
from ui.session import rebuild_same
from viz.theme import fmt

PLAY_STEPS = 40


def counters_text(trainer: Trainer) -> str:
    """Return 'iteration k · epoch e · batch b of n' for the trainer's current position."""
    batch = trainer.batch_in_epoch if trainer.iteration else 0
    epoch = max(trainer.epoch, 1)
    return f"iteration {trainer.iteration} · epoch {epoch} · batch {batch} of {trainer.batches_per_epoch}"


def play_steps(trainer: Trainer, n: int) -> list[StepTrace]:
    """Run up to n steps and return every trace (stopping at a divergence), for a client-side animation."""
    traces = []
    for _ in range(n):
        tr = trainer.step()
        if not tr.ok:
            break
        traces.append(tr)
    return traces


def step_controls(trainer: Trainer, key: str) -> Trainer:
    """Draw the step buttons (keys `{key}_step`, `_step10`, `_epoch`, `_play`, `_reset`) and run the clicked one.

    Returns the (possibly reset) trainer; after Play, `played_traces(key)` gives the traces to animate.
    """
    cols = st.columns([1, 1, 1.4, 1.1, 1, 3.5])
    if cols[0].button("Step", key=f"{key}_step", type="primary", width="stretch"):
        trainer.step()
    if cols[1].button("Step ×10", key=f"{key}_step10", width="stretch"):
        trainer.run(10)
    if cols[2].button("Step one epoch", key=f"{key}_epoch", width="stretch"):
        ran, _ = trainer.run_epoch()
        st.session_state[f"{key}_ran"] = ran
    if cols[3].button(f"▶ Play {PLAY_STEPS}", key=f"{key}_play", width="stretch",
                      help=f"Runs {PLAY_STEPS} iterations, then plays them in the graph (▶ / ❚❚ in the figure)"):
        st.session_state[f"{key}_played"] = play_steps(trainer, PLAY_STEPS) or None
    if cols[4].button("Reset", key=f"{key}_reset", width="stretch", help="Same seed → same initial weights"):
        trainer = rebuild_same(trainer)
    ran = st.session_state.pop(f"{key}_ran", None)
    extra = f" — the epoch ran {ran} iterations" if ran is not None else ""
    cols[5].markdown(f"<div class='bpv-counter'>{counters_text(trainer)}{extra}</div>", unsafe_allow_html=True)
    if trainer.diverged is not None:
        d = trainer.diverged
        st.error(f"Diverged at iteration {d.iteration}: the loss or a gradient is no longer a finite number "
                 f"(batch loss {fmt(d.loss)}). The update was not applied and the last finite weights are kept "
                 "— lower the learning rate (or turn on gradient clipping) and step again; if the weights have "
                 "already grown huge, press Reset too.")
    return trainer


def played_traces(key: str) -> list[StepTrace] | None:
    """Return (once) the traces of the Play just run by step_controls(…, key), or None."""
    return st.session_state.pop(f"{key}_played", None)
