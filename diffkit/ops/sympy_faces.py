"""Helpers that lift scalar SymPy functions to object arrays of expressions."""

import functools

import numpy as np
import sympy

from .shapes import normalize_axes


def as_object_array(value):
    """Wrap a result (scalar expression or array) as a NumPy object array."""
    if isinstance(value, np.ndarray):
        return value if value.dtype == object else value.astype(object)
    array = np.empty((), dtype=object)
    array[()] = value
    return array


def elementwise(scalar_function, nin=1):
    """Lift ``scalar_function`` of SymPy scalars to broadcasting object arrays."""
    ufunc = np.frompyfunc(scalar_function, nin, 1)

    def face(*arrays, **params):
        if params:
            bound = np.frompyfunc(functools.partial(scalar_function, **params), nin, 1)
            return as_object_array(bound(*arrays))
        return as_object_array(ufunc(*arrays))

    face.__name__ = f"sympy_{getattr(scalar_function, '__name__', 'op')}"
    face.__doc__ = f"SymPy face: {scalar_function!r} applied to each element."
    return face


def sum_along(array, axis=None, keepdims=False):
    """Sum an object array with one n-ary ``sympy.Add`` per output entry."""
    array = as_object_array(array)
    ndim = array.ndim
    axes = normalize_axes(axis, ndim)
    kept = [a for a in range(ndim) if a not in axes]
    moved = np.transpose(array, kept + list(axes))
    kept_shape = tuple(array.shape[a] for a in kept)
    rows = moved.reshape(kept_shape + (-1,))
    result = np.empty(kept_shape, dtype=object)
    for index in np.ndindex(*kept_shape):
        result[index] = sympy.Add(*rows[index])
    if keepdims:
        result = result.reshape(tuple(1 if a in axes else n for a, n in enumerate(array.shape)))
    return result
