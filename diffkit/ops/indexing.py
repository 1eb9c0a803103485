"""Indexing beyond ``x[index]``: item assignment as a functional update, ``dk.at``, take,
take_along_axis, triangles and diagonals.

``y[index] = v`` on a diffkit value is recorded as ``setitem(y, v, index)``, a new value
that ``y`` then stands for (PyTorch's in-place ops, JAX's ``.at[].set``): the value ``y``
held before keeps its meaning in every derivative. With repeated indices NumPy keeps
the last write, and so does the derivative: an overwritten assignment gets no gradient.
``dk.at(y)[index].add(v)`` adds at repeated indices as often as they repeat (``np.add.at``).
"""

import numpy as np

from ..core.buffer import assigned_dtype
from ..core.option_values import refuse_option_values
from ..core.primitive import Primitive
from ..core.values import plain_index, plain_value
from .arrays import broadcast_to, getitem, reshape, scatter_add, sum, unbroadcast
from .elementwise import where
from .shaping import moveaxis, ravel
from .shapes import dtype_of, ndim_of, normalize_axes, shape_error, shape_of
from .sympy_faces import as_object_array


# --- item assignment ----------------------------------------------------------------------------
def _assigned_value(value):
    # A 0-d object array would be stored as one object inside the array, not unpacked.
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _setitem_numpy(x, value, index):
    out = np.array(x, dtype=assigned_dtype(x, value), copy=True)
    try:
        out[index] = value
    except IndexError as exc:  # a ValueError becomes the ShapeError that names the program line
        raise ValueError(str(exc)) from None
    return out


def _setitem_sympy(x, value, index):
    out = as_object_array(x).copy()
    try:
        out[index] = _assigned_value(value)
    except IndexError as exc:
        raise ValueError(str(exc)) from None
    return out


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(part, (np.ndarray, list)) for part in parts)


def _surviving_writes(shape, index):
    """Which assigned entries NumPy keeps when an index repeats (the last write), or None if all."""
    if not _is_advanced(index):
        return None
    target_shape = np.empty(shape, dtype=np.int8)[index].shape
    order = np.arange(int(np.prod(target_shape, dtype=int))).reshape(target_shape)
    winner = np.full(shape, -1, dtype=np.int64)
    winner[index] = order
    kept = winner[index] == order
    return None if kept.all() else kept


def fit_to_shape(g, shape):
    """A cotangent of a broadcast operand summed back to ``shape`` (which may have extra leading 1s)."""
    g_shape = shape_of(g)
    if len(shape) > len(g_shape):
        g = reshape(g, shape=(1,) * (len(shape) - len(g_shape)) + tuple(g_shape))
    return unbroadcast(g, tuple(shape))


def _setitem_vjp_target(g, out, x, value, index):
    return _setitem(g, 0.0, index=index)


def _setitem_vjp_value(g, out, x, value, index):
    picked = getitem(g, index=index)
    kept = _surviving_writes(shape_of(g), index)
    if kept is not None:
        picked = picked * kept.astype(float)
    return fit_to_shape(picked, shape_of(value))


def _setitem_jvp_value(t, out, x, value, index):
    return _setitem(np.zeros(shape_of(out)), t, index=index)


_setitem = Primitive(
    "setitem",
    _setitem_numpy,
    _setitem_sympy,
    (_setitem_vjp_target, _setitem_vjp_value),
    selects=True,
    doc="x with x[index] = value, as a new value (what item assignment records).",
    jvp=(_setitem_vjp_target, _setitem_jvp_value),
)


def setitem(x, value, index):
    """``x`` with ``x[index] = value``, as a new value (``x`` is left as it was)."""
    return _setitem(x, value, index=plain_index(index))


class IndexedUpdate:
    """``dk.at(y)[index]``: the functional updates of JAX's ``.at[]``, each returning a new value."""

    def __init__(self, array, index):
        self.array = array
        self.index = plain_index(index)

    def set(self, values):
        """``y`` with ``y[index] = values``."""
        return _setitem(self.array, values, index=self.index)

    def add(self, values):
        """``y`` with ``values`` added at ``index``, as often as an index repeats (``np.add.at``)."""
        shape = shape_of(self.array)
        target = np.empty(shape, dtype=np.int8)[self.index].shape
        return self.array + scatter_add(broadcast_to(values, shape=target), index=self.index, shape=shape)

    def get(self):
        """``y[index]``."""
        return getitem(self.array, index=self.index)


class _Indexer:
    def __init__(self, array):
        self._array = array

    def __getitem__(self, index):
        return IndexedUpdate(self._array, index)


def at(array):
    """``dk.at(y)[index].set(v)`` / ``.add(v)`` / ``.get()``: updates that return a new value, as in JAX."""
    return _Indexer(array)


# --- take ---------------------------------------------------------------------------------------
def take(a, indices, axis=None, mode="raise"):
    """Entries of ``a`` at ``indices`` along ``axis`` (of the flattened array by default)."""
    if axis is None:
        a, axis = ravel(a), 0
    shape = shape_of(a)
    (ax,) = normalize_axes(axis, len(shape))
    indices = np.asarray(indices)
    if mode == "wrap":
        indices = np.mod(indices, shape[ax])
    elif mode == "clip":
        indices = np.clip(indices, 0, shape[ax] - 1)
    elif mode != "raise":
        raise shape_error("take", f"mode={mode!r}; use 'raise', 'wrap' or 'clip'")
    return getitem(a, index=(slice(None),) * ax + (indices,))


def take_along_axis(arr, indices, axis):
    """Entries of ``arr`` picked along ``axis`` by ``indices`` of the same number of axes (NumPy's rule);
    ``indices`` may be positions read from values (``dk.argsort``)."""
    indices = np.asarray(plain_value(indices))
    if axis is None:
        arr, axis = ravel(arr), 0
    shape = shape_of(arr)
    n = len(shape)
    if indices.ndim != n:
        raise shape_error("take_along_axis", f"indices have {indices.ndim} axes but the array has {n}")
    (ax,) = normalize_axes(axis, n)
    grid = tuple(
        indices if d == ax else np.arange(shape[d]).reshape((1,) * d + (-1,) + (1,) * (n - d - 1)) for d in range(n)
    )
    return getitem(arr, index=grid)


# --- triangles and diagonals -----------------------------------------------------------------------
def _triangle(m, k, upper, name):
    refuse_option_values(f"dk.{name}", {"k": k})
    shape = shape_of(m)
    if len(shape) == 0:
        raise shape_error(name, "needs at least one axis")
    if len(shape) == 1:  # NumPy reads a vector as the rows of a square matrix
        m = broadcast_to(m, shape=(shape[0], shape[0]))
        shape = shape_of(m)
    ones = np.ones(shape[-2:], dtype=bool)
    mask = np.triu(ones, k) if upper else np.tril(ones, k)
    return where(mask, m, np.zeros((), dtype=dtype_of(m)))


def triu(m, k=0):
    """``m`` with the entries below the ``k``-th diagonal set to 0."""
    return _triangle(m, k, upper=True, name="triu")


def tril(m, k=0):
    """``m`` with the entries above the ``k``-th diagonal set to 0."""
    return _triangle(m, k, upper=False, name="tril")


def _diagonal_positions(rows, columns, offset):
    if offset >= 0:
        length = max(0, min(rows, columns - offset))
        return np.arange(length), np.arange(length) + offset
    length = max(0, min(rows + offset, columns))
    return np.arange(length) - offset, np.arange(length)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal of the matrices in the plane of ``axis1``, ``axis2`` (as the last axis)."""
    shape = shape_of(a)
    n = len(shape)
    if n < 2:
        raise shape_error("diagonal", f"needs at least two axes; got shape {shape}")
    (first,), (second,) = normalize_axes(axis1, n), normalize_axes(axis2, n)
    if first == second:
        raise shape_error("diagonal", "axis1 and axis2 must be different")
    rows, columns = _diagonal_positions(shape[first], shape[second], offset)
    return getitem(moveaxis(a, (first, second), (-2, -1)), index=(Ellipsis, rows, columns))


def trace(a, offset=0, axis1=0, axis2=1):
    """Sum of the ``offset`` diagonal (of each matrix in the plane of ``axis1``, ``axis2``)."""
    return sum(diagonal(a, offset=offset, axis1=axis1, axis2=axis2), axis=-1)


def diag(v, k=0):
    """A vector as the ``k``-th diagonal of a square matrix, or a matrix's ``k``-th diagonal as a vector."""
    n = ndim_of(v)
    if n == 1:
        length = shape_of(v)[0]
        size = length + (k if k >= 0 else -k)
        rows, columns = _diagonal_positions(size, size, k)
        return _setitem(np.zeros((size, size), dtype=dtype_of(v)), v, index=(rows, columns))
    if n == 2:
        return diagonal(v, offset=k)
    raise shape_error("diag", f"needs a vector or a matrix; got {n} axes")
