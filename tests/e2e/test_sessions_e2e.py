"""Many sessions on one server: isolated from each other, correct when stepping at once, bounded memory.

Each browser context is one student: its own Streamlit session, its own Trainer in st.session_state.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from engine import Config, Trainer
from engine.trainer import SNAPSHOT_MEMORY_BUDGET, TRACE_MEMORY_BUDGET
from harness.browser import DONE_JS, server_memory_kib
from tests.e2e.conftest import start_server, stop_server, wait_for_app
from ui.settings import to_config

pytestmark = pytest.mark.e2e

TIMEOUT = 120_000  # ms: generous, the suite shares two cores with other browser tests
VIEWPORT = {"width": 1600, "height": 1000}
#: the loss curve's train-loss values as Plotly.js holds them
TRAIN_LOSS_JS = """() => {
  const gd = document.querySelector('.st-key-fb_loss .js-plotly-plot');
  const t = gd && gd._fullData.find(t => t.name === 'train');
  return t ? Array.from(t.y) : null;
}"""
ERRORS_JS = """() => document.querySelectorAll('[data-testid="stException"]').length
  + [...document.querySelectorAll('.stAlert')].filter(a => a.innerText.includes('Something went wrong')).length"""


def open_session(browser, url: str):
    """Return a page in a fresh browser context (a new Streamlit session) showing url, finished loading."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.locator(".bpv-counter").wait_for()
    wait_for_app(page, timeout=TIMEOUT)
    return page


def click(page, key: str) -> None:
    """Click the step button `key` (fb_step, fb_step10, …) without waiting for the rerun."""
    page.locator(f".st-key-{key} button").click()


def wait_done(page, k: int) -> None:
    """Wait until the page shows iteration k and Streamlit has finished redrawing."""
    page.wait_for_function(DONE_JS, arg=k, timeout=TIMEOUT, polling=100)


def counter(page) -> str:
    return page.locator(".bpv-counter").inner_text()


def train_losses(page) -> list[float]:
    page.wait_for_function(f"() => ({TRAIN_LOSS_JS})() !== null", timeout=TIMEOUT)
    return page.evaluate(TRAIN_LOSS_JS)


def engine_train_losses(steps: int, **settings) -> list[float]:
    """Return the train loss after each of `steps` steps of a bare Trainer with these sidebar settings."""
    trainer = Trainer(to_config(settings))
    trainer.run(steps)
    return list(trainer.history.column("train_loss"))


def server_pid(app_url: str) -> int:
    """Return the pid of the `streamlit run` process serving app_url (found by its --server.port argument)."""
    port = str(urlparse(app_url).port)
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and b"--server.port" in args and \
                args[args.index(b"--server.port") + 1].decode() == port:
            return int(proc.name)
    raise AssertionError(f"no streamlit process on port {port}")


def test_two_sessions_keep_their_own_settings_and_iterations(browser, app_url):
    tuned = open_session(browser, app_url + "/?lr=0.05&layers=3")
    plain = open_session(browser, app_url)
    steps = {"tuned": 0, "plain": 0}
    pages = {"tuned": tuned, "plain": plain}
    for who in ("plain", "tuned", "plain", "tuned", "plain", "plain", "tuned", "plain"):
        other = "tuned" if who == "plain" else "plain"
        before = counter(pages[other])
        steps[who] += 1
        click(pages[who], "fb_step")
        wait_done(pages[who], steps[who])
        assert counter(pages[other]) == before  # the other session did not move
    assert counter(tuned).startswith("iteration 3 · epoch 3 ")
    assert counter(plain).startswith("iteration 5 · epoch 5 ")

    # each sidebar keeps its own URL settings
    lr_value = ".st-key-lr [data-testid='stSliderThumbValue']"
    hidden_value = ".st-key-hidden input"
    assert tuned.locator(lr_value).inner_text() == "0.05"
    assert plain.locator(lr_value).inner_text() == f"{Config().lr:g}"
    assert tuned.locator(hidden_value).input_value() == "4-4-4"   # the old ?layers=3 link: 3 layers of 4
    assert plain.locator(hidden_value).input_value() == "4-4"

    # and each loss curve is exactly its own experiment's, step by step
    assert train_losses(tuned) == pytest.approx(engine_train_losses(3, lr=0.05, hidden="4-4-4"), rel=1e-12)
    assert train_losses(plain) == pytest.approx(engine_train_losses(5), rel=1e-12)
    tuned.context.close()
    plain.context.close()


def test_four_sessions_stepping_at_once_all_reach_iteration_5(browser, app_url):
    pages = [open_session(browser, app_url) for _ in range(4)]
    for k in range(1, 6):
        for page in pages:   # all four reruns are in flight on the server together
            click(page, "fb_step")
        for page in pages:
            wait_done(page, k)
    expected = engine_train_losses(5)
    for page in pages:
        assert counter(page).startswith("iteration 5 · epoch 5 · batch 1/1")
        assert page.evaluate(ERRORS_JS) == 0
        assert train_losses(page) == pytest.approx(expected, rel=1e-12)
        page.context.close()


def test_a_few_hundred_iterations_keep_the_server_memory_bounded(browser, app_url):
    settings = {"n": 1000, "hidden": "8-8"}
    page = open_session(browser, app_url + "/?n=1000&width=8")   # an old link: 2 layers of 8
    pid = server_pid(app_url)
    click(page, "fb_step10")
    wait_done(page, 10)
    before = server_memory_kib(pid)["VmRSS"] * 1024
    for k in range(20, 260, 10):
        click(page, "fb_step10")
        wait_done(page, k)
    grown = server_memory_kib(pid)["VmRSS"] * 1024 - before

    # still responsive, and still computing the right numbers
    click(page, "fb_step")
    wait_done(page, 251)
    assert train_losses(page)[-1] == pytest.approx(engine_train_losses(251, **settings)[-1], rel=1e-12)
    assert page.evaluate(ERRORS_JS) == 0

    # The session may keep at most its trace ring buffer and its rewind snapshots (two 8 MiB budgets) plus
    # a few numbers per step; 8 MiB more covers Streamlit's own buffers and the allocator's slack.
    bound = TRACE_MEMORY_BUDGET + SNAPSHOT_MEMORY_BUDGET + 8 * 2**20
    trainer = Trainer(to_config(settings))
    trace = trainer.step()
    trace_bytes = sum(a.nbytes for a in (trace.x, trace.y, trace.batch_index)) + sum(
        a.nbytes for layer in trace.layers for a in layer.arrays())
    assert 240 * trace_bytes > 2.5 * bound  # keeping every step's trace would break the bound clearly
    assert grown < bound, f"server RSS grew {grown / 2**20:.1f} MiB over 240 iterations"
    page.context.close()


def test_the_app_starts_as_make_run_starts_it_without_waiting_for_a_terminal(tmp_path):
    # `make run` serves with headless off so a browser opens; on a fresh machine (an empty home) Streamlit
    # must not stop at its first-run email prompt. stdin is closed, as when started from a launcher.
    proc, url = start_server(extra_env={"HOME": str(tmp_path), "BROWSER": "true"}, headless=False)
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
            assert r.status == 200
    finally:
        stop_server(proc)
