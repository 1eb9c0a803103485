"""NumPy functions diffkit builds from its existing ops (polynomials.py, array_api.py,
linalg_array_api.py, conversions.py, linalg.matrix_power/multi_dot, ptp), with values and
gradients worked out by hand, NumPy's own values for the forward results, every method's
agreement (symbolic included: the compositions need no rule of their own) and the refusals.
"""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit import errors

EXACT = ("tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape")
METHODS = EXACT + ("fd-central", "fd-complex")

W4 = np.array([1.0, 10.0, 100.0, 1000.0])
W5 = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
J = np.array([[1.0, 1.0], [0.0, 1.0]])  # a Jordan block: J^n = [[1, n], [0, 1]]
M2 = np.array([[1.0, -2.0], [3.0, 4.0]])

# name: (program, point, its value by hand, its gradient by hand, analytic (the complex step takes it))
BY_HAND = {
    # 2 * 3^2 + 0 * 3 + 1 = 19; d/dx (2x^2 + 1) = 4x = 12
    "np.polyval in x": (lambda x: np.polyval([2.0, 0.0, 1.0], x), 3.0, 19.0, 12.0, True),
    # d/dp (p0 x^2 + p1 x + p2) at x = 3: [x^2, x, 1]
    "np.polyval in p": (lambda p: np.polyval(p, 3.0), np.array([2.0, 0.0, 1.0]), 19.0, [9.0, 3.0, 1.0], True),
    # p a list holding diffkit values: the same polynomial, its first two coefficients differentiated
    "dk.polyval of a list": (lambda p: dk.polyval([p[0], p[1], 1.0], 3.0), np.array([2.0, 0.0]), 19.0,
                             [9.0, 3.0], True),
    # polyval over an array of x: sum of 2 x^2 + 1 at [0, 1, 2] = 1 + 3 + 9 = 13; gradient 4x
    "np.polyval of an array": (lambda x: np.sum(np.polyval([2.0, 0.0, 1.0], x)), np.array([0.0, 1.0, 2.0]),
                               13.0, [0.0, 4.0, 8.0], True),
    # [1, 2, 3] * [0, 1, 0.5] = [0, 1, 2.5, 4, 1.5]; weighted by W5: 10 + 250 + 4000 + 15000 = 19260;
    # d/da_n = sum_k W5[k] v[k - n]: a0: 0 + 10 + 50, a1: 0 + 100 + 500, a2: 0 + 1000 + 5000
    "np.convolve in a": (lambda a: np.sum(W5 * np.convolve(a, [0.0, 1.0, 0.5])), np.array([1.0, 2.0, 3.0]),
                         19260.0, [60.0, 600.0, 6000.0], True),
    # d/dv_m = sum_k W5[k] a[k - m]: v0: 1 + 20 + 300, v1: 10 + 200 + 3000, v2: 100 + 2000 + 30000
    "np.convolve in v": (lambda v: np.sum(W5 * np.convolve([1.0, 2.0, 3.0], v)), np.array([0.0, 1.0, 0.5]),
                         19260.0, [321.0, 3210.0, 32100.0], True),
    # mode="same" keeps the middle three of the five, out_j = sum_n a_n v[j + 1 - n]: [1, 2.5, 4];
    # 1 + 25 + 400 = 426; d/da_n = sum_j W5[j] v[j + 1 - n]: a0 -> 1*1 + 0.5*10 = 6,
    # a1 -> 0*1 + 1*10 + 0.5*100 = 60, a2 -> 0*10 + 1*100 = 100
    "np.convolve same": (lambda a: np.sum(W5[:3] * np.convolve(a, [0.0, 1.0, 0.5], mode="same")),
                         np.array([1.0, 2.0, 3.0]), 426.0, [6.0, 60.0, 100.0], True),
    # the longer second: NumPy swaps them (convolution is symmetric), "valid" keeps 3 - 2 + 1 = 2 outputs:
    # [1, 1] * [1, 2, 3] = [1, 3, 5, 3], valid [3, 5]; 3 + 50 = 53; d/da: a0 -> 2*1 + 3*10, a1 -> 1*1 + 2*10
    "np.convolve valid, v longer": (lambda a: np.sum(W4[:2] * np.convolve(a, [1.0, 2.0, 3.0], mode="valid")),
                                    np.array([1.0, 1.0]), 53.0, [32.0, 21.0], True),
    # c_k = sum_n a[n + k] v[n]; valid: 1*0 + 2*1 + 3*0.5 = 3.5, d/da = v, d/dv = a
    "np.correlate valid": (lambda a: np.correlate(a, [0.0, 1.0, 0.5])[0], np.array([1.0, 2.0, 3.0]), 3.5,
                           [0.0, 1.0, 0.5], True),
    # a = [1, 2, 3] with the longer v = [4, 5, 6, 7, 8]: full c_k, k = -4..2, is [8, 23, 44, 38, 32, 23, 12]
    # (k = -3: a0 v3 + a1 v4 = 7 + 16 ...); NumPy's "same" keeps k = -3..1: [23, 44, 38, 32, 23], so
    # 23 + 440 + 3800 + 32000 + 230000 = 266263; d/da_i = sum_k W5[k + 3] v[i - k]:
    # a0: 7 + 60 + 500 + 4000, a1: 8 + 70 + 600 + 5000 + 40000, a2: 80 + 700 + 6000 + 50000
    "np.correlate same, v longer": (lambda a: np.sum(W5 * np.correlate(a, [4.0, 5.0, 6.0, 7.0, 8.0], "same")),
                                    np.array([1.0, 2.0, 3.0]), 266263.0, [4567.0, 45678.0, 56780.0], True),
    # J^3 = [[1, 3], [0, 1]], sum 5; d sum(A^3) = sum_j (A^j)^T E (A^(2-j))^T, E all ones:
    # E (J^2)^T = [[3, 1], [3, 1]], J^T E J^T = [[2, 1], [4, 2]], (J^2)^T E = [[1, 1], [3, 3]]
    "np.linalg.matrix_power 3": (lambda a: np.sum(np.linalg.matrix_power(a, 3)), J, 5.0, [[6.0, 3.0], [10.0, 6.0]],
                                 True),
    # J^5 = [[1, 5], [0, 1]] (NumPy's squarings: J, J^2, J^4, then J J^4), sum 7; the gradient is
    # sum_{j=0}^{4} (J^j)^T E (J^(4-j))^T, each term [[5 - j, 1], [(j + 1)(5 - j), j + 1]]:
    # [[5+4+3+2+1, 5], [5+8+9+8+5, 1+2+3+4+5]] (the next test adds the terms up)
    "np.linalg.matrix_power 5": (lambda a: np.sum(np.linalg.matrix_power(a, 5)), J, 7.0,
                                 [[15.0, 5.0], [35.0, 15.0]], True),
    # inv(diag(2, 4)) = diag(0.5, 0.25), sum 0.75; d sum(inv A) = -inv^T E inv^T = -[[.25, .125], [.125, .0625]]
    "np.linalg.matrix_power -1": (lambda a: np.sum(np.linalg.matrix_power(a, -1)), np.diag([2.0, 4.0]), 0.75,
                                  [[-0.25, -0.125], [-0.125, -0.0625]], True),
    # a^0 is the identity whatever a is: no derivative
    "np.linalg.matrix_power 0": (lambda a: np.sum(np.linalg.matrix_power(a, 0) * a), M2, 5.0,
                                 [[1.0, 0.0], [0.0, 1.0]], True),
    # u^T M w with u = [1, 2], w = [3, 4], M = I: 3 + 8 = 11; d/dM = u w^T
    "np.linalg.multi_dot": (lambda m: np.linalg.multi_dot([np.array([1.0, 2.0]), m, np.array([3.0, 4.0])]),
                            np.eye(2), 11.0, [[3.0, 4.0], [6.0, 8.0]], True),
    # four matrices, NumPy's chain order: sum(I M I I) = sum(M); d/dM = all ones
    "np.linalg.multi_dot of four": (lambda m: np.sum(np.linalg.multi_dot([np.eye(2), m, np.eye(2), np.ones((2, 3))])),
                                    M2, 18.0, [[3.0, 3.0], [3.0, 3.0]], True),
    # |[3, 4]| = 5, gradient x / |x|
    "np.linalg.vector_norm": (lambda x: np.linalg.vector_norm(x), np.array([3.0, 4.0]), 5.0, [0.6, 0.8], True),
    # all axes of a matrix read as one vector, keepdims keeps (1, 1)
    "np.linalg.vector_norm keepdims": (lambda x: np.linalg.vector_norm(x, axis=(1, 0), keepdims=True)[0, 0],
                                       np.array([[3.0, 0.0], [0.0, 4.0]]), 5.0, [[0.6, 0.0], [0.0, 0.8]], True),
    # ord=1 over axis 0: |1| + |3| and |-2| + |4|, summed 10; gradient the signs
    "np.linalg.vector_norm ord 1": (lambda x: np.sum(np.linalg.vector_norm(x, axis=0, ord=1)), M2, 10.0,
                                    [[1.0, -1.0], [1.0, 1.0]], False),
    # ord=inf: the largest |entry|, 4
    "np.linalg.vector_norm ord inf": (lambda x: np.linalg.vector_norm(x, ord=np.inf), M2, 4.0,
                                      [[0.0, 0.0], [0.0, 1.0]], False),
    # Frobenius: sqrt(1 + 4 + 9 + 16) = sqrt(30), gradient M / sqrt(30)
    "np.linalg.matrix_norm": (lambda x: np.linalg.matrix_norm(x), M2, math.sqrt(30.0), M2 / math.sqrt(30.0), True),
    # ord=1: the largest column sum of |entries|: max(1 + 3, 2 + 4) = 6, the signs of the second column
    "np.linalg.matrix_norm ord 1": (lambda x: np.linalg.matrix_norm(x, ord=1), M2, 6.0, [[0.0, -1.0], [0.0, 1.0]],
                                    False),
    # trace of the last two axes: 1 + 4 = 5 and, offset 1, the -2 above the diagonal
    "np.linalg.trace": (lambda x: np.linalg.trace(x) + 10 * np.linalg.trace(x, offset=1), M2, -15.0,
                        [[1.0, 10.0], [0.0, 1.0]], True),
    "np.linalg.trace of a stack": (lambda x: np.sum(np.linalg.trace(x) * np.array([1.0, 10.0])),
                                   np.stack([M2, 2 * M2]), 105.0, [np.eye(2), 10 * np.eye(2)], True),
    # outer([1, 2], [3, 4, 5]) weighted by [[1, 10, 100], [1000, ...]]: d/dx1_i = sum_j w_ij x2_j
    "np.linalg.outer": (lambda x: np.sum(np.linalg.outer(x, [3.0, 4.0, 5.0]) * np.array([[1.0, 10.0, 100.0],
                                                                                         [0.0, 0.0, 1.0]])),
                        np.array([1.0, 2.0]), 3.0 + 40.0 + 500.0 + 10.0, [543.0, 5.0], True),
    # [[1, 2], [3, 4]] . [5, 6] row by row: [17, 39]; weighted 1 and 10: 407; d/dx = [5, 6] and [50, 60]
    "np.vecdot": (lambda x: np.sum(np.vecdot(x, [5.0, 6.0]) * np.array([1.0, 10.0])),
                  np.array([[1.0, 2.0], [3.0, 4.0]]), 407.0, [[5.0, 6.0], [50.0, 60.0]], True),
    # along axis 0: the columns with [5, 6]: [5 + 18, 10 + 24] = [23, 34], weighted 23 + 340
    "np.vecdot axis 0": (lambda x: np.sum(np.vecdot(x, np.array([5.0, 6.0]), axis=0) * np.array([1.0, 10.0])),
                         np.array([[1.0, 2.0], [3.0, 4.0]]), 363.0, [[5.0, 50.0], [6.0, 60.0]], True),
    "np.linalg.vecdot axis 0": (lambda x: np.sum(np.linalg.vecdot(x, np.array([5.0, 6.0]), axis=0)),
                                np.array([[1.0, 2.0], [3.0, 4.0]]), 57.0, [[5.0, 5.0], [6.0, 6.0]], True),
    # the matrix [[1, 2], [3, 4]] times the vector x = [5, 6]: [17, 39]; weighted: d/dx = A^T [1, 10] = [31, 42]
    "np.matvec": (lambda x: np.sum(np.matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), x) * np.array([1.0, 10.0])),
                  np.array([5.0, 6.0]), 407.0, [31.0, 42.0], True),
    # the vector x = [5, 6] times the matrix: [23, 34]; weighted: d/dx = A [1, 10] = [21, 43]
    "np.vecmat": (lambda x: np.sum(np.vecmat(x, np.array([[1.0, 2.0], [3.0, 4.0]])) * np.array([1.0, 10.0])),
                  np.array([5.0, 6.0]), 363.0, [21.0, 43.0], True),
    # [0, 1, 3, 6] weighted by W4: 10 + 300 + 6000; x_i is in every later output: 10 + 100 + 1000, ...
    "np.cumulative_sum include_initial": (lambda x: np.sum(W4 * np.cumulative_sum(x, include_initial=True)),
                                          np.array([1.0, 2.0, 3.0]), 6310.0, [1110.0, 1100.0, 1000.0], True),
    # along axis 1 of [[1, 2], [3, 4]]: [[1, 3], [3, 7]], sum 14; x_i0 counts twice
    "np.cumulative_sum axis 1": (lambda x: np.sum(np.cumulative_sum(x, axis=1)), np.array([[1.0, 2.0], [3.0, 4.0]]),
                                 14.0, [[2.0, 1.0], [2.0, 1.0]], True),
    # [1, 1, 2, 6] summed: 1 + x0 + x0 x1 + x0 x1 x2; gradient [1 + x1 + x1 x2, x0 + x0 x2, x0 x1]
    "np.cumulative_prod include_initial": (lambda x: np.sum(np.cumulative_prod(x, include_initial=True)),
                                           np.array([1.0, 2.0, 3.0]), 10.0, [9.0, 4.0, 2.0], True),
    # peak to peak of the columns of [[1, 5], [3, 2]]: [2, 3]; +1 to each maximum, -1 to each minimum
    "np.ptp axis 0": (lambda x: np.sum(np.ptp(x, axis=0)), np.array([[1.0, 5.0], [3.0, 2.0]]), 5.0,
                      [[-1.0, 1.0], [1.0, -1.0]], False),
    # tied maxima share, as dk.max's do: ptp([2, 2, 1]) = 1, 1/2 to each 2
    "np.ptp ties": (lambda x: np.ptp(x), np.array([2.0, 2.0, 1.0]), 1.0, [0.5, 0.5, -1.0], False),
    # 180 degrees is pi radians: d/dx = pi / 180
    "np.deg2rad": (lambda x: np.deg2rad(x), 180.0, math.pi, math.pi / 180.0, True),
    "np.radians": (lambda x: np.radians(x), 90.0, math.pi / 2, math.pi / 180.0, True),
    "np.rad2deg": (lambda x: np.rad2deg(x), math.pi, 180.0, 180.0 / math.pi, True),
    "np.degrees": (lambda x: np.degrees(x), math.pi / 2, 90.0, 180.0 / math.pi, True),
    # sin of 30 degrees is 1/2; d/dx = cos(pi / 6) pi / 180
    "sin of np.radians": (lambda x: np.sin(np.radians(x)), 30.0, 0.5, math.cos(math.pi / 6) * math.pi / 180, True),
    # the real part of a real value is the value; its imaginary part is 0
    "np.real and np.imag": (lambda x: np.sum(np.real(x) ** 2 + 7 * np.imag(x)), np.array([1.0, -2.0]), 5.0,
                            [2.0, -4.0], True),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", BY_HAND)
def test_value_and_gradient_by_hand(name, method):
    program, point, value, by_hand, analytic = BY_HAND[name]
    if method == "fd-complex" and not analytic:  # |x|, max: kinks the complex step refuses by name
        with pytest.raises(errors.NonAnalyticError, match="not analytic"):
            dk.value_and_grad(program, method=method)(point)
        return
    got_value, got_grad = dk.value_and_grad(program, method=method)(point)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    tolerance = {"rtol": 1e-12, "atol": 1e-14} if method in EXACT + ("fd-complex",) else {"rtol": 1e-6, "atol": 1e-6}
    np.testing.assert_allclose(got_grad, by_hand, **tolerance)


def test_matrix_power_5_by_hand_is_the_sum_of_the_five_terms():
    # the gradient entry of BY_HAND above, spelt out: sum_j (J^j)^T E (J^(4-j))^T with J^k = [[1, k], [0, 1]]
    terms = [np.array([[1.0, 0.0], [j, 1.0]]) @ np.ones((2, 2)) @ np.array([[1.0, 0.0], [4 - j, 1.0]])
             for j in range(5)]
    np.testing.assert_array_equal(sum(terms), [[15.0, 5.0], [35.0, 15.0]])


# --- every method agrees with the tape, at random points; a compiled gradient at a second point -----------
RNG = np.random.default_rng(7)
A3 = RNG.normal(size=(3, 3))
B32 = RNG.normal(size=(3, 2))
V3 = RNG.normal(size=3)
STACK = RNG.normal(size=(2, 3, 3))

AGREEMENT = {
    "polyval in x": (lambda x: np.sum(np.polyval([0.5, -1.0, 2.0, 3.0], x)), RNG.normal(size=4), True),
    "polyval in p": (lambda p: np.sum(np.polyval(p, V3)), RNG.normal(size=4), True),
    "polyval of a matrix of x": (lambda x: np.sum(dk.polyval(V3, x) ** 2), RNG.normal(size=(2, 2)), True),
    "convolve full": (lambda a: np.sum(np.convolve(a, V3) * np.arange(7.0)), RNG.normal(size=5), True),
    "convolve same, v longer": (lambda v: np.sum(np.convolve(V3, v, "same") ** 2), RNG.normal(size=5), True),
    "convolve valid": (lambda a: np.sum(np.convolve(a, V3, "valid") ** 2), RNG.normal(size=6), True),
    "correlate full": (lambda a: np.sum(np.correlate(a, V3, "full") * np.arange(8.0)), RNG.normal(size=6), True),
    "correlate same, v longer": (lambda v: np.sum(np.correlate(V3, v, "same") * np.arange(4.0)), RNG.normal(size=4),
                                 True),
    "correlate valid, v longer": (lambda v: np.sum(np.correlate(V3, v) ** 2), RNG.normal(size=5), True),
    "matrix_power 4": (lambda a: np.sum(np.linalg.matrix_power(a, 4)), A3 / 2, True),
    "matrix_power 5 of a stack": (lambda a: np.sum(np.linalg.matrix_power(a, 5)), STACK / 2, True),
    "matrix_power -2": (lambda a: np.sum(np.linalg.matrix_power(a, -2)), A3 + 4 * np.eye(3), True),
    "multi_dot of three": (lambda a: np.sum(np.linalg.multi_dot([a, B32, B32.T])), A3, True),
    "multi_dot of vectors": (lambda a: np.linalg.multi_dot([V3, a, B32, np.ones(2)]), A3, True),
    "multi_dot of five": (lambda a: np.sum(np.linalg.multi_dot([a, a, B32, B32.T, a])), A3, True),
    "vector_norm": (lambda x: np.sum(np.linalg.vector_norm(x, axis=1)), A3, True),
    "vector_norm of a tuple of axes": (lambda x: np.sum(np.linalg.vector_norm(x, axis=(0, 2), ord=3)), STACK, False),
    "vector_norm ord -inf": (lambda x: np.linalg.vector_norm(x, ord=-np.inf), A3, False),
    "matrix_norm fro": (lambda x: np.sum(np.linalg.matrix_norm(x, keepdims=True)), STACK, True),
    "matrix_norm inf": (lambda x: np.sum(np.linalg.matrix_norm(x, ord=np.inf)), STACK, False),
    "linalg.trace": (lambda x: np.sum(np.linalg.trace(x, offset=-1) ** 2), STACK, True),
    "linalg.outer": (lambda x: np.sum(np.linalg.outer(x, V3) ** 2), V3 + 1.0, True),
    "vecdot": (lambda x: np.sum(np.vecdot(x, STACK) ** 2), A3, True),
    "vecdot axis 1": (lambda x: np.sum(np.vecdot(STACK, x, axis=1) ** 2), A3, True),
    "linalg.vecdot": (lambda x: np.sum(np.linalg.vecdot(x, V3) ** 2), A3, True),
    "matvec of a stack": (lambda x: np.sum(np.matvec(x, V3) ** 2), STACK, True),
    "vecmat of a stack": (lambda x: np.sum(np.vecmat(x, STACK) ** 2), V3, True),
    "cumulative_sum": (lambda x: np.sum(np.cumulative_sum(x, axis=0, include_initial=True) ** 2), A3, True),
    "cumulative_prod": (lambda x: np.sum(np.cumulative_prod(x, axis=-1)), A3, True),
    "ptp": (lambda x: np.sum(np.ptp(x, axis=1, keepdims=True) ** 2), A3, False),
    "ptp of everything": (lambda x: np.ptp(x), STACK, False),
    "deg2rad and rad2deg": (lambda x: np.sum(np.cos(np.deg2rad(x)) * np.rad2deg(x)), 40 * V3, True),
    "real and imag": (lambda x: np.sum(np.exp(np.real(x)) + np.imag(x)), V3, True),
}


@pytest.mark.parametrize("method", ("forward-mode", "fd-central", "fd-complex", "symbolic", "symbolic-cse",
                                    "symbolic-tape"))
@pytest.mark.parametrize("name", AGREEMENT)
def test_every_method_agrees_with_the_tape(name, method):
    program, point, analytic = AGREEMENT[name]
    if method == "fd-complex" and not analytic:
        pytest.skip("a kink: the complex step refuses it (test_value_and_gradient_by_hand checks the refusal)")
    tape = dk.grad(program, method="tape")(point)
    got = dk.grad(program, method=method)(point)
    tolerance = {"rtol": 1e-6, "atol": 1e-7} if method == "fd-central" else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(got, tape, **tolerance)


@pytest.mark.parametrize("name", AGREEMENT)
def test_a_compiled_gradient_is_the_tape_s_at_a_second_point(name):
    program, point, _ = AGREEMENT[name]
    second = point * 1.1 + 0.01
    compiled = dk.compile_grad(program, point)
    np.testing.assert_allclose(compiled(second), dk.grad(program, method="tape")(second), rtol=1e-12, atol=1e-14)


# --- the forward values are NumPy's ----------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["valid", "same", "full", 0, 1, 2])
def test_convolve_and_correlate_are_numpy_s_for_every_pair_of_lengths(mode):
    # up to 8 entries a window is summed in the order NumPy's dot sums it: the same bits
    rng = np.random.default_rng(3)
    for m in range(1, 8):
        for n in range(1, 8):
            a, v = rng.normal(size=m), rng.normal(size=n)
            np.testing.assert_array_equal(dk.convolve(a, v, mode), np.convolve(a, v, mode), err_msg=f"{m} {n}")
            np.testing.assert_array_equal(dk.correlate(a, v, mode), np.correlate(a, v, mode), err_msg=f"{m} {n}")
    a, v = rng.normal(size=40), rng.normal(size=17)  # longer windows: NumPy's BLAS dot sums in another order
    np.testing.assert_allclose(dk.convolve(a, v, mode), np.convolve(a, v, mode), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(dk.correlate(v, a, mode), np.correlate(v, a, mode), rtol=1e-13, atol=1e-13)


def test_the_by_hand_values_of_convolve_and_correlate_are_numpy_s():
    assert dk.convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]).tolist() == [0.0, 1.0, 2.5, 4.0, 1.5]
    assert np.convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]).tolist() == [0.0, 1.0, 2.5, 4.0, 1.5]
    full = [8.0, 23.0, 44.0, 38.0, 32.0, 23.0, 12.0]  # c_k = sum_n a[n + k] v[n], k = -4..2 (BY_HAND)
    assert dk.correlate([1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0, 8.0], "full").tolist() == full
    assert np.correlate([1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0, 8.0], "full").tolist() == full
    # the order of the arguments matters: the other way round is the reverse
    assert dk.correlate([4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0], "same").tolist() == [23.0, 32.0, 38.0, 44.0, 23.0]
    assert dk.convolve(2.0, [1.0, 3.0]).tolist() == [2.0, 6.0]  # a number is one entry, as NumPy's ndmin=1


def test_the_other_forward_values_are_numpy_s_to_the_bit():
    rng = np.random.default_rng(5)
    x, p = rng.normal(size=(3, 4)), rng.normal(size=6)
    a, stack = rng.normal(size=(4, 4)), rng.normal(size=(2, 3, 3))
    same = np.testing.assert_array_equal
    same(dk.polyval(p, x), np.polyval(p, x))
    same(dk.polyval(list(p), x), np.polyval(list(p), x))
    assert dk.polyval([2, 0, 1], 3) == 19 == np.polyval([2, 0, 1], 3)
    same(dk.polyval([], x), np.polyval([], x))
    for n in (-3, -1, 0, 1, 2, 3, 4, 5, 6, 7, 13):
        same(dk.linalg.matrix_power(a / 2, n), np.linalg.matrix_power(a / 2, n))
        same(dk.linalg.matrix_power(stack, n), np.linalg.matrix_power(stack, n))
    same(dk.linalg.matrix_power(J, 3), [[1.0, 3.0], [0.0, 1.0]])
    chain = [rng.normal(size=s) for s in [(5,), (5, 2), (2, 7), (7, 3), (3, 3)]]
    for k in range(2, 6):
        same(dk.linalg.multi_dot(chain[:k]), np.linalg.multi_dot(chain[:k]))
    same(dk.linalg.multi_dot([x.T, x, x.T]), np.linalg.multi_dot([x.T, x, x.T]))
    for ord in (2, 1, 0, 3, np.inf, -np.inf, 0.5):
        same(dk.linalg.vector_norm(x, ord=ord), np.linalg.vector_norm(x, ord=ord))
        same(dk.linalg.vector_norm(x, axis=0, ord=ord, keepdims=True),
             np.linalg.vector_norm(x, axis=0, ord=ord, keepdims=True))
        same(dk.linalg.vector_norm(stack, axis=(2, 0), ord=ord), np.linalg.vector_norm(stack, axis=(2, 0), ord=ord))
    for ord in ("fro", 1, -1, np.inf, -np.inf):
        same(dk.linalg.matrix_norm(stack, ord=ord), np.linalg.matrix_norm(stack, ord=ord))
        same(dk.linalg.matrix_norm(x, ord=ord, keepdims=True), np.linalg.matrix_norm(x, ord=ord, keepdims=True))
    same(dk.linalg.trace(stack, offset=1), np.linalg.trace(stack, offset=1))
    same(dk.linalg.outer(p, p[:2]), np.linalg.outer(p, p[:2]))
    same(dk.vecdot(stack, a[:2, :3], axis=0), np.vecdot(stack, a[:2, :3], axis=0))
    same(dk.linalg.vecdot(x, x[0]), np.linalg.vecdot(x, x[0]))
    same(dk.matvec(stack, p[:3]), np.matvec(stack, p[:3]))
    same(dk.vecmat(p[:3], stack), np.vecmat(p[:3], stack))
    for include_initial in (False, True):
        same(dk.cumulative_sum(x, axis=1, include_initial=include_initial),
             np.cumulative_sum(x, axis=1, include_initial=include_initial))
        same(dk.cumulative_prod(p, include_initial=include_initial),
             np.cumulative_prod(p, include_initial=include_initial))
    same(dk.cumulative_sum(3.0), np.cumulative_sum(np.float64(3.0)))
    same(dk.ptp(x), np.ptp(x))
    same(dk.ptp(stack, axis=(0, 2), keepdims=True), np.ptp(stack, axis=(0, 2), keepdims=True))
    same(dk.deg2rad(100 * x), np.deg2rad(100 * x))
    same(dk.rad2deg(x), np.rad2deg(x))
    same(dk.real(x), np.real(x))
    same(dk.imag(x), np.imag(x))


def test_traced_values_take_numpy_s_path_to_the_same_values():
    # the forward value under the tape (np.* on a traced value) is the plain NumPy call's
    x = np.array([0.3, -1.2, 2.5, 0.7])
    program = lambda x: np.sum(np.polyval([1.5, -2.0, 0.5], x) * np.convolve(x, [1.0, -1.0], "same"))  # noqa: E731
    value, _ = dk.value_and_grad(program, method="tape")(x)
    assert value == program(x)


# --- routing ---------------------------------------------------------------------------------------------
def test_numpy_routes_each_name_to_its_op():
    from diffkit.core import routing

    for name in ("polyval", "convolve", "correlate", "ptp", "cumulative_sum", "cumulative_prod", "real", "imag"):
        assert routing.FUNCTION_TO_OP[f"numpy.{name}"] == name
    for name in ("matrix_power", "multi_dot", "vector_norm", "matrix_norm", "trace", "outer", "vecdot"):
        assert routing.FUNCTION_TO_OP[f"numpy.linalg.{name}"] == f"linalg.{name}"
        assert callable(getattr(dk.linalg, name))
    for ufunc, op in {"deg2rad": "deg2rad", "radians": "deg2rad", "rad2deg": "rad2deg", "degrees": "rad2deg",
                      "vecdot": "vecdot", "matvec": "matvec", "vecmat": "vecmat"}.items():
        assert isinstance(getattr(np, ufunc), np.ufunc) and routing.UFUNC_TO_OP[ufunc] == op
    assert not hasattr(np.ndarray, "ptp")  # NumPy 2 has no x.ptp(), so neither does a diffkit value's table
    assert "ptp" not in routing.METHOD_TO_OP


# --- refusals --------------------------------------------------------------------------------------------
A23, V = np.ones((2, 3)), np.ones(3)

REFUSED = {
    "polyval of a number p": (lambda x: np.polyval(x[0], 2.0), V, errors.ShapeError,
                              "dk.polyval: p is the coefficients"),
    "convolve of a matrix": (lambda x: np.sum(np.convolve(A23, x)), V, errors.ShapeError,
                             "dk.convolve: takes 1-D arrays; a has shape (2, 3)"),
    "convolve mode": (lambda x: np.sum(np.convolve(x, V, mode="middle")), V, errors.InputError,
                      "mode='middle' (a str)"),
    "convolve int mode 3": (lambda x: np.sum(dk.convolve(x, V, mode=3)), V, errors.InputError,
                            "mode is 'valid', 'same' or 'full'"),
    "correlate of nothing": (lambda x: np.sum(np.correlate(x, [], mode="full")), V, errors.ShapeError,
                             "dk.correlate: v is empty"),
    "correlate of a number": (lambda x: np.sum(np.correlate(x, 2.0)), V, errors.ShapeError,
                              "dk.correlate: takes 1-D arrays; v has shape ()"),
    "matrix_power of a non-square matrix": (lambda x: np.sum(np.linalg.matrix_power(x, 2)), A23, errors.ShapeError,
                                            "dk.linalg.matrix_power: needs square matrices"),
    "matrix_power of a fractional n": (lambda x: np.sum(np.linalg.matrix_power(x, 2.5)), np.eye(2), errors.InputError,
                                       "n=2.5 (a float) at"),
    "multi_dot of one": (lambda x: np.sum(np.linalg.multi_dot([x])), A23, errors.ShapeError,
                         "needs at least two arrays; got 1"),
    "multi_dot that does not chain": (lambda x: np.sum(np.linalg.multi_dot([x, x, x])), A23, errors.ShapeError,
                                      "shapes (2, 3) and (2, 3), which do not chain: 3 != 2"),
    "multi_dot of a stack": (lambda x: np.sum(np.linalg.multi_dot([x, np.ones((3, 2, 2)), np.ones(2)])), A23,
                             errors.ShapeError, "array 1 has shape (3, 2, 2); multi_dot multiplies matrices"),
    "multi_dot out=": (lambda x: np.sum(np.linalg.multi_dot([x, x.T], out=np.zeros((2, 2)))), A23,
                       errors.NonDiffkitFunctionError, "numpy.linalg.multi_dot was called with out="),
    "vector_norm of a matrix order": (lambda x: np.linalg.vector_norm(x, ord="fro"), A23, errors.InputError,
                                      "use dk.linalg.matrix_norm"),
    "vector_norm repeating an axis": (lambda x: np.linalg.vector_norm(x, axis=(0, 0)), A23, errors.ShapeError,
                                      "names an axis twice"),
    "matrix_norm ord 2": (lambda x: np.sum(np.linalg.matrix_norm(x, ord=2)), A23, errors.UnsupportedError,
                          "ord=2 needs singular values"),
    "matrix_norm nuclear": (lambda x: np.sum(np.linalg.matrix_norm(x, ord="nuc")), A23, errors.UnsupportedError,
                            "ord='nuc' needs singular values"),
    "matrix_norm of a vector": (lambda x: np.sum(np.linalg.matrix_norm(x)), V, errors.ShapeError,
                                "dk.linalg.matrix_norm: needs matrices (..., M, N); got shape (3,)"),
    "linalg.outer of a matrix": (lambda x: np.sum(np.linalg.outer(x, V)), A23, errors.ShapeError,
                                 "dk.linalg.outer: takes two vectors; got shapes (2, 3) and (3,)"),
    "linalg.trace dtype=": (lambda x: np.linalg.trace(x, dtype=np.float32), A23, errors.NonDiffkitFunctionError,
                            "numpy.linalg.trace was called with dtype="),
    "vecdot of unequal vectors": (lambda x: np.sum(np.vecdot(x, np.ones(2))), A23, errors.ShapeError,
                                  "shapes (2, 3) and (2,): the summed axes have lengths 3 and 2"),
    "vecdot of a number": (lambda x: np.sum(dk.vecdot(x[0, 0], V)), A23, errors.ShapeError,
                           "x1 has shape (); it needs at least 1 axis"),
    "vecdot axis tuple": (lambda x: np.sum(dk.vecdot(x, A23, axis=(0,))), A23, errors.InputError,
                          "axis is one int"),
    "vecdot out=": (lambda x: np.sum(np.vecdot(x, A23, out=np.zeros(2))), A23, errors.NonDiffkitFunctionError,
                    "numpy.vecdot was called with out="),
    "vecdot keepdims=": (lambda x: np.sum(np.vecdot(x, A23, keepdims=True)), A23, errors.NonDiffkitFunctionError,
                         "numpy.vecdot was called with keepdims=True"),
    "matvec axes=": (lambda x: np.sum(np.matvec(x, V, axes=[(0, 1), (0,), (0,)])), A23, errors.NonDiffkitFunctionError,
                     "numpy.matvec was called with axes="),
    "matvec of unequal lengths": (lambda x: np.sum(np.matvec(x, np.ones(2))), A23, errors.ShapeError,
                                  "dk.matvec: shapes (2, 3) and (2,)"),
    "matvec of a vector": (lambda x: np.sum(np.matvec(x, V)), V, errors.ShapeError,
                           "x1 has shape (3,); it needs at least 2 axes"),
    "vecmat of unbroadcastable stacks": (lambda x: np.sum(np.vecmat(np.ones((4, 2)), np.ones((3, 2, 3)) * x[0, 0])),
                                         A23, errors.ShapeError, "do not broadcast together"),
    "cumulative_sum of a matrix without axis": (lambda x: np.sum(np.cumulative_sum(x)), A23, errors.ShapeError,
                                                "for an array of more than one axis, give the axis"),
    "cumulative_prod dtype=": (lambda x: np.sum(np.cumulative_prod(x, axis=0, dtype=np.float32)), A23,
                               errors.NonDiffkitFunctionError, "numpy.cumulative_prod was called with dtype="),
    "cumulative_sum include_initial='yes'": (lambda x: np.sum(np.cumulative_sum(x, axis=0, include_initial="yes")),
                                             A23, errors.InputError, "include_initial is True or False"),
    "ptp out=": (lambda x: np.sum(np.ptp(x, axis=0, out=np.zeros(3))), A23, errors.NonDiffkitFunctionError,
                 "numpy.ptp was called with out="),
    "ptp keepdims='yes'": (lambda x: np.sum(np.ptp(x, keepdims="yes")), A23, errors.InputError,
                           "keepdims is True or False"),
    "deg2rad out=": (lambda x: np.sum(np.deg2rad(x, out=np.zeros(3))), V, errors.NonDiffkitFunctionError,
                     "numpy.deg2rad was called with out="),
    # NumPy dispatches on its arguments, not on the entries of a list: dk.polyval takes such a list
    "np.polyval of a list holding a traced value": (lambda x: np.polyval([x[0], 1.0], 2.0), V,
                                                     errors.NonDiffkitFunctionError, "turned into a plain NumPy array"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refusals_name_the_cause(name):
    program, point, error, fragment = REFUSED[name]
    with pytest.raises(error) as caught:
        dk.grad(program, method="tape")(point)
    assert type(caught.value) is error
    assert fragment in str(caught.value)


def test_a_ufunc_keyword_no_op_takes_is_still_refused():
    # np.vecdot's axis= now reaches the op; a keyword no op takes keeps its old refusal
    with pytest.raises(errors.NonDiffkitFunctionError, match="numpy.add was called with dtype="):
        dk.grad(lambda x: np.sum(np.add(x, 1.0, dtype=float)), method="tape")(V)
