"""Check every URL value before a widget sees it: a bad or repeated one is fixed in the URL and named in a notice.

Streamlit 1.67 seeds a `bind="query-params"` widget from the URL when the widget first appears (a session's
first run, a page switch, back/forward, a widget that shows up later), parsing the text itself: some bad values
are dropped silently, others (`?seed=1e400`: an OverflowError in the number input) break the whole page. So each
run, before the widgets, `clean_url` checks the URL keys of a table of settings with `Setting.parse`, and
rewrites the URL the widgets will be seeded from: a bad value is removed (the widget takes its default), a
repeated key keeps its last value (as `st.query_params[key]` reads it), a valid value is spelled the widget's way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.state.session_state_proxy import get_session_state

from ui.settings import Setting
from viz.text import markdown_text

#: a URL value longer than this is refused before it is parsed (5000 digits must not reach int())
MAX_URL_VALUE = 100
NOTICE_TITLE = "Some link settings were not understood:"


@dataclass(frozen=True)
class UrlField:
    """One URL key read by a widget: its label, how to read its text, how the widget spells a value."""

    key: str
    label: str
    parse: Callable[[str], object]     #: the value a URL text stands for; raises ValueError
    spell: Callable[[object], str]     #: the text the widget itself writes in the URL for a value
    default: str | None                #: the default as the URL spells it (None: the key is simply ignored)
    multi: bool = False                #: a repeated key is a list of values (multiselect), not a mistake

    @classmethod
    def of(cls, setting: Setting, spell: Callable[[object], str] | None = None, multi: bool = False) -> UrlField:
        """Return the field of a sidebar-style Setting (spell: the widget's format_func, default Setting.url_text)."""
        spell = spell or setting.url_text
        return cls(setting.key, setting.label, setting.parse, spell, spell(setting.default), multi)


def check_values(field: UrlField, raws: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """Return (the URL texts to keep, None to remove the key; plain-text problems) for one key's raw values."""
    problems = []
    if len(raws) > 1 and not field.multi:
        problems.append(f"{field.label} is in the link {len(raws)} times; the last one, “{_quote(raws[-1])}”, "
                        "counts")
        raws = raws[-1:]
    kept, bad = [], []
    for raw in raws:
        try:
            kept.append(field.spell(_parse(field, raw)))
        except (ValueError, ArithmeticError) as e:
            bad.append(f"“{_quote(raw)}”: {e}")
    if bad:
        used = "ignored" if field.default is None else f"using {field.default}"
        if kept:
            used = "left out, the others are used"
        problems.append(f"{field.label} = {', '.join(bad)}; {used}")
    return (kept or None), problems


def clean_url(fields: Iterable[UrlField]) -> list[str]:
    """Fix the URL values of `fields` before their widgets are drawn; return one Markdown-safe notice per problem.

    Call it at the top of a script run, before the first widget bound to one of these keys.
    """
    problems, fixes = [], {}
    with get_session_state().query_params() as qp:
        for field in fields:
            raws = qp.get_all(field.key)
            if not raws:
                continue
            kept, found = check_values(field, raws)
            problems += found
            if kept != raws:
                fixes[field.key] = kept
        if fixes:
            _rewrite(qp, fixes)
    return [markdown_text(p, limit=None) for p in problems]


def _rewrite(qp, fixes: dict[str, list[str] | None]) -> None:
    """Set (or, for None, remove) URL keys before their widgets are drawn, and show the result in the address bar."""
    for key, kept in fixes.items():
        if kept is None:
            qp.discard_param_no_forward_msg(key)
        else:
            qp.set_with_no_forward_msg(key, kept if len(kept) > 1 else kept[0])
    # the widgets are seeded from this copy of the URL, not from the live one
    qp.set_initial_query_params_from_current()
    qp.update({})  # sends the corrected URL to the browser's address bar


def drop_url_keys(keys: Iterable[str]) -> None:
    """Take `keys` out of the link (their widgets then show their defaults); call before the widgets are drawn."""
    with get_session_state().query_params() as qp:
        present = [k for k in keys if qp.get_all(k)]
        if present:
            _rewrite(qp, dict.fromkeys(present))


def show_url_notice(problems: list[str]) -> None:
    """Show the URL problems (already Markdown-safe) as one warning."""
    if problems:
        st.warning(NOTICE_TITLE + "\n\n" + "\n".join(f"- {p}" for p in problems))


def check_page_url(fields: Iterable[UrlField]) -> None:
    """Clean a page's own URL keys and show what was wrong, right here (one line at the top of a page)."""
    show_url_notice(clean_url(fields))


def _parse(field: UrlField, raw: str):
    if len(raw) > MAX_URL_VALUE:
        raise ValueError(f"longer than {MAX_URL_VALUE} characters")
    return field.parse(raw)


def _quote(raw: str) -> str:
    return raw if len(raw) <= 24 else raw[:24] + "…"


def _flag(raw: str) -> bool:
    """Return the on/off value of a URL flag (true/false, as the toggle writes it, or 1/0, yes/no, on/off)."""
    value = {"true": True, "1": True, "yes": True, "on": True,
             "false": False, "0": False, "no": False, "off": False}.get(raw.strip().lower())
    if value is None:
        raise ValueError("must be true or false")
    return value


#: ?presenter= (the toggle at the top of every page's sidebar); check it before the toggle is drawn
PRESENTER_URL = UrlField("presenter", "Presenter mode", _flag, lambda on: "true" if on else "false", "false")


def check_presenter_url() -> None:
    """Clean ?presenter= and show what was wrong, right here (call just before the presenter toggle)."""
    check_page_url((PRESENTER_URL,))


def _vanishing_fields() -> tuple[UrlField, ...]:
    """Return the Vanishing-gradients page's own URL keys (vg_*), as its widgets offer and spell them."""
    from ui import vanishing_settings as vs
    from viz.vanishing import DETAIL_VIEWS

    acts = vs.ACTIVATIONS
    activations = UrlField(acts.key, acts.label, acts.parse, acts.url_text,
                           ", ".join(acts.options[a] for a in vs.DEFAULT_ACTIVATIONS), multi=True)
    spelled = {"vg_scale": str, "vg_lr": str}
    view = Setting("vg_view", "select", "Details", None, DETAIL_VIEWS, own_default="sat")
    return (activations, *(UrlField.of(s, spell=spelled.get(s.key)) for s in vs.BY_KEY.values()),
            UrlField.of(view))


#: the Vanishing-gradients page's URL keys; tests/app check this table against the page's widgets
VANISHING_URL = _vanishing_fields()


def check_vanishing_url() -> None:
    """Clean the Vanishing-gradients page's vg_* URL keys and show what was wrong (call before its widgets)."""
    check_page_url(VANISHING_URL)
