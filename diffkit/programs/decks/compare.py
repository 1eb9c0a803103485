"""Set every number a deck prints beside diffkit's, to the precision printed.

A printed number agrees when it is diffkit's value rounded to the printed decimals
(within half a unit of the last printed digit); a whole number must be exact. An
"order" row agrees when the powers of ten agree (``0.25^10 ~ 10^-6``), a "shape" row
when the shapes are equal. Each deck is compared under its own kink convention
(``dk.kinks``), so a deck that writes relu'(0) = 0 is checked with relu'(0) = 0.
"""

import numpy as np

from ...core.kinks import kinks
from ..notes import EXACT_RTOL, NoteCheck, NotesReport, _grad_by_name, _plain, intermediates


class Values:
    """diffkit's numbers for zoo programs, computed once per program and method."""

    def __init__(self, method="tape"):
        self.method = method
        self._programs = {}
        self._gradients = {}
        self._intermediates = {}

    def program(self, ref):
        if ref not in self._programs:
            self._programs[ref] = ref.build()
        return self._programs[ref]

    def __call__(self, ref, key):
        program = self.program(ref)
        section, _, name = key.partition(".")
        if section == "arg":
            names = _argument_names(program)
            return _plain(program.args[names.index(name)])
        if section in ("value", "grad"):
            if ref not in self._gradients:
                self._gradients[ref] = _grad_by_name(program, self.method)
            value, grads = self._gradients[ref]
            return value if section == "value" else _plain(grads[name])
        if section in ("forward", "backward"):
            if ref not in self._intermediates:
                self._intermediates[ref] = intermediates(program)
            return getattr(self._intermediates[ref], section)[name]
        raise KeyError(f"unknown quantity {key!r}: use value, grad.x, forward.q, backward.q or arg.x")


def _argument_names(program):
    import inspect

    parameters = inspect.signature(program.function).parameters.values()
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def compare_deck(deck, method="tape"):
    """Every printed number of ``deck`` against diffkit's, as a :class:`NotesReport`."""
    values = Values(method)
    report = NotesReport()
    report.title = f"deck {deck.key} ({deck.title}): lecture says / diffkit computes"
    for row in deck.printed:
        with kinks(row.kinks or deck.kinks):
            computed = row.diffkit(values)
            printed = row.printed_value(values)
        report.append(judge_printed(row, printed, computed))
    return report


def judge_printed(row, printed, computed):
    """The :class:`NoteCheck` of one printed number against diffkit's."""
    text = row.printed if isinstance(row.printed, str) else f"{_formula_text(printed)} (the printed formula)"
    base = dict(quantity=row.quantity, where=row.where, quote=row.quote, kind=row.kind, note=row.note,
                printed_text=text)
    if row.kind == "shape":
        shape = tuple(np.shape(computed))
        return NoteCheck(printed=printed, computed=shape, tolerance=0.0, agrees=tuple(printed) == shape, **base)
    printed_array = np.asarray(printed, dtype=float)
    computed_array = np.asarray(computed, dtype=float)
    if row.kind == "order":
        agrees = bool(np.all(np.round(np.log10(np.abs(printed_array))) == np.round(np.log10(np.abs(computed_array)))))
        return NoteCheck(printed=_plain(printed_array), computed=_plain(computed_array), tolerance=float("nan"),
                         agrees=agrees, **base)
    if printed_array.shape != computed_array.shape:
        return NoteCheck(printed=_plain(printed_array), computed=_plain(computed_array), tolerance=float("nan"),
                         agrees=False, **base)
    if row.decimals is None:
        tolerance = EXACT_RTOL * max(1.0, float(np.max(np.abs(printed_array), initial=0.0)))
    else:
        tolerance = 0.5 * 10.0 ** (-row.decimals) * (1 + 1e-9)
    agrees = bool(np.all(np.abs(printed_array - computed_array) <= tolerance))
    return NoteCheck(printed=_plain(printed_array), computed=_plain(computed_array), tolerance=tolerance,
                     agrees=agrees, **base)


def _formula_text(value):
    array = np.asarray(value, dtype=float)
    return f"{float(array):.6g}" if array.ndim == 0 else str(np.round(array, 6).tolist())
