"""The public API's ways of passing parameters give one gradient, and keep the caller's data intact."""

import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.bench import networks


def _scalar_problem():
    params, xs, ys = networks.scalar_program_problem()
    return params[:40], xs, ys  # a short prefix: the first layer and part of the second


def _loss(params, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        s = params[0]
        for k, p in enumerate(params[1:]):
            s = s + dk.relu(p * x[k % 2]) * p
        total = total + (s - y) * (s - y)
    return total * 0.25


def test_list_positional_dict_and_float_paths_agree_exactly():
    params, xs, ys = _scalar_problem()
    as_list = dk.grad(_loss)(params, xs, ys)

    def positional(*p):
        return _loss(p, xs, ys)

    as_positional = dk.grad(positional, argnums=tuple(range(len(params))))(*params)
    as_dict = dk.grad(lambda d: _loss([d[f"p{i}"] for i in range(len(params))], xs, ys))(
        {f"p{i}": p for i, p in enumerate(params)})
    as_array = dk.grad(lambda a: _loss(list(a), xs, ys))(np.array(params))
    assert isinstance(as_list, list) and all(type(g) is float for g in as_list)
    assert list(as_positional) == as_list
    assert [as_dict[f"p{i}"] for i in range(len(params))] == as_list
    np.testing.assert_array_equal(as_array, as_list)
    value, grad = dk.value_and_grad(_loss)(params, xs, ys)
    assert grad == as_list and value == dk.gradient(_loss, params, xs, ys).value


def test_gradients_are_the_callers_own_arrays_and_inputs_are_not_touched():
    W, b = np.full((3, 2), 0.5), np.zeros(2)
    X = np.arange(12.0).reshape(4, 3)
    before = (W.copy(), b.copy(), X.copy())

    def shared(W, b, X):
        return dk.sum(X @ W + b) + dk.sum(b)  # b's gradient comes from two uses

    gW, gb = dk.grad(shared, argnums=(0, 1))(W, b, X)
    np.testing.assert_array_equal(gW, X.sum(axis=0)[:, None] * np.ones((3, 2)))
    np.testing.assert_array_equal(gb, [5.0, 5.0])
    gW += 1.0  # writeable, and no alias of W, b or X
    gb += 1.0
    for original, now in zip(before, (W, b, X)):
        np.testing.assert_array_equal(original, now)

    def same_cotangent(a, c):
        return dk.sum(a + c)  # add sends the one cotangent to both

    ga, gc = dk.grad(same_cotangent, argnums=(0, 1))(np.ones(3), np.ones(3))
    assert ga is not gc and not np.shares_memory(ga, gc)


def test_errors_are_the_same_on_every_path():
    with pytest.raises(dk.InputError, match=r"p\[1\] is nan"):
        dk.grad(lambda p: p[0] * p[1])([1.0, float("nan")])
    with pytest.raises(dk.InputError, match=r"arg1 is inf"):
        dk.grad(lambda *p: p[0] * p[1], argnums=(0, 1))(1.0, float("inf"))
    with pytest.raises(dk.InputError, match=r"w\[0,1\] is nan"):
        dk.grad(lambda w: dk.sum(w))(np.array([[1.0, np.nan]]))
    with pytest.raises(dk.InputError, match="has dtype bool"):
        dk.grad(lambda x: x)(True)
    with pytest.raises(dk.InputError, match="takes 1 positional argument"):
        dk.grad(lambda x: x)(1.0, 2.0)


def test_the_signature_cache_follows_a_function_that_changes():
    def f(x, y=2.0):
        return x * y

    assert dk.grad(f)(3.0) == 2.0
    f.__defaults__ = None  # y is now required: the cached signature must not be reused
    with pytest.raises(dk.InputError, match="takes 2 positional arguments"):
        dk.grad(f)(3.0)
    assert dk.grad(f, argnums=1)(3.0, 5.0) == 3.0


def _large(fill=0.5, order="C"):
    return np.full((80, 100), fill, order=order)  # 8000 entries: checked in one pass of their dot product


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("bad, shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_a_large_argument_that_is_not_finite_is_refused_with_the_entry_named(order, bad, shown):
    W = _large(order=order)
    W[61, 6] = bad
    with pytest.raises(dk.InputError, match=rf"W\[61,6\] is {shown}: a gradient at NaN or infinity means nothing"):
        dk.grad(lambda W: dk.sum(W))(W)
    with pytest.raises(dk.InputError, match=rf"W\[61,3\] is {shown}"):
        dk.grad(lambda W: dk.sum(W))(W[:, ::2])  # a strided view of it: the same check, without a copy


@pytest.mark.parametrize("shape", [(80, 100), (3, 4)], ids=["large", "small"])
@pytest.mark.parametrize("numpy_errors", ["raise", "warn"])
def test_entries_whose_squares_overflow_are_still_finite(shape, numpy_errors):
    W = np.full(shape, 1e200)  # the sum of squares overflows to inf: settled entry by entry
    W[2, 3] = -1e300
    b = np.array([1e300, 2.0])  # a small argument beside it: checked together with others
    with warnings.catch_warnings(), np.errstate(all=numpy_errors):
        warnings.simplefilter("error")  # no overflow warning comes out of the check
        grad_W, grad_b = dk.grad(lambda W, b: dk.sum(W * 1e-300) + dk.sum(b * 1e-300), argnums=(0, 1))(W, b)
    np.testing.assert_array_equal(grad_W, np.full(shape, 1e-300))
    np.testing.assert_array_equal(grad_b, [1e-300, 1e-300])


def test_large_data_may_be_infinite_but_not_nan():
    X = _large()
    X[0, 0] = -np.inf  # a mask, as before a softmax
    assert dk.grad(lambda w, X: w * dk.sum(dk.exp(X)))(2.0, X) == pytest.approx(np.exp(0.5) * 7999)
    X[5, 9] = np.nan
    with pytest.raises(dk.InputError, match=r"X\[5,9\] is nan \(in an argument that is not differentiated\)"):
        dk.grad(lambda w, X: w * dk.sum(X))(2.0, X)


def test_arrays_and_numbers_one_per_argument_around_data_keep_their_types_and_order():
    W, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5])
    X = np.array([[1.0, -1.0]])

    def f(W, X, scale, b, count):
        return dk.sum((X @ W + b) * scale) * count

    # d/dW = count * scale * X^T [1, 1], d/dscale = count * sum(X @ W + b), d/db = count * scale
    gW, gscale, gb, gcount = dk.grad(f, argnums=(0, 2, 3, 4))(W, X, 2.0, b, 3)
    np.testing.assert_array_equal(gW, [[6.0, 6.0], [-6.0, -6.0]])
    assert type(gscale) is float and gscale == 3.0 * (-2.0 - 2.0)
    np.testing.assert_array_equal(gb, [6.0, 6.0])
    assert type(gcount) is float and gcount == 2.0 * (-2.0 - 2.0)  # an int argument is differentiated as a float
    with pytest.raises(dk.InputError, match=r"argument b has dtype bool"):
        dk.grad(f, argnums=(0, 3))(W, X, 2.0, True, 3)
    with pytest.raises(dk.InputError, match=r"scale is nan"):
        dk.grad(f, argnums=(0, 2, 3))(W, X, float("nan"), b, 3)


def test_nan_in_a_memory_mapped_data_argument_is_refused(tmp_path):
    data = np.memmap(tmp_path / "data.bin", dtype=np.float64, mode="w+", shape=(3,))
    data[:] = [1.0, np.nan, 2.0]
    with pytest.raises(dk.InputError, match=r"d\[1\] is nan \(in an argument that is not differentiated\)"):
        dk.grad(lambda w, d: w * dk.sum(d))(2.0, data)
    data[1] = 4.0
    assert dk.grad(lambda w, d: w * dk.sum(d))(2.0, data) == 7.0
