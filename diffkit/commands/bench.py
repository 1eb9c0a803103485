"""``diffkit bench``: time a gradient by every method and peer; write reports/bench/."""

import sys
from pathlib import Path

from .. import errors

COMMAND = "bench"
HELP = "benchmark the tape against a hand-written backward pass and peer libraries"


def add_arguments(parser):
    parser.add_argument("--out", default="reports/bench", help="report directory (default: reports/bench)")
    parser.add_argument("--quick", action="store_true", help="small configurations, few repeats (under a minute)")
    parser.add_argument("--peers", nargs="*", default=None, metavar="PEER", help="peers to try (default: all known)")
    parser.add_argument("--threads", type=int, default=1, help="threads per library (default 1)")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: CPU time of this process (default; robust on a shared machine), wall: elapsed time",
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="do not measure: rewrite the README's benchmark section from OUT/results.json",
    )
    parser.add_argument("--readme", default="README.md", help="README to update (default: README.md)")
    parser.add_argument(
        "--report-only", action="store_true", help="do not measure: rebuild OUT/index.md from OUT/results.json"
    )


def _load(out):
    from ..bench.report import RESULTS_FILE, load_results

    path = Path(out) / RESULTS_FILE
    if not path.exists():
        raise errors.InputError(f"{path} does not exist: run `diffkit bench --out {out}` first")
    return load_results(out)


def run(args):
    from ..bench import readme, report, suite

    if args.threads < 1:
        raise errors.InputError(f"--threads must be at least 1, got {args.threads}")
    if args.update_readme:
        path = readme.update_readme(args.readme, _load(args.out))
        print(f"updated the benchmark section of {path}")
        return 0
    if args.report_only:
        index = report.write_report(_load(args.out), args.out)
        print(f"rebuilt {index}")
        return 0
    settings = suite.Settings.quick_run() if args.quick else suite.Settings.full()
    results = suite.run(settings, peer_names=args.peers, threads=args.threads, clock=args.clock)
    index = report.write_report(results, args.out)
    missing = [p["name"] for p in results["peers"] if not p["available"]]
    if missing:
        print(f"peers missing (left out): {', '.join(missing)}", file=sys.stderr)
    print(f"wrote {index}")
    return 0
