"""The Loss landscape page in a real browser: step, the map's point carries the engine's loss; 3-D screenshot."""

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


def _open(page, app_url: str) -> None:
    # through the navigation bar: a fresh server's first deep link opens a "Page not found" dialog
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("link", name="Loss landscape").click()
    page.get_by_text("Show the landscape at iteration").or_(page.get_by_text("random filter-normalised")).first \
        .wait_for()
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .contour")


@pytest.mark.e2e
def test_step_then_the_map_and_3d_view_show_the_trainers_loss(page, app_url):
    _open(page, app_url)
    page.get_by_role("button", name="Step ×10").click()
    page.get_by_text("iteration 10 ·").wait_for()
    wait_for_app(page)
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some("
                           "gd => gd.layout.xaxis && String(gd.layout.xaxis.title.text).includes('PC1'))")
    figures = page.evaluate(TRACES)
    contour = next(f for f in figures if f and f[0]["type"] == "contour")
    surface = next(f for f in figures if f and f[0]["type"] == "surface")
    assert (contour[0]["nx"], contour[0]["ny"]) == (41, 41) == (surface[0]["nx"], surface[0]["ny"])
    trainer = Trainer(to_config({}))   # the sidebar's defaults, stepped 10 times as in the browser
    trainer.run(10)
    now = next(t for t in contour if t["name"] == "now")
    assert f"loss {current_loss(trainer):.4g}" in now["hover"]
    assert [t["type"] for t in surface] == ["surface", "scatter3d", "scatter3d"]

    screenshot(page, "landscape_after_10_steps")
    view3d = page.locator(".js-plotly-plot").nth(figures.index(surface))
    view3d.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    view3d.screenshot(path=str(ARTIFACTS / "landscape_3d.png"))
    assert (ARTIFACTS / "landscape_3d.png").stat().st_size > 10_000
