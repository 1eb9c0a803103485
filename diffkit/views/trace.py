"""``dk.trace(f, *args)``: one evaluation of a program as a graph, with its backward pass.

The graph is drawn the way the lecture notes draw it: a node per operation with its
forward value, and after the backward pass the gradient at every node and on every
edge. The program is recorded on diffkit's tape in its keep-everything mode (a drawing
needs every value, where the tape itself keeps only what its rules read), and the
backward pass is the tape's own: a hook reports, node by node, the upstream gradient and
what it sends downstream to each input, and the tape's step for one node, run with a
seed of ones, gives the local gradient ("upstream x local = downstream"). So a trace's
gradient is the tape method's, to the last bit.
"""

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import errors
from ..core.keywords import refuses_unknown_keywords
from ..core.problem import Problem, not_an_array, scalar_output
from ..core.primitive import get_primitive
from ..engines.tape import KeptTraced, Tape
from ..methods.base import unit_seed
from ..ops.shapes import shape_of
from .files import given_path, writable_folder, write_file
from .format import format_number, format_shape, format_value

# How the notes write the arithmetic gates; any other op is shown by its name.
OPERATOR_SYMBOLS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "power": "**",
    "matmul": "@",
    "negative": "neg",
}
COMMUTATIVE = frozenset(("add", "multiply", "maximum", "minimum"))


@dataclass
class TraceNode:
    """One node of the graph: an input, a constant array, or an operation.

    ``value`` is the forward value; ``grad`` the gradient of the output with respect to
    it (None for constants, data and nodes the output does not depend on).
    """

    index: int
    kind: str  # "input" | "data" | "constant" | "op"
    label: str
    value: Any
    grad: Any = None
    op: str = ""
    inputs: tuple = ()  # node indices feeding this op, in argument order
    name: str = ""  # the program's name for the value (dk.name, or a lecture's notes dict)

    def __post_init__(self):
        self.value = plain(self.value)
        self.grad = plain(self.grad)

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def title(self):
        """What the drawing writes in the node's box: ``q: +`` when the program named it."""
        from .labels import node_title

        return node_title(self)

    def __repr__(self):
        grad = "" if self.grad is None else f", grad={format_value(self.grad)}"
        named = f", name={self.name!r}" if self.name else ""
        return f"TraceNode({self.index}, {self.label!r}{named}, value={format_value(self.value)}{grad})"


@dataclass
class TraceEdge:
    """An input of an operation: ``source`` feeds argument ``position`` of ``target``.

    ``grad`` is the gradient the target sends back along this edge (the downstream
    gradient); where an input fans out, its node's gradient is the sum over its edges.
    """

    source: int
    target: int
    position: int
    grad: Any = None

    def __post_init__(self):
        self.grad = plain(self.grad)


@dataclass
class BackwardStep:
    """One node's turn in the backward pass: upstream x local = downstream, per input."""

    node: TraceNode
    upstream: Any
    inputs: list = field(default_factory=list)  # TraceNode per input
    local: list = field(default_factory=list)  # local gradient per input (None: a Jacobian, not shown)
    downstream: list = field(default_factory=list)  # gradient sent to each input

    def __post_init__(self):
        self.upstream = plain(self.upstream)


def plain(value):
    """A NumPy scalar as a Python float (it prints as -4.0, not np.float64(-4.0)); arrays stay."""
    if isinstance(value, np.generic) and np.ndim(value) == 0 and value.dtype.kind in "biuf":
        return float(value)
    return value


class Trace:
    """The recorded graph of one evaluation of ``f`` at ``args``, after its backward pass.

    ``nodes`` and ``edges`` list the graph; ``value`` is the output and ``grad`` the
    gradient, shaped like the differentiated arguments. It shows itself as an SVG in
    Jupyter; :meth:`save` writes a PNG or SVG file, :meth:`backward_steps` gives the
    backward pass as a table.
    """

    def __init__(self, nodes, edges, steps, output, value, grad, name=""):
        from .emphasis import NONE
        from .labels import DEFAULT_THRESHOLD

        self.nodes = nodes
        self.edges = edges
        self._steps = steps
        self.output = output
        self.value = value
        self.grad = grad
        self.name = name
        self.threshold = DEFAULT_THRESHOLD
        self.direction = "auto"
        self.emphasis = NONE

    # --- looking at it -------------------------------------------------------------------
    def node(self, label):
        """The first node named ``label`` (``dk.name``, a notes name, an argument) or, failing
        that, whose gate is ``label`` (``"+"``, ``"sigmoid"``)."""
        for node in self.nodes:
            if node.name == label:
                return node
        for node in self.nodes:
            if node.label == label:
                return node
        known = ", ".join(repr(n.name or n.label) for n in self.nodes)
        raise errors.InputError(f"no node labelled {label!r} in this trace; its nodes are {known}")

    @property
    def operations(self):
        return [node for node in self.nodes if node.kind == "op"]

    def backward_steps(self):
        """The backward pass as a table, one row per operation in the order it ran."""
        from .steps import BackwardSteps

        return BackwardSteps(self._steps)

    def __len__(self):
        return len(self.nodes)

    def __repr__(self):
        return (
            f"<Trace of {self.name or 'a program'}: {len(self.operations)} operations, "
            f"{len(self.nodes) - len(self.operations)} inputs; value {format_value(self.value)}>"
        )

    def __str__(self):
        lines = [repr(self)]
        for node in self.nodes:
            inputs = ", ".join(f"#{i}" for i in node.inputs)
            source = f"{node.title}({inputs})" if node.kind == "op" else f"{node.title} [{node.kind}]"
            grad = "" if node.grad is None else f"  grad {format_value(node.grad)}"
            lines.append(f"  #{node.index:<3} {source:<28} value {format_value(node.value)}{grad}")
        return "\n".join(lines)

    # --- how it is drawn -----------------------------------------------------------------
    def style(self, threshold=None, direction=None):
        """A copy drawn with other options: ``threshold`` (arrays up to that many rows and
        columns are written in full; default 4 x 4) and ``direction`` ("auto": left to right,
        wrapped into bands when wider than a notebook; "LR"; "TB": top to bottom)."""
        from .labels import checked_threshold

        copy = self._copy()
        if threshold is not None:
            copy.threshold = checked_threshold(threshold)
        if direction is not None:
            if direction not in DIRECTIONS:
                raise errors.InputError(f"unknown direction {direction!r}: use one of {', '.join(DIRECTIONS)}")
            copy.direction = direction
        return copy

    def highlight(self, *names):
        """A copy whose drawing marks every path from the named nodes to the output, in orange
        (``trace.highlight("w2")``, as the CS 540 deck follows one weight to the loss)."""
        from .emphasis import path_to_output

        if not names:
            raise errors.InputError("say which node to highlight, e.g. trace.highlight(\"w2\")")
        copy = self._copy()
        copy.emphasis = path_to_output(self, names)
        return copy

    def _copy(self):
        import copy

        return copy.copy(self)

    def drawing(self, caption=(), threshold=None, direction=None):
        """Where every box, text and edge goes (a :class:`~.geometry.Drawing`, in inches)."""
        from .geometry import lay_out

        return lay_out(self, threshold or self.threshold, direction or self.direction, caption=caption)

    def layout(self):
        """The centre of every node's box in the drawing: node index -> (x, y) in inches."""
        shapes = self.drawing().nodes
        return {index: (shape.box.x, shape.box.y) for index, shape in shapes.items()}

    # --- drawing -------------------------------------------------------------------------
    def to_svg(self, backend="auto"):
        """The drawing as SVG text (Graphviz when ``dot`` is installed, else matplotlib)."""
        return self._render("svg", backend)

    def to_png(self, backend="auto"):
        """The drawing as PNG bytes."""
        return self._render("png", backend)

    def save(self, path, backend="auto"):
        """Write the drawing to ``path``; its suffix (.png or .svg) picks the format."""
        path = given_path(path, "the trace", "trace.save('graph.svg')")
        suffix = path.suffix.lower().lstrip(".")
        if suffix not in ("png", "svg"):
            raise errors.InputError(f"cannot save a trace as {path.name!r}: use a file name ending in .png or .svg")
        writable_folder(path, path.parent, "the trace")
        data = self._render(suffix, backend)
        write_file(path, data, "the trace")
        return path

    def figure(self, ax=None):
        """The drawing as a matplotlib figure (to show inline or to combine with plots)."""
        from .draw_matplotlib import draw

        return draw(self.drawing(), self.emphasis, ax=ax)

    def _render(self, fmt, backend):
        from .draw_graphviz import graphviz_available, render_graphviz
        from .draw_matplotlib import render_matplotlib

        if backend not in ("auto", "graphviz", "matplotlib"):
            raise errors.InputError(f"unknown drawing backend {backend!r}: use 'auto', 'graphviz' or 'matplotlib'")
        if backend == "graphviz" or (backend == "auto" and graphviz_available()):
            rankdir = "TB" if self.direction == "TB" else "LR"
            data = render_graphviz(self, fmt, quiet=backend == "auto", threshold=self.threshold, rankdir=rankdir,
                                   emphasis=self.emphasis)
            if data is not None:
                return data
        return render_matplotlib(self.drawing(), fmt, self.emphasis)

    def _repr_svg_(self):
        return self.to_svg()

    # --- the backward pass, one node at a time -------------------------------------------
    def step_through(self):
        """The backward pass as a page with back / next buttons: each step lights up its node
        and edges and writes upstream x local = downstream. Self-contained HTML and
        JavaScript (inline SVG, no kernel, no network): it works in Jupyter, in an exported
        notebook and in any browser (``.save("steps.html")``)."""
        from .stepper import Stepper

        return Stepper(self)

    def save_frames(self, folder):
        """Write one SVG per backward step (``step-01.svg``, ...) into ``folder``, for slides;
        return their paths. Step 0 is the forward pass alone.

        Frames of this name pattern that are not rewritten now (from an earlier, longer trace
        saved into the same folder) are removed, so the folder holds this trace's frames and
        no stale step among them; no other file is touched."""
        from .stepper import frame_svgs

        folder = given_path(folder, "the frames", "trace.save_frames('frames')", kind="folder")
        writable_folder(folder, folder, "the frames")
        paths = []
        for number, svg in enumerate(frame_svgs(self)):
            path = folder / f"step-{number:02d}.svg"
            write_file(path, svg, "a frame")
            paths.append(path)
        for old in folder.iterdir():
            if re.fullmatch(r"step-\d{2,}\.svg", old.name) and old not in paths and old.is_file():
                old.unlink()
        return paths

    def to_latex(self):
        """The drawing as a TikZ picture (``\\begin{tikzpicture} ... \\end{tikzpicture}``), for
        lecture notes; needs only TikZ (``\\usepackage{tikz}``)."""
        from .tikz import tikz_picture

        return tikz_picture(self.drawing(), self.emphasis)


DIRECTIONS = ("auto", "LR", "TB")


# --- recording and the backward pass ---------------------------------------------------------
DEFAULT_MAX_NODES = 300


@dataclass
class _Leaf:
    """A named input of the program on the tape; ``differentiated`` is False for data held fixed."""

    name: str
    value: Any
    differentiated: bool = True
    grad: Any = None


@refuses_unknown_keywords
def trace(f, *args, argnums=None, seed=None, max_nodes=DEFAULT_MAX_NODES):
    """Run ``f(*args)`` once on a tape that keeps every value, then the tape's backward pass.

    ``argnums`` picks the arguments to differentiate (default: all of them); the others
    are data, drawn as inputs without a gradient. The output must be a single number,
    unless ``seed`` gives the upstream gradient of an array output (as the notes do for
    a single gate: ``dk.trace(relu, x, seed=upstream)``). Programs of more than
    ``max_nodes`` operations are refused: a drawing of them would be unreadable.

    ``f`` may be a zoo :class:`~diffkit.programs.Program` (``dk.trace(dk.get_program(...))``),
    traced at its example arguments. Nodes carry the program's names for its values: those
    given with ``dk.name(q, "q")``, and a lecture function's ``notes`` dict.
    """
    from ..programs.notes import takes_notes
    from ..programs.program import Program

    if isinstance(f, Program):
        program = f
        f, args = program.function, args or program.args
        argnums = program.argnums if argnums is None else argnums
    if not callable(f):
        hint = " (for a zoo program by name, dk.trace(dk.get_program(name)))" if isinstance(f, str) else ""
        raise errors.InputError(f"dk.trace needs a function or a zoo program to trace, got a {type(f).__name__}{hint}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer)) or max_nodes < 1:
        raise errors.InputError(
            f"max_nodes must be a positive whole number of operations, got {max_nodes!r}: "
            f"e.g. dk.trace(f, x, max_nodes=500) (the default is {DEFAULT_MAX_NODES})"
        )
    if argnums is None:
        if not args:
            raise errors.InputError("dk.trace needs the arguments to evaluate the program at: dk.trace(f, x, y, ...)")
        argnums = 0 if len(args) == 1 else tuple(range(len(args)))
    problem = Problem(f, args, argnums)
    notes = {} if takes_notes(f) else None
    with Tape(keep_all=True, on_record=_node_limit(max_nodes)) as tape:
        leaves = [tape.leaf(value) for value in problem.leaves]
        named = {leaf._node: _Leaf(name, _display_leaf(value, scalar)) for leaf, name, value, scalar in
                 zip(leaves, problem.leaf_names, problem.leaves, problem.leaf_was_scalar)}
        call_args = problem.build_args(leaves)
        names = _parameter_names(f, len(args))
        for position, arg in enumerate(call_args):
            if position not in problem.argnums and _is_numeric_data(arg):
                call_args[position] = tape.leaf(arg)
                named[call_args[position]._node] = _Leaf(names[position], arg, differentiated=False)
        try:
            out = f(*call_args) if notes is None else f(*call_args, notes=notes)
        except TypeError as exc:  # a list where an array was meant, as every method names it
            clearer = problem.type_mistake(exc)
            if clearer is None:
                raise
            raise clearer from None
    for label, value in (notes or {}).items():  # a lecture's names, unless dk.name gave one
        if isinstance(value, KeptTraced) and value._tape is tape:
            tape.names.setdefault(value._node, label)
    if not_an_array(out) is not None:  # a tuple, None, a string: refused as dk.grad refuses it
        scalar_output(out, problem.name)
    if not (isinstance(out, KeptTraced) and out._tape is tape):
        raise errors.InputError(
            f"{getattr(f, '__name__', 'the program')} returned a value that does not depend on its "
            "differentiated arguments, so there is no graph to trace. Check argnums, and that the "
            "program uses diffkit ops (dk.exp, dk.sum, ...) on its arguments."
        )
    visits = {}  # node index -> (upstream, sent to each parent), as the tape's backward pass reports them

    def remember(index, upstream, sent):
        visits[index] = (upstream, sent)

    grads = tape.backward(out, _seed_for(out.value, seed), leaves, on_node=remember)
    for leaf, g in zip(leaves, grads):
        named[leaf._node].grad = g
    nodes, edges, steps, output_index = _build_graph(tape, named, leaves, visits, out._node)
    value = out.value
    if np.ndim(value) == 0:
        value = float(value)
    grad = problem.pack([plain(g) for g in grads])
    return Trace(nodes, edges, steps, nodes[output_index], value, grad, name=getattr(f, "__name__", ""))


def _node_limit(max_nodes):
    """A tape's ``on_record`` that refuses a graph of more than ``max_nodes`` operations."""
    count = [0]

    def count_node(index):
        count[0] += 1
        if count[0] > max_nodes:
            raise errors.UnsupportedError(
                f"the traced program ran more than {max_nodes} operations; a graph that large "
                "cannot be drawn readably. Trace a smaller example (fewer layers, fewer loop "
                "steps, or array ops instead of loops over entries: an array op is one node), or "
                "pass max_nodes=... to dk.trace if you really want it."
            )

    return count_node


def _display_leaf(value, was_scalar):
    return np.float64(value) if was_scalar else value


def _is_numeric_data(arg):
    if isinstance(arg, (bool, np.bool_)):
        return False
    if isinstance(arg, (int, float, np.number)):
        return True
    return isinstance(arg, np.ndarray) and arg.dtype.kind in "iuf"


def _parameter_names(f, count):
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return (names + [f"arg{i}" for i in range(len(names), count)])[:count]


def _seed_for(out_value, seed):
    """The seed of the backward pass: the tape method's own for a single number, else the given one."""
    shape = shape_of(out_value)
    if seed is None:
        if int(np.prod(shape)) != 1:
            raise errors.NonScalarOutputError(
                f"the traced program returned an array of shape {tuple(shape)}; a backward pass needs "
                "a single number. Reduce it (dk.sum, dk.mean), or pass seed=<upstream gradient of "
                "that shape> to dk.trace."
            )
        return unit_seed(tuple(shape))
    try:
        seed_array = np.asarray(seed, dtype=float) if np.asarray(seed).dtype.kind in "biuf" else None
    except (TypeError, ValueError):  # ragged, or not numbers
        seed_array = None
    if seed_array is None or isinstance(seed, (str, bytes)) or not np.isfinite(seed_array).all():
        raise errors.InputError(
            f"seed={seed!r:.40} is not finite numbers: give the upstream gradient of the output, an array of "
            f"shape {tuple(shape)}, or leave it out for a single-number output"
        )
    if seed_array.shape != tuple(shape):
        raise errors.ShapeError(
            f"seed has shape {seed_array.shape} but the program's output has shape {tuple(shape)}; "
            "the upstream gradient must have the output's shape"
        )
    return seed_array if shape else float(seed_array)


def _local_gradient(primitive, value, output, sent_for_ones):
    """d output / d input, from the tape's own step run with a seed of ones (``sent_for_ones``).

    Shown for a scalar output or an elementwise op; None where it is a full Jacobian.
    """
    out_shape = tuple(shape_of(output))
    in_shape = tuple(shape_of(value))
    elementwise = primitive.broadcasting and primitive is not _MATMUL and in_shape == out_shape
    if not (int(np.prod(out_shape)) == 1 or elementwise):
        return None
    if sent_for_ones is None:  # a rule that sends nothing (sign, heaviside): the local gradient is 0
        return np.zeros(in_shape) if in_shape else 0.0
    return sent_for_ones


_MATMUL = get_primitive("matmul")


# --- from the recording to the drawable graph ----------------------------------------------
def op_label(primitive, inputs, parents, params):
    """``*``, ``+ 1``, ``exp``, ``sum axis=1``: the gate as the notes write it."""
    symbol = OPERATOR_SYMBOLS.get(primitive.name, primitive.name)
    constants = [(position, value) for position, (value, parent) in enumerate(zip(inputs, parents))
                 if parent is None and np.ndim(value) == 0]
    label = symbol
    if len(constants) == 1 and len(inputs) == 2:
        position, value = constants[0]
        text = format_number(value)
        if position == 1 or primitive.name in COMMUTATIVE:
            label = f"{symbol} {text}"
        else:  # a constant on the left of a non-commutative gate: 1/x, 3 - x, 2**x
            label = f"{text}{symbol}x"
    shown = {key: value for key, value in params.items() if value is not None and value is not False and key != "index"}
    if "index" in params:
        label += f"[{_index_text(params['index'])}]"
    if shown:
        label += " " + " ".join(f"{key}={value}" for key, value in shown.items())
    return label


def _index_text(index):
    parts = index if isinstance(index, tuple) else (index,)
    return ",".join(":" if isinstance(p, slice) and p == slice(None) else str(p) for p in parts)


def _ancestors(tape, output_node):
    """Indices of the nodes the output was computed from (itself included)."""
    found = {output_node}
    for index in range(output_node, -1, -1):
        node = tape.nodes[index]
        if index in found and node is not None:
            found.update(parent for parent in node[1] if parent is not None)
    return found


def _build_graph(tape, named, differentiated, visits, output_node):
    """The drawable graph from the tape's nodes (``named``: the inputs by node index,
    ``differentiated``: their traced leaves) and its backward pass (``visits``: node index ->
    (upstream, sent to each parent))."""
    nodes = []
    edges = []
    where = {}  # tape index -> trace node index
    feeds_output = _ancestors(tape, output_node)
    for index, recorded in enumerate(tape.nodes):
        if recorded is None:
            leaf = named[index]
            where[index] = len(nodes)
            kind = "input" if leaf.differentiated else "data"
            given = tape.names.get(index, "")
            nodes.append(TraceNode(len(nodes), kind, leaf.name, leaf.value, leaf.grad,
                                   name=given if given != leaf.name else ""))
            continue
        if index not in feeds_output:  # e.g. abs(x) in a loop's test: not part of the output's graph
            continue
        primitive, parents, values, params, output, _, _ = recorded
        inputs = []
        for position, (parent, value) in enumerate(zip(parents, values)):
            if parent is not None:
                inputs.append((position, where[parent]))
            elif np.ndim(value) > 0:  # an array constant: drawn as a node of its own
                constant = TraceNode(len(nodes), "constant", f"const {format_shape(value)}", value)
                nodes.append(constant)
                inputs.append((position, constant.index))
        where[index] = len(nodes)
        upstream, sent = visits.get(index, (None, None))
        node = TraceNode(len(nodes), "op", op_label(primitive, values, parents, params), output, upstream,
                         primitive.name, tuple(source for _, source in inputs), tape.names.get(index, ""))
        nodes.append(node)
        for position, source in inputs:
            edges.append(TraceEdge(source, node.index, position, None if sent is None else sent[position]))
    live = tape.computed_from(differentiated, output_node)
    steps = []
    for index in sorted(visits, reverse=True):
        primitive, parents, values, _, output, _, _ = tape.nodes[index]
        upstream, sent = visits[index]
        ones = tape.contributions(index, np.ones(shape_of(output)) if shape_of(output) else 1.0, live=live)
        step = BackwardStep(nodes[where[index]], upstream)
        for position, parent in enumerate(parents):
            if parent is None or not live[parent]:
                continue
            step.inputs.append(nodes[where[parent]])
            step.local.append(plain(_local_gradient(primitive, values[position], output, ones[position])))
            step.downstream.append(plain(sent[position]))
        steps.append(step)
    return nodes, edges, steps, where[output_node]
