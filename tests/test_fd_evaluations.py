"""The finite-difference methods' fast paths give the numbers of the paths they replace, to the bit.

Fixed steps (fd-forward, fd-central) take every column of every leaf at once
(``DifferencePushforward.blocks``); the entry-by-entry route (``column``) is the one
they replace, and both must agree bit for bit, statistics included. fd-richardson
runs every gradient entry's adaptive search at once (``AdaptiveDifferences``), which
must give each entry the steps, estimate and error its own search (``column``) gives,
and raise what that raises; it weighs a single entry's candidates as Python floats;
``best_of`` on arrays, ``np.percentile`` and ``np.nanpercentile`` are what that must match. The perturbation evaluator hands the
program read-only views of its leaves: a program that writes into an argument, returns
a view of it or gets integers, float32, dicts or lists must see what a copy per call
gave it.
"""

import math
import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.engines import differences
from diffkit.engines.perturb import Perturbation, forward_pass, numeric_reader
from diffkit.methods import Problem, get_method
from diffkit.methods.base import ARRAY, SCALAR, assemble_columns
from diffkit.programs import get_program

FIXED = ("fd-forward", "fd-central")

X = np.array([0.3, -1.2, 2.5, 0.7])
PROGRAMS = {
    "reversed view": (lambda x: dk.sum(dk.tanh(x[::-1]) * x), (X,), 0),
    "float32": (lambda x: dk.sum(x * x * x), (X.astype(np.float32),), 0),
    "float16": (lambda x: dk.sum(x * x), (X.astype(np.float16),), 0),
    "integers": (lambda x: dk.sum(x * x * x), (np.array([1, 2, -3]),), 0),
    "plain floats": (lambda a, b: a * dk.sin(b) + a * a, (0.7, 1.3), (0, 1)),
    "dict": (lambda p: dk.sum(dk.exp(p["w"]) * p["b"]) + p["c"] ** 3, ({"w": X, "b": X[::-1].copy(), "c": 0.4},), 0),
    "list": (lambda p: dk.sum(p[0] * p[1]) * p[2], ([X, X + 1, 2.0],), 0),
    "mixed dtypes": (lambda a, b: dk.sum(a * b), (X.astype(np.float32), X[::-1].copy()), (0, 1)),
    "matrix": (lambda A: dk.sum(dk.tanh(A @ A.T)), (np.arange(6.0).reshape(2, 3) / 5,), 0),
    "an empty leaf": (lambda x, e: dk.sum(x * x) + dk.sum(e), (X, np.zeros(0)), (0, 1)),
}
JACOBIANS = {
    "reversed view": (lambda x: x[::-1], (X,)),
    "transpose": (lambda A: A.T, (np.arange(6.0).reshape(2, 3),)),
    "elementwise": (lambda x: dk.tanh(x) * x[0], (X,)),
    "float32": (lambda x: x * x, (X.astype(np.float32),)),
    "one number out": (lambda x: dk.sum(x * x), (X,)),
}


def by_columns(push, problem, out_shape):
    """The entry-by-entry route the blocks replace: a column per entry, assembled."""
    return [assemble_columns([push.column(i, e) for e in range(leaf.size)], out_shape + leaf.shape)
            for i, leaf in enumerate(problem.leaves)]


def assert_same_bits(found, expected):
    assert len(found) == len(expected)
    for a, b in zip(found, expected):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype
        assert a.tobytes() == b.tobytes(), (a, b)


def compare_routes(method, f, args, argnums, output, **options):
    problem = Problem(f, args, argnums)
    fast = get_method(method).pushforward(problem, output, **options)
    slow = get_method(method).pushforward(problem, output, **options)
    out_shape = () if output.scalar else np.shape(fast.value)
    blocks = fast.blocks([out_shape + leaf.shape for leaf in problem.leaves])
    expected = by_columns(slow, problem, out_shape)
    assert_same_bits(blocks, expected)
    fast_stats, slow_stats = fast.entry_stats(blocks), slow.entry_stats(expected)
    for name in ("error_estimate", "rounding_error", "step"):
        assert_same_bits(fast_stats[name], slow_stats[name])
    assert np.array_equal(fast_stats["error_estimate_max"], slow_stats["error_estimate_max"], equal_nan=True)
    assert fast.stats() == slow.stats()  # evaluations counted alike, the same smallest and largest step


@pytest.mark.parametrize("method", FIXED)
@pytest.mark.parametrize("name", PROGRAMS)
def test_fixed_steps_by_blocks_give_the_bits_of_column_by_column(method, name):
    f, args, argnums = PROGRAMS[name]
    compare_routes(method, f, args, argnums, SCALAR)


@pytest.mark.parametrize("method", FIXED)
@pytest.mark.parametrize("name", JACOBIANS)
def test_jacobian_blocks_give_the_bits_of_column_by_column(method, name):
    f, args = JACOBIANS[name]
    compare_routes(method, f, args, 0, ARRAY)


@pytest.mark.parametrize("method", FIXED)
def test_blocks_on_a_network_give_the_bits_of_column_by_column(method):
    program = get_program("mlp", depth=2, width=4, activation="tanh", loss="squared", dataset="regression")
    compare_routes(method, program.function, program.args, program.argnums, SCALAR)


@pytest.mark.parametrize("method", FIXED)
def test_blocks_where_the_output_is_infinite_warn_as_column_by_column(method):
    # f(x + h) and f(x - h) both infinite: inf - inf is NaN, silently, as for Python floats
    problem = Problem(lambda x: dk.sum(dk.exp(x * 800.0)), (np.array([1.0, 2.0]),), 0)
    with np.errstate(over="ignore", invalid="ignore"):  # f's noise measured on infinite values
        fast, slow = [get_method(method).pushforward(problem, SCALAR) for _ in range(2)]
    warned = []
    for route in (lambda: fast.blocks([(2,)]), lambda: by_columns(slow, problem, ())):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            route()
        warned.append(sorted(str(w.message) for w in caught))
    assert warned[0] == warned[1] == ["overflow encountered in exp"] * (4 if method == "fd-central" else 2) * 2
    with np.errstate(over="ignore", invalid="ignore"):
        compare_routes(method, problem.f, problem.args, 0, SCALAR)


def test_the_view_of_the_input_a_program_returns_is_copied_before_the_entry_is_restored():
    x = np.arange(3.0)
    for method in (*FIXED, "fd-richardson", "fd-complex"):
        np.testing.assert_allclose(dk.jacobian(lambda x: x[::-1], method=method)(x), np.eye(3)[::-1], atol=1e-9)
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0])


def test_a_program_that_writes_into_its_argument_gets_copies_from_its_first_write_on():
    def assigns(x):
        x[0] = 1.0
        return dk.sum(x * x)

    point = np.array([3.0, 2.0])
    problem = Problem(assigns, (point,), 0)
    evaluator = Perturbation(problem, numeric_reader(problem, SCALAR))
    assert evaluator.evaluate() == 5.0  # 1 + 4: the write landed on a copy
    assert evaluator.copies
    np.testing.assert_array_equal(evaluator.leaves[0], [3.0, 2.0])  # the evaluator's point is untouched
    assert evaluator.shifted(0, 1, 0.5) == 1.0 + 2.5**2
    np.testing.assert_array_equal(evaluator.leaves[0], [3.0, 2.0])
    for method in (*FIXED, "fd-richardson"):  # x[0] is overwritten by a constant: no gradient
        np.testing.assert_allclose(dk.grad(assigns, method=method)(point), [0.0, 4.0], atol=1e-6, err_msg=method)
    np.testing.assert_array_equal(point, [3.0, 2.0])


def test_a_program_that_writes_nothing_is_handed_the_evaluator_s_own_leaves_read_only():
    seen = []  # what the program saw of its argument, without keeping it
    holder = {}

    def reads(x):
        seen.append((x.flags.writeable, np.shares_memory(x, holder["evaluator"].leaves[0])))
        return dk.sum(x * x)

    problem = Problem(reads, (np.array([3.0, 2.0]),), 0)
    evaluator = holder["evaluator"] = Perturbation(problem, numeric_reader(problem, SCALAR))
    assert evaluator.shifted(0, 0, 1.0) == 16.0 + 4.0
    assert evaluator.evaluate() == 13.0
    assert not evaluator.copies and seen == [(False, True), (False, True)]
    np.testing.assert_array_equal(evaluator.leaves[0], [3.0, 2.0])  # restored after the move


def test_a_program_that_keeps_its_argument_keeps_the_point_of_that_call():
    seen = []

    def keeps(x):
        seen.append(x)
        return dk.sum(x * x)

    problem = Problem(keeps, (np.array([3.0, 2.0]),), 0)
    evaluator = Perturbation(problem, numeric_reader(problem, SCALAR))
    assert evaluator.shifted(0, 0, 1.0) == 16.0 + 4.0
    assert evaluator.evaluate() == 13.0
    assert evaluator.copies and not np.shares_memory(seen[0], evaluator.leaves[0])
    np.testing.assert_array_equal(seen[0], [4.0, 2.0])  # the moved point it was called at, kept as it was
    np.testing.assert_array_equal(seen[1], [3.0, 2.0])
    np.testing.assert_array_equal(evaluator.leaves[0], [3.0, 2.0])


def test_a_read_only_error_of_the_program_s_own_is_raised_as_before():
    frozen = np.zeros(2)
    frozen.flags.writeable = False

    def writes_its_data(x, data):
        data[0] = 1.0
        return dk.sum(x)

    for method in (*FIXED, "fd-richardson"):
        with pytest.raises(ValueError, match="read-only"):
            dk.grad(writes_its_data, method=method)(np.array([1.0, 2.0]), frozen)


def test_the_harness_forward_pass_is_one_evaluation_of_the_program_at_its_point():
    program = get_program("mlp", depth=2, width=4, activation="tanh", loss="squared", dataset="regression")
    problem = Problem(program.function, program.args, program.argnums)
    forward = forward_pass(problem, SCALAR)
    value = forward()
    assert type(value) is float
    assert value == float(program.function(*program.args))
    assert value == get_method("fd-central").run(problem).value


def test_a_float_output_is_read_as_the_checked_route_reads_it():
    problem = Problem(lambda x: dk.sum(x), (X,), 0)
    read = numeric_reader(problem, SCALAR)
    for raw in (1.25, np.float64(-3.5), np.array(2.0), np.array([7.0]), 3, np.float32(0.1)):
        expected = float(np.asarray(SCALAR.check(raw, problem), dtype=float).reshape(()))
        assert type(read(raw)) is float and read(raw) == expected
    with pytest.raises(dk.NonScalarOutputError):
        read(np.array([1.0, 2.0]))


# --- fd-richardson: a gradient entry's candidates weighed as Python floats -----------------------
def random_values(rng, trial):
    n = int(rng.integers(1, 30))
    values = rng.normal(size=n) * 10.0 ** rng.integers(-10, 10, size=n)
    kind = trial % 5
    if kind == 1:
        values = np.round(values, 1)  # ties
    elif kind == 2:
        values[rng.random(n) < 0.25] = np.inf * rng.choice([-1.0, 1.0])
    elif kind == 3:
        values[rng.random(n) < 0.3] = np.nan
    elif kind == 4:
        values = rng.choice([0.0, -0.0, 1.0, np.inf], size=n)
    return values


def test_quartiles_of_numbers_are_numpy_s_percentiles_to_the_bit():
    rng = np.random.default_rng(5)
    for trial in range(3000):
        values = random_values(rng, trial)
        present = values[~np.isnan(values)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN list: NumPy warns, and gives NaN
            percentile = np.nanpercentile if present.size < values.size else np.percentile
            expected = percentile(values, [25, 50, 75])
        found = differences.quartiles_of_numbers(present.tolist())
        assert np.array_equal(found, expected, equal_nan=True), values


def test_best_of_numbers_is_best_of_arrays_to_the_bit():
    rng = np.random.default_rng(7)
    for trial in range(3000):
        values = random_values(rng, trial).tolist()
        numbers = [(v, abs(float(rng.normal())) * 1e-6, np.float64(abs(rng.normal()) * 1e-9), 2.0**-i)
                   for i, v in enumerate(values)]
        arrays = [(np.array([c[0]]), c[1], c[2], c[3]) for c in numbers]
        fast, slow = differences.best_of(numbers), differences.best_of(arrays)
        for field in ("value", "error", "step", "rounding"):
            a, b = getattr(fast, field), float(np.asarray(getattr(slow, field)).reshape(()))
            assert type(a) is float
            assert np.array_equal(a, b, equal_nan=True), (field, values)


# --- fd-richardson: every entry's adaptive search at once ------------------------------------------
@pytest.mark.parametrize("name", PROGRAMS)
def test_the_joint_adaptive_search_gives_the_bits_of_entry_by_entry(name):
    f, args, argnums = PROGRAMS[name]
    compare_routes("fd-richardson", f, args, argnums, SCALAR)


@pytest.mark.parametrize("name", JACOBIANS)
def test_adaptive_jacobian_blocks_give_the_bits_of_column_by_column(name):
    f, args = JACOBIANS[name]  # "one number out" goes by the joint search, the others column by column
    compare_routes("fd-richardson", f, args, 0, ARRAY)


@pytest.mark.parametrize("name", dk.program_names())
def test_the_joint_adaptive_search_on_the_zoo_gives_the_bits_of_entry_by_entry(name):
    program = get_program(name)
    compare_routes("fd-richardson", program.function, program.args, program.argnums, SCALAR)


def test_the_joint_adaptive_search_on_a_network_gives_the_bits_of_entry_by_entry():
    program = get_program("mlp", depth=2, width=4, activation="tanh", loss="squared", dataset="regression")
    compare_routes("fd-richardson", program.function, program.args, program.argnums, SCALAR)


SCALES = np.array([1e-8, 1.0, 30.0, 1e3, -5.0, 0.0])
SEARCHES = {  # entries that step up, step down, stride, or run out of steps, in one gradient
    "scales": (lambda x: dk.sum(dk.exp(SCALES * x)) + dk.sum(x**3) * 1e-3, np.array([0.3, -1.2, 0.05, 0.002, 2.0, 7.0])),
    "domain edge": (lambda x: dk.sum(dk.sqrt(x)), np.array([1e-9, 1e-3, 4.0])),
    "infinite": (lambda x: dk.sum(dk.exp(x * 800.0)), np.array([1.0, -2.0])),
}


@pytest.mark.parametrize("options", [{}, {"levels": 1}, {"levels": 5}, {"step": 1e-3}])
@pytest.mark.parametrize("name", SEARCHES)
def test_the_joint_adaptive_search_takes_each_entry_s_own_steps_and_warns_alike(name, options):
    f, x = SEARCHES[name]
    problem = Problem(f, (x,), 0)
    with np.errstate(all="ignore"):  # f's noise measured where f is infinite or NaN
        fast, slow = [get_method("fd-richardson").pushforward(problem, SCALAR, **options) for _ in range(2)]
    warned, found = [], []
    for route in (lambda: fast.blocks([x.shape]), lambda: by_columns(slow, problem, ())):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found.append(route())
        warned.append(sorted(str(w.message) for w in caught))
    assert warned[0] == warned[1]
    assert_same_bits(*found)
    assert fast.step_counts == [len(slow.searches[(0, entry)].steps) for entry in range(x.size)]
    with np.errstate(all="ignore"):
        compare_routes("fd-richardson", f, (x,), 0, SCALAR, **options)
    if name == "domain edge" and not options:
        assert max(fast.step_counts) == differences.MAX_STEPS  # x = 1e-9: every step until the last
        assert min(fast.step_counts) < differences.MAX_STEPS


def moved_entries_fail(x):
    if x[1] != 2.0:
        raise ValueError("x[1] was moved")
    if x[2] != 3.0:
        raise ValueError("x[2] was moved")
    return dk.sum(x * x)


def test_the_joint_adaptive_search_raises_the_first_failing_entry_s_error_as_entry_by_entry():
    x = np.array([1.0, 2.0, 3.0])
    problem = Problem(moved_entries_fail, (x,), 0)
    raised = []
    for route in (lambda push: push.blocks([x.shape]), lambda push: by_columns(push, problem, ())):
        with pytest.raises(ValueError) as caught:
            route(get_method("fd-richardson").pushforward(problem, SCALAR))
        raised.append(str(caught.value))
    with pytest.raises(ValueError) as caught:
        dk.grad(moved_entries_fail, method="fd-richardson")(x)
    assert raised == [str(caught.value)] * 2 == ["x[1] was moved"] * 2


def test_steps_out_of_the_domain_are_passed_over_by_the_joint_search_as_entry_by_entry():
    # math.sqrt raises below 0: the first steps of x[0] fail on one side (f(x - h) raises after
    # f(x + h) was evaluated), the smaller ones succeed
    compare_routes("fd-richardson", lambda x: math.sqrt(float(x[0])) + dk.sum(x * x), (np.array([0.01, 2.0]),), 0,
                   SCALAR)


def test_quartiles_of_columns_are_numpy_s_percentiles_and_those_of_numbers_to_the_bit():
    rng = np.random.default_rng(11)
    for trial in range(1000):
        columns = [random_values(rng, trial) for _ in range(4)]
        rows = min(column.size for column in columns)
        values = np.stack([column[:rows] for column in columns], axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: NumPy warns, and gives NaN
            percentile = np.nanpercentile if np.isnan(values).any() else np.percentile
            expected = percentile(values, [25, 50, 75], axis=0)
        found = differences.quartiles_of_columns(values)
        assert found.shape == expected.shape and np.array_equal(found, expected, equal_nan=True), values
        for index, column in enumerate(values.T):
            alone = np.array(differences.quartiles_of_numbers([v for v in column.tolist() if v == v]))
            assert alone.tobytes() == found[:, index].tobytes(), column  # signs of zero included
    assert differences.quartiles_of_columns(np.ones((3, 2, 2))).shape == (3, 2, 2)


# --- a program that keeps its argument -------------------------------------------------------------
class _Memoised:
    """sum(sin(x)), remembering its last argument and value, as a cache keyed by the point does."""

    def __init__(self):
        self.x = None
        self.value = None

    def __call__(self, x):
        if self.x is not None and np.array_equal(self.x, x):
            return self.value
        self.x, self.value = x, float(np.sum(np.sin(x)))
        return self.value


@pytest.mark.parametrize("method", ["fd-forward", "fd-central", "fd-richardson"])
def test_a_program_that_keeps_its_argument_sees_each_point_it_was_called_at(method):
    x = np.array([0.5, 1.0, 2.0])
    kept = []

    def f(x):
        kept.append(x)
        kept.append(x[1:])  # a view of it too
        return float(np.sum(x**2))

    np.testing.assert_allclose(dk.grad(f, method=method)(x), 2 * x, rtol=1e-6)
    whole = kept[0::2]
    moved = [k for k in whole if np.count_nonzero(k != x) == 1]
    # the points with one entry moved (the rest are the base point and the noise line's, all moved)
    # each keep the move made for its call
    assert {int(np.flatnonzero(k != x)[0]) for k in moved} == {0, 1, 2}
    for k, tail in zip(whole, kept[1::2]):
        np.testing.assert_array_equal(tail, k[1:])


@pytest.mark.parametrize("method", ["fd-forward", "fd-central", "fd-richardson"])
def test_a_cache_keyed_by_the_point_gets_the_right_gradient(method):
    x = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(dk.grad(_Memoised(), method=method)(x), np.cos(x), rtol=1e-6)


def test_the_gradient_checker_follows_a_program_that_keeps_its_argument():
    x = np.array([0.5, 1.0, 2.0])
    assert dk.check_grad(_Memoised(), lambda x: np.cos(x), x).passed


@pytest.mark.parametrize("step", ("1e-3", True))
def test_a_step_that_only_converts_to_a_number_is_refused(step):
    # float("1e-3") and float(True) would have been taken as steps
    with pytest.raises(dk.InputError, match=r"step=.*: a step must be a positive finite number such as 1e-6"):
        dk.gradient(lambda x: dk.sum(x**2), np.ones(2), method="fd-central", step=step)


def test_measure_cse_is_a_flag():
    with pytest.raises(dk.InputError, match=r"measure_cse= is True or False, got 'no'"):
        dk.hessian(lambda x: dk.sum(x**2), method="symbolic", measure_cse="no")(np.ones(2))
