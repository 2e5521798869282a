"""Benchmark: the loss landscape's server work (surface, a new frame, one redraw's numbers) and, in Chromium, the
Loss landscape page's Step → redraw (2-D default, and 3-D on) and its live Play (redraws/s, iterations/s).

Run: .venv/bin/python bench/landscape.py [--clicks 15] [--play-seconds 10] [--no-browser]
Targets: 51×51 surface for 2-8-8-1 on N = 200 ≤ 100 ms; Step → redraw (2-D, default settings) ≤ 500 ms;
live Play ≥ 4 redraws/s and ≥ 40 iterations/s (the floor of the other pages).

The browser part serves the app, opens the page at 1280×720 (the projector) and clicks Step, each click timed from
the click to the last DOM change it caused (MutationObserver, quiet for QUIET_MS; bench/vanishing_latency.py),
alternating with Forward & backward's Step as a reference measured in the same run (this machine is shared, so
absolute times drift). Play counts the frames drawn (the step counter changes once a frame) and the iterations.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.vanishing_latency import OBSERVE, click_step
from engine import Config, Trainer
from engine.landscape import (
    LossModel,
    MapSettings,
    choose_directions,
    choose_frame,
    frame_map,
    grid_axis,
    path_of,
    slice_through,
    surface,
)
from engine.network import params_vector
from harness.browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_for_app

TARGET_MS = 100.0
STEP_TARGET_MS = 500.0
#: (net, hidden widths, grid points per side); every net trains on N = 200 samples (no test split)
CASES = [("2-8-8-1", (8, 8), 51), ("2-8-8-1", (8, 8), 81), ("2-(32×6)-1", (32,) * 6, 51),
         ("2-(32×6)-1", (32,) * 6, 81), ("2-4-4-1 (page default)", (4, 4), 41)]
STEPS = 30
#: counts the frames Play draws (the counter, redrawn with everything else in the page's live fragment, changes
#: once a frame; a chart's own state can flip twice while Streamlit swaps the old element for the new) and the
#: iterations, while Play runs for `ms`
PLAY_JS = """(ms) => new Promise((resolve) => {
  const counter = () => document.querySelector('.bpv-counter').innerText;
  const iteration = () => +(/iteration (\\d+)/.exec(counter()) || [0, 0])[1];
  const t0 = performance.now(), it0 = iteration();
  let last = counter(), redraws = 0;
  const tick = () => {
    const c = counter();
    if (c !== last) { redraws += 1; last = c; }
    if (performance.now() - t0 < ms) requestAnimationFrame(tick);
    else resolve({redraws, iterations: iteration() - it0, ms: performance.now() - t0});
  };
  requestAnimationFrame(tick);
})"""


def best_ms(fn, repeats: int = 5) -> float:
    """Return the best wall time of fn over repeats, in ms (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def server_table() -> bool:
    """Print ms per surface, per new frame (look-ahead + surface) and per redraw's numbers; return the target met."""
    print(f"{'net':<24}{'N':>5}{'P':>6}{'grid':>8}{'surface ms':>12}{'µs/point':>10}{'new frame ms':>14}"
          f"{'redraw ms':>11}")
    target_ok = True
    for name, hidden, n in CASES:
        trainer = Trainer(Config(hidden=hidden, n_samples=200, test_ratio=0.0))
        trainer.run(STEPS)
        model = LossModel.of(trainer)
        path = path_of(trainer)
        dirs, _ = choose_directions("pca", model, path.points, trainer.param_vector(), seed=1)
        grid = (grid_axis(1.0, n), grid_axis(1.0, n))
        ms = best_ms(lambda m=model, d=dirs, g=grid: surface(m, d, g))
        settings = MapSettings(grid_n=n)
        frame = choose_frame(trainer, path, settings, "start")
        new = best_ms(lambda t=trainer, p=path, s=settings: choose_frame(t, p, s, "asked"), repeats=3)
        # what a Step adds on the server besides the step: the path, the point and the slice through it
        redraw = best_ms(lambda t=trainer, p=path, f=frame: (frame_map(f, t, path_of(t, p)), slice_through(
            f, LossModel.of(t), params_vector(t.params))))
        print(f"{name:<24}{model.X.shape[0]:>5}{model.n_params:>6}{f'{n}×{n}':>8}{ms:>12.1f}"
              f"{1e3 * ms / n**2:>10.1f}{new:>14.1f}{redraw:>11.1f}")
        if name == "2-8-8-1" and n == 51:
            target_ok = ms <= TARGET_MS
    print(f"target (2-8-8-1, 51×51, N = 200) ≤ {TARGET_MS:.0f} ms: {'met' if target_ok else 'MISSED'}")
    return target_ok


def _open(browser, url: str, path: str):
    """Return a 1280×720 page on `path`, loaded and observed."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_for_app(page)
    if path:
        page.goto(url + path)
        wait_for_app(page)
    page.wait_for_timeout(1500)   # the size probe's answer and the rerun it causes
    wait_for_app(page)
    page.evaluate(OBSERVE)
    return page


def turn_3d_on(page) -> None:
    """Open the map options and switch the 3-D view on."""
    page.locator(".st-key-ls_more button").first.click()
    page.get_by_text("3-D view").click()
    page.keyboard.press("Escape")
    page.wait_for_selector(".st-key-ls_surface3d .js-plotly-plot")
    wait_for_app(page)
    page.evaluate(OBSERVE)


def alternating_steps(pages: dict, clicks: int, warmup: int = 2) -> dict[str, list[float]]:
    """Return {name: ms from Step to the last DOM change it caused} per click after `warmup`, the pages' clicks
    alternating so drift on this shared machine hits them alike. `pages` maps name → (page, button key)."""
    times: dict[str, list[float]] = {name: [] for name in pages}
    for i in range(1, warmup + clicks + 1):
        for name, (page, key) in pages.items():
            ms = click_step(page, key, i)
            if i > warmup:
                times[name].append(ms)
    return times


def play_rate(page, key: str, seconds: float) -> dict:
    """Return {'redraws/s', 'it/s'} of live Play at the default speed, measured after a second of warm-up."""
    page.locator(f".st-key-{key}_play button").first.click()
    page.locator(f".st-key-{key}_pause button").first.wait_for()
    page.wait_for_timeout(1000)
    r = page.evaluate(PLAY_JS, 1000 * seconds)
    page.locator(f".st-key-{key}_pause button").first.click()
    page.locator(f".st-key-{key}_play button").first.wait_for()
    return {"redraws/s": 1e3 * r["redraws"] / r["ms"], "it/s": 1e3 * r["iterations"] / r["ms"]}


def browser_table(clicks: int, seconds: float) -> None:
    """Print Step → redraw of the landscape page (2-D default, 3-D on) next to Forward & backward's in the same
    run, and live Play on both, measured in Chromium at 1280×720."""
    from playwright.sync_api import sync_playwright

    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            fb, flat, deep = (_open(browser, url, path) for path in ("", "/loss-landscape", "/loss-landscape"))
            turn_3d_on(deep)
            steps = alternating_steps({"Forward & backward (reference)": (fb, "fb_step"),
                                       "Loss landscape, 2-D (default)": (flat, "ls_step"),
                                       "Loss landscape, 3-D on": (deep, "ls_step")}, clicks)
            plays = {"Forward & backward (reference)": play_rate(fb, "fb", seconds),
                     "Loss landscape (default)": play_rate(flat, "ls", seconds)}
            browser.close()
    finally:
        stop_server(proc)
    print(f"\nIn Chromium at 1280×720, {clicks} Steps each (after 2 warm-up clicks), clicks alternating")
    for name, times in steps.items():
        print(f"Step → redraw, {name:<32}: median {statistics.median(times):5.0f} ms  "
              f"(min {min(times):.0f}, max {max(times):.0f})")
    flat_ms = statistics.median(steps["Loss landscape, 2-D (default)"])
    print(f"target: 2-D Step → redraw ≤ {STEP_TARGET_MS:.0f} ms: {'met' if flat_ms <= STEP_TARGET_MS else 'MISSED'}")
    for name, r in plays.items():
        ok = "met" if r["redraws/s"] >= 4 and r["it/s"] >= 40 else "MISSED"
        print(f"live Play, {name:<32}: {r['redraws/s']:4.1f} redraws/s, {r['it/s']:4.0f} iterations/s "
              f"(floor 4 and 40: {ok})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=15)
    parser.add_argument("--play-seconds", type=float, default=10.0)
    parser.add_argument("--no-browser", action="store_true", help="only the server-side table")
    args = parser.parse_args()
    server_table()
    if not args.no_browser:
        browser_table(args.clicks, args.play_seconds)


if __name__ == "__main__":
    main()
