"""The bugs students meet in small autograd engines, and symbolic expressions too large for SymPy."""

import sys

import numpy as np
import pytest
import sympy

import diffkit as dk
from diffkit.engines.sympy_compile import compile_expressions
from diffkit.engines.tape import Tape, active_tapes
from conftest import EXACT_METHODS


def doubled(x):
    return x + x


def squared(x):
    return x * x


def used_three_times(x):
    y = dk.exp(x)
    return y * y + y  # y fans out to three uses


@pytest.mark.parametrize("method", EXACT_METHODS + ("fd-complex",))
def test_a_value_used_twice_gets_the_summed_gradient(method):
    assert dk.grad(doubled, method=method)(3.0) == 2.0
    assert dk.grad(squared, method=method)(3.0) == 6.0
    # d/dx (e^2x + e^x) = 2 e^2x + e^x.
    assert dk.grad(used_three_times, method=method)(0.5) == pytest.approx(2 * np.exp(1.0) + np.exp(0.5), rel=1e-14)


def test_fan_out_over_arrays_and_broadcasts():
    def program(x):
        return dk.sum(x * x) + dk.sum(x[None, :] * np.ones((3, 1)))  # x broadcast over 3 rows

    grad = dk.grad(program)(np.array([1.0, -2.0]))
    np.testing.assert_array_equal(grad, [2.0 + 3.0, -4.0 + 3.0])


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_differentiating_twice_gives_the_same_answer(method):
    g = dk.grad(used_three_times, method=method)
    first, second = g(0.5), g(0.5)
    assert first == second
    x = np.array([0.1, 0.7])
    h = dk.grad(lambda v: dk.sum(dk.tanh(v) * v), method=method)
    np.testing.assert_array_equal(h(x), h(x))
    assert x.tolist() == [0.1, 0.7]  # the inputs are not modified


def test_backward_twice_on_one_tape_does_not_accumulate():
    with Tape() as tape:
        x = tape.leaf(np.array(2.0))
        y = x * x * x
    first = tape.backward(y, 1.0, [x])[0]
    second = tape.backward(y, 1.0, [x])[0]
    assert float(first) == float(second) == 12.0


def unrolled_loop(x):
    for _ in range(5000):
        x = x * 0.5 + dk.sin(x) * 0.5  # 10,000 recorded ops (multiply, sin, multiply, add -> 4 per step)
    return x


def test_a_chain_of_ten_thousand_ops_needs_no_recursion():
    result = dk.gradient(unrolled_loop, 0.3, method="tape")
    assert result.stats["nodes"] >= 10_000
    # Each step maps x to (x + sin x)/2, slope (1 + cos x)/2; the product over the steps
    # is computed here by a plain loop, independently of the tape.
    x, slope = 0.3, 1.0
    for _ in range(5000):
        slope *= (1.0 + np.cos(x)) / 2.0
        x = (x + np.sin(x)) / 2.0
    assert result.value == pytest.approx(x, rel=1e-12)
    assert result.grad == pytest.approx(slope, rel=1e-9)


def test_a_chain_of_ten_thousand_array_ops():
    def program(v):
        for _ in range(10_000):
            v = v * 0.9999
        return dk.sum(v)

    result = dk.gradient(program, np.ones(3), method="tape")
    assert result.stats["nodes"] == 10_001
    np.testing.assert_allclose(result.grad, np.full(3, 0.9999**10_000), rtol=1e-10)


def nested_sines(depth):
    def program(x):
        for _ in range(depth):
            x = dk.sin(x)
        return x

    return program


@pytest.fixture
def python_recursion_limit():
    """Python's default limit of 1000 frames for the test: importing IPython (as the notebook tests do)
    raises it to 3000, where a derivation 400 deep no longer runs out of frames in SymPy."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(limit)


@pytest.mark.parametrize("method", ["symbolic", "symbolic-cse"])
@pytest.mark.parametrize("depth", [400, 3000])  # fails while differentiating / while building
def test_a_derivation_too_deep_for_sympy_is_a_clear_error(method, depth, python_recursion_limit):
    with pytest.raises(dk.ExpressionTooLargeError) as info:
        dk.gradient(nested_sines(depth), 0.5, method=method, measure_cse=False)
    message = str(info.value)
    assert "too large for SymPy" in message and "RecursionError" in message and "'tape'" in message
    assert isinstance(info.value, dk.DiffkitError)
    # The tape differentiates the same program.
    assert dk.gradient(nested_sines(depth), 0.5, method="tape").grad > 0


def sympy_sines(x, depth):
    expression = x
    for _ in range(depth):
        expression = sympy.sin(expression)
    return expression


def test_lambdify_source_too_deeply_nested_is_a_clear_error():
    x = sympy.Symbol("x", real=True)
    # Python's parser accepts at most 200 nested parentheses in the printed source.
    with pytest.raises(dk.ExpressionTooLargeError) as info:
        compile_expressions([x], [sympy_sines(x, 210)], use_cse=False)
    message = str(info.value)
    assert "lambdify" in message and "SyntaxError" in message and "210 operations" in message
    # A little shallower, the same expression compiles and evaluates.
    value = 0.5
    for _ in range(190):
        value = np.sin(value)
    compiled = compile_expressions([x], [sympy_sines(x, 190)], use_cse=False)
    assert compiled(0.5)[0] == pytest.approx(value, rel=1e-14)


def test_a_users_own_recursion_error_is_not_disguised():
    def recurse(x):
        return recurse(x)

    with pytest.raises(RecursionError):
        dk.gradient(recurse, 1.0, method="symbolic")


def test_tape_stats():
    def program(x, W):
        return dk.sum(dk.tanh(x @ W))

    result = dk.gradient(program, np.ones((2, 3)), np.ones((3, 4)), argnums=(0, 1), method="tape")
    assert result.stats["nodes"] == 3  # matmul, tanh, sum
    # At least the two inputs must be held for matmul's rule: 6 + 12 float64 entries.
    assert result.stats["bytes_held"] >= (6 + 12) * 8
    assert result.stats["seconds"] > 0


def test_recording_is_closed_after_an_error_in_the_program():
    def fails_midway(x):
        y = dk.exp(x) * 2.0
        raise RuntimeError("the program broke")

    for method in ("tape", "symbolic", "fd-central", "fd-complex"):
        with pytest.raises(RuntimeError, match="the program broke"):
            dk.gradient(fails_midway, 1.0, method=method)
        assert active_tapes() == 0
    # The next differentiation records cleanly at level 1.
    assert dk.grad(squared)(4.0) == 8.0
    assert active_tapes() == 0
