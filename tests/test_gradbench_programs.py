"""GradBench's problems at their smallest sizes: objective and derivative against routes
that share no code with diffkit (closed forms from the evals' READMEs, plain Python at
50 digits with mpmath, hand-written derivatives)."""

import math

import numpy as np
import pytest
from gradbench_references import (
    ba_observation,
    det_scalar,
    gmm_naive,
    lse_scalar,
    lstm_scalar,
    mp_gradient,
    mp_value,
    ode_scalar,
)

import diffkit as dk
from diffkit.programs.benchmark import ba, det, gmm, kmeans, llsq, lse, lstm, ode

TIGHT = 1e-12


def _close(actual, expected, rtol=TIGHT):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale)


# --- gmm ----------------------------------------------------------------------------------------
def _gmm_pieces(data):
    k, d = data["k"], data["d"]
    sizes = [k, k * d, k * d, k * (d * (d - 1) // 2)]

    def unpack(flat):
        alpha = flat[: sizes[0]]
        rest = flat[sizes[0]:]
        mu = [rest[j * d:(j + 1) * d] for j in range(k)]
        rest = rest[k * d:]
        q = [rest[j * d:(j + 1) * d] for j in range(k)]
        rest = rest[k * d:]
        width = d * (d - 1) // 2
        l = [rest[j * width:(j + 1) * width] for j in range(k)]
        return alpha, mu, q, l

    flat = np.concatenate([data[name].reshape(-1) for name in ("alpha", "mu", "q", "l")])
    return flat, unpack


def test_gmm_inputs_are_the_evals_own_draws():
    # The eval draws with np.random.default_rng(31337): x row by row, then alpha, mu, q, l.
    data = gmm.generate_gmm(d=2, k=5, n=1000)
    rng = np.random.default_rng(31337)
    x = [rng.normal(size=2) for _ in range(1000)]
    np.testing.assert_array_equal(data["x"], np.array(x))
    np.testing.assert_array_equal(data["alpha"], rng.normal(size=5))
    np.testing.assert_array_equal(data["mu"], np.array([rng.uniform(size=2) for _ in range(5)]))


@pytest.mark.parametrize("d, k, n", [(2, 2, 10), (3, 2, 4)])
def test_gmm_objective_and_gradient_match_the_naive_definition_at_50_digits(d, k, n):
    data = gmm.generate_gmm(d, k, n, m=1, gamma=1.5)
    flat, unpack = _gmm_pieces(data)
    x = [[float(v) for v in row] for row in data["x"]]

    def naive(values):
        return gmm_naive(*unpack(values), x, data["m"], data["gamma"])

    program = dk.get_program("gmm", d=d, k=k, n=n, m=1, gamma=1.5)
    result = program.gradient("tape")
    assert result.value == pytest.approx(mp_value(naive, flat), rel=1e-12)
    tape_flat = np.concatenate([np.ravel(g) for g in result.grad])
    _close(tape_flat, mp_gradient(naive, flat), rtol=1e-10)


def test_gmm_follows_the_corrected_precision_not_adbenchs_transpose():
    data = gmm.generate_gmm(d=3, k=2, n=5)
    flat, unpack = _gmm_pieces(data)
    x = [[float(v) for v in row] for row in data["x"]]
    ours = dk.get_program("gmm", d=3, k=2, n=5)()
    corrected = mp_value(lambda v: gmm_naive(*unpack(v), x, 0, 1.0), flat)
    transposed = mp_value(lambda v: gmm_naive(*unpack(v), x, 0, 1.0, transposed=True), flat)
    assert ours == pytest.approx(corrected, rel=1e-12)
    assert abs(transposed - corrected) > 0.1  # Q Q^T is another model: its objective differs
    assert ours != pytest.approx(transposed, rel=1e-3)


def test_gmm_lower_part_is_filled_column_by_column():
    # d = 3: l = (l1, l2, l3) goes to Q[1,0], Q[2,0], Q[2,1], as the README's matrix shows.
    q, l = np.zeros((1, 3)), np.array([[1.0, 2.0, 3.0]])
    Q = gmm.precision_factors(q, l)[0]
    np.testing.assert_array_equal(Q, [[1, 0, 0], [1, 1, 0], [2, 3, 1]])


# --- lse, llsq, det -------------------------------------------------------------------------------
def test_lse_is_log_sum_exp_and_its_gradient_the_softmax():
    x = lse.generate_lse(5)["x"]
    result = dk.gradient(lse.logsumexp, x)
    assert result.value == pytest.approx(mp_value(lse_scalar, x), rel=1e-15)
    weights = np.exp(x) / np.exp(x).sum()
    _close(result.grad, weights, rtol=1e-15)
    # shifted by the maximum: 1000 + LSE(x) without overflow
    assert dk.gradient(lse.logsumexp, x + 1000.0).value == pytest.approx(1000.0 + result.value, rel=1e-15)


def test_llsq_objective_and_gradient_in_closed_form():
    program = dk.get_program("llsq", m=3, n=5)
    x = program.args[0]
    t = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])  # -1 + 2i / (n - 1)
    s = np.array([-1.0, -1.0, 0.0, 1.0, 1.0])
    residual = s - (x[0] + x[1] * t + x[2] * t**2)
    result = program.gradient("tape")
    assert result.value == pytest.approx(0.5 * np.sum(residual**2), rel=1e-14)
    by_hand = -np.array([residual.sum(), (residual * t).sum(), (residual * t**2).sum()])
    _close(result.grad, by_hand, rtol=1e-14)


@pytest.mark.parametrize("ell", [1, 2, 3, 4])
def test_det_by_minors_against_mpmath_and_the_cofactor_matrix(ell):
    program = dk.get_program("det", ell=ell)
    A = program.args[0]
    result = program.gradient("tape")
    assert result.value == pytest.approx(mp_value(lambda v: det_scalar([v[i * ell:(i + 1) * ell] for i in range(ell)]),
                                                  A.reshape(-1)), rel=1e-13, abs=1e-15)
    _close(result.grad, np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-12)


def test_det_of_a_known_matrix():
    A = np.array([[2.0, 0.0, 1.0], [1.0, 3.0, 2.0], [1.0, 1.0, 1.0]])
    # 2 (3 - 2) - 0 + 1 (1 - 3) = 0; its cofactors by hand
    result = dk.gradient(det.det_by_minors, A)
    assert result.value == 0.0
    np.testing.assert_array_equal(result.grad, [[1, 1, -2], [1, 1, -2], [-3, -3, 6]])


# --- ode --------------------------------------------------------------------------------------------
def test_ode_runge_kutta_is_exact_for_four_equations():
    # y_3(2) = x0 x1 x2 x3 2^4 / 4!, and Runge-Kutta is exact for polynomials of degree 4.
    program = dk.get_program("ode", n=4, s=1)
    x = program.args[0]
    result = program.gradient("tape")
    assert result.value == pytest.approx(np.prod(x) * 16 / 24, rel=1e-14)
    _close(result.grad, [np.prod(np.delete(x, i)) * 16 / 24 for i in range(4)], rtol=1e-14)


@pytest.mark.parametrize("scheme", ["rk4", "euler"])
def test_ode_jacobian_of_the_whole_output_against_mpmath(scheme):
    x = ode.generate_ode(6, 3)["x"]
    jacobian = dk.jacobian(lambda x: ode.ode_solution(x, 3, scheme))(x)
    assert jacobian.shape == (6, 6)
    for row in range(6):
        _close(jacobian[row], mp_gradient(lambda v: ode_scalar(v, 3, scheme)[row], x), rtol=1e-13)
    np.testing.assert_array_equal(np.triu(jacobian, 1), 0.0)  # y_i depends on x_0..x_i only


# --- lstm ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("l, c", [(1, 3), (2, 3)])
def test_lstm_objective_and_gradient_against_the_scalar_loop_at_50_digits(l, c):
    program = dk.get_program("lstm", l=l, c=c)
    main, extra, state, sequence = program.args
    rows, width = main.shape

    def scalar(values):
        main_rows = [values[r * width:(r + 1) * width] for r in range(rows)]
        extras = values[rows * width:]
        extra_rows = [extras[r * extra.shape[1]:(r + 1) * extra.shape[1]] for r in range(3)]
        return lstm_scalar(main_rows, extra_rows, state.tolist(), sequence.tolist())

    flat = np.concatenate([main.reshape(-1), extra.reshape(-1)])
    result = program.gradient("tape")
    assert result.value == pytest.approx(mp_value(scalar, flat), rel=1e-13)
    _close(np.concatenate([g.reshape(-1) for g in result.grad]), mp_gradient(scalar, flat), rtol=1e-12)


def test_lstm_text_is_encoded_in_seven_bits_most_significant_first():
    bits = lstm.text_bits("a z")
    assert bits.shape == (3, 7)  # ceil(log2(ord('z') = 122)) = 7
    np.testing.assert_array_equal(bits[0], [1, 1, 0, 0, 0, 0, 1])  # 'a' = 97 = 0b1100001
    np.testing.assert_array_equal(bits[1], [0, 1, 0, 0, 0, 0, 0])  # ' ' = 32


# --- ba -----------------------------------------------------------------------------------------------
def test_ba_errors_and_blocks_against_the_scalar_projection_at_50_digits():
    one = ba.generate_ba()
    data = ba.repeat_problem(one["cam"], one["x"], one["w"], one["feat"], n=2, m=3, p=4)
    cams, X, w, obs, feats = data["cams"], data["X"], data["w"], data["obs"], data["feats"]
    reprojection, weight = ba.ba_errors(cams, X, w, obs, feats)
    expected = [mp_value(lambda v, r=r: ba_observation(v[:11], v[11:14], v[14], one["feat"])[r],
                         np.concatenate([one["cam"], one["x"], [one["w"]]])) for r in range(2)]
    _close(reprojection, np.tile(expected, (4, 1)), rtol=1e-13)
    _close(weight, 1 - w**2)
    blocks, slopes = ba.jacobian_blocks(cams, X, w, obs, feats)
    point = np.concatenate([one["cam"], one["x"], [one["w"]]])
    for r in range(2):
        by_hand = mp_gradient(lambda v, r=r: ba_observation(v[:11], v[11:14], v[14], one["feat"])[r], point)
        for i in range(4):
            _close(blocks[i, r], by_hand, rtol=1e-11)
    _close(slopes, -2 * w)


def test_ba_zero_rotation_takes_the_first_order_formula():
    one = ba.generate_ba()
    cam = one["cam"].copy()
    cam[:3] = 0.0
    data = ba.repeat_problem(cam, one["x"], one["w"], one["feat"], 1, 1, 1)
    reprojection, _ = ba.ba_errors(data["cams"], data["X"], data["w"], data["obs"], data["feats"])
    expected = [mp_value(lambda v, r=r: ba_observation(v[:11], v[11:14], v[14], one["feat"])[r],
                         np.concatenate([cam, one["x"], [one["w"]]])) for r in range(2)]
    _close(reprojection[0], expected, rtol=1e-13)


def test_ba_sparse_jacobian_layout():
    one = ba.generate_ba()
    data = ba.repeat_problem(one["cam"], one["x"], one["w"], one["feat"], n=2, m=3, p=4)
    blocks, slopes = ba.jacobian_blocks(data["cams"], data["X"], data["w"], data["obs"], data["feats"])
    starts, columns, values = ba.sparse_jacobian(blocks, slopes, data["obs"], n=2, m=3)
    assert starts.tolist() == [0, 15, 30, 45, 60, 75, 90, 105, 120, 121, 122, 123, 124]
    # observation 1: camera 1 (columns 11..21), point 1 (22 + 3 = 25..27), weight 1 (22 + 9 + 1 = 32)
    assert columns[30:45].tolist() == list(range(11, 22)) + [25, 26, 27, 32]
    assert columns[-4:].tolist() == [31, 32, 33, 34]
    dense = np.zeros((12, 2 * 11 + 3 * 3 + 4))
    for row in range(12):
        dense[row, columns[starts[row]:starts[row + 1]]] = values[starts[row]:starts[row + 1]]
    by_tape = dk.jacobian(lambda c, X, w: dk.concatenate([dk.reshape(e, (-1,)) for e in
                                                           ba.ba_errors(c, X, w, data["obs"], data["feats"])]),
                          argnums=(0, 1, 2))(data["cams"], data["X"], data["w"])
    _close(dense, np.concatenate([b.reshape(12, -1) for b in by_tape], axis=1))


# --- kmeans -------------------------------------------------------------------------------------------
def test_kmeans_cost_gradient_and_hessian_diagonal_in_closed_form():
    data = kmeans.generate_kmeans(k=3, n=20, d=2)
    C, P = data["centroids"], data["points"]
    distances = ((P[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    owner = distances.argmin(axis=1)
    program = dk.get_program("kmeans", k=3, n=20, d=2)
    result = program.gradient("tape")
    assert result.value == pytest.approx(distances.min(axis=1).sum(), rel=1e-14)
    for j in range(3):
        mine = P[owner == j]
        _close(result.grad[j], 2 * (len(mine) * C[j] - mine.sum(axis=0)), rtol=1e-14)
    diagonal = kmeans.hessian_diagonal(C, P)
    np.testing.assert_array_equal(diagonal, np.repeat([[2.0 * np.sum(owner == j)] for j in range(3)], 2, axis=1))
    full = dk.hessian(kmeans.kmeans_cost)(C, P).reshape(6, 6)
    np.testing.assert_array_equal(full, np.diag(diagonal.reshape(-1)))  # diagonal indeed
    _close(kmeans.newton_direction(C, P), result.grad / diagonal)


def test_kmeans_minimum_over_many_centroids_is_the_smallest():
    data = kmeans.generate_kmeans(k=7, n=30, d=3)
    cost = kmeans.kmeans_cost(data["centroids"], data["points"])
    distances = ((data["points"][:, None] - data["centroids"][None]) ** 2).sum(axis=2)
    assert cost == pytest.approx(distances.min(axis=1).sum(), rel=1e-14)


# --- every problem's builder refuses bad sizes by name ----------------------------------------------
@pytest.mark.parametrize("name, settings, message", [
    ("gmm", {"d": 0}, "d must be an integer >= 1"),
    ("lse", {"n": 1.5}, "n must be an integer >= 1"),
    ("llsq", {"n": 1}, "n must be an integer >= 2"),
    ("kmeans", {"k": 9, "n": 4}, "must be at most n"),
    ("ode", {"scheme": "heun"}, "scheme must be one of rk4, euler"),
    ("saddle", {"inner": "reverse"}, "inner must be one of"),
    ("lstm", {"c": 1}, "c must be an integer >= 2"),
])
def test_bad_settings_are_input_errors(name, settings, message):
    with pytest.raises(dk.InputError, match=message):
        dk.get_program(name, **settings)


def test_every_benchmark_program_is_in_its_family():
    assert set(dk.program_names("benchmark")) == {"gmm", "lse", "llsq", "det", "ode", "lstm", "ba", "kmeans",
                                                  "saddle", "particle"}
    assert math.isfinite(dk.get_program("gmm").gradient("tape").value)
