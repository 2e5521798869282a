"""Real browser: step three times, click a neuron, move the phase scrubber, screenshot."""

import re

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.e2e


def counter_text(page) -> str:
    return page.locator(".bpv-counter").last.inner_text()


def click_and_wait(page, selector: str, expect: str) -> None:
    page.locator(selector).first.click()
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel) && document.querySelector(sel).innerText.includes(text)",
        arg=[".bpv-counter", expect], timeout=30_000)


N_NODES, N_EDGES = 11, 37  # default 2-4-4-1 net; edges include the bias edges


def graph_points(page, count: int):
    """The points of the graph's marker trace that has `count` points (N_NODES neurons, N_EDGES midpoints)."""
    wait_for_app(page)
    chart = page.locator(".st-key-fb_net .js-plotly-plot").last
    chart.locator("path.point").first.wait_for(state="visible")
    # traces with markers, in order: the neurons, the grey unreached ones, the edge midpoints (the most points)
    traces = chart.locator("g.trace:has(path.point)")
    for i in range(traces.count()):
        if traces.nth(i).locator("path.point").count() == count:
            return traces.nth(i).locator("path.point")
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
    page.wait_for_timeout(1500)
    wait_for_app(page)
    assert "iteration 0" in counter_text(page)
    for k in (1, 2, 3):
        click_and_wait(page, ".st-key-fb_step button", f"iteration {k} ·")
    assert re.search(r"iteration 3 · epoch 3 · batch 1/1", counter_text(page))

    # click the first neuron of hidden layer 1 (node index 2: after the two inputs)
    click_point(page, graph_points(page, N_NODES).nth(2))
    page.wait_for_selector("text=Hidden h1, neuron 1", timeout=30_000)
    page.wait_for_selector(".katex", timeout=30_000)
    assert page.locator(".katex").count() >= 3  # z = Σ w·a + b, a = f(z), δ = …

    # the clicked neuron is ringed on the graph: one more trace than the plain figure's
    # walk the phases with the clicker's key to the update (the chart keeps the panel open)
    for _ in range(7):
        page.keyboard.press("PageDown")
        page.wait_for_timeout(300)
    page.wait_for_function("() => document.querySelector('.st-key-fb_phase').innerText.includes('update')")
    wait_for_app(page)
    page.wait_for_timeout(800)
    screenshot(page, "forward_backward")

    # close the panel (Esc), then click an edge midpoint: the gradient panel appears
    page.keyboard.press("Escape")
    page.locator("[class*='st-key-fb_data']").first.wait_for()
    click_point(page, graph_points(page, N_EDGES).nth(5))
    page.wait_for_selector("text=batch of 160", timeout=30_000)
    screenshot(page, "forward_backward_edge")
