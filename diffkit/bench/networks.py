"""The benchmark's networks, each written the three ways a user might write it.

An MLP with tanh hidden layers and a mean-squared-error loss (batch 64, 16 inputs,
one output, float64): a plain NumPy forward pass (the unit every ratio is measured
in), a hand-written NumPy backward pass (the floor a NumPy tape can reach), and the
same network written with diffkit ops, which any diffkit method can differentiate.
The scalar program is micrograd's demo network (2-16-16-1, relu) written on Python
floats, so a tape of scalars can be set against a plain-Python forward pass.
"""

from dataclasses import dataclass

import numpy as np

import diffkit as dk

BATCH = 64
INPUTS = 16
OUTPUTS = 1


@dataclass(frozen=True)
class Config:
    """An MLP configuration: ``depth`` hidden tanh layers of ``width`` units, then a linear output."""

    depth: int
    width: int
    batch: int = BATCH
    inputs: int = INPUTS
    outputs: int = OUTPUTS

    @property
    def label(self):
        return f"{self.depth}x{self.width}"

    @property
    def layer_sizes(self):
        return [self.inputs] + [self.width] * self.depth + [self.outputs]

    @property
    def num_params(self):
        sizes = self.layer_sizes
        return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))


ARRAY_CONFIGS = (Config(2, 16), Config(4, 64), Config(4, 256), Config(8, 512))


def make_problem(config, seed=0):
    """Parameters ``[W1, b1, W2, b2, ...]`` (Glorot-scaled), inputs X and targets Y."""
    rng = np.random.default_rng(seed)
    params = []
    sizes = config.layer_sizes
    for n_in, n_out in zip(sizes, sizes[1:]):
        params.append(rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out)))
        params.append(rng.normal(0.0, 0.1, size=(n_out,)))
    X = rng.normal(size=(config.batch, config.inputs))
    Y = rng.normal(size=(config.batch, config.outputs))
    return params, X, Y


# --- plain NumPy --------------------------------------------------------------------
def numpy_loss(params, X, Y):
    """One forward pass in plain NumPy: the unit of every ratio in the report."""
    h = X
    last = len(params) - 2
    for i in range(0, last, 2):
        h = np.tanh(h @ params[i] + params[i + 1])
    residual = h @ params[last] + params[last + 1] - Y
    return np.mean(residual * residual)


def numpy_value_and_grad(params, X, Y):
    """Forward and hand-written backward pass; returns (loss, grads, activation bytes kept).

    The bytes counted are the arrays the forward pass keeps for the backward pass: the
    input of every layer and the residual.
    """
    kept = [X]
    h = X
    last = len(params) - 2
    for i in range(0, last, 2):
        h = np.tanh(h @ params[i] + params[i + 1])
        kept.append(h)
    residual = h @ params[last] + params[last + 1] - Y
    loss = np.mean(residual * residual)
    kept_bytes = sum(a.nbytes for a in kept[1:]) + residual.nbytes

    grads = [None] * len(params)
    g = residual * (2.0 / residual.size)
    for i in range(last, -1, -2):
        h_in = kept[i // 2]
        grads[i] = h_in.T @ g
        grads[i + 1] = g.sum(axis=0)
        if i:
            g = (g @ params[i].T) * (1.0 - h_in * h_in)
    return loss, grads, kept_bytes


# --- the same network with diffkit ops -----------------------------------------------
def dk_loss(params, X, Y):
    """The MLP written with diffkit ops: runs on arrays, traced values or symbols."""
    h = X
    last = len(params) - 2
    for i in range(0, last, 2):
        h = dk.tanh(h @ params[i] + params[i + 1])
    residual = h @ params[last] + params[last + 1] - Y
    return dk.mean(residual * residual)


# --- scalar networks for the symbolic methods -----------------------------------------
def scalar_problem(depth, width, seed=0):
    """A tiny MLP for SymPy: depth x width, 2 inputs, batch 2 (float parameters)."""
    config = Config(depth, width, batch=2, inputs=2)
    return config, *make_problem(config, seed)


# --- the scalar program (micrograd's demo network) ------------------------------------
SCALAR_LAYERS = (2, 16, 16, 1)
SCALAR_BATCH = 4


def scalar_program_problem(seed=0):
    """Flat list of 337 float parameters, inputs (4 points of 2) and targets."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(SCALAR_LAYERS, SCALAR_LAYERS[1:]):
        params.extend(float(v) for v in rng.uniform(-1.0, 1.0, size=n_in * n_out + n_out))
    xs = [[float(v) for v in row] for row in rng.normal(size=(SCALAR_BATCH, SCALAR_LAYERS[0]))]
    ys = [float(v) for v in rng.choice([-1.0, 1.0], size=SCALAR_BATCH)]
    return params, xs, ys


def scalar_program_size():
    return sum(n_in * n_out + n_out for n_in, n_out in zip(SCALAR_LAYERS, SCALAR_LAYERS[1:]))


def scalar_loss(params, xs, ys, relu):
    """Mean squared error of a 2-16-16-1 relu network, one scalar at a time.

    ``relu`` is the activation for the value type at hand (``max(v, 0)`` on floats,
    ``dk.relu`` on traced values, ``Value.relu`` for micrograd), so the same loop runs
    on every kind of scalar.
    """
    total = 0.0
    for x, y in zip(xs, ys):
        activations = x
        offset = 0
        for layer, (n_in, n_out) in enumerate(zip(SCALAR_LAYERS, SCALAR_LAYERS[1:])):
            outputs = []
            for j in range(n_out):
                s = params[offset + n_in * n_out + j]
                for k in range(n_in):
                    s = s + activations[k] * params[offset + k * n_out + j]
                outputs.append(relu(s) if layer < len(SCALAR_LAYERS) - 2 else s)
            activations = outputs
            offset += n_in * n_out + n_out
        diff = activations[0] - y
        total = total + diff * diff
    return total * (1.0 / len(xs))


def float_relu(v):
    return v if v > 0.0 else 0.0


def plain_scalar_loss(params, xs, ys):
    """The scalar program on Python floats: the unit for the scalar ratios."""
    return scalar_loss(params, xs, ys, float_relu)


def dk_scalar_loss(params, xs, ys):
    return scalar_loss(params, xs, ys, dk.relu)
