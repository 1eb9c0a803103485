"""The tables of the harness report, made once from the analysis and written both ways.

Each table is a spec (headers, rows, alignment); :func:`markdown_tables` writes them
with :mod:`diffkit.report.markdown` for ``index.md`` and :func:`html_tables` with
:mod:`diffkit.report.html` for ``index.html``, so the two pages show the same cells.
"""

from ..report import html, markdown
from ..report.markdown import MISSING, sci, seconds


def _right(columns):
    return "l" + "r" * columns


def near_counts(analysis):
    """Per method, how many of its ok cases finished near their time limit."""
    counts = {}
    for case in analysis["near_limit"]:
        counts[case["method"]] = counts.get(case["method"], 0) + 1
    return counts


def status_table(analysis, statuses):
    near = near_counts(analysis)
    rows = [[count["method"], *(count[status] for status in statuses), near.get(count["method"], 0)]
            for count in analysis["counts"]]
    return ["method", *statuses, "ok near the limit"], rows, _right(len(statuses) + 1)


def accuracy_table(analysis):
    rows = [[method, v["count"], sci(v["median"]), sci(v["worst"])]
            for method, v in analysis["accuracy"]["per_method"].items()]
    return ["method", "programs", "median", "worst"], rows, _right(3)


def program_accuracy_table(analysis):
    accuracy = analysis["accuracy"]
    methods = accuracy["methods"]
    rows = [[program, *(sci(accuracy["errors"].get((program, method))) for method in methods)]
            for program in accuracy["programs"]]
    return ["program", *methods], rows, _right(len(methods))


def ratio_cell(cell):
    """``515× (509–522)``: a gradient's cost in forward passes and its interquartile range."""
    if cell is None:
        return MISSING
    spread = f" ({cell['ratio_q1']:.3g}–{cell['ratio_q3']:.3g})" if cell.get("ratio_q1") is not None else ""
    return f"{cell['ratio']:.3g}×{spread}"


def time_cell(cell):
    """``1.23 ms (1.20 ms–1.27 ms, 9 runs)``: a median time, its interquartile range and its rounds."""
    if cell is None:
        return MISSING
    text = seconds(cell["gradient_seconds"])
    if cell.get("gradient_q1") is not None:
        text += f" ({seconds(cell['gradient_q1'])}–{seconds(cell['gradient_q3'])}, {cell.get('repeats')} runs)"
    return text


def estimates_table(analysis):
    rows = [[method, e["programs"], e["entries"], f"{100 * e['covered']:.1f}%", f"{100 * e['informative']:.1f}%"]
            for method, e in analysis["estimates"].items()]
    return ["method", "programs", "entries", "covered", "informative"], rows, _right(4)


def runtime_table(analysis):
    runtime = analysis["runtime_table"]
    methods, cells = runtime["methods"], runtime["cells"]
    rows = []
    for program in runtime["programs"]:
        first = cells.get((program, "tape")) or cells.get((program, methods[0]))
        rows.append([program, seconds(first["forward_seconds"]) if first else MISSING,
                     *(ratio_cell(cells.get((program, m))) for m in methods)])
    return ["program", "forward", *methods], rows, _right(len(methods) + 1)


def failures_table(analysis, key="failures"):
    rows = [[f["program"], f["method"], f["status"], f["reason"]] for f in analysis[key]]
    return ["program", "method", "status", "reason"], rows, "llsl"


def near_limit_table(analysis):
    rows = [[n["program"], n["method"], seconds(n["seconds"]), seconds(n["limit"])] for n in analysis["near_limit"]]
    return ["program", "method", "took", "time limit"], rows, "llrr"


def warnings_table(analysis):
    rows = [[w["program"], w["method"], w["warnings"]] for w in analysis["warnings"]]
    return ["program", "method", "warnings"], rows, "lll"


def table_specs(analysis, statuses):
    """Every table of the report by name, as (headers, rows, alignment)."""
    return {
        "status": status_table(analysis, statuses),
        "accuracy": accuracy_table(analysis),
        "program_accuracy": program_accuracy_table(analysis),
        "estimates": estimates_table(analysis),
        "runtime": runtime_table(analysis),
        "failures": failures_table(analysis),
        "unsupported": failures_table(analysis, "unsupported"),
        "near_limit": near_limit_table(analysis),
        "warnings": warnings_table(analysis),
    }


def markdown_tables(analysis, statuses):
    """Every table of ``index.md`` by name."""
    return {name: markdown.table(*spec) for name, spec in table_specs(analysis, statuses).items()}


def html_tables(analysis, statuses):
    """Every table of ``index.html`` by name."""
    return {name: html.table(*spec) for name, spec in table_specs(analysis, statuses).items()}
