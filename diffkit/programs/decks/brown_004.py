"""Seed 004: Brown CSCI 1470, "Day 4: Backprop", every number it prints.

The deck rounds softmax([1, 2]) to [0.26, 0.73] (the first is 0.269, 0.27 to two
decimals), and normalising [11, 12] to [0.47, 0.53] (11/23 = 0.478, 12/23 = 0.522). It
writes the ReLU's derivative as "0 if z < 0, 1 otherwise": relu'(0) = 1, so it is
compared under ``dk.kinks("one")``.
"""

import numpy as np

from ... import ops as dk
from ...api import grad
from .. import lectures
from .model import Deck, Printed, arithmetic, at, computed, program

NETWORK = program("lecture-13-brown-network")


def _softmax(z, entry):
    ref = program("lecture-11-softmax", z=tuple(map(float, z)))
    return computed(f"softmax({list(z)})[{entry}] by diffkit", lambda v: v(ref, "forward.p")[entry])


def _normalised(z, entry):
    def share(v):
        values = np.asarray(z, dtype=float)
        return (values / dk.sum(values))[entry]

    return computed(f"{list(z)}[{entry}] / sum({list(z)})", share)


def _relu(x):
    return dk.relu(x)


def _step(x):
    return dk.heaviside(x)


def _first(ref, key):
    return computed(f"{key} of {ref.name}", lambda v: float(np.ravel(v(ref, key))[0]))


PRINTED = [
    Printed("slide", "For a single example, suppose we get an output of 10", "z(2)", "10", _first(NETWORK, "forward.z2")),
    Printed("slide", "when the ground truth was 7", "y", "7", computed("the network's target", lambda v: lectures.BROWN_TARGET)),
    Printed("slide", "L = (10 − 7)^2", "(10 - 7)^2", "9", arithmetic("(10 - 7) * (10 - 7)"), kind="arithmetic"),
    Printed("slide", "L = 9", "L", "9", at(NETWORK, "value")),
    Printed("formula", "dL/db(2) = dL/dz(2) · dz(2)/db(2) = 2(z(2) − y) · 1 = 6", "2 (z(2) - y)",
            lambda v: 2.0 * (float(np.ravel(v(NETWORK, "forward.z2"))[0]) - lectures.BROWN_TARGET),
            _first(NETWORK, "backward.z2"), kind="formula"),
    Printed("slide", "dL/db(2) = dL/dz(2) · dz(2)/db(2) = 2(z(2) − y) · 1 = 6", "dz(2)/db(2)", "1",
            computed("dL/db2 / dL/dz2", lambda v: float(np.ravel(v(NETWORK, "grad.b2"))[0]
                                                        / np.ravel(v(NETWORK, "backward.z2"))[0]))),
    Printed("slide", "dL/db(2) = dL/dz(2) · dz(2)/db(2) = 2(z(2) − y) · 1 = 6", "dL/db(2)", "6",
            _first(NETWORK, "grad.b2")),
    Printed("slide", "da/dz: 0 if z1(1) < 0, 1 otherwise", "relu'(0)", "1",
            computed("diffkit's relu'(0) under the deck's convention", lambda v: grad(_relu)(0.0)),
            note="the deck's convention: dk.kinks('one')"),
    Printed("slide", "da/dz: 0 if z1(1) < 0, 1 otherwise", "relu'(-1)", "0",
            computed("diffkit's relu'(-1)", lambda v: grad(_relu)(-1.0))),
    Printed("slide", "[0.26, 0.73] for [1, 2]", "softmax([1, 2])[0]", "0.26", _softmax((1, 2), 0),
            note="softmax([1, 2]) = [0.269, 0.731]: 0.27 to two decimals"),
    Printed("slide", "[0.26, 0.73] for [1, 2]", "softmax([1, 2])[1]", "0.73", _softmax((1, 2), 1)),
    Printed("slide", "[0.00005, 0.99995] for [10, 20]", "softmax([10, 20])[0]", "0.00005", _softmax((10, 20), 0)),
    Printed("slide", "[0.00005, 0.99995] for [10, 20]", "softmax([10, 20])[1]", "0.99995", _softmax((10, 20), 1)),
    Printed("slide", "For one image, the network outputs [11, 12] ... Add 10 to each output", "[1, 2] + 10", "[11, 12]",
            arithmetic("[1 + 10, 2 + 10]"), kind="arithmetic"),
    Printed("slide", "For a second image, the network outputs [20, 30] ... Add 10 to each output", "[10, 20] + 10",
            "[20, 30]", arithmetic("[10 + 10, 20 + 10]"), kind="arithmetic"),
    Printed("slide", "[0.47, 0.53] for [11, 12] (normalization)", "[11, 12] / 23, first", "0.47", _normalised((11, 12), 0),
            note="11/23 = 0.478: 0.48 to two decimals"),
    Printed("slide", "[0.47, 0.53] for [11, 12] (normalization)", "[11, 12] / 23, second", "0.53",
            _normalised((11, 12), 1), note="12/23 = 0.522: 0.52 to two decimals"),
    Printed("slide", "[0.4, 0.6] for [20, 30] (normalization)", "[20, 30] / 50, first", "0.4", _normalised((20, 30), 0)),
    Printed("slide", "[0.4, 0.6] for [20, 30] (normalization)", "[20, 30] / 50, second", "0.6", _normalised((20, 30), 1)),
    Printed("slide", "[0.26, 0.73] for [11, 12] (softmax)", "softmax([11, 12])[0]", "0.26", _softmax((11, 12), 0),
            note="softmax([11, 12]) = softmax([1, 2]) = [0.269, 0.731]"),
    Printed("slide", "[0.26, 0.73] for [11, 12] (softmax)", "softmax([11, 12])[1]", "0.73", _softmax((11, 12), 1)),
    Printed("slide", "[0.00005, 0.99995] for [20, 30] (softmax)", "softmax([20, 30])[0]", "0.00005",
            _softmax((20, 30), 0)),
    Printed("slide", "[0.00005, 0.99995] for [20, 30] (softmax)", "softmax([20, 30])[1]", "0.99995",
            _softmax((20, 30), 1)),
    Printed("slide", "When P(x) is high, Q(x) should also be high… (Log(1) = 0)", "log(1)", "0",
            computed("dk.log(1)", lambda v: dk.log(1.0))),
    Printed("slide", "0 gradient everywhere except x=0", "d/dx step(x) at x = 0.5", "0",
            computed("diffkit's derivative of dk.heaviside at 0.5", lambda v: grad(_step)(0.5))),
]

CONTEXT = [
    ("CSCI 1470, Tuesday, 9/16, Day 4; HW 3; Weekly quiz", "dates and course admin"),
    ("Learning Rate α ∈ [0,1]", "a range, not a value"),
    ("While abs(x) > 5: x = x / 2", "the loop of the zoo's lecture-16-while-halving; the deck prints no derivative of it"),
    ("L = 1 − #Correct/n; P(x) is 1 if x is correct label, 0 otherwise", "definitions"),
    ("What will be the predicted probabilities with normalization? (for [1, 2] and [10, 20])",
     "asked, not answered: 1/3, 2/3 and 1/3, 2/3"),
]

DECK = Deck(
    key="004",
    file="004_412afa7ca8f1fec0.txt",
    title="Brown CSCI 1470, Day 4: Backprop",
    printed=PRINTED,
    kinks="one",
    context=CONTEXT,
    notes="The deck's ReLU derivative: 0 if z < 0, 1 otherwise, so relu'(0) = 1 (dk.kinks('one')).",
)
