"""Teaching views: a program's graph with forward values and gradients, the backward pass
as a table, and symbolic derivatives as LaTeX, for coursework in Jupyter."""

from .exercise import Exercise, exercise
from .feedback import Feedback
from .latex import SymbolicDerivative, symbolic_derivative
from .steps import BackwardSteps
from .trace import BackwardStep, Trace, TraceEdge, TraceNode, trace

__all__ = [
    "BackwardStep",
    "BackwardSteps",
    "Exercise",
    "Feedback",
    "SymbolicDerivative",
    "Trace",
    "TraceEdge",
    "TraceNode",
    "exercise",
    "symbolic_derivative",
    "trace",
]
