"""Find the line of the user's program that is running (or that raised), for error messages."""

import linecache
import os
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


def user_location():
    """Describe the running program line as ``file:line (function): `source```, or ''."""
    frame = user_frame()
    if frame is None:
        return ""
    code = frame.f_code
    source = linecache.getline(code.co_filename, frame.f_lineno).strip()
    where = f"{os.path.basename(code.co_filename)}:{frame.f_lineno} in {code.co_name}()"
    return f"{where}: `{source}`" if source else where


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
    code = frame.f_code
    source = linecache.getline(code.co_filename, lineno).strip()
    where = f"{os.path.basename(code.co_filename)}:{lineno} in {code.co_name}()"
    return f"{where}: `{source}`" if source else where


def import_failure(exc, file=None):
    """What went wrong in a user's code and where: the line of ``file`` (else the innermost
    frame outside Python's import machinery) that raised, or a syntax error's line."""
    if isinstance(exc, SyntaxError):
        text = f" ({exc.text.strip()})" if exc.text and exc.text.strip() else ""
        return f"SyntaxError: {exc.msg} at line {exc.lineno} of {exc.filename}{text}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<frozen")]
    own = [f for f in frames if file and Path(f.filename) == Path(file)]
    frame = (own or frames or [None])[-1]
    where = f" at line {frame.lineno} of {frame.filename} ({frame.line})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


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
