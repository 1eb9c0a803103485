"""Record one evaluation of a program as a graph that keeps every forward value.

The tape keeps only the values its derivative rules read (``add`` keeps neither
operand), which is right for speed but not for a picture: a drawing needs the value of
every node. So a view records through the same door every method uses, the
:class:`~diffkit.core.values.BoxedValue` protocol: each primitive applied to a
:class:`RecordedValue` appends one :class:`RecordedOp` holding its inputs, parameters and
output in full. Nothing else is computed differently: the ops are diffkit's own table.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import errors
from ..ops.shapes import shape_of
from ..core.values import COMPARISONS, BoxedValue

DEFAULT_MAX_NODES = 300


@dataclass
class RecordedOp:
    """One primitive application: parents[i] is the node index of input i (None: a constant)."""

    primitive: Any
    parents: tuple
    inputs: tuple
    params: dict
    output: Any


@dataclass
class RecordedLeaf:
    """A named input of the program; ``differentiated`` is False for data held fixed."""

    name: str
    value: Any
    differentiated: bool = True


@dataclass
class Recording:
    """The nodes of one evaluation in the order they ran (a topological order)."""

    nodes: list = field(default_factory=list)
    max_nodes: int = DEFAULT_MAX_NODES
    operations: int = 0

    def leaf(self, name, value, differentiated=True):
        self.nodes.append(RecordedLeaf(name, value, differentiated))
        return RecordedValue(value, self, len(self.nodes) - 1)

    def record(self, primitive, args, params):
        parents = []
        inputs = []
        for arg in args:
            if isinstance(arg, RecordedValue) and arg._recording is self:
                parents.append(arg._node)
                inputs.append(arg.value)
            else:
                parents.append(None)
                inputs.append(arg)
        output = primitive.evaluate_numeric(inputs, params)
        self.operations += 1
        if self.operations > self.max_nodes:
            raise errors.UnsupportedError(
                f"the traced program ran more than {self.max_nodes} operations; a graph that large "
                "cannot be drawn readably. Trace a smaller example (fewer layers, fewer loop "
                "steps, or array ops instead of loops over entries: an array op is one node), or "
                "pass max_nodes=... to dk.trace if you really want it."
            )
        self.nodes.append(RecordedOp(primitive, tuple(parents), tuple(inputs), dict(params), output))
        return RecordedValue(output, self, len(self.nodes) - 1)


class RecordedValue(BoxedValue):
    """A value of the program being traced: its forward value and its node's index."""

    __slots__ = ("value", "_recording", "_node")
    kind = "traced"
    _level = 0

    def __init__(self, value, recording, node):
        self.value = value
        self._recording = recording
        self._node = node

    @property
    def shape(self):
        return shape_of(self.value)

    @property
    def dtype(self):
        return getattr(self.value, "dtype", np.dtype(float))

    def _process(self, primitive, args, params):
        return self._recording.record(primitive, args, params)

    def _compare(self, op_name, other):
        if isinstance(other, RecordedValue):
            other = other.value
        return COMPARISONS[op_name](self.value, other)

    def __bool__(self):
        return self._truth(self.value)

    def __repr__(self):
        return f"RecordedValue({self.value!r})"

