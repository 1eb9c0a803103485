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
        raise errors.UnknownMethodError(f"no differentiation method named {name!r}{errors.did_you_mean(name, _METHODS)}; "
                                        f"the methods are: {names}") from None


def method_names():
    """Names of every registered method, in registration order."""
    return list(_METHODS)


def traits_of(name):
    """The declared :class:`~diffkit.methods.base.Traits` of method ``name`` (None for a name
    that is not a registered method, such as the harness's reference rows)."""
    method = _METHODS.get(name)
    return method.traits if method is not None else None


def builds_expressions(name):
    """Whether method ``name`` derives SymPy expressions (which can swell with size)."""
    traits = traits_of(name)
    return bool(traits and traits.builds_expressions)


def is_finite_difference(name, approximate_only=False):
    """Whether ``name`` is a finite-difference method (only those with a step's truncation error, if asked)."""
    traits = traits_of(name)
    if not traits or traits.family != "finite-differences":
        return False
    return not traits.exact if approximate_only else True
