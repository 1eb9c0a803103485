"""Reverse mode: a tape that records each primitive application, and its backward pass.

A :class:`Tape` is a context; while it is open, ops on :class:`Traced` values append a
node (primitive, parents, inputs, output). The record order is a topological order, so
the backward pass is one loop over the nodes in reverse: no recursion, so a chain of
any length works. Cotangents live in a list local to :meth:`Tape.backward` and are
*added* where a value fans out; nothing is stored on the values, so a second backward
pass gives the same answer, not a doubled one.

A node keeps only the values its derivative rules read: ``add`` keeps neither operand,
``exp`` keeps its output but not its input, ``matmul`` both operands but not its
output. Which parameters a rule reads is found once per primitive from the rule's code
(see :func:`parameters_read`), so the tape holds about what a hand-written backward
pass keeps, and the table of ops needs no extra declarations.
"""

import dis
import itertools
import operator

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..ops import add, divide, matmul, multiply, negative, power, subtract, unbroadcast, where
from ..ops import arrays as _array_ops
from ..ops.shapes import shape_of
from ..core.primitive import when_rules_change
from ..core.values import BoxedValue, compared, refuse_complex_constants
from . import levels

_UNSAFE_NAMES = frozenset(("locals", "vars", "eval", "exec"))


class Traced(BoxedValue):
    """A value recorded on a tape: its forward value and its node's index."""

    __slots__ = ("value", "_tape", "_node")
    kind = "traced"

    def __init__(self, value, tape, node):
        self.value = value
        self._tape = tape
        self._node = node

    @property
    def _level(self):
        return self._tape.level

    @property
    def shape(self):
        return shape_of(self.value)

    @property
    def dtype(self):
        return getattr(self.value, "dtype", np.dtype(float))

    def _process(self, primitive, args, params):
        return self._tape.apply(primitive, args, params)

    def _compare(self, op_name, other):
        if isinstance(other, Traced) and other._tape is self._tape:
            other = other.value
        return compared(op_name, self.value, other)

    def _decided(self):
        return self.value

    def _held(self):
        return self.value

    def _become(self, updated):
        """Stand for ``updated``, a value of the same tape (of a subclass on a drawing or compiling tape)."""
        if not (isinstance(updated, Traced) and updated._tape is self._tape):
            raise errors.UnsupportedError(
                f"an item assignment at {user_location() or 'an unknown line'} put a value of an inner "
                "differentiation into a value of an outer one; build the new value instead, with "
                "dk.at(y)[index].set(v) or dk.where"
            )
        self.value = updated.value
        self._node = updated._node

    def __bool__(self):
        return self._truth(self.value)

    def __repr__(self):
        return f"Traced({self.value!r})"

    def __neg__(self):
        return self._tape.apply(negative, (self,), {})


class KeptTraced(Traced):
    """A value on a tape that keeps everything (``Tape(keep_all=True)``, for drawings).

    Every op on it goes through the generic dispatch to :meth:`Tape.apply_keeping_all`,
    so the fast operators of :class:`Traced` stay as they are: the plain tape pays
    nothing for this mode.
    """

    __slots__ = ()

    def _process(self, primitive, args, params):
        return self._tape.apply_keeping_all(primitive, args, params)

    def __repr__(self):
        return f"KeptTraced({self.value!r})"

    __neg__ = BoxedValue.__neg__


def _operator(primitive, reflected):
    """A Traced operator method (``__mul__``, or ``__rmul__`` when ``reflected``) for ``primitive``.

    It records ``primitive(a, b)`` as ``primitive(a, b)`` followed by :meth:`Tape.apply`
    would, without their generic loops: an operator on a traced value is the commonest
    op of all. Any other box (a deeper tape, a symbol) goes through the generic dispatch.
    """
    rule = _node_rule(primitive, 2)
    face = rule.scalar_face
    numpy_face = primitive.numpy
    keep_a, keep_b = rule.keep_args
    keep_out = rule.keep_out
    broadcasting = rule.broadcasting
    scalar_types = _SCALAR_TYPES
    float64 = np.float64
    ndarray = np.ndarray
    matrix_product = primitive is matmul

    def traced_operator(self, other):
        tape = self._tape
        if type(other) is Traced and other._tape is tape:
            value_other = other.value
            parent_other = other._node
        elif isinstance(other, BoxedValue):  # another tape's value, a symbol...: generic dispatch
            return primitive(other, self) if reflected else primitive(self, other)
        else:
            value_other = other
            parent_other = None
            kind_other = type(other)
            if kind_other is ndarray and other.dtype.kind == "c" or kind_other is not ndarray and kind_other not in \
                    scalar_types:  # a complex number, or a list that may hold one: refused if it is complex
                refuse_complex_constants(primitive, (other,))
        if reflected:
            value_a, value_b, parents = value_other, self.value, (parent_other, self._node)
        else:
            value_a, value_b, parents = self.value, value_other, (self._node, parent_other)
        kind_a = type(value_a)
        kind_b = type(value_b)
        scalars = kind_a in scalar_types and kind_b in scalar_types
        if scalars and face is not None and (kind_a is float64 or kind_b is float64):
            out = face(value_a, value_b)
        elif isinstance(value_a, BoxedValue) or isinstance(value_b, BoxedValue):
            out = primitive(value_a, value_b)
        else:
            try:
                out = numpy_face(value_a, value_b)
            except ValueError as exc:
                raise primitive.shape_error((value_a, value_b), exc) from None
            except TypeError:
                primitive.refuse_call((value_a, value_b), _NO_PARAMS)
                raise
        node_rule = rule
        if matrix_product and kind_a is ndarray and kind_b is ndarray and value_a.ndim == 2 and value_b.ndim == 2:
            node_rule = _MATMUL_2D
            shapes = None
        elif not broadcasting or scalars and type(out) in scalar_types:
            shapes = None  # scalars in, a scalar out: every cotangent is a scalar, nothing to sum back
        else:
            shapes = (
                value_a.shape if kind_a is ndarray else () if kind_a in scalar_types else shape_of(value_a),
                value_b.shape if kind_b is ndarray else () if kind_b in scalar_types else shape_of(value_b),
            )
            if type(out) is ndarray and shapes[0] == shapes[1] == out.shape:
                shapes = None  # nothing was broadcast: nothing to sum back
        nodes = tape.nodes
        nodes.append(
            (
                primitive,
                parents,
                (value_a if keep_a else None, value_b if keep_b else None),
                _NO_PARAMS,
                out if keep_out else None,
                shapes,
                node_rule,
            )
        )
        return Traced(out, tape, len(nodes) - 1)

    traced_operator.__name__ = f"__{'r' if reflected else ''}{primitive.name}__"
    return traced_operator


_NO_PARAMS = {}


def _scalar_operator(primitive, reflected, general):
    """``general`` (an operator method from :func:`_operator`) with the case of two numbers, one a
    NumPy float64, recorded first: the commonest node of a scalar program, and the same node
    ``general`` records there, but with a :class:`_ScalarRule` the backward pass spells out."""
    rule = _SCALAR_RULES[primitive]
    face = rule.scalar_face
    kept = rule.keep_args[0]
    float64 = np.float64

    def scalar_operator(self, other):
        value = self.value
        kind = type(other)
        if kind is Traced:
            tape = self._tape
            if other._tape is tape:
                value_other = other.value
                kind_value = type(value)
                kind_other = type(value_other)
                if (kind_value is float64 and (kind_other is float64 or kind_other is float or kind_other is int)
                        or kind_other is float64 and (kind_value is float or kind_value is int)):
                    nodes = tape.nodes
                    index = len(nodes)
                    if reflected:  # other op self: a traced left operand whose own method declined (rare)
                        nodes.append((primitive, (other._node, self._node),
                                      (value_other, value) if kept else _NOTHING_KEPT, _NO_PARAMS, None, None, rule))
                        return Traced(face(value_other, value), tape, index)
                    nodes.append((primitive, (self._node, other._node), (value, value_other) if kept else _NOTHING_KEPT,
                                  _NO_PARAMS, None, None, rule))
                    return Traced(face(value, value_other), tape, index)
        elif kind is float64 or kind is float or kind is int:
            kind_value = type(value)
            if kind_value is float64 or kind is float64 and (kind_value is float or kind_value is int):
                tape = self._tape
                nodes = tape.nodes
                index = len(nodes)
                if reflected:
                    nodes.append((primitive, (None, self._node), (other, value) if kept else _NOTHING_KEPT,
                                  _NO_PARAMS, None, None, rule))
                    return Traced(face(other, value), tape, index)
                nodes.append((primitive, (self._node, None), (value, other) if kept else _NOTHING_KEPT,
                              _NO_PARAMS, None, None, rule))
                return Traced(face(value, other), tape, index)
        return general(self, other)

    scalar_operator.__name__ = general.__name__
    return scalar_operator


# --- what a derivative rule reads ------------------------------------------------------------
def parameters_read(function):
    """Names of ``function``'s positional parameters that its code mentions, or None if unknown.

    Any instruction naming a parameter counts as a read (loads, stores, cells for inner
    functions), so the answer errs on the side of keeping a value. A function without
    Python code, with ``*args``, or calling ``locals``/``vars``/``eval``/``exec`` is
    assumed to read everything (None).
    """
    code = getattr(function, "__code__", None)
    if code is None or code.co_flags & 0x04 or _UNSAFE_NAMES & set(code.co_names):  # 0x04: *args
        return None
    names = set(code.co_varnames[: code.co_argcount])
    read = set()
    for instruction in dis.get_instructions(code):
        value = instruction.argval
        for name in value if isinstance(value, tuple) else (value,):
            if isinstance(name, str) and name in names:
                read.add(name)
    return read, code.co_varnames[: code.co_argcount]


class _NodeRule:
    """What the tape needs of one primitive applied to ``count`` positional arguments."""

    __slots__ = ("rules", "keep_out", "keep_args", "broadcasting", "elementwise", "singular", "selects", "scalar_face",
                 "scalar_node")

    def __init__(self, primitive, count):
        self.scalar_face = _SCALAR_FACES.get(primitive.numpy) if not primitive.variadic else None
        self.scalar_node = None  # a unary op's rule for one NumPy float64, when the table declares faces for it
        self.broadcasting = primitive.broadcasting
        self.elementwise = primitive.elementwise
        self.singular = primitive.singular
        self.selects = primitive.selects
        self.rules = tuple(primitive.vjp_rule(position) for position in range(count))
        self.keep_out, self.keep_args = _values_needed(primitive, count)


def _values_needed(primitive, count):
    """(keep the output?, keep argument i?) for the union of the primitive's rules.

    A user's rules get every value: their calls are checked against the shapes of the
    argument and of the output (:mod:`diffkit.core.user_rules`)."""
    if primitive.variadic or primitive.user:
        return True, (True,) * count
    return _values_needed_by(primitive.vjp, count)


def _values_needed_by(rules, count):
    keep_out = False
    keep_args = [False] * count
    for rule in rules:
        if rule is None:
            continue
        found = parameters_read(rule)
        if found is None or len(found[1]) < count + 2:
            return True, (True,) * count
        read, positional = found
        keep_out = keep_out or positional[1] in read
        for position in range(count):
            keep_args[position] = keep_args[position] or positional[position + 2] in read
    return keep_out, tuple(keep_args)


_NODE_RULES = {}

# On NumPy float64 scalars these operators are NumPy's own scalar arithmetic: the same
# result and type as calling the ufunc, without the cost of a ufunc call (about 1 µs).
_SCALAR_FACES = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul, np.negative: operator.neg}
_SCALAR_TYPES = frozenset((float, int, np.float64))


def _matmul_2d_vjp_a(g, out, a, b):
    """matmul's rule for two 2-D operands, g b^T: the table's rule for that case, in one op."""
    return g @ b.T


def _matmul_2d_vjp_b(g, out, a, b):
    """matmul's rule for two 2-D operands, a^T g."""
    return a.T @ g


class _Matmul2dRule(_NodeRule):
    """What the tape records for a matrix product of two 2-D arrays, the commonest node of a
    network: no batch axes to sum back, and rules that are one NumPy product each (the
    general rule spends most of its time deciding which case it is in)."""

    __slots__ = ()

    def __init__(self):
        super().__init__(matmul, 2)
        self.rules = (_matmul_2d_vjp_a, _matmul_2d_vjp_b)
        self.broadcasting = False


_MATMUL_2D = _Matmul2dRule()


def _is_matrix(value):
    return type(value) is np.ndarray and value.ndim == 2


def _spread_rule(table_rule, divided):
    """sum's or mean's rule over every axis of an array, for a number cotangent: the number (over
    the count, for mean) in every entry, as the table's rule computes it, without its reshape
    and broadcast. Any other cotangent (a box of a deeper tape) takes the table's rule."""

    def spread(g, out, x, axis=None, keepdims=False):
        if (type(g) is float or type(g) is np.float64) and x.size:
            return np.full(x.shape, g / float(x.size) if divided else g)
        return table_rule(g, out, x, axis=axis, keepdims=keepdims)

    spread.__name__ = f"{table_rule.__name__}_over_every_axis"
    return spread


class _ReductionRule(_NodeRule):
    """What the tape records for sum or mean over every axis of an array (a loss's last node)."""

    __slots__ = ()

    def __init__(self, primitive, divided):
        super().__init__(primitive, 1)
        self.rules = (_spread_rule(primitive.vjp[0], divided),)


_REDUCTIONS = {_array_ops.sum: _ReductionRule(_array_ops.sum, False), _array_ops.mean: _ReductionRule(_array_ops.mean, True)}


class _ScalarRule(_NodeRule):
    """What the tape records for add, subtract or multiply of two numbers (one a NumPy float64).

    The rules are the table's; the backward pass spells out their arithmetic (``g``, ``-g``,
    ``g * b`` and ``g * a``) instead of calling them, as a call costs several times what the
    arithmetic does on numbers, and a scalar program is made of little else. ``operation``
    says which it is.
    """

    __slots__ = ("operation",)

    def __init__(self, primitive, operation):
        super().__init__(primitive, 2)
        if self.keep_args[0] != self.keep_args[1] or self.keep_out:
            raise AssertionError(f"{primitive.name}'s rules read other values than the scalar node keeps")
        self.operation = operation


_ADD, _SUBTRACT, _MULTIPLY = "add", "subtract", "multiply"
_SCALAR_RULES = {add: _ScalarRule(add, _ADD), subtract: _ScalarRule(subtract, _SUBTRACT),
                 multiply: _ScalarRule(multiply, _MULTIPLY)}
_NOTHING_KEPT = (None, None)
_SCALAR_RULE_TYPE = _ScalarRule


def _numpy_scalars(values):
    """True when every value is a float or int and at least one is a NumPy float64."""
    found = False
    for value in values:
        kind = type(value)
        if kind is np.float64:
            found = True
        elif kind not in _SCALAR_TYPES:
            return False
    return found


def _node_rule(primitive, count):
    key = (primitive, count)
    info = _NODE_RULES.get(key)
    if info is None:
        info = _NODE_RULES[key] = _NodeRule(primitive, count)
        if count == 1 and "scalar" in primitive.extra and not primitive.user:
            info.scalar_node = _ScalarFaceRule(primitive)
    return info


class _ScalarFaceRule(_NodeRule):
    """What the tape records for a unary op of the table applied to one NumPy float64, when the
    table gives the op faces for one number (``extra["scalar"]``: the forward value and the
    rules, the NumPy face's and the table rules' values without a ufunc call each)."""

    __slots__ = ()

    def __init__(self, primitive):
        super().__init__(primitive, 1)
        self.scalar_face, self.rules = primitive.extra["scalar"]
        keep_out, keep_args = _values_needed_by(self.rules, 1)
        if keep_out and not self.keep_out or keep_args[0] and not self.keep_args[0]:
            raise AssertionError(f"{primitive.name}'s scalar rules read values its rules do not")


def _forget_node_rules(primitive):
    """A user's primitive got new rules: what was cached of the old ones goes."""
    for key in [key for key in _NODE_RULES if key[0] is primitive]:
        del _NODE_RULES[key]


when_rules_change(_forget_node_rules)


def _shape(value):
    kind = type(value)
    if kind is np.ndarray:
        return value.shape
    if kind is float or kind is np.float64 or kind is int:
        return ()
    return shape_of(value)


class Tape:
    """Records primitive applications on :class:`Traced` values; use as a context.

    ``nodes[i]`` is ``None`` for a leaf, else ``(primitive, parents, args, params, out,
    shapes, rule)``: parents holds the node index of each traced argument (None for a
    constant); args and out hold the values the rules read (None where not needed);
    shapes the argument shapes of a broadcasting op, for summing cotangents back.

    ``keep_all=True`` keeps every argument and output instead (a drawing shows them all),
    and calls ``on_record(node index)`` after each node it records (a drawing refuses a
    graph too large to read). The backward pass is the same in both modes. ``names``
    maps a node index to the name the program gave its value with :func:`name`.
    """

    kept_type = None  # the values of a keep_all tape (KeptTraced; a subclass may record more)

    def __init__(self, keep_all=False, on_record=None):
        self.nodes = []
        self.level = None
        self.keep_all = keep_all
        self.on_record = on_record
        self.names = {}

    def __enter__(self):
        self.level = levels.enter(self)
        return self

    def __exit__(self, *exc_info):
        # Always restore: an exception in the user's program must not leave us recording.
        levels.leave(self)
        return False

    def leaf(self, value):
        """Start recording from ``value``: return its traced stand-in."""
        self.nodes.append(None)
        return ((self.kept_type or KeptTraced) if self.keep_all else Traced)(value, self, len(self.nodes) - 1)

    def leaves(self, values):
        """:meth:`leaf` of each of ``values``, in one go (a scalar program may have hundreds)."""
        nodes = self.nodes
        start = len(nodes)
        nodes.extend([None] * len(values))
        kind = (self.kept_type or KeptTraced) if self.keep_all else Traced
        return list(map(kind, values, itertools.repeat(self), range(start, len(nodes))))

    def apply_keeping_all(self, primitive, args, params):
        """:meth:`apply`, then the node keeps every argument and its output (``keep_all``)."""
        plain = [Traced(arg.value, self, arg._node) if isinstance(arg, KeptTraced) and arg._tape is self else arg
                 for arg in args]
        result = self.apply(primitive, plain, params)
        if type(result) is not Traced or result._tape is not self:
            return result  # no argument of this tape: nothing recorded
        index = result._node
        node = self.nodes[index]
        values = tuple(arg.value if type(arg) is Traced and arg._tape is self else arg for arg in plain)
        self.nodes[index] = (node[0], tuple(node[1]), values, node[3], result.value, node[5], node[6])
        if self.on_record is not None:
            self.on_record(index)
        return (self.kept_type or KeptTraced)(result.value, self, index)

    def apply(self, primitive, args, params):
        """Apply ``primitive`` to ``args``; record a node when one of them is traced on this tape."""
        count = len(args)
        rule = _NODE_RULES.get((primitive, count)) or _node_rule(primitive, count)
        if count == 1:
            (arg,) = args
            if type(arg) is Traced and arg._tape is self:
                value = arg.value
                scalar = rule.scalar_node
                if scalar is not None and type(value) is np.float64 and not params:  # relu of a number
                    out = scalar.scalar_face(value)
                    nodes = self.nodes
                    nodes.append((primitive, (arg._node,), (value,) if scalar.keep_args[0] else (None,), _NO_PARAMS,
                                  out if scalar.keep_out else None, None, scalar))
                    return Traced(out, self, len(nodes) - 1)
                values = (value,)
                parents = (arg._node,)
                traced = True
                boxed = isinstance(value, BoxedValue)  # recording over symbolic or dual values
            else:
                values = args
                parents = (None,)
                traced = False
                boxed = isinstance(arg, BoxedValue)
        else:
            values = []
            parents = []
            traced = False
            boxed = False
            for arg in args:
                if type(arg) is Traced and arg._tape is self:
                    values.append(arg.value)
                    parents.append(arg._node)
                    traced = True
                    if isinstance(arg.value, BoxedValue):  # recording over symbolic or dual values
                        boxed = True
                else:
                    values.append(arg)
                    parents.append(None)
                    if isinstance(arg, BoxedValue):
                        boxed = True
        if boxed:  # a value of a deeper tape or another kind of box: let it dispatch
            out = primitive(*values, **params)
        elif rule.scalar_face is not None and _numpy_scalars(values):
            out = rule.scalar_face(*values)
        else:
            try:
                out = primitive.numpy(*values, **params)
            except ValueError as exc:
                raise primitive.shape_error(values, exc, params) from None
            except TypeError:
                primitive.refuse_call(values, params)
                raise
        if not traced:
            return out
        if primitive is matmul and count == 2 and _is_matrix(values[0]) and _is_matrix(values[1]):
            rule = _MATMUL_2D
            shapes = None
        elif (primitive in _REDUCTIONS and type(values[0]) is np.ndarray and params.get("axis") is None
              and not params.get("keepdims")):
            rule = _REDUCTIONS[primitive]
            shapes = None
        elif not rule.broadcasting:
            shapes = None
        elif count == 1:
            kind = type(values[0])
            if kind in _SCALAR_TYPES and type(out) in _SCALAR_TYPES:
                shapes = None  # a scalar in, a scalar out: nothing to sum back
            elif kind is np.ndarray and type(out) is np.ndarray and values[0].shape == out.shape:
                shapes = None  # elementwise: the cotangent has the argument's shape already
            else:
                shapes = (values[0].shape if kind is np.ndarray else _shape(values[0]),)
        else:
            shapes = tuple([_shape(value) for value in values])
        keep = rule.keep_args
        if count == 1:
            kept = values if keep[0] else (None,)
        elif count == 2:
            kept = (values[0] if keep[0] else None, values[1] if keep[1] else None)
        else:
            kept = tuple([value if k else None for value, k in zip(values, keep)])
        nodes = self.nodes
        nodes.append((primitive, parents, kept, params, out if rule.keep_out else None, shapes, rule))
        return Traced(out, self, len(nodes) - 1)

    def backward(self, output, seed, wrt, on_node=None, strong_zero=None):
        """Cotangents of the leaves ``wrt`` for ``output`` seeded with ``seed``.

        ``wrt`` is the leaves (Traced values), or a range of their node indices: the nodes
        they had when recorded, whatever the program later did to the Traced objects (an
        item assignment into an argument rebinds its box to a new node).

        A leaf the output does not depend on gets ``None``. A NaN in the result is looked at
        once more: when it came from a zero cotangent times an infinite derivative on a
        branch not taken (``where(p > 0, p * log(p), 0)`` at p = 0, an overflowing ``exp``),
        a second pass that keeps every zero cotangent of an elementwise op exactly zero, as
        singular ops always do, removes it. The first pass pays nothing for this.
        ``strong_zero=True`` runs that second pass at once, for values whose NaNs show only
        once evaluated (SymPy expressions): a boxed contribution becomes
        ``where(g == 0, 0, contribution)``.

        ``on_node(index, g, sent)``, if given, is called for every node the pass visits, in
        the order it visits them: ``g`` is the node's cotangent (upstream) and ``sent`` what
        it sends to each parent (downstream; None for a constant, or for a value computed
        from no leaf in ``wrt``).
        The calls describe the pass whose result is returned, and the result is the same,
        bit for bit, as without a hook.
        """
        wrt = wrt if type(wrt) is range else [leaf._node for leaf in wrt]
        if on_node is not None:
            return self._backward_observed(output, seed, wrt, on_node)
        if strong_zero:
            return self._backward(output, seed, wrt, strong_zero=True)[0]
        cotangents, selected = self._backward(output, seed, wrt, strong_zero=False)
        if selected and any(_has_nan(g) for g in cotangents):
            cotangents, _ = self._backward(output, seed, wrt, strong_zero=True)
        return cotangents

    def _backward_observed(self, output, seed, wrt, on_node):
        """:meth:`backward` one node at a time through :meth:`contributions`, reporting each visit.

        Only nodes computed from a leaf in ``wrt`` take part: a tape that also recorded
        data (a drawing names its data arguments) runs the very pass a tape recording the
        data as constants would, so the result is the same to the last bit.
        """
        if not (isinstance(output, Traced) and output._tape is self):
            return [None] * len(wrt)
        nodes = self.nodes
        live = self._computed_from_nodes(wrt, output._node)
        for strong_zero in (False, True):
            cotangents = [None] * len(nodes)
            cotangents[output._node] = seed
            visits = []
            selected = False
            for index in range(output._node, -1, -1):
                g = cotangents[index]
                if g is None or nodes[index] is None:
                    continue
                sent = self.contributions(index, g, strong_zero, live)
                selected = selected or nodes[index][6].selects
                for parent, contribution in zip(nodes[index][1], sent):
                    if contribution is not None:
                        previous = cotangents[parent]
                        cotangents[parent] = contribution if previous is None else previous + contribution
                visits.append((index, g, sent))
            result = [cotangents[node] for node in wrt]
            if strong_zero or not (selected and any(_has_nan(g) for g in result)):
                break
        for visit in visits:
            on_node(*visit)
        return result

    def computed_from(self, wrt, last):
        """Per node up to ``last``: whether it was computed from one of the leaves ``wrt``."""
        return self._computed_from_nodes([leaf._node for leaf in wrt], last)

    def _computed_from_nodes(self, leaf_nodes, last):
        live = [False] * (last + 1)
        for node in leaf_nodes:
            if node <= last:
                live[node] = True
        for index in range(last + 1):
            node = self.nodes[index]
            if node is not None and any(parent is not None and live[parent] for parent in node[1]):
                live[index] = True
        return live

    def contributions(self, index, g, strong_zero=False, live=None):
        """What node ``index`` sends back to each of its parents for the cotangent ``g``.

        One step of the backward pass, spelt out (the loop of :meth:`_backward` inlines the
        same arithmetic for speed): each rule applied, a singular op's zero cotangent kept
        exactly zero, broadcasting summed back. None for a constant argument, a rule that
        sends nothing, or a parent that ``live`` (when given) marks as not computed from
        the differentiated leaves.
        """
        _, parents, args, params, out, shapes, rule = self.nodes[index]
        singular = rule.singular or strong_zero and rule.elementwise
        sent = []
        for position, (parent, vjp) in enumerate(zip(parents, rule.rules)):
            if parent is None or vjp is None or live is not None and not live[parent]:
                sent.append(None)
                continue
            if singular:
                with np.errstate(divide="ignore", invalid="ignore"):
                    contribution = _strong_zero(g, vjp(g, out, *args, **params), strong_zero)
            else:
                contribution = vjp(g, out, *args, **params)
            if contribution is not None and shapes is not None:
                contribution = _summed_to(contribution, shapes[position])
            sent.append(contribution)
        return sent

    def _backward(self, output, seed, wrt, strong_zero):
        """The backward pass; also says whether it met an op that selects entries (where,
        indexing), the only way a forward inf or NaN can stay out of the output."""
        selected = False
        nodes = self.nodes
        if not (isinstance(output, Traced) and output._tape is self):
            return [None] * len(wrt), selected
        cotangents = [None] * len(nodes)
        cotangents[output._node] = seed
        keep = set(wrt)
        scalar_types = _SCALAR_TYPES
        ndarray = np.ndarray
        scalar_rules = _SCALAR_RULE_TYPE if not strong_zero else ()
        for index in range(output._node, -1, -1):
            g = cotangents[index]
            if g is None:
                continue
            node = nodes[index]
            if node is None:  # a leaf
                continue
            rule = node[6]
            if type(rule) is scalar_rules:  # add, subtract or multiply of numbers: the rules spelt out
                # (a number's cotangent is a number: nothing worth freeing early)
                parent_a, parent_b = node[1]
                operation = rule.operation
                if operation is _MULTIPLY:
                    value_a, value_b = node[2]
                    if parent_a is not None:
                        contribution = g * value_b
                        previous = cotangents[parent_a]
                        cotangents[parent_a] = contribution if previous is None else previous + contribution
                    if parent_b is not None:
                        contribution = g * value_a
                        previous = cotangents[parent_b]
                        cotangents[parent_b] = contribution if previous is None else previous + contribution
                    continue
                if parent_a is not None:
                    previous = cotangents[parent_a]
                    cotangents[parent_a] = g if previous is None else previous + g
                if parent_b is not None:
                    contribution = g if operation is _ADD else -g
                    previous = cotangents[parent_b]
                    cotangents[parent_b] = contribution if previous is None else previous + contribution
                continue
            if index not in keep:
                cotangents[index] = None  # free memory as soon as it is spent
            _, parents, args, params, out, shapes, rule = node
            rules = rule.rules
            singular = rule.singular or strong_zero and rule.elementwise
            if shapes is None and not singular and not params:
                # The common case (scalars, same-shape arrays): no keywords, nothing to sum back.
                # Unary and binary nodes are spelt out: a call with *args costs more.
                count = len(parents)
                if count == 2:
                    parent_a, parent_b = parents
                    value_a, value_b = args
                    rule_a, rule_b = rules
                    if parent_a is not None and rule_a is not None:
                        contribution = rule_a(g, out, value_a, value_b)
                        if contribution is not None:
                            previous = cotangents[parent_a]
                            cotangents[parent_a] = contribution if previous is None else previous + contribution
                    if parent_b is not None and rule_b is not None:
                        contribution = rule_b(g, out, value_a, value_b)
                        if contribution is not None:
                            previous = cotangents[parent_b]
                            cotangents[parent_b] = contribution if previous is None else previous + contribution
                    continue
                if count == 1:
                    parent = parents[0]
                    vjp = rules[0]
                    if vjp is not None:  # the one parent of a recorded unary node is traced
                        contribution = vjp(g, out, args[0])
                        if contribution is not None:
                            previous = cotangents[parent]
                            cotangents[parent] = contribution if previous is None else previous + contribution
                    continue
                selected = selected or rule.selects
                for parent, vjp in zip(parents, rules):
                    if parent is None or vjp is None:
                        continue
                    contribution = vjp(g, out, *args)
                    if contribution is None:
                        continue
                    previous = cotangents[parent]
                    cotangents[parent] = contribution if previous is None else previous + contribution
                continue
            selected = selected or rule.selects
            position = -1
            for parent in parents:
                position += 1
                if parent is None:
                    continue
                vjp = rules[position]
                if vjp is None:
                    continue
                if singular:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        contribution = _strong_zero(g, vjp(g, out, *args, **params), strong_zero)
                elif params:
                    contribution = vjp(g, out, *args, **params)
                else:
                    contribution = vjp(g, out, *args)
                if contribution is None:
                    continue
                if shapes is not None:
                    kind = type(contribution)
                    if kind is ndarray:
                        shape = contribution.shape
                    elif kind in scalar_types:
                        shape = ()
                    else:
                        shape = shape_of(contribution)
                    if shape != shapes[position]:
                        if kind is ndarray:
                            contribution = _unbroadcast_array(contribution, shapes[position])
                        else:
                            contribution = unbroadcast(contribution, shapes[position])
                previous = cotangents[parent]
                cotangents[parent] = contribution if previous is None else previous + contribution
        return [cotangents[node] for node in wrt], selected

    def stats(self):
        """Nodes recorded, and bytes of the values the backward pass holds on to.

        ``bytes_held`` counts every value kept, including leaves and constants the
        program was given; ``bytes_intermediate`` only values the tape computed.
        """
        held = {}
        computed = set()
        operations = 0
        for node in self.nodes:
            if node is None:
                continue
            operations += 1
            _, parents, args, _, out, _, _ = node
            for parent, value in zip(parents, args):
                if value is None:
                    continue
                held[id(value)] = _nbytes(value)
                if parent is not None and self.nodes[parent] is not None:
                    computed.add(id(value))
            if out is not None:
                held[id(out)] = _nbytes(out)
                computed.add(id(out))
        return {
            "nodes": operations,
            "bytes_held": int(sum(held.values())),
            "bytes_intermediate": int(sum(held[key] for key in computed)),
        }


def _summed_to(contribution, shape):
    """A broadcasting op's cotangent summed back to its argument's ``shape`` (the loop's inline step)."""
    kind = type(contribution)
    if kind is np.ndarray:
        given = contribution.shape
    elif kind in _SCALAR_TYPES:
        given = ()
    else:
        given = shape_of(contribution)
    if given == shape:
        return contribution
    if kind is np.ndarray:
        return _unbroadcast_array(contribution, shape)
    return unbroadcast(contribution, shape)


def _unbroadcast_array(g, shape):
    """:func:`diffkit.ops.unbroadcast` for a plain array, with NumPy's own sum and reshape.

    The same sums as the op (the "copy gate adds" rule), without dispatching two
    primitives: a broadcast bias meets this once per layer in every backward pass.
    """
    key = (g.shape, shape)
    found = _SUMMED_AXES.get(key)
    if found is None:
        found = _SUMMED_AXES[key] = _summed_axes(g.shape, shape)
    axes, leading_only = found
    if leading_only:  # only leading axes (a bias over a batch): the sum has the shape already
        return g.sum(axis=axes) if axes else g.reshape(shape)  # a fresh array, handed to the user as it is
    g = g.sum(axis=axes, keepdims=True)  # np.add.reduce, as np.sum does
    return g.reshape(shape)


def _summed_axes(g_shape, shape):
    """The axes a cotangent of ``g_shape`` is summed over to get back to ``shape``, and whether they
    are all leading ones (asked once per pair of shapes: a network meets the same few every pass)."""
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra))
    for i, n in enumerate(shape):
        if n == 1 and g_shape[extra + i] != 1:
            axes += (extra + i,)
    if len(_SUMMED_AXES) > 4096:
        _SUMMED_AXES.clear()
    return axes, len(axes) == extra


_SUMMED_AXES = {}


def _nbytes(value):
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (float, np.floating)):
        return 8
    return 0


def _has_nan(value):
    if type(value) is np.ndarray:
        return value.dtype.kind in "fc" and bool(np.isnan(value).any())
    return type(value) in _SCALAR_TYPES and value != value


def _strong_zero(g, contribution, boxed=False):
    """0 * inf from a branch not taken (``where``) is 0, not NaN.

    With ``boxed``, a contribution or cotangent that is a boxed value (a SymPy expression,
    a value of an outer tape) is kept zero where ``g`` is, by ``where``: its numbers are
    not known here.
    """
    if contribution is None:
        return None
    if boxed and (isinstance(contribution, BoxedValue) or isinstance(g, BoxedValue)):
        return where(g == 0, 0.0, contribution)
    if isinstance(contribution, np.ndarray) and contribution.dtype.kind in "fc":
        if not np.isfinite(contribution).all():
            return np.where(np.broadcast_to(g, contribution.shape) == 0, 0.0, contribution)
    elif isinstance(contribution, (float, np.floating)) and not np.isfinite(contribution):
        if not isinstance(g, BoxedValue) and np.all(g == 0):
            return 0.0
    return contribution


_OPERATORS = {
    "add": add,
    "sub": subtract,
    "mul": multiply,
    "truediv": divide,
    "pow": power,
    "matmul": matmul,
}
for _name, _primitive in _OPERATORS.items():
    for _reflected in (False, True):
        _method = _operator(_primitive, _reflected)
        if _primitive in _SCALAR_RULES:
            _method = _scalar_operator(_primitive, _reflected, _method)
        setattr(Traced, f"__{'r' if _reflected else ''}{_name}__", _method)
    for _method in (f"__{_name}__", f"__r{_name}__"):  # a kept value takes the generic door
        setattr(KeptTraced, _method, getattr(BoxedValue, _method))


def name(value, label):
    """Give ``value`` a name for drawings of its graph; return ``value`` itself.

        q = dk.name(x + y, "q")     # dk.trace draws the add gate as "q: +"

    No operation is recorded and nothing is computed, so no method's value or gradient
    changes; outside a trace (NumPy, SymPy, a plain tape) the name is simply not needed.
    """
    if not isinstance(label, str) or not label.strip():
        from .. import errors

        raise errors.InputError(f"dk.name needs a non-empty string as the name, got {label!r}: e.g. dk.name(q, \"q\")")
    if isinstance(value, Traced):
        value._tape.names[value._node] = label
    return value


def active_tapes():
    """How many recording contexts are open right now (0 outside a differentiation)."""
    return levels.depth()
