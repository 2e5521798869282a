"""Benchmark: one session at the largest allowed data and network — server memory above idle, and what holds it.

Run: .venv/bin/python bench/session_memory.py [rows] [columns=64]

One `streamlit run app.py` server (as `make run` serves it). Idle = its VmRSS after a first session has visited
every page and closed. A second session opens `/?layers=6&width=16&bn=true&drop=0.5` (a deep net with batch
norm and dropout, whose traces hold the most arrays per neuron), uploads the largest CSV that network may train on
(63 features and a 0/1 label; rows = limits.max_rows, unless given), trains on it, then
steps (Step, Step ×10, Step one epoch), plays live for PLAY_SECONDS then pauses, visits every page and comes
back. VmRSS is read from /proc after each action. The same work done in-process on a bare Trainer gives the
bytes the engine keeps (data and split, history, the trace ring buffer, rewind snapshots; Play keeps nothing
more), to say what holds the memory. Timings and memory are noisy while other jobs share the machine: re-run it
on a quiet one.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.sync_api import sync_playwright

from bench.class_load import server_memory_kib
from engine import Config, Trainer, limits
from engine.csvdata import MAX_BYTES, load_csv
from harness.browser import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_for_app
from ui.play import DEFAULT_SPEED

TIMEOUT_MS = 600_000
PLAY_SECONDS = 15
LARGEST = {"layers": 6, "width": 16, "bn": "true", "drop": 0.5}
QUERY = "&".join(f"{k}={v}" for k, v in LARGEST.items())
PAGES = ("Worked example", "Loss landscape", "Vanishing gradients", "Lessons", "Forward & backward")
ERRORS_JS = """() => document.querySelectorAll('[data-testid="stException"]').length
  + [...document.querySelectorAll('.stAlert')].filter(a => a.innerText.includes('Something went wrong')).length"""


def largest_csv(rows: int, columns: int) -> bytes:
    """Return a CSV of `rows` × `columns` small whole numbers (the last column a 0/1 label), under the byte limit."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 100, size=(rows, columns - 1))
    label = (X[:, 0] + X[:, 1] > 99).astype(int)
    lines = [",".join(f"c{i}" for i in range(columns - 1)) + ",label"]
    lines += [",".join(map(str, row)) + f",{c}" for row, c in zip(X, label)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) <= MAX_BYTES, len(data)
    return data


def settle(page) -> None:
    """Wait until the app has finished its run (no running indicator, nothing stale)."""
    page.wait_for_timeout(100)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
                           "!document.querySelectorAll('[data-stale=\"true\"]').length",
                           timeout=TIMEOUT_MS, polling=100)


def browser_session(url: str, data: bytes) -> list[tuple[str, int, int, float]]:
    """Run the session in Chromium; return (action, server VmRSS and VmHWM KiB after it, seconds it took) per
    action."""
    proc, base = start_server()
    pid = proc.pid
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            warm = browser.new_context(viewport={"width": 1280, "height": 720})
            page = warm.new_page()
            page.goto(base)
            wait_for_app(page, TIMEOUT_MS)
            for title in PAGES:  # the process's one-time costs (page modules, first figures) are not the session's
                page.get_by_role("link", name=title).first.click()
                settle(page)
            warm.close()
            time.sleep(2)
            idle = server_memory_kib(pid)
            rows.append(("idle (after one session visited every page, closed)", idle["VmRSS"], idle["VmHWM"], 0.0))
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)

            def act(name, action):
                t0 = time.perf_counter()
                action()
                settle(page)
                memory = server_memory_kib(pid)
                rows.append((name, memory["VmRSS"], memory["VmHWM"], time.perf_counter() - t0))
                assert page.evaluate(ERRORS_JS) == 0, name

            act(f"open {url}", lambda: (page.goto(base + url), wait_for_app(page, TIMEOUT_MS)))

            def upload():
                page.locator("[data-testid='stExpander'] summary", has_text="Your own data (CSV)").first.click()
                page.locator(".st-key-csv_file input[type=file]").set_input_files(
                    files=[{"name": "largest.csv", "mimeType": "text/csv", "buffer": data}])
                page.locator(".st-key-csv_use button").wait_for()
                settle(page)
                page.locator(".st-key-csv_use button").click()
                page.get_by_text("Training on").wait_for()

            act("upload the CSV and train on it", upload)
            for key, name in (("fb_step", "Step"), ("fb_step10", "Step ×10"), ("fb_epoch", "Step one epoch")):
                act(name, lambda key=key: page.locator(f".st-key-{key} button").first.click())

            def play():
                page.locator(".st-key-fb_play button").first.click()
                page.wait_for_timeout(PLAY_SECONDS * 1000)
                page.locator(".st-key-fb_pause button").first.click()
                page.locator(".st-key-fb_play button").first.wait_for()
                page.mouse.move(5, 700)   # away from ▶ Play, whose tooltip would cover the page links

            act(f"▶ Play for {PLAY_SECONDS} s, ❚❚ Pause", play)
            for title in PAGES:
                act(f"visit {title}", lambda title=title: page.get_by_role("link", name=title).first.click())
            act("Step again", lambda: page.locator(".st-key-fb_step button").first.click())
            page.screenshot(path="test-artifacts/session_memory.png")
            browser.close()
    finally:
        stop_server(proc)
    return rows


def engine_bytes(data: bytes) -> dict[str, int]:
    """Return what a bare Trainer keeps after the same work: data, split, history, traces, snapshots."""
    ds = load_csv(data)
    trainer = Trainer(Config(hidden=(LARGEST["width"],) * LARGEST["layers"], batch_norm=True,
                             dropout=LARGEST["drop"]), dataset=ds)
    trainer.step()
    trainer.run(10)
    trainer.run_epoch()
    for _ in range(10):   # ten frames of live Play
        trainer.run(DEFAULT_SPEED)

    def trace_bytes(tr) -> int:
        arrays = [a for lt in tr.layers for a in lt.arrays()]  # every array of the layer (batch norm's, masks)
        return tr.x.nbytes + tr.y.nbytes + sum(a.nbytes for a in arrays)

    split = trainer.split
    return {
        "dataset X, y": ds.X.nbytes + ds.y.nbytes,
        "train/test split": sum(a.nbytes for a in (split.X_train, split.y_train, split.X_test, split.y_test)),
        "one full-batch trace": trace_bytes(trainer.traces[-1]),
        f"trace ring buffer ({len(trainer.traces)} traces)": sum(trace_bytes(t) for t in trainer.traces),
        "history + snapshots (trainer.memory_bytes − ring)": trainer.memory_bytes() - sum(
            trace_bytes(t) for t in trainer.traces),
    }


def main() -> None:
    cols_n = int(sys.argv[2]) if len(sys.argv) > 2 else limits.FEATURES.hi + 1
    hidden = (LARGEST["width"],) * LARGEST["layers"]
    rows_n = int(sys.argv[1]) if len(sys.argv) > 1 else limits.max_rows(cols_n - 1, hidden, 1, batch_norm=True)
    data = largest_csv(rows_n, cols_n)
    print(f"CSV: {rows_n:,} rows × {cols_n} columns, {len(data) / 1e6:.2f} MB; network {LARGEST['layers']} × "
          f"{LARGEST['width']} hidden, batch norm, dropout {LARGEST['drop']}")
    rows = browser_session(f"/?{QUERY}", data)
    idle = rows[0][1]
    print(f"\n{'action':52s} {'server RSS':>11s} {'above idle':>11s} {'peak above':>11s} {'took':>8s}")
    for name, kib, hwm, seconds in rows:
        print(f"{name:52s} {kib / 1024:7.0f} MiB {(kib - idle) / 1024:7.0f} MiB {(hwm - idle) / 1024:7.0f} MiB "
              f"{seconds:7.1f}s")
    print("(peak above: the process's VmHWM so far minus idle RSS: the most this session has needed at once)")
    print("\nwhat the engine holds for that session (in-process, same work):")
    for name, n in engine_bytes(data).items():
        print(f"  {name:58s} {n / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
