"""GradBench's two-letter names of nested-derivative variants: ``rf`` is reverse outside,
forward inside. diffkit's reverse mode is the tape, its forward mode ``forward-mode``."""

from ... import errors

MODE_LETTERS = {"r": "tape", "f": "forward-mode"}
VARIANTS = ("rr", "rf", "fr", "ff")


def variant_modes(variant):
    """``(outer method, inner method)`` of a variant name such as ``"fr"``."""
    if variant not in VARIANTS:
        raise errors.InputError(f"no variant {variant!r}; the variants are {', '.join(VARIANTS)} "
                                "(first letter: the outer derivative, second: the inner; r reverse, f forward)")
    return MODE_LETTERS[variant[0]], MODE_LETTERS[variant[1]]
