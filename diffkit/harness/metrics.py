"""Metrics derived from the stored rows: errors against the reference, growth fits.

Errors are measured against the "reference" row of the same program (the gradient at
50 digits): the largest absolute error over the gradient's entries, and the normwise
relative error ``max|g - ref| / max|ref|`` (robust where single entries are zero), and
the true error of every entry, set beside a finite-difference method's own estimate. The
two reference routes are compared the same way. Growth is fitted two ways, as an
exponential in depth (log size linear in depth) and as a power law (log-log linear),
and described by whichever fits better. Times grow differently: a fixed overhead
dominates them at small sizes, so their growth is fitted only beyond it, with a
confidence interval (:func:`fit_scaling`).
"""

import functools
import math
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


KNEE = 3.0  # a size is above the fixed overhead where its time is at least this many times the smallest
CONFIDENCE = 0.95


@dataclass
class Scaling:
    """How a time grows with size beyond its fixed overhead: time - overhead ∝ size^slope.

    ``measurable`` is False when fewer than three sizes lie above the knee (the time
    stays within ``KNEE`` times its overhead): ``reason`` then says so, and there is no
    slope. ``low`` and ``high`` bound the slope at ``CONFIDENCE``.
    """

    measurable: bool
    overhead: float
    sizes: list  # the sizes fitted (those above the knee)
    slope: float = None
    low: float = None
    high: float = None
    reason: str = ""
    scale: float = None  # a, of time = overhead + a · size^slope

    def predict(self, sizes):
        """The fitted time at ``sizes``."""
        return self.overhead + self.scale * np.asarray(sizes, dtype=float) ** self.slope

    def describe(self, unit="parameters"):
        """``slope 1.02 (95% CI 0.97–1.07, over 64–4096 parameters)`` or why there is none."""
        if not self.measurable:
            return self.reason
        if not math.isfinite(self.high - self.low):
            return (f"slope {self.slope:.2f} (over {self.sizes[0]:g}–{self.sizes[-1]:g} {unit}: too few sizes "
                    f"for a {CONFIDENCE:.0%} interval)")
        return (f"slope {self.slope:.2f} ({CONFIDENCE:.0%} CI {self.low:.2f}–{self.high:.2f}, "
                f"over {self.sizes[0]:g}–{self.sizes[-1]:g} {unit})")


@functools.lru_cache(maxsize=None)
def t_quantile(probability, df):
    """The ``probability`` quantile of Student's t with ``df`` degrees of freedom (by bisection
    on its distribution function, the regularized incomplete beta function)."""
    import mpmath

    def cdf(t):
        x = df / (df + t * t)
        tail = 0.5 * mpmath.betainc(df / 2.0, 0.5, 0, x, regularized=True)
        return 1 - tail if t > 0 else tail

    low, high = 0.0, 1.0
    while cdf(high) < probability:
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < probability else (low, middle)
    return (low + high) / 2


def _power_fit(n, t, overhead):
    """Weighted least squares of log(t - overhead) on log(n): (slope, intercept, weights, residuals).

    Timing noise is a share of the whole time, so log(t - overhead) is noisier where the
    overhead is a larger part of t: each point is weighted by the inverse of that variance.
    """
    x, y = np.log(n), np.log(t - overhead)
    weights = ((t - overhead) / t) ** 2
    mean_x, mean_y = np.average(x, weights=weights), np.average(y, weights=weights)
    spread_x = float(np.sum(weights * (x - mean_x) ** 2))
    slope = float(np.sum(weights * (x - mean_x) * (y - mean_y)) / spread_x)
    intercept = float(mean_y - slope * mean_x)
    return slope, intercept, weights, y - (intercept + slope * x), spread_x


def fixed_overhead(n, t):
    """The overhead c of ``t = c + a·n^slope`` that fits the times best in log space, searched
    between 0 and the smallest time (a profile over c: for each, the power law of the rest)."""
    smallest = float(np.min(t))
    best, best_error = 0.0, float("inf")
    for fraction in np.concatenate([[0.0], 1 - np.logspace(-3, 0, 40, endpoint=False)]):
        overhead = fraction * smallest
        slope, intercept, _, _, _ = _power_fit(n, t, overhead)
        error = float(np.sum((np.log(t) - np.log(overhead + np.exp(intercept) * n**slope)) ** 2))
        if error < best_error:
            best, best_error = overhead, error
    return best


def _refine(n, t, overhead, slope, intercept, iterations=30):
    """Damped Gauss-Newton on log t = log(c + e^b n^k) from a first guess: (c, b, k), their
    covariance (None where the fit is singular or has no degrees of freedom left) and the
    degrees of freedom. A step that would not lower the residuals (or leave the numbers
    finite) is halved, so noisy or degenerate timings keep the first guess, never fail."""
    log_n, log_t = np.log(n), np.log(t)
    ceiling = float(np.min(t)) * (1 - 1e-9)

    def residuals(p):
        with np.errstate(all="ignore"):
            growing = np.exp(p[1] + p[2] * log_n)
            model = p[0] + growing
            return growing, model, log_t - np.log(model)

    def cost(p):
        value = float(np.sum(residuals(p)[2] ** 2))
        return value if math.isfinite(value) else math.inf

    params = np.array([overhead, intercept, slope], dtype=float)
    current = cost(params)
    for _ in range(iterations):
        growing, model, r = residuals(params)
        J = np.column_stack([1 / model, growing / model, growing * log_n / model])
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(r))):
            break
        try:
            step = np.linalg.lstsq(J, r, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        for _ in range(12):  # halve the step until it helps
            trial = params + step
            trial[0] = min(max(trial[0], 0.0), ceiling)
            if cost(trial) <= current:
                break
            step = step / 2
        else:
            break
        moved = np.abs(trial[1:] - params[1:])
        params, current = trial, cost(trial)
        if np.all(moved < 1e-10):
            break
    growing, model, r = residuals(params)
    J = np.column_stack([1 / model, growing / model, growing * log_n / model])
    df = len(t) - 3
    covariance = None
    if df > 0 and np.all(np.isfinite(J)):
        try:
            covariance = float(np.sum(r**2)) / df * np.linalg.inv(J.T @ J)
        except np.linalg.LinAlgError:
            covariance = None
    return params, covariance, df


def fit_scaling(sizes, times, unit="parameters"):
    """Fit ``time = overhead + a · size^slope``; the slope is reported over the sizes above the knee.

    The overhead is a method's fixed cost (calls, checks, packing), which dominates its
    time at small sizes. The whole model is fitted in log space (:func:`fixed_overhead`
    for a start, then Gauss-Newton), so the overhead is a parameter with its own
    uncertainty; the sizes above the knee are those whose time is at least ``KNEE``
    times the overhead, where the growing part is at least twice it. With three of them
    or more (and a time that grows at least ``KNEE``-fold over the sizes), the slope is given with its ``CONFIDENCE`` interval (Student's t on the
    fit's covariance); with fewer the growth is "not measurable at these sizes", since
    what was timed is the overhead.
    """
    pairs = sorted((float(n), float(t)) for n, t in zip(sizes, times)
                   if n is not None and t is not None and n > 0 and t > 0 and math.isfinite(t))
    if len({n for n, _ in pairs}) < 3:
        return None
    n, t = (np.array(v) for v in zip(*pairs))
    overhead = fixed_overhead(n, t)
    slope, intercept, _, _, _ = _power_fit(n, t, overhead)
    (overhead, intercept, slope), covariance, df = _refine(n, t, overhead, slope, intercept)
    above = t >= KNEE * overhead
    if len(set(n[above])) < 3 or t.max() < KNEE * t.min():  # a flat time fits any overhead: none grows
        overhead = max(float(overhead), float(t.min())) if t.max() < KNEE * t.min() else float(overhead)
        return Scaling(False, overhead, [float(v) for v in n[above]], reason=(
            f"not measurable at these sizes: up to {n[-1]:g} {unit} the time stays within "
            f"{KNEE:g}× its fixed overhead (the largest time is {t.max() / t.min():.1f}× the smallest), so it "
            "measures the overhead, not the growth"))
    if covariance is not None and math.isfinite(covariance[2, 2]) and covariance[2, 2] >= 0:
        half = t_quantile(0.5 + CONFIDENCE / 2, df) * math.sqrt(covariance[2, 2])
    else:  # as many parameters as sizes: a curve through them, no interval
        half = float("inf")
    slope = float(slope)
    return Scaling(True, float(overhead), [float(v) for v in n[above]], slope, slope - half, slope + half,
                   scale=float(np.exp(intercept)))
