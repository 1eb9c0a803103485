"""``python -m diffkit.gradbench [--method NAME]``: serve GradBench's protocol on stdin/stdout."""

import argparse
import sys

from ..errors import DiffkitError
from .protocol import serve


def main(argv=None):
    """Serve until stdin ends; a bad option (an unknown ``--method``) is one ``diffkit: error:``
    line and exit code 2, as the ``diffkit`` command gives."""
    parser = argparse.ArgumentParser(prog="python -m diffkit.gradbench", description=__doc__)
    parser.add_argument("--method", default="tape",
                        help="diffkit method for gradients and Jacobians (default: tape)")
    args = parser.parse_args(argv)
    try:
        return serve(sys.stdin, sys.stdout, method=args.method)
    except DiffkitError as exc:
        print(f"diffkit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
