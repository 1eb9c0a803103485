"""Suites: named lists of cases, with the time and memory limit each case gets.

- ``lectures``: every lecture program, every method (well under 30 s);
- ``standard`` (the default): the lectures, network families over depth and width,
  loop programs over iterations, and the studies that join it (under 3 minutes on two
  cores);
- ``swell``: symbolic against tape as depth or iterations grow, until symbolic hits
  the time limit, and the studies that join it;
- ``gradbench``: GradBench's problems over ladders of sizes, every method (its ``quick``
  form, the smallest sizes, runs in well under a minute);
- one suite for each registered study that has a suite of its own
  (:mod:`diffkit.harness.studies`), named after the study.

A user's suite is a Python module (dotted path or ``.py`` file) defining ``PROGRAMS``
or ``programs()`` (diffkit Program objects), and optionally ``METHODS``, ``TIMEOUT``
(seconds per case) and ``MEMORY_MB``; every program runs with every method, plus the
high-precision reference. A module may instead define ``suite()`` returning a
:class:`Suite`.
"""

import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import errors
from ..core.containers import flatten
from ..methods import builds_expressions, method_names
from . import studies
from .cases import REFERENCE, REFERENCE_CHECK, Case, call_user_code, canonical_json, load_module, module_programs


def on_ladder(method):
    """Methods that build expressions can explode with size: they run on ladders."""
    return builds_expressions(method) or method == REFERENCE_CHECK


DEFAULT_TIMEOUT = 20.0  # seconds per case, for a suite that does not set its own
DEFAULT_MEMORY_MB = 2000.0
PLAIN_NAME = re.compile(r"\w[\w.-]*\Z")


def positive_limit(value, what, unit):
    """``value`` as a float when it is a positive, finite number; else an InputError naming ``what``.

    A limit of NaN or infinity would reach the worker's clock or ``setrlimit`` and fail
    there, after the pool had started: it is refused here, where it is given.
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise errors.InputError(f"{what} must be a positive number of {unit}, got {value!r} "
                                f"(a {type(value).__name__}): write it as a number, e.g. 20")
    value = float(value)
    if not math.isfinite(value):
        raise errors.InputError(f"{what} must be a positive number of {unit}, got {value:g}: a limit must be "
                                "finite (give a large number for a generous one)")
    if value <= 0:
        raise errors.InputError(f"{what} must be a positive number of {unit}, got {value:g}")
    return value


def measuring_time(value, what="the minimum measuring time"):
    """A minimum measuring time in seconds: a finite number, zero (the fewest rounds) or more."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise errors.InputError(f"{what} must be a number of seconds, 0 or more, got {value!r}: e.g. 0.2 "
                                "(0 times each gradient in the fewest rounds)")
    return float(value)


def check_suite_name(name, where=""):
    """A suite's name names its default output folder, ``reports/<name>``: it must be a plain name."""
    if not isinstance(name, str) or not PLAIN_NAME.match(name):
        raise errors.InputError(
            f"the suite name {name!r}{where} is not a plain name: it names the default output folder "
            "reports/<name>, so it may hold only letters, digits, '_', '.' and '-', and must not start "
            "with '.' or '-' (e.g. NAME = \"my-suite\")"
        )
    return name


@dataclass
class Suite:
    """A named list of cases and the limits each case runs under."""

    name: str
    description: str
    cases: list = field(default_factory=list)
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: float = DEFAULT_MEMORY_MB

    def __post_init__(self):
        check_suite_name(self.name)
        self.timeout = positive_limit(self.timeout, f"the timeout of suite {self.name}", "seconds")
        self.memory_mb = positive_limit(self.memory_mb, f"the memory limit of suite {self.name}", "megabytes")
        seen = set()
        unique = []
        for case in self.cases:
            if case.id not in seen:
                seen.add(case.id)
                unique.append(case)
        self.cases = unique

    def restrict(self, methods):
        """Keep only the given methods (the reference always stays: errors need it)."""
        check_methods(methods)
        keep = set(methods) | {REFERENCE}
        kept = [c for c in self.cases if c.kind == "study" or c.method in keep]
        offered = sorted({c.method for c in self.cases if c.kind != "study" and c.method != REFERENCE})
        studies = any(c.kind == "study" for c in self.cases)
        if offered and not studies and not set(methods) & {*offered, REFERENCE}:
            raise errors.InputError(
                f"--methods {' '.join(methods)} selects none of the methods of suite {self.name}, which runs "
                f"{', '.join(offered)}: choose among them, or leave --methods out"
            )
        self.cases = kept
        return self


def all_methods():
    return [REFERENCE, REFERENCE_CHECK, *method_names()]


def check_methods(methods, where=""):
    """An UnknownMethodError naming every unknown method (``--methods`` or a suite's
    METHODS), raised before any case runs rather than recorded as an error per case."""
    unknown = set(methods) - set(all_methods())
    if unknown:
        named = ", ".join(f"{name!r}{errors.did_you_mean(name, all_methods())}" for name in sorted(unknown))
        raise errors.UnknownMethodError(
            f"no differentiation method named {named}{where}; the methods are: {', '.join(method_names())}"
        )


def program_cases(name, settings=None, methods=None, source="zoo", ladder="", rung=0):
    """One case per method for one program; symbolic routes go on ``ladder`` if given."""
    cases = []
    for method in methods or all_methods():
        rungs = f"{ladder}/{method}" if ladder and on_ladder(method) else ""
        cases.append(Case(name, method, dict(settings or {}), source=source, ladder=rungs, rung=rung))
    return cases


def sweep_cases(name, parameter, values, fixed=None, methods=None, symbolic_up_to=None):
    """A program over growing values of one builder parameter (a ladder per symbolic route).

    ``symbolic_up_to`` stops the expression-building methods at that value, while the
    cheap methods go on: the sweep still shows how the tape and finite differences scale.
    """
    cases = []
    ladder = f"{name}:{parameter}:{_settings_label(fixed)}"
    for rung, value in enumerate(values):
        settings = dict(fixed or {}, **{parameter: value})
        chosen = [m for m in (methods or all_methods())
                  if symbolic_up_to is None or value <= symbolic_up_to or not on_ladder(m)]
        cases.extend(program_cases(name, settings, chosen, ladder=ladder, rung=rung))
    return cases


def _settings_label(settings):
    return ",".join(f"{k}={v}" for k, v in sorted((settings or {}).items()))


def suite_problems(suite, max_params=None):
    """(label, Program, Problem) for every gradient program of ``suite`` (zoo programs), once each, in suite order."""
    from ..methods import Problem
    from ..programs import get_program

    seen, problems = set(), []
    for case in suite.cases:
        if case.kind != "gradient" or case.source != "zoo" or case.program_key in seen:
            continue
        seen.add(case.program_key)
        program = get_program(case.program, **case.settings)
        problem = Problem(program.function, program.args, program.argnums)
        if max_params is None or problem.size <= max_params:
            settings = ", ".join(f"{k}={v}" for k, v in sorted(case.settings.items()))
            problems.append((f"{case.program}({settings})" if settings else case.program, program, problem))
    return problems


def _zoo(family):
    from ..programs import zoo

    return zoo(family)


def lectures_suite():
    cases = []
    for program in _zoo("lecture"):
        cases.extend(program_cases(program.name))
    return Suite("lectures", "every lecture program with every method", cases, timeout=20.0)


# Sizes chosen so the default suite stays under three minutes on two cores: the
# expression-building methods stop where they would take seconds (the swell suite
# takes them on to their limit), the tape and finite differences go on.
NETWORK_BASE = {"activation": "tanh", "loss": "squared", "dataset": "regression"}
NETWORK_VARIANTS = (
    {"activation": "relu", "loss": "squared", "dataset": "regression"},
    {"activation": "sigmoid", "loss": "bce", "dataset": "xor"},
    {"activation": "elu", "loss": "softmax-ce", "dataset": "spirals"},
    {"activation": "leaky_relu", "loss": "hinge", "dataset": "ring"},
)
DATA_DEPENDENT = ("halving-loop", "babylonian-sqrt", "piecewise")


def standard_suite():
    cases = list(lectures_suite().cases)
    cases += sweep_cases("mlp", "depth", (1, 2, 3, 4, 5, 6), dict(NETWORK_BASE, width=2), symbolic_up_to=3)
    cases += sweep_cases("mlp", "width", (1, 2, 4, 8, 16, 32, 64), dict(NETWORK_BASE, depth=2), symbolic_up_to=4)
    cheap = [m for m in all_methods() if not on_ladder(m)]
    for variant in NETWORK_VARIANTS:  # activations and losses: accuracy at kinks, not swell
        cases += program_cases("mlp", dict(variant, depth=2, width=3), cheap)
    cases += sweep_cases("logistic-map", "iterations", (1, 2, 3, 4, 5, 6, 7, 8, 10, 12), symbolic_up_to=8)
    cases += sweep_cases("tanh-rnn", "steps", (1, 2, 3, 4, 6, 8), symbolic_up_to=3)
    cases += sweep_cases("unrolled-gd", "steps", (1, 2, 3, 4, 6, 8), symbolic_up_to=1)
    cases += program_cases("linear-svm")
    for name in DATA_DEPENDENT:
        cases += program_cases(name)
    cases += studies.joining("standard")
    return Suite(
        "standard",
        "lecture programs, network families over depth and width, loop programs over iterations",
        cases,
        timeout=10.0,
    )


SWELL_METHODS = ("symbolic", "symbolic-cse", "symbolic-tape", "tape", REFERENCE)


def swell_suite():
    methods = [m for m in SWELL_METHODS if m in all_methods()]
    cases = []
    cases += sweep_cases("mlp", "depth", range(1, 11), dict(NETWORK_BASE, width=3), methods)
    cases += sweep_cases("mlp", "width", (1, 2, 4, 8, 16, 32, 64), dict(NETWORK_BASE, depth=2), methods)
    cases += sweep_cases("logistic-map", "iterations", range(1, 21), None, methods)
    cases += sweep_cases("tanh-rnn", "steps", range(1, 13), None, methods)
    cases += sweep_cases("unrolled-gd", "steps", range(1, 11), None, methods)
    cases += studies.joining("swell")
    return Suite("swell", "symbolic against tape as depth and iterations grow, until symbolic hits the time limit",
                 cases, timeout=30.0)


# --- GradBench ------------------------------------------------------------------------------
# The ``gradbench`` suite: every method on every GradBench problem over a ladder of sizes.
#
# Each problem climbs its own ladder (GMM from d = 2, k = 2 towards the eval's sizes,
# LSTM over layers and characters, BA over cameras, points and observations...). Every
# method, the 50-digit reference included, goes up each ladder on its own: once a size
# hits the time or memory limit, that method skips the larger sizes, so the symbolic
# methods stop where expressions swell and the tape goes on. The report adds ADBench's
# figure, the derivative's time over the objective's, against the number of parameters.
# ``quick=True`` keeps the two smallest sizes of each ladder (one for the symbolic
# methods) and leaves out the slowest methods, for a run of well under a minute.

GRADBENCH = "gradbench"
GRADBENCH_TIMEOUT = 10.0

GRADBENCH_LADDERS = {
    "gmm": [dict(d=d, k=k, n=10) for d, k in ((2, 2), (2, 3), (2, 5), (3, 5), (5, 5), (10, 5), (10, 10), (20, 10))],
    "lse": [dict(n=n) for n in (2, 4, 8, 32, 128, 512, 2500)],
    "llsq": [dict(m=m, n=2 * m) for m in (2, 4, 8, 16, 32, 128)],
    "det": [dict(ell=ell) for ell in (2, 3, 4, 5, 6, 7)],
    "ode": [dict(n=n, s=s) for n, s in ((4, 1), (8, 2), (16, 4), (64, 10), (256, 10), (1000, 10))],
    "lstm": [dict(l=l, c=c) for l, c in ((1, 2), (1, 4), (2, 8), (2, 32), (4, 64), (4, 256))],
    "ba": [dict(n=n, m=m, p=p) for n, m, p in ((1, 1, 1), (1, 2, 2), (2, 3, 5), (4, 8, 16), (8, 16, 64),
                                             (16, 64, 256))],
    "kmeans": [dict(k=k, n=n, d=d) for k, n, d in ((2, 6, 2), (2, 10, 2), (4, 20, 4), (8, 100, 8), (10, 1000, 8),
                                                  (100, 1000, 8))],
    "saddle": [dict(inner=inner) for inner in ("tape", "forward-mode")],
    "particle": [dict(inner=inner) for inner in ("tape", "forward-mode")],
}
# symbolic-tape re-traces the tape's every node as an expression, the slowest route here
GRADBENCH_QUICK_METHODS = [m for m in all_methods()
                           if m not in ("symbolic-tape", "symbolic-cse", "reference-check", "fd-richardson", "fd-forward")]
GRADBENCH_NESTED = ("saddle", "particle")
GRADBENCH_QUICK_RUNGS = 2  # sizes per ladder in the quick suite; the symbolic methods take the smallest only


def gradbench_cases(ladders=None, methods=None, rungs=None, symbolic_rungs=None):
    """One case per problem, size and method; each (problem, method) is one ladder.

    ``rungs`` keeps that many sizes of each ladder (all by default), ``symbolic_rungs``
    fewer for the methods that build expressions.
    """
    chosen = methods or all_methods()
    result = []
    for name, sizes in (ladders or GRADBENCH_LADDERS).items():
        for method in chosen:
            ladder = f"{GRADBENCH}:{name}:{_settings_label(sizes[0])}/{method}"
            kept = symbolic_rungs if symbolic_rungs is not None and on_ladder(method) else rungs
            for rung, settings in enumerate(sizes[:kept]):
                result.append(Case(name, method, dict(settings), ladder=ladder, rung=rung))
    return result


def gradbench_suite(quick=False):
    """GradBench's problems up their ladders of sizes, every method; ``quick``: the smallest
    sizes and the cheaper methods, well under a minute."""
    if quick:
        nested = {name: GRADBENCH_LADDERS[name][:1] for name in GRADBENCH_NESTED}  # their loops are the slow part
        plain = {name: sizes for name, sizes in GRADBENCH_LADDERS.items() if name not in GRADBENCH_NESTED}
        cases = (gradbench_cases(plain, GRADBENCH_QUICK_METHODS, GRADBENCH_QUICK_RUNGS, symbolic_rungs=1)
                 + gradbench_cases(nested, GRADBENCH_QUICK_METHODS))
        return Suite(f"{GRADBENCH}-quick", "GradBench's problems at their smallest sizes, the cheaper methods", cases,
                     timeout=GRADBENCH_TIMEOUT)
    return Suite(GRADBENCH, "every method on GradBench's problems over ladders of sizes, with ADBench's cost ratio",
                 gradbench_cases(), timeout=GRADBENCH_TIMEOUT)


DEFAULT = "standard"


def builtin_suites():
    """``{name: builder}`` of the built-in suites: the harness's own, then the studies' own."""
    return {"lectures": lectures_suite, "standard": standard_suite, "swell": swell_suite, GRADBENCH: gradbench_suite,
            **studies.own_suites()}


def suite_names():
    return list(builtin_suites())


def builtin_limits():
    """``{name: (timeout, memory_mb)}`` of every built-in suite, read from the suites
    themselves (building one costs milliseconds), so help texts cannot drift from them."""
    limits = {}
    for name, build in builtin_suites().items():
        suite = build()
        limits[name] = (suite.timeout, suite.memory_mb)
    return limits


def load_suite(name=DEFAULT):
    """A built-in suite by name, or a user's suite from a module path or .py file.

    A user suite's mistakes (a syntax error, an unknown method, a plain function in
    PROGRAMS) are InputErrors raised here, before any case runs.
    """
    builtin = builtin_suites()
    if name in builtin:
        return builtin[name]()
    module = load_module(name, builtin)
    if hasattr(module, "suite"):
        suite = call_user_code(module.suite, f"suite() of suite {name}", module)
        if not isinstance(suite, Suite):
            raise errors.InputError(f"suite() of suite {name} must return a diffkit.harness.suites.Suite, "
                                    f"got a {type(suite).__name__}")
        check_methods({c.method for c in suite.cases if c.kind == "gradient"}, f" (in the cases of suite {name})")
        return suite
    methods = _module_methods(module, name)
    cases = []
    programs = module_programs(module)
    _refuse_programs_sharing_a_name(programs, name)
    for program in programs:
        cases.extend(program_cases(program.name, program.settings, methods, source=name))
    return Suite(
        check_suite_name(getattr(module, "NAME", _suite_name(name)), f" (NAME of suite {name})"),
        (module.__doc__ or "a user suite").strip().splitlines()[0].rstrip("."),
        cases,
        timeout=positive_limit(getattr(module, "TIMEOUT", DEFAULT_TIMEOUT), f"TIMEOUT of suite {name}", "seconds"),
        memory_mb=positive_limit(getattr(module, "MEMORY_MB", DEFAULT_MEMORY_MB), f"MEMORY_MB of suite {name}",
                                 "megabytes"),
    )


def _refuse_programs_sharing_a_name(programs, name):
    """An InputError for two different programs of one name and the same settings: the results
    database keeps one row per program and method, so one would silently replace the other. The
    same program listed twice (one function at equal example arguments) runs once, as before."""
    first = {}
    for program in programs:
        key = (program.name, canonical_json(program.settings) if program.settings else "")
        earlier = first.setdefault(key, program)
        if earlier is not program and not _same_program(earlier, program):
            raise errors.InputError(
                f"suite {name} holds two different programs named {program.name!r}"
                f"{' with the same settings' if program.settings else ''}, and the results would keep only one: "
                "give each its own name (Program(name, ...))"
            )


def _same_program(a, b):
    """One function (or one code) at equal example arguments."""
    code_a, code_b = getattr(a.function, "__code__", a.function), getattr(b.function, "__code__", b.function)
    if code_a is not code_b:
        return False
    leaves_a, tree_a = flatten(a.args)
    leaves_b, tree_b = flatten(b.args)
    return tree_a == tree_b and all(
        type(x) is type(y) and np.array_equal(x, y) if isinstance(x, np.ndarray) else _equal(x, y)
        for x, y in zip(leaves_a, leaves_b)
    )


def _equal(x, y):
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001  (a value without a plain truth: taken as different)
        return False


def _module_methods(module, name):
    """The suite module's METHODS (default: every method), checked, with the reference first."""
    methods = getattr(module, "METHODS", None) or all_methods()
    if isinstance(methods, str):
        raise errors.InputError(f"METHODS of suite {name} must be a list of method names, "
                                f"e.g. METHODS = [{methods!r}]")
    methods = list(methods)
    check_methods(methods, f" (in METHODS of suite {name})")
    if REFERENCE not in methods:
        methods.insert(0, REFERENCE)
    return methods


def _suite_name(path):
    """``my_suite`` for ``pkg.my_suite`` or ``dir/my_suite.py`` (``my-suite`` for ``my suite.py``)."""
    name = Path(path).stem if path.endswith(".py") else path.rsplit(".", 1)[-1]
    return re.sub(r"[^\w.-]+", "-", name).lstrip(".-") or "suite"
