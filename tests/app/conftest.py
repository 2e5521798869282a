"""AppTest helpers shared by the page tests."""

import pytest
from streamlit.testing.v1 import AppTest

from harness.apptest import new_app, trainer_of

__all__ = ["banner", "new_app", "page_app", "trainer_of"]


def page_app(page: str) -> AppTest:
    """Return the app run once and switched to `page` (e.g. "pages/worked_example.py"), checked for errors."""
    app = new_app().run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture
def app() -> AppTest:
    """The app, run once on its default page."""
    at = new_app().run()
    assert not at.exception
    return at


def banner(at: AppTest) -> str:
    """Return the text of the HTML blocks (the lesson banner, result boxes) of the last run."""
    return " ".join(e.proto.body for e in at.get("html"))
