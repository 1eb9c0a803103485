"""Find the line of the user's program that is running (or that raised), for error messages."""

import linecache
import os
import re
import sys
import traceback
from pathlib import Path

from .. import errors

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # diffkit/
_IGNORED_DIRS = (_PACKAGE_DIR,)
# The zoo's programs are written with diffkit ops like a user's: their lines are the
# ones an error should name.
_PROGRAM_DIRS = (os.path.join(_PACKAGE_DIR, "programs") + os.sep,)


def _is_library_file(filename):
    path = os.path.abspath(filename)
    if path.startswith(_PROGRAM_DIRS):
        return False
    if path.startswith(_IGNORED_DIRS):
        return True
    parts = path.split(os.sep)
    return "numpy" in parts or "sympy" in parts


def user_frame():
    """Return the innermost frame that belongs to neither diffkit, NumPy nor SymPy."""
    frame = sys._getframe(1)
    while frame is not None and _is_library_file(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def user_frames():
    """The running user program's frames, innermost first: from the innermost frame outside diffkit,
    NumPy and SymPy out to the next library frame (the diffkit call that runs the program)."""
    frame = user_frame()
    while frame is not None and not _is_library_file(frame.f_code.co_filename):
        yield frame
        frame = frame.f_back


def user_location():
    """Describe the running program line as ``file:line (function): `source```, or ''."""
    frame = user_frame()
    if frame is None:
        return ""
    return describe_line(frame.f_code, frame.f_lineno)


def describe_line(code, lineno):
    """``file.py:3 in f(): `source``` or, for a notebook cell, ``cell [5], line 3 in f(): `source```."""
    source = linecache.getline(code.co_filename, lineno).strip()
    cell = notebook_cell(code.co_filename)
    place = f"{cell}, line {lineno}" if cell else f"{os.path.basename(code.co_filename)}:{lineno}"
    where = f"{place} in {code.co_name}()"
    return f"{where}: `{source}`" if source else where


_CELL_FILE = re.compile(r"(^|[\\/])ipykernel_\d+[\\/]\d+\.py$|^<ipython-input-(\d+)-[0-9a-f]+>$")


def notebook_cell(filename):
    """``cell [5]`` when ``filename`` is the temporary file IPython compiled a cell into
    (``/tmp/ipykernel_123/3157834162.py`` or ``<ipython-input-5-...>``), else ''.

    The number is the cell's execution count, as Jupyter shows it beside the cell; IPython
    keeps it for every cell it ran. Without a running IPython the cell is still named.
    """
    match = _CELL_FILE.search(filename)
    if not match:
        return ""
    if match.group(2):
        return f"cell [{match.group(2)}]"
    shell = _ipython()
    number = getattr(getattr(shell, "compile", None), "_filename_map", {}).get(filename) if shell else None
    return f"cell [{number}]" if number else "a notebook cell"


def _ipython():
    """The running IPython shell, or None (IPython is not imported here unless it already is)."""
    module = sys.modules.get("IPython")
    if module is None:
        return None
    try:
        return module.get_ipython()
    except Exception:  # an IPython without a shell
        return None


def user_source_line():
    """The source text of the running program line, or ''."""
    frame = user_frame()
    if frame is None:
        return ""
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()


def traceback_location(tb):
    """Describe the innermost line of the user's program in traceback ``tb``, or ''."""
    frame, lineno = None, None
    while tb is not None:
        if not _is_library_file(tb.tb_frame.f_code.co_filename):
            frame, lineno = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    if frame is None:
        return ""
    return describe_line(frame.f_code, lineno)


def import_failure(exc, file=None):
    """What went wrong in a user's code and where: the line of ``file`` (else the innermost
    frame outside Python's import machinery) that raised, or a syntax error's line."""
    if isinstance(exc, SyntaxError):
        text = f" ({exc.text.strip()})" if exc.text and exc.text.strip() else ""
        return f"SyntaxError: {exc.msg} at line {exc.lineno} of {exc.filename}{text}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<frozen")]
    own = [f for f in frames if file and Path(f.filename) == Path(file)]
    frame = (own or frames or [None])[-1]
    cell = notebook_cell(frame.filename) if frame else ""
    place = f"{cell}" if cell else (f"{frame.filename}" if frame else "")
    where = f" at line {frame.lineno} of {place} ({frame.line})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def raised_in(exc, path):
    """Whether a line of the file ``path`` is on ``exc``'s traceback (the user's module raised it)."""
    if not path:
        return False
    target = os.path.realpath(path)
    tb = exc.__traceback__
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == target:
            return True
        tb = tb.tb_next
    return False


def call_user_code(function, what, module, fix="fix the suite and run again"):
    """Call a function of a user's module; an exception in it becomes an InputError naming
    ``what`` raised it, the line of ``module`` it came from, and the ``fix``."""
    try:
        return function()
    except errors.DiffkitError:
        raise
    except Exception as exc:
        raise errors.InputError(
            f"{what} raised {import_failure(exc, getattr(module, '__file__', None))}; {fix}"
        ) from None
