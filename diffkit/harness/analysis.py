"""Turn the database's rows into the tables and series the report shows.

Everything here is computed from stored rows only, so ``diffkit report --from DIR``
rebuilds the same report without running anything.
"""

import math
import statistics
from collections import Counter, defaultdict

import re

from ..methods import builds_expressions, is_finite_difference
from .cases import REFERENCE, REFERENCE_CHECK
from .metrics import estimate_honesty, fit_growth, fit_scaling, reference_agreement
from .worker import LIMIT_STATUSES

SIZE_PARAMETERS = ("depth", "iterations", "steps", "n")
TIMING_PARAMETERS = ("width", "depth", "iterations", "steps")
STEP_NAMES = {"depth": "layer", "iterations": "iteration", "steps": "step"}
# the GradBench problems' size settings (see GRADBENCH_LADDERS in diffkit.harness.suites), shown in labels
BENCHMARK_SIZES = ("d", "k", "l", "c", "m", "p", "ell", "s", "inner")
BENCHMARK = "benchmark"
FAILURE_STATUSES = ("unsupported", "too-large", "timeout", "memory", "error")
STATUSES = ("ok", *FAILURE_STATUSES, "skipped")
NEAR_LIMIT = 0.8  # a case that finished after this part of its time limit is "near the limit"


LABEL_SETTINGS = SIZE_PARAMETERS + ("width", "activation", "loss", "dataset") + BENCHMARK_SIZES
ABBREVIATIONS = {"depth": "d", "width": "w", "iterations": "n", "steps": "T"}


def _label(row):
    """``mlp(activation=tanh, dataset=ring, depth=2, ...)``: the program and the settings that tell its rows apart."""
    settings = ", ".join(f"{k}={v}" for k, v in sorted(row["settings"].items()) if k in LABEL_SETTINGS)
    return f"{row['program']}({settings})" if settings else row["program"]


def short_label(row):
    """``mlp(d=2, w=3, tanh, squared)``: the label of a plot's axis, made from the row (never by
    parsing :func:`_label`, since a program's name may hold parentheses, commas or '=')."""
    settings = row["settings"]
    parts = [f"{short}={settings[key]}" for key, short in ABBREVIATIONS.items() if key in settings]
    parts += [str(settings[key]) for key in ("activation", "loss") if key in settings]
    if row.get("family") == BENCHMARK:  # a GradBench problem's sizes have short names already
        parts += [f"{key}={settings[key]}" for key in BENCHMARK_SIZES + ("n",) if key in settings]
    return f"{row['program']}({', '.join(parts)})" if parts else row["program"]


def method_order(rows):
    from ..methods import method_names

    present = {r["method"] for r in rows if r["kind"] == "gradient"}
    order = [REFERENCE, REFERENCE_CHECK, *method_names()]
    return [m for m in order if m in present] + sorted(present - set(order))


def analyse(rows, meta):
    gradient_rows = [r for r in rows if r["kind"] == "gradient"]
    methods = method_order(rows)
    analysis = {
        "meta": meta,
        "methods": methods,
        "counts": _status_counts(rows, methods),
        "totals": Counter(r["status"] for r in rows),
        "accuracy": _accuracy(gradient_rows, methods),
        "agreement": reference_agreement(gradient_rows),
        "size_sweeps": _size_sweeps(gradient_rows),
        "timing": _timing(gradient_rows, methods),
        "runtime_table": _runtime_table(gradient_rows, methods),
        "cost_ratios": _cost_ratios(gradient_rows, methods),
        "failures": _failures(rows),
        "unsupported": _unsupported(rows),
        "near_limit": near_limit(rows),
        "warnings": _warnings(gradient_rows),
        "estimates": _estimates(gradient_rows, methods),
    }
    analysis["agreement_summary"] = _agreement_summary(analysis["agreement"])
    return analysis


def _estimates(rows, methods):
    """Per method that estimates its error: every entry's estimate beside its true error (programs off kinks)."""
    found = {}
    for row in rows:
        if row["status"] != "ok" or row.get("on_kink") or not row.get("error_estimate") or not row.get("entry_errors"):
            continue
        if len(row["error_estimate"]) != len(row["entry_errors"]):
            continue
        entries = found.setdefault(row["method"], {"true": [], "estimate": [], "rounding": [], "programs": 0})
        entries["true"] += row["entry_errors"]
        entries["estimate"] += row["error_estimate"]
        entries["rounding"] += row.get("rounding_error") or [0.0] * len(row["error_estimate"])
        entries["programs"] += 1
    ordered = {}
    for method in [m for m in methods if m in found] + sorted(set(found) - set(methods)):
        entries = found[method]
        ordered[method] = dict(entries, **estimate_honesty(entries["true"], entries["estimate"], entries["rounding"]))
    return ordered


def _status_counts(rows, methods):
    counts = {m: Counter() for m in methods}
    for row in rows:
        if row["kind"] == "gradient":
            counts[row["method"]][row["status"]] += 1
    return [{"method": m, **{s: counts[m].get(s, 0) for s in STATUSES}} for m in methods]


def _as_error(value):
    """A relative error to rank and take medians of: NaN (no comparison was possible) as infinite."""
    return math.inf if value != value else value


def _accuracy(rows, methods):
    errors = {}
    programs = []
    short = {}
    kinks = set()
    without_reference = []  # programs whose 50-digit reference failed: no error can be measured
    for row in rows:
        if row.get("on_kink"):
            kinks.add(_label(row))
        if row["method"] == REFERENCE and row["status"] != "ok" and _label(row) not in without_reference:
            without_reference.append(_label(row))
        if row["method"] in (REFERENCE, REFERENCE_CHECK) or row.get("rel_error") is None:
            continue
        label = _label(row)
        if label not in programs:
            programs.append(label)
            short[label] = short_label(row)
        errors[(label, row["method"])] = row["rel_error"]
    shown = [m for m in methods if m not in (REFERENCE, REFERENCE_CHECK)]
    per_method = {}
    for method in shown:
        # NaN (a gradient of the wrong shape) ranks as the largest error, not between the others
        values = [(_as_error(errors[(p, method)]), p) for p in programs if (p, method) in errors]
        if values:
            worst, worst_program = max(values)
            per_method[method] = {"median": statistics.median(v for v, _ in values), "worst": worst,
                                  "worst_program": worst_program, "count": len(values)}
    return {"programs": programs, "short": short, "methods": shown, "errors": errors, "per_method": per_method,
            "kinks": kinks, "without_reference": without_reference}


def _agreement_summary(agreement):
    if not agreement:
        return None
    digits = [a["digits"] for a in agreement.values()]
    worst = max(agreement.values(), key=lambda a: a["relative"])
    return {"programs": len(agreement), "min_digits": min(digits), "worst": worst}


def find_sweeps(rows, parameters):
    """Groups of rows of one program and method where one numeric setting varies."""
    groups = defaultdict(list)
    for row in rows:
        for parameter in parameters:
            value = row["settings"].get(parameter)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                fixed = tuple(sorted((k, str(v)) for k, v in row["settings"].items() if k != parameter))
                groups[(row["program"], parameter, fixed)].append(row)
    sweeps = []
    for (program, parameter, fixed), members in groups.items():
        if len({r["settings"][parameter] for r in members}) >= 3:
            sweeps.append({"program": program, "parameter": parameter, "fixed": dict(fixed), "rows": members})
    return sweeps


SIZE_SERIES = (
    ("symbolic", "derivative_tree_size", "symbolic: derivative tree size"),
    ("symbolic", "derivative_dag_size", "symbolic: derivative DAG size"),
    ("symbolic", "derivative_cse_size", "symbolic: derivative size after CSE"),
    ("symbolic-tape", "derivative_dag_size", "symbolic-tape: derivative DAG size"),
    ("tape", "nodes", "tape: nodes recorded"),
)


def _size_sweeps(rows):
    result = []
    for sweep in find_sweeps(rows, SIZE_PARAMETERS):
        series = []
        for method, column, label in SIZE_SERIES:
            points = sorted((r["settings"][sweep["parameter"]], r[column]) for r in sweep["rows"]
                            if r["method"] == method and r["status"] == "ok" and r.get(column))
            if len(points) < 2:
                continue
            x, y = [p[0] for p in points], [p[1] for p in points]
            growth = fit_growth(x, y)
            series.append({
                "label": label, "method": method, "column": column, "x": x, "y": y,
                "growth_model": growth, "fit_x0": x[-1], "fit_y0": y[-1],
                "growth": growth.describe(label, sweep["parameter"], STEP_NAMES.get(sweep["parameter"]))
                if growth else None,
            })
        if not series:
            continue
        fixed = ", ".join(f"{k}={v}" for k, v in sweep["fixed"].items())
        result.append({
            "program": sweep["program"], "parameter": sweep["parameter"], "series": series,
            "stops": symbolic_stops(sweep),
            "title": f"{sweep['program']} over {sweep['parameter']}" + (f" ({fixed})" if fixed else ""),
            "limit_rows": [r for r in sweep["rows"] if r["status"] in LIMIT_STATUSES],
        })
    return result


def symbolic_stops(sweep):
    """Where each expression-building method stopped along a sweep, and why: at its first
    limit (the size, the status and the reason; larger sizes were skipped), or where the
    suite stops running it (a size cut-off it declares, so that it stays short)."""
    parameter = sweep["parameter"]
    sizes = sorted({r["settings"][parameter] for r in sweep["rows"]})
    stops = []
    for method in sorted({r["method"] for r in sweep["rows"] if builds_expressions(r["method"])}):
        mine = sorted((r for r in sweep["rows"] if r["method"] == method), key=lambda r: r["settings"][parameter])
        limited = [r for r in mine if r["status"] in LIMIT_STATUSES]
        if limited:
            first = limited[0]
            stops.append({"method": method, "at": first["settings"][parameter], "status": first["status"],
                          "why": f"{first['status']}: {shorten_numbers(first.get('reason') or '')}",
                          "sentence": f"{method} stopped at {parameter} = {first['settings'][parameter]} "
                                      f"({first['status']}: {shorten_numbers(first.get('reason') or 'no reason recorded')}); "
                                      "larger sizes were not run"})
            continue
        ran = [r["settings"][parameter] for r in mine]
        beyond = [size for size in sizes if ran and size > max(ran)]
        if beyond:
            stops.append({"method": method, "at": max(ran), "status": "not run",
                          "why": "the suite runs it no further",
                          "sentence": f"{method} was run up to {parameter} = {max(ran)} only: the suite stops it "
                                      f"there to stay short (the `swell` suite takes it to its limit)"})
    return stops


def _timing(rows, methods):
    """Gradient time against parameters, on the sweep with the widest range of sizes.

    Each method's growth is fitted beyond its fixed overhead, with a confidence interval
    (:func:`~diffkit.harness.metrics.fit_scaling`); its cost in forward passes at the
    largest size is the round-by-round ratio with its quartiles, set beside the
    evaluations a finite-difference method counts.
    """
    sweeps = find_sweeps([r for r in rows if r["status"] == "ok"], TIMING_PARAMETERS)
    best = None
    for sweep in sweeps:
        sizes = [r["params"] for r in sweep["rows"] if r.get("params")]
        spread = max(sizes) / min(sizes) if sizes else 0
        if best is None or spread > best[0] or (spread == best[0] and sweep["parameter"] == "width"):
            best = (spread, sweep)
    if best is None or best[0] <= 1:
        return {"series": [], "forward": [], "title": ""}
    sweep = best[1]
    series = []
    for method in methods:
        if method in (REFERENCE, REFERENCE_CHECK):
            continue
        mine = sorted((r for r in sweep["rows"] if r["method"] == method and r.get("gradient_seconds")),
                      key=lambda r: r["params"])
        if len(mine) < 2:
            continue
        largest = mine[-1]
        series.append({
            "method": method, "params": [r["params"] for r in mine],
            "seconds": [r["gradient_seconds"] for r in mine],
            "low": [r.get("gradient_q1") or r["gradient_seconds"] for r in mine],
            "high": [r.get("gradient_q3") or r["gradient_seconds"] for r in mine],
            "repeats": [r.get("repeats") for r in mine],
            "scaling": fit_scaling([r["params"] for r in mine], [r["gradient_seconds"] for r in mine]),
            "largest_params": largest["params"],
            "largest_ratio": largest.get("forward_passes"),
            "largest_ratio_q1": largest.get("forward_passes_q1"),
            "largest_ratio_q3": largest.get("forward_passes_q3"),
            "evaluations": largest.get("evaluations") if is_finite_difference(method) else None,
        })
    forward = sorted({(r["params"], r["forward_seconds"]) for r in sweep["rows"]
                      if r["method"] == "tape" and r.get("forward_seconds")})
    fixed = ", ".join(f"{k}={v}" for k, v in sweep["fixed"].items())
    return {"series": series, "forward": forward,
            "title": f"{sweep['program']} over {sweep['parameter']} ({fixed})"}


def _runtime_table(rows, methods):
    table = []
    for row in rows:
        if row["status"] != "ok" or row["method"] in (REFERENCE, REFERENCE_CHECK) or not row.get("forward_seconds"):
            continue
        table.append({
            "program": _label(row), "method": row["method"], "params": row.get("params"),
            "gradient_seconds": row.get("gradient_seconds"), "one_off_seconds": row.get("one_off_seconds"),
            "gradient_q1": row.get("gradient_q1"), "gradient_q3": row.get("gradient_q3"),
            "forward_seconds": row["forward_seconds"], "repeats": row.get("repeats"),
            "ratio": row.get("forward_passes") or (row.get("gradient_seconds") or 0) / row["forward_seconds"],
            "ratio_q1": row.get("forward_passes_q1"), "ratio_q3": row.get("forward_passes_q3"),
        })
    programs = list(dict.fromkeys(r["program"] for r in table))
    shown = [m for m in methods if any(r["method"] == m for r in table)]
    cells = {(r["program"], r["method"]): r for r in table}
    return {"programs": programs, "methods": shown, "cells": cells}


def _cost_ratios(rows, methods):
    """ADBench's figure for the benchmark problems: derivative time over objective time.

    Per problem, one row per size (its label and parameter count) and one ratio per
    method: the median gradient time over the median forward pass of the same case.
    """
    problems = {}
    for row in rows:
        if (row.get("family") != BENCHMARK or row["status"] != "ok" or row["method"] in (REFERENCE, REFERENCE_CHECK)
                or not row.get("forward_seconds") or not row.get("gradient_seconds")):
            continue
        sizes = problems.setdefault(row["program"], {})
        size = sizes.setdefault(_label(row), {"label": _label(row), "params": row.get("params"),
                                              "rung": row.get("rung") or 0, "ratios": {}})
        size["ratios"][row["method"]] = row["gradient_seconds"] / row["forward_seconds"]
    result = []
    for program, sizes in problems.items():
        ordered = sorted(sizes.values(), key=lambda size: (size["params"] or 0, size["rung"], size["label"]))
        shown = [m for m in methods if any(m in size["ratios"] for size in ordered)]
        series = [{"method": m, "points": [(size["params"], size["ratios"][m]) for size in ordered if m in size["ratios"]]}
                  for m in shown]
        result.append({"program": program, "sizes": ordered, "methods": shown, "series": series})
    return result


def _failures(rows):
    """The cases that failed for real (a limit, an error), each with its whole reason."""
    return [_failure(r) for r in rows if r["status"] in FAILURE_STATUSES and r["status"] != "unsupported"]


def _unsupported(rows):
    """The cases a method declines by design (a branch SymPy cannot decide, a kink the complex
    step cannot cross): expected, so listed apart from the failures."""
    return [_failure(r) for r in rows if r["status"] == "unsupported"]


def _failure(row):
    return {"program": _label(row), "method": row["method"], "status": row["status"],
            "reason": shorten_numbers(" ".join((row.get("reason") or "").split()))}


def shorten_numbers(text, digits=4):
    """``text`` with every number of more than ``digits`` significant digits cut to them
    (``0.33333333333333333333`` -> ``0.3333…``): a reason quoting a 50-digit value stays readable."""
    def short(match):
        number = match.group(0)
        mantissa = number.split("e")[0].split("E")[0]
        if sum(c.isdigit() for c in mantissa.lstrip("-0.")) <= digits + 1:
            return number
        value = float(number)
        return f"{value:.{digits}g}…"
    return _NUMBER.sub(short, text)


_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?|(?<![\w.])\d{8,}")


def near_limit(rows):
    """The cases that finished ok after ``NEAR_LIMIT`` of their time limit: on another run (or a
    busier machine) they may time out, so the report marks them instead of counting them plain ok."""
    near = []
    for row in rows:
        limit, took = row.get("timeout"), row.get("wall_seconds")
        if row["status"] == "ok" and limit and took and took >= NEAR_LIMIT * limit:
            near.append({"program": _label(row), "method": row["method"], "seconds": took, "limit": limit,
                         "case_id": row["case_id"]})
    return near


def _warnings(rows):
    return [{"program": _label(r), "method": r["method"], "warnings": "; ".join(r["warnings"])}
            for r in rows if r.get("warnings")]
