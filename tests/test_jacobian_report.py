"""The Jacobian report: its studies' numbers, the Markdown it writes, the harness route and the CLI."""

import json

import numpy as np
import pytest

from diffkit.cli import main
from diffkit.harness.cases import Case
from diffkit.harness.worker import execute
from diffkit.studies.jacobian_programs import hessian_program, jacobian_shapes, least_squares, vector_program
from diffkit.studies.jacobian_report import unfinished_section, write_report
from diffkit.studies.jacobian_study import (
    COST_METHODS,
    HVP_METHODS,
    SWELL_METHODS,
    hessian_row,
    hessian_swell_row,
    hvp_row,
    jacobian_cost_row,
    reference_hessian,
    swell_row,
)
from diffkit.studies.jacobian_suite import SWELL, data_from_rows


@pytest.fixture(scope="module")
def small_data():
    program = hessian_program("logistic map x4")
    reference = reference_hessian(program)
    return {
        "jacobian_cost": [jacobian_cost_row(regime, n, m, method, repeats=1)
                          for regime, n, m in jacobian_shapes((2, 16)) for method in COST_METHODS],
        "hessian": [hessian_row(program, method, repeats=1, reference=reference) for method in
                    ("forward-over-reverse", "reverse-over-reverse", "symbolic", "fd-central")],
        "swell": [swell_row(depth, method) for depth in (1, 2) for method in SWELL_METHODS],
        "hessian_swell": [hessian_swell_row(1)],
        "hvp": [hvp_row(n, method, repeats=1) for n in (4, 8) for method in HVP_METHODS[:3]],
        "quick": True,
    }


def test_vector_program_has_the_promised_shape():
    program = vector_program(5, 3)
    assert program.function(*program.args).shape == (3,)
    assert program.num_params == 5


def test_reference_hessian_of_least_squares_is_two_xtx_over_n():
    program = least_squares(3)
    w, X, y = program.args
    np.testing.assert_allclose(reference_hessian(program), 2 * X.T @ X / X.shape[0], rtol=1e-15, atol=1e-15)


def test_cost_rows_count_the_passes_of_each_mode(small_data):
    rows = {(r["regime"], r["n"], r["m"], r["method"]): r for r in small_data["jacobian_cost"]}
    assert rows["n >> m", 16, 2, "tape"]["passes"] == 2
    assert rows["n >> m", 16, 2, "forward-mode"]["passes"] == 16
    assert rows["n << m", 2, 16, "tape"]["passes"] == 16
    assert rows["n << m", 2, 16, "forward-mode"]["passes"] == 2
    assert rows["n = m", 16, 16, "fd-central"]["passes"] == 1 + 7 + 4 * 16  # f(x), its noise, x +- h, h/2
    assert max(r["max_abs_diff_vs_tape"] for r in small_data["jacobian_cost"]) < 1e-8


def test_hessian_rows_are_accurate_against_50_digits(small_data):
    errors = {r["method"]: r["max_rel_error"] for r in small_data["hessian"]}
    assert errors["forward-over-reverse"] < 1e-14
    assert errors["reverse-over-reverse"] < 1e-14
    assert errors["symbolic"] < 1e-14
    assert 1e-12 < errors["fd-central"] < 1e-4  # second differences: about eps^(1/2) at best


def test_hvp_rows_meet_the_exact_product(small_data):
    for row in small_data["hvp"]:
        tolerance = 1e-6 if row["method"] == "fd-central" else 1e-14
        assert row["max_rel_error"] < tolerance, row


def test_symbolic_tape_derivative_dag_is_not_larger_than_symbolic(small_data):
    at_depth_2 = {r["method"]: r for r in small_data["swell"] if r["depth"] == 2}
    assert at_depth_2["symbolic-tape"]["derivative_dag_size"] <= at_depth_2["symbolic"]["derivative_dag_size"]
    assert at_depth_2["symbolic"]["derivative_tree_size"] == at_depth_2["symbolic-cse"]["derivative_tree_size"]


@pytest.fixture(scope="module")
def report_folder(small_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("jacobian-report")
    write_report(small_data, folder)
    return folder


def test_report_is_written_with_its_sections_and_plots(small_data, report_folder):
    tmp_path = report_folder
    text = (tmp_path / "index.md").read_text()
    for heading in ("## Jacobians", "## Hessians", "### The symbolic Hessian's swell", "### Hessian-vector", "## Swell"):
        assert heading in text
    figures = ("jacobian_cost.png", "hessian_accuracy_cost.png", "hessian_swell.png", "hvp_cost.png", "swell_symbolic_tape.png")
    for figure in figures:
        assert (tmp_path / figure).stat().st_size > 1000
        assert f"({figure})" in text
    assert "n &gt;&gt; m, n = 16, m = 2:" in text  # Markdown's entity for ">", as on every page
    html = (tmp_path / "index.html").read_text()
    assert "n &gt;&gt; m, n = 16, m = 2:" in html and '<nav class="toc"' in html
    for figure in figures:
        assert f'<a href="{figure}"><img src="{figure}"' in html and (tmp_path / figure).with_suffix(".svg").exists()
    assert json.loads((tmp_path / "data.json").read_text())["jacobian_cost"] == small_data["jacobian_cost"]


def test_from_data_rebuilds_the_page(report_folder, capsys):
    original = (report_folder / "index.md").read_text()
    (report_folder / "index.md").unlink()
    assert main(["jacobian-report", "--from-data", "--out", str(report_folder)]) == 0
    assert (report_folder / "index.md").read_text() == original


def test_from_data_without_data_names_the_fix(tmp_path, capsys):
    assert main(["jacobian-report", "--from-data", "--out", str(tmp_path / "empty")]) == 2
    assert "data.json does not exist; run `diffkit jacobian-report` without --from-data" in capsys.readouterr().err


def test_harness_worker_runs_a_jacobian_study_case():
    case = Case("jacobian-cost", "study", {"regime": "n >> m", "n": 4, "m": 2, "method": "forward-mode"}, kind="study")
    row = execute(case)
    assert row["status"] == "ok"
    assert row["data"]["passes"] == 4


def test_rows_from_the_database_become_report_data(small_data):
    rows = [{"program": SWELL, "status": "ok", "data": r} for r in reversed(small_data["swell"])]
    rows.append({"program": SWELL, "status": "timeout", "settings": {"depth": 9, "method": "symbolic"},
                 "reason": "hit the 60 s limit", "data": None})
    rows.append({"program": "table1", "status": "ok", "data": {"n": 1}})  # another suite's study: ignored
    data = data_from_rows(rows)
    assert [(r["depth"], r["method"]) for r in data["swell"]] == [
        (d, m) for d in (1, 2) for m in ("symbolic", "symbolic-cse", "symbolic-tape")
    ]
    assert data["not_finished"][0]["status"] == "timeout"
    section = unfinished_section(data)
    assert section.title == "Cases that did not finish" and "hit the 60 s limit" in section.markdown()


def test_unknown_hessian_program_is_an_input_error():
    from diffkit import InputError

    with pytest.raises(InputError, match="no Hessian program named 'nope'"):
        hessian_program("nope")


def test_report_suite_jacobian_writes_the_jacobian_page_from_its_database(tmp_path, monkeypatch, capsys):
    """``diffkit report --suite jacobian`` runs the studies as harness cases and writes the
    Jacobian report (not the generic harness page), and ``--from`` rebuilds it from the database."""
    from diffkit.studies import jacobian_suite
    from diffkit.harness.suites import Suite

    def small_suite(quick=False):
        few = jacobian_suite.cases(sizes=(2,), swell_depths=range(1, 2), hessian_depths=range(1, 2), hvp_sizes=(4,))
        few = [c for c in few if c.program != jacobian_suite.HESSIAN_METHODS_STUDY]
        return Suite(jacobian_suite.NAME, "Jacobian studies" + jacobian_suite.QUICK_NOTE, few, timeout=60.0)

    monkeypatch.setattr(jacobian_suite, "suite", small_suite)
    out = tmp_path / "jacobian"
    assert main(["report", "--suite", "jacobian", "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str((out / "index.html").resolve())
    page = (out / "index.md").read_text()
    assert page.startswith("# Forward mode, Jacobians and second derivatives")
    assert "_Quick run: small sizes only._" in page and "isolated harness case" in page
    data = json.loads((out / "data.json").read_text())
    assert {(r["regime"], r["n"], r["m"], r["method"]) for r in data["jacobian_cost"]} == {
        (regime, 2, 2, method) for regime in ("n >> m", "n << m", "n = m") for method in COST_METHODS
    }
    assert [r["depth"] for r in data["swell"]] == [1] * len(SWELL_METHODS)
    assert data["hessian"] == [] and data["not_finished"] == []
    assert "_No measurement of this kind finished" in page  # the Hessian methods study was left out

    (out / "index.md").unlink()
    assert main(["report", "--from", str(out)]) == 0
    assert (out / "index.md").read_text() == page


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_harness_jobs_below_one_is_refused_before_running_anything(tmp_path, capsys, jobs):
    out = tmp_path / "jacobian"
    assert main(["jacobian-report", "--harness", "--jobs", jobs, "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"diffkit: error: --jobs must be at least 1, got {jobs}\n"
    assert not out.exists()


REMEASURE = "rerun `diffkit jacobian-report` without --from-data to measure again"


@pytest.mark.parametrize(
    "content, problem",
    [
        ("", "is empty"),
        ("\n", "is empty"),
        ('{"jacobian_cost": [', "is not valid JSON (Expecting value: line 1 column 20 (char 19))"),
        ("[]", "is not the Jacobian report's data: it holds a JSON array, not an object of studies"),
        ("{}", "is not the Jacobian report's data: it has no 'jacobian_cost' list"),
        ('{"jacobian_cost": {}, "hessian": [], "swell": [], "hessian_swell": []}',
         "is not the Jacobian report's data: its 'jacobian_cost' is a JSON object, not a list of rows"),
        ('{"jacobian_cost": [], "hessian": [], "swell": [], "hessian_swell": [], "hvp": [3]}',
         "is not the Jacobian report's data: hvp[0] is a JSON number, not an object"),
        ('{"jacobian_cost": [{"regime": "n = m", "n": 2, "m": 2, "method": "tape", "passes": 2}],'
         ' "hessian": [], "swell": [], "hessian_swell": []}',
         "is not the Jacobian report's data: jacobian_cost[0] has no 'seconds'"),
    ],
)
def test_from_data_with_a_malformed_data_file_names_the_file_and_the_fix(tmp_path, capsys, content, problem):
    (tmp_path / "data.json").write_text(content)
    assert main(["jacobian-report", "--from-data", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"diffkit: error: {tmp_path / 'data.json'} {problem}; {REMEASURE}\n"
    assert (tmp_path / "data.json").read_text() == content  # left as it was
    assert not (tmp_path / "index.md").exists()


def test_from_data_that_is_not_text_or_not_a_file(tmp_path, capsys):
    (tmp_path / "data.json").write_bytes(b"\xff\xfe\x00")
    assert main(["jacobian-report", "--from-data", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"diffkit: error: {tmp_path / 'data.json'} is not a text file; {REMEASURE}\n"
    (tmp_path / "data.json").unlink()
    (tmp_path / "data.json").mkdir()
    assert main(["jacobian-report", "--from-data", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"diffkit: error: cannot read {tmp_path / 'data.json'} (Is a directory); {REMEASURE}\n"
    )


def test_from_data_beside_a_harness_database_also_names_the_resume_fix(tmp_path, capsys):
    (tmp_path / "data.json").write_text("{")
    (tmp_path / "results.sqlite").write_bytes(b"")
    assert main(["jacobian-report", "--from-data", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.endswith(
        f"; {REMEASURE} (with --harness --resume to rebuild it from the finished cases in results.sqlite)\n"
    )


def test_from_data_with_empty_studies_writes_a_page_of_notes(tmp_path):
    data = {"jacobian_cost": [], "hessian": [], "swell": [], "hessian_swell": []}
    (tmp_path / "data.json").write_text(json.dumps(data))
    assert main(["jacobian-report", "--from-data", "--out", str(tmp_path)]) == 0
    assert "_No measurement of this kind finished" in (tmp_path / "index.md").read_text()


def test_in_process_run_records_a_failing_measurement_and_goes_on(tmp_path, monkeypatch, capsys):
    """Without --harness every measurement runs in this process: one that raises becomes a
    "not_finished" row (status "error", its message) and the others are still measured and written."""
    from diffkit.studies import jacobian_study

    real_cost_row, real_hvp_row, real_swell_row = (
        jacobian_study.jacobian_cost_row, jacobian_study.hvp_row, jacobian_study.swell_row
    )

    def cost_row(regime, n, m, method, repeats=3):
        if (regime, n, method) == ("n = m", 8, "fd-central"):
            raise ValueError("injected cost failure")
        return real_cost_row(regime, n, m, method, repeats)

    def hvp_row(n, method, repeats=3):
        if method == "symbolic":
            raise RuntimeError(f"injected hvp failure at n={n}")
        return real_hvp_row(n, method, repeats)

    def swell_row(depth, method):
        if (depth, method) == (1, "symbolic-cse"):
            raise KeyError("injected")
        return real_swell_row(depth, method)

    monkeypatch.setattr(jacobian_study, "jacobian_cost_row", cost_row)
    monkeypatch.setattr(jacobian_study, "hvp_row", hvp_row)
    monkeypatch.setattr(jacobian_study, "swell_row", swell_row)
    monkeypatch.setattr(jacobian_study, "hessian_programs", lambda: [hessian_program("logistic map x4")])
    out = tmp_path / "jacobian"
    assert main(["jacobian-report", "--quick", "--out", str(out)]) == 0
    assert "failed: ValueError: injected cost failure" in capsys.readouterr().out

    data = json.loads((out / "data.json").read_text())
    assert data["not_finished"] == [
        {"study": "jacobian-cost", "settings": '{"m":8,"method":"fd-central","n":8,"regime":"n = m"}',
         "status": "error", "reason": "ValueError: injected cost failure"},
        {"study": "hvp-cost", "settings": '{"method":"symbolic","n":4}', "status": "error",
         "reason": "RuntimeError: injected hvp failure at n=4"},
        {"study": "hvp-cost", "settings": '{"method":"symbolic","n":8}', "status": "error",
         "reason": "RuntimeError: injected hvp failure at n=8"},
        {"study": "symbolic-tape-swell", "settings": '{"depth":1,"method":"symbolic-cse"}', "status": "error",
         "reason": "KeyError: 'injected'"},
    ]
    # everything else was measured: 3 sizes x 3 regimes x 3 methods, less the one that failed
    assert len(data["jacobian_cost"]) == 3 * 3 * 3 - 1
    assert ("n = m", 8, "fd-central") not in {(r["regime"], r["n"], r["method"]) for r in data["jacobian_cost"]}
    assert [r["method"] for r in data["hessian"]] == ["forward-over-reverse", "reverse-over-reverse", "symbolic",
                                                      "fd-central"]
    assert [(r["n"], r["method"]) for r in data["hvp"]] == [
        (n, m) for n in (4, 8) for m in ("forward-over-reverse", "reverse-over-reverse", "fd-central")
    ]
    assert [(r["depth"], r["method"]) for r in data["swell"]] == [
        (1, "symbolic"), (1, "symbolic-tape"), (2, "symbolic"), (2, "symbolic-cse"), (2, "symbolic-tape")
    ]
    page = (out / "index.md").read_text()
    assert "## Cases that did not finish" in page
    assert '| jacobian-cost | {"m":8,"method":"fd-central","n":8,"regime":"n = m"} | error | ' \
           "ValueError: injected cost failure |" in page


def test_a_failing_reference_hessian_records_every_method_of_that_program(tmp_path, monkeypatch):
    from diffkit.harness import run_suite
    from diffkit.harness.suites import Suite
    from diffkit.studies import jacobian_study, jacobian_suite

    def no_reference(program):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(jacobian_study, "hessian_programs", lambda: [hessian_program("logistic map x4")])
    monkeypatch.setattr(jacobian_study, "reference_hessian", no_reference)
    hessian_cases = [c for c in jacobian_suite.cases() if c.program == jacobian_suite.HESSIAN_METHODS_STUDY]
    suite = Suite(jacobian_suite.NAME, "Hessian methods", hessian_cases)
    rows = run_suite(suite, tmp_path, quiet=True, in_process=True).rows()
    data = jacobian_suite.data_from_rows(rows)
    assert data["hessian"] == []
    assert [(r["settings"], r["status"], r["reason"]) for r in data["not_finished"]] == [
        (f'{{"method":"{method}","program":"logistic map x4"}}', "error", "ZeroDivisionError: float division by zero")
        for method in ("forward-over-reverse", "reverse-over-reverse", "symbolic", "fd-central")
    ]
    # measured on its own (not as a harness case), a row lets the error through
    with pytest.raises(ZeroDivisionError, match="float division by zero"):
        jacobian_study.hessian_row("logistic map x4", "symbolic", repeats=1)


def test_in_process_study_names_are_the_harness_suite_names():
    from diffkit.studies import jacobian_study, jacobian_suite

    for name in ("JACOBIAN_COST", "HESSIAN_METHODS_STUDY", "SWELL", "HESSIAN_SWELL", "HVP"):
        assert getattr(jacobian_study, name) == getattr(jacobian_suite, name)


def cost_row(regime, n, m, method, seconds, passes):
    return {"regime": regime, "n": n, "m": m, "method": method, "seconds": seconds, "passes": passes}


def test_winner_sentences_name_the_fastest_measured_method_at_the_largest_size():
    from diffkit.studies.jacobian_report import _winner_sentences

    rows = [
        cost_row("n = m", 2, 2, "tape", 0.001, 2),  # a smaller size: not the one the sentence is about
        cost_row("n = m", 1024, 1024, "tape", 0.138, 1024),
        cost_row("n = m", 1024, 1024, "forward-mode", 0.137, 1024),
        cost_row("n = m", 1024, 1024, "fd-central", 0.0966, 2049),
        cost_row("n >> m", 1024, 2, "tape", 0.0002, 2),
        cost_row("n >> m", 1024, 2, "forward-mode", 0.1, 1024),
        cost_row("n >> m", 1024, 2, "fd-central", 0.05, 2049),
    ]
    assert _winner_sentences({"jacobian_cost": rows}).split("\n") == [
        "- n >> m, n = 1024, m = 2: reverse mode (tape) is the fastest (2.00e-04 s, 2 backward passes); "
        "fd-central takes 250x as long (0.05 s, 2049 evaluations) and forward mode 500x as long "
        "(0.1 s, 1024 forward passes).",
        # 0.137 / 0.0966 = 1.418 and 0.138 / 0.0966 = 1.429; 0.138 / 0.137 is within 10%
        "- n = m, n = 1024, m = 1024: fd-central is the fastest (0.0966 s, 2049 evaluations); forward mode "
        "takes 1.4x as long (0.137 s, 1024 forward passes) and reverse mode (tape) 1.4x as long "
        "(0.138 s, 1024 backward passes). Forward and reverse mode are about as fast as each other.",
    ]


def test_winner_sentences_call_times_within_ten_percent_about_as_fast():
    from diffkit.studies.jacobian_report import _winner_sentences

    rows = [
        cost_row("n = m", 64, 64, "tape", 0.0105, 64),  # 5% slower than forward mode: a tie, not "1.0x faster"
        cost_row("n = m", 64, 64, "forward-mode", 0.01, 64),
        cost_row("n << m", 2, 64, "tape", 0.02, 64),
        cost_row("n << m", 2, 64, "forward-mode", 0.00108, 2),  # 8% slower than fd-central
        cost_row("n << m", 2, 64, "fd-central", 0.001, 5),
    ]
    text = _winner_sentences({"jacobian_cost": rows})
    assert text.split("\n") == [
        "- n << m, n = 2, m = 64: fd-central and forward mode are the fastest, about as fast as each other "
        "(fd-central 0.001 s, 5 evaluations; forward mode 0.00108 s, 2 forward passes); reverse mode (tape) "
        "takes 20x as long (0.02 s, 64 backward passes). Forward mode is 19x faster than reverse mode.",
        "- n = m, n = 64, m = 64: forward mode and reverse mode (tape) are the fastest, about as fast as each "
        "other (forward mode 0.01 s, 64 forward passes; reverse mode (tape) 0.0105 s, 64 backward passes).",
    ]
    assert "1.0x" not in text


def test_winner_sentence_with_one_measured_method_claims_no_winner():
    from diffkit.studies.jacobian_report import _winner_sentences

    rows = [cost_row("n >> m", 512, 2, "tape", 0.0003, 2)]
    assert _winner_sentences({"jacobian_cost": rows}) == (
        "- n >> m, n = 512, m = 2: only reverse mode (tape) was measured (3.00e-04 s, 2 backward passes)."
    )
