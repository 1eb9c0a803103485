"""``check_value``: compare a value computed by hand (a forward pass, a printed result)
with what the program computes, entry by entry, in the same report as a gradient check.

The lecture notes' matrix-multiply example prints y = x W with the wrong numbers;
``check_value(matmul, printed_y, x, W, name="y")`` says which entries are off.
"""

import numpy as np

from .. import errors
from ..core.keywords import refuses_unknown_keywords
from ..core.values import BoxedValue
from .compare import (
    ROUNDING_FACTOR,
    absolute_error,
    bands_for,
    classify,
    decimals_option,
    dtype_eps,
    own_rounding,
    relative_error,
    tolerance_option,
    validate_options,
)
from .report import DEFAULT_SHOWN, ArgumentCheck, CheckReport
from .structure import shape_message

REFERENCE = "diffkit"


@refuses_unknown_keywords
def check_value(f, expected, *args, name="value", rtol=None, atol=None, shown=DEFAULT_SHOWN, decimals=None):
    """Check ``expected`` (your value of ``f(*args)``) against ``f(*args)``; return a report.

    ``f`` is evaluated on the plain arguments. Entries are named ``name[i,j]`` and
    judged with the same bands as gradients (relative error above 1e-5 is wrong in
    float64); ``atol`` defaults to the rounding level of the computed value plus that of
    yours. ``decimals``: your values were rounded to that many decimals (copied from
    printed notes), so they are judged against that rounding instead of the bands.
    """
    if not callable(f):
        raise errors.InputError(f"check_value needs the function that computes the value, got {type(f).__name__}")
    validate_options(rtol=rtol, atol=atol, shown=shown, decimals=decimals)
    atol = tolerance_option("atol", atol)
    decimals = decimals_option(decimals)
    function_name = getattr(f, "__name__", "f")
    actual, dtype = _evaluate(f, args, function_name)
    argument, settings = judge_values(actual, dtype, expected, name, function_name, rtol, atol, decimals=decimals)
    settings.insert(0, f"reference: {function_name} evaluated by diffkit on the given arguments ({dtype.name})")
    return CheckReport(
        title=f"value check of {function_name}",
        arguments=[argument],
        methods=[REFERENCE],
        settings=settings,
        pass_rule=VALUE_PASS_RULE if decimals is None else rounded_pass_rule(decimals),
        shown=shown,
    )


VALUE_PASS_RULE = "an entry is wrong when its relative error is above the wrong band and its absolute error above atol"


def rounded_pass_rule(decimals):
    return f"an entry is wrong when it is more than one unit of the last of {decimals} decimals (beyond atol) from diffkit's value"


def judge_values(actual, dtype, expected, name, function_name, rtol, atol, reference=REFERENCE, decimals=None):
    """``expected`` judged against ``actual`` (float64) entry by entry: an :class:`ArgumentCheck`
    named ``name``, and the settings lines (bands or rounding, atol) it was judged by."""
    argument = ArgumentCheck(name=name, shape=tuple(actual.shape), dtype=dtype.name, entry_names=_names(name, actual))
    argument.references = {reference: actual.reshape(-1)}
    argument.decimals = decimals
    yours = _yours(expected, actual, name, function_name, argument.findings)
    bands = bands_for(dtype, rtol)
    default_atol = ROUNDING_FACTOR * dtype_eps(dtype) * float(np.max(np.abs(actual), initial=0))
    argument.estimates = {reference: np.full(actual.size, default_atol)}  # the computed value's rounding level
    tolerance = default_atol if atol is None else float(atol)
    if yours is not None:
        argument.yours = yours.reshape(-1)
        argument.abs_errors = absolute_error(argument.yours, argument.references[reference])
        argument.rel_errors = relative_error(argument.yours, argument.references[reference]).reshape(-1)
        tolerances = np.full(actual.size, tolerance)
        if atol is None:
            tolerances = tolerances + own_rounding(argument.yours, dtype, decimals)
        judged = zip(argument.rel_errors, argument.abs_errors, tolerances)
        argument.verdicts = [classify(rel, err, bands, tol, decimals) for rel, err, tol in judged]
    atol_source = "given" if atol is not None else f"default: {ROUNDING_FACTOR} * eps * max|value|, plus yours"
    judged_by = f"bands {bands.describe()}" if decimals is None else (
        f"decimals = {decimals}: correct within half a unit of the last decimal ({0.5 * 10.0**-decimals:g}), "
        f"suspicious within one unit ({10.0**-decimals:g}), else wrong"
    )
    return argument, [judged_by, f"atol = {tolerance:.3g} ({atol_source})"]


def _evaluate(f, args, function_name):
    """``f(*args)`` as a float64 array, and the dtype the bands should follow."""
    actual = f(*args)
    if isinstance(actual, BoxedValue):
        raise errors.InputError("check_value evaluates f on plain arrays; pass numbers or NumPy arrays as args")
    try:
        actual = np.asarray(actual)
    except ValueError:  # values of several shapes, e.g. a tuple (out, cache)
        raise errors.InputError(
            f"{function_name} returned a {type(actual).__name__} of values with different shapes; check_value "
            "compares one array: check each value with its own check_value call"
        ) from None
    if actual.dtype.kind not in "iuf":
        raise errors.InputError(f"{function_name} returned {actual.dtype} values; check_value compares numbers")
    dtype = actual.dtype if actual.dtype.kind == "f" else np.dtype(np.float64)
    return actual.astype(np.float64), dtype


def _names(name, actual):
    if actual.ndim == 0:
        return [name]
    return [f"{name}[{','.join(map(str, index))}]" for index in np.ndindex(*actual.shape)]


def _yours(expected, actual, name, function_name, findings):
    """The user's value as a float64 array of the right size, or None (with a finding)."""
    try:
        if np.iscomplexobj(expected):
            if np.any(np.imag(expected)):
                findings.append(f"your {name} has complex entries; {function_name} gives real numbers")
                return None
            expected = np.real(expected)  # complex numbers with no imaginary part: their real parts
        yours = np.array(expected, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        findings.append(f"your {name} is not an array of numbers: {exc}")
        return None
    if yours.shape == actual.shape or yours.size == 1 == actual.size:
        return yours.reshape(actual.shape)
    message = shape_message(name, yours.shape, actual.shape)
    message = message.replace(f"grad for {name}", f"your {name}").replace(
        f"; {name} has shape", f"; {function_name} gives shape"
    )
    findings.append(message)
    return yours.reshape(actual.shape) if yours.size == actual.size else None
