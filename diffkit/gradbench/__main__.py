"""``python -m diffkit.gradbench [--method NAME]``: serve GradBench's protocol on stdin/stdout."""

import argparse
import sys

from .protocol import serve


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m diffkit.gradbench", description=__doc__)
    parser.add_argument("--method", default="tape",
                        help="diffkit method for gradients and Jacobians (default: tape)")
    args = parser.parse_args(argv)
    return serve(sys.stdin, sys.stdout, method=args.method)


if __name__ == "__main__":
    sys.exit(main())
