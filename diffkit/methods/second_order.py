"""Second derivatives: Hessian-vector products and Hessians, four ways.

- ``forward-over-reverse``: the tape records the program on dual values, so its backward
  pass runs on duals too; the gradient's tangent along ``v`` is ``H v``. One Hessian
  column per pass.
- ``reverse-over-reverse``: the tape's backward pass is itself recorded on an outer
  tape; one outer backward pass of ``<grad, v>`` gives ``H v``.
- ``symbolic``: SymPy differentiates the traced expression twice (the upper triangle;
  the Hessian is symmetric), which shows how second derivatives swell.
- ``fd-central``: second-order central differences of function values,
  ``[f(x+hu+hw) - f(x+hu-hw) - f(x-hu+hw) + f(x-hu-hw)] / 4h^2 = u^T H w + O(h^2)``.

Each builder works on the flattened inputs of a :class:`~diffkit.methods.base.Problem`
and returns plain arrays and a dict of costs; :mod:`diffkit.methods.transforms` shapes them
back like the arguments.
"""

import time

import numpy as np
from ..core.lazy import sympy

from .. import errors
from ..engines.expression_size import cse_size, dag_size, tree_size
from ..engines.dual import ForwardTrace, primal_of, tangent_of
from ..core.problem import scalar_output
from .finite_differences import checked_step
from ..engines.sympy_compile import compile_and_evaluate, symbol_point, trace_symbolic
from ..engines.sympy_compile import unit_seed
from ..ops import broadcast_to
from ..ops import sum as dk_sum
from ..ops.shapes import shape_of
from ..engines.tape import Tape, Traced


def _name(problem):
    return getattr(problem.f, "__name__", "the program")


def split_flat(problem, flat):
    """A flat vector over all inputs as one array per leaf."""
    parts, offset = [], 0
    for leaf in problem.leaves:
        parts.append(np.asarray(flat[offset : offset + leaf.size], dtype=float).reshape(leaf.shape))
        offset += leaf.size
    return parts


def join_flat(parts, problem):
    """One array per leaf (None for zero) as a flat vector."""
    pieces = []
    for part, leaf in zip(parts, problem.leaves):
        if part is None:
            pieces.append(np.zeros(leaf.size))
        else:
            pieces.append(np.broadcast_to(np.asarray(part, dtype=float), leaf.shape).reshape(-1))
    return np.concatenate(pieces) if pieces else np.zeros(0)


def _unit(problem, index):
    flat = np.zeros(problem.size)
    flat[index] = 1.0
    return flat


# --- forward over reverse ------------------------------------------------------------------
def forward_over_reverse_hvp(problem, v):
    """(value, gradient, H v) from one tape recorded on dual values."""
    with ForwardTrace() as trace:
        duals = [trace.dual(leaf, t) for leaf, t in zip(problem.leaves, split_flat(problem, v))]
        with Tape() as tape:
            leaves = [tape.leaf(dual) for dual in duals]
            out = scalar_output(problem.call(leaves), _name(problem))
        cotangents = tape.backward(out, unit_seed(out), leaves)
    value = primal_of(out.value if isinstance(out, Traced) else out, trace)
    value = np.asarray(value).reshape(-1)[0]
    gradient = join_flat([None if c is None else primal_of(c, trace) for c in cotangents], problem)
    hv = join_flat(
        [None if c is None else tangent_of(c, trace, leaf.shape) for c, leaf in zip(cotangents, problem.leaves)],
        problem,
    )
    return float(value), gradient, hv


def forward_over_reverse_hessian(problem):
    """The Hessian column by column: one forward-over-reverse pass per unit direction."""
    columns = []
    value = gradient = None
    for index in range(problem.size):
        value, gradient, column = forward_over_reverse_hvp(problem, _unit(problem, index))
        columns.append(column)
    if value is None:
        value, gradient, _ = forward_over_reverse_hvp(problem, np.zeros(0))
    hessian = np.stack(columns, axis=1) if columns else np.zeros((0, 0))
    return value, gradient, hessian, {"passes": len(columns)}


# --- reverse over reverse ------------------------------------------------------------------
def _record_gradient(problem, outer):
    """Record the program and its backward pass on ``outer``; return (output, gradient leaves, outer leaves)."""
    outer_leaves = [outer.leaf(leaf) for leaf in problem.leaves]
    with Tape() as inner:
        inner_leaves = [inner.leaf(leaf) for leaf in outer_leaves]
        out = scalar_output(problem.call(inner_leaves), _name(problem))
    gradient = inner.backward(out, unit_seed(out), inner_leaves)
    return out, gradient, outer_leaves


def _untrace(value):
    """The plain value inside nested traced values."""
    while isinstance(value, Traced):
        value = value.value
    return value


def reverse_over_reverse_hvp(problem, v):
    """(value, gradient, H v): one outer backward pass of <gradient, v> through the recorded backward pass."""
    with Tape() as outer:
        out, gradient, outer_leaves = _record_gradient(problem, outer)
        inner_product = 0.0
        for g, direction in zip(gradient, split_flat(problem, v)):
            if g is not None:
                inner_product = inner_product + dk_sum(g * direction)
    hv = outer.backward(inner_product, 1.0, outer_leaves)
    value = float(np.asarray(_untrace(out)).reshape(-1)[0])
    return value, join_flat([None if g is None else _untrace(g) for g in gradient], problem), join_flat(hv, problem)


def reverse_over_reverse_hessian(problem):
    """Record the gradient once on an outer tape, then one outer backward pass per row."""
    with Tape() as outer:
        out, gradient, outer_leaves = _record_gradient(problem, outer)
    rows = []
    for g, leaf in zip(gradient, problem.leaves):
        for entry in range(leaf.size):
            if g is None:
                rows.append(np.zeros(problem.size))
                continue
            if shape_of(g) != leaf.shape:
                g = broadcast_to(g, leaf.shape)
            seed = np.zeros(leaf.shape)
            seed.reshape(-1)[entry] = 1.0
            rows.append(join_flat(outer.backward(g, seed if seed.ndim else 1.0, outer_leaves), problem))
    value = float(np.asarray(_untrace(out)).reshape(-1)[0])
    flat_gradient = join_flat([None if g is None else _untrace(g) for g in gradient], problem)
    hessian = np.array(rows).reshape(problem.size, problem.size)
    return value, flat_gradient, hessian, {"outer_backward_passes": len(rows), "outer_nodes": outer.stats()["nodes"]}


# --- symbolic -----------------------------------------------------------------------------------
def symbolic_hessian(problem, measure_cse=True):
    """SymPy's Hessian of the traced expression, with its swell measured."""
    stats = {}
    expression, symbols = trace_symbolic(problem)
    stats["forward_tree_size"] = tree_size(expression)
    start = time.perf_counter()
    gradient = [sympy.diff(expression, s) for s in symbols]
    entries = {}
    for i, gi in enumerate(gradient):
        for j in range(i, len(symbols)):
            entries[i, j] = sympy.diff(gi, symbols[j])
    stats["derivation_time"] = time.perf_counter() - start
    upper = list(entries.values())
    stats["gradient_tree_size"] = tree_size(gradient) if gradient else 0
    stats["hessian_tree_size"] = tree_size(upper) if upper else 0
    stats["hessian_dag_size"] = dag_size(upper) if upper else 0
    if measure_cse:
        start = time.perf_counter()
        stats["hessian_cse_size"] = cse_size(upper)[0] if upper else 0
        stats["cse_time"] = time.perf_counter() - start
    values = compile_and_evaluate(symbols, [expression, *gradient, *upper], symbol_point(problem), True, stats)
    values = [float(np.asarray(v, dtype=float)) for v in values]
    n = len(symbols)
    hessian = np.zeros((n, n))
    for (i, j), entry in zip(entries, values[1 + n :]):
        hessian[i, j] = hessian[j, i] = entry
    return values[0], np.array(values[1 : 1 + n]), hessian, stats


# --- second-order finite differences ---------------------------------------------------------------
class _ValueEvaluator:
    """f at the point shifted along flat directions; counts evaluations."""

    def __init__(self, problem):
        self.problem = problem
        self.point = np.concatenate([leaf.reshape(-1) for leaf in problem.leaves]) if problem.leaves else np.zeros(0)
        self.evaluations = 0

    def at(self, shift):
        self.evaluations += 1
        out = scalar_output(self.problem.call(split_flat(self.problem, self.point + shift)), _name(self.problem))
        return float(np.asarray(out).reshape(()))


def checked_second_step(step):
    """A user's ``step`` for second differences as a positive float; None stays None (diffkit picks it).

    The differences divide by 4 h^2, so h must also be a size whose square neither
    underflows to 0 nor overflows to infinity.
    """
    default = "leave the option out to let diffkit choose it (eps^(1/4) * max(|x|, 1))"
    h = checked_step(step, "the step of second-order differences", "1e-4", "(eps^(1/4) * max(|x|, 1))")
    if h is None:
        return None
    with np.errstate(over="ignore", under="ignore"):
        denominator = 4 * np.float64(h) * np.float64(h)
    if not (np.isfinite(denominator) and denominator > 0):
        raise errors.InputError(
            f"step={step!r}: second-order differences divide by 4 step**2, which is "
            f"{'infinite' if denominator > 0 else '0'} in floating point; give a step such as 1e-4 or {default}"
        )
    return h


def _second_step(x, step):
    """h = eps**(1/4) * max(|x|, 1): balances the O(h^2) error against round-off / h^2."""
    if step is not None:
        return float(step)  # checked by fd_hvp / fd_hessian
    return float(np.finfo(float).eps ** 0.25 * max(float(np.max(np.abs(x), initial=0.0)), 1.0))


def _mixed_difference(evaluator, u, w, h):
    """u^T H w from four values (u and w unit-scale directions)."""
    return (
        evaluator.at(h * (u + w)) - evaluator.at(h * (u - w)) - evaluator.at(h * (w - u)) + evaluator.at(-h * (u + w))
    ) / (4 * h * h)


def fd_hvp(problem, v, step=None):
    """H v by mixed second differences of f along v and each axis: 4n evaluations."""
    step = checked_second_step(step)
    evaluator = _ValueEvaluator(problem)
    value = evaluator.at(np.zeros(problem.size))
    scale = float(np.max(np.abs(v), initial=0.0))
    hv = np.zeros(problem.size)
    if scale > 0:
        u = np.asarray(v, dtype=float) / scale
        h = _second_step(evaluator.point, step)
        for index in range(problem.size):
            hv[index] = scale * _mixed_difference(evaluator, u, _unit(problem, index), h)
    return value, hv, {"evaluations": evaluator.evaluations}


def fd_hessian(problem, step=None):
    """Full Hessian: three-point second differences on the diagonal, four-point off it."""
    step = checked_second_step(step)
    evaluator = _ValueEvaluator(problem)
    value = evaluator.at(np.zeros(problem.size))
    n = problem.size
    hessian = np.zeros((n, n))
    for i in range(n):
        h = _second_step(evaluator.point[i], step)
        e_i = _unit(problem, i)
        hessian[i, i] = (evaluator.at(h * e_i) - 2 * value + evaluator.at(-h * e_i)) / (h * h)
        for j in range(i + 1, n):
            h_ij = _second_step(evaluator.point[[i, j]], step)
            hessian[i, j] = hessian[j, i] = _mixed_difference(evaluator, e_i, _unit(problem, j), h_ij)
    return value, None, hessian, {"evaluations": evaluator.evaluations}
