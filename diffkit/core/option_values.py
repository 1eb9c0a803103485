"""What the ops' options take (``axis=``, ``keepdims=``, a shape...), to name a wrong one.

Consulted only after NumPy (or SymPy's face) has refused a call with a TypeError, so the
ops pay nothing for it: the message then says which option held what, and what it takes,
instead of NumPy's "'str' object cannot be interpreted as an integer".
"""

import numpy as np

from .. import errors
from .frames import user_location

_KINDS = {
    "axis": "axis", "axis1": "axis", "axis2": "axis", "source": "axis", "destination": "axis", "axes": "axes",
    "shape": "shape", "newshape": "shape",
    "reps": "ints", "repeats": "ints", "shift": "ints", "indices_or_sections": "ints", "pad_width": "widths",
    "keepdims": "flag", "ddof": "number", "k": "int",
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
}


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _ints(value):
    return all(map(_is_int, value))


def _takes(kind, name):
    return _TAKES[kind].format(name=name)


def option_mistake(name, value):
    """What is wrong with ``value`` as the option ``name`` (a phrase), or None when nothing known is."""
    kind = _KINDS.get(name)
    if kind in ("axis", "axes"):
        if value is None or _is_int(value) or isinstance(value, tuple) and _ints(value):
            return None
        if isinstance(value, list) and _ints(value):
            return None if kind == "axes" else f"write several axes as a tuple: {name}={tuple(value)!r}"
        return _takes(kind, name)
    if kind in ("shape", "ints"):
        sequence = isinstance(value, (tuple, list, np.ndarray))
        return None if _is_int(value) or sequence and _ints(value) else _takes(kind, name)
    if kind == "widths":
        flat = np.ravel(np.asarray(value, dtype=object)) if isinstance(value, (tuple, list)) else [value]
        return None if _ints(flat) or isinstance(value, np.ndarray) and value.dtype.kind in "iu" else _takes(kind, name)
    if kind == "flag":
        return None if isinstance(value, (bool, np.bool_)) else _takes(kind, name)
    if kind == "number":
        return None if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            else _takes(kind, name)
    if kind == "int":
        return None if _is_int(value) else _takes(kind, name)
    return None


def described(name, value):
    """``name=value (a type)``, shortened, for messages."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{name}={text} (a {type(value).__name__})"


def option_error(op, options):
    """An InputError naming the first of ``options`` (a dict) whose value ``op`` cannot take, or None."""
    for name, value in options.items():
        mistake = option_mistake(name, value)
        if mistake is not None:
            return errors.InputError(
                f"{op} got {described(name, value)} at {user_location() or 'an unknown line'}: {mistake}"
            )
    return None


def refuse_option_values(op, options):
    """Raise :func:`option_error`'s error, if there is one."""
    error = option_error(op, options)
    if error is not None:
        raise error


def refuse_axis_values(axes, given):
    """Raise an InputError when an entry of ``axes`` (from the option ``given``) is not an int."""
    if not _ints(axes):
        raise errors.InputError(
            f"{described('axis', given)} at {user_location() or 'an unknown line'}: {_takes('axis', 'axis')}"
        )


def checked_shape(shape, where):
    """``shape`` (an int or a sequence of ints) as a tuple, or an InputError naming ``where``."""
    mistake = option_mistake("shape", shape)
    if mistake is not None:
        raise errors.InputError(
            f"{where} got {described('shape', shape)} at {user_location() or 'an unknown line'}: {mistake}"
        )
    return tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)
