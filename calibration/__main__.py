"""Command line: ``python -m calibration build [--shared DIR] [--out DIR]`` and
``python -m calibration report DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    from cge.runtime.pyomo_compat import defer_pyomo_scipy_finaliser

    defer_pyomo_scipy_finaliser()  # before anything imports scipy (cge/runtime/pyomo_compat.py)
    from calibration.build import DEFAULT_OUT, DEFAULT_SHARED

    p = argparse.ArgumentParser(prog="python -m calibration", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the default benchmark from shared/data")
    b.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help=f"shared data folder ({DEFAULT_SHARED})")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder ({DEFAULT_OUT})")
    b.add_argument("--force", action="store_true", help="replace whatever is at --out (never an input)")
    b.add_argument("--year", type=int, default=None, help="year (default: the aggregation file's)")
    b.add_argument("--aggregation", type=Path, default=None,
                   help="aggregation YAML (default: examples/aggregations/default.yaml)")
    r = sub.add_parser("report", help="print the data report of a built benchmark")
    r.add_argument("folder", type=Path)
    for q in (p, b, r):
        q.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    args = p.parse_args(argv)

    def command(args) -> int:
        if args.command == "build":
            from calibration.build import DEFAULT_AGGREGATION, BuildConfig, run

            run(BuildConfig(shared=args.shared, out=args.out, year=args.year, force=args.force,
                            aggregation=args.aggregation or DEFAULT_AGGREGATION))
        else:
            from calibration.report import text
            from cge.data.benchmark import read_benchmark

            print(text(read_benchmark(args.folder)))
        return 0

    from cge.errors import run_guarded  # one error path and exit-code convention with `cge`

    return run_guarded(command, args, getattr(args, "debug", False))


if __name__ == "__main__":
    sys.exit(main())
