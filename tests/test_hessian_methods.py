"""dk.hessian and dk.hvp: known Hessians, symmetry and agreement on random programs, errors."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from test_forward_programs import programs

import diffkit as dk
from diffkit.methods.transforms import HESSIAN_METHODS, hessian_result

AUTODIFF = ("forward-over-reverse", "reverse-over-reverse")


def mean_squared_error(w, X, y):
    return dk.mean((X @ w - y) ** 2)


@pytest.mark.parametrize("method", sorted(HESSIAN_METHODS))
def test_hessian_of_linear_least_squares_is_two_xtx_over_n(method):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 3))
    y = rng.normal(size=6)
    w = rng.normal(size=3)
    # d/dw mean((Xw - y)^2) = 2 X^T (Xw - y) / N, so the Hessian is 2 X^T X / N at every w.
    expected = 2.0 * X.T @ X / 6
    tolerance = 1e-6 if method == "fd-central" else 1e-12
    np.testing.assert_allclose(dk.hessian(mean_squared_error, method=method)(w, X, y), expected, atol=tolerance)


@pytest.mark.parametrize("method", sorted(HESSIAN_METHODS))
def test_hessian_of_a_two_variable_function_written_by_hand(method):
    def f(x, y):
        return x * x * y + dk.sin(x) * y**3

    x, y = 0.7, -1.3
    # f_xx = 2y - sin(x) y^3, f_xy = 2x + 3 cos(x) y^2, f_yy = 6 sin(x) y
    expected = (
        (2 * y - math.sin(x) * y**3, 2 * x + 3 * math.cos(x) * y * y),
        (2 * x + 3 * math.cos(x) * y * y, 6 * math.sin(x) * y),
    )
    result = dk.hessian(f, argnums=(0, 1), method=method)(x, y)
    tolerance = 1e-6 if method == "fd-central" else 1e-13
    for row, expected_row in zip(result, expected):
        for entry, expected_entry in zip(row, expected_row):
            assert isinstance(entry, float)
            assert entry == pytest.approx(expected_entry, abs=tolerance)


@settings(max_examples=100, deadline=None)
@given(programs(max_steps=3))
def test_hessians_are_symmetric_and_agree_with_symbolic(program):
    symbolic = hessian_result(program.scalar, program.point, method="symbolic", measure_cse=False).matrix
    np.testing.assert_array_equal(symbolic, symbolic.T)
    scale = max(1.0, float(np.abs(symbolic).max()))
    for method in AUTODIFF:
        matrix = hessian_result(program.scalar, program.point, method=method).matrix
        np.testing.assert_allclose(matrix, matrix.T, rtol=0, atol=1e-12 * scale, err_msg=method)
        np.testing.assert_allclose(matrix, symbolic, rtol=0, atol=1e-9 * scale, err_msg=method)
    differences = hessian_result(program.scalar, program.point, method="fd-central").matrix
    np.testing.assert_array_equal(differences, differences.T)
    np.testing.assert_allclose(differences, symbolic, rtol=0, atol=1e-4 * scale)


@pytest.mark.parametrize("method", sorted(HESSIAN_METHODS))
def test_hvp_is_the_hessian_times_v(method):
    def f(x):
        return x[0] ** 2 * x[1] + x[0] * dk.sin(x[2]) + dk.exp(x[1] * x[2])

    a, b, c = 0.3, -0.8, 1.1
    x = np.array([a, b, c])
    v = np.array([1.0, -2.0, 0.5])
    # The Hessian of a^2 b + a sin(c) + exp(b c), written out by hand (not taken from diffkit):
    e = math.exp(b * c)
    hessian = np.array(
        [
            [2 * b, 2 * a, math.cos(c)],
            [2 * a, c * c * e, (1 + b * c) * e],
            [math.cos(c), (1 + b * c) * e, -a * math.sin(c) + b * b * e],
        ]
    )
    expected = hessian @ v
    tolerance = 1e-6 if method == "fd-central" else 1e-12
    np.testing.assert_allclose(dk.hvp(f, v, x, method=method), expected, rtol=0, atol=tolerance)


def test_hvp_with_containers_and_several_arguments():
    def f(params, scale):
        return dk.sum(params["w"] ** 2) * scale**2 + params["b"] * scale

    params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    v = ({"w": np.array([1.0, 0.0]), "b": 1.0}, 2.0)
    result = dk.hvp(f, v, params, 3.0, argnums=(0, 1))
    # H: d2/dw2 = 2 s^2 I, d2/dw ds = 4 s w, d2/db ds = 1, d2/ds2 = 2 sum(w^2)
    s, w = 3.0, params["w"]
    hv_w = 2 * s * s * np.array([1.0, 0.0]) + 4 * s * w * 2.0
    hv_b = 1.0 * 2.0
    hv_s = 4 * s * w @ np.array([1.0, 0.0]) + 1.0 * 1.0 + 2 * np.sum(w * w) * 2.0
    np.testing.assert_allclose(result[0]["w"], hv_w)
    assert result[0]["b"] == pytest.approx(hv_b)
    assert result[1] == pytest.approx(hv_s)


def test_hessian_block_shapes_follow_the_arguments():
    def f(W, b):
        return dk.sum(dk.tanh(W @ np.ones(3) + b) ** 2)

    blocks = dk.hessian(f, argnums=(0, 1))(np.ones((2, 3)) * 0.1, np.array([0.2, -0.4]))
    assert blocks[0][0].shape == (2, 3, 2, 3)
    assert blocks[0][1].shape == (2, 3, 2)
    assert blocks[1][0].shape == (2, 2, 3)
    assert blocks[1][1].shape == (2, 2)
    np.testing.assert_allclose(blocks[0][1], np.transpose(blocks[1][0], (1, 2, 0)), atol=1e-15)


def test_symbolic_hessian_reports_its_swell():
    def two_layers(x):
        return dk.sum(dk.tanh(dk.tanh(x) * x[::-1]))

    stats = hessian_result(two_layers, np.array([0.1, 0.2, 0.3]), method="symbolic").stats
    assert stats["hessian_tree_size"] > stats["hessian_dag_size"] >= stats["hessian_cse_size"] > 0
    assert stats["hessian_tree_size"] > stats["gradient_tree_size"] > stats["forward_tree_size"]


def test_costs_reported_per_method():
    x = np.array([0.1, 0.2, 0.3, 0.4])
    assert hessian_result(dk.sum, x, method="forward-over-reverse").stats["passes"] == 4
    assert hessian_result(dk.sum, x, method="reverse-over-reverse").stats["backward_passes"] == 4
    # 2 evaluations per diagonal entry, 4 per pair above it, and f(x) once
    assert hessian_result(dk.sum, x, method="fd-central").stats["evaluations"] == 1 + 2 * 4 + 4 * 6


def test_hessian_needs_a_scalar_output():
    for method in HESSIAN_METHODS:
        with pytest.raises(dk.NonScalarOutputError, match=r"array of shape \(3,\).*use dk.jacobian"):
            dk.hessian(dk.tanh, method=method)(np.ones(3))


def test_unknown_second_order_method():
    with pytest.raises(dk.UnknownMethodError, match="no second-derivative method named 'tape'.*forward-over-reverse"):
        dk.hessian(dk.sum, method="tape")


def sum_of_squares(x):
    return dk.sum(x * x)


def test_hvp_direction_must_match_the_arguments():
    with pytest.raises(dk.InputError, match=r"^v for x has shape \(2,\), but x has shape \(3,\); "
                                            r"give v the shape of x$"):
        dk.hvp(sum_of_squares, np.ones(2), np.ones(3))
    with pytest.raises(dk.InputError, match=r"^v for argument x is a list of 3, but x is a number or an array; "
                                            r"give v the structure of x$"):
        dk.hvp(sum_of_squares, [1.0, 2.0, 3.0], np.ones(3))
    with pytest.raises(dk.InputError, match=r"^v must be shaped like the differentiated arguments: a tuple of 2, "
                                            r"one per argument of argnums=\(0, 1\); got ndarray$"):
        dk.hvp(lambda x, y: dk.sum(x * y), np.ones(3), np.ones(3), np.ones(3), argnums=(0, 1))
    with pytest.raises(dk.InputError, match=r"^v for argument p is a dict with keys \['b', 'w'\], but p is a dict "
                                            r"with keys \['w'\]; give v the structure of p$"):
        dk.hvp(lambda p: dk.sum(p["w"] ** 3), {"w": np.ones(2), "b": 1.0}, {"w": np.ones(2)})


@pytest.mark.parametrize("method", sorted(HESSIAN_METHODS))
@pytest.mark.parametrize(
    "v, message",
    [
        (np.array([np.nan, 0.0, 0.0]), "v for x[0] is nan: H v along a NaN or infinite direction means nothing"),
        (np.array([0.0, -np.inf, 0.0]), "v for x[1] is -inf: H v along a NaN or infinite direction means nothing"),
        ("a", "v for x is not a number or an array of real numbers (got 'a'); give v numbers shaped like x"),
        (None, "v for x is not a number or an array of real numbers (got NoneType); give v numbers shaped like x"),
        (np.array(["a", "b", "c"]), "v for x is not a number or an array of real numbers (got an array of dtype <U1)"),
        (np.array([True, False, True]),
         "v for x is not a number or an array of real numbers (got an array of dtype bool)"),
        (np.array([1j, 0, 0]), "v for x is complex; H v is taken along a real direction: give v real numbers"),
    ],
)
def test_hvp_refuses_a_direction_that_is_not_finite_real_numbers(method, v, message):
    with pytest.raises(dk.InputError) as info:
        dk.hvp(sum_of_squares, v, np.array([0.5, 1.0, 2.0]), method=method)
    assert str(info.value).startswith(message)


def test_hvp_direction_in_a_container_is_named_by_its_entry():
    def f(params, scale):
        return dk.sum(params["w"] ** 2) * scale

    with pytest.raises(dk.InputError, match=r"^v for w\[1\] is nan"):
        dk.hvp(f, ({"w": np.array([1.0, np.nan])}, 1.0), {"w": np.ones(2)}, 2.0, argnums=(0, 1))
    with pytest.raises(dk.InputError, match=r"^v for scale is inf"):
        dk.hvp(f, ({"w": np.ones(2)}, np.inf), {"w": np.ones(2)}, 2.0, argnums=(0, 1))
    # integers are numbers: H = diag(2 s, 2 s) on w, so H (1, 0) = (2 s, 0) and d2/dw ds = 2 w
    result = dk.hvp(f, ({"w": np.array([1, 0])}, 0), {"w": np.ones(2)}, 2.0, argnums=(0, 1))
    np.testing.assert_allclose(result[0]["w"], [4.0, 0.0])
    assert result[1] == pytest.approx(2.0)


def test_symbolic_hessian_refuses_a_data_dependent_branch():
    def branchy(x):
        return x * x if x > 0 else -x

    with pytest.raises(dk.SymbolicControlFlowError):
        dk.hessian(branchy, method="symbolic")(1.0)
    assert dk.hessian(branchy)(1.0) == 2.0
    assert dk.hessian(branchy, method="reverse-over-reverse")(1.0) == 2.0


def cubic_sum(x):
    return dk.sum(x**3)


STEP_FIX = r"leave the option out to let diffkit choose it \(eps\^\(1/4\) \* max\(\|x\|, 1\)\)"


@pytest.mark.parametrize("step", [0, 0.0, -1e-4, float("nan"), float("inf"), "a", [1e-4, 1e-4]])
def test_fd_central_step_must_be_a_positive_finite_number(step):
    x = np.array([1.0, 2.0])
    message = rf"step={re.escape(repr(step))}: the step of second-order differences must be a positive finite number"
    with pytest.raises(dk.InputError, match=message + ".*" + STEP_FIX):
        dk.hessian(cubic_sum, method="fd-central", step=step)(x)
    with pytest.raises(dk.InputError, match=message):
        hessian_result(cubic_sum, x, method="fd-central", step=step)
    with pytest.raises(dk.InputError, match=message):
        dk.hvp(cubic_sum, np.array([1.0, 0.0]), x, method="fd-central", step=step)


@pytest.mark.parametrize("step, square", [(1e-200, "0"), (1e200, "infinite")])
def test_fd_central_step_whose_square_is_not_a_usable_number(step, square):
    message = (
        rf"step={re.escape(repr(step))}: second-order differences divide by 4 step\*\*2, "
        rf"which is {square} in floating point"
    )
    with pytest.raises(dk.InputError, match=message):
        dk.hessian(cubic_sum, method="fd-central", step=step)(np.array([1.0, 2.0]))
    with pytest.raises(dk.InputError, match=message):
        dk.hvp(cubic_sum, np.array([1.0, 0.0]), np.array([1.0, 2.0]), method="fd-central", step=step)


def test_fd_central_with_a_given_step():
    # sum(x^3) has H = diag(6 x); second differences of a cubic have error h^2 * f'''' = 0, so
    # a large step is as good as the default up to round-off.
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(dk.hessian(cubic_sum, method="fd-central", step=1e-2)(x), [[6.0, 0.0], [0.0, 12.0]],
                               atol=1e-9)
    np.testing.assert_allclose(dk.hvp(cubic_sum, np.array([1.0, -1.0]), x, method="fd-central", step=1e-2),
                               [6.0, -12.0], atol=1e-9)


@pytest.mark.parametrize("method", ("forward-over-reverse", "reverse-over-reverse", "symbolic", "fd-central"))
def test_an_empty_argument_has_an_empty_hessian(method):
    # Before, the reverse-mode methods raised NumPy's "cannot reshape array of size 0"
    empty = np.zeros(0)
    assert dk.hessian(lambda x: dk.sum(x**2), method=method)(empty).shape == (0, 0)
    (xx, xy), (yx, yy) = dk.hessian(lambda x, y: dk.sum(x**2) * y + y**2, argnums=(0, 1), method=method)(empty, 2.0)
    assert xx.shape == (0, 0) and xy.shape == (0,) and yx.shape == (0,)
    assert yy == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize("method", dk.methods())
def test_an_empty_argument_has_an_empty_jacobian(method):
    # Before, the finite-difference methods raised NumPy's "zero-size array to reduction operation maximum"
    assert dk.jacobian(lambda x: x**2, method=method)(np.zeros(0)).shape == (0, 0)
    # d sum(x, axis=1) / dx for x of shape (2, 0): two outputs, no entries to differentiate by
    assert dk.jacobian(lambda x: dk.sum(x, axis=1), method=method)(np.zeros((2, 0))).shape == (2, 2, 0)


def test_second_differences_of_float32_arguments_take_a_float32_step():
    # d2/dx2 x^3 = 6x. Before, the step was float64's eps**(1/4): h**2 = 1.5e-8 is below float32's
    # eps, so the second differences rounded to 0 (Hessian [[0, 0], [0, 0]], hvp [8, 0]).
    x = np.array([1.0, 2.0], dtype=np.float32)
    hessian = dk.hessian(lambda x: dk.sum(x**3), method="fd-central")(x)
    np.testing.assert_allclose(hessian, [[6.0, 0.0], [0.0, 12.0]], rtol=1e-3, atol=1e-3)
    hvp = dk.hvp(lambda x: dk.sum(x**3), np.array([1.0, 0.0]), x, method="fd-central")
    np.testing.assert_allclose(hvp, [6.0, 0.0], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("method", ("forward-over-reverse", "reverse-over-reverse", "symbolic", "fd-central"))
def test_a_list_of_numbers_where_an_array_was_meant_is_named_by_every_hessian_method(method):
    with pytest.raises(dk.ListArgumentError, match=r"argument 'x' is a Python list of 2 numbers, .*pass an array: "
                                                   r"np\.array\(\[1\.0, 2\.0\]\)"):
        dk.hessian(lambda x: dk.sum(x**2), method=method)([1.0, 2.0])


def test_a_misspelt_hessian_method_gets_a_suggestion():
    with pytest.raises(dk.UnknownMethodError, match=r"no second-derivative method named 'reverse-over-revers' \(did "
                                                    r"you mean 'reverse-over-reverse'\?\)"):
        dk.hessian(lambda x: dk.sum(x**2), method="reverse-over-revers")(np.ones(2))


def test_a_float32_argument_leaves_a_float64_ones_second_differences_fine():
    # d2/db2 sum(exp(b)) = exp(b): with one step for all, the float32 a made b's relative error 1e-4
    hessian = dk.hessian(lambda a, b: dk.sum(dk.exp(b)) + dk.sum(a**2), argnums=(0, 1), method="fd-central")
    (aa, _), (_, bb) = hessian(np.ones(2, dtype=np.float32), np.array([1.0, 2.0]))
    np.testing.assert_allclose(np.diag(bb), np.exp([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose(np.diag(aa), [2.0, 2.0], rtol=1e-3)


@pytest.mark.parametrize("method", ("forward-over-reverse", "reverse-over-reverse", "symbolic", "fd-central"))
def test_each_hessian_block_comes_back_in_its_two_arguments_dtype(method):
    # f = a^2 sum(b) for a number a in float32 and b in float64: d2f/da2 = 2 sum(b) = 8,
    # d2f/da db = 2a = [4, 4], d2f/db2 = 0. A block is in the dtype both its arguments take.
    hessian = dk.hessian(lambda a, b: a * a * dk.sum(b), argnums=(0, 1), method=method)
    (aa, ab), (ba, bb) = hessian(np.float32(2.0), np.array([1.0, 3.0]))
    assert type(aa) is np.float32 and abs(aa - 8.0) < 1e-2
    assert ab.dtype == ba.dtype == bb.dtype == np.float64
    np.testing.assert_allclose(ab, [4.0, 4.0], rtol=1e-4)
    np.testing.assert_allclose(bb, np.zeros((2, 2)), atol=1e-4)
    x = np.array([1.0, 2.0], dtype=np.float32)
    assert dk.hessian(lambda x: dk.sum(x**3), method=method)(x).dtype == np.float32
    assert dk.hvp(lambda x: dk.sum(x**3), np.array([1.0, 0.0]), x, method=method).dtype == np.float32
