"""The vanishing-gradients page in a real browser: step 20 times, read the ratios off the plot, Play and its stop."""

from __future__ import annotations

import re

import pytest

from engine import Config
from engine.diagnostics import Comparison
from harness.browser import open_url
from tests.e2e.conftest import ARTIFACTS, screenshot, wait_for_app
from viz.vanishing import ratio_text

DEFAULT = Config(dataset="circle", n_samples=200, test_ratio=0.0, hidden=(32,) * 6, loss="half_sse", init="standard",
                 seed=1, lr=1.0)
DIVERGING = "?vg_acts=ReLU&vg_acts=Sigmoid&vg_loss=Binary+cross-entropy&vg_scale=8.0&vg_width=16&vg_depth=12&vg_n=50"


def _open(page, url: str) -> None:
    open_url(page, url)


def _live(page, key: str, text: str | None = None):
    """Return the element with widget/chart key `key`, skipping the stale copy Streamlit keeps during a rerun."""
    return page.locator(f".st-key-{key}:not([data-stale='true'])", has_text=text)


def _iteration(page) -> int:
    text = page.locator("[data-testid='stMain']").inner_text()
    return int(re.search(r"iteration (\d+)", text).group(1))


SHOWS_ITERATION = """(k) => new RegExp('iteration ' + k + '(?!\\\\d)')
    .test(document.querySelector('[data-testid=stMain]').innerText)
  && !document.querySelector('[data-testid=stStatusWidget]')"""


def _wait_iteration(page, k: int) -> None:
    page.wait_for_function(SHOWS_ITERATION, arg=k)


@pytest.mark.e2e
def test_step_20_times_and_read_the_ratios_off_the_gradient_flow(page, app_url):
    _open(page, f"{app_url}/vanishing-gradients")
    step = _live(page, "vg_step").locator("button")
    for k in range(1, 21):
        step.click()
        _wait_iteration(page, k)
    wait_for_app(page)
    flow = _live(page, "vg_flow")
    ARTIFACTS.mkdir(exist_ok=True)
    flow.screenshot(path=str(ARTIFACTS / "vanishing_gradient_flow.png"))
    screenshot(page, "vanishing_page")
    legend = flow.locator(".legendtext").evaluate_all("els => els.map(e => e.textContent)")
    comp = Comparison(DEFAULT)
    comp.run(20)
    expected = [ratio_text(s) for s in comp.snapshots().values()]
    assert [re.sub(r"^.*:\s+", "", t) for t in legend] == expected
    sigmoid, tanh = (float(t.rsplit("= ", 1)[1]) for t in legend[:2])
    assert sigmoid < tanh / 100


@pytest.mark.e2e
def test_play_runs_until_paused_and_other_widgets_still_answer(page, app_url):
    _open(page, f"{app_url}/vanishing-gradients")
    _live(page, "vg_play").locator("button").first.click()
    page.wait_for_function(
        "() => /iteration ([1-9]\\d+)/.test(document.querySelector('[data-testid=stMain]').innerText)")
    # while playing, another view can still be chosen
    _live(page, "vg_view").locator("button", has_text="Gradients over time").click()
    _live(page, "vg_detail", "weights after iteration").wait_for()
    _live(page, "vg_pause").locator("button").first.click()
    _live(page, "vg_play").first.wait_for()
    wait_for_app(page)
    paused_at = _iteration(page)
    page.wait_for_timeout(1000)
    assert _iteration(page) == paused_at >= 10


@pytest.mark.e2e
def test_play_stops_at_a_divergence_with_a_clear_message(page, app_url):
    _open(page, f"{app_url}/vanishing-gradients{DIVERGING}")
    _live(page, "vg_play").locator("button").first.click()
    page.get_by_text("Play stopped: ReLU diverged at iteration 2.").wait_for()
    _live(page, "vg_play").first.wait_for()
    assert "ReLU diverged at iteration 2" in page.locator("[data-testid='stAlert']").all_inner_texts()[-1]
