"""``select`` and ``piecewise``: a value chosen entry by entry by conditions, as NumPy's.

Why they are built, not primitives: ``np.select(conditions, choices, default)`` is a chain of
``where``, the last condition innermost, so the first condition that holds wins, as in
NumPy. Each choice then gets the gradient where it is the one chosen and 0 elsewhere, in
every method (a symbolic condition becomes a symbolic selection, as in ``dk.where``).
``np.piecewise(x, conditions, functions)`` applies each function to the entries its
condition selects, and writes the result there: item assignments into a ``dk.zeros``
buffer, so each piece's derivative is its function's, and a later condition overrides an
earlier one, as in NumPy. The selection reads the conditions' values: the symbolic methods
refuse a condition on symbols by name.
"""

import functools
import operator


import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.values import BoxedValue
from .creation import zeros_like
from .elementwise import where
from .shapes import as_operand, shape_of


def select(condlist, choicelist, default=0):
    """``choicelist[i]`` where ``condlist[i]`` is the first condition that holds, else ``default``
    (all broadcast together), as ``np.select``. The conditions are masks (``x > 0``, np.isnan(x))."""
    where_ = user_location() or "an unknown line"
    conditions, choices = _listed("condlist", condlist, where_), _listed("choicelist", choicelist, where_)
    if len(conditions) != len(choices):
        raise errors.InputError(
            f"dk.select got {len(conditions)} conditions and {len(choices)} choices at {where_}: give one choice "
            "per condition, as NumPy takes"
        )
    if not conditions:
        raise errors.InputError(f"dk.select got no conditions at {where_}: give at least one, as NumPy takes")
    for position, condition in enumerate(conditions):
        dtype = getattr(condition, "dtype", None) if isinstance(condition, BoxedValue) else np.asarray(condition).dtype
        if dtype is not None and dtype != bool:
            raise errors.InputError(
                f"dk.select got condition {position} of dtype {dtype} at {where_}: a condition is a mask "
                "(x > 0, np.isnan(x)) or booleans, as NumPy takes"
            )
    chosen = default
    for condition, choice in zip(reversed(conditions), reversed(choices)):
        chosen = where(condition, choice, chosen)
    return chosen


def _listed(name, value, where_):
    """``value`` (a list or tuple of arrays, as NumPy takes) as a list, or an InputError naming ``name``."""
    if not isinstance(value, (list, tuple)):
        raise errors.InputError(
            f"dk.select got a {type(value).__name__} as {name} at {where_}: {name} is a list of arrays, as NumPy takes"
        )
    return list(value)


def piecewise(x, condlist, funclist, *args, **kw):
    """``np.piecewise``: ``funclist[i](x[condlist[i]], *args, **kw)`` (or the number ``funclist[i]``)
    where ``condlist[i]`` holds, a later condition overriding an earlier one; one function more
    than conditions applies where none holds; 0 elsewhere."""
    x = as_operand(x)
    conditions = list(condlist) if isinstance(condlist, (list, tuple)) else [condlist]
    functions = list(funclist) if isinstance(funclist, (list, tuple)) else [funclist]
    if len(functions) == len(conditions) + 1:
        conditions.append(~functools.reduce(operator.or_, conditions) if conditions else True)
    elif len(functions) != len(conditions):
        raise errors.InputError(
            f"dk.piecewise got {len(conditions)} conditions and {len(functions)} functions at "
            f"{user_location() or 'an unknown line'}: give one "
            "function (or value) per condition, and at most one more for where no condition holds, as NumPy takes"
        )
    out = zeros_like(x)
    for condition, function in zip(conditions, functions):
        if not callable(function):
            out[condition] = function
            continue
        selected = x[condition]
        if np.prod(shape_of(selected)):  # NumPy calls a function only on entries it selects
            out[condition] = function(selected, *args, **kw)
    return out
