"""Every lesson's claim, checked on exactly the Config its shareable link opens."""

from urllib.parse import parse_qs

import numpy as np
import pytest

from engine import Trainer
from engine.diagnostics import dead_units, mean_abs_delta, trainer_snapshot
from engine.worked import error_after, first_step
from ui.lessons import BY_NUMBER, LESSONS
from ui.settings import BY_KEY, url_problems

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def trained(lesson: int, variant: str, steps: int) -> Trainer:
    trainer = Trainer(BY_NUMBER[lesson].config(variant))
    trainer.run(steps)
    return trainer


def test_there_are_ten_lessons_with_valid_links():
    assert [lesson.number for lesson in LESSONS] == list(range(1, 11))
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


def test_2_xor_learns_with_seed_0_and_gets_stuck_with_seed_8():
    good = trained(2, "learns (seed 0)", 3000)
    np.testing.assert_allclose(good.predict(XOR_INPUTS)[:, 0], [0, 1, 1, 0], atol=0.1)
    stuck = trained(2, "stuck (seed 8)", 20_000)
    out = stuck.predict(XOR_INPUTS)[:, 0]
    assert np.any(np.abs(out - 0.5) < 0.05)          # one input stays undecided
    assert stuck.history.last("train_loss") > 0.05    # and the loss plateaus
    assert stuck.history.column("train_loss")[9_999] - stuck.history.last("train_loss") < 0.005


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


def test_10_mse_slows_down_on_a_saturated_output():
    mse, ce = Trainer(BY_NUMBER[10].config("MSE")), Trainer(BY_NUMBER[10].config("cross-entropy"))
    d_mse = np.abs(mse.step().layers[-1].delta).mean()
    d_ce = np.abs(ce.step().layers[-1].delta).mean()
    assert d_mse < d_ce / 20
    mse.run(299)
    ce.run(299)
    assert ce.history.last("train_acc") == 1.0 and mse.history.last("train_acc") < 0.95
