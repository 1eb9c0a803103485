"""np.piecewise: each function on the entries its condition selects, under every method."""

import numpy as np
import pytest

import diffkit as dk

NUMERIC = ("tape", "forward-mode", "fd-central", "fd-complex", "fd-richardson")
X = np.array([-1.0, 0.5, 2.0])
WEIGHTS = np.array([1.0, 2.0, 3.0])


def pieces(x):
    # -x below 0, x^2 above 1, 7 in between: the last function is for where no condition holds
    return dk.sum(np.piecewise(x, [x < 0, x > 1], [lambda t: -t, lambda t: t * t, 7.0]) * WEIGHTS)


@pytest.mark.parametrize("method", NUMERIC)
def test_each_piece_has_its_own_derivative(method):
    assert pieces(X) == 1 * 1.0 + 2 * 7.0 + 3 * 4.0  # NumPy's own run: [1, 7, 4]
    # d/dx of -x (weight 1), of a constant (weight 2), of x^2 at 2 (weight 3): -1, 0, 12
    np.testing.assert_allclose(dk.grad(pieces, method=method)(X), [-1.0, 0.0, 12.0], rtol=1e-6, atol=1e-9)


def test_a_later_condition_overrides_an_earlier_one_as_in_numpy():
    def overlapping(x):
        return dk.sum(np.piecewise(x, [x > 0, x > 1], [lambda t: 2 * t, lambda t: 3 * t]))

    # 0.5 takes 2x only; 2 takes both, the second wins: 3x
    assert overlapping(X) == np.sum(np.piecewise(X, [X > 0, X > 1], [lambda t: 2 * t, lambda t: 3 * t])) == 7.0
    np.testing.assert_allclose(dk.grad(overlapping)(X), [0.0, 2.0, 3.0])


def test_a_number_and_one_condition_that_is_not_a_list():
    def scalar(s):
        return np.piecewise(s, [s < 0], [lambda t: -t, lambda t: t ** 3])

    assert scalar(2.0) == 8.0
    assert dk.grad(scalar)(2.0) == 12.0  # 3 s^2
    assert dk.grad(scalar)(-1.5) == -1.0
    np.testing.assert_allclose(dk.grad(lambda x: dk.sum(np.piecewise(x, x > 0, [lambda t: t * 3])))(X), [0, 3, 3])


def test_the_compiled_gradient_recomputes_the_pieces_and_refuses_others():
    compiled = dk.compile_grad(pieces, X)
    np.testing.assert_allclose(compiled(X * 1.1), [-1.0, 0.0, 13.2])  # 2 * 2.2 * 3
    with pytest.raises(dk.ControlFlowChangedError):
        compiled(-X)


@pytest.mark.parametrize("method", ("symbolic", "symbolic-cse"))
def test_the_symbolic_methods_refuse_a_condition_on_symbols(method):
    with pytest.raises(dk.SymbolicControlFlowError, match=r"condition x\[0\] < 0 depends on the inputs"):
        dk.grad(pieces, method=method)(X)


def test_too_many_functions_is_named():
    with pytest.raises(dk.InputError, match=r"^dk\.piecewise got 1 conditions and 3 functions at .* give one function"):
        dk.grad(lambda x: dk.sum(np.piecewise(x, [x > 0], [1.0, 2.0, 3.0])))(X)
