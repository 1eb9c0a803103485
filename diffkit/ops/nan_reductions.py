"""NaN-aware ops: nan_to_num, nansum, nanmean, nanmax and nanmin.

Why these are built, not primitives: each is ``where`` with the NaN mask (:func:`isnan`, a
plain mask read from the values) followed by an op every method already differentiates.
A NaN entry is replaced by a constant before the reduction (0 for a sum, -inf for a max,
+inf for a min), so it gets gradient 0 and the other entries get what sum, mean, max and
min give them; ``where`` sends nothing to the branch not taken, so a NaN made by the
program (0/0, the log of a negative number) does not make the gradient NaN either.

Values are NumPy's: a slice with no number gives NaN for nanmean, nanmax and nanmin (0
for nansum), as NumPy does (without its RuntimeWarning), and its gradient is 0.
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.option_values import refuse_option_values
from ..core.values import is_operand, short_repr
from .arrays import sum
from .elementwise import divide, where
from .reductions import max, min
from .shapes import as_operand, dtype_of
from .value_tests import isnan


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (by default the
    largest and the most negative finite numbers of its dtype), as ``np.nan_to_num``. The entries
    replaced get gradient 0 (or go to ``nan``/``posinf``/``neginf`` where those are diffkit values)."""
    where_ = user_location() or "an unknown line"
    if not copy:
        raise errors.InputError(
            f"dk.nan_to_num got copy={short_repr(copy)} at {where_}: NumPy would replace the entries in place, "
            "which a differentiated value cannot; write x = np.nan_to_num(x), a new value"
        )
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and not is_operand(value):
            raise errors.InputError(f"dk.nan_to_num got {name}={short_repr(value)} at {where_}: {name} is a number")
    x = as_operand(x)
    dtype = dtype_of(x)
    if dtype.kind not in "fc":  # integers and booleans hold no NaN or infinity: NumPy returns them as they are
        return x
    finfo = np.finfo(dtype)
    replaced = where(isnan(x), nan, x)
    replaced = where(x == np.inf, finfo.max if posinf is None else posinf, replaced)
    return where(x == -np.inf, finfo.min if neginf is None else neginf, replaced)


def nansum(a, axis=None, keepdims=False):
    """The sum over ``axis`` (all axes by default) of the entries that are not NaN, as ``np.nansum``
    (0 for a slice of NaN only); NaN entries get gradient 0."""
    filled, _ = _filled("nansum", a, 0.0, axis, keepdims)
    return sum(filled, axis=axis, keepdims=keepdims)


def nanmean(a, axis=None, keepdims=False):
    """The mean over ``axis`` of the entries that are not NaN, as ``np.nanmean``: NaN for a slice of
    NaN only (with gradient 0), else each number gets 1/count of the gradient, NaN entries 0."""
    filled, count = _filled("nanmean", a, 0.0, axis, keepdims)
    empty = count == 0
    total = sum(filled, axis=axis, keepdims=keepdims)
    return where(empty, np.nan, divide(total, where(empty, 1.0, count)))  # no 0/0 (nor its warning)


def nanmax(a, axis=None, keepdims=False):
    """The largest entry over ``axis`` that is not NaN, as ``np.nanmax`` (NaN for a slice of NaN
    only); ties share the gradient, as in dk.max, and NaN entries get 0."""
    return _extremum("nanmax", max, -np.inf, a, axis, keepdims)


def nanmin(a, axis=None, keepdims=False):
    """The smallest entry over ``axis`` that is not NaN, as ``np.nanmin`` (NaN for a slice of NaN
    only); ties share the gradient, as in dk.min, and NaN entries get 0."""
    return _extremum("nanmin", min, np.inf, a, axis, keepdims)


def _filled(op, a, fill, axis, keepdims):
    """``a`` with its NaN entries replaced by ``fill``, and the count of numbers (not NaN) in each
    slice over ``axis`` (``axis`` and ``keepdims`` checked for ``op``)."""
    refuse_option_values(f"dk.{op}", {"axis": axis, "keepdims": keepdims})
    a = as_operand(a)
    nan = isnan(a)
    return where(nan, fill, a), sum(where(nan, 0.0, 1.0), axis=axis, keepdims=keepdims)


def _extremum(op, reduce, fill, a, axis, keepdims):
    """``reduce`` (dk.max or dk.min) of ``a`` with NaN entries set to ``fill``, NaN where a slice has no number."""
    filled, count = _filled(op, a, fill, axis, keepdims)
    return where(count == 0, np.nan, reduce(filled, axis=axis, keepdims=keepdims))
