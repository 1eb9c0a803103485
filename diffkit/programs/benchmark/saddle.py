"""GradBench's ``saddle`` (Pearlmutter and Siskind): a saddle point by nested gradient descent.

With f(p, q) = (p_1^2 + p_2^2) - (q_1^2 + q_2^2), find the p minimising
max_q f(p, q), then the q maximising f(p, q); both descents start at ``start`` and use
:mod:`.descent`. The program differentiated here is the inner problem's value,
``max_q f(p, q)`` as a function of p: computing it runs a gradient ascent whose
gradient (by q) is taken inside the program, so any method that differentiates it by p
nests one derivative inside another. The eval's answer from start (1, 1) is
8.246324826140356e-06 for all four coordinates.
"""

import numpy as np

from ... import errors
from ...api import gradient
from ..program import Program, check_real
from ..registry import register_program
from .descent import argmax, argmin
from .modes import variant_modes
from .nesting import check_inner_mode, gradient_inside

EXPECTED = 8.246324826140356e-06  # the eval's answer from start (1, 1), every coordinate


def saddle_objective(p, q):
    """f(p, q) = (p_1^2 + p_2^2) - (q_1^2 + q_2^2)."""
    return (p[0] * p[0] + p[1] * p[1]) - (q[0] * q[0] + q[1] * q[1])


def inner_maximum(p, start, inner):
    """max over q of f(p, q), by gradient ascent from ``start``; the gradient by ``inner``."""

    def against(q):
        return saddle_objective(p, q)

    best = argmax(against, lambda q: gradient_inside(against, q, inner), list(start))
    return against(best)


def _check_start(start):
    if not isinstance(start, (list, tuple)) or len(start) != 2:
        raise errors.InputError(f"start must be a pair of numbers, e.g. (1.0, 1.0); got {start!r}")
    return tuple(check_real(value, "each coordinate of start") for value in start)


def saddle_cost_function(start, inner):
    """The program: ``max_q f(p, q)`` for an array p of two entries."""

    def saddle_cost(p):
        return inner_maximum([p[0], p[1]], start, inner)

    return saddle_cost


def solve_saddle(start=(1.0, 1.0), variant="rr"):
    """The eval's answer: the argmin p and then the argmax q, as four floats.

    ``variant`` names the outer and inner modes (``"rf"``: reverse outside, forward
    inside); the outer gradient goes through the public ``dk.gradient``.
    """
    outer, inner = variant_modes(variant)
    start = _check_start(tuple(start))
    cost = saddle_cost_function(start, inner)

    def outer_gradient(p):
        return list(gradient(cost, np.array(p, dtype=float), method=outer).grad)

    p = [float(v) for v in argmin(lambda p: cost(np.array(p, dtype=float)), outer_gradient, list(start))]

    def against(q):
        return saddle_objective(p, q)

    def against_array(q):
        return against([q[0], q[1]])

    def q_gradient(q):
        return list(gradient(against_array, np.array(q, dtype=float), method=outer).grad)

    q = [float(v) for v in argmax(against, q_gradient, list(start))]
    return p + q


@register_program("saddle", family="benchmark")
def build_saddle(start=(1.0, 1.0), inner="tape"):
    """The inner maximum at p = start, its gradient taken inside by ``inner``."""
    start = _check_start(start)
    check_inner_mode(inner)
    return Program(
        name="saddle",
        function=saddle_cost_function(start, inner),
        args=(np.array(start, dtype=float),),
        description=f"GradBench saddle: max_q f(p, q) by gradient ascent from {start}, its gradient by q "
                    f"taken inside ({inner}); d/dp nests two derivatives",
        control_flow="fixed-loop",  # the ascent's steps depend on q alone: p cancels in every comparison
        exact_grad=lambda p: 2.0 * np.asarray(p, dtype=float),
    )
