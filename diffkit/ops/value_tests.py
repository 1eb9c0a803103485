"""Value tests: isnan, isinf, isfinite, isclose and allclose of diffkit values.

Why these are reads, not ops with a derivative: like a comparison (``x > 0``), each is a
plain boolean (an array of them, or one for ``allclose``) read from the values, which is
piecewise constant and has no derivative. So each is :func:`~diffkit.core.values.read_position`
of NumPy's own function, as ``dk.argmax`` is, and every method answers it in its one place:

- the tape, forward mode and the complex step read their plain values (the complex step
  its real part);
- ``dk.compile_grad`` records the test as a mask of its own, which its code recomputes
  (and checks, where the program uses it as an index or a truth value);
- the symbolic methods decide np.isnan, np.isinf and np.isfinite where SymPy knows the
  answer for every input (an input is finite, ``log(x)`` may be NaN) and read isclose and
  allclose from numbers; a test that depends on the symbols raises
  :class:`~diffkit.errors.SymbolicControlFlowError`, as ``x[x > 0]`` does.
"""

import numpy as np

from ..core.option_values import refuse_option_values
from ..core.values import read_position


def isnan(x):
    """Where ``x`` is NaN, as ``np.isnan``: a plain boolean mask, no derivative."""
    return read_position(np.isnan, (x,), {})


def isinf(x):
    """Where ``x`` is +inf or -inf, as ``np.isinf``: a plain boolean mask, no derivative."""
    return read_position(np.isinf, (x,), {})


def isfinite(x):
    """Where ``x`` is neither NaN nor infinite, as ``np.isfinite``: a plain boolean mask, no derivative."""
    return read_position(np.isfinite, (x,), {})


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where ``|a - b| <= atol + rtol * |b|``, as ``np.isclose``: a plain boolean mask, no derivative.
    ``rtol`` and ``atol`` are plain numbers."""
    return read_position(np.isclose, (a, b), _tolerances("dk.isclose", rtol, atol, equal_nan))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every entry of ``a`` is close to ``b``, as ``np.allclose``: one plain boolean."""
    return read_position(np.allclose, (a, b), _tolerances("dk.allclose", rtol, atol, equal_nan))


def _tolerances(op, rtol, atol, equal_nan):
    """The tolerance options, checked for ``op`` (numbers, and a flag)."""
    options = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan}
    refuse_option_values(op, options)
    return options
