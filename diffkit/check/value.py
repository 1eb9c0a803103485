"""``check_value``: compare a value computed by hand (a forward pass, a printed result)
with what the program computes, entry by entry, in the same report as a gradient check.

The lecture notes' matrix-multiply example prints y = x W with the wrong numbers;
``check_value(matmul, printed_y, x, W, name="y")`` says which entries are off.
"""

import numpy as np

from .. import errors
from ..values import BoxedValue
from .compare import ROUNDING_FACTOR, bands_for, classify, dtype_eps, relative_error
from .report import DEFAULT_SHOWN, ArgumentCheck, CheckReport
from .structure import shape_message

REFERENCE = "diffkit"


def check_value(f, expected, *args, name="value", rtol=None, atol=None, shown=DEFAULT_SHOWN):
    """Check ``expected`` (your value of ``f(*args)``) against ``f(*args)``; return a report.

    ``f`` is evaluated on the plain arguments. Entries are named ``name[i,j]`` and
    judged with the same bands as gradients (relative error above 1e-5 is wrong in
    float64); ``atol`` defaults to the rounding level of the computed value.
    """
    if not callable(f):
        raise errors.InputError(f"check_value needs the function that computes the value, got {type(f).__name__}")
    actual = f(*args)
    if isinstance(actual, BoxedValue):
        raise errors.InputError("check_value evaluates f on plain arrays; pass numbers or NumPy arrays as args")
    actual = np.asarray(actual)
    if actual.dtype.kind not in "iuf":
        raise errors.InputError(f"{getattr(f, '__name__', 'f')} returned {actual.dtype} values; check_value compares numbers")
    dtype = actual.dtype if actual.dtype.kind == "f" else np.dtype(np.float64)
    actual = actual.astype(np.float64)
    entry_names = [name] if actual.ndim == 0 else [f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*actual.shape)]
    argument = ArgumentCheck(name=name, shape=tuple(actual.shape), dtype=dtype.name, entry_names=entry_names)
    argument.references = {REFERENCE: actual.reshape(-1)}
    try:
        yours = np.array(expected, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        argument.findings.append(f"your {name} is not an array of numbers: {exc}")
        yours = None
    if yours is not None and yours.shape != actual.shape and not (yours.size == 1 == actual.size):
        argument.findings.append(
            shape_message(name, yours.shape, actual.shape).replace(f"grad for {name}", f"your {name}")
            .replace(f"; {name} has shape", f"; {getattr(f, '__name__', 'f')} gives shape")
        )
        if yours.size != actual.size:
            yours = None
    bands = bands_for(dtype, rtol)
    tolerance = float(atol) if atol is not None else ROUNDING_FACTOR * dtype_eps(dtype) * float(np.max(np.abs(actual), initial=0))
    if yours is not None:
        flat = yours.reshape(-1)
        argument.yours = flat
        argument.abs_errors = np.abs(flat - argument.references[REFERENCE])
        argument.rel_errors = relative_error(flat, argument.references[REFERENCE]).reshape(-1)
        argument.verdicts = [classify(r, a, bands, tolerance) for r, a in zip(argument.rel_errors, argument.abs_errors)]
    settings = [
        f"reference: {getattr(f, '__name__', 'f')} evaluated by diffkit on the given arguments ({dtype.name})",
        f"bands {bands.describe()}",
        f"atol = {tolerance:.3g}" + (" (given)" if atol is not None else f" (default: {ROUNDING_FACTOR} * eps * max|value|)"),
    ]
    return CheckReport(
        title=f"value check of {getattr(f, '__name__', 'f')}",
        arguments=[argument],
        methods=[REFERENCE],
        settings=settings,
        pass_rule="an entry is wrong when its relative error is above the wrong band and its absolute error above atol",
        shown=shown,
    )
