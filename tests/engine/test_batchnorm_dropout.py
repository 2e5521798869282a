"""Batch normalisation and dropout: gradients of W, b, γ and β against finite differences for every activation ×
loss (the registries, as test_gradients.py), batch norm against a per-sample re-derivation written here, evaluation
with the running statistics and every neuron, the batch-of-one rule, and exact rewind, replay and reload.

Expected values: finite differences (engine/gradcheck.py); the batch-norm Jacobian written out element by element
below, ∂x̂_ij/∂z_kj = (1/σ̂_j)(1[i=k] − 1/B − x̂_ij x̂_kj / B) (Ioffe & Szegedy 2015, section 3, with σ² the 1/B
batch variance); and PyTorch's BatchNorm1d (momentum 0.1, ε 1e-5, unbiased running variance) when it is installed.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import BatchNorm, Config, Net, Trainer, forward_pass, init_params
from engine.experiment import from_json, to_json
from engine.gradcheck import gradcheck
from engine.network import BN_EPS, BN_MOMENTUM, batch_norm_backward, batch_stats, predict
from tests.engine.test_gradients import HEADS, HIDDEN, KINKED, _targets


def _net_with_norms(rng, hidden, head, widths, n_in, n_out, bn_layers):
    """Return (net, params, norms) with random γ, β, running statistics and biases."""
    loss, output = head
    net = Net.build(hidden, output, loss)
    sizes = (n_in, *widths, n_out)
    params = [(W, rng.normal(0, 0.3, b.shape)) for W, b in init_params(rng, "xavier_normal", sizes)]
    norms = [BatchNorm(rng.uniform(0.5, 1.5, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n), rng.uniform(0.5, 2, n))
             if l in bn_layers else None for l, n in enumerate(sizes[1:-1])] + [None]
    return net, params, norms


def _masks(rng, B, widths, p):
    return [(rng.random((B, n)) >= p).astype(float) for n in widths] + [None] if p else None


def _away_from_kinks(net, params, x, norms, masks, p):
    passes = forward_pass(net, params, x, norms, masks, p, train=True)
    return all(np.abs(lp.y).min() > 1e-3 for l, lp in enumerate(passes) if net.act(l, len(passes)).name in KINKED)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS, ids=[f"{l}-{o}" for l, o in HEADS])
def test_w_b_gamma_beta_against_finite_differences_with_batch_norm_and_a_fixed_dropout_mask(hidden, head):
    """Every registry pair: a 2-3-3-K net, batch norm on both hidden layers, dropout p = 0.3 with a fixed mask."""
    rng = np.random.default_rng(11)
    loss, output = head
    net, params, norms = _net_with_norms(rng, hidden, head, (3, 3), 2, 2, {0, 1})
    x = rng.normal(size=(6, 2))
    masks = _masks(rng, 6, (3, 3), 0.3)
    while not _away_from_kinks(net, params, x, norms, masks, 0.3):
        x = rng.normal(size=(6, 2))
    y = _targets(rng, loss, output, 6, 2)
    assert gradcheck(net, params, x, y, 0.01, 0.03, norms=norms, masks=masks, p=0.3) <= 1e-6


@settings(max_examples=60, deadline=None)
@given(hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS),
       widths=st.lists(st.integers(1, 5), min_size=1, max_size=3), bn=st.lists(st.booleans(), min_size=3, max_size=3),
       n_in=st.integers(1, 3), n_out=st.integers(1, 3), B=st.integers(2, 6), p=st.sampled_from([0.0, 0.2, 0.5]),
       seed=st.integers(0, 10_000))
def test_random_nets_with_batch_norm_and_dropout_match_finite_differences(hidden, head, widths, bn, n_in, n_out, B,
                                                                          p, seed):
    loss, output = head
    if loss == "softmax_ce":
        n_out = max(n_out, 2)
    rng = np.random.default_rng(seed)
    bn_layers = {l for l, on in enumerate(bn[:len(widths)]) if on}
    net, params, norms = _net_with_norms(rng, hidden, head, widths, n_in, n_out, bn_layers)
    x = rng.normal(size=(B, n_in))
    masks = _masks(rng, B, widths, p)
    assume(_away_from_kinks(net, params, x, norms, masks, p))
    # a neuron nearly constant over the batch (σ² → 0) makes x̂ change on the scale of the finite-difference step
    # itself (h = 1e-4 moves z by ~1e-4): the stencil's truncation error then dominates, whatever the backward pass
    passes = forward_pass(net, params, x, norms, masks, p, train=True)
    assume(all(lp.stats is None or lp.stats.var.min() > 1e-3 for lp in passes))
    assert gradcheck(net, params, x, _targets(rng, loss, output, B, n_out), norms=norms, masks=masks, p=p) <= 1e-6


def _per_sample_batch_norm(z, gamma, delta_y):
    """Batch norm forward and backward written element by element: returns (x̂, δ_z)."""
    B, n = z.shape
    x_hat, delta_z = np.zeros_like(z), np.zeros_like(z)
    for j in range(n):
        mu = sum(z[i, j] for i in range(B)) / B
        var = sum((z[i, j] - mu) ** 2 for i in range(B)) / B
        sigma = (var + BN_EPS) ** 0.5
        for i in range(B):
            x_hat[i, j] = (z[i, j] - mu) / sigma
        for k in range(B):       # δ_z[k] = Σ_i δ_y[i] · γ · ∂x̂_i/∂z_k
            delta_z[k, j] = sum(delta_y[i, j] * gamma[j] * ((i == k) - 1 / B - x_hat[i, j] * x_hat[k, j] / B) / sigma
                                for i in range(B))
    return x_hat, delta_z


def test_batch_norm_forward_and_three_term_backward_against_a_per_sample_derivation():
    rng = np.random.default_rng(5)
    z, delta_y = rng.normal(1.0, 2.0, (7, 4)), rng.normal(size=(7, 4))
    norm = BatchNorm(rng.uniform(0.5, 2, 4), rng.normal(size=4), np.zeros(4), np.ones(4))
    stats = batch_stats(z, norm, train=True)
    x_hat, delta_z = _per_sample_batch_norm(z, norm.gamma, delta_y)
    np.testing.assert_allclose(stats.x_hat, x_hat, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(batch_norm_backward(delta_y, stats, norm.gamma), delta_z, rtol=1e-12, atol=1e-14)
    # the gradient never flows into the batch mean: Σ_i δ_z = 0, so ∂L/∂b of a batch-norm layer is 0
    np.testing.assert_allclose(batch_norm_backward(delta_y, stats, norm.gamma).sum(axis=0), 0, atol=1e-13)


def test_delta_at_y_and_at_z_and_the_gradients_of_gamma_and_beta_in_a_step():
    trainer = Trainer(Config(batch_norm=True, hidden=(5, 4), lr=0.1))
    trace = trainer.step()
    for l, lt in enumerate(trace.layers[:-1]):
        bn = lt.bn
        np.testing.assert_allclose(bn.x_hat, (lt.z - lt.z.mean(0)) / np.sqrt(lt.z.var(0) + BN_EPS), rtol=1e-13)
        np.testing.assert_array_equal(bn.y, bn.gamma * bn.x_hat + bn.beta)
        np.testing.assert_array_equal(lt.a, trainer.net.hidden.f(bn.y))
        np.testing.assert_allclose(lt.delta, _per_sample_batch_norm(lt.z, bn.gamma, bn.delta_y)[1], atol=1e-15)
        np.testing.assert_allclose(bn.grad_gamma, (bn.delta_y * bn.x_hat).mean(0), rtol=1e-13)
        np.testing.assert_allclose(bn.grad_beta, bn.delta_y.mean(0), rtol=1e-13)
        np.testing.assert_allclose(lt.grad_b, 0, atol=1e-15)
        np.testing.assert_array_equal(bn.gamma + bn.update_gamma, trainer.norms[l].gamma)
    assert trace.layers[-1].bn is None


def test_running_statistics_move_by_the_momentum_and_evaluation_uses_them():
    trainer = Trainer(Config(batch_norm=True, hidden=(5,), lr=0.1, test_ratio=0.25))
    trace = trainer.step()
    lt, B = trace.layers[0], trace.x.shape[0]
    m = BN_MOMENTUM
    np.testing.assert_allclose(trainer.norms[0].mean, m * lt.z.mean(0), rtol=1e-15)
    np.testing.assert_allclose(trainer.norms[0].var, (1 - m) + m * lt.z.var(0) * B / (B - 1), rtol=1e-15)
    np.testing.assert_array_equal(lt.bn.running_mean, trainer.norms[0].mean)
    trainer.run(30)
    # evaluation by hand: z → (z − running mean)/√(running var + ε) → γ, β → f → output layer
    (W1, b1), (W2, b2) = trainer.params
    norm = trainer.norms[0]
    X = trainer.split.X_test
    h = np.tanh(norm.gamma * (X @ W1.T + b1 - norm.mean) / np.sqrt(norm.var + BN_EPS) + norm.beta)
    out = 1 / (1 + np.exp(-(h @ W2.T + b2)))
    np.testing.assert_allclose(trainer.predict(X), out, rtol=1e-12)
    t = trainer.split.y_test
    test_loss = -np.mean(t * np.log(out) + (1 - t) * np.log(1 - out))
    assert trainer.history.last("test_loss") == pytest.approx(test_loss, rel=1e-10)
    # the training pass normalised with the batch's statistics, so its loss is not the evaluation's
    assert trainer.history.last("loss") != pytest.approx(trainer.history.last("train_loss"), rel=1e-6)


def test_a_batch_of_one_is_normalised_with_the_running_statistics_which_stay():
    trainer = Trainer(Config(batch_norm=True, hidden=(4,), batch_mode="sgd", lr=0.1))
    trainer.run(3)
    trace = trainer.step()
    lt = trace.layers[0]
    assert not lt.bn.from_batch
    np.testing.assert_array_equal(lt.bn.mean, np.zeros(4))
    np.testing.assert_array_equal(lt.bn.running_var, np.ones(4))
    np.testing.assert_allclose(lt.delta, lt.bn.gamma / np.sqrt(1 + BN_EPS) * lt.bn.delta_y, rtol=1e-15)
    assert np.any(lt.bn.update_gamma) and np.any(lt.update_W)


def test_dropout_masks_activations_and_deltas_and_evaluation_uses_every_neuron():
    trainer = Trainer(Config(dropout=0.5, hidden=(8, 8), lr=0.1, test_ratio=0.25))
    trace = trainer.step()
    for lt in trace.layers[:-1]:
        assert set(np.unique(lt.mask)) == {0.0, 1.0}
        assert 0.35 < lt.mask.mean() < 0.65
        np.testing.assert_array_equal(lt.a_next, lt.mask * lt.a / 0.5)
        assert not lt.delta[lt.mask == 0].any()   # a dropped neuron gets no error
        assert lt.delta[lt.mask == 1].all()
    assert trace.layers[-1].mask is None and trace.layers[-1].a_next is trace.layers[-1].a
    # the next layer's z is computed from the dropped outputs
    np.testing.assert_allclose(trace.layers[1].z, trace.layers[0].a_next @ trace.layers[1].W.T + trace.layers[1].b,
                               rtol=1e-13)
    # evaluation: no mask, so predictions are the plain forward pass and do not change from call to call
    X = trainer.split.X_test
    np.testing.assert_array_equal(trainer.predict(X), predict(trainer.net, trainer.params, X))
    masks_again = trainer._scratch()._dropout_masks(trace.x.shape[0])
    assert not np.array_equal(masks_again[0], trace.layers[0].mask)   # the next step draws a new mask


@pytest.mark.parametrize("mode", ["full", "mini", "sgd"])
def test_rewind_replay_and_reload_are_exact_with_batch_norm_and_dropout(mode):
    cfg = Config(batch_norm=True, dropout=0.3, batch_mode=mode, batch_size=16, optimizer="adam", lr=0.01,
                 hidden=(6, 5))
    trainer = Trainer(cfg)
    traces = [trainer.step() for _ in range(25)]
    params, norms = trainer.state_at(25)
    replayed = trainer.trace_at(12)
    np.testing.assert_array_equal(replayed.layers[0].mask, traces[11].layers[0].mask)
    np.testing.assert_array_equal(replayed.layers[0].bn.delta_y, traces[11].layers[0].bn.delta_y)
    loaded, _ = from_json(to_json(trainer))
    trainer.rewind(7)
    trainer.run(18)
    for other in (trainer, loaded):
        for (W, b), (W2, b2) in zip(params, other.params):
            np.testing.assert_array_equal(W, W2)
            np.testing.assert_array_equal(b, b2)
        for n, n2 in zip(norms[:-1], other.norms[:-1]):
            for v, v2 in zip(n, n2):
                np.testing.assert_array_equal(v, v2)
    assert loaded.norms[-1] is None
    trainer.run(10)
    loaded.run(10)
    np.testing.assert_array_equal(trainer.param_vector(), loaded.param_vector())


def test_frozen_biases_stay_frozen_with_batch_norm_while_gamma_and_beta_train():
    trainer = Trainer(Config(batch_norm=True, hidden=(6, 5), optimizer="adam", lr=0.01))
    trainer.run(3)
    trainer.update_config(train_biases=False)
    trace = trainer.step()
    for lt in trace.layers:
        assert not lt.update_b.any()
    assert all(lt.bn.update_gamma.any() and lt.bn.update_beta.any() for lt in trace.layers[:-1])


def test_batch_norm_files_refuse_bad_running_statistics():
    import json

    from engine.experiment import ExperimentError

    trainer = Trainer(Config(batch_norm=True, hidden=(3,)))
    trainer.run(2)
    doc = json.loads(to_json(trainer))
    doc["snapshots"][-1]["norms"][0]["var"] = doc["snapshots"][-1]["norms"][0]["mean"] | {"shape": [2]}
    with pytest.raises(ExperimentError, match="shape"):
        from_json(json.dumps(doc))
    del doc["snapshots"][-1]["norms"]
    with pytest.raises(ExperimentError, match="batch norm"):
        from_json(json.dumps(doc))


def test_against_pytorch_batchnorm1d():
    """One training step of a 2-5-1 tanh net with BatchNorm1d before the tanh, against PyTorch autograd."""
    torch = pytest.importorskip("torch")
    trainer = Trainer(Config(batch_norm=True, hidden=(5,), lr=0.1, n_samples=40, test_ratio=0.0))
    (W1, b1), (W2, b2) = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                          for W, b in trainer.params]
    bn = torch.nn.BatchNorm1d(5, eps=BN_EPS, momentum=BN_MOMENTUM, dtype=torch.float64)
    X, y = torch.tensor(trainer.split.X_train), torch.tensor(trainer.split.y_train)
    out = torch.tanh(bn(X @ W1.T + b1)) @ W2.T + b2
    torch.nn.functional.binary_cross_entropy_with_logits(out, y).backward()
    trace = trainer.step()
    lt = trace.layers[0]
    np.testing.assert_allclose(lt.grad_W, W1.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(lt.bn.grad_gamma, bn.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(lt.bn.grad_beta, bn.bias.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(trace.layers[1].grad_W, W2.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(trainer.norms[0].mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(trainer.norms[0].var, bn.running_var.numpy(), rtol=1e-12)
