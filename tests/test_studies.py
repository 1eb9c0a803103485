"""Registered studies: each runs its cases through the harness in this process and writes its part
of the report; a study declared in a user's suite module goes through the same harness unchanged;
the harness, the report and the command line know no study by name."""

import json
import os
import re
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

from diffkit.cli import main
from diffkit.errors import InputError
from diffkit.harness import build_report, run_suite
from diffkit.harness.database import ResultsDB
from diffkit.harness.suites import Suite, load_suite
from diffkit.harness import studies as registry
from diffkit.harness.studies import Study, get_study, page_of, register_study, studies

x = sympy.Symbol("x")
ROOT = Path(__file__).resolve().parent.parent / "diffkit"


@pytest.fixture
def clean_registry(monkeypatch):
    """Studies registered by a test are forgotten after it."""
    monkeypatch.setattr(registry, "_STUDIES", dict(registry._STUDIES))


def _run(cases, folder, name="studies", timeout=30.0):
    run_suite(Suite(name, "studies run in this process", cases, timeout=timeout), folder,
              quiet=True, in_process=True).close()
    return build_report(folder)


def test_the_built_in_studies_are_registered_with_their_cases():
    assert [study.name for study in studies()][:3] == ["fd-steps", "table1", "jacobian"]
    assert get_study("jacobian").parts == ("jacobian-cost", "hessian-methods", "symbolic-tape-swell",
                                          "hessian-swell", "hvp-cost")
    standard = {case.program for case in load_suite("standard").cases if case.kind == "study"}
    assert standard == {"table1", "fd-steps"}
    assert [c.settings["n"] for c in load_suite("swell").cases if c.program == "table1"] == list(range(1, 15))
    jacobian = load_suite("jacobian")
    assert {case.program for case in jacobian.cases} == set(get_study("jacobian").parts) and jacobian.timeout == 60


def test_table1_and_fd_steps_run_in_this_process_and_write_their_sections(tmp_path):
    table1, fd_steps = get_study("table1"), get_study("fd-steps")
    written = _run(table1.cases(up_to=3) + fd_steps.cases(), tmp_path)
    rows = {row["case_id"]: row for row in ResultsDB(tmp_path).rows()}
    assert {row["status"] for row in rows.values()} == {"ok"}
    # the paper's Table 1: d l(3)/dx = 16 (1 - 10 x + 24 x^2 - 16 x^3)
    simplified = sympy.sympify(rows['table1{"n":3}/study']["data"]["simplified"], locals={"x": x})
    assert sympy.expand(simplified - 16 * (1 - 10 * x + 24 * x**2 - 16 * x**3)) == 0
    # l(4)'(0.2) = 64 p(0.2), p the paper's polynomial
    p = 1 - 42 * 0.2 + 504 * 0.04 - 2640 * 0.008 + 7040 * 0.0016 - 9984 * 0.00032 + 7168 * 0.000064 \
        - 2048 * 0.0000128
    data = rows['fd-steps{"n":4,"x0":0.2}/study']["data"]
    assert abs(float(data["exact"]) - 64 * p) < 1e-9

    markdown = (tmp_path / "index.md").read_text()
    page = (tmp_path / "index.html").read_text()
    table1_part = markdown.split("## Table 1")[1].split("\n## ")[0]
    assert "| n | status | l(n) tree |" in table1_part
    assert [line.split(" | ")[1] for line in table1_part.splitlines() if re.match(r"\| \d \| ok \|", line)] == \
        ["ok", "ok", "ok"]
    assert "](table1_sizes.png)" in table1_part and 'src="table1_sizes.png"' in page
    assert '<h2 id="table1">' in page and '<td class="text status-ok">ok</td>' in page
    fd_part = markdown.split("## Finite differences against step size")[1].split("\n## ")[0]
    assert f"({data['best_forward_error']:.1e})" in fd_part and "exact derivative 9.0660864" in fd_part
    assert "**Step size.**" in markdown and "**Table 1.** Up to n = 3," in markdown  # their summary lines
    assert {p.name for p in written} >= {"index.md", "index.html", "fd_steps.png", "table1_sizes.png"}


def test_a_study_whose_cases_did_not_finish_says_so(tmp_path, monkeypatch):
    from diffkit.studies import fd_steps

    def broken(n=4, x0=0.2, points=81):
        raise ArithmeticError("no steps today")

    monkeypatch.setattr(fd_steps, "fd_steps_data", broken)
    _run(fd_steps.cases(), tmp_path)
    row = ResultsDB(tmp_path).rows()[0]
    assert (row["status"], row["reason"]) == ("error", "ArithmeticError: no steps today")
    markdown = (tmp_path / "index.md").read_text()
    assert "## Finite differences against step size\n\nThe step-size study did not finish (see Failures)." in markdown
    assert "The `studies` suite does not run the Table 1 study; `diffkit report --suite standard` " \
           "(or `swell`) does." in markdown


def test_the_jacobian_study_runs_in_this_process_and_writes_its_own_page(tmp_path):
    study = get_study("jacobian")
    cases = [c for c in study.cases(sizes=(4,), swell_depths=range(1, 2), hessian_depths=range(1, 2),
                                     hvp_sizes=(4,))
             if c.program in ("jacobian-cost", "hvp-cost") and c.settings["method"] != "symbolic"]
    written = _run(cases, tmp_path, name="jacobian")
    assert [p.name for p in written] == ["index.md", "index.html"]  # the same sections, written both ways
    page = (tmp_path / "index.md").read_text()
    assert page.startswith("# Forward mode, Jacobians and second derivatives")
    assert "_Each measurement ran as a harness case in one process (results.sqlite beside this page)._" in page
    data = json.loads((tmp_path / "data.json").read_text())
    passes = {(r["regime"], r["method"]): r["passes"] for r in data["jacobian_cost"]}
    # one backward pass per output, one forward pass per input, 1 + 2n evaluations
    assert passes["n >> m", "tape"] == 2 and passes["n >> m", "forward-mode"] == 4
    assert passes["n << m", "tape"] == 4 and passes["n << m", "forward-mode"] == 2
    assert passes["n = m", "fd-central"] == 1 + 7 + 4 * 4
    assert [r["method"] for r in data["hvp"]] == ["forward-over-reverse", "reverse-over-reverse", "fd-central"]
    assert data["not_finished"] == []


def test_the_page_of_a_run_is_the_studys_only_when_every_row_is_one_of_its_cases():
    jacobian = {"kind": "study", "program": "hvp-cost", "source": "zoo"}
    assert page_of([jacobian, dict(jacobian, program="jacobian-cost")]) is get_study("jacobian")
    assert page_of([jacobian, {"kind": "study", "program": "table1"}]) is None
    assert page_of([jacobian, {"kind": "gradient", "program": "mlp"}]) is None
    assert page_of([{"kind": "study", "program": "table1"}]) is None  # Table 1 has a section, not a page
    assert page_of([]) is None


def test_registry_mistakes_are_input_errors(clean_registry):
    def nothing(*args, **kwargs):
        return []

    with pytest.raises(InputError, match="no study named 'nope'; the studies are fd-steps, table1, jacobian"):
        get_study("nope")
    with pytest.raises(InputError, match="study 'both' must have either a report section or a page of its own"):
        Study("both", "", nothing, nothing, section=nothing, page=nothing)
    with pytest.raises(InputError, match="study 'copy' names its cases 'table1', as study 'table1' does"):
        register_study(Study("copy", "", nothing, nothing, section=nothing, parts=("table1",)))
    with pytest.raises(InputError, match="no study has cases named 'sqrt'"):
        registry.study_of("sqrt")


USER_STUDY = '''
"""Newton's method for sqrt(2): a study declared next to its suite."""
import time
from fractions import Fraction

from diffkit.harness.cases import Case
from diffkit.harness.suites import Suite
from diffkit.report.section import Paragraph, Section, Table
from diffkit.studies import Study, register_study

TIMEOUT = 2.0


def cases(steps=4):
    return [Case("newton-sqrt2", "study", {"steps": n}, source=__file__, kind="study", ladder="newton", rung=n)
            for n in range(1, steps + 1)]


def run(case, report_partial=None):
    if case.settings.get("sleep"):
        time.sleep(case.settings["sleep"])
    x = Fraction(1)
    for _ in range(case.settings["steps"]):
        x = (x + 2 / x) / 2
    return {"steps": case.settings["steps"], "numerator": x.numerator, "denominator": x.denominator}


def section(rows, folder):
    done = sorted((r["data"] for r in rows if r["status"] == "ok"), key=lambda d: d["steps"])
    if not done:
        return None
    table = Table(("steps", "iterate"), [(d["steps"], f"`{d['numerator']}/{d['denominator']}`") for d in done], "rl")
    return Section("newton", "Newton's iterates for sqrt(2)", [Paragraph("From x = 1:"), table],
                   summary=f"**Newton.** {len(done)} iterates.")


register_study(Study("newton", "Newton's method for sqrt(2)", cases, run, section=section,
                     title="Newton's iterates for sqrt(2)", label="the Newton study",
                     unfinished="No Newton iterate finished.", parts=("newton-sqrt2",)))


def suite():
    sleepy = [Case("newton-sqrt2", "study", {"steps": 9, "sleep": s}, source=__file__, kind="study",
                   ladder="sleepy", rung=s) for s in (30, 31)]
    return Suite("newton", "a user study", cases() + sleepy, timeout=TIMEOUT)
'''


@pytest.fixture
def user_suite(tmp_path, clean_registry):
    path = tmp_path / "newton_suite.py"
    path.write_text(textwrap.dedent(USER_STUDY))
    return path


def _newton_rows(folder):
    return {row["case_id"]: row for row in ResultsDB(folder).rows()}


def test_a_users_study_runs_in_isolated_workers_and_gets_its_section(user_suite, tmp_path):
    out = tmp_path / "newton"
    assert main(["report", "--suite", str(user_suite), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    rows = _newton_rows(out)
    # x <- (x + 2/x) / 2 from 1: 3/2, 17/12, 577/408, 665857/470832
    iterates = [Fraction(rows[f'newton-sqrt2{{"steps":{n}}}/study']["data"]["numerator"],
                         rows[f'newton-sqrt2{{"steps":{n}}}/study']["data"]["denominator"]) for n in (1, 2, 3, 4)]
    assert iterates == [Fraction(3, 2), Fraction(17, 12), Fraction(577, 408), Fraction(665857, 470832)]
    # the isolated worker killed the sleeper at the limit and skipped the next rung
    assert rows['newton-sqrt2{"sleep":30,"steps":9}/study']["status"] == "timeout"
    assert rows['newton-sqrt2{"sleep":31,"steps":9}/study']["status"] == "skipped"
    markdown = (out / "index.md").read_text()
    assert "## Newton's iterates for sqrt(2)\n\nFrom x = 1:\n\n| steps | iterate |\n|---:|---|\n| 1 | `3/2` |" \
        in markdown
    assert "| 4 | `665857/470832` |" in markdown and "**Newton.** 4 iterates." in markdown
    assert '<h2 id="newton">Newton&#39;s iterates for sqrt(2)</h2>' in (out / "index.html").read_text()
    # the built-in studies' sections say this suite does not run them
    assert "The `newton` suite does not run the step-size study" in markdown

    # rebuilt in a fresh process, the report imports the study's module from the rows' source
    (out / "index.md").unlink()
    path = os.pathsep.join(filter(None, [str(ROOT.parent), os.environ.get("PYTHONPATH")]))
    subprocess.run([sys.executable, "-m", "diffkit", "report", "--from", str(out), "--quiet"], check=True,
                   capture_output=True, env=dict(os.environ, PYTHONPATH=path))
    assert (out / "index.md").read_text() == markdown


def test_in_process_cases_keep_the_time_limit_and_the_ladder(user_suite, tmp_path):
    suite = load_suite(str(user_suite))
    run_suite(suite, tmp_path, quiet=True, in_process=True).close()
    rows = _newton_rows(tmp_path)
    first, second = rows['newton-sqrt2{"sleep":30,"steps":9}/study'], rows['newton-sqrt2{"sleep":31,"steps":9}/study']
    assert (first["status"], first["reason"]) == ("timeout", "no result within the time limit of 2 s")
    assert first["wall_seconds"] < 10
    assert second["status"] == "skipped"
    assert rows['newton-sqrt2{"steps":2}/study']["data"] == {"steps": 2, "numerator": 17, "denominator": 12}
    assert ResultsDB(tmp_path).meta()["isolated"] is False


def test_list_studies_names_each_study_and_where_it_runs(capsys):
    assert main(["list", "studies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "studies:"
    assert any(line.split()[0] == "table1" and line.endswith("(in standard, swell)") for line in lines[1:])
    assert any(line.split()[0] == "jacobian" and line.endswith("(a suite of its own)") for line in lines[1:])


GENERIC_MODULES = sorted(
    [*(ROOT / "harness").glob("*.py"), *(ROOT / "commands").glob("*.py"), ROOT / "cli.py",
     *(ROOT / "report").glob("*.py"), *(ROOT / "templates").glob("*.j2")]
)


@pytest.mark.parametrize("path", GENERIC_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_harness_report_and_command_line_name_no_study(path):
    """In addition to the user study above (which the harness runs without knowing it): the
    modules that serve every study do not name one."""
    names = {name for study in studies() for name in (study.name, *study.parts)}
    names |= {"table 1", "fd_steps", "step-size study", "jacobian_"}
    text = path.read_text(encoding="utf-8").lower()
    assert [name for name in sorted(names) if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text)] == []
