"""A gradient taken inside a program that is itself being differentiated.

``saddle`` and ``particle`` call a gradient in their own body, so whichever method
differentiates the program (the outer derivative) sees an inner one. The inner gradient
opens its own tape or forward trace; diffkit's levels keep the two apart, so a value of
the outer derivative is a constant to the inner one and the answer is free of
perturbation confusion. ``mode`` picks the inner method: reverse ("tape") or one
forward-mode pass per coordinate ("forward-mode").
"""

from ... import errors
from ...engines.dual import jvp
from ...engines.tape import Tape

INNER_MODES = ("tape", "forward-mode")


def check_inner_mode(mode):
    if mode not in INNER_MODES:
        raise errors.InputError(f"inner must be one of {', '.join(map(repr, INNER_MODES))}; got {mode!r}")
    return mode


def gradient_inside(function, point, mode="tape"):
    """The gradient of the scalar ``function(list of scalars)`` at ``point``, as a list.

    The entries of ``point`` may be values of an outer derivative (traced, dual, or
    plain numbers); the gradient comes back as values of that outer derivative.
    """
    point = list(point)
    if check_inner_mode(mode) == "tape":
        with Tape() as tape:
            leaves = [tape.leaf(value) for value in point]
            out = function(leaves)
        cotangents = tape.backward(out, 1.0, leaves)
        return [0.0 if c is None else c for c in cotangents]
    gradient = []
    for axis in range(len(point)):
        tangents = [1.0 if i == axis else 0.0 for i in range(len(point))]
        _, tangent = jvp(lambda *values: function(list(values)), point, tangents)
        gradient.append(tangent)
    return gradient
