"""Build the report folder (index.md, index.html, PNG plots) from its database alone.

``build_report(folder)`` scores the rows against the reference, analyses them, draws
the figures and renders the two Jinja2 templates in :mod:`diffkit.templates`. Nothing
is rerun, so a report can be rebuilt (or restyled) at any time from ``results.sqlite``.

Both pages escape everything they print: the HTML page by Jinja2's autoescape, the
Markdown page by :func:`markdown_escape`, which every printed value passes through, so
a program name such as ``a|b`` or ``<script>`` neither breaks a table nor goes in raw.
"""

import datetime
import re
import warnings
from pathlib import Path

import jinja2
import markupsafe

from .. import errors
from .absent import absent_sections
from .analysis import STATUSES, analyse
from .database import ResultsDB
from .lock import FolderLock
from .metrics import score
from .outputs import PAGES, check_pages, write_page
from .plots import FIGURES, draw_all
from .summary import summarise

JACOBIAN_SUITE = "jacobian"  # its studies have their own page: diffkit.studies.jacobian_report

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class MarkdownText(str):
    """Text already written as Markdown (a code span): the Markdown page prints it as it is."""


_MARKDOWN_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"})
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def markdown_escape(value):
    """A value as the Markdown page prints it: on one line, ``|`` escaped so a table cell stays
    one cell, and ``<``, ``>``, ``&`` as entities so no raw HTML gets in. Inside a code span
    (a failure reason quoting the program line) only ``|`` is escaped, since Markdown shows
    a code span's text as it is. Numbers and :class:`MarkdownText` are printed as they are."""
    if not isinstance(value, str) or isinstance(value, MarkdownText):
        return value
    text = " ".join(value.split())
    parts, end = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(text[end:span.start()].translate(_MARKDOWN_ESCAPES))
        parts.append(span.group(1) + span.group(2).replace("|", "\\|") + span.group(1))
        end = span.end()
    parts.append(text[end:].translate(_MARKDOWN_ESCAPES))
    return "".join(parts)


def markdown_code(value):
    """A value as a Markdown code span, fenced by more backticks than it holds (``|`` escaped,
    as :func:`markdown_escape` does inside code)."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    run, longest = 0, 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return MarkdownText(f"{fence}{pad}{text}{pad}{fence}")


def _environment(page):
    markdown = page.endswith(".md")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # index.html.j2 ends in .j2: name it, or its values (failure reasons with "<lambda>") go in raw
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        finalize=markdown_escape if markdown else None,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def sci(value, digits=1):
    """A number for a table: 1.2e-16, an em dash for missing."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    return f"{value:.{digits}e}"


def seconds(value):
    if value is None:
        return "—"
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def code(text):
    """Markdown's `inline code` as HTML <code>, the rest escaped: one sentence for both pages."""
    parts = str(markupsafe.escape(text)).split("`")
    return markupsafe.Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


def build_report(folder):
    """Write index.md, index.html and the plots into ``folder``; return their paths.

    A row or meta value of the database that cannot be read is left out, named in the
    report and in a :class:`~diffkit.errors.UnreadableResultWarning`.
    """
    folder = Path(folder)
    db = ResultsDB(folder, create=False)  # before the lock: a folder without results is refused as such
    try:
        with FolderLock(folder):
            check_pages(folder)
            return _build(folder, db)
    finally:
        db.close()


def _build(folder, db):
    meta = db.meta()
    if meta.get("suite") == JACOBIAN_SUITE:
        from ..studies.jacobian_suite import write_report_from_database

        return [write_report_from_database(folder)]
    rows = score(db)
    for text in db.unreadable:
        warnings.warn(f"{db.path}: {text}", errors.UnreadableResultWarning, stacklevel=3)
    analysis = analyse(rows, meta)
    analysis["absent"] = absent_sections(rows, analysis)
    analysis["unreadable"] = list(db.unreadable)
    figures = dict.fromkeys((f.__name__ for f in FIGURES), None)
    figures.update(draw_all(analysis, folder))
    context = {
        "a": analysis,
        "figures": figures,
        "summary": summarise(analysis),
        "statuses": STATUSES,
        "generated": datetime.datetime.fromtimestamp(meta.get("finished") or meta.get("started") or 0,
                                                     datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    written = []
    for name in PAGES:
        environment = _environment(name)
        environment.filters.update(sci=sci, seconds=seconds, code=code, md_code=markdown_code)
        write_page(folder / name, environment.get_template(f"{name}.j2").render(**context))
        written.append(folder / name)
    return written + [folder / f for f in figures.values() if f]
