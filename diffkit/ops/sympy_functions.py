"""The SymPy objects diffkit's SymPy faces need beyond SymPy's own, with IEEE meanings.

SymPy's own ``Piecewise`` rewrites a condition that contains another ``Piecewise`` into
``ITE`` form and asks for its solution set: a ``where`` on the result of a ``where``
costs seconds per level, and its printed code ``numpy.select`` fails on scalar
conditions. :class:`Where` is ``dk.where`` as one opaque SymPy function: built in
constant time, differentiated by the tape's rule (each branch on its side, the
condition not at all) and printed as ``numpy.where``. A NaN constant becomes a
:class:`NanConstant` symbol: SymPy's own ``nan`` absorbs every expression it meets, so
``d/dx (x * nan)`` would be 0 where the tape, and IEEE arithmetic, give NaN; an
infinite constant becomes an :class:`InfConstant`, since SymPy's ``oo`` absorbs
``x + oo`` into ``oo``.

This module imports SymPy; the op table reaches it only from inside SymPy faces.
"""

import sympy
from sympy.logic.boolalg import Boolean

from .. import errors
from .sympy_faces import distinct_nodes


def _both(a, b):
    return a if a == b else None


class Where(sympy.Function):
    """``a`` where ``condition`` holds, else ``b``: ``dk.where`` in SymPy."""

    nargs = 3

    @classmethod
    def eval(cls, condition, a, b):
        if condition is sympy.true:
            return a
        if condition is sympy.false:
            return b
        if a == b:
            return a
        return None

    def _eval_derivative(self, symbol):
        condition, a, b = self.args
        return WhereSlope(condition, a.diff(symbol), b.diff(symbol))

    # A property holds for the selection when it holds for both branches, fails when it
    # fails for both, and is unknown otherwise (not fuzzy_and: one infinite branch does not
    # make the selection infinite).
    def _eval_is_extended_real(self):
        return _both(self.args[1].is_extended_real, self.args[2].is_extended_real)

    def _eval_is_finite(self):
        return _both(self.args[1].is_finite, self.args[2].is_finite)

    def _numpycode(self, printer):
        condition, a, b = (printer._print(arg) for arg in self.args)
        return f"{printer._module_format('numpy.where')}({condition}, {a}, {b})"

    def _pythoncode(self, printer):
        # A Python conditional evaluates only the branch taken (mpmath raises on 1/0).
        condition, a, b = (printer._print(arg) for arg in self.args)
        return f"(({a}) if ({condition}) else ({b}))"

    _mpmathcode = _pythoncode

    def _latex(self, printer):
        condition, a, b = (printer._print(arg) for arg in self.args)
        return rf"\begin{{cases}} {a} & \text{{for}}\: {condition} \\ {b} & \text{{otherwise}} \end{{cases}}"


class WhereSlope(Where):
    """The derivative of a :class:`Where`: a selection of the branches' derivatives.

    A product with it is the chain rule's upstream factor times it, which the tape's
    ``where`` selects rather than multiplies (it sends 0 to the branch not taken, whatever
    arrives, NaN included); so a product with a ``WhereSlope`` whose branch is 0 is printed
    as a selection (see :func:`diffkit.engines.dag.selections_kept`). A ``Where`` of the
    program's values is not: there ``nan * where(c, 0, 1)`` is NaN, as on the tape.
    """


class NanConstant(sympy.Dummy):
    """A NaN constant of the program: a symbol without assumptions, so SymPy decides
    nothing about it (no ``c**2 >= 0``), printed as NaN. Each occurrence is its own
    symbol, as each NaN of IEEE arithmetic is: ``nan - nan`` does not cancel to 0."""

    def __new__(cls):
        return super().__new__(cls, "nan")

    def _numpycode(self, printer):
        return printer._module_format("numpy.nan")

    def _pythoncode(self, printer):
        return "float('nan')"

    def _mpmathcode(self, printer):
        return printer._module_format("mpmath.nan")

    def _sympystr(self, printer):
        return "nan"

    def _latex(self, printer):
        return r"\mathrm{NaN}"


class InfConstant(sympy.Dummy):
    """An infinite constant of the program (``-InfConstant()`` for -inf): a positive infinite
    symbol, so SymPy still decides ``x < inf`` and ``0 * inf`` (NaN), but does not absorb
    ``x`` into ``x + oo = oo`` (whose derivative in x is then 0, where the tape's is 1).
    Each occurrence is its own symbol: ``(x + inf) - inf`` is NaN, as in floating point."""

    def __new__(cls):
        return super().__new__(cls, "inf", extended_positive=True, infinite=True)

    def _numpycode(self, printer):
        return printer._module_format("numpy.inf")

    def _pythoncode(self, printer):
        return "float('inf')"

    def _mpmathcode(self, printer):
        return printer._module_format("mpmath.inf")

    def _sympystr(self, printer):
        return "inf"

    def _latex(self, printer):
        return r"\infty"


def zero_times(value):
    """``0 * value`` as floating point computes it: NaN where ``value`` is NaN.

    SymPy makes ``0 * x`` exactly 0 whatever x is (an infinite factor aside), so a mask
    that is False (``x * (c > 0)``) would wipe out a NaN constant the tape keeps. The
    result is 0 where ``value`` holds no NaN constant, a NaN constant where one reaches it
    through arithmetic, and a selection of those where a ``Where`` decides whether it does.
    """
    if isinstance(value, NanConstant):
        return NanConstant()  # a NaN constant still, as on the tape: 0 * nan is the same NaN
    product = sympy.S.Zero * value  # nan for an infinite value (0 * oo, 0 * zoo), as in floating point
    if not product.is_zero or not any(isinstance(node, NanConstant) for node in distinct_nodes([value])):
        return product
    if isinstance(value, Where):
        condition, a, b = value.args
        return type(value)(condition, zero_times(a), zero_times(b))
    return sympy.Add(*(zero_times(arg) for arg in value.args if isinstance(arg, sympy.Expr)))


def multiply(a, b):
    """``a * b`` with floating point's ``0 * nan = nan`` (see :func:`zero_times`)."""
    if a.is_zero and a.is_number:
        return zero_times(b)
    if b.is_zero and b.is_number:
        return zero_times(a)
    return a * b


def divide(a, b):
    """``a / b`` with floating point's ``0 / nan = nan``."""
    if a.is_zero and a.is_number and not b.is_zero:
        return zero_times(b)
    return a / b


def is_logical(value):
    """A truth value (``x < 1``, ``true``, ``And(...)``); SymPy's symbols are Booleans too, but numbers here."""
    return isinstance(value, Boolean) and not isinstance(value, sympy.Expr)


def as_condition(value):
    """A where-condition as a SymPy Boolean: NumPy's truth of a number (nonzero, NaN
    included), ``Ne(value, 0)`` for an expression."""
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    value = sympy.sympify(value)
    if is_logical(value):
        return value
    if value.is_number and not isinstance(value, NanConstant):
        return sympy.false if value.is_zero else sympy.true
    return sympy.Ne(value, 0)


def as_number(value):
    """A Boolean used as a number (``x * (x > 0)``) is 1 where it holds and 0 elsewhere."""
    if isinstance(value, bool):
        return sympy.Integer(int(value))
    if is_logical(value):
        return where(value, sympy.Integer(1), sympy.Integer(0))
    return value


def where(condition, a, b):
    """``Where`` with NumPy's reading of the condition and of Boolean branches."""
    return Where(as_condition(condition), as_number(a), as_number(b))


def undefined(value):
    """Whether ``value`` is SymPy's ``nan`` or ``zoo`` (what exact 0/0, 1/0, log(0) give)."""
    return value is sympy.S.NaN or value is sympy.S.ComplexInfinity


def refuse_complex_infinity(operation):
    """The error for an op that needs the sign of SymPy's complex infinity (``zoo``)."""
    return errors.UnsupportedError(
        f"{operation} met SymPy's complex infinity (zoo), which SymPy makes of an exact "
        "division by zero (for example 1 / (x * 0), a value a mask made exactly 0 divided "
        "by): it has no sign, so the symbolic methods cannot compare it, where floating point "
        "gives +inf or -inf. Differentiate this program with 'tape', 'forward-mode' or a "
        "finite-difference method."
    )


def refuse_non_real(operation, exc):
    """The error for an op SymPy refused because an operand is not a real number."""
    return errors.UnsupportedError(
        f"{operation} met a value SymPy does not take for a real number ({exc}): SymPy's exact "
        "arithmetic made it complex where floating point gives NaN. Differentiate this program "
        "with 'tape', 'forward-mode' or a finite-difference method."
    )


_RELATIONS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


def compare(name, a, b):
    """``a < b`` (``name`` "lt", "le", ... "ne") for SymPy scalars, with IEEE's answers for NaN
    (every comparison False, ``!=`` True), which SymPy refuses with a TypeError. ``==`` is
    ``Eq``: SymPy's own ``==`` asks whether two expressions are the same tree. Complex
    infinity, which has no sign, is refused by name in an ordering (``==`` needs no sign), and so
    are values that are not real."""
    symbol = _RELATIONS[name]
    if undefined(a) or undefined(b):
        if name in ("eq", "ne") and sympy.S.NaN not in (a, b):
            return sympy.Eq(a, b) if name == "eq" else sympy.Ne(a, b)  # zoo == 0 is False whatever its sign
        if a is sympy.S.ComplexInfinity or b is sympy.S.ComplexInfinity:
            raise refuse_complex_infinity(f"a comparison ({symbol})")
        return sympy.true if name == "ne" else sympy.false
    try:
        if name == "eq":
            return sympy.Eq(a, b)
        if name == "ne":
            return sympy.Ne(a, b)
        return sympy.core.relational.Relational(a, b, symbol)
    except TypeError as exc:  # "Invalid comparison of non-real I"
        raise refuse_non_real(f"a comparison ({symbol})", exc) from None


def _extremum(function, name):
    """SymPy's ``Max``/``Min`` with IEEE NaN: a NaN operand gives NaN (``np.maximum``),
    where SymPy refuses it as 'not comparable'; complex infinity is refused by name."""

    def ieee(*args):
        if any(arg is sympy.S.ComplexInfinity for arg in args):
            raise refuse_complex_infinity(f"dk.{name} (or relu, leaky_relu, elu, which use it)")
        if any(arg is sympy.S.NaN for arg in args):
            return sympy.S.NaN
        try:
            return function(*args)
        except (TypeError, ValueError) as exc:  # "The argument 'I' is not comparable"
            raise refuse_non_real(f"dk.{name} (or relu, leaky_relu, elu, which use it)", exc) from None

    ieee.__name__ = name
    return ieee


maximum = _extremum(sympy.Max, "maximum")
minimum = _extremum(sympy.Min, "minimum")
