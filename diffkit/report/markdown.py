"""Markdown for every written report: tables, escaped cells and code spans, numbers.

The harness, bench and study pages all write their Markdown tables through
:func:`table`, so a cell's ``|`` never splits a row and a failure reason quoting
``<lambda>`` shows as text instead of vanishing into raw HTML. Text keeps its light
Markdown: a span between backticks stays a code span (Markdown shows code literally,
so only ``|`` is escaped inside it).
"""

import re

ALIGNMENTS = {"l": "---", "r": "---:", "c": ":---:", "s": "---"}  # s: a case's status, left
MISSING = "—"
_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"})
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


class Markdown(str):
    """Text already written as Markdown (a table, a code span): :func:`escape` leaves it as it is."""


def escape(value):
    """A value as a Markdown page prints it: on one line, ``|`` escaped so a table cell stays
    one cell, ``\\`` so it escapes nothing after it, and ``<``, ``>``, ``&`` as entities so no
    raw HTML gets in. Inside a code span (a failure reason quoting the program line) only
    ``|`` is escaped, since Markdown shows a code span's text as it is. Numbers (anything
    not a string) and :class:`Markdown` are printed as they are.
    """
    if not isinstance(value, str) or isinstance(value, Markdown):
        return value
    text = re.sub(r"\s+", " ", value)  # one line; a space at either end stays (Jinja joins pieces)
    parts, end = [], 0
    for span in CODE_SPAN.finditer(text):
        parts.append(text[end:span.start()].translate(_ESCAPES))
        parts.append(span.group(1) + span.group(2).replace("|", "\\|") + span.group(1))
        end = span.end()
    parts.append(text[end:].translate(_ESCAPES))
    return Markdown("".join(parts))


def code(value):
    """A value as one code span, fenced by more backticks than it holds in a row (``|`` escaped,
    as :func:`escape` does inside code)."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{padding}{text}{padding}{fence}")


def _cell(value):
    return str(escape(value)).strip()


def table(headers, rows, align=None):
    """A Markdown table; ``align`` is one letter per column: ``l``, ``r``, ``c`` (default all ``l``),
    or ``s`` for a column of case statuses (left; the HTML page colours them).

    Cells are escaped with :func:`escape` (numbers are printed with ``str``: pass them
    formatted); a row shorter or longer than the header is an error, not a ragged table.
    """
    headers = list(headers)
    align = align or "l" * len(headers)
    if len(align) != len(headers) or set(align) - set(ALIGNMENTS):
        raise ValueError(f"align must give one of l, r, c, s for each of the {len(headers)} columns, got {align!r}")
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |",
             "|" + "".join(ALIGNMENTS[a] + "|" for a in align)]
    for row in rows:
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(headers)} columns: {row!r}")
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    return Markdown("\n".join(lines))


def sci(value, digits=1, missing=MISSING):
    """A number in scientific notation for a table (``1.2e-16``); ``0`` for zero, ``missing`` for None."""
    if value is None:
        return missing
    if value == 0:
        return "0"
    return f"{value:.{digits}e}"


def seconds(value, missing=MISSING):
    """A duration in the unit that suits it: ``3.45 µs``, ``12.3 ms``, ``1.23 s``."""
    if value is None:
        return missing
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"
