"""Helpers that lift scalar SymPy functions to object arrays of expressions."""

import functools

import numpy as np
from ..core.lazy import LazyModule, sympy

from .shapes import normalize_axes


functions = LazyModule(f"{__package__}.sympy_functions")
"""diffkit's own SymPy objects (``Where``, ``NanConstant``), imported at first use."""


def as_object_array(value):
    """Wrap a result (scalar expression or array) as a NumPy object array."""
    if isinstance(value, np.ndarray):
        return value if value.dtype == object else value.astype(object)
    array = np.empty((), dtype=object)
    array[()] = value
    return array


def elementwise(scalar_function, nin=1):
    """Lift ``scalar_function`` of SymPy scalars to broadcasting object arrays.

    ``scalar_function`` may be the name of a SymPy function (``"exp"``): it is looked up
    at the first call, so declaring the op table does not import SymPy.
    """
    resolved = []

    def scalar():
        if not resolved:
            function = getattr(sympy, scalar_function) if isinstance(scalar_function, str) else scalar_function
            resolved.append((function, np.frompyfunc(function, nin, 1)))
        return resolved[0]

    def face(*arrays, **params):
        function, ufunc = scalar()
        if params:
            bound = np.frompyfunc(functools.partial(function, **params), nin, 1)
            return as_object_array(bound(*arrays))
        return as_object_array(ufunc(*arrays))

    name = scalar_function if isinstance(scalar_function, str) else getattr(scalar_function, "__name__", "op")
    face.__name__ = f"sympy_{name}"
    face.__doc__ = f"SymPy face: {name} applied to each element."
    return face


def elementwise_any_arity(scalar_function):
    """:func:`elementwise` with the number of operands read from each call.

    A user's scalar SymPy function (``lambda x: sympy.log(1 + sympy.exp(x))``) becomes the
    face of an elementwise op without saying how many operands it takes.
    """
    faces = {}

    def face(*arrays, **params):
        lifted = faces.get(len(arrays))
        if lifted is None:
            lifted = faces[len(arrays)] = elementwise(scalar_function, len(arrays))
        return lifted(*arrays, **params)

    face.__name__ = f"sympy_{getattr(scalar_function, '__name__', 'op')}"
    face.__doc__ = f"SymPy face: {scalar_function!r} applied to each element."
    return face


def sum_along(array, axis=None, keepdims=False):
    """Sum an object array with one n-ary ``sympy.Add`` per output entry."""
    return reduce_along(array, sympy.Add, axis=axis, keepdims=keepdims)


def reduce_along(array, combine, axis=None, keepdims=False):
    """Reduce an object array over ``axis`` with one n-ary ``combine(*entries)`` per output entry."""
    array = as_object_array(array)
    ndim = array.ndim
    axes = normalize_axes(axis, ndim)
    kept = [a for a in range(ndim) if a not in axes]
    moved = np.transpose(array, kept + list(axes))
    kept_shape = tuple(array.shape[a] for a in kept)
    rows = moved.reshape(kept_shape + (-1,))
    result = np.empty(kept_shape, dtype=object)
    for index in np.ndindex(*kept_shape):
        result[index] = combine(*rows[index])
    if keepdims:
        result = result.reshape(tuple(1 if a in axes else n for a, n in enumerate(array.shape)))
    return result


def derivative(expression, *symbols):
    """``sympy.diff(expression, *symbols)`` with the kink convention in force applied.

    SymPy differentiates the kink faces (``Max``, ``Min``, ``Abs``) into ``Heaviside(u)``,
    whose value at 0 is SymPy's 1/2, and ``sign(u)``, which is 0 at 0. Under another
    ``dk.kinks`` setting each step takes the convention's value at its jump, as the tape's
    rules do; under the default "mean" the derivative is SymPy's own, untouched.
    """
    return with_kink_convention(sympy.diff(expression, *symbols))


def with_kink_convention(expression):
    """``expression`` with every step set to the kink convention's value at its jump, and every
    tie of a max or min reduction weighted by it (:class:`~diffkit.ops.sympy_functions.TieWeight`)."""
    from ..core.kinks import kink_convention, sign_at_jump, step_at_jump

    step, at_jump = step_at_jump(), sign_at_jump()
    if (step, at_jump) == (0.5, 0.0) or not isinstance(expression, sympy.Basic):
        return expression
    value = sympy.Rational(step)
    convention = kink_convention()
    expression = expression.replace(lambda node: isinstance(node, functions.TieWeight), lambda node: node.under(convention))

    def step_with_value(argument, *_):
        return sympy.Heaviside(argument, value)

    def sign_with_value(argument):
        return sympy.Piecewise((sympy.Rational(at_jump), sympy.Eq(argument, 0)), (sympy.sign(argument), True))

    expression = expression.replace(sympy.Heaviside, step_with_value)
    if at_jump != 0:
        expression = expression.replace(sympy.sign, sign_with_value)
    return expression


def distinct_nodes(expressions):
    """Every distinct subexpression of SymPy ``expressions``, children before parents.

    Each is visited once, iteratively: SymPy's own walks (``has``, ``atoms``,
    ``free_symbols``) follow the tree, which a program's loop makes exponentially larger
    than the DAG SymPy stores.
    """
    seen = set()
    order = []
    stack = [(e, False) for e in expressions]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in node.args if child not in seen)
    return order
