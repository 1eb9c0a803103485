"""A program, the point to evaluate it at and the arguments to differentiate.

A :class:`Problem` flattens the differentiated arguments into float arrays ("leaves")
with names (``W1``, ``params.b[0]``), checks the point (NaN, dtypes, argnums), calls
the program with new leaf values, and packs gradients back into the arguments'
structure. Every method and engine reads a Problem; the output checks for a gradient
(one number) live here too, so every method words them the same way.
"""

import copy
import inspect
import math
import operator
import re
import types
import weakref

import numpy as np

from .. import errors
from .buffer import unwrap
from .containers import LEAF, PLAIN_LEAVES, flat_sequence, flatten, leaf_paths, unflatten
from .frames import traceback_location
from .values import BoxedValue, plain_value

# A number given as a plain Python float or int, or as a NumPy float64: traced as a float64
# scalar, checked and converted in bulk (a program of a few hundred scalar parameters must
# not pay a NumPy array per entry). A float64, not a Python float: its arithmetic follows
# NumPy's rules (IEEE infinities, promotion beside float32, np.errstate, NumPy booleans).
# bool is not a number here: it is refused as before.
_NUMBER_TYPES = frozenset((float, int, np.float64))


class Problem:
    """A program, the point to evaluate it at, and which arguments to differentiate.

    Building one costs about what reading the arguments costs: a float array is checked
    for NaN and infinity in one vectorised pass (small arrays all together) and not
    copied, plain numbers are converted together, and what the program's signature says
    is looked up once per function. ``leaf_values`` are the values a method traces (the
    arguments' own float arrays, float64 scalars for numbers); ``leaves`` the same as
    arrays (0-d for numbers, read-only views of the arguments' arrays), for methods that
    perturb or reshape them. Names (``leaf_names``) are built when first asked for.
    """

    def __init__(self, f, args, argnums=0):
        if not callable(f):
            raise errors.InputError(f"expected a function to differentiate, got {type(f).__name__}")
        self.f = f
        self.args = list(args)
        count = len(self.args)
        names = _checked_argument_names(f, count)
        self.argnums, self.single = normalize_argnums(argnums, count, f)
        self.argument_names = names  # of every positional argument, for messages
        raw = list(map(self.args.__getitem__, self.argnums))
        # Many numbers or arrays given one per argument (a scalar program's parameters): one
        # leaf each, read in a few passes at C speed rather than one Python turn per argument.
        self._one_leaf_each = len(raw) > 1 and set(map(type, raw)) <= PLAIN_LEAVES
        if self._one_leaf_each:
            self.treedefs = [LEAF] * len(raw)
            self._spans = None  # argument i is leaf i: build_args and pack need no spans
        else:
            raw = self._read_arguments()
        checked = checked_leaves(raw, defer=True)
        if checked is None:  # something is wrong: find and name it the way diffkit always has
            self._raise_for_leaves(raw)
        self.leaf_values, self.leaf_was_scalar, small = checked
        self._leaves = None
        self._leaf_names = None
        data, data_small, suspect = _data_arrays(self.args, self.argnums, names)
        # One check of every small array, differentiated or not, joined: finite extremes clear
        # them all (the common case); otherwise each kind is looked at on its own.
        if (small or data_small) and not all_finite(_joined(small + data_small)):
            if small and not all_finite(_joined(small)):
                self._raise_for_leaves(raw)
            suspect = suspect or bool(data_small) and has_nan(_joined(data_small))
        if suspect:
            _refuse_nan_in_data(self.args, self.argnums, names)
        self._data = data

    def _read_arguments(self):
        """The differentiated arguments' leaves in flat order; sets ``treedefs`` and the spans."""
        self.treedefs = []
        raw = []
        spans = []
        for argnum in self.argnums:
            arg = self.args[argnum]
            kind = type(arg)
            if kind is np.ndarray or kind in _NUMBER_TYPES:
                treedef = LEAF
                raw.append(arg)
            elif (kind is list or kind is tuple) and arg and set(map(type, arg)) <= PLAIN_LEAVES:
                treedef = flat_sequence("list" if kind is list else "tuple", len(arg))  # what flatten gives
                raw.extend(arg)
            else:
                leaves, treedef = flatten(arg)
                raw.extend(leaves)
            spans.append((argnum, treedef, len(raw) - treedef.num_leaves, len(raw)))
            self.treedefs.append(treedef)
        self._spans = spans
        return raw

    @property
    def arg_names(self):
        """The names of the differentiated arguments, in the order of ``argnums``."""
        return [self.argument_names[i] for i in self.argnums]

    @property
    def name(self):
        """The program's name, for messages."""
        return getattr(self.f, "__name__", "the program")

    @property
    def size(self):
        """Number of scalar inputs being differentiated."""
        return int(sum(leaf.size for leaf in self.leaves))

    @property
    def leaves(self):
        """The differentiated leaves as float arrays (0-d for a number), in flat order.

        An argument's own array comes as a read-only view: a method evaluating the program
        on it (not on a copy it perturbs) cannot change the caller's data.
        """
        if self._leaves is None:
            self._leaves = [_as_leaf_array(value) for value in self.leaf_values]
        return self._leaves

    @leaves.setter
    def leaves(self, arrays):
        """Move the point: every method then evaluates the program at these leaves."""
        self._leaves = list(arrays)
        self.leaf_values = list(self._leaves)

    @property
    def leaf_names(self):
        """A readable name per leaf: ``x``, ``W1``, ``params.b[0]``."""
        if self._leaf_names is None:
            self._leaf_names = self._shortened(self._full_leaf_names())
        return self._leaf_names

    def _full_leaf_names(self):
        names = []
        for name, treedef in zip(self.arg_names, self.treedefs):
            names.extend(leaf_paths(treedef, name))
        return names

    def _raise_for_leaves(self, raw):
        for leaf, path in zip(raw, self._full_leaf_names()):
            _to_float_array(leaf, path)
        raise AssertionError("a leaf was refused but none raised")  # unreachable: checked_leaves agrees

    def call(self, leaf_values, own=False):
        """Run the program with the differentiated leaves replaced by ``leaf_values``.

        On plain arrays (finite differences) NumPy itself raises a shape mismatch or an
        index out of range; it becomes the same :class:`ShapeError`, naming the program
        line, that diffkit's ops raise on traced or symbolic values. The program gets its
        own copy of each leaf, unless ``own`` says the values are the program's to keep
        (boxes made for this one call, which nothing else reads).
        """
        try:
            given = leaf_values if own else [_own_copy(leaf) for leaf in leaf_values]
            return unwrap(self.f(*self.build_args(given)))
        except TypeError as exc:
            clearer = self.type_mistake(exc)
            if clearer is None:
                raise
            raise clearer from None
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

    def type_mistake(self, exc):
        """A diffkit error for a TypeError the user's arguments caused, or None (a bug of the program's own).

        Two mistakes raise a bare TypeError deep in the program: a list of numbers given where
        an array was meant (diffkit differentiates it entry by entry, as a container, so the
        program receives a list, which has no arithmetic), and a string given as a
        non-differentiated argument that the program then uses as a number (NumPy's
        UFuncTypeError, or Python's operator error).
        """
        where = traceback_location(exc.__traceback__) or "a line of the program"
        for argnum, name in zip(self.argnums, self.arg_names):
            value = self.args[argnum]
            if _is_list_of_numbers(value) and (isinstance(exc, errors.NonDiffkitFunctionError) or
                                               _LIST_MESSAGE.search(str(exc))):
                kind = type(value).__name__
                return errors.ListArgumentError(
                    f"argument {name!r} is a Python {kind} of {len(value)} numbers, which diffkit differentiates "
                    f"as a container of {len(value)} separate arguments: the program received a {kind}, and "
                    f"arithmetic on it failed at {where} ({type(exc).__name__}: {_short(exc)}). To differentiate "
                    f"one vector, pass an array: np.array({_short(_numbers_shown(value))})"
                )
        if isinstance(exc, errors.DiffkitError) or not _STRING_MESSAGE.search(str(exc)):
            return None
        names = _argument_names(self.f, len(self.args))
        for index, value in enumerate(self.args):
            if index in self.argnums:
                continue
            text = _first_string(value)
            if text is not None:
                return errors.InputError(
                    f"argument {names[index]!r} (not differentiated) holds the string {_short(text)}, which the "
                    f"program used as a number at {where} ({type(exc).__name__}: {_short(exc)}). Pass a number "
                    "or an array of numbers there (np.asarray(values, dtype=float) converts numeric strings)"
                )
        return None

    def build_args(self, leaf_values):
        """The program's arguments with the differentiated leaves replaced by ``leaf_values``."""
        if type(leaf_values) is not list and type(leaf_values) is not tuple:
            leaf_values = list(leaf_values)
        args = list(self.args)
        if self._one_leaf_each:
            for argnum, value in zip(self.argnums, leaf_values):
                args[argnum] = value
            return args
        for argnum, treedef, start, stop in self._spans:
            args[argnum] = leaf_values[start] if treedef is LEAF else _rebuilt(treedef, leaf_values[start:stop])
        return args

    def pack(self, leaf_grads):
        """Gradients per leaf, back in the structure of the arguments.

        A gradient array the backward pass made for this leaf alone is handed over as it
        is; one that is a view, shared with another leaf, read-only or of another shape
        or dtype is copied into a fresh array, as the user owns what comes back.
        """
        leaf_values = self.leaf_values
        foreign = set(map(id, self._data)) if self._data else ()
        if _handed_as_they_are(leaf_grads, leaf_values, foreign):
            present = leaf_grads
        else:  # numbers: what _present_each gives each, in one C loop
            present = _numbers_as_floats(leaf_grads, leaf_values)
            if present is None:
                present = self._present_each(leaf_grads, leaf_values, foreign)
        if self.single:
            _, treedef, start, stop = self._spans[0]
            return present[start] if treedef is LEAF else _rebuilt(treedef, present[start:stop])
        if self._one_leaf_each:
            return tuple(present)
        return tuple(
            present[start] if treedef is LEAF else _rebuilt(treedef, present[start:stop])
            for _, treedef, start, stop in self._spans
        )

    def _present_each(self, leaf_grads, leaf_values, foreign):
        was_scalar = self.leaf_was_scalar
        handed = set()
        present = []
        for index, grad in enumerate(leaf_grads):
            kind = type(grad)
            if kind is np.ndarray:
                leaf = leaf_values[index]
                if (
                    grad.base is None  # owns its memory: no view of a value of the passes
                    and grad is not leaf
                    and type(leaf) is np.ndarray
                    and grad.shape == leaf.shape
                    and (grad.dtype is leaf.dtype or grad.dtype == leaf.dtype)
                    and id(grad) not in handed
                    and id(grad) not in foreign
                ):
                    handed.add(id(grad))
                    present.append(grad)
                    continue
            elif was_scalar[index] and (kind is np.float64 or kind is float) and type(leaf_values[index]) is np.float64:
                present.append(float(grad))
                continue
            present.append(_present(grad, leaf_values[index], was_scalar[index]))
        return present

    def entry_names(self):
        """A name for every scalar entry, in flat order: ``x``, ``W1[0,2]``..."""
        names = []
        for leaf, name in zip(self.leaves, self.leaf_names):
            if leaf.ndim == 0:
                names.append(name)
            else:
                names.extend(f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*leaf.shape))
        return names

    def _shortened(self, names):
        # A dict argument `params` names its leaves `W1`, not `params.W1`, when unambiguous.
        short = []
        for name, arg_name in zip(names, self._leaf_arg_names()):
            prefix = arg_name + "."
            short.append(name[len(prefix):] if name.startswith(prefix) else name)
        if len(set(short)) == len(short) and not set(short) & (set(self.arg_names) - set(names)):
            return short
        return names

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


def _rebuilt(treedef, values):
    """:func:`unflatten` of a slice of leaves, a list or tuple of leaves built directly."""
    if treedef.flat and treedef.kind == "list":
        return list(values)
    if treedef.flat and treedef.kind == "tuple":
        return tuple(values)
    return unflatten(treedef, values)


def _as_leaf_array(value):
    if type(value) is np.float64:
        return np.array(value)
    if type(value) is np.ndarray:
        view = value.view()
        view.flags.writeable = False
        return view
    return value


def _joined(arrays):
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=None)


_SHAPE = operator.attrgetter("shape")
_DTYPE = operator.attrgetter("dtype")
_SIZE = operator.attrgetter("size")
_FLOAT64 = np.dtype(np.float64)
_ARRAY_TYPE = {np.ndarray}
_FLOAT64_DTYPE = {_FLOAT64}


def _handed_as_they_are(grads, leaves, foreign):
    """Whether every gradient is a float64 array of its leaf's shape that the backward pass made
    for that leaf alone (owning its memory, no other leaf's, no argument's): then none is copied."""
    if not grads or len(grads) != len(leaves):
        return False
    ndarray = np.ndarray
    float64 = _FLOAT64
    for grad, leaf in zip(grads, leaves):
        if (
            type(grad) is not ndarray
            or type(leaf) is not ndarray
            or grad.base is not None
            or grad is leaf
            or grad.shape != leaf.shape
            or not (grad.dtype is float64 or grad.dtype == float64)
            or not (leaf.dtype is float64 or leaf.dtype == float64)  # each gradient comes back in its argument's dtype
        ):
            return False
    return len(set(map(id, grads))) == len(grads) and (not foreign or foreign.isdisjoint(map(id, grads)))


_NUMBER_GRADIENTS = frozenset((np.float64, float))
_FLOAT64_SCALAR = {np.float64}


def _numbers_as_floats(grads, leaves):
    """The gradients as Python floats when every leaf is a number (traced as a float64) and every
    gradient a number, else None: one pass over each list, none per entry."""
    if len(grads) != len(leaves) or set(map(type, leaves)) != _FLOAT64_SCALAR:
        return None
    return list(map(float, grads)) if set(map(type, grads)) <= _NUMBER_GRADIENTS else None


def _each_finite(arrays):
    """:func:`all_finite` of every (large) array."""
    return all(map(all_finite, arrays))


_REFUSED_SUBCLASSES = (np.matrix, np.ma.MaskedArray)


def checked_leaves(raw, defer=False):
    """``(values to trace, was-scalar flags)`` for the raw leaves, or None if one is refused.

    Numbers become float64 scalars (checked together, one array for all of them); a
    float array is traced as it is (a traced value cannot be written to) after one
    pass that checks it; an integer array becomes a float copy. Anything else, or
    anything not finite, returns None: the caller names it. With ``defer`` the small
    arrays are not checked but returned too, for the caller to check with others.
    """
    kinds = set(map(type, raw))
    if kinds == _ARRAY_TYPE and set(map(_DTYPE, raw)) == _FLOAT64_DTYPE:  # the common case, in a few C passes
        scalar = list(map(operator.not_, map(_SHAPE, raw)))
        if max(map(_SIZE, raw)) <= _SMALL:
            small = list(raw)
        else:
            small = [leaf for leaf in raw if leaf.size <= _SMALL]
            if not _each_finite([leaf for leaf in raw if leaf.size > _SMALL]):
                return None
        if defer:
            return list(raw), scalar, small
        return (list(raw), scalar) if not small or all_finite(_joined(small)) else None
    if raw and kinds <= _NUMBER_TYPES:  # only numbers (a scalar program's parameters): in one go
        try:
            together = np.array(raw, dtype=np.float64)
        except OverflowError:  # an int too large for a float
            return None
        values, scalar = list(together), [True] * len(raw)
        if defer:
            return values, scalar, [together]
        return (values, scalar) if all_finite(together) else None
    values = list(raw)
    scalar = [False] * len(raw)
    numbers = []
    small = []  # small arrays are checked together: one NumPy call, not one per array
    big = []
    for index, leaf in enumerate(raw):
        kind = type(leaf)
        if kind is np.ndarray and leaf.dtype.kind == "f":  # the common case, spelt out
            (small if leaf.size <= _SMALL else big).append(leaf)
            if not leaf.shape:
                scalar[index] = True
            continue
        if kind in _NUMBER_TYPES:
            numbers.append(index)
            continue
        if kind is not np.ndarray:
            if isinstance(leaf, BoxedValue):  # a derivative taken inside a program being differentiated
                scalar[index] = leaf.ndim == 0
                continue
            if isinstance(leaf, _REFUSED_SUBCLASSES):  # named by _to_float_array
                return None
            try:  # another kind of number (np.float32, np.int64...), or something refused
                leaf = np.asarray(leaf)
            except Exception:
                return None
        dtype_kind = leaf.dtype.kind
        if dtype_kind in "iu":
            leaf = leaf.astype(np.float64)
        elif dtype_kind != "f":
            return None
        (small if leaf.size <= _SMALL else big).append(leaf)
        values[index] = leaf
        scalar[index] = leaf.ndim == 0
    if big and not _each_finite(big):
        return None
    if numbers:
        try:
            together = np.array([raw[index] for index in numbers], dtype=np.float64)
        except OverflowError:  # an int too large for a float
            return None
        small.append(together)
        for index, value in zip(numbers, together):
            values[index] = value
            scalar[index] = True
    if defer:  # the caller checks the small arrays, together with others
        return values, scalar, small
    if small and not all_finite(_joined(small)):
        return None
    return values, scalar


_VDOT = np.vdot
_SMALL = 1024  # entries: below this, one NumPy call costs more than copying the array into another


def all_finite(array):
    """True when no entry of a float array is NaN or infinite.

    For a contiguous array, one pass and no temporary array: its sum of squares
    (:func:`_sum_of_squares`), which squares cannot cancel, so it is finite when every
    entry is. A NaN or infinite sum (an entry that is, or entries past about 1e154
    overflowing) and a non-contiguous array are settled entry by entry.
    """
    if not array.size:
        return True
    total = _sum_of_squares(array)
    return (total is not None and math.isfinite(total)) or bool(np.isfinite(array).all())


def _sum_of_squares(array):
    """A float array's dot product with itself, one BLAS pass over its memory; None when the
    array is not contiguous (or not real).

    BLAS reads memory about twice as fast as a sum does, and a gradient's arguments are
    often megabytes. ``np.vdot``, unlike ``np.dot`` and ``@``, leaves NumPy's floating-point
    error state alone: squares that overflow give inf without a warning, whatever
    ``np.seterr`` says, so no ``np.errstate`` (about a microsecond) is needed around it.
    """
    if array.dtype.kind != "f" or not (array.flags.c_contiguous or array.flags.f_contiguous):
        return None
    flat = array.ravel(order="K")  # a view: the entries in memory order
    try:
        return _VDOT(flat, flat)
    except FloatingPointError:  # a NumPy whose vdot reports overflow, set to raise: not known finite
        return math.inf


def has_nan(array):
    """True when a float or complex array holds a NaN (for a contiguous float array: one pass).

    A float array's sum of squares is NaN exactly when an entry is (infinite entries and
    overflow give +inf, never NaN: squares cannot cancel).
    """
    if array.dtype.kind == "f" and array.size:
        total = _sum_of_squares(array)
        if total is not None:
            return total != total
    return bool(np.isnan(array).any())


# How NumPy words a shape mismatch (broadcasting, matmul, dot, reshape, stacking) or an
# index that does not fit the array.
_NUMPY_SHAPE_MESSAGE = re.compile(
    r"could not be broadcast|core dimension|not aligned|cannot reshape|"
    r"input array dimensions|must have the same shape|"
    r"out of bounds for axis|too many indices|are valid indices|is out of bounds for array of dimension"
)


# How Python and NumPy word an operator applied to a list or tuple, and to a string.
_LIST_MESSAGE = re.compile(r"'list'|'tuple'|sequence|list indices|tuple indices")
_STRING_MESSAGE = re.compile(r"'str'|dtype\('<U|dtype\('S|can only concatenate str|string")


def _numbers_shown(value):
    """A list of numbers as the user gave it: a diffkit value shown by its number."""
    shown = []
    for entry in value:
        try:
            shown.append(float(plain_value(entry)) if isinstance(entry, BoxedValue) else entry)
        except errors.DiffkitError:  # a symbol: no number to show
            return "[...]"
    return type(value)(shown)


def _is_list_of_numbers(value):
    """A non-empty list or tuple of numbers, or of single-number diffkit values (a list argument
    as an inner derivative of a Hessian method sees it)."""
    return (isinstance(value, (list, tuple)) and len(value) > 0
            and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                    or isinstance(v, BoxedValue) and v.ndim == 0 for v in value))


def _first_string(value):
    """The first string inside a (possibly nested) argument, or None."""
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "USO":
        for item in value.reshape(-1):
            if isinstance(item, (str, bytes, np.str_, np.bytes_)):
                return str(item)
        return None
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_string(item)
            if found is not None:
                return found
    return None


def _short(value, limit=80):
    text = repr(value) if not isinstance(value, BaseException) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        return number_in_dtype(grad, dtype)
    if grad.shape == leaf.shape:
        return np.array(grad, dtype=dtype)
    return np.array(np.broadcast_to(grad, leaf.shape), dtype=dtype)


def number_in_dtype(value, dtype):
    """A one-entry derivative as a number of ``dtype``: a Python float in float64 (what a user
    expects of a gradient by a number), a NumPy scalar of the dtype otherwise (float32 in, float32 out)."""
    value = np.asarray(value).reshape(())
    return float(value) if dtype == np.float64 else np.dtype(dtype).type(value)


def _boxed_present(grad, leaf):
    """A gradient inside a nested derivative: a diffkit value, broadcast to the leaf's shape."""
    shape = tuple(leaf.shape)
    if grad is None:
        return np.zeros(shape) if shape else 0.0
    if tuple(getattr(grad, "shape", np.shape(grad))) != shape:
        return np.broadcast_to(grad, shape)  # a boxed value routes this to dk.broadcast_to
    return grad


_ARGNUMS = {}  # (argnums, count) -> (normalized argnums, single): argnums repeat call after call
_CACHE_LIMIT = 256


def normalize_argnums(argnums, count, f):
    """``(argnums as a tuple of non-negative ints, whether a single int was given)``, checked."""
    kind = type(argnums)
    key = (argnums, count) if kind is int or kind is tuple else None
    try:
        found = _ARGNUMS.get(key) if key is not None else None
    except TypeError:  # a tuple holding something unhashable: refused below
        key = found = None
    if found is not None:
        return found
    found = _checked_argnums(argnums, count, f)
    if key is not None:
        if len(_ARGNUMS) >= _CACHE_LIMIT:
            _ARGNUMS.clear()
        _ARGNUMS[key] = found
    return found


def _checked_argnums(argnums, count, f):
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


# What a plain function's signature says (its argument names, once its arity is checked),
# per code object: a program differentiated in a loop reads its signature once. The key
# holds what else shapes the signature (the number of defaults, the keyword-only
# defaults, the number of arguments given); a function whose signature is overridden
# (``__wrapped__``, ``__signature__``) or another callable is read afresh every time.
# Weakly held: a program that is gone takes its entry with it.
_SIGNATURES = {}  # id(code) -> (weak reference to the code, {key: names})


def _checked_argument_names(f, count):
    """The names of ``f``'s positional arguments for a call with ``count`` of them (checked)."""
    if type(f) is not types.FunctionType or "__wrapped__" in f.__dict__ or "__signature__" in f.__dict__:
        _check_arity(f, count)
        return _argument_names(f, count)
    code = f.__code__
    key = (len(f.__defaults__ or ()), tuple(f.__kwdefaults__ or ()), count)
    entry = _SIGNATURES.get(id(code))
    if entry is not None and entry[0]() is code:
        names = entry[1].get(key)
        if names is not None:
            return names
    _check_arity(f, count)
    names = tuple(_argument_names(f, count))
    if entry is None or entry[0]() is not code:
        entry = _SIGNATURES[id(code)] = (weakref.ref(code, _forget_signature(id(code))), {})
    elif len(entry[1]) >= _CACHE_LIMIT:
        entry[1].clear()
    entry[1][key] = names
    return names


def _forget_signature(code_id):
    def forget(reference):
        entry = _SIGNATURES.get(code_id)
        if entry is not None and entry[0] is reference:
            del _SIGNATURES[code_id]

    return forget


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


def _refused_subclass(array, name):
    """An InputError for an array whose own arithmetic diffkit's values would not keep, or None.

    ``*`` of an ``np.matrix`` is a matrix product, and a masked array leaves its masked
    entries out; diffkit's values behave as plain arrays, so the program would compute
    something else than it does on those arguments.
    """
    if isinstance(array, np.matrix):
        return errors.InputError(
            f"{name} is an np.matrix, whose * is a matrix product; diffkit's values behave as NumPy arrays "
            "(* elementwise, @ the matrix product), so the program would compute something else: pass "
            "np.asarray(m) and write matrix products with @"
        )
    if isinstance(array, np.ma.MaskedArray):
        return errors.InputError(
            f"{name} is a masked array; diffkit's values are plain arrays and would use its masked entries: "
            "pass m.filled(value), or m.compressed() for the entries kept"
        )
    return None


def _to_float_array(leaf, name):
    if isinstance(leaf, BoxedValue):
        return leaf  # a derivative taken inside a program being differentiated (nesting)
    refused = _refused_subclass(leaf, f"argument {name}")
    if refused is not None:
        raise refused
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


def _data_arrays(args, argnums, names):
    """The arrays among the arguments not differentiated (data), for the NaN check.

    Returns (every data array, the small float ones to check together, whether a NaN is
    already suspected: a NaN number, or a large array found to hold one). An np.matrix or
    a masked array is refused (see :func:`_refused_subclass`).
    """
    arrays = []
    small = []
    suspect = False
    if len(argnums) == len(args):
        return arrays, small, suspect
    if len(argnums) > 8:
        argnums = set(argnums)
    for index, arg in enumerate(args):
        if index in argnums:
            continue
        kind = type(arg)
        if kind is float or kind is np.float64:
            suspect = suspect or arg != arg
            continue
        if kind is int:
            continue
        leaves = (arg,) if kind is np.ndarray or isinstance(arg, np.ndarray) else flatten(arg)[0]
        for leaf in leaves:
            if type(leaf) is np.ndarray or isinstance(leaf, np.ndarray):
                arrays.append(leaf)
                if type(leaf) is not np.ndarray:  # a memmap or another subclass: checked as a plain view
                    refused = _refused_subclass(leaf, f"argument {names[index] if index < len(names) else index}")
                    if refused is not None:
                        raise refused
                    leaf = leaf.view(np.ndarray)
                kind_of_entries = leaf.dtype.kind
                if kind_of_entries == "f" and leaf.size <= _SMALL:
                    small.append(leaf)
                elif kind_of_entries in "fc":
                    suspect = suspect or has_nan(leaf)
            elif isinstance(leaf, (float, np.floating)) and not isinstance(leaf, BoxedValue):
                suspect = suspect or leaf != leaf
    return arrays, small, suspect


def _refuse_nan_in_data(args, argnums, names):
    """NaN in an argument that is not differentiated (data) also makes the result meaningless.

    Infinity is allowed there: a constant -inf is a common mask (e.g. before a softmax).
    SymPy would even hide the NaN, since the derivative of a constant NaN term is 0.
    Raises for the first NaN, named by its path (``data.x[1]``).
    """
    differentiated = set(argnums)
    for index, arg in enumerate(args):
        if index not in differentiated:
            _refuse_nan_leaf(arg, index, names)


def _refuse_nan_leaf(arg, index, names):
    """Name the first NaN of data argument ``index`` (found to hold one) and refuse it."""
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
