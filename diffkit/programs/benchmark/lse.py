"""GradBench's ``lse``: log-sum-exp and its gradient, from its primitive parts.

LSE(x) = a + log sum_i exp(x_i - a) with a = max x (``dk.max``), as the eval asks (a
maximum and a sum, not a library log-sum-exp with its own derivative rule). The gradient is the
softmax of x. Inputs are n draws from U[0, 1), as the eval draws them.
"""

import numpy as np

from ... import ops as dk
from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337


def logsumexp(x):
    """log sum exp(x) over a vector, shifted by its maximum so that no exp overflows."""
    shift = dk.max(x, axis=0)
    return shift + dk.log(dk.sum(dk.exp(x - shift)))


def generate_lse(n, seed=GRADBENCH_SEED):
    """The eval's input: ``{"x": n uniform draws on [0, 1)}``."""
    rng = np.random.default_rng(check_seed(seed))
    return {"x": rng.random(check_count(n, "n", 1))}


def softmax(x):
    """The closed-form gradient of LSE."""
    weights = np.exp(x - np.max(x))
    return weights / weights.sum()


@register_program("lse", family="benchmark")
def build_lse(n=2, seed=GRADBENCH_SEED):
    x = generate_lse(n, seed)["x"]
    return Program(
        name="lse",
        function=logsumexp,
        args=(x,),
        description=f"GradBench lse: log-sum-exp of {n} numbers by max, exp, sum and log",
        exact_grad=softmax,
    )
