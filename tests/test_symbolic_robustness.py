"""The symbolic methods on ordinary programs: booleans, nested conditions, non-finite
constants and SymPy's undefined values give the tape's answer or a named diffkit error.

Each reproduction from the issue is here with the value the tape gives (derived by hand
in the comment), for symbolic, symbolic-cse and symbolic-tape.
"""

import inspect

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.problem import Problem
from diffkit.engines.expression_size import tree_size
from diffkit.engines.sympy_compile import compile_expressions, trace_symbolic

SYMBOLIC = ("symbolic", "symbolic-cse", "symbolic-tape")
NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize("method", SYMBOLIC)
def test_a_where_on_the_result_of_a_where(method):
    # x = 2: the inner where gives 0.5, which is < 0.6, so the outer picks 2x: slope 2
    program = lambda x: dk.where(dk.where(x < 1.0, x, 0.5) < 0.6, 2 * x, 3 * x)  # noqa: E731
    assert dk.grad(program, method=method)(2.0) == 2.0
    assert dk.grad(program, method=method)(0.7) == 3.0  # inner gives 0.7, not < 0.6


@pytest.mark.parametrize("method", SYMBOLIC)
def test_a_boolean_mask_times_a_value(method):
    # d/dx sum(x * (c > 0)) = (c > 0) as numbers
    program = lambda x, c: dk.sum(x * (c > 0))  # noqa: E731
    np.testing.assert_array_equal(dk.grad(program, method=method)(np.array([2.0, 1.0]), np.array([1.0, -1.0])), [1.0, 0.0])
    assert dk.grad(lambda x: x * True, method=method)(2.0) == 1.0
    assert dk.grad(lambda x: x * False + x, method=method)(2.0) == 1.0
    # a boolean that depends on x is a number too: x * (x > 0) is relu
    assert dk.grad(lambda x: x * (x > 0), method=method)(1.5) == 1.0
    assert dk.grad(lambda x: x * (x > 0), method=method)(-1.5) == 0.0


@pytest.mark.parametrize("method", SYMBOLIC)
def test_reciprocal_of_a_relu_inside_a_maximum(method):
    # at 2.37, 1/relu(x) = 0.42 < x, so maximum picks x: slope 1 (SymPy's printer once
    # rewrote the Heaviside of the derivative into a Piecewise comparing zoo)
    assert dk.grad(lambda x: dk.maximum(1 / dk.relu(x), x), method=method)(2.37) == dk.grad(
        lambda x: dk.maximum(1 / dk.relu(x), x), method="tape")(2.37) == 1.0


@pytest.mark.parametrize("method", SYMBOLIC)
def test_relu_of_a_ratio_of_relus(method):
    # x / relu(x) = 1 for x > 0, so the slope is 0 (to rounding: 1/x - x/x^2)
    assert dk.grad(lambda x: dk.relu(x / dk.relu(x)), method=method)(2.37) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("method", SYMBOLIC)
def test_negative_power_of_a_masked_value(method):
    # at -1.8 the mask is 1: d/dx x**-1 = -1/x**2 = -0.30864197530864196
    program = lambda x: (x * (x < 0)) ** -1  # noqa: E731
    assert dk.grad(program, method=method)(-1.8) == pytest.approx(-1 / 1.8**2, rel=1e-15)
    assert dk.grad(program, method="tape")(-1.8) == pytest.approx(-1 / 1.8**2, rel=1e-15)


@pytest.mark.parametrize("method", SYMBOLIC)
def test_a_nan_constant_makes_the_gradient_nan(method):
    # d/dx_i (sum(x) * nan) = nan, as in every other method
    gradient = dk.grad(lambda x: dk.sum(x) * NAN, method=method)(np.array([1.0, 2.0]))
    assert np.isnan(gradient).all()
    assert np.isnan(dk.grad(lambda x: dk.sum(x) * NAN, method="tape")(np.array([1.0, 2.0]))).all()


@pytest.mark.parametrize("method", SYMBOLIC)
def test_infinite_constants_follow_floating_point(method):
    with np.errstate(invalid="ignore"):
        assert dk.value_and_grad(lambda x: x + INF, method=method)(1.5) == (INF, 1.0)  # not oo, slope 0
        value, slope = dk.value_and_grad(lambda x: (x + INF) - INF, method=method)(1.5)
    assert np.isnan(value) and slope == 1.0  # inf - inf is nan; the slope is still 1
    assert dk.grad(lambda x: 2 * x if x < INF else x, method=method)(1.5) == 2.0  # decided, as x < oo
    assert dk.grad(lambda x: dk.maximum(x, -INF), method=method)(1.5) == 1.0
    # a NaN in a branch not taken changes nothing; a comparison with NaN is False
    assert dk.grad(lambda x: dk.where(x > 0, x, NAN), method=method)(1.5) == 1.0
    assert dk.grad(lambda x: dk.where(x * NAN > 0, x, 3 * x), method=method)(1.5) == 3.0


@pytest.mark.parametrize("method", SYMBOLIC)
def test_sympys_complex_infinity_is_refused_by_name(method):
    mask = np.array(-1.0) > 0  # False: x * mask is exactly 0 to SymPy
    with pytest.raises(dk.UnsupportedError, match="zoo"):  # 1/0: +-inf for the tape, zoo for SymPy
        dk.grad(lambda x: 1.0 / (x * mask) + x, method=method)(1.5)
    with pytest.raises(dk.UnsupportedError, match="complex infinity"):  # has no sign to compare
        dk.grad(lambda x: dk.where(1.0 / (x * mask) > 0, x, 2 * x), method=method)(1.5)


@pytest.mark.parametrize("method", SYMBOLIC)
def test_real_ops_outside_their_domain_are_nan_not_complex(method):
    """SymPy's exact arithmetic would give log(0) = zoo, sqrt(-1) = I, log(-1) = I pi;
    floating point gives -inf and NaN, and so do the symbolic faces."""
    mask = np.array(-1.0) > 0
    with np.errstate(all="ignore"):  # the tape's own log(0) and sqrt(-1)
        assert dk.value_and_grad(lambda x: dk.log(x * mask), method="forward-mode")(1.5) == (-INF, 0.0)
        if method == "symbolic-tape":  # its backward pass divides by the exact 0 (log's slope 1/x): refused
            with pytest.raises(dk.UnsupportedError, match="complex infinity"):
                dk.grad(lambda x: dk.log(x * mask), method=method)(1.5)
        else:  # log(0) is -inf, a constant: slope 0, as forward mode says
            assert dk.value_and_grad(lambda x: dk.log(x * mask), method=method)(1.5) == (-INF, 0.0)
        # a NaN in a branch not taken is no trouble; compared, it is False, as in floating point
        negative = lambda x: dk.where(x > 0, x, dk.sqrt(x * 0 - 1.0))  # noqa: E731
        assert dk.grad(negative, method=method)(1.5) == dk.grad(negative, method="tape")(1.5) == 1.0
        compared = lambda x: dk.where(dk.sqrt(x * 0 - 1.0) > -1, x, 3 * x)  # noqa: E731
        assert dk.grad(compared, method=method)(1.5) == dk.grad(compared, method="tape")(1.5) == 3.0
        # relu(nan) + x is NaN with slope 1 on the tape; SymPy's nan swallows the x: refused
        with pytest.raises(dk.UnsupportedError, match="into nan"):
            dk.grad(lambda x: dk.relu(dk.sqrt(x * 0 - 1.0)) + x, method=method)(1.5)


def test_a_where_with_one_infinite_branch_is_not_infinite():
    """Max(x, where(c, x, inf)) at a tie: half the gradient each way, 1 in all (SymPy once
    took the selection for infinite and the step of x - it for 1)."""
    program = lambda x: dk.maximum(x, dk.where(x < -0.85, x, INF))  # noqa: E731
    for method in (*SYMBOLIC, "forward-mode"):
        assert dk.grad(program, method=method)(-1.7) == dk.grad(program, method="tape")(-1.7) == 1.0


def nested_conditions(depth):
    """``depth`` wheres, each deciding on the one before: every level appears once."""

    def program(x):
        y = x
        for k in range(depth):
            y = dk.where(y < 0.5 + 0.1 * k, (1.0 + 0.1 * k) * x, 0.9 * x - 0.01 * k)
        return y

    return program


def printed_source(program, *args, use_cse=False):
    """The NumPy source lambdify writes for the value and gradient, as plain symbolic compiles it."""
    expression, symbols = trace_symbolic(Problem(program, args, 0))
    derivatives = [expression.diff(s) for s in symbols]
    return inspect.getsource(compile_expressions(symbols, [expression, *derivatives], use_cse))


def test_nested_where_prints_in_linear_size():
    """14 nested conditions once took 96 s to print as a Piecewise (solving each
    condition's inequalities); a Where prints each level once."""
    sizes = {depth: len(printed_source(nested_conditions(depth), 0.3)) for depth in (7, 14)}
    assert sizes[14] < 2.3 * sizes[7]
    tape = dk.grad(nested_conditions(14), method="tape")(0.3)
    for method in SYMBOLIC:
        assert dk.grad(nested_conditions(14), method=method)(0.3) == tape == pytest.approx(2.3)


def alternating_extrema(x):
    """max(min(max(x0, x1), x2), x3) ...: the fold of the issue."""
    y = x[0]
    for k in range(1, x.shape[0]):
        y = dk.maximum(y, x[k]) if k % 2 else dk.minimum(y, x[k])
    return y


def test_a_fold_of_maxima_and_minima():
    # 0.5, 0.9 (max), 0.2 (min) ... the output is one of the inputs: a one-hot gradient
    point = np.array([0.5, 0.9, 0.2, 0.7, 0.1, 0.8, 0.3, 0.95, 0.05, 0.6, 0.4, 0.65, 0.35, 0.75, 0.25, 0.85])
    tape = dk.grad(alternating_extrema, method="tape")(point)
    assert tape.sum() == 1.0 and set(tape) == {0.0, 1.0}
    for method in SYMBOLIC:
        np.testing.assert_array_equal(dk.grad(alternating_extrema, method=method)(point), tape)
    # Printed after CSE the source grows with the operands; printed as trees (plain
    # symbolic) with the trees, about 20 characters an operation: no rewriting of each
    # Heaviside into the Piecewise of its inequalities (139 s for 16 operands).
    shared = {n: len(printed_source(alternating_extrema, point[:n], use_cse=True)) for n in (8, 16)}
    assert shared[16] < 2.5 * shared[8]
    expression, symbols = trace_symbolic(Problem(alternating_extrema, (point,), 0))
    operations = tree_size([expression, *(expression.diff(s) for s in symbols)])
    assert len(printed_source(alternating_extrema, point)) < 30 * operations


@pytest.mark.parametrize("method", [*SYMBOLIC, "tape", "forward-mode", "fd-complex", "fd-central"])
def test_the_dtype_of_a_value_inside_a_program(method):
    program = lambda x: 2 * x if x.dtype == np.float64 else x  # noqa: E731
    assert dk.grad(program, method=method)(1.5) == pytest.approx(2.0, rel=1e-9)


def test_where_reads_numbers_and_booleans_as_numpy_does():
    # a float condition is true where nonzero (NaN too); a boolean branch is 0 or 1
    condition = np.array([0.0, 2.0, NAN])
    for method in (*SYMBOLIC, "tape"):
        gradient = dk.grad(lambda x: dk.sum(dk.where(condition, x, -x)), method=method)(np.ones(3))
        np.testing.assert_array_equal(gradient, [-1.0, 1.0, 1.0])
        assert dk.grad(lambda x: x * dk.where(x > 0, True, False), method=method)(1.5) == 1.0


def test_a_where_prints_and_shows_as_cases():
    from diffkit.ops.sympy_functions import Where
    import sympy

    x = sympy.Symbol("x", real=True)
    expression = Where(x < 1, x**2, 2 * x)
    assert r"\begin{cases}" in sympy.latex(expression)
    assert expression.diff(x).args == (x < 1, 2 * x, 2) and Where(x < 1, x, x) == x
    assert Where(sympy.true, x, 2 * x) == x and expression.subs(x, 3) == 6
    mpmath_version = sympy.lambdify([x], expression, modules="mpmath")  # evaluates the branch taken only
    assert mpmath_version(0.5) == 0.25 and mpmath_version(3) == 6


# Float constants whose 15-digit decimal is another double: printed with 15 digits, each
# lands beside its data, and a comparison at the data flips.
ON_BOUND = np.array([0.41809884672577885, -0.5677696061279298, 1 / 3])
AT_THRESHOLD = np.array([2.0409191213851825, 1 / 3])


@pytest.mark.parametrize("method", SYMBOLIC)
def test_clip_exactly_at_its_lower_bound_takes_the_kink_mean(method):
    # x == lo: clip's slope is the mean of 0 and 1, so d/dx sum(clip(x, lo, 5)**2) = 2 x / 2 = lo
    program = lambda x, lo: np.sum(np.clip(x, lo, 5.0) ** 2)  # noqa: E731
    gradient = dk.grad(program, method=method)(ON_BOUND.copy(), ON_BOUND)
    np.testing.assert_array_equal(gradient, ON_BOUND)
    np.testing.assert_array_equal(gradient, dk.grad(program, method="tape")(ON_BOUND.copy(), ON_BOUND))


@pytest.mark.parametrize("method", SYMBOLIC)
def test_a_where_exactly_at_a_captured_threshold(method):
    # x == c: x > c is False, so the branch is -x: value -sum(c), slope -1 in each entry
    program = lambda x: np.sum(np.where(x > AT_THRESHOLD, x**2, -x))  # noqa: E731
    result = dk.gradient(program, AT_THRESHOLD.copy(), method=method)
    assert result.value == -AT_THRESHOLD.sum()
    np.testing.assert_array_equal(result.grad, [-1.0, -1.0])
    tape = dk.gradient(program, AT_THRESHOLD.copy(), method="tape")
    assert result.value == tape.value
    np.testing.assert_array_equal(result.grad, tape.grad)


@pytest.mark.parametrize("method", SYMBOLIC)
def test_a_difference_from_a_constant_is_exactly_zero_at_it(method):
    # x - c is exactly 0 at x == c, however large the factor
    c = AT_THRESHOLD[0]
    result = dk.gradient(lambda x: (x - c) * 1e20, c, method=method)
    assert result.value == 0.0 == dk.gradient(lambda x: (x - c) * 1e20, c, method="tape").value
    assert result.grad == 1e20
