"""A `streamlit run` server on a free port and the Chromium flags that work here, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
#: JavaScript for page.wait_for_function: true once the page shows iteration k and has finished redrawing
DONE_JS = """(k) => {
  const c = document.querySelector('.bpv-counter');
  if (!c || !c.innerText.includes('iteration ' + k + ' ')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  return document.querySelectorAll('[data-stale="true"]').length === 0;
}"""


def server_memory_kib(pid: int) -> dict[str, int]:
    """Return {'VmRSS': KiB, 'VmHWM': KiB} of process pid (resident now, and its peak so far)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0])
    return out


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: str = "app.py", extra_env: dict | None = None,
                 headless: bool = True) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run script` on a free port; return (process, base URL) once it is healthy.

    headless=False starts it as `make run` does (it would open a browser), with no terminal attached.
    """
    port = free_port()
    # as `make run` serves it (see the Makefile)
    env = {"MALLOC_ARENA_MAX": "2", **os.environ, **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.headless", str(headless).lower(), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started by start_server."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for_app(pg, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator, app rendered)."""
    pg.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') "
        "&& document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] *').length > 5",
        timeout=timeout)
    pg.wait_for_timeout(300)


def open_url(pg, url: str, settle_ms: int = 0) -> None:
    """Go to url and wait for the app, closing the spurious "Page not found" dialog a fresh server can show on its
    first deep link (streamlit/streamlit#9624; the right page runs under it, but the dialog makes it inert)."""
    pg.goto(url)
    wait_for_app(pg)
    if settle_ms:
        pg.wait_for_timeout(settle_ms)
        wait_for_app(pg)
    dialog = pg.get_by_role("dialog").filter(has_text="Page not found")
    if dialog.count():
        pg.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        wait_for_app(pg)


def screenshot(pg, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
