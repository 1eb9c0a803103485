"""Symbolic differentiation with SymPy.

The program runs once on symbols (one per array entry, named ``W1[0,2]``), which
builds its forward expression; SymPy differentiates that expression with respect to
each symbol; ``sympy.lambdify`` compiles value and gradient into one NumPy function,
which is evaluated at the point. ``symbolic-cse`` compiles after common-subexpression
elimination. Derivation, CSE, compilation and evaluation are timed separately, and the
expressions' sizes are reported (see :mod:`diffkit.engines.expression_size`).
"""

import time

import numpy as np

from ..core.lazy import sympy
from ..engines.expression_size import cse_size, dag_size, tree_size
from ..engines.sympy_compile import (
    TOO_LARGE,
    compile_and_evaluate,
    refuse_unevaluated,
    symbol_point,
    too_large,
    trace_symbolic,
)
from .base import GradientResult, Method
from .registry import register

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
        except TOO_LARGE as exc:
            raise too_large("differentiate", exc, stats["forward_tree_size"]) from None
        stats["derivation_time"] = time.perf_counter() - start
        refuse_unevaluated(derivatives, symbols)
        stats["derivative_tree_size"] = tree_size(derivatives) if derivatives else 0
        stats["derivative_dag_size"] = dag_size(derivatives) if derivatives else 0

        if measure_cse:
            start = time.perf_counter()
            try:
                stats["forward_cse_size"] = cse_size([expression])[0]
                stats["derivative_cse_size"] = cse_size(derivatives)[0] if derivatives else 0
            except TOO_LARGE as exc:
                raise too_large("eliminate common subexpressions of", exc) from None
            stats["cse_time"] = time.perf_counter() - start

        values = compile_and_evaluate(symbols, [expression, *derivatives], symbol_point(problem), self.use_cse, stats)

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
