"""The data report: totals per region from a benchmark.

Columns: gross output; GDP = final demand − bop (= value added here, as there are no taxes) next to
World Bank GDP; CO2 (combustion + process) next to GCB territorial and EDGAR with differences in %;
the direct CO2 intensity of EITE exports, ``Σ_{j∈EITE} θ[r,j]·X[r,j] / Σ_{j∈EITE} X[r,j]`` with
``θ[r,j] = (Σ_f co2[r,f,j] + co2p[r,j]) / vom[r,j]`` (kg CO2 per USD = Mt per bn USD) and
``X[r,j] = Σ_s vxmd[j,r,s]``; and the trade balance (exports − imports, fob).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.data import intensity
from cge.data.benchmark import Benchmark, summary


def eite_export_intensity(b: Benchmark) -> np.ndarray:
    """Export-weighted direct CO2 intensity of EITE exports by region (kg CO2 per USD)."""
    J = b.sectors
    idx = [J.index(s) for s in b.tags.eite]
    theta = intensity.direct(b)                                                # [r, j], Mt per bn USD
    X = b.vxmd.sum(axis=2).T                                                   # [r, j]
    num = (theta[:, idx] * X[:, idx]).sum(axis=1)
    den = X[:, idx].sum(axis=1)
    return np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)


def table(b: Benchmark) -> pd.DataFrame:
    """Region totals (see module docstring), with a World row."""
    s = summary(b)
    df = pd.DataFrame({
        "region": list(b.regions),
        "output_bn": s["output_bn_usd"].to_numpy(),
        "gdp_bn": s["gdp_bn_usd"].to_numpy(),
        "co2_mt": s["co2_mt"].to_numpy(),
        "eite_export_kg_per_usd": eite_export_intensity(b),
        "trade_balance_bn": s["trade_balance_bn_usd"].to_numpy(),
        "population_m": s["population_million"].to_numpy(),
    })
    cmp = pd.DataFrame((b.metadata.get("calibration") or {}).get("co2_comparison") or [])
    if not cmp.empty:
        cmp = cmp.set_index("region").reindex(df["region"])
        df["gdp_wb_bn"] = cmp["gdp_world_bank_bn_usd"].to_numpy()
        df["co2_gcb_mt"] = cmp["co2_gcb_territorial_mt"].to_numpy()
        df["diff_gcb_%"] = 100 * (df["co2_mt"] / df["co2_gcb_mt"] - 1)
        df["co2_edgar_mt"] = cmp["co2_edgar_mt"].to_numpy()
        df["diff_edgar_%"] = 100 * (df["co2_mt"] / df["co2_edgar_mt"] - 1)
    world = df.drop(columns=["region"]).sum(numeric_only=True)
    world["eite_export_kg_per_usd"] = np.nan
    for ref in ("gcb", "edgar"):
        if f"co2_{ref}_mt" in df:
            world[f"diff_{ref}_%"] = 100 * (world["co2_mt"] / world[f"co2_{ref}_mt"] - 1)
    df.loc[len(df)] = ["World", *world[df.columns[1:]].to_numpy()]
    return df


def text(b: Benchmark) -> str:
    """The report as plain text."""
    df = table(b)
    fmt = {c: (lambda v: f"{v:,.2f}") if "kg_per" in c else (lambda v: f"{v:,.1f}") for c in df.columns[1:]}
    head = (f"Data report: {b.name} ({len(b.regions)} regions x {len(b.sectors)} sectors; bn USD, Mt CO2; "
            "CO2 = combustion + cement process; GCB/EDGAR territorial exclude bunkers)")
    return head + "\n" + df.to_string(index=False, formatters=fmt, na_rep="-")
