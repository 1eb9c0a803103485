"""Build the report folder (index.md, index.html, PNG plots) from its database alone.

``build_report(folder)`` scores the rows against the reference, analyses them, draws
the figures, asks every registered study for its section and renders the two Jinja2
templates in :mod:`diffkit.templates`. A run that holds only the cases of a study with
a page of its own gets that page instead. Nothing is rerun, so a report can be rebuilt
(or restyled) at any time from ``results.sqlite``.

Both pages escape everything they print: the HTML page by Jinja2's autoescape, the
Markdown page by :func:`diffkit.report.markdown.escape`, which every printed value
passes through (tables and sections come already escaped, as Markdown), so a program
name such as ``a|b`` or ``<script>`` neither breaks a table nor goes in raw.
"""

import datetime
import warnings
from pathlib import Path

from .. import errors
from ..report import html
from ..report.pages import environment
from ..report.section import Paragraph, Section
from .absent import absent_sections, study_absent
from .analysis import NEAR_LIMIT, STATUSES, analyse
from .cost_ratio_section import cost_ratio_section
from .database import ResultsDB
from .lock import FolderLock
from .metrics import score
from .outputs import PAGES, cannot_write, check_pages, write_page
from .plots import FIGURES, draw_all
from .studies import page_of, studies, study_of
from .summary import machine_sentence, runtime_lines, summarise
from .tables import html_tables, markdown_tables, ratio_cell, time_cell


def study_sections(rows, suite, folder):
    """Each registered study's part of the page: its section, or a sentence saying why it has none."""
    study_rows = [row for row in rows if row["kind"] == "study"]
    for row in study_rows:  # a user's suite module may register studies of its own
        study_of(row["program"], row.get("source") or "zoo")
    sections = []
    for study in studies():
        if study.section is None:
            continue
        mine = [row for row in study_rows if row["program"] in study.parts]
        try:
            section = study.section(mine, folder) if mine else None
        except OSError as exc:  # a figure the folder would not take
            raise cannot_write(exc.filename or folder, exc) from None
        if section is None:
            sentence = study.unfinished if mine else study_absent(study, suite)
            section = Section(study.name, study.title, [Paragraph(sentence)])
        sections.append(section)
    return sections


SECTIONS = (("summary", "Summary"), ("status", "Status by method"), ("accuracy", "Accuracy"),
            ("estimates", "Error estimates"), ("reference", "Reference cross-check"), ("swell", "Expression swell"), ("runtime", "Runtime"))
CLOSING = (("failures", "Failures"), ("near-limit", "Near the time limit"), ("unsupported", "Unsupported by design"),
           ("warnings", "NumPy warnings captured"))


def table_of_contents(sections):
    """(anchor, title) of every section of the page, the studies' in their place."""
    return [*SECTIONS, *((s.anchor, s.title) for s in sections), *CLOSING]


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
    for key, stand_in in (("suite", "?"), ("description", "(no description stored)")):
        meta.setdefault(key, stand_in)  # a meta table edited by hand: db.meta has noted what is missing
    rows = db.rows()
    own_page = page_of(rows)
    if own_page is not None:
        return own_page.page(rows, meta, folder)
    rows = score(db)
    for text in db.unreadable:
        warnings.warn(f"{db.path}: {text}", errors.UnreadableResultWarning, stacklevel=3)
    analysis = analyse(rows, meta)
    analysis["absent"] = absent_sections(rows, analysis)
    analysis["unreadable"] = list(db.unreadable)
    figures = dict.fromkeys((f.__name__ for f in FIGURES), None)
    figures.update(draw_all(analysis, folder))
    benchmark = cost_ratio_section(analysis, figures)
    sections = ([benchmark] if benchmark else []) + study_sections(rows, meta["suite"], folder)
    context = {
        "a": analysis,
        "title": f"diffkit report: {meta['suite']} suite",
        "toc": table_of_contents(sections),
        "figures": figures,
        "figure_html": html.figure,
        "studies": sections,
        "tables": markdown_tables(analysis, STATUSES),
        "html_tables": html_tables(analysis, STATUSES),
        "summary": summarise(analysis, sections),
        "runtime_lines": runtime_lines(analysis),
        "machine": machine_sentence(meta),
        "near_share": NEAR_LIMIT,
        "ratio_cell": ratio_cell,
        "time_cell": time_cell,
        "statuses": STATUSES,
        "generated": datetime.datetime.fromtimestamp(meta.get("finished") or meta.get("started") or 0,
                                                     datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    written = []
    for name in PAGES:
        write_page(folder / name, environment(name).get_template(f"{name}.j2").render(**context))
        written.append(folder / name)
    images = [f for f in figures.values() if f] + [f for section in sections for f in section.figures
                                                   if f not in figures.values()]
    return written + [folder / f for f in images]
