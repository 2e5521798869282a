"""Test-wide settings: app bugs must raise in tests (users get a friendly message instead)."""

import os

os.environ.setdefault("BPV_RAISE", "1")
