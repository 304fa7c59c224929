"""What runs on a worker for a path sweep: solve one point's whole path (:func:`cge.dynamics.path.run_path`:
the baseline, then every design from the same year's baseline) and keep its per-year measures as tidy
rows ``(design, year, measure, region, value)``, the values of :data:`cge.sweep.store.PATH_VALUE_SCHEMA`.

Measures (region ``ALL``: the world, or the coalition's measure where the name says so):

* design ``baseline``: ``emissions_mt`` by region and ALL, ``gdp_index`` and ``consumption_index`` by region;
* every policy design: ``emissions_mt``, ``emissions_change_pct``, ``ev_bn_usd``, ``ev_pct`` and
  ``eite_output_change_pct`` by region, and on ALL the ``path_summary`` columns (``leakage_rate_pct``,
  ``carbon_price_usd_per_t``, ``ev_world_bn_usd``, ...) and ``ev_outside_coalition_bn_usd`` (the burden).
"""

from __future__ import annotations

import time
import traceback

import pandas as pd

from cge.dynamics.path import BASELINE

#: the region label of world (and coalition) measures, as in the headline measures of a scenario sweep
ALL_REGIONS = "ALL"
BASELINE_MEASURES = ("emissions_mt", "gdp_index", "consumption_index")
REGION_MEASURES = ("emissions_mt", "emissions_change_pct", "ev_bn_usd", "ev_pct", "eite_output_change_pct")
SUMMARY_MEASURES = ("carbon_price_usd_per_t", "leakage_rate_pct", "coalition_emissions_change_pct",
                    "global_emissions_change_mt", "eite_output_change_coalition_pct", "ev_world_bn_usd")
BURDEN = "ev_outside_coalition_bn_usd"


def _rows(df: pd.DataFrame, design, measures, region=None) -> list[tuple]:
    out = []
    for rec in df.to_dict("records"):
        d = rec["design"] if design is None else design
        r = rec["region"] if region is None else region
        out += [(str(d), int(rec["year"]), m, str(r), float(rec[m])) for m in measures]
    return out


def path_values(tables: dict[str, pd.DataFrame]) -> list[tuple[str, int, str, str, float]]:
    """The tidy per-year measures of one solved path (module docstring)."""
    base, summ, reg = tables["path_baseline"], tables["path_summary"], tables["path_regions"]
    world = base.groupby("year", as_index=False)["emissions_mt"].sum()
    rows = _rows(base, BASELINE, BASELINE_MEASURES) + _rows(world, BASELINE, ("emissions_mt",), ALL_REGIONS)
    rows += _rows(reg, None, REGION_MEASURES) + _rows(summ, None, SUMMARY_MEASURES, ALL_REGIONS)
    if len(reg):
        outside = ~reg["coalition"].astype(bool)
        burden = reg[outside].groupby(["design", "year"], as_index=False, sort=False)["ev_bn_usd"].sum()
        world_e = reg.groupby(["design", "year"], as_index=False, sort=False)["emissions_mt"].sum()
        rows += _rows(burden.rename(columns={"ev_bn_usd": BURDEN}), None, (BURDEN,), ALL_REGIONS)
        rows += _rows(world_e, None, ("emissions_mt",), ALL_REGIONS)
    return rows


def solve_path_batch(benchmark, fingerprint: str, items: list, solver: dict, route: str = "auto") -> list[dict]:
    """Solve ``(point_id, PathWork)`` items; every point returns a record, failures included (a path that
    stops names its design and year in ``reason``; the years solved before it are not stored)."""
    from cge.runtime.pyomo_compat import defer_pyomo_scipy_finaliser

    defer_pyomo_scipy_finaliser()  # a worker process is an entry point (cge/runtime/pyomo_compat.py)
    from cge.dynamics.path import run_path
    from cge.sweep.worker import worker_name

    out = []
    for pid, work in items:
        t0 = time.perf_counter()
        rec: dict = {"id": pid, "worker": worker_name()}
        try:
            res = run_path(benchmark, work.growth, work.designs, discount_rate_pct=work.discount_rate,
                           elasticities=work.elasticities, solver=solver, route=route)
            rec.update({"status": "ok", "years": len(work.growth), "values": path_values(res.tables),
                        "timings_s": {k: round(v, 3) for k, v in res.timings.items()}})
        except Exception as exc:  # noqa: BLE001 - a failed point never stops the sweep
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            rec.update({"status": "failed", "reason": f"{type(exc).__name__}: {first}"[:500],
                        "diagnostics": {"message": str(exc)[:4000], "traceback": traceback.format_exc(limit=6)},
                        "values": []})
        rec["built_model"] = True
        rec["point_s"] = time.perf_counter() - t0
        out.append(rec)
    return out
