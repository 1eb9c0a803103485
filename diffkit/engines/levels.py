"""The one stack of nesting levels shared by every recording context.

A tape or a forward trace opened while another is open sits one level deeper; an op
on values of several levels goes to the deepest (see
:meth:`diffkit.core.primitive.Primitive.__call__`). Keeping one stack for all kinds
of context is what lets a tape record over dual numbers (forward-over-reverse) or a
gradient be taken inside a program being differentiated, without confusing whose
perturbation is whose.
"""

_active = []


def enter(context):
    """Push ``context``; return its level (1 for the outermost)."""
    _active.append(context)
    return len(_active)


def leave(context):
    """Pop ``context`` (also when the program inside it raised)."""
    _active.remove(context)


def depth():
    """How many recording contexts are open right now (0 outside any differentiation)."""
    return len(_active)
