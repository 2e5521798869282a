"""The Trainer: one experiment's state, stepped one iteration at a time, rewindable exactly."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .config import LIVE_FIELDS, Config
from .data import Dataset, Split, make_dataset, split_dataset
from .history import History
from .initializers import init_params
from .network import Net, Params, backward, batch_loss, forward, mean_abs, params_vector, predict
from .optim import (
    OptimizerSpec,
    clip_gradients,
    copy_state,
    global_norm,
    init_state,
    optimizer_updates,
    regularization,
    scheduled_lr,
)
from .trace import LayerTrace, StepTrace

Array = np.ndarray

_new_tuple = tuple.__new__
_add_reduce = np.add.reduce  # the ufunc itself: ndarray.sum's Python wrapper costs more than a small sum

TRACE_MEMORY_BUDGET = 8 * 2**20   # bytes of full traces kept in the ring buffer
MAX_TRACES = 8   # the newest traces stay inspectable; older ones come back exactly through rewind()
SNAPSHOT_EVERY = 10
MAX_SNAPSHOTS = 400
SNAPSHOT_MEMORY_BUDGET = 8 * 2**20  # bytes of parameter snapshots kept for rewind


def resolve_loss(cfg: Config, task: str) -> tuple[str, str]:
    """Return (loss, output activation) for cfg, filling in "auto" to fit the task."""
    loss = cfg.loss
    if loss == "auto":
        loss = {"binary": "bce", "multiclass": "softmax_ce"}.get(task, "mse")
    output = cfg.output
    if output == "auto":
        fused = {"bce": "sigmoid", "softmax_ce": "softmax"}
        output = fused.get(loss) or ("linear" if task == "regression" else "sigmoid")
    return loss, output


def labels_problem(ds: Dataset, loss: str, output: str) -> str | None:
    """Return why the dataset's targets don't fit the loss/output, or None when they do."""
    y = ds.y
    if loss == "bce" and (y.shape[1] != 1 or not np.isin(y, (0.0, 1.0)).all()):
        return "binary cross-entropy needs one target column of 0/1 labels"
    if loss == "softmax_ce" and ds.task != "multiclass":
        return "softmax cross-entropy needs class labels (two or more classes)"
    if output == "sigmoid" and loss in ("half_sse", "mse") and ((y < 0) | (y > 1)).any():
        return "a sigmoid output can only reach targets between 0 and 1"
    return None


class _Evaluation(NamedTuple):
    zs_train: list
    acts_train: list
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float


@dataclass(frozen=True)
class _Snapshot:
    iteration: int
    config: Config
    params: tuple
    opt_state: dict
    rng_state_before_perm: dict
    has_perm: bool
    cursor: int
    epoch: int
    batch_in_epoch: int
    pinned: bool  # taken at a settings change: replay must never cross it, so it is never thinned


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
        self.split: Split = split_dataset(self.dataset, cfg.test_ratio, cfg.data_seed, cfg.standardize)
        self.n_train: int = self.split.X_train.shape[0]  #: number of training samples (fixed for a Trainer)
        self.loss_name, self.output_name = resolve_loss(cfg, self.dataset.task)
        problem = labels_problem(self.dataset, self.loss_name, self.output_name)
        if problem:
            raise ValueError(problem)
        self.net = Net.build(cfg.activation, self.output_name, self.loss_name)
        self.sizes = (self.dataset.X.shape[1], *cfg.hidden, self.dataset.y.shape[1])
        if params is None:
            params = init_params(np.random.default_rng([cfg.seed, 1]), cfg.init, self.sizes, cfg.init_scale)
        self._check_params(params)
        self.params: Params = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64))
                               for W, b in params]
        self._opt_spec = _opt_spec(cfg)
        self.opt_state = init_state(self._opt_spec, self._flat(self.params))
        self._rng = np.random.default_rng([cfg.seed, 2])
        self._perm: Array | None = None
        self._rng_before_perm = self._rng.bit_generator.state
        self._cursor = self.n_train  # forces a new epoch on the first step
        self.epoch = 0
        self.batch_in_epoch = 0
        self.iteration = 0
        self.history = History(len(self.params))
        self.traces: deque[StepTrace] = deque(maxlen=self._trace_capacity())
        self.diverged: StepTrace | None = None
        # train and test rows stacked, so one forward pass evaluates both after every update
        self._eval_X = np.vstack([self.split.X_train, self.split.X_test])
        self._eval_y = np.vstack([self.split.y_train, self.split.y_test])
        self._eval: _Evaluation | None = None  # evaluation of the current params
        self._eval_label = (self._eval_y.argmax(axis=1) if self.dataset.task == "multiclass"
                            else self._eval_y[:, 0] >= 0.5)
        self._eval_per_sample = self.net.loss.per_sample_for(self._eval_y)
        self._all_rows = np.arange(self.n_train)
        self._snapshots: list[_Snapshot] = []
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
        # cached per Config object (configs are immutable): step() asks every iteration
        cached = self.__dict__.get("_batches_per_epoch")
        if cached is None or cached[0] is not self.config:
            cached = (self.config, math.ceil(self.n_train / self.batch_size))
            self._batches_per_epoch = cached
        return cached[1]

    @property
    def initial_params(self) -> list[tuple[Array, Array]]:
        """Return a copy of the parameters at iteration 0 [(W (n_out, n_in), b (n_out,))]."""
        return [(W.copy(), b.copy()) for W, b in self._snapshots[0].params]

    def params_at(self, iteration: int) -> list[tuple[Array, Array]]:
        """Return a copy of the parameters after `iteration` steps, without changing this trainer."""
        if not 0 <= iteration <= self.iteration:
            raise ValueError(f"iteration must be between 0 and {self.iteration}")
        if iteration == self.iteration:
            return [(W.copy(), b.copy()) for W, b in self.params]
        snap = [s for s in self._snapshots if s.iteration <= iteration][-1]
        if snap.iteration == iteration:
            return [(W.copy(), b.copy()) for W, b in snap.params]
        scratch = self._scratch()
        scratch._restore(snap)
        while scratch.iteration < iteration:
            scratch.step()
        return scratch.params

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
        scratch = Trainer.__new__(Trainer)
        scratch.__dict__.update(self.__dict__)
        scratch._rng = np.random.default_rng()
        scratch._rng.bit_generator.state = self._rng.bit_generator.state
        scratch.history = History(self.n_layers)
        scratch.traces = deque(maxlen=1)
        scratch._snapshots = list(self._snapshots)
        return scratch

    def peek(self) -> StepTrace:
        """Return the trace the next step would produce, without applying it (for showing iteration 0)."""
        return self._scratch().step()

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

    def _check_params(self, params: Params) -> None:
        if len(params) != len(self.sizes) - 1:
            raise ValueError(f"expected {len(self.sizes) - 1} layers of weights, got {len(params)}")
        for l, ((W, b), n_in, n_out) in enumerate(zip(params, self.sizes[:-1], self.sizes[1:]), start=1):
            if np.shape(W) != (n_out, n_in) or np.shape(b) != (n_out,):
                raise ValueError(f"layer {l}: W must be ({n_out}, {n_in}) and b ({n_out},)")
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                raise ValueError(f"layer {l}: weights must be finite numbers")

    def _trace_capacity(self) -> int:
        n = self.n_train if self.config.batch_mode == "full" else self.batch_size
        per_trace = sum(3 * n * w * 8 + 4 * w * (k + 1) * 8 for k, w in zip(self.sizes[:-1], self.sizes[1:]))
        return int(max(2, min(MAX_TRACES, TRACE_MEMORY_BUDGET // max(per_trace, 1))))

    @staticmethod
    def _flat(pairs) -> list[Array]:
        return [x for pair in pairs for x in pair]

    # ---- the batch schedule ------------------------------------------------------------------
    def _next_batch(self) -> tuple[Array, int, int, bool]:
        """Return (indices, epoch, batch_in_epoch, starts_new_epoch) of the next batch, without moving."""
        new_epoch = self._cursor >= self.n_train
        if self.config.batch_mode == "full":
            return self._all_rows, self.epoch + new_epoch, 1 if new_epoch else self.batch_in_epoch + 1, \
                new_epoch
        start = 0 if new_epoch else self._cursor
        perm = self._peek_perm() if new_epoch else self._perm
        idx = perm[start:start + self.batch_size]
        return idx, self.epoch + new_epoch, 1 if new_epoch else self.batch_in_epoch + 1, new_epoch

    def _peek_perm(self) -> Array:
        rng = np.random.default_rng()
        rng.bit_generator.state = self._rng.bit_generator.state
        return rng.permutation(self.n_train)

    def _advance_batch(self, new_epoch: bool, n_used: int) -> None:
        if new_epoch:
            if self.config.batch_mode != "full":
                # full batch needs no order; a mode change pins a snapshot, so replays stay exact either way
                self._rng_before_perm = self._rng.bit_generator.state
                self._perm = self._rng.permutation(self.n_train)
            self._cursor = 0
            self.epoch += 1
            self.batch_in_epoch = 0
        self._cursor += n_used
        self.batch_in_epoch += 1

    # ---- one iteration ------------------------------------------------------------------------
    # as a decorator np.errstate keeps no per-call object and stays thread-safe (sessions step in threads);
    # a diverging step overflows on purpose, and the status, not a RuntimeWarning, reports it
    @np.errstate(all="ignore")
    def step(self) -> StepTrace:
        """Run one training iteration and return its StepTrace.

        A non-finite loss, gradient or new weight gives a trace with status "diverged": the update is
        not applied, the weights stay as they were and the iteration counter does not move.
        """
        cfg = self.config
        full = cfg.batch_mode == "full"
        # full batch: every step is a whole epoch (the common case, kept off the general schedule's path)
        whole_epoch = full and self._cursor >= self.n_train
        if whole_epoch:
            idx, epoch, batch_in_epoch, new_epoch = self._all_rows, self.epoch + 1, 1, True
        else:
            idx, epoch, batch_in_epoch, new_epoch = self._next_batch()
        x, y = (self.split.X_train, self.split.y_train) if full else \
            (self.split.X_train[idx], self.split.y_train[idx])
        t = self.iteration + 1
        if full:
            # full batch: the batch is the training set, already evaluated at these params
            if self._eval is None:
                self._eval = self._evaluate(self.params)
            zs, acts, loss = self._eval.zs_train, self._eval.acts_train, self._eval.train_loss
        else:
            zs, acts = forward(self.net, self.params, x)
            loss = batch_loss(self.net, zs[-1], acts[-1], y)
        deltas, grads_W, grads_b = backward(self.net, self.params, zs, acts, y)
        reg_loss = 0.0
        if cfg.l1 or cfg.l2:
            reg_loss, reg_W = regularization([W for W, _ in self.params], cfg.l1, cfg.l2)
            grads_W = [g + r for g, r in zip(grads_W, reg_W)]
        if not cfg.train_biases:
            grads_b_used = [np.zeros_like(gb) for gb in grads_b]
        else:
            grads_b_used = grads_b
        opt_grads = [g for pair in zip(grads_W, grads_b_used) for g in pair]
        # squared norms per parameter, shared by the history (‖grad_W‖ per layer) and the clip (global norm)
        squares = [float(np.vdot(g, g)) for g in opt_grads]
        raw_norm = math.sqrt(sum(squares))
        if cfg.clip_norm or cfg.clip_value:
            clipped, raw_norm, clipped_norm = clip_gradients(opt_grads, cfg.clip_norm, cfg.clip_value, raw_norm)
        else:
            clipped, clipped_norm = opt_grads, raw_norm
        lr = scheduled_lr(cfg.lr, cfg.schedule, t, cfg.decay, cfg.step_size)
        updates, new_state = optimizer_updates(self._opt_spec, clipped, self.opt_state, lr)
        updates_W, updates_b = updates[0::2], updates[1::2]
        new_params = [(W + uW, b + ub) for (W, b), uW, ub in zip(self.params, updates_W, updates_b)]
        finite = math.isfinite(loss) and math.isfinite(raw_norm) and math.isfinite(reg_loss)
        if finite and raw_norm > 1e100:
            # only astronomically large gradients can overflow a weight; skip the check otherwise
            finite = math.isfinite(global_norm([p for pair in new_params for p in pair]))
        evaluation = self._evaluate(new_params) if finite else None
        # weights so large that the training loss overflows count as diverged too
        if evaluation is None or not math.isfinite(evaluation.train_loss):
            return self._diverged_trace(t, epoch, batch_in_epoch, idx, x, y, zs, acts, deltas,
                                        grads_W, grads_b, loss, reg_loss, lr, raw_norm)
        old_params, self.params = self.params, new_params
        self.opt_state = new_state
        if whole_epoch:
            self._cursor, self.epoch, self.batch_in_epoch = self.n_train, epoch, 1
        else:
            self._advance_batch(new_epoch, len(idx))
        self.iteration = t
        self.diverged = None
        self._eval = evaluation
        train_loss, test_loss = evaluation.train_loss, evaluation.test_loss
        train_acc, test_acc = evaluation.train_acc, evaluation.test_acc
        # tuple.__new__ skips the NamedTuples' Python-level __new__ (~3 µs of a small net's ~55 µs step)
        Ws, bs = zip(*old_params)
        layers = tuple([_new_tuple(LayerTrace, fields) for fields in
                        zip(Ws, bs, zs, acts[1:], deltas, grads_W, grads_b, updates_W, updates_b)])
        trace = _new_tuple(StepTrace, (t, epoch, batch_in_epoch, self.batches_per_epoch, idx, x, y, layers,
                                       loss, reg_loss, train_loss, test_loss, lr, raw_norm, clipped_norm, "ok"))
        self.history.append(
            (t, epoch, loss, reg_loss, train_loss, test_loss, train_acc, test_acc, lr, raw_norm, clipped_norm),
            [math.sqrt(q) for q in squares[::2]],
            mean_abs(deltas).tolist())
        self.traces.append(trace)
        if t % self._snapshot_every == 0:
            self._take_snapshot(pinned=False)
        return trace

    def _evaluate(self, params) -> _Evaluation:
        """Forward the stacked train+test rows once; return the training rows' pass and both losses."""
        n = self.n_train
        zs, acts = forward(self.net, params, self._eval_X)
        per_sample = self._eval_per_sample(zs[-1], acts[-1])
        train_loss, test_loss = self._split_mean(per_sample)
        correct = self._correct(acts[-1])
        if correct is None:
            train_acc = test_acc = math.nan
        else:
            m = correct.shape[0] - n
            train_acc = np.count_nonzero(correct[:n]) / n
            test_acc = np.count_nonzero(correct[n:]) / m if m else math.nan
        return _new_tuple(_Evaluation, ([z[:n] for z in zs], [a[:n] for a in acts], train_loss, test_loss,
                                        train_acc, test_acc))

    def _split_mean(self, per_row: Array) -> list[float]:
        """Return [train mean, test mean] of per-row losses of the stacked train+test rows (test NaN if none)."""
        n, m = self.n_train, per_row.shape[0] - self.n_train
        return [float(_add_reduce(per_row[:n])) / n, float(_add_reduce(per_row[n:])) / m if m else math.nan]

    def _correct(self, out: Array) -> Array | None:
        """Return per-row correctness (bool) of stacked train+test outputs (None for regression)."""
        task = self.dataset.task
        if task == "multiclass":
            return out.argmax(axis=1) == self._eval_label
        if task == "binary":
            return (out[:, 0] >= 0.5) == self._eval_label
        return None

    def _diverged_trace(self, t, epoch, batch_in_epoch, idx, x, y, zs, acts, deltas, grads_W, grads_b,
                        loss, reg_loss, lr, raw_norm) -> StepTrace:
        layers = tuple(
            LayerTrace(W, b, z, a, d, gW, gb, np.zeros_like(W), np.zeros_like(b))
            for (W, b), z, a, d, gW, gb in zip(self.params, zs, acts[1:], deltas, grads_W, grads_b))
        trace = StepTrace(t, epoch, batch_in_epoch, self.batches_per_epoch, idx, x, y, layers, loss, reg_loss,
                          self.history.last("train_loss"), self.history.last("test_loss"), lr, raw_norm, 0.0,
                          "diverged")
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
    def predict(self, X_raw: Array, params: Params | None = None) -> Array:
        """Return network outputs (n, n_out) for raw inputs (n, d), mapped as the training inputs were.

        `params` are other weights of this net to use (e.g. those of a past iteration); default: the current ones.
        """
        with np.errstate(all="ignore"):
            return predict(self.net, self.params if params is None else params,
                           self.split.transform(np.asarray(X_raw, dtype=np.float64)))

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

        Raises ValueError for a setting that needs a rebuild (see config.LIVE_FIELDS).
        """
        rebuild = set(changes) - LIVE_FIELDS
        if rebuild:
            raise ValueError(f"changing {', '.join(sorted(rebuild))} needs a new network (rebuild)")
        new = self.config.replace(**changes)
        new.validate()
        if new == self.config:
            return
        old = self.config
        self.config = new
        new_spec = _opt_spec(new)
        if new_spec != self._opt_spec:
            self._opt_spec = new_spec
            self.opt_state = init_state(new_spec, self._flat(self.params))
        if (new.batch_mode, new.batch_size) != (old.batch_mode, old.batch_size):
            self.traces = deque(self.traces, maxlen=self._trace_capacity())
        self.diverged = None
        self._take_snapshot(pinned=True)

    def set_lr(self, lr: float) -> None:
        """Change the base learning rate, keeping the weights."""
        self.update_config(lr=lr)

    def set_optimizer(self, name: str, **hyper) -> None:
        """Switch optimizer (its state restarts), keeping the weights."""
        self.update_config(optimizer=name, **hyper)

    def set_batch_mode(self, mode: str, batch_size: int | None = None) -> None:
        """Switch to full batch, mini-batch (of batch_size) or SGD, keeping the weights."""
        changes = {"batch_mode": mode}
        if batch_size is not None:
            changes["batch_size"] = batch_size
        self.update_config(**changes)

    # ---- snapshots and rewind -------------------------------------------------------------------
    def _take_snapshot(self, pinned: bool) -> None:
        snap = _Snapshot(self.iteration, self.config, tuple((W.copy(), b.copy()) for W, b in self.params),
                         copy_state(self.opt_state), self._rng_before_perm, self._perm is not None,
                         self._cursor, self.epoch, self.batch_in_epoch, pinned)
        if self._snapshots and self._snapshots[-1].iteration == self.iteration:
            self._snapshots[-1] = snap
        else:
            self._snapshots.append(snap)
        per_snapshot = sum(W.nbytes + b.nbytes for W, b in snap.params) * (1 + len(snap.opt_state) // 2)
        if len(self._snapshots) > min(MAX_SNAPSHOTS, max(8, SNAPSHOT_MEMORY_BUDGET // per_snapshot)):
            self._thin_snapshots()

    def _thin_snapshots(self) -> None:
        # keep pinned ones and every other regular one; replay cost doubles, memory stays bounded
        self._snapshot_every *= 2
        self._snapshots = [s for s in self._snapshots
                           if s.pinned or s.iteration % self._snapshot_every == 0 or s is self._snapshots[-1]]

    def _restore(self, snap: _Snapshot) -> None:
        self.config = snap.config
        self._opt_spec = _opt_spec(snap.config)
        self.params = [(W.copy(), b.copy()) for W, b in snap.params]
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

    def memory_bytes(self) -> int:
        """Return an estimate of the bytes held by history, traces and snapshots."""
        def arrays_of_trace(tr: StepTrace) -> int:
            return tr.x.nbytes + tr.y.nbytes + sum(
                sum(getattr(lt, f).nbytes for f in ("W", "b", "z", "a", "delta", "grad_W", "grad_b",
                                                    "update_W", "update_b")) for lt in tr.layers)
        snaps = sum(sum(W.nbytes + b.nbytes for W, b in s.params) for s in self._snapshots)
        return self.history.nbytes() + sum(arrays_of_trace(t) for t in self.traces) + snaps


def _opt_spec(cfg: Config) -> OptimizerSpec:
    return OptimizerSpec(cfg.optimizer, cfg.momentum, cfg.beta1, cfg.beta2, cfg.eps)
