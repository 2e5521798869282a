"""The session's shared Trainer: built from the sidebar settings, kept across reruns and pages."""

from __future__ import annotations

import dataclasses

import streamlit as st

from engine import LIVE_FIELDS, Config, Trainer
from ui.keys import LESSON_KEY, NOTICE_KEY, PENDING_KEY, TRAINER_KEY
from ui.settings import from_config, to_config
from ui.sidebar import move_settings_back, render_sidebar
from viz.theme import Style

__all__ = ["LESSON_KEY", "NOTICE_KEY", "PENDING_KEY", "TRAINER_KEY", "current_style", "current_trainer",
           "presenter_mode", "rebuild_same", "set_trainer", "trainer_for"]
DATA_FIELDS = frozenset({"dataset", "n_samples", "noise", "data_seed", "test_ratio", "standardize"})


def _sidebar_view(cfg: Config) -> Config:
    """Return cfg as the sidebar can show it (uniform widths etc.), to compare like with like."""
    return to_config(from_config(cfg))


def trainer_for(cfg: Config) -> Trainer:
    """Return the session's Trainer for the sidebar's cfg: live settings apply in place, others rebuild.

    Settings the sidebar cannot express (e.g. a loaded file's uneven layer widths) are kept from the trainer.
    A setting combination the engine refuses leaves the current trainer in place (the default one on a first run)
    and moves the sidebar back to its settings, with an error message.
    """
    trainer: Trainer | None = st.session_state.get(TRAINER_KEY)
    if trainer is None:
        try:
            trainer = Trainer(cfg)
        except ValueError as e:
            st.session_state[TRAINER_KEY] = Trainer(Config())
            move_settings_back(from_config(Config()), e, "Showing the default experiment instead.", from_link=True)
        st.session_state[TRAINER_KEY] = trainer
        return trainer
    seen = _sidebar_view(trainer.config)
    changed = {f.name for f in dataclasses.fields(Config) if getattr(cfg, f.name) != getattr(seen, f.name)}
    if trainer.custom_data:
        changed -= DATA_FIELDS
    if not changed:
        return trainer
    new_cfg = trainer.config.replace(**{k: getattr(cfg, k) for k in changed})
    try:
        if changed <= LIVE_FIELDS:
            trainer.update_config(**{k: getattr(new_cfg, k) for k in changed})
            return trainer
        rebuilt = Trainer(new_cfg, dataset=trainer.dataset if trainer.custom_data else None)
    except ValueError as e:
        move_settings_back(from_config(trainer.config), e,
                           "Your experiment is unchanged, and so are its settings in the sidebar.")
    st.session_state[TRAINER_KEY] = rebuilt
    st.session_state.pop(LESSON_KEY, None)  # the lesson's scenario no longer applies
    st.session_state[NOTICE_KEY] = "Network rebuilt (new initial weights) because these changed: " + ", ".join(
        sorted(changed - LIVE_FIELDS))
    return rebuilt


def set_trainer(trainer: Trainer) -> None:
    """Make trainer the session's shared Trainer and move the sidebar to its settings on the next run."""
    st.session_state[TRAINER_KEY] = trainer
    st.session_state[PENDING_KEY] = from_config(trainer.config)


def current_trainer() -> Trainer:
    """Render the shared sidebar and return the session's Trainer for its settings."""
    cfg = render_sidebar()
    return trainer_for(cfg)


def rebuild_same(trainer: Trainer) -> Trainer:
    """Return a fresh Trainer with the same settings (same seed → same initial weights) and share it."""
    fresh = trainer.fresh()
    st.session_state[TRAINER_KEY] = fresh
    return fresh


def presenter_mode() -> bool:
    """Return True when presenter mode is on (the ?presenter=1 URL flag or the toggle)."""
    flag = str(st.query_params.get("presenter", "")).lower() in ("1", "true", "yes", "on")
    return bool(st.session_state.get("presenter", flag))


def current_style() -> Style:
    """Return the figure Style for the session (bigger everything in presenter mode)."""
    return Style.for_mode(presenter_mode())
