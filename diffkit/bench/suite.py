"""Run every measurement of ``diffkit bench`` and return plain, JSON-ready results.

Sections: array MLPs (NumPy forward, hand-written backward, diffkit's public API
``dk.grad`` with ``dk.value_and_grad`` and ``dk.gradient`` beside it, ``dk.compile_grad``,
the internal tape the API runs, peers), memory held for the backward pass and the peak
memory of one gradient (each in a fresh process), ``fd-central`` on the small MLPs,
``fd-richardson`` beside numdifftools' ``Gradient`` on the standard suite's programs
(accuracy and evaluations), ``symbolic`` and ``symbolic-cse`` on scalar MLPs, and the
micrograd-style scalar program. Every gradient timed is also checked against a
reference, so the report measures correct code.
"""

import sys
import time
from dataclasses import dataclass

import numpy as np
from ..core.lazy import sympy

import diffkit as dk
from diffkit.core.problem import Problem
from diffkit.engines.sympy_compile import trace_symbolic
from diffkit.harness import numdifftools_peer
from diffkit.harness.suites import standard_suite, suite_problems

from . import environment, memory, networks, peers
from .candidates import (  # noqa: F401  (the names of the rows, read by the report through here too)
    API,
    API_LIST,
    API_POSITIONAL,
    API_RESULT,
    API_VALUE,
    COMPILED,
    FORWARD,
    HANDWRITTEN,
    MEMORY_CONFIG,
    PLAIN_PYTHON,
    TAPE,
    tape_value_and_grad,
)
from ..harness.timing import ratio, time_once, time_side_by_side



@dataclass(frozen=True)
class Settings:
    """How much to measure: the full run, or ``quick`` (under a minute)."""

    array_configs: tuple
    fd_configs: tuple
    symbolic_configs: tuple
    repeats: int
    fd_repeats: int
    quick: bool
    fd_peer_max_params: int = None  # standard-suite programs up to this size beside numdifftools (None: all)

    @classmethod
    def full(cls):
        configs = networks.ARRAY_CONFIGS
        return cls(configs, configs[:2], ((1, 2), (2, 2), (2, 4), (3, 4), (4, 4)), 9, 3, False)

    @classmethod
    def quick_run(cls):
        configs = networks.ARRAY_CONFIGS
        return cls(configs[:2], configs[:1], ((1, 2), (2, 2)), 3, 1, True, fd_peer_max_params=5)


def max_abs_difference(grads, reference):
    return float(max(np.max(np.abs(np.asarray(g, dtype=float) - np.asarray(r))) for g, r in zip(grads, reference)))


def _summary(timings, unit_name):
    unit = timings[unit_name].median
    return {
        name: {
            "median": t.median,
            "q1": t.q1,
            "q3": t.q3,
            "min": t.minimum,
            "max": t.maximum,
            "repeats": t.repeats,
            "calls_per_sample": t.calls_per_sample,
            "ratio": t.median / unit,
        }
        for name, t in timings.items()
    }


def _log(message):
    print(message, file=sys.stderr, flush=True)


# --- array MLPs ------------------------------------------------------------------------------
def run_array_config(config, loaded_peers, repeats, clock="cpu"):
    params, X, Y = networks.make_problem(config)
    reference_loss, reference, kept_bytes = networks.numpy_value_and_grad(params, X, Y)

    value, tape_grads, tape = tape_value_and_grad(networks.dk_loss, params, X, Y)
    stats = tape.stats()
    del tape
    grad = dk.grad(networks.dk_loss)
    value_and_grad = dk.value_and_grad(networks.dk_loss)
    compiled = dk.compile_grad(networks.dk_loss, params, X, Y)

    candidates = {
        FORWARD: lambda: networks.numpy_loss(params, X, Y),
        HANDWRITTEN: lambda: networks.numpy_value_and_grad(params, X, Y),
        API: lambda: grad(params, X, Y),
        COMPILED: lambda: compiled(params, X, Y),
        TAPE: lambda: tape_value_and_grad(networks.dk_loss, params, X, Y),
        API_VALUE: lambda: value_and_grad(params, X, Y),
        API_RESULT: lambda: dk.gradient(networks.dk_loss, params, X, Y),
    }
    errors = {
        HANDWRITTEN: 0.0,
        API: max_abs_difference(grad(params, X, Y), reference),
        COMPILED: max_abs_difference(compiled(params, X, Y), reference),
        TAPE: max_abs_difference(tape_grads, reference),
        API_VALUE: max_abs_difference(value_and_grad(params, X, Y)[1], reference),
        API_RESULT: max_abs_difference(dk.gradient(networks.dk_loss, params, X, Y).grad, reference),
    }
    for name, (status, modules) in loaded_peers.items():
        adapter = next(p for p in peers.PEERS if p.name == name).mlp
        if status.available and adapter is not None:
            run, grads_of = adapter(modules, params, X, Y)
            errors[name] = max_abs_difference(grads_of(run()), reference)
            candidates[name] = run
    timings = time_side_by_side(candidates, repeats=repeats, clock=clock)
    return {
        "config": config.label,
        "depth": config.depth,
        "width": config.width,
        "params": config.num_params,
        "loss": float(reference_loss),
        "tape_loss_difference": float(abs(value - reference_loss)),
        "timings": _summary(timings, FORWARD),
        "max_abs_difference": errors,
        "memory": {
            "tape_nodes": stats["nodes"],
            "tape_bytes_held": stats["bytes_held"],
            "tape_bytes_intermediate": stats["bytes_intermediate"],
            "handwritten_bytes": int(kept_bytes),
            "ratio": stats["bytes_intermediate"] / kept_bytes,
        },
    }


def run_peak_memory(config_label=MEMORY_CONFIG):
    """Peak memory of one gradient per candidate, each in a fresh process (see :mod:`.memory`)."""
    return {"config": config_label, "measurements": memory.measure_all(config_label)}


# --- finite differences ----------------------------------------------------------------------
def run_fd_config(config, repeats, clock="cpu"):
    """fd-central's time beside the forward passes it is made of, timed in the same rounds."""
    params, X, Y = networks.make_problem(config)
    _, reference, _ = networks.numpy_value_and_grad(params, X, Y)
    result = dk.gradient(networks.dk_loss, params, X, Y, method="fd-central")
    timings = time_side_by_side(
        {
            "fd-central": lambda: dk.gradient(networks.dk_loss, params, X, Y, method="fd-central"),
            "dk_loss on arrays": lambda: networks.dk_loss(params, X, Y),
            FORWARD: lambda: networks.numpy_loss(params, X, Y),
        },
        repeats=max(repeats, 3),
        warmup=0,
        clock=clock,
    )
    evaluations = result.stats["evaluations"]
    fd = timings["fd-central"]
    program_forward = timings["dk_loss on arrays"].median
    numpy_forward = timings[FORWARD].median
    per_forward = ratio(timings, "fd-central", "dk_loss on arrays")
    return {
        "config": config.label,
        "params": config.num_params,
        "evaluations": evaluations,
        "seconds": fd.median,
        "q1": fd.q1,
        "q3": fd.q3,
        "repeats": fd.repeats,
        "program_forward": program_forward,
        "numpy_forward": numpy_forward,
        "forward_passes": per_forward.median,
        "forward_passes_q1": per_forward.q1,
        "forward_passes_q3": per_forward.q3,
        "overhead": per_forward.median / evaluations - 1.0,
        "overhead_vs_numpy": fd.median / (evaluations * numpy_forward) - 1.0,
        "ratio": fd.median / numpy_forward,
        "max_abs_difference": max_abs_difference(result.grad, reference),
    }


# --- symbolic methods ------------------------------------------------------------------------
def run_symbolic_config(depth, width):
    config, params, X, Y = networks.scalar_problem(depth, width)
    _, reference, _ = networks.numpy_value_and_grad(params, X, Y)

    sympy.core.cache.clear_cache()
    expression, symbols = trace_symbolic(Problem(networks.dk_loss, (params, X, Y), 0))
    # wall clock, as the symbolic methods' own stage timings
    plain_diff_seconds, _ = time_once(lambda: [sympy.diff(expression, s) for s in symbols], clock="wall")

    methods = {}
    for name in ("symbolic", "symbolic-cse"):
        sympy.core.cache.clear_cache()
        result = dk.gradient(networks.dk_loss, params, X, Y, method=name, measure_cse=False)
        stats = result.stats
        methods[name] = {
            "trace": stats["trace_time"],
            "derivation": stats["derivation_time"],
            "cse": stats.get("cse_time"),  # None: CSE ran inside lambdify (the compile stage)
            "compile": stats["compile_time"],
            "evaluation": stats["evaluation_time"],
            "forward_tree_size": stats["forward_tree_size"],
            "derivative_tree_size": stats["derivative_tree_size"],
            "derivative_cse_size": stats.get("derivative_cse_size"),
            "max_abs_difference": max_abs_difference(result.grad, reference),
        }
    return {
        "config": config.label,
        "depth": depth,
        "width": width,
        "params": config.num_params,
        "batch": config.batch,
        "inputs": config.inputs,
        "plain_diff": plain_diff_seconds,
        "methods": methods,
    }


# --- the scalar program ----------------------------------------------------------------------
def run_scalar_program(loaded_peers, repeats, clock="cpu"):
    params, xs, ys = networks.scalar_program_problem()
    value, tape_grads, _ = tape_value_and_grad(networks.dk_scalar_loss, params, xs, ys)
    reference = [float(g) for g in tape_grads]

    def one_argument_per_parameter(*values):
        return networks.dk_scalar_loss(values, xs, ys)

    as_list = dk.grad(networks.dk_scalar_loss)
    positional = dk.grad(one_argument_per_parameter, argnums=tuple(range(len(params))))
    compiled = dk.compile_grad(networks.dk_scalar_loss, params, xs, ys)
    candidates = {
        PLAIN_PYTHON: lambda: networks.plain_scalar_loss(params, xs, ys),
        API_LIST: lambda: as_list(params, xs, ys),
        API_POSITIONAL: lambda: positional(*params),
        COMPILED: lambda: compiled(params, xs, ys),
        TAPE: lambda: tape_value_and_grad(networks.dk_scalar_loss, params, xs, ys),
    }
    errors = {
        TAPE: 0.0,
        API_LIST: max_abs_difference(as_list(params, xs, ys), reference),
        API_POSITIONAL: max_abs_difference(positional(*params), reference),
        COMPILED: max_abs_difference(compiled(params, xs, ys), reference),
    }
    for name, (status, modules) in loaded_peers.items():
        adapter = next(p for p in peers.PEERS if p.name == name).scalar
        if status.available and adapter is not None:
            run, grads_of = adapter(modules, params, xs, ys)
            errors[name] = max_abs_difference(grads_of(run()), reference)
            candidates[name] = run
    timings = time_side_by_side(candidates, repeats=repeats, clock=clock)
    return {
        "layers": list(networks.SCALAR_LAYERS),
        "params": networks.scalar_program_size(),
        "batch": networks.SCALAR_BATCH,
        "loss": float(value),
        "plain_loss_difference": abs(float(value) - networks.plain_scalar_loss(params, xs, ys)),
        "timings": _summary(timings, PLAIN_PYTHON),
        "max_abs_difference_vs_tape": errors,
    }


# --- finite differences beside numdifftools --------------------------------------------------
def run_fd_peers(max_params=None):
    """fd-richardson and numdifftools' Gradient on every standard-suite program: accuracy, evaluations."""
    module, version = numdifftools_peer.load()
    rows = []
    for label, _, problem in suite_problems(standard_suite(), max_params):
        rows.append(numdifftools_peer.side_by_side(label, problem, module))
    return {
        "numdifftools": {"available": module is not None, "version": version if module is not None else "",
                         "reason": "" if module is not None else version},
        "rows": rows,
    }


# --- the whole run ---------------------------------------------------------------------------
def run(settings, peer_names=None, threads=1, clock="cpu"):
    """Every section; ``peer_names`` limits the peers tried (default: all known)."""
    started = time.time()
    restore_xla = peers.limit_xla_threads(threads)
    try:
        loaded = _load_peers(peer_names)
    finally:
        restore_xla()
    restore_threads = environment.apply_threads(threads)
    allocator = environment.settle_allocator()
    try:
        results = _run_sections(settings, loaded, threads, clock, started)
    finally:
        restore_threads()
    results["environment"]["allocator"] = allocator
    return results


def _load_peers(peer_names):
    chosen = [p for p in peers.PEERS if peer_names is None or p.name in peer_names]
    unknown = set(peer_names or ()) - {p.name for p in peers.PEERS}
    loaded = peers.peer_statuses(chosen)
    for name in sorted(unknown):
        loaded[name] = (peers.PeerStatus(name, False, reason="not a peer diffkit knows"), ())
    for peer in peers.PEERS:
        if peer.name not in loaded:
            loaded[peer.name] = (peers.PeerStatus(peer.name, False, reason=peers.NOT_REQUESTED), ())
    return loaded


def _run_sections(settings, loaded, threads, clock, started):
    results = {
        "quick": settings.quick,
        "clock": clock,
        "environment": environment.describe(threads),
        "peers": [
            {
                "name": status.name,
                "available": status.available,
                "version": status.version,
                "reason": status.reason,
                "description": next((p.description for p in peers.PEERS if p.name == status.name), ""),
            }
            for status, _ in loaded.values()
        ],
    }
    usable = {name: entry for name, entry in loaded.items() if entry[0].available}
    results["arrays"] = []
    for config in settings.array_configs:
        _log(f"bench: MLP {config.label}")
        results["arrays"].append(run_array_config(config, usable, settings.repeats, clock))
    results["fd"] = []
    for config in settings.fd_configs:
        _log(f"bench: fd-central on {config.label}")
        results["fd"].append(run_fd_config(config, settings.fd_repeats, clock))
    _log("bench: fd-richardson beside numdifftools on the standard suite's programs")
    results["fd_peers"] = run_fd_peers(settings.fd_peer_max_params)
    results["symbolic"] = []
    for depth, width in settings.symbolic_configs:
        _log(f"bench: symbolic on {depth}x{width}")
        results["symbolic"].append(run_symbolic_config(depth, width))
    _log("bench: scalar program")
    results["scalar"] = run_scalar_program(usable, settings.repeats, clock)
    _log(f"bench: peak memory of one gradient at {MEMORY_CONFIG}, each in a fresh process")
    results["peak_memory"] = run_peak_memory()
    results["environment"]["blas_after"] = environment.blas_info()
    results["seconds"] = time.time() - started
    return results
