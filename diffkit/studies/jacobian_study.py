"""Measurements behind the Jacobian report: cost of each mode, second-derivative accuracy, swell.

Every function returns plain rows (dicts of numbers and strings) so the report can be
written, and rewritten, from a saved JSON file without running anything again.
Times are the best of a few repeats (wall clock, ``time.perf_counter``).
"""

import json
import time

import mpmath
import numpy as np
from ..core.lazy import sympy

from .. import errors
from ..api import gradient
from .jacobian_programs import (
    hessian_program,
    hessian_programs,
    jacobian_shapes,
    least_squares,
    tanh_network,
    vector_program,
)
from ..methods import Problem
from ..engines.sympy_compile import trace_symbolic
from ..methods.transforms import HESSIAN_METHODS, hessian_result, hvp, jacobian_result

COST_METHODS = ("tape", "forward-mode", "fd-central")
SWELL_METHODS = ("symbolic", "symbolic-cse", "symbolic-tape")
REFERENCE_DIGITS = 50

# The studies' names in the report's "not_finished" rows: the same as the harness suite's
# (diffkit.studies.jacobian_suite), so a page looks the same however it was measured.
JACOBIAN_COST = "jacobian-cost"
HESSIAN_METHODS_STUDY = "hessian-methods"
SWELL = "symbolic-tape-swell"
HESSIAN_SWELL = "hessian-swell"
HVP = "hvp-cost"


def _record_failure(not_finished, study, settings, exc, progress):
    """Keep a measurement that raised as a "not_finished" row (status "error"), or re-raise.

    ``not_finished`` is None when a study is called on its own: then the error propagates.
    """
    if not_finished is None:
        raise exc
    reason = f"{type(exc).__name__}: {exc}"
    not_finished.append({
        "study": study,
        "settings": json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str),
        "status": "error",
        "reason": reason,
    })
    progress(f"{study} {settings} failed: {reason[:200]}")


def _best_time(run, repeats):
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _passes(stats):
    for key in ("backward_passes", "passes", "evaluations"):
        if key in stats:
            return stats[key]
    return None


def jacobian_cost_row(regime, n, m, method, repeats=3):
    """Seconds and passes of one mode for the full Jacobian of ``vector_program(n, m)``."""
    program = vector_program(n, m)
    reference = jacobian_result(program.function, *program.args, method="tape").matrix
    seconds, result = _best_time(lambda: jacobian_result(program.function, *program.args, method=method), repeats)
    return {
        "regime": regime,
        "n": n,
        "m": m,
        "method": method,
        "seconds": seconds,
        "passes": _passes(result.stats),
        "max_abs_diff_vs_tape": float(np.max(np.abs(result.matrix - reference))),
    }


def jacobian_cost(sizes=(2, 8, 32, 128, 512, 1024), repeats=3, progress=print, not_finished=None):
    """Seconds and passes of each mode on R^n -> R^m programs; differences from the tape.

    With a ``not_finished`` list, a measurement that raises is recorded there and the
    others go on (so for every study below).
    """
    rows = []
    for regime, n, m in jacobian_shapes(sizes):
        for method in COST_METHODS:
            try:
                rows.append(jacobian_cost_row(regime, n, m, method, repeats))
            except Exception as exc:
                settings = {"regime": regime, "n": n, "m": m, "method": method}
                _record_failure(not_finished, JACOBIAN_COST, settings, exc, progress)
        progress(f"jacobian {regime:7} n={n:<4} m={m:<4} done")
    return rows


def reference_hessian(program):
    """The Hessian from SymPy's expression evaluated with mpmath at REFERENCE_DIGITS digits."""
    problem = Problem(program.function, program.args, program.argnums)
    expression, symbols = trace_symbolic(problem)
    n = len(symbols)
    entries = {(i, j): sympy.diff(expression, symbols[i], symbols[j]) for i in range(n) for j in range(i, n)}
    evaluate = sympy.lambdify(symbols, list(entries.values()), modules="mpmath", docstring_limit=0)
    point = [float(v) for leaf in problem.leaves for v in leaf.reshape(-1)]
    with mpmath.workdps(REFERENCE_DIGITS):
        values = evaluate(*[mpmath.mpf(v) for v in point])
        hessian = np.zeros((n, n))
        for (i, j), value in zip(entries, values):
            hessian[i, j] = hessian[j, i] = float(value)
    return hessian


def hessian_row(program, method, repeats=3, reference=None):
    """One second-order method on one Hessian program: error against 50 digits, cost, swell."""
    if isinstance(program, str):
        program = hessian_program(program)
    reference = reference_hessian(program) if reference is None else reference
    scale = max(1.0, float(np.max(np.abs(reference))))
    seconds, result = _best_time(
        lambda: hessian_result(program.function, *program.args, argnums=program.argnums, method=method),
        repeats if method != "symbolic" else 1,
    )
    stats = result.stats
    return {
        "program": program.name,
        "n": int(reference.shape[0]),
        "method": method,
        "seconds": seconds,
        "max_rel_error": float(np.max(np.abs(result.matrix - reference))) / scale,
        "asymmetry": float(np.max(np.abs(result.matrix - result.matrix.T))),
        "passes": _passes(stats),
        "forward_tree_size": stats.get("forward_tree_size"),
        "hessian_tree_size": stats.get("hessian_tree_size"),
        "hessian_dag_size": stats.get("hessian_dag_size"),
        "hessian_cse_size": stats.get("hessian_cse_size"),
    }


def hessian_comparison(repeats=3, progress=print, not_finished=None):
    """Each second-order method on each Hessian program."""
    rows = []
    for program in hessian_programs():
        try:
            reference = reference_hessian(program)
        except Exception as exc:  # no error to measure against: every method of this program fails
            for method in HESSIAN_METHODS:
                settings = {"program": program.name, "method": method}
                _record_failure(not_finished, HESSIAN_METHODS_STUDY, settings, exc, progress)
            continue
        for method in HESSIAN_METHODS:
            try:
                rows.append(hessian_row(program, method, repeats, reference))
            except Exception as exc:
                settings = {"program": program.name, "method": method}
                _record_failure(not_finished, HESSIAN_METHODS_STUDY, settings, exc, progress)
        progress(f"hessian {program.name} done")
    return rows


HVP_METHODS = ("forward-over-reverse", "reverse-over-reverse", "fd-central", "symbolic")
SYMBOLIC_HVP_UP_TO = 8  # the symbolic route forms the whole Hessian: only small n


def hvp_row(n, method, repeats=3):
    """H v of least squares in n unknowns, against the exact 2 X^T X v / N; and the full Hessian's time."""
    program = least_squares(n, rows=2 * n)
    w, X, y = program.args
    v = np.random.default_rng(n).normal(size=n)
    exact = 2.0 * X.T @ (X @ v) / X.shape[0]
    options = {"measure_cse": False} if method == "symbolic" else {}
    seconds, product = _best_time(
        lambda: hvp(program.function, v, *program.args, method=method, **options),
        repeats if method != "symbolic" else 1,
    )
    row = {
        "n": n,
        "method": method,
        "seconds": seconds,
        "max_rel_error": float(np.max(np.abs(product - exact)) / max(1.0, np.max(np.abs(exact)))),
    }
    if method != "symbolic":
        row["hessian_seconds"], _ = _best_time(
            lambda: hessian_result(program.function, *program.args, method=method), 1
        )
    return row


def hvp_comparison(sizes=(4, 8, 32, 128, 256), repeats=3, progress=print, not_finished=None):
    """Hessian-vector products against forming the Hessian, as n grows."""
    rows = []
    for n in sizes:
        for method in HVP_METHODS:
            if method == "symbolic" and n > SYMBOLIC_HVP_UP_TO:
                continue
            try:
                rows.append(hvp_row(n, method, repeats))
            except Exception as exc:
                _record_failure(not_finished, HVP, {"n": n, "method": method}, exc, progress)
        progress(f"hvp n={n} done")
    return rows


def swell_row(depth, method):
    """Derivative sizes and time of one symbolic method on ``tanh_network(depth)``."""
    program = tanh_network(depth)
    start = time.perf_counter()
    result = gradient(program.function, *program.args, argnums=program.argnums, method=method)
    stats = result.stats
    return {
        "depth": depth,
        "params": program.num_params,
        "method": method,
        "seconds": time.perf_counter() - start,
        "derivation_time": stats.get("derivation_time"),
        "forward_tree_size": stats.get("forward_tree_size"),
        "derivative_tree_size": stats.get("derivative_tree_size"),
        "derivative_dag_size": stats.get("derivative_dag_size"),
        "derivative_cse_size": stats.get("derivative_cse_size"),
    }


def swell_comparison(depths=(1, 2, 3, 4, 5, 6), time_limit=20.0, progress=print, not_finished=None):
    """Derivative sizes of symbolic, symbolic-cse and symbolic-tape as a network deepens.

    A method leaves the table once one depth takes longer than ``time_limit`` seconds or
    its expression grows too large for SymPy.
    """
    rows = []
    active = list(SWELL_METHODS)
    for depth in depths:
        for method in list(active):
            try:
                row = swell_row(depth, method)
            except errors.ExpressionTooLargeError:
                active.remove(method)
                continue
            except Exception as exc:
                _record_failure(not_finished, SWELL, {"depth": depth, "method": method}, exc, progress)
                continue
            rows.append(row)
            if row["seconds"] > time_limit:
                active.remove(method)
        progress(f"swell depth={depth} done")
        if not active:
            break
    return rows


def hessian_swell_row(depth):
    """Sizes of the symbolic gradient and Hessian of ``tanh_network(depth)``."""
    program = tanh_network(depth)
    stats = hessian_result(program.function, *program.args, argnums=program.argnums, method="symbolic").stats
    return {
        "depth": depth,
        "params": program.num_params,
        "forward_tree_size": stats["forward_tree_size"],
        "gradient_tree_size": stats["gradient_tree_size"],
        "hessian_tree_size": stats["hessian_tree_size"],
        "hessian_dag_size": stats["hessian_dag_size"],
        "hessian_cse_size": stats["hessian_cse_size"],
        "seconds": stats["seconds"],
    }


def symbolic_hessian_swell(depths=(1, 2, 3), progress=print, not_finished=None):
    """Sizes of the symbolic gradient and Hessian as the tanh chain deepens."""
    rows = []
    for depth in depths:
        try:
            rows.append(hessian_swell_row(depth))
        except Exception as exc:
            _record_failure(not_finished, HESSIAN_SWELL, {"depth": depth}, exc, progress)
            continue
        progress(f"hessian swell depth={depth} done")
    return rows


def run_all(quick=False, progress=print):
    """Every study; ``quick`` uses smaller sizes (for a smoke run).

    A measurement that raises does not stop the run: it becomes a row of
    ``data["not_finished"]`` (status "error" and the message), which the report lists
    under "Cases that did not finish".
    """
    not_finished = []
    common = {"progress": progress, "not_finished": not_finished}
    if quick:
        data = {
            "jacobian_cost": jacobian_cost(sizes=(2, 8, 32), repeats=1, **common),
            "hessian": hessian_comparison(repeats=1, **common),
            "hvp": hvp_comparison(sizes=(4, 8), repeats=1, **common),
            "swell": swell_comparison(depths=(1, 2), **common),
            "hessian_swell": symbolic_hessian_swell(depths=(1,), **common),
            "quick": True,
        }
    else:
        data = {
            "jacobian_cost": jacobian_cost(**common),
            "hessian": hessian_comparison(**common),
            "hvp": hvp_comparison(**common),
            "swell": swell_comparison(**common),
            "hessian_swell": symbolic_hessian_swell(**common),
            "quick": False,
        }
    data["not_finished"] = not_finished
    return data
