"""The program zoo: the lectures' worked examples, network families, programs with loops and
GradBench's benchmark problems.

    import diffkit as dk

    dk.program_names("loop")                       # ['logistic-map', 'tanh-rnn', ...]
    program = dk.get_program("mlp", depth=3, width=8, activation="relu")
    program.tags                                   # family, params, depth, control_flow, on_kink
    program.gradient("symbolic")                   # any method
    [p.name for p in dk.zoo("lecture")]            # every lecture program at its default

Every builder is registered by name with its settings and defaults; register your own
with ``@dk.register_program("name", family="user")``.
"""

from . import benchmark, datasets, lectures, loops, networks  # noqa: F401  (registers the builders)
from .datasets import Dataset, make_dataset
from .networks import MLP
from .decks import Deck, compare_with_notes, deck_names, get_deck
from .notes import NoteCheck, NotesReport, intermediates, mismatches
from .program import CONTROL_FLOW, Program
from .registry import (
    FAMILIES,
    UnknownProgramError,
    get_program,
    program_names,
    program_settings,
    register_program,
    zoo,
)
from .training import TrainingRun, accuracy, train

__all__ = [
    "CONTROL_FLOW",
    "FAMILIES",
    "MLP",
    "Dataset",
    "Deck",
    "NoteCheck",
    "NotesReport",
    "Program",
    "TrainingRun",
    "UnknownProgramError",
    "accuracy",
    "compare_with_notes",
    "deck_names",
    "get_deck",
    "get_program",
    "intermediates",
    "make_dataset",
    "mismatches",
    "program_names",
    "program_settings",
    "register_program",
    "train",
    "zoo",
]
