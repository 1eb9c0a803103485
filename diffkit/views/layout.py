"""Layered left-to-right layout: inputs on the left, the output on the right.

An operation sits one layer right of its deepest input (longest path from the inputs);
then every node but the output moves right until it sits just left of its first
consumer, so a bias used in the last layer, or ``1 - y`` computed from data, is not
drawn far away at the start. Within a layer, nodes are ordered by the mean
position of their neighbours (a few barycentre sweeps), which removes most crossings
in the graphs of lecture examples without any optimisation library.

A graph deeper than ``BAND_LAYERS`` layers (an unrolled loop) is folded into bands
stacked top to bottom and read like lines of text, so a long chain stays legible
instead of becoming one strip thousands of pixels wide.
"""

SWEEPS = 4
BAND_LAYERS = 20


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


def layered_layout(trace, layer_gap=1.0, row_gap=1.0, band_layers=BAND_LAYERS):
    """Node index -> (x, y): x grows with the layer, rows centred on y = 0 (in the first band)."""
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
    band_height = (max(len(column) for column in columns.values()) + 1.5) * row_gap
    positions = {}
    for index in row:
        band, position = divmod(layer[index], band_layers)
        positions[index] = (position * layer_gap, -row[index] * row_gap - band * band_height)
    return positions


def _barycentre(index, neighbours, row):
    near = neighbours[index]
    if not near:
        return row[index]
    return sum(row[n] for n in near) / len(near)
