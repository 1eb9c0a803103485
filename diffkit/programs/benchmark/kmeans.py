"""GradBench's ``kmeans``: the k-means cost, its gradient and its Hessian's diagonal.

cost(C) = sum_i min_j |C_j - P_i|^2 for n points P and k centroids C (d dimensions).
The Hessian is diagonal (each point pulls only its nearest centroid), so one
Hessian-vector product with a vector of ones gives its diagonal; the eval's ``dir``
is the gradient divided entrywise by that diagonal, the Newton step. In closed form
the gradient of centroid j is 2 sum over its points of (C_j - P_i) and its Hessian
diagonal is 2 times the number of its points. The eval draws points from U[0, 1) and
takes the last k points as the centroids, so that no cluster is empty.
"""

import numpy as np

from ... import errors
from ... import ops as dk
from ...api import gradient
from ...methods.transforms import hvp
from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337


def nearest_distance(distances):
    """The smallest entry of each row, by halving the row with ``dk.minimum``.

    Not ``dk.min``: its rule splits the gradient among entries equal to the minimum, and
    under symbolic-tape, where the entries are expressions, that equality cannot be
    decided and the gradient comes out NaN. Pairwise ``minimum`` costs log2(k) ops.
    """
    while distances.shape[1] > 1:
        half = distances.shape[1] // 2
        folded = dk.minimum(distances[:, :half], distances[:, half:2 * half])
        if distances.shape[1] % 2:
            folded = dk.concatenate([folded, distances[:, 2 * half:]], axis=1)
        distances = folded
    return distances[:, 0]


def kmeans_cost(centroids, points):
    """sum over points of the squared distance to the nearest centroid."""
    n, d = points.shape
    k = centroids.shape[0]
    offsets = dk.reshape(centroids, (1, k, d)) - np.reshape(points, (n, 1, d))
    return dk.sum(nearest_distance(dk.sum(offsets * offsets, axis=2)))


def hessian_diagonal(centroids, points, method="forward-over-reverse"):
    """The Hessian's diagonal by one Hessian-vector product with ones (exact: H is diagonal)."""
    return hvp(kmeans_cost, np.ones_like(centroids), centroids, points, method=method)


def newton_direction(centroids, points, method="tape", hessian_method="forward-over-reverse"):
    """The eval's ``dir``: gradient / Hessian diagonal, entrywise."""
    slope = gradient(kmeans_cost, centroids, points, method=method).grad
    return slope / hessian_diagonal(centroids, points, hessian_method)


def nearest(centroids, points):
    """Index of each point's nearest centroid."""
    distances = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


def closed_form(centroids, points):
    """(gradient, Hessian diagonal) from the cluster assignment."""
    owner = nearest(centroids, points)
    gradient = np.zeros_like(centroids)
    counts = np.zeros(centroids.shape[0])
    for i, j in enumerate(owner):
        gradient[j] += 2.0 * (centroids[j] - points[i])
        counts[j] += 1
    return gradient, np.repeat(2.0 * counts[:, None], centroids.shape[1], axis=1)


def generate_kmeans(k, n, d, seed=GRADBENCH_SEED):
    """The eval's input: n points of U[0, 1)^d and their last k as the centroids."""
    k, n, d = check_count(k, "k", 1), check_count(n, "n", 1), check_count(d, "d", 1)
    if k > n:
        raise errors.InputError(f"k (here {k}) must be at most n (here {n}): the centroids are the last k points")
    points = np.random.default_rng(check_seed(seed)).random((n, d))
    return {"points": points, "centroids": points[-k:].copy()}


def _on_tie(centroids, points):
    distances = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    ordered = np.sort(distances, axis=1)
    return bool(centroids.shape[0] > 1 and np.any(ordered[:, 0] == ordered[:, 1]))


@register_program("kmeans", family="benchmark")
def build_kmeans(k=2, n=6, d=2, seed=GRADBENCH_SEED):
    data = generate_kmeans(k, n, d, seed)
    points = data["points"]

    def kmeans(centroids):
        return kmeans_cost(centroids, points)

    return Program(
        name="kmeans",
        function=kmeans,
        args=(data["centroids"],),
        description=f"GradBench kmeans: cost of {k} centroids for {n} points in {d} dimensions (a min over centroids)",
        on_kink=_on_tie(data["centroids"], points),
        exact_grad=lambda centroids: closed_form(centroids, points)[0],
    )
