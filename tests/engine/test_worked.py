"""The textbook 2-2-2 example: every number the worked-example page prints, read through engine.worked."""

from __future__ import annotations

import numpy as np
import pytest

from engine.worked import (
    TEXTBOOK,
    WorkedNumbers,
    build_trainer,
    error_after,
    finite_differences,
    first_step,
    forward_numbers,
    hidden_chain,
    loss_curve,
    output_chain,
    output_path,
    outputs_after,
    update_rows,
)

TOL = 1e-8


@pytest.fixture(scope="module")
def step():
    return first_step(TEXTBOOK, train_biases=False)


def test_forward_pass_matches_the_notes(step):
    fw = forward_numbers(*step)
    assert fw.net_h[0] == pytest.approx(0.3775, abs=TOL)
    assert fw.net_h[1] == pytest.approx(0.3925, abs=TOL)
    assert fw.out_h[0] == pytest.approx(0.593269992, abs=TOL)
    assert fw.out_h[1] == pytest.approx(0.596884378, abs=TOL)
    assert fw.net_o[0] == pytest.approx(1.105905967, abs=TOL)
    assert fw.net_o[1] == pytest.approx(1.224921404, abs=TOL)
    assert fw.out_o[0] == pytest.approx(0.75136507, abs=TOL)
    assert fw.out_o[1] == pytest.approx(0.772928465, abs=TOL)
    assert fw.E_o[0] == pytest.approx(0.274811083, abs=TOL)
    assert fw.E_o[1] == pytest.approx(0.023560026, abs=TOL)
    assert fw.E_total == pytest.approx(0.298371109, abs=TOL)
    assert fw.E_o.sum() == pytest.approx(fw.E_total, abs=1e-15)


def test_output_layer_chain_rule_factors(step):
    ch = output_chain(*step)
    assert ch.dE_dout[0] == pytest.approx(0.74136507, abs=TOL)
    assert ch.dout_dnet[0] == pytest.approx(0.186815602, abs=TOL)
    assert ch.dnet_dw[0] == pytest.approx(0.593269992, abs=TOL)
    assert ch.delta[0] == pytest.approx(0.138498562, abs=TOL)
    assert ch.dE_dout[1] == pytest.approx(-0.217071535, abs=TOL)
    assert ch.dout_dnet[1] == pytest.approx(0.175510053, abs=TOL)
    assert ch.delta[1] == pytest.approx(-0.038098237, abs=TOL)
    # the engine's δ is the product of the first two factors; the gradient is δ times the third
    np.testing.assert_allclose(ch.dE_dout * ch.dout_dnet, ch.delta, rtol=1e-14)
    np.testing.assert_allclose(np.outer(ch.delta, ch.dnet_dw), ch.grad_W, rtol=1e-14)
    np.testing.assert_allclose(ch.grad_W, [[0.082167041, 0.082667628], [-0.022602540, -0.022740242]], atol=TOL)
    np.testing.assert_allclose(ch.W_after, [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=TOL)


def test_hidden_layer_sums_the_paths_through_the_original_weights(step):
    ch = hidden_chain(*step)
    assert ch.paths[0, 0] == pytest.approx(0.055399425, abs=TOL)
    assert ch.paths[1, 0] == pytest.approx(-0.019049119, abs=TOL)
    assert ch.dE_dout[0] == pytest.approx(0.036350306, abs=TOL)
    assert ch.dout_dnet[0] == pytest.approx(0.241300709, abs=TOL)
    assert ch.dnet_dw[0] == pytest.approx(0.05, abs=TOL)
    np.testing.assert_array_equal(ch.W_next, [[0.40, 0.45], [0.50, 0.55]])  # not the updated w5..w8
    np.testing.assert_allclose(ch.paths, ch.next_delta[:, None] * ch.W_next, rtol=1e-15)
    np.testing.assert_allclose(ch.dE_dout * ch.dout_dnet, ch.delta, rtol=1e-14)
    np.testing.assert_allclose(np.outer(ch.delta, ch.dnet_dw), ch.grad_W, rtol=1e-14)
    assert ch.grad_W[0, 0] == pytest.approx(0.000438568, abs=TOL)
    np.testing.assert_allclose(ch.W_after, [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=TOL)


def test_update_table_and_error_after_with_frozen_biases(step):
    trainer, trace = step
    rows = update_rows(trace)
    assert [r.name for r in rows] == [f"w{i}" for i in range(1, 9)]
    w5 = rows[4]
    assert (w5.before, w5.grad, w5.after) == pytest.approx((0.40, 0.082167041, 0.35891648), abs=TOL)
    assert np.isnan(w5.numeric)
    assert trace.loss == pytest.approx(0.298371109, abs=TOL)
    assert error_after(trace) == pytest.approx(0.291027774, abs=TOL)
    np.testing.assert_array_equal([lt.b_after for lt in trace.layers], [[0.35, 0.35], [0.60, 0.60]])
    out = outputs_after(trainer, trace)
    assert 0.5 * ((trace.y[0] - out) ** 2).sum() == pytest.approx(error_after(trace), abs=1e-15)


def test_finite_differences_agree_with_every_analytic_gradient(step):
    trainer, trace = step
    rows = update_rows(trace, finite_differences(trainer, trace), biases=True)
    assert len(rows) == 12
    for r in rows:
        assert r.numeric == pytest.approx(r.grad, rel=1e-6, abs=1e-10), r.name


def test_training_the_biases_moves_each_neuron_bias_as_pytorch_does():
    _, trace = first_step(TEXTBOOK, train_biases=True)
    assert error_after(trace) == pytest.approx(0.280471447, abs=TOL)
    hid, out = trace.layers
    # one bias per neuron, each moved by −η δ of its own neuron (nn.Linear + SGD)
    np.testing.assert_allclose(out.b_after, 0.60 - 0.5 * out.delta[0], rtol=1e-15)
    np.testing.assert_allclose(hid.b_after, 0.35 - 0.5 * hid.delta[0], rtol=1e-15)
    assert out.b_after[0] == pytest.approx(0.530750719, abs=TOL)
    names = [r.name for r in update_rows(trace, biases=True)]
    assert names[8:] == ["b1 (h1)", "b1 (h2)", "b2 (o1)", "b2 (o2)"]


def test_ten_thousand_iterations_reach_the_notes_error_and_outputs():
    trainer = build_trainer(TEXTBOOK, train_biases=False)
    trainer.run(10_000)
    its, losses = loss_curve(trainer)
    assert its[0] == 0 and its[-1] == 10_000 and len(losses) == 10_001
    assert losses[0] == pytest.approx(0.298371109, abs=TOL)
    assert losses[1] == pytest.approx(0.291027774, abs=TOL)
    assert losses[-1] == pytest.approx(3.51e-5, abs=1e-6)
    assert np.all(np.diff(losses) < 0)
    path_its, outs = output_path(trainer)
    assert path_its[0] == 0 and path_its[-1] == 10_000
    np.testing.assert_allclose(outs[0], [0.75136507, 0.772928465], atol=TOL)
    np.testing.assert_allclose(outs[-1], [0.01591, 0.98406], atol=1e-5)


def test_loss_curve_is_empty_before_training():
    its, losses = loss_curve(build_trainer())
    assert its.size == 0 and losses.size == 0


def _by_hand(n: WorkedNumbers):
    """Independent closed-form forward/backward of the 2-2-2 net (plain formulas, no engine code)."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    i, t = np.array([n.i1, n.i2]), np.array([n.t1, n.t2])
    W1 = np.array([[n.w1, n.w2], [n.w3, n.w4]])
    W2 = np.array([[n.w5, n.w6], [n.w7, n.w8]])
    h = sig(W1 @ i + n.b1)
    o = sig(W2 @ h + n.b2)
    d_o = (o - t) * o * (1 - o)
    d_h = (W2.T @ d_o) * h * (1 - h)
    return h, o, 0.5 * ((t - o) ** 2).sum(), np.outer(d_o, h), np.outer(d_h, i)


def test_your_own_numbers_recompute_everything():
    mine = WorkedNumbers.from_dict({"i1": 0.3, "i2": -0.7, "t1": 0.8, "t2": 0.2, "w1": -0.4, "w5": 1.3,
                                    "w8": -0.9, "b1": 0.1, "b2": -0.25, "lr": 0.2, "ignored": 5})
    assert mine.w2 == TEXTBOOK.w2 and mine.lr == 0.2
    trainer, trace = first_step(mine)
    h, o, E, g2, g1 = _by_hand(mine)
    fw = forward_numbers(trainer, trace)
    np.testing.assert_allclose(fw.out_h, h, rtol=1e-13)
    np.testing.assert_allclose(fw.out_o, o, rtol=1e-13)
    assert fw.E_total == pytest.approx(E, rel=1e-13)
    np.testing.assert_allclose(output_chain(trainer, trace).grad_W, g2, rtol=1e-12)
    np.testing.assert_allclose(hidden_chain(trainer, trace).grad_W, g1, rtol=1e-12)
    np.testing.assert_allclose(trace.layers[1].W_after, np.array([[1.3, 0.45], [0.5, -0.9]]) - 0.2 * g2,
                               rtol=1e-13)


def test_numbers_a_sigmoid_cannot_reach_are_refused_with_a_message():
    with pytest.raises(ValueError, match="between 0 and 1"):
        build_trainer(WorkedNumbers(t1=1.5))
    with pytest.raises(ValueError, match="lr"):
        build_trainer(WorkedNumbers(lr=0.0))
