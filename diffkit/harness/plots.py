"""The report's figures, drawn with matplotlib from the analysed rows, in the package's style.

Each function takes the analysis (see :mod:`diffkit.harness.analysis`) and a folder,
writes one PNG (and its SVG) and returns its file name, or None when the data for it is
missing. Every plot is titled, both axes say what they measure and in which unit, every
fitted line is in the legend, an exact zero is shown as such, and no series hides
another.
"""

import math
import textwrap

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullFormatter

from ..report.figures import ZERO_LABEL, integer_axis, new_figure, save_figure, styled, zero_floor
from .outputs import cannot_write


SMALLEST_SHOWN = 1e-20  # an error plot's floor: the 50-digit reference resolves far below what matters
LARGEST_SHOWN = 1e100  # its ceiling: larger errors (an overflow, an infinite estimate) are drawn at it


def _save(fig, folder, name):
    try:
        return save_figure(fig, folder, name)
    except OSError as exc:
        raise cannot_write(folder / name, exc) from None


@styled
def accuracy(analysis, folder):
    """A grid of programs by methods, each cell coloured by log10 of its relative error and
    labelled with it: every value visible, none drawn over another; exact zeros say so."""
    table = analysis["accuracy"]
    if not table["programs"]:
        return None
    programs, methods = table["programs"], table["methods"]
    grid = np.full((len(programs), len(methods)), np.nan)
    for i, program in enumerate(programs):
        for j, method in enumerate(methods):
            error = table["errors"].get((program, method))
            if error is not None and error > 0 and math.isfinite(error):
                grid[i, j] = math.log10(error)
    fig, ax = new_figure(figsize=(1.0 * len(methods) + 4.2, 0.3 * len(programs) + 2.2))
    cmap = ListedColormap(np.array([[0.13, 0.40, 0.67], [0.40, 0.65, 0.80], [0.82, 0.90, 0.94], [0.99, 0.86, 0.78],
                                    [0.96, 0.65, 0.51], [0.84, 0.38, 0.30], [0.70, 0.09, 0.17]])).with_extremes(bad="white")
    image = ax.imshow(grid, aspect="auto", cmap=cmap, vmin=-17, vmax=1, interpolation="nearest")
    for i, program in enumerate(programs):
        for j, method in enumerate(methods):
            error = table["errors"].get((program, method))
            if error is None:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color="#e6e6e6", lw=0))
                text = "—"
            elif error == 0:
                text = "exact"
            elif not math.isfinite(error):
                text = "nan"
            else:
                text = f"{error:.0e}".replace("e-0", "e-").replace("e+0", "e+")
            dark = error is not None and 0 < error and (math.log10(error) <= -14 or math.log10(error) >= -3)
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(len(methods)))
    ax.set_xticklabels(methods, rotation=35, ha="right")
    ax.set_yticks(range(len(programs)))
    ax.set_yticklabels([table["short"][p] for p in programs])
    ax.grid(False)
    ax.set_xlabel("method")
    ax.set_ylabel("program (settings)")
    ax.set_title("Relative gradient error against the 50-digit reference\n"
                 "(exact: exactly zero; —: not run or unsupported)")
    bar = fig.colorbar(image, ax=ax, shrink=0.6, pad=0.02)
    bar.set_label("log10 relative error (−16: float64 rounding)")
    return _save(fig, folder, "accuracy.png")


@styled
def expression_size(analysis, folder):
    sweeps = analysis["size_sweeps"]
    if not sweeps:
        return None
    fig, axes = new_figure(len(sweeps), 1, figsize=(14, 4.6 * len(sweeps)), squeeze=False)
    for ax, sweep in zip(axes.flat, sweeps):
        for series in sweep["series"]:
            line, = ax.plot(series["x"], series["y"], label=series["label"])
            growth = series.get("growth_model")
            if growth is not None:
                ax.plot(series["x"], growth.predict(series["x"], series["fit_x0"], series["fit_y0"]),
                        color=line.get_color(), lw=0.9, ls=(0, (1, 2)), marker="",
                        label=f"fit: {_growth_label(growth, sweep['parameter'])}")
        stops = {}
        for stop in sweep["stops"]:  # one line per place and cause, naming every method stopped there
            stops.setdefault((stop["at"], stop["status"]), []).append(stop["method"])
        for (at, status), methods in stops.items():
            names = ", ".join(methods)
            if status == "not run":
                ax.axvline(at, color="grey", lw=1.0, ls=(0, (4, 2)), marker="",
                           label=f"{names}: run up to {sweep['parameter']} = {at} (the suite's choice)")
            else:
                ax.axvline(at, color="#a11", lw=1.0, ls="--", marker="",
                           label=f"{names} stopped: {status} at {sweep['parameter']} = {at}")
        ax.set_yscale("log")
        integer_axis(ax.xaxis)
        ax.set_xlabel(f"{sweep['parameter']} (count)")
        ax.set_ylabel("size (operations or tape nodes)")
        ax.set_title(sweep["title"].replace(" (", "\n(", 1))  # the fixed settings on a line of their own
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, folder, "expression_size.png")


def _growth_label(growth, parameter):
    if growth.kind == "exponential":
        return f"×{growth.rate:.2f} per unit of {parameter}"
    return f"∝ {parameter}^{growth.rate:.2f}"


@styled
def gradient_time(analysis, folder):
    """Seconds per gradient against parameters, each point with its interquartile range and each
    measurable growth fit (overhead + a·n^slope) drawn and named in the legend."""
    timing = analysis["timing"]
    if not timing["series"]:
        return None
    fig, ax = new_figure(figsize=(10, 5.6))
    for series in timing["series"]:
        params = np.array(series["params"], dtype=float)
        seconds = np.array(series["seconds"])
        spread = np.array([seconds - np.array(series["low"]), np.array(series["high"]) - seconds])
        container = ax.errorbar(params, seconds, yerr=np.clip(spread, 0, None), capsize=2,
                                label=series["method"])
        colour = container.lines[0].get_color()
        scaling = series["scaling"]
        if scaling is not None and scaling.measurable:
            xs = np.geomspace(scaling.sizes[0], scaling.sizes[-1], 50)
            ax.plot(xs, scaling.predict(xs), color=colour, lw=0.9, ls=(0, (1, 2)), marker="",
                    label=f"{series['method']} fit: slope {scaling.slope:.2f}"
                          + (f" [{scaling.low:.2f}, {scaling.high:.2f}]" if math.isfinite(scaling.high) else
                             " (no interval: too few sizes)"))
    if timing["forward"]:
        params, seconds = zip(*timing["forward"])
        ax.plot(params, seconds, color="black", ls="--", marker="x", lw=1, label="one forward pass")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters differentiated (count)")
    ax.set_ylabel("seconds per gradient (CPU time; median, IQR bars)")
    ax.set_title("Gradient time against size\n" + textwrap.fill(timing["title"], 60))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), ncols=1)
    return _save(fig, folder, "gradient_time.png")


@styled
def error_estimates(analysis, folder):
    """Each finite-difference method's error estimate against the true error, entry by entry, in one
    panel per method (so no method's points hide another's); exact zeros drawn a decade below the rest."""
    estimates = analysis["estimates"]
    if not estimates:
        return None
    values = [v for entries in estimates.values() for v in (*entries["true"], *entries["estimate"])]
    floor = max(zero_floor(values), SMALLEST_SHOWN)  # errors below it (a float exact to 30 digits) are no news
    # errors past LARGEST_SHOWN (an overflow, an infinite estimate) are drawn at the top edge
    high = min(max([floor * 10, *(v for v in values if math.isfinite(v))]) * 10, LARGEST_SHOWN)
    columns = min(3, len(estimates))
    rows = -(-len(estimates) // columns)
    fig, axes = new_figure(rows, columns, figsize=(5.2 * columns, 4.8 * rows), squeeze=False)
    for ax in axes.flat[len(estimates):]:
        ax.set_visible(False)
    line = np.array([floor, high])
    for ax, (method, entries) in zip(axes.flat, estimates.items()):
        true = np.array(entries["true"], dtype=float)
        estimate = np.array(entries["estimate"], dtype=float)
        ax.scatter(np.clip(true, floor, high), np.clip(estimate, floor, high), s=12, alpha=0.6,
                   label=f"{entries['covered']:.1%} covered, {entries['informative']:.1%} informative")
        ax.loglog(line, line, color="black", lw=0.8, marker="", label="estimate = true error")
        ax.loglog(line, 100 * line, color="grey", lw=0.8, ls="--", marker="", label="estimate = 100 × true error")
        ax.set_xlim(floor / 3, high)
        ax.set_ylim(floor / 3, high)
        ax.set_xlabel(f"true error (absolute; {ZERO_LABEL} or below {floor:.0e} drawn at {floor:.0e})")
        ax.set_ylabel("the method's own estimate (absolute)")
        ax.set_title(f"{method}: estimate against true error")
        ax.legend(loc="upper left")
    return _save(fig, folder, "error_estimates.png")


@styled
def cost_ratios(analysis, folder):
    """ADBench's figure: derivative time over objective time against parameters, a panel per problem."""
    problems = [p for p in analysis.get("cost_ratios", []) if p["series"]]
    if not problems:
        return None
    methods = list(dict.fromkeys(s["method"] for p in problems for s in p["series"]))
    columns = min(3, len(problems))
    rows = -(-len(problems) // columns)
    fig, axes = new_figure(rows, columns, figsize=(5 * columns, 4 * rows + 0.8), squeeze=False)
    for ax in axes.flat[len(problems):]:
        ax.set_visible(False)
    styles = {}
    for ax, problem in zip(axes.flat, problems):
        for series in problem["series"]:
            params, ratios = zip(*series["points"])
            kwargs = styles.get(series["method"])
            line, = ax.plot(params, ratios, label=series["method"], **(kwargs or {}))
            styles.setdefault(series["method"], {"color": line.get_color(), "marker": line.get_marker(),
                                                 "linestyle": line.get_linestyle()})
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(problem["program"])
        ax.set_xlabel("parameters (count)")
        ax.set_ylabel("derivative / objective time (ratio)")
        ax.xaxis.set_minor_formatter(NullFormatter())  # a short range would label every minor tick
    handles = [axes.flat[0].plot([], [], label=m, **styles[m])[0] for m in methods if m in styles]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(5, len(handles)))
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

