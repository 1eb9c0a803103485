"""Reverse mode over NumPy arrays: record the program on a tape, then backward passes."""

import numpy as np

from ..engines.tape import Tape, Traced
from ..ops.shapes import shape_of
from .base import SCALAR, RowMethod, Traits, plain_number, unit_seed
from .registry import register


def record(problem):
    """Run the program on traced leaves; return (tape, the leaves' node indices, output).

    The backward pass reads the leaves by the nodes they were recorded as: an item
    assignment into an argument rebinds its box, never what the gradient is taken of.
    """
    with Tape() as tape:
        boxes = tape.leaves(_traced_values(problem))
        out = problem.call(boxes, own=True)
    return tape, range(len(boxes)), out


def _traced_values(problem):
    """The values the tape records from: the leaves, with numbers as Python floats.

    A float's arithmetic is a NumPy float64's to the bit, at about a third of the cost, and a
    scalar program is made of little else; arrays, and 0-d arrays, are traced as they are.
    """
    values = problem.leaf_values
    if not any(problem.leaf_was_scalar):
        return values
    if set(map(type, values)) == _FLOAT64_ONLY:
        return list(map(float, values))
    return [float(value) if type(value) is np.float64 else value for value in values]


_FLOAT64_ONLY = {np.float64}
_NUMBER_OUTPUTS = frozenset((float, np.float64))


class TapePullback:
    """One recording of the program; each :meth:`back` is one backward pass over it."""

    def __init__(self, problem, output, recording=None):
        self.tape, self.leaves, out = recording or record(problem)
        self.out = output.check(out, problem)
        self.value = self.out.value if isinstance(self.out, Traced) and self.out._tape is self.tape else self.out

    def back(self, seed):
        return self.tape.backward(self.out, seed, self.leaves)

    def stats(self, passes):
        return dict(self.tape.stats(), backward_passes=passes)


class TapeMethod(RowMethod):
    name = "tape"
    summary = "reverse mode: record each primitive on a tape, one backward pass"
    traits = Traits(family="autodiff", exact=True, builds_expressions=False, builds_jacobian_by="rows")

    def pullback(self, problem, output):
        return TapePullback(problem, output)

    def value_and_grad(self, problem, **options):
        if options:
            self.check_options(options)
        tape, leaves, out = recording = record(problem)
        if type(out) is Traced and out._tape is tape and type(out.value) in _NUMBER_OUTPUTS:  # one number: seed 1
            return float(out.value), problem.pack(tape.backward(out, 1.0, leaves))
        pull = TapePullback(problem, SCALAR, recording)
        return plain_number(pull.value), problem.pack(pull.back(unit_seed(tuple(shape_of(pull.value)))))


register(TapeMethod())
