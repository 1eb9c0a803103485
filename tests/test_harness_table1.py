"""Table 1 of Baydin et al. (2018): the logistic map's derivative, raw and simplified."""

import sympy

from diffkit.studies.fd_steps import fd_steps_data
from diffkit.studies.logistic import logistic_map
from diffkit.studies.table1 import table1_row

x = sympy.Symbol("x")


def _parse(text):
    return sympy.sympify(text, locals={"x": x})


def test_simplified_derivative_for_n4_is_the_papers_polynomial():
    row = table1_row(4)
    expected = 64 * (1 - 42 * x + 504 * x**2 - 2640 * x**3 + 7040 * x**4 - 9984 * x**5 + 7168 * x**6 - 2048 * x**7)
    assert sympy.expand(_parse(row["simplified"]) - expected) == 0
    # l(4) as the paper factors it
    assert sympy.expand(_parse(row["l"]) - 64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2) == 0
    # the raw derivative is the same function, only written out much larger
    assert sympy.expand(_parse(row["raw"]) - expected) == 0
    assert row["raw_tree_size"] > 3 * row["simplified_tree_size"]


def test_small_n_match_the_paper():
    assert _parse(table1_row(1)["simplified"]) == 1
    assert sympy.expand(_parse(table1_row(2)["simplified"]) - (4 - 8 * x)) == 0
    expected_3 = 16 * (1 - 10 * x + 24 * x**2 - 16 * x**3)
    assert sympy.expand(_parse(table1_row(3)["simplified"]) - expected_3) == 0


def test_expressions_are_printed_only_up_to_n4_but_sizes_go_on():
    row = table1_row(6)
    assert "raw" not in row and "simplified" not in row
    # l(n) has degree 2^(n-1); its raw derivative tree keeps growing faster than l(n)
    assert row["l_tree_size"] > 0 and row["raw_tree_size"] > 2 * row["l_tree_size"]


def test_logistic_map_definition():
    assert logistic_map(0.2, 1) == 0.2
    assert abs(logistic_map(0.2, 2) - 4 * 0.2 * 0.8) < 1e-15


def test_finite_difference_errors_have_the_two_regimes():
    data = fd_steps_data(n=4, x0=0.2, points=33)
    # l(4)'(0.2) from the paper's polynomial, written out by hand: 64 * p(0.2)
    p = 1 - 42 * 0.2 + 504 * 0.04 - 2640 * 0.008 + 7040 * 0.0016 - 9984 * 0.00032 + 7168 * 0.000064 - 2048 * 0.0000128
    assert abs(float(data["exact"]) - 64 * p) < 1e-9
    h, forward, central = data["h"], data["forward_error"], data["central_error"]
    # truncation: at h = 1e-4 forward error ~ h * |f''|/2, central error ~ h^2 * |f'''|/6, much smaller
    at = h.index(min(h, key=lambda v: abs(v - 1e-4)))
    assert central[at] < forward[at] / 100
    # round-off: at h = 1e-15 both are far worse than at their best step
    tiny = h.index(min(h, key=lambda v: abs(v - 1e-15)))
    assert forward[tiny] > 1000 * data["best_forward_error"]
    assert central[tiny] > 1000 * data["best_central_error"]
    # central differences are best at a larger step than forward differences, and better there
    assert data["best_central_h"] > data["best_forward_h"]
    assert data["best_central_error"] < data["best_forward_error"]
    assert data["method_errors"]["tape"] < 1e-13
