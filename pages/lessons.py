"""Lessons: ready scenarios, each with what to watch, one-click open and a shareable link."""

import streamlit as st

from ui.chrome import open_lesson
from ui.lessons import LESSONS

st.title("Lessons")
st.markdown("Ready-made scenarios for a lecture. **Open** loads the settings and a fresh network on the right "
            "page; the link reproduces exactly the same numbers on any machine.")
base = (st.context.url or "").rsplit("/", 1)[0] + "/"
for lesson in LESSONS:
    with st.container(border=True):
        st.subheader(f"{lesson.number}. {lesson.title}")
        st.markdown(lesson.watch)
        st.caption(lesson.steps)
        variants = list(lesson.variants) or [None]
        cols = st.columns(len(variants))
        for i, (col, variant) in enumerate(zip(cols, variants)):
            label = f"Open: {variant}" if variant else "Open"
            if col.button(label, key=f"lesson_open_{lesson.number}_{i}", width="stretch"):
                open_lesson(lesson, variant)
            if variant:
                col.code(f"{base}?{lesson.query(variant)}", language=None, wrap_lines=True)
            else:
                col.code(f"{base}worked-example", language=None)
