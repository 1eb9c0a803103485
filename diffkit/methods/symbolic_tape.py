"""``symbolic-tape``: the tape's backward pass run over SymPy values.

The program is recorded on a tape whose leaves are arrays of symbols, so every node
holds a SymPy expression; the backward pass then applies the VJP rules to those
expressions. The derivative is built by reverse accumulation: each adjoint is one
expression that every later use shares, so the result is a DAG, where ``symbolic``
asks SymPy to differentiate a tree. Set side by side (same size measures, see
:mod:`diffkit.engines.expression_size`), the two show how much of symbolic differentiation's
swell comes from the method and how much from writing expressions out as trees.

The derivative is compiled with common-subexpression elimination, since a DAG printed
without it would be written out as the very tree it avoids.
"""

import time

import numpy as np

from ..engines.expression_size import cse_size, dag_size, tree_size
from ..engines.symbolic import to_object_array
from ..engines.sympy_compile import (
    TOO_LARGE,
    compile_and_evaluate,
    expressions_of,
    record_symbolic,
    symbol_point,
    too_large,
    unit_seed,
    untraced,
)
from ..core.problem import scalar_output
from .base import GradientResult, Method
from .registry import register


class SymbolicTapeMethod(Method):
    name = "symbolic-tape"
    summary = "the tape's backward pass over SymPy values: a derivative DAG built by reverse accumulation"
    options = {"measure_cse": "also report the size after CSE (default True; CSE can be slow)"}

    def gradient(self, problem, measure_cse=True):
        stats = {}
        start = time.perf_counter()
        tape, leaves, out, symbol_arrays = record_symbolic(problem)
        out = scalar_output(out, getattr(problem.f, "__name__", "the program"))
        stats["trace_time"] = time.perf_counter() - start
        expression = to_object_array(untraced(out)).reshape(-1)[0]  # a size-1 array counts as a number
        stats["forward_tree_size"] = tree_size(expression)
        stats["forward_dag_size"] = dag_size(expression)
        stats["tape_nodes"] = tape.stats()["nodes"]

        start = time.perf_counter()
        try:
            cotangents = tape.backward(out, unit_seed(out), leaves)
        except TOO_LARGE as exc:
            raise too_large("differentiate", exc) from None
        derivatives = []
        for cotangent, leaf in zip(cotangents, problem.leaves):
            derivatives.extend(expressions_of(cotangent, leaf.shape).reshape(-1))
        stats["derivation_time"] = time.perf_counter() - start
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

        symbols = [s for array in symbol_arrays for s in array.reshape(-1)]
        values = compile_and_evaluate(symbols, [expression, *derivatives], symbol_point(problem), True, stats)
        value = float(np.asarray(values[0], dtype=float))
        flat = np.array([np.asarray(v, dtype=float) for v in values[1:]], dtype=float)
        grads, offset = [], 0
        for leaf in problem.leaves:
            grads.append(flat[offset : offset + leaf.size].reshape(leaf.shape))
            offset += leaf.size
        expressions = {"value": expression, "grad": derivatives, "symbols": symbols}
        return GradientResult(value=value, grad=problem.pack(grads), stats=stats, expressions=expressions)


register(SymbolicTapeMethod())
