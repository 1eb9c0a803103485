"""Entry-wise comparison of a user's gradient with a reference, and the verdict bands.

An entry is correct when yours lies within the reference's error estimate plus your
own rounding (``atol``; an exact reference's estimate is its rounding level, a
finite-difference reference brings its own). Beyond that the bands follow the CS 231n
convention for float64: a relative error ``|a - b| / max(|a|, |b|, tiny)`` below 1e-7
is correct, up to 1e-5 suspicious, above that wrong; ``tiny`` is the smallest normal
float64, so a value of 1e-40 is judged as one of 1 is, and 0 against 0 is no error.
For a less precise dtype both bands are multiplied by
``(eps_dtype / eps_float64) ** (1/3)``, the factor by which the central-difference step
grows, so float32 bands are about 8e-5 and 8e-3 (and float32 checks are weak).

Values rounded by hand (``decimals=3``: printed to three decimals) are judged against
rounding instead of the bands: within half a unit of the last decimal (plus the
reference's estimate) an entry is correct; within one unit it is suspicious, as a value
computed from rounded intermediates can be (the notes' 0.394 = 2 x 0.197 for 0.39322);
beyond that it is wrong.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..engines.noise import ROUNDING_FACTOR, dtype_eps
from ..errors import InputError

CORRECT = "correct"
SUSPICIOUS = "suspicious"
KINK = "non-differentiable point"
WRONG = "wrong"
RANDOM_PASS = "passed random check"

# How bad each verdict is; a group's verdict is its worst member's.
SEVERITY = {CORRECT: 0, RANDOM_PASS: 1, KINK: 2, SUSPICIOUS: 3, WRONG: 4}

TINY = np.finfo(np.float64).tiny  # no larger floor: it would judge every value below it correct
FLOAT64_CORRECT_BELOW = 1e-7
FLOAT64_WRONG_ABOVE = 1e-5
MAX_DECIMALS = 15  # more decimals than float64 holds mean no rounding at all
# An entry whose reference is 0 to within finite-difference noise is 0 up to the reference's
# own rounding: within this many measured standard deviations of that rounding, it is correct.
ZERO_NOISE_FACTOR = 16



def dtype_scale(dtype):
    """How much looser than float64 the checks must be for ``dtype``."""
    return (dtype_eps(dtype) / dtype_eps(np.float64)) ** (1 / 3)


@dataclass(frozen=True)
class Bands:
    """Relative-error thresholds: below ``correct_below`` correct, above ``wrong_above`` wrong."""

    correct_below: float
    wrong_above: float
    dtype: str

    def describe(self):
        return (
            f"{self.dtype}: relative error < {self.correct_below:.1e} correct, "
            f"<= {self.wrong_above:.1e} suspicious, above wrong"
        )


def bands_for(dtype, rtol=None):
    """The verdict bands for ``dtype``; ``rtol`` (if given) replaces the wrong threshold.

    With an explicit ``rtol`` the correct band is ``rtol / 100``, keeping the ratio of
    the default bands.
    """
    name = np.dtype(dtype).name if np.dtype(dtype).kind == "f" else "float64"
    rtol = tolerance_option("rtol", rtol)
    if rtol is not None:
        return Bands(rtol / 100, rtol, name)
    scale = dtype_scale(dtype)
    return Bands(FLOAT64_CORRECT_BELOW * scale, FLOAT64_WRONG_ABOVE * scale, name)


TOLERANCES = {
    "rtol": ("a positive number", "the relative error above which an entry is wrong, e.g. rtol=1e-4",
             "the dtype's band"),
    "atol": ("a non-negative number", "the absolute error at or below which an entry is correct, e.g. atol=1e-8",
             "the reference's rounding level"),
}


def tolerance_option(name, value):
    """``rtol`` or ``atol`` as a float (None stays None); an InputError naming the accepted values."""
    if value is None:
        return None
    kind, meaning, default = TOLERANCES[name]
    number = float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else None
    if number is None or not np.isfinite(number) or not (number > 0 if name == "rtol" else number >= 0):
        raise InputError(f"{name} must be {kind} ({meaning}), or None for {default}; got {value!r}")
    return number


def _count_option(name, value, meaning):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise InputError(f"{name} must be a non-negative int ({meaning}); got {value!r}")
    return int(value)


def validate_options(rtol=None, atol=None, seed=0, shown=0, decimals=None):
    """Check the options every check takes, before any of the user's code runs."""
    tolerance_option("rtol", rtol)
    tolerance_option("atol", atol)
    decimals_option(decimals)
    _count_option("seed", seed, "the seed of the random directions and upstream gradient, e.g. seed=0")
    _count_option("shown", shown, "how many of the worst entries to print per argument, e.g. shown=5")


def absolute_error(a, b):
    """``|a - b|`` entry by entry: 0 where they are equal (the same infinity too), NaN where only one
    is infinite or either is NaN (judged wrong by :func:`classify`)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(a == b, 0.0, np.abs(a - b))


def relative_error(a, b):
    """``|a - b| / max(|a|, |b|, tiny)`` entry by entry (0 where both are equal, the same infinity too)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return absolute_error(a, b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), TINY)


def classify(rel_error, abs_error, bands, atol, decimals=None, units=1.0):
    """The verdict for one comparison: below ``atol`` in absolute terms counts as correct.

    With ``decimals`` (a rounded value), the bands give way to the rounding: within
    ``atol`` plus half a unit of the last decimal correct, within one unit suspicious
    (``units`` of them for a combination of rounded values, sum(yours * v) along v: |v|_1).
    An error that is not finite (an infinite or NaN value on either side) is wrong, whatever
    the tolerance: your own rounding of an infinite value is infinite too.
    """
    if not math.isfinite(abs_error):
        return WRONG
    if decimals is not None:
        unit = units * 10.0**-decimals
        if abs_error <= atol + unit / 2:
            return CORRECT
        return SUSPICIOUS if abs_error <= atol + unit else WRONG
    if abs_error <= atol or rel_error < bands.correct_below:
        return CORRECT
    if rel_error <= bands.wrong_above:
        return SUSPICIOUS
    return WRONG


def decimals_option(decimals):
    """``decimals`` as an int (None stays None); an InputError naming the accepted values."""
    if decimals is None:
        return None
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) or not 0 <= decimals <= MAX_DECIMALS:
        raise InputError(
            f"decimals must be a whole number from 0 to {MAX_DECIMALS} (the decimals your values were rounded to, "
            f"e.g. decimals=3 for 0.197), or None for values not rounded by hand; got {decimals!r}"
        )
    return int(decimals)


def own_rounding(yours, dtype, decimals=None):
    """Per entry, the rounding your values carry: float rounding, or half a unit of the last decimal."""
    yours = np.abs(np.asarray(yours, dtype=np.float64))
    if decimals is not None:
        return np.zeros_like(yours)  # classify() adds the half unit itself
    return ROUNDING_FACTOR * dtype_eps(dtype) * yours


def implied_decimals(values):
    """The fewest decimals (up to MAX_DECIMALS) that write every value exactly: 3 for -0.197 and 0.394."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    for decimals in range(MAX_DECIMALS + 1):
        if np.all(np.round(values, decimals) == values):
            return decimals
    return None


def worst(verdicts, default=CORRECT):
    """The most severe of ``verdicts``."""
    verdicts = list(verdicts)
    return max(verdicts, key=SEVERITY.__getitem__) if verdicts else default


def passes(verdict):
    """Whether a verdict lets a check pass: everything but wrong."""
    return verdict != WRONG
