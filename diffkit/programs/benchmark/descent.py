"""The gradient descent that GradBench's ``saddle`` and ``particle`` evals prescribe.

From ``x0`` with step ``eta = 1e-5``: stop when the gradient's norm is at most 1e-5 or
a step would move x by at most 1e-5; take a step when it lowers f (after ten such steps
in a row eta doubles), otherwise halve eta and try again. Every implementation of the
evals runs this same loop, which is why their answers agree to many digits.

Points are lists of scalars, so the loop runs on plain numbers and on the values of any
derivative taken through it; its comparisons follow the values.
"""

from ... import ops as dk

TOLERANCE = 1e-5
FIRST_STEP = 1e-5
STEPS_BEFORE_DOUBLING = 10


def _norm(vector):
    total = 0.0
    for entry in vector:
        total = total + entry * entry
    return dk.sqrt(total)


def argmin(f, gradient, x0):
    """A minimiser of ``f`` from ``x0``; ``gradient(x)`` is f's gradient as a list."""
    x = list(x0)
    fx, gx = f(x), gradient(x)
    eta, successes = FIRST_STEP, 0
    while True:
        if _norm(gx) <= TOLERANCE:
            return x
        if successes == STEPS_BEFORE_DOUBLING:
            eta, successes = 2 * eta, 0
            continue
        candidate = [xi - eta * gi for xi, gi in zip(x, gx)]
        if _norm([c - xi for c, xi in zip(candidate, x)]) <= TOLERANCE:
            return x
        f_candidate = f(candidate)
        if f_candidate < fx:
            x, fx, gx = candidate, f_candidate, gradient(candidate)
            successes += 1
        else:
            eta, successes = eta / 2, 0


def argmax(f, gradient, x0):
    """A maximiser of ``f``: the minimiser of ``-f``."""
    return argmin(lambda x: -f(x), lambda x: [-g for g in gradient(x)], x0)
