"""The one small hierarchy of errors diffkit raises for a user's mistake.

Every message says what happened, where (the argument, the op, the program line)
and what to do instead.
"""


class DiffkitError(Exception):
    """Base class of every error diffkit raises on purpose."""


class InputError(DiffkitError, ValueError):
    """An argument given to a diffkit function cannot be used (argnums, NaN, dtype...)."""


class NonScalarOutputError(InputError):
    """A gradient was asked of a program whose output is not a single number."""


class FolderInUseError(InputError):
    """Another diffkit run is writing to the report folder given."""


class ListArgumentError(InputError, TypeError):
    """A Python list (or tuple) of numbers reached arithmetic where an array was meant.

    diffkit differentiates a list as a container of separate arguments, so the program
    receives a list, which has no arithmetic; ``np.array`` makes it one vector.
    """


class ShapeError(DiffkitError, ValueError):
    """An op received operands whose shapes do not fit together."""


class NonDiffkitFunctionError(DiffkitError, TypeError):
    """A function outside diffkit (``math.exp``, ``float``) met a traced or symbolic value."""


class MissingArrayMethodError(DiffkitError, AttributeError):
    """A NumPy array method (``x.max()``, ``x.astype``) that diffkit's values do not have."""


class UnknownMethodError(DiffkitError, KeyError):
    """A differentiation method name that is not registered."""

    def __str__(self):  # KeyError would otherwise print the message in quotes
        return str(self.args[0]) if self.args else ""


class UnsupportedError(DiffkitError):
    """The chosen method cannot differentiate this program (not a bug in the program)."""


class SymbolicControlFlowError(UnsupportedError):
    """A branch or loop condition depends on a symbolic value, so SymPy cannot decide it."""


class ControlFlowChangedError(UnsupportedError):
    """A compiled gradient was called with values that take another branch than the one it recorded."""


class NonAnalyticError(UnsupportedError):
    """The complex-step method met an op that is not analytic (abs, relu, max...)."""


class ComplexValueError(UnsupportedError, InputError):
    """A complex number or array met a value being differentiated: diffkit's derivative rules,
    and the complex step's perturbation, are for programs computing in real numbers."""


class ExpressionTooLargeError(DiffkitError):
    """A symbolic expression grew past what SymPy or lambdify can handle."""


class UnusedSettingWarning(UserWarning):
    """A setting (``dk.kinks("zero")``) was made but never entered with ``with``: it changed nothing."""


class UnreadableResultWarning(UserWarning):
    """A row or value of a results database could not be read; the report is built without it."""


def did_you_mean(name, choices):
    """`` (did you mean 'tape'?)`` for the choice closest to a misspelt ``name`` (difflib), or ``""``.

    Every "no such name" message of diffkit (methods, suites, programs, studies, options,
    subcommands) ends with it, names quoted the same way.
    """
    import difflib

    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
