"""Compiling SymPy expressions into NumPy code, and the failures of SymPy at scale.

The symbolic engine's second half (the first, :mod:`diffkit.engines.symbolic`, carries
symbols through a program): ``sympy.lambdify`` turns a list of expressions of the
input symbols into one NumPy function, with or without common-subexpression
elimination. Deep expressions exhaust SymPy's recursion or Python's parser; those
failures become :class:`~diffkit.errors.ExpressionTooLargeError` here, in one place.
"""

import functools
import math
import os
import time
import warnings

import numpy as np

from .. import errors
from ..core.lazy import sympy
from ..core.primitive import primitives
from ..core.problem import scalar_output
from ..ops.sympy_faces import functions
from .dag import distinct_nodes, selections_kept, sortable
from .expression_size import tree_size
from .symbolic import SymbolicArray, symbol_array, to_object_array
from .tape import Tape, Traced

TOO_LARGE = (RecursionError, MemoryError, SyntaxError, OverflowError)


def trace_outputs(problem, check_output):
    """Run the program on symbols; return (its output as an object array, flat list of symbols).

    ``check_output(raw)`` checks the raw output first (one number, or any array). SymPy
    checks a new expression's arguments recursively, so a very deep program (a long
    unrolled loop) can exhaust the recursion limit while it is being built: that
    becomes :class:`ExpressionTooLargeError`, like a derivation that is too deep.
    """
    symbol_arrays = [symbol_array(name, leaf.shape) for name, leaf in zip(problem.leaf_names, problem.leaves)]
    try:
        out = problem.call([SymbolicArray(array) for array in symbol_arrays])
    except RecursionError as exc:
        if not raised_inside_sympy(exc):
            raise  # the user's own recursion, not the expression's size
        raise too_large("build", exc) from None
    out = check_output(out)
    outputs = out.array if isinstance(out, SymbolicArray) else to_object_array(out)
    symbols = [s for array in symbol_arrays for s in array.reshape(-1)]
    return outputs, symbols


def trace_symbolic(problem):
    """Run a scalar program on symbols; return (forward expression, flat list of symbols)."""
    outputs, symbols = trace_outputs(problem, lambda out: scalar_output(out, problem.name))
    return sympy.sympify(outputs.reshape(-1)[0]), symbols


def raised_inside_sympy(exc):
    """Whether the innermost frame of ``exc``'s traceback is SymPy's code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and f"{os.sep}sympy{os.sep}" in tb.tb_frame.f_code.co_filename


def too_large(stage, exc, tree_ops=None):
    size = f" ({tree_ops} operations as a tree)" if tree_ops is not None else ""
    return errors.ExpressionTooLargeError(
        f"the symbolic expression is too large for SymPy to {stage}{size}: {type(exc).__name__}: "
        f"{str(exc)[:200]}. Use 'tape' (reverse mode builds no expression), or a smaller program."
    )


def dirac_delta_as_zero(x, order=0):
    """SymPy's derivative of a step (heaviside, sign) is a DiracDelta; diffkit's is 0.

    A piecewise-constant op sends no gradient back, at its jump too (the tape's rule
    for sign and heaviside), so lambdify evaluates DiracDelta as 0 instead of failing
    on a name NumPy does not have.
    """
    return np.zeros_like(np.asarray(x, dtype=float))


def _table_functions():
    """NumPy versions of SymPy functions that NumPy lacks (erf), as the op table declares them."""
    found = {}
    for primitive in primitives().values():
        found.update(primitive.extra.get("lambdify", {}))
    return found


_MODULES = [{"DiracDelta": dirac_delta_as_zero, **_table_functions()}, "numpy"]


@functools.cache
def _renaming_printer_class():
    """NumPy code printer that writes each argument symbol under an identifier name.

    Symbols like ``W1[0,2]`` are not Python identifiers. Left to itself, lambdify
    substitutes a dummy for each such argument, rewriting every expression once per
    argument (and SymPy re-derives the assumptions of every rebuilt node), so the
    compile time would measure that renaming rather than the method. Printing the
    names differently costs nothing. It also writes each float constant with the digits
    that read back as the same double. (A class made on first use: SymPy loads then.)
    """
    from sympy.printing.numpy import NumPyPrinter

    class RenamingPrinter(NumPyPrinter):
        def __init__(self, names):
            super().__init__(
                {
                    "fully_qualified_modules": False,
                    "inline": True,
                    "allow_unknown_functions": True,
                    "user_functions": {name: name for name in _MODULES[0]},
                }
            )
            self._names = names

        def _print_Symbol(self, symbol):
            name = self._names.get(symbol)
            return name if name is not None else super()._print_Symbol(symbol)

        def _print_Float(self, expr):
            # SymPy prints a Float with its 15 decimal digits, which need not read back as the
            # double it holds (2.0409191213851825 becomes 2.04091912138518): a comparison with
            # the data it came from could then flip. repr gives the digits that read back exactly.
            value = float(expr)
            return repr(value) if math.isfinite(value) else super()._print_Float(expr)

        def _print_Heaviside(self, expr):
            # NumPy's own step, with SymPy's value at 0 (1/2 unless given): SymPy's printer
            # would rewrite it as a Piecewise, solving the inequalities of every Max inside.
            value_at_zero = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
            return f"{self._module_format('numpy.heaviside')}({self._print(expr.args[0])}, {self._print(value_at_zero)})"

        def _print_Piecewise(self, expr):
            # Nested numpy.where: numpy.select wants arrays for conditions (scalars fail) and
            # SymPy's printer simplifies each condition that holds an ITE, which can take minutes.
            where = self._module_format("numpy.where")
            printed = self._module_format("numpy.nan")
            for piece in reversed(expr.args):
                value = self._print(piece.expr)
                if piece.cond == sympy.true:
                    printed = value
                else:
                    printed = f"{where}({self._print(piece.cond)}, {value}, {printed})"
            return printed

        def _print_Pow(self, expr, rational=False):
            # A negative number to a fraction is complex in Python ((-1) ** (1/3)), NaN in floating point.
            base, exponent = expr.args
            if base.is_Number and base.is_negative and exponent.is_Number and not exponent.is_integer:
                return self._module_format("numpy.nan")
            return super()._print_Pow(expr, rational=rational)

        def _print_ComplexInfinity(self, expr):
            return self._module_format("numpy.nan")  # refused before it is evaluated (see refuse_undefined)

    return RenamingPrinter


def compile_expressions(symbols, expressions, use_cse):
    """``sympy.lambdify`` the expressions into one NumPy function of the symbols.

    A deep expression makes lambdify's printer recurse too deep, or prints source with
    more nested parentheses than Python's parser accepts (a ``SyntaxError``): both
    become :class:`ExpressionTooLargeError`.
    """
    try:
        names = {symbol: f"_dk_arg{i}" for i, symbol in enumerate(symbols)}
        arguments = [sympy.Symbol(name) for name in names.values()]
        return sympy.lambdify(
            arguments, expressions, modules=_MODULES, printer=_renaming_printer_class()(names), cse=use_cse, docstring_limit=0
        )
    except TOO_LARGE as exc:
        raise too_large("compile (lambdify)", exc, tree_size(expressions)) from None


def refuse_unevaluated(derivatives, symbols):
    """SymPy returns ``Derivative(...)`` when it cannot differentiate; lambdify cannot print it."""
    for derivative, symbol in zip(derivatives, symbols):
        try:
            left = derivative.atoms(sympy.Derivative) if isinstance(derivative, sympy.Basic) else ()
        except TOO_LARGE:
            return  # too deep to search: compilation will say so
        if left:
            raise errors.UnsupportedError(
                f"SymPy could not differentiate with respect to {symbol}: it left "
                f"{str(next(iter(left)))[:120]} unevaluated. Use 'tape' or a finite-difference "
                "method for this program."
            )


def undefined_values(expressions):
    """SymPy's undefined values in the expressions: ``zoo``, ``nan``, ``I`` and
    ``AccumBounds`` (each as its class, for :func:`refuse_undefined`).

    They come from SymPy's exact arithmetic on constants (1/0, log(0), 0 * oo, sqrt(-1),
    sin(oo) = AccumBounds(-1, 1)), where floating point gives an infinity of some sign or
    a NaN. Looked for once per distinct subexpression, so a deep DAG costs its size, not
    its tree's.
    """
    wanted = tuple(_undefined_names())
    return {type(node) for node in distinct_nodes(_basics(expressions)) if isinstance(node, wanted)}


def _basics(expressions):
    return [e for e in expressions if isinstance(e, sympy.Basic)]


@functools.cache
def _undefined_names():
    """SymPy's classes of undefined values, with the name a message gives each (SymPy loads on first use)."""
    from sympy.calculus.accumulationbounds import AccumulationBounds
    from sympy.core.numbers import ComplexInfinity, ImaginaryUnit, NaN

    return {
        ComplexInfinity: "zoo (complex infinity)",
        ImaginaryUnit: "I (the imaginary unit)",
        AccumulationBounds: "AccumBounds (a range, SymPy's sin or cos of an infinity)",
        NaN: "nan",
    }


def refuse_undefined(found, values=None):
    """Refuse a result SymPy's undefined values may have changed; let through the rest.

    ``zoo`` (complex infinity) has no sign, ``I`` no place in a real program and
    ``AccumBounds`` is a range, not a number: any one of them means the result is not what
    floating point (the tape) computes, so they are refused wherever they are, before
    anything is compiled. ``nan`` is refused once the ``values`` are known and one of them
    is not finite: a ``nan`` that sits in a branch not taken (``Where(p > 0, 0, nan)``)
    changes nothing.
    """
    names = _undefined_names()
    signless = found - {type(sympy.S.NaN)}
    if not signless:
        if not found or values is None:
            return
        if all(np.all(np.isfinite(np.asarray(v, dtype=complex))) for v in values):
            return
    listed = ", ".join(sorted(names[kind] for kind in (signless or found)))
    raise errors.UnsupportedError(
        f"SymPy's exact arithmetic turned part of this program into {listed}: an exact division "
        "by zero or log(0) gives zoo, 0 * oo or oo - oo gives nan, the square root or log of a "
        "negative constant gives I, the sine of an infinite constant AccumBounds (often after a "
        "mask made a value exactly 0, as in log(x * (c > 0))). Floating point gives a signed "
        "infinity or NaN there, and the derivative SymPy builds around such a value is not the "
        "program's. Differentiate this program with 'tape', 'forward-mode' or a finite-"
        "difference method."
    )


def real_values(values):
    """The values as real numbers; a complex one refused (SymPy's algebra is over the complex
    numbers: ``(-1)**(1/3)`` is complex to it, NaN in the program's floating point)."""
    real = []
    for value in values:
        array = np.asarray(value)
        if array.dtype.kind == "c":
            if np.any(np.imag(array) != 0):
                raise errors.UnsupportedError(
                    "SymPy's algebra made a complex number of this real program (a root or power "
                    "of a negative value, such as (-1)**(1/3), which floating point makes NaN). "
                    "Differentiate it with 'tape', 'forward-mode' or a finite-difference method."
                )
            value = np.real(array)
        real.append(value)
    return real


def compile_and_evaluate(symbols, expressions, point, use_cse, stats, keep=None):
    """lambdify ``expressions`` of ``symbols`` (as ``symbolic`` does) and evaluate them at ``point``.

    ``keep``, a list, receives the compiled function, for callers that evaluate again.

    Raises :class:`~diffkit.errors.UnsupportedError` where SymPy's undefined values
    (see :func:`refuse_undefined`) would make the result differ from floating point.
    """
    found = undefined_values(expressions)
    refuse_undefined(found)
    if type(sympy.S.NaN) in found:
        expressions = sortable(expressions)
    expressions = selections_kept(expressions)
    start = time.perf_counter()
    compiled = compile_expressions(symbols, expressions, use_cse)
    stats["compile_time"] = time.perf_counter() - start
    if keep is not None:
        keep.append(compiled)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            values = compiled(*point)
        except TOO_LARGE as exc:
            raise too_large("evaluate", exc) from None
        except TypeError as exc:  # a complex number SymPy's algebra made, met by a real ufunc
            raise errors.UnsupportedError(
                f"the compiled expression could not be evaluated in floating point ({exc}): SymPy's "
                "algebra, over the complex numbers, made a value NumPy's real functions do not take. "
                "Differentiate this program with 'tape', 'forward-mode' or a finite-difference method."
            ) from None
    stats["evaluation_time"] = time.perf_counter() - start
    refuse_undefined(found, values)
    values = real_values(values)
    if caught:
        stats["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return values


def symbol_point(problem):
    """The point as one NumPy float per symbol (so 0.0 ** -1.0 in a branch not taken is inf, not an error)."""
    return [np.float64(v) for leaf in problem.leaves for v in leaf.reshape(-1)]


def record_symbolic(problem):
    """Record the program on a tape over symbols; return (tape, traced leaves, output, symbol arrays)."""
    symbol_arrays = [symbol_array(name, leaf.shape) for name, leaf in zip(problem.leaf_names, problem.leaves)]
    with Tape() as tape:
        leaves = [tape.leaf(SymbolicArray(array)) for array in symbol_arrays]
        try:
            out = problem.call(leaves)
        except RecursionError as exc:
            if not raised_inside_sympy(exc):
                raise  # the user's own recursion, not the expression's size
            raise too_large("build", exc) from None
    return tape, leaves, out, symbol_arrays


def untraced(value):
    """The value a tape output holds (a plain output of a constant program stays as is)."""
    return value.value if isinstance(value, Traced) else value


def unit_seed(out):
    """The seed 1 shaped like a scalar output (which may be an array of size 1)."""
    shape = tuple(out.shape) if hasattr(out, "shape") else ()
    return np.ones(shape) if shape else 1.0


def expressions_of(cotangent, shape):
    """A cotangent (symbolic, plain number or None) as an object array of ``shape``."""
    if cotangent is None:
        return np.full(shape, sympy.S.Zero, dtype=object)
    return np.array(np.broadcast_to(to_object_array(cotangent), shape), dtype=object)


def refuse_lost_nan(values, matrix, outputs):
    """Refuse slopes that are numbers where a NaN constant made the value NaN.

    On the tape a NaN reaches every slope it meets (``nan * (x * 0)`` has slope NaN); SymPy
    folds ``0 * nan`` into a constant first, and the slope comes out 0. Where an output is
    NaN, holds a NaN constant, and still has a slope that is a number, that number is not
    the program's.
    """
    for row, value in enumerate(values):
        if np.isnan(value) and np.isfinite(matrix[row]).any():
            if any(isinstance(node, functions.NanConstant) for node in distinct_nodes([outputs[row]])):
                raise errors.UnsupportedError(
                    "the program's value is NaN, from a NaN constant that SymPy's algebra folds "
                    "into its products (0 * nan is one constant to it), so the slopes SymPy finds "
                    "are numbers where the NaN reaches them in floating point. Differentiate this "
                    "program with 'tape' or 'forward-mode'."
                )


def evaluate_blocks(problem, symbols, outputs, entries, use_cse, stats, scalar):
    """Compile the outputs and their derivative entries (row-major, outputs x symbols), evaluate them
    at the problem's point, and return (value, one block per leaf of shape output.shape + leaf.shape,
    a function that evaluates the compiled code at the point again: the cost of one more gradient)."""
    point = symbol_point(problem)
    compiled = []
    values = compile_and_evaluate(symbols, [*outputs.reshape(-1), *entries], point, use_cse, stats, keep=compiled)
    evaluate_again = functools.partial(compiled[0], *point)
    numbers = np.array([np.asarray(v, dtype=float) for v in values], dtype=float).reshape(-1)
    count = outputs.size
    shape = () if scalar else outputs.shape  # a size-1 array counts as a number for a gradient
    value = numbers[:count].reshape(shape)
    matrix = numbers[count:].reshape(count, len(symbols))
    refuse_lost_nan(numbers[:count], matrix, list(outputs.reshape(-1)))
    blocks, offset = [], 0
    for leaf in problem.leaves:
        blocks.append(matrix[:, offset : offset + leaf.size].reshape(shape + leaf.shape))
        offset += leaf.size
    return (float(value) if scalar else value), blocks, evaluate_again
