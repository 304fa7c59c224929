"""Model size, build, compile, solve and re-solve times and peak memory, by problem size.

    python benchmarks/solve_scaling.py                  # default dataset + synthetic up to 20x30
    python benchmarks/solve_scaling.py --sizes 5x8 10x20 20x30 --route casadi

Each size runs in a fresh subprocess so that peak memory (max RSS) is its own. Targets (2-core
machine): default dataset `cge compare` < 15 s cold; 20x30 built and solved < 60 s (aim 20 s)
within 3 GB; a re-solve with changed parameters at most 2x the pure solver time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(size: str, route: str) -> dict:
    t_start = time.perf_counter()
    from cge.bca_model import BCAModel
    from cge.benchmark import read_benchmark
    from cge.results import collect
    from cge.scenario import scenario_from_dict
    from cge.solve import compile_system
    from cge.synthetic import random_benchmark

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
    t0 = time.perf_counter()
    model = BCAModel(b, ref)
    t1 = time.perf_counter()
    compiled = compile_system(model.pyomo, route=route)
    t2 = time.perf_counter()
    r1 = compiled.solve()
    t3 = time.perf_counter()
    collect(model)
    t4 = time.perf_counter()
    model.apply(bca)
    r2 = compiled.solve()
    t5 = time.perf_counter()
    unknowns = sum(1 for v in model.pyomo.component_data_objects(ctype=__import__("pyomo.environ").environ.Var)
                   if not v.fixed)
    return {
        "size": size, "regions": len(b.regions), "sectors": len(b.sectors), "unknowns": unknowns,
        "route": r1.route, "import_s": t_import, "build_s": t1 - t0, "compile_s": t2 - t1,
        "first_solve_s": t3 - t2, "first_solve_iterations": r1.iterations,
        "first_pure_solver_s": r1.timings.get("solve_s", float("nan")),
        "results_s": t4 - t3, "resolve_s": t5 - t4, "resolve_iterations": r2.iterations,
        "resolve_pure_solver_s": r2.timings.get("solve_s", float("nan")),
        "resolve_check_s": r2.timings.get("check_s", float("nan")),
        "total_s": t5 - t_start, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", nargs="+", default=["default", "5x8", "10x15", "15x25", "20x30"])
    p.add_argument("--route", default="auto")
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.route)))
        return
    rows = []
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", size, "--route", args.route],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{size}: FAILED\n{out.stderr[-2000:]}")
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{size:>8}: {r['unknowns']:>6} unknowns | build {r['build_s']:6.2f} s | compile {r['compile_s']:6.2f} s"
              f" | solve {r['first_solve_s']:6.2f} s ({r['first_solve_iterations']} it, solver "
              f"{r['first_pure_solver_s']:.2f} s) | results {r['results_s']:5.2f} s | re-solve {r['resolve_s']:6.2f} s "
              f"({r['resolve_iterations']} it, solver {r['resolve_pure_solver_s']:.2f} s, check "
              f"{r['resolve_check_s']:.2f} s) | total {r['total_s']:6.1f} s | peak {r['peak_rss_mb']:7.0f} MB",
              flush=True)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "cge.cli", "compare", "--out", str(REPO / ".bench_out")]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    import shutil
    shutil.rmtree(REPO / ".bench_out", ignore_errors=True)
    print(f"cge compare on the default dataset (8 scenarios, cold start incl. imports): {wall:.1f} s "
          f"(exit {out.returncode})")


if __name__ == "__main__":
    main()
