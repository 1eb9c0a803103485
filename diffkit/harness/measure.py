"""Run one case in this process and measure it: the row the database stores.

For a differentiation method: the gradient, the method's statistics (expression sizes,
tape nodes, function evaluations), the one-off cost (symbolic derivation, CSE and
compilation), the per-gradient cost (median of repeats) and the forward pass alone,
the unit every runtime is also given in, timed in the same rounds as the gradient
(medians with their quartiles, extremes and the number of rounds). NumPy warnings raised meanwhile are captured
into the row. A failure becomes a status (unsupported, too-large, memory, error) with
its reason; timeouts are the worker's business.
"""

import functools
import time
import traceback
import warnings

import numpy as np

from .. import errors
from ..engines.perturb import forward_pass
from ..methods import Problem, get_method
from ..methods.base import SCALAR
from .cases import REFERENCE, REFERENCE_CHECK, resolve_program
from . import timing
from .reference import symbolic_reference, tape_reference

# A method's per-entry statistics (shaped like the gradient) and the row's flat columns that hold them.
ENTRY_COLUMNS = {"error_estimate": "error_estimate", "rounding_error": "rounding_error", "step": "entry_steps"}
MIN_TIME = 0.2  # seconds of samples each timing fills (forward and gradient rounds together)
MIN_REPEATS = 5  # rounds at least, however slow (unless the case's time would run short)
TIMING_SHARE = 0.5  # timing rounds stop before this part of a case's time limit is used
CLOCK = "cpu"
SIZE_KEYS = (
    "forward_tree_size",
    "forward_dag_size",
    "derivative_tree_size",
    "derivative_dag_size",
    "derivative_cse_size",
    "nodes",
    "bytes_held",
    "evaluations",
)


def classify(exc):
    """The status and reason a failed case is recorded with."""
    if isinstance(exc, errors.UnsupportedError):
        return "unsupported", str(exc)
    if isinstance(exc, (errors.ExpressionTooLargeError, RecursionError)):
        return "too-large", f"{type(exc).__name__}: {str(exc)[:500]}"
    if isinstance(exc, MemoryError):
        return "memory", f"{type(exc).__name__}: {str(exc)[:500] or 'out of memory'}"
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    return "error", f"{type(exc).__name__}: {str(exc)[:500]}{place}"


def program_tags(program):
    return {
        "family": program.family,
        "params": program.num_params,
        "depth": program.depth,
        "control_flow": program.control_flow,
        "on_kink": bool(program.on_kink),
        "description": program.description,
    }


def measure_gradient_case(case, report_partial=None, min_time=MIN_TIME, deadline=None):
    """Run a gradient or reference case in this process; return the row's fields.

    ``deadline`` (a ``time.monotonic()`` value) is when timing rounds must stop.
    """
    row = {"status": "error", "reason": ""}
    try:
        program = resolve_program(case)
        row.update(program_tags(program))
        problem = Problem(program.function, program.args, program.argnums)
        row["entries"] = problem.entry_names()
        if report_partial:
            report_partial(dict(row))
        row.update(measure_problem(problem, case.method, case.options, min_time, deadline))
    except BaseException as exc:  # noqa: B902  (a case's failure is data, not a crash)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        row["status"], row["reason"] = classify(exc)
    return row


def measure_problem(problem, method_name, options=None, min_time=MIN_TIME, deadline=None):
    """Measure one method on one problem (shared with ``dk.compare``).

    The gradient and the forward pass are timed side by side, in interleaved rounds that
    fill ``min_time`` seconds (:func:`diffkit.harness.timing.time_side_by_side`), so the
    gradient's cost in forward passes is a ratio of samples taken a moment apart. The
    forward pass is one evaluation as the finite-difference methods make each of theirs
    (:func:`diffkit.engines.perturb.forward_pass`): their cost in forward passes is then
    their count of evaluations plus what they do besides.
    """
    options = options or {}
    row = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method_name in (REFERENCE, REFERENCE_CHECK):
            row.update(_measure_reference(problem, method_name))
        else:
            row.update(_measure_method(problem, method_name, options, min_time, deadline))
    messages = set(row.pop("method_warnings", []))
    messages.update(f"{w.category.__name__}: {w.message}" for w in caught)
    row["warnings"] = sorted(messages)
    row["status"] = "ok"
    return row


def _measure_reference(problem, method_name):
    """The 50-digit gradient, computed once (its time is one run, not a median)."""
    route = tape_reference if method_name == REFERENCE else symbolic_reference
    start = time.perf_counter()
    value, grad = route(problem)
    seconds = time.perf_counter() - start
    return {"value_text": value, "grad_text": grad, "value": float(value),
            "grad": [float(g) for g in grad], "gradient_seconds": seconds, "repeats": 1}


def _measure_method(problem, method_name, options, min_time=MIN_TIME, deadline=None):
    method = get_method(method_name)
    clock = timing.CLOCKS[CLOCK]
    start = clock()
    result = method.run(problem, **options)
    first = clock() - start
    stats = dict(result.stats)
    row = {"value": float(result.value), "grad": _flat(problem, result.grad)}
    for name, column in ENTRY_COLUMNS.items():  # finite differences: per entry, in the gradient's order
        if name in stats:
            row[column] = _flat(problem, stats.pop(name))
    if "error_estimate_max" in stats:
        row["error_estimate_max"] = float(stats["error_estimate_max"])
    row["method_warnings"] = stats.pop("warnings", [])
    first_samples = None
    if result.expressions is not None:
        row["one_off_seconds"] = sum(stats.get(k, 0.0) for k in ("trace_time", "derivation_time", "cse_time", "compile_time"))
        # Once derived and compiled, a gradient costs one evaluation of the method's own compiled code.
        gradient = result.expressions["evaluate"]
    else:
        row["one_off_seconds"] = None  # nothing to prepare: every gradient costs the same
        gradient = functools.partial(method.run, problem, **options)
        if first >= timing.MIN_SAMPLE_SECONDS:
            first_samples = {"gradient": first}  # slow enough to sample one call at a time: no calibration call
    timings = timing.time_side_by_side(
        {"forward": forward_pass(problem, SCALAR), "gradient": gradient},
        repeats=MIN_REPEATS, warmup=0, clock=CLOCK, min_time=min_time, deadline=deadline,
        first_samples=first_samples, warm=False,  # the worker's heap is frozen: a collection leaves the caches warm
    )
    for name in ("forward", "gradient"):
        row.update(timings[name].fields(name))
    row["repeats"] = timings["gradient"].repeats
    passes = timing.ratio(timings, "gradient", "forward")
    if passes is not None:
        row.update(forward_passes=passes.median, forward_passes_q1=passes.q1, forward_passes_q3=passes.q3)
    row["first_seconds"] = first
    row["stats"] = {k: _plain(v) for k, v in stats.items()}
    for key in SIZE_KEYS:
        if key in stats:
            row[key] = int(stats[key])
    return row


def _flat(problem, grad):
    pieces = (grad,) if problem.single else grad
    flat = []
    for piece in _leaves_of(pieces):
        flat.extend(float(v) for v in np.asarray(piece, dtype=float).reshape(-1))
    return flat


def _leaves_of(pieces):
    from ..core.containers import flatten

    out = []
    for piece in pieces:
        leaves, _ = flatten(piece)
        out.extend(leaves)
    return out


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value
