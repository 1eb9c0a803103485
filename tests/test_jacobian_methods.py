"""dk.jacobian with every method: known Jacobians, agreement on random programs, shapes, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_forward_programs import programs

import diffkit as dk
from diffkit.methods.transforms import jacobian_methods, jacobian_result

EXACT = ("tape", "forward-mode", "fd-complex")
SYMBOLIC = ("symbolic", "symbolic-cse", "symbolic-tape")
DIFFERENCES = ("fd-central", "fd-richardson")


def test_every_registered_method_builds_jacobians():
    assert set(jacobian_methods()) == set(dk.methods())


@pytest.mark.parametrize("method", dk.methods())
def test_softmax_jacobian_is_diag_p_minus_p_p_transpose(method):
    x = np.array([0.3, -1.2, 2.0, 0.5])
    e = np.exp(x)
    p = e / e.sum()  # written out here, not taken from diffkit
    expected = np.diag(p) - np.outer(p, p)
    tolerance = 1e-8 if method == "fd-forward" else 1e-10
    np.testing.assert_allclose(dk.jacobian(dk.softmax, method=method)(x), expected, rtol=0, atol=tolerance)


@settings(max_examples=100, deadline=None)
@given(programs(max_steps=3), st.sampled_from(SYMBOLIC))
def test_jacobians_from_all_methods_agree_on_random_programs(program, symbolic_method):
    # Every numeric method on every example; the symbolic ones (each ~100x slower, mostly
    # lambdify) take turns, so each still meets about a third of the examples.
    reference = jacobian_result(program.vector, program.point, method="tape")
    assert reference.matrix.shape == (program.m, program.n)
    scale = max(1.0, float(np.abs(reference.matrix).max()))
    for method in (*EXACT, symbolic_method):
        result = jacobian_result(program.vector, program.point, method=method)
        np.testing.assert_allclose(result.value, reference.value, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(result.matrix, reference.matrix, rtol=0, atol=1e-10 * scale, err_msg=method)
    for method in DIFFERENCES:
        result = jacobian_result(program.vector, program.point, method=method)
        np.testing.assert_allclose(result.matrix, reference.matrix, rtol=0, atol=1e-5 * scale, err_msg=method)


def test_cost_shapes_reverse_by_rows_forward_by_columns():
    matrix = np.arange(12.0).reshape(2, 6) / 10

    def wide(x):  # R^6 -> R^2
        return dk.tanh(matrix @ x)

    x = np.linspace(-1, 1, 6)
    assert jacobian_result(wide, x, method="tape").stats["backward_passes"] == 2
    assert jacobian_result(wide, x, method="forward-mode").stats["passes"] == 6
    # f(x), 7 evaluations measuring f's noise, then f(x +- h) and f(x +- h/2) per column
    assert jacobian_result(wide, x, method="fd-central").stats["evaluations"] == 1 + 7 + 4 * 6
    assert jacobian_result(wide, x, method="symbolic-tape").stats["backward_passes"] == 2
    assert jacobian_result(wide, x, method="symbolic").stats["derivatives"] == 12


def test_jacobian_of_a_linear_map_is_the_matrix():
    A = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    for method in dk.methods():
        np.testing.assert_allclose(dk.jacobian(lambda x: A @ x, method=method)(np.ones(3)), A, atol=1e-8)


def test_shapes_follow_output_and_argument_shapes():
    def f(W, b):  # output (2, 3) from W (3, 4), b (3,)
        return dk.tanh(W @ np.ones((4, 2))).T + b

    W = np.linspace(-1, 1, 12).reshape(3, 4)
    b = np.array([0.1, 0.2, 0.3])
    dW, db = dk.jacobian(f, argnums=(0, 1))(W, b)
    assert dW.shape == (2, 3, 3, 4)
    assert db.shape == (2, 3, 3)
    np.testing.assert_array_equal(db, np.broadcast_to(np.eye(3), (2, 3, 3)))
    # the derivative of out[k, i] = tanh(sum_j W[i, j]) + b[i] by W[i, j] is 1 - tanh^2 = 1 / cosh^2
    # (written so: 1 - tanh^2 cancels, 1e-14 off at tanh = 0.994), by W[i', j] zero
    slope = 1 / np.cosh(W.sum(axis=1)) ** 2
    for k in range(2):
        for i in range(3):
            expected = np.zeros((3, 4))
            expected[i] = slope[i]
            np.testing.assert_allclose(dW[k, i], expected, rtol=1e-14)


def test_containers_come_back_as_containers():
    params = {"w": np.array([1.0, 2.0]), "c": 0.5}

    def f(p):
        return p["w"] * p["c"]

    for method in ("tape", "forward-mode", "symbolic-tape", "fd-central"):
        jac = dk.jacobian(f, method=method)(params)
        assert list(jac) == ["w", "c"]
        np.testing.assert_allclose(jac["w"], 0.5 * np.eye(2), atol=1e-9)
        np.testing.assert_allclose(jac["c"], [1.0, 2.0], atol=1e-9)


def test_scalar_output_gives_the_gradient():
    def f(x):
        return dk.sum(dk.sin(x) * x)

    x = np.array([0.4, -0.9, 1.7])
    for method in dk.methods():
        np.testing.assert_allclose(dk.jacobian(f, method=method)(x), dk.grad(f, method="tape")(x), atol=1e-7)


def test_scalar_to_scalar_is_a_number():
    assert dk.jacobian(lambda x: x * x, method="forward-mode")(3.0) == 6.0
    assert dk.jacobian(lambda x: x * x, method="tape")(3.0) == 6.0


def test_tuple_output_is_refused_with_the_fix():
    def two_outputs(x):
        return dk.sin(x), dk.cos(x)

    for method in dk.methods():
        with pytest.raises(dk.InputError, match="returned a tuple.*dk.stack or dk.concatenate"):
            dk.jacobian(two_outputs, method=method)(np.ones(2))


def test_unknown_method_and_option_errors():
    with pytest.raises(dk.UnknownMethodError, match="no differentiation method named 'forward'"):
        dk.jacobian(dk.sin, method="forward")
    with pytest.raises(dk.InputError, match="method 'tape' has no option 'step'"):
        dk.jacobian(dk.sin, method="tape", step=1e-3)(np.ones(2))
    np.testing.assert_allclose(
        dk.jacobian(dk.sin, method="fd-central", step=1e-4)(np.zeros(2)), np.eye(2), atol=1e-8
    )


def test_same_input_errors_as_gradient():
    with pytest.raises(dk.InputError, match="argnums=3 is out of range"):
        dk.jacobian(dk.sin, argnums=3)(np.ones(2))
    with pytest.raises(dk.InputError, match=r"x\[1\] is nan"):
        dk.jacobian(lambda x: dk.sin(x))(np.array([0.0, np.nan]))


def test_symbolic_methods_refuse_a_data_dependent_branch():
    def branchy(x):
        if x[0] > 0:
            return x * 2.0
        return x

    with pytest.raises(dk.SymbolicControlFlowError):
        dk.jacobian(branchy, method="symbolic")(np.ones(2))
    with pytest.raises(dk.SymbolicControlFlowError):
        dk.jacobian(branchy, method="symbolic-tape")(np.ones(2))
    np.testing.assert_array_equal(dk.jacobian(branchy, method="forward-mode")(np.ones(2)), 2 * np.eye(2))


@pytest.mark.parametrize("method", dk.methods())
def test_each_jacobian_block_comes_back_in_its_arguments_dtype(method):
    # As dk.grad gives each gradient: d(x**2)/dx = diag(2x) for x = [1, 2] in float32, and a
    # float64 argument beside it keeps float64 (before, every block came back in float64).
    x = np.array([1.0, 2.0], dtype=np.float32)
    jacobian_x, jacobian_b = dk.jacobian(lambda x, b: x**2 + b, argnums=(0, 1), method=method)(x, np.zeros(2))
    assert jacobian_x.dtype == np.float32 and jacobian_b.dtype == np.float64
    np.testing.assert_allclose(jacobian_x, [[2.0, 0.0], [0.0, 4.0]], rtol=1e-3)
    np.testing.assert_allclose(jacobian_b, np.eye(2), rtol=1e-6)
    number = dk.jacobian(lambda a: a * a, method=method)(np.float32(3.0))  # d(a^2)/da = 6
    assert type(number) is np.float32 and abs(number - 6.0) < 1e-3
    assert type(dk.jacobian(lambda a: a * a, method=method)(3.0)) is float
