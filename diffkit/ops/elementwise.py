"""Elementwise primitives: arithmetic, smooth functions, activations and kinks.

Convention at kinks (relu, leaky_relu, elu, abs, maximum and minimum at a tie): by
default the derivative is the mean of the left and right derivatives, in every method.
So relu'(0) = 1/2, abs'(0) = 0, and a tie in maximum sends half the gradient to each
side. This is SymPy's own convention (``Heaviside(0) = 1/2``, ``sign(0) = 0``) and it is
the only choice under which ``relu(x)``, ``maximum(x, 0)`` and ``(x + abs(x)) / 2`` agree.
Every kink rule is written with the two steps ``heaviside`` and :func:`_abs_slope`, whose
values at their jumps come from one setting, ``dk.kinks("zero" | "one" | "mean")``
(:mod:`diffkit.core.kinks`), so a different convention holds in every method at once.
"""

import operator

import numpy as np
from ..core.lazy import sympy

from ..core.kinks import sign_at_jump, step_at_jump
from ..core.primitive import Primitive
from .sympy_faces import elementwise as lift
from .sympy_faces import functions


# --- rules that are zero almost everywhere ---------------------------------------
def no_gradient(g, out, *args, **params):
    """A piecewise-constant op (sign, heaviside) sends no gradient back."""
    return None


def _heaviside_numpy(x):
    return np.heaviside(x, step_at_jump())


def _heaviside_sympy(x):
    return sympy.Heaviside(x, sympy.Rational(step_at_jump()))


heaviside = Primitive(
    "heaviside",
    numpy=_heaviside_numpy,
    sympy=lift(_heaviside_sympy),
    vjp=(no_gradient,),
    broadcasting=True,
    analytic=False,
    doc="Step function; heaviside(0) = 1/2, or 0 or 1 under dk.kinks (the kink convention).",
    jvp=(no_gradient,),
)

def _sign_sympy(x):
    # A selection, not sympy.sign: SymPy leaves d/dx sign(f(x)) unevaluated when it cannot
    # tell whether f is real (log x), while this differentiates to 0 like the tape's rule.
    if x is sympy.S.NaN:
        return x  # np.sign(nan) is nan
    return functions.where(functions.compare("gt", x, 0), 1, functions.where(functions.compare("lt", x, 0), -1, 0))


sign = Primitive(
    "sign",
    numpy=np.sign,
    sympy=lift(_sign_sympy),
    vjp=(no_gradient,),
    broadcasting=True,
    analytic=False,
    doc="Sign of x, with sign(0) = 0.",
    jvp=(no_gradient,),
)


# An elementwise op's Jacobian is diagonal, so pushing a tangent forward (JVP) is the
# same product as pulling a cotangent back (VJP): each rule below serves as both.
# --- arithmetic --------------------------------------------------------------------
def _add_vjp(g, out, a, b):
    return g


def _subtract_vjp_b(g, out, a, b):
    return -g


def _multiply_vjp_a(g, out, a, b):
    return g * b


def _multiply_vjp_b(g, out, a, b):
    return g * a


def _divide_vjp_a(g, out, a, b):
    return g / b


def _divide_vjp_b(g, out, a, b):
    return -(g * out / b)


def _multiply_sympy(a, b):
    return functions.multiply(a, b)


def _divide_sympy(a, b):
    return functions.divide(a, b)


def _power_vjp_base(g, out, a, p):
    return g * _power_slope(a, p)


def _power_slope(a, p):
    """d(a**p)/da = p a**(p-1), and exactly 0 where p = 0: x**0 is constant, also at x = 0."""
    if isinstance(p, (int, float)):  # the common case, a constant exponent
        return 0.0 if p == 0 else p * a ** (p - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return where(p == 0, 0.0, p * a ** (p - 1))


def _power_vjp_exponent(g, out, a, p):
    # d(a**p)/dp = a**p log(a); at a = 0 it is 0, since 0**p = 0 for every p > 0 (the
    # convention of autograd and JAX), not 0 * log(0) = NaN.
    return g * out * log(_zero_as_one(a))


def _zero_as_one(a):
    if isinstance(a, (int, float, np.integer, np.floating)):
        return 1.0 if a == 0 else a
    return where(a == 0, 1.0, a)


def _power_sympy(a, p):
    """a**p; an exact zero base with a symbolic exponent is 0 for p > 0, so that SymPy's
    derivative in p is 0 there (it differentiates 0**p to 0**p log(0) = NaN)."""
    if a.is_Number and a.is_zero and not p.is_number:
        return functions.where(p > 0, 0, a**p)
    if p.is_Number and p.is_integer is False and a.is_extended_negative:
        return sympy.S.NaN  # NumPy's (-8.0) ** 0.5, not SymPy's complex root
    return a**p


def _negative_vjp(g, out, a):
    return -g


add = Primitive("add", np.add, lift(operator.add, 2), (_add_vjp, _add_vjp), broadcasting=True, jvp=(_add_vjp, _add_vjp))
subtract = Primitive(
    "subtract", np.subtract, lift(operator.sub, 2), (_add_vjp, _subtract_vjp_b), broadcasting=True,
    jvp=(_add_vjp, _subtract_vjp_b),
)
multiply = Primitive(
    "multiply",
    np.multiply,
    lift(_multiply_sympy, 2),
    (_multiply_vjp_a, _multiply_vjp_b),
    broadcasting=True,
    jvp=(_multiply_vjp_a, _multiply_vjp_b),
)
divide = Primitive(
    "divide",
    np.divide,
    lift(_divide_sympy, 2),
    (_divide_vjp_a, _divide_vjp_b),
    broadcasting=True,
    singular=True,
    jvp=(_divide_vjp_a, _divide_vjp_b),
)
power = Primitive(
    "power",
    np.power,
    lift(_power_sympy, 2),
    (_power_vjp_base, _power_vjp_exponent),
    broadcasting=True,
    singular=True,
    jvp=(_power_vjp_base, _power_vjp_exponent),
)
negative = Primitive(
    "negative", np.negative, lift(operator.neg), (_negative_vjp,), broadcasting=True,
    jvp=(_negative_vjp,),
)


# --- smooth functions ------------------------------------------------------------------
def _exp_vjp(g, out, x):
    return g * out


def _log_vjp(g, out, x):
    return g / x


def _sqrt_vjp(g, out, x):
    return g * 0.5 / out


def _sin_vjp(g, out, x):
    return g * cos(x)


def _cos_vjp(g, out, x):
    return -(g * sin(x))


def _tanh_vjp(g, out, x):
    # tanh'(x) = 1 / cosh(x)**2, from the input: 1 - out**2 subtracts from 1 a number close to
    # 1 and loses every digit past |x| ~ 19 (tanh'(20) = 1.7e-17 came out 0). Past |x| = 710
    # cosh overflows and the slope is 0, as it is in floating point.
    if type(x) is np.ndarray and type(g) is np.ndarray:
        return _over_square_in_place(g, np.cosh(x))
    c = cosh(x)
    return g / (c * c)


def _sigmoid_vjp(g, out, x):
    # sigmoid'(x) = 1 / (4 cosh(x / 2)**2), not out * (1 - out): sigmoid'(40) = 4.2e-18 came out 0
    if type(x) is np.ndarray and type(g) is np.ndarray:
        c = np.cosh(0.5 * x)
        c *= 2.0  # (2 cosh)**2 is 4 cosh**2 exactly; in place for an array, a new number for a 0-d input
        return _over_square_in_place(g, c)
    c = cosh(0.5 * x)
    return g / (4.0 * (c * c))


def _over_square_in_place(g, c):
    """``g / (c * c)`` for plain arrays, written into ``c`` (a fresh array) when the shapes and
    dtypes allow: one temporary instead of three, which at a layer of 128 KB is most of the
    rule's cost (allocating and faulting in pages)."""
    if type(c) is not np.ndarray or c.shape != g.shape or c.dtype != g.dtype:  # a 0-d input gives a NumPy scalar
        return g / (c * c)
    np.multiply(c, c, out=c)
    return np.divide(g, c, out=c)


def _sinh_vjp(g, out, x):
    return g * cosh(x)


def _cosh_vjp(g, out, x):
    return g * sinh(x)


# Outside the real domain NumPy gives NaN (sqrt(-1), log(-1)), and log(0) = -inf, where
# SymPy would give I, I pi and its signless zoo: the faces give what the program computes.
def _log_sympy(x):
    if x.is_extended_negative:
        return sympy.S.NaN
    if x.is_zero:
        return -functions.InfConstant()
    return sympy.log(x)


def _sqrt_sympy(x):
    return sympy.S.NaN if x.is_extended_negative else sympy.sqrt(x)


def _sigmoid_numpy(x):
    if np.iscomplexobj(x):
        return 1.0 / (1.0 + np.exp(-x))
    # 1 / (1 + e) or e / (1 + e) with e = exp(-|x|) <= 1: a few ulps everywhere, where
    # exp(-logaddexp(0, -x)) loses up to |x| ulps to the rounding of the logaddexp.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_sympy(x):
    return 1 / (1 + sympy.exp(-x))


exp = Primitive("exp", np.exp, lift("exp"), (_exp_vjp,), broadcasting=True, jvp=(_exp_vjp,))
log = Primitive("log", np.log, lift(_log_sympy), (_log_vjp,), broadcasting=True, singular=True, jvp=(_log_vjp,))
sqrt = Primitive("sqrt", np.sqrt, lift(_sqrt_sympy), (_sqrt_vjp,), broadcasting=True, singular=True, jvp=(_sqrt_vjp,))
sin = Primitive("sin", np.sin, lift("sin"), (_sin_vjp,), broadcasting=True, jvp=(_sin_vjp,))
cos = Primitive("cos", np.cos, lift("cos"), (_cos_vjp,), broadcasting=True, jvp=(_cos_vjp,))
tanh = Primitive("tanh", np.tanh, lift("tanh"), (_tanh_vjp,), broadcasting=True, jvp=(_tanh_vjp,))
sinh = Primitive("sinh", np.sinh, lift("sinh"), (_sinh_vjp,), broadcasting=True, jvp=(_sinh_vjp,))
cosh = Primitive("cosh", np.cosh, lift("cosh"), (_cosh_vjp,), broadcasting=True, jvp=(_cosh_vjp,))
sigmoid = Primitive(
    "sigmoid", _sigmoid_numpy, lift(_sigmoid_sympy), (_sigmoid_vjp,), broadcasting=True,
    jvp=(_sigmoid_vjp,),
)


# --- kinks ---------------------------------------------------------------------------------
def _abs_slope(x):
    """abs'(x): sign(x), with the kink convention's value at 0 (0, or 1 under "one")."""
    at_jump = sign_at_jump()
    return sign(x) if at_jump == 0 else where(x == 0, at_jump, sign(x))


def _abs_vjp(g, out, x):
    return g * _abs_slope(x)


def _relu_numpy(x):
    return np.maximum(x, 0.0)


def _relu_sympy(x):
    return functions.maximum(0, x)


def _relu_vjp(g, out, x):
    return g * heaviside(x)


# relu on one NumPy float64, for a tape of numbers: the values of the faces above without a
# ufunc call each (about a microsecond, most of a scalar node's cost). np.maximum(x, 0.0)
# is x above 0 and at NaN, else 0.0 (also at x = -0.0); np.heaviside(x, h) is 1, 0, h at 0,
# NaN at NaN.
_ZERO = np.float64(0.0)
_ONE = np.float64(1.0)


def _relu_scalar(x):
    return x if x > 0.0 or x != x else _ZERO


def _heaviside_scalar(x):
    if x > 0.0:
        return _ONE
    if x < 0.0:
        return _ZERO
    return np.float64(step_at_jump()) if x == 0.0 else x


def _relu_scalar_vjp(g, out, x):
    return g * _heaviside_scalar(x)


def _leaky_relu_numpy(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def _leaky_relu_sympy(x, alpha=0.01):
    # alpha x + (1 - alpha) max(0, x): SymPy's derivative is alpha + (1 - alpha) Heaviside(x),
    # so its value at 0 follows the kink convention like the tape's rule (max(x, alpha x)
    # would differentiate to Heaviside((1 - alpha) x) + alpha Heaviside((alpha - 1) x)).
    positive = functions.maximum(0, x)
    return positive + alpha * (x - positive)


def _leaky_relu_vjp(g, out, x, alpha=0.01):
    return g * (alpha + (1.0 - alpha) * heaviside(x))


def _elu_numpy(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_sympy(x, alpha=1.0):
    # min(x, 0) written as x - max(0, x): the derivative weighs the left slope by
    # 1 - Heaviside(x), as the tape's rule does, under every kink convention.
    positive = functions.maximum(0, x)
    return positive + alpha * (sympy.exp(x - positive) - 1)


def _elu_vjp(g, out, x, alpha=1.0):
    step = heaviside(x)
    return g * (step + (1.0 - step) * alpha * exp(minimum(x, 0.0)))


def _maximum_sympy(a, b):
    return functions.maximum(a, b)


def _minimum_sympy(a, b):
    return functions.minimum(a, b)


def _maximum_vjp_a(g, out, a, b):
    return g * heaviside(a - b)


def _maximum_vjp_b(g, out, a, b):
    return g * heaviside(b - a)


abs = Primitive("abs", np.abs, lift("Abs"), (_abs_vjp,), broadcasting=True, analytic=False, jvp=(_abs_vjp,))
relu = Primitive(
    "relu", _relu_numpy, lift(_relu_sympy), (_relu_vjp,), broadcasting=True, analytic=False,
    jvp=(_relu_vjp,), extra={"scalar": (_relu_scalar, (_relu_scalar_vjp,))},
)
leaky_relu = Primitive(
    "leaky_relu", _leaky_relu_numpy, lift(_leaky_relu_sympy), (_leaky_relu_vjp,), broadcasting=True, analytic=False,
    jvp=(_leaky_relu_vjp,),
)
elu = Primitive("elu", _elu_numpy, lift(_elu_sympy), (_elu_vjp,), broadcasting=True, analytic=False, jvp=(_elu_vjp,))
maximum = Primitive(
    "maximum",
    np.maximum,
    lift(_maximum_sympy, 2),
    (_maximum_vjp_a, _maximum_vjp_b),
    broadcasting=True,
    analytic=False,
    jvp=(_maximum_vjp_a, _maximum_vjp_b),
)
minimum = Primitive(
    "minimum",
    np.minimum,
    lift(_minimum_sympy, 2),
    (_maximum_vjp_b, _maximum_vjp_a),
    broadcasting=True,
    analytic=False,
    jvp=(_maximum_vjp_b, _maximum_vjp_a),
)


# --- selection -------------------------------------------------------------------------------
def _where_sympy_scalar(condition, a, b):
    return functions.where(condition, a, b)


def _where_vjp_a(g, out, condition, a, b):
    return where(condition, g, 0.0)


def _where_vjp_b(g, out, condition, a, b):
    return where(condition, 0.0, g)


where = Primitive(
    "where",
    np.where,
    lift(_where_sympy_scalar, 3),
    (None, _where_vjp_a, _where_vjp_b),
    broadcasting=True,
    selects=True,
    doc="Select a where the condition holds, else b. Each branch gets gradient only where it is chosen.",
    jvp=(None, _where_vjp_a, _where_vjp_b),
)
