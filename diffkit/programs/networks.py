"""Multilayer perceptrons and their losses: the network families of the zoo.

An :class:`MLP` is described by its layer sizes, hidden activation, loss and L2
strength; its parameters are a dict ``{"W1", "b1", "W2", ...}`` that every method
differentiates in one go. The losses are the notes' (seeds 001-003): squared error,
sigmoid with binary cross-entropy, softmax cross-entropy, and the multiclass SVM hinge
with L2 regularisation, written as seed 002's five-node graph.
"""

from dataclasses import dataclass

import numpy as np

from .. import errors
from .. import ops as dk
from .datasets import DATASETS, make_dataset
from .program import Program, check_count, check_real, check_seed
from .registry import register_program

ACTIVATIONS = {
    "relu": dk.relu,
    "leaky_relu": dk.leaky_relu,
    "elu": dk.elu,
    "sigmoid": dk.sigmoid,
    "tanh": dk.tanh,
}
KINKED_ACTIVATIONS = ("relu", "leaky_relu", "elu")
LOSSES = ("squared", "bce", "softmax-ce", "hinge")
LOSS_ALIASES = {"softmax": "softmax-ce", "cross-entropy": "softmax-ce", "mse": "squared", "svm": "hinge"}
HINGE_MARGIN = 1.0


# --- losses (mean over the batch) ---------------------------------------------------------------
def squared_error(outputs, targets):
    """Mean over the batch of the squared error summed over outputs."""
    return dk.mean(dk.sum((outputs - targets) ** 2, axis=1))


def binary_cross_entropy(logits, labels):
    """Sigmoid + binary cross-entropy from logits: mean of log(1 + e^z) - y z, without overflow."""
    zeros = np.zeros(labels.shape)
    softplus = dk.logsumexp(dk.concatenate([zeros, logits], axis=1), axis=1)
    return dk.mean(softplus - labels[:, 0] * logits[:, 0])


def softmax_cross_entropy(scores, one_hot):
    """Mean over the batch of -log softmax(scores)[label]."""
    return -dk.mean(dk.sum(one_hot * dk.log_softmax(scores, axis=1), axis=1))


def hinge_margins(scores, one_hot):
    """Node 2 of the SVM graph: s_j - s_y + 1 for every class j (j = y included, masked later)."""
    correct = dk.sum(one_hot * scores, axis=1, keepdims=True)
    return scores - correct + HINGE_MARGIN


def multiclass_hinge(scores, one_hot):
    """Node 3: mean over the batch of sum over j != y of max(0, s_j - s_y + 1)."""
    return dk.mean(dk.sum(dk.relu(hinge_margins(scores, one_hot)) * (1.0 - one_hot), axis=1))


DATA_LOSSES = {
    "squared": squared_error,
    "bce": binary_cross_entropy,
    "softmax-ce": softmax_cross_entropy,
    "hinge": multiclass_hinge,
}


def canonical_loss(loss):
    """The loss's canonical name (``softmax`` -> ``softmax-ce``); an error naming the choices."""
    name = LOSS_ALIASES.get(loss, loss)
    if name not in LOSSES:
        raise errors.InputError(
            f"no loss named {loss!r}; the losses are: {', '.join(LOSSES)} "
            f"(also accepted: {', '.join(f'{a} for {b}' for a, b in LOSS_ALIASES.items())})"
        )
    return name


def check_activation(activation):
    if activation not in ACTIVATIONS:
        raise errors.InputError(f"no activation named {activation!r}; the activations are: {', '.join(ACTIVATIONS)}")
    return activation


# --- the model -----------------------------------------------------------------------------------
@dataclass
class MLP:
    """A fully connected network: ``sizes`` from inputs to outputs, one activation between."""

    sizes: tuple
    activation: str = "relu"
    loss_name: str = "squared"
    reg: float = 0.0

    @property
    def depth(self):
        """Number of weight layers."""
        return len(self.sizes) - 1

    def init(self, rng):
        """Weights scaled for the activation (He for the ReLU family, Xavier otherwise), small biases.

        Biases are small random numbers rather than zeros, so an input of zeros (XOR's
        (0, 0)) does not sit exactly on a ReLU kink.
        """
        params = {}
        gain = 2.0 if self.activation in KINKED_ACTIVATIONS else 1.0
        for layer, (fan_in, fan_out) in enumerate(zip(self.sizes, self.sizes[1:]), start=1):
            params[f"W{layer}"] = rng.normal(size=(fan_in, fan_out)) * np.sqrt(gain / fan_in)
            params[f"b{layer}"] = rng.normal(size=(1, fan_out)) * 0.1
        return params

    def pre_activations(self, params, X):
        """The inputs of every hidden activation, layer by layer."""
        found = []
        hidden = X
        for layer in range(1, self.depth):
            pre = hidden @ params[f"W{layer}"] + params[f"b{layer}"]
            found.append(pre)
            hidden = ACTIVATIONS[self.activation](pre)
        return found

    def outputs(self, params, X):
        """The network's outputs (scores, logits or predictions), one row per example."""
        hidden = X
        activation = ACTIVATIONS[self.activation]
        for layer in range(1, self.depth + 1):
            hidden = hidden @ params[f"W{layer}"] + params[f"b{layer}"]
            if layer < self.depth:
                hidden = activation(hidden)
        return hidden

    def regularization(self, params):
        """Node 4 of the SVM graph: reg * sum of squared weights (biases are not penalised)."""
        total = 0.0
        for layer in range(1, self.depth + 1):
            total = total + dk.sum(params[f"W{layer}"] ** 2)
        return self.reg * total

    def loss(self, params, X, targets):
        """Data loss plus L2: nodes 1 (scores), 2-3 (data loss), 4 (penalty) and 5 (sum)."""
        data_loss = DATA_LOSSES[self.loss_name](self.outputs(params, X), targets)
        if self.reg == 0:
            return data_loss
        return data_loss + self.regularization(params)

    def encode(self, dataset):
        """The dataset's targets as this loss reads them: a column, or one-hot rows."""
        if self.loss_name in ("softmax-ce", "hinge"):
            return np.eye(dataset.num_classes)[dataset.y]
        return np.asarray(dataset.y, dtype=float).reshape(-1, 1)

    def predict(self, params, X):
        """Class labels for classification losses; the output column for squared error."""
        out = np.asarray(self.outputs(params, X), dtype=float)
        if self.loss_name in ("softmax-ce", "hinge"):
            return out.argmax(axis=1)
        if self.loss_name == "bce":
            return (out[:, 0] > 0).astype(int)
        return out[:, 0]

    def accuracy(self, params, dataset):
        """Fraction classified right (squared error on class labels thresholds at 1/2)."""
        if dataset.task != "classification":
            raise errors.InputError(f"accuracy needs class labels; dataset {dataset.name!r} is a regression set")
        predicted = self.predict(params, dataset.X)
        if self.loss_name == "squared":
            predicted = (predicted > 0.5).astype(int)
        return float(np.mean(predicted == dataset.y))

    def on_kink(self, params, X, targets):
        """Whether the point sits exactly on a kink: a hidden input of 0, or a hinge margin of 0."""
        if self.activation in KINKED_ACTIVATIONS:
            if any(np.any(np.asarray(pre) == 0) for pre in self.pre_activations(params, X)):
                return True
        if self.loss_name == "hinge":
            margins = np.asarray(hinge_margins(self.outputs(params, X), targets))
            return bool(np.any((margins == 0) & (targets == 0)))
        return False


def output_size(loss, dataset):
    """How many outputs the loss needs on this dataset, or an error if they do not fit."""
    if loss == "squared":
        return 1
    if dataset.task != "classification":
        raise errors.InputError(
            f"loss {loss!r} needs class labels, but dataset {dataset.name!r} has real-valued targets; "
            "use loss='squared' for regression"
        )
    return 1 if loss == "bce" else dataset.num_classes


def network_program(name, model, dataset, batch, seed, description):
    """The loss of ``model`` on the first ``batch`` examples, at seeded initial weights."""
    data = dataset.head(batch)
    targets = model.encode(data)
    params = model.init(np.random.default_rng([seed, 1]))
    return Program(
        name=name,
        function=model.loss,
        args=(params, data.X, targets),
        argnums=0,
        description=description,
        depth=model.depth,
        on_kink=model.on_kink(params, data.X, targets),
        model=model,
        data=dataset,
    )


@register_program("mlp", family="network")
def build_mlp(depth=2, width=3, activation="tanh", loss="squared", dataset="ring", batch=4, reg=0.0, seed=0):
    """``depth`` weight layers (depth - 1 hidden layers of ``width`` units) on a batch of a dataset.

    ``batch=None`` takes the whole dataset (for training); XOR has only 4 points, so a
    larger batch takes those 4.
    """
    depth = check_count(depth, "depth", 1)
    width = check_count(width, "width", 1)
    check_activation(activation)
    loss = canonical_loss(loss)
    reg = check_real(reg, "reg (the L2 penalty's weight)", minimum=0)
    seed = check_seed(seed)
    if dataset not in DATASETS:
        raise errors.InputError(f"no dataset named {dataset!r}; the datasets are: {', '.join(DATASETS)}")
    data = make_dataset(dataset, seed=seed)
    batch = len(data) if batch is None else min(check_count(batch, "batch", 1), len(data))
    sizes = (data.X.shape[1],) + (width,) * (depth - 1) + (output_size(loss, data),)
    model = MLP(sizes, activation, loss, float(reg))
    layers = "layer" if depth == 2 else "layers"
    hidden = f"{depth - 1} hidden {activation} {layers} of {width}" if depth > 1 else "no hidden layer"
    description = f"MLP {'-'.join(map(str, sizes))} ({hidden}), {loss} loss, {batch} {dataset} examples"
    if reg:
        description += f", L2 {reg:g}"
    return network_program("mlp", model, data, batch, seed, description)


@register_program("linear-svm", family="network")
def build_linear_svm(dataset="ring", batch=8, reg=0.001, seed=0):
    """Seed 002's five-node pipeline: scores s = x W + b, margins, hinge, L2 penalty, total."""
    reg = check_real(reg, "reg (the L2 penalty's weight)", minimum=0)
    seed = check_seed(seed)
    if dataset not in DATASETS:
        raise errors.InputError(f"no dataset named {dataset!r}; the datasets are: {', '.join(DATASETS)}")
    data = make_dataset(dataset, seed=seed)
    batch = len(data) if batch is None else min(check_count(batch, "batch", 1), len(data))
    model = MLP((data.X.shape[1], output_size("hinge", data)), "relu", "hinge", float(reg))
    description = (
        f"linear classifier with multiclass SVM hinge loss and L2 {reg:g} (seed 002's five nodes: "
        f"scores, margins, hinge, penalty, total), {batch} {dataset} examples"
    )
    return network_program("linear-svm", model, data, batch, seed, description)
