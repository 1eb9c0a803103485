"""The backward pass as a table: one row per operation, in the order it runs.

Each row is the notes' "upstream x local = downstream": the gradient arriving at the
node from the output side, the node's local gradient with respect to each input, and
the gradient it sends down to each input. It prints as text and shows as an HTML
table in Jupyter.
"""

from html import escape

from .format import format_value

COLUMNS = ("step", "node", "upstream", "input", "local", "downstream")


class BackwardSteps:
    """The rows of a trace's backward pass; iterate for :class:`BackwardStep` objects."""

    def __init__(self, steps):
        self.steps = list(steps)

    def __iter__(self):
        return iter(self.steps)

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def rows(self):
        """One tuple per (step, input): step number, node, upstream, input, local, downstream (as text)."""
        rows = []
        for number, step in enumerate(self.steps, start=1):
            node_text = f"{step.node.title} (#{step.node.index})"
            upstream = format_value(step.upstream)
            if not step.inputs:
                rows.append((str(number), node_text, upstream, "", "", ""))
            for i, (source, local, down) in enumerate(zip(step.inputs, step.local, step.downstream)):
                rows.append((
                    str(number) if i == 0 else "",
                    node_text if i == 0 else "",
                    upstream if i == 0 else "",
                    f"{source.name or source.label} (#{source.index})",
                    "Jacobian" if local is None else format_value(local),
                    format_value(down),
                ))
        return rows

    def __str__(self):
        rows = [COLUMNS] + self.rows()
        widths = [max(len(row[c]) for row in rows) for c in range(len(COLUMNS))]
        lines = []
        for n, row in enumerate(rows):
            lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * width for width in widths))
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        head = "".join(f"<th>{escape(name)}</th>" for name in COLUMNS)
        body = []
        for row in self.rows():
            cells = []
            for name, text in zip(COLUMNS, row):
                colour = {"upstream": "#b00", "downstream": "#b00", "local": "#555"}.get(name)
                style = f' style="color:{colour}"' if colour else ""
                cells.append(f"<td{style}>{escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (
            "<table class=\"diffkit-steps\"><caption>backward pass: upstream &times; local = downstream"
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
