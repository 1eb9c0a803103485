"""The report and list commands: options, and clear errors for a user's mistakes."""

import sqlite3
from pathlib import Path

import pytest

from diffkit.cli import build_parser, main
from diffkit.harness import load_suite, suite_names

SUPPORT = str(Path(__file__).with_name("test_harness_support.py"))
OPTIONS = ("--suite", "--out", "--methods", "--jobs", "--resume", "--fresh", "--timeout", "--memory", "--quiet", "--from",
           "--scheduler")


def test_report_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--help"])
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text
    assert "lectures, standard, swell" in text


def test_report_help_gives_each_suites_own_time_limit(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "10 s for standard" in text  # the standard suite's limit, as 'diffkit list' shows it
    for name in suite_names():
        assert f"{load_suite(name).timeout:g} s for {name}" in text
    assert "a user suite's TIMEOUT, else 20 s" in text
    assert "2000 MB for every built-in suite" in text


def test_list_shows_suites_and_methods(capsys):
    assert main(["list", "methods"]) == 0
    text = capsys.readouterr().out
    assert "tape" in text and "symbolic-cse" in text and "reference-check" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--jobs", "0"], "--jobs must be at least 1, got 0"),
        (["--timeout", "-1"], "--timeout must be a positive number of seconds, got -1"),
        (["--memory", "0"], "--memory must be a positive number of megabytes, got 0"),
        (["--timeout", "nan"], "--timeout must be a positive number of seconds, got nan: a limit must be finite"),
        (["--timeout", "inf"], "--timeout must be a positive number of seconds, got inf: a limit must be finite"),
        (["--memory", "nan"], "--memory must be a positive number of megabytes, got nan: a limit must be finite"),
        (["--suite", "no_such_suite_module"], "no suite named 'no_such_suite_module'"),
        (["--suite", "missing/suite.py"], "suite file missing/suite.py does not exist"),
        (["--suite", SUPPORT, "--methods", "tape", "taep"],
         "no differentiation method named 'taep' (did you mean 'tape'?)"),
    ],
)
def test_bad_options_are_errors_that_name_the_fix(argv, message, tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path), "--quiet", *argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("diffkit: error: ") and message in error
    assert "Traceback" not in error


def test_rebuilding_from_a_folder_without_results_says_what_to_run(tmp_path, capsys):
    assert main(["report", "--from", str(tmp_path)]) == 2
    assert f"{tmp_path} has no results.sqlite: run 'diffkit report --out {tmp_path}' first" in capsys.readouterr().err


# A user suite whose one program leaves a mark when it is differentiated: a test can tell
# that an error came before any case ran.
MARKED_SUITE = '''
"""One marked program."""
from pathlib import Path
from diffkit import Program

METHODS = ["tape"]

def square(x):
    Path(__file__).with_name("ran").write_text("a case ran")
    return x * x

PROGRAMS = [Program("square", square, (3.0,))]
'''


def _marked_suite(folder):
    suite = folder / "marked.py"
    suite.write_text(MARKED_SUITE)
    return suite


def _assert_error(capsys, *parts):
    error = capsys.readouterr().err
    assert error.startswith("diffkit: error: ") and "Traceback" not in error
    for part in parts:
        assert part in error


def test_out_that_is_a_file_is_an_error_before_any_case_runs(tmp_path, capsys):
    suite = _marked_suite(tmp_path)
    taken = tmp_path / "notes.txt"
    taken.write_text("not a folder")
    assert main(["report", "--suite", str(suite), "--out", str(taken), "--quiet"]) == 2
    _assert_error(capsys, f"the report folder {taken} is an existing file, not a folder",
                  "give --out a folder (it is created if missing), or move the file away")
    assert taken.read_text() == "not a folder"
    assert not (tmp_path / "ran").exists()


def test_out_that_cannot_be_created_is_an_error_before_any_case_runs(tmp_path, capsys):
    suite = _marked_suite(tmp_path)
    (tmp_path / "notes.txt").write_text("not a folder")
    below_a_file = tmp_path / "notes.txt" / "report"
    assert main(["report", "--suite", str(suite), "--out", str(below_a_file), "--quiet"]) == 2
    _assert_error(capsys, f"cannot create the report folder {below_a_file} (Not a directory)",
                  "give --out a folder in a place you can write to")
    assert not (tmp_path / "ran").exists()


def test_rebuilding_from_a_corrupt_database_names_the_file(tmp_path, capsys):
    (tmp_path / "results.sqlite").write_text("these are my notes, not a database\n")
    assert main(["report", "--from", str(tmp_path)]) == 2
    _assert_error(capsys, f"{tmp_path / 'results.sqlite'} is not a diffkit results database "
                          "(file is not a database)",
                  f"delete it and rerun the suite with 'diffkit report --out {tmp_path}'")
    assert (tmp_path / "results.sqlite").read_text() == "these are my notes, not a database\n"


def test_rebuilding_from_another_programs_sqlite_file_is_refused(tmp_path, capsys):
    with sqlite3.connect(tmp_path / "results.sqlite") as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    connection.close()
    assert main(["report", "--from", str(tmp_path)]) == 2
    _assert_error(capsys, "is not a diffkit results database (it has no 'cases' and 'meta' tables)")
    with sqlite3.connect(tmp_path / "results.sqlite") as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
    connection.close()
    assert tables == ["contacts"]  # nothing was added to someone else's database


def test_a_run_into_a_folder_with_a_corrupt_database_stops_before_any_case(tmp_path, capsys):
    suite = _marked_suite(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.sqlite").write_text("garbage")
    assert main(["report", "--suite", str(suite), "--out", str(out), "--quiet"]) == 2
    _assert_error(capsys, f"{out / 'results.sqlite'} is not a diffkit results database",
                  "delete it (or give --out another folder) to start a new run there")
    assert (out / "results.sqlite").read_text() == "garbage"
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        (MARKED_SUITE.replace('METHODS = ["tape"]', 'METHODS = ["tape", "taep"]'),
         "no differentiation method named 'taep' (did you mean 'tape'?) (in METHODS of suite "),
        (MARKED_SUITE.replace("def square(x):", "def square(x)"), "SyntaxError: expected ':' at line 8 of "),
        (MARKED_SUITE.replace('PROGRAMS = [Program("square", square, (3.0,))]', "PROGRAMS = [square]"),
         "must hold diffkit Program objects, but item 0 is the function square"),
        (MARKED_SUITE.replace('METHODS = ["tape"]', 'METHODS = ["tape"]\nTIMEOUT = "fast"'),
         "TIMEOUT of suite {suite} must be a positive number of seconds, got 'fast' (a str): write it as a number"),
        (MARKED_SUITE.replace('METHODS = ["tape"]', 'METHODS = ["tape"]\nMEMORY_MB = float("nan")'),
         "MEMORY_MB of suite {suite} must be a positive number of megabytes, got nan: a limit must be finite"),
        (MARKED_SUITE.replace('METHODS = ["tape"]', 'METHODS = ["tape"]\nNAME = "../../../x"'),
         "the suite name '../../../x' (NAME of suite {suite}) is not a plain name"),
    ],
    ids=["unknown-method", "syntax-error", "plain-function", "timeout-text", "memory-nan", "name-a-path"],
)
def test_user_suite_mistakes_are_errors_before_anything_runs(text, message, tmp_path, capsys):
    suite = tmp_path / "marked.py"
    suite.write_text(text)
    out = tmp_path / "out"
    assert main(["report", "--suite", str(suite), "--out", str(out), "--quiet"]) == 2
    _assert_error(capsys, message.format(suite=suite), str(suite))
    assert not out.exists() and not (tmp_path / "ran").exists()
