"""Seeded toy datasets, the train/test split and input standardisation.

Every generator takes a numpy Generator, so the same seed always gives the same points.
Targets are 2-D: (N, 1) 0/1 labels for binary sets, (N, C) one-hot for multiclass, (N, k) for regression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs X (N, d) and targets y (N, k) with what kind of task they are."""

    name: str
    X: Array
    y: Array
    task: str                      #: "binary" | "multiclass" | "regression"
    feature_names: tuple[str, ...] = ("x1", "x2")
    target_names: tuple[str, ...] = ("y",)
    class_names: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        """Return the number of samples N."""
        return int(self.X.shape[0])

    @property
    def labels(self) -> Array:
        """Return class labels (N,) ints for classification tasks."""
        if self.task == "multiclass":
            return self.y.argmax(axis=1)
        return self.y[:, 0].round().astype(int)


DATASETS = {
    "circle": "Circle (inside vs outside)",
    "xor": "XOR (4 points)",
    "xor_quadrants": "XOR quadrants",
    "gaussians": "Two Gaussians",
    "moons": "Two moons",
    "spiral": "Two spirals",
    "gaussians3": "Three Gaussians (3 classes)",
    "spiral3": "Three spirals (3 classes)",
    "sine": "Sine (1-D regression)",
    "plane": "Plane (2-D regression)",
    "two_two_two": "2-2-2 textbook sample",
}
FIXED_SIZE = {"xor": 4, "two_two_two": 1}


def _binary(name: str, X: Array, label: Array) -> Dataset:
    return Dataset(name, X, label.astype(np.float64).reshape(-1, 1), "binary", class_names=("0", "1"))


def _onehot(labels: Array, k: int) -> Array:
    return np.eye(k)[labels]


def _circle(rng, n, noise):
    n_in = n // 2
    r = np.concatenate([rng.uniform(0, 0.5, n_in), rng.uniform(0.7, 1.0, n - n_in)])
    ang = rng.uniform(0, 2 * np.pi, n)
    X = np.c_[r * np.cos(ang), r * np.sin(ang)] + noise * rng.normal(size=(n, 2))
    return _binary("circle", X, np.r_[np.ones(n_in), np.zeros(n - n_in)])


def _xor(rng, n, noise):
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return _binary("xor", X, np.array([0, 1, 1, 0]))


def _xor_quadrants(rng, n, noise):
    X = rng.uniform(-1, 1, size=(n, 2))
    # keep points off the axes so the label is unambiguous before noise
    X += 0.05 * np.sign(X)
    label = (X[:, 0] * X[:, 1] < 0).astype(int)
    return _binary("xor_quadrants", X + noise * rng.normal(size=(n, 2)), label)


def _gaussians(rng, n, noise):
    label = np.arange(n) % 2
    centres = np.array([[-0.5, -0.5], [0.5, 0.5]])
    X = centres[label] + (0.15 + noise) * rng.normal(size=(n, 2))
    return _binary("gaussians", X, label)


def _moons(rng, n, noise):
    label = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    X = np.where(label[:, None] == 0, upper, lower)
    X = (X - [0.5, 0.25]) / 1.2 + noise * rng.normal(size=(n, 2))
    return _binary("moons", X, label)


def _spiral_points(rng, n, noise, k):
    label = np.arange(n) % k
    t = rng.uniform(0.0, 1.0, n)
    r = 0.1 + 0.9 * t
    ang = 1.75 * 2 * np.pi * t + 2 * np.pi * label / k
    X = np.c_[r * np.cos(ang), r * np.sin(ang)] + noise * rng.normal(size=(n, 2))
    return X, label


def _spiral(rng, n, noise):
    X, label = _spiral_points(rng, n, noise, 2)
    return _binary("spiral", X, label)


def _multiclass(name, X, label, k):
    return Dataset(name, X, _onehot(label, k), "multiclass", class_names=tuple(str(i) for i in range(k)))


def _gaussians3(rng, n, noise):
    label = np.arange(n) % 3
    ang = 2 * np.pi * np.arange(3) / 3 + np.pi / 2
    centres = 0.6 * np.c_[np.cos(ang), np.sin(ang)]
    X = centres[label] + (0.15 + noise) * rng.normal(size=(n, 2))
    return _multiclass("gaussians3", X, label, 3)


def _spiral3(rng, n, noise):
    X, label = _spiral_points(rng, n, noise, 3)
    return _multiclass("spiral3", X, label, 3)


def _sine(rng, n, noise):
    x = rng.uniform(-1, 1, n)
    y = np.sin(np.pi * x) + noise * rng.normal(size=n)
    return Dataset("sine", x.reshape(-1, 1), y.reshape(-1, 1), "regression", ("x",), ("y",))


def _plane(rng, n, noise):
    X = rng.uniform(-1, 1, size=(n, 2))
    y = 0.6 * X[:, 0] - 0.4 * X[:, 1] + noise * rng.normal(size=n)
    return Dataset("plane", X, y.reshape(-1, 1), "regression")


def _two_two_two(rng, n, noise):
    return Dataset("two_two_two", np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]), "regression",
                   ("i1", "i2"), ("o1", "o2"))


_GENERATORS = {
    "circle": _circle, "xor": _xor, "xor_quadrants": _xor_quadrants, "gaussians": _gaussians,
    "moons": _moons, "spiral": _spiral, "gaussians3": _gaussians3, "spiral3": _spiral3,
    "sine": _sine, "plane": _plane, "two_two_two": _two_two_two,
}


def make_dataset(name: str, n: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Return the dataset `name` with n samples (fixed for xor / two_two_two) and Gaussian noise."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if n < 4 and name not in FIXED_SIZE:
        raise ValueError("a dataset needs at least 4 samples")
    rng = np.random.default_rng([seed, 101])
    return _GENERATORS[name](rng, n, noise)


def dataset_shape(name: str) -> tuple[int, int]:
    """Return (inputs, outputs) of the built-in dataset `name`, from a tiny sample of it."""
    probe = make_dataset(name, 4, 0.0, 0)
    return probe.X.shape[1], probe.y.shape[1]


@dataclass(frozen=True, eq=False)
class Split:
    """Train/test arrays (inputs possibly standardised with the training set's mean and std)."""

    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    mean: Array      #: (d,) subtracted from the inputs (zeros when not standardised)
    std: Array       #: (d,) inputs divided by it (ones when not standardised)

    def transform(self, X: Array) -> Array:
        """Return raw inputs X (n, d) mapped the way the training inputs were."""
        return (X - self.mean) / self.std


def split_dataset(ds: Dataset, test_ratio: float, seed: int, standardize: bool = False) -> Split:
    """Return a seeded train/test split; sets under 10 samples are used whole for training."""
    n = ds.n
    if not 0.0 <= test_ratio < 1.0:
        raise ValueError("the test ratio must be in [0, 1)")
    if n < 10:
        train_idx, test_idx = np.arange(n), np.arange(0)
    else:
        perm = np.random.default_rng([seed, 202]).permutation(n)
        n_test = round(test_ratio * n)
        n_test = min(n_test, n - 2)
        test_idx, train_idx = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    d = ds.X.shape[1]
    mean, std = np.zeros(d), np.ones(d)
    if standardize:
        mean = ds.X[train_idx].mean(axis=0)
        std = ds.X[train_idx].std(axis=0)
        std = np.where(std > 0, std, 1.0)
    X = (ds.X - mean) / std
    return Split(X[train_idx], ds.y[train_idx], X[test_idx], ds.y[test_idx], mean, std)
