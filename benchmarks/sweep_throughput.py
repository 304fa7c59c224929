"""Sweep throughput on the default dataset: points per minute with 1 and 2 local Dask workers,
and the per-point time against one cold solve.

    python benchmarks/sweep_throughput.py [--points 160] [--data FOLDER]

What is timed:

* **one cold solve**: the compiled model solved from the benchmark point (``reset_to_benchmark``,
  ``apply``, ``compiled.solve()``), median of 5. "Pure solver time" is the solve call itself
  (Newton + the Pyomo residual check that every solve runs); its Newton part is shown too.
  Build + compile are reported separately (paid once per worker and structure in a sweep).
* **a sweep**: 2 designs x Monte Carlo draws of the Armington and KLE elasticities (one model
  structure), run with :func:`cge.sweep.run_sweep` on a LocalCluster that is started (and its
  workers' imports warmed) before the clock starts, so the time includes everything a sweep
  does per point — scheduling, the model build on each worker, warm-started solves, results
  extraction, Parquet partitions and manifest — but not process start-up.
* **per-point time**: wall time x workers / points (the cost of one point on one core).

BLAS runs single-threaded here (as on Dask workers, whose nannies set ``OMP_NUM_THREADS=1`` and
friends), so that the cold solve and the in-process sweep are timed like a worker's solves;
a multi-threaded dense LU on a loaded 2-core machine is many times slower.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def cold_solve(b, sc, reps=5):
    from cge.bca.model import BCAModel
    from cge.solve import compile_system

    t0 = time.perf_counter()
    bm = BCAModel(b, sc)
    t1 = time.perf_counter()
    compiled = compile_system(bm.pyomo)
    t2 = time.perf_counter()
    walls, newton = [], []
    for _ in range(reps):
        bm.reset_to_benchmark()
        bm.apply(sc)
        t = time.perf_counter()
        res = compiled.solve()
        walls.append(time.perf_counter() - t)
        newton.append(res.timings["solve_s"])
    return {"build_s": t1 - t0, "compile_s": t2 - t1, "solve_s": statistics.median(walls),
            "newton_s": statistics.median(newton)}


def sweep_spec(points: int):
    from cge.sweep import sweep_from_dict

    draws = max(1, points // 2)
    return sweep_from_dict({
        "name": "throughput",
        "base": {"coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.2}},
        "designs": [{"name": "REF"}, {"name": "BCA", "bca.import_charge": True}],
        "ssa": {"design": "monte_carlo", "draws": draws, "seed": 1,
                "parameters": {"sigma_dm": {"distribution": "uniform", "low": 0.5, "high": 1.5},
                               "sigma_kle": {"distribution": "triangular", "low": 0.5, "mode": 1, "high": 1.5}}},
    }, "benchmark")


def timed_sweep(b, spec, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from cge.sweep import run_sweep

    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as null:
        if workers == 0:
            t = time.perf_counter()
            run = run_sweep(spec, b, Path(tmp) / "out", workers=0, progress_stream=null, summarize=False)
            wall = time.perf_counter() - t
        else:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) \
                    as cluster, Client(cluster) as client:
                client.run(lambda: __import__("cge.sweep.worker") and None)
                t = time.perf_counter()
                run = run_sweep(spec, b, Path(tmp) / "out", scheduler=cluster.scheduler_address,
                                progress_stream=null, summarize=False)
                wall = time.perf_counter() - t
        from cge.sweep.store import Store

        s = Store(Path(tmp) / "out")
        recs = s.recover().values()
        solve = [r["solve_s"] for r in recs if r["status"] == "ok" and not r["built_model"]]
        point = [r["point_s"] for r in recs if r["status"] == "ok" and not r["built_model"]]
    n = run.solved
    return {"workers": workers, "points": n, "failed": run.failed, "wall_s": wall, "per_min": n / wall * 60,
            "per_point_s": wall * max(workers, 1) / n, "median_point_s": statistics.median(point),
            "median_solve_s": statistics.median(solve)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=160)
    ap.add_argument("--data", default=None)
    ap.add_argument("--no-inprocess", action="store_true")
    args = ap.parse_args(argv)
    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path
    from cge.scenarios.spec import scenario_from_dict

    b = read_benchmark(args.data or default_dataset_path())
    sc = scenario_from_dict({"name": "REF", "coalition": ["annex1"],
                             "policy": {"instrument": "coalition_cap", "cut": 0.2}})
    cold = cold_solve(b, sc)
    print(f"dataset {b.name}: {len(b.regions)} regions x {len(b.sectors)} sectors, {os.cpu_count()} CPUs")
    print(f"one cold solve: build {cold['build_s']:.2f} s, compile {cold['compile_s']:.2f} s, "
          f"solve {cold['solve_s']:.3f} s (pure solver time; Newton part {cold['newton_s']:.3f} s)")
    spec = sweep_spec(args.points)
    rows = [timed_sweep(b, spec, w) for w in ([] if args.no_inprocess else [0]) + [1, 2]]
    print(f"\nsweep of {rows[0]['points']} points (2 designs x Monte Carlo draws of sigma_dm and sigma_kle):")
    print(f"{'workers':>12} {'wall s':>8} {'points/min':>11} {'per point s':>12} {'median point s':>15} "
          f"{'median solve s':>15}")
    for r in rows:
        label = "in-process" if r["workers"] == 0 else str(r["workers"])
        print(f"{label:>12} {r['wall_s']:8.2f} {r['per_min']:11.1f} {r['per_point_s']:12.3f} "
              f"{r['median_point_s']:15.3f} {r['median_solve_s']:15.3f}")
    one = next(r for r in rows if r["workers"] == 1)
    two = next(r for r in rows if r["workers"] == 2)
    speedup = two["per_min"] / one["per_min"]
    ratio = one["per_point_s"] / cold["solve_s"]
    print(f"\n2 workers vs 1: {speedup:.2f}x (target >= 1.8x)")
    print(f"per-point time (1 worker, all overheads) / pure solver time of one cold solve: {ratio:.2f} "
          f"(target <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
