"""The report and list commands: options, and clear errors for a user's mistakes."""

from pathlib import Path

import pytest

from diffkit.cli import build_parser, main

SUPPORT = str(Path(__file__).with_name("test_harness_support.py"))
OPTIONS = ("--suite", "--out", "--methods", "--jobs", "--resume", "--timeout", "--memory", "--quiet", "--from",
           "--scheduler")


def test_report_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--help"])
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text
    assert "lectures, standard, swell" in text


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
        (["--suite", "no_such_suite_module"], "no suite named 'no_such_suite_module'"),
        (["--suite", "missing/suite.py"], "suite file missing/suite.py does not exist"),
        (["--suite", SUPPORT, "--methods", "tape", "taep"], "no differentiation method named taep"),
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
