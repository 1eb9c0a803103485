"""Shape helpers shared by the derivative rules (they work on every kind of value)."""

import numpy as np

try:
    from numpy.exceptions import AxisError
except ImportError:  # NumPy < 1.25
    from numpy import AxisError

from ..core.values import BoxedValue


def shape_of(value):
    if isinstance(value, BoxedValue):
        return tuple(value.shape)
    return np.shape(value)


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
    if ndim == 0 and all(a in (0, -1) for a in axes):
        return ()
    for a in axes:
        if not -ndim <= a < ndim:
            raise AxisError(a, ndim)
    return tuple(sorted(a % ndim for a in axes))


def keepdims_shape(shape, axis):
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
