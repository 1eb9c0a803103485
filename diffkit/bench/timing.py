"""Side-by-side timing: every candidate of a comparison is timed in the same rounds.

Timing one candidate after another lets a change in machine load (other processes on a
shared machine) fall on one of them. Here each round calls every candidate once, in
turn, and the median over rounds is reported: a slow moment spreads over all of them.
A candidate faster than about a millisecond is called several times per sample (the
count is chosen once, before the rounds), so the clock's resolution does not matter.

The clock is CPU time of this process by default (``time.process_time``, every thread
counted): on a machine shared with other work, time spent waiting for a core is not
charged to the candidate; every library is asked to use the same number of threads.
Wall-clock time (``time.perf_counter``) is the other choice.

The garbage collector stays on while a sample runs, as in a user's program: a library
whose graph is made of reference cycles pays for collecting them, one whose graph is
freed by reference counting does not. It is run before each sample, so that no
candidate pays for another's garbage, and one untimed call follows it (a collection over
a heap holding torch and jax sweeps the CPU's caches; the sample measures calls in a
loop, as a user's training loop makes them).
"""

import gc
import math
import statistics
import time
from dataclasses import dataclass, field

MIN_SAMPLE_SECONDS = 2e-3
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass
class Timing:
    """Seconds per call of one candidate: median, spread and the samples behind them."""

    name: str
    median: float
    minimum: float
    maximum: float
    samples: list = field(default_factory=list)
    calls_per_sample: int = 1

    @property
    def repeats(self):
        return len(self.samples)


def calls_per_sample(function, min_seconds=MIN_SAMPLE_SECONDS, clock=time.perf_counter, tries=3):
    """How many calls make one sample last at least ``min_seconds``, judged by the fastest of
    ``tries`` calls (one slow call, its caches cold, would leave a fast candidate with too few
    calls per sample, and each sample's first call would weigh too much)."""
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


def time_side_by_side(candidates, repeats=7, warmup=1, min_seconds=MIN_SAMPLE_SECONDS, clock="cpu"):
    """Time ``{name: zero-argument callable}`` in interleaved rounds; return ``{name: Timing}``.

    Each candidate is called ``warmup`` times first (a JIT compiles, caches fill), then
    ``repeats`` rounds take one sample of every candidate. The garbage collector is run
    before every sample. ``clock`` is "cpu" or "wall" (see the module's docstring).
    """
    timer = CLOCKS[clock]
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    for function in candidates.values():
        for _ in range(warmup):
            function()
    numbers = {name: calls_per_sample(function, min_seconds, timer) for name, function in candidates.items()}
    samples = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, function in candidates.items():
            gc.collect()
            function()  # untimed: the collection has swept the caches; the sample starts warm
            samples[name].append(_sample(function, numbers[name], timer))
    return {
        name: Timing(name, statistics.median(values), min(values), max(values), values, numbers[name])
        for name, values in samples.items()
    }


def time_once(function, clock="cpu"):
    """Seconds of one call, and its result (for steps too slow to repeat)."""
    timer = CLOCKS[clock]
    start = timer()
    result = function()
    return timer() - start, result
