"""Products: einsum, and dot, vdot, inner, outer, tensordot, kron and cross with NumPy's rules.

``einsum`` is the primitive: any subscripts NumPy accepts (implicit output, ellipses,
repeated indices such as ``"ii->i"``, indices summed inside one operand, the sublist
form) are first written out in full, then the derivative with respect to one operand is
one more einsum of the cotangent with the other operands. An index repeated in that
operand puts the result on a diagonal (an identity factor), an index found nowhere else
spreads it (a ones factor). The others are einsums, or products for scalar operands; cross is
products and differences of the vectors' components.
"""

import string

import numpy as np

from ..core.option_values import refuse_option_values
from ..core.primitive import Primitive
from .arrays import broadcast_to, getitem, reshape, stack
from .elementwise import multiply
from .shapes import as_operand, shape_error, shape_of
from .shaping import moveaxis
from .sympy_faces import as_object_array

_LETTERS = string.ascii_letters


# --- einsum --------------------------------------------------------------------------------
def _einsum_numpy(*operands, subscripts, optimize=False):
    return np.einsum(subscripts, *operands, optimize=optimize)


def _einsum_sympy(*operands, subscripts, optimize=False):
    return as_object_array(np.einsum(subscripts, *[as_object_array(x) for x in operands]))


def _split(subscripts):
    inputs, output = subscripts.split("->")
    return inputs.split(","), output


def _einsum_vjp(index, g, out, *operands, subscripts, optimize=False):
    inputs, output = _split(subscripts)
    target = inputs[index]
    terms = [(output, g)] + [(sub, op) for i, (sub, op) in enumerate(zip(inputs, operands)) if i != index]
    present = set("".join(sub for sub, _ in terms))
    unused = iter(letter for letter in _LETTERS if letter not in subscripts)
    sizes = dict(zip(target, shape_of(operands[index])))
    seen = set()
    written = ""
    for letter in target:
        if letter in seen:  # a repeated index: the cotangent lies on the diagonal
            fresh = next(unused)
            terms.append((letter + fresh, np.eye(sizes[letter])))
            written += fresh
            continue
        seen.add(letter)
        if letter not in present:  # summed inside this operand only: the cotangent spreads over it
            terms.append((letter, np.ones(sizes[letter])))
            present.add(letter)
        written += letter
    return _einsum(*[op for _, op in terms], subscripts=",".join(sub for sub, _ in terms) + "->" + written)


def _einsum_jvp(index, t, out, *operands, subscripts, optimize=False):
    replaced = list(operands)
    replaced[index] = t
    return _einsum(*replaced, subscripts=subscripts, optimize=optimize)


_einsum = Primitive(
    "einsum",
    _einsum_numpy,
    _einsum_sympy,
    _einsum_vjp,
    variadic=True,
    doc="Einstein summation over explicit subscripts ('ij,jk->ik'); linear in each operand.",
    jvp=_einsum_jvp,
)


def _sublist_letters(sublist):
    letters = ""
    for item in sublist:
        letters += "..." if item is Ellipsis else _LETTERS[int(item)]
    return letters


def _from_sublists(arguments):
    """einsum(x, [0, 1], y, [1, 2], [0, 2]) as ("ab,bc->ac", [x, y])."""
    pairs, output = (arguments, None) if len(arguments) % 2 == 0 else (arguments[:-1], arguments[-1])
    operands, subs = list(pairs[0::2]), [_sublist_letters(s) for s in pairs[1::2]]
    text = ",".join(subs)
    return (text if output is None else text + "->" + _sublist_letters(output)), operands


def explicit_subscripts(subscripts, shapes):
    """NumPy's einsum subscripts written out: ellipses as letters, the output given, sizes checked.

    Returns (subscripts, the shape to broadcast each operand to): NumPy broadcasts an axis
    of length 1 against the same index elsewhere, which the written-out form does by an
    explicit broadcast.
    """
    text = subscripts.replace(" ", "")
    inputs_text, arrow, output = text.partition("->")
    inputs = inputs_text.split(",")
    if len(inputs) != len(shapes):
        raise shape_error("einsum", f"{len(inputs)} operand subscripts for {len(shapes)} operands")
    named = set(text.replace("...", "").replace(",", "").replace("-", "").replace(">", ""))
    if not named <= set(_LETTERS):
        raise shape_error("einsum", f"subscripts {subscripts!r} may use only letters, ',', '->' and '...'")
    spare = [letter for letter in _LETTERS if letter not in named]
    widest = 0
    for sub, shape in zip(inputs, shapes):
        if "..." in sub:
            widest = max(widest, len(shape) - (len(sub) - 3))
    ellipsis = "".join(spare[:widest])
    written = []
    for sub, shape in zip(inputs, shapes):
        if "..." in sub:
            count = len(shape) - (len(sub) - 3)
            if count < 0:
                raise shape_error("einsum", f"operand of shape {shape} has fewer axes than {sub!r} names")
            sub = sub.replace("...", ellipsis[widest - count :])
        if len(sub) != len(shape):
            raise shape_error("einsum", f"subscripts {sub!r} name {len(sub)} axes of an operand of shape {tuple(shape)}")
        written.append(sub)
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        counts = {}
        for letter in "".join(written):
            counts[letter] = counts.get(letter, 0) + 1
        output = ellipsis + "".join(sorted(l for l, c in counts.items() if c == 1 and l not in ellipsis))
    sizes = {}
    for sub, shape in zip(written, shapes):
        for letter, n in zip(sub, shape):
            if n != 1 and sizes.get(letter, 1) not in (1, n):
                raise shape_error("einsum", f"index {letter!r} has lengths {sizes[letter]} and {n}")
            sizes[letter] = n if n != 1 else sizes.get(letter, 1)
    for letter in output:
        if letter not in sizes:
            raise shape_error("einsum", f"output index {letter!r} appears in no operand")
    if len(set(output)) != len(output):
        raise shape_error("einsum", f"output subscripts {output!r} repeat an index")
    targets = [tuple(sizes[letter] for letter in sub) for sub in written]
    return ",".join(written) + "->" + output, targets


def einsum(*operands, optimize=False):
    """``np.einsum``: Einstein summation, with string subscripts or NumPy's sublist form."""
    if not operands:
        raise shape_error("einsum", "needs subscripts and operands")
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        subscripts, arrays = _from_sublists(operands)
    shapes = [shape_of(a) for a in arrays]
    written, targets = explicit_subscripts(subscripts, shapes)
    arrays = [a if shape_of(a) == t else broadcast_to(a, shape=t) for a, t in zip(arrays, targets)]
    return _einsum(*arrays, subscripts=written, optimize=optimize)


# --- the NumPy products, written as einsums -----------------------------------------------------
def _letters(count, start=0):
    return _LETTERS[start : start + count]


def dot(a, b):
    """``np.dot``: a product for a scalar, the sum over the last axis of ``a`` and the
    second-to-last of ``b`` (the only one of a vector) otherwise."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    if not a_shape or not b_shape:
        return multiply(a, b)
    b_axis = -1 if len(b_shape) == 1 else -2
    if a_shape[-1] != b_shape[b_axis]:
        raise shape_error("dot", f"shapes {a_shape} and {b_shape} are not aligned: {a_shape[-1]} != {b_shape[b_axis]}")
    a_sub = _letters(len(a_shape) - 1) + "z"
    rest = _letters(len(b_shape) - 1, start=len(a_shape) - 1)
    b_sub = rest[:-1] + "z" + rest[-1:] if len(b_shape) > 1 else "z"
    return _einsum(a, b, subscripts=f"{a_sub},{b_sub}->{a_sub[:-1]}{rest}")


def vdot(a, b):
    """``np.vdot`` of real arrays: the sum of the products of their flattened entries."""
    if shape_of(a) and shape_of(b) and int(np.prod(shape_of(a))) != int(np.prod(shape_of(b))):
        raise shape_error("vdot", f"arrays of {int(np.prod(shape_of(a)))} and {int(np.prod(shape_of(b)))} entries")
    return _einsum(reshape(a, shape=(-1,)), reshape(b, shape=(-1,)), subscripts="i,i->")


def inner(a, b):
    """``np.inner``: the sum over the last axes of ``a`` and ``b`` (a product for a scalar)."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    if not a_shape or not b_shape:
        return multiply(a, b)
    if a_shape[-1] != b_shape[-1]:
        raise shape_error("inner", f"last axes of shapes {a_shape} and {b_shape} differ")
    a_sub, b_sub = _letters(len(a_shape) - 1), _letters(len(b_shape) - 1, start=len(a_shape) - 1)
    return _einsum(a, b, subscripts=f"{a_sub}z,{b_sub}z->{a_sub}{b_sub}")


def outer(a, b):
    """``np.outer``: every product of an entry of ``a`` with an entry of ``b`` (both flattened)."""
    return multiply(reshape(a, shape=(-1, 1)), reshape(b, shape=(1, -1)))


def tensordot(a, b, axes=2):
    """``np.tensordot``: the sum over ``axes`` (the last n of ``a`` with the first n of ``b``, or two lists)."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    if np.ndim(axes) == 0:
        n = int(axes)
        a_axes, b_axes = list(range(len(a_shape) - n, len(a_shape))), list(range(n))
    else:
        a_axes, b_axes = ([int(i) for i in np.atleast_1d(side)] for side in axes)
    if len(a_axes) != len(b_axes):
        raise shape_error("tensordot", f"axes {axes!r} pair {len(a_axes)} axes of a with {len(b_axes)} of b")
    a_axes = [i % len(a_shape) for i in a_axes] if a_shape else a_axes
    b_axes = [i % len(b_shape) for i in b_axes] if b_shape else b_axes
    a_sub = list(_letters(len(a_shape)))
    b_sub = list(_letters(len(b_shape), start=len(a_shape)))
    for i, j in zip(a_axes, b_axes):
        if a_shape[i] != b_shape[j]:
            raise shape_error("tensordot", f"axis {i} of a ({a_shape[i]}) and axis {j} of b ({b_shape[j]}) differ")
        b_sub[j] = a_sub[i]
    output = [l for k, l in enumerate(a_sub) if k not in a_axes] + [l for k, l in enumerate(b_sub) if k not in b_axes]
    return _einsum(a, b, subscripts=f"{''.join(a_sub)},{''.join(b_sub)}->{''.join(output)}")


def kron(a, b):
    """``np.kron``: the Kronecker product, block (i, j) being a[i, j] * b."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    n = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (n - len(a_shape)) + tuple(a_shape)
    b_shape = (1,) * (n - len(b_shape)) + tuple(b_shape)
    spread_a = reshape(a, shape=tuple(d for s in a_shape for d in (s, 1)))
    spread_b = reshape(b, shape=tuple(d for s in b_shape for d in (1, s)))
    return reshape(spread_a * spread_b, shape=tuple(s * t for s, t in zip(a_shape, b_shape)))


# --- the cross product -----------------------------------------------------------------------------
def _product_difference(p, q, r, s):
    """``p * q - r * s``, a missing component (None: the z of a 2-vector) counting as 0."""
    first = None if p is None or q is None else p * q
    second = None if r is None or s is None else r * s
    if second is None:
        return first
    return -second if first is None else first - second


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``np.cross``: the cross product of the 3-vectors along ``axisa`` of ``a`` and ``axisb`` of ``b``
    (``axis`` sets all three), broadcast over the other axes, the vectors of the result along
    ``axisc``. A 2-vector counts as one with z = 0, and two 2-vectors give the z-component alone,
    as NumPy does. Written with products and differences of the components, so every method
    differentiates it."""
    axes = {"axis": axis} if axis is not None else {"axisa": axisa, "axisb": axisb, "axisc": axisc}
    refuse_option_values("dk.cross", axes)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = as_operand(a), as_operand(b)
    shapes = shape_of(a), shape_of(b)
    if not shapes[0] or not shapes[1]:
        raise shape_error("cross", f"takes vectors, got shapes {shapes[0]} and {shapes[1]}: a number has no "
                                   "cross product")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    sizes = shape_of(a)[-1], shape_of(b)[-1]
    if sizes[0] not in (2, 3) or sizes[1] not in (2, 3):
        raise shape_error("cross", f"the vectors of a (shape {shapes[0]}, axis {axisa}) and b (shape {shapes[1]}, "
                                   f"axis {axisb}) have {sizes[0]} and {sizes[1]} components: a cross product "
                                   "takes vectors of 3 (or 2) components")
    try:
        np.broadcast_shapes(shape_of(a)[:-1], shape_of(b)[:-1])
    except ValueError:
        raise shape_error("cross", f"the vectors of a (shape {shapes[0]}, axis {axisa}) and b (shape {shapes[1]}, "
                                   f"axis {axisb}) are laid out over shapes {shape_of(a)[:-1]} and {shape_of(b)[:-1]}, "
                                   "which do not broadcast together") from None
    a0, a1, a2 = (getitem(a, index=(Ellipsis, k)) if k < sizes[0] else None for k in range(3))
    b0, b1, b2 = (getitem(b, index=(Ellipsis, k)) if k < sizes[1] else None for k in range(3))
    z = _product_difference(a0, b1, a1, b0)
    if a2 is None and b2 is None:
        return z
    vectors = stack(_product_difference(a1, b2, a2, b1), _product_difference(a2, b0, a0, b2), z, axis=-1)
    return vectors if axisc == -1 else moveaxis(vectors, -1, axisc)
