"""Your own data: a CSV upload in the sidebar, validated by the engine's loader; bad files change nothing."""

from __future__ import annotations

import streamlit as st

from engine import Config, Trainer
from engine.csvdata import CSVError, csv_columns, example_csv, load_csv
from ui.keys import TRAINER_KEY


def _use_builtin(cfg: Config) -> None:
    st.session_state[TRAINER_KEY] = Trainer(cfg)


def csv_upload(cfg: Config) -> None:
    """Draw the CSV section: example download, upload, target picker; a good file replaces the data."""
    trainer: Trainer | None = st.session_state.get(TRAINER_KEY)
    with st.expander("Your own data (CSV)", expanded=bool(trainer and trainer.custom_data)):
        if trainer is not None and trainer.custom_data:
            ds = trainer.dataset
            st.success(f"Training on **{ds.name}**: {ds.n} rows, {ds.X.shape[1]} features, target "
                       f"“{ds.target_names[0]}” ({ds.task}).")
            st.button("Back to the built-in datasets", key="csv_builtin", on_click=_use_builtin, args=(cfg,))
        st.download_button("Example CSV", example_csv, "example.csv", "text/csv", key="csv_example",
                           on_click="ignore")
        upload = st.file_uploader("Numeric feature columns and one target column", type=["csv", "txt"],
                                  key="csv_file")
        if upload is None:
            return
        data = upload.getvalue()
        try:
            columns = csv_columns(data)
        except CSVError as e:
            st.error(f"This file can't be used: {e}. Your current experiment is unchanged.")
            return
        target = st.selectbox("Target column", columns, index=len(columns) - 1, key="csv_target")
        if st.button("Train on this file", key="csv_use", type="primary"):
            try:
                ds = load_csv(data, target=target, loss=None if cfg.loss == "auto" else cfg.loss,
                              name=upload.name[:40])
                new = Trainer(cfg, dataset=ds)
            except (CSVError, ValueError) as e:
                st.error(f"This file can't be used: {e}. Your current experiment is unchanged.")
                return
            st.session_state[TRAINER_KEY] = new
            st.rerun()
