"""A class behind the balancer: `make serve-class WORKERS=2` on a free loopback port, six students in Chromium.

The stickiness cookie spreads them over both workers; each steps its own experiment; one worker is killed: the
students on the other are untouched, the moved ones land on a live worker (the other one, or the dead one's
restart if it is up before their browser reconnects) with the restart notice, their settings back from the link
and their network at its initial weights; the supervisor starts the dead worker again; SIGTERM to make's process
group stops everything. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from serve.launch import haproxy_installed, start_class, stop_class
from serve.supervise import ROOT
from tests.e2e.conftest import screenshot
from tests.e2e.test_sessions_e2e import (
    ERRORS_JS,
    click,
    counter,
    engine_train_losses,
    open_session,
    train_losses,
    wait_done,
)
from ui.restart_notice import MESSAGE, previous_session_id

TIMEOUT_MS = 120_000
SEEDS = (1, 2, 3, 4, 5, 6)
TOAST = "[data-testid='stToast']"
WEIGHT_SEED = ".st-key-seed input"


def require_haproxy() -> None:
    """Skip without HAProxy, except in CI, where the browser tests must run."""
    if not haproxy_installed():
        if os.environ.get("CI"):
            pytest.fail("the class test must run in CI, but HAProxy is missing (make test installs it as root)")
        pytest.skip("no HAProxy (make test installs it when run as root: apt-get install haproxy)")


def worker_of(page) -> str:
    """Return the worker the balancer's cookie sticks this page's browser context to."""
    return next(c["value"] for c in page.context.cookies() if c["name"] == "bpv_worker")


def test_the_websocket_protocol_header_names_the_session_to_resume():
    assert previous_session_id("streamlit, 2|ab|cd|1796") is None  # a first connection
    assert previous_session_id("streamlit, 2|ab|cd|1796, 0b9e-42") == "0b9e-42"  # a reconnection
    assert previous_session_id("") is None  # AppTest, or no websocket


def test_the_balancer_configuration_is_valid():
    require_haproxy()
    check = subprocess.run([sys.executable, "serve/supervise.py", "--check", "--workers", "3", "--port", "8080",
                            "--address", "127.0.0.1"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Configuration file is valid" in check.stdout + check.stderr


@pytest.mark.e2e
def test_a_class_on_two_workers_survives_one_dying(browser, tmp_path):
    require_haproxy()
    server = start_class(2, tmp_path / "serve-class.log")
    try:
        pages = [open_session(browser, f"{server.url}/?seed={seed}") for seed in SEEDS]
        steps = [1 + i % 3 for i in range(len(pages))]  # 1, 2, 3, 1, 2, 3: every student has their own numbers
        for k in range(1, max(steps) + 1):
            stepping = [page for page, n in zip(pages, steps) if n >= k]
            for page in stepping:  # the reruns are in flight together, on both workers
                click(page, "fb_step")
            for page in stepping:
                wait_done(page, k)
        for page, seed, n in zip(pages, SEEDS, steps):
            assert train_losses(page) == pytest.approx(engine_train_losses(n, seed=seed), rel=1e-12)
        on = [worker_of(page) for page in pages]
        assert set(on) == {"w1", "w2"}, f"the cookie put every student on one worker: {on}"

        # a reload keeps the student on their worker (the page itself starts again: that is Streamlit's reload)
        pages[0].reload()
        wait_done(pages[0], 0)
        assert worker_of(pages[0]) == on[0]
        steps[0] = 0

        # one worker dies (as a crash: SIGKILL); the students on the other one must not notice
        workers = server.workers()
        dead = on[0]
        os.kill(workers[dead], signal.SIGKILL)
        moved = [i for i, w in enumerate(on) if w == dead]
        stayed = [i for i, w in enumerate(on) if w != dead]
        for i in moved:
            pages[i].locator(TOAST).filter(has_text=MESSAGE).wait_for(timeout=TIMEOUT_MS)
            wait_done(pages[i], 0)  # back at the initial weights …
            assert pages[i].locator(WEIGHT_SEED).input_value() == str(SEEDS[i])  # … with the link's settings
            # on the live worker, or on the dead one's restart if the supervisor had it up before this browser
            # reconnected (a slow machine): either way a live process, never the killed one
            assert worker_of(pages[i]) != dead or server.workers().get(dead) not in (None, workers[dead])
        screenshot(pages[moved[0]], "class_moved_notice")
        for i in stayed:
            assert pages[i].locator(TOAST).count() == 0
            assert counter(pages[i]).startswith(f"iteration {steps[i]} ")

        # everyone steps on: the moved ones from iteration 0 of their own experiment, the others from where
        # they were
        for page in pages:
            click(page, "fb_step")
        for i, page in enumerate(pages):
            n = 1 if i in moved else steps[i] + 1
            wait_done(page, n)
            assert train_losses(page) == pytest.approx(engine_train_losses(n, seed=SEEDS[i]), rel=1e-12)
            assert page.evaluate(ERRORS_JS) == 0
        assert all(pages[i].locator(TOAST).count() == 0 for i in stayed)

        # the supervisor started the dead worker again, on a new process
        deadline = time.monotonic() + 60
        while server.workers().get(dead) in (None, workers[dead]) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert server.workers().get(dead) not in (None, workers[dead]), server.output()[-3000:]
        assert f"worker {dead} exited" in server.output()
        for page in pages:
            page.context.close()
    finally:
        left = stop_class(server)
    assert not left, f"processes still running 30 s after SIGTERM: {left}\n{server.output()[-3000:]}"
    assert "stopping HAProxy and the workers" in server.output()
