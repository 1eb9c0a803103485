"""The logistic map of Baydin et al. (2018), the program of the Table 1 and step-size studies.

``l(1) = x, l(n+1) = 4 l(n) (1 - l(n))``, written with integer constants so that SymPy
keeps l(n) and its derivative exact (the zoo's ``logistic-map`` program counts
iterations instead of n and works in floats).
"""

from ..core.problem import Problem

X0 = 0.2  # the point of the paper's figures


def logistic_map(x, n):
    """l(n) of the logistic map with l(1) = x (so n - 1 applications of the map)."""
    value = x
    for _ in range(n - 1):
        value = 4 * value * (1 - value)
    return value


def logistic_problem(n, x0=X0):
    """l(n) at ``x0`` as a :class:`~diffkit.methods.Problem` of its one argument."""

    def logistic(x):
        return logistic_map(x, n)

    return Problem(logistic, (x0,), 0)
