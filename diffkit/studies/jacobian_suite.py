"""The Jacobian and Hessian study, registered: its cases, how one runs, and its page.

Every Jacobian cost, Hessian method, swell depth and Hessian-vector product is one
harness case, so it gets the harness's time limit, lands in the SQLite results database
the moment it finishes, and is skipped by a resumed run. A symbolic method that explodes
costs one row marked ``timeout``, and the larger sizes of its ladder are skipped. The
study has a page of its own (:mod:`diffkit.studies.jacobian_report`), written from the
database rows (:func:`data_from_rows`) whenever a run holds only its cases:
``diffkit report --suite jacobian`` runs them in isolated workers, ``diffkit
jacobian-report`` in its own process (or with ``--harness`` in isolated workers).
"""

from ..methods.transforms import HESSIAN_METHODS
from . import jacobian_study as measurements
from .jacobian_study import (
    COST_METHODS,
    HESSIAN_METHODS_STUDY,
    HESSIAN_SWELL,
    HVP,
    HVP_METHODS,
    JACOBIAN_COST,
    SWELL,
    SWELL_METHODS,
    SYMBOLIC_HVP_UP_TO,
)
from ..harness.studies import Study, register_study

NAME = "jacobian"
PARTS = (JACOBIAN_COST, HESSIAN_METHODS_STUDY, SWELL, HESSIAN_SWELL, HVP)
DESCRIPTION = "Jacobian cost against n and m, Hessian methods, symbolic-tape swell"
QUICK_NOTE = " (quick: small sizes)"
TIMEOUT = 60.0
# Where each part's rows go in the report's data, in the order the page lists unfinished cases.
DATA_KEYS = {
    JACOBIAN_COST: "jacobian_cost",
    HESSIAN_METHODS_STUDY: "hessian",
    HVP: "hvp",
    SWELL: "swell",
    HESSIAN_SWELL: "hessian_swell",
}
SIZES = {
    "full": {"sizes": (2, 8, 32, 128, 512, 1024), "swell_depths": range(1, 9), "hessian_depths": range(1, 5),
             "hvp_sizes": (4, 8, 32, 128, 256)},
    "quick": {"sizes": (2, 8, 32), "swell_depths": range(1, 3), "hessian_depths": range(1, 2), "hvp_sizes": (4, 8)},
}


def run(case, report_partial=None):
    """The data of one case (called in a harness worker, or in this process)."""
    settings = case.settings
    if case.program == JACOBIAN_COST:
        return measurements.jacobian_cost_row(settings["regime"], settings["n"], settings["m"], settings["method"])
    if case.program == HESSIAN_METHODS_STUDY:
        return measurements.hessian_row(settings["program"], settings["method"])
    if case.program == SWELL:
        return measurements.swell_row(settings["depth"], settings["method"])
    if case.program == HESSIAN_SWELL:
        return measurements.hessian_swell_row(settings["depth"])
    return measurements.hvp_row(settings["n"], settings["method"])


def cases(sizes=SIZES["full"]["sizes"], swell_depths=SIZES["full"]["swell_depths"],
          hessian_depths=SIZES["full"]["hessian_depths"], hvp_sizes=SIZES["full"]["hvp_sizes"]):
    """One harness case per measurement; growing sizes of a symbolic method go on a ladder."""
    from ..harness.cases import Case

    def case(part, settings, ladder="", rung=0):
        return Case(part, "study", settings, kind="study", ladder=ladder, rung=rung)

    result = []
    for regime, n, m in measurements.jacobian_shapes(sizes):
        result += [case(JACOBIAN_COST, {"regime": regime, "n": n, "m": m, "method": method})
                   for method in COST_METHODS]
    for program in measurements.hessian_programs():
        result += [case(HESSIAN_METHODS_STUDY, {"program": program.name, "method": method})
                   for method in HESSIAN_METHODS]
    for method in SWELL_METHODS:
        result += [case(SWELL, {"depth": depth, "method": method}, f"{SWELL}/{method}", depth)
                   for depth in swell_depths]
    result += [case(HESSIAN_SWELL, {"depth": depth}, HESSIAN_SWELL, depth) for depth in hessian_depths]
    for method in HVP_METHODS:
        result += [case(HVP, {"n": n, "method": method}, f"{HVP}/{method}", rung)
                   for rung, n in enumerate(hvp_sizes) if method != "symbolic" or n <= SYMBOLIC_HVP_UP_TO]
    return result


def suite(quick=False):
    """The study as a harness suite; ``quick`` keeps the sizes small (seconds)."""
    from ..harness.suites import Suite

    description = DESCRIPTION + (QUICK_NOTE if quick else "")
    return Suite(NAME, description, cases(**SIZES["quick" if quick else "full"]), timeout=TIMEOUT)


def _builtin_suite():
    return suite()  # looked up when called, so a test may swap in a smaller suite


def page(rows, meta, folder):
    """Write the Jacobian report into ``folder`` from a run's rows; return the files written."""
    from .jacobian_report import write_report

    data = data_from_rows(rows)
    data["quick"] = meta.get("description", "").endswith(QUICK_NOTE)
    data["harness"] = True
    data["isolated"] = meta.get("isolated", True)
    index = write_report(data, folder)
    return [index, index.with_name("index.html")]


def _sort_keys():
    """For each part, the order of its rows, read from a data row or from a case's settings alike."""
    programs = [program.name for program in measurements.hessian_programs()]
    methods = list(HESSIAN_METHODS)
    return {
        JACOBIAN_COST: lambda r: (r["regime"], r["n"], r["m"], COST_METHODS.index(r["method"])),
        HESSIAN_METHODS_STUDY: lambda r: (programs.index(r["program"]), methods.index(r["method"])),
        HVP: lambda r: (r["n"], HVP_METHODS.index(r["method"])),
        SWELL: lambda r: (r["depth"], SWELL_METHODS.index(r["method"])),
        HESSIAN_SWELL: lambda r: (r["depth"],),
    }


def data_from_rows(rows):
    """The report's data (one list of rows per part, and the cases that did not finish) from database rows."""
    from ..harness.cases import canonical_json

    keys = _sort_keys()
    finished = {part: [] for part in DATA_KEYS}
    unfinished = []
    for row in rows:
        part = row.get("program")
        if part not in DATA_KEYS:
            continue
        if row.get("status") == "ok" and row.get("data"):
            finished[part].append(row["data"])
        else:
            unfinished.append(row)
    data = {DATA_KEYS[part]: sorted(found, key=keys[part]) for part, found in finished.items()}
    order = list(DATA_KEYS)
    unfinished.sort(key=lambda row: (order.index(row["program"]), keys[row["program"]](row.get("settings") or {})))
    data["not_finished"] = [
        {"study": row["program"], "settings": canonical_json(row.get("settings") or {}), "status": row.get("status"),
         "reason": row.get("reason") or ""}
        for row in unfinished
    ]
    return data


STUDY = register_study(Study(
    name=NAME,
    description=DESCRIPTION,
    cases=cases,
    run=run,
    page=page,
    parts=PARTS,
    suite=_builtin_suite,
    command="diffkit.studies.jacobian_command",
))
