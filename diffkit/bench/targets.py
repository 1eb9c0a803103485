"""The speed and memory goals, judged from one benchmark run's results.

Every goal is stated on what users call (``dk.grad``, ``dk.compile_grad``), as a ratio of
two medians measured side by side in the same run; the internal tape appears only as
the floor the public API's overhead is measured against. These are goals written into
the report as met or not met; no test times anything.
"""

from .candidates import (
    API,
    API_LIST,
    API_POSITIONAL,
    API_RESULT,
    API_VALUE,
    COMPILED,
    HANDWRITTEN,
    MEMORY_CONFIG,
    TAPE,
)

LARGE_CONFIGS = ("4x256", "8x512")
SMALL_CONFIG = "2x16"
API_OVERHEAD = 1.10  # the public API over recording + one backward pass
SCALAR_SPEEDUP = 3.0


def _arrays_by_config(results):
    return {entry["config"]: entry for entry in results.get("arrays", [])}


def _median(entry, name):
    timing = entry["timings"].get(name)
    return None if timing is None else timing["median"]


def _times(entry, name, unit):
    """Median of ``name`` over the median of ``unit`` in one table (None if either is missing)."""
    top, bottom = _median(entry, name), _median(entry, unit)
    return None if top is None or bottom is None else top / bottom


def _goal(goal, measured, met):
    return {"goal": goal, "measured": measured, "met": met}


def _not_measured(goal, why="not measured in this run"):
    return _goal(goal, why, None)


def _bound(goal, arrays, labels, name, unit, limit, unit_text):
    """``name <= limit x unit`` at each of ``labels``."""
    found = [(label, _times(arrays[label], name, unit)) for label in labels if label in arrays]
    found = [(label, ratio) for label, ratio in found if ratio is not None]
    if len(found) < len(labels):
        return _not_measured(goal)
    text = ", ".join(f"{label}: {ratio:.2f}x {unit_text}" for label, ratio in found)
    return _goal(goal, text, all(ratio <= limit for _, ratio in found))


def evaluate(results):
    """A list of ``{"goal", "measured", "met"}``; ``met`` is None when the run lacks the data."""
    arrays = _arrays_by_config(results)
    goals = [
        _bound(f"{SMALL_CONFIG}: {API} <= 2.5x the hand-written NumPy backward", arrays, [SMALL_CONFIG], API,
               HANDWRITTEN, 2.5, "the hand-written backward"),
    ]
    for label in LARGE_CONFIGS:
        goals.append(_bound(f"{label}: {API} <= 1.1x the hand-written NumPy backward", arrays, [label], API,
                            HANDWRITTEN, 1.1, "the hand-written backward"))
        goal = f"{label}: {API} no slower than torch eager"
        if label in arrays and _times(arrays[label], API, "torch") is not None:
            ratio = _times(arrays[label], API, "torch")
            goals.append(_goal(goal, f"{ratio:.2f}x torch's time", ratio <= 1.0))
        else:
            goals.append(_not_measured(goal, "torch missing or not run" if label in arrays else "not measured in this run"))

    for name in (API, API_VALUE, API_RESULT):
        goal = f"{name} adds at most 10% to recording + one backward pass, at every MLP size"
        goals.append(_bound(goal, arrays, list(arrays), name, TAPE, API_OVERHEAD, "the internal tape") if arrays
                     else _not_measured(goal))

    scalar = results.get("scalar", {}).get("timings", {})
    goal = f"scalar program: {API} adds at most 10% to the internal tape, parameters in one list or one per argument"
    if all(n in scalar for n in (API_LIST, API_POSITIONAL, TAPE)):
        ratios = [scalar[n]["median"] / scalar[TAPE]["median"] for n in (API_LIST, API_POSITIONAL)]
        goals.append(_goal(goal, f"one list: {ratios[0]:.2f}x, one per argument: {ratios[1]:.2f}x the internal tape",
                           all(r <= API_OVERHEAD for r in ratios)))
    else:
        goals.append(_not_measured(goal))
    goal = f"scalar program: {API} at least {SCALAR_SPEEDUP:.0f}x faster than micrograd, either way of passing the parameters"
    if "micrograd" in scalar and all(n in scalar for n in (API_LIST, API_POSITIONAL)):
        speedups = [scalar["micrograd"]["median"] / scalar[n]["median"] for n in (API_LIST, API_POSITIONAL)]
        goals.append(_goal(goal, f"one list: {speedups[0]:.2f}x, one per argument: {speedups[1]:.2f}x as fast",
                           all(s >= SCALAR_SPEEDUP for s in speedups)))
    else:
        goals.append(_not_measured(goal, "micrograd missing or not run"))
    goal = f"scalar program: {COMPILED} at least {SCALAR_SPEEDUP:.0f}x faster than micrograd"
    if "micrograd" in scalar and COMPILED in scalar:
        speedup = scalar["micrograd"]["median"] / scalar[COMPILED]["median"]
        goals.append(_goal(goal, f"{speedup:.2f}x as fast", speedup >= SCALAR_SPEEDUP))
    else:
        goals.append(_not_measured(goal, "micrograd missing or not run"))

    for peer in ("torch", "autograd"):
        goal = f"{API} faster than {peer} at every MLP size"
        pairs = [(label, _times(e, API, peer)) for label, e in arrays.items()]
        pairs = [p for p in pairs if p[1] is not None]
        if not pairs:
            goals.append(_not_measured(goal, f"{peer} missing or not run"))
            continue
        text = ", ".join(f"{label}: {r:.2f}x {peer}'s time" for label, r in pairs)
        goals.append(_goal(goal, text, all(r < 1.0 for _, r in pairs)))

    goals.append(_bound(f"{SMALL_CONFIG}: {COMPILED} <= 1.5x the hand-written NumPy backward", arrays, [SMALL_CONFIG],
                        COMPILED, HANDWRITTEN, 1.5, "the hand-written backward"))
    goal = f"{SMALL_CONFIG}: {COMPILED} within 2x of jax.jit(jax.grad)"
    if SMALL_CONFIG in arrays and _times(arrays[SMALL_CONFIG], COMPILED, "jax-jit") is not None:
        ratio = _times(arrays[SMALL_CONFIG], COMPILED, "jax-jit")
        goals.append(_goal(goal, f"{ratio:.2f}x jax-jit's time", ratio <= 2.0))
    else:
        goals.append(_not_measured(goal, "jax missing or not run"))
    goal = f"{COMPILED} faster than the uncompiled internal tape at every MLP size"
    pairs = [(label, _times(e, COMPILED, TAPE)) for label, e in arrays.items()]
    pairs = [p for p in pairs if p[1] is not None]
    if pairs:
        text = ", ".join(f"{label}: {r:.2f}x" for label, r in pairs)
        goals.append(_goal(goal, text + " the tape's time", all(r < 1.0 for _, r in pairs)))
    else:
        goals.append(_not_measured(goal))

    goal = "memory: bytes the tape holds for the backward pass <= 1.5x the hand-written backward's activations"
    if arrays:
        ratios = {label: e["memory"]["ratio"] for label, e in arrays.items()}
        text = ", ".join(f"{label}: {r:.2f}" for label, r in ratios.items())
        met = all(r <= 1.5 for r in ratios.values())
        if not met:
            text += " (tanh's accurate rule reads each pre-activation as well: see the memory section)"
        goals.append(_goal(goal, text, met))
    else:
        goals.append(_not_measured(goal))
    goals.append(_peak_memory_goal(results))

    goal = "fd-central: at most 20% overhead on its forward passes (4n + 8)"
    if results.get("fd"):
        text = ", ".join(f"{e['config']}: {100 * e['overhead']:+.0f}%" for e in results["fd"])
        goals.append(_goal(goal, text, all(e["overhead"] <= 0.20 for e in results["fd"])))
    else:
        goals.append(_not_measured(goal))

    goals.append(_fd_peer_goal(results.get("fd_peers")))

    goal = "symbolic-cse derivation (diff + CSE) no slower than SymPy's plain diff"
    if results.get("symbolic"):
        parts, met = [], True
        for e in results["symbolic"]:
            cse = e["methods"]["symbolic-cse"]
            seconds = cse["derivation"] + (cse["cse"] or 0.0)
            parts.append(f"{e['config']}: {seconds:.3g} s vs {e['plain_diff']:.3g} s")
            met = met and seconds <= e["plain_diff"]
        goals.append(_goal(goal, ", ".join(parts), met))
    else:
        goals.append(_not_measured(goal))
    return goals


FD_PEER_GOAL = ("fd-richardson at least as accurate as numdifftools' default Gradient, at no more "
                "evaluations, on every standard-suite program")


def _fd_peer_goal(fd_peers):
    if not fd_peers or not fd_peers.get("rows"):
        return _not_measured(FD_PEER_GOAL)
    if not fd_peers["numdifftools"]["available"]:
        return _not_measured(FD_PEER_GOAL, f"numdifftools {fd_peers['numdifftools']['reason']}")
    rows = fd_peers["rows"]
    missed = [r["program"] for r in rows if not r["met"]]
    text = f"met on {len(rows) - len(missed)} of {len(rows)} programs"
    if missed:
        text += f"; not on {', '.join(missed[:6])}{' ...' if len(missed) > 6 else ''}"
    return _goal(FD_PEER_GOAL, text, not missed)


def peak_memory_by_candidate(results):
    """``{candidate: measurement}`` of the run's peak-memory section (empty if it has none)."""
    section = results.get("peak_memory") or {}
    return {m["candidate"]: m for m in section.get("measurements", [])}


def _peak_memory_goal(results):
    goal = f"peak resident memory of one {API} gradient at {MEMORY_CONFIG} <= 1.3x the hand-written backward's"
    found = peak_memory_by_candidate(results)
    api, hand = found.get(API, {}), found.get(HANDWRITTEN, {})
    if "resident_bytes" not in api or "resident_bytes" not in hand:
        why = api.get("error") or hand.get("error") or "not measured in this run"
        return _not_measured(goal, why)
    ratio = api["resident_bytes"] / hand["resident_bytes"]
    text = f"{api['resident_bytes'] / 2**20:.1f} MiB vs {hand['resident_bytes'] / 2**20:.1f} MiB: {ratio:.2f}x"
    return _goal(goal, text, ratio <= 1.3)


def verdict(met):
    return {True: "met", False: "not met", None: "not measured"}[met]
