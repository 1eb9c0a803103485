"""What a drawing of a trace writes, shared by every backend so that they show the same.

A node shows its title (the program's name for it, ``dk.name(q, "q")`` or the lecture's
``notes`` dict, then the gate), its forward value and, after the backward pass, its
gradient; an edge shows the gradient sent back along it. An array with at most
``threshold`` rows and columns (4 x 4 by default) is written in full, one row per line,
so the notes' matrix examples can be followed on the picture; a larger one by its shape
and norm. matplotlib, Graphviz, the stepper and TikZ all take their text from here.
"""

from dataclasses import dataclass

import numpy as np

from .. import errors
from .format import format_number

DEFAULT_THRESHOLD = (4, 4)
DIGITS = 4
EDGE_LABELS_UP_TO = 80  # nodes; above this, edge gradients would only clutter the picture


def checked_threshold(threshold):
    """``threshold`` as (rows, columns): an int n means n x n."""
    if isinstance(threshold, (int, np.integer)) and not isinstance(threshold, bool):
        threshold = (int(threshold), int(threshold))
    ok = (isinstance(threshold, (tuple, list)) and len(threshold) == 2
          and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in threshold))
    if not ok:
        raise errors.InputError(
            f"threshold must be a positive whole number or a pair (rows, columns), got {threshold!r}: "
            "e.g. threshold=4 draws arrays up to 4 x 4 in full"
        )
    return int(threshold[0]), int(threshold[1])


def value_lines(value, threshold=DEFAULT_THRESHOLD, digits=DIGITS):
    """The lines that write ``value``: one for a number, one per row for a small array."""
    if value is None:
        return []
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return [str(value)]
    if array.ndim == 0:
        return [format_number(array, digits)]
    rows, columns = threshold
    shape = array.shape
    fits = (array.ndim == 1 and shape[0] <= columns) or (array.ndim == 2 and shape[0] <= rows and shape[1] <= columns)
    if not fits:
        return [f"array {'x'.join(map(str, shape))}, |.|={format_number(np.linalg.norm(array), 3)}"]
    if array.ndim == 1:
        return ["[" + ", ".join(format_number(v, digits) for v in array) + "]"]
    lines = []
    for i, row in enumerate(array):
        text = ", ".join(format_number(v, digits) for v in row)
        opening = "[[" if i == 0 else " ["
        closing = "]]" if i == len(array) - 1 else "],"
        lines.append(f"{opening}{text}{closing}")
    return lines


@dataclass
class NodeText:
    """The text of one node: its title, its value lines and its gradient lines."""

    title: str
    value: list
    grad: list


def node_title(node):
    """``q: +`` for a named operation, the gate alone otherwise; an input by its name."""
    if node.name and node.kind == "op":
        return f"{node.name}: {node.label}"
    return node.name or node.label


def node_text(node, threshold=DEFAULT_THRESHOLD):
    grad = [] if node.grad is None else value_lines(node.grad, threshold)
    return NodeText(node_title(node), value_lines(node.value, threshold), grad)


def shows_edge_labels(trace):
    """Whether edges carry their gradients (not on graphs too large to read them)."""
    return len(trace.nodes) <= EDGE_LABELS_UP_TO


def edge_lines(edge, threshold=DEFAULT_THRESHOLD):
    """The gradient an edge carries back, as lines (none before a backward pass)."""
    return [] if edge.grad is None else value_lines(edge.grad, threshold)


# --- the palette every backend draws with ---------------------------------------------------
VALUE_COLOUR = "#1a7f1a"  # forward values, green as in the notes
GRAD_COLOUR = "#c00000"  # gradients, red
EDGE_COLOUR = "#444444"
HIGHLIGHT_COLOUR = "#e67e00"  # a highlighted path, orange as in the CS 540 deck
ACTIVE_FILL = "#ffd54f"  # the node whose turn it is in the backward pass
FILL = {"input": "#e8f0fe", "data": "#eeeeee", "constant": "#f5f5f5", "op": "#ffffff"}
