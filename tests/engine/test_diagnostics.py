"""Gradient diagnostics: the Glorot–Bengio ratios at initialisation, and every statistic against direct NumPy."""

import math

import numpy as np
import pytest

from engine import Config, Net, Trainer
from engine.diagnostics import (
    Comparison,
    activation_values,
    comparison_for,
    dead_units,
    first_last_ratio,
    grad_rms_over_time,
    gradient_snapshot,
    layer_histograms,
    log_abs_delta_values,
    saturation_fraction,
    trainer_snapshot,
)
from engine.gradcheck import numeric_gradients

SEEDS = range(5)


def init_delta_ratio(config: Config, seeds) -> float:
    """Return the first/last hidden-layer ratio of mean |δ| at initialisation, averaged over weight seeds."""
    ratios = [first_last_ratio(trainer_snapshot(Trainer(config.replace(seed=s))).mean_abs_delta)
              for s in seeds]
    return float(np.mean(ratios))

# depth 6, width 32, half_sse, 200 points of a 2-D set (all used for training)
GLOROT = Config(dataset="circle", n_samples=200, test_ratio=0.0, hidden=(32,) * 6, loss="half_sse")


def _ratio(activation: str, init: str) -> float:
    return init_delta_ratio(GLOROT.replace(activation=activation, init=init), SEEDS)


@pytest.fixture(scope="module")
def ratios() -> dict[tuple[str, str], float]:
    pairs = [("sigmoid", "standard"), ("tanh", "standard"), ("tanh", "xavier_uniform"), ("relu", "standard"),
             ("relu", "he_normal")]
    return {p: _ratio(*p) for p in pairs}


def test_sigmoid_ratio_is_over_100x_smaller_than_tanh_under_standard_init(ratios):
    sigmoid, tanh = ratios["sigmoid", "standard"], ratios["tanh", "standard"]
    assert sigmoid < tanh / 100
    # σ′ ≤ 1/4 and the weights' gain is 1/√3 per layer: five layers of ≈ 0.14 → order 1e-5 … 1e-4
    assert 1e-6 < sigmoid < 1e-3


def test_xavier_brings_tanh_and_he_brings_relu_much_closer_to_1(ratios):
    def decades_from_1(r: float) -> float:
        return abs(math.log10(r))

    assert decades_from_1(ratios["tanh", "xavier_uniform"]) < 0.3 < 1.0 < decades_from_1(ratios["tanh", "standard"])
    assert decades_from_1(ratios["relu", "he_normal"]) < 0.3 < 1.5 < decades_from_1(ratios["relu", "standard"])


def test_the_ratio_is_the_one_the_page_shows():
    cfg = GLOROT.replace(init="standard", seed=3)
    snaps = Comparison(cfg).snapshots()
    for act in ("sigmoid", "tanh", "relu"):
        shown = first_last_ratio(snaps[act].mean_abs_delta)
        assert shown == pytest.approx(init_delta_ratio(cfg.replace(activation=act), [3]), rel=1e-12)


# ---- a fixed small net checked against direct NumPy -------------------------------------------------

X = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 0.8], [0.1, 0.1]])
Y = np.array([[1.0], [0.0], [1.0], [0.0]])
PARAMS = [
    (np.array([[1.5, -2.0], [0.4, 3.0], [-1.0, 0.5]]), np.array([0.1, -0.2, -9.0])),
    (np.array([[0.7, -1.1, 2.0], [-0.3, 0.9, 0.4], [4.0, -0.6, 1.0]]), np.array([0.0, 0.3, -0.1])),
    (np.array([[1.2, -0.8, 0.5]]), np.array([0.2])),
]
DIRECT_F = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: (z > 0) * 1.0),
}


def _direct(activation: str):
    """Per-sample loops, written independently of the engine: (zs, deltas, grads_W) per layer."""
    f, df = DIRECT_F[activation]
    sig, dsig = DIRECT_F["sigmoid"]
    zs = [np.zeros((4, 3)), np.zeros((4, 3)), np.zeros((4, 1))]
    deltas = [np.zeros((4, 3)), np.zeros((4, 3)), np.zeros((4, 1))]
    grads = [np.zeros_like(W) for W, _ in PARAMS]
    for i in range(4):
        a = [X[i]]
        for l, (W, b) in enumerate(PARAMS):
            z = W @ a[-1] + b
            zs[l][i] = z
            a.append(sig(z) if l == 2 else f(z))
        d = (a[-1] - Y[i]) * dsig(zs[2][i])               # ½(t − o)² with a sigmoid output
        deltas[2][i] = d
        for l in (1, 0):
            d = (PARAMS[l + 1][0].T @ d) * df(zs[l][i])
            deltas[l][i] = d
        for l in range(3):
            grads[l] += np.outer(deltas[l][i], a[l]) / 4
    return zs, deltas, grads


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_mean_abs_delta_and_per_element_norm_match_direct_numpy(activation):
    snap = gradient_snapshot(Net.build(activation, "sigmoid", "half_sse"), PARAMS, X, Y)
    _, deltas, grads = _direct(activation)
    np.testing.assert_allclose(snap.mean_abs_delta, [np.abs(d).mean() for d in deltas], rtol=1e-12)
    expected_rms = [np.sqrt((g**2).sum() / (g.shape[0] * g.shape[1])) for g in grads]
    np.testing.assert_allclose(snap.grad_W_rms, expected_rms, rtol=1e-12)
    # and the gradients themselves against central differences
    numeric = numeric_gradients(Net.build(activation, "sigmoid", "half_sse"), PARAMS, X, Y)
    for (gW, _), g in zip(numeric, snap.grads_W):
        np.testing.assert_allclose(g, gW, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_saturation_fraction_matches_direct_numpy(activation):
    snap = gradient_snapshot(Net.build(activation, "sigmoid", "half_sse"), PARAMS, X, Y)
    zs, _, _ = _direct(activation)
    slope = DIRECT_F[activation][1]
    expected = [(slope(z) == 0).mean() if activation == "relu" else (slope(z) < 0.05).mean() for z in zs[:2]]
    np.testing.assert_allclose(saturation_fraction(snap), expected, rtol=0, atol=1e-15)


def test_saturation_counts_known_cells():
    # hidden unit 3 of layer 1 has bias −9: σ′ ≈ 1e-4 and ReLU 0 on every sample
    sig = gradient_snapshot(Net.build("sigmoid", "sigmoid", "half_sse"), PARAMS, X, Y)
    relu = gradient_snapshot(Net.build("relu", "sigmoid", "half_sse"), PARAMS, X, Y)
    assert saturation_fraction(sig)[0] >= 1 / 3
    assert dead_units(relu)[0] == 1
    assert dead_units(sig).tolist() == [0, 0]
    z1 = X @ PARAMS[0][0].T + PARAMS[0][1]
    assert saturation_fraction(relu)[0] == pytest.approx((z1 <= 0).mean())


def test_first_last_ratio_leaves_the_output_layer_out():
    assert first_last_ratio(np.array([1e-4, 1e-3, 1e-2, 5.0])) == pytest.approx(1e-2)
    with pytest.raises(ValueError):
        first_last_ratio(np.array([1.0, 2.0]))


def test_layer_histograms_are_shares_per_bin():
    centres, rows = layer_histograms([np.array([0.1, 0.2, 0.9]), np.array([0.6, np.nan])], 0.0, 1.0, bins=2)
    np.testing.assert_allclose(centres, [0.25, 0.75])
    np.testing.assert_allclose(rows, [[2 / 3, 1 / 3], [0.0, 1.0]])


def test_relu_zeros_left_out_of_histograms():
    relu = gradient_snapshot(Net.build("relu", "sigmoid", "half_sse"), PARAMS, X, Y)
    a1 = relu.acts[0]
    assert activation_values(relu)[0].size == np.count_nonzero(a1)
    d1 = relu.deltas[0]
    np.testing.assert_allclose(np.sort(log_abs_delta_values(relu)[0]), np.sort(np.log10(np.abs(d1[d1 != 0]))))


# ---- stepping several nets together -----------------------------------------------------------------

SMALL = Config(dataset="circle", n_samples=60, test_ratio=0.0, hidden=(8,) * 3, loss="half_sse", init="standard",
               batch_mode="mini", batch_size=16, lr=0.5)


def test_comparison_nets_start_equal_and_see_the_same_batches():
    comp = Comparison(SMALL, ("sigmoid", "tanh", "relu"))
    starts = [t.initial_params for t in comp.trainers.values()]
    for other in starts[1:]:
        for (W0, b0), (W, b) in zip(starts[0], other):
            np.testing.assert_array_equal(W0, W)
            np.testing.assert_array_equal(b0, b)
    # same start as a lone Trainer with the same seed
    lone = Trainer(SMALL.replace(activation="tanh")).params
    np.testing.assert_array_equal(lone[0][0], starts[0][0][0])
    comp.run(7)
    assert [t.iteration for t in comp.trainers.values()] == [7, 7, 7]
    batches = [t.last_trace.batch_index for t in comp.trainers.values()]
    assert all(np.array_equal(batches[0], b) for b in batches[1:])


def test_a_diverged_net_stops_while_the_others_go_on():
    wild = SMALL.replace(hidden=(16,) * 12, loss="bce", init_scale=8.0, lr=1.0, batch_mode="full")
    comp = Comparison(wild, ("relu", "sigmoid"))
    newly = comp.run(20)
    assert newly == ["relu"] and comp.diverged_at == {"relu": 2}
    assert comp.trainers["relu"].iteration == 1
    comp.run(3)
    assert comp.trainers["relu"].iteration == 1 and comp.trainers["sigmoid"].iteration == 5
    assert all(np.isfinite(W).all() for W, _ in comp.trainers["relu"].params)
    # clipping (a live setting) keeps the weights and lets it try again
    comp, rebuilt = comparison_for(comp, wild.replace(clip_norm=1.0), ("relu", "sigmoid"))
    assert rebuilt == [] and comp.diverged_at == {}
    comp.run(5)
    assert comp.diverged_at == {} and comp.trainers["relu"].iteration == 6


def test_comparison_for_names_what_forced_a_rebuild():
    comp = Comparison(SMALL)
    comp.run(2)
    same, rebuilt = comparison_for(comp, SMALL.replace(lr=0.1), ("sigmoid", "tanh", "relu"))
    assert same is comp and rebuilt == [] and comp.iteration == 2 and comp.config.lr == 0.1
    new, rebuilt = comparison_for(comp, SMALL.replace(lr=0.1, hidden=(8,) * 4, init="he_normal"), ("tanh",))
    assert new is not comp and new.iteration == 0
    assert rebuilt == ["hidden", "init", "activations"]


def test_gradient_over_time_rows_are_the_gradients_at_each_past_weights():
    full = SMALL.replace(batch_mode="full")
    comp = Comparison(full, ("tanh",))
    trainer = comp.trainers["tanh"]
    comp.run(4)
    its, rows = grad_rms_over_time(trainer)
    assert its.tolist() == [0, 1, 2, 3, 4] and rows.shape == (5, 4)
    for j in (0, 2, 4):
        at_j = gradient_snapshot(trainer.net, trainer.params_at(j), trainer.split.X_train, trainer.split.y_train)
        np.testing.assert_allclose(rows[j], at_j.grad_W_rms, rtol=1e-10)
    np.testing.assert_allclose(rows[-1], trainer_snapshot(trainer).grad_W_rms, rtol=0)


def test_the_compared_nets_share_one_cell_limit():
    big = Config(dataset="circle", n_samples=216, test_ratio=0.0, hidden=(64,) * 12)
    assert len(Comparison(big).trainers) == 3          # 3 × 216 × 771 = 499,608 ≤ 500,000
    with pytest.raises(ValueError, match="3 nets × 217 rows × 771"):
        Comparison(big.replace(n_samples=217))
    assert len(Comparison(big.replace(n_samples=648), ("relu",)).trainers) == 1   # one net: 648 × 771
