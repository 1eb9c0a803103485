"""Softmax, log-softmax and log-sum-exp, stable in NumPy and exact in SymPy.

The NumPy faces shift by the maximum before exponentiating (no overflow) and take
differences only of shifted values, so log_softmax([a, a]) is -log 2 for every a, not 0
once a is so large that a + log 2 rounds to a. The derivative rules read the softmax,
never ``exp(x - logsumexp(x))``, whose rounding of the log-sum-exp makes the weights of
[1e300, 1e300] come out 1 and 1.
"""

import numpy as np

from ..core.primitive import Primitive
from .arrays import reshape, sum
from .elementwise import exp
from .shapes import keepdims_shape, shape_of
from .sympy_faces import as_object_array, elementwise, sum_along

_sympy_exp = elementwise("exp")
_sympy_log = elementwise("log")


def _stable_shift(x, axis):
    # The shift is a constant of the real part, so the complex step stays exact. An
    # infinite maximum is no shift (inf - inf is NaN): logsumexp([-inf, -inf]) is -inf.
    shift = np.max(np.real(x), axis=axis, keepdims=True)
    return np.where(np.isfinite(shift), shift, 0.0)


def _softmax_numpy(x, axis=-1):
    e = np.exp(x - _stable_shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_sympy(x, axis=-1):
    e = _sympy_exp(x)
    return as_object_array(e / sum_along(e, axis=axis, keepdims=True))


# The softmax Jacobian diag(p) - p p^T is symmetric: the same rule pushes tangents forward.
def _softmax_vjp(g, out, x, axis=-1):
    """p * (g - sum(p g)), with the sum's rounding corrected once.

    Where one weight is nearly 1, g - sum(p g) subtracts two nearly equal numbers: for
    softmax([40, 0])[0], p (1 - p) came out 0 instead of 4.2e-18. The residual
    sum(p (g - mean)) is exactly the part of the mean that rounding lost (its dominant term
    is 0), so subtracting it restores the small difference.
    """
    centered = g - sum(g * out, axis=axis, keepdims=True)
    return out * (centered - sum(out * centered, axis=axis, keepdims=True))


def _logsumexp_numpy(x, axis=None, keepdims=False):
    shift = _stable_shift(x, axis)
    result = shift + np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True))
    return result if keepdims else np.reshape(result, np.sum(np.real(x), axis=axis).shape)


def _logsumexp_sympy(x, axis=None, keepdims=False):
    return _sympy_log(sum_along(_sympy_exp(x), axis=axis, keepdims=keepdims))


def _logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    if not keepdims:
        g = reshape(g, shape=keepdims_shape(shape_of(x), axis))
    return g * softmax(x, axis=axis)


def _log_softmax_numpy(x, axis=-1):
    shifted = x - _stable_shift(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_sympy(x, axis=-1):
    return as_object_array(x - _logsumexp_sympy(x, axis=axis, keepdims=True))


def _log_softmax_vjp(g, out, x, axis=-1):
    return g - exp(out) * sum(g, axis=axis, keepdims=True)


softmax = Primitive(
    "softmax", _softmax_numpy, _softmax_sympy, (_softmax_vjp,), doc="exp(x) / sum(exp(x)) over axis.",
    jvp=(_softmax_vjp,),
)


def _logsumexp_jvp(t, out, x, axis=None, keepdims=False):
    return sum(t * softmax(x, axis=axis), axis=axis, keepdims=keepdims)


logsumexp = Primitive(
    "logsumexp", _logsumexp_numpy, _logsumexp_sympy, (_logsumexp_vjp,), doc="log(sum(exp(x))) over axis.",
    jvp=(_logsumexp_jvp,),
)


def _log_softmax_jvp(t, out, x, axis=-1):
    return t - sum(exp(out) * t, axis=axis, keepdims=True)


log_softmax = Primitive(
    "log_softmax", _log_softmax_numpy, _log_softmax_sympy, (_log_softmax_vjp,), doc="x - logsumexp(x) over axis.",
    jvp=(_log_softmax_jvp,),
)
