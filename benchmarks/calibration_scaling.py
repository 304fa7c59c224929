"""Calibration time, model size, `cge compare` time and peak memory for each shipped aggregation.

    python benchmarks/calibration_scaling.py                          # every examples/aggregations/*.yaml
    python benchmarks/calibration_scaling.py --examples default cbam --no-compare
    python benchmarks/calibration_scaling.py --compare-timeout 900    # stop a compare after 15 min

Each step runs in a fresh subprocess so that its peak memory (max RSS) is its own. Targets (2 cores):
calibration of the full resolution < 60 s; a 20-region x 12-sector `cge compare` (9 scenarios) < 30 s.
Model size = unknowns of the compiled system (activity levels, prices, incomes, carbon prices, PW).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "aggregations"


def _child(args) -> None:
    """Run one step in this process and print a JSON line with its time and peak memory."""
    t0 = time.perf_counter()
    out: dict = {}
    if args.step == "calibrate":
        from calibration.build import BuildConfig, run

        run(BuildConfig(aggregation=Path(args.example), out=Path(args.data)), echo=lambda *a, **k: None)
    elif args.step == "size":
        from pyomo.environ import Var

        from cge.bca.model import BCAModel
        from cge.data.benchmark import read_benchmark
        from cge.scenarios.spec import scenario_from_dict

        b = read_benchmark(args.data)
        m = BCAModel(b, scenario_from_dict({"name": "REF", "coalition": ["annex1"],
                                            "policy": {"instrument": "coalition_cap", "cut": 0.2}}))
        out = {"regions": len(b.regions), "sectors": len(b.sectors),
               "unknowns": sum(1 for v in m.pyomo.component_data_objects(Var) if not v.fixed)}
    else:
        from cge.cli import main

        rc = main(["compare", "--data", args.data, "--out", args.results])
        out = {"rc": rc}
    out.update(seconds=round(time.perf_counter() - t0, 2),
               peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    print("RESULT " + json.dumps(out), flush=True)


def _run(step: str, example: Path, data: Path, results: Path, timeout: float | None) -> dict:
    cmd = [sys.executable, __file__, "--child", step, str(example), str(data), str(results)]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"stopped_after_s": round(time.perf_counter() - t0, 1)}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode or not lines:
        return {"failed": (p.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(lines[-1][7:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", nargs="*", help="names of examples/aggregations/*.yaml (default: all)")
    ap.add_argument("--no-compare", action="store_true", help="calibrate and size only")
    ap.add_argument("--compare-timeout", type=float, default=None, help="seconds before a compare is stopped")
    ap.add_argument("--child", nargs=4, metavar=("STEP", "EXAMPLE", "DATA", "RESULTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(argparse.Namespace(step=args.child[0], example=args.child[1], data=args.child[2],
                                  results=args.child[3]))
        return
    names = args.examples or sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="cal-scaling-") as tmp:
        for name in names:
            ex = EXAMPLES / f"{name}.yaml"
            data, results = Path(tmp) / name, Path(tmp) / f"{name}-results"
            row = {"example": name, "calibrate": _run("calibrate", ex, data, results, None)}
            if "seconds" in row["calibrate"]:
                row["size"] = _run("size", ex, data, results, None)
                if not args.no_compare:
                    row["compare"] = _run("compare", ex, data, results, args.compare_timeout)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| example | regions x sectors | unknowns | calibrate s (MB) | compare s (MB) |")
    print("|---|---|---|---|---|")
    for r in rows:
        s, c, k = r.get("size", {}), r.get("compare", {}), r["calibrate"]
        comp = (f"{c['seconds']} ({c['peak_mb']})" if "seconds" in c else
                f"stopped after {c['stopped_after_s']} s" if "stopped_after_s" in c else c.get("failed", "-"))
        print(f"| {r['example']} | {s.get('regions', '?')} x {s.get('sectors', '?')} | {s.get('unknowns', '?')} | "
              f"{k.get('seconds', k.get('failed'))} ({k.get('peak_mb', '-')}) | {comp} |")


if __name__ == "__main__":
    main()
