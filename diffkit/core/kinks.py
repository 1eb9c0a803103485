"""The value a derivative takes at a kink: one setting, read by every rule that has a kink.

relu, abs, leaky_relu, elu, maximum and minimum are not differentiable at their kinks
(x = 0, or a tie), and the lecture decks disagree on what to write there: one takes
relu'(0) = 0, another relu'(0) = 1, diffkit's default is 1/2, the mean of the one-sided
derivatives. Every derivative rule with a kink is written with two step functions,
``heaviside`` (0 on the left, 1 on the right) and ``sign`` (-1, 1), and this setting
says what each step is *at* its jump:

============  ==================  ===========  ============================================
convention    heaviside(0)        sign step    so that
============  ==================  ===========  ============================================
``"zero"``    0                   0            relu'(0) = 0, abs'(0) = 0, a tie sends nothing
``"one"``     1                   1            relu'(0) = 1, abs'(0) = 1, a tie sends all to each side
``"mean"``    1/2                 0            the mean of the one-sided derivatives (default)
============  ==================  ===========  ============================================

leaky_relu'(0) and elu'(0) follow: (1 - h) alpha + h, with h = heaviside(0), so their left
slope alpha under "zero", 1 under "one" and the mean under "mean". So does dk.interp's slope
at a knot, (1 - h) times the slope on its left plus h times the slope on its right.

The tape, forward mode and the symbolic tape read it through the rules in
:mod:`diffkit.ops.elementwise`; the symbolic methods through the SymPy faces (SymPy's
``Heaviside(x, H0)``). Finite differences cannot be told: they measure what the
function does around the kink (central differences the mean, forward differences the
right-hand slope), whatever the setting.
"""

import contextlib
import contextvars
import warnings

from .. import errors
from .frames import user_location

CONVENTIONS = ("zero", "one", "mean")
DEFAULT = "mean"
_STEP_AT_JUMP = {"zero": 0.0, "one": 1.0, "mean": 0.5}
_SIGN_AT_JUMP = {"zero": 0.0, "one": 1.0, "mean": 0.0}

_convention = contextvars.ContextVar("diffkit_kink_convention", default=DEFAULT)


def kink_convention():
    """The convention in force: ``"zero"``, ``"one"`` or ``"mean"``."""
    return _convention.get()


def step_at_jump():
    """heaviside(0) under the convention in force: 0, 1 or 1/2."""
    return _STEP_AT_JUMP[_convention.get()]


def sign_at_jump():
    """The value of abs's derivative at 0 under the convention in force: 0, 1 or 0."""
    return _SIGN_AT_JUMP[_convention.get()]


def checked_convention(convention):
    """``convention`` if it is one of :data:`CONVENTIONS`, else an InputError naming them."""
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise errors.InputError(
            f"unknown kink convention {convention!r}: use one of {', '.join(map(repr, CONVENTIONS))}, "
            "e.g. `with dk.kinks(\"zero\"):` for relu'(0) = 0"
        )
    return convention


class kinks(contextlib.ContextDecorator):
    """Inside the block, every method's derivative at a kink follows ``convention``.

        with dk.kinks("zero"):          # relu'(0) = 0, as CS 231N's exercise writes it
            dk.grad(dk.relu)(0.0)       # 0.0, by the tape, forward mode, SymPy, ...

    The previous convention comes back when the block ends, also on an exception. It
    decorates a function too (``@dk.kinks("one")``). The convention is checked at once;
    a ``dk.kinks(...)`` never entered, a line of its own without ``with``, changes
    nothing, and says so with an :class:`~diffkit.errors.UnusedSettingWarning` when it
    is discarded.
    """

    _used = True  # until __init__ has checked the convention: a refused one is not also warned about

    def __init__(self, convention):
        self.convention = checked_convention(convention)
        self._tokens = []
        self._used = False
        self._where = user_location()

    def __enter__(self):
        self._used = True
        self._tokens.append(_convention.set(self.convention))
        return self.convention

    def __exit__(self, *exc_info):
        _convention.reset(self._tokens.pop())
        return False

    def __call__(self, function):
        self._used = True
        return super().__call__(function)

    def _recreate_cm(self):
        """A fresh setting for each call of a decorated function: calls in other threads or tasks
        each restore their own."""
        fresh = type(self)(self.convention)
        fresh._used = True
        return fresh

    def __del__(self):
        if not self._used:
            warnings.warn(
                f"dk.kinks({self.convention!r}) at {self._where or 'an unknown line'} was not used with `with`, "
                f"so it changed nothing: write `with dk.kinks({self.convention!r}):` around the calls it is for",
                errors.UnusedSettingWarning,
                stacklevel=2,
            )


def use_kinks(convention):
    """Make ``convention`` the one in force from now on (a worker process takes its run's)."""
    _convention.set(checked_convention(convention))
