"""Property test: random programs from the whole op table of issue 15, differentiated every way.

Hypothesis draws a chain of steps. A step is an op spec of the table (test_core_ops_table.py)
at one of its points, moved by the program's input; a random einsum (any subscripts over
the indices i, j, k, with repeated indices and implicit outputs); an item assignment with a
random index (a row, a stepped slice, repeated fancy indices, a mask), plain or augmented;
or fancy indexing with repeats. The steps are chained: each adds its weighted sum to the
total, which moves the next step's point a little, so derivatives flow through every step.
Tape, forward mode, symbolic (where every step has SymPy faces) and the complex step (where
every step is analytic) must agree.
"""

from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffkit as dk
from test_core_ops_table import NUMPY_SPECS, output_shape

SIZES = {"i": 2, "j": 3, "k": 2}
NUDGE = 0.01  # how far the input moves a step's point: every point stays inside its domain
SPECS = NUMPY_SPECS


@dataclass
class Step:
    """One step: ``run(values)`` computes it from its arguments; it reads ``sizes`` entries of the input."""

    name: str
    base: tuple  # the step's point, one array per argument
    weights: np.ndarray
    run: object
    symbolic: bool
    analytic: bool

    def size(self):
        return int(sum(np.size(b) for b in self.base))


def _spec_step(spec, rng):
    base = spec.sample(rng)
    weights = rng.uniform(-1.0, 1.0, size=output_shape(spec, base))
    return Step(spec.id, base, weights, spec.program, spec.symbolic, spec.analytic)


def _einsum_step(draw, rng):
    count = draw(st.integers(1, 3))
    subscripts = [draw(st.text(alphabet="ijk", min_size=1, max_size=3)) for _ in range(count)]
    used = sorted(set("".join(subscripts)))
    explicit = draw(st.booleans())
    if explicit:
        output = "".join(draw(st.permutations(draw(st.lists(st.sampled_from(used), unique=True, max_size=len(used))))))
        text = ",".join(subscripts) + "->" + output
    else:
        text = ",".join(subscripts)
    base = tuple(rng.uniform(-1.0, 1.0, size=tuple(SIZES[c] for c in sub)) for sub in subscripts)

    def einsum(*operands):
        return np.einsum(text, *operands)

    weights = rng.uniform(-1.0, 1.0, size=np.shape(np.einsum(text, *base)))
    return Step(f"einsum {text!r}", base, weights, einsum, True, True)


_INDICES = {
    "row": 1,
    "stepped slice": (slice(None), slice(None, None, -2)),
    "repeated fancy": ([0, 1, 0, 0], [2, 0, 2, 1]),
    "mask": np.array([[True, False, True], [False, True, True]]),
    "column of rows": (slice(None), [1, 1]),
}


def _assignment_step(draw, rng):
    label = draw(st.sampled_from(sorted(_INDICES)))
    index = _INDICES[label]
    augmented = draw(st.booleans())
    target_shape = np.empty((2, 3))[index].shape
    value_shape = draw(st.sampled_from([target_shape, target_shape[-1:], ()]))
    base = (rng.uniform(-1.0, 1.0, size=(2, 3)), rng.uniform(-1.0, 1.0, size=value_shape))

    def assign(x, v):
        y = x * 1.0
        if augmented:
            y[index] += v * x[index]
        else:
            y[index] = v
        return y * x  # the x from before the assignment

    weights = rng.uniform(-1.0, 1.0, size=(2, 3))
    return Step(f"y[{label}] {'+=' if augmented else '='} v", base, weights, assign, True, True)


def _fancy_step(draw, rng):
    rows = draw(st.lists(st.integers(0, 1), min_size=1, max_size=4))
    columns = draw(st.lists(st.integers(0, 2), min_size=len(rows), max_size=len(rows)))

    def pick(x):
        return x[rows, columns] * x[rows, columns]

    base = (rng.uniform(-1.0, 1.0, size=(2, 3)),)
    weights = rng.uniform(-1.0, 1.0, size=(len(rows),))
    return Step(f"x[{rows}, {columns}]", base, weights, pick, True, True)


@dataclass
class ChainProgram:
    steps: list

    def size(self):
        return sum(step.size() for step in self.steps)

    def __call__(self, theta):
        total = 0.0
        offset = 0
        for step in self.steps:
            args = []
            for position, b in enumerate(step.base):
                part = dk.reshape(theta[offset : offset + np.size(b)], np.shape(b)) if np.size(b) else 0.0
                offset += np.size(b)
                moved = b + NUDGE * part
                if position == 0 and step is not self.steps[0]:  # the chain: one entry moves with the total so far
                    first = np.zeros(np.shape(b))
                    first.reshape(-1)[:1] = 1.0
                    moved = moved + NUDGE * first * dk.tanh(total)
                args.append(moved)
            total = total + dk.sum(step.weights * step.run(*args))
        return total

    def __repr__(self):
        return " -> ".join(step.name for step in self.steps)


@st.composite
def chain_programs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["spec", "spec", "einsum", "assignment", "fancy"]))
        if kind == "spec":
            steps.append(_spec_step(draw(st.sampled_from(SPECS)), rng))
        elif kind == "einsum":
            steps.append(_einsum_step(draw, rng))
        elif kind == "assignment":
            steps.append(_assignment_step(draw, rng))
        else:
            steps.append(_fancy_step(draw, rng))
    program = ChainProgram(steps)
    theta = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=program.size(), max_size=program.size())))
    return program, theta


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=chain_programs())
def test_random_chains_of_numpy_ops_agree_across_methods(case):
    program, theta = case
    tape = dk.gradient(program, theta, method="tape")
    scale = max(1.0, float(np.max(np.abs(tape.grad), initial=0.0)))
    methods = ["forward-mode"]
    if all(step.symbolic for step in program.steps) and program.size() <= 24:  # SymPy's swell stays small
        methods.append("symbolic")
    if all(step.analytic for step in program.steps):
        methods.append("fd-complex")
    for method in methods:
        options = {"measure_cse": False} if method == "symbolic" else {}
        result = dk.gradient(program, theta, method=method, **options)
        assert abs(result.value - tape.value) <= 1e-12 * max(1.0, abs(tape.value)), method
        np.testing.assert_allclose(result.grad, tape.grad, rtol=0, atol=1e-11 * scale, err_msg=f"{method}: {program!r}")
    central = dk.gradient(program, theta, method="fd-central")
    np.testing.assert_allclose(central.grad, tape.grad, rtol=0, atol=1e-5 * scale, err_msg=f"fd-central: {program!r}")

