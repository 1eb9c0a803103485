"""np.trapezoid, np.cross and np.interp on diffkit values, with values and derivatives worked
out by hand: built from slices, products, sums and selections, so every method takes
trapezoid and cross; interp reads its segments from the values, so the symbolic methods
refuse it (unless only the values fp are differentiated) and compile_grad checks them.
"""

import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.core import routing

EVERY = ("tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape", "fd-central", "fd-complex",
         "fd-richardson", "fd-forward")
SYMBOLIC = ("symbolic", "symbolic-cse", "symbolic-tape")
NOT_SYMBOLIC = tuple(method for method in EVERY if method not in SYMBOLIC)


def _close(got, expected, method):
    atol = 1e-5 if method == "fd-forward" else 1e-8
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=1e-6, atol=atol)


# --- trapezoid ----------------------------------------------------------------------------------
Y = np.array([1.0, 2.0, 4.0])
X = np.array([0.0, 1.0, 3.0])
COLUMNS = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 0.0]])

TRAPEZOID = {  # (program, arguments, argnums, gradient by hand)
    # unit spacing: (1 + 2) / 2 + (2 + 4) / 2 = 4.5; the end samples count half
    "unit spacing": (lambda y: np.trapezoid(y), (Y,), 0, [0.5, 1.0, 0.5]),
    # x = (0, 1, 3): 1 * (1 + 2) / 2 + 2 * (2 + 4) / 2 = 7.5; y[i] gets half of each width beside it
    "points, wrt y": (lambda y: np.trapezoid(y, X), (Y,), 0, [0.5, 1.5, 1.0]),
    # d/dx0 = -(y0 + y1) / 2, d/dx1 = (y0 + y1) / 2 - (y1 + y2) / 2, d/dx2 = (y1 + y2) / 2
    "points, wrt x": (lambda x: np.trapezoid(Y, x=x), (X,), 0, [-1.5, -1.5, 3.0]),
    # dx * 4.5
    "spacing": (lambda h: np.trapezoid(Y, dx=h), (0.25,), 0, 4.5),
    # columns over x = (0, 2, 3): 2 * 4 / 2 + 1 * 7 / 2 = 7.5 and 2 * 7 / 2 + 1 * 5 / 2 = 9.5, weighted 1 and 10;
    # the rows get (2 / 2, 2 / 2 + 1 / 2, 1 / 2) of each column's weight
    "axis 0": (lambda y: dk.sum(dk.trapezoid(y, x=np.array([0.0, 2.0, 3.0]), axis=0) * np.array([1.0, 10.0])),
               (COLUMNS,), 0, [[1.0, 10.0], [1.5, 15.0], [0.5, 5.0]]),
    # sample points of y's shape: each row its own points
    "points per row": (lambda x: dk.sum(np.trapezoid(np.array([[1.0, 3.0], [2.0, 2.0]]), x=x)),
                       (np.array([[0.0, 1.0], [5.0, 7.0]]),), 0, [[-2.0, 2.0], [-2.0, 2.0]]),
}
TRAPEZOID_VALUES = {"unit spacing": 4.5, "points, wrt y": 7.5, "points, wrt x": 7.5, "spacing": 1.125,
                    "axis 0": 102.5, "points per row": 6.0}


@pytest.mark.parametrize("method", EVERY)
@pytest.mark.parametrize("name", TRAPEZOID)
def test_trapezoid_is_differentiated_by_every_method(name, method):
    program, arguments, argnums, by_hand = TRAPEZOID[name]
    assert float(program(*arguments)) == TRAPEZOID_VALUES[name]
    _close(dk.grad(program, argnums=argnums, method=method)(*arguments), by_hand, method)


def test_trapezoid_differentiates_samples_and_points_together_and_compiles():
    program = lambda y, x: np.trapezoid(y, x)  # noqa: E731
    grads = dk.grad(program, argnums=(0, 1))(Y, X)
    np.testing.assert_array_equal(grads[0], [0.5, 1.5, 1.0])
    np.testing.assert_array_equal(grads[1], [-1.5, -1.5, 3.0])
    compiled = dk.compile_grad(program, Y, X, argnums=(0, 1))
    # at y = (0, 2, 2), x = (0, 2, 3): d/dy = (1, 1.5, 0.5), d/dx = (-1, -1, 2)
    got = compiled(np.array([0.0, 2.0, 2.0]), np.array([0.0, 2.0, 3.0]))
    np.testing.assert_array_equal(got[0], [1.0, 1.5, 0.5])
    np.testing.assert_array_equal(got[1], [-1.0, -1.0, 2.0])


def test_trapezoid_values_are_numpys():
    rng = np.random.default_rng(3)
    y = rng.normal(size=(3, 5))
    for options in ({}, {"axis": 0}, {"dx": 0.3}, {"x": np.arange(5.0) ** 2}, {"x": rng.normal(size=(3, 5))},
                    {"x": rng.normal(size=(3, 5)), "axis": 0}, {"x": np.arange(3.0), "axis": -2}):
        np.testing.assert_array_equal(dk.trapezoid(y, **options), np.trapezoid(y, **options))
    assert dk.trapezoid([5.0]) == 0.0 == np.trapezoid([5.0])


def test_trapz_is_routed_where_numpy_still_has_it():
    expected = "trapezoid" if hasattr(np, "trapz") else None
    assert routing.FUNCTION_TO_OP.get("numpy.trapz") == expected
    assert routing.FUNCTION_TO_OP["numpy.trapezoid"] == "trapezoid"


def test_trapezoid_names_a_number_and_points_of_another_length():
    with pytest.raises(dk.ShapeError, match=r"dk\.trapezoid: takes samples y with at least one axis, got a number"):
        dk.grad(lambda y: np.trapezoid(y[0]))(Y)
    with pytest.raises(dk.ShapeError, match=r"dk\.trapezoid: the sample points x of shape \(4,\) do not fit the "
                                            r"samples y of shape \(3,\) along axis -1: give one point per sample"):
        dk.grad(lambda y: np.trapezoid(y, x=np.arange(4.0)))(Y)
    with pytest.raises(dk.InputError, match=r"dk\.trapezoid got axis=0\.5 \(a float\)"):
        dk.grad(lambda y: np.trapezoid(y, axis=0.5))(Y)


# --- cross --------------------------------------------------------------------------------------
A = np.array([1.0, 2.0, 3.0])
B = np.array([-1.0, 0.5, 2.0])
W = np.array([0.3, -2.0, 1.0])

CROSS = {  # (program, argument, gradient by hand)
    # w . (a x b) = det[w, a, b]: d/da = b x w = (b1 w2 - b2 w1, b2 w0 - b0 w2, b0 w1 - b1 w0)
    "wrt a": (lambda a: np.dot(W, np.cross(a, B)), A, [4.5, 1.6, 1.85]),
    # d/db = w x a = (w1 a2 - w2 a1, w2 a0 - w0 a2, w0 a1 - w1 a0)
    "wrt b": (lambda b: np.dot(W, np.cross(A, b)), B, [-8.0, 0.1, 2.6]),
    # 2-vectors: a0 b1 - a1 b0, so d/da = (b1, -b0) = (0.5, 1)
    "2-vectors": (lambda a: np.cross(a, B[:2]), A[:2], [0.5, 1.0]),
    # a 2-vector and a 3-vector: (a1 b2, -a0 b2, a0 b1 - a1 b0) . w with b = B: d/da0 = -b2 w1 + b1 w2, d/da1 = b2 w0 - b0 w2
    "2 and 3": (lambda a: np.dot(W, np.cross(a, B)), A[:2], [4.5, 1.6]),
    # the sum of the components of each row's a x b: d/da = (b1 - b2, b2 - b0, b0 - b1) with b = (1, 2, 4)
    "rows": (lambda a: dk.sum(np.cross(a, np.array([1.0, 2.0, 4.0]))), np.arange(6.0).reshape(2, 3),
             [[-2.0, 3.0, -1.0], [-2.0, 3.0, -1.0]]),
    # the same with the vectors down the columns
    "axis 0": (lambda a: dk.sum(dk.cross(a, np.array([[1.0], [2.0], [4.0]]), axis=0)), np.arange(6.0).reshape(3, 2),
               [[-2.0, -2.0], [3.0, 3.0], [-1.0, -1.0]]),
}


@pytest.mark.parametrize("method", EVERY)
@pytest.mark.parametrize("name", CROSS)
def test_cross_is_differentiated_by_every_method(name, method):
    program, argument, by_hand = CROSS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy 2's warning for 2-vectors, plain values only
        _close(dk.grad(program, method=method)(argument), by_hand, method)


def test_cross_values_are_the_right_handed_products_and_numpys():
    np.testing.assert_array_equal(dk.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(dk.cross([0.0, 1.0, 0.0], [0.0, 0.0, 1.0]), [1.0, 0.0, 0.0])
    assert dk.cross([1.0, 2.0], [3.0, 4.0]) == -2.0
    rng = np.random.default_rng(5)
    cases = [((4, 3), (3,), {}), ((3, 4), (4, 3), {"axisa": 0}), ((2, 3, 5), (3, 5), {"axis": -2}),
             ((5, 3), (5, 3), {"axisc": 0}), ((2, 5), (5, 3), {"axisa": 0, "axisc": 0}), ((4, 2), (2,), {})]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for a_shape, b_shape, options in cases:
            a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
            np.testing.assert_array_equal(dk.cross(a, b, **options), np.cross(a, b, **options))


def test_cross_compiles_and_gives_its_gradient_at_a_second_point():
    compiled = dk.compile_grad(lambda a: np.dot(W, np.cross(a, B)), A)
    np.testing.assert_allclose(compiled(np.array([-4.0, 0.0, 7.0])), [4.5, 1.6, 1.85], rtol=1e-15)  # b x w, as ever


def test_cross_refuses_vectors_of_other_lengths_naming_the_shapes():
    with pytest.raises(dk.ShapeError, match=r"dk\.cross: the vectors of a \(shape \(4,\), axis -1\) and b \(shape "
                                            r"\(4,\), axis -1\) have 4 and 4 components: a cross product takes "
                                            r"vectors of 3 \(or 2\) components"):
        dk.grad(lambda a: dk.sum(np.cross(a, a)))(np.ones(4))
    with pytest.raises(dk.ShapeError, match=r"dk\.cross: the vectors of a \(shape \(3, 3\), axis -1\) and b \(shape "
                                            r"\(2, 3\), axis -1\) are laid out over shapes \(3,\) and \(2,\), which "
                                            r"do not broadcast together"):
        dk.grad(lambda a: dk.sum(np.cross(a, np.ones((2, 3)))))(np.ones((3, 3)))
    with pytest.raises(dk.ShapeError, match=r"dk\.cross: takes vectors, got shapes \(\) and \(\)"):
        dk.grad(lambda a: np.cross(a[0], 1.0))(A)
    with pytest.raises(dk.InputError, match=r"dk\.cross got axis=1\.5 \(a float\)"):
        dk.grad(lambda a: dk.sum(np.cross(a, a, axis=1.5)))(A)


# --- interp -------------------------------------------------------------------------------------
XP = np.array([1.0, 2.0, 3.0])
FP = np.array([10.0, 20.0, 40.0])


def _interp_all(x, xp, fp):
    return np.interp(x, xp, fp)


# At x = 2.5 (the segment [2, 3], t = 1/2): 20 + (x - 2) * 20 = 30; d/dx = 20, d/dfp = (0, 1 - t, t);
# d/dxp1 = -slope + (x - xp1) * slope / (xp2 - xp1) = -10, d/dxp2 = -(x - xp1) * slope / (xp2 - xp1) = -10.
INTERP_AT_2_5 = (20.0, [0.0, -10.0, -10.0], [0.0, 0.5, 0.5])


@pytest.mark.parametrize("method", NOT_SYMBOLIC)
def test_interp_gradients_are_the_slope_and_the_weights(method):
    assert _interp_all(2.5, XP, FP) == 30.0
    grads = dk.grad(_interp_all, argnums=(0, 1, 2), method=method)(2.5, XP, FP)
    for got, by_hand in zip(grads, INTERP_AT_2_5):
        _close(got, by_hand, method)


@pytest.mark.parametrize("method", NOT_SYMBOLIC)
def test_interp_outside_the_knots_is_left_or_right_with_no_slope(method):
    # left of xp[0]: fp[0] (or left), right of xp[-1]: fp[-1] (or right); d/dx = 0, d/dxp = 0
    points = np.array([0.5, 7.0])
    grads = dk.grad(lambda x, fp: dk.sum(np.interp(x, XP, fp) * np.array([1.0, 2.0])), argnums=(0, 1),
                    method=method)(points, FP)
    _close(grads[0], [0.0, 0.0], method)
    _close(grads[1], [1.0, 0.0, 2.0], method)
    # (np.interp hands only x, xp and fp to diffkit: a differentiated left or right needs dk.interp)
    ends = dk.grad(lambda left, right: dk.sum(dk.interp(points, XP, FP, left, 3.0 * right)), argnums=(0, 1),
                   method=method)(-1.0, 5.0)
    _close(ends, [1.0, 3.0], method)
    np.testing.assert_array_equal(dk.interp(points, XP, FP, -1.0, 5.0), [-1.0, 5.0])


@pytest.mark.parametrize("method", ("tape", "forward-mode", "fd-complex"))
def test_interp_at_a_knot_follows_the_kink_convention(method):
    # at x = 2 the slopes are 10 (left) and 20 (right): the mean 15, the left one under "zero", the right
    # one under "one"; at the end knots the slope outside is 0
    for convention, inner, first, last in (("mean", 15.0, 5.0, 10.0), ("zero", 10.0, 0.0, 20.0),
                                           ("one", 20.0, 10.0, 0.0)):
        with dk.kinks(convention):
            slopes = [dk.grad(lambda x: np.interp(x, XP, FP), method=method)(x) for x in (2.0, 1.0, 3.0)]
        assert slopes == [inner, first, last], convention
    # interp(x, [-1, 0, 1], [0, 0, 1]) is relu on [-1, 1], and has relu's derivative at 0
    for convention in ("mean", "zero", "one") if method != "fd-complex" else ():  # which refuses relu
        with dk.kinks(convention):
            assert dk.grad(lambda x: np.interp(x, [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]), method=method)(0.0) == \
                dk.grad(dk.relu, method=method)(0.0)


def test_interp_at_a_knot_under_central_differences_is_the_mean_of_the_slopes():
    np.testing.assert_allclose(dk.grad(lambda x: np.interp(x, XP, FP), method="fd-central")(2.0), 15.0, rtol=1e-6)


def test_interp_values_are_numpys_at_knots_outside_and_at_infinities():
    rng = np.random.default_rng(7)
    xp, fp = np.sort(rng.normal(size=7)), rng.normal(size=7)
    x = np.concatenate([xp, rng.normal(size=40) * 2, [np.inf, -np.inf, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no inf * 0 on the way
        np.testing.assert_array_equal(dk.interp(x, xp, fp), np.interp(x, xp, fp))
        np.testing.assert_array_equal(dk.interp(x, xp, fp, -3.0, 4.0), np.interp(x, xp, fp, -3.0, 4.0))
        # one knot (NumPy gives fp[0] at NaN there, where diffkit gives NaN as everywhere else)
        np.testing.assert_array_equal(dk.interp(x[:-1], [0.5], [2.0]), np.interp(x[:-1], [0.5], [2.0]))
        # infinite points send their gradient to the end values only
        grad = dk.grad(lambda fp: dk.sum(np.interp(np.array([np.inf, -np.inf]), XP, fp)))(FP)
    np.testing.assert_array_equal(grad, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("method", SYMBOLIC)
def test_interp_reads_its_segments_which_the_symbolic_methods_cannot_from_symbols(method):
    with pytest.raises(dk.SymbolicControlFlowError, match=r"reads the numbers of a symbolic value"):
        dk.grad(lambda x: np.interp(x, XP, FP), method=method)(2.5)
    # with the points given as numbers, the segments are known and the weights are exact
    weights = dk.grad(lambda fp: np.interp(2.5, XP, fp), method=method)(FP)
    np.testing.assert_allclose(weights, [0.0, 0.5, 0.5], rtol=1e-15)


def test_compile_grad_of_interp_recomputes_the_segments_and_refuses_other_ones():
    program = lambda x, xp, fp: dk.sum(np.interp(x, xp, fp) * np.array([1.0, 2.0]))  # noqa: E731
    compiled = dk.compile_grad(program, np.array([2.5, 1.2]), XP, FP, argnums=(0, 1, 2))
    # the same segments ([2, 3] and [1, 2]) at other points: slopes (20, 10) weighted (1, 2); weights
    # (0, 0.3, 0.7) and 2 * (0.1, 0.9, 0); d/dxp as at 2.5, from the formula in INTERP_AT_2_5's comment
    dx, dxp, dfp = compiled(np.array([2.7, 1.9]), XP, FP)
    np.testing.assert_allclose(dx, [20.0, 20.0], rtol=1e-14)
    np.testing.assert_allclose(dfp, [0.2, 2.1, 0.7], rtol=1e-14)
    np.testing.assert_allclose(dxp, [2 * (-10.0 + 0.9 * 10.0), -20.0 + 0.7 * 20.0 + 2 * (-0.9 * 10.0), -0.7 * 20.0],
                               rtol=1e-14)
    with pytest.raises(dk.ControlFlowChangedError, match=r"read a position computed from its arguments as a constant "
                                                         r"at test_ops_calculus\.py:\d+.*compile again"):
        compiled(np.array([1.5, 1.9]), XP, FP)  # 1.5 lies in [1, 2] now
    with pytest.raises(dk.InputError, match=r"got knots xp that are not increasing"):
        compiled(np.array([2.7, 1.9]), XP[::-1], FP)  # the compiled code checks the knots it reads too


def test_interp_refuses_knots_that_do_not_fit_naming_the_cause():
    with pytest.raises(dk.InputError, match=r"dk\.interp at .* got knots xp that are not increasing: xp\[1\] = 3\.0 and "
                                            r"xp\[2\] = 2\.0\. .*sort xp and fp together"):
        dk.grad(lambda x: np.interp(x, np.array([1.0, 3.0, 2.0]), FP))(2.5)
    with pytest.raises(dk.InputError, match=r"xp\[0\] = 1\.0 and xp\[1\] = 1\.0\..*leave out repeated knots"):
        dk.grad(lambda fp: np.interp(1.5, [1.0, 1.0, 2.0], fp))(FP)
    with pytest.raises(dk.ShapeError, match=r"dk\.interp: the knots xp of shape \(2,\) and the values fp of shape "
                                            r"\(3,\) differ in length: give one value per knot"):
        dk.grad(lambda x: np.interp(x, [1.0, 2.0], FP))(1.5)
    with pytest.raises(dk.ShapeError, match=r"dk\.interp: takes knots xp and values fp of one axis each, got shapes "
                                            r"\(1, 3\) and \(1, 3\)"):
        dk.grad(lambda fp: dk.sum(np.interp(1.5, XP[None], fp)))(FP[None])
    with pytest.raises(dk.ShapeError, match=r"dk\.interp: got no knots"):
        dk.interp(1.5, [], [])
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"dk\.interp at .* takes no period= .*x % period"):
        dk.grad(lambda x: np.interp(x, XP, FP, period=3.0))(1.5)


def test_the_new_ops_are_in_the_op_table_and_at_the_top_level():
    for name in ("trapezoid", "cross", "interp"):
        assert name in dk.OPS and callable(getattr(dk, name))
        assert routing.FUNCTION_TO_OP[f"numpy.{name}"] == name
