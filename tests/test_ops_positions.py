"""np.nonzero, np.argwhere, np.flatnonzero and np.where(condition) under every method.

The positions are plain integers read from the values; indexing with them selects the
entries, whose derivative is 1 where selected and 0 elsewhere (times the outer derivative).
"""

import numpy as np
import pytest

import diffkit as dk

NUMERIC = ("tape", "forward-mode", "fd-central", "fd-complex", "fd-richardson")
X = np.array([1.0, -2.0, 3.0])
M = np.array([[1.0, -2.0], [3.0, -0.5]])


def positive_by_where(x):
    return dk.sum(x[np.where(x > 0)] ** 2)


def positive_by_nonzero(x):
    return dk.sum(x[np.nonzero(x > 0)] ** 2)


def positive_by_method(x):
    return dk.sum(x[(x > 0).nonzero()] ** 2)


def positive_by_argwhere(x):
    rows = np.argwhere(x > 0)
    return dk.sum(x[tuple(rows.T)] ** 2)


def positive_by_flatnonzero(x):
    return dk.sum(dk.ravel(x)[np.flatnonzero(x > 0)] ** 2)


PROGRAMS = (positive_by_where, positive_by_nonzero, positive_by_method, positive_by_argwhere, positive_by_flatnonzero)


@pytest.mark.parametrize("method", NUMERIC)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_the_positive_entries_selected_by_position_carry_their_derivative(program, method):
    # sum of squares of the positive entries: value 1 + 9 = 10, derivative 2x there and 0 elsewhere
    assert program(M) == 10.0
    np.testing.assert_allclose(dk.grad(program, method=method)(M), [[2.0, 0.0], [6.0, 0.0]], rtol=1e-6)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_the_compiled_gradient_recomputes_the_positions_and_refuses_others(program):
    compiled = dk.compile_grad(program, M)
    np.testing.assert_allclose(compiled(M * 1.5), [[3.0, 0.0], [9.0, 0.0]])  # the same entries are positive
    with pytest.raises(dk.ControlFlowChangedError, match=r"read a position computed from its arguments"):
        compiled(-M)  # the other entries are


@pytest.mark.parametrize("method", ("symbolic", "symbolic-cse", "symbolic-tape"))
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_the_symbolic_methods_cannot_decide_a_condition_on_symbols(program, method):
    with pytest.raises(dk.SymbolicControlFlowError, match=r"condition .* > 0 depends on the inputs"):
        dk.grad(program, method=method)(M)


def test_the_positions_of_a_value_itself_are_its_nonzero_entries():
    def squares_of_the_nonzero(x):
        return dk.sum(x[np.nonzero(x)] ** 2)

    x = np.array([1.0, 0.0, 3.0])
    for method in ("tape", "forward-mode", "fd-central", "fd-complex"):
        # the sum of squares of every entry (a zero adds nothing): 2x, 0 at the zero entry either way
        np.testing.assert_allclose(dk.grad(squares_of_the_nonzero, method=method)(x), [2.0, 0.0, 6.0], atol=1e-9)


def test_the_positions_are_numpys_own():
    def positions(x):
        return np.argwhere(x > 0), np.nonzero(x > 0), np.flatnonzero(x > 0)

    from diffkit.engines.tape import Tape

    with Tape() as tape:
        (traced,) = tape.leaves([M])
        rows, pair, flat = positions(traced)
    np.testing.assert_array_equal(rows, [[0, 0], [1, 0]])
    assert len(pair) == 2
    np.testing.assert_array_equal(pair[0], [0, 1])
    np.testing.assert_array_equal(pair[1], [0, 0])
    np.testing.assert_array_equal(flat, [0, 2])


def test_nonzero_of_a_number_is_refused_as_numpy_refuses_it():
    with pytest.raises(dk.ShapeError, match=r"dk\.nonzero: got a number .*dk\.atleast_1d"):
        dk.nonzero(np.float64(2.0))
