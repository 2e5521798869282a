"""Start and stop `make serve-class` from a test or a benchmark, on a free loopback port, bounded in time."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from serve.supervise import ROOT, free_loopback_port

START_TIMEOUT_S = 180


def haproxy_installed() -> bool:
    """Return whether Debian's HAProxy is there (`make test` installs it when run as root)."""
    return bool(shutil.which("haproxy")) or os.path.exists("/usr/sbin/haproxy")


@dataclass
class ClassServer:
    """A running `make serve-class`: the make process (leading its own process group), URL and log."""

    proc: subprocess.Popen
    url: str
    log: Path
    log_file: IO[bytes]

    def workers(self) -> dict[str, int]:
        """Return {worker name: pid} of its Streamlit workers now."""
        return worker_pids(self.proc.pid)

    def output(self) -> str:
        """Return what make, the supervisor, HAProxy and the workers printed so far."""
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log.read_text(errors="replace")


def start_class(workers: int, log: Path, extra_env: dict | None = None) -> ClassServer:
    """Run `make serve-class WORKERS=workers` on 127.0.0.1:<free port>; return it once up.

    Its output goes to log. Up means the balancer answers /_stcore/health and all workers run.
    """
    port = free_loopback_port()
    out = open(log, "wb")  # noqa: SIM115 - the child writes it until stop_class closes it
    proc = subprocess.Popen(["make", "-s", "serve-class", f"WORKERS={workers}", f"PORT={port}", "ADDRESS=127.0.0.1"],
                            cwd=ROOT, env={**os.environ, **(extra_env or {})}, stdin=subprocess.DEVNULL,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = ClassServer(proc, f"http://127.0.0.1:{port}", log, out)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stop_class(server)
            raise RuntimeError(f"make serve-class exited: {server.output()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as r:
                if r.status == 200 and len(server.workers()) == workers:
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_class(server)
    raise RuntimeError(f"make serve-class not up within {START_TIMEOUT_S} s: {server.output()[-3000:]}")


def stop_class(server: ClassServer, timeout: float = 30) -> set[int]:
    """SIGTERM the process group (make, supervisor, HAProxy, workers), as Ctrl+C would, and wait for all of it.

    Returns the pids that still ran after timeout seconds (then killed): empty when everything stopped.
    """
    started = {server.proc.pid} | descendants(server.proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while (left := {pid for pid in started if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.proc.wait()
    server.log_file.close()
    return left


def alive(pid: int) -> bool:
    """Return whether process pid still runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> set[int]:
    """Return the pids of every living process below pid (children, their children, …)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rpartition(")")[2].split()[1])
            except OSError:  # the process ended meanwhile
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def worker_pids(pid: int) -> dict[str, int]:
    """Return {worker name (w1…): pid} of the Streamlit workers below process pid."""
    workers = {}
    for child in descendants(pid):
        try:
            env = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        names = [v.split(b"=", 1)[1].decode() for v in env if v.startswith(b"BPV_WORKER=")]
        if names and b"serve/worker.py" in cmdline:
            workers[names[0]] = child
    return workers
