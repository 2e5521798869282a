"""The shared sidebar: every setting as a widget with a stable key, bound to the URL."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from engine import Config
from engine.network import BN_ONE_SAMPLE
from ui.keys import NOTICE_KEY, PENDING_KEY, REFUSED_KEY
from ui.lessons import BY_NUMBER
from ui.settings import BY_KEY, LEGACY_KEYS, SETTINGS, Setting, migrate_legacy, to_config, url_problems
from ui.upload import csv_upload
from ui.urlcheck import UrlField, clean_url, drop_url_keys, show_url_notice
from viz.text import MESSAGE_LIMIT, markdown_text

URL_CHECKED_KEY = "_url_checked"
URL_NOTICE_KEY = "_url_notice"
DROP_URL_KEY = "_drop_url_keys"


def _lesson(raw: str) -> int:
    if raw not in {str(n) for n in BY_NUMBER}:
        raise ValueError(f"no such lesson (there are lessons 1 to {max(BY_NUMBER)})")
    return int(raw)


#: every URL key the shared sidebar and the lesson banner read, checked before any widget sees it
URL_FIELDS = (*(UrlField.of(s) for s in SETTINGS), UrlField("lesson", "Lesson", _lesson, str, None))


def _fmt_step(value) -> str:
    return f"{value:g}" if value else "off"


def default_arg(s: Setting) -> dict:
    """Return the keyword giving s's widget its default (index= for a choice, value= otherwise), or none when the
    session already holds its value (a lesson, a loaded file, a refused change moved back): both would conflict."""
    if s.key in st.session_state:
        return {}
    return {"index": list(s.options).index(s.default)} if s.kind in ("select", "radio") else {"value": s.default}


def _widget(s: Setting, hidden: frozenset[str]):
    """Draw one setting's widget (unless hidden by the URL) and return its value."""
    if s.key in hidden:
        # a hidden control still takes its value from the link (a classroom link fixes it, students can't change it)
        if s.key in st.session_state:
            return st.session_state[s.key]
        try:
            return s.parse(str(st.query_params[s.key])) if s.key in st.query_params else s.default
        except ValueError:
            return s.default
    common = {"key": s.key, "bind": "query-params", "help": s.help, **default_arg(s)}
    if s.kind in ("select", "radio"):
        opts = list(s.options)
        if s.kind == "select":
            return st.selectbox(s.label, opts, format_func=s.options.get, **common)
        return st.radio(s.label, opts, format_func=s.options.get, horizontal=True, **common)
    if s.kind == "steps":
        return st.select_slider(s.label, options=list(s.options), format_func=_fmt_step, **common)
    if s.kind == "int":
        if s.hi - s.lo > 100 and s.step == 1:
            return st.number_input(s.label, min_value=int(s.lo), max_value=int(s.hi), step=1, **common)
        return st.slider(s.label, int(s.lo), int(s.hi), step=int(s.step), **common)
    if s.kind == "float":
        return st.slider(s.label, float(s.lo), float(s.hi), step=float(s.step), **common)
    if s.kind == "text":
        return _checked_text(s, st.text_input(s.label, max_chars=60, **common))
    return st.checkbox(s.label, **common)


def _checked_text(s: Setting, raw: str):
    """Return the setting's value typed as raw, or its default with a warning naming the bad value."""
    try:
        return s.parse(raw)
    except ValueError as e:
        st.warning(f"{s.label}: {e}; using {s.url_text(s.default)}.")
        return s.default


def _new_data() -> None:
    st.session_state["dseed"] = (int(st.session_state.get("dseed", 0)) + 1) % 10000


def hidden_controls() -> frozenset[str]:
    """Return the setting keys the URL asks to hide (?hide=lr,batch or ?hide=csv), for classroom links."""
    raw = st.query_params.get("hide", "")
    keys = {"hidden" if k.strip() in LEGACY_KEYS else k.strip() for k in str(raw).split(",")}
    return frozenset(k for k in keys if k in BY_KEY or k == "csv")


def _migrate_legacy_links() -> None:
    """Rewrite links made before per-layer widths (?layers=N&width=M) as ?hidden=M-…-M, noting bad parts."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    migrated, problems = migrate_legacy(params)
    for key in set(params) - set(migrated):
        del st.query_params[key]
    if "hidden" in migrated and "hidden" not in params:
        st.session_state["hidden"] = migrated["hidden"]
        if not st.session_state.get(URL_CHECKED_KEY):
            st.query_params["hidden"] = migrated["hidden"]  # the first run: the widget is not bound yet
    if problems:
        st.session_state[URL_NOTICE_KEY] = st.session_state.get(URL_NOTICE_KEY, []) + [
            markdown_text(p, limit=None) for p in problems]


def check_url() -> None:
    """Fix bad or repeated setting values in the URL before the widgets read them, and keep a notice for them.

    Runs on every script run (a page switch or back/forward brings a new URL); unknown keys are noted once.
    """
    _migrate_legacy_links()
    problems = clean_url(URL_FIELDS)
    if not st.session_state.get(URL_CHECKED_KEY):
        st.session_state[URL_CHECKED_KEY] = True
        # the values left are valid now, so this only names unknown keys
        unknown = url_problems({k: st.query_params.get_all(k) for k in st.query_params})
        problems += [markdown_text(p, limit=None) for p in unknown]
    if problems:
        st.session_state[URL_NOTICE_KEY] = st.session_state.get(URL_NOTICE_KEY, []) + problems


def move_settings_back(settings: dict, error: Exception, outcome: str, from_link: bool = False) -> NoReturn:
    """Rerun with the widgets at `settings` (a {key: value} that works), saying above why `error` refused the
    others and the `outcome` (e.g. "Your experiment is unchanged.").

    The sidebar shows what actually runs, never the value that was refused. from_link: the refused values came from
    the link and `settings` are the defaults; the link loses those keys, so a copy of it opens what runs.
    """
    # After a change, only the widgets that moved: the others (and the link's spelling of them) stay as they are.
    # From the link, all of them: this first run never finished, so the browser has been told no widget's value.
    moved = settings if from_link else {k: v for k, v in settings.items() if st.session_state.get(k) != v}
    st.session_state[PENDING_KEY] = moved
    lead = "These settings don't work together" if from_link else "That change was not applied"
    st.session_state[REFUSED_KEY] = f"{lead}: {markdown_text(error, MESSAGE_LIMIT)}. {outcome}"
    st.session_state[DROP_URL_KEY] = from_link
    st.rerun()


def apply_pending_settings() -> None:
    """Move the widgets to the pending settings (a loaded experiment, a lesson, a refusal) before they are drawn."""
    pending = st.session_state.pop(PENDING_KEY, None)
    if pending:
        if st.session_state.pop(DROP_URL_KEY, False):
            drop_url_keys(pending)
        st.session_state.update(pending)


def show_refusal() -> None:
    """Show (once) why the settings were moved back."""
    message = st.session_state.pop(REFUSED_KEY, None)
    if message:
        st.error(message)


def render_sidebar() -> Config:
    """Draw the settings in the sidebar and return the Config they describe."""
    check_url()
    apply_pending_settings()
    hidden = hidden_controls()
    values: dict = {}
    with st.sidebar:
        st.markdown("**Training** — changes keep the weights")
        for s in SETTINGS:
            if not s.rebuilds and (s.shown is None or s.shown(values)):
                values[s.key] = _widget(s, hidden)
        st.divider()
        st.markdown("**Network & data** — changes rebuild the network")
        for s in SETTINGS:
            if s.rebuilds:
                values[s.key] = _widget(s, hidden)
                if s.key == "dseed" and "dseed" not in hidden:
                    st.button("New data", key="new_data", on_click=_new_data, help="Draw a fresh sample")
                if s.key == "bn" and values["bn"] and values.get("batch") == "sgd":
                    st.caption(BN_ONE_SAMPLE)   # what batch norm does with one sample per step, said where it is set
        cfg = to_config(values)
        if "csv" not in hidden:
            csv_upload(cfg)
    return cfg


def show_notices() -> None:
    """Show (once) the URL notice and the last rebuild notice at the top of the page."""
    check_url()  # a page may show its notices before it draws the sidebar
    show_refusal()
    rebuilt = st.session_state.pop(NOTICE_KEY, None)
    if rebuilt:
        st.toast(rebuilt)
    problems = st.session_state.pop(URL_NOTICE_KEY, None)
    show_url_notice(problems)
