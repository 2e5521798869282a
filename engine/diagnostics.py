"""Gradient diagnostics for the vanishing/exploding-gradients lesson, and a set of nets stepped together.

Everything is measured from one forward + backward pass on the whole training set at the current
weights (no update), so iteration 0 already shows how δ shrinks or grows from layer to layer. It is the pass a
full-batch step makes: batch norm with the batch's statistics (the running ones stay as they are), but no dropout,
so the numbers do not depend on a random mask.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import limits
from .config import LIVE_FIELDS, Config
from .data import make_dataset
from .initializers import initial_params
from .network import Net, Norms, Params, backward, forward_pass, mean_abs
from .trainer import Trainer

Array = np.ndarray

COMPARE_ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: f′(z) below this counts as saturated for the S-shaped activations (σ′ peaks at 0.25, tanh′ at 1)
SATURATION_THRESHOLD = 0.05
S_SHAPED = frozenset({"sigmoid", "tanh"})


@dataclass(frozen=True, eq=False)
class GradientSnapshot:
    """One forward + backward pass on a data set; lists hold one array per layer l = 1..L."""

    activation: str           #: name of the hidden activation
    zs: list[Array]           #: (N, n_l) pre-activations
    acts: list[Array]         #: (N, n_l) activations a_1..a_L (the input is not included)
    deltas: list[Array]       #: (N, n_l) δ = ∂ℓ_i/∂z per sample (δ at z with batch norm)
    grads_W: list[Array]      #: (n_l, n_{l−1}) ∂(mean loss)/∂W
    dfs: list[Array]          #: (N, n_l) f′(y) of the hidden layers only (L − 1 arrays; y = z without batch norm)

    @property
    def mean_abs_delta(self) -> Array:
        """Return mean |δ| per layer, shape (L,)."""
        return mean_abs_delta(self.deltas)

    @property
    def grad_W_rms(self) -> Array:
        """Return the per-element ‖∂L/∂W‖ per layer, shape (L,)."""
        return per_element_norm(self.grads_W)


def gradient_snapshot(net: Net, params: Params, x: Array, y: Array, activation: str = "",
                      norms: Norms | None = None) -> GradientSnapshot:
    """Return the GradientSnapshot of params (and batch norms) on (x, y): forward, backward, no update."""
    with np.errstate(all="ignore"):
        passes = forward_pass(net, params, x, norms, train=True)
        grads = backward(net, params, x, passes, y, norms)
        dfs = [net.hidden.df(lp.y, lp.a) for lp in passes[:-1]]
    return GradientSnapshot(activation or net.hidden.name, [lp.z for lp in passes], [lp.a for lp in passes],
                            grads.delta, grads.W, dfs)


def trainer_snapshot(trainer: Trainer) -> GradientSnapshot:
    """Return the GradientSnapshot of the trainer's current weights on its whole training set."""
    s = trainer.split
    return gradient_snapshot(trainer.net, trainer.params, s.X_train, s.y_train, trainer.config.activation,
                             trainer.norms)


def mean_abs_delta(deltas: Sequence[Array]) -> Array:
    """Return mean |δ| over samples and units for each layer, shape (L,)."""
    with np.errstate(all="ignore"):
        return np.array(mean_abs(list(deltas)))


def per_element_norm(grads_W: Sequence[Array]) -> Array:
    """Return ‖G‖_F / √(n_out·n_in) for each layer's weight gradient G, shape (L,)."""
    with np.errstate(all="ignore"):
        return np.array([math.sqrt(float(np.vdot(g, g)) / g.size) for g in grads_W])


def first_last_ratio(per_layer: Array) -> float:
    """Return per_layer[first hidden] / per_layer[last hidden] (the output layer, last, is left out)."""
    if per_layer.shape[0] < 3:
        raise ValueError("the ratio needs at least two hidden layers")
    with np.errstate(all="ignore"):
        return float(per_layer[0] / per_layer[-2])


def saturation_fraction(snap: GradientSnapshot) -> Array:
    """Return, per hidden layer, the fraction of (sample, unit) pairs that are saturated, shape (L − 1,).

    Saturated means f′(z) < 0.05 for sigmoid and tanh, and f′(z) == 0 for every other activation.
    """
    if snap.activation in S_SHAPED:
        return np.array([float((df < SATURATION_THRESHOLD).mean()) for df in snap.dfs])
    return np.array([float((df == 0).mean()) for df in snap.dfs])


def dead_units(snap: GradientSnapshot) -> Array:
    """Return, per hidden layer, how many units output exactly 0 for every sample, shape (L − 1,) ints."""
    return np.array([int((a == 0).all(axis=0).sum()) for a in snap.acts[:-1]], dtype=int)


def layer_histograms(values: Sequence[Array], lo: float, hi: float, bins: int = 40) -> tuple[Array, Array]:
    """Return (bin centres (bins,), fractions (layers, bins)); each row is the share of its finite values per bin."""
    edges = np.linspace(lo, hi, bins + 1)
    rows = np.zeros((len(values), bins))
    for i, v in enumerate(values):
        v = v[np.isfinite(v)]
        if v.size:
            rows[i] = np.histogram(v, bins=edges)[0] / v.size
    return 0.5 * (edges[:-1] + edges[1:]), rows


def activation_values(snap: GradientSnapshot) -> list[Array]:
    """Return the hidden activations of each layer flattened (exact zeros left out for ReLU), one per layer."""
    if snap.activation == "relu":
        return [a[a != 0].ravel() for a in snap.acts[:-1]]
    return [a.ravel() for a in snap.acts[:-1]]


def activation_range(snaps: Sequence[GradientSnapshot]) -> tuple[float, float]:
    """Return the (lo, hi) range that holds every finite hidden activation of snaps."""
    fixed = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    lows, highs = [], []
    for s in snaps:
        lo, hi = fixed.get(s.activation) or _finite_range(np.concatenate(activation_values(s)))
        lows.append(lo)
        highs.append(hi)
    return _nonempty_range(min(lows, default=0.0), max(highs, default=1.0))


def log_abs_delta_values(snap: GradientSnapshot) -> list[Array]:
    """Return log10 |δ| of each hidden layer flattened (exact zeros left out), one array per layer."""
    with np.errstate(all="ignore"):
        return [np.log10(np.abs(d[d != 0])).ravel() for d in snap.deltas[:-1]]


def log_delta_range(snaps: Sequence[GradientSnapshot], decades: float = 10.0) -> tuple[float, float]:
    """Return a shared (lo, hi) of log10 |δ| over snaps, at most `decades` wide below the largest value."""
    lo, hi = _finite_range(np.concatenate([v for s in snaps for v in log_abs_delta_values(s)]))
    return _nonempty_range(max(lo, hi - decades), hi)


def _finite_range(v: Array) -> tuple[float, float]:
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)


def _nonempty_range(lo: float, hi: float) -> tuple[float, float]:
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def grad_rms_over_time(trainer: Trainer, now: GradientSnapshot | None = None) -> tuple[Array, Array]:
    """Return (iterations (S+1,), per-element ‖∂L/∂W‖ (S+1, L)) at the weights after 0..S steps.

    Row j < S is the gradient step j+1 used (its batch); the last row is `now` (the current weights).
    """
    sizes = np.array([W.size for W, _ in trainer.params], dtype=np.float64)
    past = trainer.history.grad_W_norm / np.sqrt(sizes)
    now = now or trainer_snapshot(trainer)
    rows = np.vstack([past, now.grad_W_rms[None, :]])
    return np.arange(rows.shape[0]), rows


class Comparison:
    """One Trainer per hidden activation: same data, batch order and initial weights; stepped together."""

    def __init__(self, config: Config, activations: Sequence[str] = COMPARE_ACTIVATIONS):
        if not activations:
            raise ValueError("choose at least one activation to compare")
        config.validate()
        self.config = config
        dataset = make_dataset(config.dataset, config.n_samples, config.noise, config.data_seed)
        # the nets run in one session, so they share one session's size budget
        problems = limits.network_problems(dataset.X.shape[1], tuple(config.hidden), dataset.y.shape[1], dataset.n,
                                           config.batch_norm, copies=len(activations))
        if problems:
            raise ValueError(problems[0])
        probe = Trainer(config.replace(activation=activations[0]), dataset=dataset)
        # one draw of the weights shared by all nets, so the activation is the only difference
        start = initial_params(config.seed, config.init, probe.sizes, config.init_scale)
        self.trainers: dict[str, Trainer] = {
            a: Trainer(config.replace(activation=a), dataset=dataset, params=start) for a in activations}
        self.diverged_at: dict[str, int] = {}

    @property
    def activations(self) -> tuple[str, ...]:
        """Return the activation names, in display order."""
        return tuple(self.trainers)

    @property
    def iteration(self) -> int:
        """Return the largest iteration reached by any of the nets."""
        return max(t.iteration for t in self.trainers.values())

    def step(self) -> list[str]:
        """Step every net that has not diverged once; return the names of those that diverged now."""
        newly = []
        for name, trainer in self.trainers.items():
            if name in self.diverged_at:
                continue
            trace = trainer.step()
            if not trace.ok:
                self.diverged_at[name] = trace.iteration
                newly.append(name)
        return newly

    def run(self, n: int) -> list[str]:
        """Step all nets together up to n times, stopping at the first divergence; return who diverged."""
        for _ in range(n):
            newly = self.step()
            if newly:
                return newly
            if len(self.diverged_at) == len(self.trainers):
                break
        return []

    def snapshots(self) -> dict[str, GradientSnapshot]:
        """Return each net's GradientSnapshot at its current weights, by activation name."""
        return {name: trainer_snapshot(t) for name, t in self.trainers.items()}

    def update_live(self, config: Config) -> None:
        """Apply live settings of config (learning rate, optimizer, clipping…) to every net, keeping weights."""
        changes = {k: getattr(config, k) for k in LIVE_FIELDS}
        for trainer in self.trainers.values():
            trainer.update_config(**changes)
        self.config = dataclasses.replace(self.config, **changes)
        self.diverged_at.clear()  # new settings: let the diverged nets try again from their last finite weights


def comparison_for(current: Comparison | None, config: Config,
                   activations: Sequence[str]) -> tuple[Comparison, list[str]]:
    """Return (comparison for config, names of the settings that forced a rebuild — empty when kept)."""
    if current is None:
        return Comparison(config, activations), []
    changed = [f.name for f in dataclasses.fields(Config)
               if f.name != "activation" and getattr(config, f.name) != getattr(current.config, f.name)]
    rebuild = [k for k in changed if k not in LIVE_FIELDS]
    if tuple(activations) != current.activations:
        rebuild.append("activations")
    if rebuild:
        return Comparison(config, activations), rebuild
    if changed:
        current.update_live(config)
    return current, []
