"""GradBench's ``gmm``: the log posterior of a Gaussian mixture with a Wishart prior.

k components in d dimensions, n points x. Weights are softmax(alpha); component j has
mean mu_j and precision matrix Q_j^T Q_j, where Q_j is lower triangular with
exp(q_j) on its diagonal and l_j filling the strictly lower part column by column.
This is GradBench's corrected definition: the precision is Q^T Q (ADBench used the
transpose, Q Q^T), and the Wishart prior with V = I / gamma^2 and n_W = d + m + 1
degrees of freedom is on the precisions. With
beta_ij = alpha_j - |Q_j (x_i - mu_j)|^2 / 2 + sum(q_j),

    log posterior = -n (d/2 log 2 pi + lse(alpha)) + sum_i lse_j(beta_ij)
                    + k (n_W d log(gamma / sqrt 2) - log Gamma_d(n_W / 2))
                    - gamma^2 / 2 sum_j |Q_j|_F^2 + m sum_j sum(q_j),

differentiated by alpha, mu, q and l. Inputs are drawn the eval's way from
``np.random.default_rng(seed)`` in the eval's order, so seed 31337 gives the eval's
own numbers.
"""

import math

import numpy as np

from ... import ops as dk
from ..program import Program, check_count, check_real, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337


def lower_scatter(d):
    """A 0/1 matrix S with (l @ S).reshape(d, d) = the strictly lower part filled column by column."""
    scatter = np.zeros((d * (d - 1) // 2, d * d))
    entry = 0
    for column in range(d):
        for row in range(column + 1, d):
            scatter[entry, row * d + column] = 1.0
            entry += 1
    return scatter


def log_multigamma(a, d):
    """log Gamma_d(a) = d (d - 1) / 4 log pi + sum_{j=1..d} log Gamma(a + (1 - j) / 2)."""
    return d * (d - 1) / 4 * math.log(math.pi) + sum(math.lgamma(a + (1 - j) / 2) for j in range(1, d + 1))


def precision_factors(q, l):
    """Q_j for every component, shape (k, d, d)."""
    k, d = q.shape
    diagonal = dk.exp(q)
    Q = dk.reshape(diagonal, (k, d, 1)) * np.eye(d)
    if d > 1:
        Q = Q + dk.reshape(l @ lower_scatter(d), (k, d, d))
    return Q


def gmm_objective(alpha, mu, q, l, x, m, gamma):
    """GradBench's gmm objective (the log posterior) at alpha (k), mu, q (k x d), l (k x d(d-1)/2)."""
    n, d = x.shape
    k = alpha.shape[0]
    Q = precision_factors(q, l)
    centred = dk.reshape(x, (1, n, d)) - dk.reshape(mu, (k, 1, d))  # (k, n, d)
    scaled = centred @ dk.transpose(Q, (0, 2, 1))  # row i of block j: Q_j (x_i - mu_j)
    sum_q = dk.sum(q, axis=1)
    beta = dk.reshape(alpha + sum_q, (k, 1)) - 0.5 * dk.sum(scaled * scaled, axis=2)  # (k, n)
    likelihood = dk.sum(dk.logsumexp(beta, axis=0)) - n * (0.5 * d * math.log(2 * math.pi) + dk.logsumexp(alpha))
    dof = d + m + 1
    frobenius = dk.sum(dk.exp(2.0 * q)) + dk.sum(l * l)
    prior = (k * (dof * d * math.log(gamma / math.sqrt(2.0)) - log_multigamma(0.5 * dof, d))
             - 0.5 * gamma * gamma * frobenius + m * dk.sum(sum_q))
    return likelihood + prior


def generate_gmm(d, k, n, m=0, gamma=1.0, seed=GRADBENCH_SEED):
    """The eval's input, drawn in the eval's order: x, alpha, mu (uniform), q, l."""
    d, k, n = check_count(d, "d", 1), check_count(k, "k", 1), check_count(n, "n", 1)
    rng = np.random.default_rng(check_seed(seed))
    x = rng.normal(size=(n, d))
    alpha = rng.normal(size=k)
    mu = rng.uniform(size=(k, d))
    q = rng.normal(size=(k, d))
    l = rng.normal(size=(k, d * (d - 1) // 2))
    return {"d": d, "k": k, "n": n, "x": x, "m": check_count(m, "m"), "gamma": check_real(gamma, "gamma", 0),
            "alpha": alpha, "mu": mu, "q": q, "l": l}


@register_program("gmm", family="benchmark")
def build_gmm(d=2, k=2, n=10, m=0, gamma=1.0, seed=GRADBENCH_SEED):
    data = generate_gmm(d, k, n, m, gamma, seed)
    x, m, gamma = data["x"], data["m"], data["gamma"]

    def gmm(alpha, mu, q, l):
        return gmm_objective(alpha, mu, q, l, x, m, gamma)

    return Program(
        name="gmm",
        function=gmm,
        args=(data["alpha"], data["mu"], data["q"], data["l"]),
        argnums=(0, 1, 2, 3),
        description=f"GradBench gmm: log posterior of {k} Gaussians in {d} dimensions with a Wishart prior, {n} points",
    )
