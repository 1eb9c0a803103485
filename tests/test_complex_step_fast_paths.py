"""The complex step's fast paths give the numbers and the errors of the checks they skip, to the bit.

Per op, the complex-step engine skips the real-domain check of ``x ** n`` for a plain
whole ``n``, skips the check of infinities for add, subtract and negative, reads the
finiteness of a scalar without a ufunc call and that of an array by a count, and sends
Python's operators straight to its own op processing. Each skip rests on a property of
NumPy's arithmetic, asserted here on special values (infinities, NaNs, signed zeros,
float32); the zoo programs run on a box that makes every check on every op and sends
operators through the op table (the engine before its fast paths) must give the same
bits or the same error.
"""

import re
import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.core.values import BoxedValue
from diffkit.engines import complex_step
from diffkit.engines.complex_step import ComplexStepValue
from diffkit.harness.suites import NETWORK_VARIANTS
from diffkit.methods import Problem
from diffkit.programs import get_program, program_names

SPECIAL = [-np.inf, -2.5, -1.0, -0.0, 0.0, 1e-300, 0.5, 3.0, 1e200, np.inf, np.nan]
SPECIAL_IMAG = [0.0, -0.0, 1e-20, -1e-20, 1e300, np.inf, -np.inf, np.nan]
LINE = re.compile(r"[\w.]+\.py:\d+ in [\w<>]+\(\): `[^`]*`")
OPERATORS = ("add", "sub", "mul", "truediv", "pow", "matmul")


def special_complex(dtype=np.complex128):
    """Every pair of a special real part and a special imaginary part."""
    re, im = np.meshgrid(SPECIAL, SPECIAL_IMAG)
    values = np.empty(re.shape, dtype=dtype)
    with np.errstate(over="ignore"):  # 1e200 is inf in float32
        values.real, values.imag = re, im
    return values.reshape(-1)


class CheckedEveryOp(ComplexStepValue):
    """The complex step as it was before its fast paths: operators through the op table, the
    real-domain check on every singular op and the check of infinities on every op."""

    __slots__ = ()

    def _process(self, primitive, args, params):
        if not primitive.analytic:
            return super()._process(primitive, args, params)  # the refusal
        values = [a.value if isinstance(a, ComplexStepValue) else a for a in args]
        out = primitive.evaluate_numeric(values, params)
        if primitive.singular:
            with np.errstate(all="ignore"):
                real = primitive.evaluate_numeric([np.real(v) for v in values], params)
            undefined = np.isnan(real) & ~np.isnan(np.real(out))
            if np.any(undefined):
                out = np.where(undefined, complex(np.nan, np.nan), out)
        if not np.isfinite(out).all():
            complex_step._refuse_complex_infinities(primitive, values, params, out)
        return CheckedEveryOp(out)


for _name in OPERATORS:
    setattr(CheckedEveryOp, f"__{_name}__", getattr(BoxedValue, f"__{_name}__"))
    setattr(CheckedEveryOp, f"__r{_name}__", getattr(BoxedValue, f"__r{_name}__"))
CheckedEveryOp.__neg__ = BoxedValue.__neg__
del _name


# --- the properties each skip rests on --------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("op", [np.add, np.subtract])
def test_add_and_subtract_compute_the_real_part_as_the_real_face_does(op, dtype):
    z = special_complex(dtype)
    with np.errstate(all="ignore"):
        for other in (z[:, None], np.asarray(SPECIAL)[:, None], np.float32(2.5), 2.5, np.inf):
            out = op(z, other)
            real = op(np.real(z), np.real(other))
            assert out.real.dtype == np.asarray(real).dtype
            assert np.array_equal(np.real(out), real, equal_nan=True)
            out = op(other, z)
            assert np.array_equal(np.real(out), op(np.real(other), np.real(z)), equal_nan=True)
    assert np.array_equal(np.real(np.negative(z)), np.negative(np.real(z)), equal_nan=True)


WHOLE = range(-complex_step.WHOLE_POWERS, complex_step.WHOLE_POWERS + 1)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("n", [*WHOLE, *(float(n) for n in WHOLE), np.float64(3.0)])
def test_a_whole_power_is_nan_in_the_real_face_only_where_the_complex_face_is(n, dtype):
    z = special_complex(dtype)
    with np.errstate(all="ignore"):
        undefined = np.isnan(np.power(np.real(z), n))
        assert not np.any(undefined & ~np.isnan(np.real(np.power(z, n))))
    assert not complex_step._may_leave_real_domain(dk.power, [z, n])


@pytest.mark.parametrize("n", [0.5, -1.5, np.float32(2.0), np.int64(2), True, 11, -11.0, 100, 1e300, np.inf, np.nan])
def test_other_exponents_keep_the_real_domain_check(n):
    """Not plain whole numbers, or powers past 10: NumPy's exp(n log z) for |n| >= 100 gives
    (nan + 0i) ** 100 a real part that is not NaN, where nan ** 100 is."""
    assert complex_step._may_leave_real_domain(dk.power, [special_complex(), n])
    assert complex_step._may_leave_real_domain(dk.power, [2.0, special_complex()])
    assert complex_step._may_leave_real_domain(dk.sqrt, [special_complex()])


def finiteness_cases():
    z = special_complex()
    grid = z.reshape(len(SPECIAL_IMAG), len(SPECIAL))
    yield from (complex(v) for v in z)
    yield from (np.complex64(v) for v in z)
    yield from (np.float32(v) for v in SPECIAL)
    yield from (np.float64(v) for v in SPECIAL)
    yield from (float(v) for v in SPECIAL)
    yield from (3, np.int64(2), True)
    yield from (np.asarray(v) for v in z[:8])  # 0-d arrays
    yield from (grid, grid[::-1], grid.T[::2], grid[2:4, 1:3], grid[:, :1], np.ones((2, 3)), np.ones(0))
    yield from (np.arange(6).reshape(2, 3), np.array([True, False]), grid.astype(np.complex64)[::-1])


def test_the_finiteness_read_is_numpys():
    with np.errstate(over="ignore"):  # float32 of 1e200
        cases = list(finiteness_cases())
    for value in cases:
        assert complex_step._all_finite(value) == bool(np.isfinite(value).all()), repr(value)


# --- the engine as a whole --------------------------------------------------------------------
def zoo_problems():
    programs = [get_program(name) for name in program_names()]
    programs += [get_program("mlp", **dict(variant, depth=2, width=3)) for variant in NETWORK_VARIANTS]
    return [Problem(p.function, p.args, p.argnums) for p in programs]


def evaluated(problem, box, leaves):
    """The program's output at ``leaves`` as bits, or the error it raised with the line it names
    (the reference's own refusal, raised from this file, names a line here: the program's
    line is asserted for the engine's refusals alone)."""
    try:
        out = problem.call([box(leaf) for leaf in leaves], own=True)
    except dk.DiffkitError as exc:
        message = str(exc)
        if box is ComplexStepValue:
            assert "test_complex_step_fast_paths.py" not in message
        return type(exc).__name__, LINE.sub("<line>", message)
    out = out.value if isinstance(out, ComplexStepValue) else out
    return np.asarray(out).dtype, np.asarray(out).tobytes()


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_zoo_programs_give_the_bits_of_the_checked_engine(dtype):
    supported = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for problem in zoo_problems():
            for leaf_index, leaf in enumerate(problem.leaves):
                for entry in range(min(leaf.size, 2)):
                    leaves = [np.array(v, dtype=dtype) for v in problem.leaves]
                    leaves[leaf_index].reshape(-1)[entry] += 1e-20j
                    fast = evaluated(problem, ComplexStepValue, leaves)
                    assert fast == evaluated(problem, CheckedEveryOp, leaves), problem.name
                    supported += isinstance(fast[0], np.dtype)
    assert supported > 50  # most of the zoo is analytic


def reversed_weighted(x):
    return dk.sum(x[::-1] * np.arange(1.0, 4.0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_views_of_the_input_are_differentiated_exactly(dtype):
    x = np.array([0.5, -2.0, 3.0], dtype=dtype)
    grad = dk.gradient(reversed_weighted, x, method="fd-complex").grad
    assert grad.dtype == dtype and grad.tolist() == [3.0, 2.0, 1.0]
    jac = dk.jacobian(lambda v: v[::-1], method="fd-complex")(x)  # a view of the input, moved under it
    assert np.asarray(jac).tolist() == np.eye(3)[::-1].tolist()
    jac = dk.jacobian(lambda v: dk.reshape(v, (3, 1)).T, method="fd-complex")(x)
    assert np.asarray(jac).reshape(3, 3).tolist() == np.eye(3).tolist()


def test_operators_on_boxes_of_another_kind_go_to_the_deepest_box():
    """x * y * y with x a complex-step value and y traced by an inner tape: d/dx d/dy = 2x / x = 2."""
    outer = dk.gradient(lambda x: dk.gradient(lambda y: x * y * y, 1.0, method="tape").grad, 2.0, method="fd-complex")
    assert outer.grad == 2.0
    outer = dk.gradient(lambda x: dk.gradient(lambda y: x * y - y / x, 1.0, method="forward-mode").grad, 2.0,
                        method="fd-complex")
    assert outer.grad == pytest.approx(1.25, rel=1e-15)  # d/dx (x - 1/x) = 1 + 1/x**2


def test_reflected_operators_with_plain_numbers_on_the_left():
    def f(x):
        return dk.sum(2.0 - x) + dk.sum(3.0 / x) + dk.sum(np.ones((2, 2)) @ x) + dk.sum(2.0 ** x) + dk.sum(-x)

    x = np.array([1.0, 2.0])
    grad = dk.gradient(f, x, method="fd-complex").grad
    expected = -1.0 - 3.0 / x**2 + 2.0 + np.log(2.0) * 2.0**x - 1.0
    np.testing.assert_allclose(grad, expected, rtol=1e-15)


# --- the refusals, word for word --------------------------------------------------------------
def squared_infinity(x):
    return dk.sum((x * np.inf) ** 2)  # (inf + inf i) ** 2 has a NaN real part; inf ** 2 is inf


def product_of_infinities(x):
    return dk.sum((x * np.inf) * (x * np.inf))


def reciprocal_of_zero(x):
    return dk.sum((x - x) ** -1)


@pytest.mark.parametrize("program, op", [(squared_infinity, "power"), (product_of_infinities, "multiply"),
                                         (reciprocal_of_zero, "power")])
def test_infinities_are_refused_at_the_op_that_meets_them(program, op):
    with np.errstate(all="ignore"), pytest.raises(dk.UnsupportedError) as info:
        dk.gradient(program, np.array([1.0, -2.0]), method="fd-complex")
    message = str(info.value)
    assert message.startswith(f"the complex step met an infinite value at dk.{op} (test_complex_step_fast_paths.py:")
    assert f"in {program.__name__}(): `return dk.sum(" in message
    assert message.endswith(
        "complex arithmetic on infinities gives NaN where the program's real arithmetic does not, so "
        "Im f(x + ih) / h means nothing here. Use 'tape', 'forward-mode' or a finite-difference method."
    )


def test_infinities_added_componentwise_are_not_refused():
    """(x + ih) * inf - inf: the real part is the real program's (x * inf - inf), the imaginary h * inf."""
    with np.errstate(all="ignore"):
        found = dk.gradient(lambda x: dk.sum(-(x * np.inf) + np.inf), np.array([1.0]), method="fd-complex")
    assert np.isnan(found.value) and found.grad.tolist() == [-np.inf]


def kinked(x):
    return dk.sum(abs(x) * 2.0)


def test_non_analytic_ops_are_refused_with_the_line():
    with pytest.raises(dk.NonAnalyticError) as info:
        dk.gradient(kinked, np.array([1.0, -2.0]), method="fd-complex")
    assert str(info.value) == (
        "the complex-step method cannot differentiate dk.abs, which is not analytic (at "
        "test_complex_step_fast_paths.py:{} in kinked(): `return dk.sum(abs(x) * 2.0)`). Use 'fd-central', "
        "'fd-richardson' or 'tape' for programs with kinks.".format(kinked.__code__.co_firstlineno + 1)
    )
