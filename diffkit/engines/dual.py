"""Forward mode: dual values that carry a tangent through every primitive.

A :class:`ForwardTrace` is a context, like a :class:`~diffkit.engines.tape.Tape`; while it is
open it takes the next nesting level, so a dual value created inside a tape (or a tape
opened inside a forward trace) is processed in the right order by the primitive
dispatch, which always hands an op to the deepest value. A :class:`Dual` holds a primal
value and its tangent (the directional derivative along the seeded direction); each
primitive's JVP rules, written with diffkit ops, push the tangent through, so the
primal and the tangent may themselves be traced, symbolic or dual values of an outer
level. Values of other (outer) levels are constants to this trace: that is what keeps
nested derivatives free of perturbation confusion.

A tangent of ``None`` is an exact zero: it is never materialised.
"""

import math

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..ops import broadcast_to
from ..ops.shapes import shape_of
from . import levels
from ..core.values import BoxedValue, compared


class Dual(BoxedValue):
    """A primal value and its tangent, belonging to one forward trace."""

    __slots__ = ("primal", "tangent", "_trace")
    kind = "dual"

    def __init__(self, primal, tangent, trace):
        self.primal = primal
        self.tangent = tangent
        self._trace = trace

    @property
    def _level(self):
        return self._trace.level

    @property
    def shape(self):
        return shape_of(self.primal)

    @property
    def dtype(self):
        return getattr(self.primal, "dtype", np.dtype(float))

    def _process(self, primitive, args, params):
        return self._trace.apply(primitive, args, params)

    def _compare(self, op_name, other):
        if isinstance(other, Dual) and other._trace is self._trace:
            other = other.primal
        return compared(op_name, self.primal, other)

    def _decided(self):
        return self.primal

    def _held(self):
        return self.primal

    def _become(self, updated):
        if isinstance(updated, Dual) and updated._trace is self._trace:
            self.primal, self.tangent = updated.primal, updated.tangent
        elif not isinstance(updated, BoxedValue) or updated._level < self._level:
            self.primal, self.tangent = updated, None  # no tangent reached it: a constant of this trace
        else:
            raise errors.UnsupportedError(
                f"an item assignment at {user_location() or 'an unknown line'} put a value of an inner "
                "differentiation into a value of an outer one; build the new value instead, with "
                "dk.at(y)[index].set(v) or dk.where"
            )

    def __bool__(self):
        return self._truth(self.primal)

    def __repr__(self):
        return f"Dual({self.primal!r}, tangent={self.tangent!r})"


class ForwardTrace:
    """Pushes tangents through primitives applied to its :class:`Dual` values; a context."""

    def __init__(self):
        self.level = None
        self.operations = 0

    def __enter__(self):
        self.level = levels.enter(self)
        return self

    def __exit__(self, *exc_info):
        # Always restore: an exception in the user's program must not leave a level behind.
        levels.leave(self)
        return False

    def dual(self, primal, tangent):
        """A dual value of this trace: ``primal`` moving along ``tangent``."""
        if self.level is None:
            raise RuntimeError("ForwardTrace.dual() called outside `with ForwardTrace() as trace:`")
        return Dual(primal, tangent, self)

    def apply(self, primitive, args, params):
        primitive.check_arity(len(args))  # before a ufunc face takes an extra argument as its out=
        primals = []
        tangents = []
        for arg in args:
            if isinstance(arg, Dual) and arg._trace is self:
                primals.append(arg.primal)
                tangents.append(arg.tangent)
            else:  # a constant to this trace, possibly a value of an outer level
                primals.append(arg)
                tangents.append(None)
        out = primitive(*primals, **params)
        if all(t is None for t in tangents):
            return out
        self.operations += 1
        tangent = self._push_tangent(primitive, primals, tangents, out, params)
        return Dual(out, tangent, self)

    def _push_tangent(self, primitive, primals, tangents, out, params):
        total = None
        out_shape = shape_of(out)
        for position, tangent in enumerate(tangents):
            if tangent is None:
                continue
            rule = primitive.jvp_rule(position)
            if rule is None:
                if primitive.jvp is None:
                    raise errors.UnsupportedError(
                        f"{primitive.public} has no forward-mode (JVP) rule, met at "
                        f"{user_location() or 'an unknown line'}; differentiate with 'tape' instead."
                    )
                continue  # a non-differentiable argument, like the condition of `where`
            if primitive.singular or primitive.elementwise and not _all_finite(out):
                # an infinite slope, or a factor (x1 * inf): the tangent's arithmetic may meet 0 * inf
                with np.errstate(divide="ignore", invalid="ignore"):
                    contribution = rule(tangent, out, *primals, **params)
            else:
                contribution = rule(tangent, out, *primals, **params)
            if (primitive.elementwise or primitive.singular) and not _all_finite(contribution):
                with np.errstate(divide="ignore", invalid="ignore"):
                    contribution = _strong_zero(tangent, contribution, rule, out, primals, params)
            if contribution is None:
                continue
            if shape_of(contribution) != out_shape:
                contribution = broadcast_to(contribution, shape=out_shape)
            total = contribution if total is None else total + contribution
        return total


def _all_finite(value):
    kind = type(value)
    if kind is float or kind is np.float64:
        return math.isfinite(value)
    if kind is np.ndarray:
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    return True  # a boxed value of an outer level, or None


def _strong_zero(tangent, contribution, rule, out, primals, params):
    """0 where the product tangent x slope has an exact zero factor, not NaN.

    A zero tangent (an input not moved in this pass) times an infinite slope (x1 * inf,
    sqrt'(0)) is 0: in the tape the cotangent of x0 never meets x1's factor. An infinite
    tangent times a zero slope (tanh'(inf) = 0) is 0 too, as the tape's zero cotangent is
    kept zero through an infinite slope. The slope is the rule applied to a tangent of
    ones (the op is elementwise), computed only here, when something is not finite.
    """
    if isinstance(tangent, BoxedValue) or isinstance(contribution, BoxedValue):
        return contribution
    if primals and any(isinstance(p, BoxedValue) for p in primals):
        return contribution
    slope = rule(np.ones(np.shape(tangent)), out, *primals, **params)
    if slope is None or isinstance(slope, BoxedValue):
        return contribution
    exact_zero = (np.asarray(tangent) == 0) | (np.asarray(slope) == 0)
    if np.ndim(contribution) == 0:
        return 0.0 if np.all(exact_zero) else contribution
    return np.where(np.broadcast_to(exact_zero, np.shape(contribution)), 0.0, contribution)


def tangent_of(value, trace, shape):
    """The tangent ``value`` carries in ``trace``, as an array of ``shape`` (zeros if none)."""
    if isinstance(value, Dual) and value._trace is trace:
        if value.tangent is None:
            return np.zeros(shape)
        return value.tangent
    return np.zeros(shape)


def primal_of(value, trace):
    """The primal of ``value`` in ``trace`` (the value itself if it is a constant there)."""
    if isinstance(value, Dual) and value._trace is trace:
        return value.primal
    return value


def jvp(function, primals, tangents):
    """Run ``function(*primals)`` forward with ``tangents``; return (output, output tangent).

    The output tangent is zeros when the output does not depend on the inputs.
    """
    with ForwardTrace() as trace:
        duals = [trace.dual(p, t) for p, t in zip(primals, tangents)]
        out = function(*duals)
    value = primal_of(out, trace)
    return value, tangent_of(out, trace, shape_of(value))
