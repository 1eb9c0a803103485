"""The tape's speed and memory goals, judged from one benchmark run's results.

These are goals written into the report as met or not met; no test times anything.
"""

from .suite import HANDWRITTEN, PLAIN_PYTHON, TAPE

LARGE_CONFIGS = ("4x256", "8x512")
SMALL_CONFIG = "2x16"


def _arrays_by_config(results):
    return {entry["config"]: entry for entry in results.get("arrays", [])}


def _ratio(entry, name):
    timing = entry["timings"].get(name)
    return None if timing is None else timing["ratio"]


def _goal(goal, measured, met):
    return {"goal": goal, "measured": measured, "met": met}


def _not_measured(goal, why="not measured in this run"):
    return _goal(goal, why, None)


def evaluate(results):
    """A list of ``{"goal", "measured", "met"}``; ``met`` is None when the run lacks the data."""
    arrays = _arrays_by_config(results)
    goals = []
    for label in LARGE_CONFIGS:
        goal = f"{label}: tape ratio <= 1.25 x the hand-written backward's ratio"
        if label in arrays:
            tape, hand = _ratio(arrays[label], TAPE), _ratio(arrays[label], HANDWRITTEN)
            factor = tape / hand
            goals.append(_goal(goal, f"{tape:.2f}x vs {hand:.2f}x: {factor:.2f} x", factor <= 1.25))
        else:
            goals.append(_not_measured(goal))

    goal = f"{SMALL_CONFIG}: tape <= 5x one forward pass"
    if SMALL_CONFIG in arrays:
        tape = _ratio(arrays[SMALL_CONFIG], TAPE)
        goals.append(_goal(goal, f"{tape:.2f}x", tape <= 5.0))
    else:
        goals.append(_not_measured(goal))

    for peer in ("torch", "autograd"):
        goal = f"tape faster than {peer} at every MLP size"
        pairs = [(label, _ratio(e, TAPE), _ratio(e, peer)) for label, e in arrays.items()]
        pairs = [p for p in pairs if p[2] is not None]
        if not pairs:
            goals.append(_not_measured(goal, f"{peer} missing or not run"))
            continue
        text = ", ".join(f"{label}: {t:.2f}x vs {o:.2f}x" for label, t, o in pairs)
        goals.append(_goal(goal, text, all(t < o for _, t, o in pairs)))

    scalar = results.get("scalar", {}).get("timings", {})
    goal = "scalar program: tape no slower than micrograd (aim: 2x faster)"
    if TAPE in scalar and "micrograd" in scalar:
        speedup = scalar["micrograd"]["median"] / scalar[TAPE]["median"]
        goals.append(
            _goal(
                goal,
                f"tape {scalar[TAPE]['ratio']:.1f}x, micrograd {scalar['micrograd']['ratio']:.1f}x the "
                f"{PLAIN_PYTHON}: tape {speedup:.2f} times as fast",
                speedup >= 1.0,
            )
        )
    else:
        goals.append(_not_measured(goal, "micrograd missing or not run"))

    goal = "memory: tape's intermediate bytes <= 1.5 x the hand-written backward's activations"
    if arrays:
        ratios = {label: e["memory"]["ratio"] for label, e in arrays.items()}
        text = ", ".join(f"{label}: {r:.2f}" for label, r in ratios.items())
        goals.append(_goal(goal, text, all(r <= 1.5 for r in ratios.values())))
    else:
        goals.append(_not_measured(goal))

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


def verdict(met):
    return {True: "met", False: "not met", None: "not measured"}[met]
