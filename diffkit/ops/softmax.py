"""Softmax, log-softmax and log-sum-exp, stable in NumPy and exact in SymPy."""

import numpy as np

from ..core.primitive import Primitive
from .arrays import reshape, sum
from .elementwise import exp
from .shapes import keepdims_shape, shape_of
from .sympy_faces import as_object_array, elementwise, sum_along

_sympy_exp = elementwise("exp")
_sympy_log = elementwise("log")


def _stable_shift(x, axis):
    # The shift is a constant of the real part, so the complex step stays exact.
    return np.max(np.real(x), axis=axis, keepdims=True)


def _softmax_numpy(x, axis=-1):
    e = np.exp(x - _stable_shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_sympy(x, axis=-1):
    e = _sympy_exp(x)
    return as_object_array(e / sum_along(e, axis=axis, keepdims=True))


# The softmax Jacobian diag(p) - p p^T is symmetric: the same rule pushes tangents forward.
def _softmax_vjp(g, out, x, axis=-1):
    return out * (g - sum(g * out, axis=axis, keepdims=True))


def _logsumexp_numpy(x, axis=None, keepdims=False):
    shift = _stable_shift(x, axis)
    result = shift + np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True))
    return result if keepdims else np.reshape(result, np.sum(np.real(x), axis=axis).shape)


def _logsumexp_sympy(x, axis=None, keepdims=False):
    return _sympy_log(sum_along(_sympy_exp(x), axis=axis, keepdims=keepdims))


def _logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    shape = keepdims_shape(shape_of(x), axis)
    if not keepdims:
        g, out = reshape(g, shape=shape), reshape(out, shape=shape)
    return g * exp(x - out)


def _log_softmax_numpy(x, axis=-1):
    return x - _logsumexp_numpy(x, axis=axis, keepdims=True)


def _log_softmax_sympy(x, axis=-1):
    return as_object_array(x - _logsumexp_sympy(x, axis=axis, keepdims=True))


def _log_softmax_vjp(g, out, x, axis=-1):
    return g - exp(out) * sum(g, axis=axis, keepdims=True)


softmax = Primitive(
    "softmax", _softmax_numpy, _softmax_sympy, (_softmax_vjp,), doc="exp(x) / sum(exp(x)) over axis.",
    jvp=(_softmax_vjp,),
)


def _logsumexp_jvp(t, out, x, axis=None, keepdims=False):
    if not keepdims:
        out = reshape(out, shape=keepdims_shape(shape_of(x), axis))
    return sum(t * exp(x - out), axis=axis, keepdims=keepdims)


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
