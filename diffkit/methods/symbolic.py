"""Symbolic differentiation with SymPy.

The program runs once on symbols (one per array entry, named ``W1[0,2]``), which
builds its forward expression; SymPy differentiates that expression with respect to
each symbol; ``sympy.lambdify`` compiles value and gradient into one NumPy function,
which is evaluated at the point. ``symbolic-cse`` compiles after common-subexpression
elimination. Derivation, CSE, compilation and evaluation are timed separately, and the
expressions' sizes are reported (see :mod:`diffkit.expression_size`).
"""

import time
import warnings

import numpy as np
import sympy

from .. import errors
from ..expression_size import cse_size, dag_size, tree_size
from ..symbolic import SymbolicArray, symbol_array
from .base import GradientResult, Method, scalar_output
from .registry import register

_TOO_LARGE = (RecursionError, MemoryError, SyntaxError, OverflowError)


def trace_symbolic(problem):
    """Run the program on symbols; return (forward expression, flat list of symbols)."""
    symbol_arrays = [symbol_array(name, leaf.shape) for name, leaf in zip(problem.leaf_names, problem.leaves)]
    out = problem.call([SymbolicArray(array) for array in symbol_arrays])
    out = scalar_output(out, getattr(problem.f, "__name__", "the program"))
    if isinstance(out, SymbolicArray):
        expression = out.expression()
    else:
        expression = sympy.sympify(np.asarray(out).reshape(())[()])
    symbols = [s for array in symbol_arrays for s in array.reshape(-1)]
    return expression, symbols


def _too_large(stage, exc, forward_size=None):
    size = f" (forward expression: {forward_size} operations as a tree)" if forward_size is not None else ""
    return errors.ExpressionTooLargeError(
        f"the symbolic expression is too large for SymPy to {stage}{size}: {type(exc).__name__}: "
        f"{str(exc)[:200]}. Use 'symbolic-cse' or 'tape', or a smaller program."
    )


class SymbolicMethod(Method):
    """Differentiate the traced expression with SymPy, then evaluate it with lambdify."""

    options = {"measure_cse": "also report the size after CSE (default True; CSE can be slow)"}

    def __init__(self, name, use_cse, summary):
        self.name = name
        self.use_cse = use_cse
        self.summary = summary

    def gradient(self, problem, measure_cse=True):
        stats = {}
        start = time.perf_counter()
        expression, symbols = trace_symbolic(problem)
        stats["trace_time"] = time.perf_counter() - start
        stats["forward_tree_size"] = tree_size(expression)
        stats["forward_dag_size"] = dag_size(expression)

        start = time.perf_counter()
        try:
            derivatives = [sympy.diff(expression, symbol) for symbol in symbols]
        except _TOO_LARGE as exc:
            raise _too_large("differentiate", exc, stats["forward_tree_size"]) from None
        stats["derivation_time"] = time.perf_counter() - start
        stats["derivative_tree_size"] = tree_size(derivatives) if derivatives else 0
        stats["derivative_dag_size"] = dag_size(derivatives) if derivatives else 0

        if measure_cse or self.use_cse:
            start = time.perf_counter()
            try:
                stats["derivative_cse_size"] = cse_size(derivatives)[0] if derivatives else 0
            except _TOO_LARGE as exc:
                raise _too_large("eliminate common subexpressions of", exc) from None
            stats["cse_time"] = time.perf_counter() - start

        start = time.perf_counter()
        try:
            compiled = sympy.lambdify(symbols, [expression, *derivatives], modules="numpy", cse=self.use_cse)
        except _TOO_LARGE as exc:
            raise _too_large("compile (lambdify)", exc, stats["forward_tree_size"]) from None
        stats["compile_time"] = time.perf_counter() - start

        point = [float(v) for leaf in problem.leaves for v in leaf.reshape(-1)]
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                values = compiled(*point)
            except _TOO_LARGE as exc:
                raise _too_large("evaluate", exc) from None
        stats["evaluation_time"] = time.perf_counter() - start
        if caught:
            stats["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})

        value = float(np.asarray(values[0], dtype=float))
        flat_grad = np.array([np.asarray(v, dtype=float) for v in values[1:]], dtype=float)
        grads, offset = [], 0
        for leaf in problem.leaves:
            grads.append(flat_grad[offset : offset + leaf.size].reshape(leaf.shape))
            offset += leaf.size
        expressions = {"value": expression, "grad": derivatives, "symbols": symbols}
        return GradientResult(value=value, grad=problem.pack(grads), stats=stats, expressions=expressions)


register(SymbolicMethod("symbolic", False, "SymPy differentiates the traced expression; lambdify evaluates it"))
register(
    SymbolicMethod(
        "symbolic-cse", True, "as 'symbolic', compiled after common-subexpression elimination"
    )
)
