"""Bad input to the API that used to escape as a raw TypeError: each is a diffkit error naming the fix."""

import warnings

import numpy as np
import pytest

import diffkit as dk


def squares(w):
    return dk.sum(w**2)


def weighted(w, s):
    return dk.sum(w * s)


@pytest.mark.parametrize("method", dk.methods())
def test_a_list_where_an_array_is_meant_says_it_is_a_container_and_suggests_np_array(method):
    with pytest.raises(dk.ListArgumentError) as info:
        dk.grad(squares, method=method)([1.0, 2.0])
    message = str(info.value)
    assert "argument 'w' is a Python list of 2 numbers" in message
    assert "container of 2 separate arguments" in message
    assert message.endswith("To differentiate one vector, pass an array: np.array([1.0, 2.0])")
    assert isinstance(info.value, dk.InputError) and isinstance(info.value, TypeError)  # old callers still catch it
    # the fix works, and gives the closed form 2w
    assert np.allclose(dk.grad(squares, method=method)(np.array([1.0, 2.0])), [2.0, 4.0], atol=1e-6)


def test_a_list_of_separate_arguments_is_still_differentiated_entry_by_entry():
    assert dk.grad(lambda w: w[0] * w[1])([3.0, 5.0]) == [5.0, 3.0]


def test_a_tape_op_applied_to_a_list_names_the_list():
    with pytest.raises(dk.ListArgumentError, match="argument 'w' is a Python tuple of 3 numbers"):
        dk.grad(lambda w: dk.sum(dk.exp(w)))((0.0, 1.0, 2.0))


@pytest.mark.parametrize("method", dk.methods())
@pytest.mark.parametrize("data", ["abc", np.array(["a", "b"])], ids=["str", "array of str"])
def test_a_string_in_an_argument_not_differentiated_is_an_input_error(method, data):
    with pytest.raises(dk.InputError) as info:
        dk.grad(weighted, method=method)(np.array([1.0, 2.0]), data)
    assert type(info.value) is dk.InputError
    assert "pass a number or an array of numbers there" in str(info.value).lower()


def test_the_string_error_names_the_argument_and_the_line():
    with pytest.raises(dk.InputError) as info:
        dk.grad(weighted)(np.array([1.0, 2.0]), "abc")
    message = str(info.value)
    assert message.startswith("argument 's' (not differentiated) holds the string 'abc'")
    assert "in weighted()" in message and "return dk.sum(w * s)" in message


@pytest.mark.parametrize("make", [
    lambda: dk.grad(weighted, argnum=0),
    lambda: dk.value_and_grad(weighted, argnum=0),
    lambda: dk.gradient(weighted, np.ones(2), 2.0, argnum=0),
    lambda: dk.jacobian(weighted, argnum=0),
    lambda: dk.hessian(weighted, argnum=0),
    lambda: dk.hvp(weighted, np.ones(2), np.ones(2), 2.0, argnum=0),
], ids=["grad", "value_and_grad", "gradient", "jacobian", "hessian", "hvp"])
def test_argnum_gets_did_you_mean_argnums(make):
    with pytest.raises(dk.InputError, match=r"has no option 'argnum' \(did you mean 'argnums'\?\)"):
        make()


# --- array subclasses whose arithmetic diffkit's values would not keep --------------------------
with warnings.catch_warnings():  # NumPy discourages np.matrix, which is the point of refusing it
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix([[1.0, 2.0], [3.0, 4.0]])
MASKED = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])


@pytest.mark.parametrize("method", ("tape", "fd-central", "symbolic"))
def test_an_np_matrix_is_refused_as_its_star_is_a_matrix_product(method):
    # On the np.matrix itself, a * a is the matrix product [[7, 10], [15, 22]]; on diffkit's values it
    # would be elementwise, a different program
    with pytest.raises(dk.InputError, match=r"argument a is an np\.matrix, whose \* is a matrix product; .*pass "
                                            r"np\.asarray\(m\) and write matrix products with @"):
        dk.gradient(lambda a: dk.sum(a * a), MATRIX, method=method)


@pytest.mark.parametrize("method", ("tape", "fd-central"))
def test_a_masked_array_is_refused_differentiated_inside_a_container_or_as_data(method):
    message = r"is a masked array; diffkit's values are plain arrays and would use its masked entries: pass m\.filled"
    with pytest.raises(dk.InputError, match=r"argument params\.w " + message):
        dk.gradient(lambda params: dk.sum(params["w"] ** 2), {"w": MASKED}, method=method)
    with pytest.raises(dk.InputError, match=r"argument weights " + message):
        dk.gradient(lambda x, weights: dk.sum(x * weights), np.ones(3), MASKED, method=method)
