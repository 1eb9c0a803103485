"""Shapes: squeezing, flattening, moving axes, flipping, rolling, tiling, repeating,
padding, splitting and stacking, with NumPy's signatures and rules.

Each is written with the table's reshape, transpose, getitem, broadcast_to and
concatenate, so every method follows it and its derivative comes from theirs: a flip
or a roll is indexing (its gradient is scattered back), a tile is a broadcast (its
gradient is summed over the copies), padding by edge, reflection or wrapping is
indexing with repeated indices (the gradients of a repeated entry add up), constant
padding a concatenation. Only ``copy`` is a primitive of its own: a new value, so that
an item assignment into the copy leaves the original alone.
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.option_values import refuse_option_values
from ..core.primitive import Primitive
from .arrays import broadcast_to, concatenate, getitem, reshape, transpose
from .shapes import dtype_of, ndim_of, normalize_axes, shape_error, shape_of
from .sympy_faces import as_object_array


# --- copy ------------------------------------------------------------------------------------
def _copy_numpy(x):
    return np.array(x, copy=True)


def _copy_sympy(x):
    return as_object_array(x).copy()


def _copy_rule(g, out, x):
    return g


_copy = Primitive("copy", _copy_numpy, _copy_sympy, (_copy_rule,), jvp=(_copy_rule,), doc="A new array with x's values.")


def copy(a):
    """A copy of ``a``: an item assignment into it leaves ``a`` as it was."""
    return _copy(a)


# --- adding and removing axes of length 1 ---------------------------------------------------------
def squeeze(a, axis=None):
    """``a`` without its axes of length 1 (or only those in ``axis``)."""
    shape = shape_of(a)
    if axis is None:
        return reshape(a, shape=tuple(n for n in shape if n != 1))
    axes = normalize_axes(axis, len(shape))
    for ax in axes:
        if shape[ax] != 1:
            raise shape_error("squeeze", f"axis {ax} has length {shape[ax]}; only axes of length 1 can be squeezed out")
    return reshape(a, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


def expand_dims(a, axis):
    """``a`` with new axes of length 1 at the positions ``axis`` of the result."""
    shape = shape_of(a)
    given = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = len(shape) + len(given)
    axes = normalize_axes(given, out_ndim)
    if len(set(axes)) != len(axes):
        raise shape_error("expand_dims", f"axis={axis!r} names a position twice")
    rest = iter(shape)
    return reshape(a, shape=tuple(1 if i in axes else next(rest) for i in range(out_ndim)))


def ravel(a, order="C"):
    """The entries of ``a`` as one row, in C order (``x.flatten()`` too)."""
    if order not in ("C", "A", "K"):
        raise errors.InputError(f"dk.ravel: order={order!r}; diffkit flattens in C order (order='C')")
    return reshape(a, shape=(-1,))


def _at_least(arrays, ndim, place):
    shaped = []
    for a in arrays:
        shape = shape_of(a)
        shaped.append(a if len(shape) >= ndim else reshape(a, shape=place(shape)))
    return shaped[0] if len(shaped) == 1 else tuple(shaped)


def atleast_1d(*arys):
    """Each argument with at least one axis (a scalar becomes shape (1,))."""
    return _at_least(arys, 1, lambda shape: (1,))


def atleast_2d(*arys):
    """Each argument with at least two axes (a row (1, n) for a vector)."""
    return _at_least(arys, 2, lambda shape: (1,) * (2 - len(shape)) + shape)


def _three_axes(shape):
    return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]


def atleast_3d(*arys):
    """Each argument with at least three axes: (1, n, 1) for a vector, (m, n, 1) for a matrix."""
    return _at_least(arys, 3, _three_axes)


# --- moving axes ----------------------------------------------------------------------------------
def swapaxes(a, axis1, axis2):
    """``a`` with two axes exchanged."""
    n = ndim_of(a)
    (first,), (second,) = normalize_axes(axis1, n), normalize_axes(axis2, n)
    order = list(range(n))
    order[first], order[second] = order[second], order[first]
    return transpose(a, axes=tuple(order))


def moveaxis(a, source, destination):
    """``a`` with the axes ``source`` moved to the positions ``destination`` (NumPy's rule)."""
    n = ndim_of(a)
    sources = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    destinations = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(sources) != len(destinations):
        raise shape_error("moveaxis", "source and destination must name the same number of axes")
    sources = tuple(normalize_axes(s, n)[0] for s in sources)
    destinations = tuple(normalize_axes(d, n)[0] for d in destinations)
    if len(set(sources)) != len(sources) or len(set(destinations)) != len(destinations):
        raise shape_error("moveaxis", "an axis is named twice")
    order = [i for i in range(n) if i not in sources]
    for dest, src in sorted(zip(destinations, sources)):
        order.insert(dest, src)
    return transpose(a, axes=tuple(order))


# --- flipping, rotating, rolling ------------------------------------------------------------------
def flip(m, axis=None):
    """``m`` read backwards along ``axis`` (every axis by default)."""
    n = ndim_of(m)
    axes = normalize_axes(axis, n)
    return getitem(m, index=tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(n)))


def fliplr(m):
    """``m`` with its columns in reverse order."""
    if ndim_of(m) < 2:
        raise shape_error("fliplr", f"needs at least two axes; got shape {shape_of(m)}")
    return flip(m, 1)


def flipud(m):
    """``m`` with its rows in reverse order."""
    if ndim_of(m) < 1:
        raise shape_error("flipud", "needs at least one axis; got a scalar")
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes`` (NumPy's definition)."""
    n = ndim_of(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise shape_error("rot90", "axes must name two axes")
    first, second = normalize_axes(axes[0], n)[0], normalize_axes(axes[1], n)[0]
    if first == second:
        raise shape_error("rot90", "axes must be different")
    k %= 4
    if k == 0:
        return copy(m)
    if k == 2:
        return flip(flip(m, first), second)
    order = list(range(n))
    order[first], order[second] = order[second], order[first]
    if k == 1:
        return transpose(flip(m, second), axes=tuple(order))
    return flip(transpose(m, axes=tuple(order)), second)


def roll(a, shift, axis=None):
    """``a`` with entries shifted along ``axis``, those pushed off the end coming back at the start."""
    refuse_option_values("dk.roll", {"shift": shift, "axis": axis})
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape=shape_of(a))
    shape = shape_of(a)
    n = len(shape)
    totals = {}
    shifts, axes = np.broadcast_arrays(np.atleast_1d(np.asarray(shift, dtype=int)), np.atleast_1d(np.asarray(axis, dtype=int)))
    for s, ax in zip(shifts, axes):
        ax = normalize_axes(int(ax), n)[0]
        totals[ax] = totals.get(ax, 0) + int(s)
    for ax, s in totals.items():
        if shape[ax]:
            order = (np.arange(shape[ax]) - s) % shape[ax]
            a = getitem(a, index=(slice(None),) * ax + (order,))
    return a


# --- tiling and repeating -------------------------------------------------------------------------
def tile(A, reps):
    """``A`` repeated ``reps`` times along each axis (NumPy's rule for unequal lengths)."""
    refuse_option_values("dk.tile", {"reps": reps})
    reps = tuple(int(r) for r in np.atleast_1d(reps))
    shape = shape_of(A)
    d = len(shape) if len(shape) > len(reps) else len(reps)
    shape = (1,) * (d - len(shape)) + tuple(shape)
    reps = (1,) * (d - len(reps)) + reps
    spread = reshape(A, shape=tuple(n for s in shape for n in (1, s)))
    copies = broadcast_to(spread, shape=tuple(n for r, s in zip(reps, shape) for n in (r, s)))
    tiled = reshape(copies, shape=tuple(r * s for r, s in zip(reps, shape)))
    return copy(tiled) if all(r == 1 for r in reps) else tiled  # a new array, as NumPy's, never a view of A


def repeat(a, repeats, axis=None):
    """Each entry of ``a`` repeated ``repeats`` times along ``axis`` (of the flattened array by default)."""
    refuse_option_values("dk.repeat", {"repeats": repeats, "axis": axis})
    if axis is None:
        a, axis = ravel(a), 0
    shape = shape_of(a)
    (ax,) = normalize_axes(axis, len(shape))
    order = np.repeat(np.arange(shape[ax]), repeats)
    return getitem(a, index=(slice(None),) * ax + (order,))


# --- padding ------------------------------------------------------------------------------------------
_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pairs(value, n, name):
    """NumPy's (before, after) pair for each of ``n`` axes, from a number, a pair or one pair per axis."""
    try:
        return np.broadcast_to(np.asarray(value), (n, 2))
    except ValueError:
        raise shape_error("pad", f"{name}={value!r} does not give (before, after) for each of {n} axes") from None


def pad(array, pad_width, mode="constant", constant_values=0, reflect_type="even"):
    """``np.pad`` with mode constant, edge, reflect, symmetric or wrap."""
    refuse_option_values("dk.pad", {"pad_width": pad_width})
    shape = shape_of(array)
    n = len(shape)
    widths = _pairs(pad_width, n, "pad_width")
    if widths.dtype.kind not in "iu" and not np.all(np.round(widths) == widths) or np.any(widths < 0):
        raise shape_error("pad", f"pad_width={pad_width!r} must be non-negative whole numbers")
    widths = widths.astype(int)
    if mode == "constant":
        values = _pairs(constant_values, n, "constant_values")
        result = array
        for ax in range(n):
            before, after = (int(w) for w in widths[ax])
            if not before and not after:
                continue
            current = shape_of(result)
            dtype = np.result_type(dtype_of(result), np.asarray(values[ax]).dtype)
            pieces = [np.full(current[:ax] + (before,) + current[ax + 1 :], values[ax][0], dtype=dtype)]
            pieces += [result, np.full(current[:ax] + (after,) + current[ax + 1 :], values[ax][1], dtype=dtype)]
            result = concatenate(*pieces, axis=ax)
        return copy(result) if result is array else result  # nothing to pad: a new array all the same
    if mode in _INDEX_MODES:
        options = {}
        if mode in ("reflect", "symmetric"):
            if reflect_type != "even":
                raise errors.NonDiffkitFunctionError(
                    f"dk.pad: reflect_type={reflect_type!r} ({user_location() or 'an unknown line'}); diffkit pads "
                    "with reflect_type='even', the default"
                )
            options["reflect_type"] = reflect_type
        maps = [np.pad(np.arange(shape[ax]), widths[ax], mode=mode, **options) for ax in range(n)]
        return getitem(array, index=np.ix_(*maps))
    raise errors.NonDiffkitFunctionError(
        f"dk.pad: mode={mode!r} ({user_location() or 'an unknown line'}); diffkit pads with mode 'constant', "
        + ", ".join(repr(m) for m in _INDEX_MODES)
    )


# --- splitting ----------------------------------------------------------------------------------------
def _pieces(ary, indices_or_sections, axis, equal, name):
    shape = shape_of(ary)
    (ax,) = normalize_axes(axis, len(shape))
    length = shape[ax]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise shape_error(name, f"the number of sections must be positive; got {sections}")
        if equal and length % sections:
            raise shape_error(name, f"an axis of length {length} does not split into {sections} equal parts")
        each, extra = divmod(length, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [length]
    return [
        getitem(ary, index=(slice(None),) * ax + (slice(int(start), int(stop)),))
        for start, stop in zip(bounds[:-1], bounds[1:])
    ]


def split(ary, indices_or_sections, axis=0):
    """``ary`` cut along ``axis`` into equal sections, or at the given indices."""
    refuse_option_values("dk.split", {"indices_or_sections": indices_or_sections, "axis": axis})
    return _pieces(ary, indices_or_sections, axis, equal=True, name="split")


def array_split(ary, indices_or_sections, axis=0):
    """As :func:`split`, allowing sections of unequal length (the first ones one longer)."""
    refuse_option_values("dk.array_split", {"indices_or_sections": indices_or_sections, "axis": axis})
    return _pieces(ary, indices_or_sections, axis, equal=False, name="array_split")


def hsplit(ary, indices_or_sections):
    """Split along the columns (axis 1; axis 0 for a vector)."""
    n = ndim_of(ary)
    if n == 0:
        raise shape_error("hsplit", "needs at least one axis")
    return split(ary, indices_or_sections, axis=1 if n > 1 else 0)


def vsplit(ary, indices_or_sections):
    """Split along the rows (axis 0) of an array with at least two axes."""
    if ndim_of(ary) < 2:
        raise shape_error("vsplit", "needs at least two axes")
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary, indices_or_sections):
    """Split along the third axis of an array with at least three axes."""
    if ndim_of(ary) < 3:
        raise shape_error("dsplit", "needs at least three axes")
    return split(ary, indices_or_sections, axis=2)


# --- stacking -------------------------------------------------------------------------------------------
def _listed(arrays, name):
    arrays = list(arrays)
    if not arrays:
        raise shape_error(name, "needs at least one array to join")
    return arrays


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def hstack(tup):
    """Join along the columns (along the only axis for vectors)."""
    arrays = _as_tuple(atleast_1d(*_listed(tup, "hstack")))
    return concatenate(*arrays, axis=0 if ndim_of(arrays[0]) == 1 else 1)


def vstack(tup):
    """Join along the rows, vectors becoming rows."""
    return concatenate(*_as_tuple(atleast_2d(*_listed(tup, "vstack"))), axis=0)


def dstack(tup):
    """Join along the third axis (see :func:`atleast_3d`)."""
    return concatenate(*_as_tuple(atleast_3d(*_listed(tup, "dstack"))), axis=2)


def column_stack(tup):
    """Vectors as the columns of a matrix; matrices joined along their columns."""
    columns = []
    for a in _listed(tup, "column_stack"):
        shape = shape_of(a)
        columns.append(reshape(a, shape=(-1, 1)) if len(shape) < 2 else a)
    return concatenate(*columns, axis=1)


def append(arr, values, axis=None):
    """``values`` joined after ``arr`` along ``axis`` (both flattened by default)."""
    if axis is None:
        return concatenate(ravel(arr), ravel(values), axis=0)
    return concatenate(arr, values, axis=axis)
