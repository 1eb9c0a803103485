"""The built-in suites and user suites: which cases they hold and how they are ordered."""

from collections import Counter

import pytest

import diffkit as dk
from diffkit.errors import UnknownMethodError
from diffkit.harness import load_suite
from diffkit.harness.cases import Case, resolve_program
from diffkit.harness.executor import _Ladders
from diffkit.programs import zoo


def test_lectures_suite_runs_every_lecture_program_with_every_method():
    suite = load_suite("lectures")
    lectures = [p.name for p in zoo("lecture")]
    per_program = Counter(case.program for case in suite.cases)
    assert set(per_program) == set(lectures)
    assert set(per_program.values()) == {len(dk.methods()) + 2}  # + reference and reference-check


def test_standard_suite_holds_lectures_sweeps_loops_and_studies():
    suite = load_suite()
    assert suite.name == "standard"
    ids = [case.id for case in suite.cases]
    assert len(ids) == len(set(ids))
    programs = {case.program for case in suite.cases}
    assert {p.name for p in zoo("lecture")} <= programs
    assert {"mlp", "logistic-map", "tanh-rnn", "unrolled-gd", "halving-loop", "babylonian-sqrt",
            "piecewise", "table1", "fd-steps"} <= programs
    depths = {c.settings["depth"] for c in suite.cases if c.program == "mlp" and c.method == "tape"}
    assert {1, 2, 3, 4, 5, 6} <= depths
    # symbolic stops early on a sweep, the tape goes on, and every symbolic rung is on a ladder
    symbolic_depths = {c.settings["depth"] for c in suite.cases
                       if c.program == "mlp" and c.method == "symbolic" and c.settings.get("width") == 2}
    assert symbolic_depths == {1, 2, 3}
    assert all(c.ladder for c in suite.cases if c.method == "symbolic" and c.program == "logistic-map")
    assert not any(c.ladder for c in suite.cases if c.method == "tape")
    # every case names a program the zoo can build
    for case in suite.cases:
        if case.kind == "gradient" and case.method == "tape":
            assert resolve_program(case).name == case.program


def test_restricting_methods_keeps_the_reference_and_names_unknown_ones():
    suite = load_suite("lectures").restrict(["tape"])
    assert {c.method for c in suite.cases} == {"reference", "tape"}
    with pytest.raises(UnknownMethodError, match="no differentiation method named sybmolic"):
        load_suite("lectures").restrict(["sybmolic"])


def test_a_user_suite_from_a_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(
        '"""My networks."""\n'
        "from diffkit.programs.program import Program\n"
        "METHODS = ['tape']\nTIMEOUT = 7\n"
        "def square(x):\n    return x * x\n"
        "PROGRAMS = [Program('sq', square, (3.0,), settings={'k': k}) for k in (1, 2)]\n"
    )
    suite = load_suite(str(path))
    assert (suite.name, suite.description, suite.timeout) == ("mine", "My networks", 7.0)
    assert [c.id for c in suite.cases] == ['sq{"k":1}/reference', 'sq{"k":1}/tape',
                                           'sq{"k":2}/reference', 'sq{"k":2}/tape']
    assert resolve_program(suite.cases[3]).settings == {"k": 2}


def test_ladder_skips_larger_rungs_after_a_limit():
    rungs = [Case("p", "symbolic", {"n": n}, ladder="p/symbolic", rung=n) for n in range(4)]
    ladders = _Ladders(rungs, [])
    first, blocking = ladders.next("p/symbolic")
    assert first.rung == 0 and blocking is None
    ladders.finished({"ladder": "p/symbolic", "status": "ok", "case_id": first.id})
    second, blocking = ladders.next("p/symbolic")
    assert second.rung == 1 and blocking is None
    ladders.finished({"ladder": "p/symbolic", "status": "timeout", "case_id": second.id})
    third, blocking = ladders.next("p/symbolic")
    assert third.rung == 2 and blocking["status"] == "timeout"
