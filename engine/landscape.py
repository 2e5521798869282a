"""Loss landscapes: the training loss on a plane through parameter space, and paths drawn on it.

A plane is a centre θ* and two directions d1, d2 (flat vectors shaped like `Trainer.param_vector()`);
the loss at plane coordinates (x, y) is L(θ* + x·d1 + y·d2). Directions come from two chosen weights,
random filter-normalised Gaussians (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets"),
or the top two principal components of the training path. Every grid point is evaluated in one batched
forward pass (stacked weight matrices, `matmul` over the grid), chunked to bound memory.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .config import BATCH_MODES, Config
from .data import Dataset
from .network import Net, Norms, Params, batch_stats, data_loss, params_vector
from .optim import OPTIMIZERS
from .trainer import Trainer

Array = np.ndarray
Progress = Callable[[int, int], None] | None

KINDS = {"pca": "PCA of the path", "random": "Random, filter-normalised", "weights": "Two chosen weights"}
CHUNK_BYTES = 24 * 2**20      # working memory of one chunk of grid points
MAX_PATH_POINTS = 200
AUTO_MARGIN = 1.3             # auto span = this × the farthest path point
MIN_ASPECT = 0.3              # an auto-spanned axis is at least this fraction of the other
BLOW_UP = 1e3                 # a run whose loss grew this many times has blown up


@dataclass(frozen=True, eq=False)
class LossModel:
    """What the training loss depends on besides the parameters: net, training set, sizes, l1/l2, and the batch
    norms (γ, β and the running statistics, held at their values: the landscape varies W and b only)."""

    net: Net
    X: Array
    y: Array
    sizes: tuple[int, ...]
    l1: float = 0.0
    l2: float = 0.0
    norms: Norms = ()

    @classmethod
    def of(cls, trainer: Trainer) -> LossModel:
        """Return the LossModel of trainer's training objective (its train set, loss and penalty), evaluated as
        the train loss is: every neuron (no dropout), batch norm with the running statistics."""
        return cls(trainer.net, trainer.split.X_train, trainer.split.y_train, tuple(trainer.sizes),
                   trainer.config.l1, trainer.config.l2, tuple(trainer.norms))

    @property
    def n_params(self) -> int:
        """Return P, the number of parameters (weights and biases)."""
        return sum(o * i + o for i, o in itertools.pairwise(self.sizes))

    def unflatten(self, vec: Array) -> Params:
        """Return [(W (n_out, n_in), b (n_out,))] views into a flat vector (P,) or stacks (G, P)."""
        lead = vec.shape[:-1]
        out, k = [], 0
        for n_in, n_out in itertools.pairwise(self.sizes):
            W = vec[..., k:k + n_out * n_in].reshape(*lead, n_out, n_in)
            k += n_out * n_in
            out.append((W, vec[..., k:k + n_out]))
            k += n_out
        return out

    def fingerprint(self) -> str:
        """Return a short hash of everything but the parameters (a cache key)."""
        h = hashlib.sha1()
        norm_arrays = [v for n in self.norms if n is not None for v in n]
        for a in (self.X, self.y, np.array(self.sizes, dtype=np.float64), np.array([self.l1, self.l2]), *norm_arrays):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        h.update(f"{self.net.hidden.name}/{self.net.output.name}/{self.net.loss.name}".encode())
        return h.hexdigest()[:16]


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
    params = model.unflatten(center)
    flat = []
    for _ in range(2):
        raw = model.unflatten(rng.normal(size=center.shape))
        flat.append(params_vector(filter_normalise(raw, params, include_biases)))
    if not flat[0].any():
        raise ValueError("all weights are zero, so filter-normalised directions are zero too")
    return Directions("random", center, flat[0], flat[1],
                      ("random direction 1 (filter-normalised)", "random direction 2 (filter-normalised)"))


def pca_directions(path: Array, center: Array) -> Directions:
    """Return the top two principal components of the path points (S, P) as unit directions.

    The plane passes through `center` (the final point); signs are chosen so the path starts at
    negative coordinates. Raises ValueError when the path spans fewer than two dimensions.
    """
    if path.shape[0] < 3:
        raise ValueError("PCA of the path needs at least three points on it (take a few steps)")
    offsets = path - center
    centred = offsets - offsets.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    if s.size < 2 or s[1] <= 1e-12 * max(s[0], 1e-300):
        raise ValueError("the path is a straight line so far, so it has only one principal direction")
    ratios = s**2 / np.sum(s**2)
    dirs = [vt[k] if offsets[0] @ vt[k] <= 0 else -vt[k] for k in range(2)]
    labels = tuple(f"direction {k + 1} (PC{k + 1}, {100 * ratios[k]:.3g} % of variance)" for k in range(2))
    return Directions("pca", center, dirs[0], dirs[1], labels, explained=(float(ratios[0]), float(ratios[1])))


def choose_directions(kind: str, model: LossModel, path: Array, seed, picks: tuple[int, int] = (0, 1),
                      include_biases: bool = False) -> tuple[Directions, str | None]:
    """Return (directions through path[-1], a note saying why another kind was used, or None)."""
    center = path[-1]
    note = None
    if kind == "pca":
        try:
            return pca_directions(path, center), None
        except ValueError as e:
            note = f"{e}; showing random filter-normalised directions until then."
            kind = "random"
    if kind == "random":
        try:
            return random_directions(model, center, seed, include_biases), note
        except ValueError as e:
            note = f"{e}; showing two chosen weights instead."
    return weight_directions(center, model.sizes, *picks), note


# ---- batched loss evaluation -----------------------------------------------------------------------
def _chunk_size(model: LossModel) -> int:
    widest = max(model.sizes)
    per_point = 8 * (4 * model.X.shape[0] * widest + 3 * model.n_params)
    return max(1, CHUNK_BYTES // per_point)


def _losses_chunk(model: LossModel, center: Array, d1: Array, d2: Array, xs: Array, ys: Array) -> Array:
    """Return the training loss at θ* + x·d1 + y·d2 for each (x, y) pair, shape (G,)."""
    G = xs.shape[0]
    theta = center + xs[:, None] * d1 + ys[:, None] * d2       # (G, P); exactly θ* where x = y = 0
    a = model.X[None]
    L = len(model.sizes) - 1
    penalty = np.zeros(G)
    z = a
    for i, (W, b) in enumerate(model.unflatten(theta)):
        W = np.ascontiguousarray(W)   # strided views of theta make matmul several times slower
        # the same matmul + bias + activation as engine.network.forward, stacked over the grid
        z = a @ W.transpose(0, 2, 1)
        z += b[:, None, :]
        norm = model.norms[i] if model.norms else None
        if norm is not None:   # evaluation's batch norm: the running statistics, a fixed map per neuron
            z = norm.gamma * batch_stats(z, norm, train=False).x_hat + norm.beta
        a = model.net.act(i, L).f(z)
        # the same sums in the same order as engine.optim.regularization, per grid point
        if model.l1:
            penalty += model.l1 * np.abs(W).sum(axis=(1, 2))
        if model.l2:
            penalty += 0.5 * model.l2 * np.einsum("gij,gij->g", W, W)
    N, K = model.y.shape
    y = np.broadcast_to(model.y, (G, N, K)).reshape(-1, K)
    # per_sample_for, as the trainer's evaluation uses: the centre of the grid is its loss bit for bit
    per_sample = model.net.loss.per_sample_for(y)(z.reshape(-1, K), a.reshape(-1, K)).reshape(G, N)
    return per_sample.mean(axis=1) + penalty


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


def current_loss(trainer: Trainer) -> float:
    """Return the trainer's training objective now: train loss + regularization penalty (as in a step)."""
    model = LossModel.of(trainer)
    return float(losses_at(model, trainer.param_vector(), *np.zeros((2, model.n_params)), [0.0], [0.0])[0])


def slice_1d(source: Trainer | LossModel, directions: Directions, ts: Array, axis: int = 0) -> Array:
    """Return the loss along centre + t·d (d = d1 for axis 0, d2 for axis 1) for each t, shape (len(ts),)."""
    d = directions.d1 if axis == 0 else directions.d2
    ts = np.asarray(ts, dtype=np.float64)
    return losses_at(_model_of(source), directions.center, d, np.zeros_like(d), ts, np.zeros_like(ts))


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


def auto_spans(kind: str, coords: Array) -> tuple[float, float]:
    """Return (span x, span y) that show the whole projected path (S, 2) with a margin.

    Random and weight planes show at least ±1 (a whole filter norm / one weight unit), as Li et al. do.
    """
    reach = AUTO_MARGIN * np.abs(coords).max(axis=0) if coords.size else np.zeros(2)
    if kind != "pca":
        s = max(1.0, float(reach.max()))
        return s, s
    sx, sy = max(float(reach[0]), 1e-6), max(float(reach[1]), 1e-6)
    big = max(sx, sy)
    return max(sx, MIN_ASPECT * big), max(sy, MIN_ASPECT * big)


# ---- the path ----------------------------------------------------------------------------------------
def sampled_path(trainer: Trainer, upto: int | None = None, max_points: int = MAX_PATH_POINTS,
                 dense_from: int | None = None) -> tuple[Array, Array]:
    """Return (iterations (S,), flat params (S, P)) from 0 to `upto` (default: now), without moving trainer.

    Every iteration when there are at most max_points, else evenly spaced ones; iterations from
    `dense_from` on are always all included (for animating the last steps).
    """
    upto = trainer.iteration if upto is None else upto
    its = np.unique(np.round(np.linspace(0, upto, min(upto + 1, max_points))).astype(int))
    if dense_from is not None:
        its = np.union1d(its, np.arange(max(0, dense_from), upto + 1))
    vecs = [params_vector(trainer.params_at(int(k))) for k in its]
    return its, np.array(vecs)


# ---- one view: surface + path + slice + interpolation ----------------------------------------------
@dataclass(frozen=True, eq=False)
class PathOnPlane:
    """One trajectory drawn on a plane: iterations (S,), display coordinates (S, 2), loss on the plane (S,)."""

    label: str
    iterations: Array
    coords: Array
    heights: Array


@dataclass(frozen=True, eq=False)
class Landscape:
    """Everything one landscape view draws; coordinates are display values (origin + offsets)."""

    directions: Directions
    xs: Array                  #: (nx,)
    ys: Array                  #: (ny,)
    Z: Array                   #: (ny, nx) loss, rows = y
    paths: tuple[PathOnPlane, ...]
    point: tuple[float, float, float]   #: (x, y, loss) of the centre
    slice_t: Array             #: (n,) display coordinate along axis 1
    slice_loss: Array          #: (n,) loss along d1 through the centre
    interp_alpha: Array        #: (m,) α from θ0 (0) to the centre (1)
    interp_loss: Array         #: (m,)


def path_on_plane(model: LossModel, directions: Directions, label: str, iterations: Array,
                  path: Array) -> PathOnPlane:
    """Return the path projected on the plane, with the plane's loss at each projected point."""
    offsets = project(path, directions)
    heights = losses_at(model, directions.center, directions.d1, directions.d2, offsets[:, 0], offsets[:, 1])
    return PathOnPlane(label, np.asarray(iterations), offsets + np.array(directions.origin), heights)


def build_landscape(model: LossModel, directions: Directions, grid: tuple[Array, Array],
                    paths: dict[str, tuple[Array, Array]], start: Array | None = None,
                    on_progress: Progress = None) -> Landscape:
    """Return the Landscape: surface on `grid` (offsets), each path {label: (iterations, (S, P))} on it,
    the 1-D slice along d1 on the x grid and the interpolation from `start` (θ0) to the centre."""
    xs, ys = (np.asarray(g, dtype=np.float64) for g in grid)
    Z = surface(model, directions, (xs, ys), on_progress)
    ox, oy = directions.origin
    drawn = tuple(path_on_plane(model, directions, label, its, p) for label, (its, p) in paths.items())
    centre_loss = float(losses_at(model, directions.center, directions.d1, directions.d2, [0.0], [0.0])[0])
    ts = np.linspace(xs[0], xs[-1], 4 * xs.shape[0] + 1)
    alphas = np.linspace(-0.25, 1.25, 121)
    start = directions.center if start is None else start
    return Landscape(directions, xs + ox, ys + oy, Z, drawn, (ox, oy, centre_loss), ts + ox,
                     slice_1d(model, directions, ts), alphas, interpolation(model, start, directions.center, alphas))


def view(trainer: Trainer, iteration: int, kind: str, grid_n: int, span: float | None, seed,
         picks: tuple[int, int] = (0, 1), include_biases: bool = False, dense_from: int | None = None,
         on_progress: Progress = None) -> tuple[Landscape, str | None]:
    """Return (the Landscape of trainer at `iteration` with its descent path so far, a fallback note or None).

    span None = auto (the whole path with a margin); the grid is grid_n × grid_n, centred on the weights.
    """
    model = LossModel.of(trainer)
    its, path = sampled_path(trainer, iteration, dense_from=dense_from)
    directions, note = choose_directions(kind, model, path, seed, picks, include_biases)
    spans = auto_spans(directions.kind, project(path, directions)) if span is None else (span, span)
    grid = (grid_axis(spans[0], grid_n), grid_axis(spans[1], grid_n))
    landscape = build_landscape(model, directions, grid, {"descent path": (its, path)}, path[0], on_progress)
    return landscape, note


def state_key(trainer: Trainer, at_start: bool = False) -> str:
    """Return a hash naming the trainer's loss, settings and weights now (or at iteration 0), a cache key."""
    h = hashlib.sha1(LossModel.of(trainer).fingerprint().encode())
    h.update(repr(trainer.config).encode())
    h.update(params_vector(trainer.initial_params).tobytes())
    if not at_start:
        h.update(f"{trainer.iteration}".encode())
        h.update(trainer.param_vector().tobytes())
    return h.hexdigest()[:20]


# ---- side-by-side runs from the same start ---------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Run:
    """One training run: its path and its training-loss curve against epochs."""

    label: str
    iterations: Array          #: (S,) iterations of the path points
    path: Array                #: (S, P)
    epochs: Array              #: (T+1,) epochs done after each iteration 0..T
    train_loss: Array          #: (T+1,) training data loss after each iteration
    diverged: bool


SIDE_BY_SIDE = {
    "batch_mode": {"full": BATCH_MODES["full"], "mini": BATCH_MODES["mini"], "sgd": BATCH_MODES["sgd"]},
    "optimizer": dict(OPTIMIZERS),
}


def run_from(config: Config, dataset: Dataset, params: Params, label: str, epochs: int,
             max_points: int = 2 * MAX_PATH_POINTS, on_progress: Progress = None) -> Run:
    """Return the Run of a fresh Trainer(config, dataset, params) trained for `epochs` epochs."""
    t = Trainer(config, dataset=dataset, params=params)
    total = epochs * t.batches_per_epoch
    report = max(1, total // 50)
    keep = set(np.round(np.linspace(0, total, min(total + 1, max_points))).astype(int).tolist())
    its, vecs = [0], [t.param_vector()]
    first_loss = data_loss(t.net, t.params, t.split.X_train, t.split.y_train, t.norms)
    diverged = False
    for k in range(1, total + 1):
        if not t.step().ok:
            diverged = True
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
    return Run(label, np.array(its), np.array(vecs), np.arange(loss.size) / t.batches_per_epoch, loss, diverged)


def shared_plane(runs: list[Run]) -> Directions:
    """Return one PCA plane for several runs: top two components of all their points, through the
    mean of their end points."""
    points = np.vstack([r.path for r in runs])
    center = np.mean([r.path[-1] for r in runs], axis=0)
    start = runs[0].path[0]
    try:
        # the shared start goes first: it fixes the signs (paths start at negative x, y)
        return pca_directions(np.vstack([start, points]), center)
    except ValueError:
        if any(r.diverged or not r.train_loss[-1] < BLOW_UP * r.train_loss[0] for r in runs):
            raise ValueError("the runs blow up at this learning rate (their loss grows without bound), "
                             "so lower the learning rate and run them again") from None
        raise


def side_by_side(config: Config, dataset: Dataset, params: Params, field: str, epochs: int, grid_n: int,
                 on_progress: Progress = None) -> tuple[list[Run], Landscape]:
    """Return (runs for every value of `field` from the same params, their Landscape on one PCA plane)."""
    values = SIDE_BY_SIDE[field]
    runs = []
    for i, (value, label) in enumerate(values.items()):
        # each run is one share of the bar (the surface after them is quick next to SGD's many steps)
        share = None if on_progress is None else \
            (lambda done, total, i=i: on_progress(i * total + done, len(values) * total))
        runs.append(run_from(config.replace(**{field: value}), dataset, params, label, epochs, on_progress=share))
    model = LossModel.of(Trainer(config, dataset=dataset, params=params))
    plane = shared_plane(runs)
    coords = np.vstack([project(r.path, plane) for r in runs])
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-6)
    grid = tuple(np.linspace(lo[k] - pad[k], hi[k] + pad[k], grid_n) for k in range(2))
    paths = {r.label: (r.iterations, r.path) for r in runs}
    return runs, build_landscape(model, plane, grid, paths, start=params_vector(params))
