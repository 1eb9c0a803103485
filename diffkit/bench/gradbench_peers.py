"""GradBench's GMM and LSTM objectives written for the libraries diffkit is compared with.

Each is the code a user of that library would write from the evals' definitions, with
the same algebra as diffkit's programs (:mod:`diffkit.programs.benchmark`): PyTorch
eager with ``torch.autograd.grad``; JAX with ``jax.grad``, op by op or under
``jax.jit`` (the LSTM's time loop as ``lax.scan``, as a JAX user writes a recurrence);
HIPS autograd on ``autograd.numpy``. An adapter returns ``(objective, gradient,
grads_of)``: two zero-argument callables to time and a function reading the gradient
out as NumPy arrays, in diffkit's order (GMM: alpha, mu, q, l; LSTM: main, extra).
"""

import math

import numpy as np

from ..programs.benchmark.gmm import log_multigamma, lower_scatter


def _gmm_constant(d, k, m, gamma):
    dof = d + m + 1
    return k * (dof * d * math.log(gamma / math.sqrt(2.0)) - log_multigamma(0.5 * dof, d))


# --- torch ------------------------------------------------------------------------------------
def torch_gmm(modules, args, data):
    (torch,) = modules
    x = torch.tensor(data["x"], dtype=torch.float64)
    d = x.shape[1]
    k = args[0].shape[0]
    scatter = torch.tensor(lower_scatter(d), dtype=torch.float64)
    constant = _gmm_constant(d, k, data["m"], data["gamma"])
    n, m, gamma = x.shape[0], data["m"], data["gamma"]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]

    def loss():
        alpha, mu, q, l = leaves
        Q = torch.diag_embed(torch.exp(q)) + (l @ scatter).reshape(k, d, d)
        scaled = (x[None, :, :] - mu[:, None, :]) @ Q.transpose(1, 2)
        sum_q = q.sum(1)
        beta = (alpha + sum_q)[:, None] - 0.5 * (scaled * scaled).sum(2)
        likelihood = torch.logsumexp(beta, 0).sum() - n * (0.5 * d * math.log(2 * math.pi) + torch.logsumexp(alpha, 0))
        frobenius = torch.exp(2 * q).sum() + (l * l).sum()
        return likelihood + constant - 0.5 * gamma * gamma * frobenius + m * sum_q.sum()

    def objective():
        with torch.no_grad():
            return loss()

    return objective, lambda: torch.autograd.grad(loss(), leaves), _torch_arrays


def torch_lstm(modules, args, data):
    (torch,) = modules
    state = torch.tensor(data["state"], dtype=torch.float64)
    sequence = torch.tensor(data["sequence"], dtype=torch.float64)
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    b = sequence.shape[1]
    layers = state.shape[0] // 2

    def loss():
        main, extra = leaves
        hidden = [state[2 * i] for i in range(layers)]
        cell = [state[2 * i + 1] for i in range(layers)]
        total = 0.0
        for t in range(sequence.shape[0] - 1):
            signal = sequence[t] * extra[0]
            for i in range(layers):
                w, bias = main[2 * i], main[2 * i + 1]
                forget = torch.sigmoid(signal * w[:b] + bias[:b])
                ingate = torch.sigmoid(hidden[i] * w[b:2 * b] + bias[b:2 * b])
                outgate = torch.sigmoid(signal * w[2 * b:3 * b] + bias[2 * b:3 * b])
                change = torch.tanh(hidden[i] * w[3 * b:] + bias[3 * b:])
                cell[i] = cell[i] * forget + ingate * change
                hidden[i] = outgate * torch.tanh(cell[i])
                signal = hidden[i]
            prediction = signal * extra[1] + extra[2]
            normaliser = torch.log(torch.exp(prediction).sum() + 2.0)
            total = total + (sequence[t + 1] * (prediction - normaliser)).sum()
        return -total / ((sequence.shape[0] - 1) * b)

    def objective():
        with torch.no_grad():
            return loss()

    return objective, lambda: torch.autograd.grad(loss(), leaves), _torch_arrays


def _torch_arrays(grads):
    return [g.detach().numpy() for g in grads]


# --- NumPy-like libraries: jax.numpy and autograd.numpy -------------------------------------------
def numpy_like_gmm(np_module, logsumexp, data, k):
    """The GMM objective on a NumPy-like module (``jax.numpy``, ``autograd.numpy``)."""
    x = np.asarray(data["x"])
    n, d = x.shape
    scatter = lower_scatter(d)
    eye = np.eye(d)
    constant = _gmm_constant(d, k, data["m"], data["gamma"])
    m, gamma = data["m"], data["gamma"]

    def loss(alpha, mu, q, l):
        Q = np_module.exp(q)[:, :, None] * eye + np_module.reshape(np_module.dot(l, scatter), (k, d, d))
        scaled = np_module.matmul(x[None, :, :] - mu[:, None, :], np_module.transpose(Q, (0, 2, 1)))
        sum_q = np_module.sum(q, axis=1)
        beta = (alpha + sum_q)[:, None] - 0.5 * np_module.sum(scaled * scaled, axis=2)
        likelihood = np_module.sum(logsumexp(beta, axis=0)) - n * (0.5 * d * math.log(2 * math.pi) + logsumexp(alpha))
        frobenius = np_module.sum(np_module.exp(2 * q)) + np_module.sum(l * l)
        return likelihood + constant - 0.5 * gamma * gamma * frobenius + m * np_module.sum(sum_q)

    return loss


def _lstm_step(np_module, sigmoid, b, layers):
    def step(carry, pair, main, extra):
        hidden, cell = carry
        current, following = pair
        signal = current * extra[0]
        new_hidden, new_cell = [], []
        for i in range(layers):
            w, bias = main[2 * i], main[2 * i + 1]
            forget = sigmoid(signal * w[:b] + bias[:b])
            ingate = sigmoid(hidden[i] * w[b:2 * b] + bias[b:2 * b])
            outgate = sigmoid(signal * w[2 * b:3 * b] + bias[2 * b:3 * b])
            change = np_module.tanh(hidden[i] * w[3 * b:] + bias[3 * b:])
            c = cell[i] * forget + ingate * change
            h = outgate * np_module.tanh(c)
            new_hidden.append(h)
            new_cell.append(c)
            signal = h
        prediction = signal * extra[1] + extra[2]
        normaliser = np_module.log(np_module.sum(np_module.exp(prediction)) + 2.0)
        return (new_hidden, new_cell), np_module.sum(following * (prediction - normaliser))

    return step


def autograd_lstm_loss(anp, data):
    state, sequence = np.asarray(data["state"]), np.asarray(data["sequence"])
    b, layers = sequence.shape[1], state.shape[0] // 2
    step = _lstm_step(anp, lambda v: 1.0 / (1.0 + anp.exp(-v)), b, layers)

    def loss(main, extra):
        carry = ([state[2 * i] for i in range(layers)], [state[2 * i + 1] for i in range(layers)])
        total = 0.0
        for t in range(sequence.shape[0] - 1):
            carry, term = step(carry, (sequence[t], sequence[t + 1]), main, extra)
            total = total + term
        return -total / ((sequence.shape[0] - 1) * b)

    return loss


def jax_lstm_loss(jax, jnp, data):
    state, sequence = jnp.asarray(data["state"]), jnp.asarray(data["sequence"])
    b, layers = sequence.shape[1], state.shape[0] // 2
    step = _lstm_step(jnp, jax.nn.sigmoid, b, layers)

    def loss(main, extra):
        carry = ([state[2 * i] for i in range(layers)], [state[2 * i + 1] for i in range(layers)])
        _, terms = jax.lax.scan(lambda c, pair: step(c, pair, main, extra), carry, (sequence[:-1], sequence[1:]))
        return -jnp.sum(terms) / ((sequence.shape[0] - 1) * b)

    return loss


def _jax(problem, modules, args, data, jit):
    jax, jnp = modules
    jax.config.update("jax_enable_x64", True)
    values = [jnp.asarray(a, dtype=jnp.float64) for a in args]
    if problem == "gmm":
        from jax.scipy.special import logsumexp

        loss = numpy_like_gmm(jnp, logsumexp, data, args[0].shape[0])
    else:
        loss = jax_lstm_loss(jax, jnp, data)
    gradient = jax.grad(loss, argnums=tuple(range(len(values))))
    if jit:
        loss, gradient = jax.jit(loss), jax.jit(gradient)
    return (lambda: jax.block_until_ready(loss(*values)), lambda: jax.block_until_ready(gradient(*values)),
            lambda grads: [np.asarray(g) for g in grads])


def jax_eager(problem):
    return lambda modules, args, data: _jax(problem, modules, args, data, jit=False)


def jax_jit(problem):
    return lambda modules, args, data: _jax(problem, modules, args, data, jit=True)


def autograd_adapter(problem):
    def adapter(modules, args, data):
        autograd, anp = modules
        if problem == "gmm":
            from autograd.scipy.special import logsumexp

            loss = numpy_like_gmm(anp, logsumexp, data, args[0].shape[0])
        else:
            loss = autograd_lstm_loss(anp, data)
        gradient = autograd.grad(lambda values: loss(*values))
        values = [np.asarray(a, dtype=float) for a in args]
        return lambda: loss(*values), lambda: gradient(values), lambda grads: [np.asarray(g) for g in grads]

    return adapter


def torch_adapter(problem):
    return torch_gmm if problem == "gmm" else torch_lstm


# peer name -> (modules, adapter factory by problem); names match diffkit.bench.peers.PEERS
ADAPTERS = {
    "torch": torch_adapter,
    "jax": jax_eager,
    "jax-jit": jax_jit,
    "autograd": autograd_adapter,
}
