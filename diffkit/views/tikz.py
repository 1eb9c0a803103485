"""A trace's drawing as a TikZ picture, for lecture notes typeset with LaTeX.

The picture is the :class:`~.geometry.Drawing` the other backends paint, in centimetres:
boxes with their titles, values in green above, gradients in red below, edges with the
gradient they carry. It needs only ``\\usepackage{tikz}`` (the colours are defined inside
the picture).
"""

from .emphasis import NONE
from .geometry import EDGE_POINTS, TITLE_POINTS, VALUE_POINTS
from .labels import ACTIVE_FILL, EDGE_COLOUR, FILL, GRAD_COLOUR, HIGHLIGHT_COLOUR, VALUE_COLOUR

CM = 2.54
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
            "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "|": r"\textbar{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "*": r"$\ast$"}
# In math mode (a name inside \mathrm, as the symbolic derivative's LaTeX writes it) the
# text-mode symbols are not available, and a space would be dropped.
_MATH_SPECIAL = {**_SPECIAL, "\\": r"\backslash{}", "~": r"\sim{}", "^": r"\hat{}", "|": r"\vert{}", "<": "<",
                 ">": ">", "*": r"\ast{}", " ": r"\ "}


def tex_escape(text, math=False):
    """``text`` with TeX's special characters escaped, for text mode (a TikZ label) or, when
    ``math``, for math mode: a program's name or a dict key may hold ``_``, ``%`` or ``$``."""
    special = _MATH_SPECIAL if math else _SPECIAL
    return "".join(special.get(c, c) for c in text)


def _hex(colour):
    return colour.lstrip("#").upper()


def _lines(lines):
    return r"\\".join(tex_escape(line) for line in lines)


def _point(x, y):
    return f"({x * CM:.3f},{y * CM:.3f})"


def tikz_picture(drawing, emphasis=NONE):
    """TikZ source of ``drawing``."""
    colours = {"dkvalue": VALUE_COLOUR, "dkgrad": GRAD_COLOUR, "dkedge": EDGE_COLOUR, "dklit": HIGHLIGHT_COLOUR,
               "dkactive": ACTIVE_FILL}
    colours.update({f"dkfill{kind}": colour for kind, colour in FILL.items()})
    out = [r"\begin{tikzpicture}[x=1cm, y=1cm, >=stealth]"]
    out += [rf"\definecolor{{{name}}}{{HTML}}{{{_hex(colour)}}}" for name, colour in colours.items()]
    for edge in drawing.edges:
        key = (edge.source, edge.target, edge.position)
        lit = key in emphasis.edges or key in emphasis.active_edges
        style = "->, draw=dklit, line width=1.4pt" if lit else "->, draw=dkedge"
        path = " -- ".join(_point(x, y) for x, y in edge.points)
        out.append(rf"\draw[{style}] {path};")
        if edge.label is not None:
            out.append(rf"\node[text=dkgrad, fill=white, inner sep=1pt, align=center, font=\fontsize{{{EDGE_POINTS}}}"
                       rf"{{{EDGE_POINTS + 1}}}\selectfont] at {_point(edge.label.x, edge.label.y)} "
                       rf"{{{_lines(edge.label_lines)}}};")
    for node in drawing.nodes.values():
        b = node.box
        lit = node.index in emphasis.nodes or node.index == emphasis.active
        fill = "dkactive" if node.index == emphasis.active else f"dkfill{node.kind}"
        line = "draw=dklit, line width=1.4pt" if lit else ("draw, line width=1pt" if node.is_output else "draw")
        out.append(rf"\node[{line}, fill={fill}, rounded corners=3pt, minimum width={b.w * CM:.3f}cm, "
                   rf"minimum height={b.h * CM:.3f}cm, font=\bfseries\fontsize{{{TITLE_POINTS}}}{{{TITLE_POINTS + 2}}}"
                   rf"\selectfont] (n{node.index}) at {_point(b.x, b.y)} {{{tex_escape(node.title)}}};")
        for lines, rect, colour in ((node.value_lines, node.value_rect, "dkvalue"),
                                    (node.grad_lines, node.grad_rect, "dkgrad")):
            if lines:
                out.append(rf"\node[text={colour}, align=center, inner sep=0pt, font=\fontsize{{{VALUE_POINTS}}}"
                           rf"{{{VALUE_POINTS + 2}}}\selectfont] at {_point(rect.x, rect.y)} {{{_lines(lines)}}};")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)
