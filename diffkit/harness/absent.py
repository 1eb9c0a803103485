"""One sentence for each report section whose data this run does not have.

A suite need not hold everything the report can show: the ``lectures`` suite has no
size sweeps and runs no study. Rather than a bare heading or an empty table, such a
section says why it is empty and which built-in suites have its data, found by looking
at the suites' cases (so the pointer follows the suites if they change).
"""

from ..methods import is_finite_difference
from .analysis import SIZE_PARAMETERS, TIMING_PARAMETERS, find_sweeps
from .cases import REFERENCE
from .studies import page_of

# What each section needs: what a suite without it lacks, what a suite with it has, and
# how to tell whether rows (or a suite's cases, which carry the same "program",
# "settings" and "kind") hold it.
NEEDS = {
    "swell": ("has no size sweeps (a program run at three or more depths or iterations)", "has them",
              lambda rows: bool(find_sweeps(_gradient(rows), SIZE_PARAMETERS))),
    "runtime": ("has no program run at several sizes, so gradient time is not fitted against the number "
                "of parameters", "has such sweeps",
                lambda rows: _parameter_sweep(rows)),
    "estimates": ("runs no finite-difference method, so no error estimate is set beside a true error", "does",
                  lambda rows: any(is_finite_difference(r.get("method")) for r in _gradient(rows))),
}
# Why a section is empty although the suite has its cases.
UNFINISHED = {
    "swell": "No method that records expression sizes (symbolic, symbolic-tape, tape) finished at two or "
             "more sizes of a sweep in this run.",
    "runtime": "No method finished at two or more parameter counts of a sweep in this run, so gradient time "
               "is not fitted against the number of parameters.",
    "estimates": "No finite-difference gradient off a kink finished beside a 50-digit reference.",
}


def _gradient(rows):
    return [r for r in rows if r.get("kind") == "gradient"]


def _parameter_sweep(rows):
    """Whether a sweep changes the number of parameters (unknown, None, counts as yes)."""
    for sweep in find_sweeps(_gradient(rows), TIMING_PARAMETERS):
        params = {r.get("params") for r in sweep["rows"]}
        if None in params or len(params) > 1:
            return True
    return False


def _has_data(section, analysis):
    if section == "swell":
        return bool(analysis["size_sweeps"])
    if section == "estimates":
        return bool(analysis["estimates"])
    return bool(analysis["timing"]["series"])


def absent_sections(rows, analysis):
    """``{section: sentence}`` for every section of the report left without data."""
    suite = analysis["meta"].get("suite", "?")
    notes = {}
    for section, (missing, has, holds) in NEEDS.items():
        if _has_data(section, analysis):
            continue
        if holds(rows):
            notes[section] = UNFINISHED[section]
        else:
            notes[section] = f"The `{suite}` suite {missing}{pointer(holds, suite, has)}."
    if not analysis["accuracy"]["per_method"]:
        finished = any(r["method"] == REFERENCE and r["status"] == "ok" for r in rows)
        notes["accuracy"] = ("No method's gradient finished, so none is compared with the reference." if finished
                             else "No 50-digit reference finished, so no gradient could be scored.")
    return notes


def study_absent(study, suite):
    """The sentence for a study whose cases the suite does not hold."""
    parts = set(study.parts)

    def holds(cases):
        return any(c.get("kind") == "study" and c["program"] in parts for c in cases)

    return f"The `{suite}` suite does not run {study.label}{pointer(holds, suite, 'does')}."


def pointer(holds, current, has):
    """``; `diffkit report --suite standard` (or `swell`) has them``, or nothing."""
    names = [name for name in suites_holding(holds) if name != current]
    if not names:
        return ""
    others = f" (or {', '.join(f'`{n}`' for n in names[1:])})" if len(names) > 1 else ""
    return f"; `diffkit report --suite {names[0]}`{others} {has}"


def suites_holding(holds):
    """The built-in suites with the generic report whose cases ``holds`` accepts."""
    names = []
    for name, cases in _builtin_cases().items():
        if page_of(cases) is None and holds(cases):  # a study's own suite has a page of its own
            names.append(name)
    return names


def _builtin_cases():
    """Every built-in suite's cases, as the dicts ``holds`` reads."""
    from .suites import builtin_suites

    return {name: [{"program": c.program, "settings": c.settings, "kind": c.kind, "source": c.source,
                    "method": c.method} for c in build().cases]
            for name, build in builtin_suites().items()}
