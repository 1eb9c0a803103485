"""How much rounding moves a program's output near a point: measured, not assumed.

The rounding error of a difference quotient is about ``eps * |f| / h`` when f is about
as large as the terms it is computed from. When those terms cancel (a centred sum, a
batch-normalised output summed: f is 0 up to rounding), or when rounding is amplified on
the way (an iterated map), ``|f|`` says nothing about the noise, so the noise of f is
*measured*: f is evaluated along a short line through x whose points are exact (every
entry moves toward zero by an odd multiple of its own ulp, at most ~2e4 ulps in all),
and the second differences of those values, where any smooth part is below 1e-20 of f's
scale, are rounding noise (the idea of Moré and Wild's ECnoise).

Every finite-difference user measures it here, through the one perturbation evaluator:
the finite-difference methods (their rounding term), and the gradient checker (its noise
floor, and the rounding noise of an exact reference measured on the same line).
"""

from math import comb

import numpy as np

ROUNDING_FACTOR = 16  # rounding of a short chain of float operations, in units of eps
NOISE_POINTS = 8  # points on the line (7 evaluations besides f(x)), as ECnoise takes
NOISE_SEED = 0  # the line's step sizes are drawn from this fixed seed: every measurement alike
SECOND_DIFFERENCE_VARIANCE = comb(4, 2)  # Var(second difference of white noise) = 6 sigma^2


def dtype_eps(dtype):
    """Machine epsilon of a floating dtype (float64 for anything else)."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype if dtype.kind == "f" else np.float64).eps)


def line_steps(leaves, seed=NOISE_SEED):
    """Per leaf, the exact step of the line: 5 .. 1025 ulps (odd), toward zero."""
    steps = []
    for leaf, odd in zip(leaves, _odd_multiples(tuple((leaf.shape, leaf.dtype.kind == "f") for leaf in leaves), seed)):
        if odd is None:
            steps.append(np.zeros_like(leaf))
            continue
        ulp = np.spacing(np.where(leaf == 0, 1, np.abs(leaf)).astype(leaf.dtype))
        steps.append(np.where(leaf < 0, -odd * ulp, odd * ulp).astype(leaf.dtype))
    return steps


_ODD_MULTIPLES = {}  # (shapes, seed) -> the odd multiples drawn for them: the same every time, drawn once
_CACHE_LIMIT = 64


def _odd_multiples(shapes, seed):
    """Per ``(shape, is float)`` of the leaves, the line's odd multiples of an ulp (None for no float
    leaf), drawn from ``seed``: a generator costs more to seed than a gradient of a few entries."""
    key = (shapes, seed)
    found = _ODD_MULTIPLES.get(key)
    if found is None:
        rng = np.random.default_rng(seed)
        found = []
        for shape, floating in shapes:
            odd = 2 * np.floor(2.0 ** rng.uniform(2, 9, shape)) + 1 if floating else None
            if isinstance(odd, np.ndarray):
                odd.flags.writeable = False
            found.append(odd)
        if len(_ODD_MULTIPLES) >= _CACHE_LIMIT:
            _ODD_MULTIPLES.clear()
        _ODD_MULTIPLES[key] = found
    return found


def line_point(leaves, steps, k):
    """The leaves at the k-th point of the line (k = 0 is the point itself); every point is exact."""
    return [leaf - leaf.dtype.type(k) * step for leaf, step in zip(leaves, steps)]


def noise_of(values):
    """Standard deviation of the rounding noise in ``values`` (outputs along the line).

    Per output entry for array outputs; 0 where a value is not finite (the
    differences themselves will then say so).
    """
    second = np.diff(np.array([np.asarray(v, dtype=np.float64) for v in values]), n=2, axis=0)
    sigma = np.sqrt(np.mean(second**2, axis=0) / SECOND_DIFFERENCE_VARIANCE)
    sigma = np.where(np.isfinite(sigma), sigma, 0.0)
    return float(sigma) if sigma.ndim == 0 else sigma


def measure_noise(perturbation, value):
    """The noise of f near the evaluator's point, from ``NOISE_POINTS`` points; ``value`` is f(x).

    Returns ``(sigma, evaluations)``: 0 (shaped like the output) when an evaluation
    fails, since a measurement must never be what stops a derivative.
    """
    steps = line_steps(perturbation.leaves)
    values = [value]
    try:
        with np.errstate(all="ignore"):
            for k in range(1, NOISE_POINTS):
                values.append(perturbation.evaluate(line_point(perturbation.leaves, steps, k)))
    except Exception:  # noqa: BLE001  (a measurement only; the differences report real failures)
        zero = np.zeros(np.shape(value))
        return (float(zero) if zero.ndim == 0 else zero), len(values) - 1
    return noise_of(values), len(values) - 1
