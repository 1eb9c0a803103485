"""``diffkit jacobian-report``: measure Jacobian and Hessian costs and swell, write the report."""

from pathlib import Path

from .. import errors

COMMAND = "jacobian-report"
HELP = "cost of forward vs reverse mode against n and m, Hessian accuracy and cost, symbolic-tape swell"


def add_arguments(parser):
    parser.add_argument("--out", default="reports/jacobian", help="folder for index.md, PNGs and data.json")
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run, seconds)")
    parser.add_argument(
        "--from-data", action="store_true", help="rewrite the report from OUT/data.json without measuring"
    )
    parser.add_argument(
        "--harness",
        action="store_true",
        help="run each measurement as an isolated harness case (time and memory limits, results in "
        "OUT/results.sqlite) instead of in this process",
    )
    parser.add_argument("--jobs", type=int, default=None, help="harness workers (default: the harness's)")
    parser.add_argument("--resume", action="store_true", help="with --harness: keep finished cases, run the rest")
    parser.add_argument("--fresh", action="store_true",
                        help="with --harness: delete the cases OUT/results.sqlite holds and run every case")


def _run_with_harness(args):
    from ..harness import run_suite
    from ..studies.jacobian_suite import suite, write_report_from_database

    run_suite(suite(quick=args.quick), Path(args.out), jobs=args.jobs, resume=args.resume,
              fresh=args.fresh).close()
    return write_report_from_database(args.out)


def _check(args):
    if args.jobs is not None and args.jobs < 1:
        raise errors.InputError(f"--jobs must be at least 1, got {args.jobs}")


def run(args):
    from ..studies.jacobian_report import read_data, write_report
    from ..studies.jacobian_study import run_all

    _check(args)
    if args.from_data:
        if not (Path(args.out) / "data.json").exists():
            raise errors.InputError(
                f"{args.out}/data.json does not exist; run `diffkit jacobian-report` without --from-data first"
            )
        index = write_report(read_data(args.out), args.out)
    elif args.harness:
        index = _run_with_harness(args)
    else:
        index = write_report(run_all(quick=args.quick), args.out)
    print(f"wrote {index}")
    return 0
