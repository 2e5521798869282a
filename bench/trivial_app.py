"""The trivial one-button page the browser benchmark compares against."""

import streamlit as st

if "n" not in st.session_state:
    st.session_state.n = 0
if st.button("Step", key="fb_step"):
    st.session_state.n += 1
st.markdown(f"<div class='bpv-counter'>iteration {st.session_state.n} ·</div>", unsafe_allow_html=True)
