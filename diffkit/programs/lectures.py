"""The lecture notes' worked examples as programs, each carrying the numbers the notes print.

One program per worked example with a computation in ``shared/seeds/README.md``
(examples 1-14 and 16), named ``lecture-NN-...`` after that numbering. Each function
records its named intermediate values (``notes``) so that
:func:`diffkit.programs.notes.compare_with_notes` can set "lecture says" beside "diffkit
computes" node by node. An upstream gradient that the notes apply to a node is written
as a constant factor on the output: ``L = sum(upstream * y)`` has ``dL/dy = upstream``.
"""

import numpy as np

from .. import errors
from .. import ops as dk
from ..core.kinks import step_at_jump
from .loops import halve_until_small, halvings, on_halving_boundary
from .notes import record
from .program import Program, check_real, check_seed
from .registry import register_program


def _array(value, name):
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise errors.InputError(f"setting {name} must be numbers, got {value!r}") from None


def _numpy_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- example 1: f = (x + y) z ----------------------------------------------------------
def add_multiply(x, y, z, *, notes=None):
    q = x + y
    f = q * z
    record(notes, q=q, f=f)
    return f


@register_program("lecture-01-add-multiply", family="lecture")
def build_add_multiply(x=-2.0, y=5.0, z=-4.0):
    return Program(
        name="lecture-01-add-multiply",
        function=add_multiply,
        args=(x, y, z),
        argnums=(0, 1, 2),
        description="f = (x + y) z, the first computational graph of the notes (seeds 002, 003)",
        expected={
            "value": -12.0,
            "grad": {"x": -4.0, "y": -4.0, "z": 3.0},
            "forward": {"q": 3.0},
            "backward": {"q": -4.0},
        }
        if (x, y, z) == (-2.0, 5.0, -4.0)
        else {},
        exact_grad=lambda x, y, z: (z, z, x + y),
    )


# --- example 2: the CS 231n sigmoid neuron -----------------------------------------------
def sigmoid_neuron(w0, x0, w1, x1, w2, *, notes=None):
    d0 = w0 * x0
    d1 = w1 * x1
    d2 = d0 + d1
    d3 = d2 + w2
    f = dk.sigmoid(d3)
    record(notes, d0=d0, d1=d1, d2=d2, d3=d3, f=f)
    return f


def sigmoid_neuron_gates(w0, x0, w1, x1, w2, *, notes=None):
    """The same neuron with the sigmoid broken into negate, exp, add one, reciprocal."""
    d0 = w0 * x0
    d1 = w1 * x1
    d2 = d0 + d1
    d3 = d2 + w2
    negated = -d3
    exponential = dk.exp(negated)
    denominator = 1.0 + exponential
    f = 1.0 / denominator
    record(notes, d0=d0, d1=d1, d2=d2, d3=d3, negated=negated, exponential=exponential,
           denominator=denominator, f=f)
    return f


def _sigmoid_neuron_grad(w0, x0, w1, x1, w2):
    s = _numpy_sigmoid(w0 * x0 + w1 * x1 + w2)
    local = s * (1.0 - s)
    return (local * x0, local * w0, local * x1, local * w1, local)


_NEURON_POINT = (2.0, -1.0, -3.0, -2.0, -3.0)


@register_program("lecture-02-sigmoid-neuron", family="lecture")
def build_sigmoid_neuron(grouping="sigmoid", w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0):
    functions = {"sigmoid": sigmoid_neuron, "gates": sigmoid_neuron_gates}
    if grouping not in functions:
        raise errors.InputError(f"grouping must be one of {', '.join(functions)}; got {grouping!r}")
    point = (w0, x0, w1, x1, w2)
    expected = {}
    if point == _NEURON_POINT:
        expected = {
            "value": 0.7310585786,
            "forward": {"d0": -2.0, "d1": 6.0, "d2": 4.0, "d3": 1.0},
            "backward": {"d3": 0.1966119332},
            "grad": {"w0": -0.19661, "x0": 0.39322, "w1": -0.39322, "x1": -0.58984, "w2": 0.19661},
        }
    return Program(
        name="lecture-02-sigmoid-neuron",
        function=functions[grouping],
        args=point,
        argnums=(0, 1, 2, 3, 4),
        description="sigmoid(w0 x0 + w1 x1 + w2), as one sigmoid node or gate by gate (seed 002)",
        expected=expected,
        printed_decimals={"value": 10, "backward": 10, "grad": 5},
        exact_grad=_sigmoid_neuron_grad,
    )


# --- example 3: sigmoid(w x + b), gate by gate ---------------------------------------------
def sigmoid_gates(w, x, b, *, notes=None):
    a = w * x  # multiply gate
    c = a + b  # add gate
    d = -c  # negate gate
    e = dk.exp(d)  # exp gate
    g = 1.0 + e  # add gate
    f = 1.0 / g  # reciprocal gate
    record(notes, a=a, c=c, d=d, e=e, g=g, f=f)
    return f


def _sigmoid_wxb_grad(w, x, b):
    s = _numpy_sigmoid(w * x + b)
    local = s * (1.0 - s)
    return (local * x, local * w, local)


PRINTED_DX = 0.394  # seed 002's df/dx: 0.197 x 2, the rounded local gradient doubled
TRUE_DX = 0.39322  # 2 sigma'(1), as the seeds README gives it to five digits (example 2): 0.393 to 3 decimals


@register_program("lecture-03-sigmoid-gates", family="lecture")
def build_sigmoid_gates(w=2.0, x=-1.0, b=3.0):
    expected = {}
    if (w, x, b) == (2.0, -1.0, 3.0):
        expected = {
            "value": 0.731,
            "forward": {"a": -2.0, "c": 1.0, "d": -1.0, "e": 0.368, "g": 1.368, "f": 0.731},
            "backward": {"g": -0.534, "e": -0.534, "d": -0.197, "c": 0.197, "a": 0.197},
            "grad": {"w": -0.197, "x": PRINTED_DX, "b": 0.197},
            "printed_dx": PRINTED_DX,  # for a notebook: the notes' df/dx beside the true one
            "true_dx": TRUE_DX,
        }
    return Program(
        name="lecture-03-sigmoid-gates",
        function=sigmoid_gates,
        args=(w, x, b),
        argnums=(0, 1, 2),
        description=(
            "1 / (1 + exp(-(w x + b))) as six gates: multiply, add, negate, exp, add, reciprocal (seed 002). "
            "The notes print df/dx = 0.197 x 2 = 0.394, a product of the rounded 0.197; the true value is "
            "0.39322, 0.393 to the three decimals printed: expected keeps the printed 0.394, so "
            "compare_with_notes reports the slip"
        ),
        expected=expected,
        printed_decimals={"value": 3, "forward": 3, "backward": 3, "grad": 3},
        exact_grad=_sigmoid_wxb_grad,
    )


# --- example 4: chains, one input each --------------------------------------------------------
def chain_rules(x_scale, x_paths, x_cube, t, *, notes=None):
    """Four chains of the notes on separate inputs; their sum keeps each derivative apart."""
    y = 3.0 * x_scale  # y = 3x, z = y^2: dz/dx = 18x
    z_scale = y**2
    a_paths = 2.0 * x_paths  # a = 2x, b = x^2, z = a + b: dz/dx = 2 + 2x
    b_paths = x_paths**2
    z_paths = a_paths + b_paths
    a = 2.0 * x_cube  # a = 2x, b = a^3, L = -b: dL/dx = -24 x^2
    b = a**3
    L = -b
    u = 2.0 * t + 1.0  # h = (2t + 1)^4: h' = 8 (2t + 1)^3
    h = u**4
    record(notes, y=y, z_scale=z_scale, a_paths=a_paths, b_paths=b_paths, z_paths=z_paths,
           a=a, b=b, L=L, u=u, h=h)
    return z_scale + z_paths + L + h


def _chain_rules_grad(x_scale, x_paths, x_cube, t):
    return (18.0 * x_scale, 2.0 + 2.0 * x_paths, -24.0 * x_cube**2, 8.0 * (2.0 * t + 1.0) ** 3)


@register_program("lecture-04-chain-rules", family="lecture")
def build_chain_rules(x_scale=2.0, x_paths=3.0, x_cube=1.0, t=0.5):
    expected = {}
    if x_cube == 1.0:
        expected = {"forward": {"a": 2.0, "b": 8.0, "L": -8.0}, "grad": {"x_cube": -24.0}}
    return Program(
        name="lecture-04-chain-rules",
        function=chain_rules,
        args=(x_scale, x_paths, x_cube, t),
        argnums=(0, 1, 2, 3),
        description="the notes' chains (3x)^2, 2x + x^2, -(2x)^3 and (2t + 1)^4, summed over separate inputs (seeds 001, 002)",
        expected=expected,
        exact_grad=_chain_rules_grad,
    )


# --- example 5: gate patterns -----------------------------------------------------------------
def gate_patterns(x_add, y_add, x_mul, y_mul, x_max, y_max, x_fan, *, notes=None):
    """Add, multiply, max and fan-out gates, each fed its upstream gradient from the notes."""
    z_add = x_add + y_add
    z_mul = x_mul * y_mul
    z_max = dk.maximum(x_max, y_max)
    branch_1 = 4.0 * x_fan  # the fan-out: x feeds two paths with upstream 4 and 2
    branch_2 = 2.0 * x_fan
    record(notes, z_add=z_add, z_mul=z_mul, z_max=z_max)
    return 2.0 * z_add + 5.0 * z_mul + 5.0 * z_max + branch_1 + branch_2


def _gate_patterns_grad(x_add, y_add, x_mul, y_mul, x_max, y_max, x_fan):
    max_x = 1.0 if x_max > y_max else 0.0 if x_max < y_max else step_at_jump()
    max_y = 1.0 - max_x if x_max != y_max else max_x  # a tie: each side gets the step's value
    return (2.0, 2.0, 5.0 * y_mul, 5.0 * x_mul, 5.0 * max_x, 5.0 * max_y, 6.0)


@register_program("lecture-05-gate-patterns", family="lecture")
def build_gate_patterns(x_add=3.0, y_add=4.0, x_mul=2.0, y_mul=3.0, x_max=4.0, y_max=9.0, x_fan=1.0):
    point = (x_add, y_add, x_mul, y_mul, x_max, y_max, x_fan)
    expected = {}
    if point[:6] == (3.0, 4.0, 2.0, 3.0, 4.0, 9.0):
        expected = {
            "forward": {"z_add": 7.0, "z_mul": 6.0, "z_max": 9.0},
            "backward": {"z_add": 2.0, "z_mul": 5.0, "z_max": 5.0},
            "grad": {"x_add": 2.0, "y_add": 2.0, "x_mul": 15.0, "y_mul": 10.0, "x_max": 0.0, "y_max": 5.0,
                     "x_fan": 6.0},
        }
    return Program(
        name="lecture-05-gate-patterns",
        function=gate_patterns,
        args=point,
        argnums=tuple(range(7)),
        description="add distributes, multiply swaps, max routes, fan-out adds: upstream 2, 5, 5 and 4 + 2 (seed 002)",
        expected=expected,
        on_kink=x_max == y_max,
        exact_grad=_gate_patterns_grad,
    )


# --- example 6: ReLU backward ---------------------------------------------------------------
RELU_UPSTREAM = np.array([4.0, -1.0, 5.0, 9.0])


def relu_backward(x, *, notes=None):
    y = dk.relu(x)
    record(notes, y=y)
    return dk.sum(RELU_UPSTREAM * y)


@register_program("lecture-06-relu-backward", family="lecture")
def build_relu_backward(x=(1.0, -2.0, 3.0, -1.0)):
    x = _array(x, "x")
    expected = {}
    if x.tolist() == [1.0, -2.0, 3.0, -1.0]:
        expected = {"forward": {"y": [1.0, 0.0, 3.0, 0.0]}, "grad": {"x": [4.0, 0.0, 5.0, 0.0]}}
    return Program(
        name="lecture-06-relu-backward",
        function=relu_backward,
        args=(x,),
        description="relu(x) with upstream [4, -1, 5, 9]: the gradient passes where x > 0 (seed 002)",
        expected=expected,
        on_kink=bool(np.any(x == 0)),
        exact_grad=lambda x: RELU_UPSTREAM * np.heaviside(x, step_at_jump()),
    )


# --- example 7: matrix multiply, and the notes' slip -----------------------------------------
MATMUL_X = [[2.0, 1.0, -3.0], [-3.0, 4.0, 2.0]]
MATMUL_W = [[3.0, 2.0, 1.0, -1.0], [2.0, 1.0, 3.0, 2.0], [3.0, 2.0, 1.0, -2.0]]
MATMUL_UPSTREAM = np.array([[2.0, 3.0, -3.0, 9.0], [-8.0, 1.0, 4.0, 6.0]])
PRINTED_Y = [[13.0, 9.0, -2.0, -6.0], [5.0, 2.0, 17.0, 1.0]]  # as printed in seed 002: not x W
TRUE_Y = [[-1.0, -1.0, 2.0, 6.0], [5.0, 2.0, 11.0, 7.0]]  # x W, as the seeds README states it


def matmul_layer(x, W, *, notes=None):
    y = x @ W
    record(notes, y=y)
    return dk.sum(MATMUL_UPSTREAM * y)


@register_program("lecture-07-matmul", family="lecture")
def build_matmul():
    x, W = np.array(MATMUL_X), np.array(MATMUL_W)
    return Program(
        name="lecture-07-matmul",
        function=matmul_layer,
        args=(x, W),
        argnums=(0, 1),
        description=(
            "y = x W with upstream dy: dL/dx = dy W^T, dL/dW = x^T dy (seed 002). The notes print "
            "y = [[13, 9, -2, -6], [5, 2, 17, 1]], which is not x W: expected keeps that printed y, "
            "so compare_with_notes reports the slip"
        ),
        expected={
            "forward": {"y": PRINTED_Y},
            "backward": {"y": MATMUL_UPSTREAM.tolist()},
            "printed_y": PRINTED_Y,  # for a notebook: the notes' y beside the true product
            "true_y": TRUE_Y,
        },
        exact_grad=lambda x, W: (MATMUL_UPSTREAM @ np.asarray(W).T, np.asarray(x).T @ MATMUL_UPSTREAM),
    )


# --- example 8: a fully connected layer -----------------------------------------------------
def fc_layer(x, W, b, *, notes=None):
    xW = x @ W
    pre = xW + b
    y = dk.relu(pre)
    record(notes, xW=xW, pre=pre, y=y)
    return dk.sum(y)  # upstream dL/dy = [[1, 1]]


def _fc_layer_grad(x, W, b):
    d_pre = np.heaviside(x @ W + b, step_at_jump())
    return (d_pre @ W.T, x.T @ d_pre, d_pre)


@register_program("lecture-08-fc-layer", family="lecture")
def build_fc_layer():
    x = np.array([[1.0, 2.0]])
    W = np.array([[0.5, -0.3], [0.8, 0.1]])
    b = np.array([[0.1, -0.2]])
    return Program(
        name="lecture-08-fc-layer",
        function=fc_layer,
        args=(x, W, b),
        argnums=(0, 1, 2),
        description="y = relu(x W + b) with upstream [[1, 1]]: the dead unit gets no gradient (seed 002)",
        expected={
            "forward": {"xW": [[2.1, -0.1]], "pre": [[2.2, -0.3]], "y": [[2.2, 0.0]]},
            "backward": {"pre": [[1.0, 0.0]]},
            "grad": {"b": [[1.0, 0.0]], "W": [[1.0, 0.0], [2.0, 0.0]], "x": [[0.5, 0.8]]},
        },
        exact_grad=_fc_layer_grad,
    )


# --- example 9: two-layer forward pass ------------------------------------------------------------
def two_layer(x, W1, b1, W2, *, notes=None):
    h = W1 @ x + b1
    h_relu = dk.relu(h)
    f = W2 @ h_relu
    record(notes, h=h, h_relu=h_relu, f=f)
    return f


_TWO_LAYER_NOTES = {  # the two inputs the notes try, and what they print
    (1.0, -2.0): {"h": [0.0, -7.0], "h_relu": [0.0, 0.0], "f": [0.0]},
    (1.0, 2.0): {"h": [4.0, 5.0], "h_relu": [4.0, 5.0], "f": [-1.0]},
}


@register_program("lecture-09-two-layer", family="lecture")
def build_two_layer(x=(1.0, -2.0)):
    x = _array(x, "x")
    W1 = np.array([[2.0, 1.0], [-1.0, 3.0]])
    b1 = np.zeros(2)
    W2 = np.array([[1.0, -1.0]])
    printed = _TWO_LAYER_NOTES.get(tuple(x.tolist()))
    expected = {"value": printed["f"][0], "forward": printed} if printed else {}
    return Program(
        name="lecture-09-two-layer",
        function=two_layer,
        args=(x, W1, b1, W2),
        argnums=(0, 1, 2, 3),
        description=(
            "f = W2 relu(W1 x + b1): at x = [1, -2] both units are dead and the first sits exactly "
            "on the kink (h = 0); x = [1, 2] gives f = -1 (seed 002)"
        ),
        depth=2,
        expected=expected,
        on_kink=bool(np.any(W1 @ x + b1 == 0)),
    )


# --- example 10: sigmoid saturation ------------------------------------------------------------------
def saturated_sigmoid(x, *, notes=None):
    s = dk.sigmoid(x)
    record(notes, s=s)
    return s


@register_program("lecture-10-sigmoid-saturation", family="lecture")
def build_saturated_sigmoid(x=10.0):
    return Program(
        name="lecture-10-sigmoid-saturation",
        function=saturated_sigmoid,
        args=(x,),
        description="sigmoid(10) = 0.99995 and its gradient 0.0000454: a saturated unit passes almost nothing (seed 002)",
        expected={"value": 0.99995, "grad": {"x": 0.0000454}} if x == 10.0 else {},
        printed_decimals={"value": 5, "grad": 7},
        exact_grad=lambda x: _numpy_sigmoid(x) * (1.0 - _numpy_sigmoid(x)),
    )


# --- example 11: softmax --------------------------------------------------------------------------------
def softmax_probability(z, shift, *, notes=None):
    """The probability of the second class; also softmax(z + shift), which must be the same."""
    p = dk.softmax(z)
    p_shifted = dk.softmax(z + shift)
    record(notes, p=p, p_shifted=p_shifted)
    return p[1]


_SOFTMAX_NOTES = {(1.0, 2.0): [0.269, 0.731], (10.0, 20.0): [4.54e-5, 0.99995]}


def _softmax_grad(z, shift):
    e = np.exp(z - np.max(z))
    p = e / e.sum()
    return p[1] * (np.eye(len(z))[1] - p)


@register_program("lecture-11-softmax", family="lecture")
def build_softmax(z=(1.0, 2.0), shift=100.0):
    z = _array(z, "z")
    shift = check_real(shift, "shift")
    printed = _SOFTMAX_NOTES.get(tuple(z.tolist()))
    expected = {"value": printed[1], "forward": {"p": printed, "p_shifted": printed}} if printed else {}
    return Program(
        name="lecture-11-softmax",
        function=softmax_probability,
        args=(z, float(shift)),
        argnums=0,
        description="softmax([1, 2]) = [0.269, 0.731], softmax([10, 20]) = [4.54e-5, 0.99995]; adding a constant changes nothing (seed 004)",
        expected=expected,
        printed_decimals={"value": 3, "forward": 3} if tuple(z.tolist()) == (1.0, 2.0) else {"value": 5, "forward": 5},
        exact_grad=_softmax_grad,
    )


# --- example 12: the CS 540 network ------------------------------------------------------------------------
CS540_X, CS540_LABEL = 2.0, 1.0


def cs540_network(w1, w2, w3, w4, *, notes=None):
    """Input x = 2, two ReLU hidden units, linear output, squared loss against label 1."""
    h1 = dk.relu(w1 * CS540_X)
    h2 = dk.relu(w2 * CS540_X)
    y_hat = w3 * h1 + w4 * h2
    loss = (y_hat - CS540_LABEL) ** 2
    record(notes, h1=h1, h2=h2, y_hat=y_hat, loss=loss)
    return loss


def _cs540_grad(w1, w2, w3, w4):
    h1, h2 = max(w1 * CS540_X, 0.0), max(w2 * CS540_X, 0.0)
    d_y_hat = 2.0 * (w3 * h1 + w4 * h2 - CS540_LABEL)
    step = step_at_jump()
    return (d_y_hat * w3 * CS540_X * np.heaviside(w1, step), d_y_hat * w4 * CS540_X * np.heaviside(w2, step),
            d_y_hat * h1, d_y_hat * h2)


@register_program("lecture-12-cs540-network", family="lecture")
def build_cs540_network(w1=0.5, w2=1.0, w3=0.2, w4=0.1):
    notes_weights = (w1, w2, w3, w4) == (0.5, 1.0, 0.2, 0.1)
    return Program(
        name="lecture-12-cs540-network",
        function=cs540_network,
        args=(w1, w2, w3, w4),
        argnums=(0, 1, 2, 3),
        description=(
            "CS 540's two-ReLU network at x = 2, label 1, squared loss, biases dropped as in its "
            "backward pass (seed 000). The weights w1 = 0.5, w2 = 1, w3 = 0.2 are chosen here (the "
            "notes show them only in a figure) so that the printed numbers hold: y_hat = 0.4, "
            "dl/dy_hat = -1.2, w4 = 0.1, dl/dw2 = -1.2 * 0.1 * 2 = -0.24"
        ),
        depth=2,
        expected={
            "forward": {"y_hat": 0.4},
            "backward": {"y_hat": -1.2},
            "grad": {"w2": -0.24},
        }
        if notes_weights
        else {},
        exact_grad=_cs540_grad,
    )


# --- example 13: the Brown network -------------------------------------------------------------------------
BROWN_X = np.array([1.0, 2.0, 3.0, 4.0])
BROWN_TARGET = 7.0


def brown_network(W1, b1, W2, b2, *, notes=None):
    """z2 = relu(x W1 + b1) W2 + b2 with squared error against the target 7."""
    z1 = BROWN_X @ W1 + b1
    a1 = dk.relu(z1)
    z2 = a1 @ W2 + b2
    loss = dk.sum((z2 - BROWN_TARGET) ** 2)
    record(notes, z1=z1, a1=a1, z2=z2, loss=loss)
    return loss


@register_program("lecture-13-brown-network", family="lecture")
def build_brown_network():
    W1 = np.array([[0.5, -1.0], [1.0, 0.5], [0.5, 1.0], [-0.5, 0.25]])
    b1 = np.array([1.0, 0.0])
    W2 = np.array([[2.0], [0.5]])
    b2 = np.array([2.0])
    return Program(
        name="lecture-13-brown-network",
        function=brown_network,
        args=(W1, b1, W2, b2),
        argnums=(0, 1, 2, 3),
        description=(
            "Brown's 4-2-1 ReLU network: output 10 against target 7, L = 9, dL/db2 = 6 (seed 004). "
            "The input [1, 2, 3, 4] and the weights are chosen here so that the output is 10"
        ),
        depth=2,
        expected={"value": 9.0, "forward": {"z2": [10.0]}, "backward": {"z2": [6.0]}, "grad": {"b2": [6.0]}},
    )


# --- example 14: the CS 231N network, with its hand-derived gradient ---------------------------------------
def cs231n_network(w1, w2, b, X, y, *, notes=None):
    """f(x) = sigmoid(relu(x w1) w2 + b), mean binary cross-entropy over the N examples."""
    pre = X @ w1
    h = dk.relu(pre)
    z = h @ w2 + b
    p = dk.sigmoid(z)
    loss = -dk.mean(y * dk.log(p) + (1.0 - y) * dk.log(1.0 - p))
    record(notes, pre=pre, h=h, z=z, p=p, loss=loss)
    return loss


def cs231n_closed_form(w1, w2, b, X, y):
    """The notes' gradient node by node, written out by hand in NumPy."""
    n = X.shape[0]
    pre = X @ w1
    h = np.maximum(pre, 0.0)
    p = _numpy_sigmoid(h @ w2 + b)
    d_p = (-y / p + (1.0 - y) / (1.0 - p)) / n  # step 1: BCE node
    d_z = d_p * p * (1.0 - p)  # step 2: sigmoid node
    d_w2 = h.T @ d_z  # step 3: linear layer
    d_b = d_z.sum(axis=0)
    d_h = d_z @ w2.T
    d_pre = d_h * np.heaviside(pre, step_at_jump())  # step 4: ReLU node (at the kink: dk.kinks, 1/2 by default)
    d_w1 = X.T @ d_pre  # step 5: linear layer
    return (d_w1, d_w2, d_b)


@register_program("lecture-14-cs231n-network", family="lecture")
def build_cs231n_network(n=3, seed=0):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise errors.InputError(f"n (the number of examples) must be a positive integer; got {n!r}")
    rng = np.random.default_rng(check_seed(seed))
    X = rng.normal(size=(n, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)  # a small XOR-like labelling of the points
    w1 = rng.normal(size=(2, 3))
    w2 = rng.normal(size=(3, 1))
    b = np.array([0.1])
    return Program(
        name="lecture-14-cs231n-network",
        function=cs231n_network,
        args=(w1, w2, b, X, y),
        argnums=(0, 1, 2),
        description=(
            "CS 231N's sigmoid(relu(x w1) w2 + b), w1 2x3, w2 3x1, mean binary cross-entropy over N "
            "seeded examples; exact_grad is the notes' node-by-node closed form (seed 003)"
        ),
        depth=2,
        on_kink=bool(np.any(X @ w1 == 0)),
        exact_grad=cs231n_closed_form,
    )


# --- example 16: the loop symbolic differentiation cannot follow --------------------------------------------
@register_program("lecture-16-while-halving", family="lecture")
def build_while_halving(x=37.0):
    x = check_real(x, "x")
    k = halvings(x, 5.0)
    return Program(
        name="lecture-16-while-halving",
        function=halve_until_small,
        args=(float(x),),
        description=(
            "while abs(x) > 5: x = x / 2, the loop the notes say symbolic differentiation cannot "
            f"handle (seed 004); here {k} halvings, so the derivative is 2**-{k}"
        ),
        depth=k,
        control_flow="data-dependent",
        on_kink=on_halving_boundary(x, 5.0),
        exact_grad=lambda x: 2.0 ** -halvings(x, 5.0),
    )
