"""Metrics derived from the stored rows: errors against the reference, growth fits.

Errors are measured against the "reference" row of the same program (the gradient at
50 digits): the largest absolute error over the gradient's entries, and the normwise
relative error ``max|g - ref| / max|ref|`` (robust where single entries are zero), and
the true error of every entry, set beside a finite-difference method's own estimate. The
two reference routes are compared the same way. Growth is fitted two ways, as an
exponential in depth (log size linear in depth) and as a power law (log-log linear),
and described by whichever fits better.
"""

from dataclasses import dataclass

import mpmath
import numpy as np

from .cases import REFERENCE, REFERENCE_CHECK
from .reference import DIGITS, agreeing_digits, max_difference


def references_by_program(rows):
    return {r["program_key"]: r for r in rows if r["method"] == REFERENCE and r["status"] == "ok"}


def score(db):
    """Fill ``abs_error``/``rel_error`` of every finished gradient row; return the rows."""
    rows = db.rows()
    references = references_by_program(rows)
    for row in rows:
        reference = references.get(row["program_key"])
        if row["kind"] != "gradient" or row["status"] != "ok" or reference is None or row["method"] == REFERENCE:
            continue
        if row["method"] == REFERENCE_CHECK:
            absolute, relative = max_difference(row["grad_text"], reference["grad_text"])
            entry_errors = None
        else:
            absolute, relative = gradient_errors(row["grad"], reference["grad_text"])
            entry_errors = entry_differences(row["grad"], reference["grad_text"])
        row["abs_error"], row["rel_error"], row["entry_errors"] = absolute, relative, entry_errors
        db.update(row["case_id"], abs_error=absolute, rel_error=relative, entry_errors=entry_errors)
    return rows


def entry_differences(grad, reference_texts):
    """Per entry, the true error |g - ref| of a float64 gradient against 50-digit texts (None if the sizes differ)."""
    if len(grad) != len(reference_texts):
        return None
    with mpmath.workdps(DIGITS + 10):
        return [float(abs(mpmath.mpf(float(g)) - mpmath.mpf(t))) for g, t in zip(grad, reference_texts)]


def gradient_errors(grad, reference_texts):
    """Absolute and normwise relative error of a float64 gradient against 50-digit texts."""
    if len(grad) != len(reference_texts):
        return float("nan"), float("nan")
    return max_difference([repr(float(g)) for g in grad], reference_texts)


HONEST_FACTOR = 100  # an estimate within this factor of the true error is informative


def estimate_honesty(true, estimate, rounding):
    """How honest per-entry error estimates are against the true errors.

    ``covered``: the part of entries whose true error is at most the estimate;
    ``informative``: the part whose estimate is at most ``HONEST_FACTOR`` times the true
    error, or at rounding level (its truncation part no larger than its rounding part:
    rounding sets a floor no estimate can see below).
    """
    true, estimate, rounding = (np.asarray(v, dtype=float) for v in (true, estimate, rounding))
    if not true.size:
        return {"entries": 0, "covered": None, "informative": None}
    covered = true <= estimate
    informative = (estimate <= HONEST_FACTOR * true) | (estimate <= 2 * rounding)
    return {"entries": int(true.size), "covered": float(covered.mean()), "informative": float(informative.mean())}


def reference_agreement(rows):
    """Per program where both routes ran: relative difference and digits in common."""
    agreement = {}
    for row in rows:
        if row["method"] == REFERENCE_CHECK and row["status"] == "ok" and row.get("rel_error") is not None:
            agreement[row["program_key"]] = {
                "program": row["program"],
                "relative": row["rel_error"],
                "digits": agreeing_digits(row["rel_error"]),
            }
    return agreement


@dataclass
class Growth:
    """A fitted growth law of y against x."""

    kind: str  # "exponential" or "power"
    rate: float  # factor per unit of x (exponential) or exponent (power)
    r2: float
    points: int

    def describe(self, quantity, unit, step=None):
        """``unit`` names the x axis (depth); ``step`` one step along it (layer)."""
        if self.kind == "exponential":
            return f"{quantity} grows ×{self.rate:.2f} per {step or unit} (exponential)"
        shape = {0: "stays flat", 1: "grows linearly", 2: "grows quadratically"}.get(round(self.rate))
        if shape and abs(self.rate - round(self.rate)) < 0.25:
            return f"{quantity} {shape} (∝ {unit}^{self.rate:.2f})"
        return f"{quantity} grows as {unit}^{self.rate:.2f}"

    def predict(self, x, x0, y0):
        x = np.asarray(x, dtype=float)
        if self.kind == "exponential":
            return y0 * self.rate ** (x - x0)
        return y0 * (x / x0) ** self.rate


def _r2(y, fitted):
    residual = float(np.sum((y - fitted) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - residual / total if total > 0 else 1.0


def fit_growth(xs, ys):
    """Fit y = a·b^x and y = a·x^k to positive data; the better fit (None if < 3 points).

    With six points or more only the larger half (plus one) is fitted, so that small
    sizes, where constant overheads dominate, do not decide the growth law.
    """
    pairs = [(float(x), float(y)) for x, y in zip(xs, ys) if x is not None and y and y > 0 and x > 0]
    if len(pairs) < 3 or len({x for x, _ in pairs}) < 3:
        return None
    pairs = sorted(pairs)
    if len(pairs) >= 6:  # growth is about large sizes: fit the larger half
        pairs = pairs[len(pairs) // 2 - 1:]
    x, y = (np.array(v) for v in zip(*pairs))
    log_y = np.log(y)
    slope_e, intercept_e = np.polyfit(x, log_y, 1)
    r2_e = _r2(log_y, slope_e * x + intercept_e)
    slope_p, intercept_p = np.polyfit(np.log(x), log_y, 1)
    r2_p = _r2(log_y, slope_p * np.log(x) + intercept_p)
    # Prefer the power law unless the exponential leaves clearly less unexplained and really grows.
    if (1 - r2_e) < 0.5 * (1 - r2_p) and slope_e > np.log(1.15):
        return Growth("exponential", float(np.exp(slope_e)), r2_e, len(x))
    return Growth("power", float(slope_p), r2_p, len(x))


def fit_slope(xs, ys):
    """Slope of log y against log x (None with fewer than 3 distinct points)."""
    pairs = [(float(x), float(y)) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
    if len({x for x, _ in pairs}) < 3:
        return None
    x, y = (np.log(np.array(v)) for v in zip(*pairs))
    return float(np.polyfit(x, y, 1)[0])
