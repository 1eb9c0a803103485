"""dk.trace records on the tape and reads its numbers from the tape's own backward pass.

So a trace's gradient is ``dk.grad``'s to the last bit: on every zoo program, and where a
branch not taken holds an infinity (the defect of the view's former private backward pass,
which gave NaN for ``where(p > 0, p log p, 0)`` at p = 0).
"""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.containers import flatten
from diffkit.engines.tape import Tape, active_tapes


def assert_same_bits(got, want):
    """Same structure, dtypes and values, NaN where NaN: equality to the last bit."""
    got_leaves, got_tree = flatten(got)
    want_leaves, want_tree = flatten(want)
    assert got_tree == want_tree
    for a, b in zip(got_leaves, want_leaves, strict=True):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), (a, b)


@pytest.mark.parametrize("program", dk.zoo(), ids=lambda program: program.name)
def test_trace_gradient_is_the_tape_gradient_bit_for_bit_on_every_zoo_program(program):
    # max_nodes: particle's Euler loop runs hundreds of steps; agreement, not drawing, is tested here
    trace = dk.trace(program.function, *program.args, argnums=program.argnums, max_nodes=100_000)
    assert_same_bits(trace.grad, dk.grad(program.function, argnums=program.argnums)(*program.args))


def entropy(p):
    return dk.sum(dk.where(p > 0, p * dk.log(p), 0.0))


def capped_exp(x):  # exp(1000) overflows to inf on the branch not taken
    return dk.where(x < 100.0, dk.exp(x), 0.0)


def last_entries(p):  # indexing leaves p[0] log p[0] = NaN out of the output
    return dk.sum((p * dk.log(p))[1:])


def sqrt_branch(x):  # sqrt(-1) is NaN on the branch taken: a NaN the program really computes
    return dk.sum(dk.where(x > 0, x, dk.sqrt(x)))


CASES = [
    (entropy, np.array([0.0, 0.5]), [0.0, 1.0 - math.log(2.0)]),
    (capped_exp, 1000.0, 0.0),
    (capped_exp, 0.0, 1.0),
    (last_entries, np.array([0.0, 0.5]), [0.0, 1.0 - math.log(2.0)]),
    (sqrt_branch, np.array([-1.0, 1.0]), [math.nan, 1.0]),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's log(0), exp overflow and sqrt(-1)
@pytest.mark.parametrize("program, x, expected", CASES, ids=lambda case: getattr(case, "__name__", None))
def test_infinities_on_branches_not_taken_trace_as_the_tape_differentiates_them(program, x, expected):
    trace = dk.trace(program, x)
    # d/dp (p log p) = log p + 1 where p > 0, and 0 where the branch is not taken.
    np.testing.assert_array_equal(trace.grad, expected)
    assert_same_bits(trace.grad, dk.grad(program)(x))


def test_a_float32_program_with_an_output_of_size_one_gets_the_same_bits():
    def program(x):
        return dk.sum(dk.tanh(x) * x, keepdims=True)  # shape (1,): the seed is the tape method's own

    x = np.array([0.3, -1.2], dtype=np.float32)
    assert_same_bits(dk.trace(program, x).grad, dk.grad(program)(x))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_drawing_of_the_entropy_shows_no_nan_where_no_gradient_flows():
    trace = dk.trace(entropy, np.array([0.0, 0.5]))
    log_node = next(node for node in trace.operations if node.op == "log")
    np.testing.assert_array_equal(log_node.grad, [0.0, 0.5])  # g * p with g = 1 only where p > 0
    for step in trace.backward_steps():
        for down in step.downstream:
            assert not np.isnan(np.asarray(down, dtype=float)).any()


def test_the_hook_reports_upstream_and_downstream_in_the_order_of_the_pass():
    # Example 1 of the notes: f = (x + y) z at x = -2, y = 5, z = -4.
    with Tape() as tape:
        x, y, z = (tape.leaf(np.float64(v)) for v in (-2.0, 5.0, -4.0))
        q = x + y
        f = q * z
    visits = []
    grads = tape.backward(f, 1.0, [x, y, z], on_node=lambda index, g, sent: visits.append((index, g, sent)))
    assert visits == [(f._node, 1.0, [-4.0, 3.0]), (q._node, -4.0, [-4.0, -4.0])]
    assert grads == [-4.0, -4.0, 3.0] == tape.backward(f, 1.0, [x, y, z])


def test_keep_all_keeps_the_values_a_plain_tape_drops():
    def program(tape):
        x = tape.leaf(np.array([1.0, 2.0]))
        return x, dk.exp(x + 1.0)

    with Tape() as plain:
        program(plain)
    with Tape(keep_all=True) as kept:
        x, out = program(kept)
    # add's rules read neither operand; exp's reads its output only.
    assert plain.nodes[1][2] == (None, None) and plain.nodes[2][2] == (None,)
    np.testing.assert_array_equal(kept.nodes[1][2][0], [1.0, 2.0])
    assert kept.nodes[1][2][1] == 1.0
    np.testing.assert_array_equal(kept.nodes[2][2][0], [2.0, 3.0])
    np.testing.assert_array_equal(kept.nodes[2][4], np.exp([2.0, 3.0]))
    # The same backward pass, both ways: d/dx sum exp(x + 1) = exp(x + 1).
    (grad,) = kept.backward(out, np.ones(2), [x])
    np.testing.assert_allclose(grad, np.exp([2.0, 3.0]), rtol=1e-15)


def test_data_arguments_are_drawn_but_the_pass_is_the_one_with_data_as_constants():
    def scaled(w, X):
        return dk.sum(dk.tanh((X / 4.0) @ w))  # X / 4 is computed from data only

    w, X = np.array([0.5, -1.0]), np.array([[1.0, 2.0], [3.0, -1.0]])
    trace = dk.trace(scaled, w, X, argnums=0)
    assert trace.node("X").kind == "data" and trace.node("X").grad is None
    assert trace.node("/ 4").grad is None  # no gradient is sent into what only data computed
    assert_same_bits(trace.grad, dk.grad(scaled)(w, X))
    assert [step.node.label for step in trace.backward_steps()] == ["sum", "tanh", "@"]


def test_a_refused_trace_leaves_no_tape_recording():
    with pytest.raises(dk.UnsupportedError, match="more than 2 operations"):
        dk.trace(lambda x: dk.sin(dk.sin(dk.sin(x))), 0.5, max_nodes=2)
    assert active_tapes() == 0
