"""The accuracy reference: the gradient at about 50 significant digits, by two routes.

Route 1 ("reference") runs diffkit's own tape over leaves that hold 50-digit
``sympy.Float`` numbers (the program's float constants are raised to 50 digits too, with
their exact values): every primitive's SymPy face evaluates them numerically at that
precision, comparisons resolve, so programs with data-dependent loops work too.
Route 2 ("reference-check") is independent of the tape: the program is traced on
symbols with its constants at 50 digits, SymPy differentiates the expression (its float
constants made exact rationals first, since SymPy would otherwise multiply them
together at their own precision) and mpmath evaluates the derivative at 50 digits. It applies only where the
symbolic method does (no branch on an input); where both apply they must agree, and the
report says to how many digits.

Gradients are returned flat, as decimal strings, so they store losslessly in SQLite.
"""

import mpmath
import numpy as np
from ..core.lazy import sympy

from ..core.problem import scalar_output
from ..engines.sympy_compile import trace_symbolic
from ..engines.symbolic import SymbolicArray, float_constants_at
from ..engines.tape import Tape
from ..ops.sympy_faces import derivative

DIGITS = 50


def high_precision(array, digits=DIGITS):
    """A float array as a SymbolicArray of ``digits``-digit SymPy Floats (exact binary values)."""
    array = np.asarray(array, dtype=float)
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(*array.shape):
        out[index] = sympy.Float(float(array[index]), digits)
    return SymbolicArray(out)


def _number_text(value, digits=DIGITS):
    number = sympy.sympify(value)
    if not number.is_number:
        raise ValueError(f"the high-precision evaluation left a symbol in the result: {number}")
    number = number.evalf(digits)
    if not number.is_real:
        raise ValueError(f"the program is not real-valued at this point (it computes {number}); "
                         "move the point into the domain of its ops")
    return str(sympy.Float(number, digits))


def _flat_texts(value, shape, digits=DIGITS):
    """Decimal strings of a gradient piece (None: the output does not depend on it)."""
    if value is None:
        return ["0"] * int(np.prod(shape, dtype=int))
    array = value.array if isinstance(value, SymbolicArray) else np.asarray(value, dtype=object)
    array = np.broadcast_to(array, shape)
    return [_number_text(v, digits) for v in array.reshape(-1)]


def tape_reference(problem, digits=DIGITS):
    """Route 1: the tape over 50-digit numbers. Returns (value text, flat gradient texts)."""
    with float_constants_at(digits):
        with Tape() as tape:
            leaves = [tape.leaf(high_precision(leaf, digits)) for leaf in problem.leaves]
            out = problem.call(leaves)
        out = scalar_output(out, getattr(problem.f, "__name__", "the program"))
        value = out.value if hasattr(out, "value") else out
        seed = SymbolicArray(np.full(np.shape(value.array if isinstance(value, SymbolicArray) else value),
                                     sympy.Float(1, digits), dtype=object))
        grads = tape.backward(out, seed, leaves)
    flat = []
    for grad, leaf in zip(grads, problem.leaves):
        flat.extend(_flat_texts(grad, leaf.shape, digits))
    value_array = value.array if isinstance(value, SymbolicArray) else np.asarray(value, dtype=object)
    return _number_text(value_array.reshape(-1)[0], digits), flat


def exact_constants(expression):
    """Float constants as exact rationals (their binary values), so that SymPy does not
    round products of constants to 15 digits while differentiating."""
    floats = expression.atoms(sympy.Float)
    return expression.xreplace({f: sympy.Rational(f) for f in floats}) if floats else expression


def symbolic_reference(problem, digits=DIGITS):
    """Route 2: SymPy's derivative of the traced expression, evaluated by mpmath at 50 digits.

    Raises SymbolicControlFlowError where the program branches on an input.
    """
    with float_constants_at(digits):
        expression, symbols = trace_symbolic(problem)
    expression = exact_constants(expression)
    derivatives = [derivative(expression, symbol) for symbol in symbols]
    point = [float(v) for leaf in problem.leaves for v in leaf.reshape(-1)]
    with mpmath.workdps(digits + 5):
        compiled = sympy.lambdify(symbols, [expression, *derivatives], modules="mpmath", docstring_limit=0)
        values = compiled(*[mpmath.mpf(x) for x in point])
        if any(isinstance(v, mpmath.mpc) and v.imag != 0 for v in values):
            raise ValueError("the program is not real-valued at this point (mpmath computed a complex "
                             "number); move the point into the domain of its ops")
        texts = [mpmath.nstr(mpmath.re(v), digits, strip_zeros=False) for v in values]
    return texts[0], texts[1:]


def max_difference(texts_a, texts_b, digits=DIGITS):
    """Largest absolute and normwise relative difference of two flat gradients, as floats."""
    with mpmath.workdps(digits + 10):
        a = [mpmath.mpf(t) for t in texts_a]
        b = [mpmath.mpf(t) for t in texts_b]
        absolute = max((_difference(x, y) for x, y in zip(a, b)), default=mpmath.mpf(0))
        scale = max((abs(y) for y in b), default=mpmath.mpf(0))
        relative = absolute / scale if scale and mpmath.isfinite(absolute) else absolute
        return float(absolute), float(relative)


def _difference(x, y):
    """|x - y|, with infinities and NaN compared as values: the same one is no difference, a
    non-finite entry against a finite one (a NaN gradient, an overflow) is an infinite one."""
    if mpmath.isfinite(x) and mpmath.isfinite(y):
        return abs(x - y)
    same = (mpmath.isnan(x) and mpmath.isnan(y)) or x == y
    return mpmath.mpf(0) if same else mpmath.inf


def agreeing_digits(relative):
    """How many significant digits two routes share, given their relative difference."""
    if relative == 0:
        return DIGITS
    return int(max(0, min(DIGITS, -np.log10(relative))))
