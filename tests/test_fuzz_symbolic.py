"""Fuzzing every method with programs of nested wheres, masks, booleans and non-finite constants.

Hypothesis draws a program as a tree (printed on failure): elementwise ops on a vector
``x`` (differentiated) and a data vector ``c`` (not), ``dk.where`` nested in its
conditions and branches, masks (``e * (c > 0)``, ``e * True``), conditions joined with
``&`` and ``|``, Python branches on a reduced condition, and the constants 0, NaN and
+-inf among ordinary ones. Every method must either agree with the tape or raise a
diffkit error (``dk.DiffkitError``), never another exception:

- the methods exact to rounding (forward mode, the three symbolic ones, the complex
  step) agree entry by entry: a finite tape entry within 1e-7 of the scale, a non-finite
  one non-finite too (see ``assert_agrees`` for the leeways). Where floating point
  itself divides by zero or makes a NaN of numbers at the point (see ``singular_at``), or
  the value is infinite (sqrt(x * inf) has slope inf to SymPy, 0 on the tape: neither
  means much), the methods are asked only to raise no raw exception; a NaN value is held
  to the rules, since a NaN constant lost to SymPy's algebra shows there;
- the finite-difference methods are held to the tape where the program is smooth around
  the point: every condition, kink and branch decided the same way within the widest
  difference step (1% of the point), every value there finite, the slopes nearly constant.
"""

import collections
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffkit as dk

EXACT = ("forward-mode", "symbolic", "symbolic-cse", "symbolic-tape", "fd-complex")
DIFFERENCES = {"fd-forward": 1e-3, "fd-central": 1e-5, "fd-richardson": 1e-5}
CONSTANTS = (0.0, 0.5, -1.5, 3.0, float("nan"), float("inf"), -float("inf"))
THRESHOLDS = (-0.85, -0.2, 0.35, 1.15)
UNARY = ("tanh", "sigmoid", "exp", "sin", "relu", "abs", "negative", "square", "sqrt", "log", "softplus", "log1p", "erf", "cbrt", "arctan")
BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum")
SIZE = 3


# --- the programs: trees of tuples, evaluated on any kind of value ------------------------
LEAVES = st.one_of(
    st.just(("x",)),
    st.just(("x reversed",)),
    st.just(("c",)),
    st.sampled_from(CONSTANTS).map(lambda v: ("constant", np.float64(v))),  # NumPy's IEEE 0.0 ** -1
)


def compounds(inner):
    """An op (never a bare leaf) on expressions drawn from ``inner``."""
    conditions = conditions_of(inner)
    return st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(UNARY), inner),
        st.tuples(st.just("binary"), st.sampled_from(BINARY), inner, inner),
        st.tuples(st.just("power"), inner, st.sampled_from((2, 3, -1, 0.5))),
        st.tuples(st.just("where"), conditions, inner, inner),
        st.tuples(st.just("mask"), inner, conditions),
        st.tuples(st.just("branch"), conditions, inner, inner),
    )


def mentions_x(tree):
    return tree in (("x",), ("x reversed",)) or any(isinstance(t, tuple) and mentions_x(t) for t in tree)


def conditions_of(inner):
    simple = st.one_of(
        st.tuples(st.sampled_from(("less", "greater")), inner, st.sampled_from(THRESHOLDS)),
        st.just(("data",)),
        st.booleans().map(lambda b: ("boolean", b)),
    )
    return st.one_of(simple, st.tuples(st.sampled_from(("and", "or")), simple, simple))


EXPRESSION_KINDS = ("x", "x reversed", "c", "constant", "unary", "binary", "power", "where", "mask", "branch")


class Program:
    """A drawn tree as a diffkit program; records which way each decision went."""

    def __init__(self, tree):
        self.tree = tree
        self.decisions = None

    def __call__(self, x, c):
        return dk.sum(self.value(self.tree, x, c))

    def signature(self, x, c):
        """Every decision the program takes at the point (conditions, kinks, branches), as booleans."""
        self.decisions = []
        try:
            with np.errstate(all="ignore"):
                value = self(x, c)
        finally:
            decisions, self.decisions = self.decisions, None
        return value, tuple(decisions)

    def absorbs_infinity(self, x, c):
        """Whether a part of the program is infinite or NaN while its value is finite:
        the infinity is absorbed (tanh(x * inf), min(x, (x + inf) ** 2)), and the chain rule
        meets 0 * inf on its way back."""

        def parts(tree):
            yield tree
            for item in tree[1:]:
                if isinstance(item, tuple) and item and isinstance(item[0], str):
                    yield from parts(item)

        with np.errstate(all="ignore"):
            if not np.isfinite(self(x, c)):
                return False
            for part in parts(self.tree):
                if part[0] in EXPRESSION_KINDS and not np.all(np.isfinite(self.value(part, x, c))):
                    return True
        return False

    def decide(self, value):
        if self.decisions is not None:
            self.decisions.append(np.asarray(value, dtype=bool).tobytes())
        return value

    def value(self, tree, x, c):
        kind = tree[0]
        if kind == "x":
            return x
        if kind == "x reversed":
            return x[::-1]
        if kind == "c":
            return c
        if kind == "constant":
            return tree[1]
        if kind == "unary":
            operand = self.value(tree[2], x, c)
            if tree[1] in ("relu", "abs"):
                self.decide(operand > 0)
            return getattr(dk, tree[1])(operand)
        if kind == "binary":
            a, b = self.value(tree[2], x, c), self.value(tree[3], x, c)
            if tree[1] in ("maximum", "minimum"):
                self.decide(a > b)
            return {"add": lambda: a + b, "subtract": lambda: a - b, "multiply": lambda: a * b,
                    "divide": lambda: a / b, "maximum": lambda: dk.maximum(a, b),
                    "minimum": lambda: dk.minimum(a, b)}[tree[1]]()
        if kind == "power":
            return self.value(tree[1], x, c) ** tree[2]
        if kind == "where":
            return dk.where(self.condition(tree[1], x, c), self.value(tree[2], x, c), self.value(tree[3], x, c))
        if kind == "mask":
            return self.value(tree[1], x, c) * self.condition(tree[2], x, c)
        if kind == "branch":
            condition = self.condition(tree[1], x, c)
            taken = bool(condition.all()) if hasattr(condition, "all") else bool(condition)
            return self.value(tree[2] if taken else tree[3], x, c)
        raise AssertionError(tree)

    def condition(self, tree, x, c):
        kind = tree[0]
        if kind == "less":
            return self.decide(self.value(tree[1], x, c) < tree[2])
        if kind == "greater":
            return self.decide(self.value(tree[1], x, c) > tree[2])
        if kind == "data":
            return c > 0
        if kind == "boolean":
            return tree[1]
        left, right = self.condition(tree[1], x, c), self.condition(tree[2], x, c)
        return (left & right) if kind == "and" else (left | right)


expressions = st.recursive(LEAVES, compounds, max_leaves=10)
programs = compounds(expressions).filter(mentions_x)
points = st.lists(st.sampled_from((-1.7, -0.6, -0.05, 0.4, 0.9, 1.3, 2.1)), min_size=SIZE, max_size=SIZE)
data = st.lists(st.sampled_from((-1.0, 0.5, 2.0)), min_size=SIZE, max_size=SIZE)


# --- the comparison --------------------------------------------------------------------------
def outcome(program, method, x, c):
    """(value, gradient) by ``method``, or the diffkit error it raised (any other error propagates)."""
    options = {"measure_cse": False} if method.startswith("symbolic") else {}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = dk.gradient(program, x, c, method=method, **options)
    except dk.DiffkitError as error:
        return error
    return float(result.value), np.asarray(result.grad, dtype=float)


def assert_agrees(method, got, expected, tolerance, absorbed=False):
    """``got`` is the tape's ``expected`` (value, gradient): entries close where the tape's are
    finite, non-finite where they are not. The leeways are the chain rule's 0 * inf, which
    the methods read differently at a point where the program's value is a number:

    - a NaN entry of the tape's may be any number: reverse mode's 0 * inf at a singular point
      (the infinite slope of sqrt at 0 times the zero slope of x * 0), where forward mode's
      zero tangent and SymPy's 0 * x = 0 give the limit;
    - a 0 of the tape's may be NaN, whatever the value: the tape keeps a zero cotangent zero
      through an infinite slope (its second pass, d tanh(x * inf) = 0), where SymPy's
      product inf * 0 is NaN;
    - forward mode's zero tangents are exact (an input not moved in the pass, or a slope of
      0), so 0 * NaN is 0 there (d/dx nan * relu(x) at x < 0), whatever the value;
    - where the program absorbs an infinity (``absorbed``: min(x, (x + inf) ** 2)), SymPy's
      chain rule multiplies the step of the side not taken, 0, by the infinite slope of
      that side: NaN, where the tape's cotangent 0 stays 0; a symbolic method may give NaN.
    """
    value, grad = got
    expected_value, expected_grad = expected
    finite = np.isfinite(expected_grad)
    scale = max(1.0, *np.abs(expected_grad[finite]), abs(expected_value) if np.isfinite(expected_value) else 1.0)
    assert np.isfinite(value) == np.isfinite(expected_value), (method, value, expected_value)
    if np.isfinite(expected_value):
        np.testing.assert_allclose(value, expected_value, rtol=1e-9, atol=1e-9 * scale, err_msg=method)
    leeway = (expected_grad == 0) & np.isnan(grad)
    if not np.isnan(expected_value):
        leeway |= np.isnan(expected_grad)
    if method == "forward-mode":
        leeway |= np.isnan(expected_grad) & (grad == 0)
    if absorbed and method.startswith("symbolic"):
        leeway |= np.isnan(grad)
    compared = ~leeway
    assert np.array_equal(np.isfinite(grad[compared]), finite[compared]), (method, grad, expected_grad)
    np.testing.assert_allclose(grad[finite & compared], expected_grad[finite & compared], rtol=0,
                               atol=tolerance * scale, err_msg=method)


def smooth_around(program, x, c, radius, slopes):
    """Whether the program is smooth enough around the point for differences with steps up
    to ``radius`` (relative): every decision the same and every value finite there, and the
    tape's slopes (``slopes``: the gradient at the point) changing by less than 1% of their
    size, so that a difference's truncation error stays small (not exp(x**6) at 2.1)."""
    value, decisions = program.signature(x, c)
    if not np.isfinite(value):
        return False
    size = max(1.0, float(np.max(np.abs(slopes))))
    for index in range(SIZE):
        for fraction in (-1.0, -0.5, 0.5, 1.0):
            moved = x.copy()
            moved[index] += fraction * radius * max(abs(x[index]), 1.0)
            value, moved_decisions = program.signature(moved, c)
            if moved_decisions != decisions or not np.isfinite(value):
                return False
            moved_slopes = outcome(program, "tape", moved, c)[1]
            if not np.all(np.abs(moved_slopes - slopes) < 1e-2 * size):
                return False
    return True


def singular_at(program, x, c):
    """Whether floating point divides by zero or makes a NaN of numbers at the point
    (1 / relu(x), sqrt(-1.7), inf - inf, 0 * inf): NumPy's divide and invalid flags.
    There the methods part ways legitimately: SymPy has one zero where floating point has
    two (1 / max(x, -0.0) is -inf on the tape, +inf to SymPy), its algebra is over the
    complex numbers (sqrt(x)**2 is x, NaN on the tape at x = -1.7), and reverse mode's
    0 * inf is NaN where forward mode's zero tangent stays 0."""
    try:
        with np.errstate(invalid="raise", divide="raise", over="ignore", under="ignore"):
            program(x, c)
    except FloatingPointError:
        return True
    return False


def check_program(tree, point, data_point, counts):
    """The property for one drawn program; ``counts`` tallies what was compared."""
    program = Program(tree)
    x, c = np.array(point), np.array(data_point)
    tape = outcome(program, "tape", x, c)
    counts["programs"] += 1
    if isinstance(tape, dk.DiffkitError):
        counts["tape refused"] += 1
        return  # a Python branch on a whole array: the same refusal for every method
    counts["tape finite"] += bool(np.isfinite(tape[0]))
    singular = singular_at(program, x, c)
    counts["singular"] += singular
    absorbed = program.absorbs_infinity(x, c)
    for method in EXACT:
        got = outcome(program, method, x, c)
        if isinstance(got, dk.DiffkitError):
            counts[f"{method} refused"] += 1
        elif not singular and not np.isinf(tape[0]) and (np.isfinite(tape[0]) or method != "fd-complex"):
            # (the complex step reads every slope off the value: a NaN value hides them all)
            assert_agrees(method, got, tape, 1e-7, absorbed)
            counts[f"{method} agreed"] += 1
    smooth = np.all(np.isfinite(tape[1])) and smooth_around(program, x, c, 1e-2, tape[1])
    counts["differences compared"] += smooth
    for method, tolerance in DIFFERENCES.items():
        got = outcome(program, method, x, c)
        if smooth and not isinstance(got, dk.DiffkitError):
            assert_agrees(method, got, tape, tolerance)


def test_every_method_agrees_with_the_tape_or_raises_a_diffkit_error():
    counts = collections.Counter()

    @settings(max_examples=300, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(programs, points, data)
    def check(tree, point, data_point):
        check_program(tree, point, data_point, counts)

    check()
    # the programs are neither all refused nor all non-finite: the comparison has teeth
    assert counts["symbolic agreed"] > 0.5 * counts["programs"], counts
    assert counts["differences compared"] > 0.2 * counts["programs"], counts
