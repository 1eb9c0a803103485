"""Judging one answer of a backward-pass exercise, and saying why it is wrong when diffkit can tell.

An answer is right when it agrees with diffkit's value to the decimals asked (or, when
none are asked, to every decimal the student wrote, with at least three significant
digits). A wrong answer is compared with the mistakes students make, in this order:

- a **sign slip**: the magnitude is right, the sign is not;
- the **upstream gradient forgotten**: a downstream gradient equal to the local gradient
  alone (upstream x local was never multiplied);
- a **fan-out not added**: the gradient of a value used by several gates equal to what
  one of them sends (the paths were not added);
- a value **rounded too early**: an answer computed from a rounded intermediate
  ("0.197 x 2 used the rounded 0.197"), the student's own earlier answer or the true
  value rounded to a few decimals;
- for arrays, a **transposed** answer or a batch that was **not summed** back.

The :class:`Feedback` names the slip; diffkit's value itself is only shown by the
exercise's solution.
"""

import io
import tokenize
from dataclasses import dataclass, field

import numpy as np

from .format import format_number

SIGNIFICANT = 3  # digits an answer needs when no decimals are asked
EXACT_RTOL = 1e-9


@dataclass
class Feedback:
    """The verdict on one blank: right or wrong, the slip found (if any), and a message."""

    blank: str  # "step 2, x, downstream"
    right: bool
    message: str
    slip: str = ""  # "sign", "forgot upstream", "fan-out", "rounded early", "swapped", "transposed", "batch",
    # "precision" or "shape"
    answer: object = None

    def __bool__(self):
        return self.right

    def __str__(self):
        mark = "right" if self.right else "wrong"
        return f"{self.blank}: {mark}. {self.message}".rstrip()

    __repr__ = __str__

    def _repr_html_(self):
        colour = "#1a7f1a" if self.right else "#c00000"
        from html import escape

        return f'<span style="color:{colour}">{escape(str(self))}</span>'


@dataclass
class Context:
    """What is known about a blank besides its true value, for the diagnoses."""

    field: str  # "upstream", "local", "downstream" or "grad"
    upstream: object = None  # the step's upstream gradient (downstream, local blanks)
    local: object = None  # the local gradient (downstream blanks)
    contributions: list = field(default_factory=list)  # what each consumer sends (upstream and grad blanks)
    given_upstream: object = None  # the student's own answer for this step's upstream, if any
    given_contributions: list = field(default_factory=list)  # the student's answers for those contributions
    gate: str = ""  # the op of the step (local blanks)
    own_value: object = None  # the forward value of the input itself (local blanks)
    senders: list = field(default_factory=list)  # (upstream, local, the student's upstream) of each consumer


def _as_array(value):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def typed_decimals(answer):
    """Decimals written in an answer (0.197 -> 3, -4 -> 0; for an array, the most of any entry).

    An answer typed as text is counted from the text itself, so "0.540" has 3 decimals: read
    as a number it would be 0.54, and the trailing zero the student wrote would be lost. A
    number given from Python is counted from its shortest repr.
    """
    if isinstance(answer, str):
        tokens = tokenize.generate_tokens(io.StringIO(answer).readline)
        texts = [token.string for token in tokens if token.type == tokenize.NUMBER]
    else:
        texts = [repr(float(v)).removesuffix(".0") for v in np.ravel(answer)]
    return max((_decimals_in(text) for text in texts), default=0)


def _decimals_in(number):
    """Decimals of one number as written: "0.540" -> 3, "1.5e-3" -> 4, "2e3" -> 0."""
    mantissa, _, exponent = number.lower().partition("e")
    return max(0, len(mantissa.partition(".")[2]) - int(exponent or 0))


def _close(a, b, decimals=None):
    """a agrees with b to ``decimals`` (absolute), or to rounding when None."""
    if decimals is None:
        return bool(np.all(np.abs(a - b) <= EXACT_RTOL * np.maximum(1.0, np.abs(b))))
    return bool(np.all(np.abs(a - b) <= 0.5 * 10.0 ** (-decimals) * (1 + 1e-9) + 1e-12))


def _needed_decimals(expected):
    """Decimals that give SIGNIFICANT significant digits of ``expected`` (per entry, the most)."""
    magnitude = np.abs(expected[expected != 0]) if np.ndim(expected) else np.abs(np.atleast_1d(expected))
    magnitude = magnitude[magnitude != 0]
    if magnitude.size == 0:
        return 0
    return max(0, int(SIGNIFICANT - 1 - np.floor(np.log10(np.min(magnitude)))))


def is_right(answer, expected, decimals, written):
    """(right?, message when the precision alone is the problem); ``written``: the answer's
    decimals as the student wrote them (:func:`typed_decimals`)."""
    if decimals is not None:
        if _close(answer, expected, decimals):
            return True, ""
        if np.ndim(answer) == 0:
            if written < decimals and _close(answer, expected, written):
                return False, (f"right to the {written} decimal{'s' if written != 1 else ''} you wrote, but "
                               f"{decimals} are asked")
        return False, ""
    if _close(answer, expected):
        return True, ""
    if np.ndim(answer) == 0:
        needed = _needed_decimals(np.asarray(expected))
        if _close(answer, expected, written):
            if written >= needed:
                return True, ""
            return False, (f"right to the {written} decimal{'s' if written != 1 else ''} you wrote, but give "
                           f"{SIGNIFICANT} significant digits ({needed} decimals here)")
    else:
        if written >= _needed_decimals(np.asarray(expected)) and _close(answer, expected, written):
            return True, ""
    return False, ""


def judge(blank, answer, expected, context, decimals=None, written=None):
    """The :class:`Feedback` for ``answer`` to ``blank`` whose true value is ``expected``.

    ``written`` is the decimals the student wrote, when the answer was typed as text (its
    value alone has lost trailing zeros); None counts them from the value.
    """
    given = _as_array(answer)
    truth = np.asarray(expected, dtype=float)
    if given is None:
        return Feedback(blank, False, f"give a number (or an array), not {answer!r}", "shape", answer)
    if written is None:
        written = typed_decimals(given)
    if given.shape != truth.shape:
        if given.ndim == 0 and truth.ndim > 0:
            return Feedback(blank, False, f"this gradient is an array of shape {truth.shape}, like the value it "
                            "belongs to; give every entry", "shape", answer)
        if truth.ndim == 0 and given.size == 1:  # [0.54] for 0.54: brackets, not a batch to sum
            return Feedback(blank, False, f"this gradient is a single number, like the value it belongs to; give it "
                            f"without brackets (yours has shape {given.shape})", "shape", answer)
        transposed = given.ndim == 2 and given.T.shape == truth.shape and is_right(given.T, truth, decimals, written)[0]
        if transposed:
            return Feedback(blank, False, f"transposed: a gradient has the shape of its value, {truth.shape}, "
                            f"and yours is {given.shape}", "transposed", answer)
        if given.ndim > truth.ndim or (given.shape and truth.shape and given.size > truth.size):
            summed = _sum_to(given, truth.shape)
            if summed is not None and is_right(summed, truth, decimals, written)[0]:
                return Feedback(blank, False, f"the value was broadcast over the batch: sum the gradient over the "
                                f"batch to get shape {truth.shape} (yours is {given.shape})", "batch", answer)
        return Feedback(blank, False, f"shape {given.shape}, but the gradient has the shape of its value, "
                        f"{truth.shape}", "shape", answer)
    right, precision = is_right(given, truth, decimals, written)
    if right:
        return Feedback(blank, True, "", "", answer)
    if precision:
        return Feedback(blank, False, precision, "precision", answer)
    places = decimals if decimals is not None else (written if given.ndim == 0 else None)
    slip = _diagnose(given, truth, context, places)
    if slip:
        return Feedback(blank, False, slip[1], slip[0], answer)
    return Feedback(blank, False, _hint(context), "", answer)


def _tolerant(candidate, given, places):
    """Whether ``given`` is ``candidate``: to rounding, or to ``places`` decimals when not None."""
    candidate = np.asarray(candidate, dtype=float)
    if candidate.shape != given.shape:
        return False
    if _close(given, candidate):
        return True
    return places is not None and _close(given, candidate, places)


def _text(value):
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return format_number(array)
    return "[" + ", ".join(format_number(v) for v in array.ravel()) + "]"


def _diagnose(given, truth, context, places):
    """(slip, message) for the first mistake ``given`` matches, or None."""
    if np.any(truth != 0) and _tolerant(-truth, given, places):
        return "sign", "sign slip: the size is right but the sign is not; check the sign of each factor"
    if context.field == "local" and context.gate == "multiply" and context.own_value is not None:
        own = np.asarray(context.own_value, dtype=float)
        if own.shape == truth.shape and not np.allclose(own, truth) and _tolerant(own, given, places):
            return "swapped", ("a multiply gate swaps: its local gradient with respect to one input is the other "
                               "input's value, not this input's own")
    upstream = None if context.upstream is None else np.asarray(context.upstream, dtype=float)
    if context.field == "downstream" and context.local is not None and upstream is not None:
        local = np.asarray(context.local, dtype=float)
        if not np.allclose(upstream, 1.0) and _tolerant(np.broadcast_to(local, truth.shape), given, places):
            return "forgot upstream", ("forgot the upstream gradient: that is the local gradient alone; downstream "
                                       "= upstream x local")
        rounded = _rounded_early(given, upstream, local, context.given_upstream, places)
        if rounded:
            return "rounded early", rounded
    if context.field in ("upstream", "grad") and len(context.senders) == 1:
        sender_upstream, sender_local, given_sender = context.senders[0]
        if sender_local is not None:
            sender_upstream = np.asarray(sender_upstream, dtype=float)
            sender_local = np.asarray(sender_local, dtype=float)
            if not np.allclose(sender_upstream, 1.0) and _tolerant(np.broadcast_to(sender_local, truth.shape), given, places):
                return "forgot upstream", ("forgot the upstream gradient: that is the gate's local gradient alone; "
                                           "what it sends back is its upstream x local")
            rounded = _rounded_early(given, sender_upstream, sender_local, given_sender, places)
            if rounded:
                return "rounded early", rounded
    if context.field in ("upstream", "grad") and len(context.contributions) > 1:
        for part in context.contributions:
            if _tolerant(part, given, places):
                count = len(context.contributions)
                return "fan-out", (f"fan-out not added: this value feeds {count} gates and its gradient is the sum "
                                   f"of what each sends back; you gave one path's {_text(part)}")
    if context.field in ("upstream", "grad") and context.contributions:
        rounded = _rounded_sum(given, context, places)
        if rounded:
            return "rounded early", rounded
    return None


def _round(value, places):
    return np.round(np.asarray(value, dtype=float), places)


def _rounded_early(given, upstream, local, given_upstream, places):
    """The message when ``given`` is upstream x local computed from a rounded factor."""
    candidates = []
    if given_upstream is not None and np.shape(given_upstream) == np.shape(upstream):
        candidates.append((np.asarray(given_upstream, dtype=float), local, "your"))
    for places in (1, 2, 3, 4):
        candidates.append((_round(upstream, places), local, "the rounded"))
        candidates.append((upstream, _round(local, places), "the rounded"))
        candidates.append((_round(upstream, places), _round(local, places), "the rounded"))
    for up, lo, whose in candidates:
        if np.allclose(up, upstream, rtol=0, atol=1e-15) and np.allclose(lo, local, rtol=0, atol=1e-15):
            continue  # nothing was rounded: not this slip
        product = up * lo
        if np.shape(product) == given.shape and _tolerant(product, given, places):
            rounded = [f for f, exact in ((up, upstream), (lo, local)) if not np.allclose(f, exact, rtol=0, atol=1e-15)]
            used = " and ".join(_text(f) for f in rounded)
            return (f"rounded too early: {_text(up)} x {_text(lo)} used {whose} {used}; keep every digit "
                    f"of the intermediate values and round only the answer")
    return ""


def _rounded_sum(given, context, places):
    """The message when ``given`` is the sum of rounded contributions."""
    options = []
    if context.given_contributions and len(context.given_contributions) == len(context.contributions):
        options.append(([np.asarray(p, dtype=float) for p in context.given_contributions], "your"))
    for places in (1, 2, 3, 4):
        options.append(([_round(p, places) for p in context.contributions], "rounded"))
    for parts, whose in options:
        exact = all(np.allclose(p, q, rtol=0, atol=1e-15) for p, q in zip(parts, context.contributions))
        if exact:
            continue
        total = sum(parts)
        if np.shape(total) == given.shape and _tolerant(total, given, places):
            shown = " + ".join(_text(p) for p in parts)
            return (f"rounded too early: {shown} used {whose} values; keep every digit of the intermediate values "
                    "and round only the answer")
    return ""


def _sum_to(array, shape):
    """``array`` summed over the leading (batch) axes down to ``shape``, or None."""
    try:
        while array.ndim > len(shape):
            array = array.sum(axis=0)
        for axis, (have, want) in enumerate(zip(array.shape, shape)):
            if want == 1 and have != 1:
                array = array.sum(axis=axis, keepdims=True)
        return array if array.shape == tuple(shape) else None
    except ValueError:
        return None


def _hint(context):
    return {
        "upstream": "the upstream gradient of a node is the sum of what every gate it feeds sends back to it",
        "local": "the local gradient is d(this gate's output) / d(this input), at the forward values",
        "downstream": "downstream = upstream x local",
        "grad": "an input's gradient is the sum of the downstream gradients it receives",
    }.get(context.field, "")
