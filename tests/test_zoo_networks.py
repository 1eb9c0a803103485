"""Datasets, losses and MLPs of the zoo, and training by gradient descent on tape gradients."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.programs import MLP, accuracy, make_dataset, train
from diffkit.programs.networks import (
    ACTIVATIONS,
    binary_cross_entropy,
    multiclass_hinge,
    softmax_cross_entropy,
    squared_error,
)


# --- datasets ----------------------------------------------------------------------------
def test_xor_is_the_four_points_of_the_notes():
    data = make_dataset("xor")
    assert data.X.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert data.y.tolist() == [0, 1, 1, 0]


def test_ring_is_a_donut_around_a_blueberry():
    data = make_dataset("ring")
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    assert len(data) == 200 and data.num_classes == 2
    assert np.all(radius[data.y == 1] < 0.5)
    assert np.all((radius[data.y == 0] >= 1.0) & (radius[data.y == 0] <= 1.5))
    assert set(data.y[:8].tolist()) == {0, 1}  # shuffled: a small batch holds both classes


def test_datasets_are_seeded():
    for name in ("ring", "spirals", "regression"):
        np.testing.assert_array_equal(make_dataset(name, seed=5).X, make_dataset(name, seed=5).X)
        assert not np.array_equal(make_dataset(name, seed=5).X, make_dataset(name, seed=6).X)


def test_spirals_and_regression_shapes():
    spirals = make_dataset("spirals", n=50)
    assert spirals.X.shape == (50, 2) and sorted(set(spirals.y.tolist())) == [0, 1]
    regression = make_dataset("regression")
    assert regression.task == "regression" and regression.y.shape == (100,)
    assert np.all(np.abs(regression.X) <= 1.0)


def test_unknown_dataset_is_an_input_error():
    with pytest.raises(dk.InputError, match="no dataset named 'moons'"):
        make_dataset("moons")


def test_a_bad_dataset_seed_is_an_input_error():
    with pytest.raises(dk.InputError, match=r"^seed must be a non-negative integer .*; got -1$"):
        make_dataset("ring", seed=-1)
    with pytest.raises(dk.InputError, match=r"^seed must be a non-negative integer .*; got 'x'$"):
        make_dataset("xor", n=4, seed="x")


# --- losses, by hand -----------------------------------------------------------------------
def test_squared_error_by_hand():
    assert float(squared_error(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))) == 2.5


def test_binary_cross_entropy_by_hand():
    logits, labels = np.array([[2.0], [-1.0]]), np.array([[1.0], [0.0]])
    # (log(1 + e^-2) + log(1 + e^-1)) / 2
    assert float(binary_cross_entropy(logits, labels)) == pytest.approx(0.2200948492805977, rel=1e-15)
    assert float(binary_cross_entropy(np.array([[0.0]]), np.array([[1.0]]))) == pytest.approx(math.log(2))
    assert float(binary_cross_entropy(np.array([[800.0]]), np.array([[0.0]]))) == 800.0  # no overflow


def test_softmax_cross_entropy_by_hand():
    loss = softmax_cross_entropy(np.array([[1.0, 2.0]]), np.array([[0.0, 1.0]]))
    assert float(loss) == pytest.approx(0.3132616875182228, rel=1e-14)  # -log(0.731)


def test_multiclass_hinge_by_hand():
    # scores of a cat image for (cat, car, frog): max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9
    loss = multiclass_hinge(np.array([[3.2, 5.1, -1.7]]), np.array([[1.0, 0.0, 0.0]]))
    assert float(loss) == pytest.approx(2.9, abs=1e-14)


def test_linear_svm_is_hinge_plus_l2_penalty():
    program = dk.get_program("linear-svm", reg=0.5)
    params, X, one_hot = program.args
    scores = X @ params["W1"] + params["b1"]
    correct = np.sum(scores * one_hot, axis=1, keepdims=True)
    hinge = np.mean(np.sum(np.maximum(scores - correct + 1.0, 0.0) * (1 - one_hot), axis=1))
    assert program.gradient().value == pytest.approx(hinge + 0.5 * np.sum(params["W1"] ** 2), rel=1e-14)
    # the penalty's gradient is 2 reg W; the hinge part is the same with or without it
    without = dk.get_program("linear-svm", reg=0.0).gradient().grad
    with_penalty = program.gradient().grad
    np.testing.assert_allclose(with_penalty["W1"] - without["W1"], 2 * 0.5 * params["W1"], atol=1e-14)
    np.testing.assert_array_equal(with_penalty["b1"], without["b1"])


# --- network families: every activation with every loss ---------------------------------------
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["squared", "bce", "softmax-ce", "hinge"])
def test_every_activation_and_loss_agree_between_tape_and_central_differences(activation, loss):
    dataset = "regression" if loss == "squared" else "spirals"
    program = dk.get_program("mlp", depth=3, width=4, activation=activation, loss=loss, dataset=dataset,
                             batch=6, reg=0.01, seed=1)
    assert not program.on_kink
    tape = program.gradient("tape")
    central = program.gradient("fd-central")
    assert set(tape.grad) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for key, value in tape.grad.items():
        assert value.shape == program.args[0][key].shape
        np.testing.assert_allclose(central.grad[key], value, rtol=1e-5, atol=1e-8)


def test_zero_biases_on_xor_put_a_relu_exactly_on_its_kink():
    model = MLP((2, 3, 1), "relu", "squared")
    params = model.init(np.random.default_rng(0))
    params["b1"] = np.zeros((1, 3))
    X = make_dataset("xor").X  # the point (0, 0) gives a pre-activation of exactly 0
    assert model.on_kink(params, X, np.zeros((4, 1)))
    assert not MLP((2, 3, 1), "tanh", "squared").on_kink(params, X, np.zeros((4, 1)))


def test_batch_takes_a_prefix_of_the_dataset():
    program = dk.get_program("mlp", dataset="ring", batch=10)
    np.testing.assert_array_equal(program.args[1], make_dataset("ring").X[:10])
    assert dk.get_program("mlp", dataset="xor", batch=16).args[1].shape == (4, 2)  # XOR has 4 points
    assert dk.get_program("mlp", dataset="ring", batch=None).args[1].shape == (200, 2)


# --- training with the tape's gradients --------------------------------------------------------
def test_two_layer_relu_network_learns_xor():
    program = dk.get_program("mlp", dataset="xor", depth=2, width=8, activation="relu", loss="bce", batch=None)
    run = train(program, steps=500, lr=0.5)
    assert run.final_loss < 0.1 * run.losses[0]
    assert accuracy(program, run.params) == 1.0


def test_two_layer_relu_network_learns_the_ring():
    program = dk.get_program("mlp", dataset="ring", depth=2, width=16, activation="relu", loss="bce", batch=None)
    assert accuracy(program) < 0.95  # the initial weights do not already solve it
    run = train(program, steps=600, lr=0.5)
    assert accuracy(program, run.params) > 0.95
    assert run.losses[-1] < run.losses[0]


def test_training_by_central_differences_follows_the_tape():
    program = dk.get_program("mlp", dataset="xor", width=3, activation="tanh", batch=None)
    by_tape = train(program, steps=5, lr=0.1)
    by_differences = train(program, steps=5, lr=0.1, method="fd-central")
    np.testing.assert_allclose(by_differences.losses, by_tape.losses, rtol=1e-8)


def test_train_refuses_bad_arguments():
    program = dk.get_program("mlp")
    with pytest.raises(dk.InputError, match="learning rate lr must be a positive number"):
        train(program, steps=3, lr=-0.1)
    with pytest.raises(dk.InputError, match="updates one argument"):
        train(dk.get_program("lecture-01-add-multiply"), steps=1)
    with pytest.raises(dk.InputError, match="diverged .* smaller learning rate"):
        train(dk.get_program("mlp", dataset="regression", batch=None), steps=50, lr=1e6)
    with pytest.raises(dk.InputError, match="no model to score"):
        accuracy(dk.get_program("logistic-map"))
    with pytest.raises(dk.InputError, match="regression set"):
        accuracy(dk.get_program("mlp", dataset="regression"))
