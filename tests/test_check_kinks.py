"""dk.check_grad at non-differentiable points: what passes there, and what must not.

At a kink any value between the one-sided derivatives is a valid subgradient; a value
outside them is wrong, however the reference's own rounding noise is measured, and a
kink in one entry lends no slack to the others.
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
