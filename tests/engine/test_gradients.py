"""Analytic gradients against central finite differences, for every activation × loss × depth.

The activations and losses come from the engine's registries, so a new entry is checked here without a new test.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES, Net, backward, forward, forward_pass, init_params
from engine.gradcheck import analytic_gradients, gradcheck, numeric_gradients, relative_error

HIDDEN = list(HIDDEN_ACTIVATIONS)
# every (loss, output activation) pair the engine supports: a fused loss with its output, the others with any
HEADS = [(name, out) for name, loss in LOSSES.items()
         for out in ([loss.fused_output] if loss.fused_output else [a for a, f in ACTIVATIONS.items() if f.hidden])]


def _targets(rng, loss, output, B, k):
    if loss == "softmax_ce":
        return np.eye(k)[rng.integers(0, k, B)]
    if loss == "bce":
        return rng.integers(0, 2, (B, k)).astype(float)
    lo, hi = ACTIVATIONS[output].output_range
    return rng.uniform(max(lo, -1.0), min(hi, 1.0), (B, k))   # targets the output can reach


KINKED = {name for name, a in ACTIVATIONS.items() if a.kinked}   # f′ jumps at 0


@settings(max_examples=60, deadline=None)
@given(hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS),
       widths=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       n_in=st.integers(1, 3), n_out=st.integers(1, 3), B=st.integers(2, 5),
       l1=st.sampled_from([0.0, 0.01]), l2=st.sampled_from([0.0, 0.03]), seed=st.integers(0, 10_000))
def test_backprop_matches_finite_differences(hidden, head, widths, n_in, n_out, B, l1, l2, seed):
    loss, output = head
    if loss == "softmax_ce":
        n_out = max(n_out, 2)
    rng = np.random.default_rng(seed)
    net = Net.build(hidden, output, loss)
    params = init_params(rng, "xavier_normal", (n_in, *widths, n_out))
    params = [(W, rng.normal(0, 0.3, b.shape)) for W, b in params]
    x = rng.normal(size=(B, n_in))
    y = _targets(rng, loss, output, B, n_out)
    zs, _ = forward(net, params, x)
    kinked = [l for l, z in enumerate(zs) if net.act(l, len(zs)).name in KINKED]
    # finite differences are meaningless within h of a kink
    assume(all(np.abs(zs[l]).min() > 1e-3 for l in kinked))
    if l1:
        assume(min(np.abs(W).min() for W, _ in params) > 1e-3)
    assert gradcheck(net, params, x, y, l1, l2) <= 1e-6


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS, ids=[f"{l}-{o}" for l, o in HEADS])
def test_every_activation_and_loss_pair_against_finite_differences(hidden, head):
    """A fixed 2-3-2-K net for every registry pair (the property test above samples them at random)."""
    loss, output = head
    rng = np.random.default_rng(7)
    net = Net.build(hidden, output, loss)
    params = [(W, rng.normal(0, 0.3, b.shape)) for W, b in init_params(rng, "xavier_normal", (2, 3, 2, 2))]
    x = rng.normal(size=(4, 2))
    while any(np.abs(z).min() < 1e-3 for l, z in enumerate(forward(net, params, x)[0])
              if net.act(l, 3).name in KINKED):
        x = rng.normal(size=(4, 2))
    assert gradcheck(net, params, x, _targets(rng, loss, output, 4, 2), 0.01, 0.03) <= 1e-6


def test_relative_error_sees_a_wrong_gradient():
    """The check must be able to fail: a gradient off by 1 % is caught."""
    rng = np.random.default_rng(0)
    net = Net.build("tanh", "sigmoid", "bce")
    params = init_params(rng, "xavier_uniform", (2, 3, 1))
    x, y = rng.normal(size=(4, 2)), np.array([[0.0], [1.0], [1.0], [0.0]])
    ana = analytic_gradients(net, params, x, y)
    num = numeric_gradients(net, params, x, y)
    assert relative_error(ana[0][0], num[0][0]) < 1e-6
    assert relative_error(ana[0][0] * 1.01, num[0][0]) > 5e-3


def test_delta_is_per_sample_and_grad_is_the_batch_mean():
    rng = np.random.default_rng(1)
    net = Net.build("sigmoid", "sigmoid", "half_sse")
    params = init_params(rng, "standard", (2, 3, 2))
    x, y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 2))
    _, acts = forward(net, params, x)
    deltas, _, gW, gb, _, _ = backward(net, params, x, forward_pass(net, params, x), y)
    # δ_L = (a − t)·σ'(z) per sample, no 1/B
    np.testing.assert_allclose(deltas[-1], (acts[-1] - y) * acts[-1] * (1 - acts[-1]), rtol=1e-15)
    for d, a_prev, g, g_b in zip(deltas, acts[:-1], gW, gb):
        expected = np.mean([np.outer(d[i], a_prev[i]) for i in range(5)], axis=0)
        np.testing.assert_allclose(g, expected, rtol=1e-13)
        np.testing.assert_allclose(g_b, d.mean(axis=0), rtol=1e-13)


@pytest.mark.parametrize("z", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_stable_losses_and_sigmoid_stay_finite(z):
    net = Net.build("tanh", "sigmoid", "bce")
    zz = np.array([[z]])
    a = net.output.f(zz)
    assert np.isfinite(a).all() and 0 <= a[0, 0] <= 1
    for t in (0.0, 1.0):
        loss = net.loss.per_sample(zz, a, np.array([[t]]))
        # softplus form: exact, e.g. ℓ(z=1000, t=0) = 1000
        expected = max(z, 0) - t * z + np.log1p(np.exp(-abs(z)))
        np.testing.assert_allclose(loss, [expected], rtol=1e-12)
    soft = Net.build("tanh", "softmax", "softmax_ce")
    zz = np.array([[z, 0.0, -z]])
    a = soft.output.f(zz)
    np.testing.assert_allclose(a.sum(), 1.0)
    loss = soft.loss.per_sample(zz, a, np.array([[0.0, 1.0, 0.0]]))
    assert np.isfinite(loss).all() and loss[0] >= 0


def test_bce_for_fixed_labels_matches_the_general_formula_to_the_last_bit_or_so():
    # the trainer and the loss surface evaluate with the specialised form, per-sample panels with the general one
    bce = Net.build("tanh", "sigmoid", "bce").loss
    z = np.concatenate([np.linspace(-800, 800, 801), np.linspace(-3, 3, 601), [-0.0, 1e-300, -1e-300]])[:, None]
    for y in (np.zeros_like(z), np.ones_like(z), (np.arange(z.shape[0]) % 2.0)[:, None]):
        np.testing.assert_allclose(bce.per_sample_for(y)(z, None), bce.per_sample(z, None, y), rtol=4.5e-16, atol=0)
    assert bce.per_sample_for(np.ones((1, 1)))(np.array([[50.0]]), None)[0] == pytest.approx(1.9287498479639178e-22)
    # soft labels and other losses fall back to the general per-sample loss
    soft = np.full_like(z, 0.3)
    np.testing.assert_array_equal(bce.per_sample_for(soft)(z, None), bce.per_sample(z, None, soft))


@pytest.mark.parametrize("head", HEADS, ids=[f"{l}-{o}" for l, o in HEADS])
def test_forward_and_data_loss_take_a_grid_of_weights(head):
    """Stacked weights (G, n_out, n_in) give the G losses one at a time would (the loss landscape's use)."""
    from engine import data_loss, unflatten
    from engine.network import params_vector

    loss, output = head
    rng = np.random.default_rng(3)
    net = Net.build("tanh", output, loss)
    sizes = (2, 3, 2)
    grid = np.stack([params_vector(init_params(rng, "xavier_normal", sizes)) for _ in range(5)])   # (G, P)
    x, y = rng.normal(size=(6, 2)), _targets(rng, loss, output, 6, 2)
    stacked = data_loss(net, unflatten(grid, sizes), x, y)
    one_by_one = [data_loss(net, unflatten(theta, sizes), x, y) for theta in grid]
    np.testing.assert_allclose(stacked, one_by_one, rtol=1e-13)
    np.testing.assert_array_equal(params_vector(unflatten(grid[2], sizes)), grid[2])
