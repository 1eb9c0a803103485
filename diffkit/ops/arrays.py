"""Array primitives: matrix multiply, reductions, reshaping, indexing, stacking."""

import numpy as np
from ..core.lazy import sympy

from ..core.primitive import Primitive
from .shapes import keepdims_shape, ndim_of, normalize_axes, shape_of
from .sympy_faces import as_object_array, sum_along


# --- matrix multiply -----------------------------------------------------------------
def _swap_last(x):
    n = ndim_of(x)
    axes = tuple(range(n - 2)) + (n - 1, n - 2)
    return transpose(x, axes=axes)


def _matmul_vjp_a(g, out, a, b):
    a_nd, b_nd = ndim_of(a), ndim_of(b)
    if b_nd == 1:
        return g * b if a_nd == 1 else reshape(g, shape=shape_of(g) + (1,)) * b
    if a_nd == 1:
        return matmul(b, reshape(g, shape=shape_of(g) + (1,)))[..., 0] if b_nd > 2 else matmul(b, g)
    return matmul(g, _swap_last(b))


def _matmul_vjp_b(g, out, a, b):
    a_nd, b_nd = ndim_of(a), ndim_of(b)
    if b_nd == 1:
        if a_nd == 1:
            return g * a
        k = shape_of(a)[-1]
        return matmul(reshape(g, shape=(-1,)), reshape(a, shape=(-1, k)))
    if a_nd == 1:
        g_shape = shape_of(g)
        return reshape(a, shape=(-1, 1)) * reshape(g, shape=g_shape[:-1] + (1, g_shape[-1]))
    return matmul(_swap_last(a), g)


def _matmul_sympy(a, b):
    return as_object_array(np.matmul(a, b))


def _matmul_jvp_a(t, out, a, b):
    return matmul(t, b)


def _matmul_jvp_b(t, out, a, b):
    return matmul(a, t)


matmul = Primitive(
    "matmul",
    np.matmul,
    _matmul_sympy,
    (_matmul_vjp_a, _matmul_vjp_b),
    broadcasting=True,  # batch dimensions broadcast; the tape sums them back
    elementwise=False,
    doc="Matrix product with NumPy's matmul rules (1-D operands, batches).",
    jvp=(_matmul_jvp_a, _matmul_jvp_b),
)


# --- reductions ----------------------------------------------------------------------
def _sum_numpy(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def spread_back(g, shape, axis, keepdims):
    """Broadcast a reduced cotangent back over the reduced axes."""
    if not keepdims:
        g = reshape(g, shape=keepdims_shape(shape, axis))
    return broadcast_to(g, shape=shape)


def _sum_vjp(g, out, x, axis=None, keepdims=False):
    return spread_back(g, shape_of(x), axis, keepdims)


def reduced_count(shape, axis):
    count = 1
    for a in normalize_axes(axis, len(shape)):
        count *= shape[a]
    return count


def _mean_numpy(x, axis=None, keepdims=False):
    if axis is None and not keepdims and type(x) is np.ndarray and x.dtype == np.float64 and x.size:
        return x.sum() / x.size  # np.mean's own sum and division, without its Python-level checks
    if axis is not None and np.ndim(x) == 0:  # axis 0 or -1 of a scalar, as np.sum allows
        normalize_axes(axis, 0)
        axis = None
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_sympy(x, axis=None, keepdims=False):
    total = sum_along(x, axis=axis, keepdims=keepdims)
    return as_object_array(total / reduced_count(np.shape(x), axis))


def _mean_vjp(g, out, x, axis=None, keepdims=False):
    shape = shape_of(x)
    return spread_back(g, shape, axis, keepdims) / float(reduced_count(shape, axis))


def _sum_jvp(t, out, x, axis=None, keepdims=False):
    return sum(t, axis=axis, keepdims=keepdims)


sum = Primitive("sum", _sum_numpy, sum_along, (_sum_vjp,), doc="Sum over an axis (or all).", jvp=(_sum_jvp,))


def _mean_jvp(t, out, x, axis=None, keepdims=False):
    return mean(t, axis=axis, keepdims=keepdims)


mean = Primitive("mean", _mean_numpy, _mean_sympy, (_mean_vjp,), doc="Mean over an axis (or all).", jvp=(_mean_jvp,))


# --- reshaping -----------------------------------------------------------------------
def _reshape_numpy(x, shape):
    return np.reshape(x, shape)


def _reshape_vjp(g, out, x, shape):
    return reshape(g, shape=shape_of(x))


def _transpose_numpy(x, axes=None):
    return np.transpose(x, axes)


def _transpose_vjp(g, out, x, axes=None):
    inverse = None if axes is None else tuple(np.argsort(axes))
    return transpose(g, axes=inverse)


def _broadcast_to_numpy(x, shape):
    return np.broadcast_to(x, shape)


def _broadcast_to_sympy(x, shape):
    return np.array(np.broadcast_to(x, shape), dtype=object)


def _broadcast_to_vjp(g, out, x, shape):
    return unbroadcast(g, shape_of(x))


def _reshape_jvp(t, out, x, shape):
    return reshape(t, shape=shape)


reshape = Primitive("reshape", _reshape_numpy, _reshape_numpy, (_reshape_vjp,), jvp=(_reshape_jvp,))


def as_rows(x):
    """Each vector (the last axis) of ``x`` as a 1 x n matrix: (..., n) to (..., 1, n)."""
    shape = shape_of(x)
    return reshape(x, shape=shape[:-1] + (1, shape[-1]))


def as_columns(x):
    """Each vector (the last axis) of ``x`` as an n x 1 matrix: (..., n) to (..., n, 1)."""
    return reshape(x, shape=shape_of(x) + (1,))


def _transpose_jvp(t, out, x, axes=None):
    return transpose(t, axes=axes)


transpose = Primitive("transpose", _transpose_numpy, _transpose_numpy, (_transpose_vjp,), jvp=(_transpose_jvp,))


def _broadcast_to_jvp(t, out, x, shape):
    return broadcast_to(t, shape=shape)


broadcast_to = Primitive(
    "broadcast_to", _broadcast_to_numpy, _broadcast_to_sympy, (_broadcast_to_vjp,),
    jvp=(_broadcast_to_jvp,),
)


def unbroadcast(g, shape):
    """Sum a cotangent over the axes NumPy broadcast, so it has ``shape`` again.

    This is the lectures' "copy gate adds" rule: a bias broadcast over a batch gets
    the sum of the batch's gradients.
    """
    g_shape = shape_of(g)
    if g_shape == tuple(shape):
        return g
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1
    )
    if axes:
        g = sum(g, axis=axes, keepdims=True)
    return reshape(g, shape=tuple(shape))


# --- indexing ------------------------------------------------------------------------
def _getitem_numpy(x, index):
    try:
        return x[index]
    except IndexError as exc:  # a ValueError becomes the ShapeError that names the program line
        raise ValueError(str(exc)) from None


def _getitem_sympy(x, index):
    return as_object_array(_getitem_numpy(x, index))


def _getitem_vjp(g, out, x, index):
    return scatter_add(g, index=index, shape=shape_of(x))


def _scatter_add_numpy(g, index, shape):
    result = np.zeros(shape, dtype=np.result_type(g, np.float64))
    np.add.at(result, index, g)
    return result


def _scatter_add_sympy(g, index, shape):
    result = np.full(shape, sympy.S.Zero, dtype=object)
    np.add.at(result, index, g)
    return result


def _scatter_add_vjp(g, out, x, index, shape):
    return getitem(g, index=index)


def _getitem_jvp(t, out, x, index):
    return getitem(t, index=index)


getitem = Primitive(
    "getitem", _getitem_numpy, _getitem_sympy, (_getitem_vjp,), selects=True, doc="x[index].", jvp=(_getitem_jvp,)
)


def _scatter_add_jvp(t, out, g, index, shape):
    return scatter_add(t, index=index, shape=shape)


scatter_add = Primitive(
    "scatter_add",
    _scatter_add_numpy,
    _scatter_add_sympy,
    (_scatter_add_vjp,),
    doc="Zeros of `shape` with g added at `index` (the derivative of indexing).",
    jvp=(_scatter_add_jvp,),
)


# --- stacking ------------------------------------------------------------------------
def _stack_numpy(*arrays, axis=0):
    return np.stack(arrays, axis=axis)


def _stack_sympy(*arrays, axis=0):
    return np.stack([as_object_array(a) for a in arrays], axis=axis)


def _stack_vjp(index, g, out, *arrays, axis=0):
    axis = axis % ndim_of(out)
    return getitem(g, index=(slice(None),) * axis + (index,))


def _concatenate_numpy(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def _concatenate_sympy(*arrays, axis=0):
    return np.concatenate([as_object_array(a) for a in arrays], axis=axis)


def _concatenate_vjp(index, g, out, *arrays, axis=0):
    axis = axis % ndim_of(out)
    start = 0
    for previous in arrays[:index]:
        start += shape_of(previous)[axis]
    stop = start + shape_of(arrays[index])[axis]
    return getitem(g, index=(slice(None),) * axis + (slice(start, stop),))


def _stack_jvp(index, t, out, *arrays, axis=0):
    axis = axis % ndim_of(out)
    return scatter_add(t, index=(slice(None),) * axis + (index,), shape=shape_of(out))


stack = Primitive("stack", _stack_numpy, _stack_sympy, _stack_vjp, variadic=True, jvp=_stack_jvp)


def _concatenate_jvp(index, t, out, *arrays, axis=0):
    axis = axis % ndim_of(out)
    start = 0
    for previous in arrays[:index]:
        start += shape_of(previous)[axis]
    stop = start + shape_of(arrays[index])[axis]
    return scatter_add(t, index=(slice(None),) * axis + (slice(start, stop),), shape=shape_of(out))


concatenate = Primitive(
    "concatenate", _concatenate_numpy, _concatenate_sympy, _concatenate_vjp, variadic=True,
    jvp=_concatenate_jvp,
)
