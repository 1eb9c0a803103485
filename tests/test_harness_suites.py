"""The built-in suites and user suites: which cases they hold and how they are ordered."""

from collections import Counter

import pytest

import diffkit as dk
from diffkit.errors import InputError, UnknownMethodError
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
    with pytest.raises(UnknownMethodError, match="no differentiation method named 'sybmolic' \\(did you mean 'symbolic'\\?\\)"):
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


def _suite_file(tmp_path, text, name="mine.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_plain_function_in_programs_says_how_to_make_a_program(tmp_path):
    path = _suite_file(tmp_path, "def f(x):\n    return x * x\nPROGRAMS = [f]\n")
    with pytest.raises(InputError) as caught:
        load_suite(str(path))
    message = str(caught.value)
    assert message.startswith(f"PROGRAMS of suite {path} must hold diffkit Program objects, but item 0 is "
                              "the function f: ")
    assert "wrap a function f as Program('f', f, args)" in message and "from diffkit import Program" in message


def test_a_single_program_instead_of_a_list_is_named(tmp_path):
    path = _suite_file(tmp_path, "import diffkit as dk\nPROGRAMS = dk.Program('sq', abs, (3.0,))\n")
    with pytest.raises(InputError, match=r"PROGRAMS of suite .* must be a list of diffkit Program objects, "
                                         r"got a Program \(Program\(name='sq'.*list them"):
        load_suite(str(path))


def test_a_syntax_error_in_a_suite_file_names_its_line_and_a_fixed_file_then_loads(tmp_path):
    path = _suite_file(tmp_path, "from diffkit import Program\n\ndef square(x)\n    return x * x\n")
    with pytest.raises(InputError) as caught:
        load_suite(str(path))
    assert str(caught.value) == (f"suite {path} could not be imported: SyntaxError: expected ':' at line 3 of "
                                 f"{path} (def square(x)). Fix the suite and run again.")
    path.write_text("from diffkit import Program\n\ndef square(x):\n    return x * x\n\n"
                    "PROGRAMS = [Program('sq', square, (3.0,))]\n")
    assert [c.program for c in load_suite(str(path)).cases][:1] == ["sq"]  # the broken import was not kept


def test_an_exception_while_importing_a_suite_names_the_file_and_line(tmp_path):
    path = _suite_file(tmp_path, "import math\nSCALE = 1 / 0\n")
    with pytest.raises(InputError) as caught:
        load_suite(str(path))
    assert str(caught.value) == (f"suite {path} could not be imported: ZeroDivisionError: division by zero at "
                                 f"line 2 of {path} (SCALE = 1 / 0). Fix the suite and run again.")


def test_an_exception_in_programs_names_the_line(tmp_path):
    path = _suite_file(tmp_path, "def programs():\n    return open('no-such-data.csv')\n")
    with pytest.raises(InputError, match=r"programs\(\) of suite .* raised FileNotFoundError: .*no-such-data.csv"
                                         r".* at line 2 of .*mine.py \(return open\('no-such-data.csv'\)\)"):
        load_suite(str(path))


def test_a_dotted_suite_module_that_fails_to_import_is_not_called_missing(tmp_path, monkeypatch):
    _suite_file(tmp_path, "import numpy\nimport no_such_package_for_diffkit\n", name="needs_more.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(InputError) as caught:
        load_suite("needs_more")
    assert str(caught.value).startswith(
        "suite needs_more could not be imported: ModuleNotFoundError: No module named "
        f"'no_such_package_for_diffkit' at line 2 of {tmp_path / 'needs_more.py'}")


def test_an_unknown_method_in_a_suites_methods_is_refused_like_methods_option(tmp_path):
    path = _suite_file(tmp_path, "from diffkit import Program\nMETHODS = ['tape', 'taep']\n"
                                 "PROGRAMS = [Program('sq', abs, (3.0,))]\n")
    with pytest.raises(UnknownMethodError) as from_module:
        load_suite(str(path))
    with pytest.raises(UnknownMethodError) as from_option:
        load_suite("lectures").restrict(["tape", "taep"])
    assert str(from_option.value).startswith("no differentiation method named 'taep' (did you mean 'tape'?); the methods are: fd-forward, ")
    assert str(from_module.value) == str(from_option.value).replace(
        "?);", f"?) (in METHODS of suite {path});")


def test_methods_as_a_single_string_is_refused(tmp_path):
    path = _suite_file(tmp_path, "METHODS = 'tape'\n")
    with pytest.raises(InputError, match=r"METHODS of suite .* must be a list of method names, "
                                         r"e.g. METHODS = \['tape'\]"):
        load_suite(str(path))


def test_a_suite_that_imports_the_zoos_get_program_runs_its_own_programs(tmp_path):
    # As the README's template does. Before, every case went to the zoo's get_program: a program
    # named like a zoo one ('lse') ran the zoo's, and any other name was an unknown program.
    path = tmp_path / "mine.py"
    path.write_text(
        '"""Mine."""\nimport numpy as np\nfrom diffkit.programs import Program, get_program\n'
        "def lse(x):\n    return x * x\n"
        "PROGRAMS = [Program('lse', lse, (3.0,)), get_program('lecture-07-matmul')]\n"
    )
    suite = load_suite(str(path))
    mine = resolve_program(next(c for c in suite.cases if c.program == "lse"))
    assert mine.function(3.0) == 9.0


def test_two_programs_with_one_name_and_the_same_settings_are_refused(tmp_path):
    path = tmp_path / "twice.py"
    path.write_text(
        "from diffkit.programs import Program\n"
        "def square(x):\n    return x * x\n\ndef cube(x):\n    return x * x * x\n"
        "PROGRAMS = [Program('f', square, (3.0,)), Program('f', cube, (3.0,))]\n"
    )
    with pytest.raises(InputError, match=r"PROGRAMS of suite .*twice\.py has two programs named 'f' with the same "
                                         r"settings \{\} \(items 0 and 1\)"):
        load_suite(str(path))


def test_methods_that_select_none_of_a_suites_are_refused(tmp_path):
    # Before, only the reference ran and the command succeeded
    path = tmp_path / "mine.py"
    path.write_text("from diffkit.programs import Program\nMETHODS = ['tape']\n"
                    "def square(x):\n    return x * x\nPROGRAMS = [Program('sq', square, (3.0,))]\n")
    with pytest.raises(InputError, match=r"--methods fd-central selects none of the methods of suite mine, which "
                                         r"runs tape: choose among them"):
        load_suite(str(path)).restrict(["fd-central"])


def test_a_suite_function_of_zoo_programs_resolves_them_from_the_zoo(tmp_path):
    path = tmp_path / "built.py"
    path.write_text(
        "from diffkit.harness.cases import Case\nfrom diffkit.harness.suites import Suite\n"
        "from diffkit.programs import get_program\n"
        "def suite():\n    return Suite('built', 'zoo programs', [Case(program='lecture-07-matmul', method='tape', "
        f"source={str(path)!r})])\n"
    )
    suite = load_suite(str(path))
    assert resolve_program(suite.cases[0]).name == "lecture-07-matmul"


def test_the_same_program_listed_twice_runs_once_and_the_reference_alone_may_be_chosen(tmp_path):
    path = tmp_path / "twice.py"
    path.write_text("from diffkit.programs import get_program\nMETHODS = ['tape']\n"
                    "PROGRAMS = [get_program('mlp', depth=d) for d in (1, 2, 2)]\n")
    suite = load_suite(str(path))
    assert sorted(c.settings["depth"] for c in suite.cases if c.method == "tape") == [1, 2]
    assert {c.method for c in suite.restrict(["reference"]).cases} == {"reference"}
