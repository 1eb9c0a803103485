"""Complex-step values: a real value carrying an imaginary perturbation through analytic ops.

The complex-step derivative ``Im f(x + ih) / h`` needs every op on the way to be
analytic. A :class:`ComplexStepValue` applies each primitive's NumPy face to complex
numbers and refuses non-analytic ops (abs, relu, max...) with a clear error, instead
of a silently wrong derivative. Comparisons look at the real part, the program's real
value. A real op outside its real domain (sqrt or log of a negative number) gives NaN,
as in the program's real arithmetic.

Those checks run on every op, so they are kept cheap: where NumPy's arithmetic rules a
check out (the real part of a complex sum is the real sum; ``x ** 2`` is defined for
every real ``x``) it is skipped, a scalar's finiteness is read without a ufunc call, and
Python's operators come straight to :meth:`ComplexStepValue._process`.
"""

import cmath

import numpy as np

from .. import errors
from .. import ops
from ..core.frames import user_location
from ..core.values import COMPARISONS, BoxedValue, is_complex_constant, refuse_complex_constants


class ComplexStepValue(BoxedValue):
    """A real value carrying an imaginary perturbation through analytic ops."""

    __slots__ = ("value",)
    kind = "complex-step"
    _level = 0

    def __init__(self, value):
        self.value = value

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        """The real dtype the program computes in (float64 for the complex128 it carries)."""
        return np.real(np.empty(0, dtype=np.result_type(self.value))).dtype

    def _process(self, primitive, args, params):
        if not primitive.analytic:
            raise errors.NonAnalyticError(
                f"the complex-step method cannot differentiate {primitive.public}, which is not "
                f"analytic (at {user_location() or 'an unknown line'}). Use 'fd-central', "
                "'fd-richardson' or 'tape' for programs with kinks."
            )
        values = [a.value if isinstance(a, ComplexStepValue) else a for a in args]
        out = primitive.evaluate_numeric(values, params)
        if primitive.singular and _may_leave_real_domain(primitive, values):
            out = _outside_real_domain_as_nan(primitive, values, params, out)
        if primitive not in _COMPONENTWISE and not _all_finite(out):
            _refuse_complex_infinities(primitive, values, params, out)
        return ComplexStepValue(out)

    def _compare(self, op_name, other):
        other = np.real(other.value) if isinstance(other, ComplexStepValue) else other
        real = np.real(self.value)
        return COMPARISONS[op_name](real, other)

    def __bool__(self):
        return self._truth(np.real(self.value))

    def _decided(self):
        return np.real(self.value)

    def _held(self):
        return self.value

    def _become(self, updated):
        self.value = updated.value if isinstance(updated, ComplexStepValue) else updated

    def __repr__(self):
        return f"ComplexStepValue({self.value!r})"


def _operator(primitive, reflected=False):
    """A Python operator straight to ``_process``, as the op table would dispatch it: an
    operand of another kind (a traced value, a dual number) still goes through the table,
    which picks the deepest box."""

    def apply(self, other):
        args = (other, self) if reflected else (self, other)
        if isinstance(other, BoxedValue) and type(other) is not ComplexStepValue:
            return primitive(*args)
        if is_complex_constant(other):
            refuse_complex_constants(primitive, (other,))
        return self._process(primitive, args, {})

    return apply


for _name, _primitive in {"add": ops.add, "sub": ops.subtract, "mul": ops.multiply, "truediv": ops.divide,
                          "pow": ops.power, "matmul": ops.matmul}.items():
    setattr(ComplexStepValue, f"__{_name}__", _operator(_primitive))
    setattr(ComplexStepValue, f"__r{_name}__", _operator(_primitive, reflected=True))
del _name, _primitive


def _negative(self):
    return self._process(ops.negative, (self,), {})


ComplexStepValue.__neg__ = _negative


# Ops whose complex face computes the real part as the real face does, by the same IEEE
# operation ((a + bi) + (c + di) has real part a + c, infinities and NaNs included): the
# refusal of infinities, which looks for real parts that differ, can never apply to them.
_COMPONENTWISE = frozenset((ops.add, ops.subtract, ops.negative))
WHOLE_POWERS = 10  # x ** n for |n| up to this needs no real-domain check (see _may_leave_real_domain)
_SCALARS = frozenset((complex, float, int, np.complex128, np.complex64, np.float64, np.float32))


def _all_finite(out):
    """Whether every entry of ``out`` is finite; a scalar (a sum's, a mean's) without a ufunc call."""
    if type(out) in _SCALARS:
        return cmath.isfinite(out)
    finite = np.isfinite(out)
    return np.count_nonzero(finite) == finite.size  # a count, not .all(): no reduction machinery


def _may_leave_real_domain(primitive, values):
    """False where the real face cannot be NaN unless the complex face's real part is too.

    ``x ** n`` with a plain whole number ``|n| <= 10`` (the common ``** 2``) is defined for
    every real ``x``: its real face is NaN only where ``x`` is, and NumPy's complex power by
    repeated multiplication then has a NaN real part too (or both are 1, for ``n = 0``).
    Larger powers go through exp(n log z), which does not keep that NaN; they, and every
    other singular op, are checked entry by entry.
    """
    if primitive is ops.power:
        exponent = values[1]
        kind = type(exponent)
        whole = kind is int or (kind is float or kind is np.float64) and exponent.is_integer()
        return not (whole and -WHOLE_POWERS <= exponent <= WHOLE_POWERS)
    return True


def _outside_real_domain_as_nan(primitive, values, params, out):
    """NaN where the op's real face is NaN: a real program's sqrt(-1.7) or log(-1) is NaN (as
    the tape computes it), not the complex number the complex face returns, whose real
    part (0, log 1.7) a comparison would then read as if it were the program's value."""
    with np.errstate(all="ignore"):
        real = primitive.evaluate_numeric([np.real(v) for v in values], params)
    undefined = np.isnan(real)
    if not undefined.any():  # a real face without NaN: nothing to mark (the commonest case)
        return out
    undefined &= ~np.isnan(np.real(out))
    if not undefined.any():
        return out
    return np.where(undefined, complex(np.nan, np.nan), out)


def _refuse_complex_infinities(primitive, values, params, out):
    """Refuse a result whose real part is not the program's: complex arithmetic on an
    infinity makes NaNs the real arithmetic does not ((-inf + nan i) ** 2 is nan + nan i,
    where (-inf) ** 2 is inf)."""
    with np.errstate(all="ignore"):
        real = primitive.evaluate_numeric([np.real(v) for v in values], params)
    if not np.array_equal(np.real(out), real, equal_nan=True):
        raise errors.UnsupportedError(
            f"the complex step met an infinite value at {primitive.public} "
            f"({user_location() or 'an unknown line'}): complex arithmetic on infinities gives "
            "NaN where the program's real arithmetic does not, so Im f(x + ih) / h means nothing "
            "here. Use 'tape', 'forward-mode' or a finite-difference method."
        )
