"""Reverse mode over NumPy arrays: record the program on a tape, then one backward pass."""

import numpy as np

from ..engines.tape import Tape, Traced
from ..core.problem import scalar_output
from .base import GradientResult, Method
from .registry import register


def _seed_like(value):
    if isinstance(value, np.ndarray):
        return np.ones_like(value)
    return 1.0


def record(problem):
    """Run the program on traced leaves; return (tape, traced leaves, output)."""
    with Tape() as tape:
        leaves = [tape.leaf(leaf) for leaf in problem.leaves]
        out = problem.call(leaves)
    return tape, leaves, out


class TapeMethod(Method):
    name = "tape"
    summary = "reverse mode: record each primitive on a tape, one backward pass"

    def gradient(self, problem):
        tape, leaves, out = record(problem)
        out = scalar_output(out, getattr(problem.f, "__name__", "the program"))
        value = out.value if isinstance(out, Traced) else out
        grads = tape.backward(out, _seed_like(value), leaves)
        return GradientResult(
            value=float(np.asarray(value).reshape(())),
            grad=problem.pack(grads),
            stats=tape.stats(),
        )


register(TapeMethod())
