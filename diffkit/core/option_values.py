"""What the ops' options take (``axis=``, ``keepdims=``, a shape...), to name a wrong one.

Consulted only after NumPy (or SymPy's face) has refused a call with a TypeError, so the
ops pay nothing for it: the message then says which option held what, and what it takes,
instead of NumPy's "'str' object cannot be interpreted as an integer".
"""

import operator

import numpy as np

from .. import errors
from .frames import user_location
from .values import short_repr

_KINDS = {
    "axis": "axis", "axis1": "axis", "axis2": "axis", "axisa": "axis", "axisb": "axis", "axisc": "axis",
    "source": "axis", "destination": "axis", "axes": "axes",
    "shape": "shape", "newshape": "shape",
    "reps": "ints", "repeats": "ints", "shift": "ints", "indices_or_sections": "ints", "pad_width": "widths",
    "keepdims": "flag", "ddof": "number", "k": "int", "n": "int", "kind": "sort kind", "stable": "flag",
    "include_initial": "flag",
    "rtol": "number", "atol": "number", "equal_nan": "flag", "kth": "ints",
}

_TAKES = {
    "axis": "an axis is an int, a tuple of ints or None",
    "axes": "{name} is a tuple or list of ints, or None",
    "shape": "a shape is an int or a tuple of ints",
    "flag": "{name} is True or False",
    "number": "{name} is a number",
    "int": "{name} is an int",
    "ints": "{name} is an int or a tuple of ints",
    "widths": "{name} is an int, a pair of ints (before, after), or one pair per axis",
    "sort kind": "{name} is one of 'quicksort', 'mergesort', 'heapsort', 'stable', or None",
}
_SORT_KINDS = ("quicksort", "mergesort", "heapsort", "stable")


def _is_int(value):
    """An integer NumPy would take as an index: an int, a NumPy integer, a 0-d integer array."""
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _ints(value):
    """A sequence (list, tuple, 1-d array) of integers."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1 and value.dtype.kind in "iu"
    return isinstance(value, (list, tuple)) and all(map(_is_int, value))


def _whole(value):
    """An integer, or a float that is a whole number (NumPy takes ``k=1.0``)."""
    return _is_int(value) or isinstance(value, (float, np.floating)) and float(value).is_integer()


def _takes(kind, name):
    return _TAKES[kind].format(name=name)


def option_mistake(name, value, refused=False):
    """What is wrong with ``value`` as the option ``name`` (a phrase), or None when nothing known is.

    ``refused``: NumPy has refused the call already, so a list of axes (which np.sum refuses,
    and np.roll takes) is named too.
    """
    kind = _KINDS.get(name)
    if kind in ("axis", "axes"):
        if value is None or _is_int(value) or isinstance(value, tuple) and _ints(value):
            return None
        if isinstance(value, list) and _ints(value):
            return f"write several axes as a tuple: {name}={tuple(value)!r}" if refused and kind == "axis" else None
        return _takes(kind, name)
    if kind in ("shape", "ints"):
        return None if _is_int(value) or _ints(value) else _takes(kind, name)
    if kind == "widths":
        if isinstance(value, np.ndarray):
            return None if value.dtype.kind in "iu" else _takes(kind, name)
        flat = np.ravel(np.asarray(value, dtype=object)) if isinstance(value, (tuple, list)) else [value]
        return None if all(map(_is_int, flat)) else _takes(kind, name)
    if kind == "flag":  # NumPy reads keepdims as a truth value: 0 and 1 too
        return None if isinstance(value, (bool, np.bool_)) or _is_int(value) else _takes(kind, name)
    if kind == "number":
        return None if isinstance(value, (int, float, np.integer, np.floating, np.bool_)) else _takes(kind, name)
    if kind == "int":
        return None if _whole(value) else _takes(kind, name)
    if kind == "sort kind":
        return None if value is None or isinstance(value, str) and value in _SORT_KINDS else _takes(kind, name)
    return None


def described(name, value):
    """``name=value (an int)``, shortened, for messages."""
    kind = type(value).__name__
    return f"{name}={short_repr(value)} ({'an' if kind[:1] in 'aeiou' else 'a'} {kind})"


def option_error(op, options, refused=False):
    """An InputError naming the first of ``options`` (a dict) whose value ``op`` cannot take, or None
    (``refused``: as :func:`option_mistake`)."""
    for name, value in options.items():
        mistake = option_mistake(name, value, refused)
        if mistake is not None:
            return errors.InputError(
                f"{op} got {described(name, value)} at {user_location() or 'an unknown line'}: {mistake}"
            )
    return None


def refuse_option_values(op, options, refused=False):
    """Raise :func:`option_error`'s error, if there is one."""
    error = option_error(op, options, refused)
    if error is not None:
        raise error


def refuse_axis_value(axis):
    """Raise an InputError when ``axis`` (an op's option, read by a shape helper that does not know
    the op) is not an int, a sequence of ints or None."""
    mistake = option_mistake("axis", axis)
    if mistake is not None:
        raise errors.InputError(f"{described('axis', axis)} at {user_location() or 'an unknown line'}: {mistake}")


def checked_shape(shape, where):
    """``shape`` (an int or a sequence of ints) as a tuple, or an InputError naming ``where``."""
    mistake = option_mistake("shape", shape)
    if mistake is not None:
        raise errors.InputError(
            f"{where} got {described('shape', shape)} at {user_location() or 'an unknown line'}: {mistake}"
        )
    return (operator.index(shape),) if _is_int(shape) else tuple(map(operator.index, shape))
