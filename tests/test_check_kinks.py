"""dk.check_grad at non-differentiable points: what passes there, and what must not.

At a kink any value between the one-sided derivatives is a valid subgradient; a value
outside them is wrong, however the reference's own rounding noise is measured, and a
kink in one entry lends no slack to the others. Kinks make for coarse values (0.1
sign(w)), so the hint for a missing factor is tested here too.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit.check import CORRECT, KINK, WRONG


def l1(x):
    return dk.sum(dk.abs(x))


@pytest.mark.parametrize("scale", (1.0, 1e8))
def test_a_value_outside_the_one_sided_derivatives_at_a_kink_is_wrong(scale):
    # d|x|/dx at 0 lies in [-1, 1] (times the scale). Before, the tape's gradient stepping from 0 to -1
    # along the noise-measuring line was taken for rounding noise: every |yours| up to 1.9 * scale passed.
    report = dk.check_grad(lambda x: scale * l1(x), lambda x: np.array([1.5 * scale]), np.array([0.0]))
    assert not report and report.argument("x").verdict == WRONG
    assert any("lies outside the one-sided derivatives" in note for note in report.argument("x").notes)
    inside = dk.check_grad(lambda x: scale * l1(x), lambda x: np.array([0.5 * scale]), np.array([0.0]))
    assert inside and inside.argument("x").verdict == KINK


def test_a_kink_in_one_entry_lends_no_slack_to_the_others():
    # f = |x0| + (x1 - 5)^2 at (0, 5): df/dx1 = 0 exactly, so 1.5 is wrong there
    def f(x):
        return dk.abs(x[0]) + (x[1] - 5.0) ** 2

    point = np.array([0.0, 5.0])
    report = dk.check_grad(f, lambda x: np.array([0.0, 1.5]), point)
    assert not report
    assert report.argument("x").verdicts == [CORRECT, WRONG]
    assert dk.check_grad(f, lambda x: np.array([0.0, 0.0]), point).verdict == CORRECT
    four_kinks = dk.check_grad(l1, lambda x: np.array([0.0, 0.0, 0.0, 1.8]), np.zeros(4))
    assert not four_kinks and four_kinks.argument("x").verdicts[3] == WRONG


def test_rounding_noise_of_a_cancelling_gradient_still_passes_beside_a_kink():
    # Each column of x normalised by its mean and std sums to 0 whatever x is: the gradient is exactly 0,
    # which the tape computes as rounding noise. Beside it, in the same argument, |x[3, 1]| at 0: its
    # step along the noise-measuring line is a kink, left out of the noise, and 0 lies in [-1, 1].
    x = np.random.default_rng(1).standard_normal((4, 2))
    x[3, 1] = 0.0

    def f(x):
        centred = x - dk.mean(x, axis=0)
        return dk.sum(centred / dk.sqrt(dk.mean(dk.square(centred), axis=0))) + dk.abs(x[3, 1])

    tape = dk.grad(f)(x)
    assert np.any(tape != 0.0)  # the cancellation leaves rounding in the tape's 0s
    report = dk.check_grad(f, lambda x: np.zeros_like(x), x)
    assert report and report.argument("x").entries(WRONG) == []


def test_a_missing_factor_in_values_written_to_one_decimal_is_named_not_put_down_to_rounding():
    # d/dw 0.1 sum|w| = 0.1 sign(w); 0.2 sign(w) is a factor 2. Written to one decimal, 0.2 is within
    # a unit of 0.1, and the check suggested decimals=1, under which it passed.
    report = dk.check_grad(lambda w: 0.1 * dk.sum(dk.abs(w)), lambda w: 0.2 * np.sign(w), np.array([0.5, -1.0, 2.0]))
    assert not report
    notes = report.argument("w").notes
    assert notes == ["every entry of yours for w is 2 times diffkit's: a constant factor (a missing 2, 1/N or sign) "
                     "rather than a wrong formula"]


TIED = np.zeros((2, 2))  # max(x) at four equal entries: a subgradient is any split of 1 among them


@pytest.mark.parametrize("routed", ("mask of the maximum", "one and a half to one entry"))
def test_a_gradient_routed_whole_to_every_tied_maximum_is_wrong(routed):
    # Each entry alone may take any value in [0, 1] (its one-sided derivatives), but moved together
    # they change max(x) at rate 1: a subgradient's entries sum to 1. The mask (x == max) sums to 4.
    by_hand = (TIED == TIED.max()).astype(float) if routed == "mask of the maximum" else np.array([[1.0, 0.5], [0, 0]])
    report = dk.check_grad(lambda x: dk.max(x), lambda x: by_hand, TIED)
    assert not report and report.argument("x").verdicts == [WRONG] * 4
    total = float(by_hand.sum())
    assert (f"x[0,0], x[0,1], x[1,0], x[1,1] are one non-differentiable point (a tie): moved together they change f "
            f"at a rate between 1 and 1, but yours sum to {total:g} there") in report.argument("x").notes[0]


@pytest.mark.parametrize("split", ([[1.0, 0.0], [0.0, 0.0]], [[0.25, 0.25], [0.25, 0.25]], [[0.0, 0.5], [0.5, 0.0]]))
def test_a_gradient_split_among_tied_maxima_passes(split):
    assert dk.check_grad(lambda x: dk.max(x), lambda x: np.array(split), TIED)


def test_separate_kinks_keep_their_own_ranges():
    # relu(x0) - relu(x1) at (0, 0): each entry's own kink ([0, 1] and [-1, 0]); any pair of values
    # from them is a subgradient, (1, 0) too, though moved together f does not change
    assert dk.check_grad(lambda x: dk.relu(x[0]) - dk.relu(x[1]), lambda x: np.array([1.0, 0.0]), np.zeros(2))
    assert dk.check_grad(lambda x: dk.sum(dk.relu(x)), lambda x: np.array([1.0, 1.0, 0.5]), np.zeros(3))


class RowMax:
    """A max-pool over each row, with the classic backward that sends the gradient to every tied entry."""

    def forward(self, x):
        self.x = x
        return x.max(axis=1)

    def backward(self, upstream):
        return upstream[:, None] * (self.x == self.x.max(axis=1, keepdims=True))


def test_check_backward_finds_a_max_pool_that_routes_to_every_tie():
    x = np.array([[0.5, 0.5, -1.0], [2.0, 1.0, 0.0]])  # row 0 ties between its first two entries
    report = dk.check_backward(RowMax(), x, upstream=np.array([1.0, 1.0]))
    assert not report
    assert any("x[0,0], x[0,1] are one non-differentiable point (a tie)" in n for n in report.argument("x").notes)


def test_a_mask_of_zeros_and_ones_is_not_put_down_to_rounding():
    # d/dx sum(relu(x)) at (-1, 2) is (0, 1); the mask (x >= -1) gives (1, 1): written to 0 decimals,
    # within a unit of the right values, but a unit of 1 is the whole gradient
    report = dk.check_grad(lambda x: dk.sum(dk.relu(x)), lambda x: (x >= -1).astype(float), np.array([-1.0, 2.0]))
    assert not report and report.wrong_entries == ["x[0]"]
    assert not any("decimals" in note for note in report.argument("x").notes)


def pooled_relu(x):
    """Each row of relu(x) max-pooled: sum over rows of max(relu(x[i, 0]), relu(x[i, 1]))."""
    return dk.sum(dk.max(dk.relu(x).reshape(2, 2), axis=1))


@pytest.mark.parametrize("program, point, wrong, right", [
    # the reference routes the tie to x[0], so x[0] matches it and only x[1] is judged at the kink
    (lambda x: np.where(x[0] >= x[1], x[0], x[1]), [1.0, 1.0], [1.0, 1.0], [1.0, 0.0]),
    # a tie beside a separate kink (relu at 0) in the same argument
    (lambda x: dk.max(x[:2]) + dk.relu(x[2]), [1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.5, 0.5, 1.0]),
    # a max-pool of relu: row 0 ties at 1; row 1 holds relu's kink at 0 beside a -1
    (pooled_relu, [[1.0, 1.0], [-1.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]),
], ids=["reference-routes-to-one", "tie-beside-a-relu", "max-pool-of-relu"])
def test_a_tie_is_judged_as_one_among_other_kinks(program, point, wrong, right):
    point = np.array(point)
    report = dk.check_grad(program, lambda x: np.array(wrong), point)
    assert not report and any("are one non-differentiable point (a tie)" in note for note in report.argument("x").notes)
    assert dk.check_grad(program, lambda x: np.array(right), point)


def test_separate_kinks_beside_a_tie_keep_their_own_ranges():
    # relu(x0) - relu(x1) at (0, 0) with each relu's own convention (1 and 0), beside max(x2, x3) at a tie
    # routed to x2: a subgradient; summed as one group the four would have been called wrong
    def f(x):
        return dk.relu(x[0]) - dk.relu(x[1]) + dk.max(x[2:])

    assert dk.check_grad(f, lambda x: np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
