"""Draw a trace with Graphviz's ``dot`` when it is installed (checked up front).

The Python dependencies alone must suffice, so Graphviz is optional: the program is
looked up on PATH before anything runs, and when it is missing (or fails) the caller
falls back to matplotlib quietly. Nothing here imports the ``graphviz`` package.
"""

import shutil
import subprocess
import warnings
from html import escape

from .format import format_value

DOT_TIMEOUT_SECONDS = 30
VALUE_COLOUR = "#1a7f1a"
GRAD_COLOUR = "#c00000"
FILL = {"input": "#e8f0fe", "data": "#eeeeee", "constant": "#f5f5f5", "op": "#ffffff"}


def graphviz_available():
    """True when the ``dot`` program is on PATH."""
    return shutil.which("dot") is not None


def dot_source(trace):
    """The trace as a DOT graph: left to right, values in green, gradients in red."""
    lines = ["digraph trace {", "  rankdir=LR;", '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for node in trace.nodes:
        rows = [f"<B>{escape(node.label)}</B>", f'<FONT COLOR="{VALUE_COLOUR}">{escape(format_value(node.value))}</FONT>']
        if node.grad is not None:
            rows.append(f'<FONT COLOR="{GRAD_COLOUR}">grad {escape(format_value(node.grad))}</FONT>')
        shape = "ellipse" if node.kind != "op" else "box"
        width = 2 if node is trace.output else 1
        lines.append(f'  n{node.index} [shape={shape}, style="rounded,filled", fillcolor="{FILL[node.kind]}", '
                     f"penwidth={width}, label=<{'<BR/>'.join(rows)}>];")
    for edge in trace.edges:
        label = "" if edge.grad is None else f', label=<<FONT COLOR="{GRAD_COLOUR}">{escape(format_value(edge.grad))}</FONT>>'
        lines.append(f"  n{edge.source} -> n{edge.target} [{label.lstrip(', ')}];")
    lines.append("}")
    return "\n".join(lines)


def render_graphviz(trace, fmt, quiet=True):
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
        finished = subprocess.run([dot, f"-T{fmt}"], input=dot_source(trace).encode("utf-8"),
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
