"""diffkit's adaptive finite differences beside numdifftools' ``Gradient``, on the same programs.

numdifftools (an optional extra: ``pip install numdifftools``, or diffkit's
``numdifftools`` extra) is the reference design for finite differences that estimate
their own error. Its ``Gradient`` runs with its default settings on the flattened
inputs of a :class:`~diffkit.core.problem.Problem`, every evaluation counted; diffkit's
``fd-richardson`` runs on the same problem. Both are scored against the 50-digit
reference: the benchmark does it for every standard-suite program, and a study may set
both beside its own curves. Without numdifftools the comparison says so and diffkit's side
still runs.
"""

import importlib
import importlib.metadata
import warnings
from dataclasses import dataclass

import numpy as np

from ..core.containers import flatten
from ..methods import get_method
from .reference import tape_reference

ADAPTIVE = "fd-richardson"
INSTALL = "pip install numdifftools (or diffkit's numdifftools extra)"


@dataclass
class PeerGradient:
    """A flat gradient with its cost and its own error estimate and steps, per entry."""

    grad: np.ndarray
    evaluations: int
    error_estimate: np.ndarray
    steps: np.ndarray


def load():
    """``(module, version)``, or ``(None, reason)`` when numdifftools cannot be imported."""
    try:
        module = importlib.import_module("numdifftools")
    except Exception as exc:  # ImportError, or a broken installation failing on import
        return None, f"not installed ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); {INSTALL}"
    try:
        version = importlib.metadata.version("numdifftools")
    except importlib.metadata.PackageNotFoundError:
        version = str(getattr(module, "__version__", "unknown"))
    return module, version


def numdifftools_gradient(module, problem):
    """numdifftools' ``Gradient`` (default settings) of ``problem``'s program at its point."""
    point = np.concatenate([leaf.reshape(-1) for leaf in problem.leaves]) if problem.leaves else np.zeros(0)
    calls = [0]

    def flat_program(flat):
        calls[0] += 1
        leaves, offset = [], 0
        for leaf in problem.leaves:
            leaves.append(np.asarray(flat[offset : offset + leaf.size], dtype=float).reshape(leaf.shape))
            offset += leaf.size
        return float(np.asarray(problem.call(leaves), dtype=float).reshape(()))

    with warnings.catch_warnings(), np.errstate(all="ignore"):  # its large steps leave domains: NaN, warnings
        warnings.simplefilter("ignore")
        found = module.Gradient(flat_program, full_output=True)(point)
    shape = point.shape
    return PeerGradient(
        grad=np.asarray(found.estimate, dtype=float).reshape(shape),
        evaluations=calls[0],
        error_estimate=np.asarray(found.error_estimate, dtype=float).reshape(shape),
        steps=np.asarray(found.final_step, dtype=float).reshape(shape),
    )


def adaptive_gradient(problem):
    """diffkit's ``fd-richardson`` on the same problem, as a :class:`PeerGradient`."""
    result = get_method(ADAPTIVE).run(problem)
    return PeerGradient(
        grad=_flat(result.grad),
        evaluations=int(result.stats["evaluations"]),
        error_estimate=_flat(result.stats["error_estimate"]),
        steps=_flat(result.stats["step"]),
    )


def _flat(tree):
    leaves, _ = flatten(tree)
    return np.concatenate([np.asarray(leaf, dtype=float).reshape(-1) for leaf in leaves]) if leaves else np.zeros(0)


def _scored(peer, reference):
    """Normwise relative error (max|g - ref| / max|ref|), evaluations, and the estimates' coverage."""
    scale = float(np.max(np.abs(reference), initial=0.0)) or 1.0
    true = np.abs(peer.grad - reference)
    return {
        "rel_error": float(np.max(true, initial=0.0) / scale) if np.all(np.isfinite(peer.grad)) else float("inf"),
        "evaluations": peer.evaluations,
        "error_estimate_max": float(np.max(peer.error_estimate, initial=0.0)),
        "covered": float(np.mean(true <= peer.error_estimate)) if true.size else None,
        "step_min": float(np.min(peer.steps, initial=np.inf)) if peer.steps.size else None,
        "step_max": float(np.max(peer.steps, initial=0.0)) if peer.steps.size else None,
    }


def side_by_side(label, problem, module):
    """One program: both methods scored against the 50-digit reference (numdifftools: None if missing)."""
    _, texts = tape_reference(problem)
    reference = np.array([float(t) for t in texts])
    row = {"program": label, "params": problem.size}
    for name, run in ((ADAPTIVE, adaptive_gradient), ("numdifftools", None)):
        if run is None and module is None:
            row[name] = None
            continue
        try:
            peer = run(problem) if run is not None else numdifftools_gradient(module, problem)
            row[name] = _scored(peer, reference)
        except Exception as exc:  # noqa: BLE001  (a method failing on a program is a result)
            row[name] = {"failed": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
    row["met"] = _met(row[ADAPTIVE], row["numdifftools"])
    return row


def _met(ours, theirs):
    """diffkit at least as accurate as numdifftools and at no more evaluations (None: nothing to compare)."""
    if theirs is None or ours is None or "failed" in ours:
        return None if theirs is None else False
    if "failed" in theirs:
        return True
    return ours["rel_error"] <= theirs["rel_error"] and ours["evaluations"] <= theirs["evaluations"]

