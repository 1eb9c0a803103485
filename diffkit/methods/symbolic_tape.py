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

from .. import errors
from ..core.lazy import sympy
from ..engines.symbolic import SymbolicArray, to_object_array
from ..engines.sympy_compile import TOO_LARGE, expressions_of, record_symbolic, too_large, untraced
from ..ops.shapes import shape_of
from .base import Method, Traits, unit_seed
from .registry import register
from .symbolic import MEASURE_CSE, compiled_derivatives, expression_stats


def _symbolic_seed(shape, flat_index):
    """A one-hot cotangent of SymPy numbers (a SymPy 1 for a scalar output)."""
    if not shape:  # a SymbolicArray, not a bare SymPy number: `1 * traced` must reach diffkit's ops
        return SymbolicArray(sympy.S.One)
    seed = np.full(int(np.prod(shape, dtype=int)), sympy.S.Zero, dtype=object)
    seed[flat_index] = sympy.S.One
    return SymbolicArray(seed.reshape(shape))


class SymbolicTapeMethod(Method):
    name = "symbolic-tape"
    summary = "the tape's backward pass over SymPy values: a derivative DAG built by reverse accumulation"
    options = {"measure_cse": MEASURE_CSE}
    traits = Traits(family="symbolic", exact=True, builds_expressions=True, builds_jacobian_by="rows")

    def derivatives(self, problem, output, measure_cse=True):
        stats = {}
        start = time.perf_counter()
        tape, leaves, out, symbol_arrays = record_symbolic(problem)
        out = output.check(out, problem)
        stats["trace_time"] = time.perf_counter() - start
        outputs = to_object_array(untraced(out))
        if output.scalar:
            outputs = outputs.reshape(())  # a size-1 array counts as a number
        forward = list(outputs.reshape(-1))
        stats["tape_nodes"] = tape.stats()["nodes"]
        def backward(strong_zero):
            start = time.perf_counter()
            entries = []
            try:
                for index in range(outputs.size):
                    seed = unit_seed(tuple(shape_of(out))) if output.scalar else _symbolic_seed(outputs.shape, index)
                    for cotangent, leaf in zip(tape.backward(out, seed, leaves, strong_zero=strong_zero), problem.leaves):
                        entries.extend(expressions_of(cotangent, leaf.shape).reshape(-1))
            except TOO_LARGE as exc:
                raise too_large("differentiate", exc) from None
            # entries are grouped by output, then leaf, then entry: the row-major (outputs x symbols) order
            stats["derivation_time"] = time.perf_counter() - start
            stats["backward_passes"] = outputs.size
            expression_stats(stats, forward, entries, measure_cse)
            return entries

        symbols = [s for array in symbol_arrays for s in array.reshape(-1)]
        try:
            entries = backward(strong_zero=False)
            derivatives = compiled_derivatives(problem, output, symbols, outputs, entries, True, stats)
            rerun = any(block is not None and np.isnan(block).any() for block in derivatives.blocks)
        except errors.UnsupportedError:  # SymPy's nan from a branch not taken may be the cause
            rerun = True
        if rerun:  # the tape's second pass, zero cotangents kept zero, once the numbers are known
            entries = backward(strong_zero=True)
            derivatives = compiled_derivatives(problem, output, symbols, outputs, entries, True, stats)
            stats["strong_zero_pass"] = True
        return derivatives


register(SymbolicTapeMethod())
