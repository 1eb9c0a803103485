"""The Jacobian studies as a harness suite: each measurement is one isolated case.

Run through the harness, every Jacobian cost, Hessian method and swell depth gets its
own worker with the harness's time and memory limits, lands in the SQLite results
database the moment it finishes, and is skipped by a resumed run. A symbolic method
that explodes costs one row marked ``timeout``, and the larger depths of its ladder
are skipped. ``diffkit jacobian-report --harness`` runs this suite and writes the report
from the database (:func:`data_from_rows`); ``diffkit report --suite
diffkit.studies.jacobian_suite`` runs it too.
"""

from .jacobian_programs import hessian_programs, jacobian_shapes
from .jacobian_study import (
    COST_METHODS,
    HVP_METHODS,
    SWELL_METHODS,
    SYMBOLIC_HVP_UP_TO,
    hessian_row,
    hessian_swell_row,
    hvp_row,
    jacobian_cost_row,
    swell_row,
)
from ..methods.transforms import HESSIAN_METHODS

JACOBIAN_COST = "jacobian-cost"
HESSIAN_METHODS_STUDY = "hessian-methods"
SWELL = "symbolic-tape-swell"
HESSIAN_SWELL = "hessian-swell"
HVP = "hvp-cost"
STUDIES = (JACOBIAN_COST, HESSIAN_METHODS_STUDY, SWELL, HESSIAN_SWELL, HVP)
NAME = "jacobian"
QUICK_NOTE = " (quick: small sizes)"


def _jacobian_cost(settings):
    return jacobian_cost_row(settings["regime"], settings["n"], settings["m"], settings["method"])


def _hessian_methods(settings):
    return hessian_row(settings["program"], settings["method"])


def _swell(settings):
    return swell_row(settings["depth"], settings["method"])


def _hessian_swell(settings):
    return hessian_swell_row(settings["depth"])


def _hvp(settings):
    return hvp_row(settings["n"], settings["method"])


RUNNERS = {
    JACOBIAN_COST: _jacobian_cost,
    HESSIAN_METHODS_STUDY: _hessian_methods,
    SWELL: _swell,
    HESSIAN_SWELL: _hessian_swell,
    HVP: _hvp,
}


def run_jacobian_study(name, settings):
    """The data of one case of this suite (called in the harness's worker)."""
    return RUNNERS[name](settings)


def cases(
    sizes=(2, 8, 32, 128, 512, 1024),
    swell_depths=range(1, 9),
    hessian_depths=range(1, 5),
    hvp_sizes=(4, 8, 32, 128, 256),
):
    """One harness case per measurement; growing sizes of a symbolic method go on a ladder."""
    from ..harness.cases import Case

    result = []
    for regime, n, m in jacobian_shapes(sizes):
        for method in COST_METHODS:
            settings = {"regime": regime, "n": n, "m": m, "method": method}
            result.append(Case(JACOBIAN_COST, "study", settings, kind="study"))
    for program in hessian_programs():
        for method in HESSIAN_METHODS:
            settings = {"program": program.name, "method": method}
            result.append(Case(HESSIAN_METHODS_STUDY, "study", settings, kind="study"))
    for method in SWELL_METHODS:
        for depth in swell_depths:
            settings = {"depth": depth, "method": method}
            result.append(Case(SWELL, "study", settings, kind="study", ladder=f"{SWELL}/{method}", rung=depth))
    for depth in hessian_depths:
        result.append(Case(HESSIAN_SWELL, "study", {"depth": depth}, kind="study", ladder=HESSIAN_SWELL, rung=depth))
    for method in HVP_METHODS:
        for rung, n in enumerate(hvp_sizes):
            if method == "symbolic" and n > SYMBOLIC_HVP_UP_TO:
                continue
            settings = {"n": n, "method": method}
            result.append(Case(HVP, "study", settings, kind="study", ladder=f"{HVP}/{method}", rung=rung))
    return result


def suite(quick=False):
    """The harness suite; ``quick`` keeps the sizes small (seconds)."""
    from ..harness.suites import Suite

    description = "Jacobian cost against n and m, Hessian methods, symbolic-tape swell"
    if quick:
        chosen = cases(sizes=(2, 8, 32), swell_depths=range(1, 3), hessian_depths=range(1, 2), hvp_sizes=(4, 8))
        description += QUICK_NOTE
    else:
        chosen = cases()
    return Suite(NAME, description, chosen, timeout=60.0)


def write_report_from_database(folder):
    """Write the Jacobian report into ``folder`` from its ``results.sqlite`` alone; return index.md.

    This is the page ``diffkit report --suite jacobian`` (and ``--from`` on its folder)
    writes, in place of the harness's generic one.
    """
    from ..harness.database import ResultsDB
    from .jacobian_report import write_report

    db = ResultsDB(folder)
    try:
        data = data_from_rows(db.rows())
        data["quick"] = db.meta().get("description", "").endswith(QUICK_NOTE)
    finally:
        db.close()
    data["harness"] = True
    return write_report(data, folder)


def data_from_rows(rows):
    """The report's data (as :func:`diffkit.studies.jacobian_study.run_all` returns it) from database rows."""
    keys = {
        JACOBIAN_COST: "jacobian_cost",
        HESSIAN_METHODS_STUDY: "hessian",
        SWELL: "swell",
        HESSIAN_SWELL: "hessian_swell",
        HVP: "hvp",
    }
    data = {key: [] for key in keys.values()}
    data["not_finished"] = []
    for row in rows:
        key = keys.get(row.get("program"))
        if key is None:
            continue
        if row.get("status") == "ok" and row.get("data"):
            data[key].append(row["data"])
        else:
            data["not_finished"].append(
                {"study": row["program"], "settings": row.get("settings"), "status": row.get("status"),
                 "reason": row.get("reason") or ""}
            )
    data["jacobian_cost"].sort(key=lambda r: (r["regime"], r["n"], r["m"], COST_METHODS.index(r["method"])))
    data["swell"].sort(key=lambda r: (r["depth"], SWELL_METHODS.index(r["method"])))
    data["hessian_swell"].sort(key=lambda r: r["depth"])
    data["hvp"].sort(key=lambda r: (r["n"], HVP_METHODS.index(r["method"])))
    program_order = [program.name for program in hessian_programs()]
    methods = list(HESSIAN_METHODS)
    data["hessian"].sort(key=lambda r: (program_order.index(r["program"]), methods.index(r["method"])))
    return data
