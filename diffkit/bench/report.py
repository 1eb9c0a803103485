"""Write a benchmark run as ``index.md`` and ``index.html`` with log-log plots and ``results.json``.

Both pages are written from the same sections (:mod:`diffkit.report.section`) by the
shared page helper (:mod:`diffkit.report.pages`), so they show the same tables.

The report is made from the results alone (``results.json`` holds them), so it can be
rebuilt without measuring again: ``write_report(load_results(dir), dir)``.
"""

import json
from pathlib import Path

import numpy as np

from .. import errors
from ..report.figures import new_figure, save_figure, styled
from ..report.pages import section_markdown, write_section_pages
from ..report.section import Bullets, Image, Paragraph, Section, Table
from ..harness.timing import CLOCK_NAMES
from . import targets
from .peers import NOT_REQUESTED
from .candidates import API, API_RESULT, API_VALUE, COMPILED, FORWARD, HANDWRITTEN, MEMORY_CONFIG, PLAIN_PYTHON, TAPE

RESULTS_FILE = "results.json"
_CLOCKS = CLOCK_NAMES
SECTIONS = (
    "## Machine and libraries",
    "## Peers",
    "## Goals",
    "## MLP gradients: medians",
    "## MLP gradients: ratios to one NumPy forward pass",
    "## Public API overhead",
    "## Memory held for the backward pass",
    "## Peak memory of one gradient",
    "## Finite differences (fd-central)",
    "## Finite differences beside numdifftools",
    "## Symbolic differentiation",
    "## Scalar program",
    "## How it is measured",
)  # the headings index.md holds, in order


RESULT_KEYS = ("quick", "environment", "peers", "arrays", "fd", "symbolic", "scalar")


def load_results(directory, keys=RESULT_KEYS, command="diffkit bench"):
    """The results a run stored in ``directory``; an InputError naming the file when they are
    not the JSON ``command`` writes (``keys``: what it always holds)."""
    path = Path(directory) / RESULTS_FILE
    rerun = f"rerun `{command} --out {directory}` to measure again"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.InputError(f"cannot read {path} ({getattr(exc, 'strerror', None) or exc}): {rerun}") from None
    except ValueError as exc:
        raise errors.InputError(f"{path} is not valid JSON ({exc}): {rerun}") from None
    require_keys(results, keys, directory, command)
    return results


def require_keys(record, keys, directory, command="diffkit bench", part="it"):
    """An InputError unless ``record`` (``part`` of the results in ``directory``) is a dict
    holding every one of ``keys``: the message names the file, what is missing and the rerun."""
    missing = [key for key in keys if key not in record] if isinstance(record, dict) else list(keys)
    if missing:
        raise damaged_results(directory, command, f"{part} has no {', '.join(missing)}")


def require_kind(value, kind, directory, command, part):
    """An InputError unless ``value`` (``part`` of the results in ``directory``) is a ``kind``."""
    if not isinstance(value, kind):
        raise damaged_results(directory, command, f"{part} is a {type(value).__name__}, not a {kind.__name__}")


def damaged_results(directory, command, detail):
    """The InputError for a results file in ``directory`` that ``command`` did not write as it is."""
    path = Path(directory) / RESULTS_FILE
    return errors.InputError(f"{path} does not hold {command} results ({detail}): "
                             f"rerun `{command} --out {directory}` to measure again")


def _seconds(value):
    if value is None:
        return "-"
    if value >= 1.0:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} µs"


# Timed beside dk.grad for the overhead table only: the same work, other return values.
_OVERHEAD_ONLY = (API_VALUE, API_RESULT)


def _spread(timing):
    """``1.23 ms (1.20–1.27)``: a median and its interquartile range (older results: the median)."""
    if not timing:
        return "-"
    if timing.get("q1") is None:
        return _seconds(timing.get("median"))
    return f"{_seconds(timing['median'])} ({_seconds(timing['q1'])}–{_seconds(timing['q3'])})"


def _method_order(entries):
    names = []
    for entry in entries:
        for name in entry["timings"]:
            if name not in names and name not in _OVERHEAD_ONLY:
                names.append(name)
    return names


# --- sections ------------------------------------------------------------------------------
def _environment_section(results):
    env = results["environment"]
    rows = [
        ("date", env["date"]),
        ("run", "quick (`--quick`)" if results["quick"] else "full"),
        ("machine", f"{env['cpu']} ({env['machine']}, {env['cores']} cores), {env['system']}"),
        ("python", env["python"]),
        *((name, version) for name, version in env["libraries"].items()),
        ("threads", f"{env['threads']} per library (NumPy's BLAS via threadpoolctl, torch, XLA)"),
        ("clock", _CLOCKS.get(results.get("clock", "wall"))),
    ]
    if env.get("allocator"):
        rows.append(("allocator", env["allocator"]))
    for info in env.get("blas_after", env["blas"]):
        if "note" in info:
            rows.append(("BLAS", info["note"]))
        else:
            rows.append(
                (
                    info.get("user_api", "pool"),
                    " ".join(
                        part
                        for part in (
                            info.get("internal_api"),
                            info.get("version"),
                            f"kernel {info['architecture']}" if info.get("architecture") else None,
                        )
                        if part
                    )
                    + f", {info.get('num_threads')} thread(s)",
                )
            )
    for key, value in env.get("blas_environment", {}).items():
        rows.append((key, value))
    if env.get("load_at_start"):
        rows.append(("load average", f"{env['load_at_start'][0]:g} (1 min) when the run started"))
    rows.append(("run time", f"{results['seconds']:.0f} s"))
    return Section("machine", "Machine and libraries", [Table(("", ""), rows)])


def _peers_section(results):
    rows = []
    for peer in results["peers"]:
        if peer["available"]:
            status = "available"
        elif peer["reason"] == NOT_REQUESTED:
            status = f"skipped ({NOT_REQUESTED})"
        else:
            status = f"**missing** ({peer['reason']})"
        rows.append((peer["name"], status, peer["version"] or "-", peer["description"]))
    return Section("peers", "Peers", [Paragraph("A missing peer is left out of the tables below."),
                                      Table(("peer", "status", "version", "what is timed"), rows)])


def _goals_section(results):
    rows = [(g["goal"], g["measured"], targets.verdict(g["met"])) for g in targets.evaluate(results)]
    return Section("goals", "Goals", [Table(("goal", "measured", "verdict"), rows)])


def _array_tables(results):
    entries = results["arrays"]
    names = _method_order(entries)
    header = ["depth x width", "params"] + names
    medians = [
        [e["config"], f"{e['params']:,}"] + [_spread(e["timings"].get(n)) for n in names]
        for e in entries
    ]
    ratios = [
        [e["config"], f"{e['params']:,}"]
        + [f"{e['timings'][n]['ratio']:.2f}x" if n in e["timings"] else "-" for n in names]
        for e in entries
    ]
    differences = [
        [e["config"], f"{e['params']:,}"]
        + [f"{e['max_abs_difference'][n]:.1e}" if n in e["max_abs_difference"] else "-" for n in names]
        for e in entries
    ]
    first = Section("medians", "MLP gradients: medians", [
        Paragraph("MLP with tanh hidden layers and mean squared error, batch 64, 16 inputs, one output, float64. "
                  "Median seconds per call (forward + backward for a gradient) over the rounds, with the "
                  "interquartile range in brackets."),
        Table(header, medians),
    ])
    second = Section("ratios", "MLP gradients: ratios to one NumPy forward pass", [
        Table(header, ratios),
        Paragraph("Largest absolute difference of each gradient from the hand-written backward's:"),
        Table(header, differences),
        Image("time_vs_params.png", "time against parameters"),
        Image("ratio_vs_params.png", "ratio against parameters"),
    ])
    return [first, second]


def _overhead_section(results):
    names = [n for n in (API, API_VALUE, API_RESULT, COMPILED) if any(n in e["timings"] for e in results["arrays"])]
    rows = []
    for e in results["arrays"]:
        tape = e["timings"].get(TAPE, {}).get("median")
        cells = [f"{e['timings'][n]['median'] / tape:.3f}x" if tape and n in e["timings"] else "-" for n in names]
        rows.append([e["config"], f"{e['params']:,}", _seconds(tape)] + cells)
    scalar = results["scalar"]["timings"]
    tape = scalar.get(TAPE, {}).get("median")
    scalar_rows = [
        (name, f"{scalar[name]['median'] / tape:.3f}x")
        for name in scalar
        if tape and name not in (TAPE, PLAIN_PYTHON) and name.startswith("dk.")
    ]
    return Section("overhead", "Public API overhead", [
        Paragraph("What the public API adds to the internal tape (recording the program and one backward pass, "
                  "called directly): the median of each over the internal tape's median, from the same rounds as "
                  f"the tables above. The goal is at most {targets.API_OVERHEAD:.2f}x. `{COMPILED}` runs no tape at "
                  "all: below 1 it is faster than recording."),
        Paragraph("What the public API does besides: it reads the arguments, checks every array, differentiated "
                  "or data, for NaN and infinity (one pass: each array's dot product with itself, small arrays "
                  "first joined into one), and hands the gradients back in the arguments' structure as arrays the "
                  "caller owns. These are a few microseconds of Python and NumPy calls, a large share of a 2x16 "
                  "gradient; from 4x256 up what remains is the one pass over the arguments' memory."),
        Table(("depth x width", "params", "internal tape", *names), rows),
        Paragraph("Scalar program:"),
        Table(("", "over the internal tape"), scalar_rows),
    ])


def _peak_memory_section(results):
    found = targets.peak_memory_by_candidate(results)
    if not found:
        return Section("peak-memory", "Peak memory of one gradient", [Paragraph("Not measured in this run.")])
    hand = found.get(HANDWRITTEN, {}).get("resident_bytes")
    rows = []
    for name, m in found.items():
        if "error" in m:
            rows.append((name, f"failed: {m['error']}", "-", "-"))
            continue
        ratio = f"{m['resident_bytes'] / hand:.2f}x" if hand else "-"
        rows.append((name, f"{m['resident_bytes'] / 2**20:.1f} MiB", ratio, f"{m['traced_bytes'] / 2**20:.1f} MiB"))
    first = next(iter(m for m in found.values() if "error" not in m), {})
    return Section("peak-memory", "Peak memory of one gradient", [
        Paragraph(f"MLP {MEMORY_CONFIG}, one gradient after a warm-up, each candidate in a fresh Python process. "
                  f"Resident: {first.get('resident_how', '-')}. Traced: {first.get('traced_how', '-')} (NumPy "
                  "reports its buffers to tracemalloc)."),
        Table(("", "resident", "over the hand-written backward", "traced"), rows),
    ])


def _memory_section(results):
    rows = [
        (
            e["config"],
            e["memory"]["tape_nodes"],
            f"{e['memory']['tape_bytes_held']:,}",
            f"{e['memory']['tape_bytes_intermediate']:,}",
            f"{e['memory']['handwritten_bytes']:,}",
            f"{e['memory']['ratio']:.2f}",
        )
        for e in results["arrays"]
    ]
    return Section("memory", "Memory held for the backward pass", [
        Paragraph("`tape.stats()`: `bytes_held` counts every array the tape keeps for its backward pass, including "
                  "the parameters and data it was given; `bytes_intermediate` counts only the arrays it computed. "
                  "The hand-written backward keeps each hidden layer's output and the residual, and takes tanh's "
                  "slope as 1 - h**2 from the output. The tape's rule for tanh reads its input instead, as "
                  "1 / cosh(x)**2, so it also keeps each pre-activation: 1 - h**2 subtracts from 1 a number "
                  "close to 1 and loses every digit of the slope past |x| of about 19 (tanh'(20) = 1.7e-17 comes "
                  "out 0), and diffkit's rules are accurate to a few ulps over the whole float range. That "
                  "accuracy costs one array per tanh layer."),
        Table(("depth x width", "tape nodes", "tape bytes_held", "tape bytes_intermediate",
               "hand-written activations", "ratio"), rows),
    ])


def _fd_section(results):
    rows = [
        (
            e["config"],
            f"{e['params']:,}",
            e["evaluations"],
            _seconds(e["seconds"]),
            _seconds(e["program_forward"]),
            _passes(e),
            f"{100 * e['overhead']:+.1f}%",
            f"{100 * e['overhead_vs_numpy']:+.1f}%",
            f"{e['ratio']:,.0f}x",
            f"{e['max_abs_difference']:.1e}",
        )
        for e in results["fd"]
    ]
    return Section("fd", "Finite differences (fd-central)", [
        Paragraph("`dk.gradient(..., method='fd-central')` costs 4n + 8 evaluations of the program: f(x), 7 on a "
                  "line of exact points measuring f's rounding noise, and f(x +- h), f(x +- h/2) per entry (the "
                  "second pair measures the truncation error). fd-central and one forward pass of the same "
                  "program (the diffkit-op MLP on arrays) are timed in the same rounds; `forward passes` is the "
                  "median of their ratio round by round (interquartile range in brackets), and the overhead is how "
                  "far it lies above the evaluations counted. The overhead over plain NumPy compares with as many "
                  "NumPy forward passes."),
        Table(("depth x width", "params", "evaluations", "median", "one forward", "forward passes", "overhead",
               "overhead vs NumPy forward", "ratio", "max abs diff"), rows),
    ])


def _passes(entry):
    """``523 (515–530)``: fd-central's time in forward passes, round by round (older results: none)."""
    if entry.get("forward_passes") is None:
        return "-"
    return f"{entry['forward_passes']:,.0f} ({entry['forward_passes_q1']:,.0f}–{entry['forward_passes_q3']:,.0f})"


def _fd_peers_section(results):
    fd_peers = results.get("fd_peers") or {"numdifftools": {"available": False, "reason": "not run"}, "rows": []}
    peer = fd_peers["numdifftools"]
    status = f"numdifftools {peer['version']}" if peer["available"] else f"numdifftools is missing: {peer['reason']}"
    rows = []
    for r in fd_peers["rows"]:
        ours, theirs = r["fd-richardson"], r["numdifftools"]
        rows.append((r["program"], r["params"], *_fd_cells(ours), *_fd_cells(theirs),
                     {True: "yes", False: "**no**", None: "-"}[r["met"]]))
    return Section("fd-peers", "Finite differences beside numdifftools", [
        Paragraph(f"{status}. Every gradient program of the standard suite, differentiated by diffkit's adaptive "
                  "`fd-richardson` and by numdifftools' `Gradient` with its default settings (central differences "
                  "at 15 steps from 2 down by halves, Richardson extrapolation, the best estimate per entry): the "
                  "normwise relative error against the 50-digit reference, the evaluations of the program, and "
                  "the part of entries whose true error is within the method's own error estimate. *met*: diffkit "
                  "at least as accurate, at no more evaluations."),
        Table(("program", "params", "fd-richardson error", "evaluations", "covered", "numdifftools error",
               "evaluations", "covered", "met"), rows),
    ])


def _fd_cells(scored):
    if scored is None:
        return ("-", "-", "-")
    if "failed" in scored:
        return (f"failed: {scored['failed'][:60]}", "-", "-")
    covered = "-" if scored["covered"] is None else f"{100 * scored['covered']:.0f}%"
    return (f"{scored['rel_error']:.1e}", scored["evaluations"], covered)


def _cse_cell(method, seconds):
    if method != "symbolic-cse":
        return "-"
    return "in compile" if seconds is None else _seconds(seconds)


def _symbolic_section(results):
    rows = []
    for e in results["symbolic"]:
        for name, m in e["methods"].items():
            rows.append(
                (
                    e["config"],
                    e["params"],
                    name,
                    _seconds(m["trace"]),
                    _seconds(m["derivation"]),
                    _cse_cell(name, m["cse"]),
                    _seconds(m["compile"]),
                    _seconds(m["evaluation"]),
                    _seconds(e["plain_diff"]),
                    f"{m['forward_tree_size']:,}",
                    f"{m['derivative_tree_size']:,}",
                    f"{m['max_abs_difference']:.1e}",
                )
            )
    return Section("symbolic", "Symbolic differentiation", [
        Paragraph("Scalar MLPs (tanh, MSE, 2 inputs, batch 2): SymPy's cache is cleared before each method. Stages "
                  "are timed separately; `plain diff` is SymPy's `diff` of the traced expression by every "
                  "parameter, timed directly. `symbolic-cse` eliminates common subexpressions inside `lambdify` "
                  "(its compile stage, \"in compile\" below), so its derivation is the same `diff` calls as "
                  "`symbolic`'s and as `plain diff`: differences between those three columns are the machine's "
                  "timing noise (one run each, since SymPy's cache would make a second faster; wall clock, "
                  "shared cores)."),
        Table(("depth x width", "params", "method", "trace", "derivation", "CSE", "compile", "evaluation",
               "plain diff", "forward tree", "derivative tree", "max abs diff"), rows),
        Image("symbolic_stages.png", "symbolic stages"),
    ])


def _scalar_section(results):
    scalar = results["scalar"]
    rows = [
        (name, _spread(t), f"{t['ratio']:.1f}x", f"{scalar['max_abs_difference_vs_tape'].get(name, 0.0):.1e}")
        for name, t in scalar["timings"].items()
    ]
    layers = "-".join(map(str, scalar["layers"]))
    return Section("scalar", "Scalar program", [
        Paragraph(f"micrograd's demo network ({layers}, relu, {scalar['params']} parameters) on {scalar['batch']} "
                  f"points, mean squared error, one Python float at a time. Ratio to the {PLAIN_PYTHON} of the "
                  "same loop."),
        Table(("", "median", "ratio", "max abs diff vs tape"), rows),
    ])


def _method_section(results):
    return Section("method", "How it is measured", [Bullets((
        "Every candidate of a table is timed in the same rounds, one call of each in turn, and the median over "
        "rounds is reported with its interquartile range; fast candidates are called several times per sample. "
        f"The clock is {_CLOCKS.get(results.get('clock', 'wall'))}; the garbage collector runs as in a user's "
        "program (collected before each sample, then one untimed call, so a sample starts with warm caches). "
        "The symbolic stages are the methods' own wall-clock timings, and `plain diff` is timed on the same clock.",
        f"`{FORWARD}`: the loss in plain NumPy, the unit of the MLP ratios. `{HANDWRITTEN}`: forward and a "
        "backward pass written by hand in NumPy, the floor a NumPy tape can reach.",
        f"`{API}`: the same network written with diffkit ops, differentiated as a user calls it "
        "(`dk.grad(loss)(params, X, Y)`: reading and checking the arguments, recording, one backward pass, "
        f"packing the gradient). `{COMPILED}`: the gradient compiled once before timing "
        f"(`dk.compile_grad(loss, params, X, Y)`), then called. `{TAPE}`: the tape driven directly, recording "
        "and one `backward`, the floor of the public API's overhead.",
        "Peers compute the same gradient the way their users would; jax-jit is compiled before timing.",
        "Regenerate: `diffkit bench` (about five minutes), `diffkit bench --quick` (under a minute).",
    ))])


# --- plots ---------------------------------------------------------------------------------
@styled
def _plot_arrays(results, directory):
    entries = results["arrays"]
    names = _method_order(entries)
    for key, filename, label in (("median", "time_vs_params.png", "seconds per call (median, IQR)"),
                                 ("ratio", "ratio_vs_params.png", "time / one NumPy forward pass (ratio)")):
        figure, axes = new_figure(figsize=(9, 5.2))
        for name in names:
            points = [(e["params"], e["timings"][name]) for e in entries if name in e["timings"]]
            if not points:
                continue
            xs = [p for p, _ in points]
            ys = np.array([t[key] for _, t in points])
            if key == "median" and all("q1" in t for _, t in points):
                low, high = np.array([t["q1"] for _, t in points]), np.array([t["q3"] for _, t in points])
                axes.errorbar(xs, ys, yerr=np.clip([ys - low, high - ys], 0, None), capsize=2, label=name)
            else:
                axes.plot(xs, ys, label=name)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("parameters (count)")
        axes.set_ylabel(label)
        axes.set_title(f"MLP gradient: {label.split(' (')[0]}")
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        save_figure(figure, directory, filename)


@styled
def _plot_symbolic(results, directory):
    figure, axes = new_figure(figsize=(9, 5.2))
    entries = results["symbolic"]
    params = [e["params"] for e in entries]
    axes.plot(params, [e["plain_diff"] for e in entries], marker="s", label="plain diff")
    for name in ("symbolic", "symbolic-cse"):
        for stage in ("derivation", "cse", "compile", "evaluation"):
            if stage == "cse" and name == "symbolic":
                continue
            points = [(e["params"], e["methods"][name][stage]) for e in entries]
            points = [(p, max(v, 1e-7)) for p, v in points if v is not None]
            if points:
                axes.plot(*zip(*points), marker="o", label=f"{name} {stage}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("parameters (count)")
    axes.set_ylabel("seconds (one run each, wall clock)")
    axes.set_title("Symbolic methods: time per stage")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save_figure(figure, directory, "symbolic_stages.png")


TITLE = "diffkit bench: the cost of a gradient"
INTRO = ("Reverse mode should cost a small constant times one forward pass whatever the number of parameters. "
         "These tables set what a diffkit user calls (`dk.grad`, `dk.compile_grad`) beside a hand-written backward "
         "pass and the libraries a user would otherwise pick, in one process, on one machine; the internal tape "
         "the API runs stands beside them, labelled.")


def sections(results):
    """The report's sections, in order."""
    return [_environment_section(results), _peers_section(results), _goals_section(results),
            *_array_tables(results), _overhead_section(results), _memory_section(results),
            _peak_memory_section(results), _fd_section(results), _fd_peers_section(results),
            _symbolic_section(results), _scalar_section(results), _method_section(results)]


def _title(results):
    return TITLE + (" (quick run)" if results["quick"] else "")


def render(results):
    """The Markdown text of the report."""
    return section_markdown(_title(results), [INTRO], sections(results))


def write_report(results, directory):
    """Write ``results.json``, ``index.md``, ``index.html`` and the plots into ``directory``; return
    index.md's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / RESULTS_FILE).write_text(json.dumps(results, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    _plot_arrays(results, directory)
    _plot_symbolic(results, directory)
    return write_section_pages(directory, _title(results), [INTRO], sections(results))[0]
