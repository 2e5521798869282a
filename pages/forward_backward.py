"""Forward & backward: step training one iteration at a time and watch the numbers on the network."""

import streamlit as st

from ui.controls import step_controls
from ui.session import current_trainer
from ui.sidebar import show_notices

st.title("Forward & backward")
show_notices()
trainer = current_trainer()
trainer = step_controls(trainer, "fb")
