"""Polynomials and sliding products: ``polyval``, ``convolve`` and ``correlate``, with NumPy's rules.

Each is written with existing ops (products, sums, slices and an integer-array read), so
every method differentiates it with no rule of its own, in every argument:

- ``polyval(p, x)`` is Horner's scheme started from zeros shaped like ``x``, the loop
  NumPy runs, so its values are NumPy's to the bit;
- ``correlate(a, v)`` is ``c[k] = sum_n a[n + k] v[n]`` over the shifts ``mode`` keeps:
  each output reads a window of ``a`` (padded with zeros where the window hangs over an
  end) by an integer-array index, times ``v``, summed. NumPy swaps the arguments when
  ``v`` is the longer and reverses the result, which moves the window ``mode="same"``
  keeps; this does the same. ``convolve(a, v)`` is NumPy's ``correlate`` of the longer
  with the shorter reversed. The values are NumPy's to rounding: NumPy sums each window
  with BLAS's dot, diffkit with ``sum`` (pairwise), which agree to the bit for windows of
  up to 8 entries and differ in the last bits beyond.
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.option_values import described
from .arrays import concatenate, getitem, reshape, sum
from .shapes import as_operand, shape_error, shape_of

_MODES = {"valid": 0, "same": 1, "full": 2}
_REVERSED = (slice(None, None, -1),)


def polyval(p, x):
    """``np.polyval``: p[0] x^(n-1) + ... + p[n-1] by Horner's scheme; ``p`` an array or a list
    (whose entries may be diffkit values), highest power first."""
    if isinstance(p, (list, tuple)):
        coefficients = [as_operand(c) for c in p]
    else:
        p = as_operand(p)
        if not shape_of(p):
            raise shape_error(
                "polyval", "p is the coefficients, highest power first: an array of at least one axis or a list; "
                           "got a number (write [p] for a constant polynomial)"
            )
        coefficients = [getitem(p, index=k) for k in range(shape_of(p)[0])]
    x = as_operand(x)
    result = np.zeros(shape_of(x))  # NumPy's zeros_like(x): the first step gives p[0], as NumPy's does
    for c in coefficients:
        result = result * x + c
    return result


def _mode(name, mode):
    """NumPy's mode code (0 valid, 1 same, 2 full) of a mode name (or of the code itself)."""
    if isinstance(mode, str) and mode in _MODES:
        return _MODES[mode]
    if type(mode) is int and mode in (0, 1, 2):
        return mode
    raise errors.InputError(
        f"dk.{name} got {described('mode', mode)} at {user_location() or 'an unknown line'}: "
        "mode is 'valid', 'same' or 'full'"
    )


def _vector(name, role, a, atleast_1d):
    """``a`` as a 1-D operand of ``name``, a number read as one entry when ``atleast_1d`` (convolve's
    rule; correlate refuses it as NumPy does)."""
    a = as_operand(a)
    shape = shape_of(a)
    if not shape and atleast_1d:
        return reshape(a, shape=(1,))
    if len(shape) != 1:
        raise shape_error(name, f"takes 1-D arrays; {role} has shape {tuple(shape)} (ravel it, or loop over its rows)")
    if shape[0] == 0:
        raise shape_error(name, f"{role} is empty: there is nothing to slide")
    return a


def _correlation(a, v, mode):
    """NumPy's correlation of ``a`` with a ``v`` no longer than it: output j is the sum over n of
    a[j - left + n] v[n] (a read as 0 outside), for the outputs ``mode`` keeps."""
    m, n = shape_of(a)[0], shape_of(v)[0]
    left, length = ((0, m - n + 1), (n // 2, m), (n - 1, m + n - 1))[mode]
    right = length - 1 - left + n - 1 - (m - 1)
    if left or right:
        a = concatenate(*[part for part in (np.zeros(left), a, np.zeros(right)) if shape_of(part)[0]], axis=0)
    windows = np.arange(length)[:, None] + np.arange(n)[None, :]
    return sum(getitem(a, index=windows) * v, axis=-1)


def correlate(a, v, mode="valid"):
    """``np.correlate`` of real 1-D arrays: c[k] = sum_n a[n + k] v[n], the shifts ``mode`` keeps."""
    mode = _mode("correlate", mode)
    a, v = _vector("correlate", "a", a, False), _vector("correlate", "v", v, False)
    if shape_of(v)[0] > shape_of(a)[0]:  # NumPy's order: the longer first, the result reversed
        return getitem(_correlation(v, a, mode), index=_REVERSED)
    return _correlation(a, v, mode)


def convolve(a, v, mode="full"):
    """``np.convolve`` of 1-D arrays: (a * v)[k] = sum_n a[n] v[k - n], the shifts ``mode`` keeps."""
    mode = _mode("convolve", mode)
    a, v = _vector("convolve", "a", a, True), _vector("convolve", "v", v, True)
    if shape_of(v)[0] > shape_of(a)[0]:  # convolution is symmetric; NumPy slides the shorter
        a, v = v, a
    return _correlation(a, getitem(v, index=_REVERSED), mode)
