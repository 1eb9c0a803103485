"""Plain-text tables for terminals: columns padded to their widest cell, two spaces apart.

The checker's report and ``dk.compare`` print their tables through :func:`table`, the
text twin of :func:`diffkit.report.markdown.table`.
"""


def table(headers, rows, indent="", rule=True):
    """The lines of a text table (trailing spaces stripped); ``rule`` adds dashes under the header."""
    rows = [[str(cell) for cell in row] for row in rows]
    headers = [str(header) for header in headers]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]

    def line(cells):
        return (indent + "  ".join(cell.ljust(width) for cell, width in zip(cells, widths))).rstrip()

    lines = [line(headers)]
    if rule:
        lines.append(indent + "  ".join("-" * width for width in widths))
    return lines + [line(row) for row in rows]
