"""AppTest helpers shared by the page tests."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.session import TRAINER_KEY

ROOT = Path(__file__).resolve().parents[2]


def new_app(query: dict | None = None) -> AppTest:
    """Return an AppTest of app.py (not yet run), with optional URL query parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def page_app(page: str) -> AppTest:
    """Return the app run once and switched to `page` (e.g. "pages/worked_example.py"), checked for errors."""
    app = new_app().run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def trainer_of(at: AppTest):
    """Return the session's shared Trainer."""
    return at.session_state[TRAINER_KEY]


@pytest.fixture
def app() -> AppTest:
    """The app, run once on its default page."""
    at = new_app().run()
    assert not at.exception
    return at


def banner(at: AppTest) -> str:
    """Return the text of the HTML blocks (the lesson banner, result boxes) of the last run."""
    return " ".join(e.proto.body for e in at.get("html"))
