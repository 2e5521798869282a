"""Placeholder until this page lands."""

import streamlit as st

st.title("vanishing_gradients")
st.info("This page is being built.")
