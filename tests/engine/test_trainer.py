"""Trainer: the published 2-2-2 numbers, batch accounting, determinism, rewind, live settings, divergence.

Where the expected values come from: the forward values, δ, ∂E/∂w5 and the updated weights of the 2-2-2 example
are the figures printed in Matt Mazur's "A Step by Step Backpropagation Example" (2015) to 9 decimals, so they
are checked to 1e-8. The other numbers are float64 values computed here and written down once:
0.291027774 is E after the first update (2910277736935993e-16; the blog works from rounded intermediates, so
its later digits may differ), 0.280471447 the same with trained biases (one bias per neuron, which the blog
does not do), and after 10 000 updates E = 3.5102e-5 with outputs 0.0159136 / 0.9840643, which agree with the
blog's reported figures at the checked precision (1e-7 for E, 1e-5 for the outputs).
The 50 000-sample / B = 256 → 196 iterations per epoch example is the lecture notes'.
"""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from engine import Config, Trainer

W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
TEXTBOOK = Config(dataset="two_two_two", hidden=(2,), activation="sigmoid", output="sigmoid", loss="half_sse",
                  lr=0.5, train_biases=False)


def textbook_trainer(**changes) -> Trainer:
    return Trainer(TEXTBOOK.replace(**changes), params=[(W1, np.full(2, 0.35)), (W2, np.full(2, 0.60))])


def test_two_two_two_published_numbers():
    trainer = textbook_trainer()
    tr = trainer.step()
    h, o = tr.layers
    assert h.a[0, 0] == pytest.approx(0.593269992, abs=1e-8)
    assert o.a[0, 0] == pytest.approx(0.75136507, abs=1e-8)
    assert o.a[0, 1] == pytest.approx(0.772928465, abs=1e-8)
    assert tr.loss == pytest.approx(0.298371109, abs=1e-8)
    assert o.grad_W[0, 0] == pytest.approx(0.082167041, abs=1e-8)
    np.testing.assert_allclose(o.W_after.ravel(), [0.35891648, 0.408666186, 0.511301270, 0.561370121], atol=1e-8)
    np.testing.assert_allclose(h.W_after.ravel(), [0.149780716, 0.19956143, 0.24975114, 0.29950229], atol=1e-8)
    # backward used the weights before the update, and W_after = W + update_W exactly
    np.testing.assert_array_equal(o.W, W2)
    np.testing.assert_array_equal(trainer.params[1][0], o.W + o.update_W)
    np.testing.assert_array_equal(o.update_b, 0.0)
    assert tr.train_loss == pytest.approx(0.291027774, abs=1e-8)


def test_two_two_two_with_biases_and_long_run():
    assert textbook_trainer(train_biases=True).step().train_loss == pytest.approx(0.280471447, abs=1e-8)
    trainer = textbook_trainer()
    trainer.run(10_000)
    assert trainer.history.last("train_loss") == pytest.approx(3.51e-5, abs=1e-7)
    np.testing.assert_allclose(trainer.predict(np.array([[0.05, 0.10]]))[0], [0.01591, 0.98406], atol=1e-5)


def test_batch_accounting_from_the_lecture_notes():
    cfg = Config(dataset="gaussians", n_samples=50_000, test_ratio=0.0, batch_mode="mini", batch_size=256,
                 hidden=(2,), lr=0.1)
    trainer = Trainer(cfg)
    assert trainer.batches_per_epoch == 196
    ran, last = trainer.run_epoch()
    assert ran == 196 and last.epoch == 1 and last.batch_in_epoch == 196
    assert len(last.batch_index) == 50_000 - 195 * 256  # the last partial batch is kept
    trainer.run(196 * 9)
    assert trainer.iteration == 1960 and trainer.epoch == 10


def test_each_epoch_visits_every_sample_once():
    trainer = Trainer(Config(n_samples=50, test_ratio=0.0, batch_mode="mini", batch_size=8))
    seen = np.concatenate([trainer.step().batch_index for _ in range(trainer.batches_per_epoch)])
    assert sorted(seen) == list(range(50))
    second = np.concatenate([trainer.step().batch_index for _ in range(trainer.batches_per_epoch)])
    assert sorted(second) == list(range(50)) and not np.array_equal(seen, second)  # reshuffled


def _same_numbers(a, b):
    assert a.loss == b.loss and a.train_loss == b.train_loss
    np.testing.assert_array_equal(a.batch_index, b.batch_index)
    for la, lb in zip(a.layers, b.layers):
        for f in ("W", "z", "a", "delta", "grad_W", "update_W", "update_b"):
            np.testing.assert_array_equal(getattr(la, f), getattr(lb, f))


@pytest.mark.parametrize("mode", ["full", "mini", "sgd"])
def test_determinism_same_seed_same_traces(mode):
    cfg = Config(batch_mode=mode, optimizer="adam", lr=0.01)
    a, b = Trainer(cfg), Trainer(cfg)
    for _ in range(25):
        _same_numbers(a.step(), b.step())


@pytest.mark.parametrize("mode", ["full", "mini", "sgd"])
def test_rewind_then_step_is_bit_for_bit_the_original(mode):
    cfg = Config(batch_mode=mode, batch_size=16, optimizer="momentum", lr=0.05)
    original = Trainer(cfg)
    traces = [original.step() for _ in range(57)]
    trainer = Trainer(cfg)
    trainer.run(57)
    for k in (0, 1, 9, 10, 23, 40, 56):
        restored = trainer.rewind(k)
        assert trainer.iteration == k and len(trainer.history) == k
        if k:
            _same_numbers(restored, traces[k - 1])
        _same_numbers(trainer.step(), traces[k])
        trainer.run(57 - trainer.iteration)
    np.testing.assert_array_equal(trainer.history.column("train_loss"), original.history.column("train_loss"))


def test_rewind_across_a_learning_rate_change_replays_the_old_rate():
    cfg = Config(batch_mode="mini", lr=0.3)
    trainer = Trainer(cfg)
    trainer.run(15)
    trainer.update_config(lr=0.05)
    trainer.run(15)
    reference = Trainer(cfg)
    reference.run(12)
    trainer.rewind(12)
    assert trainer.config.lr == 0.3
    np.testing.assert_array_equal(trainer.params[0][0], reference.params[0][0])


def test_live_changes_keep_the_weights_and_rebuild_fields_are_refused():
    trainer = Trainer(Config())
    trainer.run(5)
    before = [W.copy() for W, _ in trainer.params]
    trainer.update_config(lr=0.01)
    trainer.update_config(optimizer="adam")
    trainer.update_config(batch_mode="mini", batch_size=8)
    for W, W0 in zip((W for W, _ in trainer.params), before):
        np.testing.assert_array_equal(W, W0)
    assert trainer.step().lr == 0.01 and len(trainer.last_trace.batch_index) == 8
    with pytest.raises(ValueError, match="rebuild"):
        trainer.update_config(hidden=(3,))


def test_divergence_is_reported_not_applied():
    cfg = Config(dataset="plane", hidden=(16,) * 6, activation="relu", init="he_normal", init_scale=3.0, lr=50.0,
                 loss="mse")
    trainer = Trainer(cfg)
    statuses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(30):
            statuses.append(trainer.step().status)
    assert "diverged" in statuses
    first = statuses.index("diverged")
    assert trainer.iteration == first and trainer.diverged is not None
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in trainer.params)
    assert all(np.isfinite(trainer.history.column("train_loss")))
    # the last finite weights already give a loss of ~1e95, so a lower rate alone still overflows them;
    # a lower rate with the gradient clipped lets training go on from them
    trainer.update_config(lr=1e-4)
    assert trainer.diverged is None and not trainer.step().ok
    trainer.update_config(clip_norm=1.0)
    kept = [W.copy() for W, _ in trainer.params]
    after = trainer.run(5)
    assert after.ok and trainer.iteration == first + 5 and trainer.diverged is None
    assert not np.array_equal(trainer.params[0][0], kept[0])
    assert all(np.isfinite(W).all() for W, _ in trainer.params)


def test_regularization_is_reported_apart_and_in_the_gradient():
    trainer = Trainer(Config(l2=0.1, l1=0.01))
    tr = trainer.step()
    W = tr.layers[0].W
    penalty = sum(0.01 * np.abs(lt.W).sum() + 0.05 * (lt.W ** 2).sum() for lt in tr.layers)
    assert tr.reg_loss == pytest.approx(penalty, rel=1e-12)
    data_grad = tr.layers[0].delta.T @ tr.x / tr.x.shape[0]
    np.testing.assert_allclose(tr.layers[0].grad_W, data_grad + 0.1 * W + 0.01 * np.sign(W), rtol=1e-12)
    np.testing.assert_allclose(tr.layers[0].grad_b, tr.layers[0].delta.mean(axis=0), rtol=1e-12)


def test_gradient_clipping_by_norm_and_value():
    tr = Trainer(Config(lr=1.0, clip_norm=0.01)).step()
    assert tr.grad_norm > 0.01 and tr.clipped_norm == pytest.approx(0.01)
    total = math.sqrt(sum((lt.update_W ** 2).sum() + (lt.update_b ** 2).sum() for lt in tr.layers))
    assert total == pytest.approx(0.01)  # SGD with lr 1: the update is the clipped gradient
    tr = Trainer(Config(lr=1.0, clip_value=1e-3)).step()
    assert max(np.abs(lt.update_W).max() for lt in tr.layers) <= 1e-3 + 1e-15


def test_zero_init_keeps_hidden_units_identical():
    # sigmoid, not tanh: tanh(0) = 0 keeps every weight exactly 0, and "all rows equal" could not fail
    trainer = Trainer(Config(init="zeros", hidden=(4,), activation="sigmoid", dataset="xor_quadrants"))
    trainer.run(100)
    W = trainer.params[0][0]
    assert np.all(W[0] == W) and np.any(W != 0)


def test_memory_stays_bounded_for_ten_thousand_steps():
    trainer = Trainer(Config(hidden=(8, 8), n_samples=200))
    trainer.run(10_000)
    assert trainer.memory_bytes() < 20 * 2**20
    assert len(trainer.history) == 10_000
    trainer.rewind(4321)  # thinned snapshots still rewind exactly
    reference = Trainer(Config(hidden=(8, 8), n_samples=200))
    reference.run(4321)
    np.testing.assert_array_equal(trainer.params[1][0], reference.params[1][0])


def test_engine_imports_numpy_only():
    code = ("import sys, engine, engine.experiment, engine.csvdata; "
            "bad = [m for m in ('streamlit', 'plotly', 'pandas') if m in sys.modules]; print(bad); "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
    viz = "import sys, viz.network, viz.theme; sys.exit(1 if 'streamlit' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", viz], capture_output=True).returncode == 0


@pytest.mark.parametrize("dataset", ["circle", "spiral3"])
def test_accuracy_in_history_matches_the_predictions(dataset):
    trainer = Trainer(Config(dataset=dataset))
    trainer.run(20)
    out_train = trainer.predict(trainer.split.X_train * trainer.split.std + trainer.split.mean)
    out_test = trainer.predict(trainer.split.X_test * trainer.split.std + trainer.split.mean)
    if dataset == "spiral3":
        expected = [(o.argmax(1) == y.argmax(1)).mean() for o, y in
                    ((out_train, trainer.split.y_train), (out_test, trainer.split.y_test))]
    else:
        expected = [((o[:, 0] >= 0.5) == (y[:, 0] >= 0.5)).mean() for o, y in
                    ((out_train, trainer.split.y_train), (out_test, trainer.split.y_test))]
    assert [trainer.history.last("train_acc"), trainer.history.last("test_acc")] == pytest.approx(expected)


def test_history_rows_read_back_exactly_across_the_buffered_appends():
    from engine.history import PENDING_ROWS, SCALARS, History

    history = History(n_layers=2, capacity=4)   # small, so the columns grow while rows are buffered
    n = 3 * PENDING_ROWS + 5
    for i in range(n):
        history.append(tuple(float(i * 100 + k) for k in range(len(SCALARS))), [i, -i], [0.5 * i, 2.0])
        assert len(history) == i + 1
    assert history.last("loss") == (n - 1) * 100 + SCALARS.index("loss")
    np.testing.assert_array_equal(history.column("iteration"), np.arange(n) * 100.0)
    np.testing.assert_array_equal(history.grad_W_norm[:, 1], -np.arange(n))
    history.truncate(10)
    history.append(tuple([-1.0] * len(SCALARS)), [0, 0], [0, 0])
    assert len(history) == 11 and history.last("lr") == -1.0
    assert history.columns()["mean_abs_delta_1"][9] == 4.5


def test_the_default_experiment_trains_smoothly():
    """The default η (0.3, chosen by bench/default_lr.py) never makes the default experiment's loss rise."""
    trainer = Trainer(Config())
    trainer.run(500)
    loss = trainer.history.column("train_loss")
    assert np.all(np.diff(loss) < 0) and loss[-1] < 0.2 * loss[0]
    hot = Trainer(Config(lr=1.0))   # the old sidebar default spikes: the check can fail
    hot.run(500)
    assert np.any(np.diff(hot.history.column("train_loss")) > 0.1)


def test_memory_bytes_counts_every_buffer_once():
    trainer = Trainer(Config(n_samples=400))
    trainer.run(30)
    trace = trainer.last_trace
    # the full-batch trace shows the training rows, views into the evaluation pass over training and test rows;
    # its size counts those whole buffers, test rows included
    n_all = trainer.n_train + len(trainer.split.X_test)
    assert all(lt.z.shape[0] == trainer.n_train and lt.z.base.shape[0] == n_all for lt in trace.layers)
    assert trace.nbytes >= 2 * 8 * n_all * sum(trainer.sizes[1:])
    held = trainer.memory_bytes()
    # traces share the training inputs; everything else in them is their own
    own = sum(t.nbytes - t.x.nbytes - t.y.nbytes - t.batch_index.nbytes for t in trainer.traces)
    assert held > own + trainer.history.nbytes() + trainer.dataset.X.nbytes
    assert held < 4 * 2**20
