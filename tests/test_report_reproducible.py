"""Two runs give the same accuracy and statuses; what may flip between runs is said so."""

import sqlite3

import pytest

from diffkit.cli import main
from diffkit.harness.analysis import near_limit, shorten_numbers, symbolic_stops


def _accuracy_and_status(folder):
    with sqlite3.connect(folder / "results.sqlite") as connection:
        rows = connection.execute("SELECT case_id, status, reason, grad, grad_text, rel_error, abs_error "
                                  "FROM cases ORDER BY case_id").fetchall()
    connection.close()
    return rows


@pytest.mark.slow
def test_two_runs_of_the_lectures_suite_give_identical_accuracy_and_statuses(tmp_path):
    # each run's workers are fresh processes with their own hash seeds: nothing may depend on set order
    for name in ("first", "second"):
        assert main(["report", "--suite", "lectures", "--out", str(tmp_path / name), "--jobs", "2", "--quiet",
                     "--min-time", "0"]) == 0
    first, second = _accuracy_and_status(tmp_path / "first"), _accuracy_and_status(tmp_path / "second")
    assert len(first) == 165
    assert first == second  # gradients, 50-digit references, errors, statuses and reasons alike
    # and so are the report's accuracy tables, which are made from them alone
    section = lambda folder: (folder / "index.md").read_text().split("## Accuracy")[1].split("## Reference")[0]
    assert section(tmp_path / "first") == section(tmp_path / "second")


def _row(status="ok", took=1.0, limit=10.0, method="symbolic", **settings):
    return {"status": status, "wall_seconds": took, "timeout": limit, "method": method, "program": "p",
            "settings": settings, "case_id": f"p{settings}/{method}", "reason": ""}


def test_a_case_within_a_fifth_of_its_limit_is_near_the_limit():
    rows = [_row(took=7.9), _row(took=8.0, n=2), _row(took=9.9, n=3), _row("timeout", took=10.0, n=4),
            _row(took=9.0, limit=None, n=5)]
    assert [(n["program"], n["seconds"]) for n in near_limit(rows)] == [("p(n=2)", 8.0), ("p(n=3)", 9.9)]


def test_the_sweep_says_where_and_why_symbolic_stopped():
    rows = [_row(depth=d) for d in (1, 2)]
    rows.append(dict(_row("timeout", depth=3), reason="no result within the time limit of 10 s"))
    rows.append(dict(_row("skipped", depth=4), reason="not run"))
    rows += [_row(method="tape", depth=d) for d in (1, 2, 3, 4, 5)]
    rows += [_row(method="symbolic-tape", depth=d) for d in (1, 2)]  # the suite stops it at depth 2
    stops = {stop["method"]: stop for stop in symbolic_stops({"parameter": "depth", "rows": rows})}
    assert stops["symbolic"]["at"] == 3 and stops["symbolic"]["status"] == "timeout"
    assert stops["symbolic"]["sentence"] == ("symbolic stopped at depth = 3 (timeout: no result within the time "
                                             "limit of 10 s); larger sizes were not run")
    assert stops["symbolic-tape"]["status"] == "not run" and stops["symbolic-tape"]["at"] == 2
    assert "tape" not in stops  # it builds no expressions, so it never stops for swell


def test_long_numbers_in_a_reason_are_shortened():
    reason = "gradient 0.33333333333333333333333333333333333333333333333333 at step 1e-06, line 12"
    assert shorten_numbers(reason) == "gradient 0.3333… at step 1e-06, line 12"
