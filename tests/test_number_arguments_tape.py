"""A number given as an argument is differentiated on the tape with float64 (NumPy) semantics.

Whatever type the tape keeps a number in, the program must see what a NumPy float64 gives:
IEEE infinities and NaN where a derivative is singular (never a Python ZeroDivisionError,
OverflowError or a complex number), float64 arithmetic beside float32 data, NumPy
booleans from a comparison, and NumPy's floating-point error handling.
"""

import math
import warnings

import numpy as np
import pytest

import diffkit as dk


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's divide-by-zero and overflow notes
        yield


@pytest.mark.parametrize("f, x, expected", [
    (lambda p: dk.log(p), 0.0, (-math.inf, math.inf)),  # log'(p) = 1/p
    (lambda p: dk.reciprocal(p), 0.0, (math.inf, -math.inf)),  # (1/p)' = -1/p**2
    (lambda p: p ** 0.5, 0.0, (0.0, math.inf)),  # 0.5 p**-0.5
    (lambda p: dk.log1p(p), -1.0, (-math.inf, math.inf)),  # 1/(1 + p)
    (lambda p: p ** 400.0, 10.0, (math.inf, math.inf)),  # 400 * 10**399 overflows
])
def test_a_singular_derivative_at_a_number_is_an_ieee_infinity(f, x, expected):
    assert dk.value_and_grad(f)(x) == expected


def test_a_quotient_at_a_zero_denominator_given_as_numbers():
    # d(x/y)/dx = 1/y, d(x/y)/dy = -x/y**2 at (1, 0)
    assert dk.value_and_grad(lambda x, y: x / y, argnums=(0, 1))(1.0, 0.0) == (math.inf, (math.inf, -math.inf))


def test_a_square_root_of_a_negative_number_has_a_real_nan_slope():
    value, slope = dk.value_and_grad(lambda p: p ** 0.5)(-4.0)
    assert math.isnan(value)
    assert type(slope) is float and math.isnan(slope)  # not Python's complex (-4.0) ** -0.5


def test_a_number_times_float32_data_is_computed_in_float64():
    a = np.arange(1, 10001, dtype=np.float32) * np.float32(0.1)
    exact = math.fsum(map(float, a))  # d/ds sum(s * a) = sum(a), in float64 (the other methods' result)
    value, grad = dk.value_and_grad(lambda s, a: dk.sum(s * a))(1.0 / 3.0, a)
    assert value == pytest.approx(exact / 3.0, rel=1e-12)
    assert grad == pytest.approx(exact, rel=1e-12)


def test_a_number_times_a_float32_constant_is_computed_in_float64():
    # x * float32(0.1) + 1e-9 at x = 1: the 1e-9 is far below float32's resolution near 0.1
    value, grad = dk.value_and_grad(lambda x: x * np.float32(0.1) + 1e-9)(1.0)
    assert value == pytest.approx(float(np.float32(0.1)) + 1e-9, rel=1e-15)
    assert grad == float(np.float32(0.1))


def test_a_comparison_of_a_number_is_a_numpy_boolean():
    # relu written as where(not (x > 0), 0, x*x): x*x and 2x at x = 2, as every other method gives
    assert dk.value_and_grad(lambda x: dk.where(~(x > 0), 0.0, x * x))(2.0) == (4.0, 4.0)
    assert dk.grad(lambda x: x * (x > 0).astype(float))(2.0) == 1.0


def test_numpy_floating_point_errors_raise_on_numbers_as_on_arrays():
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError):
            dk.value_and_grad(lambda x: dk.sum(x * x * x))(np.array([1e200]))
        with pytest.raises(FloatingPointError):
            dk.value_and_grad(lambda x: x * x * x)(1e200)


def test_a_constant_zero_denominator_gives_an_infinite_slope_as_forward_mode_does():
    # d(p / 0)/dp = 1/0: the backward pass starts from a float64 seed, so its arithmetic is NumPy's
    for method in ("tape", "forward-mode"):
        assert dk.value_and_grad(lambda p: p / 0.0, method=method)(1.0) == (math.inf, math.inf), method
    assert dk.gradient(lambda p: p / 0.0, 1.0).grad == math.inf
