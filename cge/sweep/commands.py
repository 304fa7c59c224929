"""``cge sweep SWEEP.yaml --out DIR`` and ``cge sweep-summary DIR`` (registered in :mod:`cge.cli`)."""

from __future__ import annotations

import argparse
import sys
import time


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (argparse's ``float`` takes ``nan`` and ``inf``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive, finite number of seconds")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", help="sweep YAML file (base scenario, designs/grid, ssa)")
    p.add_argument("--out", required=True, help="output folder; re-running resumes where it stopped")
    p.add_argument("--data", help="benchmark folder (default: the sweep file's dataset, else the shipped WIOD 2011)")
    p.add_argument("--synthetic", metavar="RxJ[:SEED]", help="use a random balanced benchmark instead")
    p.add_argument("--workers", type=int, default=None,
                   help="local Dask worker processes (default: one per CPU; 0 = in-process, no Dask)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--route", default="auto", choices=["auto", "casadi", "ipopt", "pounce"],
                   help="solver route (see `cge info`)")
    p.add_argument("--connect-timeout", type=_seconds, default=5.0, help="seconds to wait for --scheduler (default 5)")
    # --force and --wait are added by cge.cli, as for every command that writes a folder


def cmd_sweep(args) -> int:
    from pathlib import Path

    from cge.data.datasets import default_dataset_path, load_benchmark
    from cge.errors import EXIT_INCOMPLETE, EXIT_OK, CGEError
    from cge.sweep.execute import run_sweep
    from cge.sweep.spec import load_sweep, plan_points

    t0 = time.perf_counter()
    spec = load_sweep(args.sweep)
    if args.scheduler and args.workers is not None:
        raise CGEError("--workers and --scheduler exclude each other: a scheduler brings its own workers")
    if spec.dataset and not args.data and not args.synthetic:
        args.data = spec.dataset
    b, label = load_benchmark(args.data, args.synthetic)
    folder = None if args.synthetic else (Path(args.data) if args.data else default_dataset_path())
    points = plan_points(spec, b, folder if folder is not None and folder.is_dir() else None)  # all checked now
    synthetic = " [SYNTHETIC DATA]" if b.metadata.get("synthetic") else ""
    print(f"dataset: {label}{synthetic} — {len(b.regions)} regions x {len(b.sectors)} sectors")
    n_designs = len(dict.fromkeys(p.design for p in points))
    ssa = f", SSA {spec.ssa.design} with {len(spec.ssa.parameters)} parameter(s)" if spec.ssa else ""
    if spec.path is not None:
        years = points[0].definition["years"] if points else []
        ssa = (f", each the path {years[0]}–{years[-1]} ({len(years)} years)" if years else "") + \
              (f" with the designs of {spec.path.scenarios}" if spec.path.scenarios else ", baseline only")
    print(f"sweep: {args.sweep} — {n_designs} design(s), {len(points)} points{ssa}")
    run = run_sweep(spec, b, args.out, workers=args.workers, scheduler=args.scheduler, route=args.route,
                    dataset_label=label, connect_timeout_s=args.connect_timeout, points=points,
                    force=args.force, wait=args.wait, inputs=[args.sweep, None if args.synthetic else args.data])
    if run.solved == 0 and run.already_done == run.total:
        print(f"nothing to do: all {run.total} points are already in {args.out}")
    else:
        print(f"solved {run.solved} points ({run.failed} failed) in {time.perf_counter() - t0:.1f} s; "
              f"{run.already_done} were already done")
    tables = ("path_points.csv, path_bands.csv, summary.md" if spec.path is not None else
              "points.parquet, summary_stats.csv, summary.md/.tex/.xlsx")
    print(f"wrote {args.out}/ (parts/*.parquet + manifest.jsonl, {tables}, failed.csv, sweep.log)")
    return EXIT_OK if run.lost == 0 else EXIT_INCOMPLETE


def add_summary_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", help="a sweep output folder")
    p.add_argument("--wait", action="store_true", help="wait for a sweep still writing to DIR instead of stopping")


def cmd_sweep_summary(args) -> int:
    from pathlib import Path

    import pandas as pd

    from cge.errors import EXIT_INCOMPLETE, EXIT_OK, CGEError
    from cge.io.outdir import LOCK_SUFFIX, FolderLock
    from cge.sweep.execute import summary_writer
    from cge.sweep.summary import missing_points, open_sweep, quarantined_partitions

    if not Path(args.dir).is_dir():
        raise CGEError(f"{args.dir}: not a sweep folder (it does not exist); run `cge sweep` first")
    with FolderLock(Path(args.dir) / LOCK_SUFFIX, args.dir, args.wait):   # one writer at a time
        opened = open_sweep(args.dir)
        stats = summary_writer(opened[1].get("kind", "scenario"))(opened)
        missing, total = missing_points(opened)
        quarantined = quarantined_partitions(opened)
    path = opened[1].get("kind") == "path"
    with pd.option_context("display.width", 200, "display.max_rows", 60, "display.float_format", "{:.3f}".format):
        world = stats[stats["region"] == "ALL"]
        if path:
            from cge.sweep.path_bands import HEADLINE

            world = world[world["measure"].isin(HEADLINE)]
        print(world.to_string(index=False) if len(world) else "no solved points")
    written = ("path_points.csv, path_bands.csv, summary.md" if path else
               "summary_stats.csv, summary.md, summary.tex, summary.xlsx, points.parquet")
    print(f"\nwrote {args.dir}/{written}, failed.csv")
    if not missing:
        return EXIT_OK
    damaged = (f"; partitions moved aside: {', '.join(f'quarantine/{q}' for q in quarantined)}"
               if quarantined else "")
    print(f"warning: {args.dir}: the summary is INCOMPLETE, {missing} of {total} points are missing (not solved "
          f"or stored){damaged}; run `cge sweep` on this folder again to solve them", file=sys.stderr)
    return EXIT_INCOMPLETE
