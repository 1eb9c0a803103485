"""``diffkit notebooks``: the coursework notebooks, and their student release.

    diffkit notebooks list               # every notebook, its exercises and their points
    diffkit notebooks release OUT        # student versions: solutions stubbed, hidden tests removed

The instructor notebooks (diffkit's ``notebooks/`` folder, or ``--source DIR``) are in
nbgrader's format; the release follows nbgrader's conventions
(:mod:`diffkit.commands.nbgrader_release`).
"""

from pathlib import Path

from .. import errors

COMMAND = "notebooks"
HELP = "list the coursework notebooks, or release student versions of them (nbgrader's format)"


def default_source():
    """The notebooks folder of diffkit's source tree, else ./notebooks."""
    here = Path(__file__).resolve().parents[2] / "notebooks"
    return here if here.is_dir() else Path("notebooks")


def add_arguments(parser):
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    release = actions.add_parser("release", help="write the student version of every notebook into OUT",
                                 description="write the student version of every notebook into OUT: solution "
                                             "regions replaced by 'raise NotImplementedError()' stubs, hidden tests "
                                             "removed, graded cells read-only, outputs cleared")
    release.add_argument("out", metavar="OUT", help="folder for the student notebooks (created if missing)")
    release.add_argument("--source", default=None, help="folder of the instructor notebooks (default: diffkit's)")
    release.add_argument("--force", action="store_true", help="replace notebooks already in OUT")
    listing = actions.add_parser("list", help="list the notebooks, their exercises and points")
    listing.add_argument("--source", default=None, help="folder of the instructor notebooks (default: diffkit's)")


def _nbformat():
    try:
        import nbformat
    except ImportError:
        raise errors.InputError("the notebook commands need nbformat: pip install nbformat "
                                "(or diffkit's dev extra)") from None
    return nbformat


def _source(args):
    source = Path(args.source) if args.source else default_source()
    if not source.is_dir():
        raise errors.InputError(f"no notebook folder {source}: give the instructor notebooks' folder with --source")
    return source


def run(args):
    from .nbgrader_release import (
        instructor_notebooks, is_grade, is_solution, nbgrader_metadata, read_notebook, release,
    )

    if args.action is None:
        raise errors.InputError("say what to do: diffkit notebooks list, or diffkit notebooks release OUT")
    source = _source(args)
    if args.action == "release":
        _nbformat()
        assignments, copies = release(source, Path(args.out), force=args.force)
        for path in assignments:
            print(f"released {path} (solutions stubbed, hidden tests removed)")
        for path in copies:
            print(f"copied {path} (no exercises)")
        print(f"{len(assignments)} assignments and {len(copies)} other notebooks in {args.out}")
        return 0
    _nbformat()
    for path in instructor_notebooks(source):
        notebook = read_notebook(path)
        graded = [nbgrader_metadata(c) for c in notebook.cells if is_grade(c)]
        answers = sum(is_solution(c) for c in notebook.cells)
        if graded:
            points = sum(meta.get("points", 0) for meta in graded)
            print(f"{path.name}: {answers} answer cells, {len(graded)} graded cells, {points:g} points")
        else:
            print(f"{path.name}: no exercises")
    return 0
