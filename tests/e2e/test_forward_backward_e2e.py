"""Real browser: step three times, click a neuron, move the phase scrubber, screenshot."""

import re

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def counter_text(page) -> str:
    return page.locator(".bpv-counter").inner_text()


def click_and_wait(page, selector: str, expect: str) -> None:
    page.locator(selector).click()
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel) && document.querySelector(sel).innerText.includes(text)",
        arg=[".bpv-counter", expect], timeout=30_000)


N_NODES, N_EDGES = 11, 37  # default 2-4-4-1 net; edges include the bias edges


def graph_points(page, count: int):
    """The points of the graph's marker trace that has `count` points (N_NODES neurons, N_EDGES midpoints)."""
    wait_for_app(page)
    chart = page.locator("[class*='st-key-fb_net_'] .js-plotly-plot").last
    chart.locator("path.point").first.wait_for(state="visible")
    traces = chart.locator(".scatterlayer .trace:has(path.point)")
    for i in range(traces.count()):
        points = traces.nth(i).locator("path.point")
        if points.count() == count:
            return points
    raise AssertionError(f"no trace with {count} points")


def click_point(page, locator) -> None:
    """Click where a Plotly point is drawn (Plotly listens on its drag layer, not on the point element)."""
    locator.wait_for(state="visible")
    box = locator.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(200)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_step_click_neuron_and_scrub(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    assert "iteration 0" in counter_text(page)
    for k in (1, 2, 3):
        click_and_wait(page, ".st-key-fb_step button", f"iteration {k} ·")
    assert re.search(r"iteration 3 · epoch 3 · batch 1 of 1", counter_text(page))

    # click the first neuron of hidden layer 1 (node index 2: after the two inputs)
    click_point(page, graph_points(page, N_NODES).nth(2))
    page.wait_for_selector("text=Neuron 1 of the hidden layer 1", timeout=30_000)
    page.wait_for_selector(".katex", timeout=30_000)
    assert page.locator(".katex").count() >= 3  # z = Σ w·a + b, a = f(z), δ = …

    # move the phase scrubber to the start: forward through layer 1
    thumb = page.locator(".st-key-fb_phase input").first
    thumb.focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('.st-key-fb_phase').innerText.includes('forward 1')")
    wait_for_app(page)
    page.wait_for_timeout(800)
    screenshot(page, "forward_backward")

    # click an edge midpoint: the gradient panel appears
    click_point(page, graph_points(page, N_EDGES).nth(5))
    page.wait_for_selector("text=whole batch", timeout=30_000)
    screenshot(page, "forward_backward_edge")
