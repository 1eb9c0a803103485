"""Conversions NumPy writes as functions: degrees and radians (a constant factor each) and the
real and imaginary parts, all written with existing ops.

``deg2rad`` (``radians``) multiplies by pi/180 and ``rad2deg`` (``degrees``) by 180/pi, the
constants NumPy's ufuncs multiply by, so the values are NumPy's to the bit. diffkit's values
are real: ``real`` is a copy of the value (NumPy's is a view of it) and ``imag`` zeros of its
shape, a constant (no derivative), as NumPy's imaginary part of a real array is.
"""

import math

from .creation import zeros_like
from .elementwise import multiply
from .shaping import copy

_RADIANS_PER_DEGREE = math.pi / 180.0
_DEGREES_PER_RADIAN = 180.0 / math.pi


def deg2rad(x):
    """``np.deg2rad`` (``np.radians``): an angle in degrees, in radians."""
    return multiply(x, _RADIANS_PER_DEGREE)


def rad2deg(x):
    """``np.rad2deg`` (``np.degrees``): an angle in radians, in degrees."""
    return multiply(x, _DEGREES_PER_RADIAN)


radians, degrees = deg2rad, rad2deg


def real(val):
    """``np.real`` of a real value: the value itself, as a copy."""
    return copy(val)


def imag(val):
    """``np.imag`` of a real value: zeros of its shape (a constant)."""
    return zeros_like(val)
