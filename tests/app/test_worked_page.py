"""The worked-example page in AppTest: it runs, prints the notes' numbers, and recomputes when edited."""

from __future__ import annotations

import html
import re

import pytest

from engine.worked import WorkedNumbers, error_after, first_step, output_chain
from tests.app.conftest import banner, page_app
from viz.worked import num

PAGE = "pages/worked_example.py"


@pytest.fixture
def at():
    return page_app(PAGE)


def _block(app, marker: str) -> str:
    """Return the one LaTeX block that starts with `marker`."""
    found = [el.value for el in app.latex if el.value.strip("$\n").startswith(marker)]
    assert len(found) == 1, (marker, len(found))
    return found[0]


def _metric(app, label_start: str) -> str:
    """Return the value shown in the result box whose label starts with label_start (last one wins)."""
    found = re.findall(r"bpv-result-label'>([^<]*)</div><div class='bpv-result-value'>([^<]*)<", banner(app))
    return [html.unescape(v) for label, v in found if html.unescape(label).startswith(label_start)][-1]


W5 = r"\begin{aligned}\frac{\partial E}{\partial w_{5}}"
NET_O1 = r"\begin{aligned}\text{net}_{o1}"


def test_page_prints_the_textbook_derivation(at):
    assert "0.74136507\\cdot 0.186815602\\cdot 0.593269992 = \\mathbf{0.082167041}" in _block(at, W5)
    assert "\\mathbf{0.35891648}" in _block(at, W5)
    assert "\\mathbf{1.105905967}" in _block(at, NET_O1) and "\\mathbf{0.75136507}" in _block(at, NET_O1)
    hidden = _block(at, r"\begin{aligned}\frac{\partial E}{\partial \text{out}_{h1}}")
    assert "0.055399425 - 0.019049118 = \\mathbf{0.036350306}" in hidden
    assert "finite diff." not in _block(at, W5)
    assert _metric(at, "E_total before") == "0.298371109"
    assert _metric(at, "E_total after") == "0.291027774"


def test_editing_a_weight_recomputes_the_dependent_numbers(at):
    before_net_h1 = _block(at, r"\begin{aligned}\text{net}_{h1}")
    at.number_input(key="we_w5").set_value(0.7).run()
    assert not at.exception
    trainer, trace = first_step(WorkedNumbers(w5=0.7))
    grad = output_chain(trainer, trace).grad_W[0, 0]
    assert f"\\mathbf{{{num(grad)}}}" in _block(at, W5)
    assert "0.082167041" not in _block(at, W5)
    assert "0.7\\cdot 0.593269992" in _block(at, NET_O1)  # the numbers row of the net_o1 block
    assert _block(at, r"\begin{aligned}\text{net}_{h1}") == before_net_h1  # w5 is downstream of h1
    assert _metric(at, "E_total after") == num(error_after(trace))
    at.button(key="we_reset").click().run()
    assert "\\mathbf{0.082167041}" in _block(at, W5)


def test_bias_toggle_and_finite_differences(at):
    at.toggle(key="we_biases").set_value(True).run()
    assert _metric(at, "E_total after") == "0.280471447"
    assert any("b_{o1}^{+}" in el.value and "0.530750719" in el.value for el in at.latex)
    at.toggle(key="we_fd").set_value(True).run()
    assert "finite diff. }{0.082167041}" in _block(at, W5)


def test_keep_training_ten_thousand_iterations(at):
    at.number_input(key="we_n").set_value(10_000).run()
    at.button(key="we_run").click().run()
    assert not at.exception
    assert _metric(at, "iterations so far") == "10,000"
    assert float(_metric(at, "E_total now")) == pytest.approx(3.51e-5, abs=1e-6)
    assert float(_metric(at, "out_o1 now")) == pytest.approx(0.01591, abs=1e-5)
    assert float(_metric(at, "out_o2 now")) == pytest.approx(0.98406, abs=1e-5)
    at.button(key="we_restart").click().run()
    assert "iterations so far" not in banner(at)


def test_your_own_numbers_survive_a_page_switch(at):
    at.number_input(key="we_w5").set_value(0.7).run()
    at.switch_page("pages/forward_backward.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception and at.number_input(key="we_w5").value == 0.7
