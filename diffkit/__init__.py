"""diffkit: write a computation once, differentiate it by finite differences, SymPy or a tape.

    import diffkit as dk

    def f(x, y, z):
        return (x + y) * z

    dk.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)          # (-4.0, -4.0, 3.0)
    dk.gradient(f, -2.0, 5.0, -4.0, method="symbolic")       # value, grad and stats
"""

from . import errors
from .api import grad, gradient, methods, value_and_grad
from .methods.transforms import hessian, hvp, jacobian
from .check import check_backward, check_grad, check_value
from .harness.compare import compare
from .errors import (
    DiffkitError,
    ExpressionTooLargeError,
    InputError,
    MissingArrayMethodError,
    NonAnalyticError,
    NonDiffkitFunctionError,
    NonScalarOutputError,
    ShapeError,
    SymbolicControlFlowError,
    UnknownMethodError,
    UnsupportedError,
)
from .methods import GradientResult, Problem, get_method
from .ops import *  # noqa: F401,F403  (the op table's public functions)
from .ops import OPS
from .core.primitive import primitives
from .programs import Program, get_program, program_names, register_program, zoo
from .views import Trace, symbolic_derivative, trace

__version__ = "0.1.0"
