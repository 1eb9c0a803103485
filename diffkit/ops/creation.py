"""Arrays a program builds and then fills: ``dk.zeros``, ``dk.ones``, ``dk.full`` and the ``*_like`` family.

They return a :class:`~diffkit.core.buffer.Buffer`: plain numbers until a diffkit value
is assigned into it (``out[i] = traced``), which every method then follows. A value
built this way is a constant: it carries no derivative of the array it is shaped like.
``empty`` is ``zeros`` (its entries are defined, so every method sees the same program).
"""

import numpy as np

from ..core.buffer import Buffer
from ..core.option_values import checked_shape
from ..core.values import BoxedValue
from .arrays import broadcast_to
from .shapes import dtype_of, shape_of


def _shape(shape, op):
    return checked_shape(shape, f"dk.{op}")


def zeros(shape, dtype=float):
    """An array of zeros that item assignment can fill with diffkit values."""
    return Buffer(np.zeros(_shape(shape, "zeros"), dtype=dtype))


def ones(shape, dtype=float):
    """An array of ones that item assignment can fill with diffkit values."""
    return Buffer(np.ones(_shape(shape, "ones"), dtype=dtype))


def empty(shape, dtype=float):
    """``zeros``: an array to be filled by item assignment."""
    return zeros(shape, dtype=dtype)


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value`` (which may itself be a diffkit value)."""
    if isinstance(fill_value, BoxedValue):
        return Buffer(broadcast_to(fill_value, shape=_shape(shape, "full")))
    return Buffer(np.full(_shape(shape, "full"), fill_value, dtype=dtype))


def _like(a, dtype, shape, op):
    return (dtype_of(a) if dtype is None else np.dtype(dtype)), (shape_of(a) if shape is None else _shape(shape, op))


def zeros_like(a, dtype=None, shape=None):
    """Zeros shaped like ``a`` (a constant: no derivative of ``a``)."""
    dtype, shape = _like(a, dtype, shape, "zeros_like")
    return Buffer(np.zeros(shape, dtype=dtype))


def ones_like(a, dtype=None, shape=None):
    """Ones shaped like ``a`` (a constant)."""
    dtype, shape = _like(a, dtype, shape, "ones_like")
    return Buffer(np.ones(shape, dtype=dtype))


def empty_like(a, dtype=None, shape=None):
    """``zeros_like``: an array shaped like ``a`` to be filled by item assignment."""
    return zeros_like(a, dtype=dtype, shape=shape)


def full_like(a, fill_value, dtype=None, shape=None):
    """``fill_value`` in an array shaped like ``a`` (a constant of ``a``)."""
    dtype, shape = _like(a, dtype, shape, "full_like")
    if isinstance(fill_value, BoxedValue):
        return Buffer(broadcast_to(fill_value, shape=shape))
    return Buffer(np.full(shape, fill_value, dtype=dtype))
