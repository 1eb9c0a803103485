"""Reverse mode over NumPy arrays: record the program on a tape, then backward passes."""

import numpy as np

from ..engines.tape import Tape, Traced
from ..ops.shapes import shape_of
from .base import NUMBER_SEED, SCALAR, RowMethod, Traits, plain_number, unit_seed
from .registry import register


def record(problem):
    """Run the program on traced leaves; return (tape, the leaves' node indices, output).

    The backward pass reads the leaves by the nodes they were recorded as: an item
    assignment into an argument rebinds its box, never what the gradient is taken of.
    """
    with Tape() as tape:
        boxes = tape.leaves(problem.leaf_values)
        out = problem.call(boxes, own=True)
    return tape, range(len(boxes)), out


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
        if type(out) is Traced and out._tape is tape and type(out.value) is np.float64:  # one number: seed 1
            return float(out.value), problem.pack(tape.backward(out, NUMBER_SEED, leaves))
        pull = TapePullback(problem, SCALAR, recording)
        return plain_number(pull.value), problem.pack(pull.back(unit_seed(tuple(shape_of(pull.value)))))


register(TapeMethod())
