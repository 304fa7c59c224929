"""Model size, build, compile, solve and re-solve times and peak memory, by problem size.

    python benchmarks/solve_scaling.py                  # default dataset + synthetic 10x20 ... 60x60
    python benchmarks/solve_scaling.py --sizes 30x40 100x65 --route casadi --timeout 1200
    python benchmarks/solve_scaling.py --linear-solver lu   # the direct LU of before issue 11

Each size runs in a fresh subprocess so that peak memory (max RSS) is its own. Printed per size:
unknowns, nonzero benchmark flows, Jacobian nonzeros and LU nonzeros of the last Newton step
(for ``block_gmres`` the LU of the block preconditioner, with GMRES iterations), build / compile
/ solve / results / re-solve times, peak RSS; then the exponent of total time against the
number of nonzero benchmark flows (least squares on log-log, sizes from 10x20 to 60x60).
Targets (issue 25, 2-core machine; build + compile + solve + results, and peak RSS): 60x60 < 10 s and
< 1.5 GB; 100x65 < 45 s and < 4 GB; 141x65 (GTAP 11 size) < 90 s and < 6 GB plus a re-solve; growth
exponent against nonzero flows from 10x20 to 100x65 <= 1.05; default `cge compare` < 2.5 s (full-WIOD
`cge compare`, 9 designs, < 25 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def nonzero_flows(b) -> int:
    """Nonzero benchmark flows: intermediate use, factor use, resource rents, bilateral trade and
    final demand cells (the quantities the model turns into equations)."""
    import numpy as np

    return int(sum(np.count_nonzero(a) for a in (b.vid, b.vfm, b.vrs, b.vxmd, b.fd)))


def _stage(size: str, what: str) -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[{size}] {what} (CPU {time.process_time():.0f} s, peak {rss:.0f} MB)", file=sys.stderr, flush=True)


def measure(size: str, route: str, linear_solver: str = "auto") -> dict:
    t_start = time.perf_counter()
    from cge.bca.model import BCAModel
    from cge.data.benchmark import read_benchmark
    from cge.data.synthetic import random_benchmark
    from cge.results.tables import collect
    from cge.scenarios.spec import scenario_from_dict
    from cge.solve import compile_system

    t_import = time.perf_counter() - t_start
    if size == "default":
        b = read_benchmark(REPO / "data" / "wiod2011")
    else:
        n_r, n_j = (int(x) for x in size.split("x"))
        b = random_benchmark(n_r, n_j, seed=1)
    base = {"coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.2}}
    ref = scenario_from_dict({"name": "REF", **base})
    bca = scenario_from_dict({"name": "BCA", **base, "bca": {"import_charge": True, "export_rebate": True,
                                                            "basis": "direct+electricity"}})
    c0 = time.process_time()
    t0 = time.perf_counter()
    model = BCAModel(b, ref)
    t1 = time.perf_counter()
    _stage(size, f"built in {t1 - t0:.1f} s")
    compiled = compile_system(model.pyomo, route=route, linear_solver=linear_solver)
    t2 = time.perf_counter()
    _stage(size, f"compiled in {t2 - t1:.1f} s")
    r1 = compiled.solve()
    t3 = time.perf_counter()
    _stage(size, f"solved in {t3 - t2:.1f} s")
    linear = dict(getattr(compiled, "linear_stats", {}))
    collect(model)
    t4 = time.perf_counter()
    c4 = time.process_time()
    model.apply(bca)
    r2 = compiled.solve()
    t5 = time.perf_counter()
    unknowns = sum(1 for v in model.pyomo.component_data_objects(ctype=__import__("pyomo.environ").environ.Var)
                   if not v.fixed)
    return {
        "size": size, "regions": len(b.regions), "sectors": len(b.sectors), "unknowns": unknowns,
        "flows": nonzero_flows(b), "jacobian_nnz": linear.get("jacobian_nnz", -1),
        "lu_nnz": linear.get("lu_nnz", -1), "gmres_iterations": linear.get("gmres_iterations", 0),
        "linear_solver": linear.get("linear_solver", "-"),
        "route": r1.route, "import_s": t_import, "build_s": t1 - t0, "compile_s": t2 - t1,
        "first_solve_s": t3 - t2, "first_solve_iterations": r1.iterations,
        "first_pure_solver_s": r1.timings.get("solve_s", float("nan")),
        "results_s": t4 - t3, "resolve_s": t5 - t4, "resolve_iterations": r2.iterations,
        "resolve_pure_solver_s": r2.timings.get("solve_s", float("nan")),
        "resolve_check_s": r2.timings.get("check_s", float("nan")),
        "total_s": t5 - t_start, "cpu_first_s": c4 - c0, "cpu_total_s": time.process_time(),
        "load_avg": os.getloadavg()[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", nargs="+", default=["default", "10x20", "20x30", "30x40", "60x60"])
    p.add_argument("--route", default="auto")
    p.add_argument("--linear-solver", default="auto", help="casadi route: auto, block_gmres or lu")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per size before it is stopped")
    p.add_argument("--no-compare", action="store_true", help="skip the default-dataset `cge compare` run")
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.route, args.linear_solver)))
        return
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--one", size, "--route", args.route, "--linear-solver", args.linear_solver]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            stages = "; ".join(line for line in err.splitlines() if line.startswith("[")) or "no stage finished"
            print(f"{size:>8}: STOPPED after {args.timeout:.0f} s (--timeout); reached: {stages}", flush=True)
            continue
        if out.returncode != 0:
            print(f"{size}: FAILED (exit {out.returncode})\n{out.stderr[-2000:]}", flush=True)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{size:>8}: {r['unknowns']:>6} unknowns, {r['flows']:>7} flows | Jacobian nnz {r['jacobian_nnz']:>8}"
              f" | LU nnz {r['lu_nnz']:>9} ({r['linear_solver']}, {r['gmres_iterations']} GMRES it)"
              f" | build {r['build_s']:6.2f} s | compile {r['compile_s']:6.2f} s"
              f" | solve {r['first_solve_s']:6.2f} s ({r['first_solve_iterations']} it, solver "
              f"{r['first_pure_solver_s']:.2f} s) | results {r['results_s']:5.2f} s | re-solve {r['resolve_s']:6.2f} s "
              f"({r['resolve_iterations']} it, solver {r['resolve_pure_solver_s']:.2f} s, check "
              f"{r['resolve_check_s']:.2f} s) | build+compile+solve+results "
              f"{r['build_s'] + r['compile_s'] + r['first_solve_s'] + r['results_s']:6.1f} s"
              f" | total {r['total_s']:6.1f} s | CPU: build..results {r['cpu_first_s']:6.1f} s, total "
              f"{r['cpu_total_s']:6.1f} s | load {r['load_avg']:.1f} | peak {r['peak_rss_mb']:7.0f} MB", flush=True)
    print(growth_exponent(rows))
    if args.no_compare:
        return
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "cge.cli", "compare", "--out", str(REPO / ".bench_out")]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    import shutil
    shutil.rmtree(REPO / ".bench_out", ignore_errors=True)
    solved = out.stdout.count("  solved ")
    print(f"cge compare on the default dataset ({solved} scenarios, cold start incl. imports): {wall:.1f} s "
          f"(exit {out.returncode})")


def _in_range(size: str) -> bool:
    if "x" not in size:
        return False
    n_r, n_j = (int(x) for x in size.split("x"))
    return (10, 20) <= (n_r, n_j) and n_r * n_j <= 3600 and n_r * n_j >= 200


def growth_exponent(rows: list[dict]) -> str:
    """Slope of log(total time less the imports) on log(nonzero flows) over the sizes from 10x20 to 60x60."""
    import numpy as np

    sel = [r for r in rows if _in_range(r["size"])]
    if len(sel) < 2:
        return "growth exponent: needs at least two sizes between 10x20 and 60x60"
    x = np.log([r["flows"] for r in sel])

    def slope(values) -> float:
        return float(np.polyfit(x, np.log(values), 1)[0])

    wall = slope([r["total_s"] - r["import_s"] for r in sel])
    cpu = slope([r["cpu_first_s"] for r in sel])
    return (f"growth exponent vs nonzero benchmark flows ({len(sel)} sizes, {sel[0]['flows']}..{sel[-1]['flows']}"
            f" flows): wall total without imports {wall:.2f}; CPU of build+compile+solve+results {cpu:.2f}")


if __name__ == "__main__":
    main()
