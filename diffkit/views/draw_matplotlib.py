"""Draw a trace with matplotlib alone, as the notes draw graphs.

Each node is a box with its label; its forward value is written above it in green and,
after the backward pass, its gradient below it in red. Each edge carries, in red, the
gradient its target sends back along it. Uses matplotlib's object API (no pyplot
state), so drawing never disturbs a notebook's own figures; SVG text stays text, so the
labels can be searched and read by screen readers.
"""

import io

import numpy as np

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .format import format_value

VALUE_COLOUR = "#1a7f1a"
GRAD_COLOUR = "#c00000"
LAYER_INCHES = 2.3
ROW_INCHES = 1.25
BOX_WIDTH = 1.35
BOX_HEIGHT = 0.42
DRAWN_ENTRIES = 3  # arrays with more entries are written by shape and norm
EDGE_LABELS_UP_TO = 80  # nodes; above this, edge gradients would only clutter the picture
PNG_DPI = 110
MAX_PNG_PIXELS = 20000  # per side: a long chain is drawn at a lower resolution, not refused by Agg
FILL = {"input": "#e8f0fe", "data": "#eeeeee", "constant": "#f5f5f5", "op": "#ffffff"}


def draw(trace, ax=None):
    """Draw ``trace`` on ``ax`` (a new figure when None); return the figure."""
    positions = {i: (x * LAYER_INCHES, y * ROW_INCHES) for i, (x, y) in trace.layout().items()}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    if ax is None:
        width = max(xs) - min(xs) + BOX_WIDTH + 1.0
        height = max(ys) - min(ys) + BOX_HEIGHT + 1.4
        figure = Figure(figsize=(max(width, 3.0), max(height, 2.0)))
        FigureCanvasAgg(figure)
        ax = figure.add_axes([0, 0, 1, 1])
    figure = ax.figure
    ax.set_xlim(min(xs) - BOX_WIDTH / 2 - 0.4, max(xs) + BOX_WIDTH / 2 + 0.4)
    ax.set_ylim(min(ys) - BOX_HEIGHT / 2 - 0.6, max(ys) + BOX_HEIGHT / 2 + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    for edge in trace.edges:
        _draw_edge(ax, positions[edge.source], positions[edge.target], edge,
                   show_grad=len(trace.nodes) <= EDGE_LABELS_UP_TO)
    for node in trace.nodes:
        _draw_node(ax, positions[node.index], node, is_output=node is trace.output)
    return figure


def _draw_node(ax, centre, node, is_output):
    x, y = centre
    box = FancyBboxPatch((x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2), BOX_WIDTH, BOX_HEIGHT,
                         boxstyle="round,pad=0.02,rounding_size=0.12", facecolor=FILL[node.kind],
                         edgecolor="black", linewidth=2.0 if is_output else 1.0, zorder=3)
    ax.add_patch(box)
    ax.text(x, y, node.label, ha="center", va="center", fontsize=10, fontweight="bold", zorder=4)
    ax.text(x, y + BOX_HEIGHT / 2 + 0.05, format_value(node.value, 3, DRAWN_ENTRIES), ha="center", va="bottom",
            fontsize=8, color=VALUE_COLOUR, zorder=4)
    if node.grad is not None:
        ax.text(x, y - BOX_HEIGHT / 2 - 0.05, format_value(node.grad, 3, DRAWN_ENTRIES), ha="center", va="top",
                fontsize=8, color=GRAD_COLOUR, zorder=4)


def _draw_edge(ax, start, end, edge, show_grad):
    (x0, y0), (x1, y1) = start, end
    begin = (x0 + BOX_WIDTH / 2, y0)
    finish = (x1 - BOX_WIDTH / 2, y1)
    arrow = FancyArrowPatch(begin, finish, arrowstyle="-|>", mutation_scale=10, color="#444444",
                            linewidth=0.9, shrinkA=1, shrinkB=1, zorder=2)
    ax.add_patch(arrow)
    if show_grad and edge.grad is not None and np.size(edge.grad) <= DRAWN_ENTRIES:
        mx = begin[0] + 0.6 * (finish[0] - begin[0])
        my = begin[1] + 0.6 * (finish[1] - begin[1])
        ax.text(mx, my - 0.04, format_value(edge.grad), ha="center", va="top", fontsize=7,
                color=GRAD_COLOUR, zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})


def render_matplotlib(trace, fmt):
    """SVG text or PNG bytes of the drawing."""
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "diffkit"}):
        figure = draw(trace)
        buffer = io.BytesIO()
        dpi = None
        if fmt == "png":
            dpi = min(PNG_DPI, MAX_PNG_PIXELS / max(figure.get_size_inches()))
        figure.savefig(buffer, format=fmt, dpi=dpi)
    data = buffer.getvalue()
    return data.decode("utf-8") if fmt == "svg" else data
