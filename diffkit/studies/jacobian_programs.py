"""Programs for the Jacobian, Hessian and swell studies, as :class:`~diffkit.programs.program.Program` objects.

- ``vector_program(n, m)``: R^n -> R^m, ``y = B tanh(A x)`` with a hidden layer of fixed
  width, so one evaluation costs about the same whatever the balance of n and m; only
  the number of passes each mode needs changes.
- ``hessian_programs()``: scalar losses whose Hessians the second-order methods compute:
  least squares (Hessian 2 X^T X / N), a small tanh network, a fixed loop.
- ``tanh_network(depth)``: a width-2 tanh network of growing depth, for expression swell.

All weights and data come from local seeded generators.
"""

import numpy as np

from .. import errors
from .. import ops as dk
from ..programs.program import Program

HIDDEN = 16


def _vector_map(x, A, B):
    return B @ dk.tanh(A @ x)


def vector_program(n, m, seed=0):
    """``y = B tanh(A x)``: n inputs, m outputs, a hidden layer of HIDDEN units."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(HIDDEN, n)) / np.sqrt(n)
    B = rng.normal(size=(m, HIDDEN)) / np.sqrt(HIDDEN)
    x = rng.uniform(-1.0, 1.0, n)
    return Program(
        name=f"tanh-map n={n} m={m}",
        function=_vector_map,
        args=(x, A, B),
        argnums=0,
        description=f"R^{n} -> R^{m}: B tanh(A x) with {HIDDEN} hidden units",
        family="jacobian",
        settings={"n": n, "m": m, "hidden": HIDDEN},
    )


def jacobian_shapes(sizes=(2, 8, 32, 128, 512, 1024), few=2):
    """(regime, n, m) of the Jacobian suite: n >> m (m = few), n << m (n = few), n = m."""
    shapes = []
    for size in sizes:
        shapes += [("n >> m", size, few), ("n << m", few, size), ("n = m", size, size)]
    return shapes


def jacobian_programs(sizes=(2, 8, 32, 128, 512, 1024), few=2):
    """The Jacobian suite's programs, each with its regime."""
    return [(regime, vector_program(n, m)) for regime, n, m in jacobian_shapes(sizes, few)]


# --- scalar programs for second derivatives ----------------------------------------------------
def mean_squared_error(w, X, y):
    return dk.mean((X @ w - y) ** 2)


def tanh_network_loss(params, x, target):
    hidden = dk.tanh(params["W1"] @ x + params["b1"])
    out = dk.tanh(params["W2"] @ hidden)
    return dk.sum((out - target) ** 2)


def logistic_map_loop(r, x0):
    x = x0
    for _ in range(4):
        x = r * x * (1.0 - x)
    return x


def least_squares(n, rows=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, n))
    return Program(
        name=f"least squares n={n}",
        function=mean_squared_error,
        args=(rng.normal(size=n), X, rng.normal(size=rows)),
        description=f"mean((X w - y)^2), {rows} rows: Hessian 2 X^T X / N",
        family="hessian",
        settings={"n": n},
    )


def hessian_programs():
    """Scalar programs with small enough inputs for a symbolic Hessian."""
    rng = np.random.default_rng(3)
    params = {
        "W1": rng.normal(size=(2, 2)) * 0.8,
        "b1": rng.normal(size=2) * 0.1,
        "W2": rng.normal(size=(1, 2)) * 0.8,
    }
    return [
        least_squares(3),
        least_squares(8),
        Program(
            name="tanh network (8 params)",
            function=tanh_network_loss,
            args=(params, np.array([0.5, -1.0]), np.array([0.3])),
            description="two tanh layers, squared error",
            family="hessian",
            depth=2,
        ),
        Program(
            name="logistic map x4",
            function=logistic_map_loop,
            args=(3.7, 0.3),
            argnums=(0, 1),
            description="x <- r x (1 - x), four steps",
            family="hessian",
            depth=4,
            control_flow="fixed-loop",
        ),
    ]


def _tanh_chain(weights, x):
    h = x
    for W in weights:
        h = dk.tanh(W @ h)
    return dk.sum(h * h)


def tanh_network(depth, width=2, seed=0):
    """A chain of ``depth`` tanh layers of ``width`` units; loss sum(h^2)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(width, width)) for _ in range(depth)]
    return Program(
        name=f"tanh chain depth={depth}",
        function=_tanh_chain,
        args=(weights, rng.uniform(-1.0, 1.0, width)),
        description=f"{depth} tanh layers of width {width}",
        family="network",
        depth=depth,
        settings={"depth": depth, "width": width},
    )


def hessian_program(name):
    """One of :func:`hessian_programs` by name."""
    for program in hessian_programs():
        if program.name == name:
            return program
    names = ", ".join(p.name for p in hessian_programs())
    raise errors.InputError(f"no Hessian program named {name!r}; the programs are: {names}")
