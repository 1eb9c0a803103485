"""Check hand-derived gradients and hand-written backward passes against diffkit.

- :func:`check_grad` compares a gradient function with diffkit's references,
- :func:`check_backward` compares a module's ``backward(upstream)`` with the
  vector-Jacobian product of its ``forward``,
- :func:`check_value` compares a value computed by hand with the program's,
- :func:`check_primitive` checks a primitive's VJP and JVP rules against finite
  differences and its SymPy face against its NumPy face.

Each returns a :class:`CheckReport`: a text table in a terminal, an HTML table in
Jupyter, truthy exactly when the check passed.
"""

from .backward import check_backward
from .compare import CORRECT, KINK, RANDOM_PASS, SUSPICIOUS, WRONG, Bands, bands_for, relative_error
from .gradient_check import check_grad
from .primitive_check import check_primitive
from .report import ArgumentCheck, CheckReport, DirectionalCheck, EntryCheck
from .value import check_value

__all__ = [
    "ArgumentCheck",
    "Bands",
    "CORRECT",
    "CheckReport",
    "DirectionalCheck",
    "EntryCheck",
    "KINK",
    "RANDOM_PASS",
    "SUSPICIOUS",
    "WRONG",
    "bands_for",
    "check_backward",
    "check_grad",
    "check_primitive",
    "check_value",
    "relative_error",
]
