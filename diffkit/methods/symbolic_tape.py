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
import sympy

from ..engines.expression_size import cse_size, dag_size, tree_size
from ..engines.symbolic import SymbolicArray, symbol_array, to_object_array
from ..engines.tape import Tape, Traced
from .base import GradientResult, Method, scalar_output
from .registry import register
from .symbolic import TOO_LARGE, compile_and_evaluate, raised_inside_sympy, symbol_point, too_large


def record_symbolic(problem):
    """Record the program on a tape over symbols; return (tape, traced leaves, output, symbol arrays)."""
    symbol_arrays = [symbol_array(name, leaf.shape) for name, leaf in zip(problem.leaf_names, problem.leaves)]
    with Tape() as tape:
        leaves = [tape.leaf(SymbolicArray(array)) for array in symbol_arrays]
        try:
            out = problem.call(leaves)
        except RecursionError as exc:
            if not raised_inside_sympy(exc):
                raise  # the user's own recursion, not the expression's size
            raise too_large("build", exc) from None
    return tape, leaves, out, symbol_arrays


def untraced(value):
    """The value a tape output holds (a plain output of a constant program stays as is)."""
    return value.value if isinstance(value, Traced) else value


def unit_seed(out):
    """The seed 1 shaped like a scalar output (which may be an array of size 1)."""
    shape = tuple(out.shape) if hasattr(out, "shape") else ()
    return np.ones(shape) if shape else 1.0


def expressions_of(cotangent, shape):
    """A cotangent (symbolic, plain number or None) as an object array of ``shape``."""
    if cotangent is None:
        return np.full(shape, sympy.S.Zero, dtype=object)
    return np.array(np.broadcast_to(to_object_array(cotangent), shape), dtype=object)


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
