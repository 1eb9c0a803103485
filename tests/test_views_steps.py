"""trace.backward_steps(): the notes' step lists, "upstream x local = downstream"."""

import numpy as np
import pytest

import diffkit as dk


def add_multiply(x, y, z):
    return (x + y) * z


def sigmoid_neuron(w0, x0, w1, x1, w2):
    return dk.sigmoid(w0 * x0 + w1 * x1 + w2)


def test_example_1_multiply_runs_first_then_add():
    steps = dk.trace(add_multiply, -2.0, 5.0, -4.0).backward_steps()
    assert [step.node.label for step in steps] == ["*", "+"]
    multiply, add = steps
    # f = q z: upstream 1; local df/dq = z = -4, df/dz = q = 3.
    assert multiply.upstream == 1.0
    assert [node.label for node in multiply.inputs] == ["+", "z"]
    assert multiply.local == [-4.0, 3.0]
    assert multiply.downstream == [-4.0, 3.0]
    # q = x + y: upstream -4; local 1 and 1; so df/dx = df/dy = -4.
    assert add.upstream == -4.0
    assert [node.label for node in add.inputs] == ["x", "y"]
    assert add.local == [1.0, 1.0]
    assert add.downstream == [-4.0, -4.0]


def test_example_2_sigmoid_local_gradient_and_five_input_gradients():
    steps = dk.trace(sigmoid_neuron, 2.0, -1.0, -3.0, -2.0, -3.0).backward_steps()
    sigmoid = steps[0]
    assert sigmoid.node.label == "sigmoid"
    # sigma(1) (1 - sigma(1)) with sigma(1) = 0.7310585786: the notes' 0.197.
    assert sigmoid.local[0] == pytest.approx(0.7310585786 * (1 - 0.7310585786))
    assert round(sigmoid.local[0], 3) == 0.197
    sent = {}
    for step in steps:
        for node, down in zip(step.inputs, step.downstream):
            if node.kind == "input":
                sent[node.label] = down
    assert {name: round(value, 3) for name, value in sent.items()} == {
        "w0": -0.197, "x0": 0.393, "w1": -0.393, "x1": -0.590, "w2": 0.197,
    }
    # Every row obeys upstream x local = downstream for these scalar gates.
    for step in steps:
        for local, down in zip(step.local, step.downstream):
            assert step.upstream * local == pytest.approx(down)


def test_the_same_neuron_gate_by_gate_gives_the_same_gradient():
    def gates(w0, x0, w1, x1, w2):
        return 1.0 / (1.0 + dk.exp(-(w0 * x0 + w1 * x1 + w2)))

    trace = dk.trace(gates, 2.0, -1.0, -3.0, -2.0, -3.0)
    labels = [step.node.label for step in trace.backward_steps()]
    assert labels[:4] == ["1/x", "+ 1", "exp", "neg"]
    # The notes: 1/x sends -1/1.37^2 = -0.53, exp multiplies by e^-1 = 0.37 giving -0.20.
    upstream = [round(step.upstream, 2) for step in trace.backward_steps()][:4]
    assert upstream == [1.0, -0.53, -0.53, -0.2]
    reference = dk.trace(sigmoid_neuron, 2.0, -1.0, -3.0, -2.0, -3.0)
    np.testing.assert_allclose(trace.grad, reference.grad, rtol=1e-14)


def test_text_and_html_tables_show_every_row():
    steps = dk.trace(add_multiply, -2.0, 5.0, -4.0).backward_steps()
    text = str(steps)
    lines = text.splitlines()
    assert lines[0].split() == ["step", "node", "upstream", "input", "local", "downstream"]
    assert len(lines) == 2 + 4  # header, rule, two inputs per gate
    assert lines[2].split() == ["1", "*", "(#4)", "1", "+", "(#3)", "-4", "-4"]
    html = steps._repr_html_()
    assert html.startswith("<table") and html.count("<tr>") == 5
    assert "z (#2)" in html


def test_a_shared_input_appears_once_per_use():
    def square_plus(x):
        return x * x + x

    steps = dk.trace(square_plus, 3.0).backward_steps()
    assert [step.node.label for step in steps] == ["+", "*"]
    assert steps[1].local == [3.0, 3.0] and steps[1].downstream == [3.0, 3.0]
    assert dk.trace(square_plus, 3.0).grad == 7.0
