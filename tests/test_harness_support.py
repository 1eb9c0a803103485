"""A small suite for the harness tests (no tests here): run with --suite <this file>.

It holds the lecture's first example with every method, a tiny network over depth,
a data-dependent loop, a case that sleeps past the time limit, one that allocates past
the memory limit, and the two logistic-map studies at small n.
"""

import time

import numpy as np

import diffkit as dk
from diffkit.harness.cases import REFERENCE, REFERENCE_CHECK, Case
from diffkit.harness.suites import Suite, program_cases, sweep_cases
from diffkit.programs.program import Program
from diffkit.studies import fd_steps, table1

TIMEOUT = 4.0
MEMORY_MB = 300.0
HOG_MB = 800  # more than MEMORY_MB: only the memory limit can stop it


def chain(x, y, z):
    return (x + y) * z


def halving(x):
    while dk.abs(x) > 5:
        x = x / 2
    return x * x


def make_net(depth):
    def net(w, b):
        h = np.array([0.5, -1.0])
        for _ in range(depth):
            h = dk.tanh(w * h + b)
        return dk.sum(h * h)

    return net


def sleeper(x):
    time.sleep(60)
    return x * x


def hog(x):
    block = np.ones(HOG_MB * 1024 * 1024 // 8)
    return x * float(block[-1])


def noisy(x):
    # log(0) makes NumPy warn; the warning belongs in the case's row, not on the screen
    is_minus_infinity = np.log(np.array([0.0]))[0] == -np.inf
    return x * x * float(is_minus_infinity)


def get_program(name, **settings):
    if name == "chain":
        return Program("chain", chain, (-2.0, 5.0, -4.0), (0, 1, 2), family="lecture")
    if name == "halving":
        return Program("halving", halving, (37.0,), 0, family="loop", control_flow="data-dependent")
    if name == "net":
        depth = settings["depth"]
        W = np.array([0.3, -0.2]) * (1 + depth)
        b = np.array([0.1, -0.1])
        return Program("net", make_net(depth), (W, b), (0, 1), family="network", depth=depth, settings=settings)
    if name == "sleeper":
        return Program("sleeper", sleeper, (1.0,), 0)
    if name == "noisy":
        return Program("noisy", noisy, (3.0,), 0)
    if name == "hog":
        return Program("hog", hog, (1.0,), 0)
    raise KeyError(name)


SMALL_METHODS = (REFERENCE, REFERENCE_CHECK, "fd-central", "symbolic", "tape")


def suite():
    cases = program_cases("chain", source=__file__)
    cases += [Case("halving", m, source=__file__) for m in (REFERENCE, "symbolic", "tape")]
    for case in sweep_cases("net", "depth", (1, 2, 3), methods=SMALL_METHODS):
        case.source = __file__
        cases.append(case)
    # the sleeper sits on a ladder: once size 1 times out, size 2 is recorded as skipped
    cases += [Case("sleeper", "tape", {"size": size}, source=__file__, ladder="sleeper", rung=size) for size in (1, 2)]
    cases += [Case("hog", "tape", source=__file__), Case("noisy", "tape", source=__file__)]
    cases += table1.cases(4) + fd_steps.cases()
    return Suite("small", "a small suite for the harness tests", cases, timeout=TIMEOUT, memory_mb=MEMORY_MB)


# What every case of the suite must end as; every case not listed must be "ok".
EXPECTED_NOT_OK = {
    'sleeper{"size":1}/tape': "timeout",
    'sleeper{"size":2}/tape': "skipped",
    "hog/tape": "memory",
    "halving/symbolic": "unsupported",
}
