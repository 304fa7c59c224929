"""Each result measure defined once, as a function of solved values or of the tidy result tables.

:func:`cge.results.tables.collect` builds its tables with these functions, the sweep's headline measures
(:func:`headline_rows`) are a projection of those tables, and the report reads the written
tables only. Formulas (spec: ``model.md`` section 6, ``checks.md``; money in bn USD at benchmark
prices deflated by ``PW``, CO2 in Mt):

* equivalent variation ``EV[r] = (C[r] − 1)·Σ_i vc[r,i]·(1 + tpu[r,i])`` (homothetic utility; household
  consumption at buyer prices, :attr:`cge.data.benchmark.Benchmark.household_spending`), ``EV%[r] = 100·(C[r] − 1)``;
  a group's EV% is ``100·Σ EV / Σ benchmark consumption``;
* carbon price ``1000·PCO2[r]/PW`` in USD/t; the coalition's price is the benchmark-emission-weighted
  mean over its members (one price under a tax or coalition trading), 0 without a coalition;
* coalition abatement ``−ΔE(coalition)``, in % of its benchmark emissions;
* leakage rate ``100·ΔE(non-coalition) / (−ΔE(coalition))`` (undefined below :data:`ABATEMENT_NOISE`);
* burden share ``100·EV(non-coalition) / EV(world)`` when the world loses more than :data:`WELFARE_NOISE`;
* every region in the coalition: the non-coalition measures (:data:`NON_COALITION_MEASURES`) are undefined;
* EITE output change: benchmark-output-weighted mean of ``100·(Y − 1)`` over EITE sectors (EITE
  exports and imports likewise, weighted by benchmark exports and imports);
* leakage channels (:func:`leakage_split`): the emission change of each activity ``a`` (a sector's
  output ``Y``, or household consumption ``C``) of a non-coalition region, ``E = Y·I`` with
  intensity ``I = E/Y``, split by the logarithmic mean Divisia index (LMDI-I) into an activity effect
  ``L(E1, E0)·ln(Y1/Y0)`` and an intensity effect ``ΔE − L(E1, E0)·ln(Y1/Y0) = L(E1, E0)·ln(I1/I0)``,
  ``L(a, b) = (a − b)/(ln a − ln b)`` (``L(a, a) = a``); the activity effects of EITE sectors are the
  relocation (competitiveness) channel, the intensity effects of every activity the fuel-price
  channel, the activity effects of other sectors and households the rest. The three sum to ΔE exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: coalition abatement below this share of its benchmark emissions is solver noise: no leakage rate
ABATEMENT_NOISE = 1e-5
#: a world EV below this share of world consumption is solver noise: no burden share
WELFARE_NOISE = 1e-7
#: why the measures of the regions outside the coalition are undefined when every region is in it
GLOBAL_COALITION = "global coalition"
NON_COALITION_MEASURES = ("ev_rest_pct", "burden_share_non_coalition_pct", "leakage_rate_pct",
                          "eite_output_change_non_coalition_pct")


def ev_bn_usd(c: float, consumption: float) -> float:
    """``(C − 1)·Σ vc·(1 + tpu)``: EV in bn USD at benchmark buyer prices."""
    return (c - 1) * consumption


def share_pct(part: float, base: float) -> float:
    """``100·part/base``."""
    return 100 * part / base


def pct_change(new: float, old: float) -> float:
    """``100·(new/old − 1)``, NaN when the benchmark ``old`` is not positive."""
    return 100 * (new / old - 1) if old > 0 else float("nan")


def carbon_price_usd_per_t(pco2: float, pw: float) -> float:
    """``1000·PCO2/PW``: bn USD per Mt deflated by the world price index, in USD/t."""
    return 1000 * pco2 / pw


def weighted_mean(values, weights) -> float:
    """``Σ w·x / Σ w`` (NaN when the weights sum to zero): EITE output changes are weighted by
    benchmark output, the coalition carbon price by benchmark emissions (one price under a
    tax or coalition trading; a weighted average under regional caps)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    total = weights.sum()
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def leakage_rate(d_coalition: float, d_rest: float, e0_coalition: float) -> tuple[float, str | None]:
    """``(100·ΔE(rest) / −ΔE(coalition), None)``, or ``(NaN, reason)`` when the coalition does not
    abate by more than :data:`ABATEMENT_NOISE` of its benchmark emissions ``e0_coalition``."""
    if e0_coalition <= 0:
        return float("nan"), "no coalition"
    if -d_coalition <= ABATEMENT_NOISE * e0_coalition:
        if d_coalition > ABATEMENT_NOISE * e0_coalition:
            return float("nan"), "coalition emissions rise"
        return float("nan"), "no abatement"
    return 100 * d_rest / -d_coalition, None


def burden_share(ev_rest: float, ev_world: float, consumption: float) -> tuple[float, str | None]:
    """``(100·EV(rest) / EV(world), None)`` when the world bears a welfare cost above noise, else NaN."""
    if ev_world < -WELFARE_NOISE * consumption:
        return 100 * ev_rest / ev_world, None
    return float("nan"), "no global welfare cost"


def eite_output_change(sectors: pd.DataFrame, rows=None) -> float:
    """Benchmark-output-weighted mean of ``output_change_pct`` over the EITE rows of the ``sectors``
    table (restricted to the boolean mask ``rows``); NaN without EITE output."""
    sel = sectors["eite"].to_numpy(dtype=bool)
    if rows is not None:
        sel = sel & np.asarray(rows, dtype=bool)
    return weighted_mean(sectors["output_change_pct"].to_numpy(dtype=float)[sel],
                         sectors["output_benchmark_bn_usd"].to_numpy(dtype=float)[sel])


def eite_weighted_change(sectors: pd.DataFrame, value: str, weight: str, by: list[str]) -> pd.Series:
    """``Σ w·x / Σ w`` of the % change ``value`` over the EITE rows of the ``sectors`` table with a
    finite change and positive benchmark ``weight``, by the columns ``by`` (e.g. EITE exports by
    region and scenario, weighted by benchmark exports)."""
    e = sectors[sectors["eite"].astype(bool)]
    e = e[np.isfinite(e[value]) & (e[weight] > 0)]
    g = e.assign(_wx=e[weight] * e[value]).groupby(by, sort=False)[["_wx", weight]].sum()
    return g["_wx"] / g[weight]


def log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The logarithmic mean ``L(a, b) = (a − b)/(ln a − ln b)``, ``L(a, a) = a`` (a, b > 0)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    same = np.abs(a - b) <= 1e-12 * np.maximum(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(same, a, (a - b) / np.where(same, 1.0, np.log(a) - np.log(b)))


def leakage_split(e0, e1, level, eite) -> tuple[float, float, float]:
    """``(EITE relocation, fuel price, other activity)`` in Mt, summing to ``Σ(e1 − e0)`` (module
    docstring): per activity with benchmark emissions ``e0``, emissions ``e1`` and activity level
    ``level`` (benchmark 1), the LMDI-I activity effect ``L(e1, e0)·ln(level)``, summed over the EITE
    activities (``eite``) and over the others; the fuel-price (intensity) channel is the rest,
    ``Σ L(e1, e0)·ln(I1/I0)``. An activity that stops (``e1 = 0`` or ``level = 0``) counts whole as activity."""
    e0, e1 = np.asarray(e0, dtype=float), np.asarray(e1, dtype=float)
    level, eite = np.asarray(level, dtype=float), np.asarray(eite, dtype=bool)
    live = (e0 > 0) & (e1 > 0) & (level > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        activity = np.where(live, log_mean(np.where(live, e1, 1.0), np.where(live, e0, 1.0))
                            * np.log(np.where(live, level, 1.0)), e1 - e0)
    eite_output, other = float(activity[eite].sum()), float(activity[~eite].sum())
    return eite_output, float((e1 - e0).sum()) - eite_output - other, other


def coalition_carbon_price(regions: pd.DataFrame) -> float:
    """Benchmark-emission-weighted carbon price of the coalition (0 without one)."""
    cl = regions["coalition"].to_numpy(dtype=bool)
    if not cl.any():
        return 0.0
    return weighted_mean(regions["carbon_price_usd_per_t"].to_numpy(dtype=float)[cl],
                         regions["emissions_benchmark_mt"].to_numpy(dtype=float)[cl])


def summary_row(regions: pd.DataFrame, sectors: pd.DataFrame, consumption: np.ndarray
                ) -> tuple[dict, list[tuple[str, str]]]:
    """The ``summary`` row from the ``regions`` and ``sectors`` tables (``consumption``: benchmark
    household consumption by region, in the regions' order) and the ``(measure, reason)`` of each
    ratio left undefined. ``bca_revenue_bn_usd`` only when the regions table has the revenue columns."""
    cl = regions["coalition"].to_numpy(dtype=bool)
    e0 = regions["emissions_benchmark_mt"].to_numpy(dtype=float)
    d = regions["emissions_change_mt"].to_numpy(dtype=float)
    e0_cl, d_cl, d_rest = e0[cl].sum(), d[cl].sum(), d[~cl].sum()
    ev = regions["ev_bn_usd"].to_numpy(dtype=float)
    ev_world, ev_cl, ev_rest = ev.sum(), ev[cl].sum(), ev[~cl].sum()
    in_coalition = np.isin(sectors["region"].to_numpy(dtype=object), regions["region"].to_numpy(dtype=object)[cl])
    leakage, why_leakage = leakage_rate(d_cl, d_rest, e0_cl)
    burden, why_burden = burden_share(ev_rest, ev_world, consumption.sum())
    undefined = [(m, why) for m, why in (("leakage_rate_pct", why_leakage),
                                         ("burden_share_non_coalition_pct", why_burden)) if why]
    rest = ~cl
    if cl.any() and not rest.any():         # no region outside the coalition: nothing to measure there
        undefined = [(m, GLOBAL_COALITION) for m in NON_COALITION_MEASURES]
        leakage = burden = float("nan")
    row = {
        "coalition_abatement_mt": -d_cl,
        "coalition_abatement_pct": -share_pct(d_cl, e0_cl) if cl.any() else 0.0,
        "non_coalition_emissions_change_mt": d_rest,
        "global_emissions_change_mt": d_cl + d_rest,
        "leakage_rate_pct": leakage,
        "carbon_price_usd_per_t": coalition_carbon_price(regions),
        "eite_output_change_coalition_pct": eite_output_change(sectors, in_coalition),
        "eite_output_change_non_coalition_pct": eite_output_change(sectors, ~in_coalition),
        "ev_world_bn_usd": ev_world,
        "ev_world_pct": share_pct(ev_world, consumption.sum()),
        "ev_coalition_bn_usd": ev_cl,
        "ev_coalition_pct": share_pct(ev_cl, consumption[cl].sum()) if cl.any() else 0,
        "ev_rest_bn_usd": ev_rest,
        "ev_rest_pct": share_pct(ev_rest, consumption[rest].sum()) if rest.any() else float("nan"),
        "burden_share_non_coalition_pct": burden,
    }
    if "bca_revenue_kept_bn_usd" in regions:   # not in the projection without revenue
        row["bca_revenue_bn_usd"] = (regions["bca_revenue_kept_bn_usd"].sum()
                                     + regions["bca_revenue_returned_received_bn_usd"].sum())
    if not rest.any():
        row["eite_output_change_non_coalition_pct"] = float("nan")
    return row, undefined


#: per-region headline measures: (measure, column of the regions table)
HEADLINE_REGION_COLUMNS = (("ev_pct", "ev_pct"), ("ev_bn_usd", "ev_bn_usd"), ("emissions_mt", "emissions_mt"),
                           ("emissions_change_pct", "emissions_change_pct"),
                           ("carbon_price_usd_per_t", "carbon_price_usd_per_t"))
#: world (``ALL``) headline measures: (measure, column of the summary table)
HEADLINE_WORLD_COLUMNS = (("leakage_rate_pct", "leakage_rate_pct"),
                          ("carbon_price_usd_per_t", "carbon_price_usd_per_t"),
                          ("coalition_abatement_pct", "coalition_abatement_pct"),
                          ("global_emissions_change_mt", "global_emissions_change_mt"),
                          ("ev_pct", "ev_world_pct"), ("ev_bn_usd", "ev_world_bn_usd"))
#: coalition / non-coalition headline measures: (label, EV % column of the summary, EITE column of the summary)
HEADLINE_GROUP_COLUMNS = (("coalition", "ev_coalition_pct", "eite_output_change_coalition_pct"),
                          ("non-coalition", "ev_rest_pct", "eite_output_change_non_coalition_pct"))


def headline_rows(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str, float]]:
    """The measures a sweep stores, as tidy ``(measure, region, value)`` rows selected from one
    scenario's ``regions``, ``sectors`` and ``summary`` tables: per region ``ev_pct``,
    ``ev_bn_usd``, ``emissions_mt``, ``emissions_change_pct``, ``carbon_price_usd_per_t`` and
    ``eite_output_change_pct``; world-level (``ALL``) leakage, carbon price, abatement, emissions
    change, EV and EITE output (over all regions); ``coalition`` / ``non-coalition`` EV % and EITE
    output (for a non-empty group)."""
    reg, sec = tables["regions"], tables["sectors"]
    summ = {c: tables["summary"][c].iloc[0] for c in tables["summary"].columns}
    sector_region = sec["region"].to_numpy(dtype=object)
    by_region = {col: reg[col].to_numpy(dtype=float) for _, col in HEADLINE_REGION_COLUMNS}
    rows: list[tuple[str, str, float]] = []
    for k, region in enumerate(reg["region"].tolist()):
        rows += [(m, region, float(by_region[col][k])) for m, col in HEADLINE_REGION_COLUMNS]
        rows.append(("eite_output_change_pct", region, eite_output_change(sec, sector_region == region)))
    rows += [(m, "ALL", float(summ[col])) for m, col in HEADLINE_WORLD_COLUMNS]
    rows.append(("eite_output_change_pct", "ALL", eite_output_change(sec)))
    cl = reg["coalition"].to_numpy(dtype=bool)
    for (label, ev_col, eite_col), group in zip(HEADLINE_GROUP_COLUMNS, (cl, ~cl)):
        if group.any():
            rows += [("ev_pct", label, float(summ[ev_col])), ("eite_output_change_pct", label, float(summ[eite_col]))]
    return rows
