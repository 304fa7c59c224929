"""Calibration time, model size, `cge compare` time and peak memory for each shipped aggregation.

    python benchmarks/calibration_scaling.py                  # every examples/aggregations/*.yaml but *_scenarios
    python benchmarks/calibration_scaling.py --examples default cbam --no-compare
    python benchmarks/calibration_scaling.py --compare-timeout 900    # stop a compare after 15 min
    python benchmarks/calibration_scaling.py --icio-2025-size         # an 81 x 50 ICIO 2025-layout table

``--icio-2025-size`` writes a synthetic table in the OECD ICIO 2025 layout (81 economies x 50
industries: WIOD's 40 countries, 40 more and ROW; random flows, balanced rows) and times reading it
alone, then calibrating it at full resolution (``full.yaml``: every WIOD region and sector the
concordance maps it to) and at 20 regions x 12 sectors (``g20.yaml``). Target: < 60 s and < 4 GB
at full resolution. Source examples (``source:`` in the file) get their table written from WIOD
on first use (tests/mrio_layouts.py).

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


def _example_data(example: Path) -> None:
    """Write the table a source example names when it is not there (tests/mrio_layouts.py)."""
    sys.path.insert(0, str(REPO / "tests"))
    from mrio_layouts import ensure_example_data

    ensure_example_data(example)


def _child(args) -> None:
    """Run one step in this process and print a JSON line with its time and peak memory."""
    t0 = time.perf_counter()
    out: dict = {}
    if args.step == "read":
        from calibration.readers import read_source

        m = read_source("oecd-icio", args.example, 2011, REPO.parent / "shared" / "data")
        out = {"source_rows": int(m.x.size)}
    elif args.step == "calibrate":
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


def write_icio_2025_sized(folder: Path, seed: int = 0) -> Path:
    """A synthetic 81 x 50 table in the ICIO 2025 layout (``2011_SML.csv``)."""
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(REPO))
    from calibration.concordance import source_codes, wiod_regions

    wiod = [i for i in wiod_regions(REPO.parent / "shared" / "data")["iso3"] if isinstance(i, str)]
    others = [f"X{a}{b}" for a in "ABCDEFGH" for b in "ABCDE"][: 80 - len(wiod)]
    regions, codes = wiod + others + ["ROW"], list(source_codes("oecd-icio-2025"))
    fd = ["HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR"]
    rng = np.random.default_rng(seed)
    n = len(regions) * len(codes)
    Z = rng.lognormal(0.0, 2.0, (n, n)) * (rng.random((n, n)) < 0.3)
    Y = rng.lognormal(2.0, 2.0, (n, len(regions) * len(fd)))
    Y[:, 5::6] = 0.0
    target = np.maximum(Z.sum(axis=1), 2.0 * Z.sum(axis=0))   # value added x - Σ_i Z > 0 in every column
    Y *= (target / Y.sum(axis=1))[:, None]
    x = Z.sum(axis=1) + Y.sum(axis=1)
    rows = [f"{r}_{c}" for r in regions for c in codes]
    extra = np.zeros((3, n + Y.shape[1] + 1))
    extra[1, :n], extra[2, :n] = x - Z.sum(axis=0), x
    df = pd.DataFrame(np.vstack([np.hstack([Z, Y, x[:, None]]), extra]),
                      columns=rows + [f"{r}_{k}" for r in regions for k in fd] + ["OUT"])
    df.insert(0, "V1", rows + ["TLS", "VA", "OUT"])
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / "2011_SML.csv", index=False, float_format="%.6g")
    return folder


def _with_source(example: Path, source: Path, out: Path) -> Path:
    import yaml

    spec = yaml.safe_load(example.read_text())
    spec["source"] = {"format": "oecd-icio", "path": str(source), "year": 2011}
    spec["name"] = f"{spec['name']}-icio2025-size"
    out.write_text(yaml.safe_dump(spec, sort_keys=False))
    return out


def icio_2025_size() -> None:
    with tempfile.TemporaryDirectory(prefix="cal-icio-") as tmp:
        t0 = time.perf_counter()
        src = write_icio_2025_sized(Path(tmp) / "icio")
        print(f"wrote {src / '2011_SML.csv'} ({(src / '2011_SML.csv').stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        rows = [("read 81 x 50 table + concordance", _run("read", src, Path(tmp), Path(tmp), None))]
        for name, label in (("full", "calibrate, full resolution"), ("g20", "calibrate, 20 regions x 12 sectors")):
            ex = _with_source(EXAMPLES / f"{name}.yaml", src, Path(tmp) / f"{name}.yaml")
            rows.append((label, _run("calibrate", ex, Path(tmp) / name, Path(tmp), None)))
            print(json.dumps({label: rows[-1][1]}), flush=True)
    print("\n| step | seconds | peak MB |\n|---|---|---|")
    for label, r in rows:
        print(f"| {label} | {r.get('seconds', r.get('failed'))} | {r.get('peak_mb', '-')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", nargs="*", help="names of examples/aggregations/*.yaml (default: all)")
    ap.add_argument("--no-compare", action="store_true", help="calibrate and size only")
    ap.add_argument("--compare-timeout", type=float, default=None, help="seconds before a compare is stopped")
    ap.add_argument("--icio-2025-size", action="store_true", help="an 81 x 50 ICIO 2025-layout table (synthetic)")
    ap.add_argument("--child", nargs=4, metavar=("STEP", "EXAMPLE", "DATA", "RESULTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(argparse.Namespace(step=args.child[0], example=args.child[1], data=args.child[2],
                                  results=args.child[3]))
        return
    if args.icio_2025_size:
        icio_2025_size()
        return
    names = args.examples or sorted(p.stem for p in EXAMPLES.glob("*.yaml") if not p.stem.endswith("_scenarios"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="cal-scaling-") as tmp:
        for name in names:
            ex = EXAMPLES / f"{name}.yaml"
            _example_data(ex)
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
