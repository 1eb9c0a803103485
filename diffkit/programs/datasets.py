"""Small datasets made in code, from a seeded generator: XOR, the ring, two spirals, regression.

Each comes shuffled (XOR excepted), so any prefix of it is a fair batch of both classes.
"""

from dataclasses import dataclass

import numpy as np

from .. import errors
from .program import check_seed


@dataclass
class Dataset:
    """Inputs ``X`` (n x 2) and targets ``y``: class indices (n,) or real values (n,)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str  # "classification" or "regression"
    num_classes: int = 0

    def __len__(self):
        return len(self.X)

    def head(self, count):
        """The first ``count`` examples."""
        return Dataset(self.name, self.X[:count], self.y[:count], self.task, self.num_classes)


def _shuffled(name, X, y, rng, task, num_classes):
    order = rng.permutation(len(X))
    return Dataset(name, X[order], y[order], task, num_classes)


def xor(n=None, seed=0):
    """The four XOR points: (0,0) and (1,1) are class 0, (0,1) and (1,0) class 1."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return Dataset("xor", X, y, "classification", 2)


def ring(n=200, seed=0):
    """A ring of class 0 around a disc of class 1: seed 002's donut with a blueberry centre.

    The centre has radius below 0.5, the ring radius between 1 and 1.5, so a curved
    boundary separates them and no straight line can.
    """
    rng = np.random.default_rng(seed)
    inner = n // 2
    radius = np.concatenate([rng.uniform(0.0, 0.5, inner), rng.uniform(1.0, 1.5, n - inner)])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.concatenate([np.ones(inner, dtype=int), np.zeros(n - inner, dtype=int)])
    return _shuffled("ring", X, y, rng, "classification", 2)


def spirals(n=200, seed=0, turns=1.5, noise=0.05):
    """Two interleaved spirals, one per class."""
    rng = np.random.default_rng(seed)
    per_class = n // 2
    counts = (per_class, n - per_class)
    points, labels = [], []
    for label, count in enumerate(counts):
        t = np.sqrt(rng.uniform(0.05, 1.0, count)) * turns * 2.0 * np.pi
        radius = t / (turns * 2.0 * np.pi)
        angle = t + label * np.pi
        xy = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        points.append(xy + noise * rng.normal(size=xy.shape))
        labels.append(np.full(count, label))
    return _shuffled("spirals", np.concatenate(points), np.concatenate(labels), rng, "classification", 2)


def regression(n=100, seed=0, noise=0.05):
    """y = sin(3 x1) + x2^2 / 2 + noise on the square [-1, 1]^2."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = np.sin(3.0 * X[:, 0]) + 0.5 * X[:, 1] ** 2 + noise * rng.normal(size=n)
    return Dataset("regression", X, y, "regression")


DATASETS = {"xor": xor, "ring": ring, "spirals": spirals, "regression": regression}


def make_dataset(name, n=None, seed=0):
    """A dataset by name at its standard size (or ``n`` points; XOR always has 4)."""
    if name not in DATASETS:
        raise errors.InputError(f"no dataset named {name!r}; the datasets are: {', '.join(DATASETS)}")
    seed = check_seed(seed)
    if n is None:
        return DATASETS[name](seed=seed)
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise errors.InputError(f"a dataset needs at least 2 points; got n={n!r}")
    return DATASETS[name](n=int(n), seed=seed)
