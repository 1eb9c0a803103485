"""Finite differences: forward, central, and central with Richardson extrapolation.

Steps are chosen per entry from the dtype's machine epsilon and the entry's scale,
``h = eps**p * max(|x|, 1)`` with p = 1/2 (forward), 1/3 (central) or 1/7 (Richardson,
whose error falls as h**6), which balances truncation against round-off. Each step is
rounded so that ``x + h`` is exactly representable. A fixed absolute ``step`` may be
given instead.
"""

import functools

import numpy as np

from .. import errors
from ..engines.perturb import Perturbation
from .base import ColumnMethod, Traits
from .registry import register


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


class DifferencePushforward:
    """Difference quotients of one program along single entries (columns) or a direction."""

    def __init__(self, problem, output, method, step, levels):
        self.perturbation = Perturbation(problem, read_output=_numeric_reader(problem, output))
        self.method = method
        self.step = step
        self.levels = levels
        self.value = self.perturbation.evaluate()
        self.steps = []

    def column(self, leaf_index, entry):
        x = self.perturbation.views[leaf_index][entry]
        h = step_sizes(x, self.method.exponent, self.step)
        self.steps.append(h)
        shifted = functools.partial(self.perturbation.shifted, leaf_index, entry)
        return self.method.difference(shifted, h, self.value, self.levels)

    def along(self, direction):
        """The derivative along ``direction``: the same rule with the step scaled to the point."""
        scale = max((float(np.max(np.abs(d), initial=0.0)) for d in direction), default=0.0)
        if scale == 0:
            return np.zeros_like(self.value) if isinstance(self.value, np.ndarray) else 0.0
        size = max((float(np.max(np.abs(leaf), initial=0.0)) for leaf in self.perturbation.leaves), default=0.0)
        h = (self.step if self.step is not None else _EPS**self.method.exponent * max(size, 1.0)) / scale
        self.steps.append(h)
        moved = functools.partial(_moved_along, self.perturbation, direction)
        return self.method.difference(moved, h, self.value, self.levels)

    def stats(self):
        return {
            "evaluations": self.perturbation.evaluations,
            "step": "fixed" if self.step is not None else f"eps**{self.method.exponent:.4g} * max(|x|, 1)",
            "step_min": min(self.steps) if self.steps else None,
            "step_max": max(self.steps) if self.steps else None,
        }


_EPS = float(np.finfo(np.float64).eps)


def _moved_along(perturbation, direction, h):
    return perturbation.along(direction, h)


def _numeric_reader(problem, output):
    """Checks a raw output and reads it as NumPy floats: a float for a gradient, else an array."""

    def read(raw):
        out = np.asarray(output.check(raw, problem), dtype=float)
        return float(out.reshape(())) if output.scalar else out

    return read


class FiniteDifferenceMethod(ColumnMethod):
    """One finite-difference scheme; ``scheme`` is "forward", "central" or "richardson"."""

    options = {
        "step": "absolute step h for every entry (default: from machine epsilon and |x|)",
    }
    traits = Traits(
        family="finite-differences", exact=False, builds_expressions=False, builds_jacobian_by="columns"
    )

    def __init__(self, name, scheme, exponent, summary):
        self.name = name
        self.scheme = scheme
        self.exponent = exponent
        self.summary = summary
        if scheme == "richardson":
            self.options = dict(self.options, levels="number of halvings of h to extrapolate over (default 3)")

    def pushforward(self, problem, output, step=None, levels=3):
        return DifferencePushforward(problem, output, self, checked_step(step), checked_levels(levels))

    def difference(self, shifted, h, value, levels):
        """The scheme's quotient; ``shifted(h)`` evaluates f with the input moved by h."""
        if self.scheme == "forward":
            return (shifted(h) - value) / h
        if self.scheme == "central":
            return central_difference(shifted, h)
        return richardson_difference(shifted, h, levels)


def central_difference(shifted, h):
    """(f(x + h) - f(x - h)) / 2h; ``shifted(h)`` evaluates f with the input moved by h."""
    return (shifted(h) - shifted(-h)) / (2 * h)


def richardson_difference(shifted, h, levels):
    """Central differences at h, h/2, h/4...; each column of the tableau cancels h**2k."""
    column = [central_difference(shifted, h / 2**k) for k in range(levels)]
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
