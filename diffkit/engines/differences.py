"""Finite differences in stages: steps, a difference rule, Richardson extrapolation, an error estimate.

numdifftools' structure, the one every finite-difference method of diffkit goes through:

1. a *step generator*: the geometric grid ``h_i = base * RATIO**i`` (ratio 2), each step
   rounded so that ``x + h`` is exact;
2. a *difference rule*: forward ``(f(x+h) - f(x)) / h`` (error ~ h, h**2, ...) or central
   ``(f(x+h) - f(x-h)) / 2h`` (error ~ h**2, h**4, ...);
3. *Richardson extrapolation* over the steps: a tableau whose column j cancels the rule's
   first j error terms (Neville's scheme in powers of h);
4. an *error estimate* for every result: a truncation term (twice the distance to the
   next-better estimate, the next column of the tableau) plus a rounding term (the
   measured noise of f carried through the rule's and the extrapolation's weights, and
   the rounding of the result itself);
   among several candidates the one with the smallest estimate wins, after candidates
   far from the median of all of them are penalised by that distance (outliers: a step
   across a kink, out of the domain, into chaos).

Fixed-step rules (:func:`fixed_difference`) take one step and a check at half of it;
:class:`AdaptiveDifference` searches the grid. Everything is elementwise, so a column
of a Jacobian (an array output) goes through the same code as one entry of a gradient:
values, estimates and steps come back shaped like the output. The same elementwise
arithmetic lets :class:`AdaptiveDifferences` run the searches of every entry of a
gradient together, each entry's numbers those of its own search.
"""

import math
from dataclasses import dataclass

import numpy as np

RATIO = 2.0  # steps of the grid differ by this factor
BASE = 2.0**-4  # the adaptive search starts at this step, times max(|x|, 1)
LEVELS = 3  # columns of Richardson extrapolation beyond the raw quotients
MAX_STEPS = 15  # steps the adaptive search may take (numdifftools' default count): 30 evaluations
MAX_UP = 5  # steps above the start the search may try, when the start already converged (up to 2 * max(|x|, 1))
IMPROVES = 0.9  # a larger step is kept on trying while it lowers some entry's estimate below this part
FAR = 0.01  # an estimate whose error estimate is above this part of it is far from converged
ROUNDING_SIGMAS = 3.0  # the rounding term covers this many standard deviations of f's noise
TRUNCATION_SAFETY = 2.0  # the truncation term: this many times the distance to the next-better estimate
OUTLIER_FACTOR = 10.0  # a candidate more than this factor from the median's magnitude is an outlier


@dataclass(frozen=True)
class Rule:
    """A difference rule: its quotient and the powers of h its error falls with (``spacing``, 2 spacing, ...)."""

    name: str
    spacing: int  # forward: h, h**2, h**3 ...; central: h**2, h**4 ...
    evaluations: int  # new evaluations of f per step

    def quotient(self, shifted, h, value):
        """The quotient at step h; ``shifted(h)`` evaluates f with the input moved by h, ``value`` is f(x)."""
        if self.name == "forward":
            return self.quotient_of(shifted(h), None, value, h)
        return self.quotient_of(shifted(h), shifted(-h), value, h)

    def quotient_of(self, plus, minus, value, h):
        """The quotient from f(x + h) and (central) f(x - h): numbers, or arrays of them entry by entry."""
        if self.name == "forward":
            return (plus - value) / h
        return (plus - minus) / (2 * h)

    def rounding(self, level, h):
        """The rounding error the quotient at step h can carry when f's noise has standard deviation ``level``."""
        # two independent noisy values, over h (forward) or 2h (central)
        spread = np.sqrt(2.0) / h if self.name == "forward" else np.sqrt(2.0) / (2 * h)
        return ROUNDING_SIGMAS * spread * level


FORWARD = Rule("forward", spacing=1, evaluations=1)
CENTRAL = Rule("central", spacing=2, evaluations=2)


@dataclass
class Estimate:
    """A derivative (one entry, or a column shaped like the output) and what is known about its error."""

    value: object
    error: object  # truncation + rounding (+ an outlier's penalty)
    step: object  # the smallest step the value was computed from
    rounding: object  # the rounding part of ``error``


class Tableau:
    """Richardson's tableau over steps in decreasing order: ``rows[k][j]`` uses steps k-j .. k.

    Column j cancels the rule's first j error terms; ``noise[k][j]`` is its rounding
    term, carried through the extrapolation weights (their absolute values).
    """

    def __init__(self, rule, levels):
        self.rule = rule
        self.levels = levels
        self.steps = []
        self.rows = []
        self.noise = []

    def add(self, h, quotient, rounding):
        """A new row for a step smaller than every step so far."""
        k = len(self.rows)
        row, noise = [quotient], [rounding]
        for j in range(1, min(k, self.levels) + 1):
            factor = _power(self.steps[k - j] / h, self.rule.spacing) - 1.0  # Neville's scheme in h**spacing
            row.append(row[j - 1] + (row[j - 1] - self.rows[k - 1][j - 1]) / factor)
            noise.append(noise[j - 1] * (1 + 1 / factor) + self.noise[k - 1][j - 1] / factor)
        self.steps.append(h)
        self.rows.append(row)
        self.noise.append(noise)

    def first(self, eps=np.finfo(float).eps):
        """The quotient at the first (largest) step, measured against the extrapolation of the first two."""
        value = self.rows[0][0]
        truncation = TRUNCATION_SAFETY * np.abs(self.rows[1][1] - value)
        rounding = self.noise[0][0] + eps * np.abs(value)
        return Estimate(value, truncation + rounding, self.steps[0], rounding)

    def restricted(self, keep):
        """The tableau of the entries ``keep`` selects, for a tableau whose numbers are arrays over entries."""
        part = Tableau(self.rule, self.levels)
        part.steps = [step[keep] for step in self.steps]
        part.rows = [[cell[keep] for cell in row] for row in self.rows]
        part.noise = [[cell[keep] for cell in row] for row in self.noise]
        return part

    def candidates(self):
        """Every extrapolant with a next-better one in its row: (value, truncation, rounding, step)."""
        found = []
        for k, row in enumerate(self.rows):
            for j in range(len(row) - 1):
                found.append((row[j], TRUNCATION_SAFETY * np.abs(row[j + 1] - row[j]), self.noise[k][j], self.steps[k]))
        return found


def outlier_penalty(values):
    """Per candidate, its distance to the median where it is an outlier among ``values`` (else 0).

    An outlier is more than ``OUTLIER_FACTOR`` from the median's magnitude (unless the
    median is about 0), or beyond the quartiles' fences (1.5 interquartile ranges out).
    """
    with np.errstate(invalid="ignore"):
        low, median, high = quartiles_of_columns(values)
        spread = np.abs(high - low)
        size = np.abs(median)
        far = ((np.abs(values) < size / OUTLIER_FACTOR) | (np.abs(values) > size * OUTLIER_FACTOR)) & (size > 1e-8)
        fenced = (values < low - 1.5 * spread) | (values > high + 1.5 * spread)
        return np.where(far | fenced, np.abs(values - median), 0.0)


def best_of(candidates, eps=np.finfo(float).eps):
    """Entry by entry, the candidate with the smallest error estimate, outliers penalised.

    ``candidates`` are (value, truncation, rounding, step) with values (and terms) of one
    shape; every candidate's rounding term also holds the rounding of the result itself,
    eps * |value|. Candidates that are numbers (one entry of a gradient) are weighed as
    Python floats (:func:`_best_of_numbers`), the same arithmetic without NumPy's cost per call.
    """
    if all(type(candidate[0]) is float for candidate in candidates):
        return _best_of_numbers(candidates, eps)
    values = np.array([c[0] for c in candidates], dtype=float)
    truncation, rounding, steps = (_stacked([c[i] for c in candidates], values.shape) for i in (1, 2, 3))
    with np.errstate(invalid="ignore"):
        rounding = rounding + eps * np.abs(values)
        errors = truncation + rounding
        if len(candidates) > 2:
            errors = errors + outlier_penalty(values)
        errors = np.where(np.isfinite(errors) & np.isfinite(values), errors, np.inf)
    index = np.argmin(errors, axis=0)[None, ...]
    picked = [np.take_along_axis(array, index, axis=0)[0] for array in (values, errors, steps, rounding)]
    return Estimate(*(_present(p) for p in picked))


def _best_of_numbers(candidates, eps):
    """:func:`best_of` for candidates that are numbers: the same operations, one float at a time."""
    values = [candidate[0] for candidate in candidates]
    eps = float(eps)
    rounding = [float(candidate[2]) + eps * abs(value) for candidate, value in zip(candidates, values)]
    errors = [float(candidate[1]) + part for candidate, part in zip(candidates, rounding)]
    if len(candidates) > 2:
        errors = [error + penalty for error, penalty in zip(errors, _outlier_penalty_of_numbers(values))]
    errors = [error if math.isfinite(error) and math.isfinite(value) else math.inf for error, value in zip(errors, values)]
    index = min(range(len(errors)), key=errors.__getitem__)  # the first of equal ones, as np.argmin
    return Estimate(float(values[index]), float(errors[index]), float(candidates[index][3]), float(rounding[index]))


def _outlier_penalty_of_numbers(values):
    """:func:`outlier_penalty` of a list of floats."""
    low, median, high = quartiles_of_numbers([value for value in values if value == value])  # NaN left out
    spread = abs(high - low)
    size = abs(median)
    penalties = []
    for value in values:
        far = (abs(value) < size / OUTLIER_FACTOR or abs(value) > size * OUTLIER_FACTOR) and size > 1e-8
        fenced = value < low - 1.5 * spread or value > high + 1.5 * spread
        penalties.append(abs(value - median) if far or fenced else 0.0)
    return penalties


def quartiles_of_numbers(values):
    """The 25th, 50th and 75th percentile of a list of floats (none NaN; NaN for an empty list),
    computed as ``np.percentile`` computes them (its linear method, its interpolation), to the bit."""
    if not values:
        return [math.nan] * 3
    ordered = sorted(values)
    last = len(ordered) - 1
    found = []
    for quantile in (0.25, 0.5, 0.75):
        virtual = last * quantile
        if virtual >= last:  # NumPy takes the last value twice, its weight counted from index -1
            below = above = ordered[-1]
            weight = virtual + 1
        else:
            index = math.floor(virtual)
            below, above = ordered[index], ordered[index + 1]
            weight = virtual - index
        difference = above - below
        found.append(above - difference * (1 - weight) if weight >= 0.5 else below + difference * weight)
    return found


QUARTILES = np.array([0.25, 0.5, 0.75])


def quartiles_of_columns(values):
    """:func:`quartiles_of_numbers` along the first axis of an array, every column at once: the
    25th, 50th and 75th percentile of each, NaN left out (NaN where all are), as ``np.nanpercentile``
    (``np.percentile`` where there is no NaN) computes them, to the bit, at the cost of one sort."""
    values = np.asarray(values, dtype=float)
    shape = values.shape[1:]
    values = values.reshape(values.shape[0], -1)
    ordered = np.sort(values, axis=0, kind="stable")  # NaN last, equal numbers (0 and -0) in their order
    last = values.shape[0] - 1 - np.count_nonzero(np.isnan(values), axis=0)  # the largest number's index, -1 for none
    virtual = last * QUARTILES[:, None]
    top = virtual >= last  # one number: NumPy takes it twice, its weight counted from index -1
    index = np.where(top, last, np.floor(virtual)).astype(int)
    weight = np.where(top, virtual + 1, virtual - index)
    columns = np.arange(values.shape[1])
    below = ordered[np.maximum(index, 0), columns]
    above = ordered[np.maximum(np.where(top, index, index + 1), 0), columns]
    with np.errstate(invalid="ignore"):  # inf - inf between infinite neighbours: NaN, as NumPy gives
        difference = above - below
        found = np.where(weight >= 0.5, above - difference * (1 - weight), below + difference * weight)
    return np.where(last >= 0, found, np.nan).reshape((3,) + shape)


def _stacked(items, shape):
    """One term per candidate (a number, or an array shaped like the values), as an array of ``shape``."""
    stacked = np.array(items, dtype=float)
    if stacked.ndim == 1:
        stacked = stacked.reshape((-1,) + (1,) * (len(shape) - 1))
    return np.broadcast_to(stacked, shape)


def _present(array):
    return float(array) if np.ndim(array) == 0 else array


def noise_level(sigma, value, eps):
    """f's noise as a standard deviation: the measured one, at least eps * |f| (shaped like f)."""
    return np.maximum(sigma, eps * np.abs(np.asarray(value, dtype=float)))


def fixed_difference(rule, quotient_at, h, half, level):
    """The rule's quotient at step h, its truncation measured against the quotient at ``half`` (~h/2).

    ``quotient_at(h)`` evaluates the rule at step h (two or one evaluations).
    """
    first = quotient_at(h)
    return fixed_estimate(rule, (first, quotient_at(half)), (h, half), level)


def fixed_estimate(rule, quotients, steps, level):
    """:func:`fixed_difference` from the quotients at its two steps, already computed.

    Elementwise: steps (and quotients) may be arrays over many entries at once, one
    entry per row, each entry's numbers those it would give alone.
    """
    tableau = Tableau(rule, levels=1)
    for step, quotient in zip(steps, quotients):
        tableau.add(step, quotient, rule.rounding(level, step))
    return tableau.first()


def _power(ratio, exponent):
    """``ratio ** exponent``; for an array, entry by entry as for one number (the C library's pow,
    which NumPy's squaring does not always match in the last bit)."""
    if isinstance(ratio, np.ndarray):
        return np.array([r**exponent for r in ratio.reshape(-1).tolist()]).reshape(ratio.shape)
    return ratio**exponent


class AdaptiveDifference:
    """The adaptive search over the grid ``h_i = base * RATIO**i`` for the best extrapolated estimate.

    It starts with the three steps ``base, base/2, base/4``; then, while the truncation
    term of some entry's best estimate dominates and a smaller step could still lower
    it (its rounding term is not yet above that estimate), it halves the step (quarters
    it while some estimate is off by more than ``FAR`` of itself); if the
    start converged at once, it doubles the step instead (larger steps carry less
    rounding) while that lowers some entry's estimate, at most ``MAX_UP`` times. It
    never takes more than ``MAX_STEPS`` steps. ``quotient_at(h)`` evaluates the rule at
    step h; ``exact(h)`` rounds a step so that x + h is exact.
    """

    def __init__(self, rule, quotient_at, exact, base, level, levels=LEVELS):
        self.rule = rule
        self.quotient_at = quotient_at
        self.exact = exact
        self.base = base
        self.level = level
        self.levels = levels
        self.quotients = {}  # grid index -> (step, quotient)
        self.failure = None  # the first exception a step raised
        self._tableau = None  # over the steps taken, largest first (rebuilt when a larger one comes)

    @property
    def steps(self):
        """The steps taken, largest first."""
        return [self.quotients[i][0] for i in sorted(self.quotients, reverse=True)]

    @property
    def evaluations(self):
        return self.rule.evaluations * len(self.quotients)

    def _take(self, index):
        h = self.exact(self.base * RATIO**index)
        try:
            with np.errstate(all="ignore"):  # a step out of the domain gives NaN; the estimate discards it
                quotient = self.quotient_at(h)
        except Exception as exc:  # noqa: BLE001  (a step outside the program's domain: the next one is smaller)
            self.failure = self.failure or exc
            quotient = np.nan
        self.quotients[index] = (h, quotient)
        if self._tableau is not None and index < min(self.quotients.keys() - {index}):
            self._tableau.add(h, quotient, self.rule.rounding(self.level, h))  # a smaller step: one more row
        else:
            self._tableau = None

    def _rounding_at(self, index):
        return self.rule.rounding(self.level, self.base * RATIO**index)

    def _wants_smaller(self, best, low):
        """Entries that a smaller step may still help: no finite estimate yet, or truncation dominating
        while the rounding term of the next step is below the estimate."""
        with np.errstate(invalid="ignore"):
            truncating = (best.error - best.rounding > best.rounding) & (best.error > self._rounding_at(low - 1))
        return ~np.isfinite(best.error) | truncating

    def best(self):
        if self._tableau is None:
            self._tableau = Tableau(self.rule, self.levels)
            for index in sorted(self.quotients, reverse=True):
                h, quotient = self.quotients[index]
                self._tableau.add(h, quotient, self.rule.rounding(self.level, h))
        return best_of(self._tableau.candidates())

    def run(self):
        for index in (0, -1, -2):
            self._take(index)
        best = self.best()
        low = -2
        while len(self.quotients) < MAX_STEPS and np.any(self._wants_smaller(best, low)):
            low -= 2 if np.any(best.error > FAR * np.abs(best.value)) else 1  # far from converged: stride
            self._take(low)
            best = self.best()
        high = 0
        while low == -2 and np.all(np.isfinite(best.error)) and high < MAX_UP and len(self.quotients) < MAX_STEPS:
            high += 1
            self._take(high)
            better = self.best()
            improved = np.any(better.error < IMPROVES * best.error)
            best = better
            if not improved:
                break
        if self.failure is not None and not np.all(np.isfinite(best.error)):
            raise self.failure
        return best


class AdaptiveDifferences:
    """:class:`AdaptiveDifference` for many entries at once whose derivatives are numbers (a
    gradient's entries): every entry takes the steps its own search takes and gets its estimate,
    to the bit.

    The searches advance together, a round at a time: each round, every entry whose search goes
    on takes one more step (an evaluation or two of the program, one entry moved at a time, as
    before), and the tableau and the choice of estimate run once for all those entries,
    elementwise over them (the tableau's arithmetic and :func:`best_of`'s on arrays are the
    numbers' own, entry by entry). The bookkeeping costs a few NumPy calls per round rather than
    per entry. ``base`` holds each entry's first step; ``shifted(leaf_index, index, h)`` evaluates
    f with one entry moved by h (and may raise, as the program does), ``coordinates[entry]`` is
    the (leaf index, index) of each entry and ``value`` is f(x); ``exact(entries, h)`` rounds
    steps, one per entry of ``entries``, so that x + h is exact.
    """

    def __init__(self, rule, shifted, coordinates, value, exact, base, level, levels=LEVELS):
        self.rule = rule
        self.shifted = shifted
        self.coordinates = coordinates
        self.value = value
        self.exact = exact
        self.base = np.asarray(base, dtype=float)
        self.level = level
        self.levels = levels
        self.counts = np.zeros(self.base.size, dtype=int)  # steps taken, per entry
        self.failures = [None] * self.base.size  # per entry, the first exception one of its steps raised

    def _grid(self, entries, indices):
        """The grid's steps ``base * RATIO**index`` of ``entries``, before rounding."""
        return self.base[entries] * np.array([RATIO**index for index in indices.tolist()])

    def _take(self, entries, indices):
        """Each of ``entries`` takes its step of grid index ``indices`` (one each): (steps, quotients).

        f(x + h) (and, central, f(x - h)) entry after entry, as :meth:`Rule.quotient` evaluates
        them (no f(x - h) once f(x + h) raised); the quotients elementwise from them.
        """
        h = self.exact(entries, self._grid(entries, indices))
        central = self.rule.evaluations == 2
        plus, minus = np.empty(entries.size), np.empty(entries.size) if central else None
        failed = np.zeros(entries.size, dtype=bool)
        shifted, coordinates = self.shifted, self.coordinates
        with np.errstate(all="ignore"):  # a step out of the domain gives NaN; the estimate discards it
            for position, (entry, step) in enumerate(zip(entries.tolist(), h.tolist())):
                leaf_index, index = coordinates[entry]
                try:
                    plus[position] = shifted(leaf_index, index, step)
                    if central:
                        minus[position] = shifted(leaf_index, index, -step)
                except Exception as exc:  # noqa: BLE001  (a step outside the program's domain)
                    self.failures[entry] = self.failures[entry] or exc
                    failed[position] = True
            quotients = self.rule.quotient_of(plus, minus, self.value, h)
        quotients[failed] = np.nan
        self.counts[entries] += 1
        return h, quotients

    def _tableau(self, columns):
        """The tableau over ``columns``, (steps, quotients) largest step first."""
        tableau = Tableau(self.rule, self.levels)
        for h, quotient in columns:
            tableau.add(h, quotient, self.rule.rounding(self.level, h))
        return tableau

    def _wants_smaller(self, best, entries, low):
        """:meth:`AdaptiveDifference._wants_smaller` for ``entries``, each at its own ``low``."""
        next_rounding = self.rule.rounding(self.level, self._grid(entries, low - 1))
        truncating = (best.error - best.rounding > best.rounding) & (best.error > next_rounding)
        return ~np.isfinite(best.error) | truncating

    def run(self):
        """Every entry's Estimate (arrays over the entries); raises the first failure, in entry order,
        of an entry left with no finite estimate, as the entries' own searches raise theirs."""
        size = self.base.size
        final = Estimate(*(np.empty(size) for _ in range(4)))
        if size == 0:
            return final
        with np.errstate(invalid="ignore", over="ignore"):  # numbers, as Python floats are: no warnings
            self._search(final)
        for entry in np.flatnonzero(~np.isfinite(final.error)).tolist():
            if self.failures[entry] is not None:
                raise self.failures[entry]
        return final

    def _search(self, final):
        everyone = np.arange(self.base.size)
        start = [self._take(everyone, np.full(everyone.size, index)) for index in (0, -1, -2)]
        # smaller steps: entries whose truncation dominates go on, a step (or two) down per round
        entries, low = everyone, np.full(everyone.size, -2)
        tableau = self._tableau(start)
        best = best_of(tableau.candidates())
        while entries.size:
            going = (self.counts[entries] < MAX_STEPS) & self._wants_smaller(best, entries, low)
            _store(final, entries, best, ~going)
            if not going.any():
                break
            entries, low, best, tableau = entries[going], low[going], _part(best, going), tableau.restricted(going)
            low = low - np.where(best.error > FAR * np.abs(best.value), 2, 1)  # far from converged: stride
            h, quotient = self._take(entries, low)
            tableau.add(h, quotient, self.rule.rounding(self.level, h))
            best = best_of(tableau.candidates())
        # larger steps: entries converged at the start, while that lowers their estimate
        started = self.counts == 3
        entries = everyone[started & np.isfinite(final.error)]
        columns = [(h[entries], quotient[entries]) for h, quotient in start]
        best, high = _part(final, entries), 0
        while entries.size and high < MAX_UP:
            going = self.counts[entries] < MAX_STEPS
            entries, best, columns = entries[going], _part(best, going), [(h[going], q[going]) for h, q in columns]
            if not entries.size:
                break
            high += 1
            columns.insert(0, self._take(entries, np.full(entries.size, high)))
            better = best_of(self._tableau(columns).candidates())
            improved = better.error < IMPROVES * best.error
            _store(final, entries, better, np.ones(entries.size, dtype=bool))
            going = improved & np.isfinite(better.error)
            entries, best, columns = entries[going], _part(better, going), [(h[going], q[going]) for h, q in columns]


def _part(estimate, keep):
    """The entries of an Estimate over entries (arrays) that ``keep`` selects."""
    return Estimate(*(np.asarray(field)[keep] for field in (estimate.value, estimate.error, estimate.step,
                                                           estimate.rounding)))


def _store(final, entries, estimate, chosen):
    """``estimate``'s numbers of the ``chosen`` ones among ``entries`` into ``final`` (arrays over every entry)."""
    for name in ("value", "error", "step", "rounding"):
        getattr(final, name)[entries[chosen]] = np.asarray(getattr(estimate, name))[chosen]
