"""Real-browser fixtures: a `streamlit run` server on a free port and Playwright driving /usr/bin/chromium.

The server and browser helpers live in harness/browser.py (shared with bench/ and docs/); they are re-exported
here under their old names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.browser import (  # noqa: F401  (re-exported for the tests that import them from here)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    screenshot,
    start_server,
    stop_server,
    wait_for_app,
)


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("browser tests must run in CI, but /usr/bin/chromium is missing")
        pytest.skip("no /usr/bin/chromium (make test installs it when run as root)")


@pytest.fixture(scope="session")
def app_url(browser):
    """Base URL of the app served by `streamlit run app.py` for the whole test session.

    One visit to "/" first: Streamlit's first deep link after a server start can show a spurious
    "Page not found" dialog until some session has run the navigation once.
    """
    proc, url = start_server()
    warm = browser.new_page()
    warm.goto(url)
    wait_for_app(warm)
    warm.close()
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page (1600×1000) per test."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
