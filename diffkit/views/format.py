"""Short text for numbers and arrays, shared by the step table and the drawings."""

import numpy as np

MAX_ENTRIES_SHOWN = 6


def format_number(x, digits=4):
    """``-12``, ``0.1966``, ``4.54e-05``: at most ``digits`` significant digits, no trailing zeros."""
    x = float(x)
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


def format_value(value, digits=4, max_entries=MAX_ENTRIES_SHOWN):
    """A scalar as a number; a small array as nested brackets; a large one by its shape."""
    if value is None:
        return ""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return str(value)
    if array.ndim == 0:
        return format_number(array, digits)
    if array.size > max_entries:
        return f"array {'x'.join(map(str, array.shape))}, |.|={format_number(np.linalg.norm(array), 3)}"
    return _nested(array, digits)


def _nested(array, digits):
    if array.ndim == 1:
        return "[" + ", ".join(format_number(v, digits) for v in array) + "]"
    return "[" + ", ".join(_nested(row, digits) for row in array) + "]"


def format_shape(value):
    shape = np.shape(value)
    return "scalar" if not shape else "x".join(map(str, shape))
