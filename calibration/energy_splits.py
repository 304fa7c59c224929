"""Output shares for the data-driven splits of WIOD's ``c2`` (mining) and ``c17`` (utilities).

Mining, by region ``r`` (values in M USD; quantities from BP, prices from BP benchmarks):

    v_coa = Q_coal[Mt]·P_coal[USD/t],  v_cru = Q_oil[Mt]·b·P_oil[USD/bbl],
    v_ngs = Q_gas[bcm]·m·P_gas[USD/MMBtu]   (b = bbl per tonne, m = million MMBtu per bcm)
    λ = min(1, (1 − φ)·GO_c2 / (v_coa + v_cru + v_ngs));  θ_k = λ·v_k/GO_c2 (k fossil),
    θ_omn = 1 − Σ_k θ_k                                      (φ = floor on the other-mining share)

Utilities: water takes the fixed share ``ω``; electricity and gas distribution share the rest in
proportion to notional values ``v_ele = generation[TWh]·p_ele`` and
``v_gdt = gas consumption[bcm]·m·margin``:  ``θ_ele = (1 − ω)·v_ele/(v_ele + v_gdt)`` etc.

Fallbacks (recorded): a region with neither BP electricity generation nor gas consumption (small
countries BP does not list separately) takes the world ratio of the two; a region whose WIOD
``c2`` output is zero keeps all of it (nothing) in other mining.
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


def mining_shares(go_c2: np.ndarray, bp: pd.DataFrame, price: pd.DataFrame, par: dict,
                  fallbacks=None) -> pd.DataFrame:
    """Output shares of coal, crude, natural gas and other mining in ``c2`` (module docstring)."""
    v = pd.DataFrame(index=bp.index)
    v["coa"] = bp["coal_production_mt"] * price["coal"]
    v["cru"] = bp["oil_production_mt"] * par["barrels_per_tonne_crude"] * price["oil"]
    v["ngs"] = bp["gas_production_bcm"] * par["mmbtu_per_bcm_gas"] * price["gas"]
    fossil = v.sum(axis=1).to_numpy()
    go = np.asarray(go_c2, float)
    zero = go <= 0
    if zero.any():
        if fallbacks is None:
            raise DataError(f"mining split: WIOD c2 output is zero in {list(bp.index[zero])}")
        for r in bp.index[zero]:
            fallbacks.add(r, "c2", "WIOD mining output is zero: all of it (nothing) is other mining", 0.0, "M USD")
        v.loc[zero] = 0.0
        fossil = v.sum(axis=1).to_numpy()
        go = np.where(zero, 1.0, go)
    lam = np.minimum(1.0, (1 - par["other_mining_min_share"]) * go / np.maximum(fossil, 1e-300))
    shares = v.mul(lam / go, axis=0)
    shares["omn"] = 1 - shares.sum(axis=1)
    shares["fossil_value_M_USD"] = fossil
    shares["scale_lambda"] = lam
    return shares


def utility_shares(bp: pd.DataFrame, par: dict, fallbacks=None) -> pd.DataFrame:
    """Output shares of electricity, gas distribution and water in ``c17`` (module docstring)."""
    ele = bp["electricity_generation_twh"] * par["electricity_price"]
    gdt = bp["gas_consumption_bcm"] * par["mmbtu_per_bcm_gas"] * par["gas_distribution_margin"]
    w = par["water_share_of_utilities"]
    tot = (ele + gdt).replace(0, np.nan)
    out = pd.DataFrame({"ele": (1 - w) * ele / tot, "gdt": (1 - w) * gdt / tot}, index=bp.index)
    gap = out.isna().any(axis=1)
    if gap.any():
        if fallbacks is None or ele.sum() + gdt.sum() <= 0:
            raise DataError(f"utilities split: {list(bp.index[gap])} have neither electricity generation nor "
                            "gas consumption in BP")
        wele = ele.sum() / (ele.sum() + gdt.sum())
        for r in bp.index[gap]:
            out.loc[r, "ele"], out.loc[r, "gdt"] = (1 - w) * wele, (1 - w) * (1 - wele)
            fallbacks.add(r, "c17", "no BP electricity generation or gas consumption: world electricity/gas "
                          "ratio used for the utilities split", float(out.loc[r, "ele"]), "share (ele)")
    out["wtr"] = w
    return out
