"""Loop programs against derivatives derived without any differentiation method."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.programs.loops import halvings, logistic_derivative, logistic_polynomial


def test_logistic_polynomial_by_hand():
    assert logistic_polynomial(0) == [0, 1]
    assert logistic_polynomial(1) == [0, 4, -4]  # 4x(1 - x)
    assert logistic_polynomial(2) == [0, 16, -80, 128, -64]  # 4 l (1 - l), l = 4x - 4x^2
    assert len(logistic_polynomial(5)) == 2**5 + 1


def test_logistic_map_values_and_first_derivative():
    program = dk.get_program("logistic-map", iterations=2, x=0.3)
    assert program.gradient().value == pytest.approx(0.5376, abs=1e-15)  # 0.3 -> 0.84 -> 0.5376
    one = dk.get_program("logistic-map", iterations=1, x=0.3)
    assert one.gradient("tape").grad == pytest.approx(4 - 8 * 0.3, abs=1e-15)


@pytest.mark.parametrize("iterations", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("x", [0.1, 0.3, 0.77])
def test_logistic_map_derivative_matches_the_polynomial(iterations, x):
    program = dk.get_program("logistic-map", iterations=iterations, x=x)
    tape = program.gradient("tape").grad
    assert tape == pytest.approx(logistic_derivative(x, iterations), rel=1e-9)


def test_logistic_map_symbolic_matches_the_polynomial():
    program = dk.get_program("logistic-map", iterations=4, x=0.3)
    assert program.gradient("symbolic").grad == pytest.approx(logistic_derivative(0.3, 4), rel=1e-12)


@pytest.mark.parametrize("a", [2.0, 9.0, 0.25, 10.0, 1e4])
def test_babylonian_sqrt_derivative_is_one_over_two_root(a):
    program = dk.get_program("babylonian-sqrt", a=a)
    result = program.gradient("tape")
    assert result.value == pytest.approx(math.sqrt(a), rel=1e-12)
    assert result.grad == pytest.approx(1.0 / (2.0 * math.sqrt(a)), rel=1e-8)
    assert program.gradient("fd-central").grad == pytest.approx(1.0 / (2.0 * math.sqrt(a)), rel=1e-6)


def test_babylonian_sqrt_refuses_a_tolerance_float64_cannot_reach():
    program = dk.get_program("babylonian-sqrt", a=2.0, tol=1e-30)
    with pytest.raises(dk.InputError, match="did not reach .* use a larger tol"):
        program.gradient("tape")


@pytest.mark.parametrize("x, k", [(37.0, 3), (3.0, 0), (-23.0, 3), (1000.0, 8)])
def test_halving_loop_derivative_is_two_to_the_minus_k(x, k):
    assert halvings(x, 5.0) == k
    program = dk.get_program("halving-loop", x=x)
    assert program.depth == k and not program.on_kink
    assert program.gradient("tape").grad == 2.0**-k
    assert program.gradient("fd-central").grad == pytest.approx(2.0**-k, rel=1e-9)


@pytest.mark.parametrize("x, k", [(5.0, 0), (10.0, 1), (-80.0, 4)])
def test_halving_loop_ending_exactly_on_the_limit_is_tagged_as_a_kink(x, k):
    # |x| / 2**k == 5: a little more and the loop halves once more, so the result jumps.
    program = dk.get_program("halving-loop", x=x)
    assert halvings(x, 5.0) == k and program.on_kink
    assert program.gradient("tape").grad == 2.0**-k  # the tape follows the path that ran
    assert dk.get_program("halving-loop", x=x * 1.01).gradient("tape").grad == 2.0 ** -(k + 1)


@pytest.mark.parametrize("x, derivative", [(-1.5, -3.0), (0.5, 0.8775825618903728), (3.0, -0.049787068367863944)])
def test_piecewise_follows_the_branch_that_ran(x, derivative):
    program = dk.get_program("piecewise", x=x)
    assert program.gradient("tape").grad == pytest.approx(derivative, rel=1e-14)
    assert program.gradient("fd-central").grad == pytest.approx(derivative, rel=1e-7)
    with pytest.raises(dk.SymbolicControlFlowError):
        program.gradient("symbolic")


@pytest.mark.parametrize("steps", [0, 1, 2, 4])
def test_unrolled_gradient_descent_matches_the_linear_algebra(steps):
    program = dk.get_program("unrolled-gd", steps=steps, seed=2)
    d_lr, d_w0 = program.gradient("tape").grad
    closed_lr, closed_w0 = program.exact_grad(*program.args)
    assert d_lr == pytest.approx(closed_lr, rel=1e-10, abs=1e-14)
    np.testing.assert_allclose(d_w0, closed_w0, rtol=1e-10)
    if steps == 0:
        assert d_lr == 0.0  # no step taken: the learning rate does not matter


def test_unrolled_gradient_descent_by_central_differences():
    program = dk.get_program("unrolled-gd", steps=5)
    tape = program.gradient("tape").grad
    central = program.gradient("fd-central").grad
    assert central[0] == pytest.approx(tape[0], rel=1e-6)
    np.testing.assert_allclose(central[1], tape[1], rtol=1e-6)


@pytest.mark.parametrize("steps", [1, 4, 8])
def test_tanh_rnn_tape_agrees_with_central_differences(steps):
    program = dk.get_program("tanh-rnn", steps=steps, hidden=4, seed=1)
    tape = program.gradient("tape").grad
    central = program.gradient("fd-central").grad
    assert set(tape) == {"Wx", "Wh", "b", "v"}
    for key in tape:
        assert tape[key].shape == program.args[0][key].shape
        np.testing.assert_allclose(central[key], tape[key], rtol=1e-5, atol=1e-9)
