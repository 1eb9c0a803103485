"""More elementwise primitives: trigonometric and hyperbolic functions and their inverses,
logarithms and exponentials in other bases, roots, hypot, log-add-exp, softplus, sinc,
erf, and the rounding functions (which send no gradient back).

As in :mod:`diffkit.ops.elementwise`, an elementwise op's Jacobian is diagonal, so each
rule below serves as both its VJP and its JVP. Where NumPy has no complex version of a
function (cbrt, hypot, logaddexp, softplus), the NumPy face gives the complex step the
analytic continuation of the real function; for arctan2 and erf, its Taylor expansion
in the imaginary part, which is exact to rounding for the complex step's 1e-20. Kinks follow the table's convention
(the mean of the one-sided derivatives): hypot's derivative at (0, 0) is 0.
"""

import math

import numpy as np

from ..core.lazy import sympy
from ..core.primitive import Primitive
from .elementwise import abs, cos, cosh, exp, minimum, no_gradient, sigmoid, sin, sinh, sqrt, where
from .sympy_faces import elementwise as lift

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)


def _unary(name, numpy_face, sympy_face, rule, **flags):
    return Primitive(name, numpy_face, lift(sympy_face), (rule,), broadcasting=True, jvp=(rule,), **flags)


def _binary(name, numpy_face, sympy_face, rule_a, rule_b, **flags):
    return Primitive(
        name, numpy_face, lift(sympy_face, 2), (rule_a, rule_b), broadcasting=True, jvp=(rule_a, rule_b), **flags
    )


# --- trigonometric -----------------------------------------------------------------------------
def _tan_rule(g, out, x):
    c = cos(x)
    return g / (c * c)


def _arcsin_rule(g, out, x):
    return g / sqrt((1.0 - x) * (1.0 + x))


def _arccos_rule(g, out, x):
    return -(g / sqrt((1.0 - x) * (1.0 + x)))


def _arctan_rule(g, out, x):
    return g / (1.0 + x * x)


def _arctan2_numpy(y, x):
    if np.iscomplexobj(y) or np.iscomplexobj(x):
        # To first order in the imaginary parts (the complex step's 1e-20): the angle's
        # continuation written with i y would lose the perturbation to rounding against x.
        yr, xr, yi, xi = np.real(y), np.real(x), np.imag(y), np.imag(x)
        return np.arctan2(yr, xr) + 1j * (xr * yi - yr * xi) / (xr * xr + yr * yr)
    return np.arctan2(y, x)


def _arctan2_rule_y(g, out, y, x):
    return g * x / (x * x + y * y)


def _arctan2_rule_x(g, out, y, x):
    return -(g * y / (x * x + y * y))


tan = _unary("tan", np.tan, "tan", _tan_rule, singular=True)
arcsin = _unary("arcsin", np.arcsin, "asin", _arcsin_rule, singular=True)
arccos = _unary("arccos", np.arccos, "acos", _arccos_rule, singular=True)
arctan = _unary("arctan", np.arctan, "atan", _arctan_rule)
arctan2 = _binary("arctan2", _arctan2_numpy, "atan2", _arctan2_rule_y, _arctan2_rule_x, singular=True)


# --- hyperbolic --------------------------------------------------------------------------------------
def _arcsinh_rule(g, out, x):
    return g / hypot(x, 1.0)


def _arccosh_rule(g, out, x):
    return g / (sqrt(x - 1.0) * sqrt(x + 1.0))  # (x - 1)(x + 1) overflows from x = 1.3e154


def _arctanh_rule(g, out, x):
    return g / ((1.0 - x) * (1.0 + x))


arcsinh = _unary("arcsinh", np.arcsinh, "asinh", _arcsinh_rule)
arccosh = _unary("arccosh", np.arccosh, "acosh", _arccosh_rule, singular=True)
arctanh = _unary("arctanh", np.arctanh, "atanh", _arctanh_rule, singular=True)


# --- logarithms and exponentials ------------------------------------------------------------------
def _log1p_rule(g, out, x):
    return g / (1.0 + x)


def _expm1_rule(g, out, x):
    return g * exp(x)


def _log2_rule(g, out, x):
    return g / (x * _LN2)


def _log10_rule(g, out, x):
    return g / (x * _LN10)


def _exp2_rule(g, out, x):
    return g * out * _LN2


def _log1p_sympy(x):
    return sympy.log(1 + x)


def _expm1_sympy(x):
    return sympy.exp(x) - 1


def _log2_sympy(x):
    return sympy.log(x) / sympy.log(2)


def _log10_sympy(x):
    return sympy.log(x) / sympy.log(10)


def _exp2_sympy(x):
    return sympy.Integer(2) ** x


log1p = _unary("log1p", np.log1p, _log1p_sympy, _log1p_rule, singular=True)
expm1 = _unary("expm1", np.expm1, _expm1_sympy, _expm1_rule)
log2 = _unary("log2", np.log2, _log2_sympy, _log2_rule, singular=True)
log10 = _unary("log10", np.log10, _log10_sympy, _log10_rule, singular=True)
exp2 = _unary("exp2", np.exp2, _exp2_sympy, _exp2_rule)


def _logaddexp_numpy(a, b):
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        shift = np.maximum(np.real(a), np.real(b))
        return shift + np.log(np.exp(a - shift) + np.exp(b - shift))
    return np.logaddexp(a, b)


def _logaddexp2_numpy(a, b):
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return _logaddexp_numpy(a * _LN2, b * _LN2) / _LN2
    return np.logaddexp2(a, b)


def _logaddexp_sympy(a, b):
    return sympy.log(sympy.exp(a) + sympy.exp(b))


def _logaddexp2_sympy(a, b):
    return sympy.log(sympy.Integer(2) ** a + sympy.Integer(2) ** b) / sympy.log(2)


# The weights are sigmoids of the difference, not exp(a - out): out rounds away what it
# adds to the larger operand (logaddexp(1e300, 1e300) is 1e300), and the weights came out 1.
def _logaddexp_rule_a(g, out, a, b):
    return g * sigmoid(a - b)


def _logaddexp_rule_b(g, out, a, b):
    return g * sigmoid(b - a)


def _logaddexp2_rule_a(g, out, a, b):
    return g * sigmoid((a - b) * _LN2)


def _logaddexp2_rule_b(g, out, a, b):
    return g * sigmoid((b - a) * _LN2)


logaddexp = _binary("logaddexp", _logaddexp_numpy, _logaddexp_sympy, _logaddexp_rule_a, _logaddexp_rule_b)
logaddexp2 = _binary("logaddexp2", _logaddexp2_numpy, _logaddexp2_sympy, _logaddexp2_rule_a, _logaddexp2_rule_b)


def _softplus_numpy(x):
    if np.iscomplexobj(x):
        shift = np.maximum(np.real(x), 0.0)
        return shift + np.log(np.exp(-shift) + np.exp(x - shift))
    return np.logaddexp(0.0, x)


def _softplus_sympy(x):
    return sympy.log(1 + sympy.exp(x))


def _softplus_rule(g, out, x):
    return g * sigmoid(x)


softplus = _unary("softplus", _softplus_numpy, _softplus_sympy, _softplus_rule, doc="log(1 + exp(x)), without overflow.")


# --- powers and roots ------------------------------------------------------------------------------
def _reciprocal_numpy(x):
    return 1.0 / x  # np.reciprocal truncates integers (1 // x); this is the real 1 / x


def _reciprocal_sympy(x):
    return 1 / x


def _reciprocal_rule(g, out, x):
    return -(g * out * out)


def _cbrt_numpy(x):
    if np.iscomplexobj(x):
        side = np.where(np.real(x) < 0, -1.0, 1.0)
        return side * (side * x) ** (1.0 / 3.0)  # the real cube root, continued off the real line
    return np.cbrt(x)


def _cbrt_sympy(x):
    # A Piecewise, not sign(x) |x|^(1/3): that one differentiates to a DiracDelta term.
    third = sympy.Rational(1, 3)
    return sympy.Piecewise((x**third, x >= 0), (-((-x) ** third), True))


def _cbrt_rule(g, out, x):
    return g / (3.0 * out * out)


def _hypot_numpy(a, b):
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return np.sqrt(a * a + b * b)
    return np.hypot(a, b)


def _hypot_sympy(a, b):
    return sympy.sqrt(a * a + b * b)


def _hypot_slope(a, out):
    return a / where(out == 0, 1.0, out)  # a / hypot, and 0 at the origin


def _hypot_rule_a(g, out, a, b):
    return g * _hypot_slope(a, out)


def _hypot_rule_b(g, out, a, b):
    return g * _hypot_slope(b, out)


reciprocal = _unary("reciprocal", _reciprocal_numpy, _reciprocal_sympy, _reciprocal_rule, singular=True)
cbrt = _unary("cbrt", _cbrt_numpy, _cbrt_sympy, _cbrt_rule, singular=True)
hypot = _binary("hypot", _hypot_numpy, _hypot_sympy, _hypot_rule_a, _hypot_rule_b)


# --- sinc and erf --------------------------------------------------------------------------------------
def _sinc_sympy(x):
    return sympy.sinc(sympy.pi * x)


# (u cos u - sin u) / u**3 = sum_k (-1)**k 2k / (2k + 1)! u**(2k - 2), k = 1..13: to rounding for |u| < 1.5
_SINC_SERIES = [(-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 14)]
_SINC_SERIES_END = 1.5 / math.pi  # |x| below it: the series; above it the difference cancels little


def _sinc_rule(g, out, x):
    """sinc'(x) = (cos(pi x) - sinc(x)) / x, from its series near 0, where the difference
    cancels (it came out 0 at x = 1e-8, against -3.3e-8), and with cos(pi x) taken at x
    reduced modulo 2, exactly: pi * x in floating point has lost x's fractional part once
    |x| is large. Next to a zero of sinc' itself (tan(pi x) = pi x) the difference cancels
    whatever the form: there the error is a few ulps of cos(pi x) / x, not of the slope."""
    near = abs(x) < _SINC_SERIES_END
    u = math.pi * where(near, x, 0.0)
    w = u * u
    series = _SINC_SERIES[-1]
    for coefficient in reversed(_SINC_SERIES[:-1]):
        series = series * w + coefficient
    far = where(near, 1.0, x)
    reduced = far - 2.0 * _round(0.5 * far)  # exact: in [-1, 1], and cos(pi x) has period 2
    cos_pi_x = sin(math.pi * (0.5 - abs(reduced)))  # 0.5 - |r| is exact: accurate next to cos's zeros too
    return g * where(near, math.pi * u * series, (cos_pi_x - out) / far)


_erf_real = np.vectorize(math.erf, otypes=[float])


def _erf_numpy(x):
    if np.iscomplexobj(x):
        # erf's Taylor series in the imaginary part, to third order: the complex step's
        # perturbation is about 1e-20, so the truncation is far below rounding.
        a, b = np.real(x), np.imag(x)
        slope = _TWO_OVER_ROOT_PI * np.exp(-a * a)
        step = 1j * b
        return _erf_real(a) + slope * (step - a * step**2 + (2.0 * a * a - 1.0) / 3.0 * step**3)
    result = _erf_real(x)
    return result if np.ndim(x) else float(result)


def _erf_rule(g, out, x):
    """2 / sqrt(pi) exp(-x**2), with x**2 split exactly (Dekker): rounding x * x alone costs
    up to x**2 / 2 ulps (330 at x = 26), since exp multiplies the rounding error by x**2.
    Past |x| = 30 the slope is 0 in floating point; the cap keeps the split from overflowing."""
    a = minimum(abs(x), 30.0)
    scaled = a * 134217729.0  # 2**27 + 1
    high = scaled - (scaled - a)  # a's upper 26 bits: high * high is exact
    low = a - high
    return g * _TWO_OVER_ROOT_PI * (exp(-(high * high)) * exp(-(2.0 * high * low + low * low)))


sinc = _unary("sinc", np.sinc, _sinc_sympy, _sinc_rule, doc="sin(pi x) / (pi x), with sinc(0) = 1.")
erf = _unary(
    "erf", _erf_numpy, "erf", _erf_rule, doc="The error function.", extra={"lambdify": {"erf": _erf_numpy}}
)


# --- rounding: piecewise constant, no gradient --------------------------------------------------------------
_CONSTANT_FACES = {}


def _piecewise_constant_sympy(name, build):
    """A SymPy face whose derivative is 0 (SymPy leaves d floor(x)/dx unevaluated).

    The class derives from SymPy's own function, so lambdify prints it as NumPy's.
    """

    def face(x):
        if name not in _CONSTANT_FACES:
            base = getattr(sympy, build)

            def fdiff(self, argindex=1):
                return sympy.S.Zero

            _CONSTANT_FACES[name] = type(f"{build}", (base,), {"fdiff": fdiff, "__module__": __name__})
        return _CONSTANT_FACES[name](x)

    face.__name__ = f"sympy_{name}"
    return face


def _round_numpy(x, decimals=0):
    return np.round(x, decimals)


def _round_sympy(x, decimals=0):
    scale = sympy.Integer(10) ** decimals
    return _sympy_floor(x * scale + sympy.Rational(1, 2)) / scale


def _trunc_sympy(x):
    return sympy.Piecewise((_sympy_floor(x), x >= 0), (_sympy_ceil(x), True))


_sympy_floor = _piecewise_constant_sympy("floor", "floor")
_sympy_ceil = _piecewise_constant_sympy("ceil", "ceiling")


def _constant(name, numpy_face, sympy_face):
    return Primitive(
        name, numpy_face, lift(sympy_face), (no_gradient,), broadcasting=True, analytic=False, jvp=(no_gradient,),
        doc=f"{name}: piecewise constant, no gradient.",
    )


floor = _constant("floor", np.floor, _sympy_floor)
ceil = _constant("ceil", np.ceil, _sympy_ceil)
trunc = _constant("trunc", np.trunc, _trunc_sympy)
_round = _constant("round", _round_numpy, _round_sympy)


def round(a, decimals=0):
    """``np.round``: to ``decimals`` places (ties to even in NumPy; no gradient)."""
    return _round(a, decimals=decimals)
