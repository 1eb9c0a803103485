"""A lecture deck's printed numbers, and how diffkit computes each of them.

A :class:`Printed` is one number (or array) as a deck prints it: where (the prose, a
table, the pseudocode), the line it is printed in, the number exactly as printed (its
decimals set the precision it is judged to), and what diffkit computes for it: a
quantity of a zoo program (``at(program("lecture-03-sigmoid-gates"), "grad.x")``), the
printed numbers' own arithmetic (``arithmetic("0.197 * 2")``: does the deck's
calculation hold?), or any other diffkit computation. A :class:`Deck` lists them all,
with the numbers it prints that are not computations (dates, room numbers, counts), so
nothing is left out silently.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ... import errors

WHERE = ("prose", "pseudocode", "table", "code", "slide", "formula")
KINDS = ("value", "arithmetic", "formula", "order", "shape")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Ref:
    """A zoo program by name and builder settings (hashable, so its numbers are computed once)."""

    name: str
    settings: tuple = ()

    def build(self):
        from ..registry import get_program

        return get_program(self.name, **dict(self.settings))


def program(name, **settings):
    return Ref(name, tuple(sorted(settings.items())))


@dataclass(frozen=True)
class At:
    """A quantity of a program: ``value``, ``grad.x``, ``forward.q``, ``backward.q``, ``arg.x``."""

    ref: Ref
    key: str

    def __call__(self, values):
        return values(self.ref, self.key)

    def describe(self):
        return f"{self.ref.name}: {self.key}"


def at(ref, key):
    return At(ref, key)


@dataclass(frozen=True)
class Arithmetic:
    """The printed numbers' own calculation, evaluated: does ``0.197 * 2`` give what is printed?"""

    expression: str

    def __call__(self, values):
        return _evaluate(self.expression)

    def describe(self):
        return f"the printed arithmetic {self.expression}"


def arithmetic(expression):
    _evaluate(expression)  # a typo in the data fails at import, not in a notebook
    return Arithmetic(expression)


def _evaluate(expression):
    allowed = set("0123456789.+-*/()[] ,e")
    if not set(expression) <= allowed:
        raise errors.InputError(f"arithmetic may use numbers, + - * / ( ) and lists only: {expression!r}")
    return np.asarray(eval(expression, {"__builtins__": {}}, {}), dtype=float)  # noqa: S307 (checked above)


@dataclass(frozen=True)
class Computed:
    """Any other diffkit computation: ``function(values)``, described in words."""

    function: Callable
    description: str

    def __call__(self, values):
        return self.function(values)

    def describe(self):
        return self.description


def computed(description, function):
    return Computed(function, description)


@dataclass
class Printed:
    """One number as a deck prints it, and diffkit's way to compute it."""

    where: str
    quote: str  # the printed line (or the relevant part of it)
    quantity: str  # what the number is, in the deck's notation: "df/dx0", "sigma(10)"
    printed: Any  # the number as printed, as text ("0.40", "[0.26, 0.73]"); a formula row: a callable
    diffkit: Any  # an At, Arithmetic or Computed
    kind: str = "value"
    decimals: Any = "printed"  # "printed": read from the printed text; None: exact; or a number
    note: str = ""
    kinks: str = None  # the kink convention of this number, if not the deck's

    def __post_init__(self):
        if self.where not in WHERE:
            raise ValueError(f"where must be one of {WHERE}, got {self.where!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.decimals == "printed":
            self.decimals = printed_decimals(self.printed) if isinstance(self.printed, str) else None

    def printed_value(self, values):
        if callable(self.printed):
            return np.asarray(self.printed(values), dtype=float)
        if self.kind == "shape":
            return tuple(int(n) for n in _NUMBER.findall(self.printed))
        return parse_printed(self.printed)


def printed_decimals(text):
    """Decimals of the most precise number in ``text`` (None when all are whole numbers)."""
    places = []
    for number in _NUMBER.findall(text):
        mantissa = number.lower().split("e")[0]
        exponent = int(number.lower().split("e")[1]) if "e" in number.lower() else 0
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        places.append(digits - exponent)
    significant = [p for p in places if p > 0]
    return max(significant) if significant else None


def parse_printed(text):
    """The number or nested list in ``text`` ("0.40", "-.24", "[[13, 9], [5, 2]]")."""
    cleaned = text.replace("−", "-").replace(" ", "")
    cleaned = re.sub(r"(?<![\d.])\.(\d)", r"0.\1", cleaned)  # -.24 -> -0.24
    return _evaluate(cleaned)


@dataclass
class Deck:
    """One lecture deck: its file, title, kink convention and every number it prints."""

    key: str  # "000" ... "004", the file's number
    file: str
    title: str
    printed: list
    kinks: str = "mean"  # the convention the deck writes relu'(0) with
    context: list = field(default_factory=list)  # (quote, why it is not a computation)
    notes: str = ""

    def __repr__(self):
        return f"<Deck {self.key}: {self.title}, {len(self.printed)} printed numbers>"
