"""Random programs built from the primitive table, for the property tests.

A program is a few inputs (scalars and small arrays) and a short chain of smooth ops
from ``STEPS``. Each step declares the domain of each operand; an operand outside the
whole real line is first mapped into its domain by a smooth squash
(lo + (hi - lo) * sigmoid(v)), so every point stays off singularities (log, sqrt and
1/x near 0) and kinks are never drawn. :func:`build_program` takes its choices from a
``choose(kind, arg)`` callable, so Hypothesis (:func:`random_programs`) and a seeded
NumPy generator (:func:`seeded_programs`) draw from the same family.
"""

from dataclasses import dataclass

import numpy as np
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


def operands_for(name, shapes):
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


def build_program(choose):
    """A :class:`RandomProgram` from ``choose(kind, arg)``: "shapes", "floats" (arg: count),
    "count" (of steps), "pick" (one of arg) or "coin" (a bool)."""
    shapes = choose("shapes")
    inputs = []
    for shape in shapes:
        size = int(np.prod(shape))
        inputs.append(np.array(choose("floats", size), dtype=float).reshape(shape))
    steps = []
    value_shapes = list(shapes)
    for _ in range(choose("count")):
        name = choose("pick", STEP_NAMES)
        choices = operands_for(name, value_shapes)
        if not choices:
            continue
        step = Step(name, choose("pick", choices))
        if choose("coin"):  # often build on the newest value, so programs get deep
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


MAX_INPUTS = 3
MAX_STEPS = 4
INPUT_RANGE = (-1.5, 1.5)


@st.composite
def random_programs(draw):
    """Hypothesis's random programs (it shrinks a failing one to a small example)."""

    def choose(kind, arg=None):
        if kind == "shapes":
            return draw(st.lists(st.sampled_from(INPUT_SHAPES), min_size=1, max_size=MAX_INPUTS))
        if kind == "floats":
            return draw(st.lists(st.floats(*INPUT_RANGE, allow_nan=False), min_size=arg, max_size=arg))
        if kind == "count":
            return draw(st.integers(1, MAX_STEPS))
        if kind == "pick":
            return draw(st.sampled_from(arg))
        return draw(st.booleans())

    return build_program(choose)


def seeded_programs(count, seed):
    """``count`` random programs from a seeded NumPy generator: the same ones on every run."""
    rng = np.random.default_rng(seed)

    def choose(kind, arg=None):
        if kind == "shapes":
            return [INPUT_SHAPES[i] for i in rng.integers(0, len(INPUT_SHAPES), rng.integers(1, MAX_INPUTS + 1))]
        if kind == "floats":
            return rng.uniform(*INPUT_RANGE, arg).tolist()
        if kind == "count":
            return int(rng.integers(1, MAX_STEPS + 1))
        if kind == "pick":
            return arg[int(rng.integers(0, len(arg)))]
        return bool(rng.integers(0, 2))

    return [build_program(choose) for _ in range(count)]
