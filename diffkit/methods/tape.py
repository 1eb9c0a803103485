"""Reverse mode over NumPy arrays: record the program on a tape, then backward passes."""

from ..engines.tape import Tape, Traced
from .base import RowMethod, Traits
from .registry import register


def record(problem):
    """Run the program on traced leaves; return (tape, traced leaves, output)."""
    with Tape() as tape:
        leaves = [tape.leaf(leaf) for leaf in problem.leaves]
        out = problem.call(leaves)
    return tape, leaves, out


class TapePullback:
    """One recording of the program; each :meth:`back` is one backward pass over it."""

    def __init__(self, problem, output):
        self.tape, self.leaves, out = record(problem)
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


register(TapeMethod())
