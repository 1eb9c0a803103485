"""The 50-digit reference: both routes, their agreement, and the error metrics built on them."""

import math

import mpmath
import numpy as np
import pytest

import diffkit as dk
from diffkit.errors import SymbolicControlFlowError
from diffkit.harness.metrics import fit_growth, fit_scaling, gradient_errors
from diffkit.harness.reference import agreeing_digits, max_difference, symbolic_reference, tape_reference
from diffkit.methods import Problem


def neuron(w0, x0, w1, x1, w2):
    return dk.sigmoid(w0 * x0 + w1 * x1 + w2)


def halving(x):
    while dk.abs(x) > 5:
        x = x / 2
    return x * x


def test_tape_route_gives_exp_to_fifty_digits():
    value, (grad,) = tape_reference(Problem(dk.exp, (1.0,), 0))
    with mpmath.workdps(60):
        e = mpmath.e
        assert abs(mpmath.mpf(value) - e) < mpmath.mpf(10) ** -48
        assert abs(mpmath.mpf(grad) - e) < mpmath.mpf(10) ** -48


def test_sigmoid_neuron_matches_the_lecture_to_its_printed_digits():
    # lecture example 2: f = 0.7310585786, df/dw0 = -0.19661, df/dx0 = 0.39322, ...
    problem = Problem(neuron, (2.0, -1.0, -3.0, -2.0, -3.0), (0, 1, 2, 3, 4))
    value, grad = tape_reference(problem)
    assert float(value) == pytest.approx(0.7310585786, abs=1e-10)
    local = 0.7310585786300049 * (1 - 0.7310585786300049)  # sigmoid'(1), written out
    expected = [-local, 2 * local, -2 * local, -3 * local, local]
    assert [float(g) for g in grad] == pytest.approx(expected, rel=1e-15)
    assert [round(float(g), 5) for g in grad] == [-0.19661, 0.39322, -0.39322, -0.58984, 0.19661]


def test_both_routes_agree_to_nearly_fifty_digits():
    def network(W, b):
        h = dk.tanh(np.array([0.3, -1.2]) @ W + b)
        return dk.sum(dk.exp(0.1 * h) * h)

    rng = np.random.default_rng(4)
    problem = Problem(network, (rng.normal(size=(2, 3)), rng.normal(size=3)), (0, 1))
    tape_value, tape_grad = tape_reference(problem)
    check_value, check_grad = symbolic_reference(problem)
    absolute, relative = max_difference(tape_grad, check_grad)
    assert relative < 1e-45
    assert agreeing_digits(relative) >= 45
    assert max_difference([tape_value], [check_value])[1] < 1e-45
    float_grad = np.concatenate([g.ravel() for g in dk.grad(network, argnums=(0, 1))(*problem.args)])
    assert np.allclose(float_grad, [float(g) for g in tape_grad], rtol=1e-13, atol=0)


def test_data_dependent_loop_has_a_tape_reference_only():
    problem = Problem(halving, (37.0,), 0)
    value, (grad,) = tape_reference(problem)
    assert mpmath.mpf(value) == mpmath.mpf(37) ** 2 / 64  # 37 halved three times, squared
    assert mpmath.mpf(grad) == mpmath.mpf(2 * 37) / 64
    with pytest.raises(SymbolicControlFlowError):
        symbolic_reference(problem)


def test_errors_are_measured_against_the_reference():
    absolute, relative = gradient_errors([1.0, -2.0], ["1.0000000001", "-2"])
    assert absolute == pytest.approx(1e-10, rel=1e-6)
    assert relative == pytest.approx(5e-11, rel=1e-6)  # normwise: divided by max |ref| = 2
    assert gradient_errors([0.1], ["0.1"])[0] == pytest.approx(5.55e-18, rel=1e-2)  # 0.1 is not a double
    assert agreeing_digits(0.0) == 50
    assert agreeing_digits(3e-17) == 16


def test_growth_fits_tell_exponential_from_linear():
    depths = [1, 2, 3, 4, 5, 6]
    doubling = fit_growth(depths, [3 * 2**d for d in depths])
    assert doubling.kind == "exponential" and doubling.rate == pytest.approx(2.0, rel=1e-9)
    assert "×2.00 per layer" in doubling.describe("tree size", "layer")
    linear = fit_growth(depths, [10 * d for d in depths])
    assert linear.kind == "power" and linear.rate == pytest.approx(1.0, rel=1e-9)
    assert "grows linearly" in linear.describe("tape nodes", "depth")
    assert fit_growth([1, 2], [1, 2]) is None
    assert fit_scaling([10, 100, 1000, 10000], [2e-3, 2e-2, 2e-1, 2.0]).slope == pytest.approx(1.0, abs=1e-6)
    assert not fit_scaling([10, 100, 1000], [5.0, 5.0, 5.0]).measurable


def test_products_of_float_constants_keep_fifty_digits_in_both_routes():
    # SymPy multiplies two double-precision Floats at double precision; X^T X w would then
    # lose digits in either route unless constants are raised to 50 digits first.
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)

    def normal_equations(w):
        return dk.sum(X.T @ (X @ w - y))

    w = np.array([0.3, -0.7])
    problem = Problem(normal_equations, (w,), 0)
    with mpmath.workdps(60):
        m = [[mpmath.mpf(float(v)) for v in row] for row in X]
        residual = [m[k][0] * mpmath.mpf(0.3) + m[k][1] * mpmath.mpf(-0.7) - mpmath.mpf(float(y[k])) for k in range(5)]
        exact = sum(m[k][i] * residual[k] for i in range(2) for k in range(5))
        for value, _ in (tape_reference(problem), symbolic_reference(problem)):
            assert abs(mpmath.mpf(value) - exact) < mpmath.mpf(10) ** -45
