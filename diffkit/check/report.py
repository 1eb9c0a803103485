"""The gradient-check report: verdicts, the worst entries by name, and how it was judged.

A report prints as a text table in a terminal, shows as an HTML table in Jupyter
(``_repr_html_``) and is truthy exactly when the check passed, so
``assert dk.check_grad(...)`` works and ``bool(report)`` is the overall verdict.
"""

import html
from dataclasses import dataclass, field

import numpy as np

from ..report.text import table as text_table
from .compare import CORRECT, KINK, RANDOM_PASS, SUSPICIOUS, WRONG, passes, worst

DEFAULT_SHOWN = 5


@dataclass
class EntryCheck:
    """One scalar entry: the user's value, each reference's value and the verdict."""

    name: str
    argument: str
    yours: float
    references: dict
    abs_error: float
    rel_error: float
    verdict: str
    one_sided: tuple = None  # (left, right) at a non-differentiable point
    estimates: dict = field(default_factory=dict)  # method -> the reference's error estimate

    @property
    def reference(self):
        """The value of the reference the entry was judged against (the first method)."""
        return next(iter(self.references.values()))


@dataclass
class ArgumentCheck:
    """Every checked entry of one argument (a leaf: ``W1``, ``params.b``...), and its verdict."""

    name: str
    shape: tuple
    dtype: str
    entry_names: list
    yours: np.ndarray = None  # flat, float64; None when the user gave nothing usable
    references: dict = field(default_factory=dict)  # method -> flat array
    estimates: dict = field(default_factory=dict)  # method -> flat array: each reference's error estimate
    decimals: int = None  # the user's values were rounded to this many decimals
    abs_errors: np.ndarray = None
    rel_errors: np.ndarray = None
    verdicts: list = None
    one_sided: dict = field(default_factory=dict)  # flat index -> (left, right)
    findings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    verdict_override: str = None  # set by a random-mode check that did not look at entries

    @property
    def verdict(self):
        if self.findings:
            return WRONG
        if self.verdict_override is not None:
            return self.verdict_override
        return worst(self.verdicts or [])

    @property
    def max_rel_error(self):
        if self.rel_errors is None or not len(self.rel_errors):
            return float("nan")
        return float(np.max(self.rel_errors))

    def entry(self, index):
        """The :class:`EntryCheck` at a flat index."""
        return EntryCheck(
            name=self.entry_names[index],
            argument=self.name,
            yours=float(self.yours[index]),
            references={method: float(values[index]) for method, values in self.references.items()},
            abs_error=float(self.abs_errors[index]),
            rel_error=float(self.rel_errors[index]),
            verdict=self.verdicts[index],
            one_sided=self.one_sided.get(index),
            estimates={method: float(values[index]) for method, values in self.estimates.items()},
        )

    def entries(self, verdict=None):
        """All checked entries (or those with one verdict), in flat order."""
        if self.verdicts is None:
            return []
        return [self.entry(i) for i, v in enumerate(self.verdicts) if verdict is None or v == verdict]

    def worst(self, count=DEFAULT_SHOWN):
        """The ``count`` entries with the largest relative error, worst verdict first."""
        if self.verdicts is None:
            return []
        severity = {CORRECT: 0, KINK: 1, SUSPICIOUS: 2, WRONG: 3}
        order = sorted(range(len(self.verdicts)), key=lambda i: (-severity[self.verdicts[i]], -self.rel_errors[i], i))
        return [self.entry(i) for i in order[:count]]


@dataclass
class DirectionalCheck:
    """A derivative along one random unit direction of one argument (``mode="random"``)."""

    argument: str
    index: int
    yours: float
    references: dict
    rel_error: float
    verdict: str


@dataclass
class CheckReport:
    """Everything a gradient check found, and the rules it judged by."""

    title: str
    arguments: list
    methods: list
    settings: list  # lines: steps, bands, atol, mode, seed
    pass_rule: str
    findings: list = field(default_factory=list)  # not tied to one argument
    notes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    directional: list = field(default_factory=list)
    mode: str = "full"
    shown: int = DEFAULT_SHOWN

    # --- verdicts ------------------------------------------------------------------
    @property
    def verdict(self):
        if self.findings:
            return WRONG
        return worst(argument.verdict for argument in self.arguments)

    @property
    def passed(self):
        return passes(self.verdict)

    def __bool__(self):
        return self.passed

    # --- queries -------------------------------------------------------------------
    def argument(self, name):
        for argument in self.arguments:
            if argument.name == name:
                return argument
        raise KeyError(f"no argument {name!r}; the report has {', '.join(a.name for a in self.arguments)}")

    def entry(self, name):
        """The :class:`EntryCheck` called ``name`` (e.g. ``"W1[0,2]"``)."""
        for argument in self.arguments:
            if name in argument.entry_names and argument.verdicts is not None:
                return argument.entry(argument.entry_names.index(name))
        raise KeyError(f"no checked entry {name!r}")

    def entries(self, verdict=None):
        return [entry for argument in self.arguments for entry in argument.entries(verdict)]

    @property
    def wrong_entries(self):
        """Names of the entries judged wrong, in order."""
        return [entry.name for entry in self.entries(WRONG)]

    @property
    def all_findings(self):
        """Every structural finding, general ones first."""
        return list(self.findings) + [f for argument in self.arguments for f in argument.findings]

    # --- text ----------------------------------------------------------------------
    def headline(self):
        verdict = self.verdict
        text = f"{self.title}: {verdict.upper()}"
        if verdict == RANDOM_PASS:
            text += " (evidence, not proof: only random directions were checked)"
        elif verdict == KINK:
            text = f"{self.title}: PASSED (at a non-differentiable point yours lies between the one-sided derivatives)"
        return text

    def brief(self):
        """The headline, then one line per argument: its verdict, largest relative error and the
        worst entry when it is not correct (``diffkit check --brief``)."""
        lines = [self.headline()]
        lines += [f"  ! {message}" for message in self.all_findings]
        for argument in self.arguments:
            line = f"{argument.name} {_shape(argument.shape)}: {argument.verdict}, max rel err {_err(argument.max_rel_error)}"
            worst_entry = argument.worst(1)
            if worst_entry and worst_entry[0].verdict != CORRECT:
                entry = worst_entry[0]
                line += f" (worst {entry.name}: yours {_num(entry.yours)}, reference {_num(entry.reference)})"
            lines.append(line)
        return "\n".join(lines)

    def text(self):
        lines = [self.headline(), ""]
        for message in self.all_findings:
            lines.append(f"  ! {message}")
        if self.all_findings:
            lines.append("")
        lines += _table(
            ["argument", "shape", "dtype", "verdict", "max rel err"],
            [
                [a.name, _shape(a.shape), a.dtype, a.verdict, _err(a.max_rel_error)]
                for a in self.arguments
            ],
        )
        if self.directional:
            lines += ["", "random directions (unit vectors, seeded):"]
            lines += _table(
                ["argument", "dir", "yours", *self.methods, "rel err", "verdict"],
                [
                    [d.argument, str(d.index), _num(d.yours), *[_num(d.references.get(m)) for m in self.methods],
                     _err(d.rel_error), d.verdict]
                    for d in self.directional
                ],
            )
        rows = []
        for argument in self.arguments:
            for entry in argument.worst(self.shown):
                rows.append(_entry_row(entry, self.methods))
        if rows:
            lines += ["", f"worst entries (up to {self.shown} per argument):"]
            lines += _table(["entry", "yours", *self.methods, "abs err", "rel err", "verdict"], rows)
        for argument in self.arguments:
            for note in argument.notes:
                lines.append(f"  note: {note}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        lines += ["", "how this was judged:"]
        lines += [f"  {line}" for line in self.settings]
        lines.append(f"  pass rule: {self.pass_rule}")
        for warning in self.warnings:
            lines.append(f"  warning: {warning}")
        return "\n".join(lines)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<CheckReport {self.headline()}>"

    # --- HTML ----------------------------------------------------------------------
    def _repr_html_(self):
        colour = {CORRECT: "#1a7f37", RANDOM_PASS: "#1a7f37", KINK: "#9a6700", SUSPICIOUS: "#9a6700", WRONG: "#cf222e"}
        e = html.escape
        parts = [f'<div class="diffkit-check"><p><b style="color:{colour[self.verdict]}">{e(self.headline())}</b></p>']
        if self.all_findings:
            parts.append("<ul>" + "".join(f"<li>{e(m)}</li>" for m in self.all_findings) + "</ul>")
        parts.append(
            _html_table(
                ["argument", "shape", "dtype", "verdict", "max rel err"],
                [[a.name, _shape(a.shape), a.dtype, a.verdict, _err(a.max_rel_error)] for a in self.arguments],
                colour,
                verdict_column=3,
            )
        )
        if self.directional:
            parts.append("<p>random directions (unit vectors, seeded):</p>")
            parts.append(
                _html_table(
                    ["argument", "dir", "yours", *self.methods, "rel err", "verdict"],
                    [[d.argument, str(d.index), _num(d.yours), *[_num(d.references.get(m)) for m in self.methods],
                      _err(d.rel_error), d.verdict] for d in self.directional],
                    colour,
                    verdict_column=-1,
                )
            )
        rows = [_entry_row(entry, self.methods) for a in self.arguments for entry in a.worst(self.shown)]
        if rows:
            parts.append(f"<p>worst entries (up to {self.shown} per argument):</p>")
            parts.append(
                _html_table(["entry", "yours", *self.methods, "abs err", "rel err", "verdict"], rows, colour, -1)
            )
        notes = [n for a in self.arguments for n in a.notes] + list(self.notes)
        if notes:
            parts.append("<ul>" + "".join(f"<li>note: {e(n)}</li>" for n in notes) + "</ul>")
        details = list(self.settings) + [f"pass rule: {self.pass_rule}"] + [f"warning: {w}" for w in self.warnings]
        parts.append("<details><summary>how this was judged</summary><ul>")
        parts.append("".join(f"<li>{e(line)}</li>" for line in details) + "</ul></details></div>")
        return "".join(parts)


def _entry_row(entry, methods):
    verdict = entry.verdict
    if entry.one_sided is not None:
        left, right = entry.one_sided
        verdict += f" (one-sided {_num(left)} .. {_num(right)})"
    return [
        entry.name,
        _num(entry.yours),
        *[_with_estimate(entry.references.get(m), entry.estimates.get(m)) for m in methods],
        _err(entry.abs_error),
        _err(entry.rel_error),
        verdict,
    ]


def _with_estimate(value, estimate):
    """A reference value with its error estimate beside it: ``-0.1966119332 ±3.6e-16``."""
    if value is None or estimate is None:
        return _num(value)
    return f"{_num(value)} ±{_err(estimate)}"


def _num(value):
    if value is None:
        return "-"
    return f"{value + 0.0:.10g}"  # + 0.0 prints -0.0 as 0


def _err(value):
    if value is None or value != value:
        return "-"
    return f"{value:.1e}"


def _shape(shape):
    return "scalar" if shape == () else "x".join(map(str, shape))


def _table(header, rows):
    return text_table(header, rows, indent="  ")


def _html_table(header, rows, colour, verdict_column):
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            style = ""
            if index == (verdict_column % len(row)):
                base = str(cell).split(" (")[0]
                style = f' style="color:{colour.get(base, "inherit")}"'
            cells.append(f"<td{style}>{e(str(cell))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
