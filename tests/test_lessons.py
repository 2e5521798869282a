"""Every lesson's claim, checked on exactly the Config its shareable link opens.

Lesson 2's reference is the lecture notes' listing itself, written out below (its own global-seeded NumPy calls,
with the global generator's state put back afterwards): the app must give its predictions to 1e-12.
"""

from urllib.parse import parse_qs

import numpy as np
import pytest

from engine import Trainer
from engine.diagnostics import dead_units, first_last_ratio, mean_abs_delta, trainer_snapshot
from engine.worked import error_after, first_step
from ui.lessons import BY_NUMBER, LESSONS
from ui.settings import BY_KEY, url_problems

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def trained(lesson: int, variant: str, steps: int) -> Trainer:
    trainer = Trainer(BY_NUMBER[lesson].config(variant))
    trainer.run(steps)
    return trainer


def test_there_are_twelve_lessons_with_valid_links():
    assert [lesson.number for lesson in LESSONS] == list(range(1, 13))
    for lesson in LESSONS:
        for variant in lesson.variants:
            params = {k: v[0] for k, v in parse_qs(lesson.query(variant)).items()}
            assert url_problems(params) == []
            # the link's values parse back to the lesson's settings
            settings = lesson.settings(variant)
            for key, text in params.items():
                if key in BY_KEY:
                    assert BY_KEY[key].parse(text) == settings[key]


def test_1_worked_example():
    _, trace = first_step()
    assert trace.loss == pytest.approx(0.298371109, abs=1e-9)
    assert error_after(trace) == pytest.approx(0.291027774, abs=1e-9)


def listing(seed: int, epochs: int = 10_000) -> np.ndarray:
    """The lecture notes' XOR listing, as printed (global seed, (n_in, n_out) matrices, error summed, lr 0.1);
    returns its final predictions for the four inputs."""
    saved = np.random.get_state()
    try:
        np.random.seed(seed)
        inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
        expected_output = np.array([[0], [1], [1], [0]])
        hidden_weights = np.random.uniform(size=(2, 2))
        output_weights = np.random.uniform(size=(2, 1))
        hidden_bias = np.random.uniform(size=(1, 2))
        output_bias = np.random.uniform(size=(1, 1))
    finally:
        np.random.set_state(saved)

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def sigmoid_derivative(x):
        return x * (1 - x)

    lr = 0.1
    for _ in range(epochs):
        hidden_layer_output = sigmoid(np.dot(inputs, hidden_weights) + hidden_bias)
        predicted_output = sigmoid(np.dot(hidden_layer_output, output_weights) + output_bias)
        error = expected_output - predicted_output
        d_predicted_output = error * sigmoid_derivative(predicted_output)
        error_hidden_layer = d_predicted_output.dot(output_weights.T)
        d_hidden_layer = error_hidden_layer * sigmoid_derivative(hidden_layer_output)
        output_weights += hidden_layer_output.T.dot(d_predicted_output) * lr
        output_bias += np.sum(d_predicted_output, axis=0, keepdims=True) * lr
        hidden_weights += inputs.T.dot(d_hidden_layer) * lr
        hidden_bias += np.sum(d_hidden_layer, axis=0, keepdims=True) * lr
    hidden_layer_output = sigmoid(np.dot(inputs, hidden_weights) + hidden_bias)
    return sigmoid(np.dot(hidden_layer_output, output_weights) + output_bias)[:, 0]


@pytest.mark.parametrize("seed", range(10))
def test_2_the_app_runs_the_lecture_listing_exactly(seed):
    cfg = BY_NUMBER[2].config("learns (seed 0)").replace(seed=seed)
    trainer = Trainer(cfg)
    trainer.run(10_000)
    np.testing.assert_allclose(trainer.predict(XOR_INPUTS)[:, 0], listing(seed), rtol=0, atol=1e-12)
    np.testing.assert_allclose(trainer.predict(XOR_INPUTS)[:, 0], [0, 1, 1, 0], atol=0.1)   # seeds 0–9 all learn


def test_2_xor_learns_with_seed_0_and_gets_stuck_with_seed_10():
    good = trained(2, "learns (seed 0)", 10_000)
    np.testing.assert_allclose(good.predict(XOR_INPUTS)[:, 0], [0.06, 0.94, 0.94, 0.06], atol=0.005)
    stuck = trained(2, "stuck (seed 10)", 10_000)
    out = stuck.predict(XOR_INPUTS)[:, 0]
    np.testing.assert_allclose(out, listing(10), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[[1, 3]], 0.5, atol=0.01)     # (0, 1) and (1, 1) undecided
    loss = stuck.history.column("train_loss")
    # a plateau over E/4 = 0.25/4 (½·0.5² on two inputs): 5 000 more epochs take off less than 0.005
    assert loss[-1] > 0.0625 and loss[4_999] - loss[-1] < 0.005


def test_3_learning_rate_too_high_oscillates_then_diverges():
    trainer = Trainer(BY_NUMBER[3].config("η = 1 (diverges)"))
    statuses = [trainer.step().status for _ in range(200)]
    assert "diverged" in statuses
    losses = trainer.history.column("train_loss")
    assert losses[5] > 10 * losses[0]  # growing swings before the overflow
    calm = trained(3, "η = 0.1 (converges)", 200)
    assert calm.diverged is None and calm.history.last("train_loss") < calm.history.column("train_loss")[0]


def test_4_learning_rate_too_low_barely_moves():
    slow, fast = trained(4, "η = 0.001", 200), trained(4, "η = 1", 200)

    def drop(t):
        loss = t.history.column("train_loss")
        return 1 - loss[-1] / loss[0]

    assert drop(slow) < 0.01 and drop(fast) > 0.4


def test_5_deep_sigmoid_gradients_vanish():
    trainer = Trainer(BY_NUMBER[5].config())
    delta = mean_abs_delta(trainer_snapshot(trainer).deltas)
    assert delta[0] / delta[-2] < 1e-2  # first hidden layer vs last hidden layer


def test_6_relu_high_learning_rate_kills_units():
    hot, calm = trained(6, "η = 5", 200), trained(6, "η = 0.1", 200)
    dead_hot = dead_units(trainer_snapshot(hot)).sum()
    assert dead_hot > 0 and dead_hot > dead_units(trainer_snapshot(calm)).sum()


def test_7_sgd_is_noisiest_full_batch_smoothest():
    def roughness(variant):
        loss = trained(7, variant, 160).history.column("loss")
        return np.abs(np.diff(loss)).mean()

    full, mini, sgd = roughness("full batch"), roughness("mini-batch 16"), roughness("SGD")
    assert full < mini < sgd


def test_8_overfitting_and_l2():
    plain, l2 = trained(8, "no regularization", 2000), trained(8, "L2 = 0.01", 2000)
    test_plain = plain.history.column("test_loss")
    assert plain.split.X_train.shape[0] == 20
    assert plain.history.last("train_loss") < 0.01 and test_plain[-1] > 2 * test_plain.min()
    assert l2.history.last("test_loss") < 0.5 * test_plain[-1]


def test_9_zero_init_keeps_hidden_units_identical():
    W = trained(9, "zeros", 100).params[0][0]
    assert np.all(W[0] == W) and np.any(W != 0)


def test_11_dropout_closes_the_train_test_gap():
    plain, dropped = trained(11, "no dropout", 3000), trained(11, "dropout p = 0.5", 3000)
    assert plain.split.X_train.shape[0] == 20
    train, test = plain.history.column("train_loss"), plain.history.column("test_loss")
    assert train[-1] < 0.015 and test[-1] > 1.2 and test[999] < 0.3 and test.min() < 0.26
    d_train, d_test = dropped.history.column("train_loss"), dropped.history.column("test_loss")
    assert 0.13 < d_train[-1] < 0.2 and d_test[-1] < 0.45
    assert d_test[-1] - d_train[-1] < 0.3 < 1.2 < test[-1] - train[-1]


def test_12_batch_norm_trains_the_deep_sigmoid_net_that_stalls_without_it():
    plain, normed = Trainer(BY_NUMBER[12].config("no batch norm")), Trainer(BY_NUMBER[12].config("batch norm"))
    assert first_last_ratio(trainer_snapshot(plain).mean_abs_delta) < 5e-4
    for trainer in (plain, normed):
        trainer.run(200)
    assert 1 <= first_last_ratio(trainer_snapshot(normed).mean_abs_delta) <= 10
    assert normed.history.last("train_acc") >= 0.95
    normed.run(300)
    assert normed.history.last("test_acc") >= 0.95
    plain.run(300)
    loss = plain.history.column("train_loss")
    assert np.abs(loss - np.log(2)).max() < 1e-3 and plain.history.last("train_acc") < 0.55


def test_10_mse_slows_down_on_a_saturated_output():
    mse, ce = Trainer(BY_NUMBER[10].config("MSE")), Trainer(BY_NUMBER[10].config("cross-entropy"))
    d_mse = np.abs(mse.step().layers[-1].delta).mean()
    d_ce = np.abs(ce.step().layers[-1].delta).mean()
    assert d_mse < d_ce / 20
    mse.run(299)
    ce.run(299)
    assert ce.history.last("train_acc") == 1.0 and mse.history.last("train_acc") < 0.95
