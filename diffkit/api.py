"""The user-facing differentiation API: ``gradient``, ``grad``, ``value_and_grad``."""

import functools

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
    get_method(method)  # fail now, not at the first call, on a misspelt name

    @functools.wraps(f)
    def value_and_gradient(*args):
        result = gradient(f, *args, argnums=argnums, method=method, **options)
        return result.value, result.grad

    return value_and_gradient


def grad(f, argnums=0, method=DEFAULT_METHOD, **options):
    """Return a function computing the gradient of ``f`` with the chosen method."""
    get_method(method)

    @functools.wraps(f)
    def gradient_of_f(*args):
        return gradient(f, *args, argnums=argnums, method=method, **options).grad

    return gradient_of_f


def methods():
    """Names of every registered differentiation method."""
    return method_names()
