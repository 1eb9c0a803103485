"""``dk.special``: the functions of ``scipy.special`` that SymPy has too, as diffkit ops.

``erf``, ``expit`` (the sigmoid), ``logsumexp`` and ``softplus`` are ops of the table;
``gammaln`` (log |Γ(x)|) and ``polygamma(n, x)`` (the n-th derivative of the digamma
function ψ = Γ'/Γ) are declared here, with NumPy faces of their own (NumPy has
neither): ψ^(n) is moved to x ≥ 10 + n by its recurrence, then summed from its
asymptotic series (Abramowitz and Stegun 6.4.11): against mpmath, relative errors of
about 2e-16 for n >= 1 and 1e-14 for ψ itself at negative arguments. Each
derivative is the next polygamma, so derivatives of any order exist.
"""

import math

import numpy as np

from ..core.lazy import sympy
from ..core.primitive import Primitive
from .elementwise import sigmoid as expit
from .softmax import log_softmax, logsumexp, softmax
from .sympy_faces import elementwise as lift
from .unary import erf, softplus

# B_2k / (2k)! for k = 1..10: the coefficients of the asymptotic series.
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330]
_SCALED = [b / math.factorial(2 * k) for k, b in enumerate(_BERNOULLI, start=1)]


def _polygamma_numpy(n, x):
    """ψ^(n)(x) for real or complex x off the poles 0, -1, -2, ..."""
    n = int(n)
    x = np.asarray(x, dtype=np.result_type(x, float))
    total = np.zeros_like(x)
    sign = (-1.0) ** (n + 1)
    factorial = math.factorial(n)
    shifts = np.ceil(np.maximum(0.0, 10.0 + n - np.real(x))).astype(int)
    for k in range(int(shifts.max(initial=0))):
        moving = k < shifts  # ψ^(n)(x) = ψ^(n)(x + 1) - (-1)^n n! / x^(n+1)
        term = np.where(moving, 1.0 / np.where(moving, x + k, 1.0) ** (n + 1), 0.0)
        total = total + sign * factorial * term
    z = x + shifts
    if n == 0:
        series = np.log(z) - 0.5 / z
        for k, c in enumerate(_SCALED, start=1):
            series = series - c * math.factorial(2 * k - 1) / z ** (2 * k)
        return series + total
    series = math.factorial(n - 1) / z**n + factorial / (2.0 * z ** (n + 1))
    for k, c in enumerate(_SCALED, start=1):
        series = series + c * math.factorial(2 * k + n - 1) / z ** (2 * k + n)
    return sign * series + total


def _polygamma_face(n, x):
    result = _polygamma_numpy(n, x)
    return result if np.ndim(x) else result[()]


def _polygamma_rule(g, out, x, order=0):
    return g * _polygamma(x, order=order + 1)


def _polygamma_sympy(x, order=0):
    return sympy.polygamma(order, x)


def _polygamma_of(x, order=0):
    return _polygamma_face(order, x)


_polygamma = Primitive(
    "polygamma", _polygamma_of, lift(_polygamma_sympy), (_polygamma_rule,), broadcasting=True, jvp=(_polygamma_rule,),
    doc="psi^(order)(x), the derivatives of the digamma function.",
    extra={"lambdify": {"polygamma": _polygamma_face}}, public="dk.special.polygamma",
)

_lgamma_real = np.vectorize(math.lgamma, otypes=[float])


def _gammaln_numpy(x):
    if np.iscomplexobj(x):  # the complex step: the Taylor series in the imaginary part, to third order
        a, step = np.real(x), 1j * np.imag(x)
        return (_lgamma_real(a) + _polygamma_numpy(0, a) * step + _polygamma_numpy(1, a) * step**2 / 2
                + _polygamma_numpy(2, a) * step**3 / 6)
    result = _lgamma_real(x)
    return result if np.ndim(x) else float(result)


def _gammaln_rule(g, out, x):
    return g * _polygamma(x, order=0)


_gammaln = Primitive(
    "gammaln", _gammaln_numpy, lift("loggamma"), (_gammaln_rule,), broadcasting=True, jvp=(_gammaln_rule,),
    doc="log Gamma(x) for x > 0.", extra={"lambdify": {"loggamma": _gammaln_numpy}}, public="dk.special.gammaln",
)


def gammaln(x):
    """log Γ(x), for x > 0 (its derivative is the digamma function)."""
    return _gammaln(x)


def digamma(x):
    """ψ(x) = Γ'(x) / Γ(x)."""
    return _polygamma(x, order=0)


def polygamma(n, x):
    """ψ^(n)(x), the n-th derivative of the digamma function."""
    return _polygamma(x, order=int(n))


def erfc(x):
    """1 - erf(x)."""
    return 1.0 - erf(x)


__all__ = ["digamma", "erf", "erfc", "expit", "gammaln", "log_softmax", "logsumexp", "polygamma", "softmax", "softplus"]
