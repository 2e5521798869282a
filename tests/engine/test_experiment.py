"""Saving an experiment as JSON and loading it back: an exact restore, or ExperimentError with a plain reason.

The corpus (harness/experiment_corpus.py) holds valid files (each must continue bit-for-bit) and malformed ones
(truncated, wrong types, NaN/inf, over the limits, deep nesting, huge numbers, injected markup in names); every
one must load or be refused within a time and memory bound.
"""

import json
import time
import tracemalloc

import numpy as np
import pytest

from engine import Config, Trainer, limits
from engine import experiment as ex
from engine.experiment import FORMAT, ExperimentError, from_json, to_json
from harness.experiment_corpus import BAD, VALID, bad_text, trained

MAX_SECONDS = 3.0
MAX_PEAK_BYTES = 60 * 2**20


def _bounded(call):
    """Run call() and return its result, asserting the time and memory bounds."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        return call()
    finally:
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s"
        assert peak < MAX_PEAK_BYTES, f"peak {peak / 2**20:.0f} MB"


def _same_state(a: Trainer, b: Trainer) -> None:
    assert a.iteration == b.iteration and a.config == b.config
    for (W, bb), (W2, b2) in zip(a.params, b.params):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(bb, b2)
    for name, column in a.history.columns().items():
        np.testing.assert_array_equal(column, b.history.columns()[name])


@pytest.mark.parametrize("case", list(VALID))
def test_valid_files_restore_exactly_and_step_on_identically(case):
    original = VALID[case]()
    text = to_json(original, custom_data=original.custom_data)
    loaded, message = _bounded(lambda: from_json(text))
    assert message.startswith("Restored exactly")
    _same_state(loaded, original)
    if original.iteration:
        assert loaded.last_trace is not None and loaded.last_trace.iteration == original.iteration
    for _ in range(7):
        a, b = original.step(), loaded.step()
        assert a.loss == b.loss and a.train_loss == b.train_loss
        for la, lb in zip(a.layers, b.layers):
            np.testing.assert_array_equal(la.update_W, lb.update_W)
            np.testing.assert_array_equal(la.update_b, lb.update_b)
    _same_state(loaded, original)


def test_rewinding_a_loaded_run_matches_the_original():
    original = trained(Config(batch_mode="mini", optimizer="momentum", lr=0.05), 57, change={"batch_size": 8})
    loaded, _ = from_json(to_json(original))
    for k in (0, 13, 40, 57):
        np.testing.assert_array_equal(loaded.params_at(k)[0][0], original.params_at(k)[0][0])
    loaded.rewind(20)
    original.rewind(20)
    _same_state(loaded, original)


def test_a_file_over_the_limit_keeps_the_weights_as_a_new_start(monkeypatch):
    trainer = trained(Config(), 50)
    monkeypatch.setattr(ex, "MAX_JSON_BYTES", 4000)
    text = to_json(trainer)
    monkeypatch.undo()
    loaded, message = from_json(text)
    assert "new starting point" in message and loaded.iteration == 0
    np.testing.assert_array_equal(loaded.params[0][0], trainer.params[0][0])


# ---- the first file format still loads --------------------------------------------------------------
def _v1(trainer: Trainer, **changes) -> str:
    def params(ps):
        return [{"W": W.tolist(), "b": b.tolist()} for W, b in ps]

    doc = {"format": "backprop-visualizer/1", "config": trainer.config.to_dict(), "iteration": trainer.iteration,
           "initial_params": params(trainer.initial_params), "params": params(trainer.params),
           "settings_changed": trainer.settings_changed}
    doc.update(changes)
    return json.dumps(doc)


def test_first_format_files_replay_when_the_replay_is_bounded():
    trainer = trained(Config(batch_mode="mini", optimizer="adam", lr=0.01), 80)
    loaded, message = from_json(_v1(trainer))
    assert "exactly" in message
    _same_state(loaded, trainer)
    changed = trained(Config(), 5, change={"lr": 0.1})
    loaded, message = from_json(_v1(changed))
    assert "new starting point" in message and loaded.iteration == 0
    # a replay beyond the work limit is not attempted: the weights become the start
    big = trained(Config(hidden=(64,) * 3, n_samples=1000), 1)
    claimed = limits.REPLAY_WORK.hi // limits.replay_work(1, big.batch_size, big.sizes) + 10
    loaded, message = _bounded(lambda: from_json(_v1(big, iteration=claimed)))
    assert "new starting point" in message


# ---- malformed files -------------------------------------------------------------------------------
def test_the_corpus_is_large_enough():
    assert len(VALID) + len(BAD) + 4 >= 30   # + the rewind, over-the-limit and two first-format files


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_files_are_refused_with_a_plain_reason(case):
    text, words = bad_text(case), BAD[case][1]
    with pytest.raises(ExperimentError, match=words) as refused:
        _bounded(lambda: from_json(text))
    message = str(refused.value)
    assert 0 < len(message) < 300 and "Traceback" not in message


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(ExperimentError, match="MB limit"):
        from_json(" " * (limits.FILE_BYTES + 1))


def test_files_name_their_format():
    assert json.loads(to_json(Trainer(Config())))["format"] == FORMAT
