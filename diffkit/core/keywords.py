"""A misspelt keyword of a public function is a diffkit error with the closest keyword it takes.

Python's own ``TypeError: check_grad() got an unexpected keyword argument 'rtoll'`` names
the mistake but not the fix; :func:`refuses_unknown_keywords` wraps a function so the
same call raises an :class:`~diffkit.errors.InputError` saying which keyword was meant
and listing those the function takes. The check is a set comparison made before the
call, so it costs nothing a user would notice.
"""

import functools
import inspect

from .. import errors

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def keywords_taken(function):
    """``(every name function takes as a keyword, its options)``: the options are its keyword-only
    parameters, or all of the names when it has none (``f, grad_fn`` are not options of check_grad)."""
    parameters = inspect.signature(function).parameters.values()
    accepted = [p.name for p in parameters if p.kind in _NAMED]
    options = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    return accepted, options or accepted


def unknown_keywords_error(caller, given, accepted, options, options_of=None):
    """The InputError for the keywords of ``given`` that ``accepted`` lacks, or None when there are none.

    The message offers the closest of ``options`` and lists them; ``options_of`` names the
    function whose options ``caller`` passes on, when it is not ``caller`` itself
    (``assert_grad_close`` takes ``check_grad``'s).
    """
    unknown = [name for name in given if name not in accepted]
    if not unknown:
        return None
    named = ", ".join(f"{name!r}{errors.did_you_mean(name, options)}" for name in unknown)
    listed = ", ".join(options)
    taken = f"its options are those of {options_of}: {listed}" if options_of else f"its options are: {listed}"
    return errors.InputError(f"{caller} has no option {named}; {taken}")


def refuses_unknown_keywords(function):
    """``function``, raising :func:`unknown_keywords_error` for a keyword it does not take.

    A function that takes ``**kwargs`` is returned as it is: it decides for itself.
    """
    parameters = inspect.signature(function).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return function
    accepted, options_listed = keywords_taken(function)
    known = frozenset(accepted)
    caller = function.__name__

    @functools.wraps(function)
    def checked(*args, **options):
        if options and not known.issuperset(options):
            raise unknown_keywords_error(caller, options, accepted, options_listed)
        return function(*args, **options)

    return checked
