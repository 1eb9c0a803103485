""""Lecture says / diffkit computes": a program's intermediate values against the notes.

A lecture function may take a keyword-only ``notes`` dict and store named intermediate
values in it (``q = x + y; record(notes, q=q)``). :func:`intermediates` runs the program
once on a tape, collects those values, and sends the gradient back to each of them (the
"upstream gradient" the notes write beside every node). :func:`compare_program` sets
every number the notes print beside what diffkit computes, to the printed precision,
so a slip in the notes (example 7's ``y``) shows up as a row that disagrees. The public
``compare_with_notes`` (:mod:`.decks`) takes a program or a whole lecture deck.
"""

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import errors
from ..api import gradient
from ..core.problem import Problem, scalar_output
from ..engines.tape import Tape, Traced

EXACT_RTOL = 1e-9  # a number the notes give exactly (an integer, or to all its digits)


def record(notes, **values):
    """Store named intermediate values in ``notes`` (does nothing when ``notes`` is None)."""
    if notes is not None:
        notes.update(values)


def takes_notes(function):
    """Whether ``function`` accepts the keyword-only ``notes`` dict."""
    try:
        parameter = inspect.signature(function).parameters.get("notes")
    except (TypeError, ValueError):
        return False
    return parameter is not None and parameter.kind == parameter.KEYWORD_ONLY


@dataclass
class Intermediates:
    """Named forward values of one evaluation, and the output's gradient at each."""

    value: float
    forward: dict
    backward: dict


def _plain(value):
    value = value.value if isinstance(value, Traced) else value
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array


def intermediates(program):
    """Run ``program`` on a tape with a ``notes`` dict; return its :class:`Intermediates`."""
    if not takes_notes(program.function):
        raise errors.InputError(
            f"program {program.name!r} does not record intermediate values: its function has no "
            "keyword-only 'notes' argument"
        )
    problem = Problem(program.function, program.args, program.argnums)
    notes = {}
    with Tape() as tape:
        leaves = [tape.leaf(leaf) for leaf in problem.leaves]
        out = problem.f(*problem.build_args(leaves), notes=notes)
    out = scalar_output(out, program.name)
    names = [name for name, value in notes.items() if isinstance(value, Traced) and value._tape is tape]
    seed = np.ones_like(out.value) if isinstance(out.value, np.ndarray) else 1.0
    grads = tape.backward(out, seed, [notes[name] for name in names]) if isinstance(out, Traced) else []
    backward = {name: np.zeros(np.shape(_plain(value))) for name, value in notes.items()}
    for name, grad in zip(names, grads):
        if grad is not None:
            backward[name] = _plain(np.broadcast_to(grad, np.shape(notes[name].value)))
    forward = {name: _plain(value) for name, value in notes.items()}
    backward = {name: float(g) if np.ndim(g) == 0 else g for name, g in backward.items()}
    return Intermediates(value=float(np.asarray(_plain(out)).reshape(())), forward=forward, backward=backward)


@dataclass
class NoteCheck:
    """One printed number (or array) of the notes against diffkit's.

    ``where`` (prose, pseudocode, table...), ``quote`` (the line as the notes print it),
    ``kind`` and ``note`` are filled in for a lecture deck's numbers (:mod:`.decks`).
    """

    quantity: str  # "value", "grad.x", "forward.q", "backward.d3"
    printed: Any
    computed: Any
    tolerance: float  # absolute, from the decimals printed; relative EXACT_RTOL when exact
    agrees: bool
    where: str = ""
    quote: str = ""
    kind: str = "value"  # "value", "arithmetic" (the printed numbers' own sum), "formula", "order", "shape"
    note: str = ""
    printed_text: str = ""  # the number exactly as printed ("0.40", "-.24")

    def __str__(self):
        verdict = "agrees" if self.agrees else "DIFFERS"
        printed = self.printed_text or _shown(self.printed)
        where = f"[{self.where}] " if self.where else ""
        quote = f" ({self.quote})" if self.quote else ""
        return (f"{where}{self.quantity}{quote}: lecture says {printed}, diffkit computes {_shown(self.computed)} "
                f"({verdict})")


def _shown(value):
    """A number or array as plain text (no np.float64(...) wrappers)."""
    if isinstance(value, tuple) and all(isinstance(n, int) for n in value):
        return str(value)  # a shape
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        if array.ndim == 0:
            return f"{float(array):.10g}"
        return str(np.round(array.astype(float), 10).tolist())
    return str(value)


class NotesReport(list):
    """The rows of :func:`compare_with_notes`: a list of :class:`NoteCheck` that prints as a
    table, shows as HTML in Jupyter and lists its :meth:`mismatches`."""

    title = "lecture says / diffkit computes"

    def mismatches(self):
        return NotesReport(row for row in self if not row.agrees)

    def __str__(self):
        agree = sum(row.agrees for row in self)
        lines = [f"{self.title}: {agree} of {len(self)} printed numbers agree"]
        lines += [f"  {row}" for row in self]
        return "\n".join(lines)

    def _repr_html_(self):
        from html import escape

        head = "".join(f"<th>{name}</th>" for name in ("where", "as printed", "quantity", "lecture says",
                                                       "diffkit computes", ""))
        body = []
        for row in self:
            colour = "#1a7f1a" if row.agrees else "#c00000"
            verdict = "agrees" if row.agrees else "DIFFERS"
            note = f"<br><small>{escape(row.note)}</small>" if row.note else ""
            cells = [row.where, row.quote, row.quantity, row.printed_text or _shown(row.printed), _shown(row.computed)]
            body.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells)
                        + f'<td style="color:{colour}; font-weight:bold">{verdict}{note}</td></tr>')
        agree = sum(row.agrees for row in self)
        return (f'<table class="diffkit-notes"><caption>{escape(self.title)}: {agree} of {len(self)} printed '
                f"numbers agree</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _decimals(program, section, name):
    decimals = program.printed_decimals
    for key in (f"{section}.{name}" if name else section, section):
        if key in decimals:
            return decimals[key]
    return None


def _check(quantity, printed, computed, decimals):
    printed_array = np.asarray(printed, dtype=float)
    computed_array = np.asarray(computed, dtype=float)
    if printed_array.shape != computed_array.shape:
        return NoteCheck(quantity, printed, computed, float("nan"), False)
    if decimals is None:
        tolerance = EXACT_RTOL * max(1.0, float(np.max(np.abs(printed_array), initial=0.0)))
    else:
        tolerance = 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)
    agrees = bool(np.all(np.abs(printed_array - computed_array) <= tolerance))
    return NoteCheck(quantity, printed, _plain(computed), tolerance, agrees)


def _grad_by_name(program, method):
    """The gradient at the example point, as a dict keyed by argument name."""
    result = gradient(program.function, *program.args, argnums=program.argnums, method=method)
    problem = Problem(program.function, program.args, program.argnums)
    grads = (result.grad,) if problem.single else result.grad
    return result.value, dict(zip(problem.arg_names, grads))


def compare_program(program, method="tape"):
    """Every number in ``program.expected`` beside diffkit's, as a :class:`NotesReport`."""
    expected = program.expected
    rows = NotesReport()
    needs_gradient = "value" in expected or "grad" in expected
    value, grads = _grad_by_name(program, method) if needs_gradient else (None, {})
    if "value" in expected:
        rows.append(_check("value", expected["value"], value, _decimals(program, "value", None)))
    for name, printed in expected.get("grad", {}).items():
        rows.append(_check(f"grad.{name}", printed, grads[name], _decimals(program, "grad", name)))
    if "forward" in expected or "backward" in expected:
        found = intermediates(program)
        for section in ("forward", "backward"):
            computed = getattr(found, section)
            for name, printed in expected.get(section, {}).items():
                if name not in computed:
                    raise errors.InputError(
                        f"program {program.name!r} expects the intermediate {name!r}, but its function "
                        f"records only: {', '.join(computed) or 'nothing'}"
                    )
                rows.append(_check(f"{section}.{name}", printed, computed[name], _decimals(program, section, name)))
    return rows


def mismatches(program, method="tape"):
    """The rows of :func:`compare_program` where the notes and diffkit disagree."""
    return compare_program(program, method).mismatches()
