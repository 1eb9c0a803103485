"""``diffkit list``: the suites, studies, programs and methods the report command can run."""

COMMAND = "list"
HELP = "list the suites, the studies, the zoo's programs and the differentiation methods"


def add_arguments(parser):
    parser.add_argument("what", nargs="?", choices=("suites", "studies", "programs", "methods"), default=None,
                        help="list only this (default: everything)")


def _suites():
    from ..harness.suites import DEFAULT, builtin_suites

    print("suites:")
    for name, build in builtin_suites().items():
        suite = build()
        default = " (default)" if name == DEFAULT else ""
        print(f"  {name:<10} {len(suite.cases):>4} cases, {suite.timeout:g} s per case{default}: {suite.description}")
    print("  <module>   a user suite: a module path or .py file defining PROGRAMS (see README)")


def _studies():
    from ..harness.studies import studies

    print("studies:")
    for study in studies():
        joins = f" (in {', '.join(study.joins)})" if study.joins else ""
        own = " (a suite of its own)" if study.suite else ""
        print(f"  {study.name:<10} {study.description}{joins}{own}")


def _programs():
    from ..programs import zoo

    print("programs:")
    for program in zoo():
        tags = program.tags
        print(f"  {program.name:<28} {tags['family']:<9} {tags['params']:>5} params  depth {tags['depth']:<3} "
              f"{tags['control_flow']:<15} {_shorten(program.description)}")


def _shorten(text, limit=90):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _methods():
    from ..harness.cases import REFERENCE, REFERENCE_CHECK
    from ..methods import get_method, method_names

    print("methods:")
    for name in method_names():
        print(f"  {name:<15} {get_method(name).summary}")
    print(f"  {REFERENCE:<15} (always run) the tape over 50-digit numbers: the accuracy reference")
    print(f"  {REFERENCE_CHECK:<15} SymPy's derivative evaluated by mpmath at 50 digits: cross-checks it")


def run(args):
    sections = {"suites": _suites, "studies": _studies, "programs": _programs, "methods": _methods}
    for name, show in sections.items():
        if args.what in (None, name):
            show()
    return 0
