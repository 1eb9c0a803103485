"""The positions of nonzero entries: ``nonzero``, ``argwhere``, ``flatnonzero``.

Like ``dk.argmax``, these are plain integers read from the values, with no derivative:
indexing with them (``x[np.nonzero(x > 0)]``) selects entries, and the selection carries
the derivative. On the tape and in forward mode a mask is a plain array already and
NumPy answers alone; these ops answer when the condition is itself a diffkit value: a
symbolic mask, whose numbers the symbolic methods read when SymPy can decide them (else
:class:`~diffkit.errors.SymbolicControlFlowError`), or a mask recorded by
``dk.compile_grad``, whose code recomputes the positions and refuses
(:class:`~diffkit.errors.ControlFlowChangedError`) a call where they come out different.
"""

import numpy as np

from ..core.values import read_position
from .arrays import getitem
from .shapes import shape_error, shape_of


def argwhere(a):
    """The index of every nonzero entry of ``a``, one row each (``np.argwhere``)."""
    return read_position(np.argwhere, (a,), {})


def nonzero(a):
    """The indices of the nonzero entries of ``a``, one array per axis (``np.nonzero``,
    ``np.where(condition)``): the columns of :func:`argwhere`."""
    ndim = len(shape_of(a))
    if not ndim:
        raise shape_error("nonzero", "got a number (a 0-d array), which has no positions: NumPy refuses it too; "
                                     "make it an array of one entry with dk.atleast_1d first")
    positions = argwhere(a)
    return tuple(getitem(positions, index=(slice(None), axis)) for axis in range(ndim))


def flatnonzero(a):
    """The positions of the nonzero entries of ``a`` flattened (``np.flatnonzero``)."""
    return read_position(np.flatnonzero, (a,), {})
