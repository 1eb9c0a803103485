"""What a study is to the harness: the registry of studies, and running one study case.

A study is a measurement that is not one gradient of one program (the built-in ones
are listed by ``diffkit list studies``). Each is a :class:`Study`, declared in one
module of :mod:`diffkit.studies` and registered there with :func:`register_study`: the harness runs its cases in its workers
(``Case(kind="study")``, whose ``program`` names one part of the study) and asks it for
its report section, and the built-in suites take its cases from here. The harness
knows no study by name; it only reads this registry (studies sit above the harness and
register themselves into it, so the layers point down).

The built-in studies are the modules of the :data:`BUILTIN_PACKAGE`, imported the first
time the registry is read. A user's suite module may register a study of its own: its
cases carry the module as their ``source``, and the workers and the report import it.
A study case's failure becomes a status as for a gradient case (so a study's ladder
stops at a limit), with the exception's message as its reason.
"""

import importlib
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

from .. import errors
from .cases import load_module
from .measure import classify

BUILTIN_PACKAGE = "diffkit.studies"  # its __init__ imports (and so registers) every built-in study
STUDY_FAMILY = "study"

_STUDIES = {}


@dataclass(frozen=True)
class Study:
    """One study, declared in one place.

    - ``cases(**options)``: the harness cases (``kind="study"``) of one run of the study;
    - ``run(case, report_partial)``: the data of one case, computed in a worker; the
      harness stores it in the row's ``data`` (``report_partial`` sends fields early,
      kept if the case then hits a limit);
    - ``section(rows, folder)``: its part of the harness report, a
      :class:`diffkit.report.section.Section`, or None when none of its rows finished
      (the report then says why, using ``label`` and ``unfinished``);
    - ``title``, ``label``, ``unfinished``: the section's heading, the study as a sentence
      names it ("the Newton study"), and what the section says when cases ran but none
      finished (defaults are made from the name and description);
    - ``page(rows, meta, folder)``: instead of a section, a page of its own, written when
      a run holds only this study's cases; returns the files written;
    - ``parts``: the names its cases carry as ``Case.program`` (default: the study's name);
    - ``joins``: the built-in suites its cases are part of, each with the options for ``cases``;
    - ``suite()``: a built-in suite of its own, named after the study;
    - ``command``: the dotted path of a module adding a ``diffkit`` subcommand (as the
      modules of :mod:`diffkit.commands` do), for a study with options of its own.
    """

    name: str
    description: str
    cases: Callable
    run: Callable
    section: Optional[Callable] = None
    page: Optional[Callable] = None
    title: str = ""
    label: str = ""
    unfinished: str = ""
    parts: tuple = ()
    joins: Mapping = field(default_factory=dict)
    suite: Optional[Callable] = None
    command: str = ""

    def __post_init__(self):
        defaults = {"parts": (self.name,), "title": self.description, "label": f"the {self.name} study",
                     "unfinished": f"No case of the {self.name} study finished (see Failures)."}
        for name, value in defaults.items():
            if not getattr(self, name):
                object.__setattr__(self, name, value)
        if (self.section is None) == (self.page is None):
            raise errors.InputError(f"study {self.name!r} must have either a report section or a page of its own")


def register_study(study):
    """Add ``study`` to the registry (again under the same name: replaced); return it."""
    taken = {part: other.name for other in _STUDIES.values() if other.name != study.name for part in other.parts}
    clash = [part for part in study.parts if part in taken]
    if clash:
        raise errors.InputError(f"study {study.name!r} names its cases {clash[0]!r}, as study "
                                f"{taken[clash[0]]!r} does: give them other names")
    _STUDIES[study.name] = study
    return study


def _load_builtin():
    importlib.import_module(BUILTIN_PACKAGE)


def studies():
    """Every registered study, built-in ones first, in the order they were registered."""
    _load_builtin()
    return list(_STUDIES.values())


def get_study(name):
    """The study registered as ``name``; an InputError listing the studies otherwise."""
    _load_builtin()
    if name not in _STUDIES:
        raise errors.InputError(f"no study named {name!r}{errors.did_you_mean(name, _STUDIES)}; the studies are "
                                f"{', '.join(_STUDIES)}")
    return _STUDIES[name]


def study_of(part, source="zoo"):
    """The study one of whose cases is named ``part``, importing the user module ``source`` first."""
    _load_builtin()
    if source != "zoo":
        load_module(source)
    for study in _STUDIES.values():
        if part in study.parts:
            return study
    parts = ", ".join(part for study in _STUDIES.values() for part in study.parts)
    raise errors.InputError(f"no study has cases named {part!r}; the study cases are {parts}")


def joining(suite):
    """The cases the studies add to the built-in suite ``suite``."""
    return [case for study in studies() if suite in study.joins for case in study.cases(**study.joins[suite])]


def own_suites():
    """``{name: suite builder}`` of the studies with a built-in suite of their own."""
    return {study.name: study.suite for study in studies() if study.suite is not None}


def page_of(rows):
    """The study whose page a run's rows (or a suite's cases, as dicts) get, or None.

    That is a study with a page of its own when every row is one of its cases.
    """
    if not rows or any(row.get("kind") != "study" for row in rows):
        return None
    found = {study_of(row["program"], row.get("source") or "zoo").name for row in rows}
    study = get_study(found.pop()) if len(found) == 1 else None
    return study if study is not None and study.page is not None else None


def run_study(case, report_partial=None):
    """Run a study case in this process; return its row fields."""
    row = {"family": STUDY_FAMILY}
    try:
        study = study_of(case.program, case.source)
        row["data"] = study.run(case, report_partial)
        row["status"] = "ok"
    except BaseException as exc:  # noqa: B902  (a case's failure is data, not a crash)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        row["status"], row["reason"] = classify(exc)
        if row["status"] == "error":  # where in the study's code it broke says little on its page
            row["reason"] = f"{type(exc).__name__}: {str(exc)[:500]}"
    return row
