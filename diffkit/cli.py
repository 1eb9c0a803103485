"""The ``diffkit`` command line. Each subcommand lives in its own module, which defines
``COMMAND``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> exit code``: the
modules of :mod:`diffkit.commands`, then those the registered studies bring
(:attr:`diffkit.harness.studies.Study.command`).
"""

import argparse
import importlib
import pkgutil
import re
import sys
import warnings

from . import commands
from .errors import DiffkitError, UnreadableResultWarning, did_you_mean


def _command_modules():
    from .harness.studies import studies

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            yield module
    for study in studies():
        if study.command:
            yield importlib.import_module(study.command)


INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)$")


class Parser(argparse.ArgumentParser):
    """argparse, with a "did you mean" for a misspelt subcommand or choice (difflib)."""

    def error(self, message):
        found = INVALID_CHOICE.search(message)
        if found:
            choices = re.findall(r"'([^']*)'", found.group(2))
            message += did_you_mean(found.group(1), choices)
        super().error(message)


def unknown_options(parser, extras, command):
    """The error for arguments no parser took: each unknown option with the closest of the
    options its subcommand (or diffkit itself) accepts."""
    sub = _subparsers(parser).get(command, parser)
    options = [o for action in sub._actions for o in action.option_strings]
    flags = [extra for extra in extras if extra.startswith("-")] or extras  # not the value of a misspelt option
    named = [f"{extra!r}{did_you_mean(extra.split('=', 1)[0], options)}" for extra in flags]
    where = f"diffkit {command}" if command else "diffkit"
    return f"{where} has no argument {', '.join(named)}; see 'diffkit {command + ' ' if command else ''}--help'"


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def build_parser():
    from . import __version__

    parser = Parser(
        prog="diffkit",
        description="Compare ways to differentiate the same computation.",
    )
    parser.add_argument("--version", action="version", version=f"diffkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        _subparsers(parser).get(args.command, parser).error(unknown_options(parser, extras, args.command))
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
