"""Shape helpers shared by the derivative rules (they work on every kind of value)."""

import numpy as np

from ..values import BoxedValue


def shape_of(value):
    if isinstance(value, BoxedValue):
        return tuple(value.shape)
    return np.shape(value)


def ndim_of(value):
    return len(shape_of(value))


def normalize_axes(axis, ndim):
    """The reduced axes as a sorted tuple of non-negative integers."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim for a in axis))
    return (axis % ndim,)


def keepdims_shape(shape, axis):
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
