"""One sentence for each report section whose data this run does not have.

A suite need not hold everything the report can show: the ``lectures`` suite has no
size sweeps and runs neither study. Rather than a bare heading or an empty table, such
a section says why it is empty and which built-in suites have its data, found by
looking at the suites' cases (so the pointer follows the suites if they change).
"""

from .analysis import SIZE_PARAMETERS, TIMING_PARAMETERS, find_sweeps
from .cases import REFERENCE
from .studies import FD_STEPS, TABLE1

# What each section needs: what a suite without it lacks, what a suite with it has, and
# how to tell whether rows (or a suite's cases, which carry the same "program",
# "settings" and "kind") hold it.
NEEDS = {
    "swell": ("has no size sweeps (a program run at three or more depths or iterations)", "has them",
              lambda rows: bool(find_sweeps(_gradient(rows), SIZE_PARAMETERS))),
    "runtime": ("has no program run at several sizes, so gradient time is not fitted against the number "
                "of parameters", "has such sweeps",
                lambda rows: _parameter_sweep(rows)),
    "fd_steps": ("does not run the step-size study", "does",
                 lambda rows: any(r["program"] == FD_STEPS for r in rows)),
    "table1": ("does not run the Table 1 study", "does",
               lambda rows: any(r["program"] == TABLE1 for r in rows)),
}
# Why a section is empty although the suite has its cases.
UNFINISHED = {
    "swell": "No method that records expression sizes (symbolic, symbolic-tape, tape) finished at two or "
             "more sizes of a sweep in this run.",
    "runtime": "No method finished at two or more parameter counts of a sweep in this run, so gradient time "
               "is not fitted against the number of parameters.",
    "fd_steps": "The step-size study did not finish (see Failures).",
    "table1": "No Table 1 case finished.",
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
    if section == "runtime":
        return bool(analysis["timing"]["series"])
    return bool(analysis[section])


def absent_sections(rows, analysis):
    """``{section: sentence}`` for every section of the report left without data."""
    suite = analysis["meta"].get("suite", "?")
    notes = {}
    for section, (missing, _, holds) in NEEDS.items():
        if _has_data(section, analysis):
            continue
        if holds(rows):
            notes[section] = UNFINISHED[section]
        else:
            notes[section] = f"The `{suite}` suite {missing}{_pointer(section, suite)}."
    if not analysis["accuracy"]["per_method"]:
        finished = any(r["method"] == REFERENCE and r["status"] == "ok" for r in rows)
        notes["accuracy"] = ("No method's gradient finished, so none is compared with the reference." if finished
                             else "No 50-digit reference finished, so no gradient could be scored.")
    return notes


def _pointer(section, current):
    """``; `diffkit report --suite standard` (or `swell`) has them``, or nothing."""
    names = [name for name in suites_holding(section) if name != current]
    if not names:
        return ""
    others = f" (or {', '.join(f'`{n}`' for n in names[1:])})" if len(names) > 1 else ""
    return f"; `diffkit report --suite {names[0]}`{others} {NEEDS[section][1]}"


def suites_holding(section):
    """The built-in suites with a generic report whose cases hold what ``section`` needs."""
    from .report import JACOBIAN_SUITE
    from .suites import BUILTIN

    holds = NEEDS[section][2]
    names = []
    for name, build in BUILTIN.items():
        if name == JACOBIAN_SUITE:  # its report is a page of its own
            continue
        cases = [{"program": c.program, "settings": c.settings, "kind": c.kind} for c in build().cases]
        if holds(cases):
            names.append(name)
    return names
