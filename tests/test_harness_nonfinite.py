"""Batch reports on gradients that are not finite, on overflowing errors, and on repeated names."""

import math

import pytest

from diffkit import errors
from diffkit.cli import main
from diffkit.harness.reference import max_difference
from diffkit.harness.suites import load_suite

# fd-central's step crosses 0 at 1e-7 (log of a negative number: a NaN gradient entry); at 709.5
# exp's second difference overflows finite differences' error estimates to about 1e303; the log of
# a negative number has no 50-digit reference.
NONFINITE_SUITE = '''
"""Gradients that are not finite."""
import numpy as np
import diffkit as dk
from diffkit import Program

METHODS = ["tape", "fd-central", "fd-forward"]

def logs(x):
    return dk.sum(dk.log(x))

def exps(x):
    return dk.sum(dk.exp(x))

PROGRAMS = [Program("logs", logs, (np.array([1e-7, 2.0]),)), Program("exps", exps, (np.array([709.5, 1.0]),)),
            Program("negative_logs", logs, (np.array([-1.0, 2.0]),))]  # a NaN value: no reference
'''


def test_a_non_finite_entry_against_a_finite_one_is_an_infinite_error():
    assert max_difference(["nan", "0.5"], ["1e7", "0.5"]) == (math.inf, math.inf)
    assert max_difference(["-inf", "1"], ["inf", "1"]) == (math.inf, math.inf)
    assert max_difference(["inf", "1"], ["inf", "1"]) == (0.0, 0.0)  # the same infinity: no difference
    assert max_difference(["1.0", "2.0"], ["1.0", "2.5"]) == (0.5, 0.2)


def test_a_report_ranks_a_nan_gradient_last_and_draws_an_overflowing_estimate(tmp_path):
    (tmp_path / "nonfinite.py").write_text(NONFINITE_SUITE)
    out = tmp_path / "out"
    assert main(["report", "--suite", str(tmp_path / "nonfinite.py"), "--out", str(out), "--jobs", "1",
                 "--min-time", "0", "--quiet"]) == 0
    page = (out / "index.md").read_text()
    accuracy = next(line for line in page.splitlines() if line.startswith("**Accuracy.**"))
    assert "fd-central inf" in accuracy and "and fd-central the least (worst case inf on logs)" in accuracy
    assert "tape was the most accurate" in accuracy
    assert "fd-central inf on logs" in page  # among the largest errors
    assert ("1 program(s) are not in the table, as their 50-digit reference failed (see Failures): "
            "negative_logs." in page)
    assert "negative_logs.</p>" in (out / "index.html").read_text()
    assert main(["report", "--from", str(out), "--quiet"]) == 0  # rebuilt from the database alike
    assert (out / "index.md").read_text().count("fd-central inf on logs") == 1


def test_two_programs_of_one_name_are_refused_before_any_case_runs(tmp_path):
    path = tmp_path / "twice.py"
    path.write_text('"""Twice."""\nfrom diffkit import Program\nMETHODS = ["tape"]\n'
                    'PROGRAMS = [Program("sq", abs, (3.0,)), Program("sq", abs, (4.0,))]\n')
    with pytest.raises(errors.InputError, match=r"^suite .*twice\.py holds two different programs named 'sq', and "
                                                r"the results would keep only one: give each its own name"):
        load_suite(str(path))
