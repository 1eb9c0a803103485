"""Methods registered by name: the harness, the CLI and notebooks list them from here."""

from .. import errors

_METHODS = {}


def register(method):
    """Add a :class:`~diffkit.methods.base.Method` instance under its name."""
    if method.name in _METHODS:
        raise ValueError(f"a method named {method.name!r} is already registered")
    _METHODS[method.name] = method
    return method


def get_method(name):
    """The method registered as ``name``; an error listing every name otherwise."""
    try:
        return _METHODS[name]
    except (KeyError, TypeError):
        names = ", ".join(_METHODS)
        raise errors.UnknownMethodError(f"no differentiation method named {name!r}; the methods are: {names}") from None


def method_names():
    """Names of every registered method, in registration order."""
    return list(_METHODS)
