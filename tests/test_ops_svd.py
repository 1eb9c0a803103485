"""svd, svdvals, pinv and lstsq (diffkit/ops/linalg.py): NumPy's values, derivatives by hand, the rules
against finite differences (dk.check_primitive), every numeric method and compile_grad on functions that
do not depend on the singular vectors' signs, and the refusals (full_matrices=True on a non-square
matrix, hermitian=True, the symbolic methods, repeated singular values for U and Vh).
"""

import numpy as np
import pytest

import diffkit as dk

NUMERIC = ("tape", "forward-mode", "fd-central", "fd-complex", "fd-richardson")
SYMBOLIC = ("symbolic", "symbolic-cse", "symbolic-tape")
PRIMITIVES = ("svdvals", "svd_u", "svd_vh", "pinv")


def distinct(rng, shape, scale=1.0):
    """A matrix (or stack) with singular values scale * (1, 2, 3, ...) and random singular vectors."""
    *batch, rows, columns = shape
    size = min(rows, columns)
    u, _ = np.linalg.qr(rng.normal(size=tuple(batch) + (rows, size)))
    v, _ = np.linalg.qr(rng.normal(size=tuple(batch) + (columns, size)))
    return (u * (scale * (1.0 + np.arange(size)))) @ np.swapaxes(v, -1, -2)


def tolerance(method):
    return {"fd-central": 1e-7, "fd-richardson": 1e-8}.get(method, 1e-12)


# --- values: NumPy's ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3, 3)])
def test_svd_values_are_numpys_on_plain_and_traced_matrices(shape, rng):
    a = rng.normal(size=shape)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    result = dk.linalg.svd(a, full_matrices=False)
    assert type(result).__name__ == "SVDResult" and result._fields == ("U", "S", "Vh")
    for mine, numpys in zip(result, (u, s, vh)):
        np.testing.assert_array_equal(mine, numpys)  # the same LAPACK call: to the bit, signs included
    np.testing.assert_array_equal(dk.linalg.svdvals(a), np.linalg.svdvals(a))
    np.testing.assert_array_equal(dk.linalg.svd(a, compute_uv=False), np.linalg.svd(a, compute_uv=False))
    weights = rng.normal(size=u.shape), rng.normal(size=s.shape), rng.normal(size=vh.shape)

    def program(a):
        factors = np.linalg.svd(a, full_matrices=False)
        return sum(np.sum(w * f) for w, f in zip(weights, factors))

    value = dk.value_and_grad(program)(a)[0]
    assert value == pytest.approx(sum(np.sum(w * f) for w, f in zip(weights, (u, s, vh))), rel=1e-14, abs=1e-14)


def test_svd_of_a_square_matrix_takes_numpys_default_full_matrices(rng):
    a = distinct(rng, (3, 3))
    for mine, numpys in zip(dk.linalg.svd(a), np.linalg.svd(a)):
        np.testing.assert_array_equal(mine, numpys)
    gradient = dk.grad(lambda a: np.sum(np.linalg.svd(a)[1] * np.array([1.0, 2.0, 3.0])))(a)
    u, _, vh = np.linalg.svd(a)
    np.testing.assert_allclose(gradient, (u * [1.0, 2.0, 3.0]) @ vh, rtol=0, atol=1e-14)


@pytest.mark.parametrize("options", [{}, {"rtol": None}, {"rcond": 0.3}, {"rtol": 0.3}, {"rcond": 1e-3}])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 3, 2)])
def test_pinv_values_are_numpys(shape, options, rng):
    a = distinct(rng, shape)  # singular values 1, 2, 3: rcond 0.3 drops the 1 of three
    np.testing.assert_allclose(dk.linalg.pinv(a, **options), np.linalg.pinv(a, **options), rtol=0, atol=1e-15)
    traced = dk.value_and_grad(lambda a: np.sum(np.linalg.pinv(a, **options) ** 2))(a)[0]
    assert traced == pytest.approx(np.sum(np.linalg.pinv(a, **options) ** 2), rel=1e-13)


@pytest.mark.parametrize("shape, b_shape", [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 3), (3,)), ((2, 4), (2,)),
                                            ((2, 4), (2, 3))])
def test_lstsq_returns_numpys_four_results(shape, b_shape, rng):
    a, b = distinct(rng, shape), rng.normal(size=b_shape)
    x, residuals, rank, s = dk.linalg.lstsq(a, b)
    x0, residuals0, rank0, s0 = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, x0, rtol=1e-12, atol=1e-13)
    assert np.shape(residuals) == residuals0.shape and residuals.dtype == residuals0.dtype
    np.testing.assert_allclose(residuals, residuals0, rtol=1e-12, atol=1e-13)
    assert type(rank) is int and rank == rank0
    np.testing.assert_allclose(s, s0, rtol=1e-14)


def test_lstsq_of_a_rank_deficient_matrix_has_numpys_rank_and_no_residuals():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1: residuals is empty, as NumPy's
    b = np.array([1.0, 0.0, 2.0])
    x, residuals, rank, s = dk.linalg.lstsq(a, b)
    x0, residuals0, rank0, s0 = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, x0, rtol=1e-12)
    assert residuals.shape == residuals0.shape == (0,) and rank == rank0 == 1
    for rcond in (0.5, -1.0):  # a large cutoff drops values; a negative one is LAPACK's machine precision
        full = distinct(np.random.default_rng(3), (4, 3))
        mine, numpys = dk.linalg.lstsq(full, np.arange(4.0), rcond=rcond), np.linalg.lstsq(full, np.arange(4.0), rcond=rcond)
        np.testing.assert_allclose(mine[0], numpys[0], rtol=1e-12)
        assert mine[2] == numpys[2] and mine[1].shape == numpys[1].shape


# --- derivatives by hand -----------------------------------------------------------------------------------
D = np.diag([3.0, 1.0])
BY_HAND = {
    # A = diag(3, 1): dS = diag(U^T dA V), U = V = I up to signs that cancel
    "s1": (lambda a: np.linalg.svd(a)[1][0] * 1.0, D, [[1.0, 0.0], [0.0, 0.0]]),
    "s2": (lambda a: np.linalg.svdvals(a)[1] * 1.0, D, [[0.0, 0.0], [0.0, 1.0]]),
    # U's first column turns by (3 dA[1, 0] + dA[0, 1]) / (3^2 - 1^2): A A^T = [[9, e], [e, 1]] for dA[0, 1] = e
    "U[0,0] U[1,0]": (lambda a: np.linalg.svd(a)[0][0, 0] * np.linalg.svd(a)[0][1, 0], D, [[0.0, 1 / 8], [3 / 8, 0.0]]),
    # V's first column by (dA[1, 0] + 3 dA[0, 1]) / 8: A^T A = [[9, 3e], [3e, 1]]
    "Vh[0,0] Vh[0,1]": (lambda a: np.linalg.svd(a).Vh[0, 0] * np.linalg.svd(a).Vh[0, 1], D, [[0.0, 3 / 8], [1 / 8, 0.0]]),
    # invertible: d pinv = -P dA P, P = diag(1/2, 1/4)
    "sum pinv diag": (lambda a: np.sum(np.linalg.pinv(a)), np.diag([2.0, 4.0]), [[-1 / 4, -1 / 8], [-1 / 8, -1 / 16]]),
    # a column (a1, a2): pinv = (a1, a2) / (a1^2 + a2^2); d pinv[0, 0] = (a2^2 - a1^2, -2 a1 a2) / 4 at (1, 1)
    "pinv column": (lambda a: np.linalg.pinv(a)[0, 0] * 1.0, np.array([[1.0], [1.0]]), [[0.0], [-0.5]]),
    # a = ones(3, 1): x = mean(b) = 3 for b = (1, 2, 6); dx/da_i = (3 b_i - 18) / 9
    "lstsq x by a": (lambda a: np.linalg.lstsq(a, np.array([1.0, 2.0, 6.0]))[0][0] * 1.0, np.ones((3, 1)),
                     [[-5 / 3], [-4 / 3], [0.0]]),
}


@pytest.mark.parametrize("name", list(BY_HAND))
@pytest.mark.parametrize("method", NUMERIC)
def test_derivatives_by_hand(name, method):
    program, point, expected = BY_HAND[name]
    np.testing.assert_allclose(dk.grad(program, method=method)(point), expected, rtol=0, atol=tolerance(method))


def test_lstsq_derivatives_by_b_by_hand():
    a, b = np.ones((3, 1)), np.array([1.0, 2.0, 6.0])
    for method in NUMERIC:
        x_by_b = dk.grad(lambda b: np.linalg.lstsq(a, b)[0][0] * 1.0, method=method)(b)
        np.testing.assert_allclose(x_by_b, [1 / 3, 1 / 3, 1 / 3], rtol=0, atol=tolerance(method))
        # residuals = |b - 3|^2 = 14; its gradient 2 r = (-4, -2, 6) (r is orthogonal to a's range)
        value, by_b = dk.value_and_grad(lambda b: np.linalg.lstsq(a, b)[1][0] * 1.0, method=method)(b)
        assert value == pytest.approx(14.0, rel=1e-14)
        np.testing.assert_allclose(by_b, [-4.0, -2.0, 6.0], rtol=0, atol=1e-6 if method.startswith("fd-c") else 1e-7)


# --- the rules against finite differences ------------------------------------------------------------------
@pytest.mark.parametrize("name", PRIMITIVES)
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
def test_check_primitive_passes(name, shape, rng):
    report = dk.check_primitive(dk.primitives()[name], distinct(rng, shape, scale=rng.uniform(0.5, 2.0)))
    assert report, report


# --- every method and compile_grad agree on sign-invariant functions ---------------------------------------------
W43 = np.arange(12.0).reshape(4, 3) / 7.0
SIGN_INVARIANT = {
    "sum S": lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[1]),
    "sum (U * S) @ Vh": lambda a: np.sum(W43 * ((lambda f: (f.U * f.S) @ f.Vh)(np.linalg.svd(a, full_matrices=False)))),
    "U[:, 0] ** 4": lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[0][:, 0] ** 4),
    "U[:, 1] U[:, 1]^T": lambda a: np.sum(W43[:, :1] * np.outer(np.linalg.svd(a, full_matrices=False).U[:, 1],
                                                                np.linalg.svd(a, full_matrices=False).U[:, 1])[:, :1]),
    "Vh ** 2 weighted": lambda a: np.sum(np.linalg.svd(a, full_matrices=False).Vh ** 2 * W43[:3, :3]),
    "u1 v1^T": lambda a: np.sum(W43 * np.outer(np.linalg.svd(a, full_matrices=False)[0][:, 1],
                                               np.linalg.svd(a, full_matrices=False)[2][1])),
    "svdvals squared": lambda a: np.sum(np.linalg.svdvals(a) ** 2 * np.array([1.0, 2.0, 3.0])),
    "pinv ** 3": lambda a: np.sum(np.linalg.pinv(a) ** 3),
    "lstsq": lambda a: np.sum(np.linalg.lstsq(a, np.arange(4.0))[0] ** 2) + np.linalg.lstsq(a, np.arange(4.0))[1][0],
}


@pytest.mark.parametrize("name", list(SIGN_INVARIANT))
def test_methods_and_compile_grad_agree(name, rng):
    program = SIGN_INVARIANT[name]
    a, second = distinct(rng, (4, 3)) + 0.1 * rng.normal(size=(4, 3)), distinct(rng, (4, 3))
    reference = dk.grad(program, method="tape")(a)
    scale = max(1.0, float(np.max(np.abs(reference))))
    for method in NUMERIC:
        np.testing.assert_allclose(dk.grad(program, method=method)(a), reference, rtol=0,
                                   atol=(1e-6 if method == "fd-central" else 1e-9 if method == "fd-richardson"
                                         else 1e-12) * scale, err_msg=method)
    compiled = dk.compile_grad(program, a)
    np.testing.assert_allclose(compiled(second), dk.grad(program, method="tape")(second), rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(compiled(second), dk.grad(program, method="fd-central")(second), rtol=0,
                               atol=1e-6 * scale)


def test_stacks_agree_with_each_matrix_alone(rng):
    a = distinct(rng, (3, 2, 4))
    weights = rng.normal(size=(3, 2, 2))
    gradient = dk.grad(lambda a: np.sum(weights * np.linalg.svd(a, full_matrices=False)[0] ** 2)
                       + np.sum(np.linalg.pinv(a)))(a)
    for k in range(3):
        alone = dk.grad(lambda m: np.sum(weights[k] * np.linalg.svd(m, full_matrices=False)[0] ** 2)
                        + np.sum(np.linalg.pinv(m)))(a[k])
        np.testing.assert_allclose(gradient[k], alone, rtol=0, atol=1e-13)


def test_second_derivatives_forward_over_reverse(rng):
    a, direction = distinct(rng, (3, 2)), rng.normal(size=(3, 2))
    program = SIGN_INVARIANT["U[:, 0] ** 4"]
    product = dk.hvp(program, direction, a, method="forward-over-reverse")
    gradient, h = dk.grad(program), 1e-5
    np.testing.assert_allclose(product, (gradient(a + h * direction) - gradient(a - h * direction)) / (2 * h),
                               rtol=0, atol=1e-6)


# --- pinv at constant rank, and rank read from the values -----------------------------------------------------
def test_pinv_of_a_rank_deficient_matrix_is_differentiated_at_constant_rank(rng):
    """Along a path of rank-1 matrices the derivative is the rules'; off it the pseudo-inverse jumps."""
    u, v, du, dv = rng.normal(size=3), rng.normal(size=2), rng.normal(size=3), rng.normal(size=2)

    def path(t):
        return np.outer(u + t * du, v + t * dv)

    weights = rng.normal(size=(2, 3))
    program = lambda a: np.sum(weights * np.linalg.pinv(a))  # noqa: E731
    h = 1e-5
    along = (program(path(h)) - program(path(-h))) / (2 * h)
    tangent = np.outer(du, v) + np.outer(u, dv)
    for method in ("tape", "forward-mode"):
        assert np.sum(dk.grad(program, method=method)(path(0.0)) * tangent) == pytest.approx(along, rel=1e-7)


def test_compiled_lstsq_checks_the_rank_it_recorded(rng):
    program = SIGN_INVARIANT["lstsq"]
    compiled = dk.compile_grad(program, distinct(rng, (4, 3)))
    deficient = distinct(rng, (4, 3)) @ np.diag([1.0, 1.0, 0.0])  # rank 2: no residuals, another program
    with pytest.raises(dk.ControlFlowChangedError, match=r"read a position computed from its arguments as a constant"):
        compiled(deficient)


# --- repeated and zero singular values -------------------------------------------------------------------------
REPEATED = np.diag([2.0, 2.0, 1.0])


@pytest.mark.parametrize("method", ["tape", "forward-mode"])
def test_tied_singular_vectors_get_nan_and_the_others_keep_their_derivative(method):
    used_tied = dk.grad(lambda a: np.sum(np.linalg.svd(a)[0][:, 0] ** 4), method=method)(np.diag([1.0, 2.0, 2.0]))
    assert np.all(np.isnan(used_tied))
    used_tied = dk.grad(lambda a: np.sum(np.linalg.svd(a)[2][1] ** 4), method=method)(np.diag([1.0, 2.0, 2.0]))
    assert np.all(np.isnan(used_tied))
    # s = 2, 2, 1: the vectors of the value 1 (U's and Vh's last) are defined, and so is their derivative
    point = np.diag([1.0, 2.0, 2.0])
    point[0, 1], point[2, 0] = 0.3, 0.1  # s = 2.023, 2, 1.018: no tie; the derivative there is continuous
    tied = np.diag([1.0, 2.0, 2.0])
    program = lambda a: (np.sum(np.linalg.svd(a)[0][:, 2] ** 2 * np.array([1.0, 2.0, 3.0]))  # noqa: E731
                         + np.sum(np.linalg.svd(a)[2][2] ** 2 * np.array([1.0, 5.0, 3.0])))
    np.testing.assert_allclose(dk.grad(program, method=method)(tied), dk.grad(program, method="fd-central")(tied),
                               rtol=0, atol=1e-7)
    np.testing.assert_allclose(dk.grad(program, method=method)(point), dk.grad(program, method="fd-central")(point),
                               rtol=0, atol=1e-7)


def test_the_complex_step_refuses_a_tied_vector_it_uses():
    with pytest.raises(dk.UnsupportedError, match=r"the complex step met an infinite value"):
        dk.grad(lambda a: np.sum(np.linalg.svd(a)[0][:, 0] ** 4), method="fd-complex")(np.diag([1.0, 2.0, 2.0]))


@pytest.mark.parametrize("method", ["tape", "forward-mode", "fd-complex", "fd-central"])
def test_singular_values_keep_their_derivative_at_repeated_values(method):
    # sum(S) is the nuclear norm; its gradient U Vh is the identity here (a function symmetric in the tie)
    gradient = dk.grad(lambda a: np.sum(np.linalg.svdvals(a)), method=method)(REPEATED)
    np.testing.assert_allclose(gradient, np.eye(3), rtol=0, atol=tolerance(method))
    if method != "fd-central":  # S alone out of np.linalg.svd: U's and Vh's tangents are not used
        gradient = dk.grad(lambda a: np.sum(np.linalg.svd(a)[1] ** 2), method=method)(REPEATED)
        np.testing.assert_allclose(gradient, 2 * REPEATED, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["tape", "forward-mode"])
def test_a_zero_singular_value_of_a_tall_matrix_leaves_u_free_and_vh_defined(method):
    tall = np.array([[2.0, 0.0], [0.5, 0.0], [0.0, 0.0]])  # rank 1: s = (2.06, 0); U's second column is free
    assert np.linalg.svd(tall, compute_uv=False)[1] == 0.0
    free = dk.grad(lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[0][:, 1] ** 4), method=method)(tall)
    assert np.all(np.isnan(free))
    program = lambda a: (np.sum(np.linalg.svd(a, full_matrices=False)[0][:, 0] ** 2 * np.array([1.0, 2.0, 3.0]))  # noqa: E731
                         + np.sum(np.linalg.svd(a, full_matrices=False)[2] ** 2 * np.array([1.0, 5.0])))
    np.testing.assert_allclose(dk.grad(program, method=method)(tall), dk.grad(program, method="fd-central")(tall),
                               rtol=0, atol=1e-7)


# --- refusals --------------------------------------------------------------------------------------------------
def test_full_matrices_of_a_non_square_matrix_is_refused():
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"full_matrices=True on 3 x 2 matrices.*1 extra singular "
                                                         r"vectors.*Pass full_matrices=False"):
        dk.grad(lambda a: np.sum(np.linalg.svd(a)[0]))(np.ones((3, 2)))
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"Pass full_matrices=False"):
        dk.linalg.svd(np.ones((2, 3)))
    # compute_uv=False has no vectors: S alone, whatever full_matrices says
    np.testing.assert_array_equal(dk.linalg.svd(np.ones((2, 3)), compute_uv=False), np.linalg.svdvals(np.ones((2, 3))))


def test_hermitian_is_refused():
    for call in (lambda a: np.linalg.svd(a, hermitian=True)[1], lambda a: np.linalg.pinv(a, hermitian=True)):
        with pytest.raises(dk.NonDiffkitFunctionError, match=r"hermitian=True.*diffkit differentiates hermitian=False"):
            dk.grad(lambda a: np.sum(call(a)))(np.eye(2) + 1.0)


def test_bad_shapes_and_options_are_refused():
    with pytest.raises(dk.ShapeError, match=r"dk.linalg.svd: needs matrices \(..., M, N\); got shape \(3,\)"):
        dk.grad(lambda a: np.sum(np.linalg.svd(a)[1]))(np.ones(3))
    with pytest.raises(dk.ShapeError, match=r"dk.linalg.lstsq: needs a matrix \(M, N\) and b of shape \(M,\) or \(M, K\)"):
        dk.grad(lambda b: np.sum(np.linalg.lstsq(np.ones((3, 2)), b)[0]))(np.ones(2))
    with pytest.raises(dk.InputError, match=r"dk.linalg.pinv got both rcond and rtol"):
        dk.linalg.pinv(np.eye(2), rcond=0.1, rtol=0.1)


@pytest.mark.parametrize("method", SYMBOLIC)
@pytest.mark.parametrize("call, name", [(lambda a: np.linalg.svd(a)[0], "svd"), (np.linalg.svdvals, "svdvals"),
                                        (np.linalg.pinv, "pinv"), (lambda a: np.linalg.lstsq(a, np.ones(2))[0], "")])
def test_the_symbolic_methods_refuse_by_name(method, call, name):
    with pytest.raises(dk.UnsupportedError, match=rf"the SymPy face of dk.linalg.{name}\w* is not written out for "
                                                  r"matrices of expressions; got a 2 x 2 matrix.*Use 'tape'"):
        dk.grad(lambda a: np.sum(call(a)), method=method)(np.array([[3.0, 1.0], [0.5, 2.0]]))


def test_the_sympy_faces_take_matrices_of_numbers(rng):
    """For check_primitive and the 50-digit references: mpmath's SVD with LAPACK's signs."""
    from diffkit.engines.symbolic import to_object_array

    a = distinct(rng, (3, 2))
    for name, expected in zip(("svd_u", "svdvals", "svd_vh"), np.linalg.svd(a, full_matrices=False)):
        faced = dk.primitives()[name].evaluate_symbolic([to_object_array(a)], {})
        np.testing.assert_allclose(np.asarray(faced, dtype=float), expected, rtol=0, atol=1e-14)
    faced = dk.primitives()["pinv"].evaluate_symbolic([to_object_array(a)], {"rcond": 1e-15})
    np.testing.assert_allclose(np.asarray(faced, dtype=float), np.linalg.pinv(a), rtol=0, atol=1e-14)
