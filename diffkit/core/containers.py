"""Flatten containers of parameters (dicts, lists, tuples) into leaves and back.

Every method and the gradient checker go through these helpers, so a gradient comes
back in the same structure as the argument it belongs to.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TreeDef:
    """The shape of a container: its kind, its keys and the defs of its children."""

    kind: str  # "leaf", "dict", "list", "tuple" or "namedtuple"
    keys: tuple = ()
    children: tuple = ()
    node_type: Any = None

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(child.num_leaves for child in self.children)


LEAF = TreeDef("leaf")


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
        keys = tuple(range(len(tree)))
        return TreeDef(kind, keys, tuple(_flatten_into(item, leaves) for item in tree))
    leaves.append(tree)
    return LEAF


def unflatten(treedef, leaves):
    """Rebuild the structure described by ``treedef`` from an iterable of leaves."""
    iterator = iter(leaves)
    result = _build(treedef, iterator)
    return result


def _build(treedef, iterator):
    if treedef.kind == "leaf":
        return next(iterator)
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
