"""A trace's drawing as plain SVG, written by hand from its :class:`~.geometry.Drawing`.

The stepper and the slide frames need an SVG whose parts have stable ids (``p-node-3``,
``p-edge-0-3-0``, ``p-grad-3``) that a script can light up, and that carries no
renderer's boilerplate: this writer gives exactly that, from the same geometry and texts
as the matplotlib drawing. One inch is 72 user units, so font sizes are in points.
"""

from html import escape

from .emphasis import NONE
from .geometry import CAPTION_POINTS, EDGE_POINTS, LINE_SPACING, TITLE_POINTS, VALUE_POINTS
from .labels import ACTIVE_FILL, EDGE_COLOUR, FILL, GRAD_COLOUR, HIGHLIGHT_COLOUR, VALUE_COLOUR

UNITS = 72.0
FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"


def edge_id(prefix, edge):
    return f"{prefix}-edge-{edge.source}-{edge.target}-{edge.position}"


def drawing_svg(drawing, emphasis=NONE, prefix="dk", hidden=frozenset(), caption_lines=None):
    """SVG text of ``drawing``. ``hidden`` lists the ids of texts to leave out of view (the
    gradients a step has not reached yet); ``caption_lines`` replaces the drawing's caption."""
    height = drawing.height * UNITS

    def y(value):
        return height - value * UNITS

    def x(value):
        return value * UNITS

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{prefix}-svg" width="{x(drawing.width):.1f}pt" '
        f'height="{height:.1f}pt" viewBox="0 0 {x(drawing.width):.1f} {height:.1f}" font-family="{FONT}">',
        "<defs>",
        _marker(f"{prefix}-arrow", EDGE_COLOUR),
        _marker(f"{prefix}-arrow-lit", HIGHLIGHT_COLOUR),
        "</defs>",
        f'<rect width="100%" height="100%" fill="white"/>',
    ]
    for edge in drawing.edges:
        key = (edge.source, edge.target, edge.position)
        lit = key in emphasis.edges or key in emphasis.active_edges
        colour, width, marker = (HIGHLIGHT_COLOUR, 2.4, "arrow-lit") if lit else (EDGE_COLOUR, 1.0, "arrow")
        ident = edge_id(prefix, edge)
        points = " ".join(f"{x(px):.1f},{y(py):.1f}" for px, py in edge.points)
        parts.append(f'<g id="{ident}" class="dk-edge{" dk-lit" if lit else ""}">')
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}" '
                     f'marker-end="url(#{prefix}-{marker})" data-stroke="{colour}" data-width="{width}" '
                     f'data-marker="url(#{prefix}-{marker})"/>')
        if edge.label is not None:
            r = edge.label
            parts.append(f'<g id="{ident}-label"{_hide(ident + "-label", hidden)}>')
            parts.append(f'<rect x="{x(r.x - r.w / 2):.1f}" y="{y(r.y + r.h / 2):.1f}" width="{x(r.w):.1f}" '
                         f'height="{r.h * UNITS:.1f}" fill="white" fill-opacity="0.85"/>')
            parts.append(_text_block(edge.label_lines, x(r.x), y(r.y), EDGE_POINTS, GRAD_COLOUR))
            parts.append("</g>")
        parts.append("</g>")
    for node in drawing.nodes.values():
        b = node.box
        highlighted = node.index in emphasis.nodes
        active = node.index == emphasis.active
        stroke = HIGHLIGHT_COLOUR if highlighted or active else "black"
        width = 2.6 if highlighted or active else (2.0 if node.is_output else 1.0)
        fill = ACTIVE_FILL if active else FILL[node.kind]
        ident = f"{prefix}-node-{node.index}"
        classes = "dk-node" + (" dk-lit" if highlighted else "") + (" dk-active" if active else "")
        parts.append(f'<g id="{ident}" class="{classes}">')
        parts.append(f'<rect x="{x(b.x - b.w / 2):.1f}" y="{y(b.y + b.h / 2):.1f}" width="{x(b.w):.1f}" '
                     f'height="{b.h * UNITS:.1f}" rx="7" fill="{fill}" stroke="{stroke}" stroke-width="{width}" '
                     f'data-fill="{fill}" data-stroke="{stroke}" data-width="{width}"/>')
        parts.append(_text_block([node.title], x(b.x), y(b.y), TITLE_POINTS, "black", bold=True))
        if node.value_lines:
            r = node.value_rect
            parts.append(_text_block(node.value_lines, x(r.x), y(r.y), VALUE_POINTS, VALUE_COLOUR))
        if node.grad_lines:
            r = node.grad_rect
            grad_id = f"{prefix}-grad-{node.index}"
            parts.append(f'<g id="{grad_id}"{_hide(grad_id, hidden)}>')
            parts.append(_text_block(node.grad_lines, x(r.x), y(r.y), VALUE_POINTS, GRAD_COLOUR))
            parts.append("</g>")
        parts.append("</g>")
    caption = drawing.caption if caption_lines is None else caption_lines
    if caption:
        top = 0.12 * UNITS + CAPTION_POINTS
        parts.append(f'<g id="{prefix}-caption">')
        for i, line in enumerate(caption):
            parts.append(f'<text x="{x(drawing.width) / 2:.1f}" y="{top + i * CAPTION_POINTS * LINE_SPACING:.1f}" '
                         f'font-size="{CAPTION_POINTS}" text-anchor="middle">{escape(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def _hide(ident, hidden):
    return ' visibility="hidden"' if ident in hidden else ""


def _marker(ident, colour):
    return (f'<marker id="{ident}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
            f'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')


def _text_block(lines, cx, cy, points, colour, bold=False):
    """Lines of text centred on (cx, cy), one tspan per line."""
    step = points * LINE_SPACING
    first = cy - step * (len(lines) - 1) / 2
    weight = ' font-weight="bold"' if bold else ""
    spans = "".join(f'<tspan x="{cx:.1f}" y="{first + i * step:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text font-size="{points}" fill="{colour}" text-anchor="middle" dominant-baseline="central"'
            f"{weight}>{spans}</text>")
