"""NumPy 2's array-API names: ``cumulative_sum``, ``cumulative_prod`` (NumPy 2.1) and the
gufuncs ``vecdot``, ``matvec``, ``vecmat`` (NumPy 2.2), written with the older ops.

``cumulative_sum`` is ``cumsum`` with NumPy 2.1's rules: an array of more than one axis
needs ``axis``, and ``include_initial`` puts the empty sum (0) or product (1) first.
The gufuncs are matmuls of the vectors as rows and columns (the vectors along the last
axis, or ``axis`` for ``vecdot``), broadcast over the axes before them: NumPy's gufunc
loops round as its matmul does, so the values are NumPy's to the bit (a product and a sum
would not be). diffkit's values are real, so the complex conjugate NumPy takes of the first
argument does not arise. They reach diffkit as ufuncs
(``__array_ufunc__``), which passes ``axis=`` on to ``vecdot``.
"""

import operator

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.option_values import described, refuse_option_values
from .arrays import as_columns, as_rows, concatenate, matmul, reshape
from .reductions import cumprod, cumsum
from .shapes import as_operand, normalize_axes, shape_error, shape_of
from .shaping import moveaxis


# --- running sums and products ---------------------------------------------------------------------
def _cumulative(name, running, start, x, axis, include_initial):
    refuse_option_values(f"dk.{name}", {"axis": axis, "include_initial": include_initial})
    x = as_operand(x)
    shape = shape_of(x)
    if axis is None and len(shape) > 1:
        raise shape_error(name, f"x has shape {tuple(shape)}: for an array of more than one axis, give the axis "
                                f"to run along ({name}(x, axis=0)), or flatten it first")
    result = running(x, axis=axis)
    if not include_initial:
        return result
    along = 0 if axis is None else normalize_axes(axis, len(shape))[0]
    first = tuple(1 if i == along else n for i, n in enumerate(shape_of(result)))
    return concatenate(np.full(first, start), result, axis=along)


def cumulative_sum(x, axis=None, include_initial=False):
    """``np.cumulative_sum``: the running sum along ``axis`` (needed beyond one axis), 0 first
    with ``include_initial``."""
    return _cumulative("cumulative_sum", cumsum, 0.0, x, axis, include_initial)


def cumulative_prod(x, axis=None, include_initial=False):
    """``np.cumulative_prod``: the running product along ``axis`` (needed beyond one axis), 1 first
    with ``include_initial``."""
    return _cumulative("cumulative_prod", cumprod, 1.0, x, axis, include_initial)


# --- products of vectors ----------------------------------------------------------------------------
def _enough_axes(name, operands, core_ndims):
    """Refuse an operand of the gufunc ``name`` with fewer axes than its core (a vector 1, a matrix 2)."""
    for role, a, core in zip(("x1", "x2"), operands, core_ndims):
        if len(shape_of(a)) < core:
            raise shape_error(name, f"{role} has shape {tuple(shape_of(a))}; it needs at least {core} "
                                    f"{'axes (a matrix in its last two)' if core == 2 else 'axis (the vectors)'}")


def _core(name, operands, core_ndims, summed):
    """Check the gufunc ``name``'s operands: enough axes for their core, the summed axes (``summed``,
    one of each) of equal length, the axes before the core broadcasting together; return their
    broadcast shape."""
    _enough_axes(name, operands, core_ndims)
    first, second = (tuple(shape_of(a)) for a in operands)
    if first[summed[0]] != second[summed[1]]:
        raise shape_error(name, f"shapes {first} and {second}: the summed axes have lengths {first[summed[0]]} "
                                f"and {second[summed[1]]}, which must be equal")
    try:
        return np.broadcast_shapes(first[: len(first) - core_ndims[0]], second[: len(second) - core_ndims[1]])
    except ValueError:
        raise shape_error(name, f"shapes {first} and {second}: the axes before the vectors' and matrices' "
                                "do not broadcast together") from None


def vecdot(x1, x2, axis=-1):
    """``np.vecdot``: the dot products of the vectors along ``axis`` of each, broadcast over the other axes."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise errors.InputError(
            f"dk.vecdot got {described('axis', axis)} at {user_location() or 'an unknown line'}: "
            "axis is one int, the axis the vectors lie along"
        ) from None
    x1, x2 = as_operand(x1), as_operand(x2)
    _enough_axes("vecdot", (x1, x2), (1, 1))
    x1, x2 = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    batch = _core("vecdot", (x1, x2), (1, 1), (-1, -1))
    return reshape(matmul(as_rows(x1), as_columns(x2)), shape=batch)


def matvec(x1, x2):
    """``np.matvec``: each matrix (the last two axes of ``x1``) times each vector (the last axis of ``x2``)."""
    x1, x2 = as_operand(x1), as_operand(x2)
    batch = _core("matvec", (x1, x2), (2, 1), (-1, -1))
    return reshape(matmul(x1, as_columns(x2)), shape=batch + shape_of(x1)[-2:-1])


def vecmat(x1, x2):
    """``np.vecmat``: each vector (the last axis of ``x1``) times each matrix (the last two axes of ``x2``)."""
    x1, x2 = as_operand(x1), as_operand(x2)
    batch = _core("vecmat", (x1, x2), (1, 2), (-1, -2))
    return reshape(matmul(as_rows(x1), x2), shape=batch + shape_of(x2)[-1:])
