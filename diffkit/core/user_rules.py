"""A user's derivative rules, checked where they are declared and where they run.

A rule of the table is diffkit's own and trusted. A rule declared with ``.defvjp`` or
``.defjvp`` is the user's, and its mistakes would otherwise surface as a raw exception
from inside a backward pass, or not at all: a cotangent of the wrong shape is
broadcast into the gradient, a ``def`` that forgets ``return`` sends no gradient. So
its signature is checked when it is declared (diffkit calls ``rule(g, out, *args)``),
and each call of it is checked as the engines run it: what it raised, that it returned
numbers, and that their shape is its argument's (a VJP) or the output's (a JVP).
"""

import functools
import inspect

import numpy as np

from .. import errors
from .frames import user_location
from .lazy import sympy
from .values import BoxedValue, is_operand

_SEEDS = {"vjp": "g", "jvp": "t"}
_RETURNS = {
    "vjp": "the cotangent of its argument, shaped like it",
    "jvp": "the output's tangent, shaped like the output",
}


def check_signature(primitive, kind, position, rule):
    """Refuse a rule for an argument the op's NumPy face does not have, or one that no call
    ``rule(seed, out, *args, **options)`` the face allows fits."""
    arity = _face_arity(primitive.numpy)
    if arity is None:  # a face whose signature Python cannot read: trusted
        return
    required, most = arity
    if most is not None and position >= most:
        raise errors.InputError(
            f"a {kind.upper()} rule for argument {position} of {primitive.name!r}, whose NumPy face takes "
            f"{most} argument{'s' if most != 1 else ''} (arguments are counted from 0): give one rule per "
            f"argument, e.g. {primitive.rule_example(kind)}"
        )
    try:
        signature = inspect.signature(rule)
    except (TypeError, ValueError):  # a builtin whose signature Python cannot read: trusted
        return
    if most is None:  # a face taking *args: any count may come
        return
    names = primitive.parameter_names()[:required]
    names += [f"x{i + 1}" for i in range(len(names), required)]
    # The op may be called with its optional positional arguments too, and its options come as
    # keywords: the rule is refused only if no such call fits it.
    keywords = {p.name: None for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY and p.default is p.empty}
    first_error = None
    for given in range(required, most + 1):
        try:
            signature.bind(*([None] * (2 + given)), **keywords)
            return
        except TypeError as error:
            first_error = first_error or error
    seed = _SEEDS[kind]
    raise errors.InputError(
        f"the {kind.upper()} rule for argument {position} of {primitive.name!r} has the parameters "
        f"{signature}, which diffkit cannot call as rule({seed}, out, {', '.join(names)}) ({first_error}): a "
        f"rule takes the {'cotangent' if kind == 'vjp' else 'tangent'} {seed}, the op's output out, then "
        f"the op's arguments, e.g. {primitive.rule_example(kind)}"
    )


def checked_face(function, name):
    """A user's NumPy face that refuses, naming the op, to return something that is not numbers;
    a list or tuple of numbers it returns is made an array, as the op's value is one (a list
    would repeat under ``* 2`` and refuse ``* 2.0``)."""

    @functools.wraps(function)
    def face(*args, **params):
        out = function(*args, **params)
        if not is_operand(out):
            raise errors.InputError(
                f"the NumPy face of {name!r} returned {_described(out)}: a face returns the op's value, a number or an "
                "array of numbers"
            )
        return np.asarray(out) if isinstance(out, (list, tuple)) else out

    return face


def checked_sympy_face(function, name):
    """A user's SymPy face that names the op when it raises, or returns None, a string or a
    ``sympy.Matrix`` (the symbolic methods read expressions, or object arrays of them)."""

    @functools.wraps(function)
    def face(*args, **params):
        try:
            out = function(*args, **params)
        except (errors.DiffkitError, RecursionError, MemoryError, ValueError, TypeError):
            raise  # an expression too large, or what Primitive names (shapes that do not fit, a bad call)
        except Exception as exc:  # noqa: BLE001  (the user's face failed: say which, keep its traceback)
            raise errors.InputError(f"the SymPy face of {name!r} raised {type(exc).__name__}: {exc}") from exc
        if out is None or isinstance(out, (str, bytes, sympy.MatrixBase)):
            raise errors.InputError(
                f"the SymPy face of {name!r} returned {_described(out)}: a SymPy face returns a SymPy expression (with "
                "broadcasting=False, an expression or an object array of them: np.array(rows, dtype=object))"
            )
        return out

    return face


def _described(out):
    """What a face returned that is not its value, for a message."""
    return "None (a `def` without `return`?)" if out is None else f"a {type(out).__name__}"


def _as_array(values):
    """A list or tuple a rule returned as one array: NumPy's for numbers, dk.stack's (through the
    values' NumPy hook) for diffkit values (a rule run on traced values, for a Hessian); unchanged
    when it is neither."""
    if any(isinstance(value, BoxedValue) for value in values):
        try:
            return np.stack(list(values))  # the values' own NumPy hook: dk.stack
        except errors.DiffkitError:
            return values
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return values


def refuse_face_call(primitive, args, params):
    """After a user's NumPy face refused a call with a TypeError: an InputError when the call does
    not fit the face's parameters (too many or too few arguments, an unknown keyword)."""
    try:
        signature = inspect.signature(primitive.numpy)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*args, **params)
    except TypeError as exc:
        keywords = f" and the keywords {', '.join(params)}" if params else ""
        raise errors.InputError(
            f"{primitive.public} was called with {len(args)} positional argument{'s' if len(args) != 1 else ''}"
            f"{keywords} at {user_location() or 'an unknown line'}, which its NumPy face {signature} does not "
            f"take ({exc})"
        ) from None


def _face_arity(face):
    """``(required, most)`` positional arguments of a NumPy face (``most`` None when it takes
    ``*args``), or None when its signature cannot be read. A ufunc counts its inputs, not the
    ``out`` its signature lists; a user's face is read through the wrapper of :func:`checked_face`."""
    face = inspect.unwrap(face)
    if isinstance(face, np.ufunc):
        return face.nin, face.nin
    try:
        parameters = list(inspect.signature(face).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    most = None if any(p.kind == p.VAR_POSITIONAL for p in parameters) else len(positional)
    return required, most


def checked_rule(primitive, kind, position, rule):
    """``rule`` wrapped so that a mistake in it is named: the op, the argument and what went wrong."""
    names = primitive.parameter_names()
    argument = f"argument {position} ({names[position]})" if position < len(names) else f"argument {position}"
    what = f"the {kind.upper()} rule for {argument} of {primitive.name!r}"

    @functools.wraps(rule)
    def checked(seed, out, *args, **params):
        try:
            result = rule(seed, out, *args, **params)
        except errors.DiffkitError:
            raise
        except Exception as exc:  # noqa: BLE001  (the user's rule failed: say which, keep its traceback)
            raise errors.InputError(f"{what} raised {type(exc).__name__}: {exc}") from exc
        expected = _shape(args[position]) if kind == "vjp" else _shape(out)
        if isinstance(result, (list, tuple)):  # numbers in a list: an array of them
            result = _as_array(result)
        if result is None:
            raise errors.InputError(
                f"{what} returned None: a rule returns {_RETURNS[kind]} (a `def` without `return`?). For an "
                f"argument that is not differentiable, declare None in place of the rule."
            )
        shape = _shape(result)
        if shape is None:
            raise errors.InputError(
                f"{what} returned a {type(result).__name__}, not numbers: a rule returns {_RETURNS[kind]}"
            )
        if not accepted_shape(kind, primitive, shape, args[position], out):
            raise errors.ShapeError(
                f"{what} returned shape {shape}, but {'the argument' if kind == 'vjp' else 'the output'} has "
                f"shape {expected}: a rule returns {_RETURNS[kind]}"
            )
        return result

    return checked


def _shape(value):
    """The shape of a number, an array of real numbers or a diffkit value; None for anything else."""
    if isinstance(value, BoxedValue):
        return tuple(value.shape)
    if isinstance(value, (bool, str, bytes)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.shape
    return None


def accepted_shape(kind, primitive, shape, argument, out):
    """Whether a rule's result of ``shape`` is one the engines take: a VJP shaped like its
    argument, a JVP like the output; for a broadcasting op also a VJP of the output's shape
    (summed back to the argument's) and a JVP of its argument's shape (broadcast to the output's)."""
    expected = _shape(argument) if kind == "vjp" else _shape(out)
    if shape == expected:
        return True
    if not primitive.broadcasting:
        return False
    if kind == "vjp":
        return shape == _shape(out)
    try:
        return shape == _shape(argument) and np.broadcast_shapes(shape, expected) == expected
    except ValueError:  # shapes that do not broadcast
        return False
