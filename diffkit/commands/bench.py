"""``diffkit bench``: time a gradient by every method and peer; write reports/bench/."""

import sys
from pathlib import Path

from .. import errors

COMMAND = "bench"
HELP = "benchmark the tape against a hand-written backward pass and peer libraries"


SUITES = {"mlp": "reports/bench", "gradbench": "reports/gradbench/bench"}


def add_arguments(parser):
    parser.add_argument("--suite", choices=tuple(SUITES), default="mlp",
                        help="mlp: MLPs, finite differences, symbolic and the scalar program (default); gradbench: "
                             "GradBench's GMM and LSTM against the peers, ADBench's gradient/objective ratio")
    parser.add_argument("--out", default=None,
                        help="report directory (default: reports/bench, or reports/gradbench/bench for --suite gradbench)")
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


def _load(out, report=None, suite="mlp"):
    """The stored results in ``out``, read by ``report``'s loader (the MLP benchmark's by default);
    a missing file names the command that writes it, ``--suite`` included."""
    from ..bench import report as mlp_report
    from ..bench.report import RESULTS_FILE

    path = Path(out) / RESULTS_FILE
    if not path.exists():
        command = "diffkit bench" + (f" --suite {suite}" if suite != "mlp" else "")
        raise errors.InputError(f"{path} does not exist: run `{command} --out {out}` first")
    return (report or mlp_report).load_results(out)


def _measure_and_write(args, measurements, report):
    """Run ``measurements`` (a module with Settings and run) and write its report."""
    if args.report_only:
        print(f"rebuilt {report.write_report(_load(args.out, report, args.suite), args.out)}")
        return 0
    from ..harness.database import make_folder

    make_folder(args.out)  # before minutes of measuring, not after
    settings = measurements.Settings.quick_run() if args.quick else measurements.Settings.full()
    results = measurements.run(settings, peer_names=args.peers, threads=args.threads, clock=args.clock)
    index = report.write_report(results, args.out)
    missing = [p["name"] for p in results["peers"] if not p["available"]]
    if missing:
        print(f"peers missing (left out): {', '.join(missing)}", file=sys.stderr)
    print(f"wrote {index}")
    return 0


def run(args):
    from ..bench import gradbench, gradbench_report, peers, readme, report, suite

    if args.threads < 1:
        raise errors.InputError(f"--threads must be at least 1, got {args.threads}")
    known = [peer.name for peer in peers.PEERS]
    for name in args.peers or ():
        if name not in known:  # before minutes of measuring, which would list it as "not installed"
            raise errors.InputError(
                f"--peers: no peer named {name!r}{errors.did_you_mean(name, known)}; the peers are: {', '.join(known)}"
            )
    args.out = args.out or SUITES[args.suite]
    if args.suite == "gradbench":
        if args.update_readme:
            raise errors.InputError("--update-readme writes the MLP benchmark's section; run it without "
                                    "--suite gradbench")
        return _measure_and_write(args, gradbench, gradbench_report)
    if args.update_readme:
        path = readme.update_readme(args.readme, _load(args.out))
        print(f"updated the benchmark section of {path}")
        return 0
    return _measure_and_write(args, suite, report)
