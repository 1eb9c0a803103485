"""Seed 001: Georgia Tech CS 4641, "Neural Networks: Backpropagation", every number it prints.

Its one worked derivative is the chain rule on h(theta) = (2 theta + 1)^4; the printed
formulas are checked at the zoo's point theta = 0.5.
"""

from .model import Deck, Printed, arithmetic, at, computed, program

CHAINS = program("lecture-04-chain-rules")


def _u(v):
    return 2.0 * v(CHAINS, "arg.t") + 1.0


PRINTED = [
    Printed("formula", "f(θ) = 2θ + 1, g(θ) = θ^4, h(θ) = (2θ + 1)^4", "h at theta = 0.5", lambda v: _u(v) ** 4,
            at(CHAINS, "forward.h"), kind="formula"),
    Printed("formula", "dh/du = 4(2θ + 1)^3", "dh/du at theta = 0.5", lambda v: 4.0 * _u(v) ** 3,
            at(CHAINS, "backward.u"), kind="formula"),
    Printed("formula", "du/dθ = 2", "du/dtheta", lambda v: 2.0,
            computed("dh/dtheta / dh/du", lambda v: v(CHAINS, "grad.t") / v(CHAINS, "backward.u")), kind="formula"),
    Printed("formula", "h' = 8(2θ + 1)^3", "h' at theta = 0.5", lambda v: 8.0 * _u(v) ** 3, at(CHAINS, "grad.t"),
            kind="formula"),
    Printed("slide", "28x28 pixels = 784", "28 x 28", "784", arithmetic("28 * 28"), kind="arithmetic"),
]

CONTEXT = [
    ("CS4641 Spring 2025", "a date"),
    ("60,000 images; Grayscale, from 0 to 255 → Converted to [0,1]", "facts about MNIST"),
    ("Y ∈ {0, 1, …, k}; i = 1, …, m; θ^0, θ^t", "indices and labels"),
]

DECK = Deck(
    key="001",
    file="001_8ed8b90ba98ead5e.txt",
    title="Georgia Tech CS 4641, Neural Networks: Backpropagation",
    printed=PRINTED,
    kinks="mean",
    context=CONTEXT,
)
