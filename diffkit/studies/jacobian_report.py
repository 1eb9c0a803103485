"""The Jacobian study's page: Markdown and PNG plots from the rows of :mod:`diffkit.studies.jacobian_study`.

``write_report(data, folder)`` writes ``index.md`` and ``index.html`` (from the same
sections, by the shared page helper), the figures and ``data.json``; the
report can be rebuilt from ``data.json`` alone (``diffkit jacobian-report --from-data``)
or from the results database (``diffkit report --from``).
"""

import json

import numpy as np
from pathlib import Path

from ..errors import InputError
from ..methods.transforms import HESSIAN_METHODS
from ..harness.analysis import shorten_numbers
from ..report.pages import write_section_pages
from ..report.section import Bullets, Heading, Image, Paragraph, Section, Table
from ..report.figures import ZERO_LABEL, integer_axis, new_figure, save_figure, styled, zero_floor
from .jacobian_study import COST_METHODS, HVP_METHODS, SWELL_METHODS

REGIMES = (("n >> m", "n", "m = 2: inputs grow"), ("n << m", "m", "n = 2: outputs grow"), ("n = m", "n", "n = m"))


def _format(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        return f"{value:.3g}" if 1e-3 <= abs(value) < 1e5 else f"{value:.2e}"
    return str(value)


def _table(header, rows):
    return Table(tuple(header), tuple(tuple(_format(v) for v in row) for row in rows))


def _columns(rows, keys):
    """The table cells of ``rows``: each row's values of ``keys``, in that order."""
    return [[row[key] for key in keys] for row in rows]


def _save(fig, folder, name):
    return save_figure(fig, folder, name)


def _figure(alt, plot, data, folder, key):
    """The image of ``plot``, or a note when none of its measurements finished."""
    if not data.get(key):
        return Paragraph("_No measurement of this kind finished (see the cases that did not finish, below)._")
    return Image(plot(data, folder), alt)


# --- Jacobian cost ------------------------------------------------------------------------------
def _cost_rows(data, regime):
    return [row for row in data["jacobian_cost"] if row["regime"] == regime]


@styled
def jacobian_cost_plot(data, folder):
    fig, axes = new_figure(1, 3, figsize=(15, 5), sharey=True)
    for ax, (regime, axis_key, title) in zip(axes, REGIMES):
        rows = _cost_rows(data, regime)
        for method in COST_METHODS:
            points = sorted((row[axis_key], row["seconds"], row.get("q1"), row.get("q3"))
                            for row in rows if row["method"] == method)
            if points:
                x, y = [p[0] for p in points], np.array([p[1] for p in points])
                low = np.array([p[2] if p[2] is not None else p[1] for p in points])
                high = np.array([p[3] if p[3] is not None else p[1] for p in points])
                ax.errorbar(x, y, yerr=np.clip([y - low, high - y], 0, None), capsize=2, label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{regime} ({title})")
        ax.set_xlabel(f"{axis_key} ({'inputs' if axis_key == 'n' else 'outputs'}, count)")
        ax.set_ylabel("seconds for the full Jacobian (median, IQR)")
    axes[0].legend()
    return _save(fig, folder, "jacobian_cost.png")


METHOD_LABELS = {"tape": "reverse mode (tape)", "forward-mode": "forward mode", "fd-central": "fd-central"}
PASS_LABELS = {"tape": "backward passes", "forward-mode": "forward passes", "fd-central": "evaluations"}
ABOUT_AS_FAST = 1.1  # times within 10% of each other are "about as fast"


def _label(method):
    return METHOD_LABELS.get(method, method)


def _ratio(slower, faster):
    ratio = slower / faster if faster > 0 else float("inf")
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _cost(row):
    return f"{_format(row['seconds'])} s, {row['passes']} {PASS_LABELS.get(row['method'], 'passes')}"


def _winner_sentence(regime, rows):
    """Which measured method is fastest for one regime at its largest size, and by how much."""
    ranked = sorted(rows, key=lambda row: row["seconds"])
    fastest, others = ranked[0], ranked[1:]
    n, m = fastest["n"], fastest["m"]
    ties = [row for row in others if row["seconds"] <= ABOUT_AS_FAST * fastest["seconds"]]
    slower = [row for row in others if row not in ties]
    if not others:
        return f"- {regime}, n = {n}, m = {m}: only {_label(fastest['method'])} was measured ({_cost(fastest)})."
    if ties:
        names = [_label(row["method"]) for row in (fastest, *ties)]
        costs = "; ".join(f"{_label(row['method'])} {_cost(row)}" for row in (fastest, *ties))
        sentence = f"{_join(names)} are the fastest, about as fast as each other ({costs})"
    else:
        sentence = f"{_label(fastest['method'])} is the fastest ({_cost(fastest)})"
    if slower:
        parts = [
            f"{_label(row['method'])}{' takes' if index == 0 else ''} "
            f"{_ratio(row['seconds'], fastest['seconds'])} as long ({_cost(row)})"
            for index, row in enumerate(slower)
        ]
        sentence += "; " + _join(parts)
    sentence += "."
    by_method = {row["method"]: row for row in rows}
    tape, forward = by_method.get("tape"), by_method.get("forward-mode")
    if tape and forward and fastest["method"] not in ("tape", "forward-mode"):
        sentence += " " + _mode_comparison(tape, forward)
    return f"- {regime}, n = {n}, m = {m}: {sentence}"


def _mode_comparison(tape, forward):
    """Forward mode against reverse mode, when neither is the fastest method."""
    if max(tape["seconds"], forward["seconds"]) <= ABOUT_AS_FAST * min(tape["seconds"], forward["seconds"]):
        return "Forward and reverse mode are about as fast as each other."
    if forward["seconds"] < tape["seconds"]:
        return f"Forward mode is {_ratio(tape['seconds'], forward['seconds'])} faster than reverse mode."
    return f"Reverse mode is {_ratio(forward['seconds'], tape['seconds'])} faster than forward mode."


def _winner_sentences(data):
    """One sentence per regime, from the data: the fastest method at the largest size, and the others' ratios."""
    sentences = []
    for regime, axis_key, _ in REGIMES:
        rows = _cost_rows(data, regime)
        if not rows:
            continue
        largest = max(row[axis_key] for row in rows)
        sentences.append(_winner_sentence(regime, [row for row in rows if row[axis_key] == largest]))
    return "\n".join(sentences)


def jacobian_section(data, folder):
    blocks = [
        Paragraph("Programs R^n -> R^m, `y = B tanh(A x)` with 16 hidden units (diffkit.studies.jacobian_programs). "
                  "Reverse mode builds the Jacobian row by row (one backward pass per output), forward mode and "
                  "central differences column by column (one forward pass, or two evaluations, per input). Times "
                  "are medians over rounds filling 0.2 s of CPU time (the bars in the plot span the interquartile "
                  "range); `passes` counts backward passes (tape), forward passes (forward-mode) or function "
                  "evaluations (fd-central)."),
        _figure("Jacobian cost", jacobian_cost_plot, data, folder, "jacobian_cost"),
    ]
    sentences = _winner_sentences(data)
    if sentences:
        blocks.append(Bullets(tuple(line[2:] for line in sentences.split("\n"))))
    for regime, axis_key, title in REGIMES:
        rows = _cost_rows(data, regime)
        sizes = sorted({row[axis_key] for row in rows})
        header = ["n", "m"] + [f"{method} s (passes)" for method in COST_METHODS] + ["fd-central max abs diff vs tape"]
        table_rows = []
        for size in sizes:
            by_method = {row["method"]: row for row in rows if row[axis_key] == size}
            any_row = next(iter(by_method.values()))
            cells = [any_row["n"], any_row["m"]]
            for method in COST_METHODS:
                row = by_method.get(method)
                cells.append(f"{_format(row['seconds'])} ({row['passes']})" if row else "-")
            cells.append(by_method.get("fd-central", {}).get("max_abs_diff_vs_tape"))
            table_rows.append(cells)
        blocks += [Heading(f"{regime} ({title})"), _table(header, table_rows)]
    return Section("jacobians", "Jacobians: the cost of each mode against n and m", blocks)


# --- Hessians ------------------------------------------------------------------------------------------
@styled
def hessian_plot(data, folder):
    fig, ax = new_figure(figsize=(8, 5))
    floor = zero_floor([row["max_rel_error"] for row in data["hessian"]])
    for index, method in enumerate(HESSIAN_METHODS):
        rows = [row for row in data["hessian"] if row["method"] == method]
        exact = [row for row in rows if row["max_rel_error"] == 0]
        points = ax.scatter([row["seconds"] for row in rows if row["max_rel_error"] > 0],
                            [row["max_rel_error"] for row in rows if row["max_rel_error"] > 0],
                            label=method, marker="osD^"[index % 4])
        if exact:
            ax.scatter([row["seconds"] for row in exact], [floor] * len(exact), marker="v",
                       color=points.get_facecolor()[0] if len(points.get_offsets()) else None,
                       label=f"{method}: {ZERO_LABEL}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("seconds for the full Hessian (median)")
    ax.set_ylabel("max error / max |H| (against 50 digits)")
    ax.set_title("Hessians: accuracy against cost")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, folder, "hessian_accuracy_cost.png")


@styled
def hessian_swell_plot(data, folder):
    rows = data["hessian_swell"]
    fig, ax = new_figure(figsize=(8, 5))
    for key, label in (
        ("forward_tree_size", "forward expression (tree)"),
        ("gradient_tree_size", "gradient (tree)"),
        ("hessian_tree_size", "Hessian (tree)"),
        ("hessian_dag_size", "Hessian (DAG)"),
        ("hessian_cse_size", "Hessian (after CSE)"),
    ):
        ax.semilogy([row["depth"] for row in rows], [max(row[key], 1) for row in rows], label=label)
    integer_axis(ax.xaxis)
    ax.set_xlabel("depth of the tanh chain (layers, width 2)")
    ax.set_ylabel("size (operations)")
    ax.set_title("The symbolic Hessian's size against depth")
    ax.legend()
    return _save(fig, folder, "hessian_swell.png")


def hessian_section(data, folder):
    header = ["program", "n", "method", "max rel. error", "asymmetry", "seconds", "passes / evaluations"]
    rows = _columns(data["hessian"], ("program", "n", "method", "max_rel_error", "asymmetry", "seconds", "passes"))
    swell_header = ["depth", "params", "forward tree", "gradient tree"]
    swell_header += ["Hessian tree", "Hessian DAG", "Hessian CSE", "s (one run)"]
    swell_rows = _columns(data["hessian_swell"], ("depth", "params", "forward_tree_size", "gradient_tree_size",
                                                  "hessian_tree_size", "hessian_dag_size", "hessian_cse_size",
                                                  "seconds"))
    return Section("hessians", "Hessians: accuracy and cost", [
        Paragraph("`forward-over-reverse` runs the tape's backward pass on dual values (one Hessian column "
        "per pass); `reverse-over-reverse` records the backward pass on an outer tape (one row per "
        "outer backward pass); `symbolic` differentiates SymPy's expression twice; `fd-central` "
        "takes second-order central differences of function values (step eps^(1/4)). Errors are "
        "against the symbolic Hessian evaluated with mpmath at 50 digits, relative to the largest entry. "
        "Times are medians over rounds filling 0.2 s of CPU time; the symbolic route is timed once, since "
        "SymPy's cache would make a second call faster."),
        _figure("Hessian accuracy and cost", hessian_plot, data, folder, "hessian"),
        _table(header, rows),
        Heading("The symbolic Hessian's swell"),
        Paragraph("Sizes count operations (diffkit.engines.expression_size): the tree is the expression written "
                  "out, the DAG counts each distinct subexpression once, CSE is what evaluating it costs."),
        _figure("Symbolic Hessian swell", hessian_swell_plot, data, folder, "hessian_swell"),
        _table(swell_header, swell_rows),
        *hvp_blocks(data, folder),
    ])


# --- Hessian-vector products ------------------------------------------------------------------------
@styled
def hvp_plot(data, folder):
    fig, ax = new_figure(figsize=(8.5, 5))
    methods = [m for m in HVP_METHODS if any(r["method"] == m for r in data["hvp"])]
    for method in methods:
        rows = sorted((r for r in data["hvp"] if r["method"] == method), key=lambda r: r["n"])
        line, = ax.loglog([r["n"] for r in rows], [r["seconds"] for r in rows], label=f"{method}: H v")
        full = [(r["n"], r["hessian_seconds"]) for r in rows if r.get("hessian_seconds") is not None]
        if full:
            ax.loglog(*zip(*full), ls=":", marker="s", color=line.get_color(), label=f"{method}: full H")
    ax.set_xlabel("n (unknowns of the least-squares problem, count)")
    ax.set_ylabel("seconds (median)")
    ax.set_title("Hessian-vector products against the full Hessian")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, folder, "hvp_cost.png")


def hvp_blocks(data, folder):
    if not data.get("hvp"):
        return []
    header = ["n", "method", "H v seconds", "full Hessian seconds", "max rel. error of H v"]
    rows = [[r["n"], r["method"], r["seconds"], r.get("hessian_seconds"), r["max_rel_error"]] for r in data["hvp"]]
    return [
        Heading("Hessian-vector products"),
        Paragraph("`dk.hvp` on least squares in n unknowns (2n rows), whose exact H v = 2 X^T X v / N is "
        "computed directly for the error. The two autodiff orders take one pass whatever n; "
        "`fd-central` takes 4n function values; `symbolic` forms the whole Hessian (small n only). "
        "Dotted lines: the full Hessian by the same method."),
        _figure("HVP cost", hvp_plot, data, folder, "hvp"),
        _table(header, rows),
    ]


# --- swell: symbolic, symbolic-cse, symbolic-tape --------------------------------------------------------
@styled
def swell_plot(data, folder):
    fig, axes = new_figure(1, 2, figsize=(14, 5))
    rows = data["swell"]
    for method, style in zip(SWELL_METHODS, ("-", ":", "--")):
        mine = [row for row in rows if row["method"] == method]
        if not mine:
            continue
        depths = [row["depth"] for row in mine]
        if method != "symbolic-cse":  # the same derivative as symbolic: only its compilation differs
            axes[0].semilogy(depths, [row["derivative_tree_size"] for row in mine], "o" + style, label=f"{method} tree")
            axes[0].semilogy(depths, [row["derivative_dag_size"] for row in mine], "s" + style, label=f"{method} DAG")
            axes[0].semilogy(depths, [row["derivative_cse_size"] for row in mine], "^" + style, label=f"{method} CSE")
        axes[1].semilogy(depths, [row["seconds"] for row in mine], "o" + style, label=method)
    axes[0].set_title("Size of the derivative")
    axes[0].set_ylabel("size (operations)")
    axes[1].set_title("Time for the gradient (derive, compile, evaluate; one run)")
    axes[1].set_ylabel("seconds")
    for ax in axes:
        integer_axis(ax.xaxis)
        ax.set_xlabel("depth of the tanh chain (layers, width 2)")
        ax.legend()
    return _save(fig, folder, "swell_symbolic_tape.png")


def _swell_sentence(data):
    rows = data["swell"]
    depths = [row["depth"] for row in rows if row["method"] == "symbolic"]
    tape_depths = [row["depth"] for row in rows if row["method"] == "symbolic-tape"]
    common = sorted(set(depths) & set(tape_depths))
    if not common:
        return ""
    depth = common[-1]
    symbolic = next(r for r in rows if r["method"] == "symbolic" and r["depth"] == depth)
    tape = next(r for r in rows if r["method"] == "symbolic-tape" and r["depth"] == depth)
    return (
        f"At depth {depth}, `symbolic-tape`'s derivative has a DAG of {tape['derivative_dag_size']} operations "
        f"against {symbolic['derivative_dag_size']} for `symbolic` "
        f"({symbolic['derivative_dag_size'] / max(tape['derivative_dag_size'], 1):.1f}x), and "
        f"{tape['derivative_cse_size']} against {symbolic['derivative_cse_size']} after CSE; written out "
        f"as trees they measure {tape['derivative_tree_size']} and {symbolic['derivative_tree_size']}."
    )


def swell_section(data, folder):
    header = ["depth", "params", "method", "forward tree", "derivative tree", "derivative DAG", "derivative CSE",
              "s (one run)"]
    rows = _columns(data["swell"], ("depth", "params", "method", "forward_tree_size", "derivative_tree_size",
                                    "derivative_dag_size", "derivative_cse_size", "seconds"))
    sentence = _swell_sentence(data)
    return Section("swell", "Swell: the method or the representation?", [
        Paragraph("`symbolic` and `symbolic-cse` let SymPy differentiate the forward expression (the same "
        "derivative; `symbolic-cse` compiles it after common-subexpression elimination). "
        "`symbolic-tape` records the program on a tape over SymPy values and runs the backward "
        "pass on them: the derivative is built by reverse accumulation, each adjoint shared by every "
        "later use. Where the two derivatives' DAG and CSE sizes are close, swell comes from writing "
        "expressions as trees; where the tape's stays smaller, the method itself (differentiating "
        "an expression rather than accumulating adjoints) adds work."),
        _figure("Swell", swell_plot, data, folder, "swell"),
        *([Paragraph(sentence)] if sentence else []),
        _table(header, rows),
    ])


def unfinished_section(data):
    """Harness cases that hit a limit or failed (a symbolic derivation that exploded), with their
    reasons in full (long numbers shortened); None when every case finished."""
    rows = data.get("not_finished") or []
    if not rows:
        return None
    table_rows = [[r["study"], r["settings"], r["status"], shorten_numbers(" ".join(r["reason"].split()))]
                  for r in rows]
    return Section("unfinished", "Cases that did not finish", [
        Table(("study", "settings", "status", "reason"), tuple(tuple(map(str, row)) for row in table_rows), "llsl")])


TITLE = "Forward mode, Jacobians and second derivatives"


def write_report(data, folder):
    """Write index.md, index.html, the PNGs and data.json into ``folder``; return index.md's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.json").write_text(json.dumps(data, indent=1))
    intro = []
    if data.get("quick"):
        intro.append("_Quick run: small sizes only._")
    if data.get("harness"):
        where = "an isolated harness case" if data.get("isolated", True) else "a harness case in one process"
        intro.append(f"_Each measurement ran as {where} (results.sqlite beside this page)._")
    intro.append("Rebuild with `diffkit jacobian-report` (measures again) or `diffkit jacobian-report --from-data` "
                 "(rewrites this page from data.json).")
    sections = [jacobian_section(data, folder), hessian_section(data, folder), swell_section(data, folder),
                unfinished_section(data)]
    return write_section_pages(folder, TITLE, intro, [s for s in sections if s is not None])[0]


# The lists the page reads and, for each, the fields it reads from every row; "hvp" and
# "not_finished" may be absent (older data files, in-process runs without failures).
REQUIRED_ROWS = {
    "jacobian_cost": ("regime", "n", "m", "method", "seconds", "passes"),
    "hessian": ("program", "n", "method", "max_rel_error", "asymmetry", "seconds", "passes"),
    "swell": ("depth", "params", "method", "forward_tree_size", "derivative_tree_size",
              "derivative_dag_size", "derivative_cse_size", "seconds"),
    "hessian_swell": ("depth", "params", "forward_tree_size", "gradient_tree_size", "hessian_tree_size",
                      "hessian_dag_size", "hessian_cse_size", "seconds"),
}
OPTIONAL_ROWS = {
    "hvp": ("n", "method", "seconds", "max_rel_error"),
    "not_finished": ("study", "settings", "status", "reason"),
}
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _json_type(value):
    return _JSON_TYPES.get(type(value), "null" if value is None else type(value).__name__)


def _data_problem(data):
    """What keeps ``data`` from being the report's data, or None."""
    if not isinstance(data, dict):
        return f"it holds a JSON {_json_type(data)}, not an object of studies"
    for key, fields in {**REQUIRED_ROWS, **OPTIONAL_ROWS}.items():
        if key not in data:
            if key in REQUIRED_ROWS:
                return f"it has no {key!r} list"
            continue
        rows = data[key]
        if not isinstance(rows, list):
            return f"its {key!r} is a JSON {_json_type(rows)}, not a list of rows"
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                return f"{key}[{index}] is a JSON {_json_type(row)}, not an object"
            missing = [field for field in fields if field not in row]
            if missing:
                return f"{key}[{index}] has no {', '.join(map(repr, missing))}"
    return None


def read_data(folder):
    """The report's data from ``folder/data.json``; an InputError naming the file when it is not that."""
    path = Path(folder) / "data.json"
    fix = "rerun `diffkit jacobian-report` without --from-data to measure again"
    if (Path(folder) / "results.sqlite").exists():
        fix += " (with --harness --resume to rebuild it from the finished cases in results.sqlite)"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc.strerror or exc}); {fix}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a text file; {fix}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError: an empty, truncated or hand-broken file
        what = "is empty" if not text.strip() else f"is not valid JSON ({exc})"
        raise InputError(f"{path} {what}; {fix}") from None
    problem = _data_problem(data)
    if problem:
        raise InputError(f"{path} is not the Jacobian report's data: {problem}; {fix}")
    return data
