"""The step controls every training page shares: Step / Step ×10 / Step one epoch / Play / Reset in one row
with the counter, keyboard shortcuts included (Shift+→ steps, Space plays)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from engine import Trainer
from ui.play import Advance, play_button, stop
from viz.theme import fmt

STEP_KEY = "Shift+Right"


def counters_text(trainer: Trainer, viewed: int | None = None) -> str:
    """Return 'iteration k · epoch e · batch b/n' for the trainer now (or 'viewing k of n' in the past)."""
    batch = trainer.batch_in_epoch if trainer.iteration else 0
    epoch = max(trainer.epoch, 1)
    if viewed is not None and viewed < trainer.iteration:
        return f"viewing iteration {viewed} of {trainer.iteration}"
    if trainer.iteration == 0:
        return "iteration 0 · preview of update 1"
    return f"iteration {trainer.iteration} · epoch {epoch} · batch {batch}/{trainer.batches_per_epoch}"


def trainer_advance(trainer: Trainer) -> Advance:
    """Return Play's Advance for a trainer: run up to n steps, stopping (with the reason) at a divergence."""
    def train(n: int) -> tuple[int, str | None]:
        start = trainer.iteration
        trace = trainer.run(n)
        if trace is not None and not trace.ok:
            return trainer.iteration - start, f"the training diverged at iteration {trace.iteration}."
        return trainer.iteration - start, None
    return train


def step_row(key: str, counter: Callable[[], str], *, step: Callable[[int], None], epoch: Callable[[], str] | None,
             reset: Callable[[], None], tens: int = 10, extra: Callable[[], None] | None = None,
             after: Callable[[], None] | None = None) -> None:
    """Draw the step buttons (keys `{key}_step`, `_step10`, `_epoch`, `_play`, `_reset`) in one row and run the
    clicked one. `step(n)` trains n iterations, `epoch()` the rest of the epoch (returns a note), `reset()`
    starts over, `after()` runs after any of them; `counter()` is the text shown after the buttons; `extra()`
    draws more controls in the row."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"{key}_controls"):
        note = None
        # no help tooltip: Streamlit then draws a second copy of the button, and links/tests address this one
        if st.button("Step", key=f"{key}_step", type="primary", shortcut=STEP_KEY):
            stop(key)
            step(1)
        if st.button(f"Step ×{tens}", key=f"{key}_step10"):
            stop(key)
            step(tens)
        if epoch is not None and st.button("Step one epoch", key=f"{key}_epoch"):
            stop(key)
            note = epoch()
        play_button(key)
        if st.button("Reset", key=f"{key}_reset", help="Same seed → same initial weights"):
            stop(key)
            reset()
        if after is not None and (note is not None or any(st.session_state.get(f"{key}_{b}") for b in
                                                          ("step", "step10", "epoch", "reset"))):
            after()
        if extra is not None:
            extra()
        st.markdown(f"<div class='bpv-counter'>{counter()}</div>", unsafe_allow_html=True)
    if note:
        st.caption(note)


def trainer_step_row(key: str, trainer: Trainer, reset: Callable[[], Trainer],
                     viewed: Callable[[], int | None] = lambda: None, extra: Callable[[], None] | None = None,
                     after: Callable[[], None] | None = None) -> None:
    """Draw the step row for a Trainer (the session's): Step, ×10, one epoch, Play, Reset and the counter."""
    def epoch() -> str:
        ran, _ = trainer.run_epoch()
        return f"The epoch ran {ran} iteration{'s' if ran != 1 else ''} (batch size {trainer.batch_size})."

    holder = {"trainer": trainer}

    def reset_and_keep() -> None:
        holder["trainer"] = reset()

    step_row(key, lambda: counters_text(holder["trainer"], viewed()), step=lambda n: trainer.run(n), epoch=epoch,
             reset=reset_and_keep, extra=extra, after=after)


def divergence_message(trainer: Trainer) -> None:
    """Explain a divergence (the update was not applied) when the trainer's last step diverged."""
    if trainer.diverged is None:
        return
    d = trainer.diverged
    st.error(f"Diverged at iteration {d.iteration}: the loss or a gradient is no longer a finite number "
             f"(batch loss {fmt(d.loss)}). The update was not applied and the last finite weights are kept — lower "
             "the learning rate (or turn on gradient clipping) and step again; if the weights have already grown "
             "huge, press Reset too.")


def step_controls(trainer: Trainer, key: str) -> Trainer:
    """Draw the step row for the session's trainer and return it (a new one after Reset), with the divergence
    message; for pages that draw after the controls in the same run."""
    from ui.session import TRAINER_KEY, rebuild_same

    trainer_step_row(key, trainer, lambda: rebuild_same(st.session_state[TRAINER_KEY]))
    trainer = st.session_state[TRAINER_KEY]
    divergence_message(trainer)
    return trainer
