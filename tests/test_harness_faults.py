"""The harness against awkward names, damaged folders and a rerun into a folder that holds rows."""

import os
import re
import shutil
import sqlite3

import pytest

from diffkit import errors
from diffkit.cli import main
from diffkit.harness.analysis import short_label
from diffkit.report.markdown import code as markdown_code, escape as markdown_escape
from diffkit.harness.suites import Suite

# Program names a user may well write, and one a hostile suite may: each must reach both
# pages as text, without breaking a Markdown table or going into either page as HTML.
SCRIPT = "<script>alert(1)</script>"
NAMES_SUITE = f'''
"""Programs with awkward names."""
from pathlib import Path
import diffkit as dk
from diffkit import Program

METHODS = ["tape", "fd-central"]

def square(x):
    Path(__file__).with_name("ran").write_text("a case ran")
    return x * x

def wave(x):
    return dk.sin(x)

PROGRAMS = [Program({SCRIPT!r}, square, (3.0,)), Program("a|b", wave, (1.0,)),
            Program("loss(y=1, z)", square, (2.0,)), Program("back\\\\slash & co", wave, (0.5,))]
'''
PROGRAMS = (SCRIPT, "a|b", "loss(y=1, z)", "back\\slash & co")
CASES = 3 * len(PROGRAMS)  # the reference, tape and fd-central for each


def _error(capsys, *parts):
    error = capsys.readouterr().err
    assert error.startswith("diffkit: error: ") and "Traceback" not in error, error
    assert len(error.strip().splitlines()) == 1, error  # one paragraph
    for part in parts:
        assert part in error, error
    return error


def _rows(out):
    with sqlite3.connect(out / "results.sqlite") as connection:
        rows = connection.execute("SELECT case_id, status, finished_at FROM cases ORDER BY case_id").fetchall()
    connection.close()
    return rows


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    (root / "names.py").write_text(NAMES_SUITE)
    out = root / "out"
    assert main(["report", "--suite", str(root / "names.py"), "--out", str(out), "--jobs", "2", "--quiet"]) == 0
    (root / "ran").unlink()
    return out


@pytest.fixture
def copy(names_run, tmp_path):
    """A copy of the finished run that a test may damage; its suite file is beside it."""
    shutil.copy(names_run.parent / "names.py", tmp_path / "names.py")
    return shutil.copytree(names_run, tmp_path / "out")


def _cells(line):
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def _tables(markdown):
    """Every Markdown table as a list of rows of cells (a '|' escaped as '\\|' stays in its cell)."""
    tables, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            current.append(_cells(line))
        elif current:
            tables.append(current)
            current = []
    return tables


def test_awkward_program_names_reach_both_pages_as_text(names_run):
    markdown = (names_run / "index.md").read_text()
    html = (names_run / "index.html").read_text()
    assert "<script>" not in markdown and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tables = _tables(markdown)
    assert len(tables) >= 3
    for table in tables:
        assert len({len(row) for row in table}) == 1, table  # no name added or swallowed a cell
    every_program = next(t for t in tables if t[0][0].strip() == "program" and "tape" in t[0][1:][-1])
    assert sorted(row[0].strip() for row in every_program[2:]) == sorted(
        ["&lt;script&gt;alert(1)&lt;/script&gt;", "a\\|b", "loss(y=1, z)", "back\\\\slash &amp; co"])
    assert "<td>a|b</td>" in html and "<td>back\\slash &amp; co</td>" in html
    assert (names_run / "accuracy.png").stat().st_size > 0


def test_awkward_names_rebuild_from_the_database(copy, capsys):
    (copy / "index.md").unlink()
    assert main(["report", "--from", str(copy)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert "loss(y=1, z)" in (copy / "index.md").read_text()


def test_markdown_escape_keeps_cells_and_code_spans_and_lets_no_html_in():
    text = "a|b <b>x</b> & \\ at `while x > 5|y:` \n next"
    assert markdown_escape(text) == "a\\|b &lt;b&gt;x&lt;/b&gt; &amp; \\\\ at `while x > 5\\|y:` next"
    assert markdown_escape(3) == 3
    assert markdown_code("x**2 | `y`") == "`` x**2 \\| `y` ``"
    assert markdown_escape(markdown_code("<i>")) == "`<i>`"


def test_plot_labels_are_made_from_the_row_not_parsed_back():
    row = {"program": "loss(y=1, z)", "settings": {"depth": 2, "width": 3, "activation": "tanh", "seed": 4}}
    assert short_label(row) == "loss(y=1, z)(d=2, w=3, tanh)"
    assert short_label({"program": SCRIPT, "settings": {}}) == SCRIPT


def test_a_rerun_into_a_folder_with_rows_is_refused_without_resume_or_fresh(copy, capsys):
    before = _rows(copy)
    assert main(["report", "--suite", str(copy.parent / "names.py"), "--out", str(copy), "--quiet"]) == 2
    _error(capsys, f"{copy} already holds {CASES} finished case(s) of suite names",
           "add --resume to keep them and run only the missing cases, or --fresh to delete them")
    assert _rows(copy) == before
    assert not (copy.parent / "ran").exists()


def test_fresh_deletes_the_rows_and_runs_every_case_again(copy):
    before = _rows(copy)
    assert main(["report", "--suite", str(copy.parent / "names.py"), "--out", str(copy), "--quiet", "--jobs", "2",
                 "--fresh"]) == 0
    after = _rows(copy)
    assert [r[:2] for r in after] == [r[:2] for r in before]
    assert min(r[2] for r in after) > max(r[2] for r in before)  # every row is new


def test_resume_and_fresh_together_is_a_usage_error(copy, capsys):
    assert main(["report", "--suite", str(copy.parent / "names.py"), "--out", str(copy), "--resume", "--fresh"]) == 2
    _error(capsys, "--resume keeps the rows already stored and --fresh deletes them: give one")


OTHER_SUITE = NAMES_SUITE.replace('METHODS = ["tape", "fd-central"]', 'METHODS = ["tape"]\nNAME = "other"')


def test_resume_in_the_folder_of_another_suite_is_refused(copy, capsys):
    (copy.parent / "other.py").write_text(OTHER_SUITE)
    before = _rows(copy)
    assert main(["report", "--suite", str(copy.parent / "other.py"), "--out", str(copy), "--resume"]) == 2
    _error(capsys, f"cannot resume suite other in {copy}: its database holds {CASES} case(s) of suite names",
           "resume that suite (--suite names), give --out another folder, or replace --resume by --fresh")
    assert _rows(copy) == before
    assert not (copy.parent / "ran").exists()


def test_resume_in_a_folder_whose_database_names_no_suite_says_so(copy, capsys):
    with sqlite3.connect(copy / "results.sqlite") as connection:
        connection.execute("DELETE FROM meta WHERE key = 'suite'")
    connection.close()
    (copy.parent / "other.py").write_text(OTHER_SUITE)
    assert main(["report", "--suite", str(copy.parent / "other.py"), "--out", str(copy), "--resume"]) == 2
    _error(capsys, f"cannot resume suite other in {copy}: its database holds {CASES} case(s) of a run that names no "
           "suite; give --out another folder, or replace --resume by --fresh")


def test_damaged_json_in_a_row_or_meta_value_is_named_and_the_rest_reported(copy, capsys):
    with sqlite3.connect(copy / "results.sqlite") as connection:
        connection.execute("UPDATE cases SET grad = '{not json' WHERE case_id = 'a|b/tape'")
        connection.execute("UPDATE cases SET settings = '[1, 2]' WHERE case_id = 'loss(y=1, z)/tape'")
        connection.execute("UPDATE meta SET value = 'fast' WHERE key = 'timeout'")
    connection.close()
    assert main(["report", "--from", str(copy)]) == 0
    error = capsys.readouterr().err
    assert "Traceback" not in error
    results = copy / "results.sqlite"
    assert f"diffkit: warning: {results}: row 'a|b/tape' left out: its grad is not valid JSON (Expecting " in error
    assert f"diffkit: warning: {results}: row 'loss(y=1, z)/tape' left out: its settings is a list" in error
    assert f"diffkit: warning: {results}: meta 'timeout' left out: its value is not valid JSON" in error
    markdown = (copy / "index.md").read_text()
    assert "- row 'a\\|b/tape' left out: its grad is not valid JSON" in markdown
    every_program = next(t for t in _tables(markdown) if t[0][0].strip() == "program")
    assert len(every_program) - 2 == len(PROGRAMS)  # the other rows of those programs are still scored
    assert "(limits: ? s and 2000.0 MB per case)" in markdown


def test_a_results_database_that_is_a_folder_is_refused(names_run, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "results.sqlite").mkdir(parents=True)
    shutil.copy(names_run.parent / "names.py", tmp_path / "names.py")
    assert main(["report", "--suite", str(tmp_path / "names.py"), "--out", str(out), "--quiet"]) == 2
    _error(capsys, f"{out / 'results.sqlite'} is not a diffkit results database (it is a folder)")
    assert main(["report", "--from", str(out)]) == 2
    _error(capsys, f"{out / 'results.sqlite'} is not a diffkit results database (it is a folder)")
    assert not (tmp_path / "ran").exists()


def test_a_page_that_is_a_folder_is_refused_before_any_case_runs(copy, capsys):
    (copy / "index.html").unlink()
    (copy / "index.html").mkdir()
    fresh = copy.parent / "fresh"
    (fresh / "index.html").mkdir(parents=True)
    assert main(["report", "--suite", str(copy.parent / "names.py"), "--out", str(fresh), "--quiet"]) == 2
    _error(capsys, f"{fresh / 'index.html'} is a folder, so the report cannot be written there")
    assert not (copy.parent / "ran").exists() and not (fresh / "results.sqlite").exists()
    assert main(["report", "--from", str(copy)]) == 2
    _error(capsys, f"{copy / 'index.html'} is a folder, so the report cannot be written there")


def test_resume_on_a_database_without_some_columns_is_refused(copy, capsys):
    with sqlite3.connect(copy / "results.sqlite") as connection:
        connection.execute("ALTER TABLE cases DROP COLUMN on_kink")
        connection.execute("ALTER TABLE cases DROP COLUMN first_seconds")
    connection.close()
    before = _rows(copy)
    assert main(["report", "--suite", str(copy.parent / "names.py"), "--out", str(copy), "--resume"]) == 2
    _error(capsys, f"{copy / 'results.sqlite'} is not a diffkit results database (its cases table has no column "
                   "on_kink, first_seconds)")
    assert main(["report", "--from", str(copy)]) == 2
    _error(capsys, "(its cases table has no column on_kink, first_seconds)")
    assert _rows(copy) == before


def test_a_suite_name_that_is_a_path_cannot_steer_the_output_folder(tmp_path, monkeypatch, capsys):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "escape.py").write_text(NAMES_SUITE.replace("METHODS = ", 'NAME = "../../../x"\nMETHODS = '))
    monkeypatch.chdir(deep)
    assert main(["report", "--suite", "escape.py", "--quiet"]) == 2
    _error(capsys, "the suite name '../../../x' (NAME of suite escape.py) is not a plain name",
           "it names the default output folder reports/<name>")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "c", "escape.py"]
    with pytest.raises(errors.InputError, match="the suite name '/tmp/x' is not a plain name"):
        Suite("/tmp/x", "a suite built in code")


@pytest.mark.parametrize(
    "limits, message",
    [
        ({"timeout": float("inf")}, "the timeout must be a positive number of seconds, got inf: a limit must be finite"),
        ({"memory_mb": float("nan")}, "the memory limit must be a positive number of megabytes, got nan"),
        ({"timeout": "fast"}, "the timeout must be a positive number of seconds, got 'fast' (a str)"),
    ],
)
def test_run_suite_refuses_a_limit_that_is_not_a_positive_finite_number(limits, message, tmp_path):
    from diffkit.harness import load_suite, run_suite

    suite = load_suite("lectures")
    with pytest.raises(errors.InputError) as info:
        run_suite(suite, tmp_path / "out", **limits)
    assert str(info.value).startswith(message)
    assert not (tmp_path / "out").exists()


def test_a_suite_built_in_code_checks_its_limits():
    with pytest.raises(errors.InputError, match="the timeout of suite mine must be a positive number of seconds, "
                                                "got 'fast'"):
        Suite("mine", "a suite built in code", timeout="fast")


def test_the_folder_lock_is_reentrant_in_one_process_and_removed_after(tmp_path):
    from diffkit.harness.lock import LOCK_FILE, FolderLock

    with FolderLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()}\n"
        with FolderLock(tmp_path):  # diffkit report holds it around run_suite and build_report, which take it too
            pass
        assert (tmp_path / LOCK_FILE).exists()
    assert not (tmp_path / LOCK_FILE).exists()


def test_a_generous_time_limit_is_waited_for_in_parts():
    # poll() refuses waits past about 1e7 s: a --timeout of 1e7 aborted the run with OverflowError.
    # In a fresh interpreter: the worker forks, which a process that has loaded JAX must not do.
    import subprocess
    import sys

    script = ("from diffkit.harness.cases import Case\nfrom diffkit.harness.worker import run_isolated\n"
              "row = run_isolated(Case(program='lecture-07-matmul', method='tape'), timeout=1e9)\n"
              "print(row['status'], row['timeout'])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["ok", "1000000000.0"], done.stderr[-2000:]


def test_meta_values_of_the_wrong_kind_or_missing_are_named_and_the_report_built(copy, capsys):
    # Before: jinja2's UndefinedError (no suite), a TypeError (a string start time), an AttributeError
    with sqlite3.connect(copy / "results.sqlite") as connection:
        connection.execute("DELETE FROM meta WHERE key IN ('suite', 'description')")
        connection.execute("""UPDATE meta SET value = '"yesterday"' WHERE key = 'started'""")
        connection.execute("""UPDATE meta SET value = '"a laptop"' WHERE key = 'machine'""")
    connection.close()
    assert main(["report", "--from", str(copy)]) == 0
    error = capsys.readouterr().err
    results = copy / "results.sqlite"
    assert "Traceback" not in error
    assert f"diffkit: warning: {results}: meta 'started' left out: 'yesterday' is not what diffkit writes there" in error
    assert f"diffkit: warning: {results}: meta 'machine' left out: 'a laptop' is not what diffkit writes there" in error
    assert f"diffkit: warning: {results}: meta 'suite' is missing" in error
    assert (copy / "index.md").read_text().startswith("# diffkit report: `?` suite\n\n(no description stored).")
