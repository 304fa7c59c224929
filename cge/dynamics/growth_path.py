"""The growth multipliers of each year of a baseline path (:mod:`cge.bca.growth`), from the drivers
and the assumptions. Everything here is known before any solve: investment is a fixed demand of the
model that grows with the region's GDP target, so the capital stock it builds does not depend on the
equilibrium (nor on a policy: capital accumulation does not respond to carbon prices on this path).

For region r and year t (base year 0, step n years):

* real GDP target ``g[t] = GDP_SSP[r,t] / GDP_SSP[r,0]`` (SSP v3.1, constant 2017 PPP);
* capital ``K[t+n] = (1−δ)^n·K[t] + I[t]·Σ_{s<n}(1−δ)^s``, ``K[0] = capital income/(ρ+δ)``,
  ``I[t] = vi[r]·g[t]`` (investment at benchmark prices); ``endow[r,capital] = K[t]/K[0]`` (rule
  ``accumulate``; rule ``with_gdp`` sets it to ``g[t]``, K/Y constant);
* fossil resources and other non-labour, non-capital factors: ``g[t]^ε`` (ε the resource elasticity);
* labour in efficiency units, from real GDP at constant benchmark factor prices (real value added),
  ``g·VA0 = wL0·endow_L + rK0·endow_K + R0·endow_R``, so ``endow_L`` makes the region's real value added
  follow the SSP exactly; labour productivity is ``endow_L / (population[t]/population[0])``;
* government and investment demand: ``final[r] = g[t]``;
* current account ``bop[r,t] = bop[r,0]·W[t]·max(0, 1 − t/(zero_by − base))`` with ``W`` the world GDP
  index (the sum over regions of SSP GDP): Σ_r bop stays 0 (rule ``linear_to_zero``, the default; rule
  ``constant_share`` keeps ``bop[r,0]·W[t]``);
* AEEI ``aeei[r,i] = (1 − a[r,i]/100)^t``.

A zero-growth path (every index 1, AEEI 0, ``zero_by`` far away) leaves every multiplier at its static
value, so its solves are the static model's (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cge.data.flows import Flows
from cge.dynamics.assumptions import Assumptions
from cge.errors import DataError

CAPITAL = frozenset({"capital", "cap", "k"})
LABOUR = frozenset({"labour", "labor", "lab", "l", "skl", "unsk", "skilled", "unskilled"})


@dataclass(frozen=True)
class YearGrowth:
    """The multipliers of one year and the indices they come from (region → value)."""

    year: int
    endow: dict          # (region, factor) -> multiplier
    rent: dict           # (region, sector) -> multiplier
    final: dict          # region -> multiplier
    bop: dict            # region -> bn USD at PW
    aeei: dict           # (region, good) -> multiplier
    gdp_index: dict
    population_index: dict
    capital_index: dict
    labour_productivity_index: dict


def years_of(base: int, end: int, step: int) -> list[int]:
    """The base year, then every calendar year divisible by ``step`` up to ``end`` (on that grid):
    2011, 2015, 2020, … with 5-year steps; every year with 1-year steps."""
    if step not in (1, 5):
        raise DataError(f"path step {step}: must be 1 or 5 years")
    if end <= base:
        raise DataError(f"path end year {end} must come after the base year {base}")
    if end % step:
        raise DataError(f"path end year {end} is not on the {step}-year grid (a multiple of {step})")
    return [base] + [y for y in range(base + 1, end + 1) if y % step == 0]


def growth_path(fl: Flows, gdp: pd.DataFrame, pop: pd.DataFrame, world_gdp: pd.Series, a: Assumptions,
                energy_goods: tuple[str, ...], years: list[int]) -> list[YearGrowth]:
    """The multipliers of every year of ``years`` (the first is the base year). ``gdp`` and ``pop``:
    region indices by year (1 in the base year); ``world_gdp``: the world index by year."""
    b = fl.b
    base = years[0]
    delta, rho = a.depreciation_rate, a.net_rate_of_return
    factors = {r: dict(fl.nonzero("evf", region=r)) for r in b.regions}
    rents = {r: dict(fl.nonzero("vrs", region=r)) for r in b.regions}
    invest = {r: sum(q for (i, agent), q in fl.nonzero("fd", region=r) if agent == "investment") for r in b.regions}
    cap0 = {r: sum(q for f, q in factors[r].items() if f.lower() in CAPITAL) for r in b.regions}
    lab0 = {r: sum(q for f, q in factors[r].items() if f.lower() in LABOUR) for r in b.regions}
    other0 = {r: sum(q for f, q in factors[r].items() if f.lower() not in CAPITAL | LABOUR) + sum(rents[r].values())
              for r in b.regions}
    for r in b.regions:
        if lab0[r] <= 0:
            raise DataError(f"region {r}: no labour income in the benchmark (factors {', '.join(factors[r])}); "
                            "labour productivity cannot be calibrated to GDP")
    k_stock = {r: cap0[r] / (rho + delta) for r in b.regions}
    out = []
    prev = base
    for t in years:
        n = t - prev
        if n:
            for r in b.regions:
                g_prev = float(gdp.at[prev, r])
                k_stock[r] = ((1 - delta) ** n * k_stock[r]
                              + invest[r] * g_prev * sum((1 - delta) ** s for s in range(n)))
        prev = t
        endow, rent, gi, ki, lp = {}, {}, {}, {}, {}
        for r in b.regions:
            g = float(gdp.at[t, r])
            kidx = (g if a.capital_rule == "with_gdp"
                    else k_stock[r] / (cap0[r] / (rho + delta)) if cap0[r] > 0 else 1.0)
            ridx = g ** a.resource_elasticity
            lab = (g * (lab0[r] + cap0[r] + other0[r]) - cap0[r] * kidx - other0[r] * ridx) / lab0[r]
            if not lab > 0:
                raise DataError(f"region {r}, year {t}: capital and resources alone exceed the SSP GDP target "
                                f"(index {g:.3f}); labour productivity would be negative")
            for f in factors[r]:
                fl_ = f.lower()
                endow[(r, f)] = kidx if fl_ in CAPITAL else lab if fl_ in LABOUR else ridx
            for j in rents[r]:
                rent[(r, j)] = ridx
            gi[r], ki[r] = g, kidx
            lp[r] = lab / float(pop.at[t, r])
        span = a.current_account_zero_by - base
        keep = (1.0 if a.current_account_rule == "constant_share"
                else max(0.0, 1.0 - (t - base) / span) if span > 0 else (1.0 if t == base else 0.0))
        w = float(world_gdp.at[t])
        bop = {r: fl("bop", r) * w * keep for r in b.regions}
        aeei = {(r, i): (1 - a.aeei_rate(r, i) / 100.0) ** (t - base) for r in b.regions for i in energy_goods}
        out.append(YearGrowth(t, endow, rent, {r: gi[r] for r in b.regions}, bop, aeei, gi,
                              {r: float(pop.at[t, r]) for r in b.regions}, ki, lp))
    return out


def set_year(bm, yg: YearGrowth) -> None:
    """Put the multipliers of one year into the model's growth parameters."""
    d = bm.d
    for k, p in d.endow.items():
        p.value = yg.endow[k]
    for k, p in d.rent.items():
        p.value = yg.rent[k]
    for r, p in d.final.items():
        p.value = yg.final[r]
    for r, p in d.bop.items():
        p.value = yg.bop[r]
    for k, p in d.aeei.items():
        p.value = yg.aeei[k]


def world_index(gdp_levels: pd.DataFrame, base: int) -> pd.Series:
    """World real GDP index by year (regions summed at constant PPP)."""
    tot = gdp_levels.sum(axis=1)
    return tot / tot.loc[base]


def check_finite(yg: YearGrowth) -> None:
    for name in ("endow", "rent", "final", "bop", "aeei"):
        vals = np.array(list(getattr(yg, name).values()), dtype=float)
        if vals.size and not np.all(np.isfinite(vals)):
            raise DataError(f"year {yg.year}: a growth multiplier ({name}) is not finite")
