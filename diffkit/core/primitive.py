"""Primitives: each op declared once, with all its faces.

A :class:`Primitive` carries its NumPy implementation, its SymPy implementation and
its derivative rules (one vector-Jacobian product per argument, and a slot for
Jacobian-vector products). Calling a primitive dispatches on the values it receives:
plain numbers and arrays go to NumPy, boxed values (traced, symbolic, complex-step)
to the deepest box's ``_process``. Adding an op means adding one entry to the table
in :mod:`diffkit.ops`, and every method gains it.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import errors
from .frames import user_location
from .values import BoxedValue

_REGISTRY = {}


@dataclass(eq=False)
class Primitive:
    """One op of the table.

    ``vjp`` holds one rule per positional argument, ``rule(g, out, *args, **params)``
    returning the cotangent of that argument (``None`` in the tuple: not
    differentiable, like the condition of ``where``). A variadic primitive has a
    single rule ``rule(index, g, out, *args, **params)``. ``jvp`` mirrors ``vjp`` with
    ``rule(tangent, out, *args, **params)``. Rules are written with diffkit ops, so a
    backward pass can itself run on symbolic or traced values.
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

    def __post_init__(self):
        if self.name in _REGISTRY:
            raise ValueError(f"primitive {self.name!r} declared twice")
        _REGISTRY[self.name] = self

    def __call__(self, *args, **params):
        top = None
        for arg in args:
            if isinstance(arg, BoxedValue) and (top is None or arg._level > top._level):
                top = arg
        if top is None:  # plain numbers and arrays: evaluate_numeric, inlined (the commonest call)
            try:
                return self.numpy(*args, **params)
            except ValueError as exc:
                raise self.shape_error(args, exc) from None
        return top._process(self, args, params)

    def evaluate_numeric(self, args, params):
        """Apply the NumPy face, turning NumPy's shape errors into a diffkit error."""
        try:
            return self.numpy(*args, **params)
        except ValueError as exc:
            raise self.shape_error(args, exc) from None

    def evaluate_symbolic(self, args, params):
        """Apply the SymPy face to object arrays of SymPy expressions."""
        try:
            return self.sympy(*args, **params)
        except ValueError as exc:
            raise self.shape_error(args, exc) from None

    def shape_error(self, args, exc):
        shapes = ", ".join(str(np.shape(_unboxed_shape(a))) for a in args)
        return errors.ShapeError(
            f"dk.{self.name} got operands of shapes ({shapes}) that do not fit together"
            f" at {user_location() or 'an unknown line'}: {exc}. Check the shapes of the "
            "arrays (reshape, transpose or broadcast them explicitly)."
        )

    def vjp_rule(self, index):
        if self.variadic:
            rule = self.vjp
            return lambda g, out, *args, **params: rule(index, g, out, *args, **params)
        return self.vjp[index]

    def jvp_rule(self, index):
        if self.jvp is None:
            return None
        if self.variadic:
            rule = self.jvp
            return lambda t, out, *args, **params: rule(index, t, out, *args, **params)
        return self.jvp[index]

    def __repr__(self):
        return f"<diffkit primitive {self.name}>"


def _unboxed_shape(value):
    if isinstance(value, BoxedValue):
        return np.empty(value.shape)
    return value


def primitives():
    """The table: every declared primitive by name (``import diffkit`` declares them all)."""
    return dict(_REGISTRY)


def get_primitive(name):
    return primitives()[name]
