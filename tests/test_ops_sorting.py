"""Sorting and order statistics (diffkit/ops/sorting.py), with values and gradients worked out by hand.

``sort``'s gradient is the permutation; ``median``/``quantile``/``percentile`` interpolate
between two sorted entries (NumPy's method="linear"), whose gradient is the weights
``1 - t`` and ``t``; ``argsort`` is plain positions. Ties follow a stable sort. The symbolic
methods refuse all of them; a compiled gradient refuses arguments that sort in another order.
"""

import numpy as np
import pytest

import diffkit as dk

NUMERIC = ("tape", "forward-mode", "fd-central", "fd-complex", "fd-forward", "fd-richardson")
SYMBOLIC = ("symbolic", "symbolic-cse", "symbolic-tape")
EXACT = ("tape", "forward-mode")

W = np.array([1.0, 10.0, 100.0])
FIVE = np.array([5.0, 3.0, 1.0, 2.0, 4.0])  # 1..5 out of order: 1 at 2, 2 at 3, 3 at 1, 4 at 4, 5 at 0
X = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
W2 = np.array([[1.0, 10.0, 100.0], [1e3, 1e4, 1e5]])

# name: (program, point, its value by hand, its gradient by hand)
BY_HAND = {
    # sort([3, 1, 2]) = [1, 2, 3]: x0 = 3 takes the weight 100, x1 = 1 the weight 1, x2 = 2 the weight 10
    "sort": (lambda x: dk.sum(W * dk.sort(x)), np.array([3.0, 1.0, 2.0]), 321.0, [100.0, 1.0, 10.0]),
    "np.sort": (lambda x: np.sum(W * np.sort(x)), np.array([3.0, 1.0, 2.0]), 321.0, [100.0, 1.0, 10.0]),
    # the sorted entries picked by the order: the same permutation
    "x[np.argsort(x)]": (lambda x: np.sum(W * x[np.argsort(x)]), np.array([3.0, 1.0, 2.0]), 321.0,
                         [100.0, 1.0, 10.0]),
    "x.argsort()": (lambda x: np.sum(W * x[x.argsort()]), np.array([3.0, 1.0, 2.0]), 321.0, [100.0, 1.0, 10.0]),
    # an even count: the mean of the middle two, 2 and 3, half the gradient each
    "median even": (lambda x: dk.median(x), np.array([3.0, 1.0, 2.0, 5.0]), 2.5, [0.5, 0.0, 0.5, 0.0]),
    "np.median even": (lambda x: np.median(x), np.array([3.0, 1.0, 2.0, 5.0]), 2.5, [0.5, 0.0, 0.5, 0.0]),
    # an odd count: the middle entry, 2, all of it
    "median odd": (lambda x: dk.median(x), np.array([3.0, 1.0, 2.0]), 2.0, [0.0, 0.0, 1.0]),
    # q = 0.25 of five: position 4 * 0.25 = 1, the second smallest, 2 (at index 3)
    "quantile 0.25": (lambda x: dk.quantile(x, 0.25), FIVE, 2.0, [0.0, 0.0, 0.0, 1.0, 0.0]),
    # q = 0.3: position 1.2, 0.8 * 2 + 0.2 * 3 = 2.2
    "quantile 0.3": (lambda x: dk.quantile(x, 0.3), FIVE, 2.2, [0.0, 0.2, 0.0, 0.8, 0.0]),
    "np.quantile 0.3": (lambda x: np.quantile(x, 0.3), FIVE, 2.2, [0.0, 0.2, 0.0, 0.8, 0.0]),
    "np.percentile 30": (lambda x: np.percentile(x, 30), FIVE, 2.2, [0.0, 0.2, 0.0, 0.8, 0.0]),
    # q = 0 and 1: the smallest (1, at 2) and the largest (5, at 0)
    "quantile 0": (lambda x: dk.quantile(x, 0.0), FIVE, 1.0, [0.0, 0.0, 1.0, 0.0, 0.0]),
    "percentile 100": (lambda x: dk.percentile(x, 100), FIVE, 5.0, [1.0, 0.0, 0.0, 0.0, 0.0]),
    # q = [0.25, 0.3] weighted 1 and 10: 2.0 + 22.0; the 2 gets 1 + 8, the 3 gets 2
    "quantile of an array of q": (lambda x: np.sum(np.quantile(x, [0.25, 0.3]) * np.array([1.0, 10.0])), FIVE,
                                  24.0, [0.0, 2.0, 0.0, 9.0, 0.0]),
    # q = 0.75: position 3, the 4 (at 4); percentile 90: position 3.6, 0.4 * 4 + 0.6 * 5 = 4.6
    "percentile of an array of q": (lambda x: np.sum(np.percentile(x, np.array([75.0, 90.0]))), FIVE, 8.6,
                                    [0.6, 0.0, 0.0, 0.0, 1.4]),
}


@pytest.mark.parametrize("method", NUMERIC)
@pytest.mark.parametrize("name", BY_HAND)
def test_value_and_gradient_by_hand(name, method):
    program, point, value, by_hand = BY_HAND[name]
    got_value, got_grad = dk.value_and_grad(program, method=method)(point)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    np.testing.assert_allclose(got_grad, by_hand, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", BY_HAND)
def test_a_compiled_gradient_recomputes_the_order_and_refuses_another(name):
    program, point, _, by_hand = BY_HAND[name]
    compiled = dk.compile_grad(program, point)
    np.testing.assert_allclose(compiled(point), by_hand, rtol=1e-12, atol=1e-15)
    same_order = point * 2.0 + 1.0  # every entry moved, the order kept
    np.testing.assert_allclose(compiled(same_order), by_hand, rtol=1e-12, atol=1e-15)
    other_order = point[::-1].copy()
    with pytest.raises(dk.ControlFlowChangedError, match=r"read a position computed from its arguments as a "
                                                         r"constant at test_ops_sorting\.py:\d+.*a sort's order"):
        compiled(other_order)
    # dk.grad records anew: the gradient at the reversed point is the reversed gradient
    np.testing.assert_allclose(dk.grad(program)(other_order), np.asarray(by_hand)[::-1], atol=1e-15)


@pytest.mark.parametrize("method", SYMBOLIC)
@pytest.mark.parametrize("name", ["sort", "x.argsort()", "median even", "quantile 0.3", "np.percentile 30"])
def test_the_symbolic_methods_cannot_read_an_order(name, method):
    program, point, _, _ = BY_HAND[name]
    with pytest.raises(dk.SymbolicControlFlowError, match=r"reads the numbers of a symbolic value .*a sort"):
        dk.grad(program, method=method)(point)


# --- two axes -----------------------------------------------------------------------------------
# X = [[3, 1, 2], [0, 5, 4]]
AXES = {
    # each row sorted: [1, 2, 3] and [0, 4, 5]; the 0 takes 1e3, the 5 takes 1e5, the 4 takes 1e4
    "sort axis=-1": (lambda X: np.sum(W2 * np.sort(X)), [[100.0, 1.0, 10.0], [1e3, 1e5, 1e4]]),
    # each column sorted: [0, 3], [1, 5], [2, 4]: only the first column's entries swap places
    "sort axis=0": (lambda X: np.sum(W2 * np.sort(X, axis=0)), [[1e3, 10.0, 100.0], [1.0, 1e4, 1e5]]),
    # flattened [3, 1, 2, 0, 5, 4] sorted; the weight k + 1 goes to the k-th smallest
    "sort axis=None": (lambda X: np.sum(np.arange(1.0, 7.0) * np.sort(X, axis=None)), [[4.0, 2.0, 3.0],
                                                                                       [1.0, 6.0, 5.0]]),
    # two entries per column: their mean, weighted 1, 10, 100
    "median axis=0": (lambda X: np.sum(np.median(X, axis=0) * W), [[0.5, 5.0, 50.0], [0.5, 5.0, 50.0]]),
    # the middle of each row: 2 (row 0, at 2) and 4 (row 1, at 2), weighted 1 and 10
    "median axis=1, keepdims": (lambda X: np.sum(np.median(X, axis=1, keepdims=True) * np.array([[1.0], [10.0]])),
                                [[0.0, 0.0, 1.0], [0.0, 0.0, 10.0]]),
    # all six: the mean of 2 (at (0, 2)) and 3 (at (0, 0))
    "median axis=(0, 1)": (lambda X: np.median(X, axis=(0, 1)), [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]),
    # position 2 * 0.3 = 0.6 in each row: 0.4 on the smallest, 0.6 on the middle one
    "quantile axis=1": (lambda X: np.sum(np.quantile(X, 0.3, axis=1)), [[0.0, 0.4, 0.6], [0.4, 0.0, 0.6]]),
    # q = [0.5, 1.0] over the columns, shape (2, 3): the mean (1/2 each), then the larger, weighted 10
    "percentile axis=0": (lambda X: np.sum(np.percentile(X, [50.0, 100.0], axis=0) * np.array([[1.0], [10.0]])),
                          [[10.5, 0.5, 0.5], [0.5, 10.5, 10.5]]),
}


@pytest.mark.parametrize("method", NUMERIC)
@pytest.mark.parametrize("name", AXES)
def test_axis_variants_on_a_matrix(name, method):
    program, by_hand = AXES[name]
    np.testing.assert_allclose(dk.grad(program, method=method)(X), by_hand, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", AXES)
def test_axis_variants_compiled(name):
    program, by_hand = AXES[name]
    np.testing.assert_allclose(dk.compile_grad(program, X)(X + 0.5), by_hand, rtol=1e-12, atol=1e-15)


def test_values_and_shapes_are_numpy_s_to_the_last_bit():
    """NumPy itself is the reference here: its partition and _lerp, not diffkit's sort."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4, 5))
    for axis in (None, 0, 1, -1, (0, 2), (1, 2), (0, 1, 2)):
        for keepdims in (False, True):
            for q in (0.0, 0.3, 0.5, 1.0, [0.1, 0.99], [[0.25], [0.75]]):
                expected = np.quantile(a, q, axis=axis, keepdims=keepdims)
                got = dk.quantile(a, q, axis=axis, keepdims=keepdims)
                assert np.shape(got) == expected.shape, (axis, keepdims, q)
                np.testing.assert_array_equal(got, expected)
                np.testing.assert_array_equal(dk.percentile(a, np.multiply(q, 100), axis=axis, keepdims=keepdims),
                                              np.percentile(a, np.multiply(q, 100), axis=axis, keepdims=keepdims))
            np.testing.assert_array_equal(dk.median(a, axis=axis, keepdims=keepdims),
                                          np.median(a, axis=axis, keepdims=keepdims))
        if axis is None or isinstance(axis, int):
            np.testing.assert_array_equal(dk.sort(a, axis=axis), np.sort(a, axis=axis))
            np.testing.assert_array_equal(dk.argsort(a, axis=axis), np.argsort(a, axis=axis))
    assert np.median(np.array(3.0)) == dk.median(np.array(3.0)) == 3.0


@pytest.mark.parametrize("method", EXACT)
def test_numpy_dispatch_on_traced_values_is_the_dk_op(method):
    x = np.array([[0.3, -1.2, 2.5, 0.7], [1.1, 0.4, -0.6, 2.0]])
    pairs = [
        (lambda x: np.sum(np.sort(x, axis=0) * W2[:, :1]), lambda x: dk.sum(dk.sort(x, axis=0) * W2[:, :1])),
        (lambda x: np.sum(np.median(x, axis=1) * W[:2]), lambda x: dk.sum(dk.median(x, axis=1) * W[:2])),
        (lambda x: np.sum(np.percentile(x, [10.0, 60.0])), lambda x: dk.sum(dk.percentile(x, [10.0, 60.0]))),
        (lambda x: np.sum(np.quantile(x, 0.4, axis=1, keepdims=True)),
         lambda x: dk.sum(dk.quantile(x, 0.4, axis=1, keepdims=True))),
        (lambda x: np.sum(x[0][np.argsort(x[0])] * np.arange(4.0)),
         lambda x: dk.sum(x[0][dk.argsort(x[0])] * np.arange(4.0))),
    ]
    for through_numpy, through_dk in pairs:
        value, grad = dk.value_and_grad(through_numpy, method=method)(x)
        dk_value, dk_grad = dk.value_and_grad(through_dk, method=method)(x)
        assert value == dk_value
        np.testing.assert_array_equal(grad, dk_grad)


# --- ties ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", EXACT)
def test_ties_follow_a_stable_sort(method):
    x = np.array([2.0, 1.0, 2.0])
    # sorted [1, 2, 2]: the first 2 (at 0) takes the earlier place's weight 10, the second (at 2) 100
    np.testing.assert_array_equal(dk.grad(lambda x: dk.sum(W * dk.sort(x)), method=method)(x), [10.0, 1.0, 100.0])
    np.testing.assert_array_equal(dk.compile_grad(lambda x: dk.sum(W * dk.sort(x)), x)(x), [10.0, 1.0, 100.0])
    # the last sorted entry is the last of the tied maxima; dk.max shares them instead
    np.testing.assert_array_equal(dk.grad(lambda x: dk.sort(x)[-1], method=method)(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(dk.grad(lambda x: dk.max(x), method=method)(x), [0.5, 0.0, 0.5])
    # eight entries, four tied 0s and four tied 1s (where NumPy's default order is not stable): the
    # weight k goes to the k-th place, the 0s taking places 0-3 and the 1s 4-7 in the order they stand
    eight = np.array([1.0, 0.0] * 4)
    np.testing.assert_array_equal(dk.grad(lambda x: dk.sum(np.arange(8.0) * np.sort(x)), method=method)(eight),
                                  [4.0, 0.0, 5.0, 1.0, 6.0, 2.0, 7.0, 3.0])
    # a median between two equal entries: 1/2 each
    np.testing.assert_array_equal(dk.grad(lambda x: np.median(x), method=method)(np.array([2.0, 3.0, 2.0, 1.0])),
                                  [0.5, 0.0, 0.5, 0.0])


def test_argsort_is_plain_positions_as_numpy_gives_them():
    x = np.array([3.0, 1.0, 2.0, 1.0])
    seen = {}

    def f(x):
        seen["order"] = np.argsort(x, kind="stable")
        seen["method"] = x.argsort(stable=True)
        return x[0]

    dk.grad(f)(x)
    for order in seen.values():
        assert type(order) is np.ndarray and order.dtype.kind == "i"
        np.testing.assert_array_equal(order, [1, 3, 2, 0])
    tied = np.array([1.0, 0.0] * 4)  # argsort is NumPy's own, whose default order of ties is not stable here
    np.testing.assert_array_equal(dk.argsort(tied), np.argsort(tied))
    np.testing.assert_array_equal(dk.argsort(tied, kind="stable"), [1, 3, 5, 7, 0, 2, 4, 6])
    np.testing.assert_array_equal(dk.argsort(np.array([[2.0, 1.0], [0.0, 3.0]]), axis=0), [[1, 0], [0, 1]])
    np.testing.assert_array_equal(dk.argsort(np.array([[2.0, 1.0], [0.0, 3.0]]), axis=None), [2, 1, 0, 3])


# --- refusals -----------------------------------------------------------------------------------
REFUSED = {
    "q above 1": (lambda x: np.quantile(x, 1.5), dk.InputError,
                  r"^dk\.quantile got q=1\.5 at .*: q must be in \[0, 1\], a fraction.*dk\.percentile takes percents"),
    "q below 0 in an array": (lambda x: np.percentile(x, [10.0, -1.0]), dk.InputError,
                              r"^dk\.percentile got q=\[10\.0, -1\.0\] at .*: q must be in \[0, 100\], in percent"),
    "a fraction as percentile": (lambda x: dk.percentile(x, 150), dk.InputError,
                                 r"q must be in \[0, 100\].*dk\.quantile takes fractions"),
    "q NaN": (lambda x: dk.quantile(x, np.nan), dk.InputError, r"q=nan at .*: q must be in \[0, 1\]"),
    "q a string": (lambda x: dk.quantile(x, "half"), dk.InputError, r"q='half' at .*: q is a number or an array"),
    "q differentiated": (lambda x: dk.quantile(x, x[0] * 0.1), dk.InputError,
                         r"^dk\.quantile got a differentiated q at .*: q is plain numbers"),
    "another method": (lambda x: np.quantile(x, 0.5, method="nearest"), dk.InputError,
                       r"^dk\.quantile got method='nearest' at .*: diffkit interpolates as NumPy's default, "
                       r"method='linear'"),
    "a sort kind NumPy lacks": (lambda x: np.sort(x, kind="bubble")[0], dk.InputError,
                                r"^dk\.sort got kind='bubble' \(a str\) at .*: kind is one of 'quicksort'"),
    "a float axis": (lambda x: np.argsort(x, axis=0.0), dk.InputError, r"^dk\.argsort got axis=0\.0 \(a float\)"),
    "both kind and stable": (lambda x: np.sort(x, kind="stable", stable=True)[0], dk.InputError,
                             r"^dk\.sort got kind='stable' and stable=True at .*: give one of them"),
    "keepdims not a flag": (lambda x: np.median(x, keepdims="yes"), dk.InputError,
                            r"^dk\.median got keepdims='yes' \(a str\) at .*: keepdims is True or False"),
    "in-place sort": (lambda x: x.sort(), dk.MissingArrayMethodError,
                      r"`\.sort` is a NumPy array method .*x\.sort\(\) sorts in place.*write x = np\.sort\(x\) "
                      r"\(or x = dk\.sort\(x\)\)"),
    "sorting a number": (lambda x: np.sort(x[0]), dk.ShapeError, r"^dk\.sort: axis=-1 of a number.*axis=None"),
    "median of nothing": (lambda x: np.median(x[:0]), dk.ShapeError, r"^dk\.median at .* got no entries"),
    "overwrite_input": (lambda x: np.median(x, overwrite_input=True), dk.NonDiffkitFunctionError,
                        r"numpy\.median was called with overwrite_input=True .*dk\.median, takes no such argument"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refusals_name_the_cause_and_the_fix(name):
    program, error, message = REFUSED[name]
    with pytest.raises(error, match=message):
        dk.grad(program)(np.array([3.0, 1.0, 2.0]))


def test_the_new_ops_are_in_the_table_and_numpy_routes_to_them():
    from diffkit.core import routing

    for name in ("sort", "argsort", "median", "quantile", "percentile"):
        assert name in dk.ops.OPS and getattr(dk, name) is getattr(dk.ops, name)
        assert routing.FUNCTION_TO_OP[f"numpy.{name}"] == name
    assert routing.METHOD_TO_OP["argsort"] == "argsort" and "sort" in routing.MISSING_METHOD_HINTS


def test_lists_are_sorted_and_partitioned_as_arrays():
    np.testing.assert_array_equal(dk.sort([3.0, 1.0, 2.0]), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(dk.sort((3.0, 1.0, 2.0)), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(dk.partition([3.0, 1.0, 2.0], 1), np.partition([3.0, 1.0, 2.0], 1))


@pytest.mark.parametrize("q", [None, "a", [0.5, "b"]])
def test_a_q_that_is_not_numbers_is_named(q):
    with pytest.raises(dk.InputError, match=r"^dk\.quantile got q=.* q is a number or an array of numbers$"):
        dk.quantile(np.arange(3.0), q)
