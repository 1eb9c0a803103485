"""The report's two studies on the logistic map of Baydin et al. (2018), run as cases.

``l(1) = x, l(n+1) = 4 l(n) (1 - l(n))``. The *table1* study reproduces the paper's
Table 1 for one n: l(n), its raw symbolic derivative and the derivative simplified,
with their sizes and times; the suite runs it for growing n until SymPy hits the time
limit. The *fd-steps* study measures the error of forward and central differences of
l(4)'s derivative at x0 = 0.2 against step size h: truncation error falls with h,
round-off error grows as h shrinks (the paper's figure on finite differences).
"""

import time

import numpy as np
from ..core.lazy import sympy

from .. import errors
from ..engines.expression_size import dag_size, tree_size
from ..methods import Problem, get_method
from ..engines.sympy_compile import trace_symbolic
from .measure import classify
from .reference import tape_reference

TABLE1 = "table1"
FD_STEPS = "fd-steps"
STUDIES = (TABLE1, FD_STEPS)
PRINTED_UP_TO = 4  # expressions are printed in the table up to this n; sizes beyond


def logistic_map(x, n):
    """l(n) of the logistic map with l(1) = x (so n - 1 applications of the map)."""
    value = x
    for _ in range(n - 1):
        value = 4 * value * (1 - value)
    return value


def _logistic_problem(n, x0=0.2):
    def logistic(x):
        return logistic_map(x, n)

    return Problem(logistic, (x0,), 0)


def table1_row(n, report_partial=None):
    """l(n), d l(n)/dx as SymPy derives it, and simplified; sizes and times."""
    problem = _logistic_problem(n)
    data = {"n": n}
    start = time.perf_counter()
    expression, (x,) = trace_symbolic(problem)
    data["trace_seconds"] = time.perf_counter() - start
    data["l_tree_size"] = tree_size(expression)
    data["l_dag_size"] = dag_size(expression)
    start = time.perf_counter()
    derivative = sympy.diff(expression, x)
    data["derivation_seconds"] = time.perf_counter() - start
    data["raw_tree_size"] = tree_size(derivative)
    data["raw_dag_size"] = dag_size(derivative)
    if n <= PRINTED_UP_TO:
        data["l"] = str(sympy.factor(expression))
        data["raw"] = str(derivative)
        data["l_latex"] = sympy.latex(sympy.factor(expression))
        data["raw_latex"] = sympy.latex(derivative)
    if report_partial:
        report_partial({"data": dict(data)})
    start = time.perf_counter()
    simplified = simplify_derivative(derivative)
    data["simplify_seconds"] = time.perf_counter() - start
    data["simplified_tree_size"] = tree_size(simplified)
    if n <= PRINTED_UP_TO:
        data["simplified"] = str(simplified)
        data["simplified_latex"] = sympy.latex(simplified)
    return data


def simplify_derivative(derivative):
    """The derivative as a polynomial with its common factor taken out, as the paper prints it."""
    return sympy.factor_terms(sympy.expand(derivative))


def fd_steps_data(n=4, x0=0.2, points=81):
    """Errors of forward and central differences of l(n)' at x0 over h = 1e-16 .. 1."""
    problem = _logistic_problem(n, x0)
    _, (exact_text,) = tape_reference(problem)
    exact = float(exact_text)
    steps = np.logspace(-16, 0, points)
    f0 = logistic_map(x0, n)
    forward, central = [], []
    for h in steps:
        forward.append(abs((logistic_map(x0 + h, n) - f0) / h - exact))
        central.append(abs((logistic_map(x0 + h, n) - logistic_map(x0 - h, n)) / (2 * h) - exact))
    methods = {}
    for name in ("tape", "fd-complex", "fd-central", "fd-forward"):
        result = get_method(name).run(problem)
        methods[name] = abs(float(result.grad) - exact)
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


def _jacobian_studies():
    """The Jacobian suite's studies (diffkit.studies.jacobian_suite), run by the same workers."""
    from ..studies.jacobian_suite import STUDIES as jacobian_studies

    return jacobian_studies


def run_study(case, report_partial=None):
    """Run a study case in this process; return its row fields."""
    row = {"family": "study", "depth": case.settings.get("n", 0), "params": 1, "control_flow": "fixed-loop"}
    try:
        if case.program == TABLE1:
            row["data"] = table1_row(int(case.settings["n"]), report_partial)
        elif case.program == FD_STEPS:
            row["data"] = fd_steps_data(**case.settings)
        elif case.program in _jacobian_studies():
            from ..studies.jacobian_suite import run_jacobian_study

            row["data"] = run_jacobian_study(case.program, case.settings)
        else:
            raise errors.InputError(f"no study named {case.program!r}; the studies are {', '.join(STUDIES)}")
        row["status"] = "ok"
    except BaseException as exc:  # noqa: B902
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        row["status"], row["reason"] = classify(exc)
    return row
