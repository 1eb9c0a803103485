"""diffkit.testing.assert_grad_close: a failing course test shows the report's table."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.testing import assert_backward_close, assert_grad_close


def softplus_sum(x):
    return dk.sum(dk.log(1 + dk.exp(x)))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


X = np.array([[0.5, -1.0], [2.0, 0.25]])


def test_passes_and_returns_the_report():
    report = assert_grad_close(softplus_sum, sigmoid, X)
    assert report and report.verdict == "correct"


def test_failure_message_is_the_text_table():
    def off_in_one_entry(x):
        g = sigmoid(x)
        g[1, 0] *= 1.01
        return g

    with pytest.raises(AssertionError) as caught:
        assert_grad_close(softplus_sum, off_in_one_entry, X)
    message = str(caught.value)
    assert "gradient check of softplus_sum: WRONG" in message
    row = next(line for line in message.splitlines() if line.strip().startswith("x[1,0]"))
    assert row.rstrip().endswith("wrong")
    assert "pass rule:" in message


def test_options_are_passed_through():
    def half(x):
        return sigmoid(x) / 2

    assert_grad_close(softplus_sum, half, X, rtol=0.6)
    with pytest.raises(AssertionError):
        assert_grad_close(softplus_sum, half, X, mode="random", seed=1)
    with pytest.raises(dk.InputError, match=r"^rtol must be a positive number .*; got 'a'$"):
        assert_grad_close(softplus_sum, half, X, rtol="a")  # a usage error, not a failed assertion


class Square:
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, dout):
        return dout * self.x  # the 2 is missing


def test_assert_backward_close():
    with pytest.raises(AssertionError, match="backward check of Square: WRONG"):
        assert_backward_close(Square(), np.array([1.0, -2.0]))


def test_a_misspelt_option_is_an_input_error_with_the_closest_name():
    with pytest.raises(dk.InputError, match=(
        r"^assert_grad_close has no option 'rtoll' \(did you mean 'rtol'\?\); its options are those of "
        r"check_grad: argnums, methods, rtol, atol, mode, seed, directions, shown, decimals$"
    )):
        assert_grad_close(softplus_sum, sigmoid, X, rtoll=1e-3)
    with pytest.raises(dk.InputError, match=r"^assert_backward_close has no option 'upstrem' \(did you mean "
                                            r"'upstream'\?\); its options are those of check_backward: upstream, "):
        assert_backward_close((lambda x: (2 * x, None), lambda dout, cache: 2 * dout), X, upstrem=np.ones((2, 2)))
