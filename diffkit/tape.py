"""Reverse mode: a tape that records each primitive application, and its backward pass.

A :class:`Tape` is a context; while it is open, ops on :class:`Traced` values append a
node (primitive, parents, inputs, output). The record order is a topological order, so
the backward pass is one loop over the nodes in reverse: no recursion, so a chain of
any length works. Cotangents live in a list local to :meth:`Tape.backward` and are
*added* where a value fans out; nothing is stored on the values, so a second backward
pass gives the same answer, not a doubled one.
"""

import numpy as np

from .ops import unbroadcast
from .ops.shapes import shape_of
from .values import BoxedValue

_active_levels = []


class Traced(BoxedValue):
    """A value recorded on a tape: its forward value and its node's index."""

    __slots__ = ("value", "_tape", "_node")
    kind = "traced"

    def __init__(self, value, tape, node):
        self.value = value
        self._tape = tape
        self._node = node

    @property
    def _level(self):
        return self._tape.level

    @property
    def shape(self):
        return shape_of(self.value)

    @property
    def dtype(self):
        return getattr(self.value, "dtype", np.dtype(float))

    def _process(self, primitive, args, params):
        return self._tape.apply(primitive, args, params)

    def _compare(self, op_name, other):
        if isinstance(other, Traced) and other._tape is self._tape:
            other = other.value
        return _COMPARISONS[op_name](self.value, other)

    def __bool__(self):
        return bool(self.value)

    def __repr__(self):
        return f"Traced({self.value!r})"


_COMPARISONS = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


class Tape:
    """Records primitive applications on :class:`Traced` values; use as a context."""

    def __init__(self):
        self.nodes = []  # (primitive, parent node ids or None, args, params, output)
        self.level = None

    def __enter__(self):
        self.level = len(_active_levels) + 1
        _active_levels.append(self)
        return self

    def __exit__(self, *exc_info):
        # Always restore: an exception in the user's program must not leave us recording.
        _active_levels.remove(self)
        return False

    def leaf(self, value):
        """Start recording from ``value``: return its traced stand-in."""
        self.nodes.append((None, (), (), {}, value))
        return Traced(value, self, len(self.nodes) - 1)

    def apply(self, primitive, args, params):
        values = []
        parents = []
        traced = False
        for arg in args:
            if isinstance(arg, Traced) and arg._tape is self:
                values.append(arg.value)
                parents.append(arg._node)
                traced = True
            else:
                values.append(arg)
                parents.append(None)
        out = primitive(*values, **params)
        if not traced:
            return out
        self.nodes.append((primitive, parents, values, params, out))
        return Traced(out, self, len(self.nodes) - 1)

    def backward(self, output, seed, wrt):
        """Cotangents of the leaves ``wrt`` (Traced values) for ``output`` seeded with ``seed``.

        A leaf the output does not depend on gets ``None``.
        """
        nodes = self.nodes
        cotangents = [None] * len(nodes)
        if not (isinstance(output, Traced) and output._tape is self):
            return [None] * len(wrt)
        cotangents[output._node] = seed
        keep = {leaf._node for leaf in wrt}
        for index in range(output._node, -1, -1):
            g = cotangents[index]
            if g is None:
                continue
            primitive, parents, args, params, out = nodes[index]
            if primitive is None:
                continue
            if index not in keep:
                cotangents[index] = None  # free memory as soon as it is spent
            for position, parent in enumerate(parents):
                if parent is None:
                    continue
                rule = primitive.vjp_rule(position)
                if rule is None:
                    continue
                if primitive.singular:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        contribution = _strong_zero(g, rule(g, out, *args, **params))
                else:
                    contribution = rule(g, out, *args, **params)
                if contribution is None:
                    continue
                if primitive.broadcasting:
                    contribution = unbroadcast(contribution, shape_of(args[position]))
                previous = cotangents[parent]
                cotangents[parent] = contribution if previous is None else previous + contribution
        return [cotangents[leaf._node] for leaf in wrt]

    def stats(self):
        """Nodes recorded and bytes of arrays the backward pass holds on to."""
        seen = {}
        operations = 0
        for primitive, _, args, _, out in self.nodes:
            if primitive is None:
                continue
            operations += 1
            for value in (*args, out):
                if isinstance(value, np.ndarray):
                    seen[id(value)] = value.nbytes
                elif isinstance(value, (float, np.floating)):
                    seen[id(value)] = 8
        return {"nodes": operations, "bytes_held": int(sum(seen.values()))}


def _strong_zero(g, contribution):
    """0 * inf from a branch not taken (``where``) is 0, not NaN."""
    if contribution is None:
        return None
    if isinstance(contribution, np.ndarray) and contribution.dtype.kind in "fc":
        if not np.isfinite(contribution).all():
            return np.where(np.broadcast_to(g, contribution.shape) == 0, 0.0, contribution)
    elif isinstance(contribution, (float, np.floating)) and not np.isfinite(contribution):
        if not isinstance(g, BoxedValue) and np.all(g == 0):
            return 0.0
    return contribution


def active_tapes():
    """How many tapes are recording right now (0 outside a differentiation)."""
    return len(_active_levels)
