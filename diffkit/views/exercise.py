"""``dk.exercise``: a program's backward pass as a fill-in-the-blanks table, with feedback.

    ex = dk.exercise(f, -2.0, 5.0, -4.0, hide="downstream")
    ex                                            # the step table, the hidden cells blank
    ex.answer(step=2, input="x", downstream=-4)   # right
    ex.answer({(2, "y", "downstream"): 4})        # wrong: sign slip
    ex.score(), ex.max_score                      # points, for auto-grading
    ex.solution()                                 # the full table

The table is :meth:`Trace.backward_steps` ("upstream x local = downstream", one row per
input of every gate); ``hide`` says which cells are blank: ``"local"``, ``"downstream"``,
``"upstream"`` (every step's upstream gradient but the first, the output's 1, and each
input's final gradient), or ``"all"`` of them. Each answer is judged at once by
:mod:`.feedback`: right (to ``decimals`` when given), or wrong and, when diffkit can tell,
why. In Jupyter, :meth:`Exercise.form` gives an interactive form (the optional
``widgets`` extra, ipywidgets); the Python calls work without it.
"""

import ast
from dataclasses import dataclass
from html import escape

import numpy as np

from .. import errors
from ..core.keywords import refuses_unknown_keywords
from .feedback import Context, Feedback, judge, typed_decimals
from .format import format_value

FIELDS = ("upstream", "local", "downstream", "grad")
HIDE = ("local", "downstream", "upstream", "all")
_MISSING = object()


@dataclass
class Blank:
    """One hidden cell: what it is, its true value and the points it is worth."""

    key: tuple  # (step, input position or None, field); step None for an input's gradient
    field: str
    step: int
    position: int
    input_name: str
    expected: object
    points: float = 1.0

    @property
    def name(self):
        if self.field == "grad":
            return f"gradient of {self.input_name}"
        if self.field == "upstream":
            return f"step {self.step}, upstream"
        return f"step {self.step}, {self.input_name}, {self.field}"


@refuses_unknown_keywords
def exercise(f, *args, hide="downstream", decimals=None, argnums=None, seed=None, points=1.0):
    """The backward pass of ``f`` at ``args`` as an exercise (see the module's docstring).

    ``f`` and ``args``, ``argnums`` and ``seed`` are as for :func:`dk.trace` (a zoo program
    works too); ``decimals`` is how many decimals an answer must be right to (None: as many
    as the student writes, at least three significant digits); ``points`` is each blank's
    worth. The exercise follows the kink convention in force (``dk.kinks``).
    """
    from ..core.kinks import kink_convention
    from .trace import trace

    fields = _checked_hide(hide)
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer))
                                 or decimals < 0):
        raise errors.InputError(f"decimals must be a whole number of decimals (e.g. decimals=3) or None, got {decimals!r}")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points < np.inf:
        raise errors.InputError(f"points must be a finite positive number per blank (e.g. points=1), got {points!r}")
    graph = trace(f, *args, argnums=argnums, seed=seed)
    ex = Exercise(graph, fields, None if decimals is None else int(decimals), float(points), kink_convention())
    if not ex.blanks:  # an exercise that every answer passes: refused, not silently worth 0 points
        raise errors.InputError(
            f"hide={hide!r} leaves nothing to fill in: this program's table has no such cell (a local "
            "gradient that is a full Jacobian, as for @, is not asked). Hide other cells, e.g. hide='all'"
        )
    return ex


def _checked_hide(hide):
    try:
        names = (hide,) if isinstance(hide, str) else tuple(hide)
    except TypeError:  # None, a number: not names of fields
        names = (hide,)
    unknown = [name for name in names if not isinstance(name, str) or name not in HIDE]
    if not names or unknown:
        raise errors.InputError(
            f"hide must be one of {', '.join(map(repr, HIDE))} (or several of them), got {hide!r}"
        )
    if "all" in names:
        return {"upstream", "local", "downstream", "grad"}
    fields = set(names)
    if "upstream" in fields:
        fields.add("grad")
    return fields


class Exercise:
    """A backward pass with blanks to fill in; answers get :class:`Feedback` and points."""

    def __init__(self, trace, fields, decimals, points, kinks="mean"):
        self.trace = trace
        self.decimals = decimals
        self.kinks = kinks
        self.steps = list(trace.backward_steps())
        self._edges_of_step = [self._step_edges(step) for step in self.steps]
        self.blanks = self._make_blanks(fields, points)
        self._by_key = {blank.key: blank for blank in self.blanks}
        self.answers = {}  # key -> the answer given
        self.feedback = {}  # key -> Feedback of the latest answer

    # --- the blanks ----------------------------------------------------------------------
    def _step_edges(self, step):
        """The edges along which ``step`` sends its gradient, one per input, in order."""
        live = [node.index for node in step.inputs]
        incoming = sorted((e for e in self.trace.edges if e.target == step.node.index), key=lambda e: e.position)
        edges = []
        for edge in incoming:
            if live and edge.source == live[0]:
                edges.append(edge)
                live.pop(0)
        return edges

    def _make_blanks(self, fields, points):
        blanks = []
        for number, step in enumerate(self.steps, start=1):
            if "upstream" in fields and number > 1:
                blanks.append(Blank((number, None, "upstream"), "upstream", number, None, step.node.title,
                                    step.upstream, points))
            for position, (source, local, down) in enumerate(zip(step.inputs, step.local, step.downstream)):
                name = _short(source)
                if "local" in fields and local is not None:
                    blanks.append(Blank((number, position, "local"), "local", number, position, name, local, points))
                if "downstream" in fields:
                    blanks.append(Blank((number, position, "downstream"), "downstream", number, position, name, down,
                                        points))
        if "grad" in fields:
            for node in self.trace.nodes:
                if node.kind == "input" and node.grad is not None:
                    blanks.append(Blank((None, node.index, "grad"), "grad", None, node.index, _short(node), node.grad,
                                        points))
        return blanks

    @property
    def max_score(self):
        """The points of a fully right exercise."""
        return sum(blank.points for blank in self.blanks)

    def score(self):
        """Points earned: the worth of every blank whose latest answer is right."""
        return sum(blank.points for blank in self.blanks if self.feedback.get(blank.key))

    def missing(self):
        """The blanks not answered yet."""
        return [blank for blank in self.blanks if blank.key not in self.answers]

    def wrong(self):
        """The feedback of every blank whose latest answer is wrong."""
        return [self.feedback[blank.key] for blank in self.blanks if blank.key in self.feedback
                and not self.feedback[blank.key]]

    def check(self):
        """Raise AssertionError, listing what is missing or wrong, unless every blank is right."""
        problems = [f"{blank.name}: not answered" for blank in self.missing()] + [str(f) for f in self.wrong()]
        if problems:
            raise AssertionError(f"{self.score():g} of {self.max_score:g} points; " + "; ".join(problems))
        return True

    # --- answering -----------------------------------------------------------------------
    def answer(self, answers=None, *, step=None, input=None, upstream=_MISSING, local=_MISSING,
               downstream=_MISSING, grad=_MISSING):
        """Answer one or more blanks; return the :class:`Feedback` (a list for several).

        ``ex.answer(step=2, input="x", downstream=-4)``, ``ex.answer(step=2, upstream=-4)``,
        ``ex.answer(input="x", grad=-4)``, or a dict of answers keyed ``(step, field)``,
        ``(step, input, field)`` or ``("grad", input)``.
        """
        given = {"upstream": upstream, "local": local, "downstream": downstream, "grad": grad}
        given = {field: value for field, value in given.items() if value is not _MISSING}
        results = []
        if answers is not None:
            if given or step is not None or input is not None:
                raise errors.InputError("give either a dict of answers or step=/input=/field= keywords, not both")
            if not isinstance(answers, dict):
                raise errors.InputError(
                    f"answers must be a dict like {{(2, 'x', 'downstream'): -4}}, got {type(answers).__name__}")
            for key, value in answers.items():
                results.append(self._answer_one(self._key_of(key), value))
        else:
            if not given:
                raise errors.InputError("say what you answer: e.g. ex.answer(step=2, input='x', downstream=-4)")
            for field, value in given.items():
                results.append(self._answer_one(self._resolve(step, input, field), value))
        return results[0] if len(results) == 1 else results

    def _key_of(self, key):
        if isinstance(key, tuple) and len(key) == 2 and key[0] == "grad":
            return self._resolve(None, key[1], "grad")
        if isinstance(key, tuple) and len(key) == 2:
            return self._resolve(key[0], None, key[1])
        if isinstance(key, tuple) and len(key) == 3:
            return self._resolve(key[0], key[1], key[2])
        raise errors.InputError(
            f"cannot read the answer key {key!r}: use (step, 'upstream'), (step, input, 'local' or 'downstream') "
            "or ('grad', input)")

    def _resolve(self, step, input, field):
        """The key of the blank meant by (step, input, field), or an InputError saying why not."""
        if field not in FIELDS:
            raise errors.InputError(f"unknown field {field!r}: use one of {', '.join(FIELDS)}")
        if field == "grad":
            candidates = [b for b in self.blanks if b.field == "grad" and input in (b.input_name, b.position)]
            if not candidates:
                names = ", ".join(b.input_name for b in self.blanks if b.field == "grad") or "none"
                raise errors.InputError(f"no input gradient {input!r} to fill in here; the blanks are: {names}")
            return candidates[0].key
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 1 <= step <= len(self.steps):
            raise errors.InputError(f"step must be a step number from 1 to {len(self.steps)}, got {step!r}")
        step = int(step)
        if field == "upstream":
            key = (step, None, "upstream")
        else:
            position = self._position(step, input)
            key = (step, position, field)
        if key not in self._by_key:
            raise errors.InputError(f"{_key_text(self, key)} is not a blank of this exercise (it is shown in the "
                                    f"table); the blanks are: {', '.join(b.name for b in self.blanks)}")
        return key

    def _position(self, step, input):
        inputs = self.steps[step - 1].inputs
        if isinstance(input, (int, np.integer)) and not isinstance(input, bool) and 0 <= input < len(inputs):
            return int(input)
        matches = [i for i, node in enumerate(inputs) if input in (node.name, node.label)]
        names = ", ".join(_short(node) for node in inputs)
        if not matches:
            raise errors.InputError(f"step {step} ({self.steps[step - 1].node.title}) has no input {input!r}; "
                                    f"its inputs are {names}")
        if len(matches) > 1:
            raise errors.InputError(f"step {step} has {len(matches)} inputs called {input!r}: give its position "
                                    f"instead (input=0 for the first of {names})")
        return matches[0]

    def _answer_one(self, key, value):
        blank = self._by_key[key]
        written = None  # the decimals typed, counted from the text: "0.540" has 3, its value 0.54 has 2
        if isinstance(value, str):
            value, written = _parse(value), typed_decimals(value)
        self.answers[key] = value
        feedback = judge(blank.name, value, blank.expected, self._context(blank), self.decimals, written)
        self.feedback[key] = feedback
        return feedback

    def _context(self, blank):
        if blank.field in ("local", "downstream"):
            step = self.steps[blank.step - 1]
            return Context(blank.field, upstream=step.upstream, local=step.local[blank.position],
                           given_upstream=self.answers.get((blank.step, None, "upstream")), gate=step.node.op,
                           own_value=step.inputs[blank.position].value)
        node_index = self.steps[blank.step - 1].node.index if blank.field == "upstream" else blank.position
        senders, contributions, given = [], [], []
        for number, (step, edges) in enumerate(zip(self.steps, self._edges_of_step), start=1):
            for position, edge in enumerate(edges):
                if edge.source != node_index:
                    continue
                contributions.append(step.downstream[position])
                senders.append((step.upstream, step.local[position], self.answers.get((number, None, "upstream"))))
                answered = self.answers.get((number, position, "downstream"))
                if answered is not None:
                    given.append(answered)
        return Context(blank.field, contributions=contributions, senders=senders,
                       given_contributions=given if len(given) == len(contributions) else [])

    # --- showing it ----------------------------------------------------------------------
    def rows(self, reveal=False):
        """The table as text rows (step, node, upstream, input, local, downstream); blanks as
        ``?`` (or the answer given, marked right or wrong) unless ``reveal``."""
        rows = []
        for number, step in enumerate(self.steps, start=1):
            upstream = self._cell((number, None, "upstream"), step.upstream, reveal)
            if not step.inputs:
                rows.append((str(number), step.node.title, upstream, "", "", ""))
            for position, (source, local, down) in enumerate(zip(step.inputs, step.local, step.downstream)):
                local_text = "Jacobian" if local is None else self._cell((number, position, "local"), local, reveal)
                rows.append((str(number) if position == 0 else "", step.node.title if position == 0 else "",
                             upstream if position == 0 else "", _short(source), local_text,
                             self._cell((number, position, "downstream"), down, reveal)))
        return rows

    def gradient_rows(self, reveal=False):
        """(input, its gradient) for every differentiated input."""
        return [(_short(node), self._cell((None, node.index, "grad"), node.grad, reveal))
                for node in self.trace.nodes if node.kind == "input" and node.grad is not None]

    def _cell(self, key, value, reveal):
        if key not in self._by_key or reveal:
            return format_value(value)
        if key not in self.answers:
            return "?"
        mark = "right" if self.feedback[key] else "wrong"
        return f"{_answer_text(self.answers[key])} ({mark})"

    def solution(self):
        """The full table with every value, the blanks among them marked."""
        return Solution(self)

    def _table_text(self, reveal):
        header = ("step", "node", "upstream", "input", "local", "downstream")
        rows = [header] + self.rows(reveal)
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        lines = ["  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * width for width in widths))
        gradients = self.gradient_rows(reveal)
        if gradients:
            lines.append("gradients: " + ", ".join(f"d/d{name} = {text}" for name, text in gradients))
        return "\n".join(lines)

    def __str__(self):
        return (f"{self._title()}\n{self._table_text(reveal=False)}\n"
                f"{self.score():g} of {self.max_score:g} points")

    def __repr__(self):
        return str(self)

    def _title(self):
        asked = f", right to {self.decimals} decimals" if self.decimals is not None else ""
        kinks = "" if self.kinks == "mean" else f"; kinks: {self.kinks!r}"
        return (f"exercise: the backward pass of {self.trace.name or 'a program'}, {len(self.blanks)} blanks"
                f"{asked}{kinks} (upstream x local = downstream)")

    def _repr_html_(self):
        return _html_table(self, reveal=False, caption=self._title(),
                           footer=f"{self.score():g} of {self.max_score:g} points")

    def form(self):
        """An interactive form for the blanks (needs ipywidgets: ``pip install 'diffkit[widgets]'``)."""
        from .exercise_form import exercise_form

        return exercise_form(self)


class Solution:
    """An exercise's full table: every value, the blanks marked with a star."""

    def __init__(self, exercise):
        self.exercise = exercise

    def __str__(self):
        return "solution: " + self.exercise._table_text(reveal=True)

    __repr__ = __str__

    def _repr_html_(self):
        return _html_table(self.exercise, reveal=True, caption="solution (blanks shaded)")


def _html_table(exercise, reveal, caption, footer=""):
    head = "".join(f"<th>{name}</th>" for name in ("step", "node", "upstream", "input", "local", "downstream"))
    keys = []
    for number, step in enumerate(exercise.steps, start=1):
        if not step.inputs:
            keys.append([None, None, (number, None, "upstream"), None, None, None])
        for position in range(len(step.inputs)):
            keys.append([None, None, (number, None, "upstream") if position == 0 else None, None,
                         (number, position, "local"), (number, position, "downstream")])
    body = []
    for row, row_keys in zip(exercise.rows(reveal), keys):
        cells = []
        for text, key in zip(row, row_keys):
            style = _cell_style(exercise, key, reveal)
            cells.append(f"<td{style}>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    gradients = exercise.gradient_rows(reveal)
    grads = ""
    if gradients:
        items = []
        for (name, text), node in zip(gradients, [n for n in exercise.trace.nodes if n.kind == "input" and n.grad is not None]):
            items.append(f"<span{_cell_style(exercise, (None, node.index, 'grad'), reveal)}>d/d{escape(name)} = "
                         f"{escape(text)}</span>")
        grads = "<p>gradients: " + ", ".join(items) + "</p>"
    foot = f"<p>{escape(footer)}</p>" if footer else ""
    return (f'<div class="diffkit-exercise"><table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>{grads}{foot}</div>")


def _cell_style(exercise, key, reveal):
    if key is None or key not in exercise._by_key:
        return ""
    if reveal:
        return ' style="background:#fff3c4"'
    if key not in exercise.answers:
        return ' style="background:#eeeeee"'
    colour = "#1a7f1a" if exercise.feedback[key] else "#c00000"
    return f' style="color:{colour}; font-weight:bold"'


def _short(node):
    return node.name or node.label


def _answer_text(value):
    try:
        return format_value(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return repr(value)


def _key_text(exercise, key):
    step, position, field = key
    if field == "upstream":
        return f"step {step}'s upstream"
    return f"step {step}, {_short(exercise.steps[step - 1].inputs[position])}, {field}"


def _parse(text):
    """A number or a nested list typed as text (from a form): "-4", "0.197", "[[1, 0], [2, 0]]"."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise errors.InputError(f"cannot read {text!r} as a number or a list of numbers") from None
    return value


__all__ = ["Exercise", "Feedback", "exercise"]
