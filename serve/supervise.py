"""Serve the app to a class: N Streamlit workers on loopback ports behind HAProxy, in the foreground.

Run: make serve-class [WORKERS=4] [PORT=8501] [ADDRESS=0.0.0.0]
     .venv/bin/python serve/supervise.py --workers 4 --port 8501 --address 0.0.0.0

Each worker is `streamlit run app.py` on a free 127.0.0.1 port, named w1..wN (BPV_WORKER); HAProxy listens
on ADDRESS:PORT with serve/haproxy.cfg and a generated list of the workers. A worker that exits is started
again on its port (HAProxy's health checks take it out meanwhile, and put it back when it answers). Ctrl+C or
SIGTERM (to this process or its process group) stops HAProxy and every worker; so does HAProxy exiting.
Only the standard library: it runs before anything is imported from the app.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "serve" / "haproxy.cfg"
START_TIMEOUT_S = 90
POLL_S = 0.3
# a worker that keeps dying is started again at most this often
RESTART_GAP_S = (1, 2, 5, 10, 30)
PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: a child between fork and exec should only call it


def log(message: str) -> None:
    """Print one line of the supervisor's own log to stderr."""
    print(f"[serve-class] {message}", file=sys.stderr, flush=True)


def free_loopback_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In a child before exec: have the kernel send SIGTERM when the supervisor dies (even by SIGKILL)."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def relay(name: str, stream) -> None:
    """Copy a child's output lines to stderr, each prefixed with the child's name."""
    for line in iter(stream.readline, b""):
        sys.stderr.write(f"[{name}] {line.decode(errors='replace')}")
        sys.stderr.flush()
    stream.close()


def spawn(name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start argv with its output relayed under name; it dies with the supervisor."""
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    threading.Thread(target=relay, args=(name, proc.stdout), daemon=True).start()
    return proc


def healthy(port: int) -> bool:
    """Return whether the worker on port answers its health check."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Worker:
    """One Streamlit process of the class, kept on its own loopback port across restarts."""

    name: str
    port: int
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    starts: list[float] = field(default_factory=list)

    def start(self) -> None:
        """Start (or start again) `streamlit run app.py` on this worker's port."""
        argv = [sys.executable, str(ROOT / "serve" / "worker.py"), "run", "app.py", "--server.address", "127.0.0.1",
                "--server.port", str(self.port), "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false", "--logger.hideWelcomeMessage", "true"]
        self.proc = spawn(self.name, argv, {**self.env, "BPV_WORKER": self.name})
        self.starts.append(time.monotonic())

    def due_restart(self, now: float) -> bool:
        """Return whether this worker has exited and waited long enough since its last start to start again."""
        if self.proc is None or self.proc.poll() is None:
            return False
        recent = sum(now - t < 60 for t in self.starts)
        return now - self.starts[-1] >= RESTART_GAP_S[min(recent, len(RESTART_GAP_S)) - 1]


def servers_file(workers: list[Worker], directory: str) -> str:
    """Write the backend listing the workers (with their cookie values) and return its path."""
    lines = ["backend workers from class"]
    lines += [f"    server {w.name} 127.0.0.1:{w.port} cookie {w.name}" for w in workers]
    path = os.path.join(directory, "workers.cfg")
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def haproxy_argv(servers: str) -> list[str]:
    """Return the command that runs HAProxy in the foreground on serve/haproxy.cfg and the workers."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not os.path.exists(haproxy):
        sys.exit("serve-class needs HAProxy: run `sudo apt-get install haproxy` (or `make serve-class` as root).")
    return [haproxy, "-db", "-f", str(CONFIG), "-f", servers]


def urls(address: str, port: int) -> list[str]:
    """Return the addresses students can open (every interface's IPv4 address when bound to all)."""
    if address not in ("0.0.0.0", "*", ""):
        return [f"http://{address}:{port}"]
    try:
        found = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        found = []
    return [f"http://{ip}:{port}" for ip in found if "." in ip] or [f"http://{socket.gethostname()}:{port}"]


class Stop(Exception):
    """Raised by the signal handler: Ctrl+C, SIGTERM or SIGHUP."""


def on_signal(signum, _frame) -> None:
    """Turn the first stop signal into Stop in the main loop; ignore the next (make passes on its own SIGTERM)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Stop(signal.Signals(signum).name)


def wait_healthy(workers: list[Worker]) -> None:
    """Return once every worker answers its health check; exit if one fails to start."""
    deadline = time.monotonic() + START_TIMEOUT_S
    pending = list(workers)
    while pending:
        for w in list(pending):
            if w.proc.poll() is not None:
                sys.exit(f"worker {w.name} exited with code {w.proc.returncode} while starting (see above)")
            if healthy(w.port):
                pending.remove(w)
        if time.monotonic() > deadline:
            sys.exit(f"workers {', '.join(w.name for w in pending)} not healthy within {START_TIMEOUT_S} s")
        time.sleep(POLL_S)


def supervise(workers: list[Worker], balancer: subprocess.Popen) -> int:
    """Restart workers that exit, until HAProxy exits (returns its code) or a stop signal arrives."""
    while balancer.poll() is None:
        now = time.monotonic()
        for w in workers:
            if w.due_restart(now):
                log(f"worker {w.name} exited with code {w.proc.returncode}: starting it again")
                w.start()
        time.sleep(POLL_S)
    log(f"HAProxy exited with code {balancer.returncode}: stopping the workers")
    return 1


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Send SIGTERM to every running child, wait up to 10 s, then SIGKILL what is left."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="0.0.0.0", help="where HAProxy listens (0.0.0.0: every interface)")
    parser.add_argument("--check", action="store_true", help="only validate the HAProxy configuration")
    args = parser.parse_args()
    if args.workers < 1:
        sys.exit("--workers must be at least 1")
    bind = {**os.environ, "BPV_BIND": f"{args.address}:{args.port}"}
    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)

    # One secret for all workers, new each run: a cookie one worker signs is valid on the others.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    workers = [Worker(f"w{i}", free_loopback_port(), env) for i in range(1, args.workers + 1)]
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bpv-serve-") as tmp:
        argv = haproxy_argv(servers_file(workers, tmp))
        if args.check:
            return subprocess.run([*argv, "-c"], env=bind).returncode
        try:
            for w in workers:
                w.start()
            wait_healthy(workers)
            balancer = spawn("haproxy", argv, bind)
            procs = [balancer]
            names = ", ".join(f"{w.name} 127.0.0.1:{w.port}" for w in workers)
            log(f"{len(workers)} workers ({names}) behind HAProxy. Students open: "
                f"{'  '.join(urls(args.address, args.port))}   (Ctrl+C stops)")
            return supervise(workers, balancer)
        except Stop as stop:
            log(f"{stop}: stopping HAProxy and the workers")
            return 0
        finally:
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            stop_all(procs + [w.proc for w in workers if w.proc is not None])


if __name__ == "__main__":
    sys.exit(main())
