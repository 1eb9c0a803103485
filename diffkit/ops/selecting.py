"""``select``: the first of several choices whose condition holds, as ``np.select``.

Why it is built, not a primitive: ``np.select(conditions, choices, default)`` is a chain of
``where``, the last condition innermost, so the first condition that holds wins, as in
NumPy. Each choice then gets the gradient where it is the one chosen and 0 elsewhere, in
every method (a symbolic condition becomes a symbolic selection, as in ``dk.where``).
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.values import BoxedValue
from .elementwise import where


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
