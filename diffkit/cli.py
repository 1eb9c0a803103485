"""The ``diffkit`` command line. Each subcommand lives in its own module, which defines
``COMMAND``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> exit code``: the
modules of :mod:`diffkit.commands`, then those the registered studies bring
(:attr:`diffkit.harness.studies.Study.command`).
"""

import argparse
import importlib
import pkgutil
import sys
import warnings

from . import commands
from .errors import DiffkitError, UnreadableResultWarning


def _command_modules():
    from .harness.studies import studies

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            yield module
    for study in studies():
        if study.command:
            yield importlib.import_module(study.command)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="diffkit",
        description="Compare ways to differentiate the same computation.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            warnings.simplefilter("always", UnreadableResultWarning)
            return args.run(args) or 0
    except DiffkitError as exc:
        print(f"diffkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("diffkit: interrupted", file=sys.stderr)
        return 130


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """diffkit's own warnings as one line each, without the source line Python would add."""
    if issubclass(category, UnreadableResultWarning):
        print(f"diffkit: warning: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


if __name__ == "__main__":
    sys.exit(main())
