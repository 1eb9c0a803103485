"""Finite differences that estimate their own error: forward, central, and adaptive Richardson.

All three are configurations of the stages in :mod:`diffkit.engines.differences` (steps,
a difference rule, Richardson extrapolation, an error estimate), through the one
perturbation evaluator, for gradients and Jacobian columns alike:

- ``fd-forward``: ``(f(x+h) - f(x)) / h`` at ``h = eps**(1/2) * max(|x|, 1)``;
- ``fd-central``: ``(f(x+h) - f(x-h)) / 2h`` at ``h = eps**(1/3) * max(|x|, 1)``;
- ``fd-richardson``: the adaptive search of :class:`~diffkit.engines.differences.AdaptiveDifference`
  over steps ``2**-4 * max(|x|, 1) * 2**i`` (ratio 2, at most 15 steps), central
  differences at each, Richardson extrapolation over three more orders (h**4, h**6,
  h**8), and per entry the estimate with the smallest error estimate.

The fixed-step rules keep their textbook values; a second evaluation at h/2 measures
their truncation error. Every method measures f's rounding noise once (on a line of
exact points next to x, :mod:`diffkit.engines.noise`) for the rounding term, and
reports per entry ``stats["error_estimate"]`` (shaped like the gradient, or like the
Jacobian's blocks), its rounding part ``stats["rounding_error"]`` and the step used,
``stats["step"]``; ``stats["error_estimate_max"]`` is the largest estimate. Each step is
rounded so that ``x + h`` is exactly representable. A fixed absolute ``step`` may be given.
"""

import contextlib
import functools

import numpy as np

from .. import errors
from ..engines import differences
from ..engines.noise import dtype_eps, measure_noise
from ..engines.perturb import Perturbation, numeric_reader
from .base import ColumnMethod, Traits, assemble_columns
from .registry import register


def checked_step(step, what="a step", example="1e-6", default_rule="from machine epsilon and |x|"):
    """A user's ``step`` option as a positive float; None stays None (the method picks the step)."""
    if step is None:
        return None
    try:
        number = isinstance(step, (int, float, np.integer, np.floating)) and not isinstance(step, bool) or (
            isinstance(step, np.ndarray) and step.ndim == 0 and step.dtype.kind in "iuf")
        h = float(step) if number else float("nan")  # a string or True would convert, but is not a step
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
            f"levels={levels!r}: Richardson extrapolation needs a whole number of columns (error terms "
            f"cancelled), at least 1 (default {differences.LEVELS})"
        )
    return int(levels)


def exact_step(x, h):
    """``h`` rounded so that ``x + h`` is exact in x's dtype (``h`` itself if that rounds to 0).

    Entry by entry for an array ``x`` (and ``h`` of its shape): float64 steps.
    """
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    if isinstance(x, np.ndarray):
        exact = (x + np.asarray(h, dtype=float).astype(dtype)) - x
        return np.where(exact != 0, exact.astype(float), h)
    exact = (x + dtype.type(h)) - x
    return float(exact) if exact != 0 else float(h)


ENTRY_STATS = {"error_estimate": "error", "rounding_error": "rounding", "step": "step"}  # stat -> Estimate field


class Scheme:
    """How one method differences: its rule, and its step (fixed) or its search (adaptive)."""

    def __init__(self, rule, exponent=None, adaptive=False):
        self.rule = rule
        self.exponent = exponent  # the fixed step's power of eps
        self.adaptive = adaptive

    def describe(self, step):
        if self.adaptive:
            start = f"{step:g}" if step is not None else f"{differences.BASE:g} * max(|x|, 1)"
            return f"adaptive: {start} * 2**i, at most {differences.MAX_STEPS} steps"
        if step is not None:
            return "fixed"
        return f"eps**{self.exponent:.4g} * max(|x|, 1)"

    def start(self, eps, size, step):
        """The fixed step, or the adaptive search's first one, for an entry of magnitude ``size``
        (or for each entry of an array of magnitudes)."""
        if step is not None:
            return np.full(np.shape(size), step) if isinstance(size, np.ndarray) else step
        scale = np.maximum(size, 1.0) if isinstance(size, np.ndarray) else max(size, 1.0)
        return differences.BASE * scale if self.adaptive else eps**self.exponent * scale

    def estimate(self, shifted, value, h, exact, level, levels):
        """The derivative along ``shifted`` (f moved by a step) as an Estimate."""
        quotient_at = functools.partial(self.rule.quotient, shifted, value=value)
        if self.adaptive:
            search = differences.AdaptiveDifference(self.rule, quotient_at, exact, h, level, levels)
            return search.run(), search
        return differences.fixed_difference(self.rule, quotient_at, h, exact(h / differences.RATIO), level), None


class DifferencePushforward:
    """Difference quotients of one program along single entries (columns) or a direction, with estimates."""

    def __init__(self, problem, output, scheme, step, levels, remember=False):
        self.perturbation = Perturbation(problem, read_output=numeric_reader(problem, output), remember=remember)
        self.scheme = scheme
        self.step = step
        self.levels = levels
        self.value = self.perturbation.evaluate()
        self.eps = max((dtype_eps(leaf.dtype) for leaf in problem.leaves), default=dtype_eps(np.float64))
        self.noise, self.noise_evaluations = measure_noise(self.perturbation, self.value)
        self.level = differences.noise_level(self.noise, self.value, self.eps)
        self.estimates = {}  # (leaf index, entry) -> Estimate
        self.joint = None  # by blocks: the Estimate of every entry, one per row, in flat order
        self.offsets = None  # where each leaf's entries start in it
        self.searches = {}  # (leaf index, entry) -> AdaptiveDifference (the steps it took)
        self.step_counts = None  # the adaptive search by blocks: the steps each entry took, in flat order

    def column(self, leaf_index, entry):
        x = self.perturbation.views[leaf_index][entry]
        leaf_eps = dtype_eps(self.perturbation.leaves[leaf_index].dtype)
        h = exact_step(x, self.scheme.start(leaf_eps, abs(float(x)), self.step))
        shifted = functools.partial(self.perturbation.shifted, leaf_index, entry)
        estimate, search = self.scheme.estimate(
            shifted, self.value, h, functools.partial(exact_step, x), self.level, self.levels
        )
        self.estimates[(leaf_index, entry)] = estimate
        if search is not None:
            self.searches[(leaf_index, entry)] = search
        return estimate.value

    def blocks(self, shapes):
        """Every leaf's derivative block (``shapes``: the output's, then each leaf's), all columns at once.

        With a fixed step the evaluations run entry after entry, in the order
        :meth:`column` takes them, and the rule's arithmetic runs for every entry of
        every leaf together, elementwise, so each number is the one :meth:`column` would
        give: an evaluation costs one call of the program and little else. The adaptive
        search, which takes its own steps per entry, runs every entry's search of a
        gradient together, round by round (:meth:`_adaptive_blocks`); a Jacobian's
        columns it takes entry by entry.
        """
        views = self.perturbation.views
        out_ndim = len(shapes[0]) - self.perturbation.leaves[0].ndim if shapes else 0
        self.offsets = np.cumsum([0] + [view.size for view in views]).tolist()
        if self.scheme.adaptive and out_ndim == 0:
            return self._adaptive_blocks(shapes)
        if self.scheme.adaptive:
            return [assemble_columns([self.column(leaf_index, entry) for entry in range(view.size)], shape)
                    for leaf_index, (view, shape) in enumerate(zip(views, shapes))]
        if not self.offsets[-1]:  # no entry to perturb: every block is empty
            return [np.zeros(shape) for shape in shapes]
        h, half = (np.concatenate(steps) if steps else np.zeros(0) for steps in zip(*map(self._steps, views)))
        rule = self.scheme.rule
        outputs = self._shifted_outputs(h, half, central=rule.evaluations == 2)
        steps = [step.reshape((-1,) + (1,) * out_ndim) for step in (h, half)]
        # One number per entry, as Python floats are: no warning where an output is infinite or NaN.
        quiet = np.errstate(invalid="ignore", over="ignore") if out_ndim == 0 else contextlib.nullcontext()
        with quiet:
            quotients = [rule.quotient_of(plus, minus, self.value, step) for (plus, minus), step in zip(outputs, steps)]
            self.joint = differences.fixed_estimate(rule, quotients, steps, self.level)
        return self._joint_blocks(shapes, out_ndim)

    def _joint_blocks(self, shapes, out_ndim):
        return [_as_block(self.joint.value[start:stop], shape, out_ndim)
                for start, stop, shape in zip(self.offsets, self.offsets[1:], shapes)]

    def _adaptive_blocks(self, shapes):
        """A gradient's blocks by the adaptive search: every entry's search at once
        (:class:`~diffkit.engines.differences.AdaptiveDifferences`), the evaluations one entry
        at a time, each entry's numbers those :meth:`column` gives it."""
        views = self.perturbation.views
        base = np.concatenate([self._first_step(view) for view in views]) if views else np.zeros(0)
        search = differences.AdaptiveDifferences(
            self.scheme.rule, self.perturbation.shifted, list(self.perturbation.coordinates()), self.value,
            self._exact_steps, base, self.level, self.levels,
        )
        self.joint = search.run()
        self.step_counts = search.counts.tolist()
        return self._joint_blocks(shapes, 0)

    def _exact_steps(self, entries, h):
        """Steps ``h`` of the entries ``entries`` (flat over every leaf, increasing), each rounded by
        :func:`exact_step`."""
        exact = np.empty(entries.size)
        bounds = np.searchsorted(entries, self.offsets).tolist()  # where each leaf's entries start in them
        for view, start, first, stop in zip(self.perturbation.views, self.offsets, bounds, bounds[1:]):
            if stop > first:
                exact[first:stop] = exact_step(view[entries[first:stop] - start], h[first:stop])
        return exact

    def _first_step(self, view):
        """The fixed step, or the adaptive search's first, of every entry of one leaf (``view``, flat), exact."""
        return exact_step(view, self.scheme.start(dtype_eps(view.dtype), np.abs(view.astype(float)), self.step))

    def _steps(self, view):
        """The fixed step h of every entry of one leaf (``view``, flat), and its half, each exact."""
        h = self._first_step(view)
        return h, exact_step(view, h / differences.RATIO)

    def _shifted_outputs(self, h, half, central):
        """``[(f(x + h), f(x - h)), (f(x + half), f(x - half))]``, each stacked over every entry in
        flat order (no f(x - ...) unless ``central``)."""
        shifted = self.perturbation.shifted
        found = [[], [], [], []]
        for (leaf_index, entry), step, small in zip(self.perturbation.coordinates(), h.tolist(), half.tolist()):
            found[0].append(shifted(leaf_index, entry, step))
            if central:
                found[1].append(shifted(leaf_index, entry, -step))
            found[2].append(shifted(leaf_index, entry, small))
            if central:
                found[3].append(shifted(leaf_index, entry, -small))
        stacked = [np.array(values, dtype=float) if central or index % 2 == 0 else None
                   for index, values in enumerate(found)]
        return [(stacked[0], stacked[1]), (stacked[2], stacked[3])]

    def along(self, direction):
        """The derivative along ``direction``: the same rule with the step scaled to the point."""
        scale = max((float(np.max(np.abs(d), initial=0.0)) for d in direction), default=0.0)
        if scale == 0:
            return np.zeros_like(self.value) if isinstance(self.value, np.ndarray) else 0.0
        size = max((float(np.max(np.abs(leaf), initial=0.0)) for leaf in self.perturbation.leaves), default=0.0)
        h = self.scheme.start(self.eps, size, self.step) / scale
        moved = functools.partial(_moved_along, self.perturbation, direction)
        return self.scheme.estimate(moved, self.value, h, float, self.level, self.levels)[0].value

    def entry_stats(self, blocks):
        """Per entry, shaped like ``blocks``: the error estimate, its rounding part and the step used."""
        per_entry = {name: [] for name in ENTRY_STATS}
        for leaf_index, block in enumerate(blocks):
            leaf = self.perturbation.leaves[leaf_index]
            shape = np.shape(block)
            out_shape = shape[: len(shape) - leaf.ndim]
            if self.joint is not None:
                start, stop = self.offsets[leaf_index], self.offsets[leaf_index + 1]
                for name, part in ENTRY_STATS.items():
                    per_entry[name].append(_as_block(getattr(self.joint, part)[start:stop], shape, len(out_shape)))
                continue
            found = [self.estimates[(leaf_index, entry)] for entry in range(leaf.size)]
            for name, part in ENTRY_STATS.items():
                columns = [np.broadcast_to(getattr(estimate, part), out_shape) for estimate in found]
                per_entry[name].append(assemble_columns(columns, shape))
        largest = [float(np.max(block)) for block in per_entry["error_estimate"] if np.size(block)]
        per_entry["error_estimate_max"] = max(largest, default=0.0)
        return per_entry

    def stats(self):
        found = [*self.estimates.values(), *([self.joint] if self.joint is not None and self.offsets[-1] else [])]
        steps = [np.min(e.step) for e in found] + [np.max(e.step) for e in found]
        stats = {
            "evaluations": self.perturbation.evaluations,
            "noise_evaluations": self.noise_evaluations,
            "noise": float(np.max(self.noise)) if np.size(self.noise) else 0.0,  # no output entries: none measured
            "step_rule": self.scheme.describe(self.step),
            "step_min": float(min(steps)) if steps else None,
            "step_max": float(max(steps)) if steps else None,
        }
        counts = self.step_counts if self.step_counts is not None else [len(s.steps) for s in self.searches.values()]
        if counts:
            stats["steps_per_entry_max"] = max(counts)
            stats["steps_per_entry_mean"] = float(np.mean(counts))
        return stats


def _as_block(per_entry, shape, out_ndim):
    """Numbers per entry, one row each (broadcast over the output's first ``out_ndim`` axes of
    ``shape``), as a block of ``shape``, the way :func:`assemble_columns` assembles columns."""
    per_entry = np.asarray(per_entry, dtype=float)
    entries = per_entry.shape[0]
    if entries == 0:
        return np.zeros(shape)
    if out_ndim == 0:  # a gradient's: an array of its own, which Problem.pack hands over without a copy
        return per_entry.reshape(shape).copy()
    rows = np.broadcast_to(per_entry, (entries,) + tuple(shape[:out_ndim]))
    return rows.reshape(entries, -1).T.reshape(shape)


def _moved_along(perturbation, direction, h):
    return perturbation.along(direction, h)


class FiniteDifferenceMethod(ColumnMethod):
    """One finite-difference method: a :class:`Scheme` and its options."""

    options = {
        "step": "absolute step h for every entry (default: from machine epsilon and |x|)",
    }
    traits = Traits(
        family="finite-differences", exact=False, builds_expressions=False, builds_jacobian_by="columns"
    )

    def __init__(self, name, scheme, summary):
        self.name = name
        self.scheme = scheme
        self.summary = summary
        if scheme.adaptive:
            self.options = {
                "step": f"first step of the search (default {differences.BASE:g} * max(|x|, 1))",
                "levels": f"columns of Richardson extrapolation, error terms cancelled (default {differences.LEVELS})",
            }

    def pushforward(self, problem, output, step=None, levels=differences.LEVELS):
        return DifferencePushforward(problem, output, self.scheme, checked_step(step), checked_levels(levels))


register(FiniteDifferenceMethod(
    "fd-forward", Scheme(differences.FORWARD, exponent=1 / 2), "forward differences (f(x+h) - f(x)) / h"))
register(FiniteDifferenceMethod(
    "fd-central", Scheme(differences.CENTRAL, exponent=1 / 3), "central differences (f(x+h) - f(x-h)) / 2h"))
register(FiniteDifferenceMethod(
    "fd-richardson", Scheme(differences.CENTRAL, adaptive=True),
    "adaptive central differences: steps halved or doubled, Richardson-extrapolated, the best estimate per entry"))
