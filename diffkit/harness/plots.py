"""The report's figures, drawn with matplotlib from the analysed rows.

Each function takes the analysis (see :mod:`diffkit.harness.analysis`) and a folder,
writes one PNG and returns its file name, or None when the data for it is missing.
"""

import numpy as np

from ..report.figures import new_figure, palette
from .outputs import cannot_write

FLOOR = 1e-18  # where an error of exactly zero is drawn on a log axis
DPI = 80
MARKERS = "osD^v<>ph*"


def _style(methods):
    colours = palette()
    return {m: (colours[i % 10], MARKERS[i % len(MARKERS)]) for i, m in enumerate(methods)}


def _save(fig, folder, name):
    fig.tight_layout()
    try:
        fig.savefig(folder / name, dpi=DPI)
    except OSError as exc:
        raise cannot_write(folder / name, exc) from None
    return name


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


def fd_steps(analysis, folder):
    data = analysis["fd_steps"]
    if not data:
        return None
    fig, ax = new_figure(figsize=(7, 4.5))
    h = np.array(data["h"])
    ax.loglog(h, np.maximum(data["forward_error"], FLOOR), label="forward difference")
    ax.loglog(h, np.maximum(data["central_error"], FLOOR), label="central difference")
    ax.loglog(h, h * 10, color="grey", lw=0.6, ls=":", label="∝ h (truncation, forward)")
    ax.loglog(h, h**2 * 100, color="grey", lw=0.6, ls="--", label="∝ h² (truncation, central)")
    ax.loglog(h, 1e-16 / h, color="grey", lw=0.6, ls="-.", label="∝ 1/h (round-off)")
    for name, error in sorted(data["method_errors"].items()):
        if name in ("tape", "fd-complex"):
            ax.axhline(max(error, FLOOR), lw=0.8, ls="-.", label=f"{name} ({error:.1e})", color="C3" if name == "tape" else "C4")
    ax.set_ylim(FLOOR * 10, 1e4)
    ax.set_xlabel("step size h")
    ax.set_ylabel("absolute error of l'(x0)")
    ax.set_title(f"Finite-difference error against h: logistic map l({data['n']}), x0 = {data['x0']}", fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, folder, "fd_steps.png")


def table1_sizes(analysis, folder):
    rows = [r for r in analysis["table1"] if r.get("l_tree_size") is not None]
    if len(rows) < 2:
        return None
    fig, ax = new_figure(figsize=(6.5, 4))
    for key, label in (("l_tree_size", "l(n) tree"), ("raw_tree_size", "raw derivative tree"),
                       ("raw_dag_size", "raw derivative DAG"), ("simplified_tree_size", "simplified derivative")):
        points = [(r["n"], r[key]) for r in rows if r.get(key)]
        if points:
            ax.plot(*zip(*points), "o-", ms=4, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("operations")
    ax.set_title("Table 1 sizes: l(n) and its derivative", fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, folder, "table1_sizes.png")


FIGURES = (accuracy, expression_size, gradient_time, fd_steps, table1_sizes)


def draw_all(analysis, folder):
    """Draw every figure the data allows; {figure name: file name}."""
    drawn = {}
    for figure in FIGURES:
        name = figure(analysis, folder)
        if name:
            drawn[figure.__name__] = name
    return drawn
