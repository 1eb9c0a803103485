"""``diffkit notebooks release`` and ``list``: nbgrader's conventions on small instructor notebooks."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from diffkit.cli import main
from diffkit.commands.nbgrader_release import CODE_STUB, student_version


def graded(cell, grade_id, **flags):
    meta = {"grade": False, "solution": False, "locked": False, "grade_id": grade_id, "schema_version": 3}
    meta.update(flags)
    cell.metadata["nbgrader"] = meta
    return cell


def assignment(*cells):
    return new_notebook(cells=list(cells))


def test_solution_regions_become_stubs_at_their_indentation():
    notebook = assignment(graded(new_code_cell("def f(x):\n    \"\"\"Double x.\"\"\"\n    ### BEGIN SOLUTION\n"
                                               "    return 2 * x\n    ### END SOLUTION\n\nprint(f)"), "a", solution=True))
    cell = student_version(notebook).cells[0]
    assert cell.source == ('def f(x):\n    """Double x."""\n    # YOUR CODE HERE\n    raise NotImplementedError()'
                           "\n\nprint(f)")


def test_a_solution_cell_without_markers_and_a_written_answer_are_replaced_whole():
    notebook = assignment(graded(new_code_cell("x = 42"), "a", solution=True),
                          graded(new_markdown_cell("Because the add gate copies."), "b", solution=True, grade=True,
                                 points=1))
    cells = student_version(notebook).cells
    assert cells[0].source == CODE_STUB and cells[1].source == "YOUR ANSWER HERE"


def test_hidden_tests_are_removed_and_graded_cells_locked_and_outputs_cleared():
    test = graded(new_code_cell("assert f(2) == 4\n### BEGIN HIDDEN TESTS\nassert f(-1) == -2\n### END HIDDEN TESTS"),
                  "t", grade=True, points=2, locked=True)
    test.outputs = [nbformat.v4.new_output("stream", text="ran")]
    test.execution_count = 3
    released = student_version(assignment(test)).cells[0]
    assert released.source == "assert f(2) == 4"
    assert released.metadata["editable"] is False and released.metadata["deletable"] is False
    assert released.outputs == [] and released.execution_count is None


@pytest.mark.parametrize("cell, message", [
    (new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "has a solution region but is not a solution cell"),
    (new_code_cell("### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS"), "has hidden tests but is not a grade cell"),
    (graded(new_code_cell("### BEGIN SOLUTION\nx = 1"), "a", solution=True), "never closed"),
    (graded(new_code_cell("assert 1"), "t", grade=True), "grade cell without points"),
])
def test_what_nbgrader_refuses_is_refused(cell, message, capsys):
    import diffkit as dk

    with pytest.raises(dk.InputError, match=message):
        student_version(assignment(cell), "hw.ipynb")


def test_grade_ids_must_be_unique():
    import diffkit as dk

    notebook = assignment(graded(new_code_cell("x = 1"), "same", solution=True),
                          graded(new_code_cell("y = 2"), "same", solution=True))
    with pytest.raises(dk.InputError, match="repeats grade_id 'same' of cell 1"):
        student_version(notebook, "hw.ipynb")


def test_the_command_releases_a_folder_and_refuses_to_overwrite(tmp_path, capsys):
    source = tmp_path / "instructor"
    source.mkdir()
    nbformat.write(assignment(graded(new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "a", solution=True),
                              graded(new_code_cell("assert x == 1"), "t", grade=True, points=1, locked=True)),
                   source / "hw1.ipynb")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Notes")]), source / "reading.ipynb")
    out = tmp_path / "student"
    assert main(["notebooks", "release", str(out), "--source", str(source)]) == 0
    printed = capsys.readouterr().out
    assert "released" in printed and "hw1.ipynb" in printed and "1 assignments and 1 other notebooks" in printed
    assert "x = 1" not in (out / "hw1.ipynb").read_text(encoding="utf-8")
    assert main(["notebooks", "release", str(out), "--source", str(source)]) == 2
    assert "already has hw1.ipynb, reading.ipynb" in capsys.readouterr().err
    assert main(["notebooks", "release", str(out), "--source", str(source), "--force"]) == 0
    assert main(["notebooks", "list", "--source", str(source)]) == 0
    assert "hw1.ipynb: 1 answer cells, 1 graded cells, 1 points" in capsys.readouterr().out
    assert main(["notebooks", "release", str(out), "--source", str(tmp_path / "none")]) == 2
    assert "no notebook folder" in capsys.readouterr().err
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    assert main(["notebooks", "release", str(tmp_path / "a_file"), "--source", str(source)]) == 2
    assert "a_file is an existing file, not a folder: give OUT a folder" in capsys.readouterr().err
    assert main(["notebooks", "release", "/proc/no_such_folder", "--source", str(source)]) == 2
    assert "cannot create the release folder /proc/no_such_folder" in capsys.readouterr().err


def test_diffkits_own_notebooks_are_listed(capsys):
    assert main(["notebooks", "list"]) == 0
    listing = capsys.readouterr().out
    assert "01_backprop_by_hand.ipynb: 4 answer cells, 4 graded cells, 18 points" in listing
    assert "12_deck_002_essay.ipynb: no exercises" in listing


def test_a_notebook_that_is_not_json_is_named_by_list_and_release(tmp_path, capsys):
    source = tmp_path / "source"
    source.mkdir()
    (source / "broken.ipynb").write_text("not json", encoding="utf-8")
    for command in (["notebooks", "list", "--source", str(source)],
                    ["notebooks", "release", str(tmp_path / "out"), "--source", str(source)]):
        assert main(command) == 2
        assert f"cannot read the notebook {source / 'broken.ipynb'} (NotJSONError" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["notebooks", "list", "--source", str(empty)]) == 2  # before: nothing printed, status 0
    assert "no notebooks (*.ipynb) in" in capsys.readouterr().err
