"""Which nodes and edges a drawing emphasises: a highlighted path, or one backward step.

``trace.highlight("w2")`` marks every node and edge on a path from ``w2`` to the output
(the CS 540 deck's orange lines); the stepper marks the node whose turn it is and the
edges along which it sends its gradient down.
"""

from dataclasses import dataclass, field

from .. import errors


@dataclass(frozen=True)
class Emphasis:
    nodes: frozenset = frozenset()  # highlighted nodes
    edges: frozenset = frozenset()  # highlighted edges, as (source, target, position)
    active: int = None  # the node of the current backward step
    active_edges: frozenset = frozenset()

    def __bool__(self):
        return bool(self.nodes or self.edges or self.active is not None)


NONE = Emphasis()


def resolve(trace, names):
    """Node indices for names, labels or indices (``"w2"``, ``"+"``, ``3``)."""
    found = []
    for name in names:
        if isinstance(name, int) and not isinstance(name, bool) and 0 <= name < len(trace.nodes):
            found.append(name)
            continue
        matches = [n.index for n in trace.nodes if name in (n.name, n.label)]
        if not matches:
            known = ", ".join(sorted({n.name or n.label for n in trace.nodes}))
            raise errors.InputError(f"no node named {name!r} in this trace; its nodes are {known}")
        found.extend(matches)
    return found


def path_to_output(trace, names):
    """The nodes and edges on every path from the named nodes to the output; a name with no
    such path (the output does not use it) is refused, not silently drawn unmarked."""
    reaches = {trace.output.index}  # nodes from which the output can be reached
    for node in reversed(trace.nodes):
        if any(e.target in reaches for e in trace.edges if e.source == node.index):
            reaches.add(node.index)
    frontier = []
    for name in names:
        starts = [i for i in resolve(trace, [name]) if i in reaches]
        if not starts:
            raise errors.InputError(f"{name!r} does not reach the output (the output is not computed from it), "
                                    "so there is no path to highlight; name a node the output depends on")
        frontier.extend(starts)
    on_path = set()
    while frontier:
        index = frontier.pop()
        if index in on_path:
            continue
        on_path.add(index)
        frontier.extend(e.target for e in trace.edges if e.source == index and e.target in reaches)
    edges = frozenset((e.source, e.target, e.position) for e in trace.edges if e.source in on_path and e.target in on_path)
    return Emphasis(frozenset(on_path), edges)


def step_emphasis(trace, step):
    """The node of ``step`` (a :class:`BackwardStep`) and the edges it sends gradients down."""
    index = step.node.index
    inputs = {node.index for node in step.inputs}
    edges = frozenset((e.source, e.target, e.position) for e in trace.edges if e.target == index and e.source in inputs)
    return Emphasis(active=index, active_edges=edges)
