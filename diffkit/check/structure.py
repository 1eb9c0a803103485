"""Match a user's gradient against the structure of the arguments, reporting mistakes.

A gradient with the wrong shape, a transposed matrix, a missing argument, or a dict
with a wrong key is a *finding* for the report, never a crash: the checker still
compares every entry it can.
"""

import difflib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Finding:
    """One structural mistake, attached to a leaf (``leaf`` index) or to the whole gradient."""

    message: str
    leaf: int = None


@dataclass
class AlignedGradient:
    """The user's gradient cut into the problem's leaves.

    ``leaves[i]`` is a float array of leaf ``i``'s shape, or None when the user gave
    nothing usable. ``raw[i]`` keeps what the user gave for leaf ``i`` (for hints such
    as "its transpose matches"); ``reshaped[i]`` is True when the values had the right
    number of entries but the wrong shape and were reshaped only to show them.
    """

    leaves: list
    raw: list
    reshaped: list
    findings: list = field(default_factory=list)

    def findings_for(self, leaf):
        return [f.message for f in self.findings if f.leaf == leaf]

    def general_findings(self):
        return [f.message for f in self.findings if f.leaf is None]


_MISSING = object()  # no gradient given for this argument or item (reported when matched)
_REPORTED = object()  # a dict key the gradient lacks, already reported by _key_findings


def align_gradient(problem, user_grad, source="grad_fn"):
    """Cut ``user_grad`` (shaped like the differentiated arguments) into leaves."""
    count = len(problem.leaves)
    aligned = AlignedGradient([None] * count, [None] * count, [False] * count)
    per_argument = _split_arguments(problem, user_grad, source, aligned.findings)
    first_leaf = 0
    for value, treedef, name in zip(per_argument, problem.treedefs, problem.arg_names):
        _match(problem, value, treedef, name, first_leaf, aligned, source)
        first_leaf += treedef.num_leaves
    for leaf, value in enumerate(aligned.leaves):
        # A leaf with nothing to compare must never pass as correct: if no finding names it yet
        # (e.g. the other leaves of a missing or None branch), say what is missing.
        if value is None and not aligned.findings_for(leaf):
            aligned.findings.append(
                Finding(f"missing argument: no gradient given for {problem.leaf_names[leaf]}", leaf)
            )
    return aligned


def _split_arguments(problem, user_grad, source, findings):
    names = problem.arg_names
    if problem.single:
        if isinstance(user_grad, dict) and problem.treedefs[0].kind == "leaf":  # {"dx": ...} for an array x
            keyed = _keyed_by_argument(user_grad, names)
            if set(keyed) == set(names):
                return [keyed[names[0]]]
        return [user_grad]
    if isinstance(user_grad, dict):
        user_grad = _keyed_by_argument(user_grad, names)
    if isinstance(user_grad, dict) and set(user_grad) & set(names):
        _key_findings(user_grad, names, "the gradients", source, findings, first_leaf_of=_first_leaves(problem))
        return [user_grad.get(name, _MISSING) for name in names]
    if isinstance(user_grad, (tuple, list)):
        if len(user_grad) != len(names):
            findings.append(
                Finding(
                    f"{source} returned {len(user_grad)} gradient(s) for {len(names)} differentiated "
                    f"argument(s) ({', '.join(names)}); return one per argument, in argnums order"
                )
            )
        return [user_grad[i] if i < len(user_grad) else _MISSING for i in range(len(names))]
    findings.append(
        Finding(
            f"{source} returned a {type(user_grad).__name__}; with {len(names)} differentiated "
            f"arguments it must return a tuple ({', '.join('d' + n for n in names)}), or a dict keyed by the "
            f"arguments' names ({', '.join(names)}, or {', '.join('d' + n for n in names)})"
        )
    )
    return [_MISSING] * len(names)


def _keyed_by_argument(grads, names):
    """A dict of gradients keyed ``dx``, ``dw`` (as a backward pass names them) rekeyed by the
    arguments' names ``x``, ``w``; a key naming an argument itself, or anything else, stays."""
    renamed = {}
    for key, value in grads.items():
        name = key[1:] if isinstance(key, str) and key.startswith("d") and key not in names else key
        renamed[name if name in names and name not in grads else key] = value
    return renamed


def _first_leaves(problem):
    firsts, index = {}, 0
    for name, treedef in zip(problem.arg_names, problem.treedefs):
        firsts[name] = index
        index += treedef.num_leaves
    return firsts


def _key_findings(given, expected_keys, what, source, findings, first_leaf_of=None):
    missing = [k for k in expected_keys if k not in given]
    extra = [k for k in given if k not in expected_keys]
    for key in extra:
        close = difflib.get_close_matches(str(key), [str(k) for k in missing], n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}? wrong dict key)" if close else ""
        findings.append(Finding(f"{source}: {what} have a key {key!r} that is not expected{hint}"))
    for key in missing:
        leaf = first_leaf_of.get(key) if first_leaf_of else None
        findings.append(Finding(f"{source}: {what} have no entry {key!r}: the gradient of {key} is missing", leaf))


def _match(problem, value, treedef, path, first_leaf, aligned, source):
    """Walk ``value`` along ``treedef``; fill ``aligned`` for leaves from ``first_leaf`` on."""
    if value is _MISSING:
        aligned.findings.append(Finding(f"missing argument: no gradient given for {path}", first_leaf))
        return
    if value is None and treedef.kind != "leaf":
        aligned.findings.append(Finding(f"missing argument: the gradient for {path} is None", first_leaf))
        return
    if treedef.kind == "leaf":
        _match_leaf(problem, value, first_leaf, aligned)
        return
    if treedef.kind in ("dict", "namedtuple"):
        items = value._asdict() if hasattr(value, "_asdict") else value
        if not isinstance(items, dict):
            aligned.findings.append(
                Finding(
                    f"the gradient for {path} is a {type(value).__name__}; {path} is a {treedef.kind} with "
                    f"keys {', '.join(map(str, treedef.keys))}: return the same structure",
                    first_leaf,
                )
            )
            return
        firsts = {}
        index = first_leaf
        for key, child in zip(treedef.keys, treedef.children):
            firsts[key] = index
            index += child.num_leaves
        _key_findings(items, treedef.keys, f"the gradient for {path}", source, aligned.findings, firsts)
        children = [items.get(key, _REPORTED) for key in treedef.keys]
        names = [f"{path}.{key}" for key in treedef.keys]
    else:
        if not isinstance(value, (list, tuple)) or len(value) != len(treedef.children):
            given = f"a {type(value).__name__}"
            if isinstance(value, (list, tuple)):
                given += f" of length {len(value)}"
            aligned.findings.append(
                Finding(
                    f"the gradient for {path} is {given}; {path} is a {treedef.kind} of length "
                    f"{len(treedef.children)}: return the same structure",
                    first_leaf,
                )
            )
            if not isinstance(value, (list, tuple)):
                return
        children = [value[i] if i < len(value) else _MISSING for i in range(len(treedef.children))]
        names = [f"{path}[{i}]" for i in range(len(treedef.children))]
    index = first_leaf
    for child_value, child_def, child_name in zip(children, treedef.children, names):
        if child_value is _REPORTED:
            index += child_def.num_leaves
            continue
        _match(problem, child_value, child_def, child_name, index, aligned, source)
        index += child_def.num_leaves


def _match_leaf(problem, value, leaf_index, aligned):
    name = problem.leaf_names[leaf_index]
    expected = problem.leaves[leaf_index]
    if value is None:
        aligned.findings.append(Finding(f"missing argument: the gradient for {name} is None", leaf_index))
        return
    try:
        if np.iscomplexobj(value) and np.any(np.imag(value)):
            aligned.findings.append(
                Finding(f"the gradient for {name} has complex entries; the gradient of a real program is real: "
                        "return the real gradient (a complex intermediate left in it?)", leaf_index)
            )
            return
        array = np.array(np.real(value) if np.iscomplexobj(value) else value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        message = _several_gradients_message(problem, value, name)
        aligned.findings.append(
            Finding(message or f"the gradient for {name} is not an array of numbers ({type(value).__name__}: {exc})",
                    leaf_index)
        )
        return
    aligned.raw[leaf_index] = array
    if array.shape == expected.shape or (array.size == 1 and expected.size == 1):
        aligned.leaves[leaf_index] = array.reshape(expected.shape)
        return
    several = _several_gradients_message(problem, value, name)
    if several:
        aligned.findings.append(Finding(several, leaf_index))
        return
    aligned.findings.append(Finding(shape_message(name, array.shape, expected.shape), leaf_index))
    if array.size == expected.size:
        aligned.leaves[leaf_index] = array.reshape(expected.shape)
        aligned.reshaped[leaf_index] = True


def _several_gradients_message(problem, value, name):
    """Explain a tuple of arrays given for one differentiated argument (argnums left out), or None.

    Only when the program has that many arguments and the items are shaped like them, in
    order: a list of rows of one gradient, or a tuple shaped otherwise, keeps its shape finding.
    """
    whole_argument = problem.single and problem.treedefs[0].kind == "leaf"  # not an item of a tuple argument
    if not whole_argument or not isinstance(value, (tuple, list)) or not 2 <= len(value) <= len(problem.args):
        return None
    if not all(isinstance(item, np.ndarray) and item.shape == np.shape(arg) for item, arg in zip(value, problem.args)):
        return None
    count = len(value)
    return (
        f"the gradient for {name} is a {type(value).__name__} of {count} arrays: {count} gradients for 1 "
        f"differentiated argument ({name}); to check {count} arguments pass argnums={tuple(range(count))}, or "
        f"return only the gradient of {name}"
    )


def shape_message(name, given, expected):
    """Explain a gradient of shape ``given`` for an argument of shape ``expected``."""
    text = f"grad for {name} has shape {tuple(given)}; {name} has shape {tuple(expected)}"
    if len(given) >= 2 and tuple(given) == tuple(reversed(expected)):
        return text + ": transposed?"
    if int(np.prod(given)) == int(np.prod(expected)):
        return text + ": same entries, different shape; reshape it to the argument's shape"
    try:
        broadcast = np.broadcast_shapes(tuple(given), tuple(expected))
    except ValueError:
        broadcast = None
    if broadcast == tuple(given):
        axes = _broadcast_axes(tuple(given), tuple(expected))
        return (
            text + f": {name} was broadcast, so its gradient is the sum over the broadcast "
            f"axes; not summed over the batch? (sum over axis {axes})"
        )
    return text + ": the gradient of an argument must have the argument's shape"


def _broadcast_axes(big, small):
    lead = len(big) - len(small)
    axes = list(range(lead))
    axes += [lead + i for i, n in enumerate(small) if n == 1 and big[lead + i] != 1]
    return axes[0] if len(axes) == 1 else tuple(axes)
