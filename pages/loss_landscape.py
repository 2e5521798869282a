"""Placeholder until this page lands."""

import streamlit as st

st.title("loss_landscape")
st.info("This page is being built.")
