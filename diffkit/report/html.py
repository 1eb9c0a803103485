"""HTML twins of :mod:`diffkit.report.markdown` for the pages that are written both ways.

Text is escaped (values quote programs, ``x > 5``, ``<lambda>``) and its Markdown code
spans become ``<code>``, so one sentence serves the Markdown and the HTML page.
"""

import re

import markupsafe

from .markdown import CODE_SPAN, Markdown


def inline(text):
    """Escaped text with each `code span` as ``<code>``; :class:`markupsafe.Markup` passes through.

    A :class:`~diffkit.report.markdown.Markdown` value (a code span made for a Markdown
    table) has its ``\\|`` turned back into ``|``.
    """
    if isinstance(text, markupsafe.Markup):
        return text
    written = isinstance(text, Markdown)
    text = str(text)
    parts, end = [], 0
    for span in CODE_SPAN.finditer(text):
        inside = span.group(2).replace("\\|", "|") if written else span.group(2)
        parts += [markupsafe.escape(text[end:span.start()]), markupsafe.Markup("<code>{}</code>").format(inside)]
        end = span.end()
    parts.append(markupsafe.escape(text[end:]))
    return markupsafe.Markup("").join(parts)


BOLD = re.compile(r"\*\*(.+?)\*\*")


def rich(text):
    """:func:`inline`, with light Markdown's ``**bold**`` as ``<b>`` (a paragraph of a summary)."""
    parts, end = [], 0
    for span in BOLD.finditer(str(text)):
        parts += [inline(text[end:span.start()]), markupsafe.Markup("<b>{}</b>").format(inline(span.group(1)))]
        end = span.end()
    parts.append(inline(str(text)[end:]))
    return markupsafe.Markup("").join(parts)


def _cell_class(align, value):
    if align == "s":
        return markupsafe.Markup(' class="text status-{}"').format(value)
    return {"l": ' class="text"', "r": "", "c": ' style="text-align: center"'}[align]


def table(headers, rows, align=None):
    """An HTML table; ``align`` as in :func:`diffkit.report.markdown.table`.

    Cells of ``l`` columns get the class "text" (left-aligned), of ``s`` columns also
    "status-<status>" (coloured by the page's style sheet).
    """
    align = align or "l" * len(headers)
    lines = ["<table>", "<tr>" + "".join(f"<th>{inline(h)}</th>" for h in headers) + "</tr>"]
    for row in rows:
        cells = "".join(f"<td{_cell_class(a, value)}>{inline(value)}</td>" for a, value in zip(align, row))
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</table>")
    return markupsafe.Markup("\n".join(lines))


def figure(src, alt):
    """An image that links to itself at full size (the page shows it scaled to its width), with a
    link to the SVG written beside it."""
    svg = src.rsplit(".", 1)[0] + ".svg"
    return markupsafe.Markup(
        '<figure><a href="{src}"><img src="{src}" alt="{alt}"></a>'
        '<figcaption>{alt} (<a href="{src}">full size</a>, <a href="{svg}">SVG</a>)</figcaption></figure>'
    ).format(src=src, alt=alt, svg=svg)
