"""The finite-difference reference: central differences that keep their one-sided halves.

For each entry the checker evaluates f(x + h), f(x - h) and f(x), so besides the
central difference it has the right and left differences for free. Where they
disagree by more than curvature explains (a relu/abs/max kink within the step), the
entry is a *non-differentiable point*: any value between the one-sided derivatives is
a valid (sub)gradient there, so a user's value between them passes.

Steps scale with the dtype: ``h = eps**(1/3) * max(|x|, 1)`` (about 6e-6 in float64,
5e-3 in float32), rounded so that ``x + h`` is exact in that dtype.

The rounding noise of a difference quotient is about ``eps * |f| / h`` when f is
about as large as the terms it is computed from. When those terms cancel (a centred
sum, a batch-normalised output summed: f is 0 up to rounding), ``|f|`` says nothing
about the noise, so the noise of f is also *measured*: f is evaluated along a short
line through x whose points are exact (every entry moves toward zero by an odd
multiple of its own ulp, at most ~2e4 ulps in all), and the second differences of those
values, where any smooth part is below 1e-20 of f's scale, are rounding noise (the
idea of Moré and Wild's ECnoise). The larger of the two sets the noise floor.

An exact reference (the tape) carries rounding noise too, and where the gradient
cancels to 0 its entries are that noise (1e-16 rather than 0). The same line measures
it: the reference is run at each point and the second differences of its entries are
its rounding noise (:meth:`FiniteDifferences.reference_noise`).
"""

import copy
from dataclasses import dataclass
from math import comb

import numpy as np

from ..core.containers import flatten
from ..methods import get_method
from ..core.problem import scalar_output
from ..engines.perturb import Perturbation
from .compare import dtype_eps

STEP_RULE = "eps**(1/3) * max(|x|, 1)"
SMOOTH_SCALING_SLACK = 0.1  # how far a smooth gap may stray from shrinking with the step
SETTLED = 0.1  # a central difference has settled when halving the step moves it by less than this part of its gap
NOISE_FACTOR = 4  # rounding error of a difference quotient, in units of eps * |f| / h
NOISE_POINTS = 16  # points on the line along which f's rounding noise is measured (15 new evaluations)
NOISE_SEED = 0  # the line's step sizes are drawn from this fixed seed: every check measures alike
MEASURED_FACTOR = 2  # the measured standard deviation, widened to cover the spread of its estimate


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
        self.perturbation = Perturbation(problem, read_output=self._read)
        self.leaves = self.perturbation.leaves
        self.views = self.perturbation.views
        self.value = self.evaluate()
        self._shifted = {}  # (leaf, entry) -> (h, f(x + h), f(x - h))
        self._values = {}  # (leaf, entry, signed step) -> f at x shifted by it
        self.steps = []  # every central step taken, for the report
        self.noise_evaluations = 0  # evaluations spent measuring f's rounding noise
        self._line = None  # per leaf, the exact step of the noise-measuring line
        self._measured = None  # standard deviation of f's rounding noise near x, measured once
        self._reference_noise = {}  # method -> per leaf, the standard deviation of its gradient's rounding noise
        self.reference_runs = {}  # method -> runs spent measuring it

    @property
    def evaluations(self):
        return self.perturbation.evaluations

    def _read(self, raw):
        return float(np.asarray(scalar_output(raw, self.problem.name), dtype=np.float64).reshape(()))

    def evaluate(self):
        return self.perturbation.evaluate()

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
        key = (leaf_index, entry, h)
        if key in self._values:
            return self._values[key]
        self._values[key] = value = self._shift_and_evaluate(leaf_index, entry, h)
        return value

    def _shift_and_evaluate(self, leaf_index, entry, h):
        return self.perturbation.shifted(leaf_index, entry, h)

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
        return NOISE_FACTOR * self.rounding_level(leaf_index, level) / h

    def rounding_level(self, leaf_index, level):
        """How far rounding can move f: ``eps * level`` (``level`` a |f| seen) or the measured noise."""
        floor = self.eps(leaf_index) * max(level, 1e-300)
        return max(floor, MEASURED_FACTOR * self.measured_noise())

    def line_point(self, k, base=None):
        """The leaves at the k-th point of the noise-measuring line through ``base`` (default x).

        Every point is exact: each entry moves toward 0 by a multiple of its own ulp.
        """
        base = self.leaves if base is None else base
        if self._line is None:
            rng = np.random.default_rng(NOISE_SEED)
            self._line = []
            for leaf in self.leaves:
                if leaf.dtype.kind != "f":
                    self._line.append(np.zeros_like(leaf))
                    continue
                ulp = np.spacing(np.where(leaf == 0, 1, np.abs(leaf)).astype(leaf.dtype))
                odd = 2 * np.floor(2.0 ** rng.uniform(2, 9, leaf.shape)) + 1  # 5 .. 1025 ulps per point
                self._line.append(np.where(leaf < 0, -odd * ulp, odd * ulp).astype(leaf.dtype))
        return [leaf - leaf.dtype.type(k) * step for leaf, step in zip(base, self._line)]

    def measured_noise(self):
        """Standard deviation of f's rounding noise near x, from second differences along the line.

        0 when f is numerically constant there, or when an evaluation fails or is not
        finite (then the finite differences themselves will say so).
        """
        if self._measured is None:
            self._measured = 0.0
            values = [self.value]
            originals = [leaf.copy() for leaf in self.leaves]
            try:
                for k in range(1, NOISE_POINTS):
                    for leaf, point in zip(self.leaves, self.line_point(k, originals)):
                        leaf[...] = point
                    self.noise_evaluations += 1
                    values.append(float(np.asarray(self.problem.call(self.leaves), dtype=np.float64).reshape(())))
            except Exception:  # noqa: BLE001  (a measurement only; the differences report real failures)
                return self._measured
            finally:
                for leaf, original in zip(self.leaves, originals):
                    leaf[...] = original
            second = np.diff(np.array(values), n=2)
            if np.all(np.isfinite(second)):
                self._measured = float(np.sqrt(np.mean(second**2) / comb(4, 2)))  # Var(Δ²) = 6 σ²
        return self._measured

    def reference_noise(self, method):
        """Per leaf, the standard deviation of the rounding noise in ``method``'s gradient near x.

        ``method`` runs at every point of the line; the second differences of each
        entry along it (the smooth part is negligible over a few hundred ulps) are
        pooled over the leaf's entries. A leaf gets 0 when a run fails.
        """
        if method not in self._reference_noise:
            runs = []
            try:
                for k in range(NOISE_POINTS):
                    problem = copy.copy(self.problem)
                    problem.leaves = self.line_point(k)
                    self.reference_runs[method] = self.reference_runs.get(method, 0) + 1
                    leaves, _ = flatten(get_method(method).run(problem).grad)
                    runs.append([np.asarray(v, dtype=np.float64).reshape(-1) for v in leaves])
            except Exception:  # noqa: BLE001  (a measurement only; the reference at x already ran)
                runs = []
            noise = []
            for index in range(len(self.leaves)):
                if len(runs) < NOISE_POINTS or self.leaves[index].size == 0:
                    noise.append(0.0)
                    continue
                second = np.diff(np.stack([run[index] for run in runs]), n=2, axis=0)
                noise.append(float(np.sqrt(np.mean(second**2) / comb(4, 2))) if np.all(np.isfinite(second)) else 0.0)
            self._reference_noise[method] = noise
        return self._reference_noise[method]

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

    def settles(self, leaf_index, entry, reference):
        """Whether the central difference stays put at h/2 and h/4 while differing from ``reference``.

        A true disagreement does; rounding noise (which grows as 1/h) and truncation
        error (which shrinks as h**2) do not.
        """
        h = self.step(leaf_index, entry)
        central = {}
        for divisor in (1, 2, 4):
            small = h / divisor
            central[divisor] = (self.shifted(leaf_index, entry, small) - self.shifted(leaf_index, entry, -small)) / (
                2 * small
            )
        gap = abs(central[1] - reference)
        return all(abs(central[d] - central[1]) <= SETTLED * gap for d in (2, 4))

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
        noise = NOISE_FACTOR * self.rounding_level(leaf_index, level) / h
        return (plus - minus) / (2 * h), h, noise
