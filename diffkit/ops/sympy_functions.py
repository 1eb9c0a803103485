"""The SymPy objects diffkit's SymPy faces need beyond SymPy's own, with floating point's meanings.

- :class:`Where` is ``dk.where`` as one opaque SymPy function: built in constant time,
  differentiated by the tape's rule (each branch on its side, the condition not at all)
  and printed as ``numpy.where``. SymPy's ``Piecewise`` rewrites a condition that holds
  another ``Piecewise`` into ``ITE`` form and solves it (a where on a where cost seconds
  per level), and prints as ``numpy.select``, which fails on scalar conditions.
- :class:`NanConstant` and :class:`InfConstant` stand for the program's non-finite floats:
  SymPy's ``nan`` and ``oo`` swallow what they meet (``x * nan = nan``, ``x + oo = oo``),
  whose derivative in x then comes out 0, where the tape's is NaN and 1.
- :func:`compare`, :func:`maximum`, :func:`minimum`, :func:`multiply` and :func:`divide`
  give floating point's answers where SymPy's differ or fail: NaN compares False,
  ``0 * nan`` is NaN, ``x < inf`` holds; complex infinity and non-real values are refused
  by name (:class:`~diffkit.errors.UnsupportedError`).

This module imports SymPy; the op table reaches it only from inside SymPy faces.
"""

import math

import numpy as np
import sympy
from sympy.logic.boolalg import Boolean

from .. import errors
from .sympy_faces import distinct_nodes


_nan_constants_made = [0]  # while 0, no expression can hold one: the common case costs nothing


def holds_nan_constant(value):
    """Whether a :class:`NanConstant` is part of ``value`` (each distinct node visited once)."""
    if not _nan_constants_made[0] or not isinstance(value, sympy.Basic):
        return False
    return any(isinstance(node, NanConstant) for node in distinct_nodes([value]))


def surely_nan(value):
    """Whether ``value`` is NaN whatever the inputs: a NaN constant reaches it through
    arithmetic, which NaN always goes through (not only through one branch of a ``Where``)."""
    if not holds_nan_constant(value):
        return False
    nan = {}
    for node in distinct_nodes([value]):
        if isinstance(node, NanConstant):
            nan[node] = True
        elif isinstance(node, Where):
            nan[node] = nan[node.args[1]] and nan[node.args[2]]
        else:
            nan[node] = isinstance(node, sympy.Expr) and any(nan[arg] for arg in node.args)
    return nan[value]


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


class _PiecewiseConstant(sympy.Function):
    """A real function that is constant between its jumps (a count, a weight, a sign): derivative 0."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _eval_is_extended_real(self):
        return True


class _Extremum(sympy.Function):
    """The largest (or smallest) of its arguments, one n-ary function: ``dk.max``/``dk.min`` in SymPy.

    Its derivative with respect to an argument is that argument's share of the extremum
    (:func:`tie_share`): 1/k to each of k tied entries under the default kink convention, as
    the tape's rule gives, where a tree of pairwise maxima would give 1/2, 1/4, 1/4 to a tie
    of three. Printed as NumPy's own reduction, so its value is NumPy's to the last bit (the
    pairwise form ``(a + b + |a - b|) / 2`` is not: 0.7000000000000001 for the max of 0.3 and
    0.7, which no entry then equals).
    """

    pick = None  # SymPy's Max or Min, for arguments that are all numbers
    numpy_name = ""  # NumPy's reduction over the stacked arguments
    python_name = ""  # Python's builtin, which mpmath's numbers take
    latex_name = ""

    @classmethod
    def eval(cls, *entries):
        if len(entries) == 1:
            return entries[0]
        if any(entry is sympy.S.ComplexInfinity for entry in entries):
            raise refuse_complex_infinity(f"dk.{cls.python_name} (a max or min reduction)")
        if any(entry is sympy.S.NaN for entry in entries):
            return sympy.S.NaN
        if all(entry.is_number for entry in entries):
            try:
                return cls.pick(*entries)
            except (TypeError, ValueError) as exc:  # "The argument 'I' is not comparable"
                raise refuse_non_real(f"dk.{cls.python_name} (a max or min reduction)", exc) from None
        return None  # entries are not merged, not even equal ones: each copy is its own share of a tie

    def fdiff(self, argindex=1):
        return tie_share(self.args[argindex - 1], self)

    def _eval_is_extended_real(self):
        return True if all(entry.is_extended_real for entry in self.args) else None

    def _eval_is_finite(self):
        return True if all(entry.is_finite for entry in self.args) else None

    def _numpycode(self, printer):
        entries = ", ".join(printer._print(entry) for entry in self.args)
        stacked = f"{printer._module_format('numpy.broadcast_arrays')}({entries})"
        return f"{printer._module_format('numpy.' + self.numpy_name)}({stacked}, axis=0)"

    def _pythoncode(self, printer):
        return f"{self.python_name}({', '.join(printer._print(entry) for entry in self.args)})"

    _mpmathcode = _pythoncode

    def _latex(self, printer):
        return rf"\{self.latex_name}\left({', '.join(printer._print(entry) for entry in self.args)}\right)"


class Largest(_Extremum):
    """The largest of the arguments (NaN if one is NaN, as ``np.max``)."""

    pick, numpy_name, python_name, latex_name = sympy.Max, "amax", "max", "max"


class Smallest(_Extremum):
    """The smallest of the arguments (NaN if one is NaN, as ``np.min``)."""

    pick, numpy_name, python_name, latex_name = sympy.Min, "amin", "min", "min"


class TieCount(_PiecewiseConstant):
    """``TieCount(m, a_1, ..., a_n)``: how many of the ``a_j`` equal ``m`` (a count: no derivative)."""

    @classmethod
    def eval(cls, extremum, *entries):
        hits = [sympy.Eq(entry, extremum) for entry in entries]
        if all(hit in (sympy.true, sympy.false) for hit in hits):
            return sympy.Integer(sum(hit is sympy.true for hit in hits))
        return None

    def _numpycode(self, printer):
        extremum, *entries = (printer._print(arg) for arg in self.args)
        stacked = f"{printer._module_format('numpy.broadcast_arrays')}({', '.join(entries)})"
        equal = printer._module_format("numpy.equal")
        return f"{printer._module_format('numpy.count_nonzero')}({equal}({stacked}, {extremum}), axis=0)"

    def _pythoncode(self, printer):
        extremum, *entries = (printer._print(arg) for arg in self.args)
        return "(" + " + ".join(f"int(({entry}) == ({extremum}))" for entry in entries) + ")"

    _mpmathcode = _pythoncode

    def _latex(self, printer):
        extremum, *entries = (printer._print(arg) for arg in self.args)
        return rf"\operatorname{{ties}}\left({extremum}; {', '.join(entries)}\right)"


class TieWeight(_PiecewiseConstant):
    """``TieWeight(m, a_1, ..., a_n)``: the share of the extremum ``m`` that each of the ``a_j``
    attaining it receives: 1/k for k of them, the default kink convention ("mean").

    SymPy caches the derivatives of sums and products, so a derivative cannot read the kink
    convention while it is formed; :func:`~diffkit.ops.sympy_faces.with_kink_convention`
    rewrites this weight afterwards (:meth:`under`), as it sets ``Heaviside``'s value at 0.
    """

    def under(self, convention):
        """The weight under ``convention``: 1/k ("mean"), 1 ("one"), 1 for a lone extremum and 0 for a tie ("zero")."""
        if convention == "one":
            return sympy.S.One
        if convention == "zero":
            return Where(sympy.Eq(TieCount(*self.args), 1), sympy.S.One, sympy.S.Zero)
        return self

    def _numpycode(self, printer):
        return f"1 / {printer._print(TieCount(*self.args))}"

    def _pythoncode(self, printer):
        return f"1 / {printer._print(TieCount(*self.args))}"

    def _mpmathcode(self, printer):
        return f"{printer._module_format('mpmath.mpf')}(1) / {printer._print(TieCount(*self.args))}"

    def _latex(self, printer):
        return rf"\frac{{1}}{{{printer._print(TieCount(*self.args))}}}"


def tie_share(entry, extremum):
    """The derivative of ``extremum`` (a :class:`Largest` or :class:`Smallest`) with respect to
    one of its arguments, ``entry``: 0 where the entry is not the extremum, the
    :class:`TieWeight` of the extremum where it is (1/k each for k tied entries, the tape's
    rule in ``diffkit.ops.reductions``)."""
    return Where(sympy.Eq(entry, extremum), TieWeight(extremum, *extremum.args), sympy.S.Zero)


def symmetric_2x2_eigenvectors(a, b, d, cos, sin, atan2):
    """Unit eigenvectors (columns, ascending eigenvalues) of [[a, b], [b, d]] as a rotation by
    theta = atan2(2b, a - d) / 2, in the functions given (SymPy's or NumPy's): one smooth
    closed form away from a repeated eigenvalue, whose sign :class:`EigenvectorSign` sets."""
    angle = atan2(2 * b, a - d) / 2
    c, s = cos(angle), sin(angle)
    return ((-s, c), (c, s))  # column 0: (-s, c); column 1: (c, s)


def eigenvector_sign(column, a, b, d):
    """+1 or -1: the sign that turns column ``column`` of :func:`symmetric_2x2_eigenvectors` into
    ``np.linalg.eigh``'s at the matrix [[a, b], [b, d]] (floats, NumPy scalars or mpmath numbers)."""
    a, b, d = float(a), float(b), float(d)
    _, vectors = np.linalg.eigh(np.array([[a, b], [b, d]]))
    closed = symmetric_2x2_eigenvectors(a, b, d, math.cos, math.sin, math.atan2)[int(column)]
    return 1 if vectors[0, int(column)] * closed[0] + vectors[1, int(column)] * closed[1] >= 0 else -1


def qr_sign(row, rows, columns, *entries):
    """+1 or -1: the sign of ``R[row, row]`` in ``np.linalg.qr`` of the ``rows x columns`` matrix
    whose entries (row-major) are given (floats, NumPy scalars or mpmath numbers)."""
    matrix = np.array([float(entry) for entry in entries]).reshape(int(rows), int(columns))
    return 1 if np.linalg.qr(matrix)[1][int(row), int(row)] >= 0 else -1


class _SignAtPoint(_PiecewiseConstant):
    """A sign LAPACK chooses (+1 or -1), read where the expression is evaluated: the compiled
    code calls NumPy's routine there (:attr:`numeric`, a function of this module). The sign
    stays put under small changes of its arguments, so its derivative is 0; a face that
    multiplies a closed form by it has NumPy's values at every point it is evaluated at."""

    numeric = ""

    @classmethod
    def eval(cls, *args):
        if all(arg.is_number for arg in args):
            return sympy.Integer(globals()[cls.numeric](*args))
        return None

    def _numpycode(self, printer):
        arguments = ", ".join(printer._print(arg) for arg in self.args)
        return f"{printer._module_format(f'{__name__}.{self.numeric}')}({arguments})"

    _pythoncode = _mpmathcode = _numpycode

    def _latex(self, printer):
        return rf"s_{{{printer._print(self.args[0])}}}"


class EigenvectorSign(_SignAtPoint):
    """``EigenvectorSign(k, a, b, d)``: the sign LAPACK gives eigenvector ``k`` of [[a, b], [b, d]]
    relative to :func:`symmetric_2x2_eigenvectors` (:func:`eigenvector_sign`)."""

    numeric = "eigenvector_sign"


class QRSign(_SignAtPoint):
    """``QRSign(k, m, n, *entries)``: the sign of LAPACK's ``R[k, k]`` for the m x n matrix (:func:`qr_sign`)."""

    numeric = "qr_sign"


class _FloatConstant(sympy.Dummy):
    """A non-finite float of the program as a symbol without assumptions: SymPy decides
    nothing about it, and each printer writes the float itself. Each occurrence is its
    own symbol, as each value of floating point is: ``nan - nan`` does not cancel to 0."""

    label = ""  # the float's name in NumPy, mpmath and Python alike: "nan", "inf"
    latex = ""
    assumptions = {}

    def __new__(cls, name=None, dummy_index=None, **_):  # (name, index, assumptions): what a pickle gives back
        return super().__new__(cls, cls.label, dummy_index=dummy_index, **cls.assumptions)

    def _numpycode(self, printer):
        return printer._module_format(f"numpy.{self.label}")

    def _mpmathcode(self, printer):
        return printer._module_format(f"mpmath.{self.label}")

    def _pythoncode(self, printer):
        return f"float('{self.label}')"

    def _sympystr(self, printer):
        return self.label

    def _latex(self, printer):
        return self.latex


class NanConstant(_FloatConstant):
    """A NaN constant of the program (SymPy's own ``nan`` swallows what it meets, so
    ``d/dx (x * nan)`` would be 0; no assumption either, so no ``c**2 >= 0``)."""

    label = "nan"
    latex = r"\mathrm{NaN}"

    def __new__(cls, name=None, dummy_index=None, **_):
        _nan_constants_made[0] += 1
        return super().__new__(cls, name, dummy_index)


class InfConstant(_FloatConstant):
    """An infinite constant of the program (``-InfConstant()`` for -inf). SymPy's ``oo``
    absorbs ``x`` into ``x + oo = oo`` (whose derivative in x is then 0, where the tape's is
    1), and a symbol declared infinite meets SymPy's slips with infinities (it takes
    ``tanh(x + inf)`` for zero); so it is only declared extended real (``d|x + inf|/dx``
    is ``sign(x + inf)``, not a complex derivative), and ``(x + inf) - inf`` is NaN."""

    label = "inf"
    assumptions = {"extended_real": True}
    latex = r"\infty"


def zero_times(value):
    """``0 * value`` as floating point computes it: NaN where ``value`` is NaN or infinite.

    SymPy makes ``0 * x`` exactly 0 whatever x is (SymPy's own infinities aside), so a mask
    that is False (``x * (c > 0)``) would wipe out a NaN or infinite constant the tape
    keeps. The result is 0 where ``value`` is a finite number, a NaN constant where a NaN
    constant reaches it (through any arithmetic) or an infinite constant is one of its
    terms or factors, and a selection of those where a ``Where`` decides which.
    """
    product = sympy.S.Zero * value  # nan for SymPy's own infinities (0 * oo, 0 * zoo), as in floating point
    if not product.is_zero:
        return product
    if not any(isinstance(node, _NON_FINITE) for node in distinct_nodes([value])):
        return product
    return _nan_part(value) + _infinite_part(value)


def _nan_part(value):
    """NaN where a NaN constant reaches ``value`` (NaN goes through every op but a selection), else 0."""
    if isinstance(value, NanConstant):
        return NanConstant()
    if not holds_nan_constant(value):
        return sympy.S.Zero
    if isinstance(value, Where):
        condition, a, b = value.args
        return type(value)(condition, _nan_part(a), _nan_part(b))
    return sympy.Add(*(_nan_part(arg) for arg in value.args if isinstance(arg, sympy.Expr)))


def _infinite_part(value):
    """NaN where an infinite constant is a term or factor of ``value`` (0 * inf), else 0.
    Inside another function it may be finite again (1 / inf, exp(-inf), tanh(inf))."""
    if isinstance(value, InfConstant):
        return NanConstant()
    if isinstance(value, Where):
        condition, a, b = value.args
        return type(value)(condition, _infinite_part(a), _infinite_part(b))
    if value.is_Add or value.is_Mul:
        return sympy.Add(*(_infinite_part(arg) for arg in value.args))
    return sympy.S.Zero


_NON_FINITE = (NanConstant, InfConstant)


def multiply(a, b):
    """``a * b`` with floating point's ``0 * nan = nan`` (see :func:`zero_times`)."""
    if a.is_Number and a.is_zero:  # a class flag first: no assumption query on every product
        return zero_times(b)
    if b.is_Number and b.is_zero:
        return zero_times(a)
    return a * b


def divide(a, b):
    """``a / b`` with floating point's ``0 / nan = nan`` (and ``0 / inf = 0``, as SymPy has it)."""
    if a.is_Number and a.is_zero and not (b.is_Number and b.is_zero) and holds_nan_constant(b):
        return _nan_part(b)
    return a / b


def float_class(value):
    """What floating point makes of the SymPy scalar ``value`` for every value of the inputs:
    ``"nan"``, ``"inf"`` or ``"finite"``, or None when that depends on the inputs (``log(x)`` is
    NaN for x < 0, ``1 / x`` infinite at 0). The value tests of the symbolic methods (np.isnan,
    np.isinf, np.isfinite) read it: SymPy's real expressions are finite (an input, ``x**2``,
    ``exp(x)``; a float overflow to inf is not foreseen), a NaN constant reaching a value through
    arithmetic makes it NaN, and an infinite constant is infinite."""
    value = sympy.sympify(value)
    if value is sympy.S.NaN or surely_nan(value):
        return "nan"
    if value.is_real:  # SymPy's real numbers are finite
        return "finite"
    if isinstance(value, InfConstant) or isinstance(-value, InfConstant) or value.is_infinite and value.is_extended_real:
        return "inf"
    return None


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
        f"{operation} made or met SymPy's complex infinity (zoo), which SymPy makes of an "
        "exact division by zero (for example 1 / (x * 0), a value a mask made exactly 0 "
        "divided by): it has no sign, where floating point gives +inf, -inf or NaN, so the "
        "symbolic methods cannot follow the program from there. Differentiate this program "
        "with 'tape', 'forward-mode' or a finite-difference method."
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
    a, b = sympy.sympify(a), sympy.sympify(b)
    if undefined(a) or undefined(b):
        if name in ("eq", "ne") and sympy.S.NaN not in (a, b):
            return sympy.Eq(a, b) if name == "eq" else sympy.Ne(a, b)  # zoo == 0 is False whatever its sign
        if a is sympy.S.ComplexInfinity or b is sympy.S.ComplexInfinity:
            raise refuse_complex_infinity(f"a comparison ({symbol})")
        return sympy.true if name == "ne" else sympy.false
    decided = _against_infinity(name, a, b)
    if decided is not None:
        return decided
    if surely_nan(a) or surely_nan(b):  # SymPy would decide max(0, nan * y) > -1 for any y
        return sympy.true if name == "ne" else sympy.false
    try:
        if name == "eq":
            return sympy.Eq(a, b)
        if name == "ne":
            return sympy.Ne(a, b)
        return sympy.core.relational.Relational(a, b, symbol)
    except TypeError as exc:  # "Invalid comparison of non-real I"
        raise refuse_non_real(f"a comparison ({symbol})", exc) from None


def _infinity_sign(value):
    """+1 for an infinite constant, -1 for its negative, None for anything else."""
    if isinstance(value, InfConstant):
        return 1
    if value.is_Mul and len(value.args) == 2 and value.args[0] == -1 and isinstance(value.args[1], InfConstant):
        return -1
    return None


def _against_infinity(name, a, b):
    """A comparison with an infinite constant, decided as floating point decides it
    (``x < inf`` for a finite x, ``-inf < inf``, ``inf == inf``), or None. (The constants
    carry no assumptions, so SymPy would leave it open, and an ``if x < inf:`` would look
    like a branch on the inputs.)"""
    sign_a, sign_b = _infinity_sign(a), _infinity_sign(b)
    if sign_a is None and sign_b is None:
        return None
    if sign_a is not None and sign_b is not None:
        order = sign_a - sign_b  # the sign of a - b: 0 for two infinities of one sign
    else:
        finite = b if sign_a is not None else a
        if finite.is_finite is not True:
            return None
        order = sign_a if sign_a is not None else -sign_b
    truth = {"lt": order < 0, "le": order <= 0, "gt": order > 0, "ge": order >= 0, "eq": order == 0, "ne": order != 0}
    return sympy.true if truth[name] else sympy.false


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
