"""Table 1 of Baydin et al. (2018): l(n) of the logistic map and its derivative, raw and simplified.

For growing n, SymPy traces l(n), differentiates it and simplifies the derivative; the
case records their sizes (tree and DAG) and times, and the expressions themselves up to
n = PRINTED_UP_TO. The cases form a ladder, so once SymPy hits the time limit at some
n the larger ones are skipped.
"""

import time

from ..core.lazy import sympy
from ..engines.expression_size import dag_size, tree_size
from ..engines.sympy_compile import trace_symbolic
from ..report.figures import integer_axis, new_figure, save_figure, styled
from ..report.markdown import MISSING, code, seconds
from ..report.section import Image, Paragraph, Section, Table
from .logistic import logistic_problem
from ..harness.analysis import NEAR_LIMIT, shorten_numbers
from ..harness.studies import Study, register_study
from ..ops import sympy_faces

NAME = "table1"
TITLE = "Table 1: the logistic map l(n+1) = 4 l(n)(1 - l(n)), l(1) = x"
PRINTED_UP_TO = 4  # expressions are printed in the table up to this n; sizes beyond
LIMIT_STATUSES = ("timeout", "memory", "too-large")
FIGURE = "table1_sizes.png"


def cases(up_to):
    """n = 1 .. up_to, on one ladder."""
    from ..harness.cases import Case

    return [Case(NAME, "study", {"n": n}, kind="study", ladder=NAME, rung=n) for n in range(1, up_to + 1)]


def table1_row(n, report_partial=None):
    """l(n), d l(n)/dx as SymPy derives it, and simplified; sizes and times."""
    data = {"n": n}
    start = time.perf_counter()
    expression, (x,) = trace_symbolic(logistic_problem(n))
    data["trace_seconds"] = time.perf_counter() - start
    data["l_tree_size"] = tree_size(expression)
    data["l_dag_size"] = dag_size(expression)
    start = time.perf_counter()
    derivative = sympy_faces.derivative(expression, x)
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


def run(case, report_partial=None):
    return table1_row(int(case.settings["n"]), report_partial)


# --- the report's section ------------------------------------------------------------------
def table_rows(rows):
    """One dict per n, in order: the case's data (what finished of it), status and reason."""
    table = []
    for row in sorted(rows, key=lambda r: r["settings"].get("n", 0)):
        data = dict(row.get("data") or {}, n=row["settings"].get("n"))
        data["status"] = row["status"]
        data["reason"] = row.get("reason") or ""
        limit, took = row.get("timeout"), row.get("wall_seconds")
        if row["status"] == "ok" and limit and took and took >= NEAR_LIMIT * limit:
            data["status"] = f"ok, near the limit ({took:.1f} s of {limit:g} s)"
        table.append(data)
    return table


@styled
def sizes_figure(table, folder):
    """Sizes of l(n) and its derivative against n (None with fewer than two sizes), with the n
    where SymPy stopped marked."""
    stopped = [r for r in table if r["status"] in LIMIT_STATUSES]
    table = [r for r in table if r.get("l_tree_size") is not None]
    if len(table) < 2:
        return None
    fig, ax = new_figure(figsize=(7.5, 4.6))
    for key, label in (("l_tree_size", "l(n) tree"), ("raw_tree_size", "raw derivative tree"),
                       ("raw_dag_size", "raw derivative DAG"), ("simplified_tree_size", "simplified derivative")):
        points = [(r["n"], r[key]) for r in table if r.get(key)]
        if points:
            ax.plot(*zip(*points), label=label)  # the style changes marker and line from series to series
    if stopped:
        ax.axvline(stopped[0]["n"], color="#a11", lw=1.0, ls="--", marker="",
                   label=f"SymPy stopped: {stopped[0]['status']} at n = {stopped[0]['n']}")
    ax.set_yscale("log")
    integer_axis(ax.xaxis)
    ax.set_xlabel("n (iterations of the logistic map)")
    ax.set_ylabel("size (operations)")
    ax.set_title("Table 1 sizes: l(n) and its derivative")
    ax.legend(loc="upper left")
    return save_figure(fig, folder, FIGURE)


def summary(table):
    done = [r for r in table if r["status"].startswith("ok")]
    text = "**Table 1.** "
    if done:
        last = done[-1]
        text += (f"Up to n = {last['n']}, the raw derivative of l(n) reached {last['raw_tree_size']} operations "
                 f"(DAG {last['raw_dag_size']}) against {last['simplified_tree_size']} once simplified, and "
                 f"simplifying took {last['simplify_seconds']:.2f} s.")
    stopped = [r for r in table if r["status"] in LIMIT_STATUSES]
    if stopped:
        text += (f" At n = {stopped[0]['n']} SymPy stopped: {stopped[0]['status']} "
                 f"({shorten_numbers(stopped[0]['reason']) or 'no reason recorded'}); larger n were not run.")
    near = [r for r in table if r["status"].startswith("ok, near")]
    if near:
        text += (f" n = {', '.join(str(r['n']) for r in near)} finished near the time limit, so another run may "
                 "time out there.")
    return text


def section(rows, folder):
    table = table_rows(rows)
    blocks = []
    printed = [r for r in table if "l" in r]
    if printed:
        blocks.append(Table(
            ("n", "l(n)", "d l(n)/dx (raw, as SymPy derives it)", "d l(n)/dx (simplified)"),
            [(r["n"], code(r["l"]), code(r["raw"]), code(r["simplified"]) if "simplified" in r else MISSING)
             for r in printed],
        ))
    blocks.append(Paragraph("Sizes (operations) for growing n, until SymPy hits the time limit:"))
    blocks.append(Table(
        ("n", "status", "l(n) tree", "raw derivative tree", "raw derivative DAG", "simplified", "derive",
         "simplify"),
        [(r["n"], r["status"], *(r.get(key, MISSING) for key in
                                 ("l_tree_size", "raw_tree_size", "raw_dag_size", "simplified_tree_size")),
          seconds(r.get("derivation_seconds")), seconds(r.get("simplify_seconds"))) for r in table],
        align="rsrrrrrr",
    ))
    figure = sizes_figure(table, folder)
    if figure:
        blocks.append(Image(figure, "Table 1 sizes"))
    return Section(NAME, TITLE, blocks, summary=summary(table))


STUDY = register_study(Study(
    name=NAME,
    description="l(n) of the logistic map and its derivative, raw and simplified, for growing n",
    cases=cases,
    run=run,
    section=section,
    title=TITLE,
    label="the Table 1 study",
    unfinished="No Table 1 case finished.",
    joins={"standard": {"up_to": 8}, "swell": {"up_to": 14}},
))
