"""Growth fits of timings: the slope beyond a fixed overhead, with its confidence interval."""

import numpy as np
import pytest

from diffkit.harness.metrics import KNEE, fit_scaling, t_quantile
from diffkit.harness.timing import quartiles, ratio, summary

SIZES = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], dtype=float)


def synthetic(overhead, scale, slope, noise, seed, sizes=SIZES):
    """Times of a fixed overhead plus scale * size**slope, with multiplicative noise."""
    rng = np.random.default_rng(seed)
    times = overhead + scale * sizes**slope
    return times * (1 + noise * rng.standard_normal(sizes.size))


def growing(slope, seed, noise=0.02):
    """Times whose growing part reaches 1000 times the overhead at the largest size."""
    return synthetic(overhead=1e-3, scale=1.0 / SIZES[-1] ** slope, slope=slope, noise=noise, seed=seed)


@pytest.mark.parametrize("slope", [0.5, 1.0, 2.0])
def test_the_fit_recovers_a_known_slope_within_its_interval(slope):
    fits = [fit_scaling(SIZES, growing(slope, seed)) for seed in range(200)]
    assert all(fit.measurable for fit in fits)
    assert all(abs(fit.slope - slope) < 0.1 for fit in fits)
    # a 95% interval holds the true slope in about 95% of fits (binomial sd 1.5%)
    covered = np.mean([fit.low <= slope <= fit.high for fit in fits])
    assert 0.9 <= covered <= 0.99
    assert np.median([fit.high - fit.low for fit in fits]) < 0.15  # an interval that says something


def test_only_sizes_above_the_knee_are_fitted():
    times = growing(1.0, seed=5)
    fit = fit_scaling(SIZES, times)
    # above the knee, the growing part is at least twice the overhead; below it the overhead is most
    assert fit.sizes == [float(n) for n, t in zip(SIZES, times) if t >= KNEE * fit.overhead]
    assert 1.0 not in fit.sizes and 4096.0 in fit.sizes and len(fit.sizes) >= 3
    assert fit.describe().startswith(f"slope {fit.slope:.2f} (95% CI ")


def test_only_the_overhead_sampled_is_not_measurable():
    small = SIZES[:6]  # 1..32: the growing part stays below a tenth of the overhead
    times = synthetic(overhead=1e-3, scale=1e-6, slope=1.0, noise=0.02, seed=3, sizes=small)
    fit = fit_scaling(small, times)
    assert not fit.measurable and fit.slope is None
    assert fit.describe().startswith("not measurable at these sizes: up to 32 parameters")


def test_a_flat_time_is_not_fitted_as_a_slope():
    # the tape's time, overhead-bound at every size: the old log-log fit printed a slope 0.01
    times = synthetic(overhead=2e-4, scale=0.0, slope=1.0, noise=0.05, seed=4)
    assert not fit_scaling(SIZES, times).measurable


def test_student_t_quantiles_match_the_tables():
    # two-sided 95% critical values of Student's t, as printed in statistics tables
    for df, expected in ((1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042)):
        assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-3)


def test_quartiles_and_the_round_by_round_ratio():
    assert quartiles([1, 2, 3, 4, 5]) == (2.0, 4.0)
    gradient = summary("gradient", [10.0, 12.0, 30.0])
    forward = summary("forward", [1.0, 1.0, 3.0])
    assert (gradient.median, gradient.q1, gradient.q3, gradient.repeats) == (12.0, 11.0, 21.0, 3)
    # each round's ratio, then their median: a slow round (30 over 3) stays a ratio of 10
    per_round = ratio({"gradient": gradient, "forward": forward}, "gradient", "forward")
    assert per_round.samples == [10.0, 12.0, 10.0] and per_round.median == 10.0


def test_noisy_or_degenerate_timings_never_break_the_fit():
    # times as a loaded machine and too few rounds give them: the fit may find nothing, but never fails
    rng = np.random.default_rng(7)
    for _ in range(500):
        count = int(rng.integers(3, 8))
        sizes = np.sort(rng.choice(SIZES, count, replace=False))
        times = np.exp(rng.normal(-8, 1.5, count))
        fit = fit_scaling(sizes, times)
        assert fit is None or not fit.measurable or np.isfinite(fit.slope)
