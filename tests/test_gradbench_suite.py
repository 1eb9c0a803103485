"""The gradbench suite under the harness: its quick ladder runs with the suite's limits,
every problem's tape gradient matches the 50-digit reference, the symbolic methods
refuse the programs that branch on their inputs, and the report shows ADBench's ratio."""

import pytest

from diffkit.harness import build_report, load_suite, run_suite
from diffkit.harness.suites import GRADBENCH_LADDERS as LADDERS
from diffkit.harness.suites import gradbench_suite
from diffkit.harness.metrics import score
from diffkit.programs.benchmark import PROBLEMS


def test_the_full_suite_climbs_every_problems_ladder_with_every_method():
    full = load_suite("gradbench")
    assert set(LADDERS) == set(PROBLEMS)
    assert LADDERS["gmm"][0] == {"d": 2, "k": 2, "n": 10}
    methods = {c.method for c in full.cases}
    assert {"tape", "symbolic", "symbolic-tape", "forward-mode", "reference", "reference-check"} <= methods
    for case in full.cases:
        assert case.ladder.endswith("/" + case.method)  # each method climbs alone: a timeout stops only it
    assert len(full.cases) == sum(len(sizes) for sizes in LADDERS.values()) * len(methods)


@pytest.mark.slow
def test_quick_suite_runs_under_the_harness(tmp_path):
    quick = gradbench_suite(quick=True)
    assert quick.timeout == 10.0
    db = run_suite(quick, tmp_path, jobs=2, quiet=True)
    rows = score(db)
    db.close()
    by_case = {(r["program"], r["method"], r["settings"].get("inner")): r for r in rows}
    for problem in PROBLEMS:
        tape = by_case[(problem, "tape", "tape" if problem in ("saddle", "particle") else None)]
        assert tape["status"] == "ok", tape["reason"]
        assert tape["rel_error"] < 1e-10, problem
    for problem in ("ba", "particle"):  # a branch on the input's value
        assert by_case[(problem, "symbolic", "tape" if problem == "particle" else None)]["status"] == "unsupported"
    assert by_case[("kmeans", "fd-complex", None)]["status"] == "unsupported"  # min is not analytic
    written = build_report(tmp_path)
    text = (tmp_path / "index.md").read_text()
    assert "## Derivative time over objective time (ADBench's figure)" in text
    assert "| gmm(d=2, k=2, n=10) | 12 |" in text
    assert (tmp_path / "cost_ratios.png") in written
