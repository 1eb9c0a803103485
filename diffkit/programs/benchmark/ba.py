"""GradBench's ``ba``: ADBench's bundle adjustment, reprojection and weight errors.

A camera has 11 parameters: a Rodrigues rotation r (3), its centre C (3), the focal
length f, the principal point u (2) and radial distortion k (2). Observation i sees
point X of camera c at feature position z with weight w_i:

    Y = R(r) (X - C),  y = (Y_1, Y_2) / Y_3,  y = y (1 + k_1 |y|^2 + k_2 |y|^4),
    reprojection error = w_i (f y + u - z),  weight error = 1 - w_i^2,

where R(r) rotates by |r| about r / |r| (to first order, X + r x X, when r = 0). The
Jacobian of the 3p errors by the 11n + 3m + p parameters is sparse: two rows of 15
entries per observation (its camera, its point, its weight) and one entry per weight
error. :func:`sparse_jacobian` builds it in the eval's layout (compressed rows). The
zoo program is the least-squares cost bundle adjustment minimises, half the sum of
the squared errors, whose gradient every method can take.

GradBench reads one camera, point, weight and feature from ADBench's data files and
repeats them: n cameras, m points, p observations, observation i of camera i mod n and
point i mod m. Here that one set is drawn from a seeded generator instead (a camera a
few units behind the points, looking along +z, ADBench's focal length scale) and
repeated the same way.
"""

import numpy as np

from ... import ops as dk
from ...api import gradient
from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337
CAMERA_PARAMETERS = 11
BLOCK_COLUMNS = CAMERA_PARAMETERS + 3 + 1


def _column(a, j):
    return a[:, j]


def _cross(a, b):
    a0, a1, a2 = (_column(a, j) for j in range(3))
    b0, b1, b2 = (_column(b, j) for j in range(3))
    return dk.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=1)


def _rotate(rotation, angle, points):
    axis = rotation / angle
    cosine, sine = dk.cos(angle), dk.sin(angle)
    along = dk.sum(axis * points, axis=1, keepdims=True) * (1.0 - cosine)
    return points * cosine + _cross(axis, points) * sine + axis * along


def rodrigues_rotate(rotation, points):
    """Rotate each row of ``points`` by the matching row of ``rotation`` (angle-axis).

    As ADBench's code, this branches on the rotation's value: Rodrigues' formula where
    it is nonzero, the first-order X + r x X where it is zero (a per-row ``dk.where``
    when the rows differ). A branch on an input is data-dependent control flow, so
    the symbolic methods refuse this program, as they refuse any such branch.
    """
    squared = dk.sum(rotation * rotation, axis=1, keepdims=True)
    turning = squared > 0
    if turning.all():
        return _rotate(rotation, dk.sqrt(squared), points)
    first_order = points + _cross(rotation, points)
    if not turning.any():
        return first_order
    angle = dk.sqrt(dk.where(turning, squared, 1.0))  # 1 where unused: keeps the derivative finite
    return dk.where(turning, _rotate(rotation, angle, points), first_order)


def project(cameras, points):
    """Image positions of ``points`` (p x 3) seen by ``cameras`` (p x 11), row by row."""
    seen = rodrigues_rotate(cameras[:, 0:3], points - cameras[:, 3:6])
    image = seen[:, 0:2] / seen[:, 2:3]
    radius = dk.sum(image * image, axis=1, keepdims=True)
    distortion = 1.0 + cameras[:, 9:10] * radius + cameras[:, 10:11] * radius * radius
    return image * distortion * cameras[:, 6:7] + cameras[:, 7:9]


def observation_errors(cameras, points, weights, features):
    """Reprojection errors (p x 2) of per-observation cameras, points and weights."""
    return dk.reshape(weights, (-1, 1)) * (project(cameras, points) - features)


def weight_errors(weights):
    """1 - w^2 for every observation."""
    return 1.0 - weights * weights


def ba_errors(cams, X, w, obs, feats):
    """(reprojection errors p x 2, weight errors p) of the whole problem."""
    cameras = dk.getitem(cams, (obs[:, 0],))
    points = dk.getitem(X, (obs[:, 1],))
    return observation_errors(cameras, points, w, feats), weight_errors(w)


def ba_cost(cams, X, w, obs, feats):
    """Half the sum of every squared error: the cost bundle adjustment minimises."""
    reprojection, weight = ba_errors(cams, X, w, obs, feats)
    return 0.5 * (dk.sum(reprojection * reprojection) + dk.sum(weight * weight))


def jacobian_blocks(cams, X, w, obs, feats, method="tape"):
    """Each observation's 2 x 15 block (camera, point, weight) and each weight error's slope.

    The blocks are independent (observation i's errors depend only on its own copies
    of its camera, point and weight), so the gradient of the sum of every first
    coordinate gives all first rows at once, and likewise the second: two gradients
    for the whole Jacobian.
    """
    cameras, points = cams[obs[:, 0]], X[obs[:, 1]]
    rows = []
    for coordinate in range(2):
        def summed(cameras, points, weights, coordinate=coordinate):
            return dk.sum(observation_errors(cameras, points, weights, feats)[:, coordinate])

        by_camera, by_point, by_weight = gradient(summed, cameras, points, w, argnums=(0, 1, 2), method=method).grad
        rows.append(np.concatenate([by_camera, by_point, np.reshape(by_weight, (-1, 1))], axis=1))
    weight_slopes = gradient(lambda weights: dk.sum(weight_errors(weights)), w, method=method).grad
    return np.stack(rows, axis=1), np.asarray(weight_slopes, dtype=float)


def sparse_jacobian(blocks, weight_slopes, obs, n, m):
    """The Jacobian in compressed rows: (row starts, column indices, values).

    Rows 2i and 2i + 1 hold observation i's 15 entries (camera, point, weight columns);
    row 2p + i holds the slope of weight error i.
    """
    p = obs.shape[0]
    camera_columns = CAMERA_PARAMETERS * obs[:, 0:1] + np.arange(CAMERA_PARAMETERS)
    point_columns = CAMERA_PARAMETERS * n + 3 * obs[:, 1:2] + np.arange(3)
    weight_columns = (CAMERA_PARAMETERS * n + 3 * m + np.arange(p)).reshape(-1, 1)
    block_columns = np.concatenate([camera_columns, point_columns, weight_columns], axis=1)
    columns = np.concatenate([np.repeat(block_columns, 2, axis=0).reshape(-1), weight_columns.reshape(-1)])
    values = np.concatenate([blocks.reshape(-1), weight_slopes])
    starts = np.concatenate([np.arange(2 * p + 1) * BLOCK_COLUMNS, 2 * p * BLOCK_COLUMNS + 1 + np.arange(p)])
    return starts, columns, values


def repeat_problem(cam, x, w, feat, n, m, p):
    """GradBench's duplication: n cameras, m points, p observations from one of each."""
    n, m, p = check_count(n, "n", 1), check_count(m, "m", 1), check_count(p, "p", 1)
    index = np.arange(p)
    return {
        "cams": np.tile(np.asarray(cam, dtype=float), (n, 1)),
        "X": np.tile(np.asarray(x, dtype=float), (m, 1)),
        "w": np.full(p, float(w)),
        "obs": np.stack([index % n, index % m], axis=1),
        "feats": np.tile(np.asarray(feat, dtype=float), (p, 1)),
    }


def generate_ba(seed=GRADBENCH_SEED):
    """One camera, point, weight and feature in the eval's input format (``cam``, ``x``, ``w``, ``feat``)."""
    rng = np.random.default_rng(check_seed(seed))
    cam = np.concatenate([
        rng.normal(scale=0.3, size=3),  # rotation
        rng.normal(scale=0.5, size=3) + [0.0, 0.0, -6.0],  # centre, behind the points
        [400.0 + 50.0 * rng.random()],  # focal length in pixels
        rng.normal(scale=5.0, size=2),  # principal point
        rng.normal(scale=[0.05, 0.005]),  # radial distortion
    ])
    x = rng.normal(scale=1.0, size=3)
    one = repeat_problem(cam, x, 1.0, [0.0, 0.0], 1, 1, 1)
    feature = np.asarray(project(one["cams"], one["X"]))[0] + rng.normal(scale=2.0, size=2)
    return {"cam": cam, "x": x, "w": float(rng.uniform(0.5, 1.5)), "feat": feature}


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


@register_program("ba", family="benchmark")
def build_ba(n=1, m=2, p=2, seed=GRADBENCH_SEED):
    one = generate_ba(seed)
    data = repeat_problem(one["cam"], one["x"], one["w"], one["feat"], n, m, p)
    obs, feats = data["obs"], data["feats"]

    def ba(cams, X, w):
        return ba_cost(cams, X, w, obs, feats)

    return Program(
        name="ba",
        function=ba,
        args=(data["cams"], data["X"], data["w"]),
        argnums=(0, 1, 2),
        description=f"GradBench ba: half the squared reprojection and weight errors, {_count(n, 'camera')}, "
                    f"{_count(m, 'point')}, {_count(p, 'observation')}",
        control_flow="data-dependent",
    )
