"""Control flow is plain Python; containers of parameters keep their structure."""

import collections

import numpy as np
import pytest

import diffkit as dk
from diffkit.engines.tape import active_tapes
from conftest import EXACT_METHODS, assert_same_structure


# --- the lecture's loop that symbolic differentiation cannot follow ------------------------------
def halve_until_small(x):
    while abs(x) > 5:
        x = x / 2
    return x


@pytest.mark.parametrize("x, halvings", [(3.0, 0), (7.0, 1), (37.0, 3), (-100.0, 5), (1000.0, 8)])
@pytest.mark.parametrize("method", ["tape", "fd-central", "fd-richardson", "fd-forward"])
def test_while_loop_gives_two_to_the_minus_k(method, x, halvings):
    result = dk.gradient(halve_until_small, x, method=method)
    assert result.value == x / 2**halvings
    tol = 0.0 if method == "tape" else 1e-6
    assert result.grad == pytest.approx(2.0**-halvings, abs=tol)


@pytest.mark.parametrize("method", ["symbolic", "symbolic-cse"])
def test_while_loop_is_refused_by_symbolic_naming_the_line(method):
    with pytest.raises(dk.SymbolicControlFlowError) as info:
        dk.gradient(halve_until_small, 37.0, method=method)
    message = str(info.value)
    assert "test_core_control_flow.py" in message and "halve_until_small" in message
    assert "while abs(x) > 5:" in message  # the program line itself
    assert "'tape'" in message and "dk.where" in message
    assert isinstance(info.value, dk.UnsupportedError)


def test_if_on_a_symbolic_value_is_refused():
    def branchy(x):
        if x > 0:
            return x * 2.0
        return -x

    with pytest.raises(dk.SymbolicControlFlowError, match="if x > 0:"):
        dk.gradient(branchy, 1.0, method="symbolic")
    assert dk.grad(branchy)(1.0) == 2.0 and dk.grad(branchy)(-1.0) == -1.0


def test_tape_follows_the_branch_that_ran():
    def piecewise(x):
        if x < 1.0:
            return x * x
        return 3.0 * x

    assert dk.grad(piecewise)(0.5) == 1.0
    assert dk.grad(piecewise)(2.0) == 3.0


def repeat_sine(x):
    for _ in range(4):
        x = dk.sin(x) * 1.5
    return x


@pytest.mark.parametrize("method", EXACT_METHODS + ("fd-complex",))
def test_fixed_for_loop_unrolls(method):
    # Chain rule by hand: each step multiplies the slope by 1.5 cos(x_k).
    x, slope = 0.7, 1.0
    for _ in range(4):
        slope *= 1.5 * np.cos(x)
        x = np.sin(x) * 1.5
    result = dk.gradient(repeat_sine, 0.7, method=method)
    assert result.value == pytest.approx(x, rel=1e-14)
    assert result.grad == pytest.approx(slope, rel=1e-12)


def test_unrolled_loop_swells_the_symbolic_expression():
    sizes = []
    for steps in (2, 4, 8):
        def program(x, steps=steps):
            for _ in range(steps):
                x = dk.sin(x) * x
            return x

        sizes.append(dk.gradient(program, 0.7, method="symbolic").stats["derivative_tree_size"])
    assert sizes[0] < sizes[1] < sizes[2]
    assert sizes[2] > 4 * sizes[1]  # the tree doubles (or worse) with every step


def test_loop_with_a_decidable_condition_runs_under_symbolic():
    def countdown(x, n):
        while n > 0:  # n is not differentiated: a plain number
            x = x * 2.0
            n -= 1
        return x

    assert dk.grad(countdown, method="symbolic")(1.5, 3) == 8.0


@pytest.mark.parametrize("method", ["tape", "symbolic", "fd-complex"])
def test_recording_is_closed_after_an_exception(method):
    def broken(x):
        y = dk.tanh(x)
        return y + undefined_name  # noqa: F821  (a NameError in the user's program)

    with pytest.raises(NameError):
        dk.gradient(broken, 0.5, method=method)
    assert active_tapes() == 0
    with pytest.raises(dk.SymbolicControlFlowError):
        dk.gradient(halve_until_small, 37.0, method="symbolic")
    assert active_tapes() == 0


# --- containers ------------------------------------------------------------------------------------
Layer = collections.namedtuple("Layer", "W b")


def network(params, x):
    hidden = dk.tanh(x @ params["layers"][0]["W"] + params["layers"][0]["b"])
    out = hidden @ params["layers"][1].W + params["layers"][1].b
    return dk.sum(out * out) + params["scale"][0] * dk.sum(params["scale"][1])


def make_params(rng):
    return {
        "layers": [
            {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=(4,))},
            Layer(W=rng.normal(size=(4, 2)), b=rng.normal(size=(1, 2))),
        ],
        "scale": (0.5, np.array([1.0, -2.0])),
    }


@pytest.mark.parametrize("method", EXACT_METHODS + ("fd-central", "fd-complex"))
def test_containers_come_back_in_the_same_structure(method, rng):
    params, x = make_params(rng), rng.normal(size=(2, 3))
    options = {"measure_cse": False} if method.startswith("symbolic") else {}
    grad = dk.grad(network, method=method, **options)(params, x)
    assert_same_structure(grad, params)
    assert isinstance(grad["layers"][1], Layer)
    assert isinstance(grad["scale"][0], float)
    # d/d scale[1] of scale[0] * sum(scale[1]) is scale[0] in every entry, and vice versa.
    np.testing.assert_allclose(grad["scale"][1], [0.5, 0.5], atol=1e-8)
    assert grad["scale"][0] == pytest.approx(-1.0, abs=1e-8)
    reference = dk.grad(network, method="tape")(params, x)
    tol = 1e-5 if method == "fd-central" else 1e-12
    for a, e in zip(_leaves(grad), _leaves(reference)):
        np.testing.assert_allclose(a, e, atol=tol * 10)


def _leaves(tree):
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in _leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [np.asarray(tree)]


def test_broadcast_bias_over_a_batch_is_summed(rng):
    # "The copy gate adds": b is added to each of 4 rows, so its gradient is the column sum.
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), np.array([[0.1, -0.2]])
    upstream = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])

    def layer(W, b):
        return dk.sum(upstream * (x @ W + b))

    for method in EXACT_METHODS + ("fd-central",):
        grad_W, grad_b = dk.grad(layer, argnums=(0, 1), method=method)(W, b)
        assert grad_b.shape == (1, 2) and grad_W.shape == (3, 2)
        np.testing.assert_allclose(grad_b, [[16.0, 20.0]], atol=1e-6)
        np.testing.assert_allclose(grad_W, x.T @ upstream, atol=1e-6)


def test_scalar_broadcast_against_a_matrix():
    def shift(c, M):
        return dk.sum(dk.exp(M + c))

    M = np.array([[0.0, 1.0], [2.0, -1.0]])
    for method in EXACT_METHODS:
        grad = dk.grad(shift, method=method)(0.5, M)
        assert isinstance(grad, float)
        assert grad == pytest.approx(float(np.sum(np.exp(M + 0.5))), rel=1e-14)


def test_leaf_names_follow_the_containers():
    params = {"W1": np.ones((2, 3)), "b1": np.zeros(3)}
    result = dk.gradient(lambda p: dk.sum(p["W1"]) + dk.sum(p["b1"]), params, method="symbolic")
    names = {str(s) for s in result.expressions["symbols"]}
    assert "W1[0,2]" in names and "b1[1]" in names


def test_boolean_mask_on_symbolic_values_is_refused_naming_the_line():
    def keep_large(x):
        return dk.sum(x[x > 1.0])

    x = np.array([0.5, 2.0, 3.0])
    with pytest.raises(dk.SymbolicControlFlowError, match=r"x\[x > 1.0\]"):
        dk.gradient(keep_large, x, method="symbolic")
    np.testing.assert_array_equal(dk.grad(keep_large)(x), [0.0, 1.0, 1.0])  # the tape follows the mask

    def keep_by_data(x, c):
        return dk.sum(x[c > 1.0])  # a mask on data is decided, so symbolic runs

    np.testing.assert_array_equal(dk.grad(keep_by_data, method="symbolic")(x, x), [0.0, 1.0, 1.0])


# --- comparisons are elementwise, as in NumPy, and a comparison used as a number is a mask ---------
COMPARING_METHODS = EXACT_METHODS + ("forward-mode", "symbolic-tape", "fd-complex")


@pytest.mark.parametrize("method", COMPARING_METHODS)
def test_equality_and_inequality_compare_values_elementwise(method):
    x = np.array([0.0, 1.0, 2.0])

    def drop_the_ones(x):
        return dk.sum(x * (x != 1.0))  # d/dx = the mask [1, 0, 1]

    def square_unless_one(x):
        return dk.sum(dk.where(x == 1.0, 0.0, x * x))  # the branch taken: 0 at x = 1, else 2x

    np.testing.assert_array_equal(dk.grad(drop_the_ones, method=method)(x), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(dk.grad(square_unless_one, method=method)(x), [0.0, 0.0, 4.0])


@pytest.mark.parametrize("method", COMPARING_METHODS + ("fd-central",))
def test_a_comparison_used_as_a_number_is_a_mask(method):
    def keep_above_half(x):
        return dk.sum(x * x * (x > 0.5))

    result = dk.gradient(keep_above_half, np.array([0.0, 1.0, 2.0]), method=method)
    assert result.value == pytest.approx(5.0)
    np.testing.assert_allclose(result.grad, [0.0, 2.0, 4.0], atol=1e-8)
