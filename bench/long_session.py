"""Benchmark: a long session — 10 000 iterations in one browser session, then continued use; server RSS.

Run: .venv/bin/python bench/long_session.py [iterations=10000] [rounds=30]

One `streamlit run app.py` server, one Chromium page on the main page opened with `?batch=Mini-batch&bs=1`
(one sample per step, so one "Step one epoch" click = 160 iterations). It clicks "Step one epoch" until the
session has run `iterations` iterations, then uses the app on: each round steps (Step, Step ×10, Step one
epoch), rewinds with the slider, and visits another page and comes back. The server's VmRSS is read from
/proc/<pid>/status after every action. For comparison, the same settings run in-process on a bare Trainer
give the bytes the engine itself keeps (history, trace ring buffer, rewind snapshots).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.sync_api import sync_playwright

from bench.class_load import server_memory_kib
from engine import Trainer
from harness.browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server
from ui.settings import to_config

QUERY = {"batch": "mini", "bs": 1}
URL_QUERY = "?batch=Mini-batch&bs=1"
TIMEOUT_MS = 180_000
#: the page has finished its run: no running indicator, nothing stale; the counter (if any) differs from `before`
SETTLED_JS = """(before) => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelectorAll('[data-stale="true"]').length) return false;
  const c = document.querySelector('.bpv-counter');
  return before === null || (!!c && c.innerText !== before);
}"""
OTHER_PAGES = ("Worked example", "Loss landscape", "Vanishing gradients")


def counter(page) -> str:
    """Return the text of the main page's iteration counter."""
    return page.locator(".bpv-counter").inner_text()


def iteration(page) -> int:
    """Return the iteration the main page's counter shows."""
    return int(re.search(r"iteration (\d+)", counter(page)).group(1))


def act_and_settle(page, action: Callable[[], None], counter_changes: bool = True) -> float:
    """Run action (a click), wait until the app has finished the run it caused; return the ms that took.

    With counter_changes, "finished" also means the iteration counter shows a new text.
    """
    before = counter(page) if counter_changes else None
    t0 = time.perf_counter()
    action()
    page.wait_for_timeout(50)  # let the click reach the server before looking for "finished"
    page.wait_for_function(SETTLED_JS, arg=before, timeout=TIMEOUT_MS, polling=50)
    return (time.perf_counter() - t0) * 1e3


def click_step(page, key: str) -> float:
    """Click the main page's step button `key` (fb_step, fb_step10, fb_epoch); return ms until redrawn."""
    return act_and_settle(page, page.locator(f".st-key-{key} button").click)


def rewind_to_fraction(page, fraction: float) -> float:
    """Click the rewind slider's track at `fraction` of its length; return ms until the page is redrawn."""
    track = page.locator(".st-key-fb_rewind [role='group'] > div").first
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    return act_and_settle(page, lambda: page.mouse.click(box["x"] + fraction * box["width"],
                                                         box["y"] + box["height"] / 2))


def visit(page, name: str) -> float:
    """Open page `name` from the navigation bar and come back to the main page; return ms for the round trip."""
    t0 = time.perf_counter()
    page.get_by_role("link", name=name).click()
    page.wait_for_function("(name) => [...document.querySelectorAll('h1')].some(h => h.innerText.includes(name))",
                           arg=name, timeout=TIMEOUT_MS)
    act_and_settle(page, lambda: None, counter_changes=False)
    page.get_by_role("link", name="Forward & backward").click()
    page.locator(".bpv-counter").wait_for(timeout=TIMEOUT_MS)
    act_and_settle(page, lambda: None, counter_changes=False)
    return (time.perf_counter() - t0) * 1e3


def errors_shown(page) -> int:
    """Return how many exception or 'Something went wrong' elements the page shows."""
    return page.locator("[data-testid='stException']").count() + \
        page.locator(".stAlert").filter(has_text="Something went wrong").count()


def engine_bytes(trainer: Trainer) -> dict[str, int]:
    """Return the bytes of NumPy arrays a Trainer keeps: {'history', 'traces', 'snapshots'}."""
    def arrays(obj) -> int:
        if isinstance(obj, np.ndarray):
            return obj.nbytes
        if isinstance(obj, dict):
            return sum(arrays(v) for v in obj.values())
        if isinstance(obj, (tuple, list)):
            return sum(arrays(v) for v in obj)
        return 0

    return {"history": trainer.history.nbytes(), "traces": arrays(list(trainer.traces)),
            "snapshots": sum(s.nbytes() for s in trainer.snapshots)}


def mib(kib: int) -> float:
    """Return KiB as MiB."""
    return kib / 1024


def run(target: int, rounds: int) -> dict:
    """Drive one session to `target` iterations and through `rounds` rounds of use; return what was measured."""
    proc, url = start_server()
    pid = proc.pid
    rss = lambda: server_memory_kib(pid)["VmRSS"]  # noqa: E731
    out: dict = {"start": rss(), "climb": [], "use": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)  # "/" first: the first deep link after a server start can open "Page not found"
            page.wait_for_function(SETTLED_JS, arg=None, timeout=TIMEOUT_MS)
            page.goto(url + URL_QUERY)
            page.locator(".bpv-counter").wait_for()
            page.wait_for_function(SETTLED_JS, arg=None, timeout=TIMEOUT_MS)
            out["early_step_ms"] = [click_step(page, "fb_step") for _ in range(5)]
            out["loaded"] = rss()
            t0 = time.perf_counter()
            while iteration(page) < target:
                ms = click_step(page, "fb_epoch")
                out["climb"].append((iteration(page), rss(), ms))
            out["climb_s"] = time.perf_counter() - t0
            out["late_step_ms"] = [click_step(page, "fb_step") for _ in range(5)]
            for r in range(rounds):
                ms = [click_step(page, "fb_step"), click_step(page, "fb_step10"), click_step(page, "fb_epoch"),
                      rewind_to_fraction(page, 0.97), visit(page, OTHER_PAGES[r % len(OTHER_PAGES)])]
                out["use"].append((iteration(page), rss(), ms))
            out["errors"] = errors_shown(page)
            out["final_iteration"] = iteration(page)
            browser.close()
        out["hwm"] = server_memory_kib(pid)["VmHWM"]
    finally:
        stop_server(proc)
    return out


def reference_engine(iterations: int) -> dict[str, int]:
    """Return engine_bytes of a bare Trainer with the benchmark's settings after `iterations` steps."""
    trainer = Trainer(to_config(QUERY))
    trainer.run(iterations)
    return engine_bytes(trainer)


def print_report(target: int, r: dict) -> None:
    """Print the RSS-over-iterations table, the continued-use table and the verdict."""
    climb, use = r["climb"], r["use"]
    base = r["loaded"]
    print(f"\nA long session: one browser session, {URL_QUERY} (1 sample per step), "
          f"{len(climb)} × 'Step one epoch' to {climb[-1][0]} iterations in {r['climb_s']:.0f} s, "
          f"then {len(use)} rounds of use\n")
    print(f"{'after':<46}{'iteration':>10}{'VmRSS MiB':>11}{'Δ MiB':>8}{'slowest ms':>12}")
    print(f"{'server started':<46}{0:>10}{mib(r['start']):>11.1f}")
    print(f"{'page loaded + 5 Steps':<46}{5:>10}{mib(base):>11.1f}{0:>8.1f}{max(r['early_step_ms']):>12.0f}")
    marks = sorted({min(range(len(climb)), key=lambda i: abs(climb[i][0] - target * f)) for f in (.1, .25, .5, .75)}
                   | {len(climb) - 1})
    for i in marks:
        it, kib, ms = climb[i]
        label = f"Step one epoch (click {i + 1})"
        print(f"{label:<46}{it:>10}{mib(kib):>11.1f}{mib(kib - base):>8.1f}{ms:>12.0f}")
    for j, (it, kib, ms) in enumerate(use):
        label = f"round {j + 1}: steps, rewind, {OTHER_PAGES[j % len(OTHER_PAGES)]}"
        print(f"{label:<46}{it:>10}{mib(kib):>11.1f}{mib(kib - base):>8.1f}{max(ms):>12.0f}")

    climbed = climb[-1][0] - 5
    grown = mib(climb[-1][1] - base)
    ref = reference_engine(climb[-1][0])
    print(f"\nStep click → redraw, median of 5: {np.median(r['early_step_ms']):.0f} ms at iteration ~5, "
          f"{np.median(r['late_step_ms']):.0f} ms at iteration {climb[-1][0]}; error elements: {r['errors']}")
    print(f"while climbing: +{grown:.1f} MiB over {climbed} iterations ({grown / climbed * 1000:.2f} MiB per 1000); "
          "a bare Trainer after as many iterations keeps "
          + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in ref.items()))
    cycle = len(OTHER_PAGES)
    if len(use) >= 4 * cycle:
        first_visits = mib(use[cycle - 1][1] - climb[-1][1])
        after = [kib for _, kib, _ in use[cycle - 1:]]
        half = len(after) // 2
        # caches and the allocator fill up during the first rounds; bounded means the later rounds stop growing
        plateau = mib(max(after[half:]) - max(after[:half]))
        print(f"during use: +{first_visits:.1f} MiB for the first visit of each page (imports, landscape cache), "
              f"then {mib(after[-1] - after[0]):+.1f} MiB over rounds {cycle}–{len(use)}; the highest RSS of rounds "
              f"{cycle + half}–{len(use)} is {plateau:+.1f} MiB over that of rounds {cycle}–{cycle + half - 1}; "
              f"peak VmHWM {mib(r['hwm']):.0f} MiB")
        bounded = plateau <= 2.0 and grown / climbed * 1000 <= 1.0
        print(f"bounded: {'yes' if bounded else 'NO'} (the second half of the rounds adds ≤ 2 MiB to the first "
              "half's peak, and memory grows ≤ 1 MiB per 1000 iterations: the history keeps a few numbers per step "
              "by design)")


def main() -> None:
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    print_report(target, run(target, rounds))


if __name__ == "__main__":
    main()
