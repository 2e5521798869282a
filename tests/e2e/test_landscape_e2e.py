"""The Loss landscape page in a real browser: Step, the map's point carries the engine's loss; live Play moves the
point over a map that stays still; the 3-D view on demand (screenshot)."""

from __future__ import annotations

import pytest

from engine import Trainer
from engine.landscape import current_loss
from tests.e2e.conftest import ARTIFACTS, screenshot, wait_for_app
from ui.settings import to_config

#: the plotted traces as Plotly.js holds them (arrays decoded), read from its graph divs
TRACES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => gd._fullData.map(t => ({
    type: t.type, name: t.name, hover: t.hovertemplate || '',
    nx: t.x ? t.x.length : 0, ny: t.y ? t.y.length : 0})))"""
#: what must stay still on the map, and where its point is
MAP = """() => {
  const gd = [...document.querySelectorAll('.st-key-ls_contour .js-plotly-plot')].pop();
  if (!gd || !gd._fullData) return null;   // between two redraws
  const now = gd._fullData.find(t => t.name === 'now');
  const c = gd._fullData[0];
  return {frame: [gd.layout.xaxis.range, gd.layout.yaxis.range, c.zmin, c.zmax], point: [now.x[0], now.y[0]]};
}"""
ITERATION = "() => +/iteration (\\d+)/.exec(document.querySelector('.bpv-counter').innerText)[1]"


def _map(page) -> dict:
    """Return the map's frame and point as drawn (waiting for a redraw in progress to finish)."""
    return page.wait_for_function(MAP).json_value()


def _open(page, app_url: str) -> None:
    # through the navigation bar: a fresh server's first deep link opens a "Page not found" dialog
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("link", name="Loss landscape").click()
    page.wait_for_selector(".st-key-ls_contour .js-plotly-plot .contour")
    wait_for_app(page)


@pytest.mark.e2e
def test_step_then_the_map_and_3d_view_show_the_trainers_loss(page, app_url):
    _open(page, app_url)
    page.get_by_role("button", name="Step ×10").click()
    page.get_by_text("iteration 10 ·").wait_for()
    wait_for_app(page)
    figures = page.evaluate(TRACES)
    contour = next(f for f in figures if f and f[0]["type"] == "contour")
    assert (contour[0]["nx"], contour[0]["ny"]) == (41, 41)
    assert not any(f and f[0]["type"] == "surface" for f in figures)      # 3-D is off until asked
    trainer = Trainer(to_config({}))   # the sidebar's defaults, stepped 10 times as in the browser
    trainer.run(10)
    now = next(t for t in contour if t["name"] == "now")
    assert f"loss {current_loss(trainer):.4g}" in now["hover"]

    page.locator(".st-key-ls_more button").first.click()
    page.get_by_text("3-D view").click()
    page.keyboard.press("Escape")
    page.wait_for_selector(".st-key-ls_surface3d .js-plotly-plot")
    wait_for_app(page)
    surface = next(f for f in page.evaluate(TRACES) if f and f[0]["type"] == "surface")
    assert (surface[0]["nx"], surface[0]["ny"]) == (41, 41)
    assert [t["type"] for t in surface] == ["surface", "scatter3d", "scatter3d"]
    screenshot(page, "landscape_after_10_steps")
    view3d = page.locator(".st-key-ls_surface3d .js-plotly-plot").last
    view3d.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    view3d.screenshot(path=str(ARTIFACTS / "landscape_3d.png"))
    assert (ARTIFACTS / "landscape_3d.png").stat().st_size > 10_000


@pytest.mark.e2e
def test_live_play_moves_the_point_over_a_map_that_stays_still(page, app_url):
    _open(page, app_url)
    before = _map(page)
    page.keyboard.press("Space")
    page.locator(".st-key-ls_pause").first.wait_for()
    seen = set()
    for _ in range(6):   # several redraws while it trains
        page.wait_for_timeout(400)
        now = _map(page)
        assert now["frame"] == before["frame"]
        seen.add(tuple(now["point"]))
    page.wait_for_function(ITERATION + " >= 40")
    page.locator(".st-key-ls_pause button").first.click()
    page.locator(".st-key-ls_play").first.wait_for()
    wait_for_app(page)
    stopped = page.evaluate(ITERATION)
    page.wait_for_timeout(1500)
    assert page.evaluate(ITERATION) == stopped >= 40
    assert len(seen) >= 3 and _map(page)["frame"] == before["frame"]
