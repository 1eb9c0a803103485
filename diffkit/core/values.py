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
from . import routing
from .aliasing import ASSIGNED_TARGET, refuse_if_shared, refuse_in_place_op_on_view, refuse_write_into_view, statements
from .frames import user_frames, user_location, user_source_line

COMPARISONS = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}
"""The comparison operators by name: what a numeric box applies to its plain values."""

COMPARISON_SYMBOLS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
"""How each comparison is written, for messages and generated source."""


def compared(op_name, value, other):
    """``value <op> other`` on plain values, as a numeric box compares; a comparison with something
    that is not a number or an array of numbers (a string, None) is refused by name."""
    try:
        return COMPARISONS[op_name](value, other)
    except TypeError:
        raise errors.InputError(
            f"{COMPARISON_SYMBOLS[op_name]} compared a differentiated value with a {type(other).__name__} "
            f"({short_repr(other)}) at {user_location() or 'an unknown line'}: compare with numbers or arrays of numbers"
        ) from None


def is_operand(value):
    """A number, an array of numbers (a list of them too) or a diffkit value: what an op's NumPy
    face computes with, and what a user's face must return."""
    if isinstance(value, (BoxedValue, bool, int, float, complex, np.number, np.bool_)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufc"
    if isinstance(value, (list, tuple)):
        return all(is_operand(v) for v in value)
    return False


COMPLEX_SCALAR_TYPES = frozenset((complex, np.complex64, np.complex128, np.clongdouble))


def is_complex_constant(value):
    """Whether ``value`` is a complex number, a complex NumPy array, or a list or tuple holding one."""
    kind = type(value)
    if kind is list or kind is tuple:
        return any(map(is_complex_constant, value))
    return kind in COMPLEX_SCALAR_TYPES or isinstance(value, np.ndarray) and value.dtype.kind == "c"


def refuse_complex_constants(primitive, args):
    """Raise :class:`~diffkit.errors.ComplexValueError` if a plain operand of ``primitive`` is complex.

    Called where the op also received a value being differentiated. The tape's and
    forward mode's rules are real derivatives (a complex value in between makes the
    gradient wrong, not complex), and the complex step keeps its perturbation in the
    imaginary part, which a complex constant would mix with.
    """
    for arg in args:
        if is_complex_constant(arg):
            what = (f"array ({arg.dtype}, shape {arg.shape})" if isinstance(arg, np.ndarray) else
                    f"{type(arg).__name__} {short_repr(arg)}" if isinstance(arg, (list, tuple)) else f"number {arg!r}")
            raise errors.ComplexValueError(
                f"{primitive.public} met the complex {what} at {user_location() or 'an unknown line'}, with "
                "a value being differentiated: diffkit differentiates programs that compute in real numbers, and "
                "its derivative would be wrong here. Keep a complex quantity as two real arrays (its real "
                "and imaginary parts), or use a finite-difference method ('fd-central'), which needs only "
                "the program's real output."
            )


_OP_TABLE = []  # the op table's namespace, bound by diffkit.ops when it is declared


def bind_op_table(namespace):
    """Called once by :mod:`diffkit.ops`: the functions boxed values route operators and NumPy calls to.

    The op table sits above these core types (it is built from them), so it hands
    itself down instead of being imported from here.
    """
    _OP_TABLE[:] = [namespace]


def _ops():
    return _OP_TABLE[0]


def _op(name):
    """The op called ``name`` in the op table (``linalg.det`` names one in a namespace)."""
    found = _ops()
    for part in name.split("."):
        found = getattr(found, part)
    return found


def plain_value(value):
    """The plain NumPy value behind ``value``, for what only looks at numbers (argmax, a mask).

    A traced or dual value gives its forward value, a complex-step value its real part, a
    symbolic value its numbers when SymPy has them (else SymbolicControlFlowError).
    """
    while isinstance(value, BoxedValue):
        value = value._decided()
    return value


_BITWISE_UFUNCS = {"bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^", "invert": "~",
                   "logical_and": "np.logical_and", "logical_or": "np.logical_or", "logical_xor": "np.logical_xor",
                   "logical_not": "np.logical_not"}


def read_position(function, values, params):
    """``function(*plain values, **params)`` for a position or a mask read from ``values`` (a tuple:
    np.argmax of one array, the knot of dk.interp of the knots and the points, np.isnan of a value).

    A box may answer the read itself (the compiling tape records it as a value of its own, so
    that its code recomputes it; a symbolic value decides np.isnan where SymPy can); every
    other box gives its value one level down, until none is left or every one left answers.
    """
    values = tuple(values)
    while True:
        boxed = [value for value in values if isinstance(value, BoxedValue)]
        if not boxed:
            return function(*values, **params)
        readers = [getattr(value, "_read_position", None) for value in boxed]
        if all(reader is not None for reader in readers):
            return readers[0](function, values, params)
        values = tuple(value._decided() if isinstance(value, BoxedValue) and getattr(value, "_read_position", None)
                       is None else value for value in values)


def plain_index(index):
    """An index with every diffkit value in it (a mask ``x > 0``, computed positions) made plain."""
    if isinstance(index, tuple):
        return tuple(plain_value(part) for part in index)
    return plain_value(index)


def _refuse_growing(target, updated, symbol):
    """A ShapeError for ``r += v`` whose result is not of ``r``'s shape (``v`` broadcasts ``r``
    to a larger one): NumPy's in-place operators write into ``r`` and refuse it too."""
    before, after = tuple(target.shape), tuple(updated.shape)
    if before != after:
        raise errors.ShapeError(
            f"an in-place {symbol}= at {user_location() or 'an unknown line'} gives shape {after}, not the "
            f"{before} of the array written into; NumPy's in-place operators keep that shape (NumPy refuses "
            f"this too): write r = r {symbol} v for the larger result"
        )


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

    def _decided(self):
        """The value one level down that comparisons and selections read (see :func:`plain_value`)."""
        raise NotImplementedError

    def _become(self, updated):
        """Take the place of ``updated``, the result of an item assignment into this value."""
        raise NotImplementedError

    def _held(self):
        """What holds this value's numbers one level down (a NumPy array, a deeper box), or None."""
        return None

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

    def fill(self, value):
        """``x.fill(v)``: every entry set to ``v``, recorded like an item assignment."""
        self[...] = value

    def _refuse_array_method(self, name):
        hint = routing.MISSING_METHOD_HINTS.get(name, "write it with diffkit ops (dk.sum, dk.where, dk.reshape, ...)")
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
        return _ops().copy(self)  # a new array, as NumPy's +x: writing into it leaves x as it was

    def __abs__(self):
        return _ops().abs(self)

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    def __setitem__(self, index, value):
        """``y[index] = value`` recorded as a functional update: ``y`` now stands for the new
        value, while every value computed from ``y`` before keeps its old meaning."""
        refuse_write_into_view(self, index)
        updated = _ops().setitem(self, value, index)
        self._become(updated)

    # ``r += v`` (every augmented assignment) on an array changes it in place, as in NumPy: the value
    # becomes ``r + v``, so every name bound to it sees the new value. A number (immutable in NumPy
    # too) is rebound instead; a view written through into an array read later is refused.
    def _in_place(symbol, operation):
        def in_place(self, other):
            held = self._held()
            kind = type(held)
            if kind is np.float64 or kind is float or kind is int or held is None:
                return NotImplemented  # Python then runs the operator itself: r = r + v
            if kind is np.ndarray:
                if not held.ndim:  # a number (a symbolic one: a 0-d array of one expression)
                    return NotImplemented
                if held.base is not None:  # a view
                    refuse_in_place_op_on_view(self, symbol)
            elif not self.shape:  # a number one level down: a complex step's, a deeper box's
                return NotImplemented
            else:
                refuse_in_place_op_on_view(self, symbol)
            updated = operation(self, other)
            _refuse_growing(self, updated, symbol)
            try:
                self._become(updated)
            except (errors.DiffkitError, NotImplementedError):  # another kind or level of value: rebound
                return updated
            return self

        in_place.__name__ = f"in_place_{symbol}"
        return in_place

    __iadd__, __isub__ = _in_place("+", operator.add), _in_place("-", operator.sub)
    __imul__, __itruediv__ = _in_place("*", operator.mul), _in_place("/", operator.truediv)
    __ipow__, __imatmul__ = _in_place("**", operator.pow), _in_place("@", operator.matmul)
    __ifloordiv__, __imod__ = _in_place("//", operator.floordiv), _in_place("%", operator.mod)
    del _in_place

    def __floordiv__(self, other):
        self._refuse_piecewise_constant("//")

    __rfloordiv__ = __floordiv__

    def __mod__(self, other):
        self._refuse_piecewise_constant("%")

    __rmod__ = __mod__
    __divmod__ = __rdivmod__ = __mod__

    def __invert__(self):
        self._refuse_bitwise("~")

    def __and__(self, other):
        self._refuse_bitwise("&")

    def __or__(self, other):
        self._refuse_bitwise("|")

    def __xor__(self, other):
        self._refuse_bitwise("^")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def _refuse_bitwise(self, operator_name):
        raise errors.NonDiffkitFunctionError(
            f"{operator_name} was applied to a {self.kind} value at {user_location() or 'an unknown line'}; "
            "bitwise and logical operators have no derivative. Apply them to masks, the results of "
            "comparisons (`~(x > 0)`, `(x > 0) & (x < 1)`), and select with dk.where or multiply by the mask."
        )

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
        if not match and _ASSIGNMENT.match(line):
            self._refuse_assignment_into_numpy()
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
    def _refuse_assignment_into_numpy(self):
        frames = list(user_frames())
        for match in filter(None, map(ASSIGNED_TARGET.match, statements(user_source_line()))):
            target = frames[0].f_locals.get(match.group(1)) if frames else None
            if isinstance(target, np.ndarray) and target.base is not None:  # r = out[0] of a dk.zeros buffer
                refuse_if_shared(target, target, target)
        raise errors.NonDiffkitFunctionError(
            f"a {self.kind} value was assigned into a plain NumPy array at {user_location() or 'an unknown line'}; "
            "a NumPy array holds only numbers, so no tape (and no other diffkit method) can follow the "
            "assignment. Build the array with dk.zeros(...) (or dk.zeros_like, dk.ones, dk.full), whose item "
            "assignment diffkit records, or collect the pieces in a list and dk.stack them."
        )

    def __array__(self, dtype=None, copy=None):
        if _ASSIGNMENT.match(user_source_line()):
            self._refuse_assignment_into_numpy()
        raise errors.NonDiffkitFunctionError(
            f"a {self.kind} value was turned into a plain NumPy array at {user_location() or 'an unknown line'} "
            "(np.array, np.asarray, or a NumPy function diffkit does not know), which drops its "
            "derivative. Build an array of values with dk.stack([...]), and use the diffkit op "
            "(dk.exp, dk.sum, dk.where, ...) for a NumPy function."
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and len(inputs) == 2 and inputs[1] is self and not kwargs:
            reflected = _REFLECTED_OPERATORS.get(ufunc)
            if reflected is not None and type(inputs[0]) is np.ndarray:  # `X @ W`: W's own operator
                return getattr(self, reflected)(inputs[0])
        relation = routing.UFUNC_TO_COMPARISON.get(ufunc.__name__)
        if relation is not None and method == "__call__" and len(inputs) == 2 and not kwargs:
            if inputs[0] is self:  # np.greater(x, 0) is x > 0; np.greater(0, x) is x < 0
                return self._compare(relation, inputs[1])
            return self._compare(routing.REVERSED_COMPARISON[relation], inputs[0])
        bitwise = _BITWISE_UFUNCS.get(ufunc.__name__)
        if bitwise is not None:  # mask & x, np.logical_not(x)
            self._refuse_bitwise(bitwise)
        op_name = routing.UFUNC_TO_OP.get(ufunc.__name__)
        if method != "__call__" or op_name is None:
            self._refuse_numpy(f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
        used = {key: value for key, value in kwargs.items() if not _is_unset(value)}
        out = used.get("out", ())
        if used.keys() == {"out"} and len(out) == 1 and out[0] is inputs[0] and type(out[0]) is np.ndarray:
            if self._updates_an_item(out[0]):  # `t += v` with t a plain array, inside `out[idx] += v`
                return _op(op_name)(*inputs)
        if used:  # out=, where=, dtype=...: refused by name, unless the op takes it (np.vecdot's axis=)
            return _call_with_keywords(self, f"numpy.{ufunc.__name__}", op_name, inputs, used)
        return _op(op_name)(*inputs)

    def _updates_an_item(self, item):
        """Whether NumPy's in-place ``item += v`` (``-=``, ``*=``, ...), ``v`` this value, is the middle
        step of ``out[idx] += v`` on a dk.zeros buffer; refused by name otherwise.

        NumPy would write into ``item``, a plain array, which holds only numbers. ``out[idx] += v``
        is Python's ``t = out[idx]``, ``t += v``, ``out[idx] = t``, where ``t`` is an item of a
        buffer that holds no diffkit value yet: the new value ``t + v`` given instead of ``t`` is
        what the last step stores, as NumPy's changed ``t`` would be, unless another variable
        read later shares the item's entries (``r = out[0]`` before), which NumPy would change
        too. A ``t += v`` on a name, or into a list or dict of plain arrays, changes an array
        in place that other names may hold, which a new value cannot do.
        """
        augmented = [match.groups() for match in map(_AUGMENTED.match, statements(user_source_line())) if match]
        if not augmented:
            return False  # np.add(t, v, out=t): refused as NumPy's out=
        frames = list(user_frames())
        for name, symbol in augmented:
            container = name.split("[", 1)[0].strip() if name.endswith("]") else None
            holder = frames[0].f_locals.get(container) if frames and container else None
            if isinstance(holder, BoxedValue) and holder.kind == "buffer":
                refuse_if_shared(item, item, item, plain=True, besides=(holder,), view=name)
                return True
        name, symbol = augmented[0]
        raise errors.NonDiffkitFunctionError(
            f"{name} {symbol}= ... at {user_location() or 'an unknown line'} would change the plain NumPy array "
            f"{name} in place, and a plain array holds only numbers, not a {self.kind} value. Write an item "
            f"of a dk.zeros buffer in the buffer itself, out[0] {symbol}= v or out[0] = out[0] {symbol} v "
            f"(not t = out[0]; t {symbol}= v); elsewhere assign the new value, {name} = {name} {symbol} v."
        )

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in _METADATA_FUNCTIONS and args == (self,) and not kwargs:
            return _METADATA_FUNCTIONS[func.__name__](self)
        module = getattr(func, "__module__", None) or "numpy"
        name = f"{module}.{func.__name__}"
        op_name = routing.FUNCTION_TO_OP.get(name)
        if op_name is None:
            self._refuse_numpy(name)
        return _call_with_keywords(self, name, op_name, args, kwargs)

    def _refuse_arguments(self, name, op_name, arguments):
        listed = ", ".join(f"{key}={short_repr(value)}" for key, value in arguments.items())
        raise errors.NonDiffkitFunctionError(
            f"{name} was called with {listed} on a {self.kind} value at "
            f"{user_location() or 'an unknown line'}; diffkit's version of it, dk.{op_name}, "
            "takes no such argument. Call dk." + op_name + " without it."
        )

    def __round__(self, ndigits=None):
        self._refuse_conversion("round()")

    def _refuse_numpy(self, name):
        hint = routing.FUNCTION_HINTS.get(name.removeprefix("numpy."))
        known = ", ".join(routing.known_numpy_names())
        raise errors.NonDiffkitFunctionError(
            f"{name} was applied to a {self.kind} value at {user_location() or 'an unknown line'}; "
            f"diffkit cannot follow its derivative; {hint or 'use a diffkit op (dk.*) instead'}. "
            f"The NumPy functions diffkit understands are: {known}."
        )


# An augmented assignment on the running line, its target and its operator: ``t += v``, ``out[0] *= v``.
_AUGMENTED = re.compile(r"^(.+?)\s*(\*\*|//|[-+*/@%&|^])=(?!=)")

# An item assignment on the running line: ``out[i] = v``, ``out[i, j] += v`` (not ``==``).
_ASSIGNMENT = re.compile(r"^[\w.]+\s*\[.*\]\s*(?:[-+*/@%&|^]|//|\*\*)?=(?!=)")


def _call_with_keywords(value, name, op_name, args, kwargs):
    """Call the op for NumPy's ``name``, refusing by name the keywords the op does not take."""
    op = _op(op_name)
    accepted = _keyword_names(op)
    kwargs = {key: item for key, item in kwargs.items() if key in accepted or not _is_unset(item)}
    unknown = {key: item for key, item in kwargs.items() if key not in accepted}
    if unknown:
        value._refuse_arguments(name, op_name, unknown)
    return op(*args, **kwargs)


def _routed_method(method_name, op_name):
    def method(self, *args, **kwargs):
        return _call_with_keywords(self, f"the array method .{method_name}", op_name, (self,) + args, kwargs)

    method.__name__ = method_name
    method.__doc__ = f"NumPy's ``ndarray.{method_name}``: dk.{op_name} of this value."
    return method


for _name, _op_name in routing.METHOD_TO_OP.items():
    setattr(BoxedValue, _name, _routed_method(_name, _op_name))
del _name, _op_name


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

# An array on the left of an operator hands the operation to the box on its right through
# __array_ufunc__; the box's reflected operator is the same op, without the generic lookup.
_REFLECTED_OPERATORS = {
    np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__", np.true_divide: "__rtruediv__",
    np.power: "__rpow__", np.matmul: "__rmatmul__",
}


def _is_unset(value):
    """NumPy passes ``out=None`` or ``out=(None,)`` for an argument the user left out."""
    if isinstance(value, tuple):
        return all(item is None for item in value)
    return value is None


def short_repr(value, limit=40):
    """``repr(value)`` on one line, cut to ``limit`` characters, for messages."""
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


