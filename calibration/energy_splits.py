"""Output shares for the data-driven splits of WIOD's ``c2`` (mining) and ``c17`` (utilities).

Mining, by region ``r`` (values in M USD; quantities from BP, prices from BP benchmarks):

    v_coa = Q_coal[Mt]·P_coal[USD/t],  v_cru = Q_oil[Mt]·b·P_oil[USD/bbl],
    v_ngs = Q_gas[bcm]·m·P_gas[USD/MMBtu]   (b = bbl per tonne, m = million MMBtu per bcm)
    λ = min(1, (1 − φ)·GO_c2 / (v_coa + v_cru + v_ngs));  θ_k = λ·v_k/GO_c2 (k fossil),
    θ_omn = 1 − Σ_k θ_k                                      (φ = floor on the other-mining share)

Utilities: water takes the fixed share ``ω``; electricity and gas distribution share the rest in
proportion to notional values ``v_ele = generation[TWh]·p_ele`` and
``v_gdt = gas consumption[bcm]·m·margin``:  ``θ_ele = (1 − ω)·v_ele/(v_ele + v_gdt)`` etc.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.errors import DataError

MINING_CHILDREN = ("coa", "cru", "ngs", "omn")
UTILITY_CHILDREN = ("ele", "gdt", "wtr")


def read_parameters(path) -> dict[str, float]:
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(path)
    require_columns(df, ["key", "value"], path)
    vals = pd.to_numeric(df["value"], errors="coerce")
    if vals.isna().any():
        k = int(np.nonzero(vals.isna().to_numpy())[0][0])
        raise DataError(f"{path}, row {k + 2}: value of {df['key'].iloc[k]!r} is not a number")
    return dict(zip(df["key"], vals.astype(float)))


def benchmark_prices(benchmarks_csv, prices: dict[str, float], regions) -> pd.DataFrame:
    """Price by region × fuel (coal USD/t, oil USD/bbl, gas USD/MMBtu) from the benchmark map."""
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(benchmarks_csv)
    require_columns(df, ["region", "fuel", "benchmark"], benchmarks_csv)
    out = pd.DataFrame(np.nan, index=list(regions), columns=["coal", "oil", "gas"])
    for k, (r, f, b) in enumerate(zip(df["region"], df["fuel"], df["benchmark"])):
        if r not in out.index or f not in out.columns:
            raise DataError(f"{benchmarks_csv}, row {k + 2}: unknown region {r!r} or fuel {f!r}")
        if b not in prices:
            raise DataError(f"{benchmarks_csv}, row {k + 2}: benchmark {b!r} has no price for the year")
        out.loc[r, f] = prices[b]
    if out.isna().any().any():
        r, f = next((r, f) for r in out.index for f in out.columns if np.isnan(out.loc[r, f]))
        raise DataError(f"{benchmarks_csv}: no price benchmark for {f} in {r}")
    return out


def mining_shares(go_c2: np.ndarray, bp: pd.DataFrame, price: pd.DataFrame, par: dict) -> pd.DataFrame:
    """Output shares of coal, crude, natural gas and other mining in ``c2`` (module docstring)."""
    v = pd.DataFrame(index=bp.index)
    v["coa"] = bp["coal_production_mt"] * price["coal"]
    v["cru"] = bp["oil_production_mt"] * par["barrels_per_tonne_crude"] * price["oil"]
    v["ngs"] = bp["gas_production_bcm"] * par["mmbtu_per_bcm_gas"] * price["gas"]
    fossil = v.sum(axis=1).to_numpy()
    go = np.asarray(go_c2, float)
    if (go <= 0).any():
        raise DataError(f"mining split: WIOD c2 output is zero in {list(bp.index[go <= 0])}")
    lam = np.minimum(1.0, (1 - par["other_mining_min_share"]) * go / np.maximum(fossil, 1e-300))
    shares = v.mul(lam / go, axis=0)
    shares["omn"] = 1 - shares.sum(axis=1)
    shares["fossil_value_M_USD"] = fossil
    shares["scale_lambda"] = lam
    return shares


def utility_shares(bp: pd.DataFrame, par: dict) -> pd.DataFrame:
    """Output shares of electricity, gas distribution and water in ``c17`` (module docstring)."""
    ele = bp["electricity_generation_twh"] * par["electricity_price"]
    gdt = bp["gas_consumption_bcm"] * par["mmbtu_per_bcm_gas"] * par["gas_distribution_margin"]
    w = par["water_share_of_utilities"]
    tot = (ele + gdt).replace(0, np.nan)
    out = pd.DataFrame({"ele": (1 - w) * ele / tot, "gdt": (1 - w) * gdt / tot}, index=bp.index)
    if out.isna().any().any():
        raise DataError("utilities split: a region has neither electricity generation nor gas consumption")
    out["wtr"] = w
    return out
