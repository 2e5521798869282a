"""Click → redraw of Step on the vanishing-gradients page (three 8×32 nets, N = 500) next to the main page's Step.

Both pages are open in the same browser against one `streamlit run app.py`; clicks alternate between them so
drift hits both alike. A click's latency is the time from the click to the last DOM change it caused (Plotly
drawing included), found with a MutationObserver once the page has been quiet for QUIET_MS.

Run: .venv/bin/python bench/vanishing_latency.py [--clicks 15] [--view "Histograms per layer"]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_for_app  # noqa: E402

VANISHING_QUERY = "/vanishing-gradients?vg_depth=8&vg_width=32&vg_n=500"
TARGET_RATIO = 1.5
QUIET_MS = 600

OBSERVE = """() => {
  window.__lastMutation = performance.now();
  new MutationObserver(() => { window.__lastMutation = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
CLICK = """(sel) => { window.__clickAt = performance.now(); document.querySelector(sel).click(); }"""
DONE = """(k) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const counter = new RegExp('iteration ' + k + '(?!\\\\d)');
  return main && counter.test(main.innerText) && !document.querySelector('[data-testid="stStatusWidget"]');
}"""
QUIET = f"() => performance.now() - window.__lastMutation > {QUIET_MS}"
LATENCY = "() => window.__lastMutation - window.__clickAt"


def open_page(browser, url: str):
    """Return a 1600×1000 page on url, loaded and observed."""
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_for_app(page)
    page.evaluate(OBSERVE)
    return page


def click_step(page, button_key: str, iteration: int) -> float:
    """Click the Step button and return ms from the click to the last DOM change it caused."""
    selector = f".st-key-{button_key} button"
    page.wait_for_selector(selector)
    page.evaluate(CLICK, selector)
    page.wait_for_function(DONE, arg=iteration)
    page.wait_for_function(QUIET, polling=50)
    return float(page.evaluate(LATENCY))


def measure(url: str, clicks: int, view: str = "", warmup: int = 2) -> tuple[list[float], list[float]]:
    """Return (main-page latencies, vanishing-page latencies) in ms, clicks alternating between the pages."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        main = open_page(browser, url + "/")
        query = VANISHING_QUERY + (f"&vg_view={quote_plus(view)}" if view else "")
        vanishing = open_page(browser, url + query)
        times: dict[str, list[float]] = {"main": [], "vanishing": []}
        for i in range(1, warmup + clicks + 1):
            for name, page, key in (("main", main, "fb_step"), ("vanishing", vanishing, "vg_step")):
                ms = click_step(page, key, i)
                if i > warmup:
                    times[name].append(ms)
        browser.close()
    return times["main"], times["vanishing"]


def main() -> None:
    """Print the median click → redraw of both pages and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=15)
    parser.add_argument("--view", default="", help="detail view under the headline figure (default: saturation)")
    args = parser.parse_args()
    proc, url = start_server()
    try:
        main_ms, vg_ms = measure(url, args.clicks, args.view)
    finally:
        stop_server(proc)
    m, v = statistics.median(main_ms), statistics.median(vg_ms)
    label = f"vanishing page Step (3×8×32, N=500, view: {args.view or 'default'})"
    print(f"{'main page Step':<58}: median {m:5.0f} ms  (min {min(main_ms):.0f}, max {max(main_ms):.0f})")
    print(f"{label:<58}: median {v:5.0f} ms  (min {min(vg_ms):.0f}, max {max(vg_ms):.0f})")
    verdict = "OK" if v <= TARGET_RATIO * m else "OVER TARGET"
    print(f"{'ratio vanishing / main':<58}: {v / m:.2f}×  (target ≤ {TARGET_RATIO}×) {verdict}")


if __name__ == "__main__":
    main()
