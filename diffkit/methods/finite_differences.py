"""Finite differences: forward, central, and central with Richardson extrapolation.

Steps are chosen per entry from the dtype's machine epsilon and the entry's scale,
``h = eps**p * max(|x|, 1)`` with p = 1/2 (forward), 1/3 (central) or 1/7 (Richardson,
whose error falls as h**6), which balances truncation against round-off. Each step is
rounded so that ``x + h`` is exactly representable. A fixed absolute ``step`` may be
given instead.
"""

import numpy as np

from .. import errors
from ..core.problem import scalar_output
from .base import GradientResult, Method
from .registry import register


class _Evaluator:
    """Evaluates the program on perturbed copies of the leaves and counts evaluations."""

    def __init__(self, problem):
        self.problem = problem
        self.leaves = [leaf.copy() for leaf in problem.leaves]
        self.views = [leaf.reshape(-1) for leaf in self.leaves]
        self.count = 0

    def coordinates(self):
        for leaf_index, view in enumerate(self.views):
            for entry in range(view.size):
                yield leaf_index, entry

    def value(self):
        self.count += 1
        out = scalar_output(self.problem.call(self.leaves), _name(self.problem))
        return float(np.asarray(out).reshape(()))

    def shifted(self, leaf_index, entry, h):
        view = self.views[leaf_index]
        original = view[entry]
        view[entry] = original + h
        try:
            return self.value()
        finally:
            view[entry] = original


def _name(problem):
    return getattr(problem.f, "__name__", "the program")


def checked_step(step, what="a step", example="1e-6", default_rule="from machine epsilon and |x|"):
    """A user's ``step`` option as a positive float; None stays None (the method picks the step)."""
    if step is None:
        return None
    try:
        h = float(step)
    except (TypeError, ValueError):
        h = float("nan")
    if not (np.isfinite(h) and h > 0):
        raise errors.InputError(
            f"step={step!r}: {what} must be a positive finite number such as {example}; leave the "
            f"option out to let diffkit choose it {default_rule}"
        )
    return h


def checked_levels(levels):
    """Richardson's ``levels`` option: a whole number, at least 1."""
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1:
        raise errors.InputError(
            f"levels={levels!r}: Richardson extrapolation needs a whole number of halvings, at least 1 (default 3)"
        )
    return int(levels)


def step_sizes(x, exponent, step):
    """The step for one entry x: ``step`` if given, else eps**exponent scaled by |x|, rounded so x + h is exact."""
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    if step is not None:
        h = float(step)
    else:
        h = float(np.finfo(dtype).eps) ** exponent * max(abs(float(x)), 1.0)
    exact = (x + dtype.type(h)) - x  # a step x + h can represent exactly
    return float(exact) if exact != 0 else h


class FiniteDifferenceMethod(Method):
    """One finite-difference scheme; ``scheme`` is "forward", "central" or "richardson"."""

    options = {
        "step": "absolute step h for every entry (default: from machine epsilon and |x|)",
    }

    def __init__(self, name, scheme, exponent, summary):
        self.name = name
        self.scheme = scheme
        self.exponent = exponent
        self.summary = summary
        if scheme == "richardson":
            self.options = dict(self.options, levels="number of halvings of h to extrapolate over (default 3)")

    def gradient(self, problem, step=None, levels=3):
        step, levels = checked_step(step), checked_levels(levels)
        evaluator = _Evaluator(problem)
        value = evaluator.value()
        grads = [np.zeros(leaf.shape, dtype=np.float64) for leaf in problem.leaves]
        flat = [g.reshape(-1) for g in grads]
        used = []
        for leaf_index, entry in evaluator.coordinates():
            x = evaluator.views[leaf_index][entry]
            h = step_sizes(x, self.exponent, step)
            used.append(h)
            flat[leaf_index][entry] = self._derivative(evaluator, leaf_index, entry, h, value, levels)
        stats = {
            "evaluations": evaluator.count,
            "step": "fixed" if step is not None else f"eps**{self.exponent:.4g} * max(|x|, 1)",
            "step_min": min(used) if used else None,
            "step_max": max(used) if used else None,
        }
        return GradientResult(value=value, grad=problem.pack(grads), stats=stats)

    def _derivative(self, evaluator, leaf_index, entry, h, value, levels):
        if self.scheme == "forward":
            return (evaluator.shifted(leaf_index, entry, h) - value) / h
        if self.scheme == "central":
            return central_difference(evaluator, leaf_index, entry, h)
        return richardson_difference(evaluator, leaf_index, entry, h, levels)


def central_difference(evaluator, leaf_index, entry, h):
    """(f(x + h) - f(x - h)) / 2h along one entry; ``evaluator.shifted`` evaluates f with that entry moved."""
    return (evaluator.shifted(leaf_index, entry, h) - evaluator.shifted(leaf_index, entry, -h)) / (2 * h)


def richardson_difference(evaluator, leaf_index, entry, h, levels):
    """Central differences at h, h/2, h/4...; each column of the tableau cancels h**2k."""
    column = [central_difference(evaluator, leaf_index, entry, h / 2**k) for k in range(levels)]
    factor = 4.0
    while len(column) > 1:
        column = [(factor * fine - coarse) / (factor - 1) for coarse, fine in zip(column, column[1:])]
        factor *= 4.0
    return column[0]


register(FiniteDifferenceMethod("fd-forward", "forward", 1 / 2, "forward differences (f(x+h) - f(x)) / h"))
register(FiniteDifferenceMethod("fd-central", "central", 1 / 3, "central differences (f(x+h) - f(x-h)) / 2h"))
register(
    FiniteDifferenceMethod(
        "fd-richardson", "richardson", 1 / 7, "central differences extrapolated over h, h/2, h/4 (Richardson)"
    )
)
