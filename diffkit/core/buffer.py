"""Arrays that item assignment can fill with differentiated values (``dk.zeros`` and friends).

A plain NumPy array holds only numbers, so ``out = np.zeros(3); out[0] = traced`` cannot
be followed by any method. A :class:`Buffer` starts as such an array and takes whatever
is assigned into it: after ``out[0] = traced`` it holds a traced value (the functional
update ``setitem``), so the tape, forward mode, the symbolic methods and the complex
step all follow it, and finite differences see NumPy's own assignment.

Everywhere else a Buffer is simply its content: it sits above every other level, so
any op given a Buffer unwraps it first and dispatches again; NumPy functions on a
Buffer that still holds plain numbers run as NumPy.
"""

import math

import numpy as np

from .. import errors
from .frames import user_location
from .values import COMPARISONS, BoxedValue, _ops


class Buffer(BoxedValue):
    """A mutable array: its content is a NumPy array or, once a diffkit value is assigned, that value."""

    __slots__ = ("content",)
    kind = "buffer"
    _level = math.inf  # always the deepest: an op unwraps it before anything else

    def __init__(self, content):
        self.content = content

    @property
    def shape(self):
        return tuple(np.shape(self.content)) if not isinstance(self.content, BoxedValue) else self.content.shape

    @property
    def dtype(self):
        return getattr(self.content, "dtype", np.dtype(float))

    def _process(self, primitive, args, params):
        return primitive(*[unwrap(arg) for arg in args], **params)

    def _compare(self, op_name, other):
        return COMPARISONS[op_name](self.content, unwrap(other))

    def _decided(self):
        return self.content

    def _held(self):
        return self.content

    def _become(self, updated):
        """Hold ``updated`` (``out += v``: the buffer changes in place, seen by every name of it)."""
        self.content = unwrap(updated)

    def __bool__(self):
        return bool(self.content)

    def __setitem__(self, index, value):
        value = unwrap(value)
        content = self.content
        if type(content) is np.ndarray and not isinstance(value, BoxedValue):
            if assigned_dtype(content, value) == content.dtype:
                try:
                    content[index] = value  # numbers into numbers: NumPy's own assignment, in place
                except (ValueError, IndexError) as exc:
                    raise errors.ShapeError(
                        f"an item assignment at {user_location() or 'an unknown line'} does not fit: {exc}. "
                        "Check the shape of the value and the index."
                    ) from None
                return
        self.content = _ops().setitem(content, value, index)

    def __array__(self, dtype=None, copy=None):
        if isinstance(self.content, BoxedValue):
            return self.content.__array__(dtype, copy)
        return np.asarray(self.content, dtype=dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return getattr(ufunc, method)(*unwrap_nested(inputs), **unwrap_nested(kwargs))

    def __array_function__(self, func, types, args, kwargs):
        return func(*unwrap_nested(args), **unwrap_nested(kwargs))

    def __repr__(self):
        return f"Buffer({self.content!r})"


def assigned_dtype(target, value):
    """The dtype of ``target`` after ``target[index] = value`` (diffkit's rule, for every method).

    A float array keeps its dtype, as in NumPy; an integer or boolean array becomes float
    (NumPy would truncate the value, and with it the derivative); a complex value makes
    it complex (the complex step's perturbation must survive the assignment).
    """
    target_dtype = np.asarray(target).dtype if not hasattr(target, "dtype") else np.dtype(target.dtype)
    value_dtype = np.result_type(value) if not isinstance(value, BoxedValue) else np.dtype(float)
    if target_dtype.kind == "f" and value_dtype.kind in "biuf":
        return target_dtype
    return np.result_type(target_dtype, value_dtype, np.float64)


def unwrap(value):
    """A Buffer's content; any other value as it is."""
    return value.content if type(value) is Buffer else value


def unwrap_nested(value):
    """:func:`unwrap` through lists, tuples and dicts (the arguments of ``np.stack([...])``)."""
    if type(value) is Buffer:
        return value.content
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap_nested(item) for item in value)
    if isinstance(value, dict):
        return {key: unwrap_nested(item) for key, item in value.items()}
    return value
