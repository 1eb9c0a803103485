"""Plain gradient descent on a program's parameters, with any method's gradients.

Training is the proof that gradients are good enough to learn with: ``train`` runs
``params <- params - lr * grad`` for a number of steps and returns the trained parameters
and the loss after every step; ``accuracy`` scores a network program's model on its data.
"""

from dataclasses import dataclass, field

import numpy as np

from .. import errors
from ..api import gradient
from ..core.containers import flatten, unflatten


@dataclass
class TrainingRun:
    """The trained parameters and the loss before each step (and after the last)."""

    params: object
    losses: list = field(default_factory=list)
    method: str = "tape"

    @property
    def final_loss(self):
        return self.losses[-1]


def _single_argnum(program):
    argnums = program.argnums
    if not isinstance(argnums, (int, np.integer)):
        raise errors.InputError(
            f"train() updates one argument (a parameter dict, list or array); program "
            f"{program.name!r} differentiates arguments {tuple(argnums)}"
        )
    return int(argnums)


def _check_step(steps, lr):
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise errors.InputError(f"steps must be a non-negative integer; got {steps!r}")
    if not (isinstance(lr, (int, float, np.floating)) and np.isfinite(lr) and lr > 0):
        raise errors.InputError(f"the learning rate lr must be a positive number; got {lr!r}")


def train(program, steps=1000, lr=0.1, method="tape", params=None):
    """Gradient descent on ``program``'s differentiated argument from its example value.

    ``params`` replaces the starting point. Returns a :class:`TrainingRun`; the program
    itself is not changed.
    """
    _check_step(steps, lr)
    argnum = _single_argnum(program)
    args = list(program.args)
    leaves, treedef = flatten(params if params is not None else args[argnum])
    leaves = [np.array(leaf, dtype=float) for leaf in leaves]
    losses = []
    for _ in range(steps):
        args[argnum] = unflatten(treedef, leaves)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            result = gradient(program.function, *args, argnums=argnum, method=method)
        losses.append(result.value)
        grads, _ = flatten(result.grad)
        leaves = [leaf - lr * np.asarray(g, dtype=float) for leaf, g in zip(leaves, grads)]
        if not (np.isfinite(result.value) and all(np.isfinite(leaf).all() for leaf in leaves)):
            raise errors.InputError(
                f"gradient descent diverged after {len(losses)} steps (lr={lr}): the loss or the "
                "parameters are no longer finite. Use a smaller learning rate."
            )
    trained = unflatten(treedef, leaves)
    args[argnum] = trained
    losses.append(float(np.asarray(program.function(*args)).reshape(())))
    return TrainingRun(params=trained, losses=losses, method=method)


def accuracy(program, params=None, dataset=None):
    """Fraction of ``dataset`` (default: the program's whole dataset) the network gets right."""
    if program.model is None or not hasattr(program.model, "accuracy"):
        raise errors.InputError(f"program {program.name!r} has no model to score; accuracy needs a network program")
    if params is None:
        params = program.args[_single_argnum(program)]
    return program.model.accuracy(params, dataset if dataset is not None else program.data)
