"""The session's shared Trainer: built from the sidebar settings, kept across reruns and pages."""

from __future__ import annotations

import dataclasses

import streamlit as st

from engine import LIVE_FIELDS, Config, Trainer

TRAINER_KEY = "_trainer"
NOTICE_KEY = "_trainer_notice"


def trainer_for(cfg: Config) -> Trainer:
    """Return the session's Trainer for cfg: live settings are applied in place, others rebuild it."""
    trainer: Trainer | None = st.session_state.get(TRAINER_KEY)
    if trainer is None:
        trainer = Trainer(cfg)
        st.session_state[TRAINER_KEY] = trainer
        return trainer
    if getattr(trainer, "custom_source", None):
        # a loaded experiment or uploaded CSV owns its data/weights; only live settings apply
        cfg = dataclasses.replace(trainer.config, **{k: getattr(cfg, k) for k in LIVE_FIELDS})
    changed = {f.name for f in dataclasses.fields(Config) if getattr(cfg, f.name) != getattr(trainer.config, f.name)}
    if not changed:
        return trainer
    if changed <= LIVE_FIELDS:
        trainer.update_config(**{k: getattr(cfg, k) for k in changed})
        return trainer
    rebuilt = Trainer(cfg)
    st.session_state[TRAINER_KEY] = rebuilt
    st.session_state[NOTICE_KEY] = "Network rebuilt (new weights) because these changed: " + ", ".join(
        sorted(changed - LIVE_FIELDS))
    return rebuilt


def set_trainer(trainer: Trainer) -> None:
    """Make trainer the session's shared Trainer (e.g. after loading an experiment)."""
    st.session_state[TRAINER_KEY] = trainer


def current_trainer() -> Trainer:
    """Render the shared sidebar and return the session's Trainer for its settings."""
    from ui.sidebar import render_sidebar

    cfg = render_sidebar()
    return trainer_for(cfg)


def rebuild_same(trainer: Trainer) -> Trainer:
    """Return a fresh Trainer with the same settings (same seed → same initial weights) and share it."""
    fresh = Trainer(trainer.config, dataset=trainer.dataset if getattr(trainer, "custom_source", None) else None,
                    params=getattr(trainer, "initial_params", None))
    for attr in ("custom_source", "initial_params"):
        if hasattr(trainer, attr):
            setattr(fresh, attr, getattr(trainer, attr))
    set_trainer(fresh)
    return fresh


def presenter_mode() -> bool:
    """Return True when presenter mode is on (the ?presenter=1 URL flag or the toggle)."""
    flag = str(st.query_params.get("presenter", "")).lower() in ("1", "true", "yes", "on")
    return bool(st.session_state.get("presenter", flag))


def current_style():
    """Return the figure Style for the session (bigger everything in presenter mode)."""
    from viz.theme import Style

    return Style.for_mode(presenter_mode())
