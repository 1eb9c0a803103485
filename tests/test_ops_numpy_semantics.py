"""The meaning of the NumPy ops people write, with derivatives worked out by hand.

Ties in max/min share the gradient; products are exact with zeros; a norm's derivative
at 0 is 0; item assignment keeps the old value's meaning and NumPy's last-write rule;
``dk.at(...).add`` adds at repeated indices; ``np.dot`` has NumPy's rules; unsupported
keywords are refused by name; gradients come back in the argument's dtype; the complex
step's Jacobian of a view of the input is right.
"""

import numpy as np
import pytest

import diffkit as dk

AUTODIFF = ("tape", "forward-mode", "symbolic", "symbolic-tape")
EVERY = AUTODIFF + ("fd-central", "fd-complex", "symbolic-cse", "fd-richardson", "fd-forward")


# --- reductions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ("tape", "forward-mode", "symbolic-tape", "symbolic", "symbolic-cse"))
def test_tied_maxima_share_the_gradient_equally(method):
    x = np.array([[1.0, 3.0, 3.0, 3.0], [2.0, -1.0, 2.0, 0.0]])
    grad = dk.grad(lambda x: dk.sum(np.max(x, axis=1) * np.array([1.0, 10.0])), method=method)(x)
    np.testing.assert_allclose(grad, [[0, 1 / 3, 1 / 3, 1 / 3], [5.0, 0, 5.0, 0]], rtol=1e-15)
    grad = dk.grad(lambda x: x.min(), method=method)(np.array([0.5, -2.0, -2.0]))
    np.testing.assert_allclose(grad, [0.0, 0.5, 0.5])


TIE_OF_THREE = np.array([1.0, 3.0, 3.0, 3.0])


@pytest.mark.parametrize("method", ("tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape"))
def test_a_tie_of_three_sends_a_third_to_each_under_every_exact_method(method):
    """1/3 each (the mean of the one-sided derivatives), worked out by hand; before, the
    symbolic methods' pairwise tree sent 1/2, 1/4, 1/4."""
    third = [0.0, 1 / 3, 1 / 3, 1 / 3]
    np.testing.assert_allclose(dk.grad(lambda x: dk.max(x), method=method)(TIE_OF_THREE), third, rtol=1e-15)
    np.testing.assert_allclose(dk.grad(lambda x: dk.min(-x), method=method)(TIE_OF_THREE), np.negative(third), rtol=1e-15)
    np.testing.assert_allclose(dk.grad(lambda x: x.max(), method=method)(TIE_OF_THREE), third, rtol=1e-15)
    rows = np.array([TIE_OF_THREE, [-2.0, 0.5, -2.0, -2.0]])
    weights = np.array([[1.0], [6.0]])
    by_row = dk.grad(lambda x: dk.sum(dk.max(x, axis=1, keepdims=True) * weights), method=method)(rows)
    np.testing.assert_allclose(by_row, [third, [0.0, 6.0, 0.0, 0.0]], rtol=1e-15)
    by_column = dk.grad(lambda x: dk.sum(np.min(x, axis=0) * np.array([1.0, 2.0])), method=method)(rows.T)
    np.testing.assert_allclose(by_column, [[1, 2 / 3], [0, 0], [0, 2 / 3], [0, 2 / 3]], rtol=1e-15)
    over_both = dk.grad(lambda x: dk.max(x, axis=(0, 1)), method=method)(np.full((2, 2), 5.0))
    np.testing.assert_allclose(over_both, np.full((2, 2), 0.25), rtol=1e-15)


def test_a_tie_of_three_under_finite_differences_is_what_each_stencil_measures():
    """Each entry is moved alone, so a tie is never broken in both directions at once:
    central differences measure (h - 0) / 2h = 1/2 per entry, forward differences 1, and the
    complex step refuses max (not analytic)."""
    for method, share in (("fd-central", 0.5), ("fd-richardson", 0.5), ("fd-forward", 1.0)):
        np.testing.assert_allclose(dk.grad(lambda x: dk.max(x), method=method)(TIE_OF_THREE), [0, share, share, share], atol=1e-6)
    with pytest.raises(dk.NonAnalyticError, match="dk.max"):
        dk.grad(lambda x: dk.max(x), method="fd-complex")(TIE_OF_THREE)


@pytest.mark.parametrize("method", ("symbolic", "symbolic-cse", "symbolic-tape"))
def test_the_symbolic_max_is_numpys_to_the_last_bit(method):
    """max(0.3, 0.7) as (a + b + |a - b|) / 2 is 0.7000000000000001 in floating point, which no
    entry equals: the symbolic tape's tie test found no maximum and gave NaN."""
    x = np.array([0.3, 0.7, 0.7, 0.1])
    value, grad = dk.value_and_grad(lambda x: dk.max(x), method=method)(x)
    assert value == np.max(x) == 0.7
    assert grad.tolist() == [0.0, 0.5, 0.5, 0.0]
    x = np.array([0.1, 0.7, 0.1, 0.1 + 1e-16])  # the last is 7 units in the last place above 0.1
    value, grad = dk.value_and_grad(lambda x: dk.min(x * 3.0), method=method)(x)
    assert value == np.min(x * 3.0)
    assert grad.tolist() == [1.5, 0.0, 1.5, 0.0]


def test_max_of_copies_agrees_with_maximum_at_a_tie():
    for method in ("tape", "forward-mode", "symbolic", "fd-central"):
        via_max = dk.grad(lambda a: dk.max(dk.stack([a, a * 1.0])), method=method)(0.7)
        via_maximum = dk.grad(lambda a: dk.maximum(a, a * 1.0), method=method)(0.7)
        assert via_max == pytest.approx(1.0) and via_maximum == pytest.approx(1.0)  # 1/2 + 1/2


def test_argmax_and_argmin_are_plain_indices_without_gradient():
    x = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])

    def pick_largest(x):
        return dk.sum(x[np.arange(2), np.argmax(x, axis=1)] * 2.0) + x[0, x.argmin(axis=1)[0]]

    for method in ("tape", "forward-mode", "fd-complex", "fd-central"):
        np.testing.assert_allclose(dk.grad(pick_largest, method=method)(x), [[0, 2, 1], [2, 0, 0]], atol=1e-8)
    with pytest.raises(dk.SymbolicControlFlowError, match="argmax"):
        dk.grad(pick_largest, method="symbolic")(x)


@pytest.mark.parametrize("method", EVERY)
def test_prod_with_zeros_has_the_product_of_the_others_as_gradient(method):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.5, -2.0, 4.0]])
    grad = dk.grad(lambda x: dk.sum(np.prod(x, axis=1)), method=method)(x)
    # d/dx_i of x_0 x_1 x_2 is the product of the other two: row 0 has one zero, row 1 two.
    expected = [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [-8.0, 6.0, -3.0]]
    np.testing.assert_allclose(grad, expected, atol=1e-7 if method.startswith("fd-") and method != "fd-complex" else 1e-15)


@pytest.mark.parametrize("method", ("tape", "forward-mode", "symbolic", "fd-complex"))
def test_cumprod_with_a_zero(method):
    # cumprod([a, b, c]) = [a, ab, abc]; the sum's gradient is [1 + b + bc, a + ac, ab] = [1 + 0 + 0, 2 + 6, 0] at (2, 0, 3).
    grad = dk.grad(lambda x: dk.sum(np.cumprod(x)), method=method)(np.array([2.0, 0.0, 3.0]))
    np.testing.assert_allclose(grad, [1.0, 8.0, 0.0], rtol=1e-15)


@pytest.mark.parametrize("method", ("tape", "forward-mode"))
def test_norm_at_zero_has_zero_derivative(method):
    np.testing.assert_array_equal(dk.grad(lambda x: np.linalg.norm(x), method=method)(np.zeros(3)), np.zeros(3))
    grad = dk.grad(lambda x: dk.sum(dk.norm(x, axis=1)), method=method)(np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(grad, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-15)


# LAPACK's signs differ between these: a diagonal matrix in either order, off-diagonals of either sign.
SYMMETRIC_2X2 = [[[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], [[1.0, -0.5], [-0.5, 3.0]],
                 [[3.0, 0.5], [0.5, 1.0]], [[-1.0, 2.0], [2.0, 0.5]], [[0.2, -1.5], [-1.5, -0.4]]]


@pytest.mark.parametrize("method", ("symbolic", "symbolic-cse", "symbolic-tape"))
@pytest.mark.parametrize("matrix", SYMMETRIC_2X2, ids=range(len(SYMMETRIC_2X2)))
def test_eigh_eigenvectors_of_a_2x2_under_the_symbolic_methods_are_numpys(method, matrix):
    """The SymPy face (a rotation, each column times the sign LAPACK gives it at the point) has
    NumPy's values, and its derivative is the tape's (Giles's identity, a separate derivation)."""
    matrix = np.array(matrix)
    for column in (0, 1):
        for row in (0, 1):
            def entry(a):
                return np.linalg.eigh(a)[1][row, column] * 1.0

            value, grad = dk.value_and_grad(entry, method=method)(matrix)
            assert value == pytest.approx(np.linalg.eigh(matrix)[1][row, column], abs=1e-15)
            np.testing.assert_allclose(grad, dk.grad(entry, method="tape")(matrix), rtol=0, atol=1e-14)
    weights = np.array([[0.3, -1.2], [0.7, 2.0]])
    both = dk.value_and_grad(lambda a: dk.sum(weights * np.linalg.eigh(a)[1]) + np.linalg.eigh(a)[0][1], method=method)
    value, grad = both(matrix)
    assert value == pytest.approx(np.sum(weights * np.linalg.eigh(matrix)[1]) + np.linalg.eigvalsh(matrix)[1], abs=1e-14)
    assert grad[0, 1] == 0.0  # the upper triangle is not read


def test_eigh_eigenvectors_of_a_1x1_matrix_are_one_and_constant():
    assert dk.value_and_grad(lambda a: np.linalg.eigh(a)[1][0, 0] * 3.0, method="symbolic")(np.array([[2.5]])) == (3.0, 0.0)


@pytest.mark.parametrize("method", ("symbolic", "symbolic-cse", "symbolic-tape"))
def test_eigh_eigenvectors_beyond_2x2_are_refused_by_name_under_the_symbolic_methods(method):
    matrix = np.diag([1.0, 2.5, 4.0]) + 0.1
    with pytest.raises(dk.UnsupportedError, match=r"eigh's eigenvalues is written out for matrices up to 2 x 2; got 3 x 3.*roots of a cubic.*LAPACK's.*'tape'"):
        dk.grad(lambda a: dk.sum(np.linalg.eigh(a)[1]), method=method)(matrix)
    with pytest.raises(dk.UnsupportedError, match=r"eigh's eigenvectors is written out for matrices up to 2 x 2; got 3 x 3"):
        dk.grad(lambda a: dk.sum(dk.primitives()["eigh_vectors"](a)), method=method)(matrix)
    values = dk.grad(lambda a: dk.sum(np.linalg.eigh(a)[0] * np.array([1.0, 2.0, 3.0])), method="tape")(matrix)
    np.testing.assert_allclose(np.trace(values), 6.0, rtol=1e-13)  # d lambda_k / dA = v_k v_k^T, each of trace 1


@pytest.mark.parametrize("method", ("tape", "forward-mode", "symbolic", "fd-complex"))
def test_qr_of_a_2x2_matches_the_closed_form_derivative(method):
    """For A = [[x, 0], [0, 1]] with x > 0, Q = I and R = A; d R[0, 0] / dA = e_00, and a small
    shear A[1, 0] = e turns Q by the angle e / x: d Q[1, 0] / dA[1, 0] = 1 / x."""
    a = np.array([[2.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(dk.grad(lambda a: np.linalg.qr(a).R[0, 0] * 1.0, method=method)(a) * np.sign(np.linalg.qr(a)[1][0, 0]),
                               [[1.0, 0.0], [0.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(dk.grad(lambda a: np.linalg.qr(a).Q[1, 0] * 1.0, method=method)(a) * np.sign(np.linalg.qr(a)[1][0, 0]),
                               [[0.0, 0.0], [0.5, 0.0]], atol=1e-15)


def test_qr_refuses_what_it_does_not_differentiate():
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"mode='complete'.*mode='reduced'"):
        dk.grad(lambda a: dk.sum(np.linalg.qr(a, mode="complete")[0]))(np.eye(3))
    with pytest.raises(dk.ShapeError, match=r"tall or square matrices .* M >= N; got shape \(2, 3\)"):
        dk.grad(lambda a: dk.sum(np.linalg.qr(a)[1]))(np.ones((2, 3)))
    with pytest.raises(dk.UnsupportedError, match=r"SymPy face of qr is written out for matrices of up to 2 columns; got 3.*'tape'"):
        dk.grad(lambda a: dk.sum(np.linalg.qr(a)[1]), method="symbolic")(np.eye(3) + 0.1)


@pytest.mark.parametrize("method", ("tape", "symbolic", "fd-complex"))
def test_var_and_std_with_ddof_match_the_formula(method):
    x = np.array([1.0, 2.0, 4.0, 7.0])  # mean 3.5; d var / dx_i = 2 (x_i - mean) / (n - ddof)
    np.testing.assert_allclose(dk.grad(lambda x: np.var(x, ddof=1), method=method)(x), 2 * (x - 3.5) / 3, rtol=1e-13)
    std = np.std(x)
    np.testing.assert_allclose(dk.grad(lambda x: x.std(), method=method)(x), (x - 3.5) / (4 * std), rtol=1e-13)
    with pytest.raises(dk.InputError, match="ddof=4 leaves 0 degrees of freedom"):
        dk.grad(lambda x: np.var(x, ddof=4), method=method)(x)


def test_average_with_weights_differentiates_both():
    x, w = np.array([1.0, 3.0]), np.array([1.0, 3.0])  # average = (1 + 9) / 4 = 2.5
    gx, gw = dk.grad(lambda x, w: np.average(x, weights=w), argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gx, w / 4)
    np.testing.assert_allclose(gw, (x - 2.5) / 4)
    value, total = dk.average(x, weights=w, returned=True)
    assert value == 2.5 and total == 4.0


# --- in-place updates ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", EVERY)
def test_the_value_held_before_an_assignment_keeps_its_meaning(method):
    def program(x):
        y = x * 1.0
        before = y * 2.0  # computed from y before the assignment
        y[0] = 5.0
        alias = y  # the same object, as in NumPy: it sees the assignment
        return dk.sum(before) + dk.sum(alias * x)

    # d/dx [2(x0 + x1) + 5 x0 + x1^2] = [7, 2 + 2 x1]
    grad = dk.grad(program, method=method)(np.array([1.5, -0.5]))
    np.testing.assert_allclose(grad, [7.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex",))
def test_repeated_indices_in_an_assignment_keep_numpys_last_write(method):
    def program(x, v):
        y = x * 1.0
        y[[0, 2, 0]] = v  # y[0] = v[2]: v[0] is overwritten
        return dk.sum(y * np.array([1.0, 10.0, 100.0]))

    gx, gv = dk.grad(program, argnums=(0, 1), method=method)(np.ones(3), np.array([4.0, 5.0, 6.0]))
    np.testing.assert_allclose(gx, [0.0, 10.0, 0.0])
    np.testing.assert_allclose(gv, [0.0, 100.0, 1.0])


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex",))
def test_at_add_adds_at_every_repeat_and_leaves_its_input(method):
    def program(x, v):
        y = dk.at(x)[[0, 0, 1]].add(v)
        return dk.sum(y * y) + dk.sum(x)

    x, v = np.array([1.0, 2.0]), np.array([0.5, 0.25, 1.0])
    # y = [x0 + v0 + v1, x1 + v2]: dL/dx = 2 y + 1, dL/dv = [2 y0, 2 y0, 2 y1]
    gx, gv = dk.grad(program, argnums=(0, 1), method=method)(x, v)
    np.testing.assert_allclose(gx, [2 * 1.75 + 1, 2 * 3.0 + 1])
    np.testing.assert_allclose(gv, [3.5, 3.5, 6.0])
    np.testing.assert_array_equal(dk.at(x)[1].set(7.0), [1.0, 7.0])
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_augmented_assignment_with_a_mask_from_the_values():
    def program(x):
        y = x.copy()
        y[y < 0] *= 3.0  # the mask reads the values; the derivative is 3 there, 1 elsewhere
        return dk.sum(y)

    for method in ("tape", "forward-mode", "fd-complex", "fd-central"):
        np.testing.assert_allclose(dk.grad(program, method=method)(np.array([-1.0, 2.0, -0.5])), [3, 1, 3], atol=1e-8)


# --- products -----------------------------------------------------------------------------------
def test_np_dot_has_numpys_rules_under_every_method():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3, 4))
    weights = rng.normal(size=np.dot(a, b).shape)  # (2, 2, 4), not matmul's broadcast

    def contraction(a, b):
        return dk.sum(weights * np.dot(a, b))

    # d/da[i, c] of sum_{i j m} w[i j m] sum_c a[i c] b[j c m] = sum_{j m} w[i j m] b[j c m]
    expected_a = np.einsum("ijm,jcm->ic", weights, b)
    expected_b = np.einsum("ijm,ic->jcm", weights, a)
    for method in ("tape", "forward-mode", "symbolic", "fd-complex", "fd-central"):
        result = dk.gradient(contraction, a, b, argnums=(0, 1), method=method)
        assert result.value == pytest.approx(float(np.sum(weights * np.dot(a, b))), rel=1e-12)
        np.testing.assert_allclose(result.grad[0], expected_a, atol=1e-8, err_msg=method)
        np.testing.assert_allclose(result.grad[1], expected_b, atol=1e-8, err_msg=method)
    grad = dk.grad(lambda x: dk.sum(np.dot(x, 2.0)))(np.ones((10, 11)))  # a float operand: a product
    np.testing.assert_array_equal(grad, np.full((10, 11), 2.0))


def test_einsum_with_a_repeated_index_puts_the_gradient_on_the_diagonal():
    a = np.arange(9.0).reshape(3, 3)
    for method in ("tape", "forward-mode", "symbolic"):
        np.testing.assert_array_equal(dk.grad(lambda a: np.einsum("ii", a), method=method)(a), np.eye(3))
        np.testing.assert_array_equal(
            dk.grad(lambda a: dk.sum(np.einsum("ij->j", a) * np.array([1.0, 2.0, 3.0])), method=method)(a),
            np.tile([1.0, 2.0, 3.0], (3, 1)),
        )


# --- routing and refusals ------------------------------------------------------------------------
@pytest.mark.parametrize("method", ("tape", "forward-mode", "symbolic", "fd-complex"))
def test_keywords_diffkit_does_not_support_are_refused_by_name(method):
    x = np.array([1.0, 2.0])
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"numpy\.max was called with initial=0\.0 .*dk\.max"):
        dk.grad(lambda x: np.max(x, initial=0.0), method=method)(x)
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"\.var was called with dtype=.*dk\.var"):
        dk.grad(lambda x: x.var(dtype=np.float64), method=method)(x)
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"mode='mean'"):
        dk.grad(lambda x: dk.sum(np.pad(x, 1, mode="mean")), method=method)(x)
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"numpy\.cumsum was called with out="):
        dk.grad(lambda x: dk.sum(np.cumsum(x, out=np.empty(2))), method=method)(x)


def test_where_with_one_branch_is_refused_clearly():
    with pytest.raises(dk.InputError, match=r"dk\.where takes three arguments, .*or the condition alone .*give both "
                                            r"x and y$"):
        dk.grad(lambda x: dk.sum(dk.where(x > 0, x)))(np.array([1.0, 0.0]))


def test_zeros_like_of_a_diffkit_value_is_a_constant():
    def program(x):
        mask = np.ones_like(x)
        mask[0] = 0.0
        return dk.sum(x * mask + np.zeros_like(x) + np.full_like(x, 2.0))

    for method in EVERY:
        np.testing.assert_allclose(dk.grad(program, method=method)(np.array([3.0, 4.0])), [0.0, 1.0], atol=1e-6)


def test_primitives_lists_every_new_op_with_its_faces():
    table = dk.primitives()
    for name in ("max", "prod", "cumsum", "cumprod", "norm", "einsum", "setitem", "copy", "det", "inv", "solve",
                 "cholesky", "eigvalsh", "eigh_vectors", "logabsdet", "tan", "erf", "floor"):
        primitive = table[name]
        assert callable(primitive.numpy) and callable(primitive.sympy) and primitive.vjp and primitive.jvp, name
    assert dk.linalg.det is not None and dk.special.erf is dk.erf


# --- defects found with autograd's test programs ---------------------------------------------------
@pytest.mark.parametrize(
    "view", [lambda x: x[::-1], lambda x: x.T, lambda x: dk.reshape(x, (-1,)), lambda x: np.flip(x, 0),
             lambda x: np.moveaxis(x, 0, 1), lambda x: np.rot90(x), lambda x: np.squeeze(x[None])],
)
def test_complex_step_jacobian_of_a_view_of_the_input(view):
    x = np.arange(6.0).reshape(2, 3)
    expected = dk.jacobian(view, method="tape")(x)
    assert np.count_nonzero(expected) == 6
    np.testing.assert_array_equal(dk.jacobian(view, method="fd-complex")(x), expected)
    np.testing.assert_array_equal(dk.jacobian(lambda x: x[::-1], method="fd-complex")(np.arange(3.0)), np.eye(3)[::-1])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("method", EVERY)
def test_gradients_come_back_in_the_arguments_dtype(method, dtype):
    x = np.array([0.5, -1.0, 2.0], dtype=dtype)
    grad = dk.grad(lambda x: dk.sum(x * x), method=method)(x)
    assert grad.dtype == dtype, method
    differences_in_half_precision = dtype == np.float16 and method in ("fd-forward", "fd-richardson")
    np.testing.assert_allclose(grad, 2 * x.astype(float), rtol=0.05 if differences_in_half_precision else 1e-2)
    scalar = dk.grad(lambda s: s * s, method=method)(dtype(1.5))
    assert type(scalar) is dtype and scalar == pytest.approx(3.0, rel=0.05 if differences_in_half_precision else 1e-2)
    assert type(dk.grad(lambda s: s * s, method=method)(1.5)) is float


def test_every_routed_numpy_name_reaches_an_op_of_the_table():
    from diffkit.core import routing
    from diffkit.core.values import _op

    for table in (routing.UFUNC_TO_OP, routing.FUNCTION_TO_OP, routing.METHOD_TO_OP):
        for name, op_name in table.items():
            assert callable(_op(op_name)), (name, op_name)
    for name in routing.FUNCTION_TO_OP:  # and NumPy has each function under that name
        module, _, attribute = name.rpartition(".")
        assert callable(getattr(np.linalg if module == "numpy.linalg" else np, attribute)), name


@pytest.mark.parametrize("method", EVERY)
def test_concatenate_with_axis_none_joins_the_arrays_flattened(method):
    def f(x):
        joined = np.concatenate([x, np.ones(2)], axis=None)
        return np.sum(joined ** 2 * np.arange(1.0, 7.0))  # the weights show where each entry went

    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert f(x) == 1 + 8 + 27 + 64 + 5 + 6
    np.testing.assert_allclose(dk.grad(f, method=method)(x), [[2.0, 8.0], [18.0, 32.0]], rtol=1e-6)  # 2 * k * x


# --- writing through a view ---------------------------------------------------------------------
def _gradient(program, method, x):
    """The gradient of ``program`` at ``x`` by ``method``, or by dk.compile_grad compiled at ``x``."""
    if method == "compile_grad":
        return dk.compile_grad(program, x)(x)
    return dk.grad(program, method=method)(x)


def _zero_a_row_through_a_view(x):
    y = x * 1.0
    r = y[0]
    r[:] = 0.0  # in NumPy r is y's first row: y changes too
    return np.sum(y ** 2)


def _zero_a_column_through_the_transpose(x):
    y = x * 1.0
    y.T[0] = 0.0
    return np.sum(y ** 2)


def _set_an_entry_through_reshape(x):
    y = x * 1.0
    y.reshape(-1)[0] = 10.0
    return np.sum(y ** 2)


VIEW_WRITES = {
    _zero_a_row_through_a_view: ("r", "a view of y", 77.0, [[0, 0, 0], [8, 10, 12]]),
    _zero_a_column_through_the_transpose: (r"y\.T", "a view of y", 74.0, [[0, 4, 6], [0, 10, 12]]),
    _set_an_entry_through_reshape: (r"y\.reshape\(-1\)", "a view of y", 190.0, [[0, 4, 6], [8, 10, 12]]),
}


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex", "symbolic-cse", "compile_grad"))
@pytest.mark.parametrize("program", VIEW_WRITES, ids=lambda p: p.__name__)
def test_an_item_assignment_through_a_view_is_refused_naming_the_array_it_changes(program, method):
    view, relation, value, grad = VIEW_WRITES[program]
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert program(x) == value  # NumPy's own run, which finite differences follow:
    np.testing.assert_allclose(dk.grad(program, method="fd-central")(x), grad, atol=1e-6)
    with pytest.raises(dk.UnsupportedError, match=(
            rf"^{view} is {relation} in NumPy, so writing into it at test_ops_numpy_semantics\.py:\d+ in "
            rf"{program.__name__}\(\).* changes y too, which diffkit does not follow; write into y itself "
            r"\(y\[0\] = v or y\[0, :\] = v, not through a view .*\), or build the new value with "
            r"dk\.at\(y\)\[index\]\.set\(v\)$")):
        _gradient(program, method, x)


def _shift_a_row_in_place(x):
    y = x * 2.0
    r = y[0]
    r += 1.0  # in NumPy an in-place add into y's first row: y changes too
    return np.sum(y * y)


def _scale_the_transpose_in_place(x):
    y = x * 2.0
    t = y.T
    t *= 3.0
    return np.sum(y * y)


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex", "symbolic-cse", "compile_grad"))
@pytest.mark.parametrize("program, view, symbol, value, grad", [
    # (2x + 1)^2 on the first row and (2x)^2 on the second: 9 + 25 + 49 + 64 + 100 + 144
    (_shift_a_row_in_place, "r", r"\+", 391.0, [[12, 20, 28], [32, 40, 48]]),
    # (6x)^2 everywhere: 36 * 91
    (_scale_the_transpose_in_place, "t", r"\*", 3276.0, [[72, 144, 216], [288, 360, 432]]),
], ids=["r += 1", "t *= 3"])
def test_an_augmented_assignment_through_a_view_is_refused_offering_both_meanings(program, view, symbol, value, grad,
                                                                                   method):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert program(x) == value  # NumPy's own run, which finite differences follow
    np.testing.assert_allclose(dk.grad(program, method="fd-central")(x), grad, rtol=1e-7)
    with pytest.raises(dk.UnsupportedError, match=(
            rf"^{view} is a view of y in NumPy, so writing into it at test_ops_numpy_semantics\.py:\d+ in "
            rf"{program.__name__}\(\).* changes y too, which diffkit does not follow; to leave y as it is, assign "
            rf"the new value \({view} = {view} {symbol} v\); to change y, write into y itself")):
        _gradient(program, method, x)


@pytest.mark.parametrize("method", EVERY)
def test_an_augmented_assignment_nothing_else_sees_is_the_new_value(method):
    def shifted_copies(x):
        y = x * 2.0
        r = y[0]  # a view of y, but y is not read again
        r += 1.0
        total = np.sum(r * r)
        total += np.sum(x)  # a number
        z = x * 1.0  # owns its memory
        z *= z
        y2 = x * 1.0
        y2[0] += 1.0  # the middle step of an item update, which diffkit records
        return total + np.sum(z) + np.sum(y2)

    x = np.arange(1.0, 7.0).reshape(2, 3)
    # (2x+1)^2 over the first row, plus sum(x), plus sum(x^2), plus sum(x) + 3
    assert shifted_copies(x) == 9 + 25 + 49 + 21 + 91 + 21 + 3
    expected = [[4 * (2 * k + 1) + 1 + 2 * k + 1 for k in (1, 2, 3)], [1 + 2 * k + 1 for k in (4, 5, 6)]]
    np.testing.assert_allclose(dk.grad(shifted_copies, method=method)(x), expected, rtol=1e-6)


def _shift_a_row_held_in_a_list(x):
    y = x * 2.0
    rows = [y[0]]
    rows[0] += 1.0  # NumPy writes through the view the list holds: y changes too
    return np.sum(y * y)


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex",))
def test_an_augmented_assignment_into_a_list_item_that_is_a_view_is_refused(method):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert _shift_a_row_held_in_a_list(x) == 391.0  # as _shift_a_row_in_place
    with pytest.raises(dk.UnsupportedError, match=r"is a view of y in NumPy, so writing into it .* changes y too"):
        dk.grad(_shift_a_row_held_in_a_list, method=method)(x)


@pytest.mark.parametrize("method", EVERY + ("compile_grad",))
def test_an_augmented_assignment_changes_the_array_under_every_name_bound_to_it(method):
    def shared(x):
        y = x * 2.0
        z = y  # the same array under two names
        z += 1.0
        h = x  # the argument itself
        h *= 3.0
        out = dk.zeros(3)
        alias = out
        out += x
        return np.sum(y * z) + np.sum(alias)

    x = np.array([1.0, 2.0, 3.0])
    # y = z = 2x + 1; x itself becomes 3x before out takes it: sum((2x + 1)^2) + sum(3x)
    assert shared(x.copy()) == 9 + 25 + 49 + 18
    expected = 4 * (2 * x + 1) + 3  # d/dx of (2x + 1)^2 and of 3x
    np.testing.assert_allclose(_gradient(shared, method, x), expected, rtol=1e-6)


@pytest.mark.parametrize("method", EVERY + ("compile_grad",))
def test_an_augmented_assignment_on_a_number_rebinds_that_name_alone(method):
    def aliased_total(x):
        s = dk.sum(x)  # a number, immutable in NumPy: t += 1 makes a new one
        t = s
        t += 1.0
        return s * t

    x = np.array([1.0, 2.0, 3.0])
    assert aliased_total(x) == 6.0 * 7.0
    # d/dx_i of S (S + 1) with S = sum(x): 2S + 1 = 13
    np.testing.assert_allclose(_gradient(aliased_total, method, x), [13.0, 13.0, 13.0], rtol=1e-6)


@pytest.mark.parametrize("method", ("tape", "forward-mode", "fd-central"))
def test_an_augmented_assignment_on_a_number_inside_a_nested_derivative_rebinds_too(method):
    def inner(y):
        s = dk.sum(y * y)
        t = s
        t += 1.0
        return s * t

    def outer(x):
        return dk.sum(dk.grad(inner)(x))

    # inner's gradient is (2S + 1) 2y with S = sum(y^2); summed: 2 (2S + 1) sum(y), whose
    # derivative in x_k is 8 x_k sum(x) + 2 (2S + 1) = 48 x_k + 58 at x = (1, 2, 3)
    np.testing.assert_allclose(dk.grad(outer, method=method)(np.array([1.0, 2.0, 3.0])), [106.0, 154.0, 202.0],
                               rtol=1e-6)


@pytest.mark.parametrize("method", AUTODIFF)
def test_an_augmented_assignment_that_would_grow_the_array_is_a_shape_error(method):
    def grown(x):
        y = x * 1.0
        y += np.ones((2, 3))  # NumPy: non-broadcastable output operand
        return np.sum(y)

    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        grown(np.ones(3))
    with pytest.raises(dk.ShapeError, match=r"^an in-place \+= at test_ops_numpy_semantics\.py:\d+ in grown\(\).* "
                                            r"gives shape \(2, 3\), not the \(3,\) of the array written into"):
        dk.grad(grown, method=method)(np.ones(3))


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex",))
def test_a_view_of_a_buffer_is_refused_like_a_view_of_a_value(method):
    def into_a_row(x):
        out = dk.zeros((2, 3))
        out[1] = x  # from here on out holds a diffkit value
        row = out[0]
        row[:] = x
        return np.sum(out ** 2)

    def before_any_value(x):
        out = dk.zeros((2, 3))  # still plain numbers, so out[0] is NumPy's own view
        row = out[0]
        row[:] = x
        return np.sum(out ** 2)

    for program in (into_a_row, before_any_value):
        with pytest.raises(dk.UnsupportedError, match=r"^row is a view of out in NumPy, so writing into it .*"
                                                      r"changes out too.*write into out itself"):
            dk.grad(program, method=method)(np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex", "fd-central"))
def test_writes_that_no_other_variable_sees_are_followed(method):
    def rebound(x):  # the view takes the only name of what it views
        x = x.reshape(-1)
        x[0] = 10.0
        return np.sum(x ** 2)

    def flattened(x):  # flatten copies, where ravel would be a view
        y = x * 1.0
        f = y.flatten()
        f[0] = 0.0
        return np.sum(y ** 2) + np.sum(f)

    def zeroed_later(x):  # written into y itself, in a row that the view r does not show
        y = x * 1.0
        r = y[0]
        y[1] = 0.0
        return np.sum(y ** 2) + np.sum(r)

    x = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_allclose(dk.grad(rebound, method=method)(x), [[0, 4, 6], [8, 10, 12]], atol=1e-6)
    np.testing.assert_allclose(dk.grad(flattened, method=method)(x), [[2, 5, 7], [9, 11, 13]], atol=1e-6)
    np.testing.assert_allclose(dk.grad(zeroed_later, method=method)(x), [[3, 5, 7], [0, 0, 0]], atol=1e-6)


# --- `out[idx] += v` into a dk.zeros buffer ----------------------------------------------------
def _row_of_a_buffer(x):
    out = dk.zeros((2, 3))
    out[0] += x * 2
    return np.sum(out ** 2)  # 4 x**2: gradient 8 x


def _shifted_into_zeros_like(x):
    out = np.zeros_like(x)
    out[1:] += x[:-1]
    return np.sum(out ** 2)  # x0**2 + x1**2


def _whole_buffer_twice(x):
    out = dk.zeros(3)
    out[:] += x
    out[:] *= x
    return np.sum(out ** 2)  # x**4: gradient 4 x**3


def _repeated_positions(x):
    out = dk.zeros(3)
    out[[0, 0, 2]] += x  # NumPy: out[0] = 0 + x[1] (the last write), out[2] = x[2]
    return np.sum(out ** 2)


BUFFER_UPDATES = {
    _row_of_a_buffer: [8.0, 16.0, 24.0],
    _shifted_into_zeros_like: [2.0, 4.0, 0.0],
    _whole_buffer_twice: [4.0, 32.0, 108.0],
    _repeated_positions: [0.0, 4.0, 6.0],
}


@pytest.mark.parametrize("method", EVERY + ("compile_grad",))
@pytest.mark.parametrize("program", BUFFER_UPDATES, ids=lambda p: p.__name__)
def test_an_augmented_assignment_into_a_buffer_before_it_holds_a_value(program, method):
    repeated = np.zeros(3)
    repeated[[0, 0, 2]] += np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(repeated, [2.0, 0.0, 3.0])  # NumPy's rule, which the last program follows
    x = np.array([1.0, 2.0, 3.0])
    grad = _gradient(program, method, x)
    np.testing.assert_allclose(grad, BUFFER_UPDATES[program], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", AUTODIFF + ("fd-complex",))
def test_an_in_place_operator_on_a_name_for_a_buffer_item_is_refused(method):
    def through_a_name(x):
        out = dk.zeros((2, 3))
        t = out[0]
        t -= x  # in NumPy out[0] changes too
        return np.sum(out ** 2)

    with pytest.raises(dk.NonDiffkitFunctionError, match=(
            r"^t -= \.\.\. at test_ops_numpy_semantics\.py:\d+ in through_a_name\(\): `t -= x.*` would change the "
            r"plain NumPy array t in place, .* Write an item of a dk\.zeros buffer in the buffer itself, "
            r"out\[0\] -= v or out\[0\] = out\[0\] - v \(not t = out\[0\]; t -= v\); elsewhere assign the new "
            r"value, t = t - v\.$")):
        dk.grad(through_a_name, method=method)(np.array([1.0, 2.0, 3.0]))


def _named_intermediate_not_read_again(x):
    z = x * 1.0
    y = z.reshape(-1)  # a view of z, but z is not read after the write
    y[0] = 0.0
    return np.sum(y**2)


def _gates_split_from_one_product(x):
    gates = x * 2.0
    first, second = gates[0], gates[1]
    first[0] = 0.0  # the write does not reach second's entries
    return np.sum(first) + np.sum(second)


def _views_the_write_does_not_reach(x):
    z = x.reshape(-1) * 1.0
    head, tail = z[:4], z[2:]  # they overlap, but not at head[0]; z is not read again
    head[0] = 0.0
    return np.sum(head) + np.sum(tail)


def _written_copies(x):
    tiled, positive, padded = np.tile(x, 1), +x, np.pad(x, 0)  # new arrays in NumPy, not views of x
    tiled[0, 0] = positive[0, 1] = padded[1, 2] = 0.0
    return np.sum(tiled) + np.sum(positive) + np.sum(padded) + np.sum(x)


WRITES_NO_OTHER_VARIABLE_SEES = {  # d/dx, by hand, at x = [[1, 2, 3], [4, 5, 6]]
    _named_intermediate_not_read_again: [[0.0, 4.0, 6.0], [8.0, 10.0, 12.0]],
    _gates_split_from_one_product: [[0.0, 2.0, 2.0], [2.0, 2.0, 2.0]],
    _views_the_write_does_not_reach: [[0.0, 1.0, 2.0], [2.0, 1.0, 1.0]],
    _written_copies: [[3.0, 3.0, 4.0], [4.0, 4.0, 3.0]],
}


@pytest.mark.parametrize("method", EVERY)
@pytest.mark.parametrize("program", WRITES_NO_OTHER_VARIABLE_SEES, ids=lambda p: p.__name__)
def test_a_write_no_other_variable_read_later_sees_is_taken(program, method):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_allclose(dk.grad(program, method=method)(x), WRITES_NO_OTHER_VARIABLE_SEES[program], atol=1e-6)


def _write_through_a_view(x):
    y = x * 1.0
    r = y[0]
    r[:] = 0.0
    return np.sum(y**2)


def _called_through_a_wrapper(x):
    return _write_through_a_view(x)


@pytest.mark.parametrize("method", AUTODIFF)
def test_a_view_write_in_a_called_function_names_its_own_variables(method):
    with pytest.raises(dk.UnsupportedError, match=r"^r is a view of y in NumPy, so writing into it at "
                                                  r"test_ops_numpy_semantics\.py:\d+ in _write_through_a_view\(\)"):
        dk.grad(_called_through_a_wrapper, method=method)(np.ones((2, 3)))


def _buffer_item_also_held_by_a_name(x):
    out = dk.zeros((2, 3))
    row = out[0]
    out[0] += x[0]  # in NumPy row changes too
    return np.sum(row * x[1])


def _item_of_a_list_of_arrays(x):
    zeros = np.zeros(3)
    held = [zeros]
    held[0] += x[0]  # in NumPy zeros changes too
    return np.sum(zeros * x[1])


@pytest.mark.parametrize("method", AUTODIFF)
def test_an_augmented_item_write_another_name_would_see_is_refused(method):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(dk.UnsupportedError, match=r"^out\[0\] is a view of the same array as row in NumPy, so "
                                                  r"writing into it at .* changes row too"):
        dk.grad(_buffer_item_also_held_by_a_name, method=method)(x)
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"^held\[0\] \+= \.\.\. at .* would change the plain NumPy "
                                                         r"array held\[0\] in place"):
        dk.grad(_item_of_a_list_of_arrays, method=method)(x)


DIFFERENCES = {  # d/dx by hand, at x = [1, 3, 6, 10] and X = [[0, 1, 4], [9, 16, 25]]
    # sum(diff(x)^2), diff = (2, 3, 4): each entry gets 2 d[i-1] - 2 d[i]
    "first": (lambda x: np.sum(np.diff(x) ** 2), [-4.0, -2.0, -2.0, 8.0]),
    # sum(w * diff(x, n=2)), w = (1, 2): diff2[j] = x[j] - 2 x[j+1] + x[j+2]
    "second": (lambda x: np.sum(np.diff(x, n=2) * np.array([1.0, 2.0])), [1.0, 0.0, -3.0, 2.0]),
    # rows of X minus the row before, a row of 0 prepended: d = (X0, X1 - X0)
    "axis 0, prepend": (lambda X: np.sum(np.diff(X, axis=0, prepend=0.0) ** 2),
                        [[-18.0, -28.0, -34.0], [18.0, 30.0, 42.0]]),
    # x.diff appended with 10: d = (2, 3, 4, 0), sum(d * (1, 2, 3, 4))
    "append": (lambda x: np.sum(np.diff(x, append=10.0) * np.arange(1.0, 5.0)), [-1.0, -1.0, -1.0, -1.0]),
}


@pytest.mark.parametrize("method", EVERY)
@pytest.mark.parametrize("name", DIFFERENCES)
def test_np_diff_is_differentiated_by_every_method(name, method):
    program, by_hand = DIFFERENCES[name]
    point = np.arange(6.0).reshape(2, 3) ** 2 if name == "axis 0, prepend" else np.array([1.0, 3.0, 6.0, 10.0])
    np.testing.assert_allclose(dk.grad(program, method=method)(point), by_hand, atol=1e-6)


def test_np_diff_names_a_bad_order_and_a_number():
    x = np.array([1.0, 3.0, 6.0])
    with pytest.raises(dk.InputError, match=r"dk\.diff got n=1\.5 \(a float\) at .*: n is an int"):
        dk.grad(lambda x: np.sum(np.diff(x, n=1.5)))(x)
    with pytest.raises(dk.ShapeError, match=r"dk\.diff: n=-1: the order of the differences must be 0 or more \(.*"
                                             r"test_ops_numpy_semantics\.py"):
        dk.grad(lambda x: np.sum(np.diff(x, n=-1)))(x)
    with pytest.raises(dk.ShapeError, match=r"dk\.diff: it takes an array of at least one axis, got a number"):
        dk.grad(lambda x: np.diff(x[0]))(x)
