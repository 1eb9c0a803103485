"""The pages a report writes into its folder, and the error when one cannot be written."""

from pathlib import Path

from .. import errors

PAGES = ("index.md", "index.html")


def cannot_write(path, exc):
    """The InputError for an output file the operating system refused (``exc``, an OSError)."""
    path = Path(path)
    cause = "it is a folder: move it away" if path.is_dir() else "check that the folder is writable"
    return errors.InputError(
        f"cannot write {path} ({exc.strerror or exc}): {cause}, then rebuild the report with "
        f"'diffkit report --from {path.parent}'"
    )


def check_pages(folder):
    """Refuse a folder where a page cannot go (a folder named ``index.html``), before any work."""
    for name in PAGES:
        path = Path(folder) / name
        if path.exists() and not path.is_file():
            raise errors.InputError(
                f"{path} is a folder, so the report cannot be written there: move it away, or give --out "
                "another folder"
            )


def write_page(path, text):
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None
