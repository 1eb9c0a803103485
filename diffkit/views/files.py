"""Saving a view to a file: the path must be a name, its folder must exist, and a failed
write says what and where."""

import os
from pathlib import Path

from .. import errors


def given_path(path, what, example, kind="file"):
    """``path`` as a :class:`pathlib.Path`; an InputError asking for a name (``example``, such
    as ``trace.save('graph.svg')``) when it is none (None, a number), not pathlib's TypeError."""
    if not isinstance(path, (str, os.PathLike)):
        raise errors.InputError(f"cannot save {what} to {path!r}: give a {kind} name, e.g. {example}")
    return Path(path)


def writable_folder(path, folder, what):
    """Refuse to save ``what`` to ``path`` when its ``folder`` does not exist (saying how to
    make it) or is a file."""
    if folder.is_file():
        raise errors.InputError(
            f"cannot save {what} to {path}: {folder} is a file, not a folder; give the name of a folder "
            "(or of a new one to create first)"
        )
    if not folder.is_dir():
        raise errors.InputError(
            f"cannot save {what} to {path}: the folder {folder} does not exist; create it first "
            f"(e.g. pathlib.Path({str(folder)!r}).mkdir(parents=True)) or save it elsewhere"
        )


def write_file(path, data, what):
    """Write text or bytes to ``path``; an OSError becomes an InputError naming ``what`` and the path."""
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        raise errors.InputError(f"cannot save {what} to {path} ({exc.strerror or exc}): give a file "
                                "name in a folder you can write to") from None
