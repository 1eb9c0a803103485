"""End to end: a small suite through isolated workers into a temporary report folder."""

import sqlite3
from pathlib import Path

import pytest
import sympy

import diffkit as dk

from diffkit.cli import main
from diffkit.harness import load_suite
from diffkit.harness.database import ResultsDB

# chain: reference, reference-check and every method; halving 3; net 3 depths x 5; sleeper x 2, hog, noisy;
# 5 studies
CASES = (2 + len(dk.methods())) + 3 + 15 + 4 + 5
SUPPORT = str(Path(__file__).with_name("test_harness_support.py"))
EXPECTED_N4 = "64*(1 - 42*x + 504*x**2 - 2640*x**3 + 7040*x**4 - 9984*x**5 + 7168*x**6 - 2048*x**7)"


# A suite without sweeps or studies: two programs at a relu's kink and a square, three cheap methods.
TINY_SUITE = '''
"""A kink and a square."""
import diffkit as dk
from diffkit import Program

METHODS = ["tape", "fd-forward", "fd-central"]

def kink(x):
    return dk.relu(x)

def kink_plus_line(x):
    return dk.relu(x) + x

def square(x):
    return x * x

PROGRAMS = [Program("kink", kink, (0.0,), on_kink=True),
            Program("kink-plus-line", kink_plus_line, (0.0,), on_kink=True),
            Program("square", square, (3.0,))]
'''


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """The tiny suite's report, in a folder whose name has a dot."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "tiny.py").write_text(TINY_SUITE)
    out = root / "run.v2"
    assert main(["report", "--suite", str(root / "tiny.py"), "--out", str(out), "--jobs", "2", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    code = main(["report", "--suite", SUPPORT, "--out", str(out), "--jobs", "2", "--quiet"])
    assert code == 0
    return out


def test_database_has_one_row_per_case(report_dir):
    suite = load_suite(SUPPORT)
    with sqlite3.connect(report_dir / "results.sqlite") as connection:
        ids = [r[0] for r in connection.execute("SELECT case_id FROM cases")]
    assert sorted(ids) == sorted(case.id for case in suite.cases)
    assert len(ids) == len(set(ids)) == CASES


def test_time_and_memory_limits_are_recorded_and_the_rest_is_ok(report_dir):
    from test_harness_support import EXPECTED_NOT_OK

    statuses = {row["case_id"]: row["status"] for row in ResultsDB(report_dir).rows()}
    for case_id, status in statuses.items():
        assert status == EXPECTED_NOT_OK.get(case_id, "ok"), (case_id, status)
    rows = {row["case_id"]: row for row in ResultsDB(report_dir).rows()}
    assert "time limit of 4 s" in rows['sleeper{"size":1}/tape']["reason"]
    assert rows['sleeper{"size":1}/tape']["wall_seconds"] < 15
    assert rows['sleeper{"size":2}/tape']["reason"] == (
        'not run: sleeper{"size":1}/tape already ended with timeout')
    assert "MemoryError" in rows["hog/tape"]["reason"]
    assert "branches on a symbolic value" in rows["halving/symbolic"]["reason"]


def test_rows_hold_gradients_errors_and_sizes(report_dir):
    rows = {row["case_id"]: row for row in ResultsDB(report_dir).rows()}
    reference = rows["chain/reference"]
    assert [float(g) for g in reference["grad_text"]] == [-4.0, -4.0, 3.0]  # lecture example 1
    assert rows["chain/tape"]["grad"] == [-4.0, -4.0, 3.0]
    assert rows["chain/tape"]["rel_error"] == 0.0
    assert 0 < rows["chain/fd-central"]["rel_error"] < 1e-8
    fd = rows["chain/fd-central"]
    assert fd["evaluations"] == 1 + 7 + 4 * 3  # f(x), 7 measuring f's noise, x +- h and x +- h/2 per entry
    # the method's own estimate per entry, stored beside the true error against the 50-digit reference
    assert len(fd["error_estimate"]) == len(fd["entry_errors"]) == len(fd["entry_steps"]) == 3
    assert all(0 <= true <= estimate for true, estimate in zip(fd["entry_errors"], fd["error_estimate"]))
    assert fd["error_estimate_max"] == max(fd["error_estimate"]) and fd["entry_errors"][0] == pytest.approx(
        abs(fd["grad"][0] + 4.0), abs=1e-30)
    assert rows["halving/reference"]["grad_text"][0].startswith("1.15625")  # 2 * 37 / 64
    # the two 50-digit routes agree on the networks
    for depth in (1, 2, 3):
        assert rows[f'net{{"depth":{depth}}}/reference-check']["rel_error"] < 1e-45
        assert rows[f'net{{"depth":{depth}}}/tape']["rel_error"] < 1e-14
    tree = [rows[f'net{{"depth":{d}}}/symbolic']["derivative_tree_size"] for d in (1, 2, 3)]
    nodes = [rows[f'net{{"depth":{d}}}/tape']["nodes"] for d in (1, 2, 3)]
    assert tree[0] < tree[1] < tree[2]
    assert nodes[2] - nodes[1] == nodes[1] - nodes[0]  # the tape grows linearly with depth
    for row in rows.values():
        if row["kind"] == "gradient" and row["status"] == "ok":
            assert row["gradient_seconds"] > 0
            if row["method"] in ("reference", "reference-check"):  # computed once, not timed in rounds
                assert row["repeats"] == 1 and row["forward_seconds"] is None
                continue
            assert row["forward_seconds"] > 0 and row["repeats"] >= 1  # fewer than 5 only near the deadline
            for name in ("forward", "gradient"):  # the median lies within its quartiles and extremes
                assert row[f"{name}_min"] <= row[f"{name}_q1"] <= row[f"{name}_seconds"] <= row[f"{name}_q3"]
                assert row[f"{name}_q3"] <= row[f"{name}_max"]
            assert row["forward_passes_q1"] <= row["forward_passes"] <= row["forward_passes_q3"]


def test_numpy_warnings_are_captured_into_the_row(report_dir):
    rows = {row["case_id"]: row for row in ResultsDB(report_dir).rows()}
    noisy = rows["noisy/tape"]
    assert noisy["status"] == "ok" and noisy["grad"] == [6.0]
    assert noisy["warnings"] == ["RuntimeWarning: divide by zero encountered in log"]
    assert "| noisy | tape | RuntimeWarning: divide by zero encountered in log |" in (report_dir / "index.md").read_text()


def test_table1_row_for_n4_is_stored(report_dir):
    rows = {row["case_id"]: row for row in ResultsDB(report_dir).rows()}
    data = rows['table1{"n":4}/study']["data"]
    x = sympy.Symbol("x")
    simplified = sympy.sympify(data["simplified"], locals={"x": x})
    assert sympy.expand(simplified - sympy.sympify(EXPECTED_N4, locals={"x": x})) == 0


def test_report_files_have_their_sections(report_dir):
    markdown = (report_dir / "index.md").read_text()
    html = (report_dir / "index.html").read_text()
    for heading in ("Summary", "Status by method", "Accuracy", "Reference cross-check", "Expression swell",
                    "Runtime", "Finite differences against step size", "Table 1", "Failures"):
        assert f"## {heading}" in markdown
        assert f">{heading}" in html
    for image in ("accuracy.png", "expression_size.png", "fd_steps.png", "table1_sizes.png"):
        assert (report_dir / image).stat().st_size > 5000
        assert f"]({image})" in markdown and f'src="{image}"' in html
    assert "| sleeper | tape | timeout |" in markdown
    assert "| hog | tape | memory |" in markdown
    assert f"{CASES} cases" in markdown


def test_html_report_escapes_what_the_rows_hold(report_dir):
    html = (report_dir / "index.html").read_text()
    # the halving loop's reason quotes its condition; the page's own tags stay tags
    assert "<code>while dk.abs(x) &gt; 5:</code>" in html and "dk.abs(x) > 5" not in html
    assert '<h2 id="failures">Failures</h2>' in html and '<h2 id="unsupported">Unsupported by design</h2>' in html


def test_report_is_rebuilt_from_the_database_alone(report_dir, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "results.sqlite").write_bytes((report_dir / "results.sqlite").read_bytes())
    assert main(["report", "--from", str(copy), "--quiet"]) == 0
    assert (copy / "index.md").read_text() == (report_dir / "index.md").read_text()


def test_out_with_a_dot_in_its_name_is_a_folder(tiny_dir):
    assert tiny_dir.is_dir()
    assert sorted(p.name for p in tiny_dir.iterdir() if not p.name.endswith((".png", ".svg"))) == [
        "index.html", "index.md", "results.sqlite"]
    rows = {row["case_id"]: row for row in ResultsDB(tiny_dir).rows()}
    assert rows["square/tape"]["grad"] == [6.0]  # d(x*x)/dx at 3
    assert rows["kink/tape"]["grad"] == [0.5]  # relu'(0): the mean of the one-sided slopes 0 and 1
    assert len(rows) == 12  # 3 programs x (reference + 3 methods)


def _bare_headings(markdown):
    """Headings followed directly by another heading (a section with nothing in it)."""
    lines = [line for line in markdown.splitlines() if line.strip()]
    return [a for a, b in zip(lines, lines[1:] + ["## end"]) if a.startswith("## ") and b.startswith("## ")]


def _empty_tables(markdown):
    """Markdown tables with a header and no row."""
    lines = markdown.splitlines() + [""]
    return [lines[i] for i in range(len(lines) - 1)
            if lines[i].startswith("|") and lines[i + 1].startswith("|---") and not lines[i + 2].startswith("|")]


def test_sections_without_data_say_why_and_which_suite_has_it(tiny_dir):
    markdown = (tiny_dir / "index.md").read_text()
    html = (tiny_dir / "index.html").read_text()
    assert _bare_headings(markdown) == [] and _empty_tables(markdown) == []
    for table in html.split("<table>")[1:]:
        assert "<td" in table.split("</table>")[0]  # every HTML table has a row
    for sentence in (
        "The `tiny` suite has no size sweeps (a program run at three or more depths or iterations); "
        "`diffkit report --suite standard` (or `swell`, `gradbench`) has them.",
        "The `tiny` suite has no program run at several sizes, so gradient time is not fitted against the number "
        "of parameters; `diffkit report --suite standard` (or `swell`) has such sweeps.",
        "The `tiny` suite does not run the step-size study; `diffkit report --suite standard` (or `swell`) does.",
        "The `tiny` suite does not run the Table 1 study; `diffkit report --suite standard` (or `swell`) does.",
    ):
        assert sentence in markdown
        in_html = sentence
        while "`" in in_html:
            in_html = in_html.replace("`", "<code>", 1).replace("`", "</code>", 1)
        assert in_html in html
    runtime = markdown.split("## Runtime")[1].split("\n## ")[0]
    assert "| kink | " in runtime  # the per-program runtime table is kept


def test_summary_names_each_large_error(tiny_dir):
    markdown = (tiny_dir / "index.md").read_text()
    # relu'(0) is 0.5 by the convention every exact method shares; the forward difference sees
    # (relu(h) - relu(0)) / h = 1: error 0.5 / 0.5 = 100%. With + x: 2 against 1.5, 0.5 / 1.5 = 33%.
    # The central difference straddles the kink symmetrically and is exact; x*x at 3 is off by ~h.
    assert ("**Largest errors.** Relative gradient errors above 1%: fd-forward 100% on kink (on a kink) and "
            "33% on kink-plus-line (on a kink).") in markdown
