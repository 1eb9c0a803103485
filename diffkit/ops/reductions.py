"""Reductions beyond sum and mean: max and min (and ptp, their difference), products,
cumulative sums and products, the Euclidean norm; argmax, var, std, average and every
``np.linalg.norm`` order built on them.

Conventions, the same in every method:

- a maximum (or minimum) attained by k entries of a slice sends each of them 1/k of the
  gradient, the kink convention of ``dk.maximum`` (the mean of the one-sided derivatives):
  ``max([x, x])`` and ``maximum(x, x)`` both give 1/2 to each copy, and ``max([x, x, x])``
  1/3 to each (the SymPy face is one n-ary function whose derivative is that share,
  :class:`~diffkit.ops.sympy_functions.Largest`; a fold of ``dk.maximum`` is binary, so
  its ties of three split as its pairs do);
- the derivative of a norm at 0 is 0 (the mean of the one-sided derivatives of ``|x|``);
- ``prod`` is exact with zeros in the input: the derivative with respect to an entry is
  the product of the other entries, formed as such when there are zeros (no 0/0).
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.kinks import kink_convention
from ..core.option_values import refuse_option_values
from ..core.lazy import sympy
from ..core.primitive import Primitive
from ..core.values import plain_value, read_position
from .arrays import broadcast_to, concatenate, getitem, mean, reduced_count, reshape, spread_back, sum, transpose
from .elementwise import abs, power, sqrt, subtract, where
from .shapes import AxisError, keepdims_shape, ndim_of, normalize_axes, shape_error, shape_of
from .sympy_faces import as_object_array, elementwise, functions, reduce_along

_sympy_sqrt = elementwise("sqrt")


def numpy_axis(x, axis):
    """``axis`` checked as NumPy checks it, in the form NumPy's reductions take (None: all axes)."""
    axes = normalize_axes(axis, np.ndim(x))
    return None if axis is None or np.ndim(x) == 0 else axes


def _kept(out, x, axis, keepdims):
    """A reduction's output with the reduced axes kept (size 1), to broadcast against ``x``."""
    return out if keepdims else reshape(out, shape=keepdims_shape(shape_of(x), axis))


def _reduction_rules(name, slope):
    """VJP and JVP of a reduction whose derivative at each entry is ``slope(x, out, axis, keepdims)``."""

    def vjp(g, out, x, axis=None, keepdims=False):
        return spread_back(g, shape_of(x), axis, keepdims) * slope(x, out, axis, keepdims)

    def jvp(t, out, x, axis=None, keepdims=False):
        return sum(t * slope(x, out, axis, keepdims), axis=axis, keepdims=keepdims)

    vjp.__name__, jvp.__name__ = f"_{name}_vjp", f"_{name}_jvp"
    return vjp, jvp


# --- max and min ---------------------------------------------------------------------------
def _max_numpy(x, axis=None, keepdims=False):
    return np.max(x, axis=numpy_axis(x, axis), keepdims=keepdims)


def _min_numpy(x, axis=None, keepdims=False):
    return np.min(x, axis=numpy_axis(x, axis), keepdims=keepdims)


def _max_sympy(x, axis=None, keepdims=False):
    return reduce_along(x, functions.Largest, axis=axis, keepdims=keepdims)


def _min_sympy(x, axis=None, keepdims=False):
    return reduce_along(x, functions.Smallest, axis=axis, keepdims=keepdims)


def _tie_shares(x, out, axis, keepdims):
    """The share of each entry in its slice's extremum: 0 where it is not attained; where k
    entries attain it, 1/k each under the default kink convention ("mean"), 1 each under
    "one" and 0 each under "zero" (as ``dk.maximum`` treats a tie of two)."""
    hit = x == _kept(out, x, axis, keepdims)
    convention = kink_convention()
    if convention == "mean":
        return hit / sum(hit, axis=axis, keepdims=True)
    alone = sum(hit, axis=axis, keepdims=True) == 1  # a single extremum is no kink
    return hit * (alone + (1 - alone) * (1.0 if convention == "one" else 0.0))


_extremum_vjp, _extremum_jvp = _reduction_rules("extremum", _tie_shares)


_max = Primitive(
    "max", _max_numpy, _max_sympy, (_extremum_vjp,), analytic=False, selects=True, jvp=(_extremum_jvp,),
    doc="Largest entry over an axis (or all); tied maxima share the gradient equally.",
)
_min = Primitive(
    "min", _min_numpy, _min_sympy, (_extremum_vjp,), analytic=False, selects=True, jvp=(_extremum_jvp,),
    doc="Smallest entry over an axis (or all); tied minima share the gradient equally.",
)


def max(a, axis=None, keepdims=False):
    """The largest entry of ``a`` over ``axis`` (all axes by default); ties share the gradient."""
    return _max(a, axis=axis, keepdims=keepdims)


def min(a, axis=None, keepdims=False):
    """The smallest entry of ``a`` over ``axis`` (all axes by default); ties share the gradient."""
    return _min(a, axis=axis, keepdims=keepdims)


def ptp(a, axis=None, keepdims=False):
    """``np.ptp``, peak to peak: max - min over ``axis``; tied extrema share the gradient as in dk.max."""
    refuse_option_values("dk.ptp", {"axis": axis, "keepdims": keepdims})
    return subtract(_max(a, axis=axis, keepdims=keepdims), _min(a, axis=axis, keepdims=keepdims))


def argmax(a, axis=None, keepdims=False):
    """Index of the largest entry (plain integers, read from the values: no derivative)."""
    refuse_option_values("dk.argmax", {"axis": axis, "keepdims": keepdims})
    return read_position(np.argmax, (a,), {"axis": axis, "keepdims": keepdims})


def argmin(a, axis=None, keepdims=False):
    """Index of the smallest entry (plain integers, read from the values: no derivative)."""
    refuse_option_values("dk.argmin", {"axis": axis, "keepdims": keepdims})
    return read_position(np.argmin, (a,), {"axis": axis, "keepdims": keepdims})


# --- products ------------------------------------------------------------------------------
def _prod_numpy(x, axis=None, keepdims=False):
    return np.prod(x, axis=numpy_axis(x, axis), keepdims=keepdims)


def _prod_sympy(x, axis=None, keepdims=False):
    return reduce_along(x, sympy.Mul, axis=axis, keepdims=keepdims)


def _has_no_zero(x):
    return isinstance(x, np.ndarray) and x.dtype.kind in "fc" and bool(np.all(x != 0))


def exclusive_products(x, axis=None):
    """At each entry, the product of the *other* entries of its slice over ``axis`` (exact at zeros).

    Each slice of n entries is spread into n copies with one entry replaced by 1, and
    each copy multiplied out: n^2 products, all with diffkit ops, so the result can be
    differentiated again.
    """
    shape = shape_of(x)
    axes = normalize_axes(axis, len(shape))
    kept = [a for a in range(len(shape)) if a not in axes]
    order = tuple(kept) + axes
    kept_shape = tuple(shape[a] for a in kept)
    count = reduced_count(shape, axis)
    rows = reshape(transpose(x, axes=order), shape=kept_shape + (1, count))
    copies = where(np.eye(count, dtype=bool), 1.0, broadcast_to(rows, shape=kept_shape + (count, count)))
    others = reshape(_prod(copies, axis=-1), shape=kept_shape + tuple(shape[a] for a in axes))
    return transpose(others, axes=tuple(int(i) for i in np.argsort(order)))


def _others(x, out, axis, keepdims):
    if _has_no_zero(x):
        return _kept(out, x, axis, keepdims) / x
    return exclusive_products(x, axis)


_prod_vjp, _prod_jvp = _reduction_rules("prod", _others)


_prod = Primitive(
    "prod", _prod_numpy, _prod_sympy, (_prod_vjp,), jvp=(_prod_jvp,),
    doc="Product over an axis (or all); its derivative is exact with zeros in the input.",
)


def prod(a, axis=None, keepdims=False):
    """The product of the entries of ``a`` over ``axis`` (all axes by default)."""
    return _prod(a, axis=axis, keepdims=keepdims)


# --- cumulative sums and products ------------------------------------------------------------
def reverse(x, axis):
    """``x`` read backwards along ``axis``."""
    return getitem(x, index=(slice(None),) * axis + (slice(None, None, -1),))


def _cumsum_numpy(x, axis):
    return np.cumsum(x, axis=axis)


def _cumsum_sympy(x, axis):
    return as_object_array(np.cumsum(as_object_array(x), axis=axis))


def _cumsum_vjp(g, out, x, axis):
    return reverse(_cumsum(reverse(g, axis), axis=axis), axis)


def _cumsum_jvp(t, out, x, axis):
    return _cumsum(t, axis=axis)


_cumsum = Primitive(
    "cumsum", _cumsum_numpy, _cumsum_sympy, (_cumsum_vjp,), jvp=(_cumsum_jvp,),
    doc="Running sum along an axis; its VJP is the running sum read backwards.",
)


def _cumprod_numpy(x, axis):
    return np.cumprod(x, axis=axis)


def _cumprod_sympy(x, axis):
    return as_object_array(np.cumprod(as_object_array(x), axis=axis))


def _to_last(x, axis):
    n = ndim_of(x)
    return transpose(x, axes=tuple(a for a in range(n) if a != axis) + (axis,))


def _from_last(x, axis):
    n = ndim_of(x)
    order = tuple(a for a in range(n) if a != axis) + (axis,)
    return transpose(x, axes=tuple(int(i) for i in np.argsort(order)))


def _prefix_partials(x_last):
    """d cumprod(x)_i / d x_k along the last axis, as (..., i, k): exact at zeros, 0 for k > i."""
    count = shape_of(x_last)[-1]
    below = np.tril(np.ones((count, count), dtype=bool))
    rows = broadcast_to(reshape(x_last, shape=shape_of(x_last)[:-1] + (1, count)), shape=shape_of(x_last) + (count,))
    prefixes = where(below, rows, 1.0)  # row i holds x_0 .. x_i, then ones
    return where(below, exclusive_products(prefixes, axis=-1), 0.0)


def _cumprod_vjp(g, out, x, axis):
    if _has_no_zero(x):
        return reverse(_cumsum(reverse(g * out, axis), axis=axis), axis) / x
    partials = _prefix_partials(_to_last(x, axis))
    g_last = _to_last(g, axis)
    g_rows = reshape(g_last, shape=shape_of(g_last) + (1,))
    return _from_last(sum(g_rows * partials, axis=-2), axis)


def _cumprod_jvp(t, out, x, axis):
    if _has_no_zero(x):
        return out * _cumsum(t / x, axis=axis)
    partials = _prefix_partials(_to_last(x, axis))
    t_last = _to_last(t, axis)
    t_rows = reshape(t_last, shape=shape_of(t_last)[:-1] + (1, shape_of(t_last)[-1]))
    return _from_last(sum(t_rows * partials, axis=-1), axis)


_cumprod = Primitive(
    "cumprod", _cumprod_numpy, _cumprod_sympy, (_cumprod_vjp,), jvp=(_cumprod_jvp,),
    doc="Running product along an axis; its derivative is exact with zeros in the input.",
)


def _running_axis(a, axis):
    """(the array, the axis) a running sum or product works along: the flattened array by default."""
    if axis is None:
        return reshape(a, shape=(-1,)), 0
    n = ndim_of(a)
    if n == 0:
        raise AxisError(axis, 0)
    return a, normalize_axes(axis, n)[0]


def cumsum(a, axis=None):
    """Running sum along ``axis`` (of the flattened array by default)."""
    a, axis = _running_axis(a, axis)
    return _cumsum(a, axis=axis)


def cumprod(a, axis=None):
    """Running product along ``axis`` (of the flattened array by default)."""
    a, axis = _running_axis(a, axis)
    return _cumprod(a, axis=axis)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """Differences of neighbouring entries along ``axis``, taken ``n`` times, as ``np.diff``:
    ``prepend`` and ``append`` (numbers or arrays) are joined at either end first."""
    refuse_option_values("dk.diff", {"n": n, "axis": axis})
    if n < 0:
        raise shape_error("diff", f"n={n}: the order of the differences must be 0 or more")
    shape = shape_of(a)
    if not shape:
        raise shape_error("diff", "it takes an array of at least one axis, got a number: differences are taken "
                                  "between neighbouring entries")
    axis = normalize_axes(axis, len(shape))[0]
    ends = [_diff_end(end, shape, axis) for end in (prepend, append)]
    if ends[0] is not None or ends[1] is not None:
        a = concatenate(*[part for part in (ends[0], a, ends[1]) if part is not None], axis=axis)
    before = (slice(None),) * axis
    for _ in range(n):
        a = subtract(getitem(a, index=before + (slice(1, None),)), getitem(a, index=before + (slice(None, -1),)))
    return a


def _diff_end(end, shape, axis):
    """``prepend`` or ``append`` of :func:`diff` as an array to join: a number spread over the other axes."""
    if end is None:
        return None
    if not shape_of(end):
        return broadcast_to(end, shape=shape[:axis] + (1,) + shape[axis + 1:])
    return end


# --- the Euclidean norm ------------------------------------------------------------------------
def _norm_numpy(x, axis=None, keepdims=False):
    # x * x, not |x|^2: for the complex step this is the analytic continuation of the real norm.
    return np.sqrt(np.sum(x * x, axis=numpy_axis(x, axis), keepdims=keepdims))


def _norm_sympy(x, axis=None, keepdims=False):
    x = as_object_array(x)
    return _sympy_sqrt(reduce_along(x * x, sympy.Add, axis=axis, keepdims=keepdims))


def _norm_slope(x, out, axis, keepdims):
    kept = _kept(out, x, axis, keepdims)
    return x / where(kept == 0, 1.0, kept)  # x / |x|, and 0 at x = 0


_norm_vjp, _norm_jvp = _reduction_rules("norm", _norm_slope)


_norm = Primitive(
    "norm", _norm_numpy, _norm_sympy, (_norm_vjp,), jvp=(_norm_jvp,),
    doc="Euclidean (Frobenius) norm over axes; its derivative at 0 is 0.",
)


def _vector_norm(x, order, axis, keepdims):
    if order is None or order == 2:
        return _norm(x, axis=axis, keepdims=keepdims)
    if order == np.inf:
        return _max(abs(x), axis=axis, keepdims=keepdims)
    if order == -np.inf:
        return _min(abs(x), axis=axis, keepdims=keepdims)
    if order == 0:
        return np.sum(plain_value(x) != 0, axis=axis, keepdims=keepdims).astype(float)  # a count: no derivative
    if order == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    if isinstance(order, str):
        raise errors.InputError(f"dk.norm: ord={order!r} is a matrix norm; give a 2-tuple axis or a 2-D array")
    return power(sum(power(abs(x), float(order)), axis=axis, keepdims=keepdims), 1.0 / float(order))


def _matrix_norm(x, order, axes, keepdims):
    rows, columns = axes
    if order in (None, "fro"):
        return _norm(x, axis=axes, keepdims=keepdims)
    if order in (1, -1, np.inf, -np.inf):
        summed_over, then_over = (rows, columns) if order in (1, -1) else (columns, rows)
        totals = sum(abs(x), axis=summed_over, keepdims=True)
        pick = _max if order in (1, np.inf) else _min
        result = pick(totals, axis=then_over, keepdims=True)
        return result if keepdims else reshape(result, shape=tuple(n for i, n in enumerate(shape_of(x)) if i not in axes))
    raise errors.UnsupportedError(
        f"dk.norm: the matrix norm ord={order!r} needs singular values, which dk.norm does not compute "
        f"({user_location() or 'an unknown line'}); use ord='fro', 1, -1, inf or -inf, or take them from "
        "s = dk.linalg.svdvals(x): ord=2 is s[..., 0], ord=-2 is s[..., -1], ord='nuc' is dk.sum(s, axis=-1)"
    )


def norm(x, ord=None, axis=None, keepdims=False):
    """``np.linalg.norm``: vector norms over one axis, matrix norms over two, the 2-norm of everything by default."""
    n = ndim_of(x)
    if axis is None:
        if ord is None:
            return _norm(x, axis=None, keepdims=keepdims)
        if n not in (1, 2):
            raise errors.ShapeError(f"dk.norm: ord={ord!r} needs a 1-D or 2-D array, or an axis; got {n} dimensions")
        axis = tuple(range(n))
    axes = normalize_axes(axis, n)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        if len(set(axes)) != 2:
            raise errors.ShapeError(f"dk.norm: axis={axis!r} names the same axis twice")
        axes = tuple(a % n for a in axis)
        return _matrix_norm(x, ord, axes, keepdims)
    if len(axes) != 1:
        raise errors.ShapeError(f"dk.norm: axis={axis!r}; give one axis (a vector norm) or two (a matrix norm)")
    return _vector_norm(x, ord, axes[0], keepdims)


# --- statistics --------------------------------------------------------------------------------
def var(a, axis=None, ddof=0, keepdims=False):
    """Variance over ``axis``: the mean squared deviation, divided by ``count - ddof``."""
    refuse_option_values("dk.var", {"axis": axis, "ddof": ddof, "keepdims": keepdims})
    count = reduced_count(shape_of(a), axis) - ddof
    if count <= 0:
        raise errors.InputError(
            f"dk.var: ddof={ddof} leaves {count} degrees of freedom over {reduced_count(shape_of(a), axis)} entries "
            f"({user_location() or 'an unknown line'}); use a smaller ddof"
        )
    centred = a - mean(a, axis=axis, keepdims=True)
    return sum(centred * centred, axis=axis, keepdims=keepdims) / float(count)


def std(a, axis=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis``: the square root of :func:`var`."""
    refuse_option_values("dk.std", {"axis": axis, "ddof": ddof, "keepdims": keepdims})
    return sqrt(var(a, axis=axis, ddof=ddof, keepdims=keepdims))


def _weights_along(weights, a_shape, axis):
    """1-D weights along ``axis`` reshaped to broadcast against ``a`` (NumPy's rule)."""
    w_shape = shape_of(weights)
    if w_shape == tuple(a_shape):
        return weights
    if axis is None:
        raise errors.ShapeError("dk.average: weights of another shape than a need an axis to lie along")
    if len(w_shape) != 1 or isinstance(axis, (tuple, list)):
        raise errors.ShapeError(f"dk.average: weights of shape {w_shape} must be 1-D along one axis of a {a_shape}")
    along = normalize_axes(axis, len(a_shape))[0]
    if w_shape[0] != a_shape[along]:
        raise errors.ShapeError(
            f"dk.average: {w_shape[0]} weights do not fit axis {axis} of length {a_shape[along]}"
        )
    return reshape(weights, shape=(1,) * along + (-1,) + (1,) * (len(a_shape) - along - 1))


def _known_zero(total):
    try:
        return bool(np.any(np.asarray(plain_value(total)) == 0))
    except errors.SymbolicControlFlowError:  # symbolic weights: their sum is not known
        return False


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted mean over ``axis``: sum(a * w) / sum(w); ``returned`` also gives sum(w)."""
    a_shape = shape_of(a)
    if weights is None:
        result = mean(a, axis=axis, keepdims=keepdims)
        total = np.full(shape_of(result), float(reduced_count(a_shape, axis)))
    else:
        weights = broadcast_to(_weights_along(weights, a_shape, axis), shape=a_shape)
        total = sum(weights, axis=axis, keepdims=keepdims)
        if _known_zero(total):
            raise errors.InputError(f"dk.average: the weights sum to zero ({user_location() or 'an unknown line'})")
        result = sum(a * weights, axis=axis, keepdims=keepdims) / total
    if returned:
        return result, broadcast_to(total, shape=shape_of(result))
    return result
