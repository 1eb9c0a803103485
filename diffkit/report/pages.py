"""Write a report's pages, Markdown and HTML, from the package's Jinja2 templates.

Every HTML page extends ``page.html.j2`` (one style sheet, a table of contents, figures
that link to themselves at full size); a page made of :class:`~diffkit.report.section.Section`
objects (the bench's, a study's own page) is written by :func:`write_section_pages`
as ``index.md`` and ``index.html`` from the same sections, so the two cannot drift.
"""

from pathlib import Path

import jinja2

from . import html, markdown

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def environment(page):
    """The Jinja2 environment for ``page`` (a name ending in .md or .html)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # the templates end in .j2: name them, or their values (reasons with "<lambda>") go in raw
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        finalize=markdown.escape if page.endswith(".md") else None,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(sci=markdown.sci, seconds=markdown.seconds, code=html.inline, rich=html.rich,
                       md_code=markdown.code)
    return env


def section_markdown(title, intro, sections):
    """The Markdown page: the title, the introduction's paragraphs, then each section."""
    parts = [f"# {markdown.escape(title)}", *(markdown.escape(p) for p in intro)]
    parts += [f"## {markdown.escape(s.title)}\n\n{s.markdown()}" for s in sections]
    return "\n\n".join(parts) + "\n"


def section_html(title, intro, sections):
    """The HTML page of the same sections, with a table of contents."""
    template = environment("index.html").get_template("sections.html.j2")
    return template.render(title=title, intro=intro, sections=sections,
                           toc=[(s.anchor, s.title) for s in sections])


def write_section_pages(folder, title, intro, sections):
    """Write ``index.md`` and ``index.html`` into ``folder``; return their paths."""
    folder = Path(folder)
    written = []
    for name, text in (("index.md", section_markdown(title, intro, sections)),
                       ("index.html", section_html(title, intro, sections))):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
