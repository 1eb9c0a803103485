"""One case of a suite: a program (by name and builder settings), a method and its options.

A case is plain data, so it can be sent to a worker process and stored in the results
database; the worker rebuilds the program from its name and settings. Programs come
from the zoo (``source="zoo"``) or from a user's suite module (``source`` is its module
path or file). Besides differentiation methods, two pseudo-methods compute the
high-precision reference ("reference", "reference-check"), and ``kind="study"`` cases
run one part of a registered study (see :mod:`diffkit.harness.studies`).
"""

import importlib
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import errors
from ..core.frames import call_user_code, import_failure

REFERENCE = "reference"
REFERENCE_CHECK = "reference-check"
PSEUDO_METHODS = (REFERENCE, REFERENCE_CHECK)


def canonical_json(value):
    """JSON with sorted keys and no spaces: the same settings always give the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass
class Case:
    """A program x method x settings; ``ladder``/``rung`` order a growing sweep.

    Cases on the same ladder run one after another in order of ``rung``; once a rung
    hits a limit (timeout, memory, too-large), the larger rungs are recorded as
    ``skipped`` instead of being run, since they would only hit it again, later.
    """

    program: str
    method: str
    settings: dict = field(default_factory=dict)
    source: str = "zoo"
    options: dict = field(default_factory=dict)
    kind: str = "gradient"  # "gradient" or "study"
    ladder: str = ""
    rung: int = 0

    @property
    def program_key(self):
        """The program with its settings, e.g. ``mlp{"depth":2}``: shared by its methods."""
        settings = canonical_json(self.settings) if self.settings else ""
        return f"{self.program}{settings}"

    @property
    def id(self):
        options = canonical_json(self.options) if self.options else ""
        return f"{self.program_key}/{self.method}{options}"

    def to_dict(self):
        return {
            "program": self.program,
            "method": self.method,
            "settings": self.settings,
            "source": self.source,
            "options": self.options,
            "kind": self.kind,
            "ladder": self.ladder,
            "rung": self.rung,
        }


def resolve_program(case):
    """Build the case's Program: from the zoo, or from the user's suite module."""
    if case.source == "zoo":
        from ..programs import get_program

        return get_program(case.program, **case.settings)
    from ..programs import get_program as zoo_get_program

    module = load_module(case.source)
    own = getattr(module, "get_program", None)
    if own is not None and own is not zoo_get_program:  # the module's own; diffkit's, imported, is not
        return own(case.program, **case.settings)
    if not (hasattr(module, "programs") or hasattr(module, "PROGRAMS")):  # a suite() of the zoo's programs
        return zoo_get_program(case.program, **case.settings)
    wanted = canonical_json(case.settings)
    for program in module_programs(module):
        if program.name == case.program and canonical_json(program.settings) == wanted:
            return program
    raise errors.InputError(
        f"suite module {case.source} has no program named {case.program!r} with settings {wanted}"
    )


def module_programs(module):
    """The programs a user's suite module declares, as ``programs()`` or ``PROGRAMS``.

    Each must be a diffkit :class:`~diffkit.programs.Program`: a plain function has no
    example arguments to differentiate at, so it is refused with the way to wrap it.
    """
    from ..programs import Program

    label = module_label(module)
    if hasattr(module, "programs"):
        where = "programs()"
        declared = call_user_code(module.programs, f"programs() of suite {label}", module)
    elif hasattr(module, "PROGRAMS"):
        where, declared = "PROGRAMS", module.PROGRAMS
    else:
        raise errors.InputError(
            f"suite module {label} declares no programs: define PROGRAMS (a list of "
            "diffkit Program objects) or a function programs() returning one"
        )
    try:
        declared = list(declared)
    except TypeError:
        raise errors.InputError(
            f"{where} of suite {label} must be a list of diffkit Program objects, got {_describe(declared)}: "
            "list them, e.g. PROGRAMS = [program, ...]"
        ) from None
    for index, program in enumerate(declared):
        if not isinstance(program, Program):
            raise errors.InputError(
                f"{where} of suite {label} must hold diffkit Program objects, but item {index} is "
                f"{_describe(program)}: wrap a function f as Program('f', f, args), args being the example "
                "arguments to differentiate at (from diffkit import Program), or build one with "
                "diffkit.get_program(name, **settings) or a builder registered with @diffkit.register_program"
            )
    seen = {}
    for index, program in enumerate(declared):
        key = (program.name, canonical_json(program.settings))
        if key in seen and _same_code(declared[seen[key]], program):  # the same program twice: one runs
            continue
        if key in seen:
            raise errors.InputError(
                f"{where} of suite {label} has two programs named {program.name!r} with the same settings "
                f"{key[1]} (items {seen[key]} and {index}): a case names its program by both, so one would "
                "never run; give one of them another name"
            )
        seen[key] = index
    return declared


def _same_code(first, second):
    """Whether two programs run the same code (one builder called twice with the same settings)."""
    return getattr(first.function, "__code__", first.function) is getattr(second.function, "__code__", second.function)


def _describe(value):
    """``the function f`` or ``a str ('abc')``: a value named for an error message."""
    if callable(value) and hasattr(value, "__name__"):
        return f"the function {value.__name__}" if not isinstance(value, type) else f"the class {value.__name__}"
    text = repr(value)
    return f"a {type(value).__name__} ({text if len(text) <= 60 else text[:59] + '…'})"


USER_FILE_PREFIX = "diffkit_user_suite_"


def module_label(module):
    """The name a user knows the suite by: its file, or its dotted module path."""
    if module.__name__.startswith(USER_FILE_PREFIX):
        return getattr(module, "__file__", module.__name__)
    return module.__name__


def load_module(path, builtin=()):
    """Import a suite module by dotted name (``mypkg.suite``) or by file (``suite.py``).

    ``builtin`` names the built-in suites, the closest of which a name that is neither
    suggests.

    An exception while importing it (a syntax error included) is an InputError naming
    the file and the line.
    """
    if path.endswith(".py") or "/" in path:
        return _load_file(path)
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name and (path == exc.name or path.startswith(exc.name + ".")):
            raise errors.InputError(
                f"no suite named {path!r}{errors.did_you_mean(path, builtin)}: it is not a built-in suite "
                f"and importing it as a module failed ({exc}). Run 'diffkit list' for the suites, or give a "
                "module path or .py file."
            ) from None
        raise _import_error(path, exc) from None
    except Exception as exc:
        raise _import_error(path, exc) from None


def _load_file(path):
    file = Path(path).resolve()
    if not file.is_file():
        raise errors.InputError(f"suite file {path} does not exist")
    name = f"{USER_FILE_PREFIX}{abs(hash(str(file)))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]  # a later load must not find the half-run module
        raise _import_error(path, exc, file) from None
    return module


def _import_error(path, exc, file=None):
    return errors.InputError(
        f"suite {path} could not be imported: {import_failure(exc, file)}. Fix the suite and run again."
    )
