"""Command line: ``cge compare``, ``cge info``, ``cge validate``, ``cge report``, ``cge sweep``,
``cge calibrate``, ``cge gtap-import``, ``cge gtap-export``, ``cge baseline``.

One error path for every subcommand (:func:`cge.errors.run_guarded`, also used by ``python -m calibration``):
any failure prints one line ``error: ...`` naming the file, row, key or scenario, with no
traceback (``--debug`` shows it) and no partial output; the exit codes are those of
:mod:`cge.errors` (0 ok, 1 incomplete sweep, 2 error, 3 internal error, 130 interrupted).
Output folders are protected by :mod:`cge.io.outdir`: ``--out`` must be new or written by the same
command before (``--force`` replaces anything but an input of the command).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from importlib import resources
from pathlib import Path

from cge.data.datasets import default_dataset_path, load_benchmark, read_dataset
from cge.errors import CGEError, run_guarded
from cge.runtime.pyomo_compat import defer_pyomo_scipy_finaliser
from cge.scenarios.options import OPTIONS

#: steps of the welfare-decomposition path in `cge compare` (see cge.results.decomposition)
DECOMPOSITION_STEPS = OPTIONS["solver.decomposition_steps"].default


def default_scenarios_path() -> Path:
    with resources.as_file(resources.files("cge") / "scenarios" / "core.yaml") as p:
        return Path(p)


def cmd_compare(args) -> int:
    """``cge compare``: :func:`cge.results.compare.compare` on the scenario file and dataset given,
    its results written (``Comparison.write``) and its headline printed."""
    from cge.runtime.gc_pause import lasting_for_the_process

    with lasting_for_the_process():
        import pandas as pd

        from cge.io.numbers import as_text
        from cge.io.outdir import OutputFolder
        from cge.results.compare import compare
        from cge.results.run import check_scenarios
        from cge.results.write import estimate_bytes
        from cge.scenarios.spec import load_scenarios

    t0 = time.perf_counter()
    scen_path = Path(args.scenarios) if args.scenarios else default_scenarios_path()
    scenarios = load_scenarios(scen_path)
    b, label = load_benchmark(args.data, args.synthetic)
    check_scenarios(b, scenarios, scen_path)  # errors name the file, before the output folder is touched
    if args.decomposition_steps is not None and args.decomposition_steps < 1:
        raise CGEError(f"--decomposition-steps {args.decomposition_steps}: must be at least 1")
    synthetic = bool(b.metadata.get("synthetic"))
    data_path = None if args.synthetic else (Path(args.data) if args.data else default_dataset_path())
    folder = OutputFolder(args.out, "results", inputs=[data_path, scen_path], force=args.force, wait=args.wait,
                          need_bytes=estimate_bytes(len(b.regions), len(b.sectors), len(scenarios)))
    with folder:                       # refused, locked, read-only or full targets fail here, before the solve
        print(f"dataset: {label}{' [SYNTHETIC DATA]' if synthetic else ''} — {len(b.regions)} regions x "
              f"{len(b.sectors)} sectors")
        print(f"scenarios: {scen_path} ({', '.join(s.name for s in scenarios)})")
        from cge.data.elasticities import generic_warning

        warning = generic_warning(b)
        if warning:
            print(f"warning: {warning['message']} (recorded in run.yaml)", file=sys.stderr)

        def progress(sc, res):
            its = f"{res.iterations:>3}" if res.iterations >= 0 else "n/a"  # NL-file routes do not report them
            print(f"  solved {sc.name:<18} route={res.route} iterations={its} max residual={res.max_residual:.1e}")

        comp = compare(b, scenarios, route=args.route, progress=progress, decomposition_steps=args.decomposition_steps)
        out = comp.write(folder)
    _mark_kept_reports_out_of_date(out, folder.kept)
    dec = comp.table("decomposition")
    if len(dec):
        print(decomposition_line(dec, args.decomposition_steps, comp.timings.get("decomposition_s", 0.0)))
    head = comp.headline()
    with pd.option_context("display.width", 250, "display.max_columns", 50):
        title = f"Headline results{' (SYNTHETIC DATA)' if synthetic else ''}: {b.name}"
        print(f"\n{title}\n{'=' * len(title)}")
        print(as_text(head, 2).to_string(index=False))
    _print_phase_in_path(comp)
    from cge.results.diagnostics import diagnostics_lines

    flagged = diagnostics_lines(comp.table("diagnostics"))
    if flagged:
        print("\nPlausibility diagnostics (warnings; thresholds: scenario diagnostics.*)")
        for line in flagged:
            print(f"  warning: {line}")
    print(f"\nwrote {out}/ (CSV, Parquet, headline.md/.tex, results.xlsx, run.yaml) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


def decomposition_line(dec, steps: int | None, seconds: float) -> str:
    """The printed line on the welfare decomposition: its method, path steps, cost in time, largest
    remainder and largest |EV - sum of channels|."""
    used = sorted({int(n) for n in dec["path_steps"]})
    shown = f"{used[0]}" if len(used) == 1 else f"{used[0]}-{used[-1]}"
    how = f"exact path integral ({shown} path steps, extrapolated)" if steps is None else f"{steps} path step(s)"
    return (f"welfare decomposition: {how} in {seconds:.1f} s; largest |remainder| "
            f"{dec['remainder_bn_usd'].abs().max():.1e} bn USD; largest |EV - sum of channels| "
            f"{dec['check_bn_usd'].abs().max():.1e} bn USD")


def _mark_kept_reports_out_of_date(out: Path, kept: list[str]) -> None:
    """A report folder a re-run of `cge compare` kept (it never deletes what it did not write) was
    built from the previous results: its page gets an OUT OF DATE banner until it is rebuilt."""
    from cge.io.outdir import read_marker

    for name in kept:
        if (read_marker(out / name) or {}).get("kind") == "report":
            from cge.report.html import mark_out_of_date  # here: importing the report stage costs ~0.5 s

            mark_out_of_date(out / name, f"the results in {out.name}/ were computed again after this report was "
                             f"built; run `cge report` on them again")


def _print_phase_in_path(comp) -> None:
    """The CBAM phase-in path, when the scenarios carry phase-in years (from the comparison in hand)."""
    import pandas as pd

    from cge.io.numbers import as_text
    from cge.results.write import PHASE_IN_PATH_FILE

    found = comp.phase_in()
    if found is not None:
        df = found[0].drop(columns=["cbam_obligation_share"])
        with pd.option_context("display.width", 250, "display.max_columns", 50):
            print(f"\nEU CBAM phase-in path (also {PHASE_IN_PATH_FILE}, phase_in_exporters.csv)")
            print(as_text(df, 3).to_string(index=False))


def cmd_options(args) -> int:
    """Print every scenario and solver option of the schema (the README's options table)."""
    from cge.scenarios.options import markdown_table

    sys.stdout.write(markdown_table())
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

    from cge.data.benchmark import identity_gaps, summary

    b = read_dataset(args.path)
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
    from cge.data.benchmark import identity_gaps, write_benchmark
    from cge.data.gtap import read_gtap
    from cge.io.outdir import check_target

    out = Path(args.out)
    if args.aggregation and (args.regions or args.sectors):
        raise CGEError(f"{args.aggregation}: give --aggregation or --regions/--sectors, not both")
    check_target(out, "benchmark", inputs=[args.gdx, args.regions, args.sectors, args.aggregation],
                 force=args.force)  # before reading
    if args.aggregation:
        b = read_gtap(args.gdx, aggregation=args.aggregation)
    else:
        b = read_gtap(args.gdx, regions=_code_map(args.regions), sectors=_code_map(args.sectors))
    write_benchmark(b, out, force=args.force)
    print(f"{args.gdx}: passed the GTAPinGAMS gates; wrote benchmark '{b.name}' ({len(b.regions)} regions x "
          f"{len(b.sectors)} sectors) to {out}/")
    for name, (gap, _) in identity_gaps(b).items():
        print(f"  {name}: largest relative gap {gap:.2e}")
    return 0


def cmd_gtap_export(args) -> int:
    from cge.data.gtap import write_gtap

    target, data = Path(args.gdx).resolve(), Path(args.data).resolve()
    if target == data:
        raise CGEError(f"{args.gdx}: is the input of this command; write the export to another file")
    if data.is_dir() and target.is_relative_to(data):
        raise CGEError(f"{args.gdx}: is inside the input dataset {args.data}; write the export outside it "
                       "(a file of the input is never replaced, even with --force)")
    b = read_dataset(args.data)
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

    out = build_report(args.results, out=args.out, legitimacy=args.legitimacy, sweep=args.sweep,
                       force=args.force, wait=args.wait, path=args.path, path_sweep=args.path_sweep)
    print(f"wrote {out}/report.html (self-contained), figures/ (PNG, SVG) and tables/ (Markdown, LaTeX, Excel)")
    return 0


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    """``--force`` and ``--wait``, the same for every command that writes a folder."""
    p.add_argument("--force", action="store_true",
                   help="replace whatever is at --out (never an input of this command)")
    p.add_argument("--wait", action="store_true",
                   help="if another cge process is writing to --out, wait for it instead of stopping")


def debug_parent() -> argparse.ArgumentParser:
    d = argparse.ArgumentParser(add_help=False)
    d.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the full traceback of an error")
    return d
def cmd_calibrate(args) -> int:
    """``cge calibrate AGGREGATION.yaml --out DIR``: build a benchmark at the resolution the
    aggregation file asks for (:mod:`calibration.build`); an existing DIR is kept unless --force."""
    from calibration.build import DEFAULT_SHARED, BuildConfig, run

    out = Path(args.out)
    t0 = time.perf_counter()
    echo = (lambda *a, **k: None) if args.quiet else print
    run(BuildConfig(shared=Path(args.shared) if args.shared else DEFAULT_SHARED, out=out,
                    aggregation=Path(args.aggregation), force=args.force, wait=args.wait), echo=echo)
    print(f"calibrated {args.aggregation} -> {out} in {time.perf_counter() - t0:.1f} s")
    return 0


def add_calibrate_parser(sub) -> None:
    k = sub.add_parser("calibrate", parents=[debug_parent()],
                       help="build a benchmark from WIOD + CO2 data at the resolution of an aggregation YAML "
                       "(regions, sectors, groups, tags, splits)")
    k.add_argument("aggregation", metavar="AGGREGATION.yaml", help="aggregation file (see examples/aggregations/)")
    k.add_argument("--out", required=True, help="dataset folder to write (new, or one written by cge before)")
    k.add_argument("--shared", help="shared data folder (default: ../shared/data next to the repository)")
    add_output_arguments(k)
    k.add_argument("--quiet", action="store_true", help="print only the final line")
    k.set_defaults(func=cmd_calibrate)


class PrintVersion(argparse.Action):
    """``cge --version``: ``cge <version>`` (``cge.__version__``, read from the package metadata only
    when asked) on stdout, then exit."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        import cge

        print(f"cge {cge.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cge", description="Multi-region CGE analysis of carbon pricing "
                                "and border carbon adjustments.", parents=[debug_parent()])
    p.add_argument("--version", action=PrintVersion, help="print the installed version of cge-bca and exit")
    sub = p.add_subparsers(dest="command", required=True)
    dbg = [debug_parent()]
    c = sub.add_parser("compare", parents=dbg, help="solve REF and the BCA designs and compare them side by side")
    c.add_argument("--data", help="benchmark folder or GTAPinGAMS .gdx file (default: the shipped WIOD 2011 "
                   "dataset)")
    c.add_argument("--synthetic", metavar="RxJ[:SEED]", help="use a random balanced benchmark instead")
    c.add_argument("--scenarios", help="scenario YAML file (default: the packaged core experiment)")
    c.add_argument("--out", default="results", help="output folder (default: ./results); must be new or "
                   "earlier results of `cge compare`")
    add_output_arguments(c)
    route = OPTIONS["solver.route"]
    c.add_argument("--route", default=route.default, choices=route.choices, help=route.doc)
    c.add_argument("--decomposition-steps", type=int, default=DECOMPOSITION_STEPS, metavar="N",
                   help="decompose EV over N equal steps of the policy path (1 = two-point identity, no extra "
                   "solves); default: the exact path integral (remainder within 1%% of |EV| or 0.01 bn USD)")
    c.set_defaults(func=cmd_compare)
    i = sub.add_parser("info", parents=dbg, help="solver routes in use and why, default data")
    i.set_defaults(func=cmd_info)
    o = sub.add_parser("options", parents=dbg, help="every scenario and solver option: kind, default, allowed values")
    o.set_defaults(func=cmd_options)
    v = sub.add_parser("validate", parents=dbg, help="check a benchmark folder's identities and print its totals")
    v.add_argument("path")
    v.set_defaults(func=cmd_validate)
    from cge.sweep.commands import add_arguments, add_summary_arguments

    sw = sub.add_parser("sweep", parents=dbg, help="solve a grid of designs x SSA draws on Dask (resumable)")
    add_arguments(sw)
    add_output_arguments(sw)
    sw.set_defaults(func=cmd_sweep)
    ss = sub.add_parser("sweep-summary", parents=dbg, help="mean, std and 5-95%% bands of a sweep folder's outputs")
    add_summary_arguments(ss)
    ss.set_defaults(func=cmd_sweep_summary)
    gi = sub.add_parser("gtap-import", parents=dbg, help="read a GTAPinGAMS GDX file through its identity gates into a "
                        "benchmark folder (needs the 'gtap' extra)")
    gi.add_argument("gdx", help="GTAPinGAMS GDX file")
    gi.add_argument("--out", required=True, help="benchmark folder to write")
    gi.add_argument("--regions", metavar="MAP.csv", help="region aggregation: CSV with columns code, aggregate")
    gi.add_argument("--sectors", metavar="MAP.csv", help="sector aggregation: CSV with columns code, aggregate")
    gi.add_argument("--aggregation", metavar="AGG.yaml", help="aggregation file of the WIOD path's schema (name, "
                    "description, regions, region_groups, sectors with tags) whose members are the GDX file's codes")
    add_output_arguments(gi)
    gi.set_defaults(func=cmd_gtap_import)
    ge = sub.add_parser("gtap-export", parents=dbg,
                        help="write a benchmark in the GTAPinGAMS GDX layout (needs the 'gtap' extra)")
    ge.add_argument("data", help="benchmark folder (or GDX file)")
    ge.add_argument("gdx", help="GDX file to write")
    ge.add_argument("--force", action="store_true", help="replace an existing file")
    ge.set_defaults(func=cmd_gtap_export)
    r = sub.add_parser("report", parents=dbg,
                       help="HTML report with figures and tables from a `cge compare` results folder")
    r.add_argument("results", metavar="RESULTS_DIR", help="output folder of `cge compare` (or of a sweep)")
    r.add_argument("--out", help="report folder (default: RESULTS_DIR/report)")
    r.add_argument("--sweep", metavar="SWEEP_DIR", help="a `cge sweep` output folder: adds its SSA bands")
    r.add_argument("--path", metavar="PATH_DIR", help="a `cge baseline` output folder: adds the path panel "
                   "(baseline emissions and GDP, carbon price, leakage and burden by year)")
    r.add_argument("--path-sweep", metavar="SWEEP_DIR", help="a path sweep folder (`cge sweep` with a path: "
                   "section): the path panel shades its min-max band of each line (needs --path)")
    r.add_argument("--legitimacy", help="legal considerations YAML (default: cge/defaults/legitimacy.yaml)")
    add_output_arguments(r)
    r.set_defaults(func=cmd_report)
    add_calibrate_parser(sub)
    from cge.dynamics.commands import add_baseline_arguments, cmd_baseline

    bl = sub.add_parser("baseline", parents=dbg, help="a recursive-dynamic baseline path to an end year (UN WPP "
                        "population, SSP GDP) and policy designs solved on it year by year")
    add_baseline_arguments(bl)
    add_output_arguments(bl)
    bl.set_defaults(func=cmd_baseline)
    return p


def main(argv: list[str] | None = None) -> int:
    defer_pyomo_scipy_finaliser()  # before any command imports scipy (cge/runtime/pyomo_compat.py)
    args = build_parser().parse_args(argv)
    return run_guarded(args.func, args, getattr(args, "debug", False))


def entry() -> None:
    """The ``cge`` command: :func:`main`, then exit. Everything is written, flushed and closed
    by then, so when nothing else runs (no thread, no child process) the interpreter exits at
    once instead of freeing every object of the models one by one (0.5 s of a 5 s default
    ``cge compare``, more at full resolution, measured); otherwise it exits as usual."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    mp = sys.modules.get("multiprocessing")
    if threading.active_count() == 1 and (mp is None or not mp.active_children()):
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
