"""Full Jacobians of vector-valued programs, one builder per differentiation method.

Each builder takes a :class:`~diffkit.methods.base.Problem` and returns
``(value, matrix, stats)``: the output as an array, the Jacobian as an
(outputs x inputs) matrix over the flattened outputs and inputs, and what it cost. The
builders show each mode's natural shape of work:

- ``tape``: record once, then one backward pass per output (row by row);
- ``forward-mode``: one forward pass per input (column by column);
- finite differences and the complex step: perturb one input at a time (column by column);
- ``symbolic`` / ``symbolic-cse``: SymPy differentiates every entry (entry by entry);
- ``symbolic-tape``: backward passes over SymPy values, one per output (row by row).
"""

import functools
import time

import numpy as np
from ..core.lazy import sympy

from .. import errors
from ..engines.expression_size import dag_size
from .complex_step import ComplexStepValue
from .finite_differences import (
    central_difference,
    checked_levels,
    checked_step,
    richardson_difference,
    step_sizes,
)
from ..core.problem import not_an_array
from .forward_mode import jacobian_columns
from ..engines.sympy_compile import compile_and_evaluate, raised_inside_sympy, symbol_point, too_large
from ..engines.sympy_compile import expressions_of, record_symbolic, untraced
from .tape import record
from ..engines.symbolic import SymbolicArray, symbol_array, to_object_array
from ..core.values import BoxedValue


def program_output(out, problem):
    """Check that the program returned one array (any shape) and give it back."""
    kind = not_an_array(out)
    if kind is not None:
        raise errors.InputError(
            f"{_name(problem)} returned {kind}, but a Jacobian needs one array (or number) as output. "
            "Combine several outputs with dk.stack or dk.concatenate."
        )
    return out


def _name(problem):
    return getattr(problem.f, "__name__", "the program")


def _flat_row(cotangents, problem):
    parts = []
    for cotangent, leaf in zip(cotangents, problem.leaves):
        if cotangent is None:
            parts.append(np.zeros(leaf.size))
        else:
            parts.append(np.broadcast_to(np.asarray(cotangent, dtype=float), leaf.shape).reshape(-1))
    return np.concatenate(parts) if parts else np.zeros(0)


def _one_hot(shape, flat_index, zero=0.0, one=1.0):
    """A seed of ``shape``: ``zero`` everywhere but ``one`` at ``flat_index`` (a scalar for shape ())."""
    seed = np.full(int(np.prod(shape, dtype=int)), zero, dtype=float if isinstance(zero, float) else object)
    seed[flat_index] = one
    return seed.reshape(shape) if shape else seed.reshape(())[()]


# --- reverse mode: row by row -----------------------------------------------------------
def tape_jacobian(problem):
    tape, leaves, out = record(problem)
    out = program_output(out, problem)
    value = np.asarray(untraced(out), dtype=float)
    shape = value.shape
    rows = []
    for index in range(value.size):
        rows.append(_flat_row(tape.backward(out, _one_hot(shape, index), leaves), problem))
    matrix = np.array(rows).reshape(value.size, problem.size)
    return value, matrix, {"backward_passes": value.size, "nodes": tape.stats()["nodes"]}


# --- forward mode: column by column -------------------------------------------------------
def forward_jacobian(problem):
    value, matrix, passes = jacobian_columns(problem, check_output=functools.partial(program_output, problem=problem))
    return value, matrix, {"forward_passes": passes}


# --- finite differences: column by column -----------------------------------------------------
class _Perturber:
    """Evaluates the program with one input entry shifted, counting evaluations."""

    def __init__(self, problem):
        self.problem = problem
        self.leaves = [leaf.copy() for leaf in problem.leaves]
        self.views = [leaf.reshape(-1) for leaf in self.leaves]
        self.evaluations = 0

    def value(self):
        self.evaluations += 1
        # A copy: the output may be a view of the leaves (reshape, broadcast_to) that the next shift changes.
        return np.array(program_output(self.problem.call(self.leaves), self.problem), dtype=float)

    def shifted(self, leaf_index, entry, h):
        view = self.views[leaf_index]
        original = view[entry]
        view[entry] = original + h
        try:
            return self.value()
        finally:
            view[entry] = original

    def coordinates(self):
        for leaf_index, view in enumerate(self.views):
            for entry in range(view.size):
                yield leaf_index, entry, view[entry]


_FD_EXPONENTS = {"fd-forward": 1 / 2, "fd-central": 1 / 3, "fd-richardson": 1 / 7}


def finite_difference_jacobian(problem, scheme, step=None, levels=3):
    step, levels = checked_step(step), checked_levels(levels)
    perturber = _Perturber(problem)
    value = perturber.value()
    columns = []
    for leaf_index, entry, x in perturber.coordinates():
        h = step_sizes(x, _FD_EXPONENTS[scheme], step)
        if scheme == "fd-forward":
            column = (perturber.shifted(leaf_index, entry, h) - value) / h
        elif scheme == "fd-central":
            column = central_difference(perturber, leaf_index, entry, h)
        else:
            column = richardson_difference(perturber, leaf_index, entry, h, levels)
        columns.append(np.asarray(column).reshape(-1))
    matrix = np.stack(columns, axis=1) if columns else np.zeros((value.size, 0))
    return value, matrix, {"evaluations": perturber.evaluations}


def complex_step_jacobian(problem, step=None):
    step = checked_step(step)
    base = [leaf.astype(np.complex128) for leaf in problem.leaves]
    columns = []
    evaluations = 0
    out = None
    for leaf in base:
        flat = leaf.reshape(-1)
        for entry in range(flat.size):
            x = flat[entry].real
            h = step if step is not None else 1e-20 * max(abs(x), 1.0)
            flat[entry] = complex(x, h)
            try:
                out = _complex_output(problem, base)
            finally:
                flat[entry] = complex(x, 0.0)
            evaluations += 1
            columns.append(np.imag(out).reshape(-1) / h)
    if out is None:
        out = _complex_output(problem, base)
        evaluations += 1
    value = np.real(out).astype(float)
    matrix = np.stack(columns, axis=1) if columns else np.zeros((value.size, 0))
    return value, matrix, {"evaluations": evaluations}


def _complex_output(problem, leaves):
    out = program_output(problem.call([ComplexStepValue(leaf) for leaf in leaves]), problem)
    return np.asarray(out.value if isinstance(out, ComplexStepValue) else out, dtype=complex)


# --- symbolic: entry by entry --------------------------------------------------------------
def _symbolic_output(out):
    if isinstance(out, SymbolicArray):
        return out.array
    if isinstance(out, BoxedValue):
        return to_object_array(untraced(out))
    return to_object_array(out)


def _evaluate_entries(problem, symbols, outputs, entries, use_cse, stats):
    values = compile_and_evaluate(symbols, [*outputs, *entries], symbol_point(problem), use_cse, stats)
    values = [float(np.asarray(v, dtype=float)) for v in values]
    return values[: len(outputs)], values[len(outputs) :]


def symbolic_jacobian(problem, use_cse=False):
    stats = {}
    symbol_arrays = [symbol_array(name, leaf.shape) for name, leaf in zip(problem.leaf_names, problem.leaves)]
    try:
        out = problem.call([SymbolicArray(array) for array in symbol_arrays])
        outputs = _symbolic_output(program_output(out, problem))
        symbols = [s for array in symbol_arrays for s in array.reshape(-1)]
        start = time.perf_counter()
        entries = [sympy.diff(expression, symbol) for expression in outputs.reshape(-1) for symbol in symbols]
    except RecursionError as exc:
        if not raised_inside_sympy(exc):
            raise  # the user's own recursion, not the expression's size
        raise too_large("build or differentiate", exc) from None
    stats["derivation_time"] = time.perf_counter() - start
    stats["derivatives"] = len(entries)
    stats["derivative_dag_size"] = _dag_size(entries)
    values, flat = _evaluate_entries(problem, symbols, list(outputs.reshape(-1)), entries, use_cse, stats)
    value = np.array(values).reshape(outputs.shape)
    return value, np.array(flat).reshape(outputs.size, len(symbols)), stats


def symbolic_tape_jacobian(problem):
    stats = {}
    tape, leaves, out, symbol_arrays = record_symbolic(problem)
    out = program_output(out, problem)
    outputs = _symbolic_output(out)
    symbols = [s for array in symbol_arrays for s in array.reshape(-1)]
    start = time.perf_counter()
    entries = []
    for index in range(outputs.size):
        seed = SymbolicArray(_one_hot(outputs.shape, index, sympy.S.Zero, sympy.S.One))
        for cotangent, leaf in zip(tape.backward(out, seed, leaves), problem.leaves):
            entries.extend(expressions_of(cotangent, leaf.shape).reshape(-1))
    stats["derivation_time"] = time.perf_counter() - start
    stats["backward_passes"] = outputs.size
    stats["derivative_dag_size"] = _dag_size(entries)
    values, flat = _evaluate_entries(problem, symbols, list(outputs.reshape(-1)), entries, True, stats)
    value = np.array(values).reshape(outputs.shape)
    return value, np.array(flat).reshape(outputs.size, len(symbols)), stats


def _dag_size(expressions):
    return dag_size(expressions) if expressions else 0


def fd_forward_jacobian(problem, step=None):
    return finite_difference_jacobian(problem, "fd-forward", step=step)


def fd_central_jacobian(problem, step=None):
    return finite_difference_jacobian(problem, "fd-central", step=step)


def fd_richardson_jacobian(problem, step=None, levels=3):
    return finite_difference_jacobian(problem, "fd-richardson", step=step, levels=levels)


def symbolic_cse_jacobian(problem):
    return symbolic_jacobian(problem, use_cse=True)


JACOBIAN_BUILDERS = {
    "fd-forward": fd_forward_jacobian,
    "fd-central": fd_central_jacobian,
    "fd-richardson": fd_richardson_jacobian,
    "fd-complex": complex_step_jacobian,
    "symbolic": symbolic_jacobian,
    "symbolic-cse": symbolic_cse_jacobian,
    "tape": tape_jacobian,
    "forward-mode": forward_jacobian,
    "symbolic-tape": symbolic_tape_jacobian,
}
