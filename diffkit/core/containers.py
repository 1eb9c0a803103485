"""Flatten containers of parameters (dicts, lists, tuples) into leaves and back.

Every method and the gradient checker go through these helpers, so a gradient comes
back in the same structure as the argument it belongs to.
"""

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TreeDef:
    """The shape of a container: its kind, its keys and the defs of its children."""

    kind: str  # "leaf", "dict", "list", "tuple" or "namedtuple"
    keys: tuple = ()
    children: tuple = ()
    node_type: Any = None

    def __post_init__(self):
        # Counted once: packing a gradient asks for it per argument, every call.
        count = 1 if self.kind == "leaf" else sum(child.num_leaves for child in self.children)
        object.__setattr__(self, "num_leaves", count)
        object.__setattr__(self, "flat", self.kind != "leaf" and all(child.kind == "leaf" for child in self.children))


LEAF = TreeDef("leaf")

# Leaves met directly, without a call per item (a list of hundreds of numbers is common).
PLAIN_LEAVES = frozenset((float, int, np.float64, np.ndarray))


def flatten(tree):
    """Return ``(leaves, treedef)`` for a nested dict/list/tuple structure."""
    leaves = []
    treedef = _flatten_into(tree, leaves)
    return leaves, treedef


def _flatten_into(tree, leaves):
    if isinstance(tree, dict):
        keys = tuple(tree.keys())
        return TreeDef("dict", keys, tuple(_flatten_into(tree[k], leaves) for k in keys))
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        children = tuple(_flatten_into(item, leaves) for item in tree)
        return TreeDef("namedtuple", tuple(tree._fields), children, type(tree))
    if isinstance(tree, (list, tuple)):
        kind = "list" if isinstance(tree, list) else "tuple"
        if set(map(type, tree)) <= PLAIN_LEAVES:  # a list of numbers or arrays
            leaves.extend(tree)
            return flat_sequence(kind, len(tree))
        keys = tuple(range(len(tree)))
        return TreeDef(kind, keys, tuple(_flatten_into(item, leaves) for item in tree))
    leaves.append(tree)
    return LEAF


_FLAT_SEQUENCES = {}


def flat_sequence(kind, length):
    """The (shared, immutable) def of a list or tuple of ``length`` leaves."""
    treedef = _FLAT_SEQUENCES.get((kind, length))
    if treedef is None:
        treedef = TreeDef(kind, tuple(range(length)), (LEAF,) * length)
        if len(_FLAT_SEQUENCES) < 1024:
            _FLAT_SEQUENCES[(kind, length)] = treedef
    return treedef


def unflatten(treedef, leaves):
    """Rebuild the structure described by ``treedef`` from an iterable of leaves."""
    iterator = iter(leaves)
    result = _build(treedef, iterator)
    return result


def _build(treedef, iterator):
    if treedef.kind == "leaf":
        return next(iterator)
    if treedef.flat:
        children = list(itertools.islice(iterator, len(treedef.children)))
    else:
        children = [_build(child, iterator) for child in treedef.children]
    if treedef.kind == "dict":
        return dict(zip(treedef.keys, children))
    if treedef.kind == "list":
        return children
    if treedef.kind == "namedtuple":
        return treedef.node_type(*children)
    return tuple(children)


def leaf_paths(treedef, prefix):
    """Readable names of each leaf: ``W1``, ``params.W1``, ``layers[0]``..."""
    paths = []
    _paths_into(treedef, prefix, paths)
    return paths


def _paths_into(treedef, prefix, paths):
    if treedef.kind == "leaf":
        paths.append(prefix)
        return
    for key, child in zip(treedef.keys, treedef.children):
        if treedef.kind in ("dict", "namedtuple"):
            name = f"{prefix}.{key}" if prefix else str(key)
        else:
            name = f"{prefix}[{key}]"
        _paths_into(child, name, paths)
