"""GradBench's ``lstm``: ADBench's LSTM objective, whose weight "matrices" are diagonal.

Each of ``l`` layers keeps a hidden and a cell vector of ``b`` entries (the bits of a
character). With weights and biases per gate (forget, input, output, change), every
weight a vector multiplied entrywise:

    forget = sigmoid(input * w_f + b_f)        ingate = sigmoid(hidden * w_i + b_i)
    outgate = sigmoid(input * w_o + b_o)       change = tanh(hidden * w_c + b_c)
    cell = cell * forget + ingate * change     hidden = outgate * tanh(cell)

A prediction scales the character by ``in_weight``, runs it through the layers (each
layer's input is the hidden vector of the one below) and maps the top hidden vector
by ``out_weight`` and ``out_bias``. The objective is minus the mean, over the sequence,
of <next character, prediction - log(sum exp(prediction) + 2)> (ADBench's normaliser
adds 2 inside the logarithm). Its gradient is taken by ``main_params`` (2l x 4b: per
layer a row of weights and a row of biases, gates in the order above) and
``extra_params`` (3 x b: in_weight, out_weight, out_bias).

The eval takes its text from a file shipped with it; here the text is drawn in code,
letters and spaces from a seeded generator, and encoded the eval's way: b =
ceil(log2(largest character code)) bits per character, most significant first.
Parameters and state are U[0, 1) draws, as in the eval.
"""

import math

import numpy as np

from ... import ops as dk
from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337
ALPHABET = "abcdefghijklmnopqrstuvwxyz "
GATES = 4


def text_bits(text):
    """One row per character: its code in ceil(log2(max code)) bits, most significant first."""
    bits = math.ceil(math.log2(max(ord(c) for c in text)))
    return np.array([[int(bit) for bit in format(ord(c), f"0{bits}b")] for c in text], dtype=float)


def _split(row, size):
    return [row[g * size:(g + 1) * size] for g in range(GATES)]


def lstm_objective(main_params, extra_params, state, sequence):
    """ADBench's LSTM loss of ``sequence`` (c x b) from ``state`` (2l x b)."""
    size = sequence.shape[1]
    layers = state.shape[0] // 2
    weights = [_split(main_params[2 * i], size) for i in range(layers)]
    biases = [_split(main_params[2 * i + 1], size) for i in range(layers)]
    in_weight, out_weight, out_bias = extra_params[0], extra_params[1], extra_params[2]
    hidden = [state[2 * i] for i in range(layers)]
    cell = [state[2 * i + 1] for i in range(layers)]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        signal = sequence[t] * in_weight
        for i in range(layers):
            (w_f, w_i, w_o, w_c), (b_f, b_i, b_o, b_c) = weights[i], biases[i]
            forget = dk.sigmoid(signal * w_f + b_f)
            ingate = dk.sigmoid(hidden[i] * w_i + b_i)
            outgate = dk.sigmoid(signal * w_o + b_o)
            change = dk.tanh(hidden[i] * w_c + b_c)
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * dk.tanh(cell[i])
            signal = hidden[i]
        prediction = signal * out_weight + out_bias
        normaliser = dk.log(dk.sum(dk.exp(prediction)) + 2.0)
        total = total + dk.sum(sequence[t + 1] * (prediction - normaliser))
    return -total / ((sequence.shape[0] - 1) * size)


def generate_lstm(l, c, seed=GRADBENCH_SEED):
    """The eval's input: main_params, extra_params, state and sequence (nested lists in JSON)."""
    layers = check_count(l, "l", 1)
    count = check_count(c, "c", 2)
    rng = np.random.default_rng(check_seed(seed))
    text = "".join(rng.choice(list(ALPHABET), size=count))
    sequence = text_bits(text)
    size = sequence.shape[1]
    return {
        "main_params": rng.random((2 * layers, GATES * size)),
        "extra_params": rng.random((3, size)),
        "state": rng.random((2 * layers, size)),
        "sequence": sequence,
    }


@register_program("lstm", family="benchmark")
def build_lstm(l=1, c=2, seed=GRADBENCH_SEED):
    data = generate_lstm(l, c, seed)
    return Program(
        name="lstm",
        function=lstm_objective,
        args=(data["main_params"], data["extra_params"], data["state"], data["sequence"]),
        argnums=(0, 1),
        description=f"GradBench lstm: ADBench's diagonal LSTM, {l} layer(s), {c} characters of "
                    f"{data['sequence'].shape[1]} bits",
        depth=c - 1,
        control_flow="fixed-loop",
    )
