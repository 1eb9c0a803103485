"""The step-size study: error of forward and central differences of l(4)' against h.

On the logistic map at x0 = 0.2 (Baydin et al. 2018, their figure on finite
differences): truncation error falls with h, round-off error grows as h shrinks, so
each difference rule has a best step, central differences at a larger h and a smaller
error than forward differences. The tape's, complex step's and the library's own
finite differences' errors are measured beside them.
"""

import numpy as np

from ..report.figures import new_figure, save_figure
from ..report.markdown import sci
from ..report.section import Image, Paragraph, Section
from .logistic import X0, logistic_map, logistic_problem
from ..harness.studies import Study, register_study

NAME = "fd-steps"
TITLE = "Finite differences against step size"
FIGURE = "fd_steps.png"
FLOOR = 1e-18  # where an error of exactly zero is drawn on a log axis
METHODS = ("tape", "fd-complex", "fd-central", "fd-forward")


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


def run(case, report_partial=None):
    return fd_steps_data(**case.settings)


# --- the report's section ------------------------------------------------------------------
def error_figure(data, folder):
    fig, ax = new_figure(figsize=(7, 4.5))
    h = np.array(data["h"])
    ax.loglog(h, np.maximum(data["forward_error"], FLOOR), label="forward difference")
    ax.loglog(h, np.maximum(data["central_error"], FLOOR), label="central difference")
    ax.loglog(h, h * 10, color="grey", lw=0.6, ls=":", label="∝ h (truncation, forward)")
    ax.loglog(h, h**2 * 100, color="grey", lw=0.6, ls="--", label="∝ h² (truncation, central)")
    ax.loglog(h, 1e-16 / h, color="grey", lw=0.6, ls="-.", label="∝ 1/h (round-off)")
    for name, error in sorted(data["method_errors"].items()):
        if name in ("tape", "fd-complex"):
            ax.axhline(max(error, FLOOR), lw=0.8, ls="-.", label=f"{name} ({error:.1e})",
                       color="C3" if name == "tape" else "C4")
    ax.set_ylim(FLOOR * 10, 1e4)
    ax.set_xlabel("step size h")
    ax.set_ylabel("absolute error of l'(x0)")
    ax.set_title(f"Finite-difference error against h: logistic map l({data['n']}), x0 = {data['x0']}", fontsize=9)
    ax.legend(fontsize=7)
    return save_figure(fig, folder, FIGURE)


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
