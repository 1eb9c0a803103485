"""GradBench's ``ode`` (cmpad's ``an_ode``): an ODE solved by fixed steps.

y_0' = x_0 and y_i' = x_i y_{i-1} for i > 0, y(0) = 0, solved on [0, 2] with ``s``
steps. The eval (and cmpad) take classical Runge-Kutta steps; ``scheme="euler"`` takes
explicit Euler steps instead. The output is the whole vector y(2); the eval's
``gradient`` is the gradient of its last entry, the last row of the output's Jacobian
(the program below returns that entry; :func:`ode_solution` gives the whole vector for
``dk.jacobian``). The exact solution is y_i(t) = x_0 ... x_i t^(i+1) / (i+1)!, which
Runge-Kutta reproduces exactly for n <= 4 (its steps are exact for polynomials of
degree 4). The eval draws x from U[0, 1).
"""

import numpy as np

from ... import errors
from ... import ops as dk
from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337
FINAL_TIME = 2.0
SCHEMES = ("rk4", "euler")


def _rate(x, y):
    """dy/dt: (x_0, x_1 y_0, x_2 y_1, ...)."""
    if x.shape[0] == 1:
        return x
    return dk.concatenate([x[0:1], x[1:] * y[:-1]])


def ode_solution(x, steps, scheme="rk4"):
    """y(2) after ``steps`` steps of ``scheme`` from y(0) = 0."""
    if scheme not in SCHEMES:
        raise errors.InputError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    h = FINAL_TIME / steps
    y = np.zeros(x.shape[0])
    for _ in range(steps):
        k1 = _rate(x, y)
        if scheme == "euler":
            y = y + h * k1
            continue
        k2 = _rate(x, y + (h / 2) * k1)
        k3 = _rate(x, y + (h / 2) * k2)
        k4 = _rate(x, y + h * k3)
        y = y + (h / 6) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def exact_last(x):
    """y_{n-1}(2) of the exact solution: x_0 ... x_{n-1} 2^n / n!."""
    x = np.asarray(x, dtype=float)
    value = 1.0
    for i, xi in enumerate(x):
        value *= xi * FINAL_TIME / (i + 1)
    return value


def exact_last_gradient(x):
    """Its gradient: the product without x_i, times 2^n / n!."""
    x = np.asarray(x, dtype=float)
    return np.array([exact_last(np.where(np.arange(x.size) == i, 1.0, x)) for i in range(x.size)])


def generate_ode(n, s, seed=GRADBENCH_SEED):
    """The eval's input: ``{"x": n uniform draws on [0, 1), "s": steps}``."""
    rng = np.random.default_rng(check_seed(seed))
    return {"x": rng.random(check_count(n, "n", 1)), "s": check_count(s, "s", 1)}


@register_program("ode", family="benchmark")
def build_ode(n=4, s=2, scheme="rk4", seed=GRADBENCH_SEED):
    data = generate_ode(n, s, seed)
    if scheme not in SCHEMES:
        raise errors.InputError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")

    def ode_last(x):
        return ode_solution(x, s, scheme)[-1]

    exact = exact_last_gradient if scheme == "rk4" and n <= 4 else None
    return Program(
        name="ode",
        function=ode_last,
        args=(data["x"],),
        description=f"GradBench ode: last entry of y(2), {s} {scheme} steps of a chain of {n} equations",
        depth=s,
        control_flow="fixed-loop",
        exact_grad=exact,
    )
