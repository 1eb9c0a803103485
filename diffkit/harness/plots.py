"""The report's figures, drawn with matplotlib from the analysed rows.

Each function takes the analysis (see :mod:`diffkit.harness.analysis`) and a folder,
writes one PNG and returns its file name, or None when the data for it is missing.
"""

import numpy as np
from matplotlib.ticker import NullFormatter

from ..report.figures import new_figure, palette, save_figure
from .outputs import cannot_write

FLOOR = 1e-18  # where an error of exactly zero is drawn on a log axis
DPI = 80
MARKERS = "osD^v<>ph*"


def _style(methods):
    colours = palette()
    return {m: (colours[i % 10], MARKERS[i % len(MARKERS)]) for i, m in enumerate(methods)}


def _save(fig, folder, name):
    try:
        return save_figure(fig, folder, name, dpi=DPI)
    except OSError as exc:
        raise cannot_write(folder / name, exc) from None


def accuracy(analysis, folder):
    table = analysis["accuracy"]
    if not table["programs"]:
        return None
    programs, methods = table["programs"], table["methods"]
    style = _style(methods)
    fig, ax = new_figure(figsize=(8, max(3.5, 0.2 * len(programs) + 1.5)))
    offsets = np.linspace(-0.3, 0.3, len(methods)) if len(methods) > 1 else [0.0]
    for offset, method in zip(offsets, methods):
        xs, ys = [], []
        for i, program in enumerate(programs):
            error = table["errors"].get((program, method))
            if error is not None:
                ys.append(i + offset)
                xs.append(max(error, FLOOR))
        colour, marker = style[method]
        ax.scatter(xs, ys, label=method, color=colour, marker=marker, s=14)
    ax.set_xscale("log")
    ax.axvline(2.2e-16, color="grey", lw=0.8, ls=":")
    ax.set_yticks(range(len(programs)))
    ax.set_yticklabels([table["short"][p] for p in programs], fontsize=6)
    ax.set_ylim(len(programs) - 0.5, -0.5)
    ax.grid(axis="y", lw=0.3, color="#ddd")
    ax.set_xlabel("relative error of the gradient against the 50-digit reference")
    ax.set_title(f"Accuracy by method and program (exact zero drawn at {FLOOR:g}; dotted: float64 epsilon)",
                 fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, folder, "accuracy.png")


def expression_size(analysis, folder):
    sweeps = analysis["size_sweeps"]
    if not sweeps:
        return None
    columns = min(2, len(sweeps))
    rows = (len(sweeps) + columns - 1) // columns
    fig, axes = new_figure(rows, columns, figsize=(6.2 * columns, 3.6 * rows), squeeze=False)
    for ax, sweep in zip(axes.flat, sweeps):
        for index, series in enumerate(sweep["series"]):
            colour = palette()[index % 10]
            ax.plot(series["x"], series["y"], "o-", color=colour, ms=4, label=series["label"])
            growth = series.get("growth_model")
            if growth is not None:
                ax.plot(series["x"], growth.predict(series["x"], series["fit_x0"], series["fit_y0"]),
                        ":", color=colour, lw=1)
        for limit_x in sweep.get("limits", []):
            ax.axvline(limit_x, color="red", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_xlabel(sweep["parameter"])
        ax.set_ylabel("operations / nodes")
        ax.set_title(sweep["title"], fontsize=9)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(sweeps):]:
        ax.axis("off")
    return _save(fig, folder, "expression_size.png")


def gradient_time(analysis, folder):
    timing = analysis["timing"]
    if not timing["series"]:
        return None
    style = _style([s["method"] for s in timing["series"]])
    fig, ax = new_figure(figsize=(7.5, 4.8))
    for series in timing["series"]:
        colour, marker = style[series["method"]]
        slope = f" (slope {series['slope']:.2f})" if series["slope"] is not None else ""
        ax.plot(series["params"], series["seconds"], marker=marker, color=colour, ms=4,
                label=f"{series['method']}{slope}")
    if timing["forward"]:
        params, seconds = zip(*timing["forward"])
        ax.plot(params, seconds, "k--", lw=1, label="forward pass")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters differentiated")
    ax.set_ylabel("seconds per gradient (median)")
    ax.set_title(f"Gradient time against size:\n{timing['title']}", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, folder, "gradient_time.png")


def error_estimates(analysis, folder):
    """Each finite-difference method's error estimate against the true error, entry by entry."""
    estimates = analysis["estimates"]
    if not estimates:
        return None
    style = _style(list(estimates))
    fig, ax = new_figure(figsize=(6.5, 5.5))
    low, high = FLOOR, FLOOR * 10
    for method, entries in estimates.items():
        true = np.maximum(entries["true"], FLOOR)
        estimate = np.maximum(entries["estimate"], FLOOR)
        colour, marker = style[method]
        ax.scatter(true, estimate, s=9, alpha=0.55, color=colour, marker=marker,
                   label=f"{method}: {entries['covered']:.1%} covered, {entries['informative']:.1%} informative")
        high = max(high, float(np.max(true)), float(np.max(estimate)))
    line = np.array([low, high * 10])
    ax.loglog(line, line, color="black", lw=0.8, label="estimate = true error")
    ax.loglog(line, 100 * line, color="grey", lw=0.6, ls="--", label="estimate = 100 x true error")
    ax.set_xlim(low, high * 10)
    ax.set_ylim(low, high * 10)
    ax.set_xlabel(f"true error against the 50-digit reference (exact zero drawn at {FLOOR:g})")
    ax.set_ylabel("the method's own error estimate")
    ax.set_title("Error estimates per entry: above the diagonal, the estimate covers the error", fontsize=8)
    ax.legend(fontsize=6, loc="upper left")
    return _save(fig, folder, "error_estimates.png")


def cost_ratios(analysis, folder):
    """ADBench's figure: derivative time over objective time against parameters, a panel per problem."""
    problems = [p for p in analysis.get("cost_ratios", []) if p["series"]]
    if not problems:
        return None
    methods = list(dict.fromkeys(s["method"] for p in problems for s in p["series"]))
    style = _style(methods)
    columns = min(3, len(problems))
    rows = -(-len(problems) // columns)
    fig, axes = new_figure(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(problems):]:
        ax.set_visible(False)
    for ax, problem in zip(axes.flat, problems):
        for series in problem["series"]:
            colour, marker = style[series["method"]]
            params, ratios = zip(*series["points"])
            ax.plot(params, ratios, marker=marker, color=colour, ms=4, lw=1, label=series["method"])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(problem["program"], fontsize=9)
        ax.set_xlabel("parameters", fontsize=8)
        ax.set_ylabel("derivative / objective time", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_minor_formatter(NullFormatter())  # a short range would label every minor tick
        ax.grid(True, which="both", alpha=0.3)
    handles = [axes.flat[0].plot([], [], marker=style[m][1], color=style[m][0], label=m)[0] for m in methods]
    fig.legend(handles=handles, loc="lower center", ncol=min(6, len(methods)), fontsize=7)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _save(fig, folder, "cost_ratios.png")


FIGURES = (accuracy, error_estimates, expression_size, gradient_time, cost_ratios)


def draw_all(analysis, folder):
    """Draw every figure the data allows; {figure name: file name}."""
    drawn = {}
    for figure in FIGURES:
        name = figure(analysis, folder)
        if name:
            drawn[figure.__name__] = name
    return drawn
