"""``diffkit list``: the suites, studies, programs and methods the report command can run.

Each list is a text table (:func:`diffkit.report.text.table`), so its columns line up
whatever the length of a name.
"""

COMMAND = "list"
HELP = "list the suites, the studies, the zoo's programs and the differentiation methods"


def add_arguments(parser):
    parser.add_argument("what", nargs="?", choices=("suites", "studies", "programs", "methods"), default=None,
                        help="list only this (default: everything)")


def count(number, noun, plural=None):
    """``1 parameter``, ``3 parameters``."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _print(title, rows):
    from ..report.text import table

    print(f"{title}:")
    for line in table([""] * len(rows[0]), rows, indent="  ", rule=False)[1:]:
        print(line)


def _suites():
    from ..harness.suites import DEFAULT, builtin_suites

    rows = []
    for name, build in builtin_suites().items():
        suite = build()
        default = " (default)" if name == DEFAULT else ""
        rows.append([name, count(len(suite.cases), "case"), f"{suite.timeout:g} s per case{default}",
                     suite.description])
    rows.append(["<module>", "", "", "a user suite: a module path or .py file defining PROGRAMS (see README)"])
    _print("suites", rows)


def _studies():
    from ..harness.studies import studies

    rows = []
    for study in studies():
        joins = f" (in {', '.join(study.joins)})" if study.joins else ""
        own = " (a suite of its own)" if study.suite else ""
        rows.append([study.name, f"{study.description}{joins}{own}"])
    _print("studies", rows)


def _programs():
    from ..programs import zoo

    rows = []
    for program in zoo():
        tags = program.tags
        rows.append([program.name, tags["family"], count(tags["params"], "parameter"), f"depth {tags['depth']}",
                     tags["control_flow"], _shorten(program.description)])
    _print("programs", rows)


def _shorten(text, limit=90):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _methods():
    from ..harness.cases import REFERENCE, REFERENCE_CHECK
    from ..methods import get_method, method_names

    rows = [[name, get_method(name).summary] for name in method_names()]
    rows.append([REFERENCE, "(always run) the tape over 50-digit numbers: the accuracy reference"])
    rows.append([REFERENCE_CHECK, "SymPy's derivative evaluated by mpmath at 50 digits: cross-checks it"])
    _print("methods", rows)


def run(args):
    sections = {"suites": _suites, "studies": _studies, "programs": _programs, "methods": _methods}
    for name, show in sections.items():
        if args.what in (None, name):
            show()
    return 0
