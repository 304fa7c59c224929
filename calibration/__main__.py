"""Command line: ``python -m calibration build [--shared DIR] [--out DIR]`` and
``python -m calibration report DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cge.errors import CGEError


def main(argv=None) -> int:
    from calibration.build import DEFAULT_OUT, DEFAULT_SHARED

    p = argparse.ArgumentParser(prog="python -m calibration", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the default benchmark from shared/data")
    b.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help=f"shared data folder ({DEFAULT_SHARED})")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder ({DEFAULT_OUT})")
    b.add_argument("--year", type=int, default=None, help="year (default: the aggregation file's)")
    b.add_argument("--aggregation", type=Path, default=None,
                   help="aggregation YAML (default: examples/aggregations/default.yaml)")
    r = sub.add_parser("report", help="print the data report of a built benchmark")
    r.add_argument("folder", type=Path)
    args = p.parse_args(argv)
    try:
        if args.command == "build":
            from calibration.build import DEFAULT_AGGREGATION, BuildConfig, run

            run(BuildConfig(shared=args.shared, out=args.out, year=args.year,
                            aggregation=args.aggregation or DEFAULT_AGGREGATION))
        else:
            from calibration.report import text
            from cge.benchmark import read_benchmark

            print(text(read_benchmark(args.folder)))
    except CGEError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
