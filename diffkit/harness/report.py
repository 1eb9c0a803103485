"""Build the report folder (index.md, index.html, PNG plots) from its database alone.

``build_report(folder)`` scores the rows against the reference, analyses them, draws
the figures and renders the two Jinja2 templates in :mod:`diffkit.templates`. Nothing
is rerun, so a report can be rebuilt (or restyled) at any time from ``results.sqlite``.
"""

import datetime
from pathlib import Path

import jinja2
import markupsafe

from .absent import absent_sections
from .analysis import STATUSES, analyse
from .database import ResultsDB
from .metrics import score
from .plots import FIGURES, draw_all
from .summary import summarise

JACOBIAN_SUITE = "jacobian"  # its studies have their own page: diffkit.studies.jacobian_report

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _environment():
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # index.html.j2 ends in .j2: name it, or its values (failure reasons with "<lambda>") go in raw
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
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
    """Write index.md, index.html and the plots into ``folder``; return their paths."""
    folder = Path(folder)
    db = ResultsDB(folder, create=False)
    try:
        meta = db.meta()
        rows = [] if meta.get("suite") == JACOBIAN_SUITE else score(db)
    finally:
        db.close()
    if meta.get("suite") == JACOBIAN_SUITE:
        from ..studies.jacobian_suite import write_report_from_database

        return [write_report_from_database(folder)]
    analysis = analyse(rows, meta)
    analysis["absent"] = absent_sections(rows, analysis)
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
    environment = _environment()
    environment.filters["sci"] = sci
    environment.filters["seconds"] = seconds
    environment.filters["code"] = code
    written = []
    for name in ("index.md", "index.html"):
        text = environment.get_template(f"{name}.j2").render(**context)
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written + [folder / f for f in figures.values() if f]
