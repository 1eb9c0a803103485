"""One convention at kinks in every method: the mean of the one-sided derivatives.

relu'(0) = 1/2, abs'(0) = 0, leaky_relu'(0) = (1 + alpha)/2, elu'(0) = (1 + alpha)/2,
and a tie in maximum / minimum sends half the gradient to each side (documented in
diffkit/ops/elementwise.py and the README). Expected values are those one-sided means,
worked out here by hand.
"""

import math

import numpy as np
import pytest

import diffkit as dk
from conftest import EXACT_METHODS


def relu(x):
    return dk.relu(x)


def maximum_with_zero(x):
    return dk.maximum(x, 0.0)


def zero_with_maximum(x):
    return dk.maximum(0.0, x)


def half_x_plus_abs(x):
    return (x + abs(x)) / 2.0


def numpy_maximum(x):
    return np.maximum(x, 0.0)


def x_times_step(x):
    return x * dk.heaviside(x)


def absolute(x):
    return dk.abs(x)


def leaky(x):
    return dk.leaky_relu(x, alpha=0.1)


def steep_leaky(x):
    return dk.leaky_relu(x, alpha=3.0)  # slope 3 on the left: a min, not a max


def elu(x):
    return dk.elu(x, alpha=2.0)


def minimum_with_zero(x):
    return dk.minimum(x, 0.0)


KINKS = [
    (relu, 0.5),  # (0 + 1) / 2
    (maximum_with_zero, 0.5),
    (zero_with_maximum, 0.5),
    (half_x_plus_abs, 0.5),  # (1 + 0) / 2
    (numpy_maximum, 0.5),
    (x_times_step, 0.5),  # step(0) + 0 * step'(0)
    (absolute, 0.0),  # (-1 + 1) / 2
    (leaky, 0.55),  # (0.1 + 1) / 2
    (steep_leaky, 2.0),  # (3 + 1) / 2
    (elu, 1.5),  # (2 e^0 + 1) / 2
    (minimum_with_zero, 0.5),
]


@pytest.mark.parametrize("program, expected", KINKS, ids=[k[0].__name__ for k in KINKS])
@pytest.mark.parametrize("method", EXACT_METHODS)
def test_derivative_at_the_kink(program, expected, method):
    assert dk.grad(program, method=method)(0.0) == expected


@pytest.mark.parametrize("program, expected", KINKS, ids=[k[0].__name__ for k in KINKS])
def test_central_differences_see_the_same_mean(program, expected):
    # A symmetric difference quotient across the kink is exactly the one-sided mean
    # (up to the curvature of elu's left branch, of order h).
    assert dk.grad(program, method="fd-central")(0.0) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_relu_written_three_ways_agrees_everywhere(method):
    x = np.array([-1.5, -0.0, 0.0, 0.7, 2.0])
    grads = [dk.grad(lambda v, p=p: dk.sum(p(v)), method=method)(x) for p in (relu, maximum_with_zero, half_x_plus_abs)]
    for grad in grads:
        np.testing.assert_array_equal(grad, [0.0, 0.5, 0.5, 1.0, 1.0])


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_ties_split_the_gradient(method):
    def maximum(a, b):
        return 4.0 * dk.maximum(a, b)

    def minimum(a, b):
        return 4.0 * dk.minimum(a, b)

    assert dk.grad(maximum, argnums=(0, 1), method=method)(1.0, 1.0) == (2.0, 2.0)
    assert dk.grad(minimum, argnums=(0, 1), method=method)(-3.0, -3.0) == (2.0, 2.0)
    assert dk.grad(maximum, argnums=(0, 1), method=method)(1.0, 2.0) == (0.0, 4.0)
    assert dk.grad(minimum, argnums=(0, 1), method=method)(1.0, 2.0) == (4.0, 0.0)


def test_the_convention_is_documented_in_the_op_table():
    from diffkit.ops import elementwise

    doc = elementwise.__doc__
    assert "mean of the left and right derivatives" in doc and "relu'(0) = 1/2" in doc


# --- where, and the branch not taken ---------------------------------------------------------
def linear_then_root(x):
    return dk.where(x < 1, x, dk.sqrt(x))


@pytest.mark.parametrize("method", EXACT_METHODS + ("fd-central", "fd-richardson"))
def test_where_at_zero_is_one_not_nan(method):
    # The sqrt branch is not taken at x = 0; its 0 * inf must not poison the gradient.
    with np.errstate(invalid="ignore"):  # finite differences evaluate sqrt(-h) in the untaken branch
        grad = dk.grad(linear_then_root, method=method)(0.0)
    assert grad == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_where_routes_each_entry_to_its_branch(method):
    x = np.array([0.0, 0.5, 4.0, 9.0])
    grad = dk.grad(lambda v: dk.sum(linear_then_root(v)), method=method)(x)
    np.testing.assert_allclose(grad, [1.0, 1.0, 0.25, 1.0 / 6.0], rtol=1e-15)  # 1, 1, 1/(2 sqrt x)


@pytest.mark.parametrize("method", EXACT_METHODS)
@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")  # NumPy's log(0), as in NumPy
def test_where_with_a_log_branch_not_taken(method):
    def safe_log(x):
        return dk.where(x > 0, dk.log(x), 0.0)

    assert dk.grad(safe_log, method=method)(0.0) == 0.0
    assert dk.grad(safe_log, method=method)(2.0) == 0.5


@pytest.mark.parametrize("method", EXACT_METHODS + ("fd-central",))
def test_a_step_of_an_expression_sends_no_gradient(method):
    # SymPy cannot tell that log(x) is real, so d/dx sign(log x) must not rely on it.
    def signed(x):
        return dk.sign(dk.log(x)) * x + dk.heaviside(dk.sqrt(x) - 1.0) * 3.0 * x

    assert dk.grad(signed, method=method)(0.5) == pytest.approx(-1.0, abs=1e-9)
    assert dk.grad(signed, method=method)(2.0) == pytest.approx(4.0, abs=1e-9)


@pytest.mark.parametrize("method", EXACT_METHODS + ("forward-mode", "symbolic-tape", "fd-complex"))
def test_a_zeroth_power_is_constant_also_at_zero(method):
    # 1 + 2x + 3x^2 written with x**0: d/dx at 0 is 2, not 0 * 0**-1 = NaN.
    def polynomial(x):
        return sum(c * x**k for k, c in enumerate([1.0, 2.0, 3.0]))

    assert dk.grad(polynomial, method=method)(0.0) == 2.0
    assert dk.grad(polynomial, method=method)(1.0) == 8.0

    def powers(x):  # exponents 0, 1, 2 in one array op
        return dk.sum(x ** np.array([0.0, 1.0, 2.0]))

    np.testing.assert_array_equal(dk.grad(powers, method=method)(np.zeros(3)), [0.0, 1.0, 0.0])


def test_second_derivative_of_a_polynomial_at_zero():
    def polynomial(x):
        return sum(c * x**k for k, c in enumerate([1.0, 2.0, 3.0]))

    for method in ("forward-over-reverse", "reverse-over-reverse", "symbolic"):
        assert dk.hessian(polynomial, method=method)(0.0) == 6.0


@pytest.mark.parametrize("method", EXACT_METHODS + ("forward-mode",))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's log(0) and exp overflow, as in NumPy
def test_an_infinite_value_on_a_branch_not_taken_sends_no_gradient(method):
    # The entropy term p log p, defined as 0 at p = 0: d/dp = log p + 1 where p > 0, and 0 at 0.
    def entropy(p):
        return dk.sum(dk.where(p > 0, p * dk.log(p), 0.0))

    np.testing.assert_allclose(dk.grad(entropy, method=method)(np.array([0.0, 0.5])), [0.0, 1.0 - math.log(2.0)])

    def capped_exp(x):  # exp(1000) overflows to inf on the branch not taken
        return dk.where(x < 100.0, dk.exp(x), 0.0)

    assert dk.grad(capped_exp, method=method)(1000.0) == 0.0
    assert dk.grad(capped_exp, method=method)(0.0) == 1.0

    def last_entries(p):  # indexing leaves p[0] log p[0] = NaN out of the output
        return dk.sum((p * dk.log(p))[1:])

    np.testing.assert_allclose(dk.grad(last_entries, method=method)(np.array([0.0, 0.5])), [0.0, 1.0 - math.log(2.0)])


def test_a_nan_the_program_really_computes_stays_a_nan():
    with np.errstate(invalid="ignore"):
        assert math.isnan(dk.grad(lambda x: dk.sqrt(x))(-1.0))
        assert math.isnan(dk.grad(lambda x: dk.sum(dk.where(x > 0, x, dk.sqrt(x))))(np.array([-1.0, 1.0]))[0])


def test_kinks_without_with_changes_nothing_and_says_so():
    with pytest.warns(dk.UnusedSettingWarning, match=r"dk\.kinks\('zero'\) at .*test_core_kinks\.py:\d+ .* was not "
                                                     r"used with `with`, so it changed nothing: write `with "
                                                     r"dk\.kinks\('zero'\):`"):
        dk.kinks("zero")
    assert dk.kink_convention() == "mean"
    assert dk.grad(dk.relu)(0.0) == 0.5


def test_kinks_decorates_and_nests():
    @dk.kinks("one")
    def slope_at_zero():
        return dk.grad(dk.relu)(0.0)

    assert slope_at_zero() == 1.0 and slope_at_zero() == 1.0
    zero = dk.kinks("zero")
    with zero:
        with zero:
            assert dk.grad(dk.relu)(0.0) == 0.0
        assert dk.kink_convention() == "zero"
    assert dk.kink_convention() == "mean"


def test_an_unknown_convention_is_refused_at_once_even_without_with():
    with pytest.raises(dk.InputError, match=r"unknown kink convention 'bogus': use one of 'zero', 'one', 'mean'"):
        dk.kinks("bogus")


def test_a_decorated_function_called_in_two_threads_at_once_restores_each_calls_setting():
    import threading
    import time

    found, raised = [], []

    @dk.kinks("zero")
    def slow_slope(delay):
        time.sleep(delay)
        return dk.grad(dk.relu)(0.0)

    def call(delay):
        try:  # an exception in a thread is otherwise only printed
            found.append(slow_slope(delay))
        except Exception as exc:  # noqa: BLE001
            raised.append(exc)

    threads = [threading.Thread(target=call, args=(delay,)) for delay in (0.05, 0.15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One shared setting restored in the other thread raised "token was created in a different Context"
    assert raised == [] and found == [0.0, 0.0] and dk.kink_convention() == "mean"
