"""np.trapezoid and np.cross on diffkit values, with values and derivatives worked out by hand:
built from slices, products and sums, so every method takes them."""

import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.core import routing

EVERY = ("tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape", "fd-central", "fd-complex",
         "fd-richardson", "fd-forward")


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
