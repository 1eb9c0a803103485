"""The five lecture decks behind diffkit, every number they print, and ``compare_with_notes``.

    import diffkit as dk

    report = dk.compare_with_notes("002")      # every printed number of deck 002 beside diffkit's
    report.mismatches()                        # the slips: the rows where the deck and diffkit differ
    dk.compare_with_notes(dk.get_program("lecture-07-matmul"))   # one zoo program's printed numbers

Each deck's numbers live in its own module (``essay_002`` ...), as printed, with where
they are printed and how diffkit computes each; :func:`compare_with_notes` sets them side
by side to the printed precision, under the deck's kink convention.
"""

from ... import errors
from ...core.keywords import refuses_unknown_keywords
from ..notes import NotesReport, compare_program
from . import brown_004, cs231n_003, cs540_000, essay_002, gatech_001
from .compare import compare_deck
from .model import Deck, Printed

DECKS = {module.DECK.key: module.DECK for module in (cs540_000, gatech_001, essay_002, cs231n_003, brown_004)}


def deck_names():
    """The decks' keys, "000" to "004"."""
    return list(DECKS)


def get_deck(key):
    """The :class:`Deck` with key ``key`` ("002", or 2)."""
    name = f"{key:03d}" if isinstance(key, int) and not isinstance(key, bool) else key
    if name not in DECKS:
        raise errors.InputError(f"no lecture deck {key!r}: the decks are {', '.join(DECKS)}")
    return DECKS[name]


@refuses_unknown_keywords
def compare_with_notes(source, method="tape"):
    """Every number the notes print beside diffkit's, as a :class:`NotesReport` of rows.

    ``source`` is a lecture deck ("000" to "004", or a :class:`Deck`), compared number by
    number under the deck's kink convention, or a zoo :class:`Program`, whose ``expected``
    numbers are compared. A row agrees when the printed number is diffkit's rounded to
    the printed decimals; ``report.mismatches()`` lists the rows that do not.
    """
    if isinstance(source, (str, int)) and not isinstance(source, bool):
        source = get_deck(source)
    if isinstance(source, Deck):
        return compare_deck(source, method)
    return compare_program(source, method)


__all__ = ["DECKS", "Deck", "NotesReport", "Printed", "compare_with_notes", "deck_names", "get_deck"]
