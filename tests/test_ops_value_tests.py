"""Value tests, NaN-aware ops, select and partition on diffkit values, with gradients worked out by hand.

np.isnan/isinf/isfinite/isclose/allclose are plain booleans read from the values (no
derivative); nan_to_num and the nan reductions are ``where`` with the NaN mask, so a NaN the
program makes gets gradient 0; select is a chain of where (the first condition that holds
wins); argpartition is a position read from the values and partition picks by it. The NaN
comes from the program (log or sqrt of a negative number), since arguments holding NaN are refused.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.values import plain_value

E = np.e
NUMERIC = ("tape", "forward-mode", "fd-central", "fd-complex")
SYMBOLIC = ("symbolic", "symbolic-cse", "symbolic-tape")
FIVE = np.array([5.0, 3.0, 1.0, 2.0, 4.0])  # sorted: 1 (at 2), 2 (at 3), 3 (at 1), 4 (at 4), 5 (at 0)


def allclose_branch(x):
    return dk.sum(x * x) if np.allclose(x, 1.0, atol=0.1) else dk.sum(x)


# name: (program, point, value by hand, gradient by hand, analytic, symbolic takes it)
BY_HAND = {
    # log(-1) is NaN -> 0, log(e) = 1: value 1; d/dx log x = 1/x at e, 0 where NaN was replaced
    "nan_to_num(log x)": (lambda x: dk.sum(np.nan_to_num(np.log(x))), np.array([-1.0, E]), 1.0, [0.0, 1 / E],
                          True, False),
    # rows of sqrt: [1, NaN] sums to 1, [3, NaN] to 3; 1 * 1 + 10 * 3 = 31; d sqrt = 1 / (2 sqrt x): 1/2, 10/6
    "nansum axis=1": (lambda x: dk.sum(np.nansum(np.sqrt(x), axis=1) * np.array([1.0, 10.0])),
                      np.array([[1.0, -4.0], [9.0, -1.0]]), 31.0, [[0.5, 0.0], [10 / 6, 0.0]], True, False),
    # sqrt: [2, NaN, 4], the mean of the two numbers is 3; each gets 1/2 of 1 / (2 sqrt x): 1/8, 1/16
    "nanmean": (lambda x: np.nanmean(np.sqrt(x)), np.array([4.0, -1.0, 16.0]), 3.0, [0.125, 0.0, 0.0625],
                True, False),
    # log: [1, NaN, 2, 0]: the max 2 at x = e^2 (slope e^-2), the min 0 at x = 1 (slope 1, times 10)
    "nanmax + 10 nanmin": (lambda x: np.nanmax(np.log(x)) + 10.0 * np.nanmin(np.log(x)),
                           np.array([E, -1.0, E * E, 1.0]), 2.0, [0.0, 0.0, E ** -2, 10.0], False, False),
    # -2: both x < 0 and x < 1 hold, the first wins (x * 0 = 0); 0.5, 0.25: x * x; 2: the default 3x
    # 0 + 0.25 + 6 + 0.0625 = 6.3125; gradient 0, 2 * 0.5, 3, 2 * 0.25
    "select": (lambda x: dk.sum(np.select([x < 0, x < 1], [x * 0.0, x * x], default=3.0 * x)),
               np.array([-2.0, 0.5, 2.0, 0.25]), 6.3125, [0.0, 1.0, 3.0, 0.5], True, True),
    # an input is finite: every entry squared, 1 + 4 = 5, gradient 2x
    "isfinite of an input": (lambda x: dk.sum(dk.where(np.isfinite(x), x * x, 0.0)), np.array([1.0, -2.0]), 5.0,
                             [2.0, -4.0], True, True),
    # x * nan is NaN whatever x: the where takes x, value 1 + 2 = 3, gradient 1 each
    "isnan of a NaN": (lambda x: dk.sum(dk.where(np.isnan(x * np.nan), x, 2.0 * x)), np.array([1.0, 2.0]), 3.0,
                       [1.0, 1.0], True, True),
    # 1.02 is within 0.1 of 1: 10 x = 10.2; 3 is not: x * x = 9; value 19.2, gradient 10 and 6
    "isclose": (lambda x: dk.sum(dk.where(np.isclose(x, 1.0, atol=0.1), 10.0 * x, x * x)), np.array([1.02, 3.0]),
                19.2, [10.0, 6.0], True, False),
    # both within 0.1 of 1: the sum of squares, 1.0404 + 0.9604; gradient 2x
    "allclose branch": (allclose_branch, np.array([1.02, 0.98]), 2.0008, [2.04, 1.96], True, False),
    # partitioned at 2: the two smallest first, 1 (at 2) and 2 (at 3), in some order: their sum 3
    "sum(partition[:2])": (lambda x: dk.sum(np.partition(x, 2)[:2]), FIVE, 3.0, [0, 0, 1, 1, 0], True, False),
    # the entry at kth = 2 is the third smallest, 3 (at 1)
    "partition[kth]": (lambda x: np.partition(x, 2)[2], FIVE, 3.0, [0, 1, 0, 0, 0], True, False),
    # the smallest (1, at 2) and the largest (5, at 0) by their positions: 1 + 10 * 5 = 51
    "argpartition": (lambda x: x[np.argpartition(x, 0)[0]] + 10.0 * x[x.argpartition(-1)[-1]], FIVE, 51.0,
                     [10, 0, 1, 0, 0], True, False),
}
MASKED = ["nan_to_num(log x)", "nansum axis=1", "nanmean", "nanmax + 10 nanmin", "select", "isfinite of an input",
          "isnan of a NaN", "isclose"]
READ = ["allclose branch", "sum(partition[:2])", "partition[kth]", "argpartition"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", NUMERIC)
@pytest.mark.parametrize("name", BY_HAND)
def test_value_and_gradient_by_hand(name, method):
    program, point, value, by_hand, analytic, _ = BY_HAND[name]
    if method == "fd-complex" and not analytic:
        with pytest.raises(dk.NonAnalyticError, match="cannot differentiate dk.max"):
            dk.grad(program, method=method)(point)
        return
    got_value, got_grad = dk.value_and_grad(program, method=method)(point)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    np.testing.assert_allclose(got_grad, by_hand, rtol=1e-6, atol=1e-7)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", SYMBOLIC)
@pytest.mark.parametrize("name", BY_HAND)
def test_symbolic_methods_decide_what_sympy_knows_and_refuse_the_rest(name, method):
    program, point, value, by_hand, _, symbolic = BY_HAND[name]
    if symbolic:
        np.testing.assert_allclose(dk.grad(program, method=method)(point), by_hand, rtol=1e-12, atol=1e-15)
        return
    with pytest.raises(dk.SymbolicControlFlowError, match="cannot decide|depends on"):
        dk.grad(program, method=method)(point)


def _compiled_at_its_point(name):
    """``dk.compile_grad`` of the case ``name`` at its point, checked there; with the point and gradient."""
    program, point, _, by_hand, _, _ = BY_HAND[name]
    compiled = dk.compile_grad(program, point)
    np.testing.assert_allclose(compiled(point), by_hand, rtol=1e-12, atol=1e-15)
    return compiled, point, np.asarray(by_hand, dtype=float)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", MASKED)
def test_a_compiled_gradient_recomputes_the_masks(name):
    compiled, point, by_hand = _compiled_at_its_point(name)
    # the entries reversed (along the last axis): every mask changes, the gradient is reversed too
    np.testing.assert_allclose(compiled(point[..., ::-1].copy()), by_hand[..., ::-1], rtol=1e-12, atol=1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", READ)
def test_a_compiled_gradient_refuses_a_changed_branch_or_position(name):
    compiled, point, by_hand = _compiled_at_its_point(name)
    branch = name == "allclose branch"
    moved = point * 1.01 if branch else point * 2.0 + 1.0  # same branch, same order
    np.testing.assert_allclose(compiled(moved), by_hand * (1.01 if branch else 1.0), rtol=1e-12, atol=1e-15)
    changed = np.array([3.0, 4.0]) if branch else point[::-1].copy()  # not close to 1; another order
    refused = "takes another path" if branch else "different from when the gradient was compiled"
    with pytest.raises(dk.ControlFlowChangedError, match=refused):
        compiled(changed)


def _traced(op, x, method="tape"):
    """``op``'s plain result on the traced (or dual) value of ``x``."""
    seen = []

    def program(x):
        out = op(x)
        seen.append(np.array(plain_value(out), copy=True))
        return dk.sum(x)

    dk.grad(program, method=method)(x)
    return seen[0]


with np.errstate(all="ignore"):
    MIXED = np.array([[-1.0, 0.0, 2.0], [-3.0, -2.0, -1.0]])  # log: NaN, -inf, log 2; a row of NaN only
NUMPY_CASES = {
    "nan_to_num": lambda np_, y: np_.nan_to_num(y),
    "nan_to_num(nan, posinf, neginf)": lambda np_, y: np_.nan_to_num(-1.0 / y, nan=5.0, posinf=1e3, neginf=-1e3),
    "nansum": lambda np_, y: np_.nansum(y, axis=1),
    "nansum keepdims": lambda np_, y: np_.nansum(y, axis=0, keepdims=True),
    "nanmean": lambda np_, y: np_.nanmean(y, axis=1),
    "nanmean all": lambda np_, y: np_.nanmean(y),
    "nanmax": lambda np_, y: np_.nanmax(y, axis=1, keepdims=True),
    "nanmin": lambda np_, y: np_.nanmin(y, axis=0),
    "isnan": lambda np_, y: np_.isnan(y),
    "isinf": lambda np_, y: np_.isinf(y),
    "isfinite": lambda np_, y: np_.isfinite(y),
    "isclose equal_nan": lambda np_, y: np_.isclose(y, y[::-1], equal_nan=True),
    "select": lambda np_, y: np_.select([np_.isnan(y), y > 0], [y * 0.0 + 7.0, y], default=-y),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", ("tape", "forward-mode"))
@pytest.mark.parametrize("name", NUMPY_CASES)
def test_values_are_numpys_to_the_bit(name, method):
    case = NUMPY_CASES[name]
    with np.errstate(all="ignore"):
        expected = case(np, np.log(MIXED))
    got = _traced(lambda x: case(np, np.log(x)), MIXED, method)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_nanmean_nanmax_of_nan_only_are_nan_with_gradient_zero():
    x = np.array([-1.0, -2.0])
    assert np.isnan(_traced(lambda x: np.nanmean(np.sqrt(x)), x))
    assert np.isnan(_traced(lambda x: np.nanmax(np.sqrt(x)), x))
    assert _traced(lambda x: np.nansum(np.sqrt(x)), x) == 0.0
    # a NaN-only row of sqrt and a row [1, 2] of sqrt(1), sqrt(4): the nansum of nanmax is 2 (+ nothing)
    program = lambda x: np.nansum(np.nanmax(np.sqrt(x), axis=1))  # noqa: E731
    for method in ("tape", "forward-mode"):
        np.testing.assert_array_equal(dk.grad(program, method=method)(np.array([[-1.0, -2.0], [1.0, 4.0]])),
                                      [[0.0, 0.0], [0.0, 0.25]])


def test_partition_is_numpys_layout_entry_for_entry():
    rng = np.random.default_rng(7)
    for n, kth, axis in [(7, 3, -1), (50, [0, 10, 49], -1), (200, -5, -1), (9, 4, 0), (40, 20, None)]:
        a = np.round(rng.normal(size=(n, 3) if axis == 0 else (4, n)), 1)  # ties too
        np.testing.assert_array_equal(dk.partition(a, kth, axis=axis), np.partition(a, kth, axis=axis))
        np.testing.assert_array_equal(_traced(lambda x: np.partition(x, kth, axis=axis), a),
                                      np.partition(a, kth, axis=axis))
        np.testing.assert_array_equal(_traced(lambda x: np.argpartition(x, kth, axis=axis), a),
                                      np.argpartition(a, kth, axis=axis))
        # the gradient of a weighted partition is the weights sent back through the permutation
        weights = rng.normal(size=np.partition(a, kth, axis=axis).shape)
        order = np.argpartition(a, kth, axis=axis)
        by_hand = np.zeros(a.size if axis is None else a.shape)
        np.put_along_axis(by_hand, order, weights, axis=-1 if axis is None else axis)
        got = dk.grad(lambda x: dk.sum(weights * np.partition(x, kth, axis=axis)))(a)
        np.testing.assert_array_equal(got, by_hand.reshape(a.shape))


@pytest.mark.parametrize(
    "program, error, fragment",
    [
        (lambda x: dk.sum(np.partition(x, 5)), dk.InputError, r"dk\.partition got kth=5 .*\[-2, 1\]"),
        (lambda x: dk.sum(np.partition(x, 1.5)), dk.InputError, r"dk\.partition got kth=1\.5 .*an int or a tuple"),
        (lambda x: dk.sum(np.partition(x, 1, kind="heapsort")), dk.InputError, r"kind='heapsort'.*introselect"),
        (lambda x: dk.sum(x[np.argpartition(x, 1, order="f")]), dk.InputError, r"dk\.argpartition got order='f'"),
        (lambda x: dk.sum(x.partition(1)), dk.MissingArrayMethodError, r"partitions in place.*np\.partition"),
        (lambda x: dk.sum(np.nan_to_num(x, copy=False)), dk.InputError, r"copy=False.*in place"),
        (lambda x: dk.sum(np.nan_to_num(x, nan="zero")), dk.InputError, r"nan='zero'.*nan is a number"),
        (lambda x: dk.sum(np.nansum(x, dtype=float)), dk.NonDiffkitFunctionError, r"dtype=.*dk\.nansum"),
        (lambda x: dk.sum(np.nanmax(x, axis="0")), dk.InputError, r"dk\.nanmax got axis='0'"),
        (lambda x: dk.sum(np.isnan(x, out=np.empty(2, bool))), dk.NonDiffkitFunctionError, r"numpy\.isnan .*out="),
        (lambda x: dk.sum(dk.where(np.isclose(x, 1.0, rtol=x), x, 0.0)), dk.InputError, r"dk\.isclose got rtol="),
        (lambda x: dk.sum(np.select([x > 0], [x, x])), dk.InputError, r"1 conditions and 2 choices"),
        (lambda x: dk.sum(np.select([x], [x])), dk.InputError, r"condition 0 of dtype float64 .*a mask"),
        (lambda x: dk.sum(dk.select([], [])), dk.InputError, r"no conditions"),
        (lambda x: dk.sum(np.select(x > 0, [x])), dk.InputError, r"ndarray as condlist .*a list of arrays"),
    ],
)
def test_bad_input_is_a_diffkit_error_naming_it(program, error, fragment):
    with pytest.raises(error, match=fragment):
        dk.grad(program)(np.array([1.0, 2.0]))


def test_lists_are_read_as_arrays():
    np.testing.assert_array_equal(dk.nan_to_num([1.0, np.inf, np.nan]), np.nan_to_num([1.0, np.inf, np.nan]))
    assert dk.nansum([1.0, np.nan, 2.0]) == 3.0
    assert dk.nanmax([1.0, np.nan, 3.0]) == 3.0
    np.testing.assert_array_equal(dk.imag([1.0, 2.0]), [0.0, 0.0])
    np.testing.assert_array_equal(dk.zeros_like([1.0, 2.0]), [0.0, 0.0])
