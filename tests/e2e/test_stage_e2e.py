"""The lecture stage in a real browser: every page fits a 1280×720 projector (and 1024×768), presenter mode on
and off; no button label is cut; the graph never overlaps itself; a clicker walks the phases; Space plays."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from harness.browser import open_url
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1024, 768)]
#: per page: (path, selectors of what must be whole on screen without scrolling)
PAGES = {
    "forward_backward": ("/", [".st-key-fb_controls", ".bpv-counter", ".st-key-fb_phase",
                               ".st-key-fb_net .js-plotly-plot"]),
    "vanishing": ("/vanishing-gradients", [".st-key-vg_controls", ".st-key-vg_flow .js-plotly-plot"]),
    "worked": ("/worked-example", [".st-key-we_network .js-plotly-plot", ".katex-display|start"]),
    "landscape": ("/loss-landscape", [".st-key-ls_controls", ".st-key-ls_contour .js-plotly-plot"]),
}

OUTSIDE_JS = """([selector, w, h]) => {
  // "selector|start": the first match, of which the first two lines (90 px) must show; else the last match
  // (the newest copy of a re-drawn element), whole
  const [css, which] = selector.split('|');
  const found = [...document.querySelectorAll(css)].filter(e => e.closest('[data-stale="true"]') === null);
  if (!found.length) return 'missing';
  const box = found[which === 'start' ? 0 : found.length - 1].getBoundingClientRect();
  const r = which === 'start' ? {left: box.left, top: box.top, right: box.right, bottom: box.top + 90,
                                 width: box.width, height: 90} : box;
  if (r.width < 2 || r.height < 2) return 'empty';
  return (r.left >= -1 && r.top >= -1 && r.right <= w + 1 && r.bottom <= h + 1) ? null
    : `${Math.round(r.left)},${Math.round(r.top)} → ${Math.round(r.right)},${Math.round(r.bottom)}`;
}"""
CUT_LABELS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] button')]
  .filter(b => b.offsetParent !== null)
  .map(b => b.querySelector('[data-testid="stMarkdownContainer"] p') || b)
  .filter(p => p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1)
  .map(p => p.textContent)"""
OVERLAPS_JS = """(selector) => {
  const chart = [...document.querySelectorAll(selector)].filter(e => !e.closest('[data-stale="true"]')).pop();
  const texts = [...chart.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => [t.textContent, t.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
  const bad = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const [a, ra] = texts[i], [b, rb] = texts[j];
    const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (x > 1 && y > 1) bad.push(a + ' / ' + b);
  }
  return bad;
}"""
NODES_JS = """() => {
  const chart = [...document.querySelectorAll(".st-key-fb_net .js-plotly-plot")]
    .filter(e => !e.closest('[data-stale="true"]')).pop();
  // the neurons are the first trace with markers (the edge groups before it are lines)
  const first = [...chart.querySelectorAll('g.trace')].find(g => g.querySelector('path.point'));
  const nodes = [...first.querySelectorAll('path.point')].map(p => p.getBoundingClientRect());
  const bad = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) {
    const a = nodes[i], b = nodes[j];
    const d = Math.hypot(a.x + a.width / 2 - b.x - b.width / 2, a.y + a.height / 2 - b.y - b.height / 2);
    if (d < 0.98 * (a.width + b.width) / 2) bad.push([i, j]);
  }
  return {count: nodes.length, bad: bad.length};
}"""


def _settle(page) -> None:
    """Wait for the run, the browser's size report and the rerun it causes."""
    wait_for_app(page)
    page.wait_for_timeout(1200)
    wait_for_app(page)


def _open(page, url: str) -> None:
    open_url(page, url, settle_ms=1200)


def _wait_drawn(page, selectors: list[str], timeout_ms: int = 30_000) -> None:
    """Wait until each selector has a current (not stale) match; KaTeX and Plotly draw after the run ends.

    One still missing after the timeout is reported by OUTSIDE_JS, with the others."""
    for selector in selectors:
        try:
            page.wait_for_function("(css) => [...document.querySelectorAll(css)]"
                                   ".some(e => e.closest('[data-stale=\"true\"]') === null)",
                                   arg=selector.split("|")[0], timeout=timeout_ms)
        except PlaywrightTimeout:
            return
    wait_for_app(page)


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=["1280x720", "1024x768"])
def test_every_page_fits_the_projector(browser, app_url, size, presenter):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems = []
    try:
        _open(page, app_url)  # the root first: a fresh server's first deep link shows a spurious dialog
        for name, (path, selectors) in PAGES.items():
            _open(page, f"{app_url}{path}{'?presenter=true' if presenter else ''}")
            _wait_drawn(page, selectors)
            for selector in selectors:
                where = page.evaluate(OUTSIDE_JS, [selector, size[0], size[1]])
                if where:
                    problems.append(f"{name}: {selector} {where}")
            problems += [f"{name}: cut button label “{t}”" for t in page.evaluate(CUT_LABELS_JS)]
            if name == "landscape":
                box = page.locator(".st-key-ls_contour .js-plotly-plot").last.bounding_box()
                if box["width"] < 400:
                    problems.append(f"landscape map only {box['width']:.0f} px wide")
            if name == "worked":
                problems += [f"worked drawing: {o}" for o in page.evaluate(OVERLAPS_JS, ".st-key-we_network")]
            tag = f"{name}_{size[0]}x{size[1]}{'_presenter' if presenter else ''}"
            screenshot(page, tag)
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.parametrize("hidden", ["4-4", "8-8-8-8-8-8", "16-16-16-16-16-16", "6-32-4-12-8-2-20-3",
                                    "-".join(["64"] * 12)])
@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_the_graph_never_overlaps_itself(browser, app_url, hidden, presenter):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        _open(page, app_url)
        _open(page, f"{app_url}/?hidden={hidden}&act=Sigmoid{'&presenter=true' if presenter else ''}")
        page.locator(".st-key-fb_step10 button").first.click()
        _settle(page)
        for _ in range(len(hidden.split("-")) + 3):  # walk into the backward pass: δ on every layer
            page.keyboard.press("PageDown")
            _settle(page)
        nodes = page.evaluate(NODES_JS)
        texts = page.evaluate(OVERLAPS_JS, ".st-key-fb_net")
        screenshot(page, f"graph_{hidden}{'_presenter' if presenter else ''}")
    finally:
        context.close()
    assert nodes["count"] >= 8 and nodes["bad"] == 0, nodes
    assert not texts, texts


def _counter(page) -> str:
    return page.locator(".bpv-counter").last.inner_text()


def _phase(page) -> str:
    return page.locator(".st-key-fb_phase").last.inner_text().strip().split("\n")[0]


def _iteration(page) -> int:
    return int(re.search(r"iteration (\d+)", _counter(page)).group(1))


def test_a_clicker_walks_the_phases_and_space_plays(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        _open(page, app_url)
        assert _phase(page) == "forward h1" and "iteration 0" in _counter(page)
        walk = ["forward h2", "forward out", "loss", "backward out", "backward h2", "backward h1", "update"]
        for expected in walk:
            page.keyboard.press("PageDown")
            page.wait_for_function("(p) => document.querySelector('.st-key-fb_phase').innerText.includes(p)",
                                   arg=expected)
        assert _iteration(page) == 0
        page.keyboard.press("ArrowRight")  # past the update: the next iteration's forward pass (trains it)
        page.wait_for_function("() => /iteration 2 ·/.test(document.querySelector('.bpv-counter').innerText)")
        _settle(page)
        assert _phase(page) == "forward h1"
        page.keyboard.press("PageUp")  # back: the previous iteration's update, the later one kept
        page.wait_for_function("() => document.querySelector('.bpv-counter').innerText.includes('viewing')")
        page.wait_for_function("() => document.querySelector('.st-key-fb_phase').innerText.includes('update')")
        assert "viewing iteration 1 of 2" in _counter(page)
        page.keyboard.press("Shift+ArrowRight")  # a whole Step, from the newest iteration
        page.wait_for_function("() => /iteration 3 ·/.test(document.querySelector('.bpv-counter').innerText)")

        page.keyboard.press("Space")
        page.locator(".st-key-fb_pause").first.wait_for()
        start = time.time()
        page.wait_for_function("() => +/iteration (\\d+)/.exec(document.querySelector('.bpv-counter')"
                               ".innerText)[1] >= 40", timeout=30_000)
        climbing = _iteration(page)
        page.keyboard.press("Space")
        page.locator(".st-key-fb_play").first.wait_for()
        _settle(page)
        paused = _iteration(page)
        page.wait_for_timeout(2000)
        assert _iteration(page) == paused >= climbing > 3, (climbing, paused, time.time() - start)
        screenshot(page, "stage_after_play")
    finally:
        context.close()


def test_lesson_5_on_the_main_page(browser, app_url):
    """The deep sigmoid lesson: the strip and the log colours show δ shrinking toward the input."""
    for presenter in (False, True):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            _open(page, app_url)
            _open(page, f"{app_url}/?lesson=5&hidden=8-8-8-8-8-8&act=Sigmoid&init=Standard+1%2F%E2%88%9An"
                        f"{'&presenter=true' if presenter else ''}")
            page.locator(".st-key-fb_step10 button").first.click()
            _settle(page)
            for _ in range(13):  # to backward h1
                page.keyboard.press("PageDown")
                _settle(page)
            chart = page.locator(".st-key-fb_net .js-plotly-plot").last
            text = chart.inner_text()
            assert "δ, log" in text and "|δ|" in text
            screenshot(page, f"lesson5{'_presenter' if presenter else ''}")
        finally:
            context.close()
