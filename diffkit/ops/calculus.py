"""Sampled functions: the trapezoidal integral (``np.trapezoid``).

It is written with ops of the table (slices, differences, products, sums), so every
method differentiates it with those ops' rules and no rule of its own, with respect to
the samples ``y``, the sample points ``x`` and the spacing ``dx``.
"""

from ..core.option_values import refuse_option_values
from .arrays import getitem, reshape, sum
from .reductions import diff
from .shapes import as_operand, normalize_axes, shape_error, shape_of


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
