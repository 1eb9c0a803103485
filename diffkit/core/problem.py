"""A program, the point to evaluate it at and the arguments to differentiate.

A :class:`Problem` flattens the differentiated arguments into float arrays ("leaves")
with names (``W1``, ``params.b[0]``), checks the point (NaN, dtypes, argnums), calls
the program with new leaf values, and packs gradients back into the arguments'
structure. Every method and engine reads a Problem; the output checks for a gradient
(one number) live here too, so every method words them the same way.
"""

import copy
import inspect
import re

import numpy as np

from .. import errors
from .buffer import unwrap
from .containers import flatten, leaf_paths, unflatten
from .frames import traceback_location
from .values import BoxedValue


class Problem:
    """A program, the point to evaluate it at, and which arguments to differentiate."""

    def __init__(self, f, args, argnums=0):
        if not callable(f):
            raise errors.InputError(f"expected a function to differentiate, got {type(f).__name__}")
        self.f = f
        self.args = list(args)
        _check_arity(f, len(self.args))
        self.argnums, self.single = _normalize_argnums(argnums, len(self.args), f)
        names = _argument_names(f, len(self.args))
        self.arg_names = [names[i] for i in self.argnums]
        self.treedefs = []
        self.leaves = []
        self.leaf_names = []
        self.leaf_was_scalar = []
        for argnum, name in zip(self.argnums, self.arg_names):
            leaves, treedef = flatten(self.args[argnum])
            self.treedefs.append(treedef)
            paths = leaf_paths(treedef, name)
            for leaf, path in zip(leaves, paths):
                self.leaves.append(_to_float_array(leaf, path))
                self.leaf_names.append(path)
                self.leaf_was_scalar.append(np.ndim(leaf) == 0)
        self._shorten_container_names()
        _refuse_nan_in_data(self.args, self.argnums, names)

    @property
    def name(self):
        """The program's name, for messages."""
        return getattr(self.f, "__name__", "the program")

    @property
    def size(self):
        """Number of scalar inputs being differentiated."""
        return int(sum(leaf.size for leaf in self.leaves))

    def call(self, leaf_values):
        """Run the program with the differentiated leaves replaced by ``leaf_values``.

        On plain arrays (finite differences) NumPy itself raises a shape mismatch or an
        index out of range; it becomes the same :class:`ShapeError`, naming the program
        line, that diffkit's ops raise on traced or symbolic values.
        """
        try:
            return unwrap(self.f(*self.build_args([_own_copy(leaf) for leaf in leaf_values])))
        except (ValueError, IndexError) as exc:
            if isinstance(exc.__cause__, errors.DiffkitError):  # NumPy re-raised our error as its own
                raise exc.__cause__ from None
            if isinstance(exc, errors.DiffkitError) or not _NUMPY_SHAPE_MESSAGE.search(str(exc)):
                raise
            raise errors.ShapeError(
                f"operands whose shapes do not fit together at "
                f"{traceback_location(exc.__traceback__) or 'an unknown line'}: {exc}. Check the "
                "shapes of the arrays (reshape, transpose or broadcast them explicitly)."
            ) from None

    def build_args(self, leaf_values):
        args = list(self.args)
        iterator = iter(leaf_values)
        for argnum, treedef in zip(self.argnums, self.treedefs):
            chunk = [next(iterator) for _ in range(treedef.num_leaves)]
            args[argnum] = unflatten(treedef, chunk)
        return args

    def pack(self, leaf_grads):
        """Gradients per leaf, back in the structure of the arguments."""
        iterator = iter(_present(g, leaf, scalar) for g, leaf, scalar in zip(leaf_grads, self.leaves, self.leaf_was_scalar))
        packed = []
        for treedef in self.treedefs:
            chunk = [next(iterator) for _ in range(treedef.num_leaves)]
            packed.append(unflatten(treedef, chunk))
        return packed[0] if self.single else tuple(packed)

    def entry_names(self):
        """A name for every scalar entry, in flat order: ``x``, ``W1[0,2]``..."""
        names = []
        for leaf, name in zip(self.leaves, self.leaf_names):
            if leaf.ndim == 0:
                names.append(name)
            else:
                names.extend(f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*leaf.shape))
        return names

    def _shorten_container_names(self):
        # A dict argument `params` names its leaves `W1`, not `params.W1`, when unambiguous.
        short = []
        for name, arg_name in zip(self.leaf_names, self._leaf_arg_names()):
            prefix = arg_name + "."
            short.append(name[len(prefix):] if name.startswith(prefix) else name)
        if len(set(short)) == len(short) and not set(short) & (set(self.arg_names) - set(self.leaf_names)):
            self.leaf_names = short

    def _leaf_arg_names(self):
        for name, treedef in zip(self.arg_names, self.treedefs):
            yield from [name] * treedef.num_leaves


def _own_copy(leaf):
    """The program gets its own copy of each leaf: an item assignment into an argument
    (``x[0] = 0``) changes the program's copy, never the point the method is working at."""
    if isinstance(leaf, np.ndarray):
        return leaf.copy()
    if isinstance(leaf, BoxedValue):
        return copy.copy(leaf)  # a new box for the same value: cheap
    return leaf


# How NumPy words a shape mismatch (broadcasting, matmul, dot, reshape, stacking) or an
# index that does not fit the array.
_NUMPY_SHAPE_MESSAGE = re.compile(
    r"could not be broadcast|core dimension|not aligned|cannot reshape|"
    r"input array dimensions|must have the same shape|"
    r"out of bounds for axis|too many indices|are valid indices"
)


def _present(grad, leaf, was_scalar):
    if isinstance(grad, BoxedValue) or isinstance(leaf, BoxedValue):
        return _boxed_present(grad, leaf)
    if grad is None:
        grad = np.zeros_like(leaf)
    grad = np.asarray(grad)
    # Each gradient comes back in its argument's dtype (float32 in, float32 out), as in JAX.
    dtype = leaf.dtype if grad.dtype.kind != "c" else np.result_type(leaf.dtype, grad.dtype)
    if was_scalar:
        if grad.dtype.kind == "c":
            return complex(grad.reshape(()))
        return float(grad.reshape(())) if dtype == np.float64 else dtype.type(grad.reshape(()))
    return np.array(np.broadcast_to(grad, leaf.shape), dtype=dtype)


def _boxed_present(grad, leaf):
    """A gradient inside a nested derivative: a diffkit value, broadcast to the leaf's shape."""
    shape = tuple(leaf.shape)
    if grad is None:
        return np.zeros(shape) if shape else 0.0
    if tuple(getattr(grad, "shape", np.shape(grad))) != shape:
        return np.broadcast_to(grad, shape)  # a boxed value routes this to dk.broadcast_to
    return grad


def _normalize_argnums(argnums, count, f):
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else tuple(argnums) if isinstance(argnums, (tuple, list)) else None
    if nums is None or not all(isinstance(n, (int, np.integer)) for n in nums):
        raise errors.InputError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    if not nums:
        raise errors.InputError("argnums is empty: say which arguments to differentiate, e.g. argnums=0")
    fixed = []
    for n in nums:
        if not -count <= n < count:
            raise errors.InputError(
                f"argnums={argnums!r} is out of range: {_function_name(f)} was called with {count} "
                f"positional argument(s), so argnums must lie in 0..{count - 1}"
            )
        fixed.append(int(n) % count)
    if len(set(fixed)) != len(fixed):
        raise errors.InputError(f"argnums={argnums!r} names an argument twice")
    return tuple(fixed), single


def _check_arity(f, count):
    """An InputError, before any method runs, when ``f`` cannot be called with ``count`` positional
    arguments (a raw TypeError from deep inside a method would hide whose mistake it is)."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # a builtin or an object without a readable signature
        return
    keyword_only = [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY and p.default is p.empty]
    if keyword_only:
        raise errors.InputError(
            f"{_function_name(f)} has the required keyword-only argument(s) {', '.join(keyword_only)}, which "
            "diffkit cannot pass: give them defaults, or fix them with functools.partial"
        )
    try:
        signature.bind(*range(count))
    except TypeError as exc:
        raise errors.InputError(
            f"{_function_name(f)} takes {_arity(signature)} but was called with {count}: {exc}. Pass one "
            "value for each of its arguments (and mark the ones to differentiate with argnums), or fix "
            "its others with functools.partial"
        ) from None


def _arity(signature):
    """``2 positional arguments (x, y)``, ``1 to 3 ...``, ``at least 1 ...``: what a signature accepts."""
    positional = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is p.empty)
    if any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values()):
        count = f"at least {required}"
    elif required == len(positional):
        count = f"{required}"
    else:
        count = f"{required} to {len(positional)}"
    names = ", ".join(p.name if p.default is p.empty else f"{p.name}=..." for p in positional)
    plural = "" if count in ("1", "at least 1") else "s"
    return f"{count} positional argument{plural}" + (f" ({names})" if names else "")


def _function_name(f):
    return getattr(f, "__name__", type(f).__name__)


def _argument_names(f, count):
    names = []
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    for parameter in parameters:
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
    names += [f"arg{i}" for i in range(len(names), count)]
    return names[:count] if len(names) >= count else names


def first_entry(array, mask, name):
    """The first entry of ``array`` where ``mask`` holds: its name (``W1[0,2]``) and its value."""
    if not array.ndim:
        return name, array[()]
    bad = np.argwhere(mask)[0]
    return f"{name}[{','.join(map(str, bad))}]", array[tuple(bad)]


def _to_float_array(leaf, name):
    if isinstance(leaf, BoxedValue):
        return leaf  # a derivative taken inside a program being differentiated (nesting)
    try:
        array = np.asarray(leaf)
    except Exception as exc:  # a ragged list, an object NumPy cannot read
        raise errors.InputError(f"argument {name} is not a number or an array of numbers: {exc}") from None
    kind = array.dtype.kind
    if kind in "iu":
        array = array.astype(np.float64)
    elif kind == "f":
        array = array.copy()
    elif kind == "c":
        raise errors.InputError(f"argument {name} is complex; diffkit differentiates real-valued inputs")
    else:
        raise errors.InputError(
            f"argument {name} has dtype {array.dtype} ({type(leaf).__name__}); a differentiated "
            "argument must hold real numbers. Exclude it from argnums or convert it to floats."
        )
    if not np.isfinite(array).all():
        where, value = first_entry(array, ~np.isfinite(array), name)
        raise errors.InputError(
            f"{where} is {value}: a gradient at NaN or infinity means nothing. Check the data "
            "or the step that produced it."
        )
    return array


def _refuse_nan_in_data(args, argnums, names):
    """NaN in an argument that is not differentiated (data) also makes the result meaningless.

    Infinity is allowed there: a constant -inf is a common mask (e.g. before a softmax).
    SymPy would even hide the NaN, since the derivative of a constant NaN term is 0.
    """
    for index, arg in enumerate(args):
        if index in argnums:
            continue
        leaves, treedef = flatten(arg)
        for leaf, path in zip(leaves, leaf_paths(treedef, names[index] if index < len(names) else f"arg{index}")):
            if isinstance(leaf, BoxedValue) or not isinstance(leaf, (float, np.floating, np.ndarray)):
                continue
            array = np.asarray(leaf)
            if array.dtype.kind in "fc" and np.isnan(array).any():
                where, _ = first_entry(array, np.isnan(array), path)
                raise errors.InputError(
                    f"{where} is nan (in an argument that is not differentiated): every result "
                    "computed from it would be NaN. Check the data or the step that produced it."
                )


def not_an_array(out):
    """How to name ``out`` when it is not one number or array (None when it is one)."""
    if out is None:
        return "None"
    if isinstance(out, BoxedValue):
        return None
    if isinstance(out, (tuple, list, dict, set, str, bytes)) or np.asarray(out).dtype.kind not in "biuf":
        return f"a {type(out).__name__}"
    return None


def scalar_output(out, program_name="the program"):
    """The program's output as one number; a clear error when it is not one."""
    kind = not_an_array(out)
    if kind is not None:
        raise errors.NonScalarOutputError(
            f"{program_name} returned {kind}, but a gradient needs a single number. Return one "
            "number (dk.sum or dk.mean of an array, or one of several results; dk.stack combines "
            "several into an array for dk.jacobian)."
        )
    shape = out.shape if isinstance(out, BoxedValue) else np.shape(out)
    size = int(np.prod(shape)) if shape else 1
    if size != 1:
        raise errors.NonScalarOutputError(
            f"{program_name} returned an array of shape {tuple(shape)}, but a gradient needs a "
            "single number. Reduce it (dk.sum, dk.mean), pick one entry, or use dk.jacobian "
            "for a vector output."
        )
    return out


def array_output(out, program_name="the program"):
    """The program's output as one array (any shape); a clear error when it is not one."""
    kind = not_an_array(out)
    if kind is not None:
        raise errors.InputError(
            f"{program_name} returned {kind}, but a Jacobian needs one array (or number) as output. "
            "Combine several outputs with dk.stack or dk.concatenate."
        )
    return out
