"""diffkit's ops: the functions a program is written with.

Elementwise ops are the primitives themselves (``dk.exp(x)``); ops with parameters
(an axis, a shape, a slope) are small functions that pass those on as keywords.
"""

import sys as _sys

import numpy as _np

from ..core.values import bind_op_table as _bind_op_table
from ..core.values import plain_index as _plain_index
from . import arrays as _arrays
from .array_api import cumulative_prod, cumulative_sum, matvec, vecdot, vecmat
from . import linalg, special
from . import softmax as _softmax
from .creation import empty, empty_like, full, full_like, ones, ones_like, zeros, zeros_like
from .indexing import at, diag, diagonal, setitem, take, take_along_axis, trace, tril, triu
from .calculus import interp, trapezoid
from .positions import argwhere, flatnonzero, nonzero
from .conversions import deg2rad, degrees, imag, rad2deg, radians, real
from .polynomials import convolve, correlate, polyval
from .products import cross, dot, einsum, inner, kron, outer, tensordot, vdot
from .reductions import argmax, argmin, average, cumprod, cumsum, diff, max, min, norm, prod, ptp, std, var
from .shaping import (
    append,
    array_split,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    column_stack,
    copy,
    dsplit,
    dstack,
    expand_dims,
    flip,
    fliplr,
    flipud,
    hsplit,
    hstack,
    moveaxis,
    pad,
    ravel,
    repeat,
    roll,
    rot90,
    split,
    squeeze,
    swapaxes,
    tile,
    vsplit,
    vstack,
)
from .nan_reductions import nan_to_num, nanmax, nanmean, nanmin, nansum
from .selecting import piecewise, select
from .sorting import argpartition, argsort, median, partition, percentile, quantile, sort
from .value_tests import allclose, isclose, isfinite, isinf, isnan
from .unary import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cbrt,
    ceil,
    cosh,
    erf,
    exp2,
    expm1,
    floor,
    hypot,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    reciprocal,
    round,
    sinc,
    sinh,
    softplus,
    tan,
    trunc,
)
from .arrays import matmul, unbroadcast
from .elementwise import (
    abs,
    add,
    cos,
    divide,
    exp,
    heaviside,
    log,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    subtract,
    tanh,
)
from .elementwise import elu as _elu
from .elementwise import where as _where
from .elementwise import leaky_relu as _leaky_relu


def leaky_relu(x, alpha=0.01):
    """max(x, alpha * x): a ReLU whose negative side keeps slope ``alpha``."""
    return _leaky_relu(x, alpha=alpha)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _elu(x, alpha=alpha)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default)."""
    return _arrays.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes by default)."""
    return _arrays.mean(x, axis=axis, keepdims=keepdims)


def reshape(x, shape):
    """x with a new shape (NumPy rules, one -1 allowed)."""
    sequence = isinstance(shape, (list, tuple)) or isinstance(shape, _np.ndarray) and shape.ndim == 1
    return _arrays.reshape(x, shape=tuple(shape) if sequence else (shape,))


def transpose(x, axes=None):
    """x with its axes permuted (reversed by default)."""
    return _arrays.transpose(x, axes=None if axes is None else tuple(axes))


def broadcast_to(x, shape):
    """x broadcast to ``shape``; its gradient is summed back over the copies."""
    return _arrays.broadcast_to(x, shape=tuple(shape))


def getitem(x, index):
    """x[index]; the gradient is scattered back (added where an index repeats)."""
    return _arrays.getitem(x, index=_plain_index(index))


def stack(arrays, axis=0):
    """Stack equal-shaped arrays along a new axis."""
    return _arrays.stack(*arrays, axis=axis)


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis; ``axis=None`` joins them flattened, as NumPy does."""
    if axis is None:  # each flattened first, so every method's rules see an axis
        return _arrays.concatenate(*[ravel(a) for a in arrays], axis=0)
    return _arrays.concatenate(*arrays, axis=axis)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    return _softmax.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    return _softmax.log_softmax(x, axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) along ``axis``, computed without overflow."""
    return _softmax.logsumexp(x, axis=axis, keepdims=keepdims)


def square(x):
    """x ** 2."""
    return power(x, 2)


def where(condition, x=None, y=None):
    """x where the condition holds, else y; each branch gets gradient only where it is chosen.
    With the condition alone, the positions where it holds (:func:`nonzero`)."""
    if x is None and y is None:  # np.where(condition): the positions where it holds
        return nonzero(condition)
    if x is None or y is None:
        from .. import errors

        raise errors.InputError(
            "dk.where takes three arguments, where(condition, x, y), or the condition alone for the positions "
            "where it holds (np.where(c), as np.nonzero(c)); give both x and y"
        )
    return _where(condition, x, y)


def clip(a, a_min=None, a_max=None):
    """a limited to [a_min, a_max]; at a bound the gradient is shared, as in dk.maximum."""
    if a_min is not None:
        a = maximum(a, a_min)
    if a_max is not None:
        a = minimum(a, a_max)
    return a


fabs = absolute = abs
true_divide = divide
amax, amin = max, min


def flatten(a, order="C"):
    """``x.flatten()``: the entries of ``a`` as one row, a new array (NumPy's ravel may be a view)."""
    return copy(ravel(a, order))


row_stack = vstack

OPS = (
    "abs absolute add amax amin append arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin "
    "allclose argpartition argsort argwhere array_split at atleast_1d atleast_2d atleast_3d average "
    "broadcast_to cbrt ceil clip column_stack concatenate convolve copy correlate cos cosh cross cumprod "
    "cumsum cumulative_prod cumulative_sum deg2rad degrees diag diagonal diff divide dot dsplit dstack "
    "einsum elu empty empty_like erf exp exp2 expand_dims expm1 fabs flatnonzero flatten flip fliplr "
    "flipud floor full full_like getitem heaviside hsplit hstack hypot imag inner interp isclose isfinite "
    "isinf isnan kron leaky_relu log log10 log1p log2 log_softmax logaddexp logaddexp2 logsumexp matmul "
    "matvec max maximum mean median min minimum moveaxis multiply nan_to_num nanmax nanmean nanmin nansum "
    "negative nonzero norm ones ones_like outer pad partition percentile piecewise polyval power prod ptp "
    "quantile rad2deg radians ravel real reciprocal relu repeat reshape roll rot90 round row_stack select "
    "setitem sigmoid sign sin sinc sinh softmax softplus sort split sqrt square squeeze stack std "
    "subtract sum swapaxes take take_along_axis tan tanh tensordot tile transpose trapezoid tril triu "
    "true_divide trunc var vdot vecdot vecmat vsplit vstack where zeros zeros_like"
).split()

# ``trace`` (np.trace, x.trace()) is an op of the table but not ``dk.trace``, which draws a computation.
__all__ = OPS + ["linalg", "special", "unbroadcast"]

_bind_op_table(_sys.modules[__name__])
