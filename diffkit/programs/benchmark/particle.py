"""GradBench's ``particle`` (Pearlmutter and Siskind): steer a charged particle to the origin.

A particle starts at (0, 8) with velocity (0.75, 0) in the field of two unit charges at
(10, 10 - w) and (10, 0), whose potential is p(x; w) = sum 1 / |x - charge|. Naive
Euler steps of 0.1 with acceleration -grad_x p(x; w) run until the next step would
cross the x axis; linear interpolation along the velocity gives where it crosses,
x(t_f), and the program returns x_0(t_f)^2. The gradient of p is taken inside the
program, so differentiating by w nests one derivative in another (w is a constant to
the inner one). The eval minimises over w by :mod:`.descent` from w = 0; its answer is
0.2071918746486116.
"""

import numpy as np

from ... import errors
from ... import ops as dk
from ...api import gradient
from ..program import Program, check_real
from ..registry import register_program
from .descent import argmin
from .modes import variant_modes
from .nesting import check_inner_mode, gradient_inside

EXPECTED = 0.2071918746486116  # the eval's answer from w = 0
START = (0.0, 8.0)
VELOCITY = (0.75, 0.0)
TIME_STEP = 0.1
MAX_STEPS = 100_000


def potential(x, w):
    """p(x; w) = 1 / |x - (10, 10 - w)| + 1 / |x - (10, 0)|."""
    total = 0.0
    for charge in ((10.0, 10.0 - w), (10.0, 0.0)):
        dx, dy = x[0] - charge[0], x[1] - charge[1]
        total = total + 1.0 / dk.sqrt(dx * dx + dy * dy)
    return total


def crossing_distance(w, inner="tape"):
    """x_0(t_f)^2: the square of where the Euler trajectory crosses the x axis."""
    x, velocity = list(START), list(VELOCITY)
    for _ in range(MAX_STEPS):
        force = gradient_inside(lambda point: potential(point, w), x, inner)
        moved = [xi + TIME_STEP * vi for xi, vi in zip(x, velocity)]
        if not moved[1] > 0:
            break
        x, velocity = moved, [vi - TIME_STEP * fi for vi, fi in zip(velocity, force)]
    else:
        raise errors.InputError(f"the particle did not reach the x axis in {MAX_STEPS} steps at w = {w!r}")
    time_to_axis = -x[1] / velocity[1]
    crossing = x[0] + time_to_axis * velocity[0]
    return crossing * crossing


def solve_particle(w0=0.0, variant="rr"):
    """The eval's answer: the w minimising x_0(t_f)^2, by gradient descent from ``w0``."""
    outer, inner = variant_modes(variant)
    w0 = check_real(w0, "w")

    def cost(w):
        return crossing_distance(w, inner)

    def outer_gradient(ws):
        return [gradient(cost, float(ws[0]), method=outer).grad]

    return float(argmin(lambda ws: cost(float(ws[0])), outer_gradient, [w0])[0])


@register_program("particle", family="benchmark")
def build_particle(w=0.0, inner="tape"):
    """x_0(t_f)^2 at control ``w``, the field's gradient taken inside by ``inner``."""
    w = check_real(w, "w")
    check_inner_mode(inner)

    def particle(w):
        return crossing_distance(w, inner)

    return Program(
        name="particle",
        function=particle,
        args=(w,),
        description=f"GradBench particle: Euler steps in a field whose gradient is taken inside ({inner}), "
                    "squared miss distance at the x axis; d/dw nests two derivatives",
        control_flow="data-dependent",
    )
