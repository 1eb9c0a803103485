"""diffkit: write a computation once, differentiate it by finite differences, SymPy or a tape.

    import diffkit as dk

    def f(x, y, z):
        return (x + y) * z

    dk.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)          # (-4.0, -4.0, 3.0)
    dk.gradient(f, -2.0, 5.0, -4.0, method="symbolic")       # value, grad and stats
"""

from . import errors
from .api import compile_grad, grad, gradient, methods, value_and_grad
from .core.kinks import kink_convention, kinks
from .core.primitive import primitives
from .engines.tape import name
from .errors import (
    ComplexValueError,
    ControlFlowChangedError,
    DiffkitError,
    ExpressionTooLargeError,
    FolderInUseError,
    InputError,
    ListArgumentError,
    MissingArrayMethodError,
    NonAnalyticError,
    NonDiffkitFunctionError,
    NonScalarOutputError,
    ShapeError,
    SymbolicControlFlowError,
    UnknownMethodError,
    UnsupportedError,
    UnusedSettingWarning,
)
from .methods import GradientResult, Problem, get_method
from .methods.transforms import hessian, hvp, jacobian
from .ops import *  # noqa: F401,F403  (the op table's public functions)
from .ops import OPS
from .ops.user_primitives import primitive

__version__ = "0.1.0"

# Re-exports whose modules load matplotlib, jinja2 or the zoo: imported on first use
# (PEP 562), so `import diffkit` stays light for a script that only differentiates.
_LAZY = {
    "check_backward": "check",
    "check_grad": "check",
    "check_primitive": "check",
    "check_value": "check",
    "compare": "harness.compare",
    "compare_with_notes": "programs",
    "deck_names": "programs",
    "get_deck": "programs",
    "Program": "programs",
    "get_program": "programs",
    "program_names": "programs",
    "register_program": "programs",
    "zoo": "programs",
    "Trace": "views",
    "exercise": "views",
    "symbolic_derivative": "views",
    "trace": "views",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'diffkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
