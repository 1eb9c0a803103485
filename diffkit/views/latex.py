"""A symbolic derivative shown as LaTeX in Jupyter, with its size.

``dk.symbolic_derivative(f, *args)`` runs the symbolic method and wraps what it derived:
the program as one expression, and the partial derivative for every differentiated
entry, printed by SymPy, beside the sizes the method measured (tree, DAG, after CSE).
A derivative too large to read is shown by its size alone: that is the lesson of
expression swell, and printing a megabyte of LaTeX would hide it.
"""

from ..core.keywords import refuses_unknown_keywords
from ..core.lazy import sympy

from .. import errors
from ..api import gradient
from ..engines.expression_size import tree_size
from ..core.problem import Problem
from .tikz import tex_escape

LARGEST_PRINTED = 400  # operations (tree size) above which an expression is shown by its size


class SymbolicDerivative:
    """The symbolic method's result for ``f`` at a point: expressions, their LaTeX and sizes."""

    def __init__(self, result, entry_names, name):
        expressions = result.expressions or {}
        self.result = result
        self.name = name
        self.value_expression = expressions.get("value")
        self.symbols = list(expressions.get("symbols", []))
        self.entry_names = list(entry_names)
        self.derivatives = dict(zip(self.entry_names, expressions.get("grad", [])))
        self.stats = dict(result.stats)
        # each symbol printed as its entry is on the left of the equations, escaped: a dict key
        # such as "50%" printed raw would start a TeX comment
        self._symbol_tex = {symbol: _entry_tex(symbol.name) for symbol in self.symbols}

    @property
    def sizes(self):
        """Tree, DAG and CSE sizes of the forward expression and of the derivative."""
        keys = ("forward_tree_size", "forward_dag_size", "forward_cse_size",
                "derivative_tree_size", "derivative_dag_size", "derivative_cse_size")
        return {key: self.stats[key] for key in keys if key in self.stats}

    def latex(self, entry=None):
        """LaTeX of the derivative with respect to ``entry`` (a name such as ``x`` or ``W[0,1]``)."""
        if entry is None:
            if len(self.derivatives) != 1:
                raise errors.InputError(f"say which entry to print: one of {', '.join(self.derivatives)}")
            entry = self.entry_names[0]
        if entry not in self.derivatives:
            raise errors.InputError(f"no derivative with respect to {entry!r}; the entries are {', '.join(self.derivatives)}")
        return self._latex(self.derivatives[entry])

    def _latex(self, expression):
        return sympy.latex(expression, symbol_names=self._symbol_tex)

    def _equation(self, left, expression):
        size = tree_size([expression])
        if size > LARGEST_PRINTED:
            return rf"{left} &= \text{{(an expression of {size} operations, not printed)}}"
        return f"{left} &= {self._latex(expression)}"

    def _repr_latex_(self):
        lines = []
        name = self.name or "f"
        if self.value_expression is not None:
            lines.append(self._equation(rf"\mathrm{{{tex_escape(name, math=True)}}}", self.value_expression))
        for entry, expression in self.derivatives.items():
            left = rf"\frac{{\partial\, \mathrm{{{tex_escape(name, math=True)}}}}}{{\partial {_entry_tex(entry)}}}"
            lines.append(self._equation(left, expression))
        sizes = self.sizes
        caption = (
            rf"\text{{sizes (operations): forward tree {sizes.get('forward_tree_size', '?')}, "
            rf"derivative tree {sizes.get('derivative_tree_size', '?')}, DAG "
            rf"{sizes.get('derivative_dag_size', '?')}, after CSE {sizes.get('derivative_cse_size', '?')}}}"
        )
        lines.append(caption)
        return r"$$\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$$"

    def __str__(self):
        parts = [f"{self.name or 'f'} = {self.value_expression}"]
        for entry, expression in self.derivatives.items():
            size = tree_size([expression])
            shown = expression if size <= LARGEST_PRINTED else f"<{size} operations, not printed>"
            parts.append(f"d/d{entry} = {shown}")
        parts.append("sizes: " + ", ".join(f"{key} {value}" for key, value in self.sizes.items()))
        return "\n".join(parts)

    def __repr__(self):
        return f"<SymbolicDerivative of {self.name or 'a program'} by {self.result.method}: {self.sizes}>"


def _entry_tex(entry):
    """``w0`` as SymPy prints the symbol (w_{0}); ``W1[0,2]`` as W1_{[0,2]}; any other name (a
    dict key such as ``layer1.weight`` or ``50%``) upright, its TeX specials escaped."""
    if entry.isidentifier():
        return sympy.latex(sympy.Symbol(entry))
    base, bracket, index = entry.partition("[")
    if not bracket:
        return rf"\mathrm{{{tex_escape(entry, math=True)}}}"
    return rf"\mathrm{{{tex_escape(base, math=True)}}}_{{[{tex_escape(index, math=True)}}}"


@refuses_unknown_keywords
def symbolic_derivative(f, *args, argnums=0, method="symbolic"):
    """Differentiate ``f`` at ``args`` symbolically; the result shows as LaTeX with its size.

    ``method`` is ``"symbolic"`` or ``"symbolic-cse"``: both keep the expressions.
    """
    if method not in ("symbolic", "symbolic-cse"):
        raise errors.InputError(f"symbolic_derivative shows a symbolic method's expressions; method={method!r} keeps none. Use 'symbolic' or 'symbolic-cse'.")
    result = gradient(f, *args, argnums=argnums, method=method)
    entry_names = Problem(f, args, argnums).entry_names()
    return SymbolicDerivative(result, entry_names, getattr(f, "__name__", "f"))
