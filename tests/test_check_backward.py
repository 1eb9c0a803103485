"""dk.check_backward on modules in the notes' forward/backward style (seed 002)."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.check import CORRECT, WRONG

# Example 8 of the seeds README: y = relu(x W + b).
X8 = np.array([[1.0, 2.0]])
W8 = np.array([[0.5, -0.3], [0.8, 0.1]])
B8 = np.array([[0.1, -0.2]])
UP8 = np.array([[1.0, 1.0]])


class FullyConnected:
    """relu(x W + b) with parameters in ``params`` and their gradients left in ``grads``."""

    def __init__(self, W, b, bug=None):
        self.params = {"W": W.copy(), "b": b.copy()}
        self.bug = bug

    def forward(self, x):
        self.x = x
        self.pre = x @ self.params["W"] + self.params["b"]
        return np.maximum(0, self.pre)

    def backward(self, upstream):
        dpre = upstream if self.bug == "relu-mask" else upstream * (self.pre > 0)
        dW = self.x.T @ dpre
        db = dpre if self.bug == "bias" else dpre.sum(axis=0, keepdims=True)
        self.grads = {"W": dW.T if self.bug == "transpose" else dW, "b": db}
        return dpre @ self.params["W"].T


def test_fully_connected_layer_of_example_8_passes_with_the_notes_numbers():
    layer = FullyConnected(W8, B8)
    report = dk.check_backward(layer, X8, upstream=UP8)
    assert report and report.verdict == CORRECT
    assert [a.name for a in report.arguments] == ["x", "W", "b"]
    # The notes: dW = [[1, 0], [2, 0]], db = [[1, 0]], dx = [[0.5, 0.8]].
    notes = {"W[0,0]": 1, "W[0,1]": 0, "W[1,0]": 2, "W[1,1]": 0, "b[0,0]": 1, "b[0,1]": 0, "x[0,0]": 0.5, "x[0,1]": 0.8}
    for name, value in notes.items():
        assert report.entry(name).references["tape"] == pytest.approx(value)
        assert report.entry(name).yours == pytest.approx(value)
    assert "upstream gradient: shape (1, 2), given" in report.text()
    np.testing.assert_allclose(layer.pre, [[2.2, -0.3]])  # the forward cache is left as the user's forward left it


def test_random_upstream_is_seeded_and_stated():
    first = dk.check_backward(FullyConnected(W8, B8), X8, seed=4)
    second = dk.check_backward(FullyConnected(W8, B8), X8, seed=4)
    assert first and first.entry("W[1,0]").yours == second.entry("W[1,0]").yours
    assert "standard normal, seed 4" in first.settings[0]


def test_random_mode_on_a_module():
    x = np.array([[1.0, 2.0], [-1.0, 0.7], [0.3, 0.3]])
    assert dk.check_backward(FullyConnected(W8, B8), x, mode="random").verdict == "passed random check"
    report = dk.check_backward(FullyConnected(W8, B8, bug="relu-mask"), x, mode="random")
    assert not report and any(d.verdict == WRONG for d in report.directional)
    assert "W[1,1]" in report.wrong_entries


def test_missing_relu_mask_in_backward():
    report = dk.check_backward(FullyConnected(W8, B8, bug="relu-mask"), X8, upstream=UP8)
    assert not report
    assert report.wrong_entries == ["x[0,0]", "x[0,1]", "W[0,1]", "W[1,1]", "b[0,1]"]


def test_transposed_square_weight_gradient():
    report = dk.check_backward(FullyConnected(W8, B8, bug="transpose"), X8, upstream=UP8)
    assert not report
    assert report.argument("W").verdict == WRONG and report.argument("x").verdict == CORRECT
    assert [e.name for e in report.entries(WRONG)] == ["W[0,1]", "W[1,0]"]
    assert any("transpose of your gradient for W matches diffkit's: transposed?" in f for f in report.all_findings)


def test_bias_gradient_not_summed_over_a_batch():
    x = np.array([[1.0, 2.0], [-1.0, 0.7], [0.3, 0.3], [2.0, -1.0]])
    report = dk.check_backward(FullyConnected(W8, B8, bug="bias"), x)
    assert not report and report.argument("b").verdict == WRONG
    assert report.argument("b").findings[0].startswith("grad for b has shape (4, 2); b has shape (1, 2)")
    assert "(sum over axis 0)" in report.argument("b").findings[0]
    assert report.argument("W").verdict == CORRECT


class MultiplyGate:
    """Seed 002's module: forward caches x and y; backward swaps them."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x


def test_multiply_gate_of_example_5():
    report = dk.check_backward(MultiplyGate(), 2.0, 3.0, upstream=5.0)
    assert report
    assert report.entry("x").references["tape"] == 15.0 and report.entry("y").references["tape"] == 10.0


class MatMul:
    """y = x W with W a parameter whose gradient comes back after dx."""

    def __init__(self, W):
        self.params = {"W": W}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"]

    def backward(self, dy):
        return dy @ self.params["W"].T, self.x.T @ dy


def test_matrix_multiply_of_example_7():
    x = np.array([[2.0, 1.0, -3.0], [-3.0, 4.0, 2.0]])
    W = np.array([[3.0, 2.0, 1.0, -1.0], [2.0, 1.0, 3.0, 2.0], [3.0, 2.0, 1.0, -2.0]])
    dy = np.array([[2.0, 3.0, -3.0, 9.0], [-8.0, 1.0, 4.0, 6.0]])
    report = dk.check_backward(MatMul(W), x, upstream=dy)
    assert report and [a.shape for a in report.arguments] == [(2, 3), (3, 4)]
    # dL/dx[0,0] = sum_k dy[0,k] W[0,k] = 2*3 + 3*2 - 3*1 + 9*(-1) = 0; dL/dW[0,0] = 2*2 + (-3)*(-8) = 28.
    assert report.entry("x[0,0]").references["tape"] == 0.0
    assert report.entry("W[0,0]").references["tape"] == 28.0


def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def test_cs231n_function_pair_style():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    report = dk.check_backward((affine_forward, affine_backward), x, w, b)
    assert report and [a.name for a in report.arguments] == ["x", "w", "b"]

    def forgot_x(dout, cache):
        return affine_backward(dout, cache)[1:]

    bad = dk.check_backward((affine_forward, forgot_x), x, w, b)
    assert not bad and "returned 2 gradient(s); expected 3 input gradient(s) (x, w, b)" in bad.findings[0]


class ScalingLayer:
    """A forward the tape cannot follow (np.ldexp, which diffkit has no op for): finite differences still judge it."""

    def forward(self, x):  # x * 2**3, squared
        self.scaled = np.ldexp(x, 3)
        return self.scaled**2

    def backward(self, dout):
        return 2 * self.scaled * dout * 8.0


def test_untraceable_forward_falls_back_to_finite_differences():
    report = dk.check_backward(ScalingLayer(), np.array([[1.0, 2.0], [3.0, -1.0]]))
    assert report and report.methods == ["fd-central"]
    assert any("tape could not serve as a reference" in n and "ldexp" in n for n in report.notes)


def test_bad_modules_and_upstreams_raise_diffkit_errors():
    with pytest.raises(dk.InputError, match="needs an object with forward"):
        dk.check_backward(object(), X8)
    with pytest.raises(dk.ShapeError, match=r"upstream has shape \(3,\) but forward returned shape \(1, 2\)"):
        dk.check_backward(FullyConnected(W8, B8), X8, upstream=np.ones(3))


class ForgetsToReturn(FullyConnected):
    """forward computes the output but does not return it."""

    def forward(self, x):
        super().forward(x)


def test_forward_returning_none_names_the_missing_return():
    with pytest.raises(dk.InputError) as caught:
        dk.check_backward(ForgetsToReturn(W8, B8), X8)
    assert str(caught.value) == (
        "ForgetsToReturn.forward() returned None: return the layer's output (e.g. `return out` at the end of forward)"
    )
    with pytest.raises(dk.InputError, match=r"^ForgetsToReturn\.forward\(\) returned None"):
        dk.check_backward(ForgetsToReturn(W8, B8), X8, upstream=UP8)

    def pair_forward(x):
        return None, x

    with pytest.raises(dk.InputError) as caught:
        dk.check_backward((pair_forward, lambda dout, cache: dout), X8)
    assert str(caught.value) == (
        "pair_forward returned (None, cache): return the layer's output as the first of (out, cache)"
    )


def test_the_class_instead_of_an_instance_names_the_fix():
    with pytest.raises(dk.InputError) as caught:
        dk.check_backward(FullyConnected, X8)
    assert str(caught.value) == (
        "check_backward got the class FullyConnected, not an instance: pass FullyConnected(...), a layer built "
        "with its parameters"
    )


def test_invalid_options_are_refused_before_forward_runs():
    layer = ForgetsToReturn(W8, B8)  # its forward would raise its own error: options are checked first
    with pytest.raises(dk.InputError, match=r"^seed must be a non-negative int .*; got 'abc'$"):
        dk.check_backward(layer, X8, seed="abc")
    with pytest.raises(dk.InputError, match=r"^rtol must be a positive number .*; got 'a'$"):
        dk.check_backward(layer, X8, rtol="a")
    with pytest.raises(dk.InputError, match=r"^atol must be a non-negative number .*; got -1$"):
        dk.check_backward(layer, X8, atol=-1)


PAIR_MISTAKES = {
    "a backward without the cache": ((affine_forward, lambda dout: dout), {},
                                     r"<lambda>\(dout, cache\) raised TypeError: <lambda>\(\) takes 1 positional "
                                     r"argument but 2 were given"),
    "a backward that raises": ((affine_forward, lambda dout, cache: 1 // 0), {},
                               r"<lambda>\(dout, cache\) raised ZeroDivisionError: integer division or modulo by zero "
                               r"at .*test_check_backward\.py"),
    "two outputs": ((lambda x, w, b: ((x @ w, (x @ w)[0]), None), affine_backward), {},
                    r"returned \(out, cache\) whose out is a tuple: check_backward checks a layer with one output of "
                    r"real numbers"),
    "a string upstream": ((affine_forward, affine_backward), {"upstream": "ones"},
                          r"upstream is a str \('ones'\): give an array of numbers shaped like the output, \(2, 2\)"),
    "a NaN upstream": ((affine_forward, affine_backward), {"upstream": np.full((2, 2), np.nan)},
                       r"upstream holds NaN or infinity"),
    "no methods": ((affine_forward, affine_backward), {"methods": None},
                   r"methods must name the references, e.g. methods=\('tape', 'fd-central'\), got None"),
}


@pytest.mark.parametrize("mistake", PAIR_MISTAKES)
def test_a_mistake_in_the_pair_or_the_options_is_an_input_error_naming_it(mistake):
    pair, options, message = PAIR_MISTAKES[mistake]
    x, w, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2)), np.zeros(2)
    with pytest.raises(dk.InputError, match=message):
        dk.check_backward(pair, x, w, b, **options)


@pytest.mark.parametrize("methods, shown", [(None, "None"), ([], r"\[\]"), (5, "5")])
def test_check_grad_refuses_methods_naming_nothing_too(methods, shown):
    with pytest.raises(dk.InputError, match=rf"^methods must name the references, e.g. methods=\('tape', "
                                            rf"'fd-central'\), got {shown}$"):
        dk.check_grad(lambda x: dk.sum(x**2), lambda x: 2 * x, np.ones(2), methods=methods)


def _embed_forward(idx, W):
    return W[idx], (idx, W.shape)


def _embed_backward(dout, cache):
    """An embedding lookup's backward: the word indices are data, only W has a gradient."""
    idx, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, idx, dout)
    return (dW,)


def test_an_integer_input_given_a_gradient_says_to_pass_floats():
    x, w, b = np.ones((2, 3), dtype=int), np.ones((3, 2)), np.zeros(2)
    with pytest.raises(dk.InputError, match=(
        r"^affine_forward.backward returned 3 gradients, one for x too; x holds integers, which check_backward "
        r"takes as data \(word indices, labels\) with no gradient: to check its gradient, pass it as floats, "
        r"np.asarray\(x, dtype=float\)$"
    )):
        dk.check_backward((affine_forward, affine_backward), x, w, b)
    assert dk.check_backward((affine_forward, affine_backward), np.asarray(x, dtype=float), w, b)
    # integers with no gradient returned stay data
    assert dk.check_backward((_embed_forward, _embed_backward), np.array([0, 2, 0]), np.arange(6.0).reshape(3, 2))


class AffineReturningADict:
    """x w + b whose backward returns {"dx": ..., "dw": ..., "db": ...}, as many course notes name them."""

    def __init__(self, bug=False):
        self.params = {"w": np.array([[0.5, -0.3], [0.8, 0.1]]), "b": np.array([0.1, -0.2])}
        self.bug = bug

    def forward(self, x):
        self.x = x
        return x @ self.params["w"] + self.params["b"]

    def backward(self, upstream):
        dw = self.x.T @ upstream
        return {"dx": upstream @ self.params["w"].T, "dw": 2 * dw if self.bug else dw, "db": upstream.sum(axis=0)}


def test_a_backward_returning_gradients_keyed_dx_dw_db_is_read_by_those_names():
    x = np.array([[1.0, 2.0]])
    assert dk.check_backward(AffineReturningADict(), x, upstream=np.array([[1.0, -1.0]])).verdict == CORRECT
    report = dk.check_backward(AffineReturningADict(bug=True), x, upstream=np.array([[1.0, -1.0]]))
    assert report.argument("w").verdict == WRONG and report.argument("x").verdict == CORRECT


def test_a_gradient_dict_with_other_keys_is_told_both_spellings():
    report = dk.check_grad(lambda w, b: dk.sum(w * b), lambda w, b: {"grad_w": b, "grad_b": w}, np.ones(2), np.ones(2),
                           argnums=(0, 1))
    assert not report
    assert ("returned a dict; with 2 differentiated arguments it must return a tuple (dw, db), or a dict keyed by "
            "the arguments' names (w, b, or dw, db)") in report.text()


class PickByLabel:
    """out[i] = x[i, y[i]] for integer labels y; the backward returns (dx, None): labels have no gradient."""

    params = {}

    def __init__(self, factor=1.0):
        self.factor = factor

    def forward(self, x, y):
        self.x, self.y = x, y
        return x[np.arange(len(y)), y]

    def backward(self, upstream):
        dx = np.zeros_like(self.x)
        dx[np.arange(len(self.y)), self.y] = self.factor * upstream
        return dx, None


def test_none_for_integer_labels_is_taken_as_meant():
    x, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0])
    assert dk.check_backward(PickByLabel(), x, y).verdict == CORRECT
    assert dk.check_backward(PickByLabel(factor=2.0), x, y).argument("x").verdict == WRONG
