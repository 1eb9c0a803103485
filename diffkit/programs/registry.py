"""The zoo's registry: program builders by name, each with its settings and their defaults.

A builder is a function whose keyword arguments (all with defaults) are the program's
settings (depth, width, iterations, seed...) and which returns a :class:`Program`.
``register_program`` adds one; ``get_program`` builds one by name, checking the settings
first so a misspelt name or setting gets a message listing what exists.
"""

import inspect
from dataclasses import dataclass

from .. import errors
from ..core.frames import call_user_code
from ..core.keywords import refuses_unknown_keywords
from .program import Program

FAMILIES = ("lecture", "network", "loop", "benchmark", "user")


class UnknownProgramError(errors.InputError):
    """No program builder is registered under this name."""


@dataclass(frozen=True)
class Builder:
    """A registered builder: its name, family, function and its settings' defaults."""

    name: str
    family: str
    function: object
    defaults: dict

    def build(self, **settings):
        unknown = sorted(set(settings) - set(self.defaults))
        if unknown:
            raise errors.InputError(
                f"program {self.name!r} has no setting {', '.join(map(repr, unknown))}; "
                f"its settings are: {describe_settings(self.defaults)}"
            )
        resolved = dict(self.defaults, **settings)
        program = call_user_code(lambda: self.function(**resolved), f"the builder of program {self.name!r}",
                                 inspect.getmodule(self.function), fix="fix the builder")
        if not isinstance(program, Program):
            raise errors.InputError(
                f"the builder of program {self.name!r} returned {'None' if program is None else 'a ' + type(program).__name__}"
                ": a builder returns a diffkit Program (Program(name, function, example_args))"
            )
        program.name = self.name
        program.family = self.family
        program.settings = {**resolved, **program.settings}
        return program


_BUILDERS = {}


def describe_settings(defaults):
    """``depth=2, width=4`` (or ``none``): the settings a builder accepts, with defaults."""
    return ", ".join(f"{key}={value!r}" for key, value in defaults.items()) or "none"


def _defaults_of(function):
    if not callable(function):
        raise errors.InputError(
            f"@register_program decorates a function that builds a Program, got {type(function).__name__}"
        )
    defaults = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise errors.InputError(f"program builder {function.__name__} must list its settings explicitly "
                                    "(no *args or **kwargs): each is a parameter with a default")
        if parameter.default is parameter.empty:
            raise errors.InputError(
                f"setting {parameter.name!r} of program builder {function.__name__} needs a default, "
                "so that the zoo can build the program at its small default size"
            )
        defaults[parameter.name] = parameter.default
    return defaults


@refuses_unknown_keywords
def register_program(name=None, family="user"):
    """Decorator: register a builder function returning a :class:`Program`.

    Use as ``@register_program("my-net", family="network")`` or bare ``@register_program``
    (the name is then the function's, with dashes for underscores). Every argument of the
    builder is a setting and needs a default. Registering a name twice replaces the builder.
    """
    if callable(name):  # used bare: @register_program
        return register_program()(name)
    if family not in FAMILIES:
        raise errors.InputError(f"family must be one of {', '.join(FAMILIES)}; got {family!r}")

    def decorate(function):
        program_name = name or function.__name__.replace("_", "-")
        _BUILDERS[program_name] = Builder(program_name, family, function, _defaults_of(function))
        return function

    return decorate


def _check_family(family):
    if family is not None and family not in FAMILIES:
        raise errors.InputError(f"no program family {family!r}; the families are: {', '.join(FAMILIES)}")


def program_names(family=None):
    """Names of the registered programs (lectures, networks, loops, then users' own), in
    registration order within a family; optionally of one family only."""
    _check_family(family)
    ordered = sorted(_BUILDERS.values(), key=lambda builder: FAMILIES.index(builder.family))
    return [builder.name for builder in ordered if family is None or builder.family == family]


def get_builder(name):
    try:
        return _BUILDERS[name]
    except KeyError:
        raise UnknownProgramError(
            f"no program named {name!r} in the zoo{errors.did_you_mean(name, program_names())}; the programs are: "
            f"{', '.join(program_names())}. "
            "Register your own with @diffkit.register_program."
        ) from None


def get_program(name, **settings):
    """Build the program ``name`` with the given settings (the rest at their defaults)."""
    return get_builder(name).build(**settings)


def program_settings(name):
    """The settings of program ``name`` and their defaults."""
    return dict(get_builder(name).defaults)


def zoo(family=None):
    """Every registered program at its small default settings (optionally one family)."""
    return [get_program(name) for name in program_names(family)]
