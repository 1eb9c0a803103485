"""Walking and rewriting SymPy expressions as the DAGs they are.

SymPy shares equal subexpressions, so an expression built by a loop is a DAG whose tree
can be exponentially larger; SymPy's own walks (``xreplace``, ``atoms``, ``has``) follow
the tree. These visit each distinct subexpression once, iteratively (no recursion limit).
The rewrites run before SymPy's CSE and printing: ``nan`` made sortable, and a product
with a selection made a selection, as the tape's ``where`` is.
"""

from ..core.lazy import sympy
from ..ops.sympy_faces import distinct_nodes

__all__ = ["distinct_nodes", "rewrite", "selections_kept", "sortable"]


def rewrite(expressions, rule):
    """The expressions rebuilt bottom-up, once per distinct subexpression: ``rule(node, args)``
    gets each node with its rewritten arguments and returns the node to use (or None: the
    node rebuilt from those arguments, itself when none changed)."""
    basics = [e for e in expressions if isinstance(e, sympy.Basic)]
    rebuilt = {}
    for node in distinct_nodes(basics):
        args = tuple(rebuilt[arg] for arg in node.args)
        new = rule(node, args)
        if new is None:
            new = node.func(*args) if any(a is not b for a, b in zip(args, node.args)) else node
        rebuilt[node] = new
    return [rebuilt[e] if isinstance(e, sympy.Basic) else e for e in expressions]


def sortable(expressions):
    """The expressions with SymPy's ``nan`` written as a NaN constant symbol.

    SymPy's CSE sorts arguments by comparing them, and ``nan`` compares to nothing (a
    TypeError); the symbol prints as NaN all the same. Only rebuilt when there is a
    ``nan`` to replace.
    """
    from ..ops.sympy_faces import functions

    nan = sympy.S.NaN
    if not any(node is nan for node in distinct_nodes([e for e in expressions if isinstance(e, sympy.Basic)])):
        return expressions
    return rewrite(expressions, lambda node, args: functions.NanConstant() if node is nan else None)


def selections_kept(expressions):
    """Each product with a factor ``WhereSlope(c, 0, b)`` written ``WhereSlope(c, 0, product with b)``.

    SymPy's chain rule makes ``d tanh(where(c, nan, x))`` the product
    ``tanh'(..) * WhereSlope(c, 0, 1)``, which floating point evaluates to NaN * 0 = NaN; the
    tape's ``where`` selects instead, and sends 0 to the branch not taken whatever arrives.
    As a selection, the product is 0 there too. Only a branch that is exactly 0 moves the
    product (nothing is written twice), and only a derivative's selection: a ``Where`` of
    the program's values multiplies, as on the tape.
    """
    from ..ops.sympy_faces import functions

    def rule(node, args):
        if not node.is_Mul or not any(isinstance(arg, functions.WhereSlope) for arg in args):
            return None
        return _select(args, functions.WhereSlope)

    return rewrite(expressions, rule)


def _select(factors, where):
    for position, factor in enumerate(factors):
        if isinstance(factor, where) and (factor.args[1].is_zero or factor.args[2].is_zero):
            condition, a, b = factor.args
            rest = factors[:position] + factors[position + 1:]
            if a.is_zero:
                return where(condition, 0, _select_product(rest + (b,), where))
            return where(condition, _select_product(rest + (a,), where), 0)
    return sympy.Mul(*factors)


def _select_product(factors, where):
    product = sympy.Mul(*factors)
    return _select(product.args, where) if product.is_Mul else product
