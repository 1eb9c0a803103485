"""``np.linalg``'s array-API functions (NumPy 2): ``vector_norm``, ``matrix_norm``, ``trace``,
``outer`` and ``vecdot``, written with the ops that serve ``np.linalg.norm``, ``np.trace``,
``np.outer`` and ``np.vecdot``; :mod:`diffkit.ops.linalg` exposes them as ``dk.linalg.*``.

They differ from those in the axes they take, as NumPy's do: ``vector_norm`` reads its
``axis`` (one, a tuple, or all) as one vector, ``matrix_norm`` and ``trace`` work on the
last two axes, ``outer`` takes vectors only. The orders are ``dk.norm``'s: every vector
order, and the matrix orders 'fro', 1, -1, inf and -inf (2, -2 and 'nuc' are refused by name,
as ``dk.norm`` refuses them, with the way to take them from ``dk.linalg.svdvals``).
"""

import numbers

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.option_values import described, refuse_option_values
from .array_api import vecdot
from .arrays import reshape, transpose
from .indexing import trace as _trace
from .products import outer as _outer
from .reductions import norm
from .shapes import as_operand, ndim_of, normalize_axes, shape_error, shape_of

__all__ = ["vector_norm", "matrix_norm", "trace", "outer", "vecdot"]


def vector_norm(x, axis=None, keepdims=False, ord=2):
    """``np.linalg.vector_norm``: the ``ord``-norm of the entries over ``axis`` (all by default,
    several read as one vector)."""
    refuse_option_values("dk.linalg.vector_norm", {"axis": axis, "keepdims": keepdims})
    if not isinstance(ord, numbers.Real) or isinstance(ord, bool):
        kind = "a matrix norm: use dk.linalg.matrix_norm" if isinstance(ord, str) else "not a number"
        raise errors.InputError(
            f"dk.linalg.vector_norm got {described('ord', ord)} at {user_location() or 'an unknown line'}: "
            f"it is {kind}; a vector norm's ord is a number (2, 1, inf, -inf, 0, or any p)"
        )
    x = as_operand(x)
    shape = shape_of(x)
    if axis is not None and not isinstance(axis, (tuple, list)):  # one axis: np.linalg.norm's vector norm
        return norm(x, ord=ord, axis=axis, keepdims=keepdims)
    axes = normalize_axes(axis, len(shape))  # checked; NumPy lays the axes out in the order given
    if len(set(axes)) != len(axes):
        raise shape_error("linalg.vector_norm", f"axis={axis!r} names an axis twice")
    order = axes if axis is None or not shape else tuple(a % len(shape) for a in axis)
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    if order + rest != tuple(range(len(shape))):
        x = transpose(x, axes=order + rest)
    length = int(np.prod([shape[i] for i in axes], dtype=int))
    result = norm(reshape(x, shape=(length,) + tuple(shape[i] for i in rest)), ord=ord, axis=0)
    if keepdims:
        return reshape(result, shape=tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return result


def matrix_norm(x, keepdims=False, ord="fro"):
    """``np.linalg.matrix_norm``: the ``ord``-norm of each matrix (the last two axes)."""
    if ndim_of(x) < 2:
        raise shape_error("linalg.matrix_norm", f"needs matrices (..., M, N); got shape {tuple(shape_of(x))} "
                                                "(dk.linalg.vector_norm is the norm of a vector)")
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def trace(x, offset=0):
    """``np.linalg.trace``: the sum of the ``offset`` diagonal of each matrix (the last two axes)."""
    return _trace(x, offset=offset, axis1=-2, axis2=-1)


def outer(x1, x2):
    """``np.linalg.outer``: every product of an entry of the vector ``x1`` with one of the vector ``x2``."""
    shapes = tuple(shape_of(x1)), tuple(shape_of(x2))
    if len(shapes[0]) != 1 or len(shapes[1]) != 1:
        raise shape_error("linalg.outer", f"takes two vectors; got shapes {shapes[0]} and {shapes[1]} "
                                          "(dk.outer flattens arrays of any shape first)")
    return _outer(x1, x2)
