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
    """Light Markdown: backticks for code, ``**`` for bold; the rest is
    escaped on both pages, so values written into it need no care."""

    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple
    rows: tuple
    align: str = ""


@dataclass(frozen=True)
class Image:
    """A figure: the PNG shown (a link to it at full size) and the SVG written beside it."""

    src: str
    alt: str


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section (``###``)."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A list of items of light Markdown, as :class:`Paragraph`."""

    items: tuple


@dataclass(frozen=True)
class Details:
    """A folded block (HTML ``<details>``) holding other blocks, opened by its ``summary``."""

    summary: str
    blocks: tuple


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
        return markdown.Markdown("\n\n".join(_markdown_block(block) for block in self.blocks))

    def html(self):
        return markupsafe.Markup("\n").join(_html_block(block) for block in self.blocks)


def _markdown_block(block):
    if isinstance(block, Paragraph):
        return markdown.escape(block.text)
    if isinstance(block, Table):
        return markdown.table(block.headers, block.rows, block.align or None)
    if isinstance(block, Heading):
        return f"### {markdown.escape(block.text)}"
    if isinstance(block, Bullets):
        return "\n".join(f"- {markdown.escape(item)}" for item in block.items)
    if isinstance(block, Details):
        inner = "\n\n".join(_markdown_block(b) for b in block.blocks)
        return f"<details><summary>{markdown.escape(block.summary)}</summary>\n\n{inner}\n\n</details>"
    return f"![{markdown.escape(block.alt)}]({block.src})"


def _html_block(block):
    if isinstance(block, Paragraph):
        return markupsafe.Markup("<p>{}</p>").format(html.rich(block.text))
    if isinstance(block, Table):
        return html.table(block.headers, block.rows, block.align or None)
    if isinstance(block, Heading):
        return markupsafe.Markup("<h3>{}</h3>").format(html.inline(block.text))
    if isinstance(block, Bullets):
        items = markupsafe.Markup("").join(markupsafe.Markup("<li>{}</li>").format(html.rich(i)) for i in block.items)
        return markupsafe.Markup("<ul>{}</ul>").format(items)
    if isinstance(block, Details):
        inner = markupsafe.Markup("\n").join(_html_block(b) for b in block.blocks)
        return markupsafe.Markup("<details><summary>{}</summary>\n{}\n</details>").format(
            html.inline(block.summary), inner)
    return html.figure(block.src, block.alt)
