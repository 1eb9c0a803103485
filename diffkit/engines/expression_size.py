"""Sizes of SymPy expressions, measured without expanding shared subtrees.

``tree_size`` is the number of operations the expression has written out as a tree
(what printing it would show); ``dag_size`` counts each distinct subexpression once
(what it costs in memory); ``cse_size`` is the operation count after SymPy's
common-subexpression elimination (what evaluating it costs). An n-ary sum or product
of k terms counts as k - 1 operations, as ``sympy.count_ops`` counts them. All three
walk the graph iteratively, so deep expressions do not hit the recursion limit.
"""

from ..core.lazy import sympy
from .dag import distinct_nodes, sortable


def _weight(node):
    if node.is_Atom or not node.args:
        return 0
    if node.is_Add or node.is_Mul:
        return len(node.args) - 1
    return 1


def tree_size(expressions):
    """Total operations of the expressions written out as trees (can be astronomically large)."""
    expressions = _as_list(expressions)
    size = {}
    for node in distinct_nodes(expressions):
        size[node] = _weight(node) + sum(size[child] for child in node.args)
    return int(sum(size[e] for e in expressions))


def dag_size(expressions):
    """Operations counted once per distinct subexpression, shared across all expressions."""
    return int(sum(_weight(node) for node in distinct_nodes(_as_list(expressions))))


def cse_size(expressions):
    """Operations after common-subexpression elimination, and the eliminated form."""
    replacements, reduced = sympy.cse(sortable(_as_list(expressions)))
    total = sum(tree_size([rhs]) for _, rhs in replacements) + tree_size(reduced)
    return int(total), (replacements, reduced)


def _as_list(expressions):
    if isinstance(expressions, sympy.Basic):
        return [expressions]
    return [sympy.sympify(e) for e in expressions]

