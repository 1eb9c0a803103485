"""``diffkit report``: run a suite in isolated workers, store every case, write the report."""

import sys
import time
from pathlib import Path

from ..errors import InputError

COMMAND = "report"
HELP = "run every method on a suite of programs and write a comparison report (Markdown, HTML, PNG)"
DEFAULT_OUT = "reports/{suite}"


def _limits_help():
    """The default time and memory limits for the help texts, read from the suites themselves."""
    from ..harness.suites import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, builtin_limits

    limits = builtin_limits()

    def each(index, unit, fallback, setting):
        values = {limit[index] for limit in limits.values()}
        given = (f"{values.pop():g} {unit} for every built-in suite" if len(values) == 1 else
                 ", ".join(f"{limit[index]:g} {unit} for {name}" for name, limit in limits.items()))
        return f"{given}; a user suite's {setting}, else {fallback:g} {unit}"

    return each(0, "s", DEFAULT_TIMEOUT, "TIMEOUT"), each(1, "MB", DEFAULT_MEMORY_MB, "MEMORY_MB")


def add_arguments(parser):
    from ..harness.measure import MIN_REPEATS, MIN_TIME
    from ..harness.suites import suite_names

    timeouts, memories = _limits_help()
    parser.add_argument("--suite", default="standard", metavar="NAME",
                        help=f"built-in suite ({', '.join(suite_names())}; see 'diffkit list') or a user "
                             "suite as a Python module path or .py file (default: standard)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output folder for results.sqlite, index.md, index.html and plots, created "
                             "if missing; always a folder, even with a dot in its name "
                             "(default: reports/<suite name>)")
    parser.add_argument("--methods", nargs="+", default=None, metavar="METHOD",
                        help="run only these methods (the 50-digit reference always runs; default: all)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="worker processes running cases at once (default: number of CPUs)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in the output folder's database and run only the "
                             "missing cases (after an interrupted run)")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the rows already in the output folder's database and run every case "
                             "(without --resume or --fresh, a folder that holds rows is refused)")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help=f"wall-clock limit per case in seconds (default: {timeouts})")
    parser.add_argument("--memory", type=float, default=None, metavar="MB",
                        help="memory a case may allocate, in MB, beyond the worker's baseline "
                             f"(default: {memories})")
    parser.add_argument("--min-time", type=float, default=None, metavar="S",
                        help="seconds of samples each timing fills (the forward pass and the gradient in "
                             f"interleaved rounds, at least {MIN_REPEATS}; default: {MIN_TIME:g}; 0 takes the "
                             "fewest rounds, for a quick run whose times are rough)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar; print only the report's path")
    parser.add_argument("--from", dest="from_dir", default=None, metavar="DIR",
                        help="rebuild the report in DIR from its results.sqlite alone, running nothing")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run cases on a Dask cluster at this scheduler address (needs the 'dask' "
                             "extra) instead of a local process pool")


def _check(args):
    from ..harness.executor import RESUME_AND_FRESH
    from ..harness.suites import measuring_time, positive_limit

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    if args.timeout is not None:
        positive_limit(args.timeout, "--timeout", "seconds")
    if args.memory is not None:
        positive_limit(args.memory, "--memory", "megabytes")
    if args.min_time is not None:
        measuring_time(args.min_time, "--min-time")
    if args.resume and args.fresh:
        raise InputError(RESUME_AND_FRESH)


def run(args):
    from ..harness import build_report, load_suite, run_suite
    from ..harness.database import make_folder
    from ..harness.lock import FolderLock
    from ..harness.outputs import check_pages

    _check(args)
    if args.from_dir:
        print(_front_page(build_report(Path(args.from_dir))))
        return 0
    suite = load_suite(args.suite)
    if args.methods:
        suite.restrict(args.methods)
    out = Path(args.out or DEFAULT_OUT.format(suite=suite.name))
    started = time.perf_counter()
    with FolderLock(make_folder(out)):  # one lock from the first case to the last page
        check_pages(out)
        try:
            db = run_suite(suite, out, jobs=args.jobs, scheduler=args.scheduler, resume=args.resume,
                           fresh=args.fresh, quiet=args.quiet, timeout=args.timeout, memory_mb=args.memory,
                           min_time=args.min_time)
        except KeyboardInterrupt:
            print(f"diffkit: the finished cases are kept in {out / 'results.sqlite'}; add --resume to the same "
                  "command to run only the rest", file=sys.stderr)
            raise
        db.close()
        written = build_report(out)
    if not args.quiet:
        print(f"{len(suite.cases)} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(_front_page(written))
    return 0


def _front_page(written):
    """The absolute path of index.html (of index.md when a page of a study's own has no HTML)."""
    html = [path for path in written if path.name == "index.html"]
    return Path(html[0] if html else written[0]).resolve()
