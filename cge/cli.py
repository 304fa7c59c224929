"""Command line: ``cge compare``, ``cge info``, ``cge validate``, ``cge gtap-import``, ``cge gtap-export``.

Errors a user can act on (bad data, bad scenario, failed solve) print one message naming the
file, cell or key and exit non-zero, with no traceback and no partial output.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from importlib import resources
from pathlib import Path

from cge.errors import CGEError

DEFAULT_DATASET = "wiod2011"


def default_dataset_path() -> Path:
    """``$CGE_DATA`` if set, else ``data/wiod2011`` in the source tree the package runs from."""
    env = os.environ.get("CGE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "data" / DEFAULT_DATASET


def default_scenarios_path() -> Path:
    with resources.as_file(resources.files("cge") / "scenarios" / "core.yaml") as p:
        return Path(p)


def _load_benchmark(args):
    from cge.synthetic import random_benchmark

    if args.synthetic:
        try:
            size, _, seed = args.synthetic.partition(":")
            n_r, n_j = (int(x) for x in size.lower().split("x"))
            seed = int(seed or 0)
        except ValueError:
            raise CGEError(f"--synthetic {args.synthetic!r}: expected REGIONSxSECTORS[:SEED], e.g. 5x8:0") from None
        return random_benchmark(n_r, n_j, seed), f"synthetic {n_r}x{n_j} (seed {seed})"
    path = Path(args.data) if args.data else default_dataset_path()
    if not args.data and not path.exists():
        print(f"note: default dataset {path} not found; running on a SYNTHETIC 5x8 benchmark", file=sys.stderr)
        return random_benchmark(5, 8, 0), "synthetic 5x8 (seed 0): default dataset not built"
    return _read_dataset(path), str(path)


def _read_dataset(path: Path):
    """A benchmark folder, or a GTAPinGAMS ``.gdx`` file (read through :mod:`cge.gtap`)."""
    from cge.benchmark import read_benchmark

    if path.suffix.lower() == ".gdx":
        from cge.gtap import read_gtap

        return read_gtap(path)
    return read_benchmark(path)


def cmd_compare(args) -> int:
    import pandas as pd

    from cge.output import write_results
    from cge.run import run_scenarios
    from cge.scenario import load_scenarios

    t0 = time.perf_counter()
    scen_path = Path(args.scenarios) if args.scenarios else default_scenarios_path()
    scenarios = load_scenarios(scen_path)
    b, label = _load_benchmark(args)
    synthetic = bool(b.metadata.get("synthetic"))
    print(f"dataset: {label}{' [SYNTHETIC DATA]' if synthetic else ''} — {len(b.regions)} regions x "
          f"{len(b.sectors)} sectors")
    print(f"scenarios: {scen_path} ({', '.join(s.name for s in scenarios)})")

    def progress(sc, res):
        its = f"{res.iterations:>3}" if res.iterations >= 0 else "n/a"  # NL-file routes do not report them
        print(f"  solved {sc.name:<18} route={res.route} iterations={its} max residual={res.max_residual:.1e}")

    comp = run_scenarios(b, scenarios, route=args.route, progress=progress)
    out = write_results(comp, args.out, {"dataset_path": label})
    head = comp.headline()
    with pd.option_context("display.width", 250, "display.max_columns", 50, "display.float_format", "{:.2f}".format):
        title = f"Headline results{' (SYNTHETIC DATA)' if synthetic else ''}: {b.name}"
        print(f"\n{title}\n{'=' * len(title)}")
        print(head.to_string(index=False))
    print(f"\nwrote {out}/ (CSV, Parquet, headline.md/.tex, results.xlsx, run.yaml) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_info(args) -> int:
    import casadi
    import pyomo

    import cge
    from cge.solve import describe_routes

    print(f"cge {cge.__version__}  (pyomo {pyomo.__version__}, casadi {casadi.__version__}, "
          f"python {sys.version.split()[0]})")
    print("solver routes:")
    for row in describe_routes():
        row = dict(row)
        mark = "*" if row.get("default") else " "
        print(f" {mark} {row.get('route', ''):<8} available={row.get('available')}  {row.get('why', '')}")
    path = default_dataset_path()
    print(f"default dataset: {path} ({'present' if path.exists() else 'missing'})")
    print(f"default scenarios: {default_scenarios_path()}")
    return 0


def cmd_validate(args) -> int:
    import pandas as pd

    from cge.benchmark import identity_gaps, summary

    b = _read_dataset(Path(args.path))
    print(f"{args.path}: valid benchmark '{b.name}', {len(b.regions)} regions x {len(b.sectors)} sectors")
    for name, (gap, _) in identity_gaps(b).items():
        print(f"  {name}: largest relative gap {gap:.2e}")
    with pd.option_context("display.width", 200, "display.float_format", "{:.1f}".format):
        print(summary(b).to_string(index=False))
    return 0


def _code_map(path: str | None) -> dict | None:
    """A two-column CSV ``code, aggregate`` as a dict (the GTAP reader's aggregation hook)."""
    if not path:
        return None
    import pandas as pd

    if not Path(path).exists():
        raise CGEError(f"{path}: mapping file is missing")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(df.columns) != ["code", "aggregate"]:
        raise CGEError(f"{path}: columns are {list(df.columns)}, expected ['code', 'aggregate']")
    dup = df.duplicated("code")
    if dup.any():
        raise CGEError(f"{path}, row {int(dup.to_numpy().nonzero()[0][0]) + 2}: code mapped twice")
    return dict(zip(df["code"], df["aggregate"]))


def cmd_gtap_import(args) -> int:
    from cge.benchmark import identity_gaps, write_benchmark
    from cge.gtap import read_gtap

    out = Path(args.out)
    if out.exists() and not args.force:
        raise CGEError(f"{out}: exists; choose another folder or pass --force")
    b = read_gtap(args.gdx, regions=_code_map(args.regions), sectors=_code_map(args.sectors))
    write_benchmark(b, out)
    print(f"{args.gdx}: passed the GTAPinGAMS gates; wrote benchmark '{b.name}' ({len(b.regions)} regions x "
          f"{len(b.sectors)} sectors) to {out}/")
    for name, (gap, _) in identity_gaps(b).items():
        print(f"  {name}: largest relative gap {gap:.2e}")
    return 0


def cmd_gtap_export(args) -> int:
    from cge.gtap import write_gtap

    b = _read_dataset(Path(args.data))
    path = write_gtap(b, args.gdx, overwrite=args.force)
    print(f"wrote {path} (GTAPinGAMS layout: vdfm, vifm, vfm, vxmd, vst, vtwr, rto, rtf, rtfd, rtfi, rtxs, rtms, "
          "eco2d, eco2i, esubdm, esubva, pop)")
    return 0


def cmd_sweep(args) -> int:
    from cge.sweep.commands import cmd_sweep as run

    return run(args)


def cmd_sweep_summary(args) -> int:
    from cge.sweep.commands import cmd_sweep_summary as run

    return run(args)


def cmd_report(args) -> int:
    from cge.report import build_report

    out = build_report(args.results, out=args.out, legitimacy=args.legitimacy, sweep=args.sweep)
    print(f"wrote {out}/report.html (self-contained), figures/ (PNG, SVG) and tables/ (Markdown, LaTeX, Excel)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cge", description="Multi-region CGE analysis of carbon pricing "
                                "and border carbon adjustments.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="solve REF and the BCA designs and compare them side by side")
    c.add_argument("--data", help="benchmark folder or GTAPinGAMS .gdx file (default: the shipped WIOD 2011 dataset)")
    c.add_argument("--synthetic", metavar="RxJ[:SEED]", help="use a random balanced benchmark instead")
    c.add_argument("--scenarios", help="scenario YAML file (default: the packaged core experiment)")
    c.add_argument("--out", default="results", help="output folder (default: ./results)")
    c.add_argument("--route", default="auto", choices=["auto", "casadi", "ipopt", "pounce"],
                   help="solver route (see `cge info`)")
    c.set_defaults(func=cmd_compare)
    i = sub.add_parser("info", help="solver routes in use and why, default data")
    i.set_defaults(func=cmd_info)
    v = sub.add_parser("validate", help="check a benchmark folder's identities and print its totals")
    v.add_argument("path")
    v.set_defaults(func=cmd_validate)
    from cge.sweep.commands import add_arguments, add_summary_arguments

    sw = sub.add_parser("sweep", help="solve a grid of designs x SSA draws on Dask (resumable)")
    add_arguments(sw)
    sw.set_defaults(func=cmd_sweep)
    ss = sub.add_parser("sweep-summary", help="mean, std and 5-95%% bands of a sweep folder's outputs")
    add_summary_arguments(ss)
    ss.set_defaults(func=cmd_sweep_summary)
    gi = sub.add_parser("gtap-import", help="read a GTAPinGAMS GDX file through its identity gates into a "
                        "benchmark folder (needs the 'gtap' extra)")
    gi.add_argument("gdx", help="GTAPinGAMS GDX file")
    gi.add_argument("--out", required=True, help="benchmark folder to write")
    gi.add_argument("--regions", metavar="MAP.csv", help="region aggregation: CSV with columns code, aggregate")
    gi.add_argument("--sectors", metavar="MAP.csv", help="sector aggregation: CSV with columns code, aggregate")
    gi.add_argument("--force", action="store_true", help="replace an existing output folder")
    gi.set_defaults(func=cmd_gtap_import)
    ge = sub.add_parser("gtap-export", help="write a benchmark in the GTAPinGAMS GDX layout (needs the 'gtap' extra)")
    ge.add_argument("data", help="benchmark folder (or GDX file)")
    ge.add_argument("gdx", help="GDX file to write")
    ge.add_argument("--force", action="store_true", help="replace an existing file")
    ge.set_defaults(func=cmd_gtap_export)
    r = sub.add_parser("report", help="HTML report with figures and tables from a `cge compare` results folder")
    r.add_argument("results", metavar="RESULTS_DIR", help="output folder of `cge compare` (or of a sweep)")
    r.add_argument("--out", help="report folder (default: RESULTS_DIR/report)")
    r.add_argument("--sweep", metavar="SWEEP_DIR", help="a `cge sweep` output folder: adds its SSA bands")
    r.add_argument("--legitimacy", help="legal considerations YAML (default: cge/defaults/legitimacy.yaml)")
    r.set_defaults(func=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CGEError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
