"""The primitive table: every op has all its faces, and each op's derivative is checked.

``OP_SPECS`` gives each op a small program, the shapes of its arguments and the
domain its points are drawn from: off kinks (relu, abs, max at a tie) and
singularities (log, sqrt, 1/x at 0), which the kink tests visit on purpose. Every
primitive in ``dk.primitives()`` must have a spec, so a new op cannot go untested.
The property test (test_core_properties.py) builds random programs from this table.
"""

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import mpmath
import numpy as np
import pytest

import diffkit as dk
from diffkit.core.buffer import unwrap
from diffkit.core.problem import Problem
from diffkit.engines.complex_step import ComplexStepValue
from diffkit.engines.symbolic import SymbolicArray, to_object_array
from diffkit.engines.tape import Tape, Traced
from diffkit.harness.reference import symbolic_reference, tape_reference

WIDE = (-2.0, 2.0)
POSITIVE = (0.3, 2.5)
NONZERO = "nonzero"  # |x| in [0.25, 2]: away from a kink or pole at 0
SMALL = (-1.0, 1.0)


@dataclass(frozen=True)
class OpSpec:
    """How to test one op: ``program(*args)`` on arguments of ``shapes`` drawn from ``domains``."""

    id: str
    op: str  # the primitive's name in dk.primitives()
    program: Callable
    shapes: tuple
    domains: tuple = ()  # one per argument; WIDE by default
    analytic: bool = True  # complex step applies
    derivative: Optional[Callable] = None  # unary elementwise: f'(x), derived by hand
    sampler: Optional[Callable] = None  # replaces the domains when arguments depend on each other
    params: dict = field(default_factory=dict)
    reference: Optional[Callable] = None  # the same computation in plain NumPy, when the program is written with dk
    symbolic: bool = True  # SymPy has the op's face at these sizes

    def sample(self, rng):
        if self.sampler is not None:
            return self.sampler(rng)
        domains = self.domains or (WIDE,) * len(self.shapes)
        return tuple(draw(rng, domain, shape) for domain, shape in zip(domains, self.shapes))


def draw(rng, domain, shape):
    """Uniform points of ``shape`` in ``domain`` (an interval, or NONZERO)."""
    if domain == NONZERO:
        magnitude = rng.uniform(0.25, 2.0, size=shape)
        return np.asarray(magnitude * rng.choice([-1.0, 1.0], size=shape))
    return np.asarray(rng.uniform(domain[0], domain[1], size=shape))


def apart_pair(rng, shape=(2, 3)):
    """Two arrays whose entries differ by at least 0.2 in either direction (no ties)."""
    a = rng.uniform(-2.0, 2.0, size=shape)
    return a, a + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 1.0, size=shape)


# --- programs (named, so a failing case names its program) ------------------------------
def add(a, b):
    return a + b


def subtract(a, b):
    return a - b


def multiply(a, b):
    return a * b


def divide(a, b):
    return a / b


def power(a, b):
    return a**b


def cube(a):
    return a**3


def inverse_square(a):
    return a**-2


def negative(a):
    return -a


def leaky_relu_tenth(x):
    return dk.leaky_relu(x, alpha=0.1)


def elu_two(x):
    return dk.elu(x, alpha=2.0)


def matmul(a, b):
    return a @ b


def sum_all(x):
    return dk.sum(x)


def sum_rows_kept(x):
    return dk.sum(x, axis=0, keepdims=True)


def sum_last_two(x):
    return dk.sum(x, axis=(1, 2))


def mean_all(x):
    return dk.mean(x)


def mean_columns(x):
    return dk.mean(x, axis=1)


def reshape_flat(x):
    return dk.reshape(x, (-1,))


def reshape_swapped(x):
    return dk.reshape(x, (3, 2))


def transpose_2d(x):
    return dk.transpose(x)


def transpose_axes(x):
    return dk.transpose(x, (1, 0, 2))


def broadcast_rows(x):
    return dk.broadcast_to(x, (2, 3))


def broadcast_column(x):
    return dk.broadcast_to(x, (2, 3))


def first_row(x):
    return x[0]


def columns_from_one(x):
    return x[:, 1:]


def repeated_rows(x):
    return x[[0, 1, 0]]  # row 0 twice: its gradient adds up


def scatter(g):
    return dk.primitives()["scatter_add"](g, index=(np.array([0, 2, 0]),), shape=(4,))


def stack_middle(a, b):
    return dk.stack([a, b], axis=1)


def concatenate_rows(a, b):
    return dk.concatenate([a, b], axis=0)


def softmax_last(x):
    return dk.softmax(x)


def softmax_first_axis(x):
    return dk.softmax(x, axis=0)


def log_softmax_last(x):
    return dk.log_softmax(x)


def logsumexp_all(x):
    return dk.logsumexp(x)


def logsumexp_rows_kept(x):
    return dk.logsumexp(x, axis=1, keepdims=True)


MASK = np.array([[True, False, True], [False, False, True]])


def where_mask(a, b):
    return dk.where(MASK, a, b)


def where_on_values(a, b):
    return dk.where(a > b, a * b, a - b)


def unary(name):
    return getattr(dk, name)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# Unary elementwise ops with their derivative, written out by hand.
UNARY = [
    ("exp", WIDE, True, np.exp),
    ("log", POSITIVE, True, lambda x: 1.0 / x),
    ("sqrt", POSITIVE, True, lambda x: 0.5 / np.sqrt(x)),
    ("sin", WIDE, True, np.cos),
    ("cos", WIDE, True, lambda x: -np.sin(x)),
    ("tanh", WIDE, True, lambda x: 1.0 - np.tanh(x) ** 2),
    ("sigmoid", (-4.0, 4.0), True, lambda x: _sigmoid(x) * (1.0 - _sigmoid(x))),
    ("negative", WIDE, True, lambda x: -np.ones_like(x)),
    ("abs", NONZERO, False, np.sign),
    ("relu", NONZERO, False, lambda x: (x > 0).astype(float)),
    ("sign", NONZERO, False, np.zeros_like),
    ("heaviside", NONZERO, False, np.zeros_like),
]

OP_SPECS = [
    OpSpec(name, name, unary(name), ((2, 3),), (domain,), analytic, derivative)
    for name, domain, analytic, derivative in UNARY
] + [
    OpSpec("leaky_relu", "leaky_relu", leaky_relu_tenth, ((2, 3),), (NONZERO,), False, lambda x: np.where(x > 0, 1.0, 0.1)),
    OpSpec("elu", "elu", elu_two, ((2, 3),), (NONZERO,), False, lambda x: np.where(x > 0, 1.0, 2.0 * np.exp(x))),
    OpSpec("add", "add", add, ((2, 3), (3,))),
    OpSpec("add-scalar", "add", add, ((2, 3), ())),
    OpSpec("subtract", "subtract", subtract, ((2, 1), (3,))),
    OpSpec("multiply", "multiply", multiply, ((2, 3), (2, 1))),
    OpSpec("divide", "divide", divide, ((2, 3), (3,)), (WIDE, NONZERO)),
    OpSpec("power", "power", power, ((2, 3), (3,)), (POSITIVE, (-1.5, 1.5))),
    OpSpec("power-cube", "power", cube, ((2, 3),)),
    OpSpec("power-inverse-square", "power", inverse_square, ((2, 3),), (NONZERO,)),
    OpSpec("maximum", "maximum", dk.maximum, ((2, 3), (2, 3)), analytic=False, sampler=apart_pair),
    OpSpec("minimum", "minimum", dk.minimum, ((2, 3), (2, 3)), analytic=False, sampler=apart_pair),
    OpSpec("where-mask", "where", where_mask, ((2, 3), (3,))),
    OpSpec("where-values", "where", where_on_values, ((2, 3), (2, 3)), sampler=apart_pair),
    OpSpec("matmul", "matmul", matmul, ((2, 3), (3, 4))),
    OpSpec("matmul-vector-matrix", "matmul", matmul, ((3,), (3, 2))),
    OpSpec("matmul-matrix-vector", "matmul", matmul, ((2, 3), (3,))),
    OpSpec("matmul-dot", "matmul", matmul, ((3,), (3,))),
    OpSpec("matmul-batch", "matmul", matmul, ((2, 2, 3), (3, 2))),
    OpSpec("sum", "sum", sum_all, ((2, 3),)),
    OpSpec("sum-axis-keepdims", "sum", sum_rows_kept, ((2, 3),)),
    OpSpec("sum-two-axes", "sum", sum_last_two, ((2, 2, 3),)),
    OpSpec("mean", "mean", mean_all, ((2, 3),)),
    OpSpec("mean-axis", "mean", mean_columns, ((2, 3),)),
    OpSpec("reshape", "reshape", reshape_flat, ((2, 3),)),
    OpSpec("reshape-swapped", "reshape", reshape_swapped, ((2, 3),)),
    OpSpec("transpose", "transpose", transpose_2d, ((2, 3),)),
    OpSpec("transpose-axes", "transpose", transpose_axes, ((2, 3, 2),)),
    OpSpec("broadcast_to-rows", "broadcast_to", broadcast_rows, ((3,),)),
    OpSpec("broadcast_to-column", "broadcast_to", broadcast_column, ((2, 1),)),
    OpSpec("getitem-row", "getitem", first_row, ((2, 3),)),
    OpSpec("getitem-slice", "getitem", columns_from_one, ((2, 3),)),
    OpSpec("getitem-repeated", "getitem", repeated_rows, ((2, 3),)),
    OpSpec("scatter_add", "scatter_add", scatter, ((3,),)),
    OpSpec("stack", "stack", stack_middle, ((2, 3), (2, 3))),
    OpSpec("concatenate", "concatenate", concatenate_rows, ((2, 3), (1, 3))),
    OpSpec("softmax", "softmax", softmax_last, ((2, 3),)),
    OpSpec("softmax-axis0", "softmax", softmax_first_axis, ((2, 3),)),
    OpSpec("log_softmax", "log_softmax", log_softmax_last, ((2, 3),)),
    OpSpec("logsumexp", "logsumexp", logsumexp_all, ((2, 3),)),
    OpSpec("logsumexp-axis-keepdims", "logsumexp", logsumexp_rows_kept, ((2, 3),)),
]


# --- the NumPy people write (issue 15): reductions, elementwise, shapes, indexing, products, linalg --------
def program(name, function):
    """``function`` under a name that says what it computes (a failing case names it)."""
    function.__name__ = name.replace("-", "_")
    return function


def with_zeros(shape, zeros):
    """Points of ``shape`` in WIDE with exact zeros at the flat positions ``zeros`` (a product's hard case)."""

    def sample(rng):
        x = draw(rng, WIDE, shape).reshape(-1)
        x[list(zeros)] = 0.0
        return (x.reshape(shape),)

    return sample


def off_integers(shape):
    """Points at least 0.1 from an integer and from a half-integer (rounding is constant there)."""

    def sample(rng):
        whole = rng.integers(-3, 3, size=shape)
        return (whole + rng.uniform(0.1, 0.4, size=shape) * rng.choice([1.0, -1.0], size=shape),)

    return sample


def well_conditioned(*shapes):
    """Square matrices with the identity's strength added (det, inv, solve), then other operands."""

    def sample(rng):
        size = shapes[0][-1]
        first = rng.uniform(-1.0, 1.0, size=shapes[0]) + 2.0 * np.eye(size)
        return (first,) + tuple(rng.uniform(-1.0, 1.0, size=shape) for shape in shapes[1:])

    return sample


def full_column_rank(shape):
    """Tall or square matrices with 2 added on the diagonal: columns well apart from dependence (qr)."""

    def sample(rng):
        return (rng.uniform(-1.0, 1.0, size=shape) + 2.0 * np.eye(shape[-2], shape[-1]),)

    return sample


def positive_definite(shape):
    def sample(rng):
        b = rng.uniform(-1.0, 1.0, size=shape)
        return (b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1]),)

    return sample


def separated_spectrum(size, batch=()):
    """Symmetric matrices with eigenvalues 1, 2.5, 4, ... (well apart: eigenvectors are smooth)."""

    def sample(rng):
        q, _ = np.linalg.qr(rng.normal(size=batch + (size, size)))
        return ((q * (1.0 + 1.5 * np.arange(size))) @ np.swapaxes(q, -1, -2),)

    return sample


def separated_singular_values(shape):
    """Matrices (or stacks, and the right-hand sides (M,) after them) with singular values 1, 2, 3...
    times a random scale in [1, 1.5] and random singular vectors: distinct, well apart from 0."""

    def sample(rng):
        *batch, rows, columns = shape
        size = min(rows, columns)
        u, _ = np.linalg.qr(rng.normal(size=tuple(batch) + (rows, size)))
        v, _ = np.linalg.qr(rng.normal(size=tuple(batch) + (columns, size)))
        values = (1.0 + np.arange(size)) * rng.uniform(1.0, 1.5)
        return ((u * values) @ np.swapaxes(v, -1, -2),)

    return sample


def with_right_hand_side(sampler, length):
    def sample(rng):
        return sampler(rng) + (rng.uniform(-1.0, 1.0, size=length),)

    return sample


def assign_slice(x, v):
    y = x * 2.0
    y[0, 1:] = v  # x's old meaning is kept: the product below uses the x before the assignment
    return y * x


def assign_repeated(x, v):
    y = dk.copy(x)
    y[[1, 0, 1], [2, 0, 2]] = v  # the last write to (1, 2) wins; the first gets no gradient
    return y * y


def assign_mask(x, v):
    y = x + 0.0
    y[MASK] = v * 3.0
    return y


def assign_add(x, v):
    y = x * 1.5
    y[:, ::2] += v
    y[1] -= v[0]
    return dk.sin(y)


def fill_buffer(a, b):
    out = dk.zeros((2, 3))
    out[0] = a * 2.0
    out[1, ::-1] = dk.exp(b)
    return out


def buffer_like(x):
    out = np.zeros_like(x)  # a diffkit value gives a buffer the program can fill
    out[:, 1] = x[:, 0] * x[:, 2]
    return out + np.ones_like(x) * np.full_like(x, 0.5)


def at_add_repeated(x, v):
    return dk.at(x)[[0, 2, 0]].add(v)  # entry 0 gets both of its additions


def at_set(x, v):
    return dk.at(x)[1:].set(v) * x


def scaled_pieces(pieces):
    return dk.concatenate([piece * (k + 1.0) for k, piece in enumerate(pieces)], axis=-1)


ROWS_ORDER = np.array([[2, 0, 1], [1, 2, 0]])
ARANGE_DATA = np.arange(6.0).reshape(2, 3)

NUMPY_SPECS = [
    # reductions
    OpSpec("max-all", "max", program("max_all", lambda x: dk.max(x)), ((2, 3),), analytic=False, reference=np.max),
    OpSpec("max-axis-keepdims", "max", program("max_rows", lambda x: np.max(x, axis=1, keepdims=True)), ((2, 3),), analytic=False),
    OpSpec("max-method-two-axes", "max", program("max_method", lambda x: x.max(axis=(0, 2))), ((2, 3, 2),), analytic=False),
    OpSpec("min-axis", "min", program("min_axis0", lambda x: np.min(x, axis=0)), ((2, 3),), analytic=False),
    OpSpec("min-method", "min", program("min_method", lambda x: x.min()), ((2, 3),), analytic=False),
    OpSpec("amax", "max", program("amax_axis", lambda x: np.amax(x, axis=-1)), ((2, 3),), analytic=False),
    OpSpec("prod-all", "prod", program("prod_all", lambda x: np.prod(x)), ((2, 3),), (NONZERO,)),
    OpSpec("prod-axis", "prod", program("prod_axis", lambda x: x.prod(axis=1)), ((2, 3),)),
    OpSpec("prod-one-zero", "prod", program("prod_one_zero", lambda x: np.prod(x, axis=0)), ((3, 2),), sampler=with_zeros((3, 2), [2])),
    OpSpec("prod-two-zeros", "prod", program("prod_two_zeros", lambda x: dk.prod(x, axis=1, keepdims=True)), ((2, 3),), sampler=with_zeros((2, 3), [0, 2, 4])),
    OpSpec("cumsum-axis", "cumsum", program("cumsum_rows", lambda x: np.cumsum(x, axis=1)), ((2, 3),)),
    OpSpec("cumsum-flat", "cumsum", program("cumsum_flat", lambda x: x.cumsum()), ((2, 3),)),
    OpSpec("cumprod-axis", "cumprod", program("cumprod_columns", lambda x: np.cumprod(x, axis=0)), ((3, 2),)),
    OpSpec("cumprod-zero", "cumprod", program("cumprod_zero", lambda x: dk.cumprod(x, axis=1)), ((2, 3),), sampler=with_zeros((2, 3), [1, 3])),
    OpSpec("cumprod-flat", "cumprod", program("cumprod_flat", lambda x: x.cumprod()), ((2, 2),)),
    OpSpec("norm-all", "norm", program("norm_all", lambda x: np.linalg.norm(x)), ((2, 3),)),
    OpSpec("norm-axis-keepdims", "norm", program("norm_rows", lambda x: dk.norm(x, axis=1, keepdims=True)), ((2, 3),)),
    OpSpec("norm-frobenius-batch", "norm", program("norm_fro", lambda x: np.linalg.norm(x, ord="fro", axis=(1, 2))), ((2, 2, 3),)),
    OpSpec("norm-ord-1", "sum", program("norm_l1", lambda x: np.linalg.norm(x, ord=1, axis=0)), ((2, 3),), (NONZERO,), analytic=False),
    OpSpec("norm-ord-inf", "max", program("norm_inf", lambda x: np.linalg.norm(x, ord=np.inf, axis=1)), ((2, 3),), (NONZERO,), analytic=False),
    OpSpec("norm-ord-3", "power", program("norm_l3", lambda x: dk.linalg.norm(x, ord=3)), ((4,),), (NONZERO,), analytic=False),
    OpSpec("norm-matrix-1", "max", program("norm_matrix_1", lambda x: np.linalg.norm(x, ord=1)), ((3, 3),), (NONZERO,), analytic=False),
    OpSpec("norm-matrix-inf", "max", program("norm_matrix_inf", lambda x: np.linalg.norm(x, ord=np.inf)), ((2, 3),), (NONZERO,), analytic=False),
    OpSpec("var-all", "mean", program("var_all", lambda x: np.var(x)), ((2, 3),)),
    OpSpec("var-method-ddof", "mean", program("var_rows_ddof1", lambda x: x.var(axis=1, ddof=1)), ((2, 3),)),
    OpSpec("std-axis", "sqrt", program("std_columns", lambda x: np.std(x, axis=0, keepdims=True)), ((3, 2),)),
    OpSpec("std-ddof-method", "sqrt", program("std_ddof", lambda x: x.std(ddof=1)), ((2, 3),)),
    OpSpec("mean-tuple-axes", "mean", program("mean_two_axes", lambda x: np.mean(x, axis=(0, 2))), ((2, 3, 2),)),
    OpSpec("sum-tuple-axes-method", "sum", program("sum_method", lambda x: x.sum(axis=(0, 1), keepdims=True)), ((2, 3, 2),)),
    OpSpec("average-weights", "divide", program("average_weighted", lambda x, w: np.average(x, axis=1, weights=w)), ((2, 3), (3,)), (WIDE, POSITIVE)),
    OpSpec("average-full-weights", "divide", program("average_full", lambda x, w: dk.average(x, weights=w)), ((2, 3), (2, 3)), (WIDE, POSITIVE)),
    OpSpec("logsumexp-two-axes", "logsumexp", program("logsumexp_two", lambda x: dk.logsumexp(x, axis=(0, 2))), ((2, 3, 2),)),
    # elementwise
    OpSpec("tan", "tan", program("tan", lambda x: np.tan(x)), ((2, 3),), ((-1.2, 1.2),)),
    OpSpec("arcsin", "arcsin", program("arcsin", lambda x: np.arcsin(x)), ((2, 3),), ((-0.9, 0.9),)),
    OpSpec("arccos", "arccos", program("arccos", lambda x: np.arccos(x)), ((2, 3),), ((-0.9, 0.9),)),
    OpSpec("arctan", "arctan", program("arctan", lambda x: np.arctan(x)), ((2, 3),)),
    OpSpec("arctan2", "arctan2", program("arctan2", lambda y, x: np.arctan2(y, x)), ((2, 3), (3,)), (NONZERO, NONZERO)),
    OpSpec("sinh", "sinh", program("sinh", lambda x: np.sinh(x)), ((2, 3),)),
    OpSpec("cosh", "cosh", program("cosh", lambda x: np.cosh(x)), ((2, 3),)),
    OpSpec("arcsinh", "arcsinh", program("arcsinh", lambda x: np.arcsinh(x)), ((2, 3),)),
    OpSpec("arccosh", "arccosh", program("arccosh", lambda x: np.arccosh(x)), ((2, 3),), ((1.2, 3.0),)),
    OpSpec("arctanh", "arctanh", program("arctanh", lambda x: np.arctanh(x)), ((2, 3),), ((-0.8, 0.8),)),
    OpSpec("log1p", "log1p", program("log1p", lambda x: np.log1p(x)), ((2, 3),), ((-0.5, 2.0),)),
    OpSpec("expm1", "expm1", program("expm1", lambda x: np.expm1(x)), ((2, 3),)),
    OpSpec("log2", "log2", program("log2", lambda x: np.log2(x)), ((2, 3),), (POSITIVE,)),
    OpSpec("log10", "log10", program("log10", lambda x: np.log10(x)), ((2, 3),), (POSITIVE,)),
    OpSpec("exp2", "exp2", program("exp2", lambda x: np.exp2(x)), ((2, 3),)),
    OpSpec("square", "power", program("square", lambda x: np.square(x)), ((2, 3),)),
    OpSpec("reciprocal", "reciprocal", program("reciprocal", lambda x: np.reciprocal(x)), ((2, 3),), (NONZERO,)),
    OpSpec("cbrt", "cbrt", program("cbrt", lambda x: np.cbrt(x)), ((2, 3),), (NONZERO,)),
    OpSpec("hypot", "hypot", program("hypot", lambda a, b: np.hypot(a, b)), ((2, 3), (2, 1)), (NONZERO, NONZERO)),
    OpSpec("logaddexp", "logaddexp", program("logaddexp", lambda a, b: np.logaddexp(a, b)), ((2, 3), (3,))),
    OpSpec("logaddexp2", "logaddexp2", program("logaddexp2", lambda a, b: np.logaddexp2(a, b)), ((2, 3), ())),
    OpSpec("softplus", "softplus", program("softplus", lambda x: dk.softplus(x)), ((2, 3),), reference=lambda x: np.logaddexp(0.0, x)),
    OpSpec("sinc", "sinc", program("sinc", lambda x: np.sinc(x)), ((2, 3),), (NONZERO,)),
    OpSpec("erf", "erf", program("erf", lambda x: dk.special.erf(x)), ((2, 3),), reference=np.vectorize(math.erf)),
    OpSpec("erfc", "erf", program("erfc", lambda x: dk.special.erfc(x)), ((2, 3),), reference=np.vectorize(math.erfc)),
    OpSpec("expit", "sigmoid", program("expit", lambda x: dk.special.expit(x)), ((2, 3),), reference=lambda x: 1 / (1 + np.exp(-x))),
    OpSpec("gammaln", "gammaln", program("gammaln", lambda x: dk.special.gammaln(x)), ((2, 3),), (POSITIVE,), reference=np.vectorize(math.lgamma)),
    OpSpec("digamma", "polygamma", program("digamma", lambda x: dk.special.digamma(x)), ((2, 3),), ((0.4, 3.0),), reference=np.vectorize(lambda v: float(mpmath.digamma(v)))),
    OpSpec("polygamma-2", "polygamma", program("polygamma_2", lambda x: dk.special.polygamma(2, x)), ((2, 3),), ((-1.7, -1.2),), reference=np.vectorize(lambda v: float(mpmath.polygamma(2, v)))),
    OpSpec("clip", "maximum", program("clip", lambda x: np.clip(x, -0.5, 0.7)), ((2, 3),), analytic=False),
    OpSpec("clip-method-upper", "minimum", program("clip_upper", lambda x: x.clip(None, 0.2)), ((2, 3),), analytic=False),
    OpSpec("fabs", "abs", program("fabs", lambda x: np.fabs(x)), ((2, 3),), (NONZERO,), analytic=False),
    OpSpec("true-divide", "divide", program("true_divide", lambda a, b: np.true_divide(a, b)), ((2, 3), (3,)), (WIDE, NONZERO)),
    OpSpec("power-negative-base-odd", "power", program("cube_of_negative", lambda x: np.power(x, 3)), ((2, 3),), ((-2.0, -0.3),)),
    OpSpec("power-negative-base-inverse", "power", program("inverse_cube", lambda x: x ** -3), ((2, 3),), ((-2.0, -0.3),)),
    OpSpec("power-integer-array", "power", program("power_ints", lambda x: x ** np.array([2, 3, 4])), ((2, 3),), ((-2.0, -0.3),)),
    OpSpec("floor", "floor", program("floor", lambda x: np.floor(x) * x), ((2, 3),), analytic=False, sampler=off_integers((2, 3))),
    OpSpec("ceil", "ceil", program("ceil", lambda x: np.ceil(x) * x), ((2, 3),), analytic=False, sampler=off_integers((2, 3))),
    OpSpec("round", "round", program("round", lambda x: np.round(x) + x), ((2, 3),), analytic=False, sampler=off_integers((2, 3))),
    OpSpec("round-decimals", "round", program("round_decimals", lambda x: x.round(1) * x), ((2, 3),), analytic=False, sampler=lambda rng: (np.array([[0.125, -1.525, 2.375], [0.725, -0.025, 1.975]]),)),
    OpSpec("trunc", "trunc", program("trunc", lambda x: np.trunc(x) * x + np.fix(x)), ((2, 3),), analytic=False, sampler=off_integers((2, 3))),
    # shapes
    OpSpec("squeeze", "reshape", program("squeeze", lambda x: np.squeeze(x)), ((1, 3, 1),)),
    OpSpec("squeeze-axis-method", "reshape", program("squeeze_axis", lambda x: x.squeeze(axis=2)), ((2, 3, 1),)),
    OpSpec("expand-dims", "reshape", program("expand_dims", lambda x: np.expand_dims(x, (0, 2))), ((2, 3),)),
    OpSpec("ravel", "reshape", program("ravel", lambda x: np.ravel(x)), ((2, 3),)),
    OpSpec("flatten", "reshape", program("flatten", lambda x: x.flatten()), ((2, 3),)),
    OpSpec("swapaxes", "transpose", program("swapaxes", lambda x: np.swapaxes(x, 0, 2)), ((2, 3, 2),)),
    OpSpec("moveaxis", "transpose", program("moveaxis", lambda x: np.moveaxis(x, 0, -1)), ((2, 3, 2),)),
    OpSpec("atleast-1d", "reshape", program("atleast_1d", lambda x: np.atleast_1d(x) * np.ones(2)), ((),)),
    OpSpec("atleast-2d", "reshape", program("atleast_2d", lambda x: np.atleast_2d(x)), ((3,),)),
    OpSpec("atleast-3d", "reshape", program("atleast_3d", lambda x: np.atleast_3d(x)), ((2, 3),)),
    OpSpec("flip", "getitem", program("flip", lambda x: np.flip(x, 1)), ((2, 3),)),
    OpSpec("fliplr-flipud", "getitem", program("fliplr_flipud", lambda x: np.fliplr(x) * np.flipud(x)), ((2, 3),)),
    OpSpec("rot90", "getitem", program("rot90", lambda x: np.rot90(x) + np.rot90(x, 3) * 2.0), ((3, 3),)),
    OpSpec("roll", "getitem", program("roll", lambda x: np.roll(x, 2)), ((2, 3),)),
    OpSpec("roll-axes", "getitem", program("roll_axes", lambda x: np.roll(x, (1, -1), axis=(0, 1))), ((2, 3),)),
    OpSpec("tile", "broadcast_to", program("tile", lambda x: np.tile(x, (2, 1, 2))), ((2, 3),)),
    OpSpec("repeat-axis", "getitem", program("repeat_axis", lambda x: np.repeat(x, 2, axis=1)), ((2, 3),)),
    OpSpec("repeat-counts-method", "getitem", program("repeat_counts", lambda x: x.repeat([1, 0, 3])), ((3,),)),
    OpSpec("pad-constant", "concatenate", program("pad_constant", lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=1.5)), ((2, 3),)),
    OpSpec("pad-edge", "getitem", program("pad_edge", lambda x: np.pad(x, 2, mode="edge")), ((2, 3),)),
    OpSpec("pad-reflect", "getitem", program("pad_reflect", lambda x: np.pad(x, ((1, 1), (2, 2)), mode="reflect")), ((2, 3),)),
    OpSpec("pad-symmetric", "getitem", program("pad_symmetric", lambda x: np.pad(x, 1, mode="symmetric")), ((2, 3),)),
    OpSpec("pad-wrap", "getitem", program("pad_wrap", lambda x: np.pad(x, (0, 2), mode="wrap")), ((2, 3),)),
    OpSpec("split", "getitem", program("split", lambda x: scaled_pieces(np.split(x, 3, axis=1))), ((2, 3),)),
    OpSpec("array-split", "getitem", program("array_split", lambda x: scaled_pieces(np.array_split(x, 2, axis=1))), ((2, 3),)),
    OpSpec("split-indices", "getitem", program("split_at", lambda x: scaled_pieces(np.split(x, [1, 2], axis=1))), ((2, 3),)),
    OpSpec("hsplit-vsplit", "getitem", program("hvsplit", lambda x: np.hsplit(x, 2)[1] * np.vsplit(x, 2)[0]), ((2, 2),)),
    OpSpec("dsplit", "getitem", program("dsplit", lambda x: np.dsplit(x, 2)[0] - np.dsplit(x, 2)[1]), ((2, 2, 2),)),
    OpSpec("hstack", "concatenate", program("hstack", lambda a, b: np.hstack([a, b])), ((2, 3), (2, 1))),
    OpSpec("vstack", "concatenate", program("vstack", lambda a, b: np.vstack([a, b])), ((2, 3), (3,))),
    OpSpec("dstack", "concatenate", program("dstack", lambda a, b: np.dstack((a, b))), ((2, 3), (2, 3))),
    OpSpec("column-stack", "concatenate", program("column_stack", lambda a, b: np.column_stack([a, b])), ((2,), (2, 2))),
    OpSpec("append", "concatenate", program("append", lambda a, b: np.append(a, b)), ((2, 3), (2,))),
    OpSpec("triu", "where", program("triu", lambda x: np.triu(x, 1)), ((3, 3),)),
    OpSpec("tril-batch", "where", program("tril", lambda x: np.tril(x, -1)), ((2, 3, 3),)),
    OpSpec("diag-of-vector", "setitem", program("diag_vector", lambda v: np.diag(v, 1)), ((3,),)),
    OpSpec("diag-of-matrix", "getitem", program("diag_matrix", lambda x: np.diag(x, -1)), ((3, 3),)),
    OpSpec("diagonal", "getitem", program("diagonal", lambda x: np.diagonal(x, offset=1, axis1=1, axis2=2)), ((2, 3, 3),)),
    OpSpec("trace", "sum", program("trace", lambda x: np.trace(x)), ((3, 3),)),
    OpSpec("trace-method-axes", "sum", program("trace_axes", lambda x: x.trace(offset=-1, axis1=0, axis2=2)), ((3, 2, 3),)),
    OpSpec("take", "getitem", program("take", lambda x: np.take(x, [2, 0, 2], axis=1)), ((2, 3),)),
    OpSpec("take-flat-method", "getitem", program("take_flat", lambda x: x.take([5, 0, 5])), ((2, 3),)),
    OpSpec("take-along-axis", "getitem", program("take_along", lambda x: np.take_along_axis(x, ROWS_ORDER, axis=1)), ((2, 3),)),
    OpSpec("copy", "copy", program("copy", lambda x: np.copy(x) * x.copy()), ((2, 3),)),
    OpSpec("getitem-steps", "getitem", program("steps", lambda x: x[::2, ::-1]), ((3, 3),)),
    OpSpec("getitem-newaxis", "getitem", program("newaxis", lambda x: x[:, np.newaxis, 1:] * x[None, :, :0:-1]), ((2, 3),)),
    OpSpec("getitem-data-mask", "getitem", program("data_mask", lambda x: x[ARANGE_DATA > 2.5]), ((2, 3),)),
    OpSpec("getitem-value-mask", "getitem", program("value_mask", lambda x: x[x > 0.0] * 2.0), ((2, 3),), (NONZERO,), symbolic=False),
    OpSpec("getitem-fancy-repeats", "getitem", program("fancy_repeats", lambda x: x[[0, 0, 1], [2, 2, 0]]), ((2, 3),)),
    OpSpec("getitem-ellipsis-fancy", "getitem", program("ellipsis_fancy", lambda x: x[..., [1, 1, 0]]), ((2, 2, 3),)),
    # item assignment
    OpSpec("setitem-slice", "setitem", assign_slice, ((2, 3), (2,))),
    OpSpec("setitem-repeated", "setitem", assign_repeated, ((2, 3), (3,))),
    OpSpec("setitem-mask", "setitem", assign_mask, ((2, 3), ())),
    OpSpec("setitem-augmented", "setitem", assign_add, ((2, 3), (2,))),
    OpSpec("setitem-buffer", "setitem", fill_buffer, ((3,), (3,))),
    OpSpec("setitem-zeros-like", "setitem", buffer_like, ((2, 3),)),
    OpSpec("at-add-repeated", "scatter_add", at_add_repeated, ((4,), (3,))),
    OpSpec("at-set", "setitem", at_set, ((3,), ())),
    # products
    OpSpec("einsum-matmul", "einsum", program("einsum_ij_jk", lambda a, b: np.einsum("ij,jk->ik", a, b)), ((2, 3), (3, 4))),
    OpSpec("einsum-implicit", "einsum", program("einsum_implicit", lambda a, b: np.einsum("ij,kj", a, b)), ((2, 3), (4, 3))),
    OpSpec("einsum-implicit-order", "einsum", program("einsum_bA", lambda a: np.einsum("bA", a)), ((2, 3),)),
    OpSpec("einsum-diagonal", "einsum", program("einsum_ii_i", lambda a: np.einsum("ii->i", a)), ((3, 3),)),
    OpSpec("einsum-trace", "einsum", program("einsum_ii", lambda a: np.einsum("ii", a)), ((3, 3),)),
    OpSpec("einsum-repeated-three", "einsum", program("einsum_iij", lambda a, b: np.einsum("iij,j->i", a, b)), ((2, 2, 3), (3,))),
    OpSpec("einsum-sum-inside", "einsum", program("einsum_sum", lambda a, b: np.einsum("ijk,ik->j", a, b)), ((2, 3, 2), (2, 2))),
    OpSpec("einsum-ellipsis", "einsum", program("einsum_batch", lambda a, b: np.einsum("...ij,...jk->...ik", a, b)), ((2, 2, 3), (2, 3, 2))),
    OpSpec("einsum-broadcast", "einsum", program("einsum_broadcast", lambda a, b: np.einsum("...j,...j->...", a, b)), ((2, 3), (1, 3))),
    OpSpec("einsum-three-operands", "einsum", program("einsum_three", lambda a, b, c: np.einsum("ij,ij,j->i", a, b, c)), ((2, 3), (2, 3), (3,))),
    OpSpec("einsum-outer", "einsum", program("einsum_outer", lambda a, b: dk.einsum("i,j", a, b)), ((2,), (3,))),
    OpSpec("einsum-sublists", "einsum", program("einsum_sublists", lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2])), ((2, 3), (3, 2))),
    OpSpec("dot-vectors", "einsum", program("dot_vectors", lambda a, b: np.dot(a, b)), ((3,), (3,))),
    OpSpec("dot-matrices-method", "einsum", program("dot_method", lambda a, b: a.dot(b)), ((2, 3), (3, 2))),
    OpSpec("dot-nd-vector", "einsum", program("dot_nd_vector", lambda a, b: np.dot(a, b)), ((2, 2, 3), (3,))),
    OpSpec("dot-matrix-with-3d", "einsum", program("dot_2d_3d", lambda a, b: np.dot(a, b)), ((2, 3), (2, 3, 4))),
    OpSpec("dot-float", "multiply", program("dot_float", lambda a: np.dot(a, 2.0)), ((2, 3),)),
    OpSpec("vdot", "einsum", program("vdot", lambda a, b: np.vdot(a, b)), ((2, 3), (3, 2))),
    OpSpec("inner", "einsum", program("inner", lambda a, b: np.inner(a, b)), ((2, 3), (4, 3))),
    OpSpec("outer", "multiply", program("outer", lambda a, b: np.outer(a, b)), ((2, 2), (3,))),
    OpSpec("tensordot-int", "einsum", program("tensordot_1", lambda a, b: np.tensordot(a, b, axes=1)), ((2, 3), (3, 2))),
    OpSpec("tensordot-pairs", "einsum", program("tensordot_pairs", lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2]))), ((2, 3, 2), (3, 2, 2))),
    OpSpec("kron", "multiply", program("kron", lambda a, b: np.kron(a, b)), ((2, 2), (2, 3))),
    OpSpec("matmul-vector-batch", "matmul", program("vector_times_batch", lambda a, b: a @ b), ((3,), (2, 3, 2))),
    OpSpec("matmul-batch-broadcast", "matmul", program("batch_broadcast", lambda a, b: np.matmul(a, b)), ((2, 1, 2, 3), (3, 3, 2))),
    # linear algebra
    OpSpec("det", "det", program("det", lambda a: np.linalg.det(a)), ((3, 3),), sampler=well_conditioned((3, 3))),
    OpSpec("det-batch", "det", program("det_batch", lambda a: dk.linalg.det(a)), ((2, 2, 2),), sampler=well_conditioned((2, 2, 2)), reference=np.linalg.det),
    OpSpec("slogdet", "logabsdet", program("slogdet", lambda a: np.linalg.slogdet(a)[1] * np.linalg.slogdet(a)[0]), ((3, 3),), sampler=well_conditioned((3, 3))),
    OpSpec("inv", "inv", program("inv", lambda a: np.linalg.inv(a)), ((3, 3),), sampler=well_conditioned((3, 3))),
    OpSpec("solve-vector", "solve", program("solve_vector", lambda a, b: np.linalg.solve(a, b)), ((3, 3), (3,)), sampler=well_conditioned((3, 3), (3,))),
    OpSpec("solve-matrix-batch", "solve", program("solve_batch", lambda a, b: np.linalg.solve(a, b)), ((2, 2, 2), (2, 3)), sampler=well_conditioned((2, 2, 2), (2, 3))),
    OpSpec("cholesky", "cholesky", program("cholesky", lambda a: np.linalg.cholesky(a)), ((3, 3),), sampler=positive_definite((3, 3))),
    OpSpec("cholesky-batch", "cholesky", program("cholesky_batch", lambda a: dk.linalg.cholesky(a)), ((2, 2, 2),), sampler=positive_definite((2, 2, 2)), reference=np.linalg.cholesky),
    OpSpec("qr-q", "qr_q", program("qr_q", lambda a: np.linalg.qr(a)[0]), ((3, 3),), sampler=full_column_rank((3, 3)), symbolic=False),
    OpSpec("qr-r-tall", "qr_r", program("qr_r_tall", lambda a: np.linalg.qr(a).R), ((4, 3),), sampler=full_column_rank((4, 3)), symbolic=False),
    OpSpec("qr-q-tall-2-columns", "qr_q", program("qr_q_two_columns", lambda a: np.linalg.qr(a).Q), ((3, 2),), sampler=full_column_rank((3, 2))),
    OpSpec("qr-r-2x2", "qr_r", program("qr_r_2x2", lambda a: np.linalg.qr(a)[1]), ((2, 2),), sampler=full_column_rank((2, 2))),
    OpSpec("qr-batch", "qr_q", program("qr_batch", lambda a: dk.linalg.qr(a).Q), ((2, 3, 2),), sampler=full_column_rank((2, 3, 2)), reference=lambda a: np.linalg.qr(a)[0]),
    OpSpec("eigvalsh-2x2", "eigvalsh", program("eigvalsh", lambda a: np.linalg.eigvalsh(a)), ((2, 2),), sampler=separated_spectrum(2)),
    OpSpec("eigh-values-3x3", "eigvalsh", program("eigh_values", lambda a: np.linalg.eigh(a)[0]), ((3, 3),), sampler=separated_spectrum(3), symbolic=False),
    OpSpec("eigh-vectors", "eigh_vectors", program("eigh_vectors", lambda a: np.linalg.eigh(a)[1]), ((3, 3),), sampler=separated_spectrum(3), symbolic=False),
    OpSpec("eigh-vectors-2x2", "eigh_vectors", program("eigh_vectors_2x2", lambda a: np.linalg.eigh(a)[1]), ((2, 2),), sampler=separated_spectrum(2)),
    OpSpec("svdvals-tall", "svdvals", program("svdvals", lambda a: np.linalg.svdvals(a)), ((4, 3),), sampler=separated_singular_values((4, 3)), symbolic=False),
    OpSpec("svd-s-wide-batch", "svdvals", program("svd_s_batch", lambda a: np.linalg.svd(a, compute_uv=False)), ((2, 2, 3),), sampler=separated_singular_values((2, 2, 3)), symbolic=False),
    OpSpec("svd-u-square", "svd_u", program("svd_u", lambda a: np.linalg.svd(a)[0]), ((3, 3),), sampler=separated_singular_values((3, 3)), symbolic=False),
    OpSpec("svd-u-tall", "svd_u", program("svd_u_tall", lambda a: np.linalg.svd(a, full_matrices=False).U), ((4, 2),), sampler=separated_singular_values((4, 2)), symbolic=False),
    OpSpec("svd-vh-wide", "svd_vh", program("svd_vh_wide", lambda a: np.linalg.svd(a, full_matrices=False).Vh), ((2, 4),), sampler=separated_singular_values((2, 4)), symbolic=False),
    OpSpec("svd-vh-tall-batch", "svd_vh", program("svd_vh_batch", lambda a: dk.linalg.svd(a, full_matrices=False)[2]), ((2, 3, 2),), sampler=separated_singular_values((2, 3, 2)), symbolic=False, reference=lambda a: np.linalg.svd(a, full_matrices=False)[2]),
    OpSpec("pinv-tall", "pinv", program("pinv_tall", lambda a: np.linalg.pinv(a)), ((4, 3),), sampler=separated_singular_values((4, 3)), symbolic=False),
    OpSpec("pinv-wide-batch", "pinv", program("pinv_batch", lambda a: np.linalg.pinv(a, rtol=None)), ((2, 2, 3),), sampler=separated_singular_values((2, 2, 3)), symbolic=False),
    OpSpec("lstsq-x", "pinv", program("lstsq_x", lambda a, b: np.linalg.lstsq(a, b)[0]), ((4, 3), (4,)), sampler=with_right_hand_side(separated_singular_values((4, 3)), 4), symbolic=False),
    OpSpec("lstsq-residuals", "pinv", program("lstsq_residuals", lambda a, b: np.linalg.lstsq(a, b)[1]), ((4, 3), (4,)), sampler=with_right_hand_side(separated_singular_values((4, 3)), 4), symbolic=False),
    OpSpec("eigh-vectors-2x2-batch", "eigh_vectors", program("eigh_vectors_batch", lambda a: dk.linalg.eigh(a).eigenvectors), ((3, 2, 2),), sampler=separated_spectrum(2, batch=(3,)), reference=lambda a: np.linalg.eigh(a)[1]),
]
OP_SPECS += NUMPY_SPECS

SPEC_IDS = [spec.id for spec in OP_SPECS]


def weighted_loss(spec, weights):
    """L = sum(weights * op(...)): a scalar whose gradient exercises the whole VJP."""

    def loss(*args):
        return dk.sum(weights * spec.program(*args))

    loss.__name__ = f"loss_of_{spec.id.replace('-', '_')}"
    return loss


def output_shape(spec, args):
    return np.shape(spec.program(*args))


# --- the table itself ------------------------------------------------------------------------
def test_every_primitive_has_all_its_faces():
    table = dk.primitives()
    assert len(table) >= 30
    for name, primitive in table.items():
        assert primitive.name == name
        assert callable(primitive.numpy), name
        assert callable(primitive.sympy), name
        if primitive.variadic:
            assert callable(primitive.vjp), name
        else:
            assert isinstance(primitive.vjp, tuple) and primitive.vjp, name
            rules = [rule for rule in primitive.vjp if rule is not None]
            assert rules and all(callable(rule) for rule in rules), name
            # Rules are named functions, so a traceback names the rule.
            assert all(rule.__name__ != "<lambda>" for rule in rules), name


def test_the_issue_requires_these_ops():
    required = (
        "add subtract multiply divide power negative abs exp log sqrt sin cos tanh sigmoid relu "
        "leaky_relu elu maximum minimum matmul sum mean reshape transpose softmax log_softmax "
        "logsumexp where"
    ).split()
    assert set(required) <= set(dk.primitives())


def test_every_primitive_has_a_spec():
    assert set(dk.primitives()) <= {spec.op for spec in OP_SPECS}
    assert len(set(SPEC_IDS)) == len(SPEC_IDS)


def test_non_analytic_flags_match_the_table():
    for spec in OP_SPECS:
        assert dk.primitives()[spec.op].analytic or not spec.analytic, spec.id


# --- each op, by every method ---------------------------------------------------------------------
@pytest.mark.parametrize("spec", OP_SPECS, ids=SPEC_IDS)
def test_op_gradient_by_every_method(spec, rng):
    for _ in range(1 if spec in NUMPY_SPECS else 2):
        args = spec.sample(rng)
        weights = rng.uniform(-1.0, 1.0, size=output_shape(spec, args))
        loss = weighted_loss(spec, weights)
        argnums = tuple(range(len(args)))
        plain_value = float(loss(*args))
        tape = dk.gradient(loss, *args, argnums=argnums, method="tape")
        reference = tape.grad
        scale = max([1.0] + [float(np.max(np.abs(g))) for g in reference])
        for g, a in zip(reference, args):
            assert np.shape(g) == np.shape(a)
        methods = {"symbolic": 1e-10, "symbolic-cse": 1e-10, "fd-central": 1e-5, "fd-richardson": 1e-7}
        if spec in NUMPY_SPECS:  # an op's faces, not a method's variants: symbolic and fd-central suffice
            del methods["symbolic-cse"], methods["fd-richardson"]
        if not spec.symbolic:
            methods = {m: tol for m, tol in methods.items() if not m.startswith("symbolic")}
        if spec.analytic:
            methods["fd-complex"] = 1e-12
        for method, tol in methods.items():
            options = {"measure_cse": False} if method.startswith("symbolic") else {}
            result = dk.gradient(loss, *args, argnums=argnums, method=method, **options)
            assert result.value == pytest.approx(plain_value, rel=1e-12, abs=1e-12), method
            for g, expected in zip(result.grad, reference):
                assert np.shape(g) == np.shape(expected), method
                np.testing.assert_allclose(g, expected, rtol=0, atol=tol * scale, err_msg=f"{spec.id} by {method}")


def _plain(value):
    value = unwrap(value)
    return np.asarray(value.value if isinstance(value, Traced) else value, dtype=float)


@pytest.mark.parametrize("spec", NUMPY_SPECS, ids=[spec.id for spec in NUMPY_SPECS])
def test_op_faces_agree_with_numpy(spec, rng):
    """The NumPy, complex-step and SymPy faces compute what NumPy computes, at a point of the domain."""
    args = spec.sample(rng)
    expected = np.asarray((spec.reference or spec.program)(*args), dtype=float)
    with Tape() as tape:
        traced = _plain(spec.program(*[tape.leaf(a) for a in args]))
    np.testing.assert_allclose(traced, expected, rtol=1e-13, atol=1e-14, err_msg="NumPy face")
    if spec.analytic:
        stepped = unwrap(spec.program(*[ComplexStepValue(np.asarray(a, dtype=complex)) for a in args]))
        stepped = np.asarray(stepped.value if isinstance(stepped, ComplexStepValue) else stepped)
        np.testing.assert_allclose(stepped.real, expected, rtol=1e-13, atol=1e-14, err_msg="complex face")
        assert not np.any(stepped.imag), "a real point must stay real"
    if spec.symbolic:
        symbolic = unwrap(spec.program(*[SymbolicArray(to_object_array(a)) for a in args]))
        numbers = np.asarray(symbolic._decided() if isinstance(symbolic, SymbolicArray) else symbolic, dtype=float)
        np.testing.assert_allclose(numbers, expected, rtol=1e-12, atol=1e-13, err_msg="SymPy face")


def _central_differences_at_50_digits(loss, matrix, entries, digits):
    """d loss / d matrix[i, j] for each (i, j) of ``entries`` (0 elsewhere), by central differences
    with h = 1e-15 at ``digits`` digits (truncation ~1e-30); ``loss`` takes lists of rows of mpf."""
    with mpmath.workdps(digits):
        base = [[mpmath.mpf(float(v)) for v in row] for row in matrix]
        h = mpmath.mpf("1e-15")
        gradient = np.zeros(matrix.shape)
        for i, j in entries:
            up = [row[:] for row in base]
            down = [row[:] for row in base]
            up[i][j] += h
            down[i][j] -= h
            gradient[i, j] = float((loss(up) - loss(down)) / (2 * h))
    return gradient


def _mpmath_eigh_gradient(spec, weights, matrix, digits=50):
    """The gradient of sum(weights * eigh(matrix)) by mpmath: eigsy at 50 digits, central differences,
    the matrix read from its lower triangle as NumPy does."""
    vectors_wanted = spec.id.startswith("eigh-vectors")
    _, lapack_vectors = np.linalg.eigh(matrix)
    size = matrix.shape[0]

    def loss(entries):
        a = mpmath.matrix(size, size)
        for i in range(size):
            for j in range(i + 1):
                a[i, j] = a[j, i] = entries[i][j]
        values, vectors = mpmath.eigsy(a)
        order = sorted(range(size), key=lambda k: values[k])
        total = mpmath.mpf(0)
        for out_column, k in enumerate(order):
            if not vectors_wanted:
                total += mpmath.mpf(weights[out_column]) * values[k]
                continue
            column = [vectors[i, k] for i in range(size)]
            sign = 1 if sum(c * v for c, v in zip(column, lapack_vectors[:, out_column])) > 0 else -1
            total += sum(mpmath.mpf(weights[i, out_column]) * sign * column[i] for i in range(size))
        return total

    lower = [(i, j) for i in range(size) for j in range(i + 1)]  # the upper triangle is not read: its derivative is 0
    return _central_differences_at_50_digits(loss, matrix, lower, digits)


def _mpmath_qr_gradient(spec, weights, matrix, digits=50):
    """The gradient of sum(weights * Q or R) by mpmath: Householder QR at 50 digits (each column of Q
    and row of R given the sign of LAPACK's R[k, k]), central differences."""
    rows, columns = matrix.shape
    lapack_signs = np.sign(np.diag(np.linalg.qr(matrix)[1]))
    wants_q = spec.op == "qr_q"

    def loss(a):
        q, r = mpmath.qr(mpmath.matrix(a), mode="skinny")
        total = mpmath.mpf(0)
        for k in range(columns):
            sign = int(lapack_signs[k]) * (1 if r[k, k] > 0 else -1)
            if wants_q:
                total += sum(mpmath.mpf(weights[i, k]) * sign * q[i, k] for i in range(rows))
            else:
                total += sum(mpmath.mpf(weights[k, j]) * sign * r[k, j] for j in range(columns))
        return total

    return _central_differences_at_50_digits(loss, matrix, list(np.ndindex(rows, columns)), digits)


def _mpmath_svd_gradient(spec, weights, matrix, digits=50):
    """The gradient of sum(weights * U, S, Vh or pinv) by mpmath: its SVD at 50 digits (each pair of
    singular vectors given the sign of LAPACK's column of U), central differences."""
    rows, columns = matrix.shape
    lapack_u = np.linalg.svd(matrix, full_matrices=False)[0]

    def loss(a):
        u, s, vh = mpmath.svd_r(mpmath.matrix(a), full_matrices=False)
        signs = [1 if sum(u[i, k] * lapack_u[i, k] for i in range(rows)) > 0 else -1 for k in range(len(s))]
        if spec.op == "svdvals":
            return sum(mpmath.mpf(weights[k]) * s[k] for k in range(len(s)))
        if spec.op == "svd_u":
            return sum(mpmath.mpf(weights[i, k]) * signs[k] * u[i, k] for i in range(rows) for k in range(len(s)))
        if spec.op == "svd_vh":
            return sum(mpmath.mpf(weights[k, j]) * signs[k] * vh[k, j] for k in range(len(s)) for j in range(columns))
        return sum(mpmath.mpf(weights[j, i]) * vh[k, j] * u[i, k] / s[k]
                   for k in range(len(s)) for i in range(rows) for j in range(columns))  # pinv

    return _central_differences_at_50_digits(loss, matrix, list(np.ndindex(rows, columns)), digits)


@pytest.mark.parametrize("spec", NUMPY_SPECS, ids=[spec.id for spec in NUMPY_SPECS])
def test_op_vjp_and_jvp_agree_with_the_50_digit_reference(spec, rng):
    """Reverse mode (the VJP rules) and forward mode (the JVP rules) against a reference at 50 digits:
    SymPy's own derivative evaluated by mpmath where SymPy has the op, else the tape's rules over 50-digit
    numbers (a mask decided on the values), mpmath's eigsy for eigh, its Householder QR for qr and its SVD
    for svd and pinv."""
    args = spec.sample(rng)
    weights = rng.uniform(-1.0, 1.0, size=output_shape(spec, args))
    loss = weighted_loss(spec, weights)
    argnums = tuple(range(len(args)))
    problem = Problem(loss, args, argnums)
    if spec.id.startswith("eigh") and np.ndim(args[0]) == 2:
        reference = [_mpmath_eigh_gradient(spec, weights, args[0])]
    elif spec.op.startswith("qr") and np.ndim(args[0]) == 2:
        reference = [_mpmath_qr_gradient(spec, weights, args[0])]
    elif spec.op in ("svdvals", "svd_u", "svd_vh", "pinv") and len(args) == 1 and np.ndim(args[0]) == 2:
        reference = [_mpmath_svd_gradient(spec, weights, args[0])]
    else:
        route = symbolic_reference if spec.symbolic else tape_reference
        _, texts = route(problem)
        flat = np.array([float(t) for t in texts])
        reference, offset = [], 0
        for a in args:
            reference.append(flat[offset : offset + np.size(a)].reshape(np.shape(a)))
            offset += np.size(a)
    scale = max([1.0] + [float(np.max(np.abs(r))) for r in reference])
    for method in ("tape", "forward-mode"):
        grads = dk.gradient(loss, *args, argnums=argnums, method=method).grad
        for g, expected in zip(grads, reference):
            np.testing.assert_allclose(g, expected, rtol=0, atol=1e-12 * scale, err_msg=f"{spec.id} by {method}")


@pytest.mark.parametrize("spec", NUMPY_SPECS, ids=[spec.id for spec in NUMPY_SPECS])
def test_op_second_derivatives_forward_over_reverse(spec, rng):
    """H v by forward-over-reverse (the JVP of the VJP rules) against central differences of the gradient."""
    args = spec.sample(rng)
    weights = rng.uniform(-1.0, 1.0, size=output_shape(spec, args))
    loss = weighted_loss(spec, weights)
    argnums = tuple(range(len(args)))
    direction = tuple(rng.uniform(-1.0, 1.0, size=np.shape(a)) for a in args)
    product = dk.hvp(loss, direction, *args, argnums=argnums, method="forward-over-reverse")
    h = 1e-5
    gradient = dk.grad(loss, argnums=argnums)
    up = gradient(*[a + h * d for a, d in zip(args, direction)])
    down = gradient(*[a - h * d for a, d in zip(args, direction)])
    scale = max([1.0] + [float(np.max(np.abs(p))) for p in product])
    for p, u, d in zip(product, up, down):
        np.testing.assert_allclose(p, (u - d) / (2 * h), rtol=0, atol=1e-6 * scale, err_msg=spec.id)


UNARY_SPECS = [spec for spec in OP_SPECS if spec.derivative is not None]


@pytest.mark.parametrize("spec", UNARY_SPECS, ids=[spec.id for spec in UNARY_SPECS])
def test_elementwise_derivative_matches_the_formula(spec, rng):
    (x,) = spec.sample(rng)
    expected = spec.derivative(x)
    for method in ("tape", "symbolic"):
        grad = dk.grad(lambda v: dk.sum(spec.program(v)), method=method)(x)
        np.testing.assert_allclose(grad, expected, rtol=1e-13, atol=1e-15, err_msg=f"{spec.id} by {method}")


def test_broadcast_bias_gets_the_batch_sum(rng):
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2,))
    upstream = rng.normal(size=(5, 2))

    def layer(x, W, b):
        return dk.sum(upstream * (x @ W + b))

    for method in ("tape", "symbolic", "fd-complex"):
        grad_b = dk.grad(layer, argnums=2, method=method)(x, W, b)
        assert grad_b.shape == (2,)
        np.testing.assert_allclose(grad_b, upstream.sum(axis=0), rtol=1e-12)  # copy gate adds
