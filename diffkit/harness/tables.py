"""The Markdown tables of the harness report, made from the analysis by :mod:`diffkit.report.markdown`.

``index.md.j2`` places them; the HTML page lays out the same data in its own template.
"""

from ..report.markdown import MISSING, sci, seconds, table


def _right(columns):
    return "l" + "r" * columns


def status_table(analysis, statuses):
    rows = [[count["method"], *(count[status] for status in statuses)] for count in analysis["counts"]]
    return table(["method", *statuses], rows, _right(len(statuses)))


def accuracy_table(analysis):
    rows = [[method, v["count"], sci(v["median"]), sci(v["worst"])]
            for method, v in analysis["accuracy"]["per_method"].items()]
    return table(["method", "programs", "median", "worst"], rows, _right(3))


def program_accuracy_table(analysis):
    accuracy = analysis["accuracy"]
    methods = accuracy["methods"]
    rows = [[program, *(sci(accuracy["errors"].get((program, method))) for method in methods)]
            for program in accuracy["programs"]]
    return table(["program", *methods], rows, _right(len(methods)))


def estimates_table(analysis):
    rows = [[method, e["programs"], e["entries"], f"{100 * e['covered']:.1f}%", f"{100 * e['informative']:.1f}%"]
            for method, e in analysis["estimates"].items()]
    return table(["method", "programs", "entries", "covered", "informative"], rows, _right(4))


def runtime_table(analysis):
    runtime = analysis["runtime_table"]
    methods, cells = runtime["methods"], runtime["cells"]
    rows = []
    for program in runtime["programs"]:
        first = cells.get((program, "tape")) or cells.get((program, methods[0]))
        ratios = [f"{cells[(program, m)]['ratio']:.1f}×" if (program, m) in cells else MISSING for m in methods]
        rows.append([program, seconds(first["forward_seconds"]) if first else MISSING, *ratios])
    return table(["program", "forward", *methods], rows, _right(len(methods) + 1))


def failures_table(analysis):
    rows = [[f["program"], f["method"], f["status"], f["reason"]] for f in analysis["failures"]]
    return table(["program", "method", "status", "reason"], rows, "llsl")


def warnings_table(analysis):
    rows = [[w["program"], w["method"], w["warnings"]] for w in analysis["warnings"]]
    return table(["program", "method", "warnings"], rows)


def markdown_tables(analysis, statuses):
    """Every table of ``index.md`` by name."""
    return {
        "status": status_table(analysis, statuses),
        "accuracy": accuracy_table(analysis),
        "program_accuracy": program_accuracy_table(analysis),
        "estimates": estimates_table(analysis),
        "runtime": runtime_table(analysis),
        "failures": failures_table(analysis),
        "warnings": warnings_table(analysis),
    }
