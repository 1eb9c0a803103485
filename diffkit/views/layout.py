"""Layers and rows of a trace's graph: inputs in the first layer, the output in the last.

An operation sits one layer right of its deepest input (longest path from the inputs);
then every node but the output moves right until it sits just left of its first
consumer, so a bias used in the last layer, or ``1 - y`` computed from data, is not
drawn far away at the start. Within a layer, nodes are ordered by the mean
position of their neighbours (a few barycentre sweeps), which removes most crossings
in the graphs of lecture examples without any optimisation library.

Sizes in inches, and the folding of a wide graph into bands, are the job of
:mod:`.geometry`.
"""

SWEEPS = 4


def layers_of(trace):
    """Layer number of every node (0 = leftmost)."""
    layer = {}
    consumers = {node.index: [] for node in trace.nodes}
    for edge in trace.edges:
        consumers[edge.source].append(edge.target)
    for node in trace.nodes:  # recording order is topological
        if node.kind == "op":
            layer[node.index] = 1 + max((layer.get(i, 0) for i in node.inputs), default=-1)
        else:
            layer[node.index] = 0
    for node in reversed(trace.nodes):  # consumers come later in recording order
        targets = [layer[t] for t in consumers[node.index]]
        if targets:
            layer[node.index] = min(targets) - 1
    return layer


def grid(trace):
    """(layer of every node, row of every node): rows centred on 0 within each layer,
    ordered by a few barycentre sweeps."""
    layer = layers_of(trace)
    columns = {}
    for node in trace.nodes:
        columns.setdefault(layer[node.index], []).append(node.index)
    neighbours = {node.index: [] for node in trace.nodes}
    for edge in trace.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    row = {}
    for column in columns.values():
        for position, index in enumerate(column):
            row[index] = position - (len(column) - 1) / 2
    ordered_layers = sorted(columns)
    for sweep in range(SWEEPS):
        sequence = ordered_layers if sweep % 2 == 0 else ordered_layers[::-1]
        for number in sequence:
            column = columns[number]
            column.sort(key=lambda index: _barycentre(index, neighbours, row))
            for position, index in enumerate(column):
                row[index] = position - (len(column) - 1) / 2
    return layer, row


def _barycentre(index, neighbours, row):
    near = neighbours[index]
    if not near:
        return row[index]
    return sum(row[n] for n in near) / len(near)
