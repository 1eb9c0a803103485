"""What every differentiation method shares: its traits, its one core, and what is derived from it.

A method implements one core, :meth:`Method.derivatives`: given a
:class:`~diffkit.core.problem.Problem` and the kind of output expected (one number for
a gradient, any array for a Jacobian), it returns the output's value and one
derivative block per differentiated leaf, of shape ``output.shape + leaf.shape``.
Reverse methods build it row by row (:class:`RowMethod`: one backward pass per
output entry), forward methods and finite differences column by column
(:class:`ColumnMethod`: one push per input entry), symbolic methods entry by entry.
The gradient (``dk.grad``, ``dk.gradient``), the Jacobian, Hessian-vector products
and Hessians (a method over another method's gradient) and the harness all go
through that one core.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import errors
from ..core.problem import array_output, scalar_output
from ..core.values import BoxedValue
from ..ops import broadcast_to, reshape, stack
from ..ops.shapes import shape_of


@dataclass(frozen=True)
class Traits:
    """What the harness, the report and the bench need to know about a method.

    ``family``: "finite-differences", "symbolic" or "autodiff". ``exact``: exact up to
    rounding (False: a step's truncation error remains). ``builds_expressions``: it
    derives SymPy expressions whose sizes it reports. ``builds_jacobian_by``: "rows"
    (one backward pass per output), "columns" (one pass per input) or "entries".
    ``analytic_only``: it refuses non-analytic ops (the complex step).
    """

    family: str
    exact: bool
    builds_expressions: bool
    builds_jacobian_by: str
    analytic_only: bool = False


API_KEYWORDS = ("argnums", "method")  # what dk.grad, dk.jacobian, dk.hessian... take besides a method's options


def refuse_unknown_options(method, options, accepted):
    """An InputError naming each option ``method`` does not take, with the closest of its options
    or of the API's own keywords (``argnum=`` gets "did you mean 'argnums'?")."""
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        named = ", ".join(f"{name!r}{errors.did_you_mean(name, (*accepted, *API_KEYWORDS))}" for name in unknown)
        own = f"its options are: {', '.join(sorted(accepted))}" if accepted else "it takes no options"
        raise errors.InputError(
            f"method {method!r} has no option {named}; {own}, and the call itself takes "
            f"{' and '.join(API_KEYWORDS)}"
        )


@dataclass
class GradientResult:
    """The value of a program, its gradient (shaped like the arguments) and method statistics.

    A method may hand its statistics over as a function computed when ``stats`` is first
    read (the tape: counting the bytes it holds is a pass over every node, which a
    gradient does not need); until then the result keeps what that function reads.
    """

    __slots__ = ("value", "grad", "method", "expressions", "_stats", "_pending")

    def __init__(self, value, grad, stats=None, method="", expressions=None, pending_stats=None):
        self.value = value
        self.grad = grad
        self.method = method
        self.expressions = expressions  # symbolic methods: {"value": expr, "grad": [exprs per entry]}
        self._stats = {} if stats is None else stats
        self._pending = pending_stats

    @property
    def stats(self):
        if self._pending is not None:
            pending, self._pending = self._pending, None
            found = pending()
            found.update(self._stats)
            self._stats = found
        return self._stats

    @stats.setter
    def stats(self, stats):
        self._stats, self._pending = stats, None

    def __eq__(self, other):
        if not isinstance(other, GradientResult):
            return NotImplemented
        return (self.value, self.grad, self.stats, self.method, self.expressions) == (
            other.value, other.grad, other.stats, other.method, other.expressions)

    __hash__ = None

    def __repr__(self):
        return f"GradientResult(method={self.method!r}, value={self.value!r}, grad={self.grad!r}, stats={self.stats!r})"


@dataclass
class Derivatives:
    """A method core's answer: the output and one block per leaf (``output.shape + leaf.shape``; None is zero)."""

    value: Any
    blocks: list
    stats: dict = field(default_factory=dict)
    expressions: Any = None


class Output:
    """The output a derivative needs: one number (a gradient) or any array (a Jacobian)."""

    def __init__(self, scalar):
        self.scalar = scalar

    def check(self, out, problem):
        """The program's raw output, checked; a clear error naming what came back otherwise."""
        if self.scalar:
            return scalar_output(out, problem.name)
        return array_output(out, problem.name)

    def __repr__(self):
        return "Output(scalar)" if self.scalar else "Output(array)"


PER_ENTRY_STATS = ("error_estimate", "rounding_error", "step")  # statistics given per entry, like the gradient

SCALAR = Output(scalar=True)
ARRAY = Output(scalar=False)


class Method:
    """A differentiation method: one core (:meth:`derivatives`), everything else derived."""

    name = ""
    summary = ""
    options = {}  # option name -> one-line description
    traits = None

    def derivatives(self, problem, output, **options):
        """The core: a :class:`Derivatives` for ``problem`` with an output of kind ``output``."""
        raise NotImplementedError

    def product(self, problem, output, direction, **options):
        """One product of the derivative with ``direction``: J v (columns) or v^T J (rows)."""
        raise errors.UnsupportedError(f"method {self.name!r} cannot form a derivative-vector product")

    def check_options(self, options):
        if not options:
            return
        refuse_unknown_options(self.name, options, self.options)

    def run(self, problem, **options):
        """The gradient of a scalar program, as a :class:`GradientResult`."""
        self.check_options(options)
        start = time.perf_counter()
        found = self.derivatives(problem, SCALAR, **options)
        found.stats.setdefault("seconds", time.perf_counter() - start)
        for name in PER_ENTRY_STATS:
            if name in found.stats:  # blocks, one per leaf: shaped like the gradient
                found.stats[name] = problem.pack(found.stats[name])
        return GradientResult(
            value=plain_number(found.value),
            grad=problem.pack(found.blocks),
            stats=found.stats,
            method=self.name,
            expressions=found.expressions,
        )

    def value_and_grad(self, problem, **options):
        """``(value, gradient)`` of a scalar program without statistics: what ``dk.grad`` and
        ``dk.value_and_grad`` hand back, so they pay for nothing else."""
        result = self.run(problem, **options)
        return result.value, result.grad

    def jacobian(self, problem, **options):
        """The Jacobian's blocks for a program with any array output, as :class:`Derivatives`."""
        self.check_options(options)
        start = time.perf_counter()
        found = self.derivatives(problem, ARRAY, **options)
        found.stats.setdefault("seconds", time.perf_counter() - start)
        return found

    def __repr__(self):
        return f"<diffkit method {self.name}: {self.summary}>"


def plain_number(value):
    """A scalar output as a Python float (a boxed value, inside a nested derivative, stays as it is)."""
    if type(value) is np.float64 or type(value) is float:
        return float(value)
    if isinstance(value, BoxedValue):
        return value
    return float(np.asarray(value).reshape(()))


def _is_plain(value):
    return not isinstance(value, BoxedValue)


def assemble_columns(columns, shape):
    """Columns (one per leaf entry, each shaped like the output) as one block of ``shape``."""
    if not columns:
        return np.zeros(shape)
    if all(_is_plain(column) for column in columns):
        flat = np.array([np.asarray(column, dtype=float).reshape(-1) for column in columns])
        return flat.T.reshape(shape)
    return reshape(stack([reshape(column, (-1,)) for column in columns], axis=-1), shape)


class ColumnMethod(Method):
    """A method that pushes one direction through the program per input entry.

    Subclasses implement :meth:`pushforward`, returning an object with ``value``,
    ``column(leaf_index, entry)`` (the output's derivative along that entry),
    ``along(direction)`` (along one array per leaf) and ``stats()``; finite
    differences also have ``entry_stats(blocks)``: per-entry statistics (the error
    estimate, the step) as blocks shaped like the derivative's, and their scalar summaries,
    and may have ``blocks(shapes)``: every leaf's columns at once, as one block per leaf
    (the same numbers ``column`` gives, at less cost per column).
    """

    def pushforward(self, problem, output, **options):
        raise NotImplementedError

    def derivatives(self, problem, output, **options):
        push = self.pushforward(problem, output, **options)
        out_shape = () if output.scalar else tuple(shape_of(push.value))  # size-1 arrays count as numbers
        shapes = [out_shape + leaf.shape for leaf in problem.leaves]
        if hasattr(push, "blocks"):
            blocks = push.blocks(shapes)
        else:
            blocks = [assemble_columns([push.column(leaf_index, entry) for entry in range(leaf.size)], shape)
                      for leaf_index, (leaf, shape) in enumerate(zip(problem.leaves, shapes))]
        stats = push.stats()
        if hasattr(push, "entry_stats"):  # finite differences: estimates and steps per entry
            stats.update(push.entry_stats(blocks))
        return Derivatives(push.value, blocks, stats)

    def product(self, problem, output, direction, **options):
        self.check_options(options)
        return self.pushforward(problem, output, **options).along(direction)


class RowMethod(Method):
    """A method that pulls one cotangent back through the program per output entry.

    Subclasses implement :meth:`pullback`, returning an object with ``value``,
    ``back(seed)`` (one cotangent per leaf, None for zero) and ``stats(passes)``.
    """

    def pullback(self, problem, output, **options):
        raise NotImplementedError

    def derivatives(self, problem, output, **options):
        pull = self.pullback(problem, output, **options)
        shape = tuple(shape_of(pull.value))
        if output.scalar:
            return Derivatives(pull.value, pull.back(unit_seed(shape)), pull.stats(1))
        size = int(np.prod(shape, dtype=int))
        rows = [pull.back(one_hot(shape, index)) for index in range(size)]
        blocks = []
        for leaf_index, leaf in enumerate(problem.leaves):
            parts = [full_cotangent(row[leaf_index], leaf.shape) for row in rows]
            if not parts:
                blocks.append(np.zeros(shape + leaf.shape))
            elif all(_is_plain(part) for part in parts):
                blocks.append(np.array(parts, dtype=float).reshape(shape + leaf.shape))
            else:
                blocks.append(reshape(stack(parts), shape + leaf.shape))
        return Derivatives(pull.value, blocks, pull.stats(size))

    def product(self, problem, output, direction, **options):
        self.check_options(options)
        return self.pullback(problem, output, **options).back(direction)

    def value_and_grad(self, problem, **options):
        self.check_options(options)
        pull = self.pullback(problem, SCALAR, **options)
        value = pull.value
        seed = NUMBER_SEED if type(value) is np.float64 or type(value) is float else unit_seed(tuple(shape_of(value)))
        return plain_number(value), problem.pack(pull.back(seed))

    def run(self, problem, **options):
        """The gradient and one backward pass's statistics, counted when first read (see GradientResult)."""
        self.check_options(options)
        start = time.perf_counter()
        pull = self.pullback(problem, SCALAR, **options)
        value = pull.value
        seed = NUMBER_SEED if type(value) is np.float64 or type(value) is float else unit_seed(tuple(shape_of(value)))
        grad = problem.pack(pull.back(seed))
        seconds = time.perf_counter() - start
        return GradientResult(value=plain_number(value), grad=grad, stats={"seconds": seconds}, method=self.name,
                              pending_stats=lambda: pull.stats(1))


def full_cotangent(cotangent, shape):
    """A leaf's cotangent at the leaf's full shape (None, an exact zero, becomes zeros)."""
    if cotangent is None:
        return np.zeros(shape)
    if _is_plain(cotangent):
        return np.broadcast_to(np.asarray(cotangent, dtype=float), shape)
    if tuple(shape_of(cotangent)) != tuple(shape):
        return broadcast_to(cotangent, shape)
    return cotangent


# The seed of a backward pass from one number: a float64, so that the rules' arithmetic on it
# follows NumPy's, as on every value of the pass (1 / 0.0 is inf, not a ZeroDivisionError).
NUMBER_SEED = np.float64(1.0)


def unit_seed(shape):
    """The seed 1 shaped like a scalar output (which may be an array of size 1)."""
    return np.ones(shape) if shape else NUMBER_SEED


def one_hot(shape, flat_index):
    """A seed of ``shape``: zeros but a 1 at ``flat_index`` (a float for shape ())."""
    seed = np.zeros(int(np.prod(shape, dtype=int)))
    seed[flat_index] = 1.0
    return seed.reshape(shape) if shape else float(seed[0])
