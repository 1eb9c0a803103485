"""Draw a trace with matplotlib alone, as the notes draw graphs.

Each node is a box with its title; its forward value is written above it in green and,
after the backward pass, its gradient below it in red. Each edge carries, in red, the
gradient its target sends back along it. Where everything goes is decided once in
:mod:`.geometry` (so labels never cover nodes or each other); this module only paints it.
Uses matplotlib's object API (no pyplot state), so drawing never disturbs a notebook's own
figures; SVG text stays text, so the labels can be searched and read by screen readers.
Every artist carries a ``gid`` (``dk-node-3``, ``dk-edge-label-0-3-0``) that names what
it shows.
"""

import io

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .. import errors
from .emphasis import NONE
from .geometry import CAPTION_POINTS, EDGE_POINTS, LINE_SPACING, TITLE_POINTS, VALUE_POINTS
from .labels import ACTIVE_FILL, EDGE_COLOUR, FILL, GRAD_COLOUR, HIGHLIGHT_COLOUR, VALUE_COLOUR

PNG_DPI = 110
MAX_PNG_PIXELS = 20000  # per side: a huge graph is drawn at a lower resolution, not refused by Agg


def draw(drawing, emphasis=NONE, ax=None):
    """Paint ``drawing`` (a :class:`~.geometry.Drawing`) on ``ax`` (a new figure when None)."""
    if ax is not None and not isinstance(ax, Axes):
        raise errors.InputError(f"ax must be a matplotlib Axes to draw on (e.g. fig, ax = plt.subplots(); "
                                f"trace.figure(ax=ax)) or None for a new figure, got {type(ax).__name__}")
    if ax is None:
        figure = Figure(figsize=(drawing.width, drawing.height))
        FigureCanvasAgg(figure)
        ax = figure.add_axes([0, 0, 1, 1])
    figure = ax.figure
    ax.set_xlim(0, drawing.width)
    ax.set_ylim(0, drawing.height)
    ax.set_aspect("equal")
    ax.axis("off")
    for edge in drawing.edges:
        _draw_edge(ax, edge, emphasis)
    for node in drawing.nodes.values():
        _draw_node(ax, node, emphasis)
    if drawing.caption:
        ax.text(drawing.width / 2, drawing.height - 0.12, "\n".join(drawing.caption), ha="center", va="top",
                fontsize=CAPTION_POINTS, linespacing=LINE_SPACING, gid="dk-caption")
    return figure


def _draw_node(ax, node, emphasis):
    box = node.box
    highlighted = node.index in emphasis.nodes
    active = node.index == emphasis.active
    edge_colour = HIGHLIGHT_COLOUR if highlighted or active else "black"
    width = 2.6 if highlighted or active else (2.0 if node.is_output else 1.0)
    patch = FancyBboxPatch((box.x - box.w / 2, box.y - box.h / 2), box.w, box.h,
                           boxstyle="round,pad=0,rounding_size=0.1",
                           facecolor=ACTIVE_FILL if active else FILL[node.kind], edgecolor=edge_colour,
                           linewidth=width, zorder=3, gid=f"dk-node-{node.index}")
    ax.add_patch(patch)
    ax.text(box.x, box.y, node.title, ha="center", va="center", fontsize=TITLE_POINTS, fontweight="bold",
            zorder=4, gid=f"dk-node-{node.index}-title")
    if node.value_lines:
        r = node.value_rect
        ax.text(r.x, r.y, "\n".join(node.value_lines), ha="center", va="center", fontsize=VALUE_POINTS,
                linespacing=LINE_SPACING, color=VALUE_COLOUR, zorder=4, gid=f"dk-node-{node.index}-value")
    if node.grad_lines:
        r = node.grad_rect
        ax.text(r.x, r.y, "\n".join(node.grad_lines), ha="center", va="center", fontsize=VALUE_POINTS,
                linespacing=LINE_SPACING, color=GRAD_COLOUR, zorder=4, gid=f"dk-node-{node.index}-grad")


def _draw_edge(ax, edge, emphasis):
    key = (edge.source, edge.target, edge.position)
    emphasised = key in emphasis.edges or key in emphasis.active_edges
    colour = HIGHLIGHT_COLOUR if emphasised else EDGE_COLOUR
    codes = [Path.MOVETO] + [Path.LINETO] * (len(edge.points) - 1)
    arrow = FancyArrowPatch(path=Path(edge.points, codes), arrowstyle="-|>", mutation_scale=10, color=colour,
                            linewidth=2.2 if emphasised else 0.9, zorder=2,
                            gid=f"dk-edge-{edge.source}-{edge.target}-{edge.position}")
    ax.add_patch(arrow)
    if edge.label is not None:
        ax.text(edge.label.x, edge.label.y, "\n".join(edge.label_lines), ha="center", va="center",
                fontsize=EDGE_POINTS, linespacing=LINE_SPACING, color=GRAD_COLOUR, zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3, "alpha": 0.85},
                gid=f"dk-edge-label-{edge.source}-{edge.target}-{edge.position}")


def render_matplotlib(drawing, fmt, emphasis=NONE):
    """SVG text or PNG bytes of the drawing."""
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "diffkit"}):
        figure = draw(drawing, emphasis)
        buffer = io.BytesIO()
        dpi = None
        if fmt == "png":
            dpi = min(PNG_DPI, MAX_PNG_PIXELS / max(figure.get_size_inches()))
        figure.savefig(buffer, format=fmt, dpi=dpi)
    data = buffer.getvalue()
    return data.decode("utf-8") if fmt == "svg" else data
