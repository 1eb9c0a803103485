"""dk.compile_grad: straight-line NumPy code for a recorded program, equal to the tape's gradient."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.containers import flatten

STRAIGHT = [p for p in dk.zoo() if p.control_flow != "data-dependent"]


def _perturbed(args, argnums, seed):
    """The example point moved by a small random step in every float entry (same shapes)."""
    rng = np.random.default_rng(seed)

    def move(value):
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
            return type(value)(move(v) for v in value)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value + 1e-3 * rng.standard_normal(value.shape)
        if type(value) is float:
            return value + 1e-3 * float(rng.standard_normal())
        return value

    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    return tuple(move(a) if i in nums else a for i, a in enumerate(args))


def _largest_difference(a, b):
    left, right = flatten(a)[0], flatten(b)[0]
    assert len(left) == len(right)
    return max((float(np.max(np.abs(np.asarray(x, float) - np.asarray(y, float)), initial=0.0))
                for x, y in zip(left, right)), default=0.0)


@pytest.mark.parametrize("program", STRAIGHT, ids=[p.name for p in STRAIGHT])
def test_compiled_gradient_equals_the_tape_on_the_zoo(program):
    compiled = dk.compile_grad(program.function, *program.args, argnums=program.argnums)
    tape = dk.grad(program.function, argnums=program.argnums)
    for point in (program.args, _perturbed(program.args, program.argnums, seed=3)):
        assert _largest_difference(compiled(*point), tape(*point)) <= 1e-14
        value, _ = compiled.value_and_grad(*point)
        assert value == pytest.approx(float(np.asarray(program.function(*point)).reshape(())), rel=1e-14, abs=1e-300)


def test_source_has_one_line_per_op_named_after_the_op_and_the_program_line():
    def layer(W, x):
        h = dk.tanh(x @ W)
        return dk.sum(h * h)

    W, x = np.full((3, 2), 0.1), np.ones((4, 3))
    compiled = dk.compile_grad(layer, W, x)
    source = compiled.source
    assert "np.tanh" not in source and "tanh_" in source and "matmul_" in source
    assert "h = dk.tanh(x @ W)" in source  # the program's line, next to its ops
    assert "d_W = " in source and "x.T @ " in source  # the adjoint of x @ W, written out
    W2 = W + 0.05
    expected = x.T @ ((2 * np.tanh(x @ W2)) * (1 - np.tanh(x @ W2) ** 2))  # by hand
    np.testing.assert_allclose(compiled(W2, x), expected, rtol=1e-13)
    np.testing.assert_allclose(compiled(W2, 2 * x), dk.grad(layer)(W2, 2 * x), rtol=1e-14)  # data is an input


def test_halving_loop_refuses_another_number_of_iterations():
    program = dk.get_program("halving-loop", x=37.0)  # 37 -> 18.5 -> 9.25 -> 4.625: three halvings
    compiled = dk.compile_grad(program.function, *program.args)
    assert compiled(39.0) == 0.125 == dk.grad(program.function)(39.0)  # the same three halvings
    with pytest.raises(dk.ControlFlowChangedError, match=r"loops\.py:\d+.*while x > 5 or x < -5.*was False when "
                       r"the gradient was compiled and is True now.*compile again"):
        compiled(41.0)  # four halvings: 5.125 > 5 where 4.625 was not
    with pytest.raises(dk.ControlFlowChangedError, match="was True when the gradient was compiled and is False now"):
        compiled(19.0)  # two halvings: 4.75 > 5 fails where 9.25 > 5 held


def test_a_branch_on_the_input_is_checked():
    program = dk.get_program("piecewise", x=0.5)
    compiled = dk.compile_grad(program.function, *program.args)
    assert compiled(1.5) == pytest.approx(np.cos(1.5), rel=1e-15)
    with pytest.raises(dk.ControlFlowChangedError, match="if x < 2"):
        compiled(3.0)


def test_inputs_are_checked_against_the_example():
    def f(x, n):
        return dk.sum(x) * n

    compiled = dk.compile_grad(f, np.ones(3), 2)
    np.testing.assert_array_equal(compiled(np.zeros(3), 2), [2.0, 2.0, 2.0])
    with pytest.raises(dk.ShapeError, match=r"shape \(4,\).*compiled for shape \(3,\)"):
        compiled(np.ones(4), 2)
    with pytest.raises(dk.InputError, match="argument n was 2 when the gradient was compiled and is 3"):
        compiled(np.ones(3), 3)
    with pytest.raises(dk.InputError, match=r"x\[1\] is nan"):  # the error dk.grad gives
        compiled(np.array([1.0, np.nan, 2.0]), 2)


def test_compiled_code_imports_no_sympy():
    import subprocess
    import sys

    code = ("import sys, numpy as np, diffkit as dk; "
            "c = dk.compile_grad(lambda x: dk.sum(dk.exp(x)), np.ones(2)); c(np.zeros(2)); "
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


MASK_PROGRAMS = {  # each with its gradient at x, derived by hand: the mask selects which term applies
    "invert": (lambda x: dk.sum(x * x * ~(x > 0)), lambda x: 2 * x * (x <= 0)),
    "and": (lambda x: dk.sum(x * x * ((x > 0) & (x < 2))), lambda x: 2 * x * ((x > 0) & (x < 2))),
    "or": (lambda x: dk.sum(x * ((x > 2) | (x < 0))), lambda x: 1.0 * ((x > 2) | (x < 0))),
    "xor with a constant mask": (lambda x: dk.sum(x * (np.array([True, False, True]) ^ (x < 0))),
                                 lambda x: 1.0 * (np.array([True, False, True]) ^ (x < 0))),
    "logical_not": (lambda x: dk.sum(x * np.logical_not(x > 0)), lambda x: 1.0 * (x <= 0)),
    "astype": (lambda x: dk.sum(x * x * (x > 0).astype(float)), lambda x: 2 * x * (x > 0)),
    "where": (lambda x: dk.sum(dk.where(~(x > 0), x, 2.0 * x)), lambda x: np.where(x > 0, 2.0, 1.0)),
    "astype(copy=False) of an int mask": (lambda x: dk.sum(x * (x > 0).astype(int).astype(float, copy=False)),
                                          lambda x: 1.0 * (x > 0)),
    "an int mask & a bool mask": (lambda x: dk.sum(x * ((x > 0) & (x > 1).astype(int))), lambda x: 1.0 * (x > 1)),
    "branch on any": (lambda x: dk.sum(x) if (x > 0).any() else dk.sum(x * x), None),
    "branch on np.any": (lambda x: dk.sum(x) if np.any(x > 0, axis=0) else dk.sum(x * x), None),
}


@pytest.mark.parametrize("name", MASK_PROGRAMS)
def test_masks_are_recomputed_for_new_values(name):
    f, by_hand = MASK_PROGRAMS[name]
    example, new = np.array([1.0, -2.0, 3.0]), np.array([-1.0, 1.5, -0.5])
    compiled = dk.compile_grad(f, example)
    if by_hand is None:  # (new > 0).any() holds as it did at the example: the same branch
        np.testing.assert_array_equal(compiled(new), np.ones(3))
        with pytest.raises(dk.ControlFlowChangedError):
            compiled(-np.abs(new))
        return
    for x in (example, new):
        np.testing.assert_array_equal(compiled(x), by_hand(x))
        np.testing.assert_array_equal(compiled(x), dk.grad(f)(x))


def test_no_cotangent_is_sent_to_a_mask():
    source = dk.compile_grad(lambda x: dk.sum(x * ~(x > 0) * dk.sign(x)), np.ones(3)).source
    assert "np.invert(gt_1)" in source
    assert "d_gt" not in source and "d_mask" not in source and "d_sign" not in source


READ_AS_CONSTANTS = {  # a value computed from x used as an index: (program, its gradient by hand)
    "mask as an index": (lambda x: dk.sum(x[x > 0] ** 2), lambda x: 2 * x * (x > 0)),
    "dk.argmax as an index": (lambda x: x[dk.argmax(x)] ** 2,
                              lambda x: np.where(np.arange(x.size) == np.argmax(x), 2 * x, 0.0)),
    "np.argmin as an index": (lambda x: 3.0 * x[np.argmin(x)], lambda x: 3.0 * (np.arange(x.size) == np.argmin(x))),
    "dk.at with an argmax": (lambda x: dk.sum(dk.at(x)[dk.argmax(x)].set(0.0) * x),
                             lambda x: np.where(np.arange(x.size) == np.argmax(x), 0.0, 2 * x)),
    "int() of an argmax": (lambda x: x[int(dk.argmax(x))] * 2.0 + dk.sum(x),
                           lambda x: 1.0 + 2.0 * (np.arange(x.size) == np.argmax(x))),
    "an argmax indexing a list": (lambda x: [x[0], 2.0 * x[1], 3.0 * x[2]][dk.argmax(x)],
                                  lambda x: (np.arange(x.size) == np.argmax(x)) * np.array([1.0, 2.0, 3.0])),
    "int() of a count": (lambda x: x[0] * int(dk.sum(x > 0)), lambda x: np.array([np.sum(x > 0), 0.0, 0.0])),
}


@pytest.mark.parametrize("name", READ_AS_CONSTANTS)
def test_a_value_read_as_a_constant_is_checked_on_every_call(name):
    f, by_hand = READ_AS_CONSTANTS[name]
    example = np.array([1.0, -3.0, 2.0])
    compiled = dk.compile_grad(f, example)
    same_reading = np.array([1.5, -2.0, 2.5])  # the same mask and the same argmax/argmin as the example
    for x in (example, same_reading):
        np.testing.assert_array_equal(compiled(x), by_hand(x))
    other_reading = np.array([-1.0, 3.0, -4.0])  # another mask, argmax and argmin
    with pytest.raises(dk.ControlFlowChangedError, match=r"computed from its arguments as a constant at "
                                                         r"test_compile_grad\.py:\d+.*compile again"):
        compiled(other_reading)
    np.testing.assert_array_equal(dk.grad(f)(other_reading), by_hand(other_reading))  # dk.grad records anew


def test_int_of_a_value_that_carries_a_derivative_is_refused_as_under_the_tape():
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"int\(\) was applied to a traced value at "
                                                         r"test_compile_grad\.py:\d+"):
        dk.compile_grad(lambda x: x[0] * int(x[1]), np.array([1.0, 2.0]))
    with pytest.raises(dk.NonDiffkitFunctionError, match=r"int\(\) was applied to a traced value"):
        dk.grad(lambda x: x[0] * int(x[1]))(np.array([1.0, 2.0]))


def test_masks_of_a_number_argument_are_numpy_booleans_in_the_compiled_code():
    def f(x):  # the number's comparison is a Python bool in the compiled code, where ~True is -2
        return x * x * ~(x > 0)

    def branch(x):
        if ~(x > 0):
            return x * x
        return 3.0 * x

    assert dk.compile_grad(f, -1.5)(1.5) == 0.0 and dk.compile_grad(f, 1.5)(-1.5) == -3.0
    assert dk.compile_grad(branch, -0.5)(-0.25) == -0.5
    with pytest.raises(dk.ControlFlowChangedError, match="was True when the gradient was compiled and is False"):
        dk.compile_grad(branch, -0.5)(0.5)


def test_numpy_options_a_recorded_mask_does_not_take_are_refused_by_name():
    f = lambda x: dk.sum(x) if (x > 0).any(out=np.empty((), dtype=bool)) else 0.0  # noqa: E731
    with pytest.raises(dk.InputError, match=r"mask\.any\(out=\.\.\.\) at test_compile_grad\.py:\d+: .* is not recorded"):
        dk.compile_grad(f, np.array([1.0, -2.0]))


@pytest.mark.parametrize("bad", (None, "ab"))
def test_a_compiled_gradient_called_with_something_that_is_not_numbers_says_so(bad):
    compiled = dk.compile_grad(lambda W, x: dk.sum(W @ x), np.ones((2, 2)), np.ones(2))
    with pytest.raises(dk.InputError, match=r"argument x \(leaf 0\) is .*, not a number or an array of numbers: the "
                                            r"gradient was compiled for an array of shape \(2,\)"):
        compiled(np.ones((2, 2)), bad)


def test_item_assignment_into_a_recorded_value_is_compiled_one_line_per_op():
    rows, labels = np.arange(3), np.array([0, 2, 1])

    def svm_like(W):
        margins = W * 2.0
        margins[rows, labels] = 0.0
        margins[0, 1] = W[1, 1] ** 2
        margins[2] += 1.0
        return np.sum(margins ** 2)

    def by_hand(W):
        g = 8 * W
        g[rows, labels] = g[0, 1] = 0.0  # zeroed or overwritten entries send nothing back
        g[1, 1] += 4 * W[1, 1] ** 3  # margins[0, 1] = W[1, 1] ** 2
        g[2, [0, 2]] = 4 * (2 * W[2, [0, 2]] + 1)  # row 2 shifted by 1; margins[2, 1] = 1 is a constant
        return g

    compiled = dk.compile_grad(svm_like, np.full((3, 3), 0.5))
    forward = compiled.source.split("# backward pass")[0]
    assert [line.split("=")[0].strip() for line in forward.splitlines() if "setitem(" in line] == [
        "setitem_2", "setitem_5", "setitem_8"]
    W = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(by_hand(W), [[0, 0, 24], [32, 540, 0], [60, 0, 76]])
    np.testing.assert_allclose(compiled(W), by_hand(W), rtol=1e-14, atol=0)
    np.testing.assert_allclose(compiled(W), dk.grad(svm_like)(W), rtol=1e-14, atol=0)
