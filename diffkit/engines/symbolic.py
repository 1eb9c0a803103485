"""Symbolic values: object arrays of SymPy expressions that flow through a program.

A :class:`SymbolicArray` applies each primitive's SymPy face. Comparisons give a
:class:`SymbolicCondition`; asking for its truth value (``if``, ``while``) works when
SymPy can decide it (numbers) and raises :class:`SymbolicControlFlowError`, naming the
program line, when it depends on a symbol.
"""

import contextlib

import numpy as np
from ..core.lazy import sympy

from .. import errors
from ..core.frames import user_location
from ..ops.sympy_faces import as_object_array, functions
from ..core.values import BoxedValue, plain_value


_constant_digits = [None]  # digits of float constants; None: their own double precision


@contextlib.contextmanager
def float_constants_at(digits):
    """Inside, float constants become ``digits``-digit SymPy Floats (same exact value).

    Two double-precision Floats multiply at double precision in SymPy, so a
    high-precision evaluation would round wherever SymPy meets two constants together;
    at ``digits`` digits their product is exact.
    """
    previous = _constant_digits[0]
    _constant_digits[0] = digits
    try:
        yield
    finally:
        _constant_digits[0] = previous


def to_sympy_number(value):
    """A plain number as an exact SymPy number (a float's binary value is kept exactly).

    Non-finite floats become symbols that SymPy does no arithmetic with beyond IEEE's
    (:class:`~diffkit.ops.sympy_functions.NanConstant`, ``InfConstant``): SymPy's own
    ``nan`` and ``oo`` would swallow the expression (``x * nan = nan``, ``x + oo = oo``),
    which then differentiates to 0.
    """
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, (bool, np.bool_)):
        return sympy.true if value else sympy.false
    if isinstance(value, (int, np.integer)):
        return sympy.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value != value:
            return functions.NanConstant()
        if value in (np.inf, -np.inf):
            return functions.InfConstant() if value > 0 else -functions.InfConstant()
        if value.is_integer():
            return sympy.Integer(int(value))
        if _constant_digits[0]:
            return sympy.Float(value, _constant_digits[0])
        return sympy.Float(value)
    raise errors.InputError(f"cannot use {value!r} ({type(value).__name__}) in a symbolic program: pass a number "
                            "or an array of numbers there (np.asarray(values, dtype=float) converts numeric strings)")


_to_sympy_array = np.frompyfunc(to_sympy_number, 1, 1)


def to_object_array(value):
    """Any operand (symbolic, number, array) as an object array of SymPy objects."""
    if isinstance(value, (SymbolicArray, SymbolicCondition)):
        return value.array
    if isinstance(value, BoxedValue):
        raise errors.InputError(f"a {value.kind} value cannot be mixed with symbolic values")
    with np.errstate(all="ignore"):  # SymPy's arithmetic inside the loop may raise NumPy's flags
        return as_object_array(_to_sympy_array(np.asarray(value)))


def _operand(primitive, position, value):
    """An operand of ``primitive`` as SymPy objects; a condition used as a number is 0 or 1
    (``x * (x > 0)``, ``x * mask``), as NumPy reads a boolean in arithmetic."""
    if primitive.name == "where" and position == 0:
        return to_object_array(value)
    if isinstance(value, SymbolicCondition):
        return value.indicator()
    if isinstance(value, (bool, np.bool_)) or isinstance(value, np.ndarray) and value.dtype == bool:
        value = np.asarray(value, dtype=np.int64)
    return to_object_array(value)


def _refuse_complex_infinity(primitive, array):
    """Refuse SymPy's complex infinity where an op makes it (an exact x / 0, 0 ** -1).

    It has no sign, and SymPy's algebra can make it vanish again (x / zoo = 0), where
    floating point's signed infinity or NaN stays: refused where it is made, at once. It
    is made at the top of an op's result (zoo, or zoo times something), so looking there
    costs one check per element.
    """
    zoo = sympy.S.ComplexInfinity
    for element in array.flat:
        if element is zoo or isinstance(element, sympy.Mul) and zoo in element.args:
            raise functions.refuse_complex_infinity(f"{primitive.public} at {user_location() or 'an unknown line'}")


def symbol_array(name, shape):
    """Real SymPy symbols for an argument, named after it and each index (``W1[0,2]``)."""
    if shape == ():
        return as_object_array(sympy.Symbol(name, real=True))
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        label = ",".join(str(i) for i in index)
        array[index] = sympy.Symbol(f"{name}[{label}]", real=True)
    return array


class SymbolicArray(BoxedValue):
    """An array (or scalar) of SymPy expressions."""

    __slots__ = ("array",)
    kind = "symbolic"
    _level = 0

    def __init__(self, array):
        self.array = as_object_array(array)

    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        """float64: the symbolic methods evaluate their expressions in double precision."""
        return np.dtype(np.float64)

    def _process(self, primitive, args, params):
        arrays = [_operand(primitive, position, a) for position, a in enumerate(args)]
        result = as_object_array(primitive.evaluate_symbolic(arrays, params))
        _refuse_complex_infinity(primitive, result)
        return SymbolicArray(result)

    def _compare(self, op_name, other):
        relation = np.frompyfunc(_RELATIONS[op_name], 2, 1)
        return SymbolicCondition(relation(self.array, to_object_array(other)))

    def _decided(self):
        """The numbers of a value without symbols (a 50-digit evaluation); symbols cannot be decided."""
        numbers = np.empty(self.array.shape, dtype=float)
        for index, entry in np.ndenumerate(self.array):
            entry = sympy.sympify(entry)
            if not entry.is_number:
                raise errors.SymbolicControlFlowError(
                    f"the program reads the numbers of a symbolic value at {user_location() or 'an unknown line'} "
                    f"(an argmax, a sort, a value test such as np.isnan or a selection that depends on {entry}), "
                    "which the symbolic method "
                    "cannot decide. Differentiate this program with 'tape' or a finite-difference method."
                )
            numbers[index] = float(entry)
        return numbers

    def _read_position(self, function, values, params):
        """A read from the values (see :func:`~diffkit.core.values.read_position`): np.isnan, np.isinf
        and np.isfinite of one value where SymPy decides them for every input (an input is finite,
        ``log(x)`` may be NaN: :func:`~diffkit.ops.sympy_functions.float_class`), any other read
        where the values are numbers; else SymbolicControlFlowError, as for ``x[x > 0]``."""
        tested = _FLOAT_CLASS_TESTS.get(function)
        if tested is not None and len(values) == 1 and not params:
            classes = np.asarray(np.frompyfunc(functions.float_class, 1, 1)(self.array), dtype=object)
            if None not in classes.reshape(-1):
                return np.asarray(classes == tested, dtype=bool)
        return function(*(plain_value(value) for value in values), **params)

    def _held(self):
        return self.array

    def _become(self, updated):
        self.array = to_object_array(updated)

    def expression(self):
        """The single SymPy expression of a size-1 value."""
        if self.array.size != 1:
            raise errors.NonScalarOutputError(
                f"expected a single expression, got an array of shape {self.array.shape}"
            )
        return self.array.reshape(-1)[0]

    def __bool__(self):
        return bool(SymbolicCondition(np.frompyfunc(sympy.Ne, 2, 1)(self.array, 0)))

    def __repr__(self):
        if self.array.ndim == 0:
            return f"SymbolicArray({self.array[()]})"
        return f"SymbolicArray(shape={self.array.shape})"

    def _repr_latex_(self):
        content = self.array[()] if self.array.ndim == 0 else sympy.Array(self.array.tolist())
        return f"${sympy.latex(content)}$"


_FLOAT_CLASS_TESTS = {np.isnan: "nan", np.isinf: "inf", np.isfinite: "finite"}
"""The value tests the symbolic methods decide from the expressions, by the float class each asks about."""


def _relation(name):
    def relation(a, b):
        return functions.compare(name, a, b)  # looked up at the call: SymPy loads on first use

    return relation


_RELATIONS = {name: _relation(name) for name in ("lt", "le", "gt", "ge", "eq", "ne")}


_LOGICAL_SYMBOLS = {"And": "&", "Or": "|", "Xor": "^", "Not": "~"}
_LOGICAL_UFUNCS = {
    "bitwise_and": "And", "logical_and": "And", "bitwise_or": "Or", "logical_or": "Or",
    "bitwise_xor": "Xor", "logical_xor": "Xor", "invert": "Not", "logical_not": "Not",
}


def condition_array(value):
    """An operand of ``&``, ``|``, ``~`` as an object array of SymPy truth values."""
    return np.frompyfunc(functions.as_condition, 1, 1)(to_object_array(value))


class SymbolicCondition(BoxedValue):
    """The result of comparing symbolic values: decidable only when SymPy can decide it."""

    __slots__ = ("array",)
    kind = "symbolic condition"
    _level = 0

    def __init__(self, array):
        self.array = as_object_array(array)

    @property
    def shape(self):
        return self.array.shape

    _process = SymbolicArray._process
    _compare = SymbolicArray._compare

    def _decided(self):
        return np.asarray(self)

    def _become(self, updated):
        raise errors.InputError(
            f"item assignment into a symbolic condition at {user_location() or 'an unknown line'}: combine "
            "conditions with &, | and ~ instead"
        )

    def indicator(self):
        """The condition as a number, 1 where it holds and 0 elsewhere (``x * (x > 0)``)."""
        return np.frompyfunc(functions.as_number, 1, 1)(self.array)

    def __bool__(self):
        if self.array.size != 1:
            raise errors.InputError(
                f"the truth value of a condition on {self.array.size} symbolic elements is "
                f"ambiguous at {user_location()}: use .all() or .any(), or dk.where(cond, a, b)"
            )
        condition = self.array.reshape(-1)[0]
        if condition in (sympy.true, True):
            return True
        if condition in (sympy.false, False):
            return False
        raise errors.SymbolicControlFlowError(
            f"the program branches on a symbolic value at {user_location() or 'an unknown line'}: "
            f"the condition {condition} depends on the inputs, so the symbolic method cannot "
            "decide which way to go. Differentiate this program with 'tape' or a finite-"
            "difference method, or write the branch as dk.where(condition, a, b)."
        )

    def __array__(self, dtype=None, copy=None):
        """A boolean mask (``x[x > 0]``): fine when SymPy can decide every entry."""
        decided = np.empty(self.array.shape, dtype=bool)
        for index, condition in np.ndenumerate(self.array):
            if condition not in (sympy.true, sympy.false, True, False):
                raise errors.SymbolicControlFlowError(
                    f"the program selects entries with a condition on symbolic values at "
                    f"{user_location() or 'an unknown line'}: the condition {condition} depends on "
                    "the inputs, so the symbolic method cannot decide which entries to keep. "
                    "Differentiate this program with 'tape' or a finite-difference method, or "
                    "write the selection as dk.where(condition, x, 0.0)."
                )
            decided[index] = bool(condition)
        return decided if dtype is None else decided.astype(dtype)

    def all(self):
        return SymbolicCondition(sympy.And(*self.array.reshape(-1)))

    def any(self):
        return SymbolicCondition(sympy.Or(*self.array.reshape(-1)))

    # --- logic, and the moves that keep a condition a condition (the tape's are NumPy bools) ---
    def _logical(self, name, *operands):
        for operand in operands:
            if isinstance(operand, BoxedValue) and not isinstance(operand, SymbolicCondition):  # mask & x
                operand._refuse_bitwise(_LOGICAL_SYMBOLS[name])
        function = getattr(sympy, name)
        arrays = [condition_array(operand) for operand in operands]
        return SymbolicCondition(np.frompyfunc(function, len(arrays), 1)(*arrays))

    def __and__(self, other):
        return self._logical("And", self, other)

    def __rand__(self, other):
        return self._logical("And", other, self)

    def __or__(self, other):
        return self._logical("Or", self, other)

    def __ror__(self, other):
        return self._logical("Or", other, self)

    def __xor__(self, other):
        return self._logical("Xor", self, other)

    def __rxor__(self, other):
        return self._logical("Xor", other, self)

    def __invert__(self):
        return self._logical("Not", self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _LOGICAL_UFUNCS.get(ufunc.__name__)
        if name is not None and method == "__call__" and not kwargs:  # np.logical_and(mask, x > 0)
            return self._logical(name, *inputs)
        return super().__array_ufunc__(ufunc, method, *inputs, **kwargs)

    def __getitem__(self, index):
        return SymbolicCondition(self.array[index])

    def reshape(self, *shape):
        return SymbolicCondition(self.array.reshape(*shape))

    def transpose(self, *axes):
        return SymbolicCondition(self.array.transpose(*axes))

    @property
    def T(self):
        return self.transpose()

    def __repr__(self):
        return f"SymbolicCondition({self.array!r})"
