"""The report of ``diffkit bench --suite gradbench``: ADBench's ratio table and figure.

Written from the run's results alone (``results.json`` beside ``index.md``), so it can
be rebuilt without measuring again.
"""

import json
from pathlib import Path

from matplotlib.ticker import NullFormatter

from ..report.figures import new_figure, save_figure, styled
from ..report.pages import section_markdown, write_section_pages
from ..report.section import Bullets, Image, Paragraph, Section, Table
from .gradbench import GRADIENT_TOLERANCE, PROBLEMS, TAPE, agrees, evaluate_goals
from . import report
from .report import RESULTS_FILE, _environment_section, _peers_section, _seconds
from .targets import verdict

FIGURE = "ratio_vs_params.png"
RESULT_KEYS = ("suite", "quick", "environment", "peers", "sizes")
SIZE_KEYS = ("problem", "size", "settings", "params", "tools")
TOOL_KEYS = ("objective", "gradient", "ratio", "max_abs_difference")
COMMAND = "diffkit bench --suite gradbench"


def load_results(directory):
    """The stored results, each size and each tool's numbers checked present (the report reads them all)."""
    results = report.load_results(directory, RESULT_KEYS, COMMAND)
    report.require_kind(results["sizes"], list, directory, COMMAND, "sizes")
    for index, entry in enumerate(results["sizes"]):
        report.require_keys(entry, SIZE_KEYS, directory, COMMAND, part=f"sizes[{index}]")
        report.require_kind(entry["tools"], dict, directory, COMMAND, f"sizes[{index}] tools")
        for tool, numbers in entry["tools"].items():
            report.require_keys(numbers, TOOL_KEYS, directory, COMMAND, part=f"sizes[{index}] {tool!r}")
    return results


def _tools(results):
    names = [TAPE]
    for entry in results["sizes"]:
        names += [t for t in entry["tools"] if t not in names]
    return names


def _difference(numbers):
    """A tool's largest difference from the tape, flagged when it is beyond the tolerance."""
    text = f"{numbers['max_abs_difference']:.1e}"
    return text if agrees(numbers) else f"**{text} (disagrees: not counted)**"


def _ratio_section(results):
    tools = _tools(results)
    header = ["problem", "size", "params"] + tools
    ratios, objectives, differences = [], [], []
    for e in results["sizes"]:
        start = [e["problem"], f"{e['size']} ({', '.join(f'{k}={v}' for k, v in e['settings'].items())})", f"{e['params']:,}"]
        ratios.append(start + [f"{e['tools'][t]['ratio']:.2f}x" if t in e["tools"] else "-" for t in tools])
        objectives.append(start + [f"{_seconds(e['tools'][t]['objective'])} / {_seconds(e['tools'][t]['gradient'])}"
                                   if t in e["tools"] else "-" for t in tools])
        differences.append(start + [_difference(e["tools"][t]) if t in e["tools"] else "-" for t in tools])
    return [
        Section("ratios", "Gradient time over objective time (ADBench's ratio)", [
            Paragraph("Each tool's gradient divided by the same tool's objective, both medians of side-by-side "
                      "rounds."),
            Table(header, ratios),
            Image(FIGURE, "ratio against parameters"),
        ]),
        Section("medians", "Medians: objective / gradient", [
            Table(header, objectives),
            Paragraph(f"Largest absolute difference of each gradient from diffkit's tape; one beyond "
                      f"{GRADIENT_TOLERANCE:.0e} is flagged and counts toward no goal:"),
            Table(header, differences),
        ]),
    ]


def _goals_section(results):
    rows = [(g["goal"], g["measured"], verdict(g["met"])) for g in evaluate_goals(results)]
    return Section("goals", "Goals", [Table(("goal", "measured", "verdict"), rows)])


@styled
def _plot(results, directory):
    tools = _tools(results)
    figure, axes = new_figure(1, len(PROBLEMS), figsize=(6 * len(PROBLEMS), 4.8), squeeze=False)
    for ax, problem in zip(axes.flat, PROBLEMS):
        entries = [e for e in results["sizes"] if e["problem"] == problem]
        for tool in tools:
            points = sorted((e["params"], e["tools"][tool]["ratio"]) for e in entries if tool in e["tools"])
            if points:
                ax.plot(*zip(*points), marker="o", label=tool)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("parameters (count)")
        ax.set_ylabel("gradient time / objective time (ratio)")
        ax.set_title(problem)
        ax.xaxis.set_minor_formatter(NullFormatter())
        if ax.get_lines():
            ax.legend()
    save_figure(figure, directory, FIGURE)


INTRO = ("GradBench's GMM and LSTM objectives and gradients in diffkit (the tape, through `dk.gradient`) and in "
         "the libraries a user would otherwise pick, one process, one machine, the same inputs.")


def _title(results):
    return "diffkit bench --suite gradbench" + (" (quick run)" if results["quick"] else "")


def sections(results):
    method = Section("method", "How it is measured", [Bullets((
        "Every objective and gradient of one size is timed in the same rounds (one call of each in turn, the "
        "median over rounds); fast ones are called several times per sample.",
        "jax-jit is compiled before timing; the JAX LSTM runs its time loop as `lax.scan`, the PyTorch and "
        "autograd ones as a Python loop, as diffkit's does.",
        "Regenerate: `diffkit bench --suite gradbench` (a few minutes), `--quick` (well under a minute).",
    ))])
    return [_environment_section(results), _peers_section(results), _goals_section(results),
            *_ratio_section(results), method]


def render(results):
    """The Markdown text of the report."""
    return section_markdown(_title(results), [INTRO], sections(results))


def write_report(results, directory):
    """Write ``results.json``, ``index.md``, ``index.html`` and the figure; return index.md's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / RESULTS_FILE).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    _plot(results, directory)
    return write_section_pages(directory, _title(results), [INTRO], sections(results))[0]
