"""Differentiation methods, each registered by name (see :func:`method_names`)."""

# Imported for their registration, in the order the methods are listed.
from . import finite_differences  # noqa: F401  isort: skip
from . import complex_step  # noqa: F401  isort: skip
from . import symbolic  # noqa: F401  isort: skip
from . import tape  # noqa: F401  isort: skip
from . import forward_mode  # noqa: F401  isort: skip
from . import symbolic_tape  # noqa: F401  isort: skip
from ..core.problem import Problem
from .base import GradientResult, Method
from .registry import builds_expressions, chosen_methods, get_method, is_finite_difference, method_names, register, traits_of

__all__ = [
    "GradientResult", "Method", "Problem", "builds_expressions", "chosen_methods", "get_method", "is_finite_difference",
    "method_names", "register", "traits_of",
]
