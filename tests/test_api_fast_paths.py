"""The public API's fast paths give the gradients and the errors the general paths give.

Numbers (a list of floats, many positional arguments, a dict) are traced as NumPy float64
scalars through the tape's scalar nodes (add, subtract, multiply and relu spelt out);
arrays through the generic nodes. Each path is checked against gradients derived by hand,
and against the same program on arrays, which takes none of the scalar fast paths.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit import errors
from diffkit.engines.tape import Tape


def _poly(a, b, c):
    # every scalar node kind, with constants on either side (the reflected operators) and ints
    return (a * b - 3.0 * a + 2 - b) * (b + 1.5) + c * c * 0.5 - (4 - c) + a * 2


def _poly_grad(a, b, c):
    """The gradient of _poly, derived by hand."""
    u, v = a * b - 3.0 * a + 2 - b, b + 1.5
    return (b - 3.0) * v + 2.0, (a - 1.0) * v + u, c + 1.0


POINT = (0.7, -1.3, 2.5)


@pytest.mark.parametrize("path", ["positional", "list", "tuple", "dict", "array"])
def test_every_way_of_passing_numbers_gives_the_hand_derived_gradient(path):
    expected = _poly_grad(*POINT)
    if path == "positional":
        got = dk.grad(_poly, argnums=(0, 1, 2))(*POINT)
    elif path == "list":
        got = dk.grad(lambda p: _poly(*p))(list(POINT))
    elif path == "tuple":
        got = dk.grad(lambda p: _poly(*p))(tuple(POINT))
    elif path == "dict":
        found = dk.grad(lambda d: _poly(d["a"], d["b"], d["c"]))(dict(zip("abc", POINT)))
        got = [found[k] for k in "abc"]
    else:
        got = dk.grad(lambda x: dk.sum(_poly(x[0:1], x[1:2], x[2:3])))(np.array(POINT))
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=1e-14, atol=1e-15)
    if path != "array":
        assert all(type(g) is float for g in got)
        assert type(got) is {"positional": tuple, "list": list, "tuple": tuple, "dict": list}[path]


def test_scalar_nodes_agree_bit_for_bit_with_the_same_program_on_arrays():
    # the array program runs the table's rules through the generic nodes: no scalar fast path
    scalar = dk.grad(_poly, argnums=(0, 1, 2))(*POINT)
    arrays = dk.grad(lambda a, b, c: dk.sum(_poly(a, b, c)), argnums=(0, 1, 2))(*(np.array([v]) for v in POINT))
    assert [float(g) for g in scalar] == [float(g[0]) for g in arrays]
    value, grads = dk.value_and_grad(_poly, argnums=(0, 1, 2))(*POINT)
    assert type(value) is float and value == _poly(*POINT) and list(grads) == list(scalar)
    assert dk.gradient(_poly, *POINT, argnums=(0, 1, 2)).grad == scalar


@pytest.mark.parametrize("convention, at_zero", [("mean", 0.5), ("zero", 0.0), ("one", 1.0)])
def test_relu_of_a_number_follows_the_kink_convention(convention, at_zero):
    with dk.kinks(convention):
        assert dk.grad(dk.relu)(0.0) == at_zero
        assert dk.grad(dk.relu)(2.5) == 1.0
        assert dk.grad(dk.relu)(-2.5) == 0.0
        assert dk.grad(lambda x: dk.relu(x * x - 1.0) * x)(2.0) == 3.0 + 2.0 * 2.0 * 2.0  # relu(x^2-1) + x * 2x


def test_relu_of_a_number_keeps_numpys_values_and_signed_zeros():
    def through_relu(x):
        return -3.0 * dk.relu(x)

    on_number = dk.grad(through_relu)(-1.0)
    on_array = dk.grad(lambda x: dk.sum(through_relu(x)))(np.array([-1.0]))[0]
    assert on_number == 0.0 and np.signbit(on_number) == np.signbit(on_array)  # -3 * 0.0 is -0.0 both ways
    with Tape() as tape:
        for x in (-0.0, 0.0, -2.0, 3.0):
            traced = dk.relu(tape.leaf(np.float64(x)))
            expected = np.maximum(np.float64(x), 0.0)
            assert type(traced.value) is np.float64
            assert traced.value == expected and np.signbit(traced.value) == np.signbit(expected)


def test_a_branch_not_taken_keeps_a_zero_gradient_on_numbers():
    # log(0) * 0 is NaN on the branch where() drops: the strong-zero pass must run without the scalar shortcut
    with np.errstate(all="ignore"):
        assert dk.grad(lambda x: dk.where(x > 1.0, dk.log(x) * x - x, 3.0 * x))(0.0) == 3.0


@pytest.mark.parametrize(
    "values, message",
    [
        ([1.0, float("nan"), 2.0], "p[1] is nan"),
        ([1.0, float("inf")], "p[1] is inf"),
        ([1.0, True], "argument p[1] has dtype bool"),
        ([1.0, 10 ** 400], "argument p[1] has dtype object"),
        ([1.0, "a"], "argument p[1] has dtype <U1"),
    ],
)
def test_a_list_of_numbers_is_refused_with_the_entry_named(values, message):
    def loss(p):
        return p[0] * p[0]

    for differentiate in (dk.grad(loss), dk.value_and_grad(loss), lambda p: dk.gradient(loss, p)):
        with pytest.raises(errors.InputError, match=message.replace("[", r"\[")):
            differentiate(values)


def test_integers_among_numbers_are_differentiated_as_floats():
    grads = dk.grad(lambda p: p[0] * p[1] + p[2] * p[2])([2, 3.5, 4])
    assert grads == [3.5, 2.0, 8.0] and all(type(g) is float for g in grads)


def test_float32_arrays_get_float32_gradients_in_a_list_and_as_arguments():
    W = np.array([[0.5, -1.25], [2.0, 0.75]], dtype=np.float32)
    b = np.array([0.25, -0.5], dtype=np.float32)

    def loss(W, b):
        return dk.sum(W * W) + dk.sum(b * 3.0)

    gW, gb = dk.grad(loss, argnums=(0, 1))(W, b)
    in_list = dk.grad(lambda p: loss(*p))([W, b])
    for got in ((gW, gb), in_list):
        assert [g.dtype for g in got] == [np.float32, np.float32]
        np.testing.assert_array_equal(got[0], 2.0 * W)
        np.testing.assert_array_equal(got[1], np.full(2, 3.0, dtype=np.float32))


def test_gradients_of_a_list_of_float64_arrays_are_fresh_and_shaped_like_the_arguments():
    params = [np.full((2, 3), 0.5), np.arange(3.0)]
    X = np.arange(8.0).reshape(4, 2)

    def loss(params, X):
        return dk.sum(X @ params[0] + params[1])

    gW, gb = dk.grad(loss)(params, X)
    np.testing.assert_array_equal(gW, np.repeat(X.sum(axis=0)[:, None], 3, axis=1))
    np.testing.assert_array_equal(gb, np.full(3, 4.0))
    assert all(g.flags.writeable and g.base is None for g in (gW, gb))
    assert not any(np.shares_memory(g, p) for g in (gW, gb) for p in params + [X])


def test_leaves_made_together_are_the_leaves_made_one_by_one():
    with Tape() as tape:
        together = tape.leaves([np.float64(1.0), np.array([2.0, 3.0])])
        alone = tape.leaf(4.0)
    assert [leaf._node for leaf in together + [alone]] == [0, 1, 2]
    assert tape.nodes == [None, None, None]
    assert together[0].value == 1.0 and together[1].value.tolist() == [2.0, 3.0] and alone.value == 4.0
