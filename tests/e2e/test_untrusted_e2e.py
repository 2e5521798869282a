"""Real browser, untrusted input: injected names make no outside request and no link in a figure; tampered links
leave every page working with a notice; a loaded experiment says it was restored.

A loopback HTTP listener stands for the "outside" host every injected name points at: it must see no request.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import ClassVar
from urllib.parse import unquote, urlencode

import numpy as np
import pytest

from engine import Config, Trainer
from engine.data import Dataset
from engine.experiment import to_json
from harness.corpus import PAGE_PATHS, injected
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.test_sessions_e2e import ERRORS_JS
from viz.text import WORD_JOINER

pytestmark = pytest.mark.e2e

TIMEOUT = 120_000
LINKS_IN_FIGURES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .reduce((n, p) => n + p.querySelectorAll('a').length, 0)"""


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    """A loopback HTTP server that records every request; yields (base URL, list of paths requested)."""
    _Counter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()


@pytest.fixture
def small_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    yield pg
    context.close()


def _open_expander(page, title: str) -> None:
    page.locator("[data-testid='stExpander'] summary", has_text=title).first.click()


def _injected_csv(host: str) -> bytes:
    names = [n.replace(",", ";").replace('"', "'") for n in injected(host)[:3]]
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40))
    return (",".join(names) + "\n" + rows + "\n").encode()


def _visible_text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text().replace(WORD_JOINER, "")


def test_injected_names_fetch_nothing_and_link_nothing(small_page, app_url, listener):
    host, hits = listener
    page = small_page
    page.goto(app_url)
    wait_for_app(page, TIMEOUT)
    _open_expander(page, "Your own data (CSV)")
    page.locator(".st-key-csv_file input[type=file]").set_input_files(
        files=[{"name": "![p](" + host + "/f.png).csv", "mimeType": "text/csv", "buffer": _injected_csv(host)}])
    page.locator(".st-key-csv_use button").click()
    page.get_by_text("Training on").wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    page.locator(".st-key-fb_step button").click()
    page.wait_for_function("() => document.querySelector('.bpv-counter').innerText.includes('iteration 1')")
    wait_for_app(page, TIMEOUT)
    success = _visible_text(page, "[data-testid='stSidebar'] [data-testid='stAlertContentSuccess']")
    assert "$\\rule{3000px}{3000px}$" in success and f"![p]({host}/f.png)" in success
    assert page.locator("[data-testid='stSidebar'] .katex, [data-testid='stSidebar'] img").count() == 0
    assert page.locator(f"a[href^='{host}'], img[src^='{host}']").count() == 0
    assert page.evaluate(LINKS_IN_FIGURES_JS) == 0
    assert page.evaluate(ERRORS_JS) == 0
    screenshot(page, "untrusted_csv_names")

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    names = injected(host)
    ds = Dataset(names[0], X, (X[:, 0] > 0).astype(float).reshape(-1, 1), "binary", (names[1], names[3]),
                 (names[2],), ("0", "1"))
    trainer = Trainer(Config(hidden=(3,)), dataset=ds)
    trainer.run(4)
    _open_expander(page, "Save or load the experiment")
    page.locator(".st-key-fb_exp_load input[type=file]").set_input_files(
        files=[{"name": "exp.json", "mimeType": "application/json", "buffer": to_json(trainer, True).encode()}])
    page.get_by_text("Restored exactly: iteration 4").wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    assert page.evaluate(LINKS_IN_FIGURES_JS) == 0
    bad = {"format": "backprop-visualizer/1", "config": {names[0]: 1}, "iteration": 0}
    page.locator(".st-key-fb_exp_load input[type=file]").set_input_files(
        files=[{"name": "bad.json", "mimeType": "application/json", "buffer": json.dumps(bad).encode()}])
    page.get_by_text("Could not load that file").wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    page.wait_for_timeout(1000)  # give any image a chance to load
    assert hits == [], hits
    assert page.evaluate(ERRORS_JS) == 0


#: a sample of tests/corpus.py's LINKS, in Chromium: (page, query, what the page steps with, its counter)
BROWSER_LINKS = [
    ("fb", {"seed": "1e400"}, "fb_step", ".bpv-counter"),
    ("fb", {"dseed": "inf", "lesson": "²"}, "fb_step", ".bpv-counter"),
    ("fb", {"seed": "9" * 5000}, "fb_step", ".bpv-counter"),
    ("fb", {"lr": ["0.1", "5"]}, "fb_step", ".bpv-counter"),
    ("ls", {"seed": "inf"}, "ls_step", ".bpv-counter"),
    ("vg", {"vg_seed": "1e400", "vg_acts": ["Tanh", "Bogus"]}, "vg_step", "[data-testid='stMainBlockContainer']"),
]


@pytest.mark.parametrize(("page_name", "query", "step", "counter"), BROWSER_LINKS,
                         ids=[f"{p}-{i}" for i, (p, *_) in enumerate(BROWSER_LINKS)])
def test_a_tampered_link_in_chromium_gives_a_notice_and_steps(small_page, app_url, page_name, query, step, counter):
    page = small_page
    page.goto(f"{app_url}/{PAGE_PATHS[page_name]}?{urlencode(query, doseq=True)}")
    wait_for_app(page, TIMEOUT)
    page.get_by_text("Some link settings were not understood").wait_for(timeout=TIMEOUT)
    assert page.evaluate(ERRORS_JS) == 0
    page.locator(f".st-key-{step} button").click()
    page.wait_for_function("([sel]) => document.querySelector(sel).innerText.includes('iteration 1')",
                           arg=[counter], timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    assert page.evaluate(ERRORS_JS) == 0
    url = unquote(page.url)
    for key, value in query.items():
        for bad in value if isinstance(value, list) else [value]:
            if bad not in ("5", "Tanh"):  # the values that were kept
                assert f"{key}={bad}" not in url, url
    if page_name == "fb" and "lr" in query:
        assert "lr=5" in url
    screenshot(page, f"untrusted_link_{page_name}")


#: every sidebar widget as the browser shows it: its text (select boxes, slider labels) and each input's value
SIDEBAR_JS = """() => {
  const bar = document.querySelector('[data-testid="stSidebar"]');
  const inputs = [...bar.querySelectorAll('input, [role="slider"]')].map(e => e.getAttribute('role') === 'slider'
    ? e.getAttribute('aria-valuenow') : (e.type === 'checkbox' ? e.checked : e.value));
  return [bar.innerText, inputs];
}"""
BIG = "64-64-64-64-64-64-64-64"  # with 2,000 samples: 1,030,000 cells, over the 500,000 one session may use
TOO_BIG = [("fb", {"hidden": BIG, "n": "2000"}, "Showing the default experiment instead."),
           ("vg", {"vg_depth": "12", "vg_width": "64", "vg_bn": "true"}, "Showing the default networks instead.")]


def _sidebar(browser, url: str, step: str, wait_text: str | None = None, like=None):
    """Return (the sidebar as SIDEBAR_JS reads it, the page) for url, opened in a fresh 1280×720 context, once the
    page's step button is drawn and the sidebar has settled: it reads `like`, or the same twice 0.5 s apart (20 s at
    most; widgets draw after the run ends, later on a slow machine)."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.locator(f".st-key-{step} button").first.wait_for()
    if wait_text:
        page.get_by_text(wait_text).wait_for()
    wait_for_app(page, TIMEOUT)
    read, deadline = page.evaluate(SIDEBAR_JS), time.monotonic() + 20
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        again = page.evaluate(SIDEBAR_JS)
        if again == like or (like is None and again == read):
            return again, page
        read = again
    return read, page


@pytest.mark.parametrize(("page_name", "query", "said"), TOO_BIG, ids=[p for p, *_ in TOO_BIG])
def test_a_link_too_big_shows_the_defaults_it_runs_in_the_sidebar_and_the_link(browser, app_url, page_name, query,
                                                                               said):
    path = f"{app_url}/{PAGE_PATHS[page_name]}"
    defaults, fresh = _sidebar(browser, path, f"{page_name}_step")
    fresh.context.close()
    shown, page = _sidebar(browser, f"{path}?{urlencode(query)}", f"{page_name}_step", said, like=defaults)
    try:
        assert shown == defaults  # every widget, as the browser draws it, at the default that runs
        assert not set(query) & {k.split("=")[0] for k in unquote(page.url).partition("?")[2].split("&")}, page.url
        screenshot(page, f"too_big_link_{page_name}")
        page.locator(f".st-key-{page_name}_step button").click()
        page.get_by_text("iteration 1").first.wait_for()
        wait_for_app(page, TIMEOUT)
        assert page.evaluate(ERRORS_JS) == 0  # (the message stays until the next full rerun: Step reruns a part)
    finally:
        page.context.close()


def test_a_change_too_big_moves_that_widget_back_and_keeps_the_rest(browser, app_url):
    _, page = _sidebar(browser, f"{app_url}/?n=2000", "fb_step")
    try:
        hidden = page.locator(".st-key-hidden input")
        hidden.fill(BIG)
        hidden.press("Enter")
        page.get_by_text("That change was not applied").wait_for()
        wait_for_app(page, TIMEOUT)
        assert hidden.input_value() == "4-4"
        assert page.locator(".st-key-n input").input_value() == "2000"
        url = unquote(page.url)
        assert "n=2000" in url and BIG not in url, url
        page.locator(".st-key-fb_step button").click()
        page.get_by_text("iteration 1").first.wait_for()
        wait_for_app(page, TIMEOUT)
        assert page.evaluate(ERRORS_JS) == 0
    finally:
        page.context.close()
