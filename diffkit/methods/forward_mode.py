"""Forward-mode AD: push one tangent per input entry through the program (dual numbers).

Each pass seeds one input entry with tangent 1 and reads the output's tangent: one
column of the Jacobian. A gradient of n inputs costs n passes, against the tape's one
backward pass; for a program with few inputs and many outputs the balance turns.
"""

import functools

import numpy as np

from ..engines.dual import ForwardTrace, primal_of, tangent_of
from ..ops.shapes import shape_of
from ..core.problem import scalar_output
from .base import GradientResult, Method
from .registry import register


def unit_tangents(problem, flat_index):
    """Tangents for every leaf: zeros, with a 1 at the ``flat_index``-th scalar input."""
    tangents = []
    offset = 0
    for leaf in problem.leaves:
        tangent = np.zeros(leaf.shape)
        if offset <= flat_index < offset + leaf.size:
            tangent.reshape(-1)[flat_index - offset] = 1.0
        tangents.append(tangent)
        offset += leaf.size
    return tangents


def forward_pass(problem, tangents, check_output=None):
    """Run the program on dual leaves; return (output value, output tangent).

    ``check_output`` validates the raw output first (e.g. ``scalar_output`` for a gradient).
    """
    with ForwardTrace() as trace:
        out = problem.call([trace.dual(leaf, t) for leaf, t in zip(problem.leaves, tangents)])
    if check_output is not None:
        out = check_output(out)
    value = primal_of(out, trace)
    return value, tangent_of(out, trace, shape_of(value))


def jacobian_columns(problem, check_output=None):
    """The Jacobian as an (outputs x inputs) array, one forward pass per column.

    Returns (value, matrix, number of passes); ``check_output`` validates the first output.
    """
    n = problem.size
    columns = []
    value = None
    passes = 0
    for index in range(max(n, 1)):
        tangents = unit_tangents(problem, index) if n else [np.zeros(leaf.shape) for leaf in problem.leaves]
        value, tangent = forward_pass(problem, tangents, check_output if passes == 0 else None)
        passes += 1
        columns.append(np.asarray(tangent, dtype=float).reshape(-1))
    value = np.asarray(value, dtype=float)
    matrix = np.stack(columns, axis=1) if n else np.zeros((value.size, 0))
    return value, matrix, passes


class ForwardModeMethod(Method):
    name = "forward-mode"
    summary = "forward-mode AD: dual numbers carry one tangent per pass, n passes for n inputs"

    def gradient(self, problem):
        name = getattr(problem.f, "__name__", "the program")
        check = functools.partial(scalar_output, program_name=name)
        value, matrix, passes = jacobian_columns(problem, check_output=check)
        flat = matrix.reshape(-1)
        grads, offset = [], 0
        for leaf in problem.leaves:
            grads.append(flat[offset : offset + leaf.size].reshape(leaf.shape))
            offset += leaf.size
        return GradientResult(
            value=float(value.reshape(())),
            grad=problem.pack(grads),
            stats={"passes": passes},
        )


register(ForwardModeMethod())
