"""forward-mode, symbolic-tape and the Hessian transforms on every program of the zoo."""

import numpy as np
import pytest
from conftest import flat_leaves

import diffkit as dk
from diffkit.programs import zoo
from diffkit.methods.transforms import hessian_result

PROGRAMS = zoo()


def _max_difference(a, b):
    return max((float(np.max(np.abs(x - y))) for x, y in zip(flat_leaves(a), flat_leaves(b)) if x.size), default=0.0)


def _scale(grad):
    return max([1.0] + [float(np.max(np.abs(g))) for g in flat_leaves(grad) if g.size])


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_forward_mode_matches_the_tape(program):
    tape = program.gradient("tape")
    forward = program.gradient("forward-mode")
    assert forward.value == pytest.approx(tape.value, rel=1e-15, abs=1e-15)
    assert _max_difference(forward.grad, tape.grad) <= 1e-12 * _scale(tape.grad)
    assert forward.stats["passes"] == program.num_params


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_symbolic_tape_matches_the_tape_or_fails_like_symbolic(program):
    tape = program.gradient("tape")
    if program.control_flow == "data-dependent":
        with pytest.raises(dk.SymbolicControlFlowError) as symbolic_error:
            program.gradient("symbolic", measure_cse=False)
        with pytest.raises(dk.SymbolicControlFlowError) as tape_error:
            program.gradient("symbolic-tape", measure_cse=False)
        # the same message but for the calling line it names
        assert str(tape_error.value).split("the condition")[1] == str(symbolic_error.value).split("the condition")[1]
        return
    result = program.gradient("symbolic-tape", measure_cse=False)
    assert _max_difference(result.grad, tape.grad) <= 1e-12 * _scale(tape.grad)
    assert result.stats["derivative_dag_size"] >= 0


SMALL = [p for p in PROGRAMS if p.num_params <= 12 and not p.on_kink]


@pytest.mark.parametrize("program", SMALL, ids=[p.name for p in SMALL])
def test_hessians_by_both_autodiff_orders_agree_and_are_symmetric(program):
    over = hessian_result(program.function, *program.args, argnums=program.argnums, method="forward-over-reverse")
    under = hessian_result(program.function, *program.args, argnums=program.argnums, method="reverse-over-reverse")
    scale = max(1.0, float(np.max(np.abs(over.matrix))))
    np.testing.assert_allclose(over.matrix, under.matrix, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(over.matrix, over.matrix.T, rtol=0, atol=1e-12 * scale)
