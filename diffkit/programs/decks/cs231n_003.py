"""Seed 003: Stanford CS 231N, "An Exercise in Backpropagation", every number it prints.

Besides the warm-up graph, the deck prints formulas, not numbers: each node's local
gradient of f(x) = sigmoid(relu(x w1) w2 + b) with the mean binary cross-entropy. They
are checked by evaluating the printed formula at the zoo's seeded example (N = 3) and
setting it beside diffkit's gradient. The deck writes the ReLU's local gradient as
"1 if > 0, 0 otherwise": relu'(0) = 0, so it is compared under ``dk.kinks("zero")``.
"""

import numpy as np

from ... import ops as dk
from ...api import grad
from .model import Deck, Printed, at, computed, program

WARM_UP = program("lecture-01-add-multiply")
NETWORK = program("lecture-14-cs231n-network")


def _x(v):
    return v(NETWORK, "arg.X")


def _labels(v):
    return v(NETWORK, "arg.y")


def _d_p(v):  # step 1
    p, y = v(NETWORK, "forward.p"), _labels(v)
    return (-y / p + (1.0 - y) / (1.0 - p)) / len(y)


def _d_z(v):  # step 2
    p = v(NETWORK, "forward.p")
    return _d_p(v) * p * (1.0 - p)


def _d_h(v):  # step 3
    return _d_z(v) @ v(NETWORK, "arg.w2").T


def _d_pre(v):  # step 4
    return _d_h(v) * (v(NETWORK, "forward.pre") > 0)


def _relu(x):
    return dk.relu(x)


PRINTED = [
    Printed("slide", "Consider f(x, y, z) = (x + y) · z. Let x = −2, y = 5, z = −4.", "x", "-2", at(WARM_UP, "arg.x")),
    Printed("slide", "Consider f(x, y, z) = (x + y) · z. Let x = −2, y = 5, z = −4.", "y", "5", at(WARM_UP, "arg.y")),
    Printed("slide", "Consider f(x, y, z) = (x + y) · z. Let x = −2, y = 5, z = −4.", "z", "-4", at(WARM_UP, "arg.z")),
    Printed("slide", "At the × gate: ... Multiply by upstream gradient (1).", "upstream at the x gate", "1",
            at(WARM_UP, "backward.f")),
    Printed("formula", "local gradients are ∂(qz)/∂q = z and ∂(qz)/∂z = q", "d(qz)/dq = z", lambda v: v(WARM_UP, "arg.z"),
            at(WARM_UP, "backward.q"), kind="formula"),
    Printed("formula", "local gradients are ∂(qz)/∂q = z and ∂(qz)/∂z = q", "d(qz)/dz = q",
            lambda v: v(WARM_UP, "forward.q"), at(WARM_UP, "grad.z"), kind="formula"),
    Printed("slide", "At the + gate: local gradients are both 1.", "dq/dx", "1",
            computed("df/dx / df/dq", lambda v: v(WARM_UP, "grad.x") / v(WARM_UP, "backward.q"))),
    Printed("slide", "Multiply by upstream gradient (-4).", "upstream at the + gate", "-4", at(WARM_UP, "backward.q")),
    Printed("slide", "w1 ∈ R^{2×3}", "shape of w1", "(2, 3)", at(NETWORK, "arg.w1"), kind="shape"),
    Printed("slide", "w2 ∈ R^{3×1}", "shape of w2", "(3, 1)", at(NETWORK, "arg.w2"), kind="shape"),
    Printed("slide", "b ∈ R^1", "shape of b", "(1,)", at(NETWORK, "arg.b"), kind="shape"),
    Printed("slide", "X ∈ R^{N×2}", "shape of X (N = 3)", "(3, 2)", at(NETWORK, "arg.X"), kind="shape"),
    Printed("formula", "Step 1: ∂ℓ/∂y_pred = (1/N)(−y/y_pred + (1 − y)/(1 − y_pred))", "dl/dy_pred", _d_p,
            at(NETWORK, "backward.p"), kind="formula"),
    Printed("formula", "Step 2: ∂ℓ/∂z = ∂ℓ/∂y_pred · y_pred(1 − y_pred)", "dl/dz", _d_z, at(NETWORK, "backward.z"),
            kind="formula"),
    Printed("formula", "Step 3: ∂ℓ/∂w2 = hᵀ ∂ℓ/∂z", "dl/dw2", lambda v: v(NETWORK, "forward.h").T @ _d_z(v),
            at(NETWORK, "grad.w2"), kind="formula"),
    Printed("slide", "∂ℓ/∂w2 = hᵀ ∂ℓ/∂z (R^{3×1} = R^{3×N} · R^{N×1})", "shape of dl/dw2", "(3, 1)",
            at(NETWORK, "grad.w2"), kind="shape"),
    Printed("formula", "Step 3: ∂ℓ/∂b = Σ_i ∂ℓ/∂z_i", "dl/db", lambda v: _d_z(v).sum(axis=0), at(NETWORK, "grad.b"),
            kind="formula"),
    Printed("formula", "Step 3: ∂ℓ/∂h = ∂ℓ/∂z w2ᵀ", "dl/dh", _d_h, at(NETWORK, "backward.h"), kind="formula"),
    Printed("slide", "∂ℓ/∂h = ∂ℓ/∂z w2ᵀ (R^{N×3} = R^{N×1} · R^{1×3})", "shape of dl/dh (N = 3)", "(3, 3)",
            at(NETWORK, "backward.h"), kind="shape"),
    Printed("formula", "Step 4: ∂ℓ/∂(Xw1) = ∂ℓ/∂h ⊙ 1[Xw1 > 0]", "dl/d(X w1)", _d_pre, at(NETWORK, "backward.pre"),
            kind="formula"),
    Printed("slide", "∂h_ij/∂(Xw1)_ij = 1 if (Xw1)_ij > 0, 0 otherwise", "relu'(0)", "0",
            computed("diffkit's relu'(0) under the deck's convention", lambda v: grad(_relu)(0.0)),
            note="the deck's convention: dk.kinks('zero')"),
    Printed("slide", "∂h_ij/∂(Xw1)_ij = 1 if (Xw1)_ij > 0, 0 otherwise", "relu'(1)", "1",
            computed("diffkit's relu'(1)", lambda v: grad(_relu)(1.0))),
    Printed("formula", "Step 5: ∂ℓ/∂w1 = Xᵀ ∂ℓ/∂(Xw1)", "dl/dw1", lambda v: _x(v).T @ _d_pre(v),
            at(NETWORK, "grad.w1"), kind="formula"),
    Printed("slide", "∂ℓ/∂w1 = Xᵀ ∂ℓ/∂(Xw1) (R^{2×3} = R^{2×N} · R^{N×3})", "shape of dl/dw1", "(2, 3)",
            at(NETWORK, "grad.w1"), kind="shape"),
]

CONTEXT = [
    ("Spring 2026", "a date"),
    ("y ∈ {0, 1}^N; x_+ = max(0, x)", "labels and definitions"),
    ("the graph's green and red values", "only in the figures (not in the text); the warm-up's numbers are the "
     "ones the text prints"),
]

DECK = Deck(
    key="003",
    file="003_330f04e33bac40a6.txt",
    title="Stanford CS 231N, An Exercise in Backpropagation",
    printed=PRINTED,
    kinks="zero",
    context=CONTEXT,
    notes="The deck's ReLU: 1 if > 0, 0 otherwise, so relu'(0) = 0 (dk.kinks('zero')).",
)

del np
