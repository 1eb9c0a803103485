"""The finite-difference reference: central differences that keep their one-sided halves.

For each entry the checker evaluates f(x + h), f(x - h) and f(x), so besides the
central difference it has the right and left differences for free. Where they
disagree by more than curvature explains (a relu/abs/max kink within the step), the
entry is a *non-differentiable point*: any value between the one-sided derivatives is
a valid (sub)gradient there, so a user's value between them passes.

Steps scale with the dtype: ``h = eps**(1/3) * max(|x|, 1)`` (about 6e-6 in float64,
5e-3 in float32), rounded so that ``x + h`` is exact in that dtype.
"""

from dataclasses import dataclass

import numpy as np

from ..methods.base import scalar_output
from .compare import dtype_eps

STEP_RULE = "eps**(1/3) * max(|x|, 1)"
SMOOTH_SCALING_SLACK = 0.1  # how far a smooth gap may stray from shrinking with the step
NOISE_FACTOR = 4  # rounding error of a difference quotient, in units of eps * |f| / h


@dataclass
class OneSided:
    """The one-sided derivatives at an entry and whether they reveal a kink within the step."""

    left: float
    right: float
    is_kink: bool

    def contains(self, value, tolerance):
        low, high = min(self.left, self.right), max(self.left, self.right)
        return low - tolerance <= value <= high + tolerance


class FiniteDifferences:
    """Evaluates a problem's program at shifted points; central and one-sided differences."""

    name = "fd-central"

    def __init__(self, problem):
        self.problem = problem
        self.leaves = [leaf.copy() for leaf in problem.leaves]
        self.views = [leaf.reshape(-1) for leaf in self.leaves]
        self.evaluations = 0
        self.value = self.evaluate()
        self._shifted = {}  # (leaf, entry) -> (h, f(x + h), f(x - h))
        self.steps = []  # every central step taken, for the report

    def evaluate(self):
        self.evaluations += 1
        out = scalar_output(self.problem.call(self.leaves), getattr(self.problem.f, "__name__", "the program"))
        return float(np.asarray(out, dtype=np.float64).reshape(()))

    def eps(self, leaf_index):
        return dtype_eps(self.leaves[leaf_index].dtype)

    def step(self, leaf_index, entry):
        """The central step for one entry, exactly representable next to x."""
        view = self.views[leaf_index]
        x = view[entry]
        h = self.eps(leaf_index) ** (1 / 3) * max(abs(float(x)), 1.0)
        exact = (x + view.dtype.type(h)) - x
        return float(exact) if exact != 0 else h

    def shifted(self, leaf_index, entry, h):
        view = self.views[leaf_index]
        original = view[entry]
        view[entry] = original + view.dtype.type(h)
        try:
            return self.evaluate()
        finally:
            view[entry] = original

    def central(self, leaf_index, entry):
        h = self.step(leaf_index, entry)
        plus = self.shifted(leaf_index, entry, h)
        minus = self.shifted(leaf_index, entry, -h)
        self._shifted[(leaf_index, entry)] = (h, plus, minus)
        self.steps.append(h)
        return (plus - minus) / (2 * h)

    def gradient(self):
        """Central differences for every entry: one float64 array per leaf."""
        grads = []
        for leaf_index, view in enumerate(self.views):
            flat = np.array([self.central(leaf_index, entry) for entry in range(view.size)], dtype=np.float64)
            grads.append(flat.reshape(self.leaves[leaf_index].shape))
        return grads

    def noise(self, leaf_index, entry, h=None):
        """The rounding error a difference quotient with step ``h`` can carry at this entry."""
        if h is None:
            h = self.step(leaf_index, entry)
        level = max(abs(self.value), *(abs(v) for v in self._shifted.get((leaf_index, entry), (0, 0, 0))[1:]))
        return NOISE_FACTOR * self.eps(leaf_index) * max(level, 1e-300) / h

    def noise_array(self, leaf_index):
        size = self.views[leaf_index].size
        return np.array([self.noise(leaf_index, e) for e in range(size)]).reshape(self.leaves[leaf_index].shape)

    def one_sided(self, leaf_index, entry, threshold):
        """Left and right differences at the central step; is there a kink within it?

        ``threshold`` is the smallest gap between the two that counts. A smooth
        function's gap is about h * f'' and halves with the step; a kink's does not,
        so the gap is also measured at h/2 and h/4.
        """
        if (leaf_index, entry) not in self._shifted:
            self.central(leaf_index, entry)
        h, plus, minus = self._shifted[(leaf_index, entry)]
        right = (plus - self.value) / h
        left = (self.value - minus) / h
        gap = right - left
        floor = 2 * self.noise(leaf_index, entry, h / 4)
        if abs(gap) <= max(threshold, 5 * floor):
            return OneSided(left, right, False)
        smooth = True
        for divisor in (2, 4):
            small = h / divisor
            small_gap = (
                self.shifted(leaf_index, entry, small) - 2 * self.value + self.shifted(leaf_index, entry, -small)
            ) / small
            if abs(small_gap - gap / divisor) > SMOOTH_SCALING_SLACK * abs(gap) + floor:
                smooth = False
        return OneSided(left, right, not smooth)

    def directional(self, leaf_index, direction):
        """(f(x + h v) - f(x - h v)) / 2h for a unit direction ``v`` on one leaf."""
        leaf = self.leaves[leaf_index]
        scale = max(float(np.max(np.abs(leaf))) if leaf.size else 0.0, 1.0)
        h = self.eps(leaf_index) ** (1 / 3) * scale
        original = leaf.copy()
        step = (h * direction).astype(leaf.dtype)
        try:
            leaf += step
            plus = self.evaluate()
            leaf[...] = original - step
            minus = self.evaluate()
        finally:
            leaf[...] = original
        self.steps.append(h)
        level = max(abs(plus), abs(minus), abs(self.value))
        noise = NOISE_FACTOR * self.eps(leaf_index) * level / h
        return (plus - minus) / (2 * h), h, noise
