"""The student release of an instructor notebook, following nbgrader's conventions.

An instructor notebook marks its cells in ``metadata.nbgrader`` as nbgrader does:
``solution`` (an answer cell the student fills in), ``grade`` with ``points`` (a test
cell the autograder runs), ``locked`` (read-only), each with a unique ``grade_id``. The
release does what ``nbgrader generate_assignment`` does to them:

- in a solution cell, every region from ``### BEGIN SOLUTION`` to ``### END SOLUTION``
  becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` at the region's
  indentation (a markdown cell's becomes ``YOUR ANSWER HERE``); a solution cell without
  the markers is replaced whole;
- in a grade cell, every region from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS``
  is removed;
- grade and locked cells are made read-only (``editable`` and ``deletable`` false);
- outputs and execution counts are cleared.

Markers outside the cells meant for them, duplicate ``grade_id`` values and grade cells
without points are refused, as nbgrader refuses them. nbgrader itself is not needed
(only nbformat); its own ``generate_assignment`` accepts the same instructor notebooks and
adds its checksums.
"""

import re

from .. import errors

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


def nbgrader_metadata(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell):
    return bool(nbgrader_metadata(cell).get("solution"))


def is_grade(cell):
    return bool(nbgrader_metadata(cell).get("grade"))


def is_locked(cell):
    meta = nbgrader_metadata(cell)
    return bool(meta.get("locked")) or (bool(meta.get("grade")) and not meta.get("solution"))


def is_assignment(notebook):
    """Whether any cell of ``notebook`` carries nbgrader metadata."""
    return any(nbgrader_metadata(cell) for cell in notebook.cells)


def _marker(line, word):
    return re.fullmatch(rf"\s*(#+|//)\s*{word}\s*", line) is not None


def _replace_regions(source, begin, end, replacement, where):
    """``source`` with each begin..end region replaced (``replacement(indent)``; None: removed)."""
    lines = source.split("\n")
    out, inside, found = [], False, False
    for number, line in enumerate(lines, start=1):
        if _marker(line, begin):
            if inside:
                raise errors.InputError(f"{where}: '{begin}' at line {number} inside another region; close the "
                                        f"first with '### {end}'")
            inside, found = True, True
            indent = line[: len(line) - len(line.lstrip())]
            if replacement is not None:
                out.extend(indent + stub_line for stub_line in replacement.split("\n"))
            continue
        if _marker(line, end):
            if not inside:
                raise errors.InputError(f"{where}: '{end}' at line {number} without a '### {begin}' before it")
            inside = False
            continue
        if not inside:
            out.append(line)
    if inside:
        raise errors.InputError(f"{where}: '### {begin}' is never closed by '### {end}'")
    return "\n".join(out), found


def _has_marker(source, *words):
    return any(_marker(line, word) for line in source.split("\n") for word in words)


def check_instructor_notebook(notebook, name):
    """Refuse what nbgrader refuses: duplicate ids, grade cells without points, misplaced markers."""
    seen = {}
    for index, cell in enumerate(notebook.cells, start=1):
        where = f"{name}, cell {index}"
        meta = nbgrader_metadata(cell)
        if meta:
            grade_id = meta.get("grade_id")
            if not grade_id:
                raise errors.InputError(f"{where} has nbgrader metadata but no grade_id; give every such cell one")
            if grade_id in seen:
                raise errors.InputError(f"{where} repeats grade_id {grade_id!r} of cell {seen[grade_id]}; "
                                        "grade_id must be unique")
            seen[grade_id] = index
            if meta.get("grade") and not isinstance(meta.get("points"), (int, float)):
                raise errors.InputError(f"{where} is a grade cell without points; set metadata.nbgrader.points")
        if not is_solution(cell) and _has_marker(cell.source, BEGIN_SOLUTION, END_SOLUTION):
            raise errors.InputError(f"{where} has a solution region but is not a solution cell "
                                    "(metadata.nbgrader.solution); mark it or remove the markers")
        if not is_grade(cell) and _has_marker(cell.source, BEGIN_HIDDEN, END_HIDDEN):
            raise errors.InputError(f"{where} has hidden tests but is not a grade cell "
                                    "(metadata.nbgrader.grade); mark it or remove the markers")


def student_version(notebook, name="notebook"):
    """A copy of the instructor ``notebook`` as students get it (see the module's docstring)."""
    import copy

    check_instructor_notebook(notebook, name)
    released = copy.deepcopy(notebook)
    for index, cell in enumerate(released.cells, start=1):
        where = f"{name}, cell {index}"
        if is_solution(cell):
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            source, found = _replace_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, stub, where)
            cell.source = source if found else stub
        if is_grade(cell):
            cell.source, _ = _replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, None, where)
            cell.source = cell.source.rstrip("\n")
        if is_locked(cell):
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return released


def instructor_notebooks(source):
    """The instructor notebooks in ``source``, in name order; an InputError when there are none."""
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise errors.InputError(f"no notebooks (*.ipynb) in {source}; give the folder of the instructor notebooks "
                                "with --source")
    return notebooks


def read_notebook(path):
    """One notebook as nbformat reads it; one that is not valid notebook JSON is an InputError naming it."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001  (nbformat's NotJSONError, a validation or a decoding error)
        raise errors.InputError(
            f"cannot read the notebook {path} ({type(exc).__name__}: {str(exc)[:200]}); fix it (open and save it "
            "in Jupyter) or move it out of the folder"
        ) from None


def release(source, out, force=False):
    """Write the student version of every notebook in folder ``source`` into ``out``.

    Returns (released assignments, copied notebooks) as lists of paths. An existing file in
    ``out`` is replaced only with ``force``.
    """
    import nbformat

    from ..harness.database import make_folder

    notebooks = instructor_notebooks(source)
    make_folder(out, option="OUT", kind="release folder")
    clashes = [out / path.name for path in notebooks if (out / path.name).exists()]
    if clashes and not force:
        raise errors.InputError(f"{out} already has {', '.join(p.name for p in clashes)}; release into an empty "
                                "folder or pass --force to replace them")
    if out.resolve() == source.resolve():
        raise errors.InputError("the release folder is the instructor notebooks' own folder: give another OUT")
    assignments, copies = [], []
    for path in notebooks:
        notebook = read_notebook(path)
        student = student_version(notebook, path.name)
        nbformat.validate(student)
        target = out / path.name
        nbformat.write(student, target)
        (assignments if is_assignment(notebook) else copies).append(target)
    return assignments, copies
