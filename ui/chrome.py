"""What every page shares: the presenter toggle, the page CSS, lesson opening and the lesson banner."""

from __future__ import annotations

from html import escape as escape_html

import streamlit as st

from ui.lessons import BY_NUMBER, Lesson
from ui.live_chart import plotly_loader
from ui.session import LESSON_KEY, TRAINER_KEY, presenter_mode
from ui.settings import BY_KEY, to_query

SETTING_KEYS = tuple(BY_KEY)

#: the page's root font size (px): presenter mode reads from the back of a room, yet the stage still fits 1280×720
FONT_PX, PRESENTER_FONT_PX = 16, 19
#: KaTeX's size relative to the text (em), normal and presenter mode
MATH_EM, PRESENTER_MATH_EM = 1.1, 1.35
#: the average printed width of a character of KaTeX math (digits, signs, parentheses), in its own em
MATH_CHAR_EM = 0.55

PAGES = {"forward_backward": "pages/forward_backward.py", "worked_example": "pages/worked_example.py",
         "vanishing": "pages/vanishing_gradients.py"}


def presenter_toggle() -> None:
    """Draw the presenter-mode toggle (bound to ?presenter=true) at the top of the sidebar, and the page CSS."""
    with st.sidebar:
        st.toggle("Presenter mode", key="presenter", bind="query-params",
                  help="For the projector: sidebar folded away, bigger text, nodes and lines. Share the link to "
                       "keep it on.")
    big = presenter_mode()
    hide_sidebar = str(st.query_params.get("hide", "")).strip() == "all"
    st.html(f"""<style>
    html {{ font-size: {PRESENTER_FONT_PX if big else FONT_PX}px; }}
    [data-testid="stMainBlockContainer"] {{ padding: 3.9rem 1.1rem 1.5rem 1.1rem; max-width: 100%; }}
    [data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {{ gap: 0.45rem; }}
    .bpv-counter {{ font-size: {1.3 if big else 1.12}rem; font-weight: 700; white-space: nowrap; }}
    .katex {{ font-size: {PRESENTER_MATH_EM if big else MATH_EM}em !important; }}
    .katex-display {{ overflow-x: auto; overflow-y: hidden; padding: 2px 0; margin: .3em 0 !important; }}
    [class*="_twin"] {{ display: none !important; }}
    [class*="st-key-we_"] [data-testid^="stNumberInputStep"] {{ display: none; }}
    .bpv-results {{ display: flex; flex-wrap: wrap; gap: .5rem; }}
    .bpv-result {{ flex: 1 1 9rem; border: 1px solid #d5dbe5; border-radius: .5rem; padding: .3rem .6rem; }}
    .bpv-result-label {{ font-size: .85rem; color: #444; }}
    .bpv-result-value {{ font-size: 1.35rem; font-weight: 700; overflow-wrap: anywhere; }}
    .bpv-big .bpv-result-value {{ font-size: clamp(1.05rem, 2.1vw, 1.6rem); }}
    .bpv-lesson {{ font-size: .92rem; line-height: 1.35; padding: .35rem .7rem; border-radius: .5rem;
                  background: #eaf2fd; color: #0b3d91; }}
    .bpv-lesson > div {{ display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
                        overflow: hidden; }}
    {'[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}' if hide_sidebar else ''}
    </style>""")
    plotly_loader()


def math_line_chars(width_px: int) -> int:
    """Return how many characters of displayed math fit on one line `width_px` wide (in this mode's fonts)."""
    big = presenter_mode()
    math_px = (PRESENTER_FONT_PX * PRESENTER_MATH_EM) if big else (FONT_PX * MATH_EM)
    return max(16, int(width_px / (math_px * MATH_CHAR_EM)))


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
    """Show which lesson is open and what to watch, in two lines at most (the full text on hover)."""
    chosen = st.session_state.get(LESSON_KEY)
    if chosen is None:
        raw = str(st.query_params.get("lesson", ""))
        chosen = (int(raw), None) if raw in {str(n) for n in BY_NUMBER} else None  # never int() a link's text
    if chosen is None:
        return
    lesson = BY_NUMBER[chosen[0]]
    variant = f" — {chosen[1]}" if chosen[1] else ""
    full = f"Lesson {lesson.number}: {lesson.title}{variant}. {lesson.watch} {lesson.steps}"
    st.html(f"<div class='bpv-lesson' title='{escape_html(full)}'><div><b>Lesson {lesson.number}: "
            f"{escape_html(lesson.title + variant)}.</b> {escape_html(lesson.watch)} <i>{escape_html(lesson.steps)}</i>"
            "</div></div>")


def result_boxes(items: list[tuple[str, str]], big: bool = False) -> None:
    """Show labelled numbers in boxes that wrap instead of cutting digits (st.metric truncates 3.51e-05)."""
    cells = "".join(f"<div class='bpv-result'><div class='bpv-result-label'>{escape_html(label)}</div>"
                    f"<div class='bpv-result-value'>{escape_html(value)}</div></div>" for label, value in items)
    st.html(f"<div class='bpv-results{' bpv-big' if big else ''}'>{cells}</div>")
