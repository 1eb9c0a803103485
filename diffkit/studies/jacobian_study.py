"""Measurements behind the Jacobian report: cost of each mode, second-derivative accuracy, swell.

Each function measures one case of the Jacobian study (:mod:`diffkit.studies.jacobian_suite`
declares the cases and runs them through the harness) and returns a plain row (a dict
of numbers and strings), so the report can be written, and rewritten, from the results
database or a saved JSON file without running anything again. Times are the median over
rounds filling a minimum measuring time, with their quartiles and count (CPU time,
:mod:`diffkit.harness.timing`); a symbolic route, which SymPy's cache would speed up
on a second call, is timed once, and its rows say so (``repeats`` 1).
"""

import time

import mpmath
import numpy as np
from ..core.lazy import sympy

from ..api import gradient
from ..harness.timing import MIN_SAMPLE_SECONDS, time_side_by_side
from ..methods import Problem
from ..engines.sympy_compile import trace_symbolic
from ..methods.transforms import hessian_result, hvp, jacobian_result
from .jacobian_programs import hessian_program, least_squares, tanh_network, vector_program
from .jacobian_programs import hessian_programs, jacobian_shapes  # noqa: F401  (the cases read them here)
from ..ops.sympy_faces import derivative

COST_METHODS = ("tape", "forward-mode", "fd-central")
SWELL_METHODS = ("symbolic", "symbolic-cse", "symbolic-tape")
REFERENCE_DIGITS = 50
CLOCK = "cpu"

# The five parts of the study: each case's Case.program, and the "study" of a "not_finished" row.
JACOBIAN_COST = "jacobian-cost"
HESSIAN_METHODS_STUDY = "hessian-methods"
SWELL = "symbolic-tape-swell"
HESSIAN_SWELL = "hessian-swell"
HVP = "hvp-cost"


MIN_TIME = 0.2  # seconds of samples each timing fills


def _median_time(run, repeats):
    """The median time of ``run()`` over rounds filling MIN_TIME seconds (at least ``repeats``;
    one run when ``repeats`` is 1, for a symbolic route SymPy's cache would make faster):
    its Timing (median, quartiles, rounds) and the result of the first call."""
    start = time.process_time()
    result = run()
    first = time.process_time() - start
    if repeats == 1:
        return None, result
    # the first call warmed up; a call long enough to be a sample on its own needs no calibration call
    known = {"run": first} if first >= MIN_SAMPLE_SECONDS else None
    timings = time_side_by_side({"run": run}, repeats=repeats, warmup=0, min_time=MIN_TIME, clock=CLOCK,
                                first_samples=known, warm=False)  # as the harness's: its heap is frozen
    return timings["run"], result


def _timed(run, repeats):
    """``(seconds, result, fields)``: the median (or the one run's time) and the row's timing fields."""
    start = time.process_time()
    timing, result = _median_time(run, repeats)
    if timing is None:
        return time.process_time() - start, result, {"q1": None, "q3": None, "repeats": 1}
    return timing.median, result, {"q1": timing.q1, "q3": timing.q3, "repeats": timing.repeats}


def _passes(stats):
    for key in ("backward_passes", "passes", "evaluations"):
        if key in stats:
            return stats[key]
    return None


def jacobian_cost_row(regime, n, m, method, repeats=3):
    """Seconds and passes of one mode for the full Jacobian of ``vector_program(n, m)``."""
    program = vector_program(n, m)
    reference = jacobian_result(program.function, *program.args, method="tape").matrix
    seconds, result, spread = _timed(lambda: jacobian_result(program.function, *program.args, method=method), repeats)
    return {
        "regime": regime,
        "n": n,
        "m": m,
        "method": method,
        "seconds": seconds,
        **spread,
        "passes": _passes(result.stats),
        "max_abs_diff_vs_tape": float(np.max(np.abs(result.matrix - reference))),
    }


def reference_hessian(program):
    """The Hessian from SymPy's expression evaluated with mpmath at REFERENCE_DIGITS digits."""
    problem = Problem(program.function, program.args, program.argnums)
    expression, symbols = trace_symbolic(problem)
    n = len(symbols)
    entries = {(i, j): derivative(expression, symbols[i], symbols[j]) for i in range(n) for j in range(i, n)}
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
    seconds, result, spread = _timed(
        lambda: hessian_result(program.function, *program.args, argnums=program.argnums, method=method),
        repeats if method != "symbolic" else 1,
    )
    stats = result.stats
    return {
        "program": program.name,
        "n": int(reference.shape[0]),
        "method": method,
        "seconds": seconds,
        **spread,
        "max_rel_error": float(np.max(np.abs(result.matrix - reference))) / scale,
        "asymmetry": float(np.max(np.abs(result.matrix - result.matrix.T))),
        "passes": _passes(stats),
        "forward_tree_size": stats.get("forward_tree_size"),
        "hessian_tree_size": stats.get("hessian_tree_size"),
        "hessian_dag_size": stats.get("hessian_dag_size"),
        "hessian_cse_size": stats.get("hessian_cse_size"),
    }


HVP_METHODS = ("forward-over-reverse", "reverse-over-reverse", "fd-central", "symbolic")
SYMBOLIC_HVP_UP_TO = 8  # the symbolic route forms the whole Hessian: only small n


def hvp_row(n, method, repeats=3):
    """H v of least squares in n unknowns, against the exact 2 X^T X v / N; and the full Hessian's time."""
    program = least_squares(n, rows=2 * n)
    w, X, y = program.args
    v = np.random.default_rng(n).normal(size=n)
    exact = 2.0 * X.T @ (X @ v) / X.shape[0]
    options = {"measure_cse": False} if method == "symbolic" else {}
    seconds, product, spread = _timed(
        lambda: hvp(program.function, v, *program.args, method=method, **options),
        repeats if method != "symbolic" else 1,
    )
    row = {
        "n": n,
        "method": method,
        "seconds": seconds,
        **spread,
        "max_rel_error": float(np.max(np.abs(product - exact)) / max(1.0, np.max(np.abs(exact)))),
    }
    if method != "symbolic":
        row["hessian_seconds"], _, _ = _timed(
            lambda: hessian_result(program.function, *program.args, method=method), repeats
        )
    return row


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
