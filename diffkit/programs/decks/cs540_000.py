"""Seed 000: UW-Madison CS 540, "Neural Networks: Backpropagation", every number it prints.

The network's weights appear only in a figure; the zoo's lecture-12 program picks
weights that make the printed numbers hold (w1 = 0.5, w2 = 1, w3 = 0.2, w4 = 0.1, biases
dropped as in the deck's backward pass).
"""

from .. import lectures
from .model import Deck, Printed, arithmetic, at, computed, program

NETWORK = program("lecture-12-cs540-network")

PRINTED = [
    Printed("slide", "Compute: ŷ on input x = 2", "x", "2", computed("the network's input", lambda v: lectures.CS540_X)),
    Printed("slide", "Suppose we have one labeled example (x, y) = (2, 1)", "y", "1",
            computed("the network's label", lambda v: lectures.CS540_LABEL)),
    Printed("slide", "For these weights, with (x, y) = (2, 1): ∂ℓ/∂w2 = −0.24", "dl/dw2", "-0.24",
            at(NETWORK, "grad.w2")),
    Printed("slide", "∂ℓ/∂ŷ = 2(ŷ − y) = −1.2", "dl/dy_hat", "-1.2", at(NETWORK, "backward.y_hat")),
    Printed("slide", "∂ŷ/∂h2 = w4 = 0.1", "dy_hat/dh2", "0.1",
            computed("dl/dh2 / dl/dy_hat", lambda v: v(NETWORK, "backward.h2") / v(NETWORK, "backward.y_hat"))),
    Printed("slide", "∂ŷ/∂h2 = w4 = 0.1", "w4", "0.1", at(NETWORK, "arg.w4")),
    Printed("slide", "∂ℓ/∂w2 = (−1.2) × (0.1) × (2) = −.24", "dh2/dw2", "2",
            computed("dl/dw2 / dl/dh2", lambda v: v(NETWORK, "grad.w2") / v(NETWORK, "backward.h2"))),
    Printed("slide", "∂ℓ/∂w2 = (−1.2) × (0.1) × (2) = −.24", "(-1.2) x 0.1 x 2", "-.24",
            arithmetic("(-1.2) * 0.1 * 2"), kind="arithmetic"),
    Printed("slide", "∂ℓ/∂w2 = (−1.2) × (0.1) × (2) = −.24", "dl/dw2", "-.24", at(NETWORK, "grad.w2")),
    Printed("slide", "∂ℓ/∂ŷ = 2(ŷ − y) = −1.2 (so ŷ = 0.4)", "y_hat", lambda v: 0.4, at(NETWORK, "forward.y_hat"),
            kind="formula", note="y_hat = 1 - 1.2 / 2, implied by the printed dl/dy_hat; not printed itself"),
]

CONTEXT = [
    ("Fall 2025, Section 3; October 13, 2025; HW5 due Friday 10/6; Thursday 10/23, 7:30 pm to 9:00 pm; Room 3650",
     "dates, times and rooms"),
    ("[Gao and Li et al., 2018]; YouTube 30:07 / 2:25:51, 1.07M subscribers, 59K; In [112]", "a citation and a video"),
    ("f(x) = cx^2 -> 2cx; cx^p -> cpx^(p-1); theta = [w1 ... b3]", "rules and indices, no worked numbers"),
    ("the network's weights", "only in a figure (not in the text): chosen here so the printed numbers hold"),
]

DECK = Deck(
    key="000",
    file="000_bc49e34c7faab995.txt",
    title="UW-Madison CS 540, Neural Networks: Backpropagation",
    printed=PRINTED,
    kinks="mean",
    context=CONTEXT,
)
