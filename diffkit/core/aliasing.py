"""Writes that NumPy would show through another variable, which diffkit's values cannot follow.

In NumPy ``r = y[0]``, ``y.T`` and ``y.reshape(-1)`` are views: writing into one changes
the array it views. diffkit records an item assignment as a functional update of the
value written into, alone, so every method but finite differences would compute
something else than the program run in NumPy. Such a write is refused when the entries
it writes are shared with another variable of the running program that the program
reads again (a variable never read after the write cannot tell the difference).

The values' own numbers come from the same NumPy calls as in NumPy, so they are views
exactly where NumPy's are; a write into a fresh array (an arithmetic result, an earlier
item assignment) costs one attribute read.
"""

import dis
import functools
import re

import numpy as np

from .. import errors
from .frames import user_frames, user_location, user_source_line


def held_array(value):
    """The NumPy array holding ``value``'s numbers, through boxes of every level; None for a number.

    A box is known by its class's ``_held`` (every diffkit value has one), read from the
    class so that no other object of the program is asked for an attribute."""
    held = getattr(type(value), "_held", None)
    while held is not None:
        value = held(value)
        held = getattr(type(value), "_held", None)
    return value if isinstance(value, np.ndarray) else None


def refuse_write_into_view(target, index):
    """Refuse ``target[index] = ...`` when NumPy would change another variable read later."""
    memory = held_array(target)
    if memory is not None and memory.base is not None:
        refuse_if_shared(target, memory, written_region(memory, index))


def refuse_in_place_op_on_view(target, symbol):
    """Refuse ``r += v`` (``symbol`` "+", or another augmented operator) when ``r`` is a view NumPy
    would write through into an array another variable holds and reads later.

    A diffkit value takes ``r += v`` by becoming ``r + v`` itself, so every name bound to it
    sees the change, as in NumPy; what it cannot change is another array that ``r`` views.
    The middle step of an item update of a diffkit value (``y[0] += v``, which Python runs as
    ``t = y[0]; t += v; y[0] = t``) is left to the item assignment that follows, which
    diffkit records; into a list or a dict (``rows[0] += v``) the view is written through.
    """
    memory = held_array(target)
    if memory is None or memory.base is None or _stores_into_a_diffkit_item():
        return
    refuse_if_shared(target, memory, memory, in_place=symbol)


_STACK_SHUFFLES = frozenset(("CACHE", "COPY", "SWAP", "EXTENDED_ARG", "NOP"))
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_UNKNOWN = object()


def _stores_into_a_diffkit_item():
    """Whether the running augmented assignment stores into an item of a diffkit value (``y[0] += v``):
    its result is stored by a subscript, into a container that is not a plain Python one. A
    container the line does not name plainly (``y[0][1] += v``) is taken to be a diffkit value."""
    frame = next(user_frames(), None)
    if frame is None or not _stored_by_subscript(frame):
        return False
    for match in filter(None, map(ASSIGNED_TARGET.match, statements(user_source_line()))):
        container = _named(frame, match.group(1).strip())
        if container is not _UNKNOWN and getattr(type(container), "_held", None) is None:
            return False  # a list, a dict...: not a diffkit value
    return True


def _stored_by_subscript(frame):
    """Whether the instruction that stores the running augmented assignment's result is a subscript."""
    for instruction in _instructions_after(frame.f_code, frame.f_lasti):
        if instruction.opname not in _STACK_SHUFFLES:
            return instruction.opname == "STORE_SUBSCR"
    return False


def _named(frame, text):
    """The object a dotted name (``rows``, ``self.rows``) stands for in ``frame``, or _UNKNOWN."""
    if not _DOTTED_NAME.fullmatch(text):
        return _UNKNOWN
    first, *attributes = text.split(".")
    scopes = (frame.f_locals, frame.f_globals, frame.f_builtins)
    value = next((scope[first] for scope in scopes if first in scope), _UNKNOWN)
    for attribute in attributes:
        if value is _UNKNOWN:
            break
        try:
            value = getattr(value, attribute)
        except Exception:  # noqa: BLE001  (a property raising: not something to follow)
            value = _UNKNOWN
    return value


def _instructions_after(code, offset):
    instructions = _instructions_of(code)
    return [instruction for instruction in instructions if instruction.offset > offset][:8]


@functools.lru_cache(maxsize=256)
def _instructions_of(code):
    return tuple(dis.get_instructions(code))


def written_region(memory, index):
    """The entries of ``memory`` that ``memory[index] = ...`` writes, as a view: all of it for an
    index NumPy does not answer with a view (a mask, a list of positions)."""
    parts = index if isinstance(index, tuple) else (index,)
    if not all(_is_basic(part) for part in parts):
        return memory
    if not any(part is Ellipsis for part in parts):
        parts = parts + (Ellipsis,)  # a view even where every axis is chosen by an int
    try:
        return memory[parts]
    except (IndexError, TypeError):  # NumPy will say what is wrong with the index
        return memory


def _is_basic(part):
    if isinstance(part, (bool, np.bool_)):
        return False
    return part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice))


def refuse_if_shared(target, memory, region, plain=False, besides=(), view=None, in_place=None):
    """Raise for a write into ``region`` of ``target`` (whose numbers are ``memory``) when a variable
    of the running program other than ``target`` and ``besides`` shares those entries and is read
    again. Variables are diffkit values, and plain NumPy arrays too with ``plain``; ``view`` names
    the target in the message (by default its variable, or what the line writes into); ``in_place``
    is the operator of an augmented assignment that writes (``r += v``: "+")."""
    frames = list(user_frames())
    skipped = {id(target), *map(id, besides)}
    for depth, frame in enumerate(frames):
        for name, other in frame.f_locals.items():
            if id(other) in skipped:
                continue
            other_memory = other if plain and type(other) is np.ndarray else held_array(other)
            if other_memory is None or not _shares_memory(region, other_memory):
                continue
            if _read_later(frame, name):
                where = name if depth == 0 else f"{name} (in {frame.f_code.co_name}())"
                _refuse_view_write(target, memory, frames, where, other_memory, view, in_place)


_TOO_HARD = getattr(getattr(np, "exceptions", np), "TooHardError", getattr(np, "TooHardError", ArithmeticError))


def _shares_memory(a, b):
    try:
        return np.shares_memory(a, b, max_work=100_000)
    except _TOO_HARD:  # too costly to decide exactly: taken as shared
        return True


def _read_later(frame, name):
    """Whether the running ``frame`` may read the variable ``name`` again: a read after the running
    instruction, or anywhere in a loop around it, or in a function defined inside."""
    reads, loops, opaque = _reads_of(frame.f_code)
    if opaque or name in frame.f_code.co_cellvars:
        return True
    offsets = reads.get(name, ())
    at = frame.f_lasti
    if any(offset > at for offset in offsets):
        return True
    return any(start <= at <= end and any(start <= offset <= end for offset in offsets) for start, end in loops)


_OPAQUE_NAMES = frozenset(("locals", "vars", "eval", "exec"))


@functools.lru_cache(maxsize=256)
def _reads_of(code):
    """``({name: offsets read at}, [(start, end) of each loop], whether reads cannot be listed)``."""
    reads = {}
    loops = []
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith("LOAD_"):
            names = instruction.argval if isinstance(instruction.argval, tuple) else (instruction.argval,)
            for name in names:
                if isinstance(name, str):
                    reads.setdefault(name, []).append(instruction.offset)
        elif instruction.opname.startswith("JUMP_BACKWARD"):
            loops.append((instruction.argval, instruction.offset))
    return reads, loops, bool(_OPAQUE_NAMES & set(code.co_names))


def _refuse_view_write(target, memory, frames, source, source_memory, view=None, in_place=None):
    """Raise the error for writing into ``target``, whose numbers share memory with the variable ``source``;
    ``target`` is named ``view``, or by its variable, or by the text it is written as on the line (``y.T``)."""
    if view is None:
        names = [name for name, value in frames[0].f_locals.items() if value is target]
        written = [match.group(1) for match in map(ASSIGNED_TARGET.match, statements(user_source_line())) if match]
        view = names[0] if names else written[0] if written else "the array written into"
    owns = source_memory.base is None and memory.base is source_memory
    relation = f"a view of {source}" if owns else f"a view of the same array as {source}"
    plain = source.split(" ")[0]
    advice = "write"
    if in_place is not None:  # r += v: the user may not have meant to change the array viewed
        advice = (f"to leave {plain} as it is, assign the new value ({view} = {view} {in_place} v); to change "
                  f"{plain}, write")
    raise errors.UnsupportedError(
        f"{view} is {relation} in NumPy, so writing into it at {user_location() or 'an unknown line'} changes "
        f"{source} too, which diffkit does not follow; {advice} into {plain} itself ({plain}[0] = v or "
        f"{plain}[0, :] = v, not through a view such as {plain}[0][:] = v, {plain}.T[0] = v or "
        f"{plain}.reshape(-1)[0] = v), or build the new value with dk.at({plain})[index].set(v)"
    )


def statements(line):
    """The statements of a program line (``a = 1; b[0] = a`` holds two)."""
    return [part.strip() for part in line.split(";")]


# What an item assignment on the running line writes into: ``r`` of ``r[:] = 0``, ``y.T`` of
# ``y.T[0] = 0``, ``y[0]`` of ``y[0][1] = 0``.
ASSIGNED_TARGET = re.compile(r"^(.+?)\[[^\[\]]*\]\s*(?:[-+*/@%&|^]|//|\*\*)?=(?!=)")
