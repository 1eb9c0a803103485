"""Second derivatives: Hessians and Hessian-vector products, each a method over a gradient.

A second-order method is the Jacobian of a gradient. Two are compositions of the
registered methods' own cores, nothing written twice:

- ``forward-over-reverse``: ``forward-mode``'s columns of the ``tape``'s gradient (the
  tape records on dual values, so its backward pass carries tangents); ``H v`` is one
  forward pass along ``v``.
- ``reverse-over-reverse``: the ``tape``'s rows of the ``tape``'s gradient (the inner
  backward pass is itself recorded); ``H v`` is one outer backward pass seeded with ``v``.

Two have their own formula, since their engines differentiate values, not programs:

- ``symbolic``: SymPy differentiates the traced expression twice (the upper triangle;
  the Hessian is symmetric), which shows how second derivatives swell.
- ``fd-central``: second-order central differences of function values,
  ``[f(x+hu+hw) - f(x+hu-hw) - f(x-hu+hw) + f(x-hu-hw)] / 4h^2 = u^T H w + O(h^2)``,
  through the one perturbation evaluator.

Each works on the flattened inputs of a :class:`~diffkit.core.problem.Problem` and
returns ``(value, H, stats)`` or the flat product ``H v``; :mod:`diffkit.methods.transforms`
shapes them back like the arguments.
"""

import time

import numpy as np

from .. import errors
from ..core.lazy import sympy
from ..core.problem import Problem
from ..core.values import BoxedValue
from ..engines.dual import Dual
from ..engines.expression_size import cse_size, dag_size, tree_size
from ..engines.perturb import Perturbation, numeric_reader
from ..engines.noise import dtype_eps
from ..engines.sympy_compile import compile_and_evaluate, symbol_point, trace_symbolic
from ..ops import concatenate, reshape
from .base import ARRAY, SCALAR, full_cotangent
from .finite_differences import checked_step
from .registry import get_method
from ..ops.sympy_faces import derivative


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


def _innermost(value):
    """The plain number inside nested traced and dual values."""
    while isinstance(value, BoxedValue):
        value = value.primal if isinstance(value, Dual) else value.value
    return value


class MethodOverGradient:
    """The ``outer`` method's derivative of the ``inner`` method's gradient."""

    options = ()

    def __init__(self, outer, inner):
        self.outer = outer
        self.inner = inner

    def gradient_problem(self, problem, values):
        """The flat gradient as a program of the leaves; ``values`` collects f's value."""
        inner = get_method(self.inner)

        def flat_gradient(*leaves):
            found = inner.derivatives(Problem(problem.f, problem.build_args(leaves), problem.argnums), SCALAR)
            values.append(found.value)
            parts = [reshape(full_cotangent(block, leaf.shape), (-1,)) for block, leaf in zip(found.blocks, problem.leaves)]
            return concatenate(parts) if len(parts) > 1 else parts[0]

        flat_gradient.__name__ = problem.name
        return Problem(flat_gradient, problem.leaves, argnums=tuple(range(len(problem.leaves))))

    def hessian(self, problem):
        values = []
        found = get_method(self.outer).derivatives(self.gradient_problem(problem, values), ARRAY)
        n = problem.size
        matrix = np.concatenate([np.asarray(block, dtype=float).reshape(n, leaf.size)  # n = 0: no -1 to infer
                                 for block, leaf in zip(found.blocks, problem.leaves)], axis=1)
        return float(_innermost(values[0])), matrix, found.stats

    def hvp(self, problem, v):
        outer = get_method(self.outer)
        gradient_problem = self.gradient_problem(problem, [])
        if outer.traits.builds_jacobian_by == "columns":
            return np.asarray(outer.product(gradient_problem, ARRAY, split_flat(problem, v)), dtype=float).reshape(-1)
        return join_flat(outer.product(gradient_problem, ARRAY, np.asarray(v, dtype=float)), problem)


# --- symbolic -----------------------------------------------------------------------------------
class SymbolicHessian:
    """SymPy's Hessian of the traced expression; H v is that Hessian times v."""

    options = ("measure_cse",)

    def hessian(self, problem, measure_cse=True):
        if not isinstance(measure_cse, (bool, np.bool_)):
            raise errors.InputError(f"measure_cse= is True or False, got {measure_cse!r}")
        return symbolic_hessian(problem, measure_cse)

    def hvp(self, problem, v, measure_cse=True):
        return self.hessian(problem, measure_cse)[1] @ v


def symbolic_hessian(problem, measure_cse=True):
    """SymPy's Hessian of the traced expression, with its swell measured."""
    stats = {}
    expression, symbols = trace_symbolic(problem)
    stats["forward_tree_size"] = tree_size(expression)
    start = time.perf_counter()
    gradient = [derivative(expression, s) for s in symbols]
    entries = {}
    for i, gi in enumerate(gradient):
        for j in range(i, len(symbols)):
            entries[i, j] = derivative(gi, symbols[j])
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
    return values[0], hessian, stats


# --- second-order finite differences ---------------------------------------------------------------
def _value_evaluator(problem):
    """The perturbation evaluator reading f as one float; ``.at_flat(shift)`` evaluates f(x + shift)."""
    evaluator = Perturbation(problem, numeric_reader(problem, SCALAR))
    evaluator.point = np.concatenate([leaf.reshape(-1) for leaf in problem.leaves]) if problem.leaves else np.zeros(0)
    return evaluator


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


def _second_step(x, step, eps):
    """h = eps**(1/4) * max(|x|, 1): balances the O(h^2) error against round-off / h^2.

    ``eps`` is the machine epsilon of the arguments' dtype: float32 arguments need a
    larger step, or f(x + h) - 2 f(x) + f(x - h) rounds to 0 in their precision.
    """
    if step is not None:
        return float(step)  # checked by fd_hvp / fd_hessian
    return float(eps ** 0.25 * max(float(np.max(np.abs(x), initial=0.0)), 1.0))


def _arguments_eps(problem):
    """The machine epsilon of the least precise differentiated argument (float64's for numbers)."""
    return max((dtype_eps(leaf.dtype) for leaf in problem.leaves), default=dtype_eps(np.float64))


def _entries_eps(problem):
    """The machine epsilon of each flat entry's argument: a float64 argument keeps its fine step
    beside a float32 one."""
    parts = [np.full(leaf.size, dtype_eps(leaf.dtype)) for leaf in problem.leaves]
    return np.concatenate(parts) if parts else np.zeros(0)


def _mixed_difference(evaluator, u, w, h):
    """u^T H w from four values (u and w unit-scale directions)."""
    return (
        evaluator.at_flat(h * (u + w)) - evaluator.at_flat(h * (u - w)) - evaluator.at_flat(h * (w - u)) + evaluator.at_flat(-h * (u + w))
    ) / (4 * h * h)


def fd_hvp(problem, v, step=None):
    """H v by mixed second differences of f along v and each axis: 4n evaluations."""
    step = checked_second_step(step)
    evaluator = _value_evaluator(problem)
    value = evaluator.at_flat(np.zeros(problem.size))
    scale = float(np.max(np.abs(v), initial=0.0))
    hv = np.zeros(problem.size)
    if scale > 0:
        u = np.asarray(v, dtype=float) / scale
        h = _second_step(evaluator.point, step, _arguments_eps(problem))
        for index in range(problem.size):
            hv[index] = scale * _mixed_difference(evaluator, u, _unit(problem, index), h)
    return value, hv, {"evaluations": evaluator.evaluations}


def fd_hessian(problem, step=None):
    """Full Hessian: three-point second differences on the diagonal, four-point off it."""
    step = checked_second_step(step)
    evaluator = _value_evaluator(problem)
    value = evaluator.at_flat(np.zeros(problem.size))
    n = problem.size
    hessian = np.zeros((n, n))
    eps = _entries_eps(problem)
    for i in range(n):
        h = _second_step(evaluator.point[i], step, eps[i])
        e_i = _unit(problem, i)
        hessian[i, i] = (evaluator.at_flat(h * e_i) - 2 * value + evaluator.at_flat(-h * e_i)) / (h * h)
        for j in range(i + 1, n):
            h_ij = _second_step(evaluator.point[[i, j]], step, max(eps[i], eps[j]))
            hessian[i, j] = hessian[j, i] = _mixed_difference(evaluator, e_i, _unit(problem, j), h_ij)
    return value, hessian, {"evaluations": evaluator.evaluations}


class SecondDifferences:
    """Second-order central differences of f's values (4n evaluations for H v)."""

    options = ("step",)

    def hessian(self, problem, step=None):
        return fd_hessian(problem, step)

    def hvp(self, problem, v, step=None):
        return fd_hvp(problem, v, step)[1]


HESSIAN_METHODS = {
    "forward-over-reverse": MethodOverGradient("forward-mode", "tape"),
    "reverse-over-reverse": MethodOverGradient("tape", "tape"),
    "symbolic": SymbolicHessian(),
    "fd-central": SecondDifferences(),
}
"""The second-order methods by name; each has ``hessian(problem)``, ``hvp(problem, v)`` and ``options``."""
