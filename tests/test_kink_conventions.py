"""dk.kinks("zero" | "one" | "mean"): one convention at every kink, in every method at once.

Expected slopes are the convention's definition (diffkit/core/kinks.py): relu'(0) and each
side of a tie in maximum take heaviside(0) = 0, 1 or 1/2; abs'(0) is 0, 1 or 0. Finite
differences cannot be told: central differences and Richardson measure the mean of the
one-sided slopes, forward differences the right-hand slope, whatever the setting, and the
complex step refuses a non-analytic op. That is asserted too, so it stays documented.
"""

import numpy as np
import pytest

import diffkit as dk

CONVENTIONS = {"zero": (0.0, 0.0, 0.0), "one": (1.0, 1.0, 1.0), "mean": (0.5, 0.0, 0.5)}  # relu, abs, max tie
EXACT = ("tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape")
SEEN_BY_DIFFERENCES = {"fd-central": (0.5, 0.0, 0.5), "fd-richardson": (0.5, 0.0, 0.5), "fd-forward": (1.0, 1.0, 1.0)}


def relu(x):
    return dk.relu(x)


def absolute(x):
    return dk.abs(x)


def tie(a, b):
    return dk.maximum(a, b)


def slopes(method):
    return (dk.grad(relu, method=method)(0.0), dk.grad(absolute, method=method)(0.0),
            dk.grad(tie, argnums=(0, 1), method=method)(1.0, 1.0))


def test_all_nine_methods_are_covered():
    assert sorted(EXACT + tuple(SEEN_BY_DIFFERENCES) + ("fd-complex",)) == sorted(dk.methods())


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("method", EXACT)
def test_exact_methods_give_the_set_value(convention, method):
    relu_slope, abs_slope, max_slope = CONVENTIONS[convention]
    with dk.kinks(convention):
        got_relu, got_abs, got_tie = slopes(method)
    assert got_relu == relu_slope and got_abs == abs_slope
    assert tuple(got_tie) == (max_slope, max_slope)


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("method", SEEN_BY_DIFFERENCES)
def test_finite_differences_see_what_the_function_does_whatever_the_setting(convention, method):
    relu_slope, abs_slope, max_slope = SEEN_BY_DIFFERENCES[method]
    with dk.kinks(convention):
        got_relu, got_abs, got_tie = slopes(method)
    assert got_relu == pytest.approx(relu_slope, abs=1e-9) and got_abs == pytest.approx(abs_slope, abs=1e-9)
    assert np.allclose(got_tie, (max_slope, max_slope), atol=1e-9)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_the_complex_step_refuses_a_kink(convention):
    with dk.kinks(convention), pytest.raises(dk.NonAnalyticError, match="not analytic"):
        dk.grad(relu, method="fd-complex")(0.0)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_the_trace_and_its_step_table_follow(convention):
    relu_slope, abs_slope, max_slope = CONVENTIONS[convention]
    with dk.kinks(convention):
        assert dk.trace(relu, 0.0).grad == relu_slope
        assert dk.trace(absolute, 0.0).grad == abs_slope
        graph = dk.trace(tie, 1.0, 1.0)
    assert graph.grad == (max_slope, max_slope)
    assert graph.backward_steps()[0].local == [max_slope, max_slope]


@pytest.mark.parametrize("convention, expected", [("zero", (0.1, 2.0)), ("one", (1.0, 1.0)), ("mean", (0.55, 1.5))])
def test_leaky_relu_and_elu_weigh_their_slopes_by_the_step(convention, expected):
    # (1 - h) alpha + h: leaky_relu with alpha 0.1, elu with alpha 2
    def leaky(x):
        return dk.leaky_relu(x, alpha=0.1)

    def elu(x):
        return dk.elu(x, alpha=2.0)

    with dk.kinks(convention):
        for method in EXACT:
            assert (dk.grad(leaky, method=method)(0.0), dk.grad(elu, method=method)(0.0)) == expected, method


def test_the_heaviside_op_and_sympys_heaviside_take_the_value_too():
    import sympy

    with dk.kinks("zero"):
        assert dk.heaviside(0.0) == 0.0
        assert dk.gradient(lambda x: x * dk.heaviside(x), 0.0, method="symbolic").grad == 0.0
    with dk.kinks("one"):
        assert dk.heaviside(np.zeros(2)).tolist() == [1.0, 1.0]
        result = dk.gradient(relu, 0.0, method="symbolic")
    assert result.grad == 1.0
    steps = result.expressions["grad"][0].atoms(sympy.Heaviside)
    assert [step.args[1] for step in steps] == [1]  # SymPy's Heaviside(x, H0) with H0 = 1


def test_the_setting_comes_back_after_the_block_also_on_an_error():
    assert dk.kink_convention() == "mean"
    with pytest.raises(ZeroDivisionError):
        with dk.kinks("zero"):
            assert dk.kink_convention() == "zero"
            1 / 0
    assert dk.kink_convention() == "mean" and dk.grad(relu)(0.0) == 0.5


def test_an_unknown_convention_is_refused():
    with pytest.raises(dk.InputError, match=r"unknown kink convention 'left': use one of 'zero', 'one', 'mean'"):
        with dk.kinks("left"):
            pass


def test_the_lecture_programs_closed_forms_follow():
    with dk.kinks("zero"):
        program = dk.get_program("lecture-06-relu-backward", x=(1.0, 0.0, 3.0, -1.0))
        assert program.exact_grad(*program.args).tolist() == [4.0, 0.0, 5.0, 0.0]
        assert dk.grad(program.function)(*program.args).tolist() == [4.0, 0.0, 5.0, 0.0]


@pytest.mark.parametrize("convention, share", [("mean", 0.5), ("one", 1.0), ("zero", 0.0)])
@pytest.mark.parametrize("method", ["tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape"])
def test_a_tie_in_a_max_reduction_takes_the_set_value_as_a_tie_of_maximum_does(convention, share, method):
    x = np.array([1.0, 3.0, 3.0, 2.0])
    with dk.kinks(convention):
        reduced = dk.grad(lambda v: dk.max(v), method=method)(x)
        pairwise = dk.grad(lambda v: dk.maximum(v[1], v[2]), method=method)(x)
        single = dk.grad(lambda v: dk.min(v), method=method)(x)  # one minimum: no kink
    assert reduced.tolist() == [0.0, share, share, 0.0] == pairwise.tolist()
    assert single.tolist() == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("convention, share", [("mean", 1 / 3), ("one", 1.0), ("zero", 0.0)])
@pytest.mark.parametrize("method", ["tape", "forward-mode", "symbolic", "symbolic-cse", "symbolic-tape"])
def test_a_tie_of_three_in_a_max_reduction_follows_the_convention(convention, share, method):
    """"mean": 1/k to each of k tied entries; "one": 1 to each; "zero": nothing (a lone extremum 1)."""
    x = np.array([[1.0, 3.0, 3.0, 3.0], [0.0, -1.0, -1.0, -1.0]])
    with dk.kinks(convention):
        by_row = dk.grad(lambda v: dk.sum(dk.max(v, axis=1) * np.array([1.0, 2.0])), method=method)(x)
        by_row_min = dk.grad(lambda v: dk.sum(dk.min(v, axis=1, keepdims=True)), method=method)(x)
    assert np.allclose(by_row, [[0, share, share, share], [2, 0, 0, 0]], rtol=1e-15, atol=0)
    assert np.allclose(by_row_min, [[1, 0, 0, 0], [0, share, share, share]], rtol=1e-15, atol=0)
