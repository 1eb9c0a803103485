"""CS 231n layers written from scratch in plain NumPy, checked by check_backward with the tape.

The forwards use what students write: ``np.max`` for a stable softmax, item assignment
``margins[np.arange(N), y] = 0``, ``np.var`` and ``x.var``, ``np.pad`` and ``np.einsum`` for
a convolution, ``x.max`` for max-pooling, integer word indices. Each backward is derived
by hand; the tape follows every forward, so it is among the references, and a wrong
backward is caught.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit.check import CORRECT, WRONG


# --- the layers --------------------------------------------------------------------------------
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    return dx, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, x):
    return (dout * (x > 0),)


def softmax_loss_forward(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    n = x.shape[0]
    return -np.sum(log_probs[np.arange(n), y]) / n, (log_probs, y)


def softmax_loss_backward(dout, cache):
    log_probs, y = cache
    n = log_probs.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return (dout * dx / n,)


def svm_loss_forward(x, y):
    n = x.shape[0]
    correct = x[np.arange(n), y][:, np.newaxis]
    margins = np.maximum(0, x - correct + 1.0)
    margins[np.arange(n), y] = 0  # item assignment into a value the tape is following
    return margins.sum() / n, (margins, y)


def svm_loss_backward(dout, cache):
    margins, y = cache
    n = margins.shape[0]
    binary = (margins > 0).astype(float)
    binary[np.arange(n), y] = -binary.sum(axis=1)
    return (dout * binary / n,)


def batchnorm_forward(x, gamma, beta, bn_param, use_method=False):
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    mean = x.mean(axis=0)
    var = x.var(axis=0) if use_method else np.var(x, axis=0)
    inverse_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inverse_std
    bn_param["running_mean"] = momentum * bn_param["running_mean"] + (1 - momentum) * mean
    bn_param["running_var"] = momentum * bn_param["running_var"] + (1 - momentum) * var
    return gamma * x_hat + beta, (x_hat, gamma, inverse_std)


def batchnorm_backward(dout, cache):
    x_hat, gamma, inverse_std = cache
    n = dout.shape[0]
    dx_hat = dout * gamma
    dx = inverse_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def conv_forward(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    _, _, height, width = x_pad.shape
    _, _, hh, ww = w.shape
    rows = []
    for i in range(0, height - hh + 1, stride):
        row = []
        for j in range(0, width - ww + 1, stride):
            patch = x_pad[:, :, i : i + hh, j : j + ww]
            row.append(np.einsum("nchw,fchw->nf", patch, w) + b)
        rows.append(np.stack(row, axis=-1))
    return np.stack(rows, axis=-2), (x, w, conv_param)


def conv_backward(dout, cache):
    x, w, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, _, hh, ww = w.shape
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = (slice(None), slice(None), slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww))
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], x_pad[window])
            dx_pad[window] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    return dx_pad[:, :, pad:-pad, pad:-pad], dw, dout.sum(axis=(0, 2, 3))


def max_pool_forward(x, pool_param):
    size, stride = pool_param["size"], pool_param["stride"]
    rows = []
    for i in range(0, x.shape[2] - size + 1, stride):
        rows.append(np.stack(
            [x[:, :, i : i + size, j : j + size].max(axis=(2, 3)) for j in range(0, x.shape[3] - size + 1, stride)],
            axis=-1,
        ))
    return np.stack(rows, axis=-2), (x, pool_param)


def max_pool_backward(dout, cache):
    x, pool_param = cache
    size, stride = pool_param["size"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * stride : i * stride + size, j * stride : j * stride + size] += mask * dout[:, :, i, j][..., None, None]
    return (dx,)


class WordEmbedding:
    """The CS 231n word embedding: integer word indices select rows of W."""

    def __init__(self, W):
        self.params = {"W": W}
        self.index_dtypes = []

    def forward(self, x):
        self.index_dtypes.append(x.dtype)
        self.x = x
        return self.params["W"][x]

    def backward(self, dout):
        dW = np.zeros_like(self.params["W"])
        np.add.at(dW, self.x, dout)
        self.grads = {"W": dW}
        return ()


# --- the checks ------------------------------------------------------------------------------------
def assert_checked_by_the_tape(report):
    assert "tape" in report.methods, report.notes
    assert report and report.verdict == CORRECT, report.text()


def test_affine_and_relu(rng):
    x, w, b = rng.normal(size=(3, 2, 2)), rng.normal(size=(4, 5)), rng.normal(size=5)
    assert_checked_by_the_tape(dk.check_backward((affine_forward, affine_backward), x, w, b))
    assert_checked_by_the_tape(dk.check_backward((relu_forward, relu_backward), rng.normal(size=(3, 4))))


def test_softmax_loss_with_np_max_and_integer_labels(rng):
    x, y = rng.normal(size=(4, 5)), np.array([0, 3, 3, 1])
    report = dk.check_backward((softmax_loss_forward, softmax_loss_backward), x, y)
    assert_checked_by_the_tape(report)
    assert [a.name for a in report.arguments] == ["x"]  # the labels are data


def test_svm_loss_with_item_assignment(rng):
    x, y = rng.normal(size=(4, 5)), np.array([2, 0, 4, 2])
    assert_checked_by_the_tape(dk.check_backward((svm_loss_forward, svm_loss_backward), x, y))

    def forgets_the_correct_class(dout, cache):
        margins, _ = cache
        return (dout * (margins > 0) / margins.shape[0],)

    report = dk.check_backward((svm_loss_forward, forgets_the_correct_class), x, y)
    assert not report and report.argument("x").verdict == WRONG


@pytest.mark.parametrize("use_method", [False, True], ids=["np.var", "x.var"])
def test_batchnorm_leaves_the_running_averages_as_numpy_arrays(rng, use_method):
    x, gamma, beta = rng.normal(size=(5, 3)), rng.uniform(0.5, 1.5, size=3), rng.normal(size=3)
    start_mean, start_var = rng.normal(size=3), rng.uniform(0.5, 1.0, size=3)
    bn_param = {"momentum": 0.9, "running_mean": start_mean.copy(), "running_var": start_var.copy()}

    def forward(x, gamma, beta, bn_param):
        return batchnorm_forward(x, gamma, beta, bn_param, use_method=use_method)

    report = dk.check_backward((forward, batchnorm_backward), x, gamma, beta, bn_param)
    assert_checked_by_the_tape(report)
    assert [a.name for a in report.arguments] == ["x", "gamma", "beta"]
    # After the check: one update, from the user's own forward, in NumPy arrays (not traced values).
    assert type(bn_param["running_mean"]) is np.ndarray and type(bn_param["running_var"]) is np.ndarray
    np.testing.assert_allclose(bn_param["running_mean"], 0.9 * start_mean + 0.1 * x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(bn_param["running_var"], 0.9 * start_var + 0.1 * x.var(axis=0), rtol=1e-14)


def test_conv_with_np_pad_and_np_einsum(rng):
    x, w, b = rng.normal(size=(2, 2, 4, 4)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    report = dk.check_backward((conv_forward, conv_backward), x, w, b, {"stride": 1, "pad": 1})
    assert_checked_by_the_tape(report)

    def unpadded_gradient(dout, cache):  # forgets to cut the padding off dx: a shape finding
        dx, dw, db = conv_backward(dout, cache)
        return np.pad(dx, ((0, 0), (0, 0), (1, 1), (1, 1))), dw, db

    assert not dk.check_backward((conv_forward, unpadded_gradient), x, w, b, {"stride": 1, "pad": 1})


def test_max_pool_with_the_max_method(rng):
    x = rng.normal(size=(2, 2, 4, 4))
    assert_checked_by_the_tape(dk.check_backward((max_pool_forward, max_pool_backward), x, {"size": 2, "stride": 2}))


def test_word_indices_stay_integers():
    W = np.arange(12.0).reshape(4, 3) / 7.0
    layer = WordEmbedding(W)
    words = np.array([[0, 3], [3, 1]])
    report = dk.check_backward(layer, words)
    assert_checked_by_the_tape(report)
    assert [a.name for a in report.arguments] == ["W"]
    assert set(layer.index_dtypes) == {words.dtype}  # every run of forward, traced or shifted, got integers
    assert layer.x.dtype == words.dtype  # and the cache the user finds holds them too


def test_assigning_a_traced_value_into_a_numpy_array_names_both_fixes():
    def conv_into_numpy_zeros(x):
        out = np.zeros(x.shape[0])
        for i in range(x.shape[0]):
            out[i] = np.sum(x[i] ** 2)
        return out

    for method in ("tape", "forward-mode", "symbolic"):
        with pytest.raises(dk.NonDiffkitFunctionError) as caught:
            dk.jacobian(conv_into_numpy_zeros, method=method)(np.ones((2, 3)))
        message = str(caught.value)
        assert "assigned into a plain NumPy array" in message and "`out[i] = np.sum(x[i] ** 2)`" in message
        assert "dk.zeros" in message and "dk.stack" in message

    def into_dk_zeros(x):
        out = dk.zeros(x.shape[0])
        for i in range(x.shape[0]):
            out[i] = np.sum(x[i] ** 2)
        return out

    x = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    expected = np.zeros((2, 2, 3))
    expected[0, 0], expected[1, 1] = 2 * x[0], 2 * x[1]
    for method in ("tape", "forward-mode", "symbolic", "fd-complex", "fd-central"):
        np.testing.assert_allclose(dk.jacobian(into_dk_zeros, method=method)(x), expected, atol=1e-8, err_msg=method)
