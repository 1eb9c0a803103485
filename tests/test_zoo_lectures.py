"""The lecture programs reproduce the numbers the notes print (seeds README, examples 1-14, 16)."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.programs import compare_with_notes, intermediates, mismatches

METHODS = ("tape", "symbolic", "fd-central")


def grads(program, method):
    result = program.gradient(method)
    return result.value, result.grad


@pytest.mark.parametrize("method", METHODS)
def test_example_1_add_multiply(method):
    program = dk.get_program("lecture-01-add-multiply")
    value, (dx, dy, dz) = grads(program, method)
    assert value == -12.0
    assert (dx, dy, dz) == pytest.approx((-4.0, -4.0, 3.0), abs=1e-9)
    found = intermediates(program)
    assert found.forward["q"] == 3.0 and found.backward["q"] == -4.0


@pytest.mark.parametrize("grouping", ["sigmoid", "gates"])
@pytest.mark.parametrize("method", METHODS)
def test_example_2_sigmoid_neuron_both_groupings(grouping, method):
    program = dk.get_program("lecture-02-sigmoid-neuron", grouping=grouping)
    value, grad = grads(program, method)
    assert value == pytest.approx(0.7310585786, abs=5e-11)
    assert np.round(grad, 5).tolist() == [-0.19661, 0.39322, -0.39322, -0.58984, 0.19661]
    assert intermediates(program).backward["d3"] == pytest.approx(0.1966119332, abs=5e-11)


def test_example_2_groupings_give_the_same_gradient():
    one_node = dk.get_program("lecture-02-sigmoid-neuron").gradient().grad
    four_gates = dk.get_program("lecture-02-sigmoid-neuron", grouping="gates").gradient().grad
    np.testing.assert_allclose(one_node, four_gates, rtol=1e-15)


def test_example_3_gate_by_gate_values_and_gradients():
    program = dk.get_program("lecture-03-sigmoid-gates")
    found = intermediates(program)
    printed_forward = {"a": -2.0, "c": 1.0, "d": -1.0, "e": 0.368, "g": 1.368, "f": 0.731}
    for name, printed in printed_forward.items():
        assert round(found.forward[name], 3) == printed
    printed_backward = {"g": -0.534, "e": -0.534, "d": -0.197, "c": 0.197, "a": 0.197}
    for name, printed in printed_backward.items():
        assert round(found.backward[name], 3) == printed
    dw, dx, db = program.gradient("symbolic").grad
    assert (round(dw, 3), round(db, 3)) == (-0.197, 0.197)
    assert round(dx, 3) == 0.393  # 2 sigma'(1) = 0.39322; the notes print 0.197 x 2 = 0.394


def test_example_3_reports_the_notes_slip_in_dx():
    """The notes print df/dx = 0.197 x 2 = 0.394, a product of the rounded local gradient.
    By hand: sigma(1) = 1 / (1 + e^-1) = 0.7310585786, sigma'(1) = sigma(1)(1 - sigma(1)) =
    0.1966119332, df/dx = w sigma'(1) = 0.3932238664, 0.393 to the three decimals printed."""
    program = dk.get_program("lecture-03-sigmoid-gates")
    rows = mismatches(program)
    assert [row.quantity for row in rows] == ["grad.x"]
    assert rows[0].printed == 0.394 and rows[0].computed == pytest.approx(0.3932238664, abs=1e-10)
    assert str(rows[0]).startswith("grad.x: lecture says 0.394, diffkit computes 0.3932") and "DIFFERS" in str(rows[0])
    assert rows[0].tolerance == pytest.approx(5e-4)  # three decimals printed, three compared
    assert program.expected["printed_dx"] == rows[0].printed and program.expected["true_dx"] == 0.39322
    assert "0.197 x 2 = 0.394" in program.description and "reports the slip" in program.description
    agreeing = {row.quantity for row in compare_with_notes(program) if row.agrees}
    assert {"grad.w", "grad.b", "value", "forward.e", "backward.g"} <= agreeing  # the rest is right to 3 decimals


def test_example_4_chains_against_their_closed_forms():
    program = dk.get_program("lecture-04-chain-rules")  # x = 2, x = 3, x = 1, t = 0.5
    for method in METHODS:
        assert program.gradient(method).grad == pytest.approx((18 * 2.0, 2 + 2 * 3.0, -24.0, 8 * 2.0**3), rel=1e-9)
    found = intermediates(program)
    assert (found.forward["a"], found.forward["b"], found.forward["L"]) == (2.0, 8.0, -8.0)
    other = dk.get_program("lecture-04-chain-rules", x_scale=-1.0, x_paths=0.5, x_cube=2.0, t=-1.0)
    assert other.gradient("tape").grad == pytest.approx((-18.0, 3.0, -96.0, -8.0))


@pytest.mark.parametrize("method", METHODS)
def test_example_5_gate_patterns(method):
    _, grad = grads(dk.get_program("lecture-05-gate-patterns"), method)
    assert grad == pytest.approx((2.0, 2.0, 15.0, 10.0, 0.0, 5.0, 6.0), abs=1e-8)


def test_example_6_relu_backward():
    program = dk.get_program("lecture-06-relu-backward")
    assert intermediates(program).forward["y"].tolist() == [1.0, 0.0, 3.0, 0.0]
    for method in METHODS:
        np.testing.assert_allclose(program.gradient(method).grad, [4.0, 0.0, 5.0, 0.0], atol=1e-9)


def test_example_7_reports_the_notes_slip_in_y():
    program = dk.get_program("lecture-07-matmul")
    rows = mismatches(program)
    assert [row.quantity for row in rows] == ["forward.y"]
    assert np.asarray(rows[0].printed).tolist() == [[13.0, 9.0, -2.0, -6.0], [5.0, 2.0, 17.0, 1.0]]
    assert np.asarray(rows[0].computed).tolist() == [[-1.0, -1.0, 2.0, 6.0], [5.0, 2.0, 11.0, 7.0]]
    assert "DIFFERS" in str(rows[0])
    assert program.expected["printed_y"] == rows[0].printed
    np.testing.assert_array_equal(program.expected["true_y"], rows[0].computed)
    assert "not x W" in program.description


@pytest.mark.parametrize("method", METHODS)
def test_example_7_matmul_gradients(method):
    dx, dW = dk.get_program("lecture-07-matmul").gradient(method).grad
    np.testing.assert_allclose(dx, [[0.0, 16.0, -9.0], [-24.0, 9.0, -30.0]], atol=1e-8)  # dy W^T
    np.testing.assert_allclose(dW, [[28.0, 3.0, -18.0, 0.0], [-30.0, 7.0, 13.0, 33.0], [-22.0, -7.0, 17.0, -15.0]],
                               atol=1e-8)  # x^T dy


@pytest.mark.parametrize("method", METHODS)
def test_example_8_fully_connected_layer(method):
    program = dk.get_program("lecture-08-fc-layer")
    found = intermediates(program)
    np.testing.assert_allclose(found.forward["pre"], [[2.2, -0.3]], rtol=1e-12)
    np.testing.assert_allclose(found.forward["y"], [[2.2, 0.0]], rtol=1e-12)
    dx, dW, db = program.gradient(method).grad
    np.testing.assert_allclose(db, [[1.0, 0.0]], atol=1e-9)
    np.testing.assert_allclose(dW, [[1.0, 0.0], [2.0, 0.0]], atol=1e-9)
    np.testing.assert_allclose(dx, [[0.5, 0.8]], atol=1e-9)


def test_example_9_dead_units_and_the_kink():
    program = dk.get_program("lecture-09-two-layer")
    found = intermediates(program)
    assert found.forward["h"].tolist() == [0.0, -7.0] and found.forward["f"].tolist() == [0.0]
    assert program.on_kink
    for method in ("tape", "symbolic"):  # relu'(0) = 1/2: df/dh = [1/2, 0]
        dx, dW1, db1, dW2 = program.gradient(method).grad
        np.testing.assert_allclose(dx, [1.0, 0.5])
        np.testing.assert_allclose(dW1, [[0.5, -1.0], [0.0, 0.0]])
        np.testing.assert_allclose(db1, [0.5, 0.0])
        np.testing.assert_allclose(dW2, [[0.0, 0.0]])
    alive = dk.get_program("lecture-09-two-layer", x=(1.0, 2.0))
    assert not alive.on_kink
    assert alive.gradient("tape").value == -1.0
    assert intermediates(alive).forward["h"].tolist() == [4.0, 5.0]


def test_example_10_sigmoid_saturation():
    result = dk.get_program("lecture-10-sigmoid-saturation").gradient("symbolic")
    assert round(result.value, 5) == 0.99995
    assert result.grad == pytest.approx(4.54e-5, abs=5e-8)


def test_example_11_softmax_and_shift_invariance():
    program = dk.get_program("lecture-11-softmax")
    found = intermediates(program)
    assert np.round(found.forward["p"], 3).tolist() == [0.269, 0.731]
    np.testing.assert_allclose(found.forward["p_shifted"], found.forward["p"], rtol=1e-14)
    for method in METHODS:
        assert np.sum(program.gradient(method).grad) == pytest.approx(0.0, abs=1e-9)  # a shift changes nothing
    large = intermediates(dk.get_program("lecture-11-softmax", z=(10.0, 20.0))).forward["p"]
    assert large[0] == pytest.approx(4.54e-5, abs=5e-8) and round(large[1], 5) == 0.99995


@pytest.mark.parametrize("method", METHODS)
def test_example_12_cs540_network(method):
    program = dk.get_program("lecture-12-cs540-network")
    found = intermediates(program)
    assert found.forward["y_hat"] == pytest.approx(0.4, abs=1e-15)
    assert found.backward["y_hat"] == pytest.approx(-1.2, abs=1e-14)
    assert program.args[3] == 0.1  # w4
    dw1, dw2, dw3, dw4 = program.gradient(method).grad
    assert dw2 == pytest.approx(-0.24, abs=1e-9)
    assert "chosen here" in program.description


@pytest.mark.parametrize("method", METHODS)
def test_example_13_brown_network(method):
    program = dk.get_program("lecture-13-brown-network")
    assert intermediates(program).forward["z2"].tolist() == [10.0]
    result = program.gradient(method)
    assert result.value == pytest.approx(9.0, abs=1e-12)
    np.testing.assert_allclose(result.grad[3], [6.0], atol=1e-8)


def test_example_14_cs231n_network_against_its_closed_form():
    for settings in ({}, {"n": 9, "seed": 4}):
        program = dk.get_program("lecture-14-cs231n-network", **settings)
        w1, w2, b = program.gradient("tape").grad
        assert w1.shape == (2, 3) and w2.shape == (3, 1) and b.shape == (1,)
        closed = program.exact_grad(*program.args)
        for computed, derived in zip((w1, w2, b), closed):
            np.testing.assert_allclose(computed, derived, rtol=1e-12, atol=1e-15)


def test_example_16_while_loop_defeats_symbolic_not_the_tape():
    program = dk.get_program("lecture-16-while-halving")  # x = 37 halves three times
    assert program.gradient("tape").grad == 0.125
    assert program.gradient("fd-central").grad == pytest.approx(0.125, rel=1e-9)
    with pytest.raises(dk.SymbolicControlFlowError):
        program.gradient("symbolic")


NOTES_SLIPS = {"lecture-03-sigmoid-gates": ["grad.x"], "lecture-07-matmul": ["forward.y"]}


@pytest.mark.parametrize("name", dk.program_names("lecture"))
def test_every_printed_number_agrees_except_the_notes_slips(name):
    rows = compare_with_notes(dk.get_program(name))
    failing = [row.quantity for row in rows if not row.agrees]
    assert failing == NOTES_SLIPS.get(name, [])
    if name not in ("lecture-14-cs231n-network", "lecture-16-while-halving"):  # no printed numbers
        assert rows


def test_compare_with_notes_under_symbolic_too():
    rows = compare_with_notes(dk.get_program("lecture-02-sigmoid-neuron"), method="symbolic")
    assert all(row.agrees for row in rows) and len(rows) == 11


def test_intermediates_need_a_notes_argument():
    with pytest.raises(dk.InputError, match="does not record intermediate values"):
        intermediates(dk.get_program("mlp"))
