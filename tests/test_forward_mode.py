"""Forward mode: every primitive has a JVP rule, each rule matches the tape, errors and nesting."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.engines.dual import Dual, ForwardTrace, jvp
from diffkit.core.primitive import primitives
from diffkit.engines.tape import Tape

X = np.array([[0.7, -1.3, 0.4], [1.1, 0.2, -0.6]])
Y = np.array([[0.5, 0.9, -1.4], [-0.3, 1.6, 0.8]])
POSITIVE = np.array([[0.7, 1.3, 0.4], [1.1, 0.2, 2.6]])
COLUMN = np.array([[0.3], [-0.8]])
MATRIX = np.array([[0.2, -0.5], [1.0, 0.3], [-0.7, 0.6]])


def _condition(x):
    return x > 0.5  # a plain boolean array: compares the primal value


# op name -> (function of the differentiated arguments, the arguments), every point off kinks
OP_SPECS = {
    "abs": (dk.abs, (X,)),
    "add": (dk.add, (X, COLUMN)),
    "broadcast_to": (lambda x: dk.broadcast_to(x, (4, 2, 3)), (X,)),
    "concatenate": (lambda a, b: dk.concatenate([a, b, a], axis=1), (X, Y)),
    "cos": (dk.cos, (X,)),
    "divide": (dk.divide, (X, POSITIVE)),
    "elu": (dk.elu, (X,)),
    "exp": (dk.exp, (X,)),
    "getitem": (lambda x: x[1, ::-1] * x[0, 1], (X,)),
    "heaviside": (lambda x: dk.heaviside(x) * x, (X,)),
    "leaky_relu": (lambda x: dk.leaky_relu(x, alpha=0.2), (X,)),
    "log": (dk.log, (POSITIVE,)),
    "log_softmax": (lambda x: dk.log_softmax(x, axis=0), (X,)),
    "logsumexp": (lambda x: dk.logsumexp(x, axis=1), (X,)),
    "matmul": (dk.matmul, (X, MATRIX)),
    "maximum": (dk.maximum, (X, Y)),
    "mean": (lambda x: dk.mean(x, axis=0, keepdims=True), (X,)),
    "minimum": (dk.minimum, (X, Y)),
    "multiply": (dk.multiply, (X, COLUMN)),
    "negative": (dk.negative, (X,)),
    "power": (dk.power, (POSITIVE, Y)),
    "relu": (dk.relu, (X,)),
    "reshape": (lambda x: dk.reshape(x, (3, 2)), (X,)),
    "scatter_add": (lambda x: dk.getitem(x, (slice(None), [0, 0, 2])) * 2.0, (X,)),  # its VJP scatters
    "sigmoid": (dk.sigmoid, (X,)),
    "sign": (lambda x: dk.sign(x) * x, (X,)),
    "sin": (dk.sin, (X,)),
    "softmax": (dk.softmax, (X,)),
    "sqrt": (dk.sqrt, (POSITIVE,)),
    "stack": (lambda a, b: dk.stack([a, b, a * b], axis=1), (X, Y)),
    "subtract": (dk.subtract, (X, Y)),
    "sum": (lambda x: dk.sum(x, axis=1), (X,)),
    "tanh": (dk.tanh, (X,)),
    "transpose": (lambda x: dk.transpose(x, (1, 0)), (X,)),
    "where": (lambda a, b: dk.where(_condition(a), a * b, b), (X, Y)),
}


def test_every_primitive_has_a_jvp_rule_for_every_argument():
    for name, primitive in primitives().items():
        assert primitive.jvp is not None, f"dk.{name} has no JVP rule"
        if primitive.variadic:
            assert callable(primitive.jvp), name
        else:
            assert len(primitive.jvp) == len(primitive.vjp), name
            for vjp_rule, jvp_rule in zip(primitive.vjp, primitive.jvp):
                assert (vjp_rule is None) == (jvp_rule is None), name


def test_the_spec_table_covers_every_primitive():
    # The ops of issue 15 have their JVP rules checked in test_core_ops_table.py, against a 50-digit reference.
    from test_core_ops_table import NUMPY_SPECS

    assert set(OP_SPECS) <= set(primitives())
    assert set(primitives()) <= set(OP_SPECS) | {spec.op for spec in NUMPY_SPECS}


@pytest.mark.parametrize("name", sorted(OP_SPECS))
def test_jvp_rule_matches_the_tape_jacobian(name):
    function, args = OP_SPECS[name]
    argnums = tuple(range(len(args)))
    forward = dk.jacobian(function, argnums=argnums, method="forward-mode")(*args)
    reverse = dk.jacobian(function, argnums=argnums, method="tape")(*args)
    central = dk.jacobian(function, argnums=argnums, method="fd-central")(*args)
    for f_block, r_block, c_block in zip(forward, reverse, central):
        np.testing.assert_allclose(f_block, r_block, rtol=0, atol=1e-13)
        np.testing.assert_allclose(f_block, c_block, rtol=0, atol=1e-7)


def test_lecture_example_by_forward_mode():
    result = dk.gradient(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0, argnums=(0, 1, 2), method="forward-mode")
    assert result.value == -12.0
    assert result.grad == (-4.0, -4.0, 3.0)
    assert result.stats["passes"] == 3


def test_kink_convention_is_the_mean_of_one_sided_derivatives():
    assert dk.grad(dk.relu, method="forward-mode")(0.0) == 0.5
    assert dk.grad(dk.abs, method="forward-mode")(0.0) == 0.0
    assert dk.grad(lambda a, b: dk.maximum(a, b), argnums=(0, 1), method="forward-mode")(1.0, 1.0) == (0.5, 0.5)


def test_sqrt_at_zero_along_another_axis_gives_zero_not_nan():
    def f(x):
        return dk.sum(dk.sqrt(x * x * x) + x)

    grad = dk.grad(f, method="forward-mode")(np.array([0.0, 4.0]))
    np.testing.assert_array_equal(grad, [1.0, 1.0 + 1.5 * 2.0])


def test_jvp_function_returns_value_and_directional_derivative():
    value, tangent = jvp(lambda x: dk.sin(x) * x, [np.array([0.5, 2.0])], [np.array([1.0, -2.0])])
    np.testing.assert_allclose(value, np.sin([0.5, 2.0]) * [0.5, 2.0])
    expected = (np.cos([0.5, 2.0]) * [0.5, 2.0] + np.sin([0.5, 2.0])) * [1.0, -2.0]
    np.testing.assert_allclose(tangent, expected, rtol=1e-15)


def test_a_constant_output_has_zero_gradient():
    result = dk.gradient(lambda x: 3.0, np.array([1.0, 2.0]), method="forward-mode")
    assert result.value == 3.0
    np.testing.assert_array_equal(result.grad, [0.0, 0.0])


def test_same_error_as_the_tape_for_a_vector_output():
    with pytest.raises(dk.NonScalarOutputError) as tape_error:
        dk.gradient(dk.tanh, np.ones(3), method="tape")
    with pytest.raises(dk.NonScalarOutputError) as forward_error:
        dk.gradient(dk.tanh, np.ones(3), method="forward-mode")
    assert str(forward_error.value) == str(tape_error.value)
    assert "dk.jacobian" in str(forward_error.value)


def test_math_exp_on_a_dual_value_names_the_fix():
    def uses_math(x):
        return math.exp(x)

    with pytest.raises(dk.NonDiffkitFunctionError, match=r"math\.exp .*dual value.*Use dk\.exp instead"):
        dk.gradient(uses_math, 1.0, method="forward-mode")


def test_a_branch_follows_the_primal_value():
    def branchy(x):
        if x > 0:
            return x * x
        return -x

    assert dk.grad(branchy, method="forward-mode")(3.0) == 6.0
    assert dk.grad(branchy, method="forward-mode")(-3.0) == -1.0


def test_forward_trace_restores_its_level_after_an_exception():
    from diffkit.engines.tape import active_tapes

    before = active_tapes()

    def fails(x):
        raise ZeroDivisionError("inside the program")

    with pytest.raises(ZeroDivisionError):
        dk.gradient(fails, 1.0, method="forward-mode")
    assert active_tapes() == before


# --- nesting: no perturbation confusion -----------------------------------------------------------
def _derivative_forward(f, x):
    with ForwardTrace() as trace:
        out = f(trace.dual(x, 1.0))
    return out.tangent if isinstance(out, Dual) and out._trace is trace else 0.0


def _derivative_reverse(f, x):
    with Tape() as tape:
        leaf = tape.leaf(x)
        out = f(leaf)
    (g,) = tape.backward(out, 1.0, [leaf])
    return 0.0 if g is None else g


@pytest.mark.parametrize("outer", [_derivative_forward, _derivative_reverse], ids=["forward", "reverse"])
@pytest.mark.parametrize("inner", [_derivative_forward, _derivative_reverse], ids=["forward", "reverse"])
def test_nested_derivatives_treat_outer_values_as_constants(outer, inner):
    # d/dx [ x * d/dy (x + y) ] = d/dx [x] = 1; confusing the two perturbations gives 2.
    def outer_function(x):
        return x * inner(lambda y: x + y, 1.0)

    assert outer(outer_function, 1.0) == 1.0


@pytest.mark.parametrize("outer", [_derivative_forward, _derivative_reverse], ids=["forward", "reverse"])
@pytest.mark.parametrize("inner", [_derivative_forward, _derivative_reverse], ids=["forward", "reverse"])
def test_second_derivative_by_nesting(outer, inner):
    # f(x) = x^3 sin(x): f''(x) = 6x sin x + 6x^2 cos x - x^3 sin x, written out by hand.
    def first(x):
        return inner(lambda t: t**3 * dk.sin(t), x)

    x = 0.8
    expected = 6 * x * math.sin(x) + 6 * x * x * math.cos(x) - x**3 * math.sin(x)
    assert outer(first, x) == pytest.approx(expected, rel=1e-14)


# --- the same errors for the same misuse ----------------------------------------------------------
def _mismatched_shapes(x):
    return dk.sum(x @ np.ones((4, 2)))


def _vector_output(x):
    return dk.tanh(x)


def _none_output(x):
    dk.sum(x)


def _uses_math_exp(x):
    return math.exp(x[0])


MISUSES = {
    "shape": (_mismatched_shapes, (np.ones(3),), {}, dk.ShapeError),
    "vector output": (_vector_output, (np.ones(3),), {}, dk.NonScalarOutputError),
    "no output": (_none_output, (np.ones(3),), {}, dk.NonScalarOutputError),
    "math.exp": (_uses_math_exp, (np.ones(3),), {}, dk.NonDiffkitFunctionError),
    "nan input": (_vector_output, (np.array([1.0, np.nan]),), {}, dk.InputError),
    "argnums": (_vector_output, (np.ones(3),), {"argnums": 2}, dk.InputError),
}


@pytest.mark.parametrize("misuse", sorted(MISUSES))
@pytest.mark.parametrize("method", ["forward-mode", "symbolic-tape"])
def test_same_error_type_and_message_as_the_tape(method, misuse):
    function, args, kwargs, error = MISUSES[misuse]
    with pytest.raises(error) as tape_error:
        dk.gradient(function, *args, method="tape", **kwargs)
    with pytest.raises(error) as method_error:
        dk.gradient(function, *args, method=method, **kwargs)
    assert type(method_error.value) is type(tape_error.value)
    kind = {"forward-mode": "dual", "symbolic-tape": "traced"}[method]
    assert str(method_error.value).replace(f"a {kind} value", "a traced value") == str(tape_error.value)
