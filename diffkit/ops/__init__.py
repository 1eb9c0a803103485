"""diffkit's ops: the functions a program is written with.

Elementwise ops are the primitives themselves (``dk.exp(x)``); ops with parameters
(an axis, a shape, a slope) are small functions that pass those on as keywords.
"""

import sys as _sys

from ..core.values import bind_op_table as _bind_op_table
from . import arrays as _arrays
from . import softmax as _softmax
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
    where,
)
from .elementwise import elu as _elu
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
    return _arrays.reshape(x, shape=tuple(shape) if isinstance(shape, (list, tuple)) else (shape,))


def transpose(x, axes=None):
    """x with its axes permuted (reversed by default)."""
    return _arrays.transpose(x, axes=None if axes is None else tuple(axes))


def broadcast_to(x, shape):
    """x broadcast to ``shape``; its gradient is summed back over the copies."""
    return _arrays.broadcast_to(x, shape=tuple(shape))


def getitem(x, index):
    """x[index]; the gradient is scattered back (added where an index repeats)."""
    return _arrays.getitem(x, index=index)


def stack(arrays, axis=0):
    """Stack equal-shaped arrays along a new axis."""
    return _arrays.stack(*arrays, axis=axis)


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis."""
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


OPS = (
    "abs add broadcast_to concatenate cos divide elu exp getitem heaviside leaky_relu log "
    "log_softmax logsumexp matmul maximum mean minimum multiply negative power relu reshape "
    "sigmoid sign sin softmax sqrt square stack subtract sum tanh transpose where"
).split()

__all__ = OPS + ["unbroadcast"]

_bind_op_table(_sys.modules[__name__])
