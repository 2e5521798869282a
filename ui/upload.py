"""Your own data: a CSV upload in the sidebar, validated by the engine's loader; bad files change nothing."""

from __future__ import annotations

import streamlit as st

from engine import Config, Trainer
from engine.csvdata import (
    MAX_BYTES,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_ROWS,
    PLAIN_NUMBERS,
    CSVError,
    csv_columns,
    example_csv,
    load_csv,
    scale_advice,
)
from ui.keys import NOTICE_KEY, TRAINER_KEY
from viz.text import MESSAGE_LIMIT, markdown_text

UPLOAD_HELP = (f"Up to {MAX_BYTES / 1e6:g} MB ({MAX_BYTES:,} bytes), {MAX_ROWS:,} rows, {MAX_COLUMNS} columns and "
               f"{MAX_CLASSES} classes. The first row names the columns; every other cell is a number: "
               f"{PLAIN_NUMBERS} — anything else (1_000, ١٢, １２, 0,5) is refused, never guessed. Comma, semicolon "
               "or tab separated (a first line sep=; is followed), UTF-8 or UTF-16 text (Excel's 'CSV UTF-8' or "
               "'Unicode Text').")
STANDARDISE = "csv_std"


def _use_builtin(cfg: Config) -> None:
    st.session_state[TRAINER_KEY] = Trainer(cfg)


def _restandardise() -> None:
    """Rebuild the uploaded-data trainer with the features standardised or not (the checkbox's new value)."""
    trainer: Trainer = st.session_state[TRAINER_KEY]
    on = bool(st.session_state[STANDARDISE])
    try:
        st.session_state[TRAINER_KEY] = Trainer(trainer.config.replace(standardize=on), dataset=trainer.dataset)
    except ValueError as e:
        st.session_state[NOTICE_KEY] = f"Standardising was not applied: {markdown_text(e, MESSAGE_LIMIT)}"
        return
    st.session_state[NOTICE_KEY] = "Network rebuilt (new initial weights) because the features are " + (
        "standardised now" if on else "no longer standardised")


def _refused(error: Exception) -> None:
    st.error(f"This file can't be used: {markdown_text(error, MESSAGE_LIMIT)}. Your current experiment is unchanged.")


def csv_upload(cfg: Config) -> None:
    """Draw the CSV section: example download, upload, target picker; a good file replaces the data."""
    trainer: Trainer | None = st.session_state.get(TRAINER_KEY)
    custom = bool(trainer and trainer.custom_data)
    with st.expander("Your own data (CSV)", expanded=custom):
        if custom:
            ds = trainer.dataset
            st.success(f"Training on **{markdown_text(ds.name)}**: {ds.n} rows, {ds.X.shape[1]} features, target "
                       f"“{markdown_text(ds.target_names[0])}” ({ds.task}).")
            for advice in scale_advice(ds, trainer.config.standardize):
                st.warning(markdown_text(advice, MESSAGE_LIMIT))
            st.button("Back to the built-in datasets", key="csv_builtin", on_click=_use_builtin, args=(cfg,))
            if st.session_state.get(STANDARDISE) != trainer.config.standardize:
                st.session_state[STANDARDISE] = trainer.config.standardize
        st.checkbox("Standardise the features (each column to mean 0, standard deviation 1)", key=STANDARDISE,
                    on_change=_restandardise if custom else None,
                    help="For columns in large or very different units (metres and grams, prices in thousands): "
                         "the network then sees comparable numbers near 0. The plots keep the original units.")
        st.download_button("Example CSV", example_csv, "example.csv", "text/csv", key="csv_example",
                           on_click="ignore")
        upload = st.file_uploader("Numeric feature columns and one target column", type=["csv", "txt"],
                                  key="csv_file", help=UPLOAD_HELP)
        if upload is None:
            return
        data = upload.getvalue()
        try:
            columns = csv_columns(data)
        except CSVError as e:
            _refused(e)
            return
        # a selectbox shows its options as plain text, so column names need no escaping here
        target = st.selectbox("Target column", columns, index=len(columns) - 1, key="csv_target")
        if st.button("Train on this file", key="csv_use", type="primary"):
            try:
                ds = load_csv(data, target=target, loss=None if cfg.loss == "auto" else cfg.loss,
                              name=upload.name[:40])
                new = Trainer(cfg.replace(standardize=bool(st.session_state.get(STANDARDISE))), dataset=ds)
            except (CSVError, ValueError) as e:
                _refused(e)
                return
            st.session_state[TRAINER_KEY] = new
            st.rerun()
