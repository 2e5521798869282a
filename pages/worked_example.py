"""Placeholder until this page lands."""

import streamlit as st

st.title("worked_example")
st.info("This page is being built.")
