"""Entry-wise comparison of a user's gradient with a reference, and the verdict bands.

The bands follow the CS 231n convention for float64: a relative error
``|a - b| / max(|a|, |b|, tiny)`` below 1e-7 is correct, up to 1e-5 suspicious, above
that wrong. For a less precise dtype both bands are multiplied by
``(eps_dtype / eps_float64) ** (1/3)``, the factor by which the central-difference
step grows, so float32 bands are about 8e-5 and 8e-3 (and float32 checks are weak).
"""

import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

CORRECT = "correct"
SUSPICIOUS = "suspicious"
KINK = "non-differentiable point"
WRONG = "wrong"
RANDOM_PASS = "passed random check"

# How bad each verdict is; a group's verdict is its worst member's.
SEVERITY = {CORRECT: 0, RANDOM_PASS: 1, KINK: 2, SUSPICIOUS: 3, WRONG: 4}

TINY = 1e-30
FLOAT64_CORRECT_BELOW = 1e-7
FLOAT64_WRONG_ABOVE = 1e-5
ROUNDING_FACTOR = 16  # rounding of a short chain of float operations, in units of eps
# An entry whose reference is 0 to within finite-difference noise is 0 up to the reference's
# own rounding: within this many measured standard deviations of that rounding, it is correct.
ZERO_NOISE_FACTOR = 16


def dtype_eps(dtype):
    """Machine epsilon of a floating dtype (float64 for anything else)."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype if dtype.kind == "f" else np.float64).eps)


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


def validate_options(rtol=None, atol=None, seed=0, shown=0):
    """Check the options every check takes, before any of the user's code runs."""
    tolerance_option("rtol", rtol)
    tolerance_option("atol", atol)
    _count_option("seed", seed, "the seed of the random directions and upstream gradient, e.g. seed=0")
    _count_option("shown", shown, "how many of the worst entries to print per argument, e.g. shown=5")


def relative_error(a, b):
    """``|a - b| / max(|a|, |b|, tiny)`` entry by entry (0 where both are 0)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), TINY)


def classify(rel_error, abs_error, bands, atol):
    """The verdict for one comparison: below ``atol`` in absolute terms counts as correct."""
    if abs_error <= atol or rel_error < bands.correct_below:
        return CORRECT
    if rel_error <= bands.wrong_above:
        return SUSPICIOUS
    return WRONG


def worst(verdicts, default=CORRECT):
    """The most severe of ``verdicts``."""
    verdicts = list(verdicts)
    return max(verdicts, key=SEVERITY.__getitem__) if verdicts else default


def passes(verdict):
    """Whether a verdict lets a check pass: everything but wrong."""
    return verdict != WRONG
