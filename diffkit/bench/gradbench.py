"""``diffkit bench --suite gradbench``: GradBench's GMM and LSTM, diffkit's tape beside the
libraries people use, timed in one process on the same inputs.

Each tool's objective and its gradient are timed side by side (:mod:`.timing`); the
figure of merit is ADBench's, the gradient's time over the same tool's objective time,
so a slow objective does not flatter a tool's derivative. diffkit's gradient is the
public ``dk.gradient(..., method="tape")``; its objective, the program on NumPy arrays.
Every peer's gradient is checked against diffkit's before it is timed: one whose largest
absolute difference is beyond ``GRADIENT_TOLERANCE`` is flagged in the report and counts
toward no goal, since the time of a wrong gradient says nothing about the tape. The
check reads only the stored difference, so a report rebuilt from older results makes it
too.
"""

import sys
import time
from dataclasses import dataclass

import numpy as np

import diffkit as dk
from diffkit.programs.benchmark import gmm, lstm

from . import environment, gradbench_peers, peers
from .suite import max_abs_difference
from ..harness.timing import time_side_by_side

TAPE = "diffkit tape"
# float64 gradients of the same algebra differ by about 1e-12 at these sizes; a wrong one by far more
GRADIENT_TOLERANCE = 1e-8
PROBLEMS = ("gmm", "lstm")
# The evals' first combinations (GMM: d=2, k=5; LSTM: l=2, c=1024) and a medium one of each.
FULL_SIZES = (
    ("gmm", "small", dict(d=2, k=5, n=1000)),
    ("gmm", "medium", dict(d=10, k=25, n=1000)),
    ("lstm", "small", dict(l=2, c=1024)),
    ("lstm", "medium", dict(l=4, c=1024)),
)
QUICK_SIZES = (
    ("gmm", "small", dict(d=2, k=5, n=100)),
    ("lstm", "small", dict(l=1, c=32)),
)


@dataclass(frozen=True)
class Settings:
    sizes: tuple
    repeats: int
    quick: bool

    @classmethod
    def full(cls):
        return cls(FULL_SIZES, 7, False)

    @classmethod
    def quick_run(cls):
        return cls(QUICK_SIZES, 3, True)


def _log(message):
    print(message, file=sys.stderr, flush=True)


def problem_inputs(problem, settings):
    """(diffkit's objective, its arguments, argnums, the eval's data) at one size."""
    if problem == "gmm":
        data = gmm.generate_gmm(**settings)

        def objective(alpha, mu, q, l):
            return gmm.gmm_objective(alpha, mu, q, l, data["x"], data["m"], data["gamma"])

        return objective, (data["alpha"], data["mu"], data["q"], data["l"]), (0, 1, 2, 3), data
    data = lstm.generate_lstm(**settings)

    def objective(main, extra):
        return lstm.lstm_objective(main, extra, data["state"], data["sequence"])

    return objective, (data["main_params"], data["extra_params"]), (0, 1), data


def run_size(problem, label, settings, loaded_peers, repeats, clock="cpu"):
    objective, args, argnums, data = problem_inputs(problem, settings)
    reference = [np.asarray(g) for g in dk.gradient(objective, *args, argnums=argnums, method="tape").grad]
    candidates = {
        (TAPE, "objective"): lambda: objective(*args),
        (TAPE, "gradient"): lambda: dk.gradient(objective, *args, argnums=argnums, method="tape"),
    }
    differences = {TAPE: 0.0}
    for name, (status, modules) in loaded_peers.items():
        if not status.available or name not in gradbench_peers.ADAPTERS:
            continue
        peer_objective, peer_gradient, grads_of = gradbench_peers.ADAPTERS[name](problem)(modules, args, data)
        differences[name] = max_abs_difference(grads_of(peer_gradient()), reference)
        candidates[(name, "objective")] = peer_objective
        candidates[(name, "gradient")] = peer_gradient
    named = {f"{tool}: {part}": function for (tool, part), function in candidates.items()}
    timings = time_side_by_side(named, repeats=repeats, clock=clock)
    tools = {}
    for tool in differences:
        forward, backward = timings[f"{tool}: objective"], timings[f"{tool}: gradient"]
        tools[tool] = {"objective": forward.median, "gradient": backward.median,
                       "ratio": backward.median / forward.median, "max_abs_difference": differences[tool],
                       "repeats": backward.repeats}
    params = int(sum(np.size(a) for a in args))
    return {"problem": problem, "size": label, "settings": settings, "params": params, "tools": tools}


def run(settings, peer_names=None, threads=1, clock="cpu"):
    """Every size of every problem; ``peer_names`` limits the peers tried (default: all)."""
    started = time.time()
    restore_xla = peers.limit_xla_threads(threads)
    try:
        chosen = [p for p in peers.PEERS if p.name in gradbench_peers.ADAPTERS
                  and (peer_names is None or p.name in peer_names)]
        loaded = peers.peer_statuses(chosen)
    finally:
        restore_xla()
    restore_threads = environment.apply_threads(threads)
    try:
        entries = []
        for problem, label, size in settings.sizes:
            _log(f"bench gradbench: {problem} {label} {size}")
            entries.append(run_size(problem, label, size, loaded, settings.repeats, clock))
    finally:
        restore_threads()
    return {
        "suite": "gradbench",
        "quick": settings.quick,
        "clock": clock,
        "environment": environment.describe(threads),
        "peers": [{"name": status.name, "available": status.available, "version": status.version,
                   "reason": status.reason,
                   "description": next((p.description for p in peers.PEERS if p.name == status.name), "")}
                  for status, _ in loaded.values()],
        "sizes": entries,
        "seconds": time.time() - started,
    }


def agrees(numbers):
    """Whether a tool's gradient (its stored ``numbers``) is within the tolerance of diffkit's."""
    return numbers["max_abs_difference"] <= GRADIENT_TOLERANCE


def evaluate_goals(results):
    """The issue's goals, met or not, from one run's results; a peer whose gradient disagrees
    with diffkit's is no yardstick, so its goal is not measured (``met`` None) and says why."""
    goals = []
    for entry in results["sizes"]:
        tools = entry["tools"]
        tape = tools[TAPE]["ratio"]
        where = f"{entry['problem']} {entry['size']}"
        for peer, bound, text in (("torch", 1.5, "within 1.5x of PyTorch eager's"), ("autograd", 1.0, "better than autograd's")):
            goal = f"{where}: tape ratio {text}"
            if peer not in tools:
                goals.append({"goal": goal, "measured": f"{peer} not installed", "met": None})
                continue
            if not agrees(tools[peer]):
                goals.append({"goal": goal, "met": None, "measured": f"{peer}'s gradient disagrees with diffkit's "
                              f"(max abs difference {tools[peer]['max_abs_difference']:.1e}): not counted"})
                continue
            other = tools[peer]["ratio"]
            met = tape <= bound * other if bound > 1 else tape < other
            goals.append({"goal": goal, "measured": f"tape {tape:.2f}x, {peer} {other:.2f}x ({tape / other:.2f} of it)",
                          "met": met})
    return goals
