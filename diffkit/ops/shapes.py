"""Shape helpers shared by the derivative rules (they work on every kind of value)."""

import numpy as np

try:
    from numpy.exceptions import AxisError
except ImportError:  # NumPy < 1.25
    from numpy import AxisError

from .. import errors
from ..core.frames import user_location
from ..core.option_values import refuse_axis_value
from ..core.values import BoxedValue


def shape_of(value):
    if isinstance(value, BoxedValue):
        return tuple(value.shape)
    return np.shape(value)


def as_operand(value):
    """A diffkit value as it is, anything else (a list, a number) as a NumPy array, for an op that slices it."""
    return value if isinstance(value, BoxedValue) else np.asarray(value)


def ndim_of(value):
    return len(shape_of(value))


def normalize_axes(axis, ndim):
    """The reduced axes as a sorted tuple of non-negative integers, checked as NumPy checks them.

    An axis out of range raises NumPy's ``AxisError`` (a ValueError), which every method
    turns into a :class:`~diffkit.errors.ShapeError` naming the op and the program line.
    Like NumPy, a reduction of a scalar may name axis 0 or -1 (nothing is reduced).
    """
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if type(a) is not int:  # the common case costs one type check; a float or a string is named
            refuse_axis_value(axis)
            break
    if ndim == 0 and all(a in (0, -1) for a in axes):
        return ()
    for a in axes:
        if not -ndim <= a < ndim:
            raise AxisError(a, ndim)
    normalized = tuple(sorted(a % ndim for a in axes))
    if len(set(normalized)) != len(normalized):  # NumPy refuses it too ("repeated axis")
        raise errors.ShapeError(f"axis={axis!r} names an axis twice ({user_location() or 'at an unknown line'}): "
                                "name each axis once")
    return normalized


def keepdims_shape(shape, axis):
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def shape_error(op_name, message):
    """A :class:`~diffkit.errors.ShapeError` from ``dk.<op_name>``, naming the program line."""
    return errors.ShapeError(f"dk.{op_name}: {message} ({user_location() or 'at an unknown line'})")


def dtype_of(value):
    """The dtype of a value (a boxed value's own, float64 when it has none, like a symbolic one)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return np.dtype(dtype)
    if isinstance(value, BoxedValue):
        return np.dtype(float)
    return np.asarray(value).dtype if isinstance(value, (list, tuple)) else np.result_type(value)
