"""The notebooks: committed without outputs, each runs clean on a real kernel.

Three kinds. The demos (02, 03, 04, 06) carry no test code: their checks live in
``notebook_checks.json`` and are run in the notebook's kernel right after the cell they
check. The coursework (01, 05) is in nbgrader's format: its instructor version runs with
every graded cell passing, and its student release (``diffkit notebooks release``) runs
with every answer cell unanswered and every graded cell failing. The deck notebooks
(10-14) list every slip of their lecture deck, and nothing else, as a mismatch.
"""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from diffkit.cli import main
from diffkit.commands.nbgrader_release import is_grade, is_solution

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHECKS = json.loads((Path(__file__).with_name("notebook_checks.json")).read_text(encoding="utf-8"))
DEMOS = ["02_three_ways_to_differentiate", "03_expression_swell", "04_loops_and_control_flow",
         "06_finite_difference_step_size"]
COURSEWORK = ["01_backprop_by_hand", "05_check_your_gradient"]
DECKS = ["10_deck_000_cs540", "11_deck_001_gatech", "12_deck_002_essay", "13_deck_003_cs231n", "14_deck_004_brown"]
CELL_TIMEOUT_SECONDS = 120  # a guard against a hung kernel, not a speed test

# Every slip of the decks, with the true value an independent hand computation gives.
SLIPS = {
    "000": {},
    "001": {},
    "002": {
        "0.99995 x 0.00005": 0.99995 * 0.00005,  # the printed factors give 0.0000499975, not 0.0000454
        "df/dx0": 0.3932238664829637,  # 2 sigma'(1), sigma'(1) = e / (1 + e)^2
        "df/dw1": -0.3932238664829637,
        "df/dx1": -0.5898357997244456,
        "df/dx": 0.3932238664829637,  # the gate-by-gate neuron's 0.197 x 2
        "dx0": 0.3932238664829637,
        "dw1": -0.3932238664829637,
        "dx1": -0.5898357997244456,
        "y[0,0] = (x W)[0,0]": -1.0,  # x W = [[-1, -1, 2, 6], [5, 2, 11, 7]], by hand
        "y[0,1] = (x W)[0,1]": -1.0,
        "y[0,2] = (x W)[0,2]": 2.0,
        "y[0,3] = (x W)[0,3]": 6.0,
        "y[1,2] = (x W)[1,2]": 11.0,
        "y[1,3] = (x W)[1,3]": 7.0,
    },
    "003": {},
    "004": {
        "softmax([1, 2])[0]": 1.0 / (1.0 + 2.718281828459045),  # 1 / (1 + e) = 0.2689
        "softmax([11, 12])[0]": 1.0 / (1.0 + 2.718281828459045),
        "[11, 12] / 23, first": 11.0 / 23.0,
        "[11, 12] / 23, second": 12.0 / 23.0,
    },
}


def execute(notebook, kernel_name, tmp_path, allow_errors=False):
    client = NotebookClient(notebook, kernel_name=kernel_name, timeout=CELL_TIMEOUT_SECONDS,
                            allow_errors=allow_errors, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return notebook


def errors_of(cell):
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def text_of(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def with_checks(notebook, stem):
    """The demo with its checks inserted after the cells they check."""
    for anchor, check in reversed(CHECKS[stem]):
        index = next(i for i, cell in enumerate(notebook.cells)
                     if cell.cell_type == "code" and cell.source.split("\n")[0] == anchor)
        notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(check, metadata={"tags": ["check"]}))
    return notebook


def has_figure(notebook):
    return any({"image/png", "image/svg+xml"} & set(output.get("data", {}))
               for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)


def test_every_lesson_is_there():
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(DEMOS + COURSEWORK + DECKS)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.stem)
def test_committed_without_outputs_or_tests_and_with_public_api_only(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and any(cell.cell_type == "markdown" for cell in notebook.cells)
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs saved"
        assert "from diffkit." not in cell.source and "import diffkit." not in cell.source, (
            f"{path.name} reaches into diffkit's modules; notebooks use the public dk namespace"
        )
        if not is_grade(cell):  # test code lives in graded cells, or outside the notebook
            assert "assert " not in cell.source and "np.testing" not in cell.source, (
                f"{path.name} has test code in a student-facing cell:\n{cell.source}")


@pytest.mark.parametrize("stem", DEMOS)
def test_demo_runs_and_passes_its_checks(stem, kernel_name, tmp_path):
    notebook = execute(with_checks(nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4), stem), kernel_name,
                       tmp_path)
    assert not [e for cell in notebook.cells if cell.cell_type == "code" for e in errors_of(cell)]
    assert sum("check" in cell.metadata.get("tags", []) for cell in notebook.cells) == len(CHECKS[stem])
    assert has_figure(notebook), f"{stem} draws no figure"


@pytest.mark.parametrize("stem", COURSEWORK)
def test_coursework_has_three_or_more_graded_exercises(stem):
    notebook = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    graded = [cell for cell in notebook.cells if is_grade(cell)]
    answers = [cell for cell in notebook.cells if is_solution(cell)]
    assert len(graded) >= 3 and len(answers) == len(graded)
    assert all("### BEGIN SOLUTION" in cell.source for cell in answers)
    assert all("### BEGIN HIDDEN TESTS" in cell.source for cell in graded)
    assert all(cell.metadata["nbgrader"]["points"] > 0 and cell.metadata["nbgrader"]["locked"] for cell in graded)


@pytest.mark.parametrize("stem", COURSEWORK)
def test_instructor_version_runs_and_every_graded_cell_passes(stem, kernel_name, tmp_path):
    notebook = execute(nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4), kernel_name, tmp_path)
    assert not [e for cell in notebook.cells if cell.cell_type == "code" for e in errors_of(cell)]
    assert has_figure(notebook)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The student release of every notebook, made by the command a user runs."""
    out = tmp_path_factory.mktemp("release")
    assert main(["notebooks", "release", str(out)]) == 0
    return out


def test_release_stubs_solutions_and_removes_hidden_tests(released):
    for stem in COURSEWORK:
        instructor = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        student = nbformat.read(released / f"{stem}.ipynb", as_version=4)
        assert len(student.cells) == len(instructor.cells)
        text = "\n".join(cell.source for cell in student.cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text
        for mine, theirs in zip(instructor.cells, student.cells):
            if is_solution(mine):
                assert "# YOUR CODE HERE\n" in theirs.source and "raise NotImplementedError()" in theirs.source
                solution = mine.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
                assert solution.strip().split("\n")[0] not in theirs.source  # the answer is gone
            elif is_grade(mine):
                hidden = mine.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                assert hidden.strip() not in theirs.source and theirs.source.strip()
                assert theirs.metadata["editable"] is False and theirs.metadata["deletable"] is False
            else:
                assert theirs.source == mine.source
    for stem in DEMOS + DECKS:  # notebooks without exercises are copied as they are
        assert nbformat.read(released / f"{stem}.ipynb", as_version=4).cells == \
            nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4).cells


@pytest.mark.parametrize("stem", COURSEWORK)
def test_student_version_runs_unanswered_and_fails_every_graded_cell(stem, released, kernel_name, tmp_path):
    notebook = execute(nbformat.read(released / f"{stem}.ipynb", as_version=4), kernel_name, tmp_path,
                       allow_errors=True)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        found = errors_of(cell)
        if is_solution(cell) and "raise NotImplementedError()" in cell.source.split("\n"):  # a stub at top level
            assert found and found[0].ename == "NotImplementedError", cell.source
        elif is_grade(cell):
            assert found, f"a graded cell passed with no answer given:\n{cell.source}"
        elif not is_solution(cell):
            assert not found, f"a cell the student did not touch failed:\n{cell.source}\n{found}"


@pytest.mark.parametrize("stem", DECKS)
def test_deck_notebook_lists_every_slip_and_nothing_else(stem, kernel_name, tmp_path):
    key = stem.split("_")[2]
    notebook = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import json\nprint(json.dumps({row.quantity: [row.printed_text, float(row.computed)] for row in slips}))"))
    notebook = execute(notebook, kernel_name, tmp_path)
    assert not [e for cell in notebook.cells if cell.cell_type == "code" for e in errors_of(cell)]
    listed = json.loads(notebook.cells[-1].outputs[0]["text"])
    assert set(listed) == set(SLIPS[key])
    for quantity, (printed, computed) in listed.items():
        assert computed == pytest.approx(SLIPS[key][quantity], rel=1e-12)
    shown = "\n".join(text_of(cell) for cell in notebook.cells if "mismatches()" in cell.source)
    for quantity in SLIPS[key]:  # each slip is shown in the notebook, not only computed
        assert quantity in shown
    assert has_figure(notebook)
