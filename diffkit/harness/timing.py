"""Side-by-side timing: every candidate of a comparison is timed in the same rounds.

Timing one candidate after another lets a change in machine load (other processes on a
shared machine) fall on one of them. Here each round calls every candidate once, in
turn, and the median over rounds is reported with its spread (the interquartile range,
and the minimum and maximum): a slow moment spreads over all of them. A candidate faster
than about a millisecond is called several times per sample (the count is chosen once,
before the rounds, as ``timeit.Timer.autorange`` does), so the clock's resolution does
not matter. The number of rounds is either fixed or, given ``min_time``, as many as fill
that measuring time (at least ``repeats``, at most ``max_repeats``, and never past a
``deadline``): fast candidates get many rounds, slow ones few.

Because the rounds interleave, the ratio of two candidates is taken round by round
(:func:`ratio`): a gradient's cost in forward passes is then the median of ratios
measured a moment apart, with its own spread, not one median over another taken at
another time.

The clock is CPU time of this process by default (``time.process_time``, every thread
counted): on a machine shared with other work, time spent waiting for a core is not
charged to the candidate. Wall-clock time (``time.perf_counter``) is the other choice.

The garbage collector stays on while a sample runs, as in a user's program: a library
whose graph is made of reference cycles pays for collecting them, one whose graph is
freed by reference counting does not. It is run before each sample, so that no
candidate pays for another's garbage; :func:`frozen_heap` moves what a process holds
already (its imported modules) out of the collector's reach, so that a collection costs
microseconds instead of the tenth of a second a heap holding SymPy takes.
"""

import contextlib
import gc
import math
import time
from dataclasses import dataclass, field

import numpy as np

MIN_SAMPLE_SECONDS = 2e-3
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
CLOCK_NAMES = {
    "cpu": "CPU time of the measuring process (time.process_time)",
    "wall": "elapsed wall-clock time (time.perf_counter)",
}


@contextlib.contextmanager
def frozen_heap():
    """Within it, objects alive on entry are left out of garbage collections (``gc.freeze``)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class Timing:
    """Seconds per call of one candidate: median, spread and the samples behind them."""

    name: str
    median: float
    minimum: float
    maximum: float
    samples: list = field(default_factory=list)
    calls_per_sample: int = 1
    q1: float = None
    q3: float = None

    def __post_init__(self):
        if self.q1 is None or self.q3 is None:
            self.q1, self.q3 = quartiles(self.samples) if self.samples else (self.median, self.median)

    @property
    def repeats(self):
        return len(self.samples)

    def fields(self, prefix):
        """The row fields a results database stores for it: ``<prefix>_seconds`` (the median),
        ``_q1``, ``_q3``, ``_min``, ``_max`` and ``_loops`` (calls per sample)."""
        return {f"{prefix}_seconds": self.median, f"{prefix}_q1": self.q1, f"{prefix}_q3": self.q3,
                f"{prefix}_min": self.minimum, f"{prefix}_max": self.maximum, f"{prefix}_loops": self.calls_per_sample}


def quartiles(values):
    """The first and third quartile of ``values`` (linear interpolation, as NumPy's default)."""
    q1, q3 = np.percentile(np.asarray(values, dtype=float), [25, 75])
    return float(q1), float(q3)


def summary(name, samples, calls_per_sample=1):
    """A :class:`Timing` of ``samples`` (seconds per call)."""
    samples = [float(s) for s in samples]
    return Timing(name, float(np.median(samples)), min(samples), max(samples), samples, calls_per_sample)


def calls_per_sample(function, min_seconds=MIN_SAMPLE_SECONDS, clock=time.perf_counter, tries=3):
    """How many calls make one sample last at least ``min_seconds``, judged by the fastest of
    ``tries`` calls (one slow call, its caches cold, would leave a fast candidate with too few
    calls per sample, and each sample's first call would weigh too much); the calls made to
    find out are the candidate's warm-up."""
    elapsed = math.inf
    for _ in range(tries):
        start = clock()
        function()
        elapsed = min(elapsed, clock() - start)
        if elapsed >= min_seconds:
            return 1
    return min(10_000, max(1, math.ceil(min_seconds / max(elapsed, 1e-7))))


def _sample(function, number, clock):
    start = clock()
    for _ in range(number):
        function()
    return (clock() - start) / number


def time_side_by_side(candidates, repeats=7, warmup=1, min_seconds=MIN_SAMPLE_SECONDS, clock="cpu",
                      min_time=0.0, max_repeats=None, deadline=None, first_samples=None, warm=True):
    """Time ``{name: zero-argument callable}`` in interleaved rounds; return ``{name: Timing}``.

    Each candidate is called ``warmup`` times first (a JIT compiles, caches fill), then
    once more to choose its calls per sample (a candidate in ``first_samples``, whose
    one call already took that many seconds, is called once per sample), then
    rounds take one sample of every candidate: at least ``repeats`` rounds, more while
    the samples add up to less than ``min_time`` seconds, at most ``max_repeats``
    (default: ``repeats``, or 50 given a ``min_time``). No round starts that would end
    past ``deadline`` (a ``time.monotonic()`` value), so a timing never pushes its
    caller over a time limit; then fewer rounds are taken (the count is recorded), and
    a candidate with none is timed by its calibration call alone. The garbage collector
    is run before every sample, then (``warm``) one untimed call; the heap is frozen for
    the rounds (:func:`frozen_heap`) unless the caller froze it already, so that each
    collection costs what the candidates' own garbage costs. ``clock`` is "cpu" or "wall".
    """
    timer = CLOCKS[clock]
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    if max_repeats is None:
        max_repeats = 50 if min_time else repeats
    for function in candidates.values():
        for _ in range(warmup):
            function()
    numbers, first = {}, {}
    for name, function in candidates.items():
        if first_samples and name in first_samples:
            numbers[name], first[name] = 1, first_samples[name]
            continue
        started = timer()
        numbers[name] = calls_per_sample(function, min_seconds, timer)
        first[name] = timer() - started
    with frozen_heap() if not gc.get_freeze_count() else contextlib.nullcontext():
        samples = _rounds(candidates, numbers, timer, repeats, max_repeats, min_time, deadline, warm)
    timings = {}
    for name, values in samples.items():
        if not values:  # no round fitted before the deadline: the calibration call is the one sample
            values = [first.get(name, float("nan"))]
        timings[name] = summary(name, values, numbers[name])
    return timings


def _rounds(candidates, numbers, timer, repeats, max_repeats, min_time, deadline, warm):
    """The interleaved rounds of :func:`time_side_by_side`: ``{name: [seconds per call, ...]}``."""
    samples = {name: [] for name in candidates}
    spent = 0.0
    last_round = None
    while True:
        done = len(samples[next(iter(samples))]) if samples else 0
        if done >= max_repeats or (done >= repeats and spent >= min_time):
            break
        if deadline is not None and time.monotonic() + (last_round or 0.0) > deadline:
            break
        round_start = time.monotonic()
        for name, function in candidates.items():
            gc.collect()
            if warm:
                function()  # untimed: the collection has swept the caches; the sample starts warm
            samples[name].append(_sample(function, numbers[name], timer))
            spent += samples[name][-1] * numbers[name]
        last_round = time.monotonic() - round_start
    return samples


def ratio(timings, numerator, denominator):
    """The round-by-round ratio of two candidates timed side by side, as a :class:`Timing`
    (median and quartiles of the ratios; its "seconds" are a pure number)."""
    top, bottom = timings[numerator].samples, timings[denominator].samples
    ratios = [a / b for a, b in zip(top, bottom) if b > 0]
    if not ratios:
        return None
    return summary(f"{numerator}/{denominator}", ratios)


def time_once(function, clock="cpu"):
    """Seconds of one call, and its result (for steps too slow to repeat)."""
    timer = CLOCKS[clock]
    start = timer()
    result = function()
    return timer() - start, result
