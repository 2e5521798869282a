"""What every page shares: the presenter toggle, the page CSS, lesson opening and the lesson banner."""

from __future__ import annotations

import streamlit as st

from ui.lessons import BY_NUMBER, Lesson
from ui.session import LESSON_KEY, TRAINER_KEY, presenter_mode
from ui.settings import BY_KEY, to_query

SETTING_KEYS = tuple(BY_KEY)

PAGES = {"forward_backward": "pages/forward_backward.py", "worked_example": "pages/worked_example.py",
         "vanishing": "pages/vanishing_gradients.py"}


def presenter_toggle() -> None:
    """Draw the presenter-mode toggle (bound to ?presenter=true) at the top of the sidebar, and the page CSS."""
    with st.sidebar:
        st.toggle("Presenter mode", key="presenter", bind="query-params",
                  help="Bigger text, thicker lines and nodes for the projector. Share the link to keep it on.")
    big = presenter_mode()
    hide_sidebar = str(st.query_params.get("hide", "")).strip() == "all"
    st.html(f"""<style>
    html {{ font-size: {20 if big else 16}px; }}
    .bpv-counter {{ font-size: {2.1 if big else 1.5}rem; font-weight: 700; padding-top: .1rem; }}
    .katex {{ font-size: {1.5 if big else 1.2}em !important; }}
    {'[data-testid="stSidebar"] {display: none;}' if hide_sidebar else ''}
    </style>""")


def open_lesson(lesson: Lesson, variant: str | None) -> None:
    """Go to the lesson's page with its settings in the URL (so the address bar is the shareable link)."""
    st.session_state[LESSON_KEY] = (lesson.number, variant)
    if not lesson.variants:
        st.switch_page(PAGES[lesson.page])
    for key in SETTING_KEYS:
        st.session_state.pop(key, None)  # the URL, not the old widget values, decides
    st.session_state.pop(TRAINER_KEY, None)
    st.switch_page(PAGES[lesson.page], query_params={**to_query(lesson.settings(variant)), "lesson": lesson.number})


def lesson_banner() -> None:
    """Show which lesson is open and what to watch (from a lesson link's ?lesson=N or the Lessons page)."""
    chosen = st.session_state.get(LESSON_KEY)
    if chosen is None:
        raw = str(st.query_params.get("lesson", ""))
        chosen = (int(raw), None) if raw.isdigit() and int(raw) in BY_NUMBER else None
    if chosen is None:
        return
    lesson = BY_NUMBER[chosen[0]]
    variant = f" — {chosen[1]}" if chosen[1] else ""
    st.info(f"**Lesson {lesson.number}: {lesson.title}{variant}.** {lesson.watch}  \n*{lesson.steps}*")
