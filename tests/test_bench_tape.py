"""The tape's speed paths keep its behaviour: what nodes keep, the scalar operator path."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ops import elementwise
from diffkit.engines.tape import Tape, Traced, parameters_read


def _reads_locals(g, out, a, b):
    return locals()["a"]


def _captures_in_closure(g, out, a, b):
    def inner():
        return b

    return g * inner()


def _variadic(g, out, *args):
    return g


def test_parameters_read_finds_what_a_rule_uses():
    assert parameters_read(elementwise._add_vjp)[0] == {"g"}
    assert parameters_read(elementwise._multiply_vjp_a)[0] == {"g", "b"}
    assert parameters_read(elementwise._exp_vjp)[0] == {"g", "out"}
    assert parameters_read(elementwise._tanh_vjp)[0] == {"g", "x"}  # 1 - out**2 would cancel
    assert parameters_read(_captures_in_closure)[0] == {"g", "b"}
    assert parameters_read(_reads_locals) is None
    assert parameters_read(_variadic) is None
    assert parameters_read(np.add) is None


def test_nodes_keep_only_what_their_rules_read():
    x = np.array([0.5, -1.0])
    with Tape() as tape:
        leaf = tape.leaf(x)
        y = dk.exp(leaf + 1.0)
        z = y * 3.0
    add_node, exp_node, multiply_node = tape.nodes[1:]
    assert add_node[2] == (None, None) and add_node[4] is None
    assert exp_node[2] == (None,) and exp_node[4] is y.value
    # multiply's two rules read each other's operand: both kept, the output not.
    assert multiply_node[2][0] is y.value and multiply_node[2][1] == 3.0 and multiply_node[4] is None
    (grad,) = tape.backward(z, np.ones(2), [leaf])
    np.testing.assert_allclose(grad, 3.0 * np.exp(x + 1.0), rtol=1e-15)


@pytest.mark.parametrize("a, b", [(np.float64(1.5), 2.0), (2.0, np.float64(-0.25)), (np.float64(3.0), 4)])
def test_operators_on_numpy_scalars_give_what_the_ufunc_gives(a, b):
    with Tape() as tape:
        ta, tb = tape.leaf(a), tape.leaf(b)
        results = [ta + tb, ta - tb, ta * tb, tb - ta, -ta]
    expected = [np.add(a, b), np.subtract(a, b), np.multiply(a, b), np.subtract(b, a), np.negative(a)]
    for result, value in zip(results, expected):
        assert type(result.value) is type(value) and result.value == value


def test_python_floats_still_go_through_numpy():
    with Tape() as tape:
        x = tape.leaf(2.0)
        y = x * 3.0
    assert type(y.value) is np.float64 and y.value == 6.0


def test_a_second_backward_gives_the_same_gradient():
    with Tape() as tape:
        x = tape.leaf(np.float64(0.3))
        y = x * x + x * 2.0
    first = tape.backward(y, 1.0, [x])
    assert tape.backward(y, 1.0, [x]) == first == [pytest.approx(2 * 0.3 + 2.0, abs=1e-15)]


def test_nested_tapes_differentiate_twice():
    # d/dx of d/dx (x**3) = 6x; the inner tape records on values of the outer one.
    with Tape() as outer:
        x = outer.leaf(np.float64(1.5))
        with Tape() as inner:
            y = inner.leaf(x)
            cube = y * y * y
        (dy,) = inner.backward(cube, 1.0, [y])
        assert isinstance(dy, Traced) and dy._tape is outer
    (second,) = outer.backward(dy, 1.0, [x])
    assert second == pytest.approx(6 * 1.5, abs=1e-14)
    assert dy.value == pytest.approx(3 * 1.5**2, abs=1e-14)
