"""Sorting and order statistics: argsort, sort, argpartition, partition, median, quantile and percentile.

Why these are built, not primitives: a sort is a permutation read from the values, and an
order statistic is one or two entries of that permutation. So ``dk.argsort`` (and
``dk.argpartition``) is a plain position read from the values (no derivative), exactly as
``dk.argmax``, and the rest are written with ops that every method already differentiates:
``sort`` (and ``partition``) picks the entries with ``take_along_axis``, and ``median``/``quantile`` interpolate linearly between two
neighbouring entries of the sorted array (NumPy's default ``method="linear"``). The
gradient of ``sort`` is the permutation; that of a quantile is the interpolation weights
``1 - t`` and ``t`` on the two entries it lies between.

Conventions, the same in every method:

- ties: ``sort`` orders tied entries as a stable sort does (by their position in the
  array), unless ``kind=`` or ``stable=`` asks NumPy for another order; the gradient then
  follows that permutation: the first of two tied entries gets the earlier place's
  gradient. (It is one of the one-sided derivatives; ``dk.max``, a primitive, shares the
  gradient of a tied maximum instead, so ``sort(x)[-1]`` and ``max(x)`` differ at a tie.)
  A median between two equal entries gives each of them 1/2, as between any two;
- the symbolic methods cannot read the order of symbols: they raise
  :class:`~diffkit.errors.SymbolicControlFlowError`;
- ``dk.compile_grad`` recomputes the order in its code and checks it against the one it
  recorded: a call whose arguments sort in another order raises
  :class:`~diffkit.errors.ControlFlowChangedError` (compile again there, or use dk.grad).
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.option_values import refuse_option_values
from ..core.values import BoxedValue, read_position, short_repr
from .arrays import getitem, mean, reshape, transpose
from .elementwise import where
from .indexing import take, take_along_axis
from .shapes import as_operand, keepdims_shape, normalize_axes, shape_error, shape_of
from .shaping import ravel


def argsort(a, axis=-1, kind=None, stable=None):
    """Positions that sort ``a`` along ``axis`` (the flattened array for ``axis=None``), as
    ``np.argsort`` with the same ``kind``/``stable``: plain integers read from the values, no derivative."""
    return _order("argsort", a, axis, kind, stable)


def sort(a, axis=-1, kind=None, stable=None):
    """``a`` sorted along ``axis`` (flattened for ``axis=None``): the entries picked by :func:`argsort`,
    so the gradient is the permutation. Tied entries keep their order (a stable sort) unless
    ``kind``/``stable`` ask for NumPy's other orders; the values are the same either way."""
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), -1
    elif not shape_of(a):
        raise shape_error("sort", f"axis={axis!r} of a number: a number has no axis to sort along; "
                                  "sort it with axis=None (a one-entry array)")
    if kind is None and stable is None:
        kind = "stable"
    return take_along_axis(a, _order("sort", a, axis, kind, stable), axis=axis)


def _order(op, a, axis, kind, stable):
    """``np.argsort`` of ``a``'s values, read as a position (see :func:`argsort`), its options checked for ``op``."""
    options = {name: value for name, value in (("kind", kind), ("stable", stable)) if value is not None}
    refuse_option_values(f"dk.{op}", {"axis": axis, **options})
    if len(options) == 2:
        raise errors.InputError(f"dk.{op} got kind={kind!r} and stable={stable!r} at "
                                f"{user_location() or 'an unknown line'}: give one of them, as NumPy takes")
    return read_position(np.argsort, (a,), {"axis": axis, **options})


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Positions that partition ``a`` along ``axis`` (flattened for ``axis=None``) around the ``kth``
    entries (an int or a sequence of ints), as ``np.argpartition``: plain integers read from the values."""
    return _partition_order("argpartition", a, kth, axis, kind, order)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``a`` partitioned along ``axis`` (flattened for ``axis=None``) around the ``kth`` entries, as
    ``np.partition``, entry for entry: the entries picked by :func:`argpartition` (the layout
    NumPy's own partition gives), so the gradient is that permutation."""
    a = as_operand(a)
    positions = _partition_order("partition", a, kth, axis, kind, order)
    if axis is None:
        a, axis = ravel(a), -1
    return take_along_axis(a, positions, axis=axis)


def _partition_order(op, a, kth, axis, kind, order):
    """``np.argpartition`` of ``a``'s values, read as a position, its options checked for ``op``."""
    refuse_option_values(f"dk.{op}", {"axis": axis, "kth": kth})
    if kind != "introselect" or order is not None:
        given = f"kind={short_repr(kind)}" if kind != "introselect" else f"order={short_repr(order)}"
        raise errors.InputError(
            f"dk.{op} got {given} at {_here()}: NumPy's partition takes kind='introselect' only, and order= "
            "names fields of a structured array, which a diffkit value has not; leave them out"
        )
    shape = shape_of(a)
    if axis is not None and not shape:
        raise shape_error(op, f"axis={axis!r} of a number: a number has no axis to partition along; "
                              "partition it with axis=None (a one-entry array)")
    n = int(np.prod(shape, dtype=np.intp)) if axis is None else shape[normalize_axes(axis, len(shape))[0]]
    kth = int(kth) if np.ndim(kth) == 0 else tuple(int(k) for k in np.ravel(kth))  # a literal in compiled code
    kths = np.ravel(kth)
    if not np.all((-n <= kths) & (kths < n)):
        raise errors.InputError(
            f"dk.{op} got kth={short_repr(kth)} at {_here()}: along an axis of {n} entries kth is in "
            f"[{-n}, {n - 1}], as NumPy takes"
        )
    return read_position(np.argpartition, (a,), {"kth": kth, "axis": axis})


def median(a, axis=None, keepdims=False):
    """The median over ``axis`` (all axes by default), as ``np.median``: the middle entry of the
    sorted values, or the mean of the two middle ones, which then get 1/2 of the gradient each."""
    ordered = _sorted_along_last(a, axis, keepdims, "median")
    n = shape_of(ordered)[-1]
    middle = mean(getitem(ordered, index=(..., slice((n - 1) // 2, n // 2 + 1))), axis=-1, keepdims=True)
    return reshape(_nan_where_nan(ordered, middle), shape=_result_shape(a, axis, keepdims))


def quantile(a, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantile (``q`` a number or an array of numbers in [0, 1]) over ``axis``, as
    ``np.quantile`` with its default ``method="linear"``: between the sorted entries ``k`` and ``k + 1``
    around ``q * (n - 1)``, weighted ``1 - t`` and ``t``. The result has ``q``'s shape first."""
    return _quantile(a, _levels("quantile", q, method, 1), axis, keepdims, "quantile")


def percentile(a, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` with ``q`` in percent (in [0, 100]), as ``np.percentile``."""
    return _quantile(a, _levels("percentile", q, method, 100), axis, keepdims, "percentile")


def _levels(op, q, method, scale):
    """``q`` as a float array of fractions in [0, 1], or an InputError naming what is wrong."""
    if method != "linear":
        raise errors.InputError(
            f"dk.{op} got method={short_repr(method)} at {_here()}: diffkit interpolates as NumPy's default, "
            f"method='linear'; leave method out (or write method='linear')"
        )
    if isinstance(q, BoxedValue):
        raise errors.InputError(
            f"dk.{op} got a differentiated q at {_here()}: q is plain numbers (the derivative with respect to q "
            "is not followed); compute q from plain arrays"
        )
    try:
        levels = None if q is None else np.asarray(q, dtype=float)  # np.asarray(None, dtype=float) is NaN
    except (TypeError, ValueError):
        levels = None
    if levels is None:
        raise errors.InputError(f"dk.{op} got q={short_repr(q)} at {_here()}: q is a number or an array of numbers")
    levels = np.true_divide(levels, scale)  # as np.percentile divides
    if not np.all((levels >= 0) & (levels <= 1)):  # NaN fails too
        unit = "a fraction, 0.25 for the first quartile (dk.percentile takes percents)" if scale == 1 else \
            "in percent, 25 for the first quartile (dk.quantile takes fractions)"
        raise errors.InputError(
            f"dk.{op} got q={short_repr(q)} at {_here()}: q must be in [0, {scale}], {unit}"
        )
    return levels


def _here():
    return user_location() or "an unknown line"


def _quantile(a, levels, axis, keepdims, op):
    ordered = _sorted_along_last(a, axis, keepdims, op)
    n = shape_of(ordered)[-1]
    position = (n - 1) * levels.ravel()  # NumPy's virtual index for method="linear"
    below = np.clip(np.floor(position).astype(np.intp), 0, n - 1)
    above = np.minimum(below + 1, n - 1)
    t = position - below
    low, high = take(ordered, below, axis=-1), take(ordered, above, axis=-1)
    step = high - low
    # NumPy's _lerp, term for term (from the nearer end), so the values agree to the last bit
    out = _nan_where_nan(ordered, where(t >= 0.5, high - step * (1 - t), low + step * t))
    last = len(shape_of(out)) - 1  # the levels' axis, first in NumPy's result
    out = transpose(out, axes=(last,) + tuple(range(last)))
    return reshape(out, shape=levels.shape + _result_shape(a, axis, keepdims))


def _sorted_along_last(a, axis, keepdims, op):
    """``a`` with the axes ``axis`` (all for None) moved last and merged into one, sorted along it
    (``axis`` and ``keepdims`` checked for ``op``)."""
    refuse_option_values(f"dk.{op}", {"axis": axis, "keepdims": keepdims})
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape))
    rest = tuple(d for d in range(len(shape)) if d not in axes)
    n = int(np.prod([shape[d] for d in axes], dtype=np.intp))
    if n == 0:
        raise errors.ShapeError(
            f"dk.{op} at {user_location() or 'an unknown line'} got no entries to take it of (shape {shape}, "
            f"axis={axis!r}); NumPy would give NaN: reduce over an axis that has entries"
        )
    if rest + axes != tuple(range(len(shape))):
        a = transpose(a, axes=rest + axes)
    return sort(reshape(a, shape=tuple(shape[d] for d in rest) + (n,)), axis=-1)


def _result_shape(a, axis, keepdims):
    """The shape of a reduction of ``a`` over ``axis`` (all axes for None), ``keepdims`` or not."""
    shape = shape_of(a)
    if keepdims:
        return keepdims_shape(shape, axis)
    axes = normalize_axes(axis, len(shape))
    return tuple(n for d, n in enumerate(shape) if d not in axes)


def _nan_where_nan(ordered, out):
    """``out`` with NaN where its slice of ``ordered`` holds a NaN (sorted last), as NumPy gives."""
    last = getitem(ordered, index=(..., slice(-1, None)))
    return where(last != last, np.nan, out)
