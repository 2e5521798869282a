"""Benchmark: a class at once — many sessions stepping the main page together against one server.

Run: .venv/bin/python bench/class_load.py [--sessions 20] [--clicks 20] [--browsers 2]   (target: p95 ≤ 3× single)
     .venv/bin/python bench/class_load.py --students        (the same class, without rendering 20 pages here)
     .venv/bin/python bench/class_load.py --students --servers 1 2 --sessions 20 60    (= make bench-class)

`--servers 0` (the default) is one `streamlit run app.py` process, as `make run` serves; `--servers N` is
`make serve-class WORKERS=N`: N workers behind HAProxy, each session stuck to one by the balancer's cookie.
Several values of --servers and --sessions run every combination, each on a fresh server, and end with one
summary table. First one browser session steps alone (the baseline). Then the class:
`sessions` sessions open the main page, take two warm-up steps each, wait for each other and then all click
Step `clicks` times, each as soon as its previous redraw is done (lock-step: the worst case). A click's time
runs from the click to the finished redraw (counter shows the new iteration, no stale element, no running
indicator), as in bench/browser_latency.py.

By default every session is a Playwright browser context (spread over `browsers` Chromium processes, driven
concurrently with the async API). On a small machine those 20 Chromium pages cost more CPU than the server, so
`--students` replaces all but one of them with headless students: websocket clients that send the very
message the browser sent for its Step click and wait for the server's "script finished" — the server's load
is the same, the rendering happens nowhere, and the one remaining browser shows what a student would see.

The server's memory comes from /proc/<pid>/status (VmRSS now, VmHWM = its peak so far), CPU times from
/proc/<pid>/stat and /proc/stat; with workers, "server" is the sum over the workers and HAProxy. Traffic goes
to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from harness.browser import CHROMIUM, CHROMIUM_ARGS, DONE_JS, server_memory_kib, start_server, stop_server
from serve.launch import ClassServer, descendants, start_class, stop_class

STEP = ".st-key-fb_step button"
WORKER_COOKIE = "bpv_worker"  # serve/haproxy.cfg
WARMUP = 2
TIMEOUT_MS = 180_000
VIEWPORT = {"width": 1600, "height": 1000}
ERROR_JS = """() => document.querySelectorAll('[data-testid="stException"]').length
  + [...document.querySelectorAll('.stAlert')].filter(a => a.innerText.includes('Something went wrong')).length"""


# ---- what the server process uses -----------------------------------------------------------------------------
def process_cpu_s(pid: int) -> float:
    """Return the CPU seconds (user + system) process pid has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """Return the CPU seconds all cores of this machine have been busy so far (not idle, not waiting for I/O)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def servers_memory_kib(pids: list[int]) -> dict[str, int]:
    """Return server_memory_kib summed over pids (VmHWM: the sum of each process's own peak)."""
    each = [server_memory_kib(pid) for pid in pids]
    return {key: sum(m[key] for m in each) for key in ("VmRSS", "VmHWM")}


def servers_cpu_s(pids: list[int]) -> float:
    """Return the CPU seconds the processes pids have used so far, together."""
    return sum(process_cpu_s(pid) for pid in pids)


def client_cpu_s(server_pids: list[int]) -> float:
    """Return the CPU seconds used so far by this script and the processes it started, except the servers.

    That is the Playwright driver and every Chromium process: the load the students' own machines would carry.
    (make and the serve-class supervisor count here too; they sleep.)
    """
    total = 0.0
    for pid in ({os.getpid()} | descendants(os.getpid())) - set(server_pids):
        try:
            total += process_cpu_s(pid)
        except OSError:  # the process ended meanwhile
            continue
    return total


def percentile(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of values by the nearest-rank rule."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


# ---- browser sessions -----------------------------------------------------------------------------------------
async def open_main(context, url: str, sent: list | None = None):
    """Return a page of context showing the app's main page at iteration 0, finished loading.

    With `sent`, every websocket frame the page sends is appended to it.
    """
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    if sent is not None:
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    await page.goto(url)
    await page.wait_for_function(DONE_JS, arg=0, timeout=TIMEOUT_MS, polling=100)
    return page


async def step(page, k: int) -> float:
    """Click Step (the session is at iteration k − 1) and return ms until the redraw showing iteration k is done."""
    t0 = time.perf_counter()
    await page.locator(STEP).click()
    await page.wait_for_function(DONE_JS, arg=k, timeout=TIMEOUT_MS, polling=50)
    return (time.perf_counter() - t0) * 1e3


async def single_session(browser, url: str, clicks: int, pids: list[int]) -> tuple[list[float], float, list[bytes]]:
    """Step one browser session alone; return (click→redraw ms, server CPU ms per click, its rerun messages).

    The warm-up steps are not counted. The messages are what the browser sent to load the page and to step.
    """
    context = await browser.new_context(viewport=VIEWPORT)
    sent: list[bytes] = []
    page = await open_main(context, url, sent)
    for k in range(1, WARMUP + 1):
        await step(page, k)
    cpu0 = servers_cpu_s(pids)
    times = [await step(page, k) for k in range(WARMUP + 1, WARMUP + clicks + 1)]
    cpu_ms = (servers_cpu_s(pids) - cpu0) * 1e3 / clicks
    await context.close()
    reruns = [m for m in sent if isinstance(m, bytes) and BackMsg.FromString(m).WhichOneof("type") == "rerun_script"]
    return times, cpu_ms, [reruns[0], reruns[-1]]


async def browser_student(browser, url: str, clicks: int, gate: asyncio.Barrier, slots: asyncio.Semaphore,
                          think: float, seed: int) -> tuple[list[float], int, str | None]:
    """One browser session of the class: load and warm up (a few at a time), wait for all, step.

    Returns (ms per click, errors, the worker the balancer's cookie names or None without a balancer).
    """
    context = await browser.new_context(viewport=VIEWPORT)
    async with slots:
        page = await open_main(context, url)
        for k in range(1, WARMUP + 1):
            await step(page, k)
    await gate.wait()
    pause = random.Random(seed)
    times = []
    for k in range(WARMUP + 1, WARMUP + clicks + 1):
        await asyncio.sleep(think * pause.uniform(0.5, 1.5))
        times.append(await step(page, k))
    errors = await page.evaluate(ERROR_JS)
    counter = await page.locator(".bpv-counter").inner_text()
    worker = next((c["value"] for c in await context.cookies() if c["name"] == WORKER_COOKIE), None)
    return times, errors + (f"iteration {WARMUP + clicks} " not in counter), worker


# ---- headless students: the browser's own Step message over a websocket, nothing rendered ----------------------
async def rerun(ws, message: bytes) -> tuple[float, str, int]:
    """Send one rerun message; return (ms until the server finished the run, counter HTML, error elements)."""
    t0 = time.perf_counter()
    await ws.send(message)
    counter, errors = "", 0
    while True:
        msg = ForwardMsg.FromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            # a Step reruns only the page's fragment, which finishes with its own success status
            errors += msg.script_finished not in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                                  ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
            return (time.perf_counter() - t0) * 1e3, counter, errors
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            errors += element.WhichOneof("type") == "exception"
            errors += element.WhichOneof("type") == "alert" and "Something went wrong" in element.alert.body
            if "bpv-counter" in element.markdown.body:
                counter = element.markdown.body


def balancer_cookie(url: str) -> str | None:
    """Return the worker the balancer assigns a new browser (its cookie's value), or None without a balancer."""
    with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as r:
        for header in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == WORKER_COOKIE:
                return rest.split(";")[0]
    return None


async def headless_student(url: str, messages: list[bytes], clicks: int, gate: asyncio.Barrier | None,
                           think: float, seed: int) -> tuple[list[float], int, str | None]:
    """One headless session: load, warm up, wait for the class (if gate), step.

    As a browser does, it first gets the balancer's cookie and sends it with its websocket. Returns (server ms
    per click, errors, the worker it was on or None without a balancer).
    """
    load, step_msg = messages
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    worker = await asyncio.to_thread(balancer_cookie, url)
    cookie = {"Cookie": f"{WORKER_COOKIE}={worker}"} if worker else {}
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None,
                       additional_headers=cookie) as ws:
        _, _, errors = await rerun(ws, load)
        for _ in range(WARMUP):
            errors += (await rerun(ws, step_msg))[2]
        if gate is not None:
            await gate.wait()
        pause = random.Random(seed)
        times, counter = [], ""
        for _ in range(clicks):
            await asyncio.sleep(think * pause.uniform(0.5, 1.5))
            ms, counter, err = await rerun(ws, step_msg)
            times.append(ms)
            errors += err
    return times, errors + (f"iteration {WARMUP + clicks} " not in counter), worker


# ---- the measurement ------------------------------------------------------------------------------------------
async def sample_peak_rss(pids: list[int], stop: asyncio.Event, peak: list[int]) -> None:
    """Keep peak[0] at the largest VmRSS (KiB, summed over pids) seen every 0.2 s until stop is set."""
    while not stop.is_set():
        peak[0] = max(peak[0], servers_memory_kib(pids)["VmRSS"])
        await asyncio.sleep(0.2)


async def class_at_once(args, sessions: int, launched, url: str, messages: list[bytes], pids: list[int]) -> dict:
    """Run the class (browsers, or headless students + one browser); return its latencies, CPU and memory."""
    n = sessions
    gate, slots = asyncio.Barrier(n + 1), asyncio.Semaphore(4)
    n_browsers = 1 if args.students else n
    tasks = [asyncio.create_task(browser_student(launched[i % len(launched)], url, args.clicks, gate, slots,
                                                 args.think, seed=i)) for i in range(n_browsers)]
    tasks += [asyncio.create_task(headless_student(url, messages, args.clicks, gate, args.think, seed=i))
              for i in range(n_browsers, n)]
    await gate.wait()  # every session has loaded and warmed up
    out = {"mem_loaded": servers_memory_kib(pids)}
    stop, peak = asyncio.Event(), [0]
    sampler = asyncio.create_task(sample_peak_rss(pids, stop, peak))
    server0, client0, machine0, t0 = servers_cpu_s(pids), client_cpu_s(pids), machine_cpu_s(), time.perf_counter()
    outcomes = await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    server, client = servers_cpu_s(pids) - server0, client_cpu_s(pids) - client0
    stop.set()
    await sampler
    out.update(
        wall_s=wall, server_cpu_ms=server * 1e3 / (n * args.clicks),
        cores={"server": server / wall, "browsers + drivers": client / wall,
               "everything else": (machine_cpu_s() - machine0 - server - client) / wall},
        mem_peak={"VmRSS": peak[0], "VmHWM": servers_memory_kib(pids)["VmHWM"]},
        browser=[t for times, _, _ in outcomes[:n_browsers] for t in times],
        headless=[t for times, _, _ in outcomes[n_browsers:] for t in times],
        errors=sum(e for _, e, _ in outcomes),
        spread=Counter(worker for _, _, worker in outcomes if worker))
    return out


class Served:
    """The server under test: one `streamlit run` process (servers=0) or `make serve-class WORKERS=servers`."""

    def __init__(self, servers: int, log_dir: str):
        self.servers = servers
        self.plain, self.cls = None, None
        if servers == 0:
            self.plain, self.url = start_server()
        else:
            self.cls: ClassServer = start_class(servers, Path(log_dir) / f"serve-class-{servers}.log")
            self.url = self.cls.url

    def pids(self) -> list[int]:
        """Return the processes that serve: the one server, or the workers and HAProxy."""
        if self.plain is not None:
            return [self.plain.pid]
        workers = list(self.cls.workers().values())
        haproxy = [pid for pid in descendants(self.cls.proc.pid) - set(workers)
                   if b"haproxy" in Path(f"/proc/{pid}/comm").read_bytes()]
        return workers + haproxy

    def stop(self) -> None:
        """Stop everything that serves."""
        if self.plain is not None:
            stop_server(self.plain)
        else:
            stop_class(self.cls)


async def run(args, servers: int, sessions: int) -> dict:
    """Measure the single session, then the class, on a fresh server; return the numbers the report prints."""
    with tempfile.TemporaryDirectory(prefix="bpv-bench-") as log_dir:
        served = Served(servers, log_dir)
        try:
            pids, url = served.pids(), served.url
            r: dict = {"mem_start": servers_memory_kib(pids)}
            async with async_playwright() as p:
                launched = [await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                            for _ in range(1 if args.students else args.browsers)]
                r["single"], r["single_cpu_ms"], messages = await single_session(launched[0], url, args.clicks,
                                                                                 pids)
                if args.students:
                    r["single_headless"], _, _ = await headless_student(url, messages, args.clicks, None, 0.0, 0)
                r["mem_before"] = servers_memory_kib(pids)
                r.update(await class_at_once(args, sessions, launched, url, messages, pids))
                for b in launched:
                    await b.close()
            await asyncio.sleep(5)
            r["mem_after"] = servers_memory_kib(pids)
        finally:
            served.stop()
    return r


def serving(servers: int) -> str:
    """Return how the app was served, in words."""
    return "one streamlit process" if servers == 0 else f"{servers} worker{'s' * (servers > 1)} behind HAProxy"


def latency_row(label: str, times: list[float], cpu_ms: float | None = None) -> str:
    """Return one table row: clicks, median, p95, max (ms) and the server CPU per click."""
    cpu = f"{cpu_ms:>12.0f}" if cpu_ms is not None else f"{'':>12}"
    return (f"{label:<44}{len(times):>7}{statistics.median(times):>8.0f}{percentile(times, 0.95):>8.0f}"
            f"{max(times):>8.0f}{cpu}")


def print_report(args, servers: int, sessions: int, r: dict) -> None:
    """Print the latency table, the CPU split and the memory table of one run."""
    who = (f"{sessions - 1} headless students + 1 browser" if args.students
           else f"{sessions} browser sessions in {args.browsers} Chromium processes")
    pace = f"a pause of {args.think:g} s ± 50 % before each click" if args.think else "lock-step, no pause"
    print(f"\nA class at once, {serving(servers)}: {who}, {args.clicks} Step clicks each ({pace}); "
          f"{os.cpu_count()} cores shared by everything\n")
    print(f"{'Step click → finished':<44}{'clicks':>7}{'median':>8}{'p95':>8}{'max':>8}{'server CPU':>12}")
    print(f"{'':<44}{'':>7}{'ms':>8}{'ms':>8}{'ms':>8}{'ms/click':>12}")
    print(latency_row("single browser session alone: redraw", r["single"], r["single_cpu_ms"]))
    if args.students:
        print(latency_row("single headless session alone: server run", r["single_headless"]))
    print(latency_row(f"class of {sessions}, browser: redraw", r["browser"], r["server_cpu_ms"]))
    if r["headless"]:
        print(latency_row(f"class of {sessions}, headless: server run", r["headless"]))
    ratio = percentile(r["browser"], 0.95) / percentile(r["single"], 0.95)
    verdict = "met" if ratio <= 3 else "NOT met"
    clicks = len(r["browser"]) + len(r["headless"])
    print(f"\nbrowser redraw p95, class / alone = {ratio:.2f} (target ≤ 3: {verdict}); "
          f"{clicks / r['wall_s']:.1f} clicks/s over {r['wall_s']:.0f} s; error elements or wrong counters: "
          f"{r['errors']}")
    cores = ", ".join(f"{name} {used:.2f}" for name, used in r["cores"].items())
    print(f"cores busy while the class stepped (of {os.cpu_count()}): {cores}")
    if r["spread"]:
        print("sessions per worker (the balancer's cookie): "
              + ", ".join(f"{w} {n}" for w, n in sorted(r["spread"].items())))
    print(f"\n{'server memory (MiB)':<44}{'VmRSS':>8}{'VmHWM':>8}")
    rows = [("server started", "mem_start"), ("after the single session(s)", "mem_before"),
            (f"class of {sessions} loaded and warmed up", "mem_loaded"), ("peak while the class stepped",
                                                                          "mem_peak"),
            ("all sessions closed (+5 s)", "mem_after")]
    for label, key in rows:
        print(f"{label:<44}{r[key]['VmRSS'] / 1024:>8.0f}{r[key]['VmHWM'] / 1024:>8.0f}")
    per_session = (r["mem_peak"]["VmRSS"] - r["mem_before"]["VmRSS"]) / 1024 / sessions
    print(f"≈ {per_session:.1f} MiB per extra session at peak")


def summary_row(servers: int, sessions: int, r: dict) -> str:
    """Return one row of the summary: throughput, latencies, the ratio to alone and the server's CPU."""
    everyone = r["browser"] + r["headless"]
    ratio = percentile(r["browser"], 0.95) / percentile(r["single"], 0.95)
    return (f"{serving(servers):<28}{sessions:>9}{len(everyone) / r['wall_s']:>9.1f}"
            f"{percentile(r['single'], 0.95):>9.0f}{statistics.median(r['browser']):>9.0f}"
            f"{percentile(r['browser'], 0.95):>9.0f}{ratio:>8.2f}{statistics.median(everyone):>9.0f}"
            f"{percentile(everyone, 0.95):>9.0f}{r['cores']['server']:>8.2f}{r['server_cpu_ms']:>9.0f}"
            f"{r['single_cpu_ms']:>9.0f}{r['errors']:>7}")


def print_summary(results: list[tuple[int, int, dict]]) -> None:
    """Print one line per (servers, sessions) run."""
    print(f"\n\nSummary ({os.cpu_count()} cores; timings are noisy when anything else runs on the machine)\n")
    print(f"{'served by':<28}{'sessions':>9}{'clicks/s':>9}{'alone':>9}{'browser':>9}{'browser':>9}{'ratio':>8}"
          f"{'all':>9}{'all':>9}{'server':>8}{'CPU ms':>9}{'CPU ms':>9}{'errors':>7}")
    print(f"{'':<28}{'':>9}{'':>9}{'p95 ms':>9}{'med ms':>9}{'p95 ms':>9}{'p95':>8}{'med ms':>9}{'p95 ms':>9}"
          f"{'cores':>8}{'/click':>9}{'alone':>9}{'':>7}")
    for servers, sessions, r in results:
        print(summary_row(servers, sessions, r))
    print("\nalone: one browser session stepping by itself; browser: the one browser of the class (redraw); all:"
          " every session of the class (browser redraws and headless server runs); ratio: browser p95 / alone p95"
          " (target ≤ 3); server cores: CPU of the workers and HAProxy / wall time; CPU ms/click: server CPU per"
          " Step in the class, and alone.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20], help="class sizes to run")
    parser.add_argument("--servers", type=int, nargs="+", default=[0],
                        help="0: one streamlit process; N: make serve-class WORKERS=N (HAProxy in front)")
    parser.add_argument("--clicks", type=int, default=20, help="measured Step clicks per session")
    parser.add_argument("--browsers", type=int, default=2, help="Chromium processes for the browser sessions")
    parser.add_argument("--students", action="store_true",
                        help="all sessions but one are headless websocket clients (no rendering on this machine)")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause in s before each click (0: lock-step)")
    args = parser.parse_args()
    results = []
    for servers in args.servers:
        for sessions in args.sessions:
            r = asyncio.run(run(args, servers, sessions))
            print_report(args, servers, sessions, r)
            results.append((servers, sessions, r))
    print_summary(results)


if __name__ == "__main__":
    main()
