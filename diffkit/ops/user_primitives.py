"""``dk.primitive``: an op of the user's own, declared next to their function.

    softplus = dk.primitive(lambda x: np.log1p(np.exp(x)), name="softplus",
                            sympy=lambda x: sympy.log(1 + sympy.exp(x)))
    softplus.defvjp(lambda g, out, x: g * dk.sigmoid(x))
    softplus.defjvp(lambda t, out, x: t * dk.sigmoid(x))

It is a :class:`~diffkit.core.primitive.Primitive` like the ops of the table, so every
method, ``dk.jacobian``, ``dk.hessian``, ``dk.trace``, the checkers and the harness take it
as they take ``dk.exp``. It is not added to the table: the table stays diffkit's own, and
declaring the same op again (a notebook cell run twice) simply makes a new one.
"""

import numpy as np

from .. import errors
from ..core.primitive import Primitive, primitives
from ..core.user_rules import checked_face, checked_sympy_face
from .sympy_faces import elementwise_any_arity


def primitive(numpy_function=None, *, name=None, sympy=None, broadcasting=True, analytic=True):
    """Declare ``numpy_function`` as a primitive; give it rules with ``.defvjp`` / ``.defjvp``.

    ``sympy`` is its SymPy face, needed by the symbolic methods only. With
    ``broadcasting=True`` (elementwise with NumPy broadcasting, the default) it is a
    function of SymPy scalars, applied to each element; with ``broadcasting=False`` it
    receives object arrays of SymPy expressions and returns one. ``analytic=False`` (a
    kink, like relu) makes the complex-step method refuse the op. ``name`` defaults to
    the function's own name; a lambda needs one. Used bare (``@dk.primitive``) or with
    settings (``@dk.primitive(name=..., sympy=...)``), it is a decorator too.
    """
    if numpy_function is None:
        return lambda function: primitive(function, name=name, sympy=sympy, broadcasting=broadcasting,
                                          analytic=analytic)
    if not callable(numpy_function):
        raise errors.InputError(
            f"dk.primitive needs the NumPy function that computes the op, got {type(numpy_function).__name__}"
        )
    if sympy is not None and not callable(sympy):
        raise errors.InputError(
            f"sympy= must be a function of SymPy expressions (e.g. lambda x: sympy.exp(x)), got {type(sympy).__name__}"
        )
    for option, value in (("broadcasting", broadcasting), ("analytic", analytic)):
        if not isinstance(value, (bool, np.bool_)):
            raise errors.InputError(f"{option}= is True or False, got {value!r}")
    name = _free_name(name if name is not None else getattr(numpy_function, "__name__", None))
    if sympy is not None:
        sympy = checked_sympy_face(sympy, name)
    face = elementwise_any_arity(sympy) if sympy is not None and broadcasting else sympy
    return Primitive(
        name,
        numpy=checked_face(numpy_function, name),
        sympy=face,
        vjp=(),
        jvp=(),
        broadcasting=bool(broadcasting),
        analytic=bool(analytic),
        doc=(numpy_function.__doc__ or "").strip(),
        user=True,
    )


def _free_name(name):
    """``name``, once it is a usable name that no op of diffkit's table has."""
    if not isinstance(name, str) or not name.isidentifier():
        shown = "a lambda" if name == "<lambda>" else repr(name)
        raise errors.InputError(
            f"a primitive needs a name that is a Python identifier (got {shown}): "
            "dk.primitive(f, name='softplus')"
        )
    from . import OPS

    if name in primitives() or name in OPS:
        raise errors.InputError(
            f"{name!r} is the name of an op of diffkit's table (dk.{name}); a primitive of your own needs "
            "another name, e.g. name='my_" + name + "'"
        )
    return name
