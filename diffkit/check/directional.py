"""``mode="random"``: derivatives along seeded random directions, two evaluations each.

For a unit direction v on one argument, the user's directional derivative is
``sum(grad * v)``; exact references give the same dot product, finite differences
give ``(f(x + h v) - f(x - h v)) / 2h``. A handful of directions costs a handful of
evaluations instead of two per entry. Agreement along random directions is evidence,
not proof: an error confined to a few entries can hide in a dot product, so a passing
random check says exactly that, and a failing one is followed by a full check.
"""

import numpy as np

from .compare import (CORRECT, ROUNDING_FACTOR, WRONG, ZERO_NOISE_FACTOR, absolute_error, bands_for, classify,
                      dtype_eps, relative_error)
from .report import DirectionalCheck


def random_directions(leaf, count, rng):
    """``count`` unit vectors shaped like ``leaf`` (empty for an empty leaf)."""
    if leaf.size == 0:
        return []
    if leaf.size == 1:
        count = 1  # every unit direction of a single number is +1 or -1
    directions = []
    for _ in range(count):
        v = rng.standard_normal(leaf.shape)
        directions.append(v / np.linalg.norm(v))
    return directions


def check_directions(problem, user_leaves, references, finite_differences, methods, count, seed, rtol, atol,
                     decimals=None):
    """Directional checks for every usable leaf; return the list of :class:`DirectionalCheck`."""
    rng = np.random.default_rng(seed)
    checks = []
    for index, leaf in enumerate(problem.leaves):
        directions = random_directions(leaf, count, rng)
        yours_flat = user_leaves[index]
        if yours_flat is None:
            continue
        bands = bands_for(leaf.dtype, rtol)
        for number, v in enumerate(directions):
            values, tolerances = {}, {}
            fd_noise = None
            for method in methods:
                if method in references:
                    reference = references[method][index]
                    values[method] = float(np.sum(reference * v))
                    tolerances[method] = ROUNDING_FACTOR * dtype_eps(leaf.dtype) * float(np.linalg.norm(reference))
                elif method == finite_differences.name:
                    value, _, fd_noise = finite_differences.directional(index, v)
                    values[method] = value
                    tolerances[method] = fd_noise
            primary = methods[0]
            with np.errstate(invalid="ignore", over="ignore"):  # an infinite entry of yours: NaN, judged wrong
                yours = float(np.sum(yours_flat * v))
            rel = float(relative_error(yours, values[primary]))
            abs_error = float(absolute_error(yours, values[primary]))
            units = float(np.sum(np.abs(v)))  # yours along v carries the rounding of every entry it sums
            verdict = classify(rel, abs_error, bands, atol if atol is not None else tolerances[primary], decimals, units)
            if verdict != CORRECT and atol is None and primary in references:
                if fd_noise is None:
                    fd_noise = finite_differences.directional(index, v)[2]
                if abs(values[primary]) <= fd_noise:  # 0 along v, as far as differences can tell
                    # the reference's measured rounding noise per entry; along a unit v it is the same
                    floor = ZERO_NOISE_FACTOR * finite_differences.reference_noise(primary)[index]
                    verdict = classify(rel, abs_error, bands, max(tolerances[primary], floor), decimals, units)
            checks.append(DirectionalCheck(problem.leaf_names[index], number, yours, values, rel, verdict))
    return checks


def any_wrong(checks):
    return any(check.verdict == WRONG for check in checks)
