"""Symbolic differentiation with SymPy.

The program runs once on symbols (one per array entry, named ``W1[0,2]``), which
builds its forward expressions; SymPy differentiates each output expression with
respect to each symbol; ``sympy.lambdify`` compiles values and derivatives into one
NumPy function, which is evaluated at the point. ``symbolic-cse`` compiles after
common-subexpression elimination. Derivation, CSE, compilation and evaluation are
timed separately, and the expressions' sizes are reported (see
:mod:`diffkit.engines.expression_size`).
"""

import time

from ..core.lazy import sympy
from ..engines.expression_size import cse_size, dag_size, tree_size
from ..engines.sympy_compile import TOO_LARGE, evaluate_blocks, refuse_unevaluated, too_large, trace_outputs
from .base import Derivatives, Method, Traits
from .registry import register
from ..ops.sympy_faces import derivative

MEASURE_CSE = "also report the size after CSE (default True; CSE can be slow)"


def expression_stats(stats, forward, derivatives, measure_cse):
    """Sizes of the forward expressions and of the derivatives (tree, DAG and, if asked, after CSE)."""
    stats["forward_tree_size"] = tree_size(forward)
    stats["forward_dag_size"] = dag_size(forward)
    stats["derivative_tree_size"] = tree_size(derivatives) if derivatives else 0
    stats["derivative_dag_size"] = dag_size(derivatives) if derivatives else 0
    if measure_cse:
        start = time.perf_counter()
        try:
            stats["forward_cse_size"] = cse_size(forward)[0]
            stats["derivative_cse_size"] = cse_size(derivatives)[0] if derivatives else 0
        except TOO_LARGE as exc:
            raise too_large("eliminate common subexpressions of", exc) from None
        stats["cse_time"] = time.perf_counter() - start


def compiled_derivatives(problem, output, symbols, outputs, entries, use_cse, stats):
    """Compile and evaluate the outputs and derivative entries; the :class:`Derivatives` with the
    expressions and the compiled evaluator kept (the harness repeats that evaluation to time it)."""
    value, blocks, evaluate_again = evaluate_blocks(problem, symbols, outputs, entries, use_cse, stats, output.scalar)
    forward = list(outputs.reshape(-1))
    expressions = {
        "value": forward[0] if output.scalar else forward,
        "grad": entries,
        "symbols": symbols,
        "evaluate": evaluate_again,
    }
    return Derivatives(value, blocks, stats, expressions)


class SymbolicMethod(Method):
    """Differentiate the traced expressions with SymPy, then evaluate them with lambdify."""

    options = {"measure_cse": MEASURE_CSE}
    traits = Traits(family="symbolic", exact=True, builds_expressions=True, builds_jacobian_by="entries")

    def __init__(self, name, use_cse, summary):
        self.name = name
        self.use_cse = use_cse
        self.summary = summary

    def derivatives(self, problem, output, measure_cse=True):
        stats = {}
        start = time.perf_counter()
        outputs, symbols = trace_outputs(problem, lambda out: output.check(out, problem))
        stats["trace_time"] = time.perf_counter() - start
        forward = [sympy.sympify(expression) for expression in outputs.reshape(-1)]
        start = time.perf_counter()
        try:
            entries = [derivative(expression, symbol) for expression in forward for symbol in symbols]
        except TOO_LARGE as exc:
            raise too_large("differentiate", exc, tree_size(forward)) from None
        stats["derivation_time"] = time.perf_counter() - start
        stats["derivatives"] = len(entries)
        refuse_unevaluated(entries, symbols * len(forward))
        expression_stats(stats, forward, entries, measure_cse)
        return compiled_derivatives(problem, output, symbols, outputs, entries, self.use_cse, stats)


register(SymbolicMethod("symbolic", False, "SymPy differentiates the traced expression; lambdify evaluates it"))
register(SymbolicMethod("symbolic-cse", True, "as 'symbolic', compiled after common-subexpression elimination"))
