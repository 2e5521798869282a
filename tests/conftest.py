"""Test-wide settings: app bugs must raise in tests (users get a friendly message instead), and every figure
is checked by Plotly's validators (the app skips them for speed, see viz/objs.py)."""

import os

os.environ.setdefault("BPV_RAISE", "1")
os.environ.setdefault("BPV_VALIDATE_FIGURES", "1")
