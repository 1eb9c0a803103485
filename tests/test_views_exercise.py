"""dk.exercise: full marks for right answers, named feedback for each planted mistake, decimals honoured.

Expected values are the notes' (example 1: df/dq = -4, df/dz = 3, df/dx = df/dy = -4) or
derived by hand: sigma'(1) = e / (1 + e)^2 = 0.196612, so the gate-by-gate neuron's
df/dx = 2 sigma'(1) = 0.393224 and df/dw = -sigma'(1).
"""

import math

import numpy as np
import pytest

import diffkit as dk

SIGMA_PRIME_1 = math.e / (1.0 + math.e) ** 2


def add_multiply(x, y, z):
    q = x + y
    return q * z


def neuron_gates(w, x, b):
    return 1.0 / (1.0 + dk.exp(-(w * x + b)))


def fan_out(x):
    return 4.0 * x + 2.0 * x


def test_a_full_set_of_right_answers_scores_full_marks():
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="all")
    assert ex.max_score == 12  # upstream of step 2, 4 locals, 4 downstreams, 3 input gradients
    answers = {(2, "upstream"): -4, (1, "+", "local"): -4, (1, "z", "local"): 3, (1, "+", "downstream"): -4,
               (1, "z", "downstream"): 3, (2, "x", "local"): 1, (2, "y", "local"): 1, (2, "x", "downstream"): -4,
               (2, "y", "downstream"): -4, ("grad", "x"): -4, ("grad", "y"): -4, ("grad", "z"): 3}
    feedback = ex.answer(answers)
    assert all(feedback) and len(feedback) == 12
    assert ex.score() == 12 and ex.check() and not ex.missing() and not ex.wrong()
    assert "12 of 12 points" in str(ex)


def test_unanswered_and_wrong_blanks_score_nothing_and_check_says_which():
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="downstream", points=2)
    ex.answer(step=1, input="z", downstream=3.0)
    ex.answer(step=2, input="x", downstream=4.0)
    assert ex.score() == 2 and ex.max_score == 8
    with pytest.raises(AssertionError, match=r"2 of 8 points; step 1, \+, downstream: not answered; .*"
                                              r"step 2, x, downstream: wrong\. sign slip"):
        ex.check()


def test_a_sign_slip_is_named():
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="downstream")
    feedback = ex.answer(step=2, input="y", downstream=4.0)
    assert not feedback and feedback.slip == "sign" and "sign slip" in str(feedback)


def test_a_forgotten_upstream_gradient_is_named():
    ex = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="downstream")
    # step 6 is the multiply w * x: local gradient of x is w = 2, upstream sigma'(1)
    feedback = ex.answer(step=6, input="x", downstream=2.0)
    assert feedback.slip == "forgot upstream" and "forgot the upstream gradient" in feedback.message


def test_a_fan_out_whose_paths_were_not_added_is_named():
    ex = dk.exercise(fan_out, 1.0, hide="upstream")
    feedback = ex.answer(input="x", grad=4.0)  # only the path through 4x
    assert feedback.slip == "fan-out" and "fan-out not added" in feedback.message
    assert ex.answer(input="x", grad=6.0)


def test_a_value_rounded_too_early_is_named_as_the_notes_slip():
    ex = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="all", decimals=3)
    assert ex.answer(step=6, upstream=0.197)  # the upstream to 3 decimals: right
    feedback = ex.answer(step=6, input="x", downstream=0.394)  # 0.197 x 2, the notes' df/dx
    assert feedback.slip == "rounded early"
    assert "0.197 x 2 used your 0.197" in feedback.message
    fresh = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="downstream", decimals=3)
    feedback = fresh.answer(step=6, input="x", downstream=0.394)
    assert feedback.slip == "rounded early" and "0.197 x 2 used the rounded 0.197" in feedback.message


def test_decimals_are_honoured():
    exact = 2.0 * SIGMA_PRIME_1  # 0.39322...
    three = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="downstream", decimals=3)
    assert three.answer(step=6, input="x", downstream=0.393)
    assert three.answer(step=6, input="x", downstream=round(exact, 6))
    short = three.answer(step=6, input="x", downstream=0.39)
    assert not short and short.slip == "precision" and "3 are asked" in short.message
    two = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="downstream", decimals=2)
    assert two.answer(step=6, input="x", downstream=0.39)
    assert not two.answer(step=6, input="x", downstream=0.40)  # the prose's 0.40 is wrong to two decimals too
    free = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="downstream")  # no decimals: what is written must hold
    assert free.answer(step=6, input="w", downstream=-0.1966)
    vague = free.answer(step=6, input="w", downstream=-0.2)
    assert not vague and vague.slip == "precision"


def test_typed_answers_keep_the_decimals_as_typed():
    # d(x y + sin x)/dx through sin at x = 1 is cos(1) = 0.540302: "0.540" gives its 3 decimals
    ex = dk.exercise(lambda x, y: x * y + dk.sin(x), 1.0, 2.0, hide="local")
    assert ex.answer(step=2, input="x", local="0.540")
    short = ex.answer(step=2, input="x", local="0.54")
    assert short.message == "right to the 2 decimals you wrote, but give 3 significant digits (3 decimals here)"
    # df/dx = 0.393224: "0.3930" claims 4 decimals and is wrong in the fourth (read as 0.393, it passed)
    free = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="downstream")
    assert not free.answer(step=6, input="x", downstream="0.3930")
    assert free.answer(step=6, input="x", downstream="0.3932") and free.answer(step=6, input="x", downstream="0.393")


def test_a_multiply_gate_that_was_not_swapped_is_named():
    ex = dk.exercise(neuron_gates, 2.0, -1.0, 3.0, hide="local")
    feedback = ex.answer(step=6, input="x", local=-1.0)  # x itself, not w
    assert feedback.slip == "swapped" and ex.answer(step=6, input="x", local=2.0)


def test_array_answers_transposed_or_not_summed_over_the_batch():
    def layer(x, W, b):
        return dk.sum(dk.tanh(x @ W + b))

    x = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]])
    W = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
    b = np.array([0.1, 0.0, -0.1])
    ex = dk.exercise(layer, x, W, b, hide="downstream")
    adds = [n for n, step in enumerate(ex.steps, start=1) if step.node.label == "+"][0]
    d_pre = ex.steps[adds - 1].upstream  # the gradient at x W + b, a 3 x 3 array
    batch = ex.answer(step=adds, input="b", downstream=d_pre)  # not summed over the 3 examples
    assert batch.slip == "batch" and "sum the gradient over the batch" in batch.message
    assert ex.answer(step=adds, input="b", downstream=d_pre.sum(axis=0))
    matmul = [n for n, step in enumerate(ex.steps, start=1) if step.node.label == "@"][0]
    dW = x.T @ d_pre
    assert ex.answer(step=matmul, input="W", downstream=dW.T).slip == "transposed"
    assert ex.answer(step=matmul, input="W", downstream=dW)


def test_a_number_given_in_brackets_is_not_called_a_batch():
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="downstream")
    bracketed = ex.answer(step=2, input="x", downstream=[-4])
    assert not bracketed and bracketed.slip == "shape"
    assert bracketed.message == ("this gradient is a single number, like the value it belongs to; give it without "
                                 "brackets (yours has shape (1,))")


def test_the_solution_and_the_table_show_every_value():
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="downstream")
    assert "?" in str(ex) and "?" not in str(ex.solution())
    assert "-4" in str(ex.solution()) and "<table>" in ex.solution()._repr_html_()
    assert ex._repr_html_().count("background:#eeeeee") == 4  # four blanks, none answered


def test_exercises_follow_the_kink_convention():
    def relu_at(x):
        return dk.sum(dk.relu(x))

    for convention, slope in (("zero", 0.0), ("one", 1.0), ("mean", 0.5)):
        with dk.kinks(convention):
            ex = dk.exercise(relu_at, np.array([0.0, 2.0]), hide="local")
        assert ex.answer(step=2, input=0, local=[slope, 1.0]), convention


@pytest.mark.parametrize("call, message", [
    (lambda ex: ex.answer(step=9, input="x", downstream=1.0), "step must be a step number from 1 to 2"),
    (lambda ex: ex.answer(step=2, input="w", downstream=1.0), r"step 2 \(\+\) has no input 'w'; its inputs are x, y"),
    (lambda ex: ex.answer(step=2, upstream=-4.0), "is not a blank of this exercise"),
    (lambda ex: ex.answer(), "say what you answer"),
    (lambda ex: ex.answer({"x": 1}), "cannot read the answer key 'x'"),
    (lambda ex: ex.answer(step=2, input="x", downstream="minus four"), "cannot read 'minus four' as a number"),
])
def test_bad_answers_are_clear_errors(call, message):
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="downstream")
    with pytest.raises(dk.InputError, match=message):
        call(ex)


def test_bad_settings_are_refused():
    with pytest.raises(dk.InputError, match="hide must be one of"):
        dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="gradients")
    with pytest.raises(dk.InputError, match="decimals must be a whole number"):
        dk.exercise(add_multiply, -2.0, 5.0, -4.0, decimals=2.5)


@pytest.mark.parametrize("points", (float("nan"), float("inf")))
def test_points_must_be_finite_and_positive(points):
    with pytest.raises(dk.InputError, match=r"points must be a finite positive number per blank \(e.g. points=1\), "
                                            f"got {points!r}"):
        dk.exercise(add_multiply, -2.0, 5.0, -4.0, points=points)


@pytest.mark.parametrize("f, args, hide, seed", [
    (lambda W, x: W @ x, (np.eye(2), np.ones(2)), "local", [1.0, 1.0]),  # @'s local gradient is a Jacobian
    (lambda x: x, (1.0,), "downstream", None),  # no operation, so no step
])
def test_an_exercise_with_nothing_to_fill_in_is_refused(f, args, hide, seed):
    with pytest.raises(dk.InputError, match=f"hide='{hide}' leaves nothing to fill in: .* Hide other cells, "
                                            "e.g. hide='all'"):
        dk.exercise(f, *args, hide=hide, seed=seed)


def test_the_form_answers_through_the_same_feedback():
    pytest.importorskip("ipywidgets")
    ex = dk.exercise(add_multiply, -2.0, 5.0, -4.0, hide="downstream")
    form = ex.form()
    rows = form.children[1:-1]
    assert len(rows) == 4
    rows[0].children[1].value = "-4"
    rows[1].children[1].value = "-3"
    form.children[-1].children[0].click()
    assert ex.score() == 1 and ex.feedback[(1, 1, "downstream")].slip == "sign"
    assert "1 of 4 points" in form.children[-1].children[1].value


@pytest.mark.parametrize("hide", (None, 3, ["local", 4]))
def test_hide_that_names_no_field_is_refused(hide):
    with pytest.raises(dk.InputError, match=r"hide must be one of 'local', 'downstream', 'upstream', 'all'"):
        dk.exercise(lambda x: x * x, 1.0, hide=hide)


def test_hide_may_be_any_collection_of_field_names():
    assert dk.exercise(lambda x: x * x, 1.0, hide=frozenset({"local"})) is not None
