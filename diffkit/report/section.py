"""A report section written once and rendered twice: as Markdown and as HTML.

A study's part of the harness report is a :class:`Section` of blocks (paragraphs of
light Markdown, tables, images); the harness places its Markdown in ``index.md`` and
its HTML in ``index.html``, so the two pages cannot drift apart.
"""

from dataclasses import dataclass, field

import markupsafe

from . import html, markdown


@dataclass(frozen=True)
class Paragraph:
    """Light Markdown: backticks for code, ``**`` for bold (dropped in HTML); the rest is
    escaped on both pages, so values written into it need no care."""

    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple
    rows: tuple
    align: str = ""


@dataclass(frozen=True)
class Image:
    src: str
    alt: str


@dataclass
class Section:
    """``anchor`` is the HTML id; ``summary`` an optional paragraph for the report's Summary."""

    anchor: str
    title: str
    blocks: list = field(default_factory=list)
    summary: str = ""

    @property
    def figures(self):
        """The image files the section shows."""
        return [block.src for block in self.blocks if isinstance(block, Image)]

    def markdown(self):
        parts = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(markdown.escape(block.text))
            elif isinstance(block, Table):
                parts.append(markdown.table(block.headers, block.rows, block.align or None))
            else:
                parts.append(f"![{markdown.escape(block.alt)}]({block.src})")
        return markdown.Markdown("\n\n".join(parts))

    def html(self):
        parts = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(markupsafe.Markup("<p>{}</p>").format(html.inline(block.text.replace("**", ""))))
            elif isinstance(block, Table):
                parts.append(html.table(block.headers, block.rows, block.align or None))
            else:
                parts.append(markupsafe.Markup('<img src="{}" alt="{}">').format(block.src, block.alt))
        return markupsafe.Markup("\n").join(parts)
