"""Seed 002: the long-form essay on backprop built on CS 231n, every number it prints.

Its worked examples print the same quantities in three places that do not agree: the
prose rounds the sigmoid neuron's local gradient to 0.20 before multiplying (so
df/dx0 = 0.40, df/dw1 = -0.40, df/dx1 = -0.60), the pseudocode to 0.197 (0.394, -0.394,
-0.591), while the true values are 0.393, -0.393 and -0.590. Its matrix product y is not
x W, and "0.99995 x 0.00005 = 0.0000454" does not multiply out (the true sigma'(10) is
0.0000454, but the printed factors give 0.00005).
"""

import numpy as np

from ... import ops as dk
from ...api import gradient, grad
from ...methods.transforms import jacobian
from ..lectures import PRINTED_Y, TRUE_Y
from .model import Deck, Printed, arithmetic, at, computed, program

ADD = program("lecture-01-add-multiply")
NEURON = program("lecture-02-sigmoid-neuron")
GATES = program("lecture-03-sigmoid-gates")
CHAINS = program("lecture-04-chain-rules")
PATTERNS = program("lecture-05-gate-patterns")
RELU = program("lecture-06-relu-backward")
MATMUL = program("lecture-07-matmul")
LAYER = program("lecture-08-fc-layer")
DEAD = program("lecture-09-two-layer", x=(1.0, -2.0))
ALIVE = program("lecture-09-two-layer", x=(1.0, 2.0))
SATURATED = program("lecture-10-sigmoid-saturation", x=10.0)
CENTRE = program("lecture-10-sigmoid-saturation", x=0.0)


def _entry(ref, key, *index):
    return computed(f"{key}{list(index)} of {ref.name}", lambda v: np.asarray(v(ref, key))[index])


def _xor(a, b):
    return computed(f"XOR of ({a}, {b})", lambda v: float(bool(a) != bool(b)))


def _bumped(x, y, z):
    return computed(f"f({x}, {y}, {z}) evaluated by diffkit", lambda v: v.program(ADD).function(x, y, z))


def _forward_difference(argnum):
    def difference(v):
        add = v.program(ADD)
        return gradient(add.function, *add.args, argnums=argnum, method="fd-forward", step=0.001).grad

    return computed(f"diffkit's forward difference with step 0.001 (argument {argnum})", difference)


def _local(text, function, point):
    return computed(f"diffkit's derivative of {text} at {point}", lambda v: grad(function)(point))


def _tanh(x):
    return dk.tanh(x)


def _relu(x):
    return dk.relu(x)


def _leaky(x):
    return dk.leaky_relu(x)


def _elu(x):
    return dk.elu(x)


def _square(x):
    return x**2


def _cube(a):
    return a**3


def _negate(b):
    return -b


PRINTED = [
    # --- XOR ---------------------------------------------------------------------------------------
    Printed("prose", "(0,0) → class 0", "class of (0, 0)", "0", _xor(0, 0)),
    Printed("prose", "(0,1) → class 1", "class of (0, 1)", "1", _xor(0, 1)),
    Printed("prose", "(1,0) → class 1", "class of (1, 0)", "1", _xor(1, 0)),
    Printed("prose", "(1,1) → class 0", "class of (1, 1)", "0", _xor(1, 1)),
    Printed("prose", "a 3072-dimensional image (32×32×3 CIFAR-10 image flattened)", "32 x 32 x 3", "3072",
            arithmetic("32 * 32 * 3"), kind="arithmetic"),
    # --- two-layer forward pass (example 9) ---------------------------------------------------------
    Printed("prose", "Step 1: h = W1x + b1 = [2·1 + 1·(-2), -1·1 + 3·(-2)] = [0, -7]", "2·1 + 1·(-2)", "0",
            arithmetic("2 * 1 + 1 * (-2)"), kind="arithmetic"),
    Printed("prose", "Step 1: h = W1x + b1 = [2·1 + 1·(-2), -1·1 + 3·(-2)] = [0, -7]", "-1·1 + 3·(-2)", "-7",
            arithmetic("-1 * 1 + 3 * (-2)"), kind="arithmetic"),
    Printed("prose", "Step 1: h = W1x + b1 = ... = [0, -7]", "h at x = [1, -2]", "[0, -7]", at(DEAD, "forward.h")),
    Printed("prose", "Step 2: h' = max(0, h) = max(0, [0, -7]) = [0, 0]", "h' at x = [1, -2]", "[0, 0]",
            at(DEAD, "forward.h_relu")),
    Printed("prose", "Step 3: f = W2h' + b2 = [1·0 + (-1)·0] = [0]", "f at x = [1, -2]", "[0]", at(DEAD, "forward.f")),
    Printed("prose", "Let's try x = [1, 2]: h = [4, 5]", "h at x = [1, 2]", "[4, 5]", at(ALIVE, "forward.h")),
    Printed("prose", "h' = [4, 5]", "h' at x = [1, 2]", "[4, 5]", at(ALIVE, "forward.h_relu")),
    Printed("prose", "f = [4 - 5] = [-1]", "f at x = [1, 2]", "[-1]", at(ALIVE, "forward.f")),
    # --- sigmoid saturation (example 10) ------------------------------------------------------------------
    Printed("prose", "Input x = 10. σ(10) = 1/(1 + e-10) ≈ 0.99995", "sigma(10)", "0.99995", at(SATURATED, "value")),
    Printed("prose", "Derivative: 0.99995 × 0.00005 = 0.0000454", "1 - sigma(10)", "0.00005",
            computed("1 - sigma(10) by diffkit", lambda v: 1.0 - v(SATURATED, "value"))),
    Printed("prose", "Derivative: 0.99995 × 0.00005 = 0.0000454", "sigma'(10)", "0.0000454", at(SATURATED, "grad.x")),
    Printed("prose", "Derivative: 0.99995 × 0.00005 = 0.0000454", "0.99995 x 0.00005", "0.0000454",
            arithmetic("0.99995 * 0.00005"), kind="arithmetic",
            note="the printed factors multiply to 0.00005; 0.0000454 is sigma'(10) itself"),
    Printed("prose", "If the upstream gradient is 1.0, the downstream gradient is 0.0000454", "downstream at x = 10",
            "0.0000454", at(SATURATED, "grad.x")),
    Printed("prose", "four orders of magnitude smaller", "upstream / downstream", "1e4",
            computed("1 / sigma'(10)", lambda v: 1.0 / v(SATURATED, "grad.x")), kind="order"),
    # --- activations ------------------------------------------------------------------------------------
    Printed("prose", "For positive inputs, the gradient is exactly 1", "relu'(2)", "1", _local("relu", _relu, 2.0)),
    Printed("prose", "The gradient is either 0 (neuron off) or 1 (neuron on)", "relu'(-2)", "0",
            _local("relu", _relu, -2.0)),
    Printed("prose", "Leaky ReLU fixes dead neurons by allowing a small gradient (α = 0.01)", "leaky_relu'(-1)",
            "0.01", _local("leaky_relu", _leaky, -1.0)),
    Printed("table", "| Sigmoid | (0, 1) | 0.25 |", "sigmoid'(0)", "0.25", at(CENTRE, "grad.x")),
    Printed("table", "| Tanh | (−1, 1) | 1.0 |", "tanh'(0)", "1.0", _local("tanh", _tanh, 0.0)),
    Printed("table", "| ELU | (−α, ∞) | ~α |", "elu'(0), alpha = 1", lambda v: 1.0, _local("elu", _elu, 0.0),
            kind="formula", note="~alpha with alpha = 1; at the kink diffkit takes the mean of the slopes alpha and 1"),
    # --- the first graph (example 1) ------------------------------------------------------------------------
    Printed("prose", "Let x = −2, y = 5, z = −4.", "x", "-2", at(ADD, "arg.x")),
    Printed("prose", "Let x = −2, y = 5, z = −4.", "y", "5", at(ADD, "arg.y")),
    Printed("prose", "Let x = −2, y = 5, z = −4.", "z", "-4", at(ADD, "arg.z")),
    Printed("prose", "Node 1 (add): q = x + y = −2 + 5 = 3.", "q", "3", at(ADD, "forward.q")),
    Printed("prose", "Node 2 (multiply): f = q · z = 3 · (−4) = −12.", "f", "-12", at(ADD, "value")),
    Printed("prose", "Step 1 — Base case: df/df = 1", "df/df", "1", at(ADD, "backward.f")),
    Printed("prose", "Local gradients: ∂f/∂q = z = −4, ∂f/∂z = q = 3.", "df/dq", "-4", at(ADD, "backward.q")),
    Printed("prose", "Local gradients: ∂f/∂q = z = −4, ∂f/∂z = q = 3.", "df/dz", "3", at(ADD, "grad.z")),
    Printed("prose", "Downstream: df/dq = 1 · (−4) = −4. df/dz = 1 · 3 = 3.", "df/dq", "-4", at(ADD, "backward.q")),
    Printed("prose", "Downstream: df/dq = 1 · (−4) = −4. df/dz = 1 · 3 = 3.", "df/dz", "3", at(ADD, "grad.z")),
    Printed("prose", "Local gradients: ∂q/∂x = 1, ∂q/∂y = 1.", "dq/dx", "1",
            computed("df/dx / df/dq", lambda v: v(ADD, "grad.x") / v(ADD, "backward.q"))),
    Printed("prose", "Downstream: df/dx = (−4) · 1 = −4. df/dy = (−4) · 1 = −4.", "df/dx", "-4", at(ADD, "grad.x")),
    Printed("prose", "Downstream: df/dx = (−4) · 1 = −4. df/dy = (−4) · 1 = −4.", "df/dy", "-4", at(ADD, "grad.y")),
    Printed("prose", "Check ∂f/∂x: ... New f = (−1.999 + 5) · (−4) = 3.001 · (−4) = −12.004.", "-1.999 + 5", "3.001",
            arithmetic("-1.999 + 5"), kind="arithmetic"),
    Printed("prose", "New f = (−1.999 + 5) · (−4) = 3.001 · (−4) = −12.004", "f(-1.999, 5, -4)", "-12.004",
            _bumped(-1.999, 5.0, -4.0)),
    Printed("prose", "Change in f: −12.004 − (−12) = −0.004.", "-12.004 - (-12)", "-0.004",
            arithmetic("-12.004 - (-12)"), kind="arithmetic"),
    Printed("prose", "Gradient ≈ −0.004/0.001 = −4.", "forward difference in x", "-4", _forward_difference(0)),
    Printed("prose", "df/dy: Bump y from 5 to 5.001 ... −12.004. Gradient ≈ −4.", "f(-2, 5.001, -4)", "-12.004",
            _bumped(-2.0, 5.001, -4.0)),
    Printed("prose", "df/dy: ... Gradient ≈ −4. Matches.", "forward difference in y", "-4", _forward_difference(1)),
    Printed("prose", "df/dz: Bump z from −4 to −3.999. New f = 3(−3.999) = −11.997.", "f(-2, 5, -3.999)", "-11.997",
            _bumped(-2.0, 5.0, -3.999)),
    Printed("prose", "Gradient ≈ (−11.997+12)/0.001 = 3.", "forward difference in z", "3", _forward_difference(2)),
    Printed("prose", "df/dx = −4 means: if x increases by 1, f decreases by 4.", "f(-1, 5, -4) - f(-2, 5, -4)", "-4",
            computed("f(-1, 5, -4) - f(-2, 5, -4) by diffkit",
                     lambda v: v.program(ADD).function(-1.0, 5.0, -4.0) - v(ADD, "value"))),
    Printed("prose", "df/dz = 3 means: if z increases by 1, f increases by 3.", "f(-2, 5, -3) - f(-2, 5, -4)", "3",
            computed("f(-2, 5, -3) - f(-2, 5, -4) by diffkit",
                     lambda v: v.program(ADD).function(-2.0, 5.0, -3.0) - v(ADD, "value"))),
    Printed("prose", "the gradient on q is z (−4) and the gradient on z is q (3)", "df/dq", "-4", at(ADD, "backward.q")),
    Printed("prose", "the gradient on q is z (−4) and the gradient on z is q (3)", "df/dz", "3", at(ADD, "grad.z")),
    Printed("prose", "both inputs (x and y) get the same gradient (−4)", "df/dx", "-4", at(ADD, "grad.x")),
    Printed("code", "x.grad = -4, y.grad = -4, z.grad = 3", "x.grad", "-4", at(ADD, "grad.x")),
    Printed("code", "x.grad = -4, y.grad = -4, z.grad = 3", "y.grad", "-4", at(ADD, "grad.y")),
    Printed("code", "x.grad = -4, y.grad = -4, z.grad = 3", "z.grad", "3", at(ADD, "grad.z")),
    # --- chains (example 4) -----------------------------------------------------------------------------------
    Printed("formula", "y = 3x ... dy/dx = 3", "dy/dx at x = 2", lambda v: 3.0,
            computed("dz/dx / dz/dy", lambda v: v(CHAINS, "grad.x_scale") / v(CHAINS, "backward.y")), kind="formula"),
    Printed("formula", "dz/dy = 2y = 2(3x) = 6x", "dz/dy at x = 2", lambda v: 6.0 * v(CHAINS, "arg.x_scale"),
            at(CHAINS, "backward.y"), kind="formula"),
    Printed("formula", "Chain rule: dz/dx = (dz/dy)(dy/dx) = 6x · 3 = 18x", "dz/dx at x = 2",
            lambda v: 18.0 * v(CHAINS, "arg.x_scale"), at(CHAINS, "grad.x_scale"), kind="formula"),
    Printed("formula", "Check: z = y2 = (3x)2 = 9x2", "z at x = 2", lambda v: 9.0 * v(CHAINS, "arg.x_scale") ** 2,
            at(CHAINS, "forward.z_scale"), kind="formula"),
    Printed("prose", "Path through a: ∂z/∂a · da/dx = 1 · 2 = 2.", "dz/da", "1", at(CHAINS, "backward.a_paths")),
    Printed("prose", "Path through a: ∂z/∂a · da/dx = 1 · 2 = 2.", "da/dx", "2", _local("2x", lambda x: 2.0 * x, 3.0)),
    Printed("formula", "Path through b: ∂z/∂b · db/dx = 1 · 2x = 2x.", "db/dx at x = 3",
            lambda v: 2.0 * v(CHAINS, "arg.x_paths"), _local("x^2", _square, 3.0), kind="formula"),
    Printed("formula", "Total: dz/dx = 2 + 2x.", "dz/dx at x = 3", lambda v: 2.0 + 2.0 * v(CHAINS, "arg.x_paths"),
            at(CHAINS, "grad.x_paths"), kind="formula"),
    Printed("prose", "a = 2x (da/dx = 2)", "da/dx", "2", _local("2x", lambda x: 2.0 * x, 1.0)),
    Printed("formula", "b = a3 (db/da = 3a2)", "db/da at a = 2", lambda v: 3.0 * v(CHAINS, "forward.a") ** 2,
            _local("a^3", _cube, 2.0), kind="formula"),
    Printed("prose", "L = −b (dL/db = −1)", "dL/db", "-1", at(CHAINS, "backward.b")),
    Printed("prose", "At x = 1: a = 2, b = 8, L = −8.", "a", "2", at(CHAINS, "forward.a")),
    Printed("prose", "At x = 1: a = 2, b = 8, L = −8.", "b", "8", at(CHAINS, "forward.b")),
    Printed("prose", "At x = 1: a = 2, b = 8, L = −8.", "L", "-8", at(CHAINS, "forward.L")),
    Printed("prose", "dL/dx = (−1) · (3 × 4) · 2 = −1 · 12 · 2 = −24.", "3 x 4", "12", arithmetic("3 * 4"),
            kind="arithmetic"),
    Printed("prose", "dL/dx = (−1) · (3 × 4) · 2 = −1 · 12 · 2 = −24.", "db/da at a = 2", "12",
            _local("a^3", _cube, 2.0)),
    Printed("prose", "dL/dx = (−1) · (3 × 4) · 2 = −1 · 12 · 2 = −24.", "(-1) 12 2", "-24",
            arithmetic("(-1) * 12 * 2"), kind="arithmetic"),
    Printed("prose", "dL/dx = (−1) · (3 × 4) · 2 = −1 · 12 · 2 = −24.", "dL/dx", "-24", at(CHAINS, "grad.x_cube")),
    Printed("formula", "Check: L = −(2x)3 = −8x3. dL/dx = −24x2. At x = 1: −24.", "dL/dx at x = 1",
            lambda v: -24.0 * v(CHAINS, "arg.x_cube") ** 2, at(CHAINS, "grad.x_cube"), kind="formula"),
    Printed("prose", "the max gradient is 0.25", "sigmoid'(0)", "0.25", at(CENTRE, "grad.x")),
    Printed("prose", "Ten sigmoid layers: gradient ≤ 0.2510 ≈ 10−6", "0.25^10", "1e-6",
            computed("sigmoid'(0) ** 10", lambda v: v(CENTRE, "grad.x") ** 10), kind="order"),
    Printed("prose", "ReLU (which has local gradient exactly 1 when active)", "relu'(2)", "1",
            _local("relu", _relu, 2.0)),
    # --- the sigmoid neuron (example 2), prose ------------------------------------------------------------------
    Printed("prose", "Let's set w0 = 2, x0 = −1, w1 = −3, x1 = −2, w2 = −3.", "w0", "2", at(NEURON, "arg.w0")),
    Printed("prose", "Let's set w0 = 2, x0 = −1, w1 = −3, x1 = −2, w2 = −3.", "x0", "-1", at(NEURON, "arg.x0")),
    Printed("prose", "Let's set w0 = 2, x0 = −1, w1 = −3, x1 = −2, w2 = −3.", "w1", "-3", at(NEURON, "arg.w1")),
    Printed("prose", "Let's set w0 = 2, x0 = −1, w1 = −3, x1 = −2, w2 = −3.", "x1", "-2", at(NEURON, "arg.x1")),
    Printed("prose", "Let's set w0 = 2, x0 = −1, w1 = −3, x1 = −2, w2 = −3.", "w2", "-3", at(NEURON, "arg.w2")),
    Printed("prose", "Forward: w0x0 = 2·(−1) = −2.", "w0 x0", "-2", at(NEURON, "forward.d0")),
    Printed("prose", "w1x1 = (−3)·(−2) = 6.", "w1 x1", "6", at(NEURON, "forward.d1")),
    Printed("prose", "Sum = −2 + 6 + (−3) = 1.", "sum", "1", at(NEURON, "forward.d3")),
    Printed("prose", "Sigmoid: 1/(1 + e−1) ≈ 0.73.", "f", "0.73", at(NEURON, "value")),
    Printed("prose", "σ(x)(1 − σ(x)) = 0.73 · 0.27 ≈ 0.20", "1 - sigma(1)", "0.27",
            computed("1 - f by diffkit", lambda v: 1.0 - v(NEURON, "value"))),
    Printed("prose", "σ(x)(1 − σ(x)) = 0.73 · 0.27 ≈ 0.20", "0.73 x 0.27", "0.20", arithmetic("0.73 * 0.27"),
            kind="arithmetic"),
    Printed("prose", "σ(x)(1 − σ(x)) = 0.73 · 0.27 ≈ 0.20", "local gradient of the sigmoid", "0.20",
            at(NEURON, "backward.d3")),
    Printed("prose", "Gradient at sigmoid output: 1 × 0.20 = 0.20", "df/d(sum)", "0.20", at(NEURON, "backward.d3")),
    Printed("prose", "The sum node distributes: gradient to each input of the sum is 0.20", "df/d(w0 x0)", "0.20",
            at(NEURON, "backward.d0")),
    Printed("prose", "∂/∂w0 = x0 × 0.20 = (−1)(0.20) = −0.20", "df/dw0", "-0.20", at(NEURON, "grad.w0")),
    Printed("prose", "∂/∂x0 = w0 × 0.20 = 2(0.20) = 0.40", "df/dx0", "0.40", at(NEURON, "grad.x0"),
            note="0.20 x 2 uses the rounded 0.20; the true value is 0.393"),
    Printed("prose", "∂/∂x0 = w0 × 0.20 = 2(0.20) = 0.40", "2 x 0.20", "0.40", arithmetic("2 * 0.20"),
            kind="arithmetic"),
    Printed("prose", "∂/∂w1 = x1 × 0.20 = (−2)(0.20) = −0.40", "df/dw1", "-0.40", at(NEURON, "grad.w1"),
            note="the rounded 0.20 again; the true value is -0.393"),
    Printed("prose", "∂/∂x1 = w1 × 0.20 = (−3)(0.20) = −0.60", "df/dx1", "-0.60", at(NEURON, "grad.x1"),
            note="the rounded 0.20 again; the true value is -0.590"),
    Printed("prose", "∂/∂w2 = 1 × 0.20 = 0.20 (bias is just added)", "df/dw2", "0.20", at(NEURON, "grad.w2")),
    Printed("prose", "Maximum at x = 0 where σ(0) = 0.5", "sigma(0)", "0.5", at(CENTRE, "value")),
    Printed("prose", "gradient = 0.5 × 0.5 = 0.25", "sigmoid'(0)", "0.25", at(CENTRE, "grad.x")),
    # --- gate patterns (example 5) -----------------------------------------------------------------------------
    Printed("prose", "x = 3, y = 4. z = x + y = 7.", "z (add)", "7", at(PATTERNS, "forward.z_add")),
    Printed("prose", "Upstream gradient: dL/dz = 2.", "dL/dz (add)", "2", at(PATTERNS, "backward.z_add")),
    Printed("prose", "dL/dx = dL/dz · ∂z/∂x = 2 · 1 = 2.", "dL/dx (add)", "2", at(PATTERNS, "grad.x_add")),
    Printed("prose", "dL/dy = dL/dz · ∂z/∂y = 2 · 1 = 2.", "dL/dy (add)", "2", at(PATTERNS, "grad.y_add")),
    Printed("prose", "x = 2, y = 3. z = xy = 6.", "z (multiply)", "6", at(PATTERNS, "forward.z_mul")),
    Printed("prose", "Upstream gradient: dL/dz = 5.", "dL/dz (multiply)", "5", at(PATTERNS, "backward.z_mul")),
    Printed("prose", "dL/dx = dL/dz · ∂z/∂x = 5 · y = 5 · 3 = 15.", "dL/dx (multiply)", "15",
            at(PATTERNS, "grad.x_mul")),
    Printed("prose", "dL/dy = dL/dz · ∂z/∂y = 5 · x = 5 · 2 = 10.", "dL/dy (multiply)", "10",
            at(PATTERNS, "grad.y_mul")),
    Printed("prose", "x = 4, y = 9. z = max(4, 9) = 9.", "z (max)", "9", at(PATTERNS, "forward.z_max")),
    Printed("prose", "Upstream gradient: dL/dz = 5.", "dL/dz (max)", "5", at(PATTERNS, "backward.z_max")),
    Printed("prose", "dL/dx = 5 · 0 = 0 (x lost the max).", "dL/dx (max)", "0", at(PATTERNS, "grad.x_max")),
    Printed("prose", "dL/dy = 5 · 1 = 5 (y won the max).", "dL/dy (max)", "5", at(PATTERNS, "grad.y_max")),
    Printed("prose", "dL/dx = 4 + 2 = 6.", "dL/dx (fan-out)", "6", at(PATTERNS, "grad.x_fan")),
    # --- ReLU backward (example 6) -----------------------------------------------------------------------------
    Printed("prose", "Input: x = [1, −2, 3, −1].", "x", "[1, -2, 3, -1]", at(RELU, "arg.x")),
    Printed("prose", "f(x) = max(0, x) = [1, 0, 3, 0].", "relu(x)", "[1, 0, 3, 0]", at(RELU, "forward.y")),
    Printed("prose", "Upstream: dL/dz = [4, −1, 5, 9].", "upstream", "[4, -1, 5, 9]", at(RELU, "backward.y")),
    Printed("prose", "J = [[1,0,0,0], [0,0,0,0], [0,0,1,0], [0,0,0,0]]", "Jacobian of relu at x",
            "[[1,0,0,0], [0,0,0,0], [0,0,1,0], [0,0,0,0]]",
            computed("dk.jacobian(dk.relu) at x", lambda v: jacobian(_relu)(v(RELU, "arg.x")))),
    Printed("prose", "dL/dx = JT · dL/dz = [1·4, 0·(−1), 1·5, 0·9] = [4, 0, 5, 0].", "dL/dx", "[4, 0, 5, 0]",
            at(RELU, "grad.x")),
    Printed("prose", "the Jacobian is 4096×4096 = 16 million entries", "4096 x 4096 (in units of 2^20)", "16",
            arithmetic("4096 * 4096 / (1024 * 1024)"), kind="arithmetic", note="binary millions: 2^24 = 16 x 2^20"),
    Printed("prose", "about 64 MB per layer", "4096 x 4096 float32 entries, in MiB", "64",
            arithmetic("4096 * 4096 * 4 / (1024 * 1024)"), kind="arithmetic"),
    # --- matrix multiply (example 7) -----------------------------------------------------------------------------
    Printed("prose", "x = [[2, 1, −3], [−3, 4, 2]] (2×3).", "x", "[[2, 1, -3], [-3, 4, 2]]", at(MATMUL, "arg.x")),
    Printed("prose", "W = [[3,2,1,−1],[2,1,3,2],[3,2,1,−2]] (3×4).", "W", "[[3,2,1,-1],[2,1,3,2],[3,2,1,-2]]",
            at(MATMUL, "arg.W")),
    *[Printed("prose", "y = xW = [[13, 9, −2, −6], [5, 2, 17, 1]] (2×4).", f"y[{i},{j}] = (x W)[{i},{j}]",
              str(PRINTED_Y[i][j]), _entry(MATMUL, "forward.y", i, j),
              note="" if PRINTED_Y[i][j] == TRUE_Y[i][j] else f"x W has {TRUE_Y[i][j]:g} here")
      for i in range(2) for j in range(4)],
    Printed("prose", "y = xW = [[13, 9, −2, −6], [5, 2, 17, 1]] (2×4).", "shape of y", "(2, 4)",
            at(MATMUL, "forward.y"), kind="shape"),
    Printed("prose", "Upstream: dL/dy = [[2, 3, −3, 9], [−8, 1, 4, 6]] (2×4).", "dL/dy",
            "[[2, 3, -3, 9], [-8, 1, 4, 6]]", at(MATMUL, "backward.y")),
    Printed("prose", "dL/dx = dL/dy · WT (2×4 · 4×3 = 2×3).", "shape of dL/dx", "(2, 3)", at(MATMUL, "grad.x"),
            kind="shape"),
    Printed("prose", "dL/dW = xT · dL/dy (3×2 · 2×4 = 3×4).", "shape of dL/dW", "(3, 4)", at(MATMUL, "grad.W"),
            kind="shape"),
    # --- a fully connected layer (example 8) ---------------------------------------------------------------------
    Printed("prose", "x = [[1, 2]] (1×2), W = [[0.5, -0.3], [0.8, 0.1]] (2×2), b = [[0.1, -0.2]].", "W",
            "[[0.5, -0.3], [0.8, 0.1]]", at(LAYER, "arg.W")),
    Printed("prose", "x = [[1, 2]] (1×2), W = [[0.5, -0.3], [0.8, 0.1]] (2×2), b = [[0.1, -0.2]].", "b",
            "[[0.1, -0.2]]", at(LAYER, "arg.b")),
    Printed("prose", "Forward: xW = [[1·0.5 + 2·0.8, 1·(-0.3) + 2·0.1]] = [[2.1, -0.1]].", "x W", "[[2.1, -0.1]]",
            at(LAYER, "forward.xW")),
    Printed("prose", "Plus b: [[2.2, -0.3]].", "x W + b", "[[2.2, -0.3]]", at(LAYER, "forward.pre")),
    Printed("prose", "ReLU: [[2.2, 0]].", "y", "[[2.2, 0]]", at(LAYER, "forward.y")),
    Printed("prose", "Upstream dL/dy = [[1, 1]].", "dL/dy", "[[1, 1]]",
            computed("the gradient of sum(y) at y", lambda v: np.ones((1, 2)))),
    Printed("prose", "ReLU backward: mask = [[1, 0]]", "relu'(pre)", "[[1, 0]]",
            computed("dk.grad(relu) at each entry of pre",
                     lambda v: np.array([[grad(_relu)(float(p)) for p in v(LAYER, "forward.pre")[0]]]))),
    Printed("prose", "dL/d(pre) = [[1·1, 1·0]] = [[1, 0]].", "dL/d(pre)", "[[1, 0]]", at(LAYER, "backward.pre")),
    Printed("prose", "dL/db = [[1, 0]].", "dL/db", "[[1, 0]]", at(LAYER, "grad.b")),
    Printed("prose", "dL/dW = xT · [[1, 0]] = [[1],[2]] · [[1, 0]] = [[1, 0], [2, 0]].", "x^T", "[[1],[2]]",
            computed("x transposed", lambda v: v(LAYER, "arg.x").T)),
    Printed("prose", "dL/dW = xT · [[1, 0]] = [[1],[2]] · [[1, 0]] = [[1, 0], [2, 0]].", "dL/dW",
            "[[1, 0], [2, 0]]", at(LAYER, "grad.W")),
    Printed("prose", "dL/dx = [[1, 0]] · WT = [[1, 0]] · [[0.5, 0.8], [-0.3, 0.1]] = [[0.5, 0.8]].", "W^T",
            "[[0.5, 0.8], [-0.3, 0.1]]", computed("W transposed", lambda v: v(LAYER, "arg.W").T)),
    Printed("prose", "dL/dx = [[1, 0]] · WT = [[1, 0]] · [[0.5, 0.8], [-0.3, 0.1]] = [[0.5, 0.8]].", "dL/dx",
            "[[0.5, 0.8]]", at(LAYER, "grad.x")),
    # --- the sigmoid gate by gate (example 3) -----------------------------------------------------------------------
    Printed("prose", "f(w, x) = 1 / (1 + e−(w·x + b)). Let w = 2, x = −1, b = 3.", "w", "2", at(GATES, "arg.w")),
    Printed("prose", "f(w, x) = 1 / (1 + e−(w·x + b)). Let w = 2, x = −1, b = 3.", "x", "-1", at(GATES, "arg.x")),
    Printed("prose", "f(w, x) = 1 / (1 + e−(w·x + b)). Let w = 2, x = −1, b = 3.", "b", "3", at(GATES, "arg.b")),
    Printed("prose", "1. a = w · x = 2 × (−1) = −2 [multiply gate]", "a", "-2", at(GATES, "forward.a")),
    Printed("prose", "2. c = a + b = −2 + 3 = 1 [add gate]", "c", "1", at(GATES, "forward.c")),
    Printed("prose", "3. d = −c = −1 [negate gate]", "d", "-1", at(GATES, "forward.d")),
    Printed("prose", "4. e = exp(d) = e−1 ≈ 0.368 [exp gate]", "e", "0.368", at(GATES, "forward.e")),
    Printed("prose", "5. g = 1 + e = 1.368 [add gate]", "g", "1.368", at(GATES, "forward.g")),
    Printed("prose", "6. f = 1/g ≈ 0.731 [reciprocal gate]", "f", "0.731", at(GATES, "value")),
    Printed("prose", "6. df/df = 1. Reciprocal: df/dg = −1/g2 = −1/1.3682 ≈ −0.534", "df/dg", "-0.534",
            at(GATES, "backward.g")),
    Printed("prose", "6. df/df = 1. Reciprocal: df/dg = −1/g2 = −1/1.3682 ≈ −0.534", "-1/1.368^2", "-0.534",
            arithmetic("-1 / (1.368 * 1.368)"), kind="arithmetic"),
    Printed("prose", "5. Add gate distributes: df/d(1) = −0.534, df/de = −0.534", "df/d(1)", "-0.534",
            computed("df/dg (the constant 1 receives what g receives)", lambda v: v(GATES, "backward.g"))),
    Printed("prose", "5. Add gate distributes: df/d(1) = −0.534, df/de = −0.534", "df/de", "-0.534",
            at(GATES, "backward.e")),
    Printed("prose", "4. Exp gate: local grad = ed = 0.368.", "exp'(d)", "0.368",
            _local("exp", dk.exp, -1.0)),
    Printed("prose", "df/dd = −0.534 × 0.368 ≈ −0.197", "df/dd", "-0.197", at(GATES, "backward.d")),
    Printed("prose", "df/dd = −0.534 × 0.368 ≈ −0.197", "-0.534 x 0.368", "-0.197", arithmetic("-0.534 * 0.368"),
            kind="arithmetic"),
    Printed("prose", "3. Negate: df/dc = −0.197 × (−1) = 0.197", "df/dc", "0.197", at(GATES, "backward.c")),
    Printed("prose", "2. Add distributes: df/da = 0.197, df/db = 0.197", "df/da", "0.197", at(GATES, "backward.a")),
    Printed("prose", "2. Add distributes: df/da = 0.197, df/db = 0.197", "df/db", "0.197", at(GATES, "grad.b")),
    Printed("prose", "1. Multiply swaps: df/dw = 0.197 × x = 0.197 × (−1) = −0.197.", "df/dw", "-0.197",
            at(GATES, "grad.w")),
    Printed("prose", "df/dx = 0.197 × w = 0.197 × 2 = 0.394", "df/dx", "0.394", at(GATES, "grad.x"),
            note="0.197 x 2 uses the rounded 0.197; the true value is 0.393"),
    Printed("prose", "df/dx = 0.197 × w = 0.197 × 2 = 0.394", "0.197 x 2", "0.394", arithmetic("0.197 * 2"),
            kind="arithmetic"),
    Printed("prose", "Shortcut check: σ(1)(1−σ(1)) = 0.731 × 0.269 ≈ 0.197.", "sigma(1)", "0.731", at(GATES, "value")),
    Printed("prose", "Shortcut check: σ(1)(1−σ(1)) = 0.731 × 0.269 ≈ 0.197.", "1 - sigma(1)", "0.269",
            computed("1 - f by diffkit", lambda v: 1.0 - v(GATES, "value"))),
    Printed("prose", "Shortcut check: σ(1)(1−σ(1)) = 0.731 × 0.269 ≈ 0.197.", "0.731 x 0.269", "0.197",
            arithmetic("0.731 * 0.269"), kind="arithmetic"),
    Printed("prose", "Shortcut check: σ(1)(1−σ(1)) = 0.731 × 0.269 ≈ 0.197.", "sigma'(1)", "0.197",
            at(GATES, "backward.c")),
    Printed("prose", "Then dw = 0.197 × x = −0.197. Matches perfectly.", "df/dw", "-0.197", at(GATES, "grad.w")),
    # --- the neuron's pseudocode ------------------------------------------------------------------------------------
    Printed("pseudocode", "w0, x0, w1, x1, w2 = 2, -1, -3, -2, -3", "w0", "2", at(NEURON, "arg.w0")),
    Printed("pseudocode", "d0 = w0 * x0 # -2 (multiply)", "d0", "-2", at(NEURON, "forward.d0")),
    Printed("pseudocode", "d1 = w1 * x1 # 6 (multiply)", "d1", "6", at(NEURON, "forward.d1")),
    Printed("pseudocode", "d2 = d0 + d1 # 4 (add)", "d2", "4", at(NEURON, "forward.d2")),
    Printed("pseudocode", "d3 = d2 + w2 # 1 (add bias)", "d3", "1", at(NEURON, "forward.d3")),
    Printed("pseudocode", "f = 1.0 / (1 + math.exp(-d3)) # 0.731 (sigmoid)", "f", "0.731", at(NEURON, "value")),
    Printed("pseudocode", "df = 1.0 # base case", "df", "1.0", at(NEURON, "backward.f")),
    Printed("pseudocode", "dd3 = f * (1 - f) * df # 0.197 (sigmoid grad)", "dd3", "0.197", at(NEURON, "backward.d3")),
    Printed("pseudocode", "dd2 = 1.0 * dd3 # 0.197 (add passes through)", "dd2", "0.197", at(NEURON, "backward.d2")),
    Printed("pseudocode", "dw2 = 1.0 * dd3 # 0.197 (add passes through)", "dw2", "0.197", at(NEURON, "grad.w2")),
    Printed("pseudocode", "dd0 = 1.0 * dd2 # 0.197 (add distributes)", "dd0", "0.197", at(NEURON, "backward.d0")),
    Printed("pseudocode", "dd1 = 1.0 * dd2 # 0.197 (add distributes)", "dd1", "0.197", at(NEURON, "backward.d1")),
    Printed("pseudocode", "dw0 = x0 * dd0 # -0.197 (mul swaps)", "dw0", "-0.197", at(NEURON, "grad.w0")),
    Printed("pseudocode", "dx0 = w0 * dd0 # 0.394 (mul swaps)", "dx0", "0.394", at(NEURON, "grad.x0"),
            note="2 x 0.197, the rounded 0.197 doubled; the true value is 0.393"),
    Printed("pseudocode", "dw1 = x1 * dd1 # -0.394 (mul swaps)", "dw1", "-0.394", at(NEURON, "grad.w1"),
            note="-2 x 0.197; the true value is -0.393"),
    Printed("pseudocode", "dx1 = w1 * dd1 # -0.591 (mul swaps)", "dx1", "-0.591", at(NEURON, "grad.x1"),
            note="-3 x 0.197; the true value is -0.590"),
    # --- the training step ---------------------------------------------------------------------------------------------
    Printed("prose", "After backward: dW1 = [[0.05, -0.02], [0.10, -0.04]].", "second row of dW1 / first row",
            "[2, 2]", arithmetic("[0.10 / 0.05, -0.04 / -0.02]"), kind="arithmetic",
            note="dW1 = x^T d(pre) with x = [[1, 2]]: its second row must be twice its first, and is; the "
                 "network's weights are not printed, so dW1 itself cannot be recomputed"),
    Printed("prose", "Update: W1[0][0] was 0.50, becomes 0.50 - 0.1 × 0.05 = 0.495.", "0.50 - 0.1 x 0.05", "0.495",
            arithmetic("0.50 - 0.1 * 0.05"), kind="arithmetic"),
]

CONTEXT = [
    ("W (10×3072), 10 templates, 100 hidden units, W1 100×3072, W2 10×100", "sizes of an example network, not a computation"),
    ("score(car) = 0.8 × template1 + 0.5 × template2 + 0.3 × template3", "made-up weights of an illustration"),
    ("Stacking 100 linear layers; W100 · W99 · ... · W1", "an illustration"),
    ("Cybenko, 1989; Hornik, 1991; Krizhevsky et al., 2012; the history table 1676 ... 2015", "citations and years"),
    ("Stack 5 layers of sigmoid", "an illustration"),
    ("trains 6x faster than sigmoid; ~10-20% of neurons may die", "empirical claims from the literature"),
    ("Gradient at x=0: ReLU undefined, Leaky ReLU undefined", "not a number: diffkit's kink convention gives one"),
    ("ranges (0, 1), (−1, 1), [0, ∞), (−∞, ∞), (−α, ∞)", "ranges, not values"),
    ("margins = sj − sy + 1; five nodes", "the hinge loss's margin constant and a count of nodes"),
    ("(N·M) × (N·M) ... could be 256 GB", "N and M are not given"),
    ("h ≈ 10−5; relative error > 10−5 is a bug", "advice: diffkit's check_grad uses central differences with "
     "h = eps^(1/3) max(|x|, 1), about 6e-6, and calls a relative error above 1e-5 wrong"),
    ("Backward pass is ~2x the cost of forward pass; total ≈ 3x; TWO forward passes", "costs (see diffkit's benchmarks)"),
    ("20 lines of NumPy; 4 lines; CS 231n Lecture 5", "counts and references"),
    ("Input x = [[1, 2]], true label y = 0, learning rate = 0.1; loss = 1.38", "the network's weights are not printed: "
     "the loss cannot be recomputed"),
    ("the gradient magnitude 4 ... an input with gradient 0.1", "an illustration"),
]

DECK = Deck(
    key="002",
    file="002_c835d3c524f1e7c0.txt",
    title="a long-form essay on backprop built on Stanford CS 231n",
    printed=PRINTED,
    kinks="mean",
    context=CONTEXT,
    notes="The essay writes no value for relu'(0) ('undefined'); its numbers are checked under diffkit's default.",
)
