"""Real browser at 1280×720: dropout and batch norm on the Forward & backward page (a dropped neuron's batch-norm
panel), and the Vanishing page's batch-norm toggle; screenshots of both (test-artifacts/)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest

from engine import Config, Trainer
from tests.e2e.conftest import ARTIFACTS, wait_for_app
from tests.e2e.test_forward_backward_e2e import click_and_wait, click_point, graph_points
from tests.e2e.test_vanishing_e2e import _live, _open, _wait_iteration

pytestmark = pytest.mark.e2e
VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture
def small_page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def test_a_dropped_neurons_batch_norm_panel(small_page, app_url):
    page = small_page
    page.goto(f"{app_url}/?bn=true&drop=0.5")
    wait_for_app(page)
    click_and_wait(page, ".st-key-fb_step button", "iteration 1 ·")
    # which neurons of h1 sample 1 dropped in update 1: the same masks as the engine's own
    mask = Trainer(Config(batch_norm=True, dropout=0.5)).step().layers[0].mask[0]
    j = int(np.flatnonzero(mask == 0)[0])
    click_point(page, graph_points(page, 11).nth(2 + j))
    page.wait_for_selector(f"text=Hidden h1, neuron {j + 1}")
    page.wait_for_selector(".katex")
    wait_for_app(page)
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dropout_bn_panel_1280x720.png"))
    # MathML text: one symbol per line, spaces as no-break spaces, Greek in mathematical italic
    panel = unicodedata.normalize("NFKC", re.sub(r"\s", "", "".join(page.locator(".katex-mathml").all_inner_texts())))
    assert "droppedinthisstep" in panel                  # (D): ã = m·a/(1 − p) = 0, and why
    assert all(c in panel for c in "μγδ")                # (N1), (N2) and the three-term δ at z


def test_the_vanishing_page_with_batch_norm(small_page, app_url):
    page = small_page
    _open(page, f"{app_url}/vanishing-gradients?vg_bn=true")
    step10 = _live(page, "vg_step10").locator("button")
    for k in (10, 20):
        step10.click()
        _wait_iteration(page, k)
    wait_for_app(page)
    page.wait_for_timeout(800)
    legend = _live(page, "vg_flow").locator(".legendtext").evaluate_all("els => els.map(e => e.textContent)")
    sigmoid = float(legend[0].rsplit("= ", 1)[1])
    assert 3 <= sigmoid <= 6
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "vanishing_bn_1280x720.png"))
