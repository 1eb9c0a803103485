"""The primitive table: every op has all its faces, and each op's derivative is checked.

``OP_SPECS`` gives each op a small program, the shapes of its arguments and the
domain its points are drawn from: off kinks (relu, abs, max at a tie) and
singularities (log, sqrt, 1/x at 0), which the kink tests visit on purpose. Every
primitive in ``dk.primitives()`` must have a spec, so a new op cannot go untested.
The property test (test_core_properties.py) builds random programs from this table.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import pytest

import diffkit as dk

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
    for _ in range(2):
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
        if spec.analytic:
            methods["fd-complex"] = 1e-12
        for method, tol in methods.items():
            options = {"measure_cse": False} if method.startswith("symbolic") else {}
            result = dk.gradient(loss, *args, argnums=argnums, method=method, **options)
            assert result.value == pytest.approx(plain_value, rel=1e-12, abs=1e-12), method
            for g, expected in zip(result.grad, reference):
                assert np.shape(g) == np.shape(expected), method
                np.testing.assert_allclose(g, expected, rtol=0, atol=tol * scale, err_msg=f"{spec.id} by {method}")


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
