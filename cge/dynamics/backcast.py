"""The 2011→2018 backcast: the baseline path against what happened, and AEEI calibrated to it.

Observed: territorial CO2 by country and fuel, Global Carbon Budget 2019 (Friedlingstein et al. 2019,
``shared/data/emissions/gcp2019_co2_by_fuel_1960_2018.csv.gz``; 2017–2018 preliminary), summed over each
region's members (the complement region: every GCB country no other region names; GCB's international
bunkers are in no region); GDP: the SSP v3.1 ``Historical Reference`` (to 2019).

The model's CO2 by fuel (:func:`cge.dynamics.path.emissions_by_fuel`) starts from the dataset's 2011
accounts (JRC, allocated to fuels), whose levels differ from GCB's; so the comparison is of **changes since
the base year**: ``error = 100·(model[t]/model[base] ÷ GCB[t]/GCB[base] − 1)``. Fuels: coal ↔ ``coal``,
oil ↔ ``oil``, gas ↔ ``gas`` (GCB's flaring is left out), and the fossil total of the three.

AEEI calibration (:func:`calibrate_aeei`): on 2011–2015 only (2018 is kept out, for an out-of-sample
test): the rate of each region and fossil fuel that makes the model's 2015/2011 change of that fuel's CO2
equal GCB's, ``a = 1 − (GCB ratio / model ratio)^(1/4)`` applied to the current rate, twice (general-
equilibrium feedback moves the model's ratio a little after the first pass), clipped to ±10% a year.
Real GDP follows the SSP by construction (labour productivity is calibrated to it), so its error is the
gap between the SSP's history and its own projection only where they differ (none before 2020).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cge.data.benchmark import Benchmark
from cge.dynamics.countries import Membership, country_concordance, membership
from cge.dynamics.drivers import shared_projections
from cge.dynamics.growth_path import growth_path, world_index
from cge.dynamics.path import run_path
from cge.dynamics.setup import base_year, drivers_for
from cge.errors import DataError

FUELS = {"coa": "coal", "oil": "oil", "gas": "gas"}
CALIBRATION_YEARS = (2011, 2015)
CHECK_YEARS = (2015, 2018)
AEEI_CLIP_PCT = 10.0


def gcb_by_region(m: Membership, path: Path | None = None) -> pd.DataFrame:
    """GCB 2019 CO2 (Mt) by region, year and GCB fuel."""
    path = path or shared_projections().parent / "emissions" / "gcp2019_co2_by_fuel_1960_2018.csv.gz"
    if not path.exists():
        raise DataError(f"{path}: GCB 2019 by fuel is missing (set CGE_SHARED_DATA)")
    raw = pd.read_csv(path)
    conc = country_concordance()
    names = {r: {conc.at[c, "gcb_name"] for c in cs if c in conc.index and conc.at[c, "gcb_name"]}
             for r, cs in m.members.items()}
    named = set().union(*names.values())
    frames = []
    for r, ns in names.items():
        sel = raw[raw["country"].isin(ns)] if r != m.complement else raw[~raw["country"].isin(named)]
        if r == m.complement and ns:
            sel = pd.concat([sel, raw[raw["country"].isin(ns)]])
        frames.append(sel.groupby(["year", "fuel"], as_index=False)["co2_mt"].sum().assign(region=r))
    return pd.concat(frames, ignore_index=True)


def assumptions_with(a, rates: dict):
    """``a`` with AEEI rates ``{(region, fuel): % a year}`` before its own rows."""
    from dataclasses import replace

    rows = [{"region": r, "fuel": f, "rate_pct_per_year": v, "source": "calibrated"} for (r, f), v in rates.items()]
    keep = a.aeei[~a.aeei.set_index(["region", "fuel"]).index.isin(list(rates))]
    return replace(a, aeei=pd.concat([pd.DataFrame(rows), keep], ignore_index=True))


def _path(b, table, a, years):
    base = years[0]
    gdp = table[table["ssp"] == a.ssp].pivot(index="year", columns="region", values="gdp_bn_usd2017_ppp")
    pop = table[table["ssp"] == a.ssp].pivot(index="year", columns="region", values="population_million")
    from cge.bca.growth import energy_goods
    from cge.data.flows import Flows

    growth = growth_path(Flows(b), gdp.loc[years, list(b.regions)] / gdp.loc[base, list(b.regions)],
                         pop.loc[years, list(b.regions)] / pop.loc[base, list(b.regions)],
                         world_index(gdp[list(b.regions)], base), a, energy_goods(b), years)
    return run_path(b, growth).tables["path_baseline"]


def _ratios(base_table: pd.DataFrame, year: int, base: int) -> dict[tuple[str, str], float]:
    t = base_table.set_index(["year", "region"])
    out = {}
    for r in base_table["region"].unique():
        for f in FUELS:
            out[(r, f)] = t.at[(year, r), f"co2_{f}_mt"] / t.at[(base, r), f"co2_{f}_mt"]
        tot = sum(t.at[(year, r), f"co2_{f}_mt"] for f in FUELS)
        out[(r, "fossil")] = tot / sum(t.at[(base, r), f"co2_{f}_mt"] for f in FUELS)
    return out


def _observed(gcb: pd.DataFrame, year: int, base: int) -> dict[tuple[str, str], float]:
    w = gcb.pivot_table(index=["region", "year"], columns="fuel", values="co2_mt", aggfunc="sum").fillna(0.0)
    out = {}
    for r in gcb["region"].unique():
        for f, g in FUELS.items():
            out[(r, f)] = w.at[(r, year), g] / w.at[(r, base), g] if w.at[(r, base), g] > 0 else np.nan
        out[(r, "fossil")] = (sum(w.at[(r, year), g] for g in FUELS.values())
                              / sum(w.at[(r, base), g] for g in FUELS.values()))
    return out


def calibrate_aeei(b: Benchmark, dataset: Path, a, passes: int = 2) -> dict[tuple[str, str], float]:
    """AEEI rates (% a year) by (region, fossil fuel) fitted on 2011–2015 (module docstring)."""
    base, end = CALIBRATION_YEARS
    if base_year(b) != base:
        raise DataError(f"dataset {b.name}: the backcast calibrates on {base}–{end}; its base year is {base_year(b)}")
    table = drivers_for(b, dataset, a.ssp, a.wpp_variant)
    gcb = gcb_by_region(membership(dataset, tuple(b.regions)))
    obs = _observed(gcb, end, base)
    rates = {(r, f): 0.0 for r in b.regions for f in FUELS}
    for _ in range(passes):
        model = _ratios(_path(b, table, assumptions_with(a, rates), [base, end]), end, base)
        for k in rates:
            if np.isfinite(obs[k]) and model[k] > 0:
                keep = (1 - rates[k] / 100) * (obs[k] / model[k]) ** (1 / (end - base))
                rates[k] = float(np.clip(100 * (1 - keep), -AEEI_CLIP_PCT, AEEI_CLIP_PCT))
    return rates


def backcast_table(b: Benchmark, dataset: Path, a, end: int = 2018) -> pd.DataFrame:
    """``region, year, measure, model_index, observed_index, error_pct`` for the years of :data:`CHECK_YEARS`:
    CO2 by fuel and fossil total against GCB 2019, real GDP against the SSP history (indices, base year = 1)."""
    base = base_year(b)
    table = drivers_for(b, dataset, a.ssp, a.wpp_variant)
    path = _path(b, table, a, list(range(base, end + 1)))
    gcb = gcb_by_region(membership(dataset, tuple(b.regions)))
    hist = table[table["ssp"] == a.ssp].pivot(index="year", columns="region", values="gdp_bn_usd2017_ppp")
    t = path.set_index(["year", "region"])
    rows = []
    for y in CHECK_YEARS:
        model, obs = _ratios(path, y, base), _observed(gcb, y, base)
        for r in b.regions:
            for f in [*FUELS, "fossil"]:
                rows.append((r, y, f"co2_{FUELS.get(f, f)}", model[(r, f)], obs[(r, f)]))
            rows.append((r, y, "gdp", t.at[(y, r), "gdp_index"], hist.at[y, r] / hist.at[base, r]))
    df = pd.DataFrame(rows, columns=["region", "year", "measure", "model_index", "observed_index"])
    df["error_pct"] = 100 * (df["model_index"] / df["observed_index"] - 1)
    return df
