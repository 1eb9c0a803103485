"""Every program of the zoo under every method family: tape, central differences, symbolic."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.containers import flatten

ZOO = {program.name: program for program in dk.zoo()}
NAMES = list(ZOO)
SYMBOLIC_NAMES = [name for name, p in ZOO.items() if p.control_flow in ("none", "fixed-loop")]
DATA_DEPENDENT_NAMES = [name for name, p in ZOO.items() if p.control_flow == "data-dependent"]


def flat(grad):
    leaves, _ = flatten(grad)
    return np.concatenate([np.ravel(np.asarray(leaf, dtype=float)) for leaf in leaves])


def normwise_relative_error(computed, reference):
    scale = np.max(np.abs(reference))
    difference = np.max(np.abs(computed - reference))
    return difference / scale if scale > 0 else difference


def test_the_zoo_has_programs_of_every_control_flow():
    assert len(SYMBOLIC_NAMES) >= 15 and len(DATA_DEPENDENT_NAMES) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_tape_and_central_differences_agree(name):
    program = ZOO[name]
    tape = program.gradient("tape")
    if program.on_kink:
        pytest.skip("the example point sits on a kink, where finite differences see one side only")
    central = program.gradient("fd-central")
    assert central.value == pytest.approx(tape.value, rel=1e-12, abs=1e-300)
    assert normwise_relative_error(flat(central.grad), flat(tape.grad)) < 1e-5


@pytest.mark.parametrize("name", SYMBOLIC_NAMES)
def test_symbolic_agrees_with_tape_at_the_default_size(name):
    program = ZOO[name]
    tape = program.gradient("tape")
    symbolic = program.gradient("symbolic", measure_cse=False)
    assert symbolic.value == pytest.approx(tape.value, rel=1e-10, abs=1e-12)
    assert normwise_relative_error(flat(symbolic.grad), flat(tape.grad)) < 1e-10


@pytest.mark.parametrize("name", DATA_DEPENDENT_NAMES)
def test_symbolic_refuses_data_dependent_control_flow(name):
    with pytest.raises(dk.SymbolicControlFlowError, match="branches on a symbolic value"):
        ZOO[name].gradient("symbolic")


@pytest.mark.parametrize("name", [name for name, p in ZOO.items() if p.exact_grad is not None])
def test_tape_matches_the_independently_derived_gradient(name):
    program = ZOO[name]
    exact = flat(program.exact_grad(*program.args))
    assert normwise_relative_error(flat(program.gradient("tape").grad), exact) < 1e-9


def test_the_kink_program_agrees_across_tape_and_symbolic():
    # Example 9 at x = [1, -2]: h = [0, -7], so relu'(0) = 1/2 in every method.
    program = ZOO["lecture-09-two-layer"]
    assert program.on_kink
    np.testing.assert_allclose(flat(program.gradient("symbolic").grad), flat(program.gradient("tape").grad))
