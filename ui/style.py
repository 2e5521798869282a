"""Page CSS: large counters and equations for the back of the room."""

import streamlit as st

from ui.session import presenter_mode


def inject_css() -> None:
    """Add the app's CSS (bigger in presenter mode)."""
    big = presenter_mode()
    st.html(f"""<style>
    .bpv-counter {{ font-size: {2.0 if big else 1.5}rem; font-weight: 700; padding-top: .1rem; }}
    .katex {{ font-size: {1.45 if big else 1.2}em !important; }}
    [data-testid="stMetricValue"] {{ font-size: {2.4 if big else 1.8}rem; }}
    </style>""")
