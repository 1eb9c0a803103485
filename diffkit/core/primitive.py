"""Primitives: each op declared once, with all its faces.

A :class:`Primitive` carries its NumPy implementation, its SymPy implementation and
its derivative rules (one vector-Jacobian product per argument, and a slot for
Jacobian-vector products). Calling a primitive dispatches on the values it receives:
plain numbers and arrays go to NumPy, boxed values (traced, symbolic, complex-step)
to the deepest box's ``_process``. Adding an op means adding one entry to the table
in :mod:`diffkit.ops`, and every method gains it.

A user declares an op of their own next to their function with ``dk.primitive`` (see
:mod:`diffkit.ops.user_primitives`) and gives it rules with :meth:`Primitive.defvjp` and
:meth:`Primitive.defjvp`. A face it lacks is refused where a method first needs it, with
an :class:`~diffkit.errors.UnsupportedError` naming the op, the face and how to add it.
"""

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import errors
from . import user_rules
from .frames import user_location
from .option_values import option_error, refuse_option_values
from .values import BoxedValue, is_operand, refuse_complex_constants, short_repr

_REGISTRY = {}


@dataclass(eq=False)
class Primitive:
    """One op of the table.

    ``vjp`` holds one rule per positional argument, ``rule(g, out, *args, **params)``
    returning the cotangent of that argument (``None`` in the tuple: not
    differentiable, like the condition of ``where``). A variadic primitive has a
    single rule ``rule(index, g, out, *args, **params)``. ``jvp`` mirrors ``vjp`` with
    ``rule(tangent, out, *args, **params)``. Rules are written with diffkit ops, so a
    backward pass can itself run on symbolic or traced values. ``extra["scalar"]``, when
    given, is ``(face, rules)`` for one NumPy float64: the NumPy face's value and the VJP
    rules' values without a ufunc call each, which the tape records for a number (relu).
    """

    name: str
    numpy: Callable
    sympy: Callable
    vjp: object
    jvp: object = None
    broadcasting: bool = False  # elementwise with NumPy broadcasting: tape unbroadcasts
    analytic: bool = True  # False for abs, relu, max...: complex step refuses them
    singular: bool = False  # derivative may be infinite: a zero cotangent stays exactly zero
    selects: bool = False  # keeps some entries of its input out of its output (where, indexing)
    variadic: bool = False
    doc: str = ""
    extra: dict = field(default_factory=dict)
    user: bool = False  # declared with dk.primitive next to a user's function, not in the table
    # Output entry i reads only entry i of each (broadcast) input; None: as ``broadcasting``
    # (every broadcasting op but matmul, whose batch dimensions broadcast, is elementwise).
    elementwise: bool = None
    # How messages name the op: dk.exp, dk.linalg.inv; a user's op by its own name.
    public: str = None

    def __post_init__(self):
        if self.elementwise is None:
            self.elementwise = self.broadcasting
        if self.public is None:
            self.public = self.name if self.user else f"dk.{self.name}"
        self._checked_rules = {}  # (kind, position): a user's rule wrapped by user_rules.checked_rule
        self._keywords_taken = None  # read from the NumPy face when first needed
        if self.user:
            return  # not part of the table: dk.primitive has checked that the name is free
        if self.name in _REGISTRY:
            raise ValueError(f"primitive {self.name!r} declared twice")
        _REGISTRY[self.name] = self

    def __call__(self, *args, **params):
        top = None
        constants = False
        for arg in args:
            if isinstance(arg, BoxedValue):
                if top is None or arg._level > top._level:
                    top = arg
            else:
                constants = True
        if top is None:  # plain numbers and arrays: evaluate_numeric, inlined (the commonest call)
            try:
                return self.numpy(*args, **params)
            except ValueError as exc:
                raise self.shape_error(args, exc, params) from None
            except TypeError:
                self.refuse_call(args, params)
                raise
        if constants:  # a complex one meeting a differentiated value is refused: the rules are real
            for arg in args:
                kind = type(arg)
                if kind is float or kind is int or kind is np.float64 or isinstance(arg, BoxedValue) or (
                        kind is np.ndarray and arg.dtype.kind != "c"):
                    continue
                refuse_complex_constants(self, args)  # a complex number, or a list that may hold one
                break
        if params:
            taken = self._keywords_taken
            if taken is not _ANY_KEYWORD and (taken is None or not params.keys() <= taken):
                params = self._checked_keywords(params, top)
        return top._process(self, args, params)

    def _checked_keywords(self, params, top):
        """``params`` for a value being differentiated: a keyword the op does not take is refused,
        as the tape would hand it to the rules. NumPy's own (``out=``, ``where=``, ``dtype=`` of a
        ufunc face) are named as such, and dropped when they hold their default, None; another is
        named as :meth:`refuse_call` names an unknown option."""
        taken = self._keywords_taken
        if taken is None:
            taken = self._keywords_taken = self._keywords_of_face()
        if taken is _ANY_KEYWORD or params.keys() <= taken:  # the common case: one set comparison
            return params
        unknown = [key for key in params if key not in taken]
        numpy_only = [key for key in unknown if key in _UFUNC_KEYWORDS and params[key] is not None]
        if numpy_only:
            listed = ", ".join(f"{key}={short_repr(params[key])}" for key in numpy_only)
            instead = " (assign its result rather than out=)" if "out" in numpy_only else ""
            raise errors.NonDiffkitFunctionError(
                f"{self.public} was called with {listed} on a {top.kind} value at "
                f"{user_location() or 'an unknown line'}; NumPy's {', '.join(k + '=' for k in numpy_only)} "
                f"has no derivative to follow. Call {self.public} without it{instead}."
            )
        others = [key for key in unknown if key not in _UFUNC_KEYWORDS]
        if others:
            raise self._unknown_option(others[0], self._options() or [])
        return {key: value for key, value in params.items() if key in taken}  # NumPy's defaults left out

    def _keywords_of_face(self):
        """The keywords the op takes on a value being differentiated: its options, none for a ufunc
        face, or ``_ANY_KEYWORD`` when they cannot be listed (a user's op, a variadic one, a face
        taking ``**kwargs``)."""
        if self.user or self.variadic:
            return _ANY_KEYWORD
        options = self._options()
        if options is not None:
            return frozenset(options)
        return frozenset() if isinstance(self.numpy, np.ufunc) else _ANY_KEYWORD

    def _unknown_option(self, key, options):
        hint = _EXTRA_ARGUMENT_HINTS.get(self.name)
        has = f"its options are {', '.join(options)}" if options else "it has no options"
        return errors.InputError(
            f"{self.public} has no option {key!r} at {user_location() or 'an unknown line'}: {has}"
            + (f"; {hint}" if hint else "") + "."
        )

    def evaluate_numeric(self, args, params):
        """Apply the NumPy face, turning NumPy's shape errors into a diffkit error."""
        try:
            return self.numpy(*args, **params)
        except ValueError as exc:
            raise self.shape_error(args, exc, params) from None
        except TypeError:
            self.refuse_call(args, params)
            if self.user and any(np.iscomplexobj(arg) for arg in args):
                raise errors.UnsupportedError(
                    f"the NumPy face of the primitive {self.name!r} does not accept complex numbers, which "
                    "the complex-step method (fd-complex) passes it: write it with NumPy functions that do "
                    "(np.log1p(np.exp(x)) rather than np.logaddexp(0, x)), declare it analytic=False so "
                    "fd-complex refuses it up front, or use another method."
                ) from None
            raise

    def evaluate_symbolic(self, args, params):
        """Apply the SymPy face to object arrays of SymPy expressions."""
        if self.sympy is None:
            raise errors.UnsupportedError(
                f"the primitive {self.name!r} has no SymPy face, which the symbolic methods (symbolic, "
                "symbolic-cse, symbolic-tape, symbolic Hessians and the 50-digit reference) need: declare "
                f"it with dk.primitive(..., name={self.name!r}, sympy=lambda {', '.join(self.parameter_names())}: <a SymPy "
                "expression>), or use a method that needs none (tape, forward-mode, fd-central)."
            )
        self.check_arity(len(args))
        if params and not self.user:  # SymPy's faces would take what NumPy's refuse (keepdims="yes")
            refuse_option_values(self.public, params)
            if any(type(value) is list for value in params.values()):
                self._refuse_lists_numpy_refuses(args, params)
        try:
            return self.sympy(*args, **params)
        except ValueError as exc:
            raise self.shape_error(args, exc, params) from None
        except TypeError:
            self.refuse_call(args, params)
            raise

    def _refuse_lists_numpy_refuses(self, args, params):
        """Refuse a list option that NumPy's face refuses (np.sum's axis=[0, 1]; np.roll's is taken),
        by asking the face itself on zeros of the arguments' shapes, so every method agrees."""
        try:
            self.numpy(*[np.zeros(np.shape(_unboxed_shape(arg))) for arg in args], **params)
        except TypeError:
            refuse_option_values(self.public, params, refused=True)
        except ValueError:  # shapes NumPy refuses: the SymPy face names them
            pass

    def shape_error(self, args, exc, params=None):
        """The diffkit error for a ValueError NumPy's face raised: a ShapeError, or an InputError for
        a matrix the op is not defined at (np.linalg's LinAlgError: singular, not positive definite)
        or for an option of the wrong type (``repeats="a"``: NumPy's int() of it failed). A diffkit
        error raised inside the face (a user's face checked by :mod:`.user_rules`) is itself."""
        if isinstance(exc, errors.DiffkitError):
            return exc
        if params and not self.user:
            error = option_error(self.public, params, refused=True)
            if error is not None:
                return error
        if isinstance(exc, np.linalg.LinAlgError):
            return errors.InputError(
                f"{self.public} is not defined at the matrix it got at {user_location() or 'an unknown line'}: "
                f"{exc} (NumPy's LinAlgError). Check the values: a singular matrix has no inverse, "
                "a Cholesky factor needs a positive definite one."
            )
        shapes = ", ".join(str(np.shape(_unboxed_shape(a))) for a in args)
        return errors.ShapeError(
            f"{self.public} got operands of shapes ({shapes}) that do not fit together"
            f" at {user_location() or 'an unknown line'}: {exc}. Check the shapes of the "
            "arrays (reshape, transpose or broadcast them explicitly)."
        )

    def check_arity(self, count):
        """Refuse ``count`` positional arguments to an op of the table that has fewer.

        A table op's positional arguments are those it has rules for; its options
        (``axis=``, ``alpha=``...) go by keyword. Called off the hot paths: where NumPy's
        face has refused the call, where a method first reads the op's rule for an
        argument, and before a SymPy face. (On plain arrays a ufunc face still takes
        NumPy's positional ``out``, as NumPy does.) A user's op is not checked: an argument
        without a declared rule is refused by that rule, when a method needs it.
        """
        if self.variadic or self.user or count <= len(self.vjp):
            return
        hint = _EXTRA_ARGUMENT_HINTS.get(self.name, "give any other value by keyword, as its documentation names it")
        raise errors.InputError(
            f"{self.public} takes {self._takes()}, got {count} at {user_location() or 'an unknown line'}: {hint}."
        )

    def refuse_call(self, args, params):
        """After NumPy's face refused a call with a TypeError: raise an InputError when the call is
        the user's mistake (too few or too many arguments, an option the op does not have, an
        operand that is not a number or an array), naming it; else return, and the caller re-raises."""
        self.check_arity(len(args))
        if self.user:
            user_rules.refuse_face_call(self, args, params)
            return
        refuse_option_values(self.public, params, refused=True)
        if self.variadic:
            return
        if len(args) < len(self.vjp):
            raise errors.InputError(f"{self.public} takes {self._takes()}, got {len(args)} at "
                                    f"{user_location() or 'an unknown line'}")
        options = self._options()
        unknown = [key for key in params if options is not None and key not in options]
        if unknown:
            raise self._unknown_option(unknown[0], options)
        for position, arg in enumerate(args):
            if not is_operand(arg) and not _is_text(arg):  # a string: named by the argument that holds it
                kind = f"array of {arg.dtype}" if isinstance(arg, np.ndarray) else type(arg).__name__
                raise errors.InputError(
                    f"{self.public} got {_article(kind)} as argument {position + 1} at "
                    f"{user_location() or 'an unknown line'}: diffkit's ops take numbers and arrays of numbers"
                )

    def _takes(self):
        names = self.parameter_names()[: len(self.vjp)]
        if len(names) < len(self.vjp):
            names = [f"x{position + 1}" for position in range(len(self.vjp))]
        return f"{len(self.vjp)} positional argument{'s' if len(self.vjp) > 1 else ''} ({', '.join(names)})"

    def _options(self):
        """The keyword options of the NumPy face, or None when its signature cannot be read (a ufunc)."""
        if isinstance(self.numpy, np.ufunc):
            return None
        try:
            parameters = list(inspect.signature(self.numpy).parameters.values())
        except (TypeError, ValueError):
            return None
        if any(p.kind == p.VAR_KEYWORD for p in parameters):
            return None
        return [p.name for p in parameters[len(self.vjp):] if p.kind != p.VAR_POSITIONAL]

    def vjp_rule(self, index):
        """The VJP rule of argument ``index`` (None: not differentiable)."""
        if self.variadic:
            rule = self.vjp
            return lambda g, out, *args, **params: rule(index, g, out, *args, **params)
        if index >= len(self.vjp):
            if self.user:
                return _undeclared_rule(self, "vjp", index)
            self.check_arity(index + 1)
        return self._checked("vjp", index) if self.user else self.vjp[index]

    def jvp_rule(self, index):
        """The JVP rule of argument ``index`` (None: not differentiable, or no JVP at all)."""
        if self.jvp is None:
            return None
        if self.variadic:
            rule = self.jvp
            return lambda t, out, *args, **params: rule(index, t, out, *args, **params)
        if index >= len(self.jvp):
            if self.user:
                return _undeclared_rule(self, "jvp", index)
            self.check_arity(index + 1)
        return self._checked("jvp", index) if self.user else self.jvp[index]

    def _checked(self, kind, index):
        """A user's declared rule as the engines call it: checked (see :mod:`.user_rules`)."""
        rule = getattr(self, kind)[index]
        if rule is None or getattr(rule, "undeclared", False):
            return rule
        key = (kind, index)
        if key not in self._checked_rules:
            self._checked_rules[key] = user_rules.checked_rule(self, kind, index, rule)
        return self._checked_rules[key]

    def declared_rule(self, kind, index):
        """The ``"vjp"`` or ``"jvp"`` rule of argument ``index`` as declared (unwrapped), else None."""
        rules = self.vjp if kind == "vjp" else self.jvp
        if self.variadic or rules is None:
            rule = self.vjp_rule(index) if kind == "vjp" else self.jvp_rule(index)
        else:
            rule = rules[index] if index < len(rules) else None
        return None if rule is None or getattr(rule, "undeclared", False) else rule

    # --- a user's rules, declared next to their function ---------------------------------
    def defvjp(self, *rules, argnums=None):
        """Declare the vector-Jacobian products ``rule(g, out, *args, **params)``, one per argument.

        ``op.defvjp(rule_x, rule_y)`` gives arguments 0 and 1 their rules (None: the argument
        is not differentiable, like the condition of ``where``); ``argnums=`` names the
        arguments the rules are for. As a decorator, ``@op.defvjp`` declares argument 0's
        rule and ``@op.defvjp(argnums=1)`` argument 1's. Each rule returns the cotangent of
        its argument; written with diffkit ops (``dk.exp``, ``*``...), it is differentiable
        in turn, so Hessians work. Returns what it was given, so a decorated function keeps
        its name.
        """
        return self._declare("vjp", rules, argnums)

    def defjvp(self, *rules, argnums=None):
        """Declare the Jacobian-vector products ``rule(t, out, *args, **params)``, one per argument.

        Each rule returns the output's tangent for the tangent ``t`` of its argument; the
        forward-mode method adds them up. Declared as :meth:`defvjp` declares its rules.
        """
        return self._declare("jvp", rules, argnums)

    def _declare(self, kind, rules, argnums):
        verb = f"def{kind}"
        if not self.user:
            raise errors.InputError(
                f"{self.public} is an op of diffkit's table, whose rules are not replaced: declare an op of "
                f"your own with dk.primitive(f, name=...) and give it rules with .{verb}(...)"
            )
        if not rules:
            if argnums is None:
                raise errors.InputError(f"{self.name}.{verb}() needs a rule per argument, e.g. {self.rule_example(kind)}")
            return lambda rule: self._declare(kind, (rule,), argnums)
        positions = _positions(argnums, len(rules), f"{self.name}.{verb}")
        for position, rule in zip(positions, rules):
            if rule is not None and not callable(rule):
                raise errors.InputError(
                    f"the {kind.upper()} rule for argument {position} of {self.name!r} is a {type(rule).__name__}, "
                    f"not a function: give a function, e.g. {self.rule_example(kind)}, or None for an argument "
                    "that is not differentiable"
                )
            if rule is not None:
                user_rules.check_signature(self, kind, position, rule)
        declared = list(getattr(self, kind))
        while len(declared) <= max(positions):
            declared.append(_undeclared_rule(self, kind, len(declared)))
        for position, rule in zip(positions, rules):
            declared[position] = rule
        setattr(self, kind, tuple(declared))
        self._checked_rules.clear()
        for forget in _RULE_CACHES:
            forget(self)
        return rules[0] if len(rules) == 1 else rules

    def parameter_names(self):
        """The NumPy face's positional parameters without defaults (``["x"]``, ``["a", "b"]``), for messages."""
        try:
            parameters = inspect.signature(self.numpy).parameters.values()
        except (TypeError, ValueError):  # a NumPy ufunc or builtin: no signature to read
            return ["x"]
        names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                 and p.default is p.empty]
        return names or ["x"]

    def rule_example(self, kind):
        """How to declare a ``"vjp"`` or ``"jvp"`` rule of this op: ``op.defvjp(lambda g, out, x: ...)``."""
        seed = "g" if kind == "vjp" else "t"
        return f"{self.name}.def{kind}(lambda {seed}, out, {', '.join(self.parameter_names())}: ...)"

    def __repr__(self):
        return f"<diffkit primitive {self.name}>"


# What to do instead of a second positional argument, for the ops where one is a common guess.
_EXTRA_ARGUMENT_HINTS = {
    "heaviside": "its value at 0 is not an argument but the kink convention, the same for every rule with a "
                 "kink: set it with `with dk.kinks(\"zero\" | \"one\" | \"mean\"):` around the call",
    "relu": "for a slope on the left use dk.leaky_relu(x, alpha=...)",
}

_RULE_CACHES = []  # engines' callbacks that forget what they cached of a primitive's rules


def when_rules_change(forget):
    """Call ``forget(primitive)`` whenever a user's primitive gets new rules (``defvjp``, ``defjvp``)."""
    _RULE_CACHES.append(forget)


def _undeclared_rule(primitive, kind, index):
    """A rule that refuses, naming the op, the missing face and how to add it, when a method calls it."""
    names = primitive.parameter_names()
    argument = f"argument {index} ({names[index]})" if index < len(names) else f"argument {index}"
    if kind == "vjp":
        needed = "reverse mode (tape, symbolic-tape, the Hessian methods, dk.trace, check_grad) needs"
        others = "forward-mode (with a JVP rule) or a finite-difference method"
    else:
        needed = "forward mode (forward-mode, forward-over-reverse) needs"
        others = "tape (with a VJP rule) or a finite-difference method"

    def undeclared(*args, **params):
        if kind == "jvp":  # met in the forward pass, at the op's line (a VJP rule runs in the backward pass)
            where = f", met at {user_location() or 'an unknown line'}"
        else:
            where = ""
        raise errors.UnsupportedError(
            f"the primitive {primitive.name!r} has no {kind.upper()} rule for {argument}, which {needed}{where}: "
            f"add one with {primitive.rule_example(kind)} (None for an argument that is not differentiable), "
            f"or use {others}."
        )

    undeclared.__name__ = f"undeclared_{kind}_of_{primitive.name}_{index}"
    undeclared.undeclared = True
    return undeclared


def _positions(argnums, count, where):
    """The argument positions ``count`` rules are for: 0, 1, ... or those ``argnums`` names."""
    if argnums is None:
        return tuple(range(count))
    positions = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    if not all(isinstance(p, (int, np.integer)) and p >= 0 for p in positions) or len(set(positions)) != len(positions):
        raise errors.InputError(f"{where}: argnums must be distinct argument positions 0, 1, ..., got {argnums!r}")
    if len(positions) != count:
        raise errors.InputError(f"{where} got {count} rule(s) for the {len(positions)} position(s) argnums={argnums!r}")
    return tuple(int(p) for p in positions)


def _is_text(value):
    """A string or an array of strings: :meth:`Problem.call` names the argument holding it, if one does."""
    return isinstance(value, (str, bytes)) or isinstance(value, np.ndarray) and value.dtype.kind in "USO"


_ANY_KEYWORD = frozenset(("**",))  # the keywords of a face that takes **kwargs: not listed, not checked
_UFUNC_KEYWORDS = frozenset(("out", "where", "dtype", "casting", "order", "subok", "signature"))


def _article(kind):
    return f"an {kind}" if kind[:1].lower() in "aeiou" else f"a {kind}"


def _unboxed_shape(value):
    if isinstance(value, BoxedValue):
        return np.empty(value.shape)
    return value


def primitives():
    """The table: every declared primitive by name (``import diffkit`` declares them all)."""
    return dict(_REGISTRY)


def get_primitive(name):
    return primitives()[name]
