"""dk.check_value: the matrix product printed in seed 002 (example 7) is not x W."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.check import CORRECT, WRONG

X7 = np.array([[2.0, 1.0, -3.0], [-3.0, 4.0, 2.0]])
W7 = np.array([[3.0, 2.0, 1.0, -1.0], [2.0, 1.0, 3.0, 2.0], [3.0, 2.0, 1.0, -2.0]])
PRINTED_Y = [[13, 9, -2, -6], [5, 2, 17, 1]]  # as printed in the notes
TRUE_Y = [[-1, -1, 2, 6], [5, 2, 11, 7]]  # row by column, by hand: 2*3 + 1*2 - 3*3 = -1, ...


def matmul(x, W):
    return x @ W


def test_printed_product_disagrees_with_x_times_w():
    report = dk.check_value(matmul, PRINTED_Y, X7, W7, name="y")
    assert not report and report.verdict == WRONG
    assert report.wrong_entries == ["y[0,0]", "y[0,1]", "y[0,2]", "y[0,3]", "y[1,2]", "y[1,3]"]
    assert report.entry("y[1,0]").verdict == CORRECT and report.entry("y[1,1]").verdict == CORRECT
    first = report.entry("y[0,0]")
    assert (first.yours, first.references["diffkit"], first.abs_error) == (13.0, -1.0, 14.0)
    assert "value check of matmul: WRONG" in report.text()


def test_true_product_passes():
    report = dk.check_value(matmul, TRUE_Y, X7, W7, name="y")
    assert report and report.verdict == CORRECT


def test_shape_mismatch_is_a_finding():
    report = dk.check_value(matmul, np.array(TRUE_Y).T, X7, W7, name="y")
    assert not report
    assert report.all_findings == ["your y has shape (4, 2); matmul gives shape (2, 4): transposed?"]


def test_value_of_the_lecture_graph():
    report = dk.check_value(lambda x, y, z: (x + y) * z, -12, -2.0, 5.0, -4.0)
    assert report and report.entry("value").yours == -12.0


def test_non_function_is_an_input_error():
    with pytest.raises(dk.InputError, match="check_value needs the function"):
        dk.check_value(TRUE_Y, TRUE_Y, X7, W7)


def test_invalid_tolerances_are_input_errors():
    with pytest.raises(dk.InputError, match=r"^atol must be a non-negative number .*; got 'a'$"):
        dk.check_value(matmul, TRUE_Y, X7, W7, atol="a")
    with pytest.raises(dk.InputError, match=r"^rtol must be a positive number .*; got -1$"):
        dk.check_value(matmul, TRUE_Y, X7, W7, rtol=-1)
    assert dk.check_value(matmul, TRUE_Y, X7, W7, atol=0)


def test_an_infinite_value_is_wrong_however_large_its_own_rounding():
    wrong = np.array(TRUE_Y, dtype=float)
    wrong[0, 0] = np.inf
    report = dk.check_value(matmul, wrong, X7, W7, name="y")
    assert not report and report.wrong_entries == ["y[0,0]"]


def test_a_value_with_an_imaginary_part_is_a_finding_not_dropped():
    # Before, NumPy's cast dropped the imaginary part and 2 + 1j passed as 2
    report = dk.check_value(lambda x: x * 2, np.array([2.0 + 1j, 2.0]), np.ones(2))
    assert not report.passed
    assert report.arguments[0].findings == ["your value has complex entries; <lambda> gives real numbers"]
    assert dk.check_value(lambda x: x * 2, np.array([2.0 + 0j, 2.0]), np.ones(2)).passed


def test_a_program_returning_values_of_several_shapes_is_named():
    with pytest.raises(dk.InputError, match=r"<lambda> returned a tuple of values with different shapes; "
                                            r"check_value compares one array"):
        dk.check_value(lambda x: (x, 1.0), [np.ones(2), 1.0], np.ones(2))


def test_a_ragged_expected_value_is_a_finding():
    report = dk.check_value(lambda x: x, [[1.0], [1.0, 2.0]], np.ones(2))
    assert not report.passed and report.arguments[0].findings[0].startswith("your value is not an array of numbers")


def test_a_tiny_value_twice_too_large_is_wrong():
    # 2e-40 against 1e-40: relative error 0.5, far above the wrong band, however small both are
    report = dk.check_value(lambda x: x * 1e-40, np.array([2e-40]), np.array([1.0]))
    assert not report and report.wrong_entries == ["value[0]"]
    assert report.arguments[0].rel_errors[0] == 0.5
    assert dk.check_value(lambda x: x * 1e-40, np.array([1e-40]), np.array([1.0]))
    assert dk.check_value(lambda x: x * 0.0, np.array([0.0]), np.array([1.0]))  # 0 against 0
