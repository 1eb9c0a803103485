"""Adapters for the libraries diffkit's tape is compared with: torch, jax, autograd, micrograd.

Each peer says which modules it needs and how to build, from the benchmark's NumPy
parameters, a zero-argument function that computes the gradient its users would write
(``torch.autograd.grad``, ``jax.grad`` with or without ``jax.jit``, ``autograd.grad``,
micrograd's ``Value.backward``). A peer whose modules cannot be imported is reported
as missing, with the reason, and the benchmark goes on without it.
"""

import importlib
import importlib.metadata
import os
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from . import networks


@dataclass(frozen=True)
class Peer:
    """A library to compare with: its modules and its adapters (``None``: not applicable)."""

    name: str
    modules: tuple
    distribution: str
    description: str
    mlp: Optional[Callable] = None  # (modules, params, X, Y) -> (run, grads_of(result))
    scalar: Optional[Callable] = None  # (modules, params, xs, ys) -> (run, grads_of(result))


NOT_REQUESTED = "not requested (--peers)"


@dataclass
class PeerStatus:
    name: str
    available: bool
    version: str = ""
    reason: str = ""
    modules: tuple = ()


def load(peer):
    """Import a peer's modules; return ``(PeerStatus, modules)``; never raises for a missing peer."""
    imported = []
    for module_name in peer.modules:
        try:
            imported.append(importlib.import_module(module_name))
        except Exception as exc:  # ImportError, or a broken installation failing on import
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            return PeerStatus(peer.name, False, reason=reason), ()
    return PeerStatus(peer.name, True, version=_version(peer, imported[0]), modules=tuple(imported)), tuple(imported)


def _version(peer, module):
    try:
        return importlib.metadata.version(peer.distribution)
    except importlib.metadata.PackageNotFoundError:
        return str(getattr(module, "__version__", "unknown"))


def limit_xla_threads(threads):
    """Ask XLA (jax) for one thread when ``threads`` is 1; it reads this when jax is first imported.

    Returns a function that restores the environment variable.
    """
    previous = os.environ.get("XLA_FLAGS")
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in (previous or ""):
        os.environ["XLA_FLAGS"] = ((previous or "") + " --xla_cpu_multi_thread_eigen=false").strip()

    def restore():
        if previous is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = previous

    return restore


# --- torch ---------------------------------------------------------------------------------
def _torch_mlp(modules, params, X, Y):
    (torch,) = modules
    weights = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    X_t = torch.tensor(X, dtype=torch.float64)
    Y_t = torch.tensor(Y, dtype=torch.float64)

    def run():
        h = X_t
        last = len(weights) - 2
        for i in range(0, last, 2):
            h = torch.tanh(h @ weights[i] + weights[i + 1])
        residual = h @ weights[last] + weights[last + 1] - Y_t
        loss = torch.mean(residual * residual)
        return torch.autograd.grad(loss, weights)

    def grads_of(result):
        return [g.numpy() for g in result]

    return run, grads_of


def _torch_scalar(modules, params, xs, ys):
    (torch,) = modules

    def run():
        values = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
        loss = networks.scalar_loss(values, xs, ys, torch.relu)
        return torch.autograd.grad(loss, values)

    def grads_of(result):
        return [float(g) for g in result]

    return run, grads_of


# --- jax -----------------------------------------------------------------------------------
def _jax_loss(jnp):
    def loss(weights, X, Y):
        h = X
        last = len(weights) - 2
        for i in range(0, last, 2):
            h = jnp.tanh(h @ weights[i] + weights[i + 1])
        residual = h @ weights[last] + weights[last + 1] - Y
        return jnp.mean(residual * residual)

    return loss


def _jax_mlp(modules, params, X, Y, jit):
    jax, jnp = modules
    jax.config.update("jax_enable_x64", True)
    weights = [jnp.asarray(p, dtype=jnp.float64) for p in params]
    X_j, Y_j = jnp.asarray(X), jnp.asarray(Y)
    gradient = jax.grad(_jax_loss(jnp))
    if jit:
        gradient = jax.jit(gradient)

    def run():
        return jax.block_until_ready(gradient(weights, X_j, Y_j))

    def grads_of(result):
        return [np.asarray(g) for g in result]

    return run, grads_of


def _jax_eager_mlp(modules, params, X, Y):
    return _jax_mlp(modules, params, X, Y, jit=False)


def _jax_jit_mlp(modules, params, X, Y):
    return _jax_mlp(modules, params, X, Y, jit=True)


# --- autograd ------------------------------------------------------------------------------
def _autograd_mlp(modules, params, X, Y):
    autograd, anp = modules

    def loss(weights):
        h = X
        last = len(weights) - 2
        for i in range(0, last, 2):
            h = anp.tanh(anp.dot(h, weights[i]) + weights[i + 1])
        residual = anp.dot(h, weights[last]) + weights[last + 1] - Y
        return anp.mean(residual * residual)

    gradient = autograd.grad(loss)

    def run():
        return gradient(list(params))

    def grads_of(result):
        return [np.asarray(g) for g in result]

    return run, grads_of


def _autograd_scalar(modules, params, xs, ys):
    autograd, anp = modules

    def relu(v):
        return anp.maximum(v, 0.0)

    def loss(values):
        return networks.scalar_loss(values, xs, ys, relu)

    gradient = autograd.grad(loss)

    def run():
        return gradient(list(params))

    def grads_of(result):
        return [float(g) for g in result]

    return run, grads_of


# --- micrograd -----------------------------------------------------------------------------
def _micrograd_relu(value):
    return value.relu()


def _micrograd_scalar(modules, params, xs, ys):
    (engine,) = modules

    def run():
        values = [engine.Value(p) for p in params]
        loss = networks.scalar_loss(values, xs, ys, _micrograd_relu)
        loss.backward()
        return [v.grad for v in values]

    def grads_of(result):
        return [float(g) for g in result]

    return run, grads_of


PEERS = (
    Peer("torch", ("torch",), "torch", "PyTorch eager on CPU, torch.autograd.grad", _torch_mlp, _torch_scalar),
    Peer("jax", ("jax", "jax.numpy"), "jax", "jax.grad without jit (op by op)", _jax_eager_mlp),
    Peer("jax-jit", ("jax", "jax.numpy"), "jax", "jax.jit(jax.grad(loss)), compiled once before timing", _jax_jit_mlp),
    Peer("autograd", ("autograd", "autograd.numpy"), "autograd", "HIPS autograd, autograd.grad", _autograd_mlp, _autograd_scalar),
    Peer("micrograd", ("micrograd.engine",), "micrograd", "micrograd Value graph (scalars only)", None, _micrograd_scalar),
)


def peer_statuses(peers=PEERS):
    """Load every peer once: ``{name: (PeerStatus, modules)}``."""
    return {peer.name: load(peer) for peer in peers}
