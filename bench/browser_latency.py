"""Benchmark: median click-Step → redrawn page time in Chromium, main page vs a trivial one-button page.

Run: .venv/bin/python bench/browser_latency.py [clicks]   (target: main ≤ 1.3× trivial)
Both servers run in this process's machine; each measurement clicks Step and waits until the counter shows
the new iteration and Streamlit has finished the run (no stale elements, no running indicator).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.sync_api import sync_playwright

from harness.browser import CHROMIUM, CHROMIUM_ARGS, DONE_JS, start_server, stop_server, wait_for_app

GRAPH_JS = """(before) => {
  // the network graph (or the trivial page's counter) has been redrawn with new numbers
  const el = document.querySelector(".st-key-fb_net:not([data-stale='true']) .js-plotly-plot")
            || document.querySelector('.bpv-counter');
  return el && el.textContent !== before;
}"""
SNAPSHOT_JS = """() => {
  const el = document.querySelector(".st-key-fb_net .js-plotly-plot")
            || document.querySelector('.bpv-counter');
  return el ? el.textContent : '';
}"""


def click_latencies(page, url: str, clicks: int) -> tuple[list[float], list[float]]:
    """Return (ms to the redrawn graph, ms to the whole page finished) per click, after two warm-up clicks."""
    page.goto(url)
    wait_for_app(page)
    button = page.locator(".st-key-fb_step button")
    graph, full = [], []
    for k in range(1, clicks + 3):
        before = page.evaluate(SNAPSHOT_JS)
        t0 = time.perf_counter()
        button.click()
        page.wait_for_function(GRAPH_JS, arg=before, timeout=60_000, polling="raf")
        t1 = time.perf_counter()
        page.wait_for_function(DONE_JS, arg=k, timeout=60_000, polling="raf")
        if k > 2:
            graph.append((t1 - t0) * 1e3)
            full.append((time.perf_counter() - t0) * 1e3)
    return graph, full


def measure(clicks: int = 15, pages: dict | None = None) -> dict[str, tuple[list[float], list[float]]]:
    """Return {name: (graph-redrawn ms, page-finished ms)} for each (script, path), measured in one browser."""
    pages = pages or {"trivial one-button page": ("bench/trivial_app.py", "/"),
                      "Forward & backward (default)": ("app.py", "/")}
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (script, path) in pages.items():
            proc, url = start_server(script)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                results[name] = click_latencies(page, url + path, clicks)
                page.close()
            finally:
                stop_server(proc)
        browser.close()
    return results


def main() -> None:
    clicks = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    results = measure(clicks)
    base_graph, base_full = (statistics.median(t) for t in next(iter(results.values())))
    print(f"{'page':<32}{'graph ms':>9}{'× trivial':>10}{'page done ms':>14}{'× trivial':>10}{'p90 done':>10}")
    for name, (graph, full) in results.items():
        g, f = statistics.median(graph), statistics.median(full)
        p90 = sorted(full)[int(0.9 * (len(full) - 1))]
        print(f"{name:<32}{g:>9.0f}{g / base_graph:>10.2f}{f:>14.0f}{f / base_full:>10.2f}{p90:>10.0f}")


if __name__ == "__main__":
    main()
