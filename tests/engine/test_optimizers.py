"""Every registered optimizer against a hand-written reference, one state per parameter (as PyTorch keeps it),
and frozen biases that stay frozen.

The references below are written from the published update rules, independently of engine/optim.py:
SGD θ ← θ − ηg; heavy-ball momentum v ← μv − ηg, θ ← θ + v (Sutskever et al. 2013, eq. 1); Adam as in
Kingma & Ba (2015), Algorithm 1, which is also torch.optim.Adam's step with its per-parameter step count.
"""

import math

import numpy as np
import pytest

from engine import Config, Trainer
from engine.optim import OPTIMIZER_RULES, scheduled_lr


class SGD:
    def __init__(self, cfg):
        self.lr = cfg.lr

    def step(self, g):
        return -self.lr * g


class Momentum:
    def __init__(self, cfg):
        self.lr, self.mu, self.v = cfg.lr, cfg.momentum, 0.0

    def step(self, g):
        self.v = self.mu * self.v - self.lr * g
        return self.v


class Adam:
    def __init__(self, cfg):
        self.lr, self.b1, self.b2, self.eps = cfg.lr, cfg.beta1, cfg.beta2, cfg.eps
        self.m = self.v = 0.0
        self.t = 0   # this parameter's own step count

    def step(self, g):
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * g
        self.v = self.b2 * self.v + (1 - self.b2) * g * g
        m_hat = self.m / (1 - self.b1**self.t)
        v_hat = self.v / (1 - self.b2**self.t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


REFERENCES = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
ISSUE_15 = Config(dataset="moons", n_samples=40, test_ratio=0.2, hidden=(6, 5), activation="tanh", loss="bce",
                  init="xavier_uniform", seed=3, batch_mode="mini", batch_size=8, optimizer="momentum", lr=0.1)
STEP_LR = {"sgd": 0.1, "momentum": 0.1, "adam": 0.01}


def test_every_optimizer_has_a_reference():
    missing = set(OPTIMIZER_RULES) - set(REFERENCES)
    assert not missing, f"write a hand-written reference for {missing} in this file"


@pytest.mark.parametrize("name", list(OPTIMIZER_RULES))
def test_updates_match_the_reference_per_parameter_with_biases_frozen_then_trained(name):
    """Biases frozen for 3 steps, then trained: each parameter's updates equal its own reference optimizer's."""
    cfg = ISSUE_15.replace(optimizer=name, lr=STEP_LR.get(name, 0.01), train_biases=False)
    trainer = Trainer(cfg)
    refs = {(l, kind): REFERENCES[name](cfg) for l in range(trainer.n_layers) for kind in "Wb"}
    for k in range(7):
        if k == 3:
            trainer.update_config(train_biases=True)
        trace = trainer.step()
        for l, lt in enumerate(trace.layers):
            np.testing.assert_allclose(lt.update_W, refs[l, "W"].step(lt.grad_W), rtol=1e-12, atol=1e-15)
            if trainer.config.train_biases:
                np.testing.assert_allclose(lt.update_b, refs[l, "b"].step(lt.grad_b), rtol=1e-12, atol=1e-15)
            else:
                assert not lt.update_b.any()


@pytest.mark.parametrize(("name", "lr"), [("momentum", 0.1), ("adam", 0.01)])
def test_unticking_train_biases_mid_run_freezes_them_exactly(name, lr):
    """Issue 15: with momentum (lr 0.1) or Adam (lr 0.01) the stored velocity/moments moved frozen biases by
    1.9e-3 / 6.9e-3. Frozen must mean frozen."""
    trainer = Trainer(ISSUE_15.replace(optimizer=name, lr=lr))
    trainer.run(3)
    assert any(lt.update_b.any() for lt in trainer.last_trace.layers)   # they did move while trained
    before = [b.copy() for _, b in trainer.params]
    trainer.update_config(train_biases=False)
    for _ in range(3):
        trace = trainer.step()
        assert all(not lt.update_b.any() for lt in trace.layers)
        assert all(lt.update_W.any() for lt in trace.layers)
    for (_, b), b0 in zip(trainer.params, before):
        np.testing.assert_array_equal(b, b0)


def test_adam_bias_step_after_unfreezing_is_a_first_step():
    """After 5 frozen steps the biases' first Adam step is −η·g/(|g| + ε) (t = 1 for them, as in PyTorch), not
    the 0.58× a shared step count (t = 6) gives."""
    trainer = Trainer(ISSUE_15.replace(optimizer="adam", lr=0.01, train_biases=False))
    trainer.run(5)
    trainer.update_config(train_biases=True)
    trace = trainer.step()
    for lt in trace.layers:
        np.testing.assert_allclose(lt.update_b, -0.01 * lt.grad_b / (np.abs(lt.grad_b) + 1e-8), rtol=1e-12)
        shared = -0.01 * (0.1 * lt.grad_b / (1 - 0.9**6)) / (np.sqrt(0.001 * lt.grad_b**2 / (1 - 0.999**6)) + 1e-8)
        assert not np.allclose(lt.update_b, shared, rtol=0.1)


@pytest.mark.parametrize("name", list(OPTIMIZER_RULES))
def test_a_new_optimizer_keeps_the_contract(name):
    """What every entry must do, so a new one is checked without new tests: zero gradient from a fresh state
    does nothing, its state is new arrays (never changed in place), and it descends a quadratic."""
    rule, cfg = OPTIMIZER_RULES[name], Config(lr=0.05)
    hyper = {h: getattr(cfg, h) for h in rule.hyper}
    theta = np.array([1.0, -2.0, 0.5])
    state = rule.init(theta)
    step, _ = rule.update(np.zeros_like(theta), state, 0.05, hyper)
    np.testing.assert_array_equal(step, 0.0)
    frozen = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    for _ in range(200):
        step, state_next = rule.update(theta, state, 0.05, hyper)   # g = θ for the loss ½‖θ‖²
        for k, v in frozen.items():
            np.testing.assert_array_equal(state[k], v)
        theta, state = theta + step, state_next
        frozen = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    assert np.abs(theta).max() < 0.1


@pytest.mark.parametrize("name", list(OPTIMIZER_RULES))
def test_w_after_is_w_plus_update_and_grad_norm_leaves_frozen_biases_out(name):
    trainer = Trainer(Config(optimizer=name, lr=STEP_LR.get(name, 0.01), train_biases=False))
    trace = trainer.step()
    for lt, (W, b) in zip(trace.layers, trainer.params):
        np.testing.assert_array_equal(W, lt.W + lt.update_W)
        np.testing.assert_array_equal(b, lt.b)
    weights_only = math.sqrt(sum(float((lt.grad_W**2).sum()) for lt in trace.layers))
    assert trace.grad_norm == pytest.approx(weights_only, rel=1e-12)
    assert trace.full_grad_norm > trace.grad_norm   # the displayed grad_b is in the full norm


def test_schedules():
    assert scheduled_lr(1.0, "step", 1, 0.5, 10) == 1.0
    assert scheduled_lr(1.0, "step", 11, 0.5, 10) == 0.5
    assert scheduled_lr(1.0, "exponential", 21, 0.5, 10) == pytest.approx(0.25)
    assert scheduled_lr(1.0, "inv_t", 11, 1.0, 10) == pytest.approx(0.5)
