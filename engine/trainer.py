"""The Trainer: one experiment's state, stepped one iteration at a time, rewindable exactly.

One step is the story told by `Trainer.step`: pick the batch → forward and backward (engine/network.py) →
penalty, frozen biases and clipping → the optimizer's update (engine/optim.py) → check, apply and record.

The trained parameters are W and b of every layer, and γ and β of every batch-normalised layer, each with its own
optimizer state, in one order: W1, b1, (γ1, β1,) W2, b2, … (`trained_parameters`). The running statistics of batch
norm are not trained: each training pass moves them (network.running_stats), and evaluation reads them.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import limits
from .config import LIVE_FIELDS, Config
from .data import Dataset, Split, make_dataset, split_dataset
from .history import History
from .initializers import initial_params
from .losses import labels_problem, penalty, penalty_gradients, resolve_loss
from .network import (
    BatchNorm,
    Gradients,
    LayerPass,
    Net,
    Norms,
    Params,
    backward,
    forward_pass,
    mean_abs,
    mean_loss,
    params_vector,
    predict,
    running_stats,
)
from .optim import clip_gradients, copy_state, get_optimizer, global_norm, scheduled_lr
from .trace import LayerTrace, NormTrace, StepTrace, unique_nbytes

Array = np.ndarray

# kept under their old names for callers that import them from here
TRACE_MEMORY_BUDGET = limits.TRACE_MEMORY_BUDGET
SNAPSHOT_MEMORY_BUDGET = limits.SNAPSHOT_MEMORY_BUDGET
MAX_TRACES = limits.MAX_TRACES
SNAPSHOT_EVERY = 10
MAX_SNAPSHOTS = 400


class _Batch(NamedTuple):
    """The rows of one step and where they sit in the schedule."""

    index: Array             #: (B,) row indices into the training set
    x: Array                 #: (B, n_in)
    y: Array                 #: (B, n_out)
    epoch: int               #: 1-based epoch of this batch
    number: int              #: 1-based batch number within the epoch
    new_order: Array | None  #: the epoch's fresh shuffle when this batch starts one (None: no new shuffle)
    rng_after: dict | None   #: the generator's state after drawing new_order


class _Pass(NamedTuple):
    """Forward and backward on the batch, at the weights before the update."""

    passes: list[LayerPass]             #: the training forward pass, per layer
    grads: Gradients                    #: δ at z and y, ∂(data loss)/∂W, ∂b, ∂γ, ∂β per layer
    masks: list[Array | None] | None    #: the dropout masks drawn for this step (None without dropout)
    loss: float                         #: batch data loss
    norms_after: list[BatchNorm | None]  #: the batch norms with the running statistics moved by this batch


class _Gradient(NamedTuple):
    """What the optimizer is given: the gradient of the trained parameters, penalty added, clipped."""

    grads_W: list[Array]     #: ∂(data loss + penalty)/∂W per layer
    flat: list[Array | None]  #: what the optimizer gets for each parameter in trained_parameters order, after clipping
    #: (None for a frozen bias)
    W_norms: list[float]     #: ‖∂L/∂W‖ per layer (for the history)
    reg_loss: float
    norm: float              #: global norm of the trained gradient before clipping
    clipped_norm: float


class _Update(NamedTuple):
    """What the optimizer adds to each parameter, and the state it leaves."""

    steps: list[Array]       #: Δθ for each parameter in trained_parameters order (zero for a frozen bias)
    params: Params           #: W + ΔW, b + Δb
    norms: list[BatchNorm | None]  #: γ + Δγ, β + Δβ and the running statistics after this batch
    opt_state: list[dict]
    lr: float


class _Evaluation(NamedTuple):
    """The weights' evaluation pass: the training rows' part of it, and the losses and accuracies of both sets."""

    passes: list[LayerPass] | None  #: training rows' forward pass, when it is also the next step's (else None)
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float


@dataclass(frozen=True)
class Snapshot:
    """Everything needed to continue training exactly from one iteration."""

    iteration: int
    config: Config
    params: tuple                #: ((W, b), …) copies
    opt_state: list              #: one state dict per trained parameter W1, b1, (γ1, β1,) W2, b2, …
    rng_state_before_perm: dict  #: the batch generator's state before the current epoch's shuffle
    has_perm: bool               #: whether the current epoch has a shuffle (mini-batch and SGD)
    cursor: int                  #: rows of the current epoch already used
    epoch: int
    batch_in_epoch: int
    pinned: bool                 #: taken at a settings change: replay never crosses it, so it is never thinned
    norms: tuple = ()            #: per layer a BatchNorm copy (γ, β, running statistics) or None; () = none

    def nbytes(self) -> int:
        """Return the bytes of its arrays (weights, batch norms and optimizer state)."""
        return unique_nbytes([*(x for pair in self.params for x in pair), *_norm_arrays(self.norms),
                              *_state_arrays(self.opt_state)])


class Trainer:
    """Owns params, optimizer state, data split, batch schedule and history of one experiment."""

    def __init__(self, config: Config | None = None, dataset: Dataset | None = None,
                 params: Params | None = None):
        cfg = config or Config()
        cfg.validate()
        self.config = cfg
        self.custom_data = dataset is not None      #: data came from the caller (CSV, saved file)
        self.custom_params = params is not None     #: initial weights came from the caller
        self.dataset = dataset if dataset is not None else make_dataset(
            cfg.dataset, cfg.n_samples, cfg.noise, cfg.data_seed)
        self.sizes = (self.dataset.X.shape[1], *cfg.hidden, self.dataset.y.shape[1])
        self._check_size()
        self.split: Split = split_dataset(self.dataset, cfg.test_ratio, cfg.data_seed, cfg.standardize)
        self.n_train: int = self.split.X_train.shape[0]  #: number of training samples (fixed for a Trainer)
        self.loss_name, self.output_name = resolve_loss(cfg.loss, cfg.output, self.dataset.task)
        problem = labels_problem(self.dataset.y, self.dataset.task, self.loss_name, self.output_name)
        if problem:
            raise ValueError(problem)
        self.net = Net.build(cfg.activation, self.output_name, self.loss_name)
        if params is None:
            params = initial_params(cfg.seed, cfg.init, self.sizes, cfg.init_scale)
        self._check_params(params)
        self.params: Params = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64))
                               for W, b in params]
        #: per layer its batch norm (hidden layers, when cfg.batch_norm) or None
        self.norms: list[BatchNorm | None] = [BatchNorm.fresh(n) if cfg.batch_norm and l < len(self.params) - 1
                                              else None for l, n in enumerate(self.sizes[1:])]
        self.opt_state = self._fresh_opt_state()
        self._start_schedule(np.random.default_rng([cfg.seed, 2]))
        self.history = History(len(self.params))
        self.traces: deque[StepTrace] = deque(maxlen=self._trace_capacity())
        self.diverged: StepTrace | None = None
        self._eval: _Evaluation | None = None  # evaluation of the current params, computed when first needed
        # training rows then test rows, evaluated together after every update
        self._all_X = np.vstack([self.split.X_train, self.split.X_test])
        self._all_y = np.vstack([self.split.y_train, self.split.y_test])
        self._labels = self._class_labels(self._all_y)
        self._all_rows = np.arange(self.n_train)
        self._snapshots: list[Snapshot] = []
        self._snapshot_every = SNAPSHOT_EVERY
        self._take_snapshot(pinned=True)

    # ---- shape and bookkeeping -------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Return L, the number of weight layers."""
        return len(self.params)

    @property
    def batch_size(self) -> int:
        """Return the batch size B in use."""
        return self.config.batch_size_for(self.n_train)

    @property
    def batches_per_epoch(self) -> int:
        """Return ceil(N / B), the iterations in one epoch."""
        return math.ceil(self.n_train / self.batch_size)

    @property
    def initial_params(self) -> list[tuple[Array, Array]]:
        """Return a copy of the parameters at iteration 0 [(W (n_out, n_in), b (n_out,))]."""
        return [(W.copy(), b.copy()) for W, b in self._snapshots[0].params]

    @property
    def snapshots(self) -> tuple[Snapshot, ...]:
        """Return the stored snapshots, oldest first (the first is iteration 0)."""
        return tuple(self._snapshots)

    def params_at(self, iteration: int) -> list[tuple[Array, Array]]:
        """Return a copy of the parameters after `iteration` steps, without changing this trainer."""
        return self.state_at(iteration)[0]

    def state_at(self, iteration: int) -> tuple[list[tuple[Array, Array]], list[BatchNorm | None]]:
        """Return copies of (params, batch norms) after `iteration` steps, without changing this trainer."""
        if not 0 <= iteration <= self.iteration:
            raise ValueError(f"iteration must be between 0 and {self.iteration}")
        if iteration == self.iteration:
            return [(W.copy(), b.copy()) for W, b in self.params], _copy_norms(self.norms, self.n_layers)
        snap = [s for s in self._snapshots if s.iteration <= iteration][-1]
        if snap.iteration == iteration:
            return [(W.copy(), b.copy()) for W, b in snap.params], _copy_norms(snap.norms, self.n_layers)
        scratch = self._scratch()
        scratch._restore(snap)
        while scratch.iteration < iteration:
            scratch.step()
        return scratch.params, scratch.norms

    def trace_at(self, iteration: int) -> StepTrace:
        """Return the StepTrace of update `iteration` (1..now) without changing this trainer (replayed if old)."""
        if not 1 <= iteration <= self.iteration:
            raise ValueError(f"iteration must be between 1 and {self.iteration}")
        for trace in self.traces:
            if trace.iteration == iteration:
                return trace
        snap = [s for s in self._snapshots if s.iteration < iteration][-1]
        scratch = self._scratch()
        scratch._restore(snap)
        trace = None
        while scratch.iteration < iteration:
            trace = scratch.step()
        return trace

    def _scratch(self) -> Trainer:
        """Return a throwaway copy that can step without touching this trainer's state."""
        scratch = copy.copy(self)   # shallow: a step replaces params, state and counters, never mutates them
        scratch._rng = copy.deepcopy(self._rng)
        scratch.history = History(self.n_layers)
        scratch.traces = deque(maxlen=1)
        scratch._snapshots = list(self._snapshots)
        return scratch

    def peek(self) -> StepTrace:
        """Return the trace the next step would produce, without applying it (for showing iteration 0)."""
        return self._scratch().step()

    def ahead(self, n: int) -> Array:
        """Return the flat parameters after each of the next n steps, (k, P) with k ≤ n (fewer when a step
        diverges), without changing this trainer: where training is going (the loss landscape frames it)."""
        scratch = self._scratch()
        points = []
        for _ in range(n):
            if not scratch.step().ok:
                break
            points.append(scratch.param_vector())
        return np.array(points).reshape(len(points), -1) if points else np.empty((0, self.param_vector().size))

    @property
    def settings_changed(self) -> bool:
        """Return True when live settings were changed after iteration 0 (a replay from the start would differ)."""
        return any(s.pinned and s.iteration > 0 for s in self._snapshots)

    def fresh(self) -> Trainer:
        """Return a new Trainer at iteration 0 with the same settings, data and initial weights (Reset)."""
        return Trainer(self.config, dataset=self.dataset if self.custom_data else None,
                       params=self.initial_params if self.custom_params else None)

    @property
    def last_trace(self) -> StepTrace | None:
        """Return the trace of the latest applied step (None before the first)."""
        return self.traces[-1] if self.traces else None

    def _check_size(self) -> None:
        problems = limits.network_problems(self.sizes[0], tuple(self.config.hidden), self.sizes[-1], self.dataset.n,
                                           self.config.batch_norm)
        if problems:
            raise ValueError(problems[0])

    def _check_params(self, params: Params) -> None:
        if len(params) != len(self.sizes) - 1:
            raise ValueError(f"expected {len(self.sizes) - 1} layers of weights, got {len(params)}")
        for l, ((W, b), n_in, n_out) in enumerate(zip(params, self.sizes[:-1], self.sizes[1:]), start=1):
            if np.shape(W) != (n_out, n_in) or np.shape(b) != (n_out,):
                raise ValueError(f"layer {l}: W must be ({n_out}, {n_in}) and b ({n_out},)")
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                raise ValueError(f"layer {l}: weights must be finite numbers")

    def _trace_capacity(self) -> int:
        """Return how many traces fit the trace budget (at least the newest one)."""
        rows = self.n_train if self.config.batch_mode == "full" else self.batch_size
        # z, a, δ and W, b with their gradients and updates; batch norm adds x̂, y, δ_y and nine (n,) vectors,
        # dropout the mask and the dropped output
        extra = 3 * self.config.batch_norm + 2 * bool(self.config.dropout)
        per_layer = [(3 + extra) * rows * n_out + 3 * n_out * (n_in + 1) + 9 * n_out * self.config.batch_norm
                     for n_in, n_out in zip(self.sizes, self.sizes[1:])]
        per_trace = 8 * (sum(per_layer) + rows * (self.sizes[0] + self.sizes[-1]))
        return int(max(1, min(MAX_TRACES, TRACE_MEMORY_BUDGET // per_trace)))

    def _class_labels(self, y: Array) -> Array | None:
        """Return the class of each row of targets y (None for regression)."""
        if self.dataset.task == "multiclass":
            return y.argmax(axis=1)
        return y[:, 0] >= 0.5 if self.dataset.task == "binary" else None

    # ---- the optimizer ---------------------------------------------------------------------
    @property
    def _optimizer_key(self) -> tuple:
        """Return the optimizer and the values of the hyper-parameters it reads (a change restarts its state)."""
        return (self.config.optimizer, *(getattr(self.config, h) for h in get_optimizer(self.config.optimizer).hyper))

    def _fresh_opt_state(self) -> list[dict]:
        """Return a fresh state for every trained parameter W1, b1, (γ1, β1,) W2, b2, …"""
        init = get_optimizer(self.config.optimizer).init
        return [init(p) for p in trained_parameters(self.params, self.norms)]

    # ---- the batch schedule ------------------------------------------------------------------
    def _start_schedule(self, rng: np.random.Generator) -> None:
        """Put the schedule before the first batch of the first epoch, drawing shuffles from rng."""
        self._rng = rng
        self._perm: Array | None = None
        self._rng_before_perm = rng.bit_generator.state
        self._cursor = self.n_train  # forces a new epoch on the first step
        self.epoch = self.batch_in_epoch = self.iteration = 0

    def _next_batch(self) -> _Batch:
        """Return the next batch without moving the schedule (a diverged step must not move it)."""
        starts_epoch = self._cursor >= self.n_train
        epoch = self.epoch + 1 if starts_epoch else self.epoch
        number = 1 if starts_epoch else self.batch_in_epoch + 1
        if self.config.batch_mode == "full":
            # the whole training set in its order: full batch needs no shuffle and never draws one
            return _Batch(self._all_rows, self.split.X_train, self.split.y_train, epoch, number, None, None)
        order, rng_after = self._perm, None
        if starts_epoch:
            rng = copy.deepcopy(self._rng)
            order, rng_after = rng.permutation(self.n_train), rng.bit_generator.state
        start = 0 if starts_epoch else self._cursor
        idx = order[start:start + self.batch_size]
        return _Batch(idx, self.split.X_train[idx], self.split.y_train[idx], epoch, number,
                      order if starts_epoch else None, rng_after)

    def _advance(self, batch: _Batch) -> None:
        """Move the schedule past `batch`."""
        if batch.number == 1:
            if batch.new_order is not None:
                self._rng_before_perm = self._rng.bit_generator.state
                self._rng.bit_generator.state = batch.rng_after
                self._perm = batch.new_order
            self._cursor = 0
        self._cursor += len(batch.index)
        self.epoch, self.batch_in_epoch = batch.epoch, batch.number

    # ---- one iteration ------------------------------------------------------------------------
    # as a decorator np.errstate keeps no per-call object and stays thread-safe (sessions step in threads);
    # a diverging step overflows on purpose, and the status, not a RuntimeWarning, reports it
    @np.errstate(all="ignore")
    def step(self) -> StepTrace:
        """Run one training iteration and return its StepTrace.

        A non-finite loss, gradient or new weight gives a trace with status "diverged": the update is
        not applied, the weights stay as they were and the iteration counter does not move.
        """
        batch = self._next_batch()
        passed = self._forward_backward(batch)
        gradient = self._gradient(passed)
        update = self._update(passed, gradient)
        evaluation = self._evaluate(update.params, update.norms) if _finite(passed, gradient, update) else None
        if evaluation is None or not math.isfinite(evaluation.train_loss):
            return self._diverged_trace(batch, passed, gradient, update.lr)
        return self._apply(batch, passed, gradient, update, evaluation)

    def _forward_backward(self, batch: _Batch) -> _Pass:
        """Return the training forward pass, the batch loss, δ and the data-loss gradients at the current weights."""
        cfg = self.config
        masks = self._dropout_masks(batch.x.shape[0])
        if cfg.batch_mode == "full" and self._evaluation_is_training:
            # the batch is the training set, and the last update already evaluated it at these weights
            if self._eval is None or self._eval.passes is None:
                self._eval = self._evaluate(self.params, self.norms)
            passes, loss = self._eval.passes, self._eval.train_loss
        else:
            passes = forward_pass(self.net, self.params, batch.x, self.norms, masks, cfg.dropout, train=True)
            loss = mean_loss(self.net, passes[-1].z, passes[-1].a, batch.y)
        grads = backward(self.net, self.params, batch.x, passes, batch.y, self.norms, masks, cfg.dropout)
        norms_after = [None if norm is None else running_stats(norm, lp.stats, batch.x.shape[0])
                       for norm, lp in zip(self.norms, passes)]
        return _Pass(passes, grads, masks, loss, norms_after)

    @property
    def _evaluation_is_training(self) -> bool:
        """Return True when a training pass computes what evaluation does (no batch norm, no dropout)."""
        return not (self.config.batch_norm or self.config.dropout)

    def _dropout_masks(self, rows: int) -> list[Array | None] | None:
        """Return this step's dropout masks, (rows, n_l) of 1 (kept) and 0 (dropped) per hidden layer and None for
        the output layer, or None when dropout is off.

        The generator is seeded by (weight seed, iteration), so a replayed, rewound or reloaded step draws the
        same masks without any generator state to keep, and a diverged step retried draws them again.
        """
        p = self.config.dropout
        if not p:
            return None
        rng = np.random.default_rng([self.config.seed, 3, self.iteration + 1])
        return [*((rng.random((rows, n)) >= p).astype(np.float64) for n in self.sizes[1:-1]), None]

    def _gradient(self, passed: _Pass) -> _Gradient:
        """Return what the optimizer gets: ∂L/∂W plus the penalty's gradient, ∂L/∂b unless frozen, ∂L/∂γ and ∂L/∂β,
        clipped together."""
        cfg, g = self.config, passed.grads
        weights = [W for W, _ in self.params]
        grads_W, grads_b = g.W, g.b if cfg.train_biases else []
        grads_bn = [x for pair in zip(g.gamma, g.beta) if pair[0] is not None for x in pair]   # γ1, β1, γ2, …
        reg_loss = 0.0
        if cfg.l1 or cfg.l2:
            reg_loss = penalty(weights, cfg.l1, cfg.l2)
            grads_W = [gw + r for gw, r in zip(grads_W, penalty_gradients(weights, cfg.l1, cfg.l2))]
        W_norms = [global_norm([gw]) for gw in grads_W]
        norm = math.sqrt(sum(n * n for n in W_norms) + sum(float(np.vdot(x, x)) for x in [*grads_b, *grads_bn]))
        clipped = clip_gradients([*grads_W, *grads_b, *grads_bn], cfg.clip_norm, cfg.clip_value)
        clipped_norm = global_norm(clipped) if cfg.clip_norm or cfg.clip_value else norm
        L, n_b = len(grads_W), len(grads_b)
        clipped_b, clipped_bn = clipped[L:L + n_b] or [None] * L, iter(clipped[L + n_b:])
        flat = []   # in trained_parameters order
        for l, layer_norm in enumerate(self.norms):
            flat += [clipped[l], clipped_b[l]] + ([] if layer_norm is None else [next(clipped_bn), next(clipped_bn)])
        return _Gradient(grads_W, flat, W_norms, reg_loss, norm, clipped_norm)

    def _update(self, passed: _Pass, gradient: _Gradient) -> _Update:
        """Return the optimizer's step for every trained parameter (zero for frozen biases) and its new state."""
        cfg = self.config
        rule = get_optimizer(cfg.optimizer)
        hyper = {h: getattr(cfg, h) for h in rule.hyper}
        lr = scheduled_lr(cfg.lr, cfg.schedule, self.iteration + 1, cfg.decay, cfg.step_size)
        state = list(self.opt_state)   # one state per trained parameter, in trained_parameters order
        trained = trained_parameters(self.params, self.norms)
        steps = []
        for i, (p, g) in enumerate(zip(trained, gradient.flat)):
            if g is None:   # a frozen bias neither moves nor ages (its optimizer state waits)
                steps.append(np.zeros_like(p))
            else:
                step, state[i] = rule.update(g, state[i], lr, hyper)
                steps.append(step)
        params, norms = _assemble([p + d for p, d in zip(trained, steps)], passed.norms_after)
        return _Update(steps, params, norms, state, lr)

    def _evaluate(self, params: Params, norms: Norms) -> _Evaluation:
        """Return the losses and accuracies of params on both sets (evaluation: every neuron, running statistics),
        and the training rows' part of that pass when the next full-batch step can use it as its own.

        One forward pass covers the training and test rows together; the next step's trace holds views of its
        training rows (memory_bytes counts the whole buffers behind them, test rows included).
        """
        n = self.n_train
        passes = forward_pass(self.net, params, self._all_X, norms)
        per_row = self.net.loss.per_sample(passes[-1].z, passes[-1].a, self._all_y)
        correct = self._correct(passes[-1].a)
        m = per_row.shape[0] - n
        test_loss = float(per_row[n:].sum()) / m if m else math.nan
        train_acc, test_acc = ((np.count_nonzero(correct[:n]) / n, np.count_nonzero(correct[n:]) / m if m else math.nan)
                               if correct is not None else (math.nan, math.nan))
        reusable = self.config.batch_mode == "full" and self._evaluation_is_training
        kept = [_training_rows(lp, n) for lp in passes] if reusable else None
        return _Evaluation(kept, float(per_row[:n].sum()) / n, test_loss, train_acc, test_acc)

    def _correct(self, out: Array) -> Array | None:
        """Return whether each row's output picks its class, for the training rows then the test rows (None for
        regression)."""
        if self._labels is None:
            return None
        predicted = out.argmax(axis=1) if self.dataset.task == "multiclass" else out[:, 0] >= 0.5
        return predicted == self._labels

    def _apply(self, batch: _Batch, passed: _Pass, gradient: _Gradient, update: _Update,
               evaluation: _Evaluation) -> StepTrace:
        """Apply the update, move the schedule, and record the step's trace and history row."""
        layers = self._layer_traces(passed, gradient.grads_W, update.steps, update.norms)
        self.params, self.norms, self.opt_state, self._eval = update.params, update.norms, update.opt_state, evaluation
        self._advance(batch)
        self.iteration += 1
        self.diverged = None
        trace = StepTrace(self.iteration, batch.epoch, batch.number, self.batches_per_epoch, batch.index, batch.x,
                          batch.y, layers, passed.loss, gradient.reg_loss, evaluation.train_loss,
                          evaluation.test_loss, update.lr, gradient.norm, gradient.clipped_norm)
        self.history.append((self.iteration, batch.epoch, passed.loss, gradient.reg_loss, evaluation.train_loss,
                             evaluation.test_loss, evaluation.train_acc, evaluation.test_acc, update.lr,
                             gradient.norm, gradient.clipped_norm),
                            gradient.W_norms, mean_abs(passed.grads.delta))
        self.traces.append(trace)
        if self.iteration % self._snapshot_every == 0:
            self._take_snapshot(pinned=False)
        return trace

    def _layer_traces(self, passed: _Pass, grads_W: list[Array], steps: list[Array],
                      norms_after: Norms) -> tuple[LayerTrace, ...]:
        """Return the LayerTraces of a step at the current (not yet updated) weights; `steps` in trained_parameters
        order."""
        g, p = passed.grads, self.config.dropout
        out = []
        for l, (step, lp) in enumerate(zip(_per_layer(steps, self.norms), passed.passes)):
            (W, b), norm = self.params[l], self.norms[l]
            mask = passed.masks[l] if passed.masks else None
            bn = None if norm is None else NormTrace(
                lp.stats.mean, lp.stats.var, lp.stats.from_batch, lp.stats.x_hat, lp.y, norm.gamma, norm.beta,
                g.delta_y[l], g.gamma[l], g.beta[l], step[2], step[3], norms_after[l].mean, norms_after[l].var)
            out.append(LayerTrace(W, b, lp.z, lp.a, g.delta[l], grads_W[l], g.b[l], step[0], step[1], mask,
                                  p if mask is not None else 0.0, lp.out if mask is not None else None, bn))
        return tuple(out)

    def _diverged_trace(self, batch: _Batch, passed: _Pass, gradient: _Gradient, lr: float) -> StepTrace:
        """Return (and remember) the trace of a step that was not applied: zero updates, status "diverged"."""
        steps = [np.zeros_like(p) for p in trained_parameters(self.params, self.norms)]
        layers = self._layer_traces(passed, gradient.grads_W, steps, self.norms)
        trace = StepTrace(self.iteration + 1, batch.epoch, batch.number, self.batches_per_epoch, batch.index,
                          batch.x, batch.y, layers, passed.loss, gradient.reg_loss, self.history.last("train_loss"),
                          self.history.last("test_loss"), lr, gradient.norm, 0.0, "diverged")
        self.diverged = trace
        return trace

    def run(self, n: int, on_progress: Callable[[int, int], None] | None = None) -> StepTrace | None:
        """Run up to n steps (stopping at a divergence) and return the last trace; on_progress(done, n)."""
        trace = None
        every = max(1, n // 100)
        for i in range(n):
            trace = self.step()
            if not trace.ok:
                break
            if on_progress is not None and ((i + 1) % every == 0 or i + 1 == n):
                on_progress(i + 1, n)
        return trace

    def run_epoch(self) -> tuple[int, StepTrace | None]:
        """Run the steps left in the current epoch (a whole epoch at its start); return (steps run, last)."""
        left = self.batches_per_epoch if self._cursor >= self.n_train else \
            math.ceil((self.n_train - self._cursor) / self.batch_size)
        trace = None
        for i in range(left):
            trace = self.step()
            if not trace.ok:
                return i, trace
        return left, trace

    # ---- predictions -------------------------------------------------------------------------
    def predict(self, X_raw: Array, params: Params | None = None, norms: Norms | None = None) -> Array:
        """Return network outputs (n, n_out) for raw inputs (n, d), mapped as the training inputs were (evaluation:
        every neuron, batch norm with the running statistics).

        `params` and `norms` are other weights and batch norms of this net to use (e.g. those of a past iteration,
        from state_at); default: the current ones.
        """
        with np.errstate(all="ignore"):
            return predict(self.net, self.params if params is None else params,
                           self.split.transform(np.asarray(X_raw, dtype=np.float64)),
                           self.norms if norms is None else norms)

    def param_vector(self) -> Array:
        """Return all parameters flattened (W1, b1, W2, b2, …), shape (P,)."""
        return params_vector(self.params)

    def param_path(self) -> tuple[Array, Array]:
        """Return (iterations (S,), flattened parameters (S, P)) of the stored snapshots plus now."""
        snaps = [s for s in self._snapshots if s.iteration < self.iteration]
        its = np.array([s.iteration for s in snaps] + [self.iteration])
        vecs = [params_vector(s.params) for s in snaps]
        return its, np.array([*vecs, self.param_vector()])

    # ---- live settings -------------------------------------------------------------------------
    def update_config(self, **changes) -> None:
        """Change live settings (learning rate, optimizer, batch mode, …) keeping the weights.

        Raises ValueError for a setting that needs a rebuild (see config.LIVE_FIELDS). Changing the optimizer
        or one of the hyper-parameters it reads restarts its state.
        """
        rebuild = set(changes) - LIVE_FIELDS
        if rebuild:
            raise ValueError(f"changing {', '.join(sorted(rebuild))} needs a new network (rebuild)")
        new = self.config.replace(**changes)
        new.validate()
        if new == self.config:
            return
        old_key, self.config = self._optimizer_key, new
        if self._optimizer_key != old_key:
            self.opt_state = self._fresh_opt_state()
        self.traces = deque(self.traces, maxlen=self._trace_capacity())
        self.diverged = None
        self._take_snapshot(pinned=True)

    # ---- snapshots and rewind -------------------------------------------------------------------
    def snapshot(self, pinned: bool = False) -> Snapshot:
        """Return a Snapshot of the current state (copies; the trainer is unchanged)."""
        return Snapshot(self.iteration, self.config, tuple((W.copy(), b.copy()) for W, b in self.params),
                        copy_state(self.opt_state), self._rng_before_perm, self._perm is not None,
                        self._cursor, self.epoch, self.batch_in_epoch, pinned,
                        tuple(_copy_norms(self.norms, self.n_layers)))

    def _take_snapshot(self, pinned: bool) -> None:
        snap = self.snapshot(pinned)
        if self._snapshots and self._snapshots[-1].iteration == self.iteration:
            snap = dataclasses.replace(snap, pinned=pinned or self._snapshots[-1].pinned)
            self._snapshots[-1] = snap
        else:
            self._snapshots.append(snap)
        if len(self._snapshots) > min(MAX_SNAPSHOTS, max(8, SNAPSHOT_MEMORY_BUDGET // max(snap.nbytes(), 1))):
            self._thin_snapshots()

    def _thin_snapshots(self) -> None:
        # keep pinned ones and every other regular one; replay cost doubles, memory stays bounded
        self._snapshot_every *= 2
        self._snapshots = [s for s in self._snapshots
                           if s.pinned or s.iteration % self._snapshot_every == 0 or s is self._snapshots[-1]]

    def _restore(self, snap: Snapshot) -> None:
        self.config = snap.config
        self.params = [(W.copy(), b.copy()) for W, b in snap.params]
        self.norms = _copy_norms(snap.norms, self.n_layers)
        self.opt_state = copy_state(snap.opt_state)
        self._rng.bit_generator.state = snap.rng_state_before_perm
        self._rng_before_perm = snap.rng_state_before_perm
        self._perm = self._rng.permutation(self.n_train) if snap.has_perm else None
        self._cursor, self.epoch, self.batch_in_epoch = snap.cursor, snap.epoch, snap.batch_in_epoch
        self.iteration = snap.iteration
        self._eval = None
        self.diverged = None

    def rewind(self, iteration: int) -> StepTrace | None:
        """Restore the exact state after `iteration` steps (0 = the start) and return that step's trace.

        Params, optimizer state, batch position, RNG and history are as they were, so stepping on gives
        bit-for-bit the same numbers as the first time.
        """
        if not 0 <= iteration <= self.iteration:
            raise ValueError(f"can only rewind to an iteration between 0 and {self.iteration}")
        # start strictly before `iteration` so the replay regenerates its trace
        candidates = [s for s in self._snapshots if s.iteration < iteration] or [self._snapshots[0]]
        snap = candidates[-1]
        self._snapshots = [s for s in self._snapshots if s.iteration <= snap.iteration]
        self._restore(snap)
        self.history.truncate(snap.iteration)
        kept = [tr for tr in self.traces if tr.iteration <= snap.iteration]
        self.traces = deque(kept, maxlen=self._trace_capacity())
        while self.iteration < iteration:
            self.step()
        return self.last_trace if iteration > 0 else None

    def replay_work(self, iteration: int) -> int:
        """Return the multiply-adds rewind(iteration) would replay (see limits.REPLAY_WORK)."""
        start = ([s.iteration for s in self._snapshots if s.iteration < iteration] or [0])[-1]
        return limits.replay_work(iteration - start, self.batch_size, self.sizes)

    @classmethod
    def restored(cls, dataset: Dataset | None, snapshots: list[Snapshot], history: History,
                 snapshot_every: int = SNAPSHOT_EVERY) -> Trainer:
        """Return a Trainer continuing exactly from the last of `snapshots` (the first is iteration 0).

        `dataset` is None for a built-in dataset (made again from the config); `history` holds one row per
        iteration up to the last snapshot. Raises ValueError when the pieces don't fit together.
        """
        first, last = snapshots[0], snapshots[-1]
        if first.iteration != 0 or len(history) != last.iteration:
            raise ValueError("the snapshots and the history don't cover the same iterations")
        trainer = cls(first.config, dataset=dataset, params=first.params)
        for before, snap in zip([first, *snapshots], snapshots):
            trainer._check_snapshot(snap, before)
        trainer._snapshots = list(snapshots)
        trainer._snapshot_every = snapshot_every
        trainer._restore(last)
        trainer.traces = deque(maxlen=trainer._trace_capacity())
        trainer.history = history
        trainer.custom_params = True
        return trainer

    def _check_snapshot(self, snap: Snapshot, before: Snapshot) -> None:
        """Raise ValueError unless snap can be restored into this trainer (shapes, positions, state, order)."""
        at = f"at iteration {snap.iteration}"
        rebuilds = [f.name for f in dataclasses.fields(Config) if f.name not in LIVE_FIELDS
                    and getattr(snap.config, f.name) != getattr(self.config, f.name)]
        if rebuilds or snap.iteration < before.iteration or (snap is not before and snap.iteration == before.iteration):
            raise ValueError(f"the saved states don't belong to one network and one run ({at})")
        self._check_params(snap.params)
        self._check_norms(snap.norms, at)
        if not (0 <= snap.cursor <= self.n_train and snap.batch_in_epoch >= 0 and snap.epoch >= 0):
            raise ValueError(f"the batch position {at} is outside the data")
        init = get_optimizer(snap.config.optimizer).init
        norms = _copy_norms(snap.norms, self.n_layers)
        expected = [init(np.asarray(p)) for p in trained_parameters(snap.params, norms)]
        if len(snap.opt_state) != len(expected) or not all(
                _same_layout(s, e) for s, e in zip(snap.opt_state, expected)):
            raise ValueError(f"the optimizer state {at} does not fit the {snap.config.optimizer} optimizer")
        try:
            np.random.default_rng().bit_generator.state = snap.rng_state_before_perm
        except (TypeError, ValueError, KeyError, OverflowError):
            raise ValueError(f"the random generator state {at} is not valid") from None

    def _check_norms(self, norms: tuple, at: str) -> None:
        """Raise ValueError unless norms are this net's batch norms: (n,) finite γ, β, mean and a variance ≥ 0."""
        norms = _copy_norms(norms, self.n_layers)
        for l, (norm, fresh) in enumerate(zip(norms, self.norms), start=1):
            if (norm is None) != (fresh is None):
                raise ValueError(f"layer {l}'s batch norm {at} does not fit the settings")
            if norm is not None and not all(np.shape(v) == fresh.gamma.shape and np.isfinite(v).all() for v in norm):
                raise ValueError(f"layer {l}'s batch norm {at} must be {fresh.gamma.shape[0]} finite numbers each")
            if norm is not None and (norm.var < 0).any():
                raise ValueError(f"layer {l}'s running variance {at} must not be negative")

    def memory_bytes(self) -> int:
        """Return the bytes of every array this trainer holds (data, weights, evaluation, traces, snapshots,
        history), each buffer counted once however many records share it."""
        arrays = [self.dataset.X, self.dataset.y, *vars(self.split).values(), *_state_arrays(self.opt_state)]
        arrays += [self._all_X, self._all_y, *(x for pair in self.params for x in pair), *_norm_arrays(self.norms)]
        if self._eval is not None and self._eval.passes is not None:
            arrays += [x for lp in self._eval.passes for x in (lp.z, lp.a)]
        for trace in self.traces:
            arrays += [trace.batch_index, trace.x, trace.y, *(x for layer in trace.layers for x in layer.arrays())]
        for snap in self._snapshots:
            arrays += [*(x for pair in snap.params for x in pair), *_norm_arrays(snap.norms),
                       *_state_arrays(snap.opt_state)]
        return unique_nbytes(arrays) + self.history.nbytes()


def _finite(passed: _Pass, gradient: _Gradient, update: _Update) -> bool:
    """Return True when the loss, the gradient and (if the gradient is astronomical) the new weights are finite."""
    finite = math.isfinite(passed.loss) and math.isfinite(gradient.norm) and math.isfinite(gradient.reg_loss)
    if finite and gradient.norm > 1e100:
        # only astronomically large gradients can overflow a weight; skip the check otherwise
        finite = math.isfinite(global_norm([p for pair in update.params for p in pair]))
    return finite


def _same_layout(state: dict, expected: dict) -> bool:
    """Return True when state has the keys of expected, arrays of the same shape (finite) and whole-number counts."""
    if not isinstance(state, dict) or set(state) != set(expected):
        return False
    for key, want in expected.items():
        got = state[key]
        if isinstance(want, np.ndarray):
            if not (isinstance(got, np.ndarray) and got.shape == want.shape and np.isfinite(got).all()):
                return False
        elif not (isinstance(got, int) and not isinstance(got, bool) and got >= 0):
            return False
    return True


def _state_arrays(states: list[dict]) -> list[Array]:
    return [v for s in states for v in s.values() if isinstance(v, np.ndarray)]


def trained_parameters(params: Params, norms: Norms) -> list[Array]:
    """Return every trained parameter in the optimizer's order: W1, b1, (γ1, β1,) W2, b2, … (γ, β where a layer
    has batch norm)."""
    flat = []
    for (W, b), norm in zip(params, norms):
        flat += [W, b] if norm is None else [W, b, norm.gamma, norm.beta]
    return flat


def _per_layer(flat: list, norms: Norms) -> list[tuple]:
    """Return values given in trained_parameters order regrouped per layer: (W, b) or (W, b, γ, β)."""
    out, k = [], 0
    for norm in norms:
        n = 2 if norm is None else 4
        out.append(tuple(flat[k:k + n]))
        k += n
    return out


def _assemble(flat: list[Array], norms: Norms) -> tuple[Params, list[BatchNorm | None]]:
    """Return (params, batch norms) from parameters in trained_parameters order; `norms` give the running statistics."""
    groups = _per_layer(flat, norms)
    params = [(group[0], group[1]) for group in groups]
    return params, [None if norm is None else norm._replace(gamma=group[2], beta=group[3])
                    for group, norm in zip(groups, norms)]


def _training_rows(lp: LayerPass, n: int) -> LayerPass:
    """Return the first n rows of an evaluation pass of a layer without batch norm or dropout (y is z, out is a,
    as in a training pass)."""
    z, a = lp.z[:n], lp.a[:n]
    return LayerPass(z, None, z, a, a)


def _copy_norms(norms: Norms, n_layers: int) -> list[BatchNorm | None]:
    """Return copies of per-layer batch norms (an empty sequence: none in any of n_layers layers)."""
    if not norms:
        return [None] * n_layers
    return [None if n is None else BatchNorm(*(np.array(v, dtype=np.float64) for v in n)) for n in norms]


def _norm_arrays(norms: Norms) -> list[Array]:
    return [v for n in norms if n is not None for v in n]
