"""Random smooth programs built from the op table, and forward mode checked against the tape on them.

A program is a recipe: a list of steps, each an op from ``STEPS`` applied to values
already computed (all vectors of length n). Every step keeps its inputs inside the op's
smooth domain (exp of a tanh, log and sqrt of 1 + z^2, division by 1 + z^2), so no
kink or singularity is ever hit. The Jacobian and Hessian tests import ``programs``
from here.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import diffkit as dk


# --- steps: each takes (a, b, constants) and returns a vector of the same length ------
def step_sin(a, b, c):
    return dk.sin(a)


def step_cos_mul(a, b, c):
    return dk.cos(a) * b


def step_tanh(a, b, c):
    return dk.tanh(a + 0.5 * b)


def step_sigmoid(a, b, c):
    return dk.sigmoid(a) - b


def step_exp(a, b, c):
    return dk.exp(0.5 * dk.tanh(a))


def step_log(a, b, c):
    return dk.log(1.0 + a * a)


def step_sqrt(a, b, c):
    return dk.sqrt(1.0 + a * a * (1.0 + b * b))


def step_cube(a, b, c):
    return a**3 - b


def step_power(a, b, c):
    return (1.0 + a * a) ** (0.5 * dk.tanh(b))


def step_divide(a, b, c):
    return a / (1.0 + b * b)


def step_negative(a, b, c):
    return -a * 0.7 + b


def step_softmax(a, b, c):
    return dk.softmax(a) * b


def step_log_softmax(a, b, c):
    return dk.log_softmax(a) + 0.3 * b


def step_logsumexp(a, b, c):
    return a - dk.logsumexp(b)


def step_sum_mean(a, b, c):
    return a * dk.mean(b) + 0.1 * dk.sum(a * a)


def step_matmul(a, b, c):
    return c["A"] @ a + b


def step_reshape_transpose(a, b, c):
    n = a.shape[0]
    return dk.reshape(dk.transpose(dk.reshape(a * b, (n, 1))), (n,))


def step_getitem(a, b, c):
    return a[::-1] * b


def step_stack(a, b, c):
    return dk.sum(dk.stack([a, b * b]), axis=0)


def step_concatenate(a, b, c):
    n = a.shape[0]
    return dk.concatenate([a, b])[n:] * a


def step_broadcast(a, b, c):
    return dk.mean(dk.broadcast_to(a, (2, a.shape[0])) * c["B"], axis=0)


def step_where(a, b, c):
    return dk.where(c["mask"], a * b, a + b)


def step_matmul_matrix(a, b, c):
    return dk.reshape(dk.reshape(a, (1, -1)) @ (c["A"] * dk.tanh(b)), (-1,))


STEPS = (
    step_sin, step_cos_mul, step_tanh, step_sigmoid, step_exp, step_log, step_sqrt, step_cube,
    step_power, step_divide, step_negative, step_softmax, step_log_softmax, step_logsumexp,
    step_sum_mean, step_matmul, step_reshape_transpose, step_getitem, step_stack,
    step_concatenate, step_broadcast, step_where, step_matmul_matrix,
)


class RandomProgram:
    """A smooth program R^n -> R^m (``vector``) and its scalar version (``scalar``)."""

    def __init__(self, n, m, steps, seed):
        rng = np.random.default_rng(seed)
        self.n, self.m, self.steps = n, m, steps
        self.point = rng.uniform(-1.0, 1.0, n)
        self.constants = {
            "A": rng.normal(size=(n, n)) / np.sqrt(n),
            "B": rng.normal(size=(2, n)),
            "mask": rng.uniform(size=n) < 0.5,
            "out": rng.normal(size=(m, n)),
            "w": rng.normal(size=n),
        }

    def _last(self, x):
        pool = [x]
        for op, i, j in self.steps:
            pool.append(STEPS[op](pool[i % len(pool)], pool[j % len(pool)], self.constants))
        return pool[-1] + 0.25 * pool[0] * pool[len(pool) // 2]

    def vector(self, x):
        return self.constants["out"] @ self._last(x)

    def scalar(self, x):
        return dk.sum(self.constants["w"] * self._last(x))

    def __repr__(self):
        names = [f"{STEPS[op].__name__}({i},{j})" for op, i, j in self.steps]
        return f"RandomProgram(n={self.n}, m={self.m}, steps=[{', '.join(names)}])"


def programs(max_n=3, max_m=3, max_steps=4):
    """Hypothesis strategy for :class:`RandomProgram`."""
    step = st.tuples(st.integers(0, len(STEPS) - 1), st.integers(0, 10), st.integers(0, 10))
    return st.builds(
        RandomProgram,
        n=st.integers(1, max_n),
        m=st.integers(1, max_m),
        steps=st.lists(step, min_size=1, max_size=max_steps),
        seed=st.integers(0, 2**32 - 1),
    )


@settings(max_examples=150, deadline=None)
@given(programs(max_n=4, max_steps=6))
def test_forward_mode_and_tape_gradients_agree_on_random_programs(program):
    forward = dk.gradient(program.scalar, program.point, method="forward-mode")
    reverse = dk.gradient(program.scalar, program.point, method="tape")
    assert forward.value == reverse.value
    np.testing.assert_allclose(forward.grad, reverse.grad, rtol=0, atol=1e-12 * max(1.0, np.abs(reverse.grad).max()))
    assert forward.stats["passes"] == program.n


def test_every_step_of_the_generator_runs_forward_and_matches_the_tape():
    for op in range(len(STEPS)):
        program = RandomProgram(3, 2, [(op, 0, 0), (op, 1, 0)], seed=op)
        forward = dk.jacobian(program.vector, method="forward-mode")(program.point)
        reverse = dk.jacobian(program.vector, method="tape")(program.point)
        np.testing.assert_allclose(forward, reverse, rtol=0, atol=1e-12, err_msg=STEPS[op].__name__)
