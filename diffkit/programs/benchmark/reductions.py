"""Maximum and minimum along an axis, built from the op table's elementwise ``maximum`` and
``minimum`` (the table has no reduction for them).

The axis is halved again and again: the first half is compared with the second, an odd
element waits for the next round. A reduction over n entries costs about log2(n)
vectorised ops on the tape, not n, and every method (symbolic included) sees the same
comparisons. At a tie the elementwise op splits the gradient as its own rule says.
"""

from ... import ops as dk


def _fold(x, axis, combine):
    length = x.shape[axis]
    if length == 0:
        raise ValueError("a maximum or minimum over an empty axis has no value")
    axis = axis % len(x.shape)

    def part(start, stop):
        index = (slice(None),) * axis + (slice(start, stop),)
        return dk.getitem(x, index)

    while length > 1:
        half = length // 2
        folded = combine(part(0, half), part(half, 2 * half))
        if length % 2:
            folded = dk.concatenate([folded, part(2 * half, length)], axis=axis)
        x, length = folded, half + length % 2
    return dk.getitem(x, (slice(None),) * axis + (0,))


def max_along(x, axis=-1):
    """The largest entry of ``x`` along ``axis`` (that axis removed)."""
    return _fold(x, axis, dk.maximum)


def min_along(x, axis=-1):
    """The smallest entry of ``x`` along ``axis`` (that axis removed)."""
    return _fold(x, axis, dk.minimum)
