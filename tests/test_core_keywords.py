"""A misspelt keyword of a public function is an InputError offering the keyword meant."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.keywords import refuses_unknown_keywords


def square_sum(x):
    return dk.sum(x * x)


X = np.array([1.0, 2.0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dk.check_grad(square_sum, lambda x: 2 * x, X, rtoll=1e-6),
         r"^check_grad has no option 'rtoll' \(did you mean 'rtol'\?\); its options are: argnums, methods, rtol, "),
        (lambda: dk.check_backward(dk.relu, X, upstrem=X),
         r"^check_backward has no option 'upstrem' \(did you mean 'upstream'\?\); its options are: upstream, "),
        (lambda: dk.check_value(square_sum, 5.0, X, atl=1e-9),
         r"^check_value has no option 'atl' \(did you mean 'atol'\?\); its options are: name, rtol, atol, "),
        (lambda: dk.check_primitive(dk.sin, X, param={}),
         r"^check_primitive has no option 'param' \(did you mean 'params'\?\)"),
        (lambda: dk.compare(square_sum, X, method="tape"),
         r"^compare has no option 'method' \(did you mean 'methods'\?\); its options are: argnums, methods$"),
        (lambda: dk.compile_grad(square_sum, X, argnum=0),
         r"^compile_grad has no option 'argnum' \(did you mean 'argnums'\?\); its options are: argnums$"),
        (lambda: dk.trace(square_sum, X, max_node=10),
         r"^trace has no option 'max_node' \(did you mean 'max_nodes'\?\)"),
        (lambda: dk.exercise(square_sum, X, decimal=2),
         r"^exercise has no option 'decimal' \(did you mean 'decimals'\?\)"),
        (lambda: dk.symbolic_derivative(square_sum, X, methd="symbolic"),
         r"^symbolic_derivative has no option 'methd' \(did you mean 'method'\?\)"),
        (lambda: dk.compare_with_notes("000", methods="tape"),
         r"^compare_with_notes has no option 'methods' \(did you mean 'method'\?\); its options are: source, method$"),
    ],
)
def test_a_misspelt_keyword_names_the_one_meant(call, message):
    with pytest.raises(dk.InputError, match=message):
        call()


def test_every_unknown_keyword_is_named_and_one_far_from_all_gets_no_guess():
    with pytest.raises(dk.InputError, match=r"no option 'rtoll' \(did you mean 'rtol'\?\), 'zzz'; its options"):
        dk.check_grad(square_sum, lambda x: 2 * x, X, rtoll=1e-6, zzz=1)


def test_the_wrapped_function_keeps_its_name_signature_and_results():
    assert dk.check_grad.__name__ == "check_grad"
    assert "rtol=None" in str(__import__("inspect").signature(dk.check_grad))
    assert dk.check_grad(square_sum, lambda x: 2 * x, X, rtol=1e-6, methods=("tape",))
    assert not dk.check_grad(square_sum, lambda x: 3 * x, X, methods=("tape",))


def test_a_function_taking_any_keyword_is_left_as_it_is():
    def takes_all(**options):
        return options

    assert refuses_unknown_keywords(takes_all) is takes_all


def test_positional_parameters_may_still_be_named():
    @refuses_unknown_keywords
    def scaled(x, factor=2.0):
        return x * factor

    assert scaled(x=3.0, factor=1.5) == 4.5
    with pytest.raises(dk.InputError, match=r"^scaled has no option 'factr' \(did you mean 'factor'\?\); its "
                                            r"options are: x, factor$"):
        scaled(3.0, factr=1.5)
