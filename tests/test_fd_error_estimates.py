"""Finite differences that estimate their own error: accuracy, honesty of the estimates, cost.

The true errors are measured against the 50-digit reference (the tape over 50-digit
numbers) or a closed form (the logistic map's polynomial, exact rationals); the
estimates are the methods' own ``stats["error_estimate"]``. Honest means: the true
error is at most the estimate in at least 95% of entries, and the estimate at most 100
times the true error (or at rounding level: its truncation part no larger than its
rounding part) in at least 90%.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit.check import CORRECT, SUSPICIOUS
from diffkit.core.containers import flatten
from diffkit.harness.numdifftools_peer import load, numdifftools_gradient, side_by_side
from diffkit.harness.reference import tape_reference
from diffkit.harness.suites import standard_suite, suite_problems
from diffkit.methods import Problem, get_method
from diffkit.methods.transforms import jacobian_result
from diffkit.programs import get_program
from random_programs import seeded_programs

ESTIMATING = ("fd-forward", "fd-central", "fd-richardson", "fd-complex")


def flat(tree):
    leaves, _ = flatten(tree)
    return np.concatenate([np.asarray(leaf, dtype=float).reshape(-1) for leaf in leaves])


def reference_of(problem):
    return np.array([float(t) for t in tape_reference(problem)[1]])


@pytest.fixture(scope="module")
def standard_programs():
    """(label, problem, 50-digit reference, on a kink) for every standard-suite gradient program."""
    return [(label, problem, reference_of(problem), bool(program.on_kink))
            for label, program, problem in suite_problems(standard_suite())]


# --- accuracy ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("iterations", "tolerance"), [(6, 1e-9), (10, 1e-6)])
def test_adaptive_richardson_on_the_logistic_map(iterations, tolerance):
    """The 10-step map is a polynomial of degree 1024 whose derivative is -455.4 at 0.3: fixed steps failed."""
    program = get_program("logistic-map", iterations=iterations)
    exact = program.exact_grad(*program.args)  # the composed polynomial's derivative, in exact rationals
    result = dk.gradient(program.function, *program.args, method="fd-richardson")
    assert abs(result.grad - exact) <= tolerance
    assert abs(result.grad - exact) <= result.stats["error_estimate"]  # and it knows how far off it may be


def test_adaptive_richardson_on_every_standard_program(standard_programs):
    for label, problem, reference, on_kink in standard_programs:
        if on_kink:
            continue
        grad = flat(get_method("fd-richardson").run(problem).grad)
        error = np.max(np.abs(grad - reference)) / max(np.max(np.abs(reference)), 1e-300)
        assert error <= 1e-8, label


def test_adaptive_cost_stays_within_four_times_fd_central(standard_programs):
    for label, problem, _, _ in standard_programs:
        adaptive = get_method("fd-richardson").run(problem).stats
        central = get_method("fd-central").run(problem).stats
        assert adaptive["evaluations"] <= 4 * central["evaluations"], label
        # f(x), 7 evaluations on the noise line, then two per step, at most 15 steps per entry
        assert adaptive["evaluations"] <= 1 + 7 + 2 * 15 * problem.size
        assert 3 <= adaptive["steps_per_entry_max"] <= 15


# --- honesty -------------------------------------------------------------------------------------
def honesty(pairs):
    """Per method, the part of entries covered by their estimate and the part estimated within 100x."""
    tally = {method: [0, 0, 0] for method in ESTIMATING}
    for problem, reference in pairs:
        for method in ESTIMATING:
            try:
                result = get_method(method).run(problem)
            except dk.NonAnalyticError:  # the complex step refuses relu and friends
                continue
            true = np.abs(flat(result.grad) - reference)
            estimate = flat(result.stats["error_estimate"])
            rounding = flat(result.stats["rounding_error"])
            assert float(np.max(estimate)) == result.stats["error_estimate_max"]
            counts = tally[method]
            counts[0] += int(np.sum(true <= estimate))
            counts[1] += int(np.sum((estimate <= 100 * true) | (estimate <= 2 * rounding)))
            counts[2] += true.size
    return {method: (covered / total, informative / total) for method, (covered, informative, total) in tally.items()}


@pytest.mark.slow
def test_estimates_are_honest_on_the_zoo(standard_programs):
    pairs = [(problem, reference) for _, problem, reference, on_kink in standard_programs if not on_kink]
    for method, (covered, informative) in honesty(pairs).items():
        assert covered >= 0.95, (method, covered)
        assert informative >= 0.90, (method, informative)


@pytest.mark.slow
def test_estimates_are_honest_on_random_programs():
    programs = seeded_programs(200, seed=16)
    pairs = []
    for program in programs:
        problem = Problem(program, program.inputs, tuple(range(len(program.inputs))))
        pairs.append((problem, reference_of(problem)))
    for method, (covered, informative) in honesty(pairs).items():
        assert covered >= 0.95, (method, covered)
        assert informative >= 0.90, (method, informative)


def test_fixed_step_estimates_on_polynomials_with_known_truncation():
    """x**3 by central differences at h: error exactly h**2; x**2 by forward differences: exactly h."""
    central = dk.gradient(lambda x: x**3, 1.0, method="fd-central", step=1e-3)
    assert central.grad - 3.0 == pytest.approx(1e-6, rel=1e-6)
    assert 1e-6 <= central.stats["error_estimate"] <= 1e-4
    forward = dk.gradient(lambda x: x**2, 1.0, method="fd-forward", step=1e-3)
    assert forward.grad - 2.0 == pytest.approx(1e-3, rel=1e-9)
    assert 1e-3 <= forward.stats["error_estimate"] <= 1e-1
    assert forward.stats["step"] == central.stats["step"] == pytest.approx(1e-3, rel=1e-9)


def test_complex_step_estimate_is_the_rounding_level():
    x = np.array([0.3, 1.2, -0.5])
    result = dk.gradient(lambda x: dk.sum(dk.exp(x) * dk.sin(x)), x, method="fd-complex")
    exact = np.exp(x) * (np.sin(x) + np.cos(x))
    scale = np.max(np.abs(exact))
    np.testing.assert_allclose(result.stats["error_estimate"], 16 * np.finfo(float).eps * scale, rtol=1e-6)
    assert np.all(np.abs(result.grad - exact) <= result.stats["error_estimate"])


# --- shapes --------------------------------------------------------------------------------------
def test_estimates_and_steps_are_shaped_like_the_gradient():
    def loss(params, x):
        return dk.sum(dk.tanh(x @ params["W"] + params["b"]))

    params = {"W": np.array([[0.2, -0.4, 0.1], [0.3, 0.5, -0.2]]), "b": np.array([0.05, -0.1, 0.2])}
    x = np.array([[1.0, -1.0], [0.5, 2.0]])
    exact = dk.gradient(loss, params, x, method="tape").grad
    for method in ESTIMATING:
        stats = dk.gradient(loss, params, x, method=method).stats
        for name in ("error_estimate", "rounding_error", "step"):
            assert set(stats[name]) == {"W", "b"}
            assert stats[name]["W"].shape == (2, 3) and stats[name]["b"].shape == (3,)
        result = dk.gradient(loss, params, x, method=method)
        for key in ("W", "b"):
            assert np.all(np.abs(result.grad[key] - exact[key]) <= result.stats["error_estimate"][key])


def test_jacobian_estimates_are_shaped_like_its_blocks():
    def curve(t, s):
        return dk.stack([dk.sin(3 * t) * s, dk.exp(t) + s**2, t * s])

    for method in ("fd-central", "fd-richardson", "fd-complex"):
        found = jacobian_result(curve, 0.4, np.array([1.5, -0.5]), argnums=(0, 1), method=method)
        exact = jacobian_result(curve, 0.4, np.array([1.5, -0.5]), argnums=(0, 1), method="tape").result
        estimates = found.stats["error_estimate"]
        assert [np.shape(e) for e in estimates] == [(3, 2), (3, 2, 2)]  # output x leaf, per block
        assert [np.shape(s) for s in found.stats["step"]] == [(3, 2), (3, 2, 2)]
        for block, exact_block, estimate in zip(found.result, exact, estimates):
            assert np.all(np.abs(np.asarray(block) - np.asarray(exact_block)) <= estimate), method


def test_the_adaptive_search_chooses_small_steps_only_where_needed():
    chaotic = dk.gradient(get_program("logistic-map", iterations=10).function, 0.3, method="fd-richardson")
    quadratic = dk.gradient(lambda x: 3 * x**2 - x, 0.3, method="fd-richardson")
    assert chaotic.stats["step"] < 1e-4  # oscillations of width ~1e-3 need steps far below them
    assert quadratic.stats["step"] >= 2**-4  # exact at any step: the largest step rounds least
    assert quadratic.grad == pytest.approx(0.8, abs=1e-15)


def test_a_step_outside_the_domain_is_discarded():
    """sqrt of a negative number at the largest steps: NaN there, the smaller steps are used."""
    result = dk.gradient(lambda x: dk.sqrt(x), 0.01, method="fd-richardson")
    assert result.grad == pytest.approx(5.0, rel=1e-9)  # 1 / (2 sqrt(0.01))


def test_a_program_failing_at_every_step_raises_its_own_error():
    def fragile(x):
        if x != 0.5:
            raise dk.InputError("fragile only runs at 0.5")
        return x

    with pytest.raises(dk.InputError, match="fragile only runs at 0.5"):
        dk.gradient(fragile, 0.5, method="fd-richardson")


def test_the_checker_and_the_methods_measure_the_same_noise():
    from diffkit.check.kinks import FiniteDifferences

    x = np.random.default_rng(3).standard_normal(6)

    def centred(x):
        return dk.sum(x - dk.mean(x))  # 0 up to rounding: only a measurement sees its noise

    problem = Problem(centred, (x,))
    method_noise = get_method("fd-central").run(problem).stats["noise"]
    assert method_noise > 0 and method_noise == FiniteDifferences(problem).measured_noise()


# --- numdifftools side by side ---------------------------------------------------------------------
def test_numdifftools_side_by_side_on_the_same_program():
    module, version = load()
    if module is None:
        pytest.skip(version)
    problem = Problem(get_program("lecture-02-sigmoid-neuron").function, get_program("lecture-02-sigmoid-neuron").args,
                      get_program("lecture-02-sigmoid-neuron").argnums)
    peer = numdifftools_gradient(module, problem)
    assert peer.evaluations == 1 + 2 * 15 * problem.size  # its default: central differences at 15 steps
    reference = reference_of(problem)
    assert np.max(np.abs(peer.grad - reference)) < 1e-10
    row = side_by_side("lecture-02-sigmoid-neuron", problem, module)
    assert row["fd-richardson"]["evaluations"] < row["numdifftools"]["evaluations"]
    assert row["fd-richardson"]["rel_error"] < 1e-12 and row["fd-richardson"]["covered"] == 1.0


# --- the rounding-aware verdict ----------------------------------------------------------------------
def sigmoid_wxb(w, x, b):
    return dk.sigmoid(w * x + b)


EXAMPLE_3 = (2.0, -1.0, 3.0)  # w, x, b; the notes print f = 0.731, df/dw = -0.197, df/dx = 0.394, df/db = 0.197


def test_the_lectures_three_decimal_values_pass_with_decimals():
    report = dk.check_grad(sigmoid_wxb, (-0.197, 0.394, 0.197), *EXAMPLE_3, argnums=(0, 1, 2), decimals=3)
    assert report
    assert report.entry("w").verdict == report.entry("b").verdict == CORRECT
    # 0.394 = 2 x 0.197, a product of the rounded local gradient: 0.39322 is 0.393 to three decimals
    assert report.entry("x").verdict == SUSPICIOUS
    assert dk.check_value(sigmoid_wxb, 0.731, *EXAMPLE_3, decimals=3)


def test_a_value_wrong_in_the_second_decimal_fails():
    report = dk.check_grad(sigmoid_wxb, (-0.187, 0.394, 0.197), *EXAMPLE_3, argnums=(0, 1, 2), decimals=3)
    assert not report and report.wrong_entries == ["w"]
    assert not dk.check_value(sigmoid_wxb, 0.741, *EXAMPLE_3, decimals=3)


def test_rounding_explains_the_ratio_so_no_constant_factor_is_suggested():
    report = dk.check_grad(sigmoid_wxb, (-0.197, 0.394, 0.197), *EXAMPLE_3, argnums=(0, 1, 2))
    assert not report  # without decimals=3 the bands judge them: 2e-3 relative is wrong
    text = report.text()
    assert "a constant factor" not in text
    assert "written to 3 decimals" in text and "pass decimals=3" in text
    halved = dk.check_grad(sigmoid_wxb, (-0.0983059666, 0.1966119332, 0.0983059666), *EXAMPLE_3, argnums=(0, 1, 2))
    assert "0.5 times diffkit's: a constant factor" in halved.text()  # a real missing 2 is still named


def test_the_report_prints_each_references_estimate():
    report = dk.check_grad(sigmoid_wxb, (-0.19661193, 0.39322387, 0.19661193), *EXAMPLE_3, argnums=(0, 1, 2))
    entry = report.entry("w")
    assert entry.estimates["tape"] == pytest.approx(16 * np.finfo(float).eps * 0.1966119332, rel=1e-6)
    assert 0 < entry.estimates["fd-central"] < 1e-8
    assert abs(entry.references["fd-central"] - entry.references["tape"]) <= entry.estimates["fd-central"]
    assert f"-0.1966119332 ±{entry.estimates['tape']:.1e}" in report.text()


def test_decimals_must_be_a_whole_number():
    with pytest.raises(dk.InputError, match=r"^decimals must be a whole number from 0 to 15 .*; got 2.5$"):
        dk.check_grad(sigmoid_wxb, (0, 0, 0), *EXAMPLE_3, argnums=(0, 1, 2), decimals=2.5)
