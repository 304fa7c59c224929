"""The tables of a path sweep folder: the per-year measures of every point (``path_points``) and their band
across the points (``path_bands``: min, median, max and the number of points that solved, by design, year,
measure and region), as declared in :data:`cge.results.schema.PATH_SWEEP`.

A band is the range of the variants of the assumptions the sweep file lists, not a probability interval:
the points are a grid of assumptions, not draws. Failed points are left out (``n`` counts the others) and
listed in ``failed.csv``.
"""

from __future__ import annotations

import json
import os

import pandas as pd

from cge.errors import DataError
from cge.io.files import file_digest
from cge.results.schema import PATH_SWEEP_BY_NAME
from cge.sweep.path_worker import ALL_REGIONS

POINTS, BANDS = PATH_SWEEP_BY_NAME["path_points"], PATH_SWEEP_BY_NAME["path_bands"]
#: the measures of the summary's Markdown table (world, by design and year)
HEADLINE = ("leakage_rate_pct", "ev_world_bn_usd", "emissions_mt")


def path_point_results(opened) -> pd.DataFrame:
    """Tidy per-point values of the plan: ``variant, point_id, design, year, measure, region, value``."""
    from cge.sweep.summary import open_sweep

    _, _, plan, store = open_sweep(opened)
    values = store.values()
    variants = plan[["design", "point_id"]].drop_duplicates("point_id").rename(columns={"design": "variant"})
    return variants.merge(values, on="point_id", how="inner")[POINTS.names]


def path_bands(points: pd.DataFrame) -> pd.DataFrame:
    """Min, median and max across the points by design, year, measure and region (module docstring)."""
    if points.empty:
        return pd.DataFrame(columns=BANDS.names)
    keys = ["design", "year", "measure", "region"]
    g = points.groupby(keys, sort=False)["value"]
    out = g.agg(["min", "median", "max"]).join(g.count().rename("n")).reset_index()
    return out.sort_values(["design", "measure", "region", "year"], kind="stable").reset_index(drop=True)[BANDS.names]


def write_path_summary(opened):
    """Write ``path_points.csv``, ``path_bands.csv``, ``failed.csv`` and ``summary.md`` (the world's leakage,
    EV and emissions by design and year) into the sweep folder; ``summary.json`` records the bands' digest."""
    from cge.sweep.summary import failed_points, open_sweep, with_missing_points

    opened = open_sweep(opened)
    out, meta, _, _ = opened
    points = path_point_results(opened)
    bands = path_bands(points)
    points.to_csv(out / "path_points.csv", index=False)
    bands.to_csv(out / "path_bands.csv", index=False)
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps({"path_bands.csv": file_digest(out / "path_bands.csv"),
                               "variants": list(dict.fromkeys(points["variant"]))}, indent=1))
    os.replace(tmp, out / "summary.json")
    failed = failed_points(opened)
    failed.to_csv(out / "failed.csv", index=False)
    note = with_missing_points(opened, f"Cells: median [min, max] across the {points['point_id'].nunique()} "
                               "point(s) that solved (the variants of the path assumptions); "
                               f"{len(failed)} failed point(s) left out (see failed.csv).")
    world = bands[(bands["region"] == ALL_REGIONS) & bands["measure"].isin(HEADLINE)]
    if world.empty:
        table = "No solved points."
    else:
        cell = world.apply(lambda r: f"{r['median']:.2f} [{r['min']:.2f}, {r['max']:.2f}]", axis=1)
        wide = world.assign(cell=cell).pivot_table(index=["design", "year"], columns="measure", values="cell",
                                                  aggfunc="first")
        table = wide[[m for m in HEADLINE if m in wide.columns]].fillna("").reset_index().to_markdown(index=False)
    (out / "summary.md").write_text(f"# Path sweep {meta.get('name', '')}\n\n{table}\n\n{note}\n")
    return bands


def read_path_bands(folder) -> pd.DataFrame:
    """``path_bands.csv`` of a path sweep folder, checked against the digest ``summary.json`` recorded and
    the contract's columns; a missing or edited file is one error naming it."""
    from pathlib import Path

    from cge.io.files import check_digest

    folder = Path(folder)
    f = folder / "path_bands.csv"
    if not f.exists():
        raise DataError(f"{f}: missing (expected a path sweep folder: `cge sweep` with a path: section)")
    try:
        record = json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        record = {}
    check_digest(f, record.get("path_bands.csv") if isinstance(record, dict) else None, folder / "summary.json")
    df = pd.read_csv(f, dtype={"design": str, "measure": str, "region": str}, keep_default_na=False,
                     na_values=[""])
    missing = [c for c in BANDS.names if c not in df.columns]
    if missing:
        raise DataError(f"{f}: missing column(s) {missing}")
    return df
