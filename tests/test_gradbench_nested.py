"""saddle and particle: a derivative inside the program being differentiated, by tape
and by forward mode, without perturbation confusion; the evals' own answers."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.programs.benchmark import particle, saddle
from diffkit.programs.benchmark.modes import VARIANTS
from diffkit.programs.benchmark.nesting import gradient_inside

MODES = ("tape", "forward-mode")


@pytest.mark.parametrize("outer", MODES)
@pytest.mark.parametrize("inner", MODES)
def test_no_perturbation_confusion(outer, inner):
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1; confusing the two perturbations gives 2.
    def f(x):
        return x * gradient_inside(lambda ys: x + ys[0], [1.0], inner)[0]

    assert dk.gradient(f, 1.0, method=outer).grad == 1.0

    # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x
    def g(x):
        return x * gradient_inside(lambda ys: x * ys[0], [5.0], inner)[0]

    assert dk.gradient(g, 3.0, method=outer).grad == 6.0


def test_saddle_gives_the_evals_answer_reverse_over_reverse():
    np.testing.assert_allclose(saddle.solve_saddle((1.0, 1.0), "rr"), [saddle.EXPECTED] * 4, rtol=1e-12)


@pytest.mark.parametrize("variant", VARIANTS)
def test_saddle_answer_is_a_fixed_point_of_every_variants_descent(variant):
    # the other nestings are checked here and by the derivative tests: full descents of all four take ~25 s
    start = (saddle.EXPECTED, saddle.EXPECTED)
    np.testing.assert_array_equal(saddle.solve_saddle(start, variant), [saddle.EXPECTED] * 4)


@pytest.mark.parametrize("inner", MODES)
def test_saddle_program_gradient_is_2p_by_every_outer_method(inner):
    program = dk.get_program("saddle", inner=inner)
    for method in ("tape", "forward-mode", "symbolic", "fd-central"):
        np.testing.assert_allclose(program.gradient(method).grad, [2.0, 2.0], rtol=1e-7)


def test_particle_derivative_agrees_across_the_four_nestings_and_central_differences():
    w = 0.1
    by_variant = {(outer, inner): dk.gradient(lambda w: particle.crossing_distance(w, inner), w, method=outer).grad
                  for outer in MODES for inner in MODES}
    reference = by_variant[("tape", "tape")]
    for value in by_variant.values():
        assert value == pytest.approx(reference, rel=1e-12)
    h = 1e-6
    central = (particle.crossing_distance(w + h) - particle.crossing_distance(w - h)) / (2 * h)
    assert reference == pytest.approx(central, rel=1e-6)


@pytest.mark.slow
def test_particle_gives_the_evals_answer_forward_over_reverse():
    # forward mode outside, the tape inside: the quickest of the four full descents (about 8 s)
    assert particle.solve_particle(0.0, "fr") == pytest.approx(particle.EXPECTED, rel=1e-12)


@pytest.mark.parametrize("variant", VARIANTS)
def test_particle_answer_is_a_fixed_point_of_every_variants_descent(variant):
    # From the eval's answer the descent stops at once: every nesting's derivative there is below 1e-5.
    assert particle.solve_particle(particle.EXPECTED, variant) == particle.EXPECTED


def test_unknown_variant_is_an_input_error():
    with pytest.raises(dk.InputError, match="the variants are rr, rf, fr, ff"):
        saddle.solve_saddle((1.0, 1.0), "rx")
