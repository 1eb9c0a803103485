"""The finite-difference reference: fd-central with its error estimate, keeping its one-sided halves.

The checker's finite differences are the ``fd-central`` method itself (one pushforward
of :mod:`diffkit.methods.finite_differences`): per entry the central difference at
``h = eps**(1/3) * max(|x|, 1)`` (about 6e-6 in float64, 5e-3 in float32, rounded so
that ``x + h`` is exact in that dtype), its error estimate (truncation measured at h/2,
rounding from the measured noise of f) and the noise of f itself, measured once on a
line of exact points next to x (:mod:`diffkit.engines.noise`).

For each entry the evaluator remembers f(x + h), f(x - h) and f(x), so besides the
central difference the checker has the right and left differences for free. Where they
disagree by more than curvature explains (a relu/abs/max kink within the step), the
entry is a *non-differentiable point*: any value between the one-sided derivatives is
a valid (sub)gradient there, so a user's value between them passes.

An exact reference (the tape) carries rounding noise too, and where the gradient
cancels to 0 its entries are that noise (1e-16 rather than 0). The same line measures
it: the reference is run at each point and the second differences of its entries are
its rounding noise (:meth:`FiniteDifferences.reference_noise`).
"""

import copy
from dataclasses import dataclass

import numpy as np

from ..core.containers import flatten
from ..engines.differences import CENTRAL, noise_level
from ..engines.noise import NOISE_POINTS, line_point, line_steps, noise_of
from ..methods import get_method
from ..methods.base import SCALAR
from ..methods.finite_differences import DifferencePushforward, exact_step
from .compare import dtype_eps

STEP_RULE = "eps**(1/3) * max(|x|, 1)"
SMOOTH_SCALING_SLACK = 0.1  # how far a smooth gap may stray from shrinking with the step
STEP_OVER_SPREAD = 100  # a gradient's values along the line step, rather than spread as noise, past this ratio
SETTLED = 0.1  # a central difference has settled when halving the step moves it by less than this part of its gap


@dataclass
class OneSided:
    """The one-sided derivatives at an entry and whether they reveal a kink within the step."""

    left: float
    right: float
    is_kink: bool

    def contains(self, value, tolerance):
        low, high = min(self.left, self.right), max(self.left, self.right)
        return low - tolerance <= value <= high + tolerance


def _stepping(along):
    """The entries whose values along the line (one row per point) fall in two flat groups far
    apart: a step, not rounding noise. Noise in a few levels (values a unit of rounding apart)
    looks like one too, so the one-sided differences decide which steps are kinks."""
    ordered = np.sort(along, axis=0)
    gaps = np.diff(ordered, axis=0)
    widest = gaps.max(axis=0, initial=0.0)
    spread = (ordered[-1] - ordered[0]) - widest  # how far the values within the two groups spread
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(widest > STEP_OVER_SPREAD * spread)


class FiniteDifferences:
    """fd-central on a problem, with its error estimates, one-sided differences and noise measurements."""

    name = "fd-central"

    def __init__(self, problem):
        self.problem = problem
        scheme = get_method(self.name).scheme
        self.push = DifferencePushforward(problem, SCALAR, scheme, step=None, levels=1, remember=True)
        self.perturbation = self.push.perturbation
        self.value = self.push.value
        self.steps = []  # every central step taken, for the report
        self._line = None  # per leaf, the exact step of the noise-measuring line
        self._reference_noise = {}  # method -> per leaf, the standard deviation of its gradient's rounding noise
        self.reference_runs = {}  # method -> runs spent measuring it

    @property
    def leaves(self):
        return self.perturbation.leaves  # read each time: the evaluator may move to fresh copies

    @property
    def views(self):
        return self.perturbation.views

    @property
    def noise_evaluations(self):
        """Evaluations spent measuring f's rounding noise."""
        return self.push.noise_evaluations

    @property
    def evaluations(self):
        """Evaluations spent on differences (f(x) and the shifted points)."""
        return self.perturbation.evaluations - self.noise_evaluations

    def measured_noise(self):
        """Standard deviation of f's rounding noise near x (0 when f is numerically constant there)."""
        return float(self.push.noise)

    def eps(self, leaf_index):
        return dtype_eps(self.leaves[leaf_index].dtype)

    def step(self, leaf_index, entry):
        """The central step for one entry, exactly representable next to x."""
        x = self.views[leaf_index][entry]
        return exact_step(x, self.push.scheme.start(self.eps(leaf_index), abs(float(x)), None))

    def shifted(self, leaf_index, entry, h):
        return self.perturbation.shifted(leaf_index, entry, h)

    def central(self, leaf_index, entry):
        if (leaf_index, entry) not in self.push.estimates:
            self.push.column(leaf_index, entry)
            self.steps.append(self.push.estimates[(leaf_index, entry)].step)
        return self.push.estimates[(leaf_index, entry)].value

    def gradient(self):
        """Central differences for every entry: one float64 array per leaf."""
        grads = []
        for leaf_index, view in enumerate(self.views):
            flat = np.array([self.central(leaf_index, entry) for entry in range(view.size)], dtype=np.float64)
            grads.append(flat.reshape(self.leaves[leaf_index].shape))
        return grads

    def error(self, leaf_index, entry):
        """The error estimate of the central difference at this entry (truncation and rounding)."""
        self.central(leaf_index, entry)
        return float(self.push.estimates[(leaf_index, entry)].error)

    def error_array(self, leaf_index):
        size = self.views[leaf_index].size
        return np.array([self.error(leaf_index, e) for e in range(size)]).reshape(self.leaves[leaf_index].shape)

    def noise(self, leaf_index, entry, h=None):
        """The rounding error a central difference with step ``h`` can carry at this entry.

        Without ``h``: the reference's whole error estimate there, how far from 0 a
        derivative must be for the differences to tell it from 0.
        """
        if h is None:
            return self.error(leaf_index, entry)
        level = noise_level(self.push.noise, self.value, self.eps(leaf_index))
        return float(CENTRAL.rounding(level, h))

    def line_point(self, k, base=None):
        """The leaves at the k-th point of the noise-measuring line through ``base`` (default x)."""
        if self._line is None:
            self._line = line_steps(self.leaves)
        return line_point(self.leaves if base is None else base, self._line, k)

    def reference_noise(self, method):
        """Per leaf, the standard deviation of the rounding noise in ``method``'s gradient near x.

        ``method`` runs at every point of the line; the second differences of each
        entry along it (the smooth part is negligible over a few hundred ulps) are
        pooled over the leaf's entries. An entry whose gradient steps along the line
        (``abs`` at 0: 0 at x, -1 beside it) is left out when its one-sided differences
        show a kink: that step is the kink, not rounding, and pooled in it would let any
        value pass as noise. A leaf gets 0 when a run fails.
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
                along = np.array([run[index] for run in runs])
                kinks = [entry for entry in _stepping(along) if self.one_sided(index, int(entry), 0.0).is_kink]
                per_entry = np.delete(noise_of(along), kinks)
                noise.append(float(np.sqrt(np.mean(np.square(per_entry)))) if per_entry.size else 0.0)
            self._reference_noise[method] = noise
        return self._reference_noise[method]

    def one_sided(self, leaf_index, entry, threshold):
        """Left and right differences at the central step; is there a kink within it?

        ``threshold`` is the smallest gap between the two that counts. A smooth
        function's gap is about h * f'' and halves with the step; a kink's does not,
        so the gap is also measured at h/2 and h/4.
        """
        self.central(leaf_index, entry)
        h = self.step(leaf_index, entry)
        plus, minus = self.shifted(leaf_index, entry, h), self.shifted(leaf_index, entry, -h)
        right = (plus - self.value) / h
        left = (self.value - minus) / h
        gap = right - left
        floor = 2 * self.noise(leaf_index, entry, h / 4)
        if abs(gap) <= max(threshold, 5 * floor):
            return OneSided(left, right, False)
        smooth = True
        x = self.views[leaf_index][entry]
        for divisor in (2, 4):
            small = exact_step(x, h / divisor)
            small_gap = (
                self.shifted(leaf_index, entry, small) - 2 * self.value + self.shifted(leaf_index, entry, -small)
            ) / small
            if abs(small_gap - gap * small / h) > SMOOTH_SCALING_SLACK * abs(gap) + floor:
                smooth = False
        return OneSided(left, right, not smooth)

    def together(self, leaf_index, entries):
        """Left and right differences of f with ``entries`` of one leaf moved together (each by the
        largest of their central steps): the slope along the sum of their unit vectors."""
        view = self.views[leaf_index]
        h = max(self.step(leaf_index, entry) for entry in entries)
        step = np.zeros(view.size, dtype=view.dtype)
        for entry in entries:
            step[entry] = exact_step(view[entry], h)
        step = step.reshape(self.leaves[leaf_index].shape)
        plus = self.perturbation.leaf_moved(leaf_index, step)
        minus = self.perturbation.leaf_moved(leaf_index, -step)
        return OneSided((self.value - minus) / h, (plus - self.value) / h, True)

    def swamped(self, leaf_index, entry):
        """Whether the entry is lost in rounding next to its step (``x + h == h``): the differences
        there are taken as at 0, whatever the entry's value (1e-200 beside a step of 6e-6)."""
        x = self.views[leaf_index][entry]
        h = self.step(leaf_index, entry)
        return x != 0 and x + h == h and x - h == -h

    def settles(self, leaf_index, entry, reference):
        """Whether the central difference stays put at h/2 and h/4 while differing from ``reference``.

        A true disagreement does; rounding noise (which grows as 1/h) and truncation
        error (which shrinks as h**2) do not.
        """
        h = self.step(leaf_index, entry)
        x = self.views[leaf_index][entry]
        central = {}
        for divisor in (1, 2, 4):
            small = exact_step(x, h / divisor)
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
        step = (h * direction).astype(leaf.dtype)
        del leaf  # a reference held across a call would read as the program keeping its argument
        plus = self.perturbation.leaf_moved(leaf_index, step)
        minus = self.perturbation.leaf_moved(leaf_index, -step)
        self.steps.append(h)
        level = noise_level(self.push.noise, max(abs(plus), abs(minus), abs(self.value)), self.eps(leaf_index))
        return (plus - minus) / (2 * h), h, float(CENTRAL.rounding(level, h))
