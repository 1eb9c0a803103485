"""GradBench's ``llsq`` (cmpad's ``llsq_obj``): a linear least-squares objective.

y(x) = 1/2 sum_i (s_i - sum_j x_j t_i^j)^2 over n points t_i = -1 + 2i / (n - 1) with
s_i = sign(t_i), for a polynomial of m coefficients x. Its gradient is -T^T r with T the
Vandermonde matrix of the t_i and r the residuals. The eval draws x from U[0, 1).
"""

import numpy as np

from ... import ops as dk
from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337


def sample_points(n):
    """The t_i (n evenly spaced points on [-1, 1]) and the targets s_i = sign(t_i)."""
    n = check_count(n, "n", 2)
    t = -1.0 + np.arange(n) * 2.0 / (n - 1)
    return t, np.sign(t)


def vandermonde(t, m):
    """T[i, j] = t_i ** j for j < m."""
    return t[:, None] ** np.arange(m)[None, :]


def llsq_objective(x, powers, targets):
    """1/2 |s - T x|^2."""
    residual = targets - powers @ x
    return 0.5 * dk.sum(residual * residual)


def llsq_gradient(x, powers, targets):
    """The closed form: -T^T (s - T x)."""
    return -powers.T @ (targets - powers @ x)


def generate_llsq(m, n, seed=GRADBENCH_SEED):
    """The eval's input: ``{"x": m uniform draws on [0, 1), "n": n}``."""
    rng = np.random.default_rng(check_seed(seed))
    return {"x": rng.random(check_count(m, "m", 1)), "n": check_count(n, "n", 2)}


@register_program("llsq", family="benchmark")
def build_llsq(m=4, n=8, seed=GRADBENCH_SEED):
    data = generate_llsq(m, n, seed)
    t, s = sample_points(n)
    powers = vandermonde(t, m)

    def llsq(x):
        return llsq_objective(x, powers, s)

    return Program(
        name="llsq",
        function=llsq,
        args=(data["x"],),
        description=f"GradBench llsq: least squares of a degree-{m - 1} polynomial against sign(t) at {n} points",
        exact_grad=lambda x: llsq_gradient(x, powers, s),
    )
