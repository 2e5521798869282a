"""Loss landscapes: the training loss on a plane through parameter space, and paths drawn on it.

A plane is a centre θ* and two directions d1, d2 (flat vectors shaped like `Trainer.param_vector()`); the loss
at plane coordinates (x, y) is L(θ* + x·d1 + y·d2). Directions come from two chosen weights, random
filter-normalised Gaussians (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets"), or the top two
principal components of the training path. Every grid point is evaluated in one batched forward pass
(`network.forward` with a leading grid axis), chunked to bound memory.

To watch the surface shrink, the page draws in a `Frame`: the plane, the axis ranges, the surface and its colour
range, chosen once — from the path so far and where the next LOOKAHEAD steps go — and kept while training runs,
so the point and its `Path` move over a still map. `update_frame` keeps a frame or says why it chose a new one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import limits
from .config import BATCH_MODES, Config
from .data import Dataset
from .losses import penalty
from .network import Net, Norms, Params, data_loss, params_vector, unflatten
from .optim import OPTIMIZERS
from .trainer import Trainer

Array = np.ndarray
Progress = Callable[[int, int], None] | None

KINDS = {"pca": "PCA of the path", "random": "Random, filter-normalised", "weights": "Two chosen weights"}
#: what the two axes are, one sentence each (the page's help)
KIND_HELP = {
    "pca": "PCA of the path: x is the direction in weight space along which training moves the most (the path "
           "so far and its next steps), y the one it moves the most at right angles to x.",
    "random": "Filter-normalised random directions: x and y are two random directions in weight space, each "
              "neuron's part scaled to the size of that neuron's weights, so 1 on an axis is a change as big as "
              "the weights themselves.",
    "weights": "Two chosen weights: x and y are the values of those two weights; every other weight stays as it "
               "was when the map was drawn.",
}
CHUNK_BYTES = 2 * 2**20       # working memory of one chunk of grid points: small enough to stay in cache
MAX_PATH_POINTS = 1000        # a Path keeps at most this many points (fewer for a big net); older ones are thinned
RUN_PATH_POINTS = 400         # a side-by-side run keeps at most this many points of its path
LOOKAHEAD = 300               # a frame makes room for where the next this many steps go
MARGIN = 0.12                 # a PCA frame: the path's extent plus this fraction of it on each side
AUTO_MARGIN = 1.3             # random and weight frames: ± this × the farthest path point (at least ±1)
MIN_ASPECT = 0.3              # an auto-ranged axis is at least this fraction of the other
BLOW_UP = 1e3                 # a run whose loss grew this many times has blown up
INTERP_ALPHAS = np.linspace(-0.25, 1.25, 121)   # α of the straight line θ₀ + α·(θ − θ₀): a little past both ends


def surface_sample(n_train: int) -> Array | None:
    """Return the training rows (k,) a loss surface uses for a training set of n_train rows: None (all of them)
    up to limits.SURFACE_ROWS, else that many drawn once with a fixed seed (the same rows at every step)."""
    if n_train <= limits.SURFACE_ROWS:
        return None
    return np.sort(np.random.default_rng(0).choice(n_train, size=limits.SURFACE_ROWS, replace=False))


def data_label(n_train: int, rows: Array | None = None) -> str:
    """Return what a surface's loss is computed on, for the colour bar: the training set, a sample or a batch."""
    if rows is not None:
        return f"batch of {len(rows)}"
    return "training set" if n_train <= limits.SURFACE_ROWS else f"sample of {limits.SURFACE_ROWS:,} rows"


@dataclass(frozen=True, eq=False)
class LossModel:
    """What the training loss depends on besides the parameters: net, data rows, sizes, l1/l2, and the batch
    norms (γ, β and the running statistics, held at their values: the landscape varies W and b only)."""

    net: Net
    X: Array
    y: Array
    sizes: tuple[int, ...]
    l1: float = 0.0
    l2: float = 0.0
    norms: Norms = ()

    @classmethod
    def of(cls, trainer: Trainer, rows: Array | None = None) -> LossModel:
        """Return the LossModel of trainer's objective on its training set (or on the training rows `rows`),
        evaluated as the train loss is: every neuron (no dropout), batch norm with the running statistics.

        A training set of more than limits.SURFACE_ROWS rows is represented by a fixed sample of that many.
        """
        X, y = trainer.split.X_train, trainer.split.y_train
        rows = surface_sample(len(X)) if rows is None else rows
        if rows is not None:
            X, y = X[rows], y[rows]
        return cls(trainer.net, X, y, tuple(trainer.sizes), trainer.config.l1, trainer.config.l2,
                   tuple(trainer.norms))

    @property
    def n_params(self) -> int:
        """Return P, the number of parameters (weights and biases)."""
        return sum(o * i + o for i, o in itertools.pairwise(self.sizes))


@dataclass(frozen=True, eq=False)
class Directions:
    """A plane through parameter space: centre θ* (P,), directions d1, d2 (P,), axis titles in words.

    `origin` is the coordinate shown at the centre (the chosen weights' values; 0 otherwise) and
    `explained` the PCA explained-variance ratio of each axis (None for other kinds).
    """

    kind: str
    center: Array
    d1: Array
    d2: Array
    labels: tuple[str, str]
    origin: tuple[float, float] = (0.0, 0.0)
    explained: tuple[float, float] | None = None


# ---- parameter names -------------------------------------------------------------------------------
def param_names(sizes: tuple[int, ...]) -> list[str]:
    """Return the name of every flat parameter, 1-based: 'w[l][j,i]' (into neuron j from i), 'b[l][j]'."""
    names = []
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        names += [f"w[{l}][{j},{i}]" for j in range(1, n_out + 1) for i in range(1, n_in + 1)]
        names += [f"b[{l}][{j}]" for j in range(1, n_out + 1)]
    return names


def describe_param(name: str) -> str:
    """Return a plain description of a parameter name, e.g. 'w[2][1,3] — layer 2, into neuron 1 from 3'."""
    layer, rest = name[2:].split("][")
    idx = rest.rstrip("]").split(",")
    if name.startswith("b"):
        return f"{name} — bias of neuron {idx[0]} in layer {layer}"
    return f"{name} — layer {layer}, into neuron {idx[0]} from {'input' if layer == '1' else 'neuron'} {idx[1]}"


# ---- the three kinds of directions -----------------------------------------------------------------
def weight_directions(center: Array, sizes: tuple[int, ...], first: int, second: int) -> Directions:
    """Return the plane where only flat parameters `first` and `second` move (unit directions)."""
    if first == second:
        raise ValueError("pick two different weights")
    d1, d2 = np.zeros_like(center), np.zeros_like(center)
    d1[first], d2[second] = 1.0, 1.0
    names = param_names(sizes)
    return Directions("weights", center, d1, d2, (names[first], names[second]),
                      origin=(float(center[first]), float(center[second])))


def filter_normalise(direction: Params, params: Params, include_biases: bool) -> list[tuple[Array, Array]]:
    """Return `direction` with each neuron's row rescaled to the norm of the same row of `params`.

    With include_biases the row is [weights into the neuron, its bias]; otherwise bias directions are 0.
    """
    out = []
    for (dW, db), (W, b) in zip(direction, params):
        d_rows = np.hstack([dW, db[:, None]]) if include_biases else dW
        p_rows = np.hstack([W, b[:, None]]) if include_biases else W
        d_norm = np.linalg.norm(d_rows, axis=1, keepdims=True)
        scale = np.divide(np.linalg.norm(p_rows, axis=1, keepdims=True), d_norm,
                          out=np.zeros_like(d_norm), where=d_norm > 0)
        rows = d_rows * scale
        out.append((rows[:, :dW.shape[1]], rows[:, -1] if include_biases else np.zeros_like(db)))
    return out


def random_directions(model: LossModel, center: Array, seed, include_biases: bool = False) -> Directions:
    """Return two Gaussian directions, filter-normalised to the weights at `center` (Li et al. 2018)."""
    rng = np.random.default_rng(seed)
    params = unflatten(center, model.sizes)
    flat = []
    for _ in range(2):
        raw = unflatten(rng.normal(size=center.shape), model.sizes)
        flat.append(params_vector(filter_normalise(raw, params, include_biases)))
    if not flat[0].any():
        raise ValueError("all weights are zero, so filter-normalised directions are zero too")
    return Directions("random", center, flat[0], flat[1],
                      ("random direction 1 (filter-normalised)", "random direction 2 (filter-normalised)"))


def pca_directions(path: Array, center: Array) -> Directions:
    """Return the top two principal components of the path points (S, P) as unit directions through `center`.

    Signs are chosen so the path runs towards positive coordinates (its last point minus its first has
    non-negative components). Raises ValueError when the path spans fewer than two dimensions.
    """
    if path.shape[0] < 3:
        raise ValueError("PCA of the path needs at least three points on it (take a few steps)")
    variances, components = _principal(path - path.mean(axis=0))
    if variances.size < 2 or variances[1] <= 1e-12 * max(variances[0], 1e-300):
        raise ValueError("the path is a straight line so far, so it has only one principal direction")
    ratios = variances / np.sum(np.clip(variances, 0.0, None))
    travel = path[-1] - path[0]
    dirs = [components[k] if travel @ components[k] >= 0 else -components[k] for k in range(2)]
    labels = tuple(f"direction {k + 1} (PC{k + 1}, {100 * ratios[k]:.3g} % of variance)" for k in range(2))
    return Directions("pca", center, dirs[0], dirs[1], labels, explained=(float(ratios[0]), float(ratios[1])))


def _principal(centred: Array) -> tuple[Array, Array]:
    """Return (variances, unit components (k, P)) of centred rows (S, P), largest first.

    An eigen-decomposition of the Gram matrix in the smaller dimension (S × S or P × P): the path is hundreds of
    points in up to thousands of parameters, and the full SVD was ten times slower (and erratic under load).
    """
    S, P = centred.shape
    if S < P:   # eigenvectors u of X Xᵀ give the components Xᵀu / ‖Xᵀu‖
        values, vectors = np.linalg.eigh(centred @ centred.T)
        values, vectors = values[::-1], vectors[:, ::-1]
        components = (centred.T @ vectors).T
        norms = np.linalg.norm(components, axis=1, keepdims=True)
        components = np.divide(components, norms, out=np.zeros_like(components), where=norms > 0)
    else:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        values, components = values[::-1], vectors[:, ::-1].T
    return np.clip(values, 0.0, None), components


def choose_directions(kind: str, model: LossModel, path: Array, center: Array, seed, picks: tuple[int, int] = (0, 1),
                      include_biases: bool = False) -> tuple[Directions, str | None]:
    """Return (directions through `center`, a note saying why another kind was used, or None)."""
    note = None
    if kind == "pca":
        try:
            return pca_directions(path, center), None
        except ValueError as e:
            note = f"{e}; showing random filter-normalised directions instead."
            kind = "random"
    if kind == "random":
        try:
            return random_directions(model, center, seed, include_biases), note
        except ValueError as e:
            note = f"{e}; showing two chosen weights instead."
    return weight_directions(center, model.sizes, *picks), note


# ---- batched loss evaluation -----------------------------------------------------------------------
def _chunk_size(model: LossModel) -> int:
    """Return the grid points per chunk: the forward pass keeps every layer's z and a, and a chunk whose arrays
    stay in the CPU's cache runs several times faster than a bigger one (bench/landscape.py)."""
    per_point = 8 * (2 * model.X.shape[0] * sum(model.sizes[1:]) + 3 * model.n_params)
    return max(1, CHUNK_BYTES // per_point)


def _losses_chunk(model: LossModel, center: Array, d1: Array, d2: Array, xs: Array, ys: Array) -> Array:
    """Return the training loss at θ* + x·d1 + y·d2 for each (x, y) pair, shape (G,)."""
    theta = center + xs[:, None] * d1 + ys[:, None] * d2       # (G, P); exactly θ* where x = y = 0
    # contiguous copies: matmul over strided views of theta is several times slower
    params = [(np.ascontiguousarray(W), np.ascontiguousarray(b)) for W, b in unflatten(theta, model.sizes)]
    # the trainer's own forward pass and loss, with a leading grid axis: the centre is its loss bit for bit
    loss = data_loss(model.net, params, model.X, model.y, model.norms)
    return loss + penalty([W for W, _ in params], model.l1, model.l2)


def losses_at(model: LossModel, center: Array, d1: Array, d2: Array, xs: Array, ys: Array,
              on_progress: Progress = None) -> Array:
    """Return the training loss (data + penalty) at θ* + x_g·d1 + y_g·d2 for paired xs, ys (G,) → (G,).

    Non-finite values (an overflowing corner of the grid) come back as inf/NaN, without warnings.
    """
    xs, ys = np.ravel(np.asarray(xs, dtype=np.float64)), np.ravel(np.asarray(ys, dtype=np.float64))
    out = np.empty(xs.shape[0])
    step = _chunk_size(model)
    n_chunks = -(-xs.shape[0] // step)
    with np.errstate(all="ignore"):
        for c, start in enumerate(range(0, xs.shape[0], step)):
            sl = slice(start, start + step)
            out[sl] = _losses_chunk(model, center, d1, d2, xs[sl], ys[sl])
            if on_progress is not None and n_chunks > 1:
                on_progress(c + 1, n_chunks)
    return out


def _model_of(source: Trainer | LossModel) -> LossModel:
    """Return the LossModel of a Trainer, or the LossModel itself."""
    return LossModel.of(source) if isinstance(source, Trainer) else source


def surface(source: Trainer | LossModel, directions: Directions, grid: tuple[Array, Array],
            on_progress: Progress = None) -> Array:
    """Return Z (len(ys), len(xs)) with Z[j, i] = loss at centre + xs[i]·d1 + ys[j]·d2 (rows = y, Plotly's way).

    `grid` = (xs, ys) are offsets from the centre; the loss is the training loss of `source` (a Trainer
    or a LossModel) including its regularization penalty.
    """
    xs, ys = (np.asarray(g, dtype=np.float64) for g in grid)
    gx, gy = np.meshgrid(xs, ys)
    model = _model_of(source)
    return losses_at(model, directions.center, directions.d1, directions.d2, gx, gy, on_progress).reshape(gy.shape)


def loss_of(model: LossModel, theta: Array) -> float:
    """Return the objective (data loss + penalty) of `model` at the flat parameters theta (P,)."""
    zero = np.zeros_like(theta)
    return float(losses_at(model, theta, zero, zero, [0.0], [0.0])[0])


def current_loss(trainer: Trainer) -> float:
    """Return the trainer's training objective now: train loss + regularization penalty (as in a step)."""
    return loss_of(LossModel.of(trainer), trainer.param_vector())


def interpolation(source: Trainer | LossModel, start: Array, end: Array, alphas: Array) -> Array:
    """Return the loss along the straight line start + α·(end − start) for each α, shape (len(alphas),)."""
    alphas = np.asarray(alphas, dtype=np.float64)
    return losses_at(_model_of(source), start, end - start, np.zeros_like(start), alphas, np.zeros_like(alphas))


def project(path: Array, directions: Directions) -> Array:
    """Return the path's offsets in the plane (S, 2): least squares of θ_s − θ* on [d1 d2].

    For orthonormal directions (PCA, chosen weights) these are plain dot products.
    """
    basis = np.stack([directions.d1, directions.d2], axis=1)           # (P, 2)
    gram = basis.T @ basis
    rhs = (np.atleast_2d(path) - directions.center) @ basis
    if abs(np.linalg.det(gram)) <= 1e-300:
        return rhs / np.maximum(np.diag(gram), 1e-300)
    return np.linalg.solve(gram, rhs.T).T


# ---- the grid ----------------------------------------------------------------------------------------
def grid_axis(span: float, n: int) -> Array:
    """Return n offsets from −span to +span, shape (n,); for odd n the middle one is exactly 0."""
    half = (n - 1) / 2
    return span * ((np.arange(n) - half) / half) if n > 1 else np.zeros(1)


def auto_ranges(kind: str, coords: Array) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return ((x lo, x hi), (y lo, y hi)) offsets that show the projected points (S, 2) and the centre.

    PCA: the points' extent plus MARGIN on each side (the path need not be centred), no axis flatter than
    MIN_ASPECT of the other. Random and weight planes: symmetric, at least ±1 (a whole filter norm / one
    weight unit, as Li et al. show them).
    """
    pts = np.vstack([np.zeros((1, 2)), coords[np.isfinite(coords).all(axis=1)]])
    if kind != "pca":
        s = max(1.0, AUTO_MARGIN * float(np.abs(pts).max()))
        return (-s, s), (-s, s)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = np.maximum(hi - lo, 1e-6)
    extent = np.maximum(extent, MIN_ASPECT * extent.max())
    mid = (lo + hi) / 2
    half = (0.5 + MARGIN) * extent
    return (float(mid[0] - half[0]), float(mid[0] + half[0])), (float(mid[1] - half[1]), float(mid[1] + half[1]))


def log_range(values: Array) -> tuple[float, float]:
    """Return (lowest, highest) log10 of the finite positive values: a colour range (0, 1) when there are none."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return 0.0, 1.0
    lo, hi = float(np.log10(v.min())), float(np.log10(v.max()))
    return (lo - 0.01, hi + 0.01) if hi - lo < 0.02 else (lo, hi)


# ---- the path ----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Path:
    """A trainer's path: iterations (S,), flat parameters (S, P), the training data loss after each (S,).

    The losses are the trainer's history, so they also tell whether the path still belongs to it (after a
    rewind the trainer may have gone another way).
    """

    iterations: Array
    points: Array
    losses: Array

    def at(self, trainer: Trainer, iteration: int) -> Array:
        """Return the flat parameters (P,) after `iteration` steps (from the path, else replayed by the trainer)."""
        k = int(np.searchsorted(self.iterations, iteration))
        if k < self.iterations.size and self.iterations[k] == iteration:
            return self.points[k]
        return params_vector(trainer.params_at(iteration))


def path_of(trainer: Trainer, old: Path | None = None, max_points: int | None = None) -> Path:
    """Return the trainer's Path from iteration 0 to now, reusing the points of `old` that still belong to it.

    New iterations come from the trainer's recent traces (the weights each step started from) or, failing
    that, from `params_at`; at most max_points are kept (older stretches thinned, the newest kept dense), by
    default MAX_PATH_POINTS or what fits limits.PATH_MEMORY_BUDGET.
    """
    if max_points is None:
        max_points = max(16, min(MAX_PATH_POINTS, limits.PATH_MEMORY_BUDGET // (8 * trainer.param_vector().size)))
    history = trainer.history.column("train_loss")
    now = trainer.iteration
    if old is not None and old.iterations.size and old.iterations[0] == 0:
        its, pts, losses = old.iterations, old.points, old.losses
        inside = its <= now
        same = np.r_[True, history[np.minimum(its[1:], max(now, 1)) - 1] == losses[1:]] if now else its == 0
        keep = np.cumprod(inside & same).astype(bool)     # up to the first point that no longer belongs
        its, pts, losses = its[keep], pts[keep], losses[keep]
    else:
        start = trainer.params_at(0)
        its, pts = np.array([0]), params_vector(start)[None]
        # on the whole training set, as the history's train loss of every later point
        losses = np.array([float(data_loss(trainer.net, start, trainer.split.X_train, trainer.split.y_train,
                                           trainer.norms))])
    new = np.arange(int(its[-1]) + 1, now + 1)
    if new.size > max_points:   # a long run elsewhere: evenly spaced points of it, then its newest stretch whole
        dense = max_points // 2
        new = np.r_[np.round(np.linspace(new[0], now - dense, max_points - dense, endpoint=False)).astype(int),
                    np.arange(now - dense + 1, now + 1)]
        new = np.unique(new)
    if new.size:
        pts = np.vstack([pts, _points_at(trainer, new)])
        its = np.r_[its, new]
        losses = np.r_[losses, history[new - 1]]
    return _thinned(Path(its, pts, losses), max_points)


def _points_at(trainer: Trainer, iterations: Array) -> Array:
    """Return the flat parameters (k, P) after each of `iterations` (ascending, ≤ now)."""
    started = {tr.iteration - 1: tr for tr in trainer.traces}   # a step's trace holds the weights it started from
    out = []
    for k in iterations.tolist():
        if k == trainer.iteration:
            out.append(trainer.param_vector())
        elif k in started:
            out.append(np.concatenate([x.ravel() for layer in started[k].layers for x in (layer.W, layer.b)]))
        else:
            out.append(params_vector(trainer.params_at(k)))
    return np.array(out)


def _thinned(path: Path, max_points: int) -> Path:
    """Return path with at most max_points points: every other one of the older half dropped until it fits."""
    its, pts, losses = path.iterations, path.points, path.losses
    while its.size > max_points:
        dense = max_points // 2                 # the newest stay every iteration
        old = np.arange(its.size - dense)
        keep = np.r_[old[(old % 2 == 0) | (old == 0)], np.arange(its.size - dense, its.size)]
        its, pts, losses = its[keep], pts[keep], losses[keep]
    return path if its.size == path.iterations.size else Path(its, pts, losses)


# ---- a fixed frame -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapSettings:
    """What the lecturer chose for the map: kind of directions, grid points per side, span (None = auto),
    random seed, the two chosen weights, whether random directions move the biases."""

    kind: str = "pca"
    grid_n: int = 41
    span: float | None = None
    seed: tuple[int, ...] = (1, 0)
    picks: tuple[int, int] = (0, 1)
    biases: bool = False


#: why a frame was chosen: words for the page
REASONS = {"start": "chosen for the first steps", "asked": "re-framed as you asked",
           "settings": "chosen for the new settings", "left": "re-framed: the point had left the map",
           "follow": "centred on the point"}


@dataclass(frozen=True, eq=False)
class Frame:
    """A map that stays still while training runs: plane, grid offsets xs (nx,), ys (ny,), the training-set
    surface Z (ny, nx) with its log10 colour range, and when and why it was chosen."""

    settings: MapSettings
    penalty: tuple[float, float]          #: (l1, l2) the surface includes
    directions: Directions
    xs: Array
    ys: Array
    Z: Array
    zrange: tuple[float, float]
    iteration: int
    reason: str
    note: str | None = None               #: why other directions than asked were used

    def offsets(self, points: Array) -> Array:
        """Return the plane offsets (S, 2) of flat parameter points (S, P) (or (1, 2) of one point)."""
        return project(points, self.directions)

    def display(self, offsets: Array) -> Array:
        """Return axis coordinates (S, 2) of plane offsets (S, 2) (the chosen weights' values on a weight map)."""
        return offsets + np.array(self.directions.origin)

    def contains(self, offset: Array) -> bool:
        """Return True when the plane offset (2,) lies on the map (inside both axis ranges)."""
        x, y = np.ravel(offset)[:2]
        return bool(self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1])


def choose_frame(trainer: Trainer, path: Path, settings: MapSettings, reason: str,
                 lookahead: int = LOOKAHEAD) -> Frame:
    """Return a new Frame through the trainer's weights now that shows its path so far and its next steps."""
    model = LossModel.of(trainer)
    center = trainer.param_vector()
    past = path.points[path.iterations <= trainer.iteration]
    if not np.array_equal(past[-1], center):   # a path that does not reach now yet
        past = np.vstack([past, center])
    points = np.vstack([past, trainer.ahead(lookahead)])
    directions, note = choose_directions(settings.kind, model, points, center, settings.seed, settings.picks,
                                         settings.biases)
    coords = project(points, directions)
    if settings.span is None:
        (x0, x1), (y0, y1) = auto_ranges(directions.kind, coords)
    else:
        x0, x1, y0, y1 = -settings.span, settings.span, -settings.span, settings.span
    xs, ys = np.linspace(x0, x1, settings.grid_n), np.linspace(y0, y1, settings.grid_n)
    Z = surface(model, directions, (xs, ys))
    # the colour range also reaches the loss under the coming path, which may dip between grid points
    under = losses_at(model, center, directions.d1, directions.d2, coords[:, 0], coords[:, 1])
    return Frame(settings, (model.l1, model.l2), directions, xs, ys, Z, log_range(np.r_[Z.ravel(), under]),
                 trainer.iteration, reason, note)


def update_frame(frame: Frame | None, trainer: Trainer, path: Path, settings: MapSettings, asked: bool = False,
                 follow: bool = False) -> Frame:
    """Return `frame` when it still fits, else a new one whose `reason` says why (see REASONS).

    It is re-chosen at the start, when asked, when the settings or the penalty (part of the surface) changed,
    every time in follow mode, and when the path since the frame was chosen went outside its axis ranges.
    """
    if frame is None:
        reason = "start"
    elif asked:
        reason = "asked"
    elif frame.settings != settings or frame.penalty != (trainer.config.l1, trainer.config.l2):
        reason = "settings"
    elif follow:
        reason = "follow"
    elif not _contains_path(frame, trainer, path):
        reason = "left"
    else:
        return frame
    return choose_frame(trainer, path, settings, reason)


def _contains_path(frame: Frame, trainer: Trainer, path: Path) -> bool:
    """Return True when the weights now and every path point since the frame was chosen lie on the map (a Step ×10
    may leave it and come back between two redraws)."""
    points = np.vstack([path.points[path.iterations > frame.iteration], trainer.param_vector()])
    xy = frame.offsets(points)
    return bool(np.all((frame.xs[0] <= xy[:, 0]) & (xy[:, 0] <= frame.xs[-1]) &
                       (frame.ys[0] <= xy[:, 1]) & (xy[:, 1] <= frame.ys[-1])))


# ---- what one map draws --------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PathOnPlane:
    """One trajectory on a plane: iterations (S,), axis coordinates (S, 2), training loss after each (S,), and
    the plane's loss under each point (S,) when asked for (the 3-D view draws the path on the surface)."""

    label: str
    iterations: Array
    coords: Array
    losses: Array
    heights: Array | None = None


@dataclass(frozen=True, eq=False)
class Map:
    """Everything one map draws, in axis coordinates: grid xs (nx,), ys (ny,), loss Z (ny, nx) with its fixed log10
    colour range, the paths, and the point now (x, y, its loss on the data shown) or None."""

    directions: Directions
    xs: Array
    ys: Array
    Z: Array
    zrange: tuple[float, float]
    paths: tuple[PathOnPlane, ...]
    point: tuple[float, float, float] | None = None
    data: str = "training set"            #: the rows the surface and the point's loss are computed on
    revision: str = ""                    #: changes when the frame does (keeps a zoom until then)


def on_plane(model: LossModel, directions: Directions, label: str, iterations: Array, points: Array,
             losses: Array, heights: bool = False, origin: tuple[float, float] = (0.0, 0.0)) -> PathOnPlane:
    """Return the points (S, P) projected on the plane, with the plane's loss under each when `heights`."""
    offsets = project(points, directions)
    under = losses_at(model, directions.center, directions.d1, directions.d2, offsets[:, 0], offsets[:, 1]) \
        if heights else None
    return PathOnPlane(label, np.asarray(iterations), offsets + np.array(origin), np.asarray(losses), under)


def frame_map(frame: Frame, trainer: Trainer, path: Path, upto: int | None = None, rows: Array | None = None,
              heights: bool = False) -> Map:
    """Return the Map of the path up to iteration `upto` (default now) in `frame`, on the training set or, with
    `rows`, on those training rows (a batch: its own surface, in the frame's colour range)."""
    upto = trainer.iteration if upto is None else upto
    keep = path.iterations <= upto
    its, pts, losses = path.iterations[keep], path.points[keep], path.losses[keep]
    if its[-1] != upto:   # thinned away: the weights of that iteration, replayed
        its, pts = np.r_[its, upto], np.vstack([pts, path.at(trainer, upto)])
        losses = np.r_[losses, trainer.history.column("train_loss")[upto - 1] if upto else path.losses[0]]
    model = LossModel.of(trainer, rows)
    d = frame.directions
    Z = frame.Z if rows is None else surface(model, d, (frame.xs, frame.ys))
    drawn = on_plane(model, d, "descent path", its, pts, losses, heights, d.origin)
    x, y = drawn.coords[-1]
    data = data_label(trainer.n_train, rows)
    return Map(d, frame.xs + d.origin[0], frame.ys + d.origin[1], Z, frame.zrange, (drawn,),
               (float(x), float(y), loss_of(model, pts[-1])), data,
               f"{frame.settings}@{frame.iteration}:{frame.reason}:{frame.zrange}")


@dataclass(frozen=True, eq=False)
class Slice:
    """The loss along direction 1 through the weights θ (not their projection): axis coordinates t (n,),
    loss (n,), and the point itself (x, its loss)."""

    label: str
    t: Array
    loss: Array
    point: tuple[float, float]
    zrange: tuple[float, float]


def slice_through(frame: Frame, model: LossModel, theta: Array, n: int = 161) -> Slice:
    """Return the Slice through θ (P,) along d1 over the frame's x range: its value at θ is the loss now."""
    d = frame.directions
    x_now = float(frame.display(frame.offsets(theta))[0, 0])
    t = np.linspace(frame.xs[0], frame.xs[-1], n) + d.origin[0]
    loss = losses_at(model, theta, d.d1, np.zeros_like(d.d1), t - x_now, np.zeros_like(t))
    return Slice(d.labels[0], t, loss, (x_now, loss_of(model, theta)), frame.zrange)


def next_batch(trainer: Trainer) -> Array:
    """Return the training rows (B,) the next step will use (all of them, in order, in full-batch mode)."""
    return trainer.peek().batch_index


# ---- side-by-side runs from the same start ---------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Run:
    """One training run: its η, path and training-loss curve against epochs, and whether it blew up."""

    label: str
    lr: float
    iterations: Array          #: (S,) iterations of the path points
    path: Array                #: (S, P)
    epochs: Array              #: (T+1,) epochs done after each iteration 0..T
    train_loss: Array          #: (T+1,) training data loss after each iteration
    diverged: int | None       #: the iteration at which it diverged or blew up (None: it ran to the end)

    @property
    def trained(self) -> bool:
        """Return True when it ran to the end with a lower training loss than it started with."""
        return self.diverged is None and bool(self.train_loss[-1] < self.train_loss[0])


SIDE_BY_SIDE = {
    "batch_mode": {"full": BATCH_MODES["full"], "mini": BATCH_MODES["mini"], "sgd": BATCH_MODES["sgd"]},
    "optimizer": dict(OPTIMIZERS),
}
#: epochs each run trains by default: batch modes compare passes over the data; full-batch optimizers need a
#: hundred of them (one step each) to show their character
COMPARE_EPOCHS = {"batch_mode": 10, "optimizer": 100}
#: each run's own η on the default experiment: the largest that trains smoothly in 30 runs (bench/side_by_side_lr.py)
RUN_LR = {"batch_mode": {"full": 0.5, "mini": 0.2, "sgd": 0.02},
          "optimizer": {"sgd": 0.5, "momentum": 0.1, "adam": 0.03}}


def run_from(config: Config, dataset: Dataset, params: Params, label: str, epochs: int,
             max_points: int = RUN_PATH_POINTS, on_progress: Progress = None) -> Run:
    """Return the Run of a fresh Trainer(config, dataset, params) trained for `epochs` epochs, keeping at most
    max_points evenly spaced points of its path (fewer for a big net: limits.PATH_MEMORY_BUDGET)."""
    t = Trainer(config, dataset=dataset, params=params)
    max_points = max(16, min(max_points, limits.PATH_MEMORY_BUDGET // (8 * t.param_vector().size)))
    total = epochs * t.batches_per_epoch
    report = max(1, total // 50)
    keep = set(np.round(np.linspace(0, total, min(total + 1, max_points))).astype(int).tolist())
    its, vecs = [0], [t.param_vector()]
    first_loss = float(data_loss(t.net, t.params, t.split.X_train, t.split.y_train, t.norms))
    diverged = None
    for k in range(1, total + 1):
        trace = t.step()
        if not trace.ok or not trace.train_loss < BLOW_UP * first_loss:
            diverged = k
            if trace.ok:   # blown up but finite: its last point still shows where it went
                its.append(t.iteration)
                vecs.append(t.param_vector())
            break
        if k in keep:
            its.append(k)
            vecs.append(t.param_vector())
        if on_progress is not None and k % report == 0:
            on_progress(k, total)
    if its[-1] != t.iteration:
        its.append(t.iteration)
        vecs.append(t.param_vector())
    loss = np.r_[first_loss, t.history.column("train_loss")]
    return Run(label, config.lr, np.array(its), np.array(vecs), np.arange(loss.size) / t.batches_per_epoch, loss,
               diverged)


def shared_plane(runs: list[Run]) -> Directions:
    """Return one PCA plane for the runs that trained: top two components of all their points, through the
    mean of their end points (a run that went wrong would squash the others' paths). ValueError when none did."""
    good = [r for r in runs if r.trained]
    if not good:
        raise ValueError("no run got lower than it started at its learning rate (a loss that grows without bound "
                         "blew up), so lower them and run again")
    points = np.vstack([r.path for r in good])
    center = np.mean([r.path[-1] for r in good], axis=0)
    # the shared start goes first: it fixes the signs (paths run towards positive x, y)
    return pca_directions(np.vstack([good[0].path[0], points, center]), center)


def side_by_side(config: Config, dataset: Dataset, params: Params, field: str, epochs: int, grid_n: int,
                 lrs: dict[str, float] | None = None, on_progress: Progress = None) -> tuple[list[Run], Map]:
    """Return (runs for every value of `field` from the same params, each at its η in `lrs` (default RUN_LR),
    and their Map on one PCA plane of the runs that trained, grid_n × grid_n)."""
    values = SIDE_BY_SIDE[field]
    lrs = {**RUN_LR[field], **(lrs or {})}
    runs = []
    for i, (value, label) in enumerate(values.items()):
        # each run is one share of the bar (the surface after them is quick next to SGD's many steps)
        share = None if on_progress is None else \
            (lambda done, total, i=i: on_progress(i * total + done, len(values) * total))
        runs.append(run_from(config.replace(**{field: value, "lr": lrs[value]}), dataset, params, label, epochs,
                             on_progress=share))
    model = LossModel.of(Trainer(config, dataset=dataset, params=params))
    plane = shared_plane(runs)
    coords = np.vstack([project(r.path, plane) for r in runs if r.trained])
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-6)
    xs, ys = (np.linspace(lo[k] - pad[k], hi[k] + pad[k], grid_n) for k in range(2))
    Z = surface(model, plane, (xs, ys))
    paths = tuple(on_plane(model, plane, r.label, r.iterations, r.path, r.train_loss[r.iterations], heights=False)
                  for r in runs)
    return runs, Map(plane, xs, ys, Z, log_range(Z), paths, revision=field)
