"""dk.compare: every method on one function, as text, as HTML (also in a real kernel), as a plot."""

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import diffkit as dk
from diffkit.errors import UnknownMethodError


def lecture_example(x, y, z):
    return (x + y) * z


def halving(x):
    while dk.abs(x) > 5:
        x = x / 2
    return x * x


def test_compare_holds_every_method_with_errors_against_the_reference():
    comparison = dk.compare(lecture_example, -2.0, 5.0, -4.0, argnums=(0, 1, 2))
    assert [row["method"] for row in comparison.rows] == dk.methods()
    assert comparison["tape"]["grad"] == [-4.0, -4.0, 3.0]  # lecture example 1
    assert comparison["symbolic"]["rel_error"] == 0.0
    assert 0 < comparison["fd-central"]["rel_error"] < 1e-8
    assert comparison["fd-central"]["evaluations"] == 1 + 7 + 4 * 3  # f(x), the noise line, x +- h and h/2
    assert comparison["tape"]["ratio"] > 0
    text = str(comparison)
    assert text.splitlines()[0].startswith("lecture_example: gradient with respect to x, y, z")
    assert all(name in text for name in dk.methods())
    html = comparison._repr_html_()
    assert html.count("<tr>") == len(dk.methods()) + 1 and "<th>rel. error</th>" in html


def test_compare_records_unsupported_methods_with_their_reason():
    comparison = dk.compare(halving, 37.0, methods=["tape", "symbolic", "fd-complex"])
    assert comparison["tape"]["grad"] == [2 * 37 / 64]
    assert comparison["tape"]["rel_error"] == 0.0
    assert comparison["symbolic"]["status"] == "unsupported"
    assert comparison["fd-complex"]["status"] == "unsupported"
    assert "symbolic: the program branches on a symbolic value" in str(comparison)


def test_compare_times_symbolic_gradients_with_the_methods_own_compiled_code():
    # Regression: dk.compare compiled the symbolic expressions again by itself, without the
    # method's DiracDelta-as-0 rule, and failed with "name 'DiracDelta' is not defined".
    step_times_x = lambda x: dk.sum(dk.heaviside(x) * x)  # noqa: E731
    comparison = dk.compare(step_times_x, np.array([1.0, -2.0]))
    for name in ("symbolic", "symbolic-cse", "symbolic-tape"):
        assert comparison[name]["status"] == "ok", comparison[name]
        assert comparison[name]["grad"] == [1.0, 0.0]  # heaviside(x) + x * 0 (no gradient through the step)
        assert comparison[name]["repeats"] >= 1
    assert comparison["fd-complex"]["status"] == "unsupported"


def test_compare_plot_is_a_figure_with_two_panels():
    figure = dk.compare(lecture_example, -2.0, 5.0, -4.0, argnums=(0, 1, 2), methods=["tape", "fd-forward"]).plot()
    left, right = figure.axes
    assert [t.get_text() for t in left.get_xticklabels()] == ["tape", "fd-forward"]
    assert left.get_yscale() == "log" and right.get_yscale() == "log"


def test_unknown_method_is_named():
    with pytest.raises(UnknownMethodError, match="no differentiation method named 'taep'"):
        dk.compare(lecture_example, -2.0, 5.0, -4.0, methods=["taep"])


def test_compare_displays_as_an_html_table_in_a_jupyter_kernel():
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import diffkit as dk\n"
        "def f(x, y, z):\n"
        "    return (x + y) * z\n"
        "dk.compare(f, -2.0, 5.0, -4.0, argnums=(0, 1, 2), methods=['tape', 'symbolic'])"
    ))
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    output = notebook.cells[0].outputs[0]
    assert output["output_type"] == "execute_result"
    assert "<table>" in output["data"]["text/html"]
    assert "tape" in output["data"]["text/plain"]


def test_a_method_not_in_the_comparison_is_an_unknown_method_error_with_a_suggestion():
    comparison = dk.compare(lambda x: dk.sum(x**2), np.ones(2))
    with pytest.raises(dk.UnknownMethodError, match=r"no method 'tapee' in this comparison \(did you mean 'tape'\?\)"):
        comparison["tapee"]


@pytest.mark.parametrize("methods", ([], 5))
def test_methods_that_name_no_method_are_refused(methods):
    with pytest.raises(dk.InputError, match=r"methods must name at least one method"):
        dk.compare(lambda x: dk.sum(x**2), np.ones(2), methods=methods)
