"""``dk.jacobian``, ``dk.hessian`` and ``dk.hvp``: derivatives beyond the gradient.

``jacobian`` works with every registered method, through the method's one core (rows
for reverse methods, columns for forward methods and finite differences, entries for
SymPy); ``hessian`` and ``hvp`` with the second-order methods of
:mod:`diffkit.methods.second_order`. Arguments are chosen with ``argnums`` as for
``dk.gradient``; results come back shaped like the arguments, the JAX way: the
Jacobian of an output of shape ``S`` with respect to an argument of shape ``A`` has
shape ``S + A``, a Hessian block ``A + B``; containers of parameters give containers
of blocks.
"""

import functools
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import errors
from ..core.containers import flatten, unflatten
from ..core.problem import Problem, first_entry, number_in_dtype
from .base import refuse_unknown_options
from .registry import get_method, method_names
from .second_order import HESSIAN_METHODS, checked_second_step, join_flat, split_flat

DEFAULT_JACOBIAN_METHOD = "tape"
DEFAULT_HESSIAN_METHOD = "forward-over-reverse"



@dataclass
class DerivativeResult:
    """A Jacobian or Hessian: shaped like the arguments, as a flat matrix, and its cost."""

    value: Any
    result: Any  # shaped like the arguments (see the module docstring)
    matrix: np.ndarray  # flat: (outputs x inputs) for a Jacobian, (inputs x inputs) for a Hessian
    method: str
    stats: dict = field(default_factory=dict)


_check_options = refuse_unknown_options


def _pack_per_leaf(problem, blocks):
    """One block per leaf, back in the structure of the arguments."""
    iterator = iter(blocks)
    packed = []
    for treedef in problem.treedefs:
        packed.append(unflatten(treedef, [next(iterator) for _ in range(treedef.num_leaves)]))
    return packed[0] if problem.single else tuple(packed)


def _present(block, dtype=np.float64):
    """A block in ``dtype``, its argument's (a Hessian block: its two arguments'), as ``dk.grad``
    gives each gradient in its argument's dtype; a 0-d block as a number (a Python float in float64)."""
    block = np.asarray(block, dtype=dtype)
    return block if block.ndim else number_in_dtype(block, block.dtype)


def _column_blocks(matrix, problem, row_leaf):
    """The Hessian's rows for ``row_leaf``, cut into one block per leaf (in both leaves' dtype)."""
    blocks, offset = [], 0
    for leaf in problem.leaves:
        block = matrix[:, offset : offset + leaf.size].reshape(row_leaf.shape + leaf.shape)
        blocks.append(_present(np.array(block), np.result_type(row_leaf.dtype, leaf.dtype)))
        offset += leaf.size
    return blocks


# --- Jacobians ------------------------------------------------------------------------
def jacobian_result(f, *args, argnums=0, method=DEFAULT_JACOBIAN_METHOD, **options):
    """The Jacobian of ``f`` at ``args`` with one method, with its flat matrix and cost."""
    chosen = get_method(method)
    problem = Problem(f, args, argnums)
    found = chosen.jacobian(problem, **options)
    value = np.asarray(found.value, dtype=float)
    blocks = [np.asarray(block, dtype=float).reshape(value.shape + leaf.shape) for block, leaf in zip(found.blocks, problem.leaves)]
    matrix = np.concatenate([block.reshape(value.size, leaf.size) for block, leaf in zip(blocks, problem.leaves)], axis=1)
    result = _pack_per_leaf(problem, [_present(block, leaf.dtype) for block, leaf in zip(blocks, problem.leaves)])
    return DerivativeResult(_present(value), result, matrix.reshape(value.size, problem.size), method, found.stats)


def jacobian(f, argnums=0, method=DEFAULT_JACOBIAN_METHOD, **options):
    """Return a function computing the Jacobian of ``f`` with the chosen method.

    Reverse mode (``tape``) builds it row by row, ``forward-mode`` and finite differences
    column by column, ``symbolic`` entry by entry. A scalar output gives the gradient.
    """
    get_method(method).check_options(options)  # a misspelt option (argnum=) fails now, not at the first call

    @functools.wraps(f)
    def jacobian_of_f(*args):
        return jacobian_result(f, *args, argnums=argnums, method=method, **options).result

    return jacobian_of_f


# --- Hessians and Hessian-vector products ------------------------------------------------------
def _second_order_method(method, options):
    if method not in HESSIAN_METHODS:
        raise errors.UnknownMethodError(
            f"no second-derivative method named {method!r}{errors.did_you_mean(method, HESSIAN_METHODS)}; "
            f"the methods are: {', '.join(HESSIAN_METHODS)}"
        )
    _check_options(method, options, HESSIAN_METHODS[method].options)
    if "step" in options:  # refused when dk.hessian / dk.hvp is called, not only once f is evaluated
        checked_second_step(options["step"])


def hessian_result(f, *args, argnums=0, method=DEFAULT_HESSIAN_METHOD, **options):
    """The Hessian of a scalar ``f`` at ``args`` with one method, with its flat matrix and cost."""
    _second_order_method(method, options)
    problem = Problem(f, args, argnums)
    start = time.perf_counter()
    value, matrix, stats = HESSIAN_METHODS[method].hessian(problem, **options)
    stats["seconds"] = time.perf_counter() - start
    rows, offset = [], 0
    for leaf in problem.leaves:
        rows.append(_pack_per_leaf(problem, _column_blocks(matrix[offset : offset + leaf.size], problem, leaf)))
        offset += leaf.size
    return DerivativeResult(value, _pack_per_leaf(problem, rows), matrix, method, stats)


def hessian(f, argnums=0, method=DEFAULT_HESSIAN_METHOD, **options):
    """Return a function computing the Hessian of a scalar-valued ``f``.

    Methods: ``forward-over-reverse`` (default), ``reverse-over-reverse``, ``symbolic``
    and ``fd-central`` (second-order central differences). For one array argument of
    shape ``A`` the Hessian has shape ``A + A``.
    """
    _second_order_method(method, options)

    @functools.wraps(f)
    def hessian_of_f(*args):
        return hessian_result(f, *args, argnums=argnums, method=method, **options).result

    return hessian_of_f


def _describe_structure(treedef):
    if treedef.kind == "leaf":
        return "a number or an array"
    if treedef.kind == "dict":
        return f"a dict with keys {sorted(treedef.keys, key=str)}"
    if treedef.kind == "namedtuple":
        return f"a {getattr(treedef.node_type, '__name__', 'namedtuple')}"
    return f"a {treedef.kind} of {len(treedef.keys)}"


def _direction_leaf(part, leaf, name):
    """One leaf of ``v`` as a float array of ``leaf``'s shape; an InputError naming it otherwise."""
    try:
        array = np.asarray(part)
    except errors.DiffkitError:  # a traced or symbolic value: its own error says why
        raise
    except Exception:  # a ragged list, an object NumPy cannot read
        array = None
    kind = array.dtype.kind if array is not None else "O"
    if kind in "iu":
        array = array.astype(np.float64)
    elif kind == "c":
        raise errors.InputError(f"v for {name} is complex; H v is taken along a real direction: give v real numbers")
    elif kind != "f":
        if isinstance(part, (str, bytes)) and len(part) <= 20:
            given = repr(part)
        elif isinstance(part, np.ndarray):
            given = f"an array of dtype {part.dtype}"
        else:
            given = type(part).__name__
        raise errors.InputError(
            f"v for {name} is not a number or an array of real numbers (got {given}); "
            f"give v numbers shaped like {name}"
        )
    if array.shape != leaf.shape:
        raise errors.InputError(
            f"v for {name} has shape {array.shape}, but {name} has shape {leaf.shape}; give v the shape of {name}"
        )
    if not np.isfinite(array).all():
        where, value = first_entry(array, ~np.isfinite(array), name)
        raise errors.InputError(
            f"v for {where} is {value}: H v along a NaN or infinite direction means nothing; give v finite numbers"
        )
    return array


def _flat_direction(problem, v):
    """``v``, shaped like the differentiated arguments, as one flat vector (an InputError naming v if not)."""
    structure = v if not problem.single else (v,)
    if not isinstance(structure, tuple) or len(structure) != len(problem.treedefs):
        count = len(problem.treedefs)
        given = f"a tuple of {len(structure)}" if isinstance(structure, tuple) else type(v).__name__
        raise errors.InputError(
            f"v must be shaped like the differentiated arguments: a tuple of {count}, one per argument "
            f"of argnums={problem.argnums}; got {given}"
        )
    parts = []
    for item, treedef, name in zip(structure, problem.treedefs, problem.arg_names):
        leaves, given = flatten(item)
        if given != treedef:
            mine, theirs = _describe_structure(given), _describe_structure(treedef)
            what = f"is {mine}, but {name} is {theirs}" if mine != theirs else f"has a different structure from {name}"
            raise errors.InputError(f"v for argument {name} {what}; give v the structure of {name}")
        parts.extend(leaves)
    flat = [
        _direction_leaf(part, leaf, name) for part, leaf, name in zip(parts, problem.leaves, problem.leaf_names)
    ]
    return join_flat(flat, problem)


def hvp(f, v, *args, argnums=0, method=DEFAULT_HESSIAN_METHOD, **options):
    """The Hessian of a scalar ``f`` at ``args`` times ``v``, shaped like the arguments.

    ``forward-over-reverse`` and ``reverse-over-reverse`` never form the Hessian (one
    pass each); ``fd-central`` uses 4n function values; ``symbolic`` forms the Hessian.
    """
    _second_order_method(method, options)
    problem = Problem(f, args, argnums)
    direction = _flat_direction(problem, v)
    product = HESSIAN_METHODS[method].hvp(problem, direction, **options)
    parts = split_flat(problem, product)
    return _pack_per_leaf(problem, [_present(part, leaf.dtype) for part, leaf in zip(parts, problem.leaves)])


def jacobian_methods():
    """Registered methods that can build a Jacobian (every one: the Jacobian is each method's core)."""
    return method_names()
