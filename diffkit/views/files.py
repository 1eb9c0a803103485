"""Saving a view to a file: the folder must exist, and a failed write says what and where."""

from .. import errors


def writable_folder(path, folder, what):
    """Refuse to save ``what`` to ``path`` when its ``folder`` does not exist, saying how to make it."""
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
