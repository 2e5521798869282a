"""Step / Step ×10 / Step one epoch / Reset buttons shared by the pages that drive the session's Trainer."""

from __future__ import annotations

import streamlit as st

from engine import Trainer
from ui.session import rebuild_same
from viz.theme import fmt


def counters_text(trainer: Trainer) -> str:
    """Return 'iteration k · epoch e · batch b of n' for the trainer's current position."""
    return (f"iteration {trainer.iteration} · epoch {max(trainer.epoch, 1)} · "
            f"batch {max(trainer.batch_in_epoch, 1) if trainer.iteration else 0} of {trainer.batches_per_epoch}")


def step_controls(trainer: Trainer, key: str) -> Trainer:
    """Draw the step buttons (keys `{key}_step`, `{key}_step10`, `{key}_epoch`, `{key}_reset`); run what was
    clicked and return the (possibly reset) trainer."""
    cols = st.columns([1, 1, 1.3, 1, 3])
    if cols[0].button("Step", key=f"{key}_step", type="primary", use_container_width=True):
        trainer.step()
    if cols[1].button("Step ×10", key=f"{key}_step10", use_container_width=True):
        trainer.run(10)
    if cols[2].button("Step one epoch", key=f"{key}_epoch", use_container_width=True):
        ran, _ = trainer.run_epoch()
        st.session_state[f"{key}_ran"] = ran
    if cols[3].button("Reset", key=f"{key}_reset", use_container_width=True):
        trainer = rebuild_same(trainer)
    ran = st.session_state.pop(f"{key}_ran", None)
    extra = f" · last epoch step ran {ran} iterations" if ran is not None else ""
    cols[4].markdown(f"### {counters_text(trainer)}{extra}")
    if trainer.diverged is not None:
        d = trainer.diverged
        st.error(f"Diverged at iteration {d.iteration}: the loss or a gradient is no longer a finite number "
                 f"(batch loss {fmt(d.loss)}). The update was not applied and the last finite weights are kept "
                 "— lower the learning rate (or turn on gradient clipping) and step again.")
    return trainer
