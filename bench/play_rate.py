"""Benchmark: live Play in Chromium — whole-page redraws per second and iterations per second, per page.

Run: .venv/bin/python bench/play_rate.py [--seconds 12] [--size 1280x720] [--page forward_backward ...]
(targets, issue 11: Forward & backward at the default speed ≥ 4 whole-page redraws/s and ≥ 40 it/s)

For each page: open it, press Play, and from inside the page sample on every animation frame the counter and
every figure that depends on the weights (a figure is "new" when its data changed, read from Plotly's own
`_fullData`). A whole-page redraw is a counter change after which every watched figure has changed too, i.e.
the number of redraws is the smallest change count among the counter and the figures. Iterations per second
come from the counter. Play is then paused and the time until the counter stands still is reported.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from harness.browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_for_app  # noqa: E402

#: page → (path, Play/Pause key prefix, CSS of the figures a frame must redraw)
PAGES = {
    "forward_backward": ("/", "fb", [".st-key-fb_net", ".st-key-fb_data", ".st-key-fb_loss"]),
    "vanishing": ("/vanishing-gradients", "vg", [".st-key-vg_flow"]),
    "landscape": ("/loss-landscape", "ls", [".st-key-ls_contour"]),
}
TARGET_REDRAWS, TARGET_ITERATIONS = 4.0, 40.0

WATCH_JS = """(selectors) => {
  const sig = (sel) => {
    const all = [...document.querySelectorAll(sel + ' .js-plotly-plot')];
    const gd = all.filter(e => !e.closest('[data-stale="true"]')).pop() || all.pop();
    if (!gd || !gd._fullData) return null;
    // the data of every trace, summarised: lengths and a few values, enough to see new numbers
    return gd._fullData.map(t => {
      const parts = [t.x, t.y, t.z, t.text, t.marker && t.marker.color].filter(Boolean);
      return parts.map(p => { const a = Array.from(p).flat(); return a.length + ':' + a.slice(-3).join(','); })
        .join('|');
    }).join('#');
  };
  const counter = () => {
    const c = [...document.querySelectorAll('.bpv-counter')].pop();
    return c ? c.innerText : '';
  };
  const w = window.__bpvWatch = {changes: Array(selectors.length + 1).fill(0), last: null, samples: 0,
                                 iterations: [], stop: false};
  const tick = () => {
    const now = [counter(), ...selectors.map(sig)];
    if (w.last) now.forEach((v, i) => { if (v !== null && v !== w.last[i]) w.changes[i] += 1; });
    if (!w.last || now[0] !== w.last[0]) {
      const m = /iteration (\\d+)/.exec(now[0]);
      if (m) w.iterations.push([performance.now(), +m[1]]);
    }
    w.last = now; w.samples += 1;
    if (!w.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


PAUSE_JS = """async (sel) => {
  const counter = () => {
    const c = [...document.querySelectorAll('.bpv-counter')].pop();
    return c ? c.innerText : '';
  };
  const t0 = performance.now();
  [...document.querySelectorAll(sel)].pop().click();
  let last = counter(), changed = 0;
  while (performance.now() - t0 < 12000) {
    await new Promise(r => setTimeout(r, 20));
    const now = counter();
    if (now !== last) { last = now; changed = performance.now() - t0; }
    if (performance.now() - t0 - changed > 2500 && document.querySelector(sel.replace('_pause', '_play'))) break;
  }
  return changed;
}"""


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU seconds (user + system) used so far by these processes (vanished ones count 0)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def chromium_pids() -> list[int]:
    """Return the pids of every running Chromium process."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if b"chromium" in (proc / "cmdline").read_bytes().split(b"\0")[0]:
                    pids.append(int(proc.name))
            except OSError:
                pass
    return pids


def measure(browser, url: str, name: str, seconds: float, size: tuple[int, int], server: int) -> dict:
    """Play page `name` for `seconds`; return its redraws/s, it/s and the time from Pause to a still counter."""
    path, key, figures = PAGES[name]
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_for_app(page)
    if path != "/":
        page.goto(url + path)
        wait_for_app(page)
    page.wait_for_timeout(1500)
    page.locator(f".st-key-{key}_play button").first.click()
    page.locator(f".st-key-{key}_pause").first.wait_for()
    page.wait_for_timeout(1500)  # the first frames: the page has just been rebuilt for Play
    page.evaluate(WATCH_JS, figures)
    browsers = chromium_pids()
    cpu0 = (cpu_seconds([server]), cpu_seconds(browsers))
    page.wait_for_timeout(seconds * 1000)
    watch = page.evaluate("() => { window.__bpvWatch.stop = true; return window.__bpvWatch; }")
    cpu = ((cpu_seconds([server]) - cpu0[0]) / seconds, (cpu_seconds(browsers) - cpu0[1]) / seconds)
    # a DOM click: Playwright's own click waits for the button to stop being re-rendered, which it is every frame;
    # then the page itself notes every change of the counter, and the last one is when Pause took effect
    last_change = page.evaluate(PAUSE_JS, f".st-key-{key}_pause button")
    still = last_change / 1e3 if last_change is not None else None
    context.close()
    its = watch["iterations"]
    span = (its[-1][0] - its[0][0]) / 1e3 if len(its) > 1 else float("nan")
    return {"redraws": min(watch["changes"]) / seconds, "changes": watch["changes"],
            "it_s": (its[-1][1] - its[0][1]) / span if len(its) > 1 else 0.0, "pause_s": still,
            "server_cpu": cpu[0], "browser_cpu": cpu[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--page", nargs="*", default=list(PAGES), choices=list(PAGES))
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"live Play at {args.size}, default speed, {args.seconds:g} s per page")
            print(f"{'page':<18}{'redraws/s':>10}{'it/s':>8}{'Pause → still (s)':>19}{'server CPU':>12}"
                  f"{'browser CPU':>13}   changes (counter, figures…)")
            for name in args.page:
                r = measure(browser, url, name, args.seconds, size, proc.pid)
                pause = "n/a" if r["pause_s"] is None else f"{r['pause_s']:.2f}"
                print(f"{name:<18}{r['redraws']:>10.1f}{r['it_s']:>8.0f}{pause:>19}{r['server_cpu']:>12.2f}"
                      f"{r['browser_cpu']:>13.2f}   {r['changes']}")
            browser.close()
    finally:
        stop_server(proc)
    print(f"targets (Forward & backward): ≥ {TARGET_REDRAWS:g} redraws/s, ≥ {TARGET_ITERATIONS:g} it/s, Pause ≤ 0.5 s"
          "; CPU in cores (1.0 = one core busy)")


if __name__ == "__main__":
    main()
