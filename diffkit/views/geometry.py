"""Where everything of a trace's drawing goes, in inches: boxes, texts, edges and edge labels.

Computed once and rendered by matplotlib (:mod:`.draw_matplotlib`), as plain SVG for the
backward-pass stepper and its frames (:mod:`.svg`) and as TikZ (:mod:`.tikz`), so all
three show the same picture. Texts are measured with matplotlib's font metrics.

The graph runs left to right in layers (:mod:`.layout`); each layer is as wide as its
widest node and the gaps between layers leave room for the edge labels. A graph wider
than ``max_width`` (about a notebook's width) wraps: its layers are cut into bands
stacked top to bottom, read like lines of text, and an edge from one band to the next
runs along the gap between them. ``direction="TB"`` lays the layers out top to bottom.

Each edge label is put at the first free place along its edge (middle first, then
towards either end, on the line or beside it): free means clear of every node's box and
texts and of every label placed before it. If none is free, the gaps grow and the
whole layout is done again, so labels never sit on nodes or on each other.
"""

import functools
from dataclasses import dataclass, field

import numpy as np

from .labels import DEFAULT_THRESHOLD, edge_lines, node_text, shows_edge_labels
from .layout import grid

TITLE_POINTS = 10
VALUE_POINTS = 8
EDGE_POINTS = 7
LINE_SPACING = 1.25
BOX_PAD = 0.14  # inches either side of a box's title
BOX_HEIGHT = 0.36
MIN_BOX_WIDTH = 0.62
TEXT_GAP = 0.04  # between a box and its value or gradient text
ROW_GAP = 0.3
MIN_LAYER_GAP = 0.75
LABEL_PAD = 0.03  # clear space kept around an edge label
BAND_GAP = 0.45
LANE = 0.14  # inches between the lanes of edges that run to a later band
ROUTE_STUB = 0.15  # how far an edge to the next band runs out of its node before turning
MARGIN = 0.3
MAX_WIDTH = 11.0  # inches: about the width of a notebook's output area
CAPTION_POINTS = 10
MAX_TRIES = 4
GROWTH = 1.5


@dataclass
class Rect:
    """An axis-aligned rectangle by its centre and size (inches, y up)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def bounds(self):
        return (self.x - self.w / 2, self.y - self.h / 2, self.x + self.w / 2, self.y + self.h / 2)

    def overlaps(self, other, pad=0.0):
        a, b = self.bounds, other.bounds
        return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


@dataclass
class NodeShape:
    index: int
    kind: str
    box: Rect
    title: str
    value_lines: list
    grad_lines: list
    value_rect: Rect  # where the value text sits (above the box); zero height when none
    grad_rect: Rect  # where the gradient text sits (below the box)
    is_output: bool = False


@dataclass
class EdgeShape:
    source: int
    target: int
    position: int
    points: list  # the polyline from the source's box to the target's box
    label_lines: list = field(default_factory=list)
    label: Rect = None  # where its label sits, None when it has none


@dataclass
class Drawing:
    nodes: dict
    edges: list
    width: float
    height: float
    direction: str
    bands: int = 1
    caption: list = field(default_factory=list)

    def edge(self, source, target, position=None):
        for shape in self.edges:
            if shape.source == source and shape.target == target and position in (None, shape.position):
                return shape
        raise KeyError((source, target))


@functools.lru_cache(maxsize=4096)
def text_size(text, points, bold=False):
    """(width, height) in inches of one line of text in matplotlib's default font."""
    from matplotlib.font_manager import FontProperties

    width, _, _ = _renderer().get_text_width_height_descent(
        text or " ", FontProperties(size=points, weight="bold" if bold else "normal"), ismath=False)
    return width / _MEASURE_DPI, points * LINE_SPACING / 72.0


_MEASURE_DPI = 720


@functools.cache
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, _MEASURE_DPI)


def block_size(lines, points, bold=False):
    if not lines:
        return 0.0, 0.0
    widths = [text_size(line, points, bold)[0] for line in lines]
    return max(widths), len(lines) * points * LINE_SPACING / 72.0


def lay_out(trace, threshold=DEFAULT_THRESHOLD, direction="auto", max_width=MAX_WIDTH, caption=()):
    """The :class:`Drawing` of ``trace``: direction "auto" (left to right, wrapped into bands
    when wider than ``max_width``), "LR" (never wrapped) or "TB" (top to bottom)."""
    texts = {node.index: node_text(node, threshold) for node in trace.nodes}
    labelled = shows_edge_labels(trace)
    label_lines = {(e.source, e.target, e.position): (edge_lines(e, threshold) if labelled else []) for e in trace.edges}
    layer, row = grid(trace)
    gap_scale = 1.0
    for _ in range(MAX_TRIES):
        drawing = _place(trace, texts, label_lines, layer, row, direction, max_width, gap_scale, caption)
        if _place_labels(drawing):
            return drawing
        gap_scale *= GROWTH
    return drawing


def _footprint(text):
    """Box, value block and gradient block sizes of one node."""
    title_w, _ = text_size(text.title, TITLE_POINTS, bold=True)
    box_w = max(MIN_BOX_WIDTH, title_w + 2 * BOX_PAD)
    value_w, value_h = block_size(text.value, VALUE_POINTS)
    grad_w, grad_h = block_size(text.grad, VALUE_POINTS)
    width = max(box_w, value_w, grad_w)
    height = value_h + grad_h + BOX_HEIGHT + 2 * TEXT_GAP
    return box_w, (value_w, value_h), (grad_w, grad_h), width, height


def _place(trace, texts, label_lines, layer, row, direction, max_width, gap_scale, caption):
    sizes = {i: _footprint(texts[i]) for i in texts}
    widest_label = max([block_size(lines, EDGE_POINTS)[0] for lines in label_lines.values()] + [0.0])
    tallest_label = max([block_size(lines, EDGE_POINTS)[1] for lines in label_lines.values()] + [0.0])
    layers = sorted(set(layer.values()))
    members = {k: [i for i in texts if layer[i] == k] for k in layers}
    rows_in = {k: sorted(members[k], key=lambda i: row[i]) for k in layers}
    centres, lane_y = {}, {}
    bands = 1
    if direction == "TB":
        pitch_x = max(s[3] for s in sizes.values()) + max(ROW_GAP, 0.25) * gap_scale
        layer_gap = max(MIN_LAYER_GAP * 0.6, tallest_label + 2 * LABEL_PAD + 0.25) * gap_scale
        y = 0.0
        for k in layers:
            height = max(sizes[i][4] for i in members[k])
            for i in members[k]:
                centres[i] = (row[i] * pitch_x, y - height / 2)
            y -= height + layer_gap
        layout_direction = "TB"
    else:
        layer_gap = max(MIN_LAYER_GAP, widest_label + 2 * LABEL_PAD + 0.3) * gap_scale
        column_width = {k: max(sizes[i][3] for i in members[k]) for k in layers}
        pitch_y = max(s[4] for s in sizes.values()) + ROW_GAP * gap_scale
        band_of, x_of = {}, {}
        x, band = 0.0, 0
        for k in layers:
            if direction == "auto" and x > 0 and x + column_width[k] > max_width - 2 * MARGIN - 2 * ROUTE_STUB:
                band, x = band + 1, 0.0
            band_of[k], x_of[k] = band, x + column_width[k] / 2
            x += column_width[k] + layer_gap
        bands = band + 1
        band_rows = {b: [row[i] for i in texts if band_of[layer[i]] == b] for b in range(bands)}
        crossing = [e for e in trace.edges if band_of[layer[e.source]] < band_of[layer[e.target]]]
        lanes = {b: [e for e in crossing if band_of[layer[e.source]] == b] for b in range(bands)}
        band_top, lane_y, y = {}, {}, 0.0
        for b in range(bands):
            top, bottom = max(band_rows[b]), min(band_rows[b])
            band_top[b] = (y, top)
            y -= (top - bottom + 1) * pitch_y
            gap = (BAND_GAP + tallest_label) * gap_scale + LANE * max(len(lanes[b]) - 1, 0)
            for k, e in enumerate(lanes[b]):  # each edge to a later band runs in a lane of its own
                lane_y[(e.source, e.target, e.position)] = y - gap / 2 + LANE * ((len(lanes[b]) - 1) / 2 - k)
            y -= gap
        for i in texts:
            start, top = band_top[band_of[layer[i]]]
            centres[i] = (x_of[layer[i]], start - (top - row[i]) * pitch_y - pitch_y / 2)
        layout_direction = "LR"
    nodes = {}
    for node in trace.nodes:
        i = node.index
        box_w, (value_w, value_h), (grad_w, grad_h), _, height = sizes[i]
        cx, cy = centres[i]
        box_y = cy + height / 2 - value_h - TEXT_GAP - BOX_HEIGHT / 2
        box = Rect(cx, box_y, box_w, BOX_HEIGHT)
        value_rect = Rect(cx, box_y + BOX_HEIGHT / 2 + TEXT_GAP + value_h / 2, value_w, value_h)
        grad_rect = Rect(cx, box_y - BOX_HEIGHT / 2 - TEXT_GAP - grad_h / 2, grad_w, grad_h)
        text = texts[i]
        nodes[i] = NodeShape(i, node.kind, box, text.title, text.value, text.grad, value_rect, grad_rect,
                             node is trace.output)
    edges = []
    for edge in trace.edges:
        lane = lane_y.get((edge.source, edge.target, edge.position)) if layout_direction == "LR" else None
        points = _route(nodes[edge.source], nodes[edge.target], layout_direction, lane)
        edges.append(EdgeShape(edge.source, edge.target, edge.position, points,
                               label_lines[(edge.source, edge.target, edge.position)]))
    drawing = Drawing(nodes, edges, 0.0, 0.0, layout_direction, bands, list(caption))
    _normalise(drawing)
    return drawing


def _route(source, target, direction, lane):
    """The polyline of an edge: straight within a band, along its lane (a height in the gap
    under its band) when it runs to a later band."""
    s, t = source.box, target.box
    if direction == "TB":
        return [(s.x, source.grad_rect.y - source.grad_rect.h / 2), (t.x, target.value_rect.y + target.value_rect.h / 2)]
    start = (s.x + s.w / 2, s.y)
    end = (t.x - t.w / 2, t.y)
    if lane is None:
        return [start, end]
    right = max(start[0], end[0]) + ROUTE_STUB
    left = end[0] - ROUTE_STUB
    return [start, (right, start[1]), (right, lane), (left, lane), (left, end[1]), end]


def _normalise(drawing):
    """Shift everything so the picture starts at (MARGIN, MARGIN); set its size."""
    rects = [r for n in drawing.nodes.values() for r in (n.box, n.value_rect, n.grad_rect)]
    xs = [p[0] for e in drawing.edges for p in e.points]
    ys = [p[1] for e in drawing.edges for p in e.points]
    low_x = min([r.x - r.w / 2 for r in rects] + xs)
    high_x = max([r.x + r.w / 2 for r in rects] + xs)
    low_y = min([r.y - r.h / 2 for r in rects] + ys)
    high_y = max([r.y + r.h / 2 for r in rects] + ys)
    caption_h = block_size(drawing.caption, CAPTION_POINTS)[1] + (0.15 if drawing.caption else 0.0)
    dx, dy = MARGIN - low_x, MARGIN - low_y
    for n in drawing.nodes.values():
        for r in (n.box, n.value_rect, n.grad_rect):
            r.x += dx
            r.y += dy
    for e in drawing.edges:
        e.points = [(x + dx, y + dy) for x, y in e.points]
    caption_w = block_size(drawing.caption, CAPTION_POINTS)[0]
    drawing.width = max(high_x - low_x + 2 * MARGIN, caption_w + 2 * MARGIN, 2.5)
    drawing.height = max(high_y - low_y + 2 * MARGIN + caption_h, 1.6)


def obstacles(drawing):
    """Every node's box and texts, as rectangles."""
    found = []
    for n in drawing.nodes.values():
        found.append(n.box)
        if n.value_lines:
            found.append(n.value_rect)
        if n.grad_lines:
            found.append(n.grad_rect)
    return found


FRACTIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88) + tuple(i / 20 for i in range(1, 20))


def _place_labels(drawing):
    """Put each edge label at its first free place; False when one found none."""
    blocked = [r.bounds for r in obstacles(drawing)]
    arrays = np.array(blocked, dtype=float).reshape(-1, 4)
    placed = []
    for edge in drawing.edges:
        if not edge.label_lines:
            continue
        w, h = block_size(edge.label_lines, EDGE_POINTS)
        spot = None
        for centre in _candidates(edge, w, h):
            box = Rect(centre[0], centre[1], w, h)
            if _free(box, arrays, placed):
                spot = box
                break
        if spot is None:
            return False
        edge.label = spot
        placed.append(spot.bounds)
    return True


def _candidates(edge, w, h):
    """Label centres along the edge, longest segment first, on the line and beside it."""
    segments = sorted(zip(edge.points, edge.points[1:]), key=lambda s: -np.hypot(s[1][0] - s[0][0], s[1][1] - s[0][1]))
    for (x0, y0), (x1, y1) in segments:
        horizontal = abs(x1 - x0) >= abs(y1 - y0)
        for t in FRACTIONS:
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            yield x, y
            if horizontal:
                yield x, y + h / 2 + LABEL_PAD * 2
                yield x, y - h / 2 - LABEL_PAD * 2
            else:
                yield x + w / 2 + LABEL_PAD * 2, y
                yield x - w / 2 - LABEL_PAD * 2, y


def _free(box, blocked, placed):
    x0, y0, x1, y1 = box.bounds
    pad = LABEL_PAD
    if len(blocked):
        hit = (x0 < blocked[:, 2] + pad) & (blocked[:, 0] < x1 + pad) & (y0 < blocked[:, 3] + pad) & (blocked[:, 1] < y1 + pad)
        if hit.any():
            return False
    for b in placed:
        if x0 < b[2] + pad and b[0] < x1 + pad and y0 < b[3] + pad and b[1] < y1 + pad:
            return False
    return True
