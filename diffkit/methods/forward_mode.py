"""Forward-mode AD: push one tangent per input entry through the program (dual numbers).

Each pass seeds one input entry with tangent 1 and reads the output's tangent: one
column of the Jacobian. A gradient of n inputs costs n passes, against the tape's one
backward pass; for a program with few inputs and many outputs the balance turns.
"""

import numpy as np

from ..engines.dual import ForwardTrace, primal_of, tangent_of
from ..ops.shapes import shape_of
from .base import ColumnMethod, Traits
from .registry import register


class DualPushforward:
    """Forward passes of one program on dual leaves; the first one also gives the value."""

    def __init__(self, problem, output):
        self.problem = problem
        self.output = output
        self.passes = 0
        # The first pass also gives the value: along the first input entry when there is one.
        self._first = next((i for i, leaf in enumerate(problem.leaves) if leaf.size), None)
        self.value, self._first_column = self._pass(self._unit(self._first, 0), check=True)

    def _unit(self, leaf_index, entry):
        tangents = [np.zeros(leaf.shape) for leaf in self.problem.leaves]
        if leaf_index is not None:
            tangents[leaf_index].reshape(-1)[entry] = 1.0
        return tangents

    def _pass(self, tangents, check=False):
        self.passes += 1
        with ForwardTrace() as trace:
            out = self.problem.call([trace.dual(leaf, t) for leaf, t in zip(self.problem.leaves, tangents)])
        if check:
            out = self.output.check(out, self.problem)
        value = primal_of(out, trace)
        return value, tangent_of(out, trace, shape_of(value))

    def column(self, leaf_index, entry):
        if (leaf_index, entry) == (self._first, 0):
            return self._first_column
        return self._pass(self._unit(leaf_index, entry))[1]

    def along(self, direction):
        return self._pass(direction)[1]

    def stats(self):
        return {"passes": self.passes}


class ForwardModeMethod(ColumnMethod):
    name = "forward-mode"
    summary = "forward-mode AD: dual numbers carry one tangent per pass, n passes for n inputs"
    traits = Traits(family="autodiff", exact=True, builds_expressions=False, builds_jacobian_by="columns")

    def pushforward(self, problem, output):
        return DualPushforward(problem, output)


register(ForwardModeMethod())
