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


def chosen_methods(methods, role):
    """The method names ``methods`` gives (one name, or an iterable of names), each checked.

    ``role`` says in messages what the names are for ("at least one method", "the
    references"). Nothing iterable, or nothing at all, is an InputError; an unknown name
    an UnknownMethodError listing the methods.
    """
    names = [methods] if isinstance(methods, str) else None
    if names is None:
        try:
            names = list(methods)
        except TypeError:  # None, a number: nothing that names methods
            names = None
    if not names:
        raise errors.InputError(f"methods must name {role}, e.g. methods=('tape', 'fd-central'), got {methods!r}")
    for name in names:
        get_method(name)
    return names


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
