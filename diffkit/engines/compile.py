"""A recorded program written out as straight-line NumPy code: its forward pass and its adjoint.

:func:`compile_program` records the program once on a tape that keeps every value, then
writes Python source with one line per op: the forward pass as NumPy calls (the ops' own
NumPy faces), then the backward pass node by node in reverse, each rule either spelt as
NumPy expressions (the commonest ops: arithmetic, matmul of matrices, tanh, exp, sums)
or called on plain arrays, where the diffkit ops it is written with go straight to their
NumPy faces. No value is boxed and nothing is recorded when the code runs, so a gradient
costs about what a hand-written backward pass costs. Every line names its op and the
program line it came from, so the source reads as the adjoint program the tape runs.

Control flow is fixed when the program is recorded: every truth value the program asked
of a traced value (``if x > 0``, ``while t * t > a``) is written as a check, and a call
whose values would take the other way raises :class:`~diffkit.errors.ControlFlowChangedError`
naming the line. (Re-recording silently would make the cost of a call depend on its
values; compile again at the new values instead.) A value computed from the arguments
and read as a constant (a mask or an argmax used as an index, a count) is checked the
same way: the code recomputes it and refuses a call where it differs.
"""

import copy
import keyword
import linecache
import math
import operator
import os
import re

import numpy as np

from .. import errors
from ..core.buffer import unwrap
from ..core.containers import LEAF, flatten, unflatten
from ..core.frames import user_frame
from ..core.primitive import Primitive
from ..core.problem import Problem, checked_leaves, scalar_output
from ..core.values import COMPARISON_SYMBOLS, COMPARISONS, short_repr
from ..ops import heaviside
from ..ops.calculus import knot_index
from .tape import KeptTraced, Tape, Traced, _has_nan, _strong_zero, _summed_to

_RESERVED = frozenset(("np", "contribution", "_strong_zero", "_summed_to", "_changed", "heaviside_step",
                       "cosh_squared", "forward_and_backward"))


def _comparison(name):
    """A comparison as a tape node with no derivative, so a condition's value can be recomputed."""
    return Primitive(f"{name}", COMPARISONS[name], None, (None, None), user=True,
                     doc=f"a {COMPARISON_SYMBOLS[name]} b, recorded so the compiled code can check a branch")


_COMPARE = {name: _comparison(name) for name in COMPARISONS}


def _mask_op(name, face, arity, template=None):
    """An op on masks (``~``, ``&``, ``.any()``...) as a tape node with no derivative. ``template``
    spells it in the compiled source (``"{0} & {1}"``); without one it is called by name."""
    primitive = Primitive(f"mask_{name}", face, None, (None,) * arity, user=True,
                          doc=f"{name} of a mask, recorded so the compiled code recomputes it")
    return primitive, template


def _astype(x, dtype):
    return np.asarray(x).astype(dtype)


_MASK_OPS = {  # by the name of the NumPy function the op is, so np.logical_and(mask, m) finds its entry
    # np.invert, not ~: a number's comparison in the compiled code is a Python bool, and ~True is -2
    "invert": _mask_op("invert", np.invert, 1, "np.invert({0})"),
    "bitwise_and": _mask_op("bitwise_and", np.bitwise_and, 2, "{0} & {1}"),
    "bitwise_or": _mask_op("bitwise_or", np.bitwise_or, 2, "{0} | {1}"),
    "bitwise_xor": _mask_op("bitwise_xor", np.bitwise_xor, 2, "{0} ^ {1}"),
    "logical_not": _mask_op("logical_not", np.logical_not, 1),
    "logical_and": _mask_op("logical_and", np.logical_and, 2),
    "logical_or": _mask_op("logical_or", np.logical_or, 2),
    "logical_xor": _mask_op("logical_xor", np.logical_xor, 2),
    "any": _mask_op("any", np.any, 1),
    "all": _mask_op("all", np.all, 1),
    "astype": _mask_op("astype", _astype, 1),
    # value tests (np.isnan(x), np.isclose(a, b)): masks read from values, through read_position
    "isnan": _mask_op("isnan", np.isnan, 1, "np.isnan({0})"),
    "isinf": _mask_op("isinf", np.isinf, 1, "np.isinf({0})"),
    "isfinite": _mask_op("isfinite", np.isfinite, 1, "np.isfinite({0})"),
    "isclose": _mask_op("isclose", np.isclose, 2),
    "allclose": _mask_op("allclose", np.allclose, 2),
}
_VALUE_TESTS = ("isnan", "isinf", "isfinite", "isclose", "allclose")
_MASK_TEMPLATES = {primitive: template for primitive, template in _MASK_OPS.values() if template}
_MASK_PRIMITIVES = frozenset(primitive for primitive, _ in _MASK_OPS.values())
_POSITION_OPS = {function: Primitive(f"{function.__name__}", function, None, (None,) * arity, user=True,
                                     doc=f"{name} of recorded values, recomputed by the compiled code")
                 for function, arity, name in ((np.argmax, 1, "np.argmax"), (np.argmin, 1, "np.argmin"),
                                               (np.argsort, 1, "np.argsort"), (np.argwhere, 1, "np.argwhere"),
                                               (np.flatnonzero, 1, "np.flatnonzero"),
                                               (np.argpartition, 1, "np.argpartition"),
                                               (knot_index, 2, "the knot of dk.interp"))}
_POSITION_OPS.update({getattr(np, name): _MASK_OPS[name][0] for name in _VALUE_TESTS})
_UFUNC_MASK_OPS = frozenset(name for name in _MASK_OPS if name not in ("any", "all", "astype") + _VALUE_TESTS)
_REDUCTION_MASK_OPS = {np.any: "any", np.all: "all"}


def _refuse_numpy_options(method, **given):
    """Refuse ``out=``, ``where=`` and the like, which a recorded mask's method does not take."""
    for option, (value, default) in given.items():
        plain = isinstance(value, (bool, np.bool_, str)) and type(default) in (bool, str)
        if not (value is default or plain and value == default):
            raise errors.InputError(
                f"mask.{method}({option}=...) at {_describe(_program_line())} is not recorded by dk.compile_grad: "
                f"call mask.{method}() without {option}= (the result is a new value), or use dk.grad"
            )


def _mask_operator(name, refuse, reflected=False):
    """A ``_Recorded`` operator method (``~``, ``&``, ``__rand__``...) recording the mask op ``name``,
    or ``refuse`` (the traced value's own refusal) when an operand is not a mask."""
    if len(_MASK_OPS[name][0].vjp) == 1:
        def operator(self):
            return self._on_masks(name, (self,), refuse=refuse, operands=(self,))
    else:
        def operator(self, other):
            args = (other, self) if reflected else (self, other)
            return self._on_masks(name, args, refuse=refuse, operands=(self, other))
    operator.__name__ = refuse.__name__ if not reflected else f"__r{refuse.__name__[2:]}"
    return operator


class _Recorded(KeptTraced):
    """A value on the compiling tape: comparisons are recorded, and so is every truth value asked.

    A comparison's result is a mask that the compiled code must recompute for new values,
    so what a program does with masks (``~``, ``&``, ``|``, ``^``, ``np.logical_*``,
    ``.any()``, ``.all()``, ``.astype(float)``) is recorded too. On any other value these
    are refused as on every traced value.
    """

    __slots__ = ()

    def _compare(self, op_name, other):
        return self._tape.apply_keeping_all(_COMPARE[op_name], (self, other), {})

    def _is_mask(self):
        """A comparison's result, or an integer array made from masks only (``mask.astype(int)``)."""
        dtype = np.asarray(self.value).dtype
        return dtype == bool or dtype.kind in "iu" and self._tape.nodes[self._node][0] in _MASK_PRIMITIVES

    def _on_masks(self, name, args, params=None, refuse=None, operands=()):
        """Record the mask op ``name`` if every recorded argument is a mask, else ``refuse(*operands)``."""
        if all(arg._is_mask() for arg in args if isinstance(arg, _Recorded)):
            return self._tape.apply_keeping_all(_MASK_OPS[name][0], args, params or {})
        return refuse(*operands)

    __invert__ = _mask_operator("invert", Traced.__invert__)
    __and__ = _mask_operator("bitwise_and", Traced.__and__)
    __rand__ = _mask_operator("bitwise_and", Traced.__and__, reflected=True)
    __or__ = _mask_operator("bitwise_or", Traced.__or__)
    __ror__ = _mask_operator("bitwise_or", Traced.__or__, reflected=True)
    __xor__ = _mask_operator("bitwise_xor", Traced.__xor__)
    __rxor__ = _mask_operator("bitwise_xor", Traced.__xor__, reflected=True)

    def any(self, axis=None, out=None, keepdims=False, *, where=True):
        _refuse_numpy_options("any", out=(out, None), where=(where, True))
        return self._on_masks("any", (self,), {"axis": axis, "keepdims": keepdims}, refuse=Traced.any, operands=(self,))

    def all(self, axis=None, out=None, keepdims=False, *, where=True):
        _refuse_numpy_options("all", out=(out, None), where=(where, True))
        return self._on_masks("all", (self,), {"axis": axis, "keepdims": keepdims}, refuse=Traced.all, operands=(self,))

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):  # copy: always a new value
        _refuse_numpy_options("astype", order=(order, "K"), casting=(casting, "unsafe"), subok=(subok, True))
        return self._on_masks("astype", (self,), {"dtype": dtype}, refuse=Traced.astype, operands=(self, dtype))

    def __array_function__(self, func, types, args, kwargs):
        name = _REDUCTION_MASK_OPS.get(func)
        if name is not None and args and args[0] is self and self._is_mask():  # np.any(x > 0, axis=0)
            return getattr(self, name)(*args[1:], **kwargs)
        return Traced.__array_function__(self, func, types, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        if name in _UFUNC_MASK_OPS and method == "__call__" and not kwargs:
            return self._on_masks(name, inputs, refuse=Traced.__array_ufunc__, operands=(self, ufunc, method, *inputs))
        return Traced.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)

    def __bool__(self):
        truth = Traced.__bool__(self)
        self._tape.conditions.append((self._node, truth, _program_line()))
        return truth

    def _decided(self):
        """The plain value, read as a constant (a mask or position used as an index, a count):
        recorded, so that the compiled code checks it is the same for new arguments."""
        value = Traced._decided(self)
        self._tape.decisions.append((self._node, np.array(value, copy=True), _program_line()))
        return value

    def __int__(self):
        """An integer value (a position from ``dk.argmax``, a count of a mask) read as a constant, as
        the tape reads it; a float value carries a derivative, and ``int()`` is refused as ever."""
        if self._holds_integers():
            return int(self._decided())
        return Traced.__int__(self)

    def __index__(self):
        if self._holds_integers():
            return operator.index(self._decided())
        return Traced.__index__(self)

    def _holds_integers(self):
        return np.asarray(self.value).dtype.kind in "iub"

    def _read_position(self, function, values, params):
        """``dk.argmax``/``dk.argmin``/``dk.argsort``/``dk.argpartition`` of a recorded value, the knots
        ``dk.interp`` reads, or a value test (np.isnan, np.isclose...): a node of its own, so that the
        position or mask, not every entry of the arrays, is what a later read checks."""
        return self._tape.apply_keeping_all(_POSITION_OPS[function], values, params)


class _CompilingTape(Tape):
    """A tape that keeps every value, the program line of every node and every branch taken."""

    kept_type = _Recorded

    def __init__(self):
        super().__init__(keep_all=True, on_record=self._note_line)
        self.lines = {}
        self.conditions = []
        self.decisions = []  # (node, the plain value read, line): values the program used as constants

    def _note_line(self, index):
        self.lines[index] = _program_line()


def _sends_gradient(node, position):
    """Whether the rule of ``node`` for its argument ``position`` sends a cotangent back."""
    rules = node.rule.rules
    rule = rules[position] if position < len(rules) else None
    return rule is not None and getattr(rule, "__name__", "") != "no_gradient"


def _program_line():
    """``(file name, line number, source)`` of the running line of the user's program, or None."""
    frame = user_frame()
    if frame is None:
        return None
    code = frame.f_code
    return os.path.basename(code.co_filename), frame.f_lineno, linecache.getline(code.co_filename, frame.f_lineno).strip()


def _where(line):
    """A line of the program as a short comment: ``loops.py:12 while x > 5 or x < -5:``."""
    name, number, source = line
    return f"{name}:{number} {source}".rstrip()


def _describe(line):
    if line is None:
        return "an unknown line"
    name, number, source = line
    return f"{name}:{number}: `{source}`" if source else f"{name}:{number}"


# --- the backward rules spelt as NumPy expressions ---------------------------------------------
# Each takes the names of (g, out, *args) and the node (for its parameters and static shapes) and
# returns the contribution's expression, or None to call the op's rule itself. They are the
# table's rules written out for plain arrays, term for term, so results agree to the last bit.
def _cosh_squared(x):
    c = np.cosh(x)
    return c * c  # the table's rules for tanh and sigmoid: g / (c * c), g / (4.0 * (c * c))


def _same(g, out, *args, node=None):
    return g


def _negated(g, out, *args, node=None):
    return f"-{g}"


_TEMPLATES = {
    ("add", 0): _same,
    ("add", 1): _same,
    ("subtract", 0): _same,
    ("subtract", 1): _negated,
    ("negative", 0): _negated,
    ("multiply", 0): lambda g, out, a, b, node=None: f"{g} * {b}",
    ("multiply", 1): lambda g, out, a, b, node=None: f"{g} * {a}",
    ("divide", 0): lambda g, out, a, b, node=None: f"{g} / {b}",
    ("divide", 1): lambda g, out, a, b, node=None: f"-({g} * {out} / {b})",
    ("exp", 0): lambda g, out, x, node=None: f"{g} * {out}",
    ("tanh", 0): lambda g, out, x, node=None: f"{g} / cosh_squared({x})",
    ("sigmoid", 0): lambda g, out, x, node=None: f"{g} / (4.0 * cosh_squared(0.5 * {x}))",
    ("log", 0): lambda g, out, x, node=None: f"{g} / {x}",
    ("sqrt", 0): lambda g, out, x, node=None: f"{g} * 0.5 / {out}",
    ("sin", 0): lambda g, out, x, node=None: f"{g} * np.cos({x})",
    ("cos", 0): lambda g, out, x, node=None: f"-({g} * np.sin({x}))",
    ("relu", 0): lambda g, out, x, node=None: f"{g} * heaviside_step({x})",  # the kink convention in force
}


def _matmul_template(position):
    def template(g, out, a, b, node=None):
        if node.ndims[0] == 2 and node.ndims[1] == 2:
            return f"{g} @ {b}.T" if position == 0 else f"{a}.T @ {g}"
        return None

    return template


def _power_base(g, out, a, p, node=None):
    exponent = node.constants[1]
    if node.parents[1] is not None or type(exponent) not in (int, float):
        return None  # a traced or array exponent: the rule decides where p == 0
    if exponent == 0:
        return f"{g} * 0.0"
    return f"{g} * ({exponent!r} * {a} ** {exponent - 1!r})"


def _reduction_template(divided):
    """sum and mean over every axis: the scalar cotangent spread over the input's shape."""

    def template(g, out, x, node=None):
        params = node.params
        if params.get("axis") is not None or params.get("keepdims") or not node.shapes[0]:
            return None
        shape = node.shapes[0]
        if divided:
            return f"np.full({shape!r}, {g} / {float(np.prod(shape, dtype=int))!r})"
        return f"np.full({shape!r}, {g})"

    return template


_TEMPLATES.update({
    ("matmul", 0): _matmul_template(0),
    ("matmul", 1): _matmul_template(1),
    ("power", 0): _power_base,
    ("sum", 0): _reduction_template(divided=False),
    ("mean", 0): _reduction_template(divided=True),
})

# Forward ops spelt as Python operators (the same NumPy ufuncs, and more readable).
_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "matmul": "@"}


class _Node:
    """What the code generator needs of one recorded node."""

    def __init__(self, index, node, line):
        primitive, parents, args, params, out, _shapes, rule = node
        self.index = index
        self.primitive = primitive
        self.parents = parents
        self.constants = args
        self.params = params
        self.out = out
        self.rule = rule
        self.line = line
        self.shapes = tuple(np.shape(a) for a in args)
        self.ndims = tuple(len(shape) for shape in self.shapes)
        self.out_shape = np.shape(out)


class CompiledGradient:
    """The gradient of one program as straight-line NumPy code (see :func:`compile_program`).

    Call it with new arguments of the example's shapes: ``compiled(*args)`` returns the
    gradient, shaped like the arguments differentiated, as ``dk.grad`` would;
    :meth:`value_and_grad` returns the value too. ``source`` is the generated code.
    """

    def __init__(self, problem, inputs, constants, source, namespace, name, singular=False):
        self._problem = problem
        self._differentiated = frozenset(problem.argnums)
        self._inputs = inputs  # per argument: ("traced", treedef, shapes) or ("fixed", value)
        self._constants = constants
        self.source = source
        self.__name__ = f"compiled_grad_{name}"
        code = compile(source, f"<compiled gradient of {name}>", "exec")
        exec(code, namespace)  # noqa: S102  (our own generated source)
        self._run = namespace["forward_and_backward"]
        self._strong = namespace.get("forward_and_backward_exact_zeros")
        self._quiet = singular
        linecache.cache[f"<compiled gradient of {name}>"] = (len(source), None, source.splitlines(True), "")

    def __call__(self, *args):
        return self.value_and_grad(*args)[1]

    def value_and_grad(self, *args):
        problem = self._problem
        traced = self._read(args)
        if self._quiet:  # a rule that divides by zero at a zero cotangent: kept exactly zero, silently
            with np.errstate(divide="ignore", invalid="ignore"):
                value, cotangents = self._run(*traced)
        else:
            value, cotangents = self._run(*traced)
        if self._strong is not None and any(_has_nan(g) for g in cotangents):
            with np.errstate(divide="ignore", invalid="ignore"):
                value, cotangents = self._strong(*traced)
        value = float(value) if type(value) is np.float64 or type(value) is float else float(np.asarray(value).reshape(()))
        if not math.isfinite(value):  # NaN or infinity among the inputs? The error dk.grad gives.
            Problem(problem.f, args, problem.argnums[0] if problem.single else problem.argnums)
        return value, problem.pack(cotangents)

    def __repr__(self):
        return f"<diffkit compiled gradient of {self._problem.name}: {self.source.count(chr(10))} lines>"

    def _read(self, args):
        """The traced leaves of ``args``: differentiated ones, then the data, checked against the example.

        A float array is taken as it is and a number as a float; their values are not
        scanned for NaN or infinity (that costs a pass over every parameter), but a call
        whose value is not finite is checked as dk.grad checks its arguments.
        """
        problem = self._problem
        if len(args) != len(self._inputs):
            raise errors.InputError(
                f"the compiled gradient of {problem.name} takes the {len(self._inputs)} argument(s) it was "
                f"compiled with, got {len(args)}"
            )
        differentiated, data = [], []
        differentiated_args = self._differentiated
        for index, (arg, expected) in enumerate(zip(args, self._inputs)):
            if expected[0] == "fixed":
                if not _same_value(arg, expected[1]):
                    raise errors.InputError(
                        f"argument {problem.argument_names[index]} was {short_repr(expected[1])} when the gradient was compiled "
                        f"and is {short_repr(arg)} now: it is not a float array or number, so the compiled code holds "
                        "it as a constant. Compile again with this value (dk.compile_grad)."
                    )
                continue
            _, treedef, shapes = expected
            if treedef is LEAF:
                leaves = (arg,)
            elif treedef.flat and type(arg) is (list if treedef.kind == "list" else tuple) and len(arg) == len(shapes):
                leaves = arg
            else:
                leaves = _leaves_like(arg, treedef, problem.argument_names[index])
            target = differentiated if index in differentiated_args else data
            for position, (leaf, shape) in enumerate(zip(leaves, shapes)):
                kind = type(leaf)
                if kind is np.ndarray and leaf.dtype.kind == "f" and leaf.shape == shape:
                    target.append(leaf)
                elif (kind is float or kind is np.float64) and shape == ():
                    target.append(leaf)
                else:
                    target.append(self._converted(leaf, shape, problem.argument_names[index], position, args))
        return differentiated + data

    def _converted(self, leaf, shape, name, position, args):
        """A leaf that is not a float array or a float: converted as dk.grad converts it, or refused."""
        if leaf is None or isinstance(leaf, (str, bytes, dict)):
            raise errors.InputError(
                f"argument {name} (leaf {position}) is {short_repr(leaf)}, not a number or an array of numbers: the "
                f"gradient was compiled for an array of shape {shape}"
            )
        if np.shape(leaf) != shape:
            raise errors.ShapeError(
                f"argument {name} (leaf {position}) has shape {np.shape(leaf)}; the gradient was compiled "
                f"for shape {shape}. Compile again for new shapes (dk.compile_grad)."
            )
        checked = checked_leaves([leaf])
        if checked is None:  # refused: the very error dk.grad gives
            problem = self._problem
            Problem(problem.f, args, problem.argnums[0] if problem.single else problem.argnums)
            raise errors.InputError(f"argument {name} (leaf {position}) cannot be read as floats")
        return checked[0][0]


def _as_float(leaf):
    if type(leaf) is np.ndarray:
        return leaf if leaf.dtype.kind == "f" else leaf.astype(np.float64)
    return np.float64(leaf)


def _leaves_like(arg, treedef, name):
    leaves, found = flatten(arg)
    if found != treedef:
        raise errors.InputError(
            f"argument {name} does not have the structure the gradient was compiled for (the same "
            "dict keys, list lengths and nesting): compile again for it (dk.compile_grad)"
        )
    return leaves


def _same_value(a, b):
    """Whether ``a`` is the value ``b`` (an argument held fixed, a value the program read as a constant)."""
    if a is b:
        return True
    try:
        same = a == b
        return bool(same) if not isinstance(same, np.ndarray) else bool(np.array_equal(a, b))
    except Exception:  # noqa: BLE001  (an object that cannot be compared: not the same value)
        return False


def _is_float_input(leaf):
    if type(leaf) in (float, np.float64):
        return True
    return type(leaf) is np.ndarray and leaf.dtype.kind == "f"


def compile_program(f, args, argnums=0):
    """Record ``f(*args)`` once and return a :class:`CompiledGradient` of its straight-line code.

    The differentiated arguments and every float array or number among the other
    arguments become inputs of the code; other values (ints, strings, objects) are held
    as constants, and a call with a different one is refused.
    """
    problem = Problem(f, args, argnums)
    inputs, traced_values, input_names = _plan_inputs(problem)
    tape = _CompilingTape()
    with tape:
        leaves = [tape.leaf(value) for value in traced_values]
        # The program gets boxes of its own: an item assignment into an argument rebinds those.
        call_args = _arguments_with(problem, inputs, [copy.copy(leaf) for leaf in leaves])
        out = unwrap(problem.f(*call_args))
    out = scalar_output(out, problem.name)
    if not (isinstance(out, Traced) and out._tape is tape):
        raise errors.InputError(
            f"{problem.name} returned a value that does not depend on its arguments at all: there is "
            "nothing to compile (its gradient is zero)"
        )
    differentiated = leaves[: len(problem.leaf_values)]
    writer = _Writer(tape, leaves, input_names, differentiated, out)
    source, namespace = writer.source()
    return CompiledGradient(problem, inputs, writer.constants, source, namespace, _identifier(problem.name),
                            singular=writer.singular)


def _plan_inputs(problem):
    """Per argument how the code receives it; the values to trace; a name per traced leaf."""
    inputs = []
    values = list(problem.leaf_values)
    names = [_identifier(name) for name in problem.leaf_names]
    data_values, data_names = [], []
    spans = dict(zip(problem.argnums, problem.treedefs))
    for index, arg in enumerate(problem.args):
        name = problem.argument_names[index]
        if index in spans:
            treedef = spans[index]
            leaves = [arg] if treedef is LEAF else flatten(arg)[0]
            inputs.append(("traced", treedef, tuple(np.shape(leaf) for leaf in leaves)))
            continue
        leaves, treedef = flatten(arg)
        if leaves and all(_is_float_input(leaf) for leaf in leaves):
            inputs.append(("traced", LEAF if treedef.kind == "leaf" else treedef, tuple(np.shape(leaf) for leaf in leaves)))
            data_values.extend(_as_float(leaf) for leaf in leaves)
            data_names.extend(_identifier(f"{name}_{i}") if len(leaves) > 1 else _identifier(name) for i in range(len(leaves)))
        else:
            inputs.append(("fixed", arg))
    return inputs, values + data_values, _unique(names + data_names)


def _arguments_with(problem, inputs, leaves):
    """The program's arguments with every traced leaf in place (data included)."""
    args = problem.build_args(leaves[: len(problem.leaf_values)])
    rest = iter(leaves[len(problem.leaf_values):])
    for index, expected in enumerate(inputs):
        if expected[0] == "traced" and index not in problem.argnums:
            _, treedef, shapes = expected
            chunk = [next(rest) for _ in shapes]
            if treedef is LEAF:
                args[index] = chunk[0]
            else:
                args[index] = unflatten(treedef, chunk)
    return args


def _identifier(text):
    name = re.sub(r"\W+", "_", str(text)).strip("_") or "x"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "_" + name
    return name


def _unique(names):
    seen, result = set(), []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        result.append(candidate)
    return result


class _Writer:
    """Writes the forward and backward passes of one recording as Python source."""

    def __init__(self, tape, leaves, input_names, differentiated, out):
        self.tape = tape
        self.out = out._node
        self.leaf_nodes = [leaf._node for leaf in leaves]
        self.input_names = input_names
        self.wrt = [leaf._node for leaf in differentiated]
        self.nodes = {}
        for index, node in enumerate(tape.nodes):
            if node is not None:
                self.nodes[index] = _Node(index, node, tape.lines.get(index))
        self.names = {node: name for node, name in zip(self.leaf_nodes, input_names)}
        for index, node in self.nodes.items():
            self.names[index] = f"{_identifier(node.primitive.name)}_{index}"
        self.namespace = {"np": np, "_strong_zero": _strong_zero, "_summed_to": _summed_to,
                          "_changed": _path_changed(tape.conditions), "heaviside_step": heaviside.numpy,
                          "cosh_squared": _cosh_squared, "_same": _same_value,
                          "_read_changed": _read_changed(tape.decisions)}
        self.constants = {}
        self.singular = False  # some rule may divide by zero: the code runs with NumPy's warnings off
        self.conditions = {}
        for position, (index, truth, line) in enumerate(tape.conditions):
            self.conditions.setdefault(index, []).append((position, truth, line))
        self.decisions = {}
        for position, (index, value, line) in enumerate(tape.decisions):
            self.decisions.setdefault(index, []).append((position, value))

    # --- which nodes take part ---
    def _forward_nodes(self):
        """Nodes the output or a branch condition needs, in record order."""
        needed = set()
        stack = [self.out] + list(self.conditions) + list(self.decisions)
        while stack:
            index = stack.pop()
            if index in needed or index not in self.nodes:
                continue
            needed.add(index)
            stack.extend(p for p in self.nodes[index].parents if p is not None)
        return sorted(needed)

    def _differentiable_from_leaves(self):
        """Per node up to the output: whether a derivative reaches it from a differentiated leaf.

        A comparison or mask is computed from the leaves but has no derivative, so no
        cotangent is sent to it.
        """
        live = self.tape.computed_from([_Leaf(n) for n in self.wrt], self.out)
        for index in range(self.out + 1):
            node = self.nodes.get(index)
            if node is not None and live[index]:
                live[index] = any(parent is not None and live[parent] and _sends_gradient(node, position)
                                  for position, parent in enumerate(node.parents))
        return live

    def _backward_nodes(self):
        """Nodes the output depends on that depend on a differentiated leaf, in reverse order."""
        live = self._differentiable_from_leaves()
        reached = {self.out}
        order = []
        for index in range(self.out, -1, -1):
            if index not in reached or index not in self.nodes:
                continue
            order.append(index)
            for parent in self.nodes[index].parents:
                if parent is not None and live[parent]:
                    reached.add(parent)
        return order, live

    # --- source ---
    def source(self):
        forward = self._forward_nodes()
        backward, live = self._backward_nodes()
        exact_zeros_needed = any(self.nodes[i].rule.selects for i in backward)
        text = [self._function("forward_and_backward", forward, backward, live, strong=False)]
        if exact_zeros_needed:
            text.append(self._function("forward_and_backward_exact_zeros", forward, backward, live, strong=True))
        return "\n\n".join(text) + "\n", self.namespace

    def _function(self, function_name, forward, backward, live, strong):
        inputs = [self.names[n] for n in self.leaf_nodes]
        lines = [f"def {function_name}({', '.join(inputs)}):"]
        if strong:
            lines.append("    # the same pass, keeping every zero cotangent of an elementwise op exactly zero")
            lines.append("    # (run when a NaN came from 0 * inf on a branch that was not taken)")
        for index in self.leaf_nodes:  # a truth value asked of an argument itself, or its value read
            lines.extend(self._checks(index))
        lines.append("    # forward pass")
        for index in forward:
            lines.append("    " + self._forward_line(self.nodes[index]))
            lines.extend(self._checks(index))
        lines.append("    # backward pass: one cotangent per value, added where a value is used twice")
        body, singular = self._backward_lines(backward, live, strong)
        self.singular = self.singular or singular
        lines.extend(body)
        grads = [self._cotangent_name(n) if n in self._assigned else "None" for n in self.wrt]
        lines.append(f"    return {self.names[self.out]}, [{', '.join(grads)}]")
        local = {self.names[i] for i in self.nodes} | {self._cotangent_name(i) for i in self._assigned}
        return "\n".join(_free_when_spent(lines, local))

    def _checks(self, index):
        """The lines that check the branches taken on value ``index`` and the plain values read of it."""
        name = self.names[index]
        lines = []
        for position, truth, _ in self.conditions.get(index, ()):
            lines.append(f"    if {'not ' if truth else ''}{name}:")
            lines.append(f"        _changed({position})")
        for position, value in self.decisions.get(index, ()):
            lines.append(f"    if not _same({name}, {self._constant(value)}):")
            lines.append(f"        _read_changed({position})")
        return lines

    def _constant(self, value):
        """A constant argument as source: a literal when it reads as one, else a named constant."""
        if value is None or type(value) in (bool, int, str) or (type(value) is float and np.isfinite(value)):
            return repr(value)
        if type(value) is tuple and all(type(v) in (int, bool) or v is None for v in value):
            return repr(value)
        key = id(value)
        if key not in self.constants:
            name = f"constant_{len(self.constants)}"
            self.constants[key] = (name, value)
            self.namespace[name] = value
        return self.constants[key][0]

    def _argument(self, node, position):
        parent = node.parents[position]
        if parent is not None:
            return self.names[parent]
        return self._constant(node.constants[position])

    def _comment(self, node):
        return f"  # {_where(node.line)}" if node.line else ""

    def _forward_line(self, node):
        name = self.names[node.index]
        primitive = node.primitive
        args = [self._argument(node, i) for i in range(len(node.parents))]
        symbol = _OPERATORS.get(primitive.name)
        if primitive.name in _COMPARE and primitive is _COMPARE[primitive.name]:
            expression = f"{args[0]} {COMPARISON_SYMBOLS[primitive.name]} {args[1]}"
        elif primitive in _MASK_TEMPLATES:
            expression = _MASK_TEMPLATES[primitive].format(*args)
        elif symbol is not None and len(args) == 2 and not node.params:
            expression = f"{args[0]} {symbol} {args[1]}"
        elif primitive.name == "negative" and not node.params:
            expression = f"-{args[0]}"
        else:
            face = _identifier(primitive.name)
            if face in _RESERVED:
                face = f"{face}_op"
            self.namespace.setdefault(face, primitive.numpy)
            if self.namespace[face] is not primitive.numpy:  # two ops of one name (a user's and the table's)
                face = f"{face}_{node.index}"
                self.namespace[face] = primitive.numpy
            keywords = [f"{key}={self._constant(value)}" for key, value in node.params.items()]
            expression = f"{face}({', '.join(args + keywords)})"
        return f"{name} = {expression}{self._comment(node)}"

    def _seed(self):
        shape = np.shape(self.tape.nodes[self.out][4]) if self.out in self.nodes else ()
        return "1.0" if not shape else self._constant(np.ones(shape))

    def _cotangent_name(self, index):
        return f"d_{self.names[index]}"

    def _backward_lines(self, backward, live, strong):
        lines = []
        self._assigned = set()
        maybe_none = set()
        singular_any = False
        if self.out not in self.nodes:  # the program returns one of its arguments
            lines.append(f"    {self._cotangent_name(self.out)} = {self._seed()}")
            self._assigned.add(self.out)
        for index in backward:
            node = self.nodes[index]
            g = self._seed() if index == self.out else self._cotangent_name(index)
            if index != self.out and index not in self._assigned:
                continue  # nothing was sent back to it
            block = []
            targets = []
            assigned_before = set(self._assigned)
            singular = node.rule.singular or strong and node.rule.broadcasting
            for position, parent in enumerate(node.parents):
                if parent is None or not live[parent] or not _sends_gradient(node, position):
                    continue
                names = [self._argument(node, i) for i in range(len(node.parents))]
                expression = self._rule_expression(node, position, g, names)
                generic = expression is None
                if generic:
                    expression = self._rule_call(node, position, g, names)
                if singular:
                    expression = f"_strong_zero({g}, {expression})"
                    singular_any = True
                if node.rule.broadcasting and generic:
                    expression = f"_summed_to({expression}, {node.shapes[position]!r})"
                elif node.rule.broadcasting and node.shapes[position] != node.out_shape:
                    expression = _summed_back(expression, node.out_shape, node.shapes[position])
                target = self._cotangent_name(parent)
                comment = f"  # d {node.primitive.name}/d arg {position}" + (
                    f", line {node.line[1]}" if node.line else "")
                if generic:  # a rule may send nothing (None)
                    block.append(f"contribution = {expression}{comment}")
                    if parent in self._assigned:
                        block.append("if contribution is not None:")
                        block.append(f"    {target} = contribution if {target} is None else {target} + contribution")
                    else:
                        block.append(f"{target} = contribution")
                    maybe_none.add(parent)
                elif parent in self._assigned:
                    if parent in maybe_none:
                        block.append(f"{target} = {expression} if {target} is None else {target} + {expression}{comment}")
                    else:
                        block.append(f"{target} = {target} + {expression}{comment}")
                else:
                    block.append(f"{target} = {expression}{comment}")
                self._assigned.add(parent)
                targets.append(parent)
            if index != self.out and index in maybe_none and block:
                for target in targets:  # assigned only if this cotangent is sent: None otherwise
                    if target not in assigned_before:
                        lines.append(f"    {self._cotangent_name(target)} = None")
                    maybe_none.add(target)
                lines.append(f"    if {g} is not None:")
                lines.extend("        " + line for line in block)
            else:
                lines.extend("    " + line for line in block)
        return lines, singular_any

    def _rule_expression(self, node, position, g, names):
        template = _TEMPLATES.get((node.primitive.name, position))
        if template is None or node.primitive.user or node.params and node.primitive.name not in ("sum", "mean"):
            return None
        return template(g, self.names[node.index], *names, node=node)

    def _rule_call(self, node, position, g, names):
        rule = node.rule.rules[position]
        name = f"{_identifier(node.primitive.name)}_rule_{position}"
        if self.namespace.get(name, rule) is not rule:
            name = f"{name}_{node.index}"
        self.namespace[name] = rule
        keywords = [f"{key}={self._constant(value)}" for key, value in node.params.items()]
        out = self.names[node.index]
        return f"{name}({', '.join([g, out] + names + keywords)})"


def _summed_back(expression, given, shape):
    """A cotangent of shape ``given`` summed over the axes broadcasting added (as the tape's
    ``_unbroadcast_array`` sums them), written out for the shapes the recording saw."""
    extra = len(given) - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and given[extra + i] != 1)
    if not axes:
        return f"({expression}).reshape({shape!r})"
    if len(axes) == extra:
        return f"({expression}).sum(axis={axes!r})"
    return f"({expression}).sum(axis={axes!r}, keepdims=True).reshape({shape!r})"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _free_when_spent(lines, local):
    """``lines`` of a function with ``del name`` after the statement that last reads each of
    the ``local`` values: an array is freed as soon as the passes are done with it, as the
    tape frees a cotangent once spent (the peak memory stays that of the tape)."""
    header, body, last_line = lines[:1], lines[1:-1], lines[-1]
    statements = []
    for line in body:
        if statements and line.startswith("     "):  # inside the block of the statement above
            statements[-1].append(line)
        else:
            statements.append([line])
    returned = set(_NAME.findall(last_line))
    last_use = {}
    for position, statement in enumerate(statements):
        for name in _NAME.findall(" ".join(line.split("#")[0] for line in statement)):
            if name in local and name not in returned:
                last_use[name] = position
    spent = {}
    for name, position in last_use.items():
        spent.setdefault(position, []).append(name)
    result = list(header)
    for position, statement in enumerate(statements):
        result.extend(statement)
        if position in spent:
            result.append(f"    del {', '.join(sorted(spent[position]))}")
    result.append(last_line)
    return result


class _Leaf:
    """The node index of a leaf, as :meth:`Tape.computed_from` reads it."""

    def __init__(self, node):
        self._node = node


def _read_changed(decisions):
    def changed(position):
        _, value, line = decisions[position]
        what = "a mask" if value.dtype == bool else "a position" if value.dtype.kind in "iu" else "a value"
        raise errors.ControlFlowChangedError(
            f"the program read {what} computed from its arguments as a constant at {_describe(line)} (an index, "
            "dk.argmax, a sort's order, a count), and for these arguments it is different from when the gradient was compiled. "
            "A compiled gradient keeps the constants it recorded; compile again at these arguments "
            "(dk.compile_grad), or use dk.grad, which records the program at every call."
        )

    return changed


def _path_changed(conditions):
    def changed(position):
        _, truth, line = conditions[position]
        raise errors.ControlFlowChangedError(
            f"the program takes another path for these arguments: the condition at {_describe(line)} was "
            f"{truth} when the gradient was compiled and is {not truth} now. A compiled gradient follows the one "
            "path it recorded; compile again at these arguments (dk.compile_grad), or use dk.grad, which "
            "records the program at every call."
        )

    return changed
