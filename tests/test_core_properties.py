"""Property test: random programs built from the primitive table, differentiated every way.

Hypothesis draws a few inputs (scalars and small arrays) and a short program of
smooth ops from ``STEPS``. Each step declares the domain of each operand; an operand
outside the whole real line is first mapped into its domain by a smooth squash
(lo + (hi - lo) * sigmoid(v)), so every point stays off singularities (log, sqrt and
1/x near 0) and kinks are never drawn. Then: tape and symbolic agree to 1e-10
relative, central differences within 1e-5, and the complex step within 1e-12 (every
step here is analytic).
"""

from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffkit as dk
from diffkit.core.values import BoxedValue

REAL_LINE = None
EXP_DOMAIN = (-3.0, 3.0)
POSITIVE = (0.3, 3.0)
DENOMINATOR = (0.5, 2.0)
BOUNDED = (-2.0, 2.0)
INPUT_SHAPES = [(), (3,), (2, 3)]


def into(value, domain):
    """Map ``value`` smoothly into ``domain`` (unchanged for the whole real line)."""
    if domain is REAL_LINE:
        return value
    low, high = domain
    return low + (high - low) * dk.sigmoid(value)


# --- the steps: name -> (function of operands, operand domains, shape check) ---------------
def _square(x):
    return x**2


def _cube(x):
    return x**3


def _reciprocal(x):
    return 1.0 / x


def _sum_last(x):
    return dk.sum(x, axis=-1)


def _mean_first_kept(x):
    return dk.mean(x, axis=0, keepdims=True)


def _logsumexp_all(x):
    return dk.logsumexp(x)


def _flatten(x):
    return dk.reshape(x, (-1,))


def _first(x):
    return x[0]


def _to_matrix(x):
    return dk.broadcast_to(x, (2, 3))


def _stack(a, b):
    return dk.stack([a, b])


def _concatenate(a, b):
    return dk.concatenate([a, b])


def _where_pattern(a, b):
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))  # np.shape works on diffkit values
    mask = (np.arange(int(np.prod(shape))) % 2 == 0).reshape(shape)
    return dk.where(mask, a, b)


def _has_axes(*shapes):
    return all(len(s) >= 1 for s in shapes)


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def _matmul_fits(a, b):
    return 1 <= len(a) <= 2 and 1 <= len(b) <= 2 and a[-1] == b[0]


UNARY = {
    "exp": (dk.exp, (EXP_DOMAIN,)),
    "log": (dk.log, (POSITIVE,)),
    "sqrt": (dk.sqrt, (POSITIVE,)),
    "sin": (dk.sin, (REAL_LINE,)),
    "cos": (dk.cos, (REAL_LINE,)),
    "tanh": (dk.tanh, (REAL_LINE,)),
    "sigmoid": (dk.sigmoid, (REAL_LINE,)),
    "negative": (dk.negative, (REAL_LINE,)),
    "square": (_square, (BOUNDED,)),
    "cube": (_cube, (BOUNDED,)),
    "reciprocal": (_reciprocal, (DENOMINATOR,)),
    "sum": (dk.sum, (REAL_LINE,)),
    "mean": (dk.mean, (REAL_LINE,)),
}
UNARY_WITH_AXES = {  # need at least one axis
    "sum-last-axis": (_sum_last, (REAL_LINE,)),
    "mean-first-axis-kept": (_mean_first_kept, (REAL_LINE,)),
    "logsumexp": (_logsumexp_all, (BOUNDED,)),
    "softmax": (dk.softmax, (BOUNDED,)),
    "log_softmax": (dk.log_softmax, (BOUNDED,)),
    "reshape": (_flatten, (REAL_LINE,)),
    "transpose": (dk.transpose, (REAL_LINE,)),
    "getitem": (_first, (REAL_LINE,)),
}
BINARY = {  # broadcasting pairs
    "add": (dk.add, (REAL_LINE, REAL_LINE)),
    "subtract": (dk.subtract, (REAL_LINE, REAL_LINE)),
    "multiply": (dk.multiply, (BOUNDED, BOUNDED)),
    "divide": (dk.divide, (BOUNDED, DENOMINATOR)),
    "power": (dk.power, (DENOMINATOR, BOUNDED)),
    "where": (_where_pattern, (REAL_LINE, REAL_LINE)),
}
STEP_NAMES = sorted(UNARY) + sorted(UNARY_WITH_AXES) + sorted(BINARY) + ["matmul", "stack", "concatenate", "broadcast_to"]


@dataclass
class Step:
    name: str
    operands: tuple  # indices of earlier values (inputs first)

    def apply(self, values):
        args = [values[i] for i in self.operands]
        if self.name in UNARY:
            function, domains = UNARY[self.name]
        elif self.name in UNARY_WITH_AXES:
            function, domains = UNARY_WITH_AXES[self.name]
        elif self.name in BINARY:
            function, domains = BINARY[self.name]
        else:
            function, domains = _SHAPE_STEPS[self.name], (REAL_LINE,) * len(args)
        return function(*[into(a, d) for a, d in zip(args, domains)])


_SHAPE_STEPS = {"matmul": dk.matmul, "stack": _stack, "concatenate": _concatenate, "broadcast_to": _to_matrix}


def _operands_for(name, shapes):
    """Every tuple of value indices the step can take, given the values' shapes."""
    indices = range(len(shapes))
    if name in UNARY:
        return [(i,) for i in indices]
    if name in UNARY_WITH_AXES:
        wanted = 2 if name == "transpose" else 1
        return [(i,) for i in indices if len(shapes[i]) >= wanted]
    if name == "broadcast_to":
        return [(i,) for i in indices if shapes[i] in ((), (3,), (1, 3), (2, 3))]
    pairs = [(i, j) for i in indices for j in indices]
    if name in BINARY:
        return [(i, j) for i, j in pairs if _broadcastable(shapes[i], shapes[j])]
    if name == "matmul":
        return [(i, j) for i, j in pairs if _matmul_fits(shapes[i], shapes[j])]
    return [(i, j) for i, j in pairs if shapes[i] == shapes[j] and (name == "stack" or _has_axes(shapes[i]))]


@dataclass
class RandomProgram:
    """Inputs and steps; calling it replays the steps on whatever values it is given."""

    inputs: list
    steps: list
    weights: np.ndarray

    def __call__(self, *args):
        values = list(args)
        for step in self.steps:
            values.append(step.apply(values))
        return dk.sum(self.weights * values[-1])

    def __repr__(self):
        lines = [f"inputs: {[np.round(x, 4).tolist() for x in self.inputs]}"]
        lines += [f"v{len(self.inputs) + k} = {s.name}{tuple(f'v{i}' for i in s.operands)}" for k, s in enumerate(self.steps)]
        return "\n".join(lines)


def _shape_after(step, shapes):
    probes = [np.full(shape, 0.5) for shape in shapes]
    return np.shape(step.apply(probes))


@st.composite
def random_programs(draw):
    shapes = draw(st.lists(st.sampled_from(INPUT_SHAPES), min_size=1, max_size=3))
    inputs = []
    for shape in shapes:
        size = int(np.prod(shape))
        entries = draw(st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=size, max_size=size))
        inputs.append(np.array(entries, dtype=float).reshape(shape))
    steps = []
    value_shapes = list(shapes)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(STEP_NAMES))
        choices = _operands_for(name, value_shapes)
        if not choices:
            continue
        step = Step(name, draw(st.sampled_from(choices)))
        if draw(st.booleans()):  # often build on the newest value, so programs get deep
            newest = (len(value_shapes) - 1,) * len(step.operands)
            if newest in choices:
                step = Step(name, newest)
        steps.append(step)
        value_shapes.append(_shape_after(step, value_shapes))
    if not steps:
        steps.append(Step("tanh", (0,)))
        value_shapes.append(shapes[0])
    out_shape = value_shapes[-1]
    weights = np.linspace(-1.0, 1.3, int(np.prod(out_shape)) or 1).reshape(out_shape)
    return RandomProgram(inputs, steps, weights)


def _scale(grads):
    return max([1.0] + [float(np.max(np.abs(g))) for g in grads if np.size(g)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=random_programs())
def test_random_programs_agree_across_methods(program):
    argnums = tuple(range(len(program.inputs)))
    tape = dk.gradient(program, *program.inputs, argnums=argnums, method="tape")
    scale = _scale(tape.grad)
    for g, x in zip(tape.grad, program.inputs):
        assert np.shape(g) == np.shape(x)

    symbolic = dk.gradient(program, *program.inputs, argnums=argnums, method="symbolic", measure_cse=False)
    assert abs(symbolic.value - tape.value) <= 1e-10 * max(1.0, abs(tape.value))
    for g, expected in zip(symbolic.grad, tape.grad):
        np.testing.assert_allclose(g, expected, rtol=0, atol=1e-10 * scale, err_msg="symbolic vs tape")

    complex_step = dk.gradient(program, *program.inputs, argnums=argnums, method="fd-complex")
    for g, expected in zip(complex_step.grad, tape.grad):
        np.testing.assert_allclose(g, expected, rtol=0, atol=1e-12 * scale, err_msg="fd-complex vs tape")

    central = dk.gradient(program, *program.inputs, argnums=argnums, method="fd-central")
    for g, expected in zip(central.grad, tape.grad):
        np.testing.assert_allclose(g, expected, rtol=0, atol=1e-5 * scale, err_msg="fd-central vs tape")


class OpRecorder(BoxedValue):
    """A value that evaluates every op with NumPy and writes down the op's name."""

    __slots__ = ("value", "names")
    kind = "recording"

    def __init__(self, value, names):
        self.value, self.names = value, names

    @property
    def shape(self):
        return np.shape(self.value)

    def _process(self, primitive, args, params):
        self.names.add(primitive.name)
        plain = [a.value if isinstance(a, OpRecorder) else a for a in args]
        return OpRecorder(primitive.evaluate_numeric(plain, params), self.names)


def test_the_steps_cover_every_smooth_primitive():
    """Every analytic op of the table appears in some step (scatter_add only in backward passes)."""
    probes = {(): np.array(0.4), (3,): np.array([0.1, -0.2, 0.3]), (2, 3): np.full((2, 3), 0.2)}
    used = set()
    for name in STEP_NAMES:
        shapes = list(probes)
        for operands in _operands_for(name, shapes):
            Step(name, operands).apply([OpRecorder(probes[s], used) for s in shapes])
    smooth = {name for name, primitive in dk.primitives().items() if primitive.analytic}
    assert smooth - {"scatter_add"} <= used, smooth - used
