"""The step-size study: error of forward and central differences of l(4)' against h.

On the logistic map at x0 = 0.2 (Baydin et al. 2018, their figure on finite
differences): truncation error falls with h, round-off error grows as h shrinks, so
each difference rule has a best step, central differences at a larger h and a smaller
error than forward differences. The tape's, complex step's and the library's own
finite differences' errors are measured beside them, and on the same axes the steps the
adaptive ``fd-richardson`` took and chose, and numdifftools' ``Gradient`` (when
installed) at its final step.
"""

import numpy as np

from ..report.figures import ZERO_LABEL, new_figure, save_figure, styled, zero_floor
from ..report.markdown import sci
from ..report.section import Image, Paragraph, Section
from .logistic import X0, logistic_map, logistic_problem
from ..harness.studies import Study, register_study

NAME = "fd-steps"
TITLE = "Finite differences against step size"
FIGURE = "fd_steps.png"
METHODS = ("tape", "fd-complex", "fd-central", "fd-forward", "fd-richardson")


def cases():
    from ..harness.cases import Case

    return [Case(NAME, "study", {"n": 4, "x0": X0}, kind="study")]


def fd_steps_data(n=4, x0=X0, points=81):
    """Errors of forward and central differences of l(n)' at x0 over h = 1e-16 .. 1."""
    from ..harness.reference import tape_reference
    from ..methods import get_method

    problem = logistic_problem(n, x0)
    _, (exact_text,) = tape_reference(problem)
    exact = float(exact_text)
    steps = np.logspace(-16, 0, points)
    f0 = logistic_map(x0, n)
    forward, central = [], []
    for h in steps:
        forward.append(abs((logistic_map(x0 + h, n) - f0) / h - exact))
        central.append(abs((logistic_map(x0 + h, n) - logistic_map(x0 - h, n)) / (2 * h) - exact))
    methods = {name: abs(float(get_method(name).run(problem).grad) - exact) for name in METHODS}
    return {
        **adaptive_and_peer(problem, exact),
        "n": n,
        "x0": x0,
        "exact": exact_text,
        "h": steps.tolist(),
        "forward_error": forward,
        "central_error": central,
        "best_forward_h": float(steps[int(np.argmin(forward))]),
        "best_central_h": float(steps[int(np.argmin(central))]),
        "best_forward_error": float(min(forward)),
        "best_central_error": float(min(central)),
        "method_errors": methods,
    }


def adaptive_and_peer(problem, exact):
    """The steps fd-richardson took (each central difference scored against ``exact``) and chose,
    and numdifftools' result at its final step (or why there is none)."""
    from ..harness.numdifftools_peer import load, numdifftools_gradient
    from ..methods import get_method
    from ..methods.base import SCALAR

    push = get_method("fd-richardson").pushforward(problem, SCALAR)
    value = push.column(0, 0)
    estimate, search = push.estimates[(0, 0)], push.searches[(0, 0)]
    tried = [search.quotients[i] for i in sorted(search.quotients, reverse=True)]
    series = {"adaptive": {
        "steps": [float(h) for h, _ in tried],
        "central_errors": [float(abs(q - exact)) for _, q in tried],
        "step": float(estimate.step),
        "error": float(abs(value - exact)),
        "error_estimate": float(estimate.error),
        "evaluations": int(push.perturbation.evaluations),
    }}
    module, version = load()
    if module is None:
        series["numdifftools"] = {"available": False, "reason": version}
        return series
    try:
        peer = numdifftools_gradient(module, problem)
    except Exception as exc:  # noqa: BLE001  (its failure is part of the study)
        series["numdifftools"] = {"available": True, "version": version, "failed": f"{type(exc).__name__}: {exc}"}
        return series
    series["numdifftools"] = {
        "available": True, "version": version, "step": float(peer.steps[0]),
        "error": float(abs(peer.grad[0] - exact)), "error_estimate": float(peer.error_estimate[0]),
        "evaluations": peer.evaluations,
    }
    return series


def run(case, report_partial=None):
    return fd_steps_data(**case.settings)


# --- the report's section ------------------------------------------------------------------
@styled
def error_figure(data, folder):
    fig, ax = new_figure(figsize=(11, 7.5))
    h = np.array(data["h"])
    errors = [*data["forward_error"], *data["central_error"], *data["method_errors"].values()]
    floor = zero_floor(errors)
    for key, label in (("forward_error", "forward difference"), ("central_error", "central difference")):
        error = np.array(data[key])
        line, = ax.loglog(h[error > 0], error[error > 0], marker="", label=label)
        zero = error == 0
        if zero.any():
            ax.scatter(h[zero], np.full(zero.sum(), floor), marker="v", color=line.get_color(),
                       label=f"{label}: {ZERO_LABEL}")
    ax.loglog(h, h * 10, color="grey", lw=0.8, ls=":", marker="", label="∝ h (truncation, forward)")
    ax.loglog(h, h**2 * 100, color="grey", lw=0.8, ls="--", marker="", label="∝ h² (truncation, central)")
    ax.loglog(h, 1e-16 / h, color="grey", lw=0.8, ls="-.", marker="", label="∝ 1/h (round-off)")
    for name, colour in (("tape", "C3"), ("fd-complex", "C4")):  # the exact methods, as lines across
        error = data["method_errors"].get(name)
        if error is not None:
            shown = f"{error:.1e}" if error else ZERO_LABEL
            ax.axhline(error if error else floor, lw=1.0, ls="-.", marker="", color=colour,
                       label=f"{name} ({shown})")
    _adaptive_steps(ax, data, floor)
    ax.set_ylim(floor / 3, 1e4)
    ax.set_xlabel("step size h (absolute)")
    ax.set_ylabel("absolute error of l'(x0)")
    ax.set_title(f"Finite-difference error against h: logistic map l({data['n']}), x0 = {data['x0']}")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    return save_figure(fig, folder, FIGURE)


def _adaptive_steps(ax, data, floor):
    """The steps fd-richardson took (its central differences there) and chose, and numdifftools' choice."""
    adaptive = data.get("adaptive")
    if adaptive:
        ax.scatter(adaptive["steps"], np.maximum(adaptive["central_errors"], floor), s=22, facecolors="none",
                   edgecolors="C2", zorder=3, label=f"fd-richardson: the {len(adaptive['steps'])} steps it took")
        ax.scatter([adaptive["step"]], [max(adaptive["error"], floor)], marker="*", s=110, color="C2", zorder=4,
                   label=f"fd-richardson's result at its chosen step ({adaptive['error']:.1e}, estimate "
                         f"{adaptive['error_estimate']:.1e}, {adaptive['evaluations']} evaluations)")
    peer = data.get("numdifftools") or {}
    if peer.get("error") is not None:
        ax.scatter([peer["step"]], [max(peer["error"], floor)], marker="P", s=70, color="C5", zorder=4,
                   label=f"numdifftools Gradient at its final step ({peer['error']:.1e}, estimate "
                         f"{peer['error_estimate']:.1e}, {peer['evaluations']} evaluations)")


def adaptive_text(data):
    """What the adaptive method and numdifftools did, in a sentence each (empty for older rows)."""
    adaptive = data.get("adaptive")
    if not adaptive:
        return ""
    text = (f"The adaptive `fd-richardson` took {len(adaptive['steps'])} steps ({adaptive['steps'][0]:.1e} down to "
            f"{adaptive['steps'][-1]:.1e}, circles) and returned the extrapolation at h = {adaptive['step']:.1e} "
            f"(star): error {sci(adaptive['error'])}, its own estimate {sci(adaptive['error_estimate'])}, "
            f"{adaptive['evaluations']} evaluations.")
    peer = data.get("numdifftools") or {}
    if peer.get("error") is not None:
        text += (f" numdifftools' `Gradient` (default settings, {peer['version']}): error {sci(peer['error'])} at its "
                 f"final step h = {peer['step']:.1e}, its estimate {sci(peer['error_estimate'])}, "
                 f"{peer['evaluations']} evaluations.")
    elif peer.get("failed"):
        text += f" numdifftools' `Gradient` failed here: {peer['failed']}."
    elif peer.get("reason"):
        text += f" numdifftools is not shown: {peer['reason']}."
    return text


def summary(data):
    return (f"**Step size.** For l({data['n']})'(x0 = {data['x0']}), forward differences are best at "
            f"h ≈ {data['best_forward_h']:.0e} (error {sci(data['best_forward_error'])}) and central differences "
            f"at h ≈ {data['best_central_h']:.0e} (error {sci(data['best_central_error'])}); a smaller h lets "
            f"round-off grow, a larger one truncation. The tape's error is "
            f"{sci(data['method_errors'].get('tape', 0))}.")


def section(rows, folder):
    """The error curves and the best steps, or None when the study did not finish."""
    data = next((row["data"] for row in rows if row["status"] == "ok"), None)
    if data is None:
        return None
    text = (f"Forward difference error is smallest at h ≈ {data['best_forward_h']:.0e} "
            f"({sci(data['best_forward_error'])}), central at h ≈ {data['best_central_h']:.0e} "
            f"({sci(data['best_central_error'])}); exact derivative {data['exact'][:20]}…")
    blocks = [Image(error_figure(data, folder), "finite-difference error against h"), Paragraph(text)]
    if adaptive_text(data):
        blocks.append(Paragraph(adaptive_text(data)))
    return Section(NAME, TITLE, blocks, summary=summary(data))


STUDY = register_study(Study(
    name=NAME,
    description="error of forward and central differences of the logistic map's derivative against h",
    cases=cases,
    run=run,
    section=section,
    title=TITLE,
    label="the step-size study",
    unfinished="The step-size study did not finish (see Failures).",
    joins={"standard": {}, "swell": {}},
))
