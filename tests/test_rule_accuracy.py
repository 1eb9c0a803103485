"""Every elementwise derivative rule is accurate to a few ulps over the whole float range.

Each unary op's derivative, by the tape (its VJP) and by forward mode (its JVP), is
swept over a logarithmic grid from 1e-300 to 1e300 and its negatives (inside the op's
domain), plus a fine grid where sigmoid and tanh saturate, and compared with the
derivative written by hand and evaluated by mpmath at 50 digits. Where the true
derivative is a normal double it must be within ``ULPS`` units in the last place; where
it overflows the rule must give an infinity of its sign, where it underflows something
no larger than the smallest normal double; never a NaN. Where a rule must round an
input to a shifted value (``x - 0.5`` inside logsumexp's weights), the tolerance grows
by that rounding, up to ``|x - 0.5|`` ulps of the result: the condition of exp there,
which no float algorithm beats.
"""

import mpmath
import numpy as np
import pytest

import diffkit as dk
from diffkit.engines.dual import jvp

ULPS = 4
TINY = np.finfo(float).tiny
HUGE = np.finfo(float).max

MAGNITUDES = np.unique(np.concatenate([
    np.geomspace(1e-300, 1e300, 481),  # 1.25 decades apart
    np.linspace(0.0625, 800.0, 641),  # where sigmoid, tanh, softmax saturate and exp overflows
]))
POSITIVE = MAGNITUDES
EVERYWHERE = np.concatenate([-MAGNITUDES[::-1], MAGNITUDES])
BELOW_ONE = np.concatenate([-MAGNITUDES[MAGNITUDES < 1][::-1], MAGNITUDES[MAGNITUDES < 1]])  # |x| < 1
ABOVE_ONE = MAGNITUDES[MAGNITUDES > 1]
ABOVE_MINUS_ONE = np.concatenate([-MAGNITUDES[MAGNITUDES < 1][::-1], MAGNITUDES])


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _sinc_slope(x):
    """(cos(pi x) - sinc(x)) / x, at the precision its cancellation near 0 needs."""
    with mpmath.workdps(60 + int(max(0, -2 * float(mpmath.log10(abs(x)))))):
        return (mpmath.cospi(x) - mpmath.sinpi(x) / (mpmath.pi * x)) / x


def shift_rounding(c):
    """Ulps of exp(x - c) lost to rounding x - c when it is not a double: half an ulp of
    x - c, relative error |x - c| eps / 2, is up to |x - c| ulps of the result."""
    return lambda x: abs(x - c)


# name: (program of x, domain, f'(x) by hand in mpmath[, extra ulps allowed at x])
RULES = {
    "exp": (dk.exp, EVERYWHERE, mpmath.exp),
    "log": (dk.log, POSITIVE, lambda x: 1 / x),
    "sqrt": (dk.sqrt, POSITIVE, lambda x: 1 / (2 * mpmath.sqrt(x))),
    "sin": (dk.sin, EVERYWHERE, mpmath.cos),
    "cos": (dk.cos, EVERYWHERE, lambda x: -mpmath.sin(x)),
    "tanh": (dk.tanh, EVERYWHERE, lambda x: mpmath.sech(x) ** 2),
    "sigmoid": (dk.sigmoid, EVERYWHERE, lambda x: _sigmoid(x) * _sigmoid(-x)),
    "negative": (lambda x: -x, EVERYWHERE, lambda x: -1),
    "abs": (dk.abs, EVERYWHERE, mpmath.sign),
    "relu": (dk.relu, EVERYWHERE, lambda x: 1 if x > 0 else 0),
    "leaky_relu": (lambda x: dk.leaky_relu(x, alpha=0.1), EVERYWHERE, lambda x: 1 if x > 0 else mpmath.mpf("0.1")),
    "elu": (lambda x: dk.elu(x, alpha=1.5), EVERYWHERE, lambda x: 1 if x > 0 else 1.5 * mpmath.exp(x)),
    "sign": (dk.sign, EVERYWHERE, lambda x: 0),
    "heaviside": (dk.heaviside, EVERYWHERE, lambda x: 0),
    "square": (dk.square, EVERYWHERE, lambda x: 2 * x),
    "cube": (lambda x: x**3, EVERYWHERE, lambda x: 3 * x**2),
    "power 0.5": (lambda x: x**0.5, POSITIVE, lambda x: 0.5 / mpmath.sqrt(x)),
    "power -2.5": (lambda x: x**-2.5, POSITIVE, lambda x: -2.5 * x**-3.5),
    "power -1": (lambda x: x**-1, EVERYWHERE, lambda x: -(x**-2)),
    "exponent 2**x": (lambda x: 2.0**x, EVERYWHERE, lambda x: mpmath.power(2, x) * mpmath.log(2)),
    "exponent 0.5**x": (lambda x: 0.5**x, EVERYWHERE, lambda x: mpmath.power(0.5, x) * mpmath.log(0.5)),
    "reciprocal": (lambda x: 1.0 / x, EVERYWHERE, lambda x: -1 / x**2),
    "divide by 3": (lambda x: x / 3.0, EVERYWHERE, lambda x: mpmath.mpf(1) / 3),
    "3 / x": (lambda x: 3.0 / x, EVERYWHERE, lambda x: -3 / x**2),
    "tan": (dk.tan, EVERYWHERE, lambda x: mpmath.sec(x) ** 2),
    "arcsin": (dk.arcsin, BELOW_ONE, lambda x: 1 / mpmath.sqrt(1 - x**2)),
    "arccos": (dk.arccos, BELOW_ONE, lambda x: -1 / mpmath.sqrt(1 - x**2)),
    "arctan": (dk.arctan, EVERYWHERE, lambda x: 1 / (1 + x**2)),
    "sinh": (dk.sinh, EVERYWHERE, mpmath.cosh),
    "cosh": (dk.cosh, EVERYWHERE, mpmath.sinh),
    "arcsinh": (dk.arcsinh, EVERYWHERE, lambda x: 1 / mpmath.sqrt(x**2 + 1)),
    "arccosh": (dk.arccosh, ABOVE_ONE, lambda x: 1 / mpmath.sqrt(x**2 - 1)),
    "arctanh": (dk.arctanh, BELOW_ONE, lambda x: 1 / (1 - x**2)),
    "log1p": (dk.log1p, ABOVE_MINUS_ONE, lambda x: 1 / (1 + x)),
    "expm1": (dk.expm1, EVERYWHERE, mpmath.exp),
    "log2": (dk.log2, POSITIVE, lambda x: 1 / (x * mpmath.log(2))),
    "log10": (dk.log10, POSITIVE, lambda x: 1 / (x * mpmath.log(10))),
    "exp2": (dk.exp2, EVERYWHERE, lambda x: mpmath.power(2, x) * mpmath.log(2)),
    "softplus": (dk.softplus, EVERYWHERE, _sigmoid),
    "reciprocal": (dk.reciprocal, EVERYWHERE, lambda x: -1 / x**2),
    "cbrt": (dk.cbrt, EVERYWHERE, lambda x: abs(x) ** (mpmath.mpf(-2) / 3) / 3),
    "sinc": (dk.sinc, EVERYWHERE, _sinc_slope),
    "erf": (dk.erf, EVERYWHERE, lambda x: 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-(x**2))),
    # the rule is digamma's NumPy face, an asymptotic series after the recurrence: 2 ulps more
    "gammaln": (dk.special.gammaln, POSITIVE, mpmath.digamma, lambda x: 2.0),
    "logaddexp(x, 0.5)": (lambda x: dk.logaddexp(x, 0.5), EVERYWHERE, lambda x: _sigmoid(x - 0.5), shift_rounding(0.5)),
    "logaddexp2(x, 0.5)": (
        lambda x: dk.logaddexp2(x, 0.5), EVERYWHERE, lambda x: _sigmoid((x - 0.5) * mpmath.log(2)), shift_rounding(0.5)),
    # array ops along a pair [x, c]: logsumexp is softplus, its slope a sigmoid; softmax's a sigmoid's slope
    "logsumexp [x, 0.5]": (
        lambda x: dk.logsumexp(dk.stack([x, 0.5 + 0.0 * x]), axis=0), EVERYWHERE, lambda x: _sigmoid(x - 0.5),
        shift_rounding(0.5)),
    "softmax [x, 0] first": (
        lambda x: dk.softmax(dk.stack([x, 0.0 * x]), axis=0)[0], EVERYWHERE, lambda x: _sigmoid(x) * _sigmoid(-x)),
}


def reference(derivative, points):
    with mpmath.workdps(50):
        return [mpmath.mpf(derivative(mpmath.mpf(float(x)))) for x in points]


def tape_slopes(program, points):
    return dk.grad(lambda x: dk.sum(program(x)), method="tape")(points)


def forward_slopes(program, points):
    return jvp(program, [points], [np.ones_like(points)])[1]


def misses(computed, exact, points, slack=lambda x: 0.0):
    """The points where ``computed`` is not the derivative ``exact``: (x, computed, exact, ulps)."""
    found = []
    for x, value, true in zip(points, np.asarray(computed, dtype=float), exact):
        if np.isnan(value):
            found.append((x, value, true, np.inf))
            continue
        magnitude = abs(true)
        if magnitude > HUGE:
            if not (np.isinf(value) and np.sign(value) == mpmath.sign(true)):
                found.append((x, value, true, np.inf))
        elif magnitude < TINY:
            if abs(value) > TINY:
                found.append((x, value, true, np.inf))
        else:
            error = abs(mpmath.mpf(float(value)) - true)
            ulps = float(error / np.spacing(float(magnitude)))
            if ulps > ULPS + slack(x):
                found.append((x, value, true, ulps))
    return found


@pytest.mark.parametrize("mode", [tape_slopes, forward_slopes], ids=["tape", "forward-mode"])
@pytest.mark.parametrize("name", list(RULES))
def test_derivative_is_accurate_to_a_few_ulps_over_the_float_range(name, mode):
    program, points, derivative, *slack = RULES[name]
    with np.errstate(all="ignore"):
        computed = mode(program, points)
    found = misses(computed, reference(derivative, points), points, *slack)
    worst = sorted(found, key=lambda miss: -miss[3])[:5]
    assert not found, f"{name}: {len(found)} of {len(points)} points off, worst (x, got, exact, ulps): {worst}"


def test_sigmoid_and_tanh_keep_their_tails():
    """The issue's numbers: relative 1.7e-4 at 30, and 0.0 at 40 (sigmoid) and 20 (tanh)."""
    assert dk.grad(dk.sigmoid)(30.0) == pytest.approx(float(_sigmoid(mpmath.mpf(30)) * _sigmoid(mpmath.mpf(-30))), rel=1e-15)
    assert dk.grad(dk.sigmoid)(40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert dk.grad(dk.tanh)(20.0) == pytest.approx(float(mpmath.sech(20) ** 2), rel=1e-15)
    assert dk.grad(dk.tanh, method="forward-mode")(20.0) == pytest.approx(1.6993417646390163e-17, rel=1e-15)


def test_logsumexp_and_log_softmax_of_huge_equal_entries():
    """[a, a] has weights 1/2 and log-softmax -log 2 for every a; rounding a + log 2 to a
    made them 1 and 0."""
    x = np.array([1e300, 1e300])
    for method in ("tape", "forward-mode"):
        np.testing.assert_array_equal(dk.grad(dk.logsumexp, method=method)(x), [0.5, 0.5])
        np.testing.assert_allclose(dk.grad(lambda x: dk.log_softmax(x)[0], method=method)(x), [0.5, -0.5], rtol=1e-15)
    np.testing.assert_allclose(dk.log_softmax(x), [-np.log(2.0)] * 2, rtol=1e-15)
    with np.errstate(divide="ignore"):  # log(0), as NumPy says
        assert dk.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf


def test_softmax_slope_where_one_weight_is_nearly_one():
    # d softmax([x, 0])[0] / dx = sigmoid(x) sigmoid(-x) = 4.248354255291589e-18 at x = 40
    for method in ("tape", "forward-mode"):
        slope = dk.grad(lambda x: dk.softmax(dk.stack([x, 0.0 * x]))[0], method=method)(40.0)
        assert slope == pytest.approx(4.248354255291589e-18, rel=1e-15), method


@pytest.mark.parametrize("method", ["tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape", "fd-central"])
def test_zero_to_a_positive_power_has_slope_zero_in_the_exponent(method):
    """0**y = 0 for every y > 0, so d/dy 0**y = 0 (autograd's and JAX's value), not 0 * log 0 = NaN."""
    assert dk.grad(lambda y: 0.0**y, method=method)(0.3) == 0.0
    # the base's slope is untouched: d/dx x**0.3 at x = 2 is 0.3 * 2**-0.7
    assert dk.grad(lambda x, y: x**y, method=method)(2.0, 0.3) == pytest.approx(0.3 * 2.0**-0.7, rel=1e-8)


@pytest.mark.parametrize("method", ["forward-over-reverse", "reverse-over-reverse", "symbolic"])
def test_zero_to_a_positive_power_has_curvature_zero(method):
    assert dk.hessian(lambda y: 0.0**y, method=method)(0.3) == 0.0


@pytest.mark.parametrize("method", ["forward-over-reverse", "reverse-over-reverse"])
def test_second_derivatives_through_the_sigmoid_and_tanh_rules(method):
    """The rules are diffkit ops, so they differentiate again: 50-digit mpmath second derivatives."""
    points = np.array([0.0, 0.7, -3.0, 25.0])
    hessian = dk.hessian(lambda x: dk.sum(dk.tanh(x) + dk.sigmoid(2.0 * x)), method=method)(points)
    with mpmath.workdps(50):
        exact = [mpmath.diff(lambda t: mpmath.tanh(t) + _sigmoid(2 * t), mpmath.mpf(float(v)), 2) for v in points]
    np.testing.assert_allclose(hessian, np.diag([float(e) for e in exact]), rtol=1e-14, atol=1e-300)


def test_forward_mode_keeps_a_zero_tangent_zero_against_an_infinite_factor():
    """d/dx0 of x0 * 1 + x1 * inf is 1 (the tape's answer); 0 * inf along x1's tangent made it NaN."""
    inf = float("inf")
    for method in ("tape", "forward-mode"):
        np.testing.assert_array_equal(dk.grad(lambda x: x[0] * 1 + x[1] * inf, method=method)(np.array([1.0, 2.0])), [1.0, inf])
        assert dk.grad(lambda x0, x1: x0 * 1 + x1 * inf, argnums=(0, 1), method=method)(1.0, 2.0) == (1.0, inf)
