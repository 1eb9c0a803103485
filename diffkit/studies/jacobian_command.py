"""``diffkit jacobian-report``: the Jacobian study's own command (the study declares it).

It runs the study's cases through the harness and writes the study's page, which is
what ``diffkit report --suite jacobian`` writes too; it adds ``--quick`` (small sizes),
``--from-data`` (rewrite the page from ``data.json``) and runs the cases in this process
unless ``--harness`` asks for isolated workers.
"""

import sys
from pathlib import Path

from .. import errors

COMMAND = "jacobian-report"
HELP = "cost of forward vs reverse mode against n and m, Hessian accuracy and cost, symbolic-tape swell"


def add_arguments(parser):
    parser.add_argument("--out", default="reports/jacobian",
                        help="folder for index.md, PNGs, data.json and results.sqlite")
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run, seconds)")
    parser.add_argument(
        "--from-data", action="store_true", help="rewrite the report from OUT/data.json without measuring"
    )
    parser.add_argument(
        "--harness",
        action="store_true",
        help="run each measurement in an isolated harness worker (time and memory limits) instead of "
        "one after another in this process (time limit only)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="harness workers (default: the harness's)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the cases already in OUT/results.sqlite and run the rest")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the cases OUT/results.sqlite holds and run every case")


def _check(args):
    if args.jobs is not None and args.jobs < 1:
        raise errors.InputError(f"--jobs must be at least 1, got {args.jobs}")


def _from_data(out):
    from .jacobian_report import read_data, write_report

    if not (out / "data.json").exists():
        raise errors.InputError(
            f"{out}/data.json does not exist; run `diffkit jacobian-report` without --from-data first"
        )
    return write_report(read_data(out), out)


def _measure(args, out):
    """Run the study's cases into OUT/results.sqlite and write its page; return index.md."""
    from ..harness import build_report, run_suite
    from .jacobian_suite import suite

    run_suite(suite(quick=args.quick), out, jobs=args.jobs, resume=args.resume, fresh=args.fresh,
              in_process=not args.harness).close()
    return build_report(out)[0]


def _print_unfinished(out):
    """One line per case that did not finish, as the page lists them."""
    import json

    for row in json.loads((out / "data.json").read_text()).get("not_finished", []):
        print(f"{row['study']} {row['settings']} failed: {row['reason'][:200]}")


def run(args):
    _check(args)
    out = Path(args.out)
    if args.from_data:
        index = _from_data(out)
    else:
        try:
            index = _measure(args, out)
        except KeyboardInterrupt:
            print(f"diffkit: the finished cases are kept in {out / 'results.sqlite'}; add --resume to the same "
                  "command to run only the rest", file=sys.stderr)
            raise
        _print_unfinished(out)
    print(f"wrote {index}")
    return 0
