"""Symbolic derivatives shown as LaTeX, with their sizes."""

import pytest
import sympy

import diffkit as dk


def sigmoid_neuron(w0, x0, w1, x1, w2):
    return dk.sigmoid(w0 * x0 + w1 * x1 + w2)


def test_sigmoid_neuron_derivative_prints_and_evaluates_to_the_notes_numbers():
    shown = dk.symbolic_derivative(sigmoid_neuron, 2.0, -1.0, -3.0, -2.0, -3.0, argnums=(0, 1, 2, 3, 4))
    assert shown.entry_names == ["w0", "x0", "w1", "x1", "w2"]
    point = {symbol: value for symbol, value in zip(shown.symbols, (2.0, -1.0, -3.0, -2.0, -3.0))}
    values = [float(shown.derivatives[name].subs(point)) for name in shown.entry_names]
    assert [round(v, 3) for v in values] == [-0.197, 0.393, -0.393, -0.590, 0.197]
    latex = shown._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert latex.count(r"\frac{\partial") == 5
    assert sympy.latex(shown.derivatives["w2"]) in latex
    assert shown.sizes["derivative_tree_size"] > shown.sizes["forward_tree_size"]
    assert shown.latex("w0") == sympy.latex(shown.derivatives["w0"])


def test_a_swollen_derivative_is_shown_by_its_size():
    def logistic_map(x):
        for _ in range(6):
            x = 3.7 * x * (1 - x)
        return x

    shown = dk.symbolic_derivative(logistic_map, 0.3)
    size = shown.sizes["derivative_tree_size"]
    assert size > 400
    assert "not printed" in shown._repr_latex_()
    assert "not printed" in str(shown)


def test_only_symbolic_methods_and_known_entries():
    with pytest.raises(dk.InputError, match="symbolic"):
        dk.symbolic_derivative(sigmoid_neuron, 2.0, -1.0, -3.0, -2.0, -3.0, method="tape")
    shown = dk.symbolic_derivative(sigmoid_neuron, 2.0, -1.0, -3.0, -2.0, -3.0, argnums=(0, 1))
    with pytest.raises(dk.InputError, match="say which entry"):
        shown.latex()
    with pytest.raises(dk.InputError, match="no derivative"):
        shown.latex("z")


def test_dict_keys_that_are_not_identifiers_are_written_upright_and_escaped():
    def weighted(p):
        return p["layer1.weight"] * p["50%"]

    shown = dk.symbolic_derivative(weighted, {"layer1.weight": 1.0, "50%": 2.0})
    latex = shown._repr_latex_()
    assert (r"\frac{\partial\, \mathrm{weighted}}{\partial \mathrm{layer1.weight}} &= \mathrm{50\%} \\ "
            r"\frac{\partial\, \mathrm{weighted}}{\partial \mathrm{50\%}} &= \mathrm{layer1.weight} \\ ") in latex
    assert shown.latex("50%") == r"\mathrm{layer1.weight}"
    assert "_{[" not in latex and "50%" not in latex.replace(r"50\%", "")
