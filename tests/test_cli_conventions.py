"""The command line's conventions: --version, "did you mean" for every misspelt name, aligned
lists, one line per argument with --brief, short progress descriptions."""

import pytest

import diffkit as dk
from diffkit.cli import main
from diffkit.harness.cases import Case
from diffkit.harness.executor import case_label

from test_check_cli import write_module


def _error(capsys):
    return " ".join(capsys.readouterr().err.split())


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"diffkit {dk.__version__}"


@pytest.mark.parametrize("argv, suggestion", [
    (["rpeort"], "invalid choice: 'rpeort' (choose from 'bench', 'check', "),
    (["rpeort"], "'jacobian-report') (did you mean 'report'?)"),
    (["list", "progams"], "(did you mean 'programs'?)"),
    (["report", "--tiemout", "3"], "diffkit report has no argument '--tiemout' (did you mean '--timeout'?); "
                                   "see 'diffkit report --help'"),
    (["bench", "--quikc"], "diffkit bench has no argument '--quikc' (did you mean '--quick'?)"),
])
def test_a_misspelt_subcommand_choice_or_option_gets_a_suggestion(argv, suggestion, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert suggestion in _error(capsys)


@pytest.mark.parametrize("argv, suggestion", [
    (["report", "--suite", "standrad"], "no suite named 'standrad' (did you mean 'standard'?)"),
    (["report", "--suite", "lectures", "--methods", "symbolc"],
     "no differentiation method named 'symbolc' (did you mean 'symbolic'?)"),
    (["demo", "--methods", "taep"], "no differentiation method named 'taep' (did you mean 'tape'?)"),
])
def test_a_misspelt_suite_or_method_gets_a_suggestion(argv, suggestion, capsys, tmp_path):
    assert main(argv + (["--out", str(tmp_path / "out"), "--quiet"] if argv[0] == "report" else [])) == 2
    error = _error(capsys)
    assert error.startswith("diffkit: error: ") and suggestion in error
    assert not capsys.readouterr().out  # nothing printed before the error (no table header)


def test_a_misspelt_program_gets_a_suggestion():
    from diffkit.programs.registry import UnknownProgramError

    with pytest.raises(UnknownProgramError, match=r"no program named 'mpl' in the zoo \(did you mean 'mlp'\?\)"):
        dk.get_program("mpl")


def test_list_aligns_its_columns_and_counts_in_words(capsys):
    assert main(["list", "programs"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert any(" 1 parameter " in line for line in lines) and not any("1 parameters" in line for line in lines)
    # every row's second column starts at the same place, whatever the length of the name
    starts = {line.index("  ", 2) + len(line[line.index("  ", 2):]) - len(line[line.index("  ", 2):].lstrip())
              for line in lines}
    assert len(starts) == 1


def test_check_brief_prints_one_line_per_argument(tmp_path, capsys, monkeypatch):
    write_module(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["check", "course_net:loss", "course_net:loss_grad_unsummed", "--brief"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    arguments = [line for line in lines if line.startswith(("W ", "b "))]
    assert [line.split()[0] for line in arguments] == ["W", "b"]
    assert arguments[0].startswith("W 2x3: correct, max rel err")
    assert arguments[1].startswith("b 3: wrong")
    assert len(lines) <= 2 + len(arguments) + 2  # the headline and structural findings, nothing per entry


def test_the_progress_bar_names_a_case_by_program_size_and_method():
    case = Case("mlp", "tape", {"depth": 3, "width": 2, "activation": "tanh", "loss": "squared"})
    assert case_label(case) == "mlp depth=3 width=2 tape"
