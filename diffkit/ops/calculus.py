"""Sampled functions: the trapezoidal integral (``np.trapezoid``) and piecewise-linear
interpolation (``np.interp``).

Both are written with ops of the table (slices, differences, products, sums, selections),
so every method differentiates them with those ops' rules and no rule of their own: the
integral with respect to the samples ``y`` and the sample points ``x``, the interpolant
with respect to the points ``x``, the knots ``xp`` and the values ``fp``.

``interp`` finds the knot each point lies after (``np.searchsorted``): plain integers read
from the values, as ``dk.argmax`` reads its position. The symbolic methods cannot read
them from symbols and raise :class:`~diffkit.errors.SymbolicControlFlowError`; the
compiling tape records the read, and its compiled gradient recomputes it and refuses
(:class:`~diffkit.errors.ControlFlowChangedError`) a call whose points lie in other
segments than where it was compiled.

At a knot the interpolant has a kink, and its derivative follows the kink convention
(:mod:`diffkit.core.kinks`) as relu does: with ``h`` the step at its jump (1/2 by default),
the slope is ``(1 - h) * left slope + h * right slope``, so the mean of the one-sided
slopes by default, the left one under ``"zero"`` and the right one under ``"one"``
(``interp(x, [-1, 0, 1], [0, 0, 1])`` is relu on [-1, 1], and has relu's derivative at 0).
Left of ``xp[0]`` and right of ``xp[-1]`` the slope is 0, so at the end knots too the
derivative is ``h`` (or ``1 - h``) times the end segment's slope. The derivatives with
respect to ``xp`` follow: the interpolant is unchanged when the points and the knots move
together, so its derivative with respect to the knot a point lies on is minus its slope.
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.kinks import step_at_jump
from ..core.option_values import refuse_option_values
from ..core.values import plain_value, read_position
from .arrays import getitem, reshape, sum
from .elementwise import where
from .reductions import diff
from .shapes import as_operand, normalize_axes, shape_error, shape_of
from .shaping import pad


# --- the trapezoidal rule ------------------------------------------------------------------------
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of the samples ``y`` along ``axis`` by the trapezoidal rule, as ``np.trapezoid``:
    the sum of ``(x[i + 1] - x[i]) * (y[i] + y[i + 1]) / 2``, with the sample points ``x`` (an array
    of the axis's length, or of ``y``'s shape) or a spacing ``dx`` (a number or an array). ``y``,
    ``x`` and ``dx`` are all differentiated."""
    refuse_option_values("dk.trapezoid", {"axis": axis})
    y = as_operand(y)
    shape = shape_of(y)
    if not shape:
        raise shape_error("trapezoid", "takes samples y with at least one axis, got a number: the integral is "
                                       "taken along an axis of samples")
    ax = normalize_axes(axis, len(shape))[0]
    if x is None:
        width = dx
    else:
        x = as_operand(x)
        points = shape_of(x)
        if len(points) == 1:
            if points[0] != shape[ax]:
                raise shape_error("trapezoid", f"the sample points x of shape {points} do not fit the samples y of "
                                               f"shape {shape} along axis {axis}: give one point per sample")
            width = reshape(diff(x), shape=(1,) * ax + (points[0] - 1,) + (1,) * (len(shape) - ax - 1))
        else:
            width = diff(x, axis=ax)
    before = (slice(None),) * ax
    ends = getitem(y, index=before + (slice(1, None),)) + getitem(y, index=before + (slice(None, -1),))
    return sum(width * ends / 2.0, axis=ax)


# --- piecewise-linear interpolation ---------------------------------------------------------------
def knot_index(xp, x):
    """For each point of ``x`` the index of the last knot of ``xp`` at or left of it (0 left of
    ``xp[0]``): ``np.searchsorted(xp, x, side="right") - 1`` kept within the knots.

    Plain integers read from the values (the compiling tape records this read, so its
    code calls this function again, and refuses knots that are not increasing too).
    """
    xp = np.asarray(xp)
    steps = np.diff(xp)
    if not np.all(steps > 0):
        bad = int(np.argmin(steps > 0))
        raise errors.InputError(
            f"dk.interp at {user_location() or 'an unknown line'} got knots xp that are not increasing: "
            f"xp[{bad}] = {xp[bad].item()!r} and xp[{bad + 1}] = {xp[bad + 1].item()!r}. np.interp needs them in strictly "
            "increasing order: sort xp and fp together (order = np.argsort(xp); xp, fp = xp[order], fp[order]) "
            "and leave out repeated knots"
        )
    return np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 1)


def _check_knots(xp, fp):
    knots, values = shape_of(xp), shape_of(fp)
    if len(knots) != 1 or len(values) != 1:
        raise shape_error("interp", f"takes knots xp and values fp of one axis each, got shapes {knots} and "
                                    f"{values}: interpolate each row separately")
    if knots != values:
        raise shape_error("interp", f"the knots xp of shape {knots} and the values fp of shape {values} differ in "
                                    "length: give one value per knot")
    if not knots[0]:
        raise shape_error("interp", "got no knots (xp and fp are empty): give at least one knot")


def interp(x, xp, fp, left=None, right=None, period=None):
    """The piecewise-linear interpolant through the knots ``(xp, fp)`` at the points ``x``, as
    ``np.interp``: ``left`` (``fp[0]`` by default) left of ``xp[0]``, ``right`` (``fp[-1]``) right of
    ``xp[-1]``. ``xp`` must be strictly increasing.

    The derivative with respect to ``x`` is the slope of the segment ``x`` lies in (0 outside
    the knots; at a knot the kink convention's blend of the two slopes, the mean by default);
    with respect to ``fp`` and ``xp`` it is the interpolation weights and their derivatives.
    ``np.interp`` hands diffkit only ``x``, ``xp`` and ``fp`` (NumPy's dispatch): a differentiated
    ``left`` or ``right`` needs ``dk.interp``. With one knot and a NaN point the value is NaN (NumPy
    gives ``fp[0]`` there alone).
    """
    if period is not None:
        raise errors.NonDiffkitFunctionError(
            f"dk.interp at {user_location() or 'an unknown line'} takes no period= (np.interp's periodic "
            "interpolation): map the points into one period (x % period) and give knots sorted within it with "
            "one more knot on each side, (xp[-1] - period, fp[-1]) first and (xp[0] + period, fp[0]) last"
        )
    x, xp, fp = as_operand(x), as_operand(xp), as_operand(fp)
    _check_knots(xp, fp)
    knot = plain_value(read_position(knot_index, (xp, x), {}))
    first, last = getitem(xp, index=0), getitem(xp, index=-1)
    below, above = x < first, x > last
    # The points outside the knots are moved onto the end knots: their value is left or right, and
    # an infinite point would make inf * 0 in the segment's formula.
    point = where(below, first, where(above, last, x))
    # The slope left of each knot and right of it: 0 outside the knots.
    slopes = pad(diff(fp) / diff(xp), 1)
    base = getitem(xp, index=knot)
    after = getitem(slopes, index=knot + 1)
    h = step_at_jump()
    slope = where(point == base, (1.0 - h) * getitem(slopes, index=knot) + h * after, after)
    inside = getitem(fp, index=knot) + (point - base) * slope
    low = getitem(fp, index=0) if left is None else left
    high = getitem(fp, index=-1) if right is None else right
    return where(below, low, where(above, high, inside))
