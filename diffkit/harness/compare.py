"""``dk.compare``: every method on one function at one point, in a notebook or a terminal.

    dk.compare(f, -2.0, 5.0, -4.0, argnums=(0, 1, 2))

returns a :class:`Comparison`: an HTML table in Jupyter, a text table in a terminal, and
``.plot()`` draws its errors and costs. It measures exactly what a report row holds
(error against the 50-digit reference, per-gradient time as a multiple of one forward
pass, expression sizes), but in this process, without isolation or limits: use
``diffkit report`` with a suite for programs that may explode.
"""

from pathlib import Path

import jinja2

from .. import errors
from ..core.keywords import refuses_unknown_keywords
from ..report.text import table as text_table
from .measure import classify, measure_problem
from .metrics import gradient_errors
from .reference import tape_reference
from ..methods import Problem, chosen_methods, method_names

_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "compare.html.j2"
COLUMNS = ("method", "status", "rel_error", "abs_error", "gradient_seconds", "ratio", "one_off_seconds", "size")


@refuses_unknown_keywords
def compare(f, *args, argnums=0, methods=None):
    """Differentiate ``f`` at ``args`` with each method; return a :class:`Comparison`."""
    problem = Problem(f, args, argnums)
    if methods is None:
        names = method_names()
    else:  # an unknown name fails before any work is done
        names = chosen_methods(methods, "at least one method (or leave it out for every method)")
    try:
        _, reference = tape_reference(problem)
        reference_error = None
    except Exception as exc:  # noqa: BLE001  (still compare the methods without errors)
        reference, reference_error = None, classify(exc)[1]
    rows = []
    for name in names:
        row = {"method": name}
        try:
            row.update(measure_problem(problem, name))
        except Exception as exc:  # noqa: BLE001  (a method's failure is part of the comparison)
            row["status"], row["reason"] = classify(exc)
        if row["status"] == "ok":
            if reference is not None:
                row["abs_error"], row["rel_error"] = gradient_errors(row["grad"], reference)
            row["ratio"] = row.get("forward_passes")  # measured round by round, beside the forward pass
            row["size"] = _size(row)
        rows.append(row)
    return Comparison(getattr(f, "__name__", "f"), problem.entry_names(), rows, reference, reference_error)


def _size(row):
    for key in ("derivative_tree_size", "nodes", "evaluations"):
        if row.get(key) is not None:
            unit = {"derivative_tree_size": "ops (derivative tree)", "nodes": "tape nodes",
                    "evaluations": "evaluations"}[key]
            return f"{row[key]} {unit}"
    return None


def _cell(key, value):
    if value is None:
        return "—"
    if key in ("rel_error", "abs_error"):
        return "0" if value == 0 else f"{value:.1e}"
    if key in ("gradient_seconds", "one_off_seconds"):
        return f"{value * 1e6:.3g} µs" if value < 1e-3 else f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
    if key == "ratio":
        return f"{value:.1f}×"
    return str(value)


HEADINGS = {
    "method": "method", "status": "status", "rel_error": "rel. error", "abs_error": "abs. error",
    "gradient_seconds": "time/gradient", "ratio": "× forward", "one_off_seconds": "one-off", "size": "size",
}


class Comparison:
    """The methods' results on one function: rows of status, errors, times and sizes."""

    def __init__(self, name, entries, rows, reference, reference_error=None):
        self.name = name
        self.entries = entries
        self.rows = rows
        self.reference = reference
        self.reference_error = reference_error

    def __getitem__(self, method):
        for row in self.rows:
            if row["method"] == method:
                return row
        methods = [r["method"] for r in self.rows]
        raise errors.UnknownMethodError(
            f"no method {method!r} in this comparison{errors.did_you_mean(method, methods)}; it has {', '.join(methods)}"
        )

    def table(self):
        """The rows as display strings, one list per method."""
        return [[_cell(key, row.get(key)) for key in COLUMNS] for row in self.rows]

    def _notes(self):
        notes = [f"{row['method']}: {row['reason']}" for row in self.rows if row.get("status") != "ok"]
        if self.reference_error:
            notes.insert(0, f"no 50-digit reference: {self.reference_error}")
        return notes

    def __str__(self):
        lines = [f"{self.name}: gradient with respect to {', '.join(self.entries[:6])}"
                 + (" ..." if len(self.entries) > 6 else "") + "; errors against a 50-digit reference"]
        lines += text_table([HEADINGS[key] for key in COLUMNS], self.table(), rule=False)
        lines.extend(self._notes())
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        template = jinja2.Template(_TEMPLATE.read_text(encoding="utf-8"), autoescape=True)
        return template.render(name=self.name, entries=self.entries, headings=[HEADINGS[k] for k in COLUMNS],
                               cells=self.table(), notes=self._notes())

    def plot(self):
        """A matplotlib Figure: error and time per gradient (in forward passes) by method."""
        from matplotlib.figure import Figure

        done = [r for r in self.rows if r.get("status") == "ok"]
        figure = Figure(figsize=(9, 3.4))
        left, right = figure.subplots(1, 2)
        names = [r["method"] for r in done]
        errors = [max(r.get("rel_error") or 0.0, 1e-18) for r in done]
        left.bar(names, errors, color="C0")
        left.set_yscale("log")
        left.set_ylabel("relative error (0 drawn at 1e-18)")
        right.bar(names, [r["ratio"] or 0.0 for r in done], color="C1")
        right.set_yscale("log")
        right.set_ylabel("time per gradient / forward pass")
        left.set_title("accuracy", fontsize=9)
        right.set_title("cost", fontsize=9)
        for axis in (left, right):
            axis.set_xlabel("method")
            axis.tick_params(axis="x", labelrotation=45, labelsize=8)
        figure.suptitle(f"{self.name}: methods compared", fontsize=10)
        figure.tight_layout()
        return figure
