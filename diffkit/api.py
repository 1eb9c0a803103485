"""The user-facing differentiation API: ``gradient``, ``grad``, ``value_and_grad``."""

import functools

from .core.keywords import refuses_unknown_keywords
from .engines.compile import compile_program
from .methods import Problem, get_method, method_names

DEFAULT_METHOD = "tape"


def gradient(f, *args, argnums=0, method=DEFAULT_METHOD, **options):
    """Differentiate ``f`` at ``args`` with one method; return a :class:`GradientResult`.

    ``argnums`` (an int or a tuple) says which positional arguments to differentiate;
    each may be a number, an array, or a dict/list/tuple of them, and its gradient comes
    back in the same structure. ``options`` go to the method (e.g. ``step`` for finite
    differences).
    """
    chosen = get_method(method)
    return chosen.run(Problem(f, args, argnums), **options)


def value_and_grad(f, argnums=0, method=DEFAULT_METHOD, **options):
    """Return a function computing ``(f(*args), gradient)`` with the chosen method."""
    chosen = get_method(method)
    chosen.check_options(options)  # fail now, not at the first call, on a misspelt name or option

    @functools.wraps(f)
    def value_and_gradient(*args):
        return chosen.value_and_grad(Problem(f, args, argnums), **options)

    return value_and_gradient


def grad(f, argnums=0, method=DEFAULT_METHOD, **options):
    """Return a function computing the gradient of ``f`` with the chosen method."""
    chosen = get_method(method)
    chosen.check_options(options)

    @functools.wraps(f)
    def gradient_of_f(*args):
        return chosen.value_and_grad(Problem(f, args, argnums), **options)[1]

    return gradient_of_f


@refuses_unknown_keywords
def compile_grad(f, *example_args, argnums=0):
    """Record ``f`` once at ``example_args`` and return its gradient as straight-line NumPy code.

    The result is called like ``dk.grad(f, argnums)``, with new values of the example's
    shapes (``compiled(*args)``; ``compiled.value_and_grad(*args)`` gives the value
    too), and computes the same gradient as the tape without recording anything: the
    forward and backward passes are written out as Python over NumPy calls, one line per
    op, readable in ``compiled.source``. Float arrays and numbers among the other
    arguments are inputs too; any other argument is held as a constant.

    Control flow is the one recorded: a call whose values would take another branch of an
    ``if`` or another number of turns of a ``while`` raises ControlFlowChangedError naming
    the condition's line (compile again at those values, or use ``dk.grad``). So does a
    call where a value the program read as a constant (a mask or ``dk.argmax`` used as an
    index, ``int()`` of a position or a count) comes out different.
    """
    return compile_program(f, example_args, argnums)


def methods():
    """Names of every registered differentiation method."""
    return method_names()
