"""dk.trace: the recorded graph, its forward values and the gradient at every node and edge."""

import math
import re

import numpy as np
import pytest

import diffkit as dk


def add_multiply(x, y, z):
    return (x + y) * z


def sigmoid_neuron(w0, x0, w1, x1, w2):
    return dk.sigmoid(w0 * x0 + w1 * x1 + w2)


def test_example_1_values_and_gradients_at_every_node():
    trace = dk.trace(add_multiply, -2.0, 5.0, -4.0)
    assert trace.value == -12.0
    assert trace.grad == (-4.0, -4.0, 3.0)
    labels = [node.label for node in trace.nodes]
    assert labels == ["x", "y", "z", "+", "*"]
    q = trace.node("+")
    assert q.value == 3.0 and q.grad == -4.0
    assert trace.output.label == "*" and trace.output.grad == 1.0
    assert [node.grad for node in trace.nodes[:3]] == [-4.0, -4.0, 3.0]


def test_edges_carry_the_gradient_sent_along_them():
    trace = dk.trace(add_multiply, -2.0, 5.0, -4.0)
    sent = {(trace.nodes[e.source].label, trace.nodes[e.target].label): e.grad for e in trace.edges}
    assert sent == {("x", "+"): -4.0, ("y", "+"): -4.0, ("+", "*"): -4.0, ("z", "*"): 3.0}


def test_fan_out_adds_the_gradients_of_both_paths():
    # Example 5 of the notes: paths with gradients 4 and 2 meet at one input: 6.
    def fan_out(x):
        return 4.0 * x + 2.0 * x

    trace = dk.trace(fan_out, 1.5)
    x = trace.node("x")
    into_x = sorted(edge.grad for edge in trace.edges if edge.source == x.index)
    assert into_x == [2.0, 4.0]
    assert x.grad == 6.0


def test_scalar_constants_are_written_into_the_gate_label():
    def gates(w, x, b):
        return 1.0 / (1.0 + dk.exp(-1.0 * (w * x + b)))

    trace = dk.trace(gates, 2.0, -1.0, 3.0)
    labels = [node.label for node in trace.operations]
    assert labels == ["*", "+", "* -1", "exp", "+ 1", "1/x"]
    # Example 3: sigmoid(w x + b) at w=2, x=-1, b=3.
    assert trace.value == pytest.approx(0.7310585786)
    assert trace.grad[0] == pytest.approx(-0.19661193324)
    assert trace.grad[1] == pytest.approx(0.39322386648)


def test_gradients_agree_with_the_tape_method_on_arrays_and_broadcasting():
    rng = np.random.default_rng(4)
    W = rng.normal(size=(3, 2))
    b = rng.normal(size=(2,))
    X = rng.normal(size=(5, 3))

    def layer(W, b, X):
        return dk.sum(dk.tanh(X @ W + b) ** 2)

    trace = dk.trace(layer, W, b, X, argnums=(0, 1))
    tape = dk.gradient(layer, W, b, X, argnums=(0, 1), method="tape")
    np.testing.assert_allclose(trace.grad[0], tape.grad[0], rtol=1e-12)
    np.testing.assert_allclose(trace.grad[1], tape.grad[1], rtol=1e-12)
    assert trace.node("b").grad.shape == (2,)  # the broadcast bias gets the batch sum back
    data = trace.node("X")
    assert data.kind == "data" and data.grad is None


def test_relu_gate_with_an_upstream_gradient_example_6():
    trace = dk.trace(dk.relu, np.array([1.0, -2.0, 3.0, -1.0]), seed=np.array([4.0, -1.0, 5.0, 9.0]))
    np.testing.assert_array_equal(trace.grad, [4.0, 0.0, 5.0, 0.0])
    step = trace.backward_steps()[0]
    np.testing.assert_array_equal(step.local[0], [1.0, 0.0, 1.0, 0.0])


def test_matrix_multiply_with_an_upstream_gradient_example_7():
    x = np.array([[2.0, 1.0, -3.0], [-3.0, 4.0, 2.0]])
    W = np.array([[3.0, 2.0, 1.0, -1.0], [2.0, 1.0, 3.0, 2.0], [3.0, 2.0, 1.0, -2.0]])
    dy = np.array([[2.0, 3.0, -3.0, 9.0], [-8.0, 1.0, 4.0, 6.0]])

    def product(x, W):
        return x @ W

    trace = dk.trace(product, x, W, seed=dy)
    np.testing.assert_array_equal(trace.value, [[-1.0, -1.0, 2.0, 6.0], [5.0, 2.0, 11.0, 7.0]])
    # dL/dx = dy W^T and dL/dW = x^T dy, entry by entry as the notes write them.
    np.testing.assert_array_equal(trace.grad[0], [[0.0, 16.0, -9.0], [-24.0, 9.0, -30.0]])
    np.testing.assert_array_equal(trace.grad[1][0], [28.0, 3.0, -18.0, 0.0])
    step = trace.backward_steps()[0]
    assert step.local == [None, None]  # a full Jacobian is not a "local gradient" number


def test_loops_and_branches_trace_the_path_that_ran():
    def halve(x):
        while abs(x) > 5:
            x = x / 2
        return x

    trace = dk.trace(halve, 37.0)
    # The tests abs(x) > 5 ran too, but the output was not computed from them: not drawn.
    assert [node.label for node in trace.operations] == ["/ 2", "/ 2", "/ 2"]
    assert trace.grad == 0.125


def test_large_graphs_are_refused_with_advice():
    def long_loop(x):
        for _ in range(400):
            x = dk.sin(x)
        return x

    with pytest.raises(dk.UnsupportedError, match="smaller example"):
        dk.trace(long_loop, 0.5)
    assert dk.trace(long_loop, 0.5, max_nodes=500).grad == pytest.approx(
        dk.grad(long_loop)(0.5), rel=1e-12
    )


def test_array_output_without_a_seed_is_refused():
    with pytest.raises(dk.NonScalarOutputError, match="seed="):
        dk.trace(dk.exp, np.array([1.0, 2.0]))
    with pytest.raises(dk.ShapeError, match="output has shape"):
        dk.trace(dk.exp, np.array([1.0, 2.0]), seed=np.ones(3))


def pair(x):
    return x, x


def test_an_output_that_is_not_one_number_is_refused_as_dk_grad_refuses_it():
    message = (r"pair returned a tuple, but a gradient needs a single number\. Return one number \(dk\.sum or "
               r"dk\.mean of an array")
    with pytest.raises(dk.NonScalarOutputError, match=message):
        dk.grad(pair)(1.0)
    with pytest.raises(dk.NonScalarOutputError, match=message):
        dk.trace(pair, 1.0)


def test_output_independent_of_the_inputs_is_refused():
    def constant(x):
        return 3.0

    with pytest.raises(dk.InputError, match="does not depend"):
        dk.trace(constant, 1.0)


def test_a_function_outside_diffkit_gets_the_usual_error():
    def uses_math(x):
        return math.exp(x)

    with pytest.raises(dk.NonDiffkitFunctionError, match="dk.exp"):
        dk.trace(uses_math, 1.0)


def test_comparisons_are_elementwise_masks_as_under_the_tape():
    x = np.array([1.0, 2.0])
    trace = dk.trace(lambda x: dk.sum(x * x * (x != 1.0)), x)  # the mask keeps x = 2 only
    assert trace.output.value == 4.0
    np.testing.assert_array_equal(trace.grad, [0.0, 4.0])


def test_truth_value_of_an_array_names_the_line_and_the_fix():
    def branch_on_an_array(x):
        if x:
            return dk.sum(x)
        return -dk.sum(x)

    with pytest.raises(dk.InputError, match=r"2 elements is ambiguous at .*`if x:`.*dk\.where"):
        dk.trace(branch_on_an_array, np.array([1.0, 2.0]))


def test_trace_of_the_sigmoid_neuron_matches_the_notes():
    trace = dk.trace(sigmoid_neuron, 2.0, -1.0, -3.0, -2.0, -3.0)
    assert trace.value == pytest.approx(0.7310585786)
    assert np.round(trace.grad, 3).tolist() == [-0.197, 0.393, -0.393, -0.59, 0.197]
    assert "5 inputs" in repr(trace) and "sigmoid" in str(trace)


def _flat(tree):
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _flat(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _flat(item)]
    return [np.asarray(tree, dtype=float)]


@pytest.mark.parametrize("program", dk.zoo(), ids=lambda program: program.name)
def test_every_zoo_program_traces_to_the_tape_gradient(program):
    # max_nodes: particle's Euler loop runs hundreds of steps; agreement, not drawing, is tested here
    trace = dk.trace(program.function, *program.args, argnums=program.argnums, max_nodes=100_000)
    tape = program.gradient("tape")
    assert trace.value == pytest.approx(tape.value, rel=1e-14)
    for got, want in zip(_flat(trace.grad), _flat(tape.grad), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    # Every step obeys upstream x local = downstream where the local gradient is a number per entry.
    for step in trace.backward_steps():
        for local, down in zip(step.local, step.downstream):
            if local is not None and down is not None and np.shape(local) == np.shape(step.upstream):
                np.testing.assert_allclose(np.asarray(step.upstream) * local, down, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("max_nodes", ["ten", 0, -5, 2.5, True, None])
def test_max_nodes_must_be_a_positive_whole_number(max_nodes):
    with pytest.raises(dk.InputError, match=f"max_nodes must be a positive whole number of operations, got "
                                            f"{re.escape(repr(max_nodes))}: e.g. dk.trace"):
        dk.trace(add_multiply, -2.0, 5.0, -4.0, max_nodes=max_nodes)


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    trace = dk.trace(add_multiply, -2.0, 5.0, -4.0)
    missing = tmp_path / "figures" / "graph.svg"
    with pytest.raises(dk.InputError, match=f"cannot save the trace to {re.escape(str(missing))}: the folder "
                                            f"{re.escape(str(missing.parent))} does not exist; create it first"):
        trace.save(missing)
    assert not missing.parent.exists()
    taken = tmp_path / "taken.svg"
    taken.mkdir()
    with pytest.raises(dk.InputError, match=r"cannot save the trace to .*taken.svg \(Is a directory\)"):
        trace.save(taken, backend="matplotlib")


@pytest.mark.parametrize("seed", ("a", np.nan, [1.0, None], ["1", "2"]))
def test_a_seed_that_is_not_finite_numbers_is_refused(seed):
    with pytest.raises(dk.InputError, match=r"seed=.* is not finite numbers: give the upstream gradient of the output, "
                                            r"an array of shape \(2,\)"):
        dk.trace(dk.exp, np.array([1.0, 2.0]), seed=seed)


@pytest.mark.parametrize("save, message", [
    (lambda t: t.save(None), r"cannot save the trace to None: give a file name, e.g. trace\.save\('graph\.svg'\)"),
    (lambda t: t.save(3), r"cannot save the trace to 3: give a file name, e.g. trace\.save\('graph\.svg'\)"),
    (lambda t: t.save_frames(None),
     r"cannot save the frames to None: give a folder name, e.g. trace\.save_frames\('frames'\)"),
    (lambda t: t.step_through().save(None),
     r"cannot save the stepper to None: give a file name, e.g. stepper\.save\('steps\.html'\)"),
])
def test_saving_to_something_that_is_not_a_name_asks_for_one(save, message):
    with pytest.raises(dk.InputError, match=message):
        save(dk.trace(lambda x: x * x, 1.5))


def test_a_figure_is_drawn_only_on_matplotlib_axes():
    with pytest.raises(dk.InputError, match=r"ax must be a matplotlib Axes to draw on \(e.g. fig, ax = plt.subplots\(\); "
                                            r"trace.figure\(ax=ax\)\) or None for a new figure, got str"):
        dk.trace(lambda x: x * x, 1.5).figure(ax="a")


def test_the_stepper_is_saved_as_html_into_a_folder_that_exists(tmp_path):
    stepper = dk.trace(lambda x: x * x, 1.5).step_through()
    with pytest.raises(dk.InputError, match=r"cannot save the stepper to .*x\.html: the folder .*missing does not exist"):
        stepper.save(tmp_path / "missing" / "x.html")
    with pytest.raises(dk.InputError, match=r"cannot save the stepper as 'x\.png': it is an HTML page"):
        stepper.save(tmp_path / "x.png")
    assert stepper.save(tmp_path / "x.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_list_where_an_array_was_meant_is_named_as_every_method_names_it():
    with pytest.raises(dk.ListArgumentError, match=r"argument 'x' is a Python list of 2 numbers, .*np\.array\(\[1\.0, 2\.0\]\)"):
        dk.trace(lambda x: dk.sum(x**2), [1.0, 2.0])


def test_something_that_is_not_a_function_is_named():
    with pytest.raises(dk.InputError, match=r"dk\.trace needs a function or a zoo program to trace, got a str \(for a "
                                            r"zoo program by name, dk\.trace\(dk\.get_program\(name\)\)\)"):
        dk.trace("lecture-07-matmul")
