"""Draw a trace with Graphviz's ``dot`` when it is installed (checked up front).

The Python dependencies alone must suffice, so Graphviz is optional: the program is
looked up on PATH before anything runs, and when it is missing (or fails) the caller
falls back to matplotlib quietly. Nothing here imports the ``graphviz`` package.
"""

import shutil
import subprocess
import warnings
from html import escape

from .emphasis import NONE
from .labels import (ACTIVE_FILL, DEFAULT_THRESHOLD, FILL, GRAD_COLOUR, HIGHLIGHT_COLOUR, VALUE_COLOUR,
                     edge_lines, node_text, shows_edge_labels)

DOT_TIMEOUT_SECONDS = 30


def graphviz_available():
    """True when the ``dot`` program is on PATH."""
    return shutil.which("dot") is not None


def _lines(lines, colour=None):
    text = "<BR/>".join(escape(line) for line in lines)
    return f'<FONT COLOR="{colour}">{text}</FONT>' if colour else text


def dot_source(trace, threshold=DEFAULT_THRESHOLD, rankdir="LR", emphasis=NONE):
    """The trace as a DOT graph: the same texts as every other drawing (:mod:`.labels`),
    values in green, gradients in red, left to right (``rankdir="TB"``: top to bottom)."""
    lines = ["digraph trace {", f"  rankdir={rankdir};", '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    labelled = shows_edge_labels(trace)
    for node in trace.nodes:
        text = node_text(node, threshold)
        rows = [f"<B>{escape(text.title)}</B>"]
        if text.value:
            rows.append(_lines(text.value, VALUE_COLOUR))
        if text.grad:
            rows.append(_lines(text.grad, GRAD_COLOUR))
        shape = "ellipse" if node.kind != "op" else "box"
        emphasised = node.index in emphasis.nodes or node.index == emphasis.active
        width = 3 if emphasised else 2 if node is trace.output else 1
        colour = f', color="{HIGHLIGHT_COLOUR}"' if emphasised else ""
        fill = ACTIVE_FILL if node.index == emphasis.active else FILL[node.kind]
        lines.append(f'  n{node.index} [shape={shape}, style="rounded,filled", fillcolor="{fill}", '
                     f"penwidth={width}{colour}, label=<{'<BR/>'.join(rows)}>];")
    for edge in trace.edges:
        attributes = []
        label = edge_lines(edge, threshold) if labelled else []
        if label:
            attributes.append(f"label=<{_lines(label, GRAD_COLOUR)}>")
        key = (edge.source, edge.target, edge.position)
        if key in emphasis.edges or key in emphasis.active_edges:
            attributes.append(f'color="{HIGHLIGHT_COLOUR}", penwidth=2.5')
        lines.append(f"  n{edge.source} -> n{edge.target} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines)


def render_graphviz(trace, fmt, quiet=True, **options):
    """SVG text or PNG bytes from ``dot``; None when it is missing or fails and ``quiet``."""
    dot = shutil.which("dot")
    if dot is None:
        if quiet:
            return None
        from .. import errors

        raise errors.UnsupportedError(
            "backend='graphviz' needs the Graphviz 'dot' program on PATH; install Graphviz or use backend='matplotlib'"
        )
    try:
        finished = subprocess.run([dot, f"-T{fmt}"], input=dot_source(trace, **options).encode("utf-8"),
                                  capture_output=True, check=True, timeout=DOT_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError) as exc:
        if not quiet:
            from .. import errors

            detail = getattr(exc, "stderr", b"") or b""
            raise errors.UnsupportedError(
                f"Graphviz's dot ({dot}) failed: {exc} {detail.decode('utf-8', 'replace').strip()}".rstrip()
                + "; repair the Graphviz install or draw with backend='matplotlib'"
            ) from None
        warnings.warn(f"Graphviz failed ({exc}); drawing with matplotlib instead", RuntimeWarning, stacklevel=3)
        return None
    return finished.stdout.decode("utf-8") if fmt == "svg" else finished.stdout
