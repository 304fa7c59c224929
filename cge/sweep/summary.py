"""Summaries of a sweep folder: per design, mean, standard deviation and 5–95% band of each
output across the SSA draws.

* Monte Carlo: sample mean, sample standard deviation (ddof = 1; 0 for a single draw) and the
  empirical 5% and 95% quantiles (linear interpolation).
* Stroud: the quadrature mean and standard deviation (weights 1/(2n)); the band is the normal
  approximation ``mean ± 1.645·sd`` (a quadrature gives moments, not quantiles).
* No SSA: one point per design; ``std`` 0 and the band collapses to the value.

Failed points are left out (``n`` counts the points that solved); they are listed in
``failed.csv`` with their reason and diagnostics.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import CGEError
from cge.io.files import file_digest
from cge.io.latex import tabular
from cge.io.xlsx import write_workbook
from cge.results.schema import SWEEP_STATS
from cge.sweep.ssa import Z95
from cge.sweep.store import SCHEMAS, Store

#: the outputs of interest summarised in summary_stats.csv
MEASURES = ("leakage_rate_pct", "ev_pct", "eite_output_change_pct", "carbon_price_usd_per_t")
STAT_COLUMNS = SWEEP_STATS.names


def _open(out) -> tuple[Path, dict, pd.DataFrame, Store]:
    """``(folder, sweep.json, plan, recovered store)``; an already opened tuple passes through,
    so one summary reads the plan and recovers the store once."""
    if isinstance(out, tuple):
        return out
    out = Path(out)
    if not (out / "plan.parquet").exists() or not (out / "sweep.json").exists():
        raise CGEError(f"{out}: not a sweep folder (no plan.parquet / sweep.json); run `cge sweep` first")
    meta = json.loads((out / "sweep.json").read_text())
    plan = pd.read_parquet(out / "plan.parquet")
    store = Store(out, SCHEMAS[meta.get("kind", "scenario")])
    store.recover()
    return out, meta, plan, store


def open_sweep(out) -> tuple[Path, dict, pd.DataFrame, Store]:
    """The sweep folder ``out`` opened once (plan read, store recovered) for the functions here."""
    return _open(out)


def missing_points(out) -> tuple[int, int]:
    """``(points of the plan with no stored record, distinct points of the plan)``: points never
    solved (an interrupted sweep) or whose partition was quarantined (damaged); the summary
    leaves them out, and ``cge sweep`` solves them again."""
    _, _, plan, store = _open(out)
    planned = set(plan["point_id"])
    return len(planned - set(store.done())), len(planned)


def with_missing_points(out, note: str) -> str:
    """``note`` for a sweep summary, led by a warning when points of the plan are missing
    (:func:`missing_points`): an incomplete sweep must never read as a complete one."""
    missing, total = missing_points(out)
    if not missing:
        return note
    return (f"INCOMPLETE: {missing} of {total} points of the plan are missing (not solved, or their partition "
            f"was quarantined); run `cge sweep` on this folder again. {note}")


def quarantined_partitions(out) -> list[str]:
    """Partitions of ``out`` moved to ``quarantine/`` (this run or an earlier one), by name."""
    folder = _open(out)[0] / "quarantine"
    return sorted(p.name for p in folder.glob("part-*.parquet")) if folder.is_dir() else []


def point_results(out) -> pd.DataFrame:
    """Tidy per-point results of the current plan: design, draw, weight, point_id, measure, region, value."""
    _, _, plan, store = _open(out)
    values = store.values()
    cols = ["design", "draw", "weight", "point_id"] + [c for c in plan.columns if c.startswith("ssa:")]
    return plan[cols].merge(values, on="point_id", how="inner")


def failed_points(out) -> pd.DataFrame:
    """Failed points of the current plan with their reason and diagnostics (JSON)."""
    _, _, plan, store = _open(out)
    recs = store.records()
    cols = ["point_id", "design", "draw", "reason", "diagnostics"]
    if recs.empty or "status" not in recs:
        return pd.DataFrame(columns=cols)
    bad = recs[recs["status"] != "ok"].rename(columns={"id": "point_id"}).reindex(
        columns=["point_id", "reason", "diagnostics"])
    bad = plan[["point_id", "design", "draw"]].merge(bad[["point_id", "reason", "diagnostics"]], on="point_id")
    bad["diagnostics"] = bad["diagnostics"].map(lambda d: json.dumps(d, default=str))
    return bad[cols]


def _stats(g: pd.DataFrame, design: str | None) -> pd.Series:
    x = g["value"].to_numpy(dtype=float)
    ok = np.isfinite(x)
    x, w = x[ok], g["weight"].to_numpy(dtype=float)[ok]
    n = len(x)
    if n == 0:
        return pd.Series({"mean": np.nan, "std": np.nan, "p05": np.nan, "p95": np.nan, "n": 0})
    if design == "stroud":
        w = w / w.sum()
        mean = float((w * x).sum())
        sd = float(np.sqrt(max((w * (x - mean) ** 2).sum(), 0.0)))
        lo, hi = mean - Z95 * sd, mean + Z95 * sd
    else:
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if n > 1 else 0.0
        lo, hi = (float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95)))
    if sd < 1e-12 * max(1.0, abs(mean)):
        sd = 0.0
    return pd.Series({"mean": mean, "std": sd, "p05": lo, "p95": hi, "n": n})


def summary_stats(out, measures=MEASURES, points: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tidy table ``design, measure, region, mean, std, p05, p95, n`` (region ``ALL`` = world)."""
    opened = _open(out)
    _, meta, plan, _ = opened
    pts = point_results(opened) if points is None else points
    pts = pts[pts["measure"].isin(measures)]
    if pts.empty:
        return pd.DataFrame(columns=STAT_COLUMNS)
    design = meta.get("ssa_design")
    rows = []
    order = {d: k for k, d in enumerate(dict.fromkeys(plan["design"]))}
    for (d, m, r), g in pts.groupby(["design", "measure", "region"], sort=False):
        s = _stats(g, design)
        rows.append({"design": d, "measure": m, "region": r, **s.to_dict()})
    df = pd.DataFrame(rows, columns=STAT_COLUMNS)
    df["n"] = df["n"].astype(int)
    df["_d"] = df["design"].map(order)
    df["_m"] = df["measure"].map({m: k for k, m in enumerate(measures)})
    return df.sort_values(["_d", "_m", "region"], kind="stable").drop(columns=["_d", "_m"]).reset_index(drop=True)


def _wide(stats: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """Measure/region rows, one column per design: ``mean ± sd [p05, p95]``."""
    f = f"{{:.{digits}f}}"
    cell = stats.apply(lambda r: f"{f.format(r['mean'])} ± {f.format(r['std'])} "
                                 f"[{f.format(r['p05'])}, {f.format(r['p95'])}]", axis=1)
    t = stats.assign(cell=cell)
    wide = t.pivot_table(index=["measure", "region"], columns="design", values="cell", aggfunc="first", sort=False)
    designs = list(dict.fromkeys(stats["design"]))
    return wide[designs].reset_index()


def write_summary(out) -> pd.DataFrame:
    """Write summary_stats.csv, summary.md, summary.tex, summary.xlsx, points.parquet, failed.csv (a path
    sweep's tables are written by :func:`cge.sweep.path_bands.write_path_summary`)."""
    opened = _open(out)
    out, meta, _, _ = opened
    if meta.get("kind") == "path":
        raise CGEError(f"{out}: a path sweep; its summary is cge.sweep.path_bands.write_path_summary")
    pts = point_results(opened)
    stats = summary_stats(opened, points=pts)
    stats.to_csv(out / "summary_stats.csv", index=False)
    record = {"summary_stats.csv": file_digest(out / "summary_stats.csv"), "designs": list(stats["design"].unique())}
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, out / "summary.json")     # checked by the report (cge.report.data.read_stats)
    pts.to_parquet(out / "points.parquet", index=False)
    failed = failed_points(opened)
    failed.to_csv(out / "failed.csv", index=False)
    design = meta.get("ssa_design")
    band = {"stroud": "Stroud quadrature, band = mean ± 1.645 sd", "monte_carlo": "Monte Carlo, band = 5–95% "
            "quantiles"}.get(design, "no SSA: one point per design")
    note = with_missing_points(opened, f"Cells: mean ± standard deviation [5%, 95%] across SSA draws ({band}). "
                               f"ALL = world; {len(failed)} failed point(s) left out (see failed.csv).")
    if stats.empty:
        (out / "summary.md").write_text(f"# Sweep {meta.get('name', '')}\n\nNo solved points.\n\n{note}\n")
        return stats
    wide = _wide(stats)
    (out / "summary.md").write_text(f"# Sweep {meta.get('name', '')}\n\n{wide.to_markdown(index=False)}\n\n{note}\n")
    (out / "summary.tex").write_text(tabular(wide, f"Sweep {meta.get('name', '')}", note, text_columns=2))
    write_workbook(out / "summary.xlsx", {"summary_stats": stats, "table": wide, "failed": failed})
    return stats
