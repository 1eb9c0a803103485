"""The base class of every value that is not a plain number or NumPy array.

Traced values (the tape), symbolic arrays (SymPy), complex-step values and dual
numbers all derive from :class:`BoxedValue`. Its operators and its NumPy hooks route
every operation to diffkit's primitive table, so one plain Python function runs on
all of them. Each subclass says how to apply a primitive (``_process``) and how deep
it sits (``_level``): an op on boxes of several levels goes to the deepest one.
"""

import inspect
import operator
import re

import numpy as np

from .. import errors
from .frames import user_location, user_source_line

COMPARISONS = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}
"""The comparison operators by name: what a numeric box applies to its plain values."""


_OP_TABLE = []  # the op table's namespace, bound by diffkit.ops when it is declared


def bind_op_table(namespace):
    """Called once by :mod:`diffkit.ops`: the functions boxed values route operators and NumPy calls to.

    The op table sits above these core types (it is built from them), so it hands
    itself down instead of being imported from here.
    """
    _OP_TABLE[:] = [namespace]


def _ops():
    return _OP_TABLE[0]


class BoxedValue:
    """Routes Python operators and NumPy calls on a boxed value to diffkit ops."""

    __slots__ = ()
    __array_priority__ = 1000
    _level = 0
    kind = "boxed"

    # --- to be provided by subclasses -------------------------------------------
    def _process(self, primitive, args, params):
        raise NotImplementedError

    @property
    def shape(self):
        raise NotImplementedError

    def _compare(self, op_name, other):
        raise NotImplementedError

    # --- array-like properties --------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        size = 1
        for n in self.shape:
            size *= n
        return size

    @property
    def T(self):
        return _ops().transpose(self)

    def __len__(self):
        if not self.shape:
            raise errors.InputError(f"len() of a scalar {self.kind} value")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops().transpose(self, axes or None)

    def sum(self, axis=None, keepdims=False):
        return _ops().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops().mean(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return _ops().matmul(self, other)

    def _refuse_array_method(self, name):
        hint = _MISSING_METHOD_HINTS.get(name, "write it with diffkit ops (dk.sum, dk.where, dk.reshape, ...)")
        raise errors.MissingArrayMethodError(
            f"`.{name}` is a NumPy array method that a {self.kind} value does not have "
            f"({user_location() or 'an unknown line'}); {hint}"
        )

    # --- arithmetic -------------------------------------------------------------
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().abs(self)

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    def __setitem__(self, index, value):
        raise errors.InputError(
            f"item assignment on a {self.kind} value is not supported "
            f"({user_location()}); build the array with dk.stack or dk.concatenate, "
            "or compute the new value with dk.where"
        )

    def __floordiv__(self, other):
        self._refuse_piecewise_constant("//")

    __rfloordiv__ = __floordiv__

    def __mod__(self, other):
        self._refuse_piecewise_constant("%")

    __rmod__ = __mod__
    __divmod__ = __rdivmod__ = __mod__

    def _refuse_piecewise_constant(self, operator_name):
        raise errors.NonDiffkitFunctionError(
            f"{operator_name} was applied to a {self.kind} value at {user_location() or 'an unknown line'}; "
            "floor division and remainder are piecewise constant and diffkit has no op for them. Keep "
            "such arithmetic on plain numbers (an index or a count), outside the differentiated values."
        )

    # --- comparisons give plain (or symbolic) booleans, never gradients ----------
    def __lt__(self, other):
        return self._compare("lt", other)

    def __le__(self, other):
        return self._compare("le", other)

    def __gt__(self, other):
        return self._compare("gt", other)

    def __ge__(self, other):
        return self._compare("ge", other)

    def __eq__(self, other):  # elementwise, as in NumPy: a mask like ``x * (x != 0)`` must see values
        return self._compare("eq", other)

    def __ne__(self, other):
        return self._compare("ne", other)

    __hash__ = object.__hash__  # boxes are still usable as dictionary keys (by identity)

    def _truth(self, value):
        """``bool()`` of the plain value behind the box, refusing arrays as NumPy does, but clearly."""
        size = getattr(value, "size", 1)
        if size != 1:
            raise errors.InputError(
                f"the truth value of a {self.kind} array with {size} elements is ambiguous at "
                f"{user_location() or 'an unknown line'}: reduce the condition, e.g. "
                "`if (x > 0).all():` or `.any()`, or select elementwise with dk.where(condition, a, b)"
            )
        return bool(value)

    # --- conversions that would silently drop the derivative ---------------------
    def _refuse_conversion(self, what):
        line = user_source_line()
        suggestion = "the diffkit op (dk.exp, dk.log, dk.sqrt, dk.tanh, ...)"
        match = re.search(r"\bmath\.(\w+)\s*\(", line)
        if match and hasattr(_ops(), match.group(1)):
            suggestion = f"dk.{match.group(1)}"
            what = f"math.{match.group(1)}"
        raise errors.NonDiffkitFunctionError(
            f"{what} was applied to a {self.kind} value at {user_location() or 'an unknown line'}; "
            f"a function outside diffkit cannot follow the derivative. Use {suggestion} instead."
        )

    def __float__(self):
        self._refuse_conversion("float() (or a function outside diffkit such as math.exp)")

    def __int__(self):
        self._refuse_conversion("int()")

    def __complex__(self):
        self._refuse_conversion("complex()")

    def __index__(self):
        self._refuse_conversion("an index conversion")

    # --- NumPy interoperability ----------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise errors.NonDiffkitFunctionError(
            f"a {self.kind} value was turned into a plain NumPy array at {user_location() or 'an unknown line'} "
            "(np.array, np.asarray, or a NumPy function diffkit does not know), which drops its "
            "derivative. Build an array of values with dk.stack([...]), and use the diffkit op "
            "(dk.exp, dk.sum, dk.where, ...) for a NumPy function."
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        relation = _UFUNC_TO_COMPARISON.get(ufunc.__name__)
        if relation is not None and method == "__call__" and len(inputs) == 2 and not kwargs:
            if inputs[0] is self:  # np.greater(x, 0) is x > 0; np.greater(0, x) is x < 0
                return self._compare(relation, inputs[1])
            return self._compare(_REVERSED_COMPARISON[relation], inputs[0])
        op_name = _UFUNC_TO_OP.get(ufunc.__name__)
        if method != "__call__" or op_name is None:
            self._refuse_numpy(f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
        used = {key: value for key, value in kwargs.items() if not _is_unset(value)}
        if used:  # out=, where=, dtype=...: the diffkit op has no such argument
            self._refuse_arguments(f"numpy.{ufunc.__name__}", op_name, used)
        return getattr(_ops(), op_name)(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in _METADATA_FUNCTIONS and args == (self,) and not kwargs:
            return _METADATA_FUNCTIONS[func.__name__](self)
        op_name = _FUNCTION_TO_OP.get(func.__name__)
        if op_name is None:
            self._refuse_numpy(f"numpy.{func.__name__}")
        op = getattr(_ops(), op_name)
        accepted = _keyword_names(op)
        kwargs = {key: value for key, value in kwargs.items() if key in accepted or not _is_unset(value)}
        unknown = {key: value for key, value in kwargs.items() if key not in accepted}
        if unknown:
            self._refuse_arguments(f"numpy.{func.__name__}", op_name, unknown)
        return op(*args, **kwargs)

    def _refuse_arguments(self, name, op_name, arguments):
        listed = ", ".join(f"{key}={_short_repr(value)}" for key, value in arguments.items())
        raise errors.NonDiffkitFunctionError(
            f"{name} was called with {listed} on a {self.kind} value at "
            f"{user_location() or 'an unknown line'}; diffkit's version of it, dk.{op_name}, "
            "takes no such argument. Call dk." + op_name + " without it."
        )

    def __round__(self, ndigits=None):
        self._refuse_conversion("round()")

    def _refuse_numpy(self, name):
        hint = _FUNCTION_HINTS.get(name.removeprefix("numpy."))
        known = ", ".join(sorted(set(_UFUNC_TO_OP) | set(_FUNCTION_TO_OP)))
        raise errors.NonDiffkitFunctionError(
            f"{name} was applied to a {self.kind} value at {user_location() or 'an unknown line'}; "
            f"diffkit cannot follow its derivative; {hint or 'use a diffkit op (dk.*) instead'}. "
            f"The NumPy functions diffkit understands are: {known}."
        )


_MISSING_METHOD_HINTS = {
    "max": "diffkit has no max reduction: use dk.maximum(a, b) elementwise, or dk.logsumexp for a smooth maximum",
    "min": "diffkit has no min reduction: use dk.minimum(a, b) elementwise, or -dk.logsumexp(-x) for a smooth minimum",
    "astype": "diffkit follows the dtype of the inputs: convert the arguments before calling the program",
    "tolist": "a differentiated value cannot leave diffkit as plain numbers: keep it as an array",
    "item": "a differentiated value cannot leave diffkit as a plain number: keep it as an array",
}



def _missing_array_method(name):
    def refuse(self, *args, **kwargs):
        self._refuse_array_method(name)

    refuse.__name__ = name
    refuse.__doc__ = f"NumPy's ``ndarray.{name}``, which diffkit values do not have: raises MissingArrayMethodError."
    return refuse


# NumPy's array methods that diffkit values lack get a method that says so and names
# diffkit's way. (Methods, not ``__getattr__``: a class with ``__getattr__`` makes every
# attribute lookup on a traced value slower, and the tape looks attributes up constantly.)
for _name in dir(np.ndarray):
    if not _name.startswith("_") and inspect.ismethoddescriptor(getattr(np.ndarray, _name)):
        if not hasattr(BoxedValue, _name):
            setattr(BoxedValue, _name, _missing_array_method(_name))
del _name

_FUNCTION_HINTS = {
    "max": _MISSING_METHOD_HINTS["max"],
    "amax": _MISSING_METHOD_HINTS["max"],
    "min": _MISSING_METHOD_HINTS["min"],
    "amin": _MISSING_METHOD_HINTS["min"],
    "heaviside": "use dk.heaviside(x), the step with value 1/2 at 0 (no second argument)",
}

_UFUNC_TO_OP = {
    "add": "add",
    "subtract": "subtract",
    "multiply": "multiply",
    "divide": "divide",
    "true_divide": "divide",
    "power": "power",
    "negative": "negative",
    "absolute": "abs",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "sin": "sin",
    "cos": "cos",
    "tanh": "tanh",
    "maximum": "maximum",
    "minimum": "minimum",
    "matmul": "matmul",
    "sign": "sign",
    "square": "square",
}
_UFUNC_TO_COMPARISON = {
    "less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge", "equal": "eq", "not_equal": "ne",
}
_REVERSED_COMPARISON = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


def _is_unset(value):
    """NumPy passes ``out=None`` or ``out=(None,)`` for an argument the user left out."""
    if isinstance(value, tuple):
        return all(item is None for item in value)
    return value is None


def _short_repr(value, limit=40):
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _keyword_names(function):
    return set(inspect.signature(function).parameters)


def _shape(value):
    return tuple(value.shape)


def _ndim(value):
    return value.ndim


def _size(value):
    return value.size


# np.shape(x), np.ndim(x), np.size(x) read no numbers, so they work on every value.
_METADATA_FUNCTIONS = {"shape": _shape, "ndim": _ndim, "size": _size}

_FUNCTION_TO_OP = {
    "sum": "sum",
    "mean": "mean",
    "reshape": "reshape",
    "transpose": "transpose",
    "where": "where",
    "matmul": "matmul",
    "dot": "matmul",
    "stack": "stack",
    "concatenate": "concatenate",
    "broadcast_to": "broadcast_to",
}
