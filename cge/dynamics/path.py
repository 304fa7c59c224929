"""The baseline path and policy designs on it, solved year by year with warm starts.

:func:`run_path` solves the baseline (no carbon price anywhere) in every year of the path, then each
design: a schedule ``{from_year: Scenario}`` (the scenario of the latest ``from_year`` at or before
a year applies in it; before the first, the design is the baseline). Each design's model is compiled
once per structure; a year starts from the design's solution of the previous year, or, in its first
policy year, from that year's baseline. Results are relative to the **same year's baseline**:

* ``path_baseline``: drivers and outcomes of the baseline by year and region (population, GDP
  target, capital, labour productivity, CO2 by fuel, consumption);
* ``path_summary``: by design and year, the coalition's carbon price, leakage rate, the coalition's
  EITE output change and world EV;
* ``path_regions``: by design, year and region, EV (bn USD at base-year prices, ``(C − C_base)·c0``)
  and EV %, emissions and their change, EITE output change;
* ``path_welfare``: by design and region, EV summed over the path (each solved year stands for the
  years to the next one) and discounted to the base year at ``discount_rate_pct``.

A year whose solve fails stops the path: :class:`PathSolveError` names the design and year (the
solver's message names the worst equations) and carries the tables of the years already solved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyomo.core import value

from cge.bca.design import resolve_design
from cge.bca.model import BCAModel
from cge.core import query
from cge.data.benchmark import HOUSEHOLD, Benchmark
from cge.data.flows import Flows
from cge.dynamics.growth_path import YearGrowth, check_finite, set_year
from cge.results.measures import carbon_price_usd_per_t, leakage_rate
from cge.results.run import solve_warm_then_cold
from cge.results.schema import PATH_BY_NAME
from cge.scenarios.options import solver_default
from cge.scenarios.spec import Scenario
from cge.solve import SolveError, compile_system

BASELINE = "baseline"
DEFAULT_DISCOUNT_RATE_PCT = 3.0


class PathSolveError(SolveError):
    """A year of the path did not solve; ``.partial`` holds the :class:`PathResult` of the years before."""

    def __init__(self, message, result=None, partial=None):
        super().__init__(message, result)
        self.partial = partial


@dataclass
class PathResult:
    tables: dict[str, pd.DataFrame]
    timings: dict = field(default_factory=dict)


def baseline_scenario(coalition=(), elasticities: dict | None = None) -> Scenario:
    """The path's baseline: no carbon price anywhere, with the elasticity overrides of a variant."""
    return Scenario(name=BASELINE, coalition=list(coalition), policy={"instrument": "none"},
                    elasticities=dict(elasticities or {}))


def with_elasticities(sc: Scenario, elasticities: dict | None) -> Scenario:
    """``sc`` with the elasticity overrides of a variant laid over its own (the variant's win)."""
    return sc.replace(elasticities={**sc.elasticities, **elasticities}) if elasticities else sc


def _solver(settings: dict | None = None) -> dict:
    """The Newton settings of every solve on the path: the schema's defaults, or ``settings`` (a sweep's)."""
    keys = ("tol", "max_iter", "check_tol")
    return {k: (settings or {}).get(k, solver_default(k)) for k in keys}


def _point(bm: BCAModel) -> dict[str, float]:
    return {v.name: v.value for var in bm.vars.values() if var != {}
            for v in (var.values() if var.is_indexed() else [var]) if not v.fixed}


def _load_point(bm: BCAModel, point: dict[str, float]) -> None:
    for var in bm.vars.values():
        if var == {}:
            continue
        for v in (var.values() if var.is_indexed() else [var]):
            if not v.fixed and v.name in point:
                v.set_value(point[v.name], skip_validation=True)


def emissions_by_fuel(bm: BCAModel, fl: Flows) -> dict[tuple[str, str], float]:
    """CO2 (Mt) by (region, fuel) at the current point, ``process`` for process emissions: each user's
    benchmark CO2 times its fuel quantity now over its benchmark quantity (AEEI lowers the quantity)."""
    b = fl.b
    flows = query.flows(bm.em)
    qty = {lab: q for lab, q in zip(flows["flow"], flows["quantity"]) if lab}
    out: dict[tuple[str, str], float] = {}
    for (r, f, u), co2 in fl.nonzero("co2"):
        label, q0 = (("vc", r, f), fl("vc", r, f)) if u == HOUSEHOLD else (("vid", r, f, u), fl("vid", r, f, u))
        if q0 > 0 and label in qty:
            out[(r, f)] = out.get((r, f), 0.0) + co2 * qty[label] / q0
    for (r, j), co2p in fl.nonzero("co2p"):
        out[(r, "process")] = out.get((r, "process"), 0.0) + co2p * float(value(bm.vars["Y"][r, j]))
    for r in b.regions:
        for f in [*b.tags.fossil, "process"]:
            out.setdefault((r, f), 0.0)
    return out


def _eite_output(bm: BCAModel) -> dict[str, float]:
    """EITE output by region at benchmark prices, ``Σ_j∈EITE vom·Y``."""
    b, fl = bm.b, bm.d.fl
    out = {r: 0.0 for r in b.regions}
    for (r, j) in bm.ykeys:
        if j in b.tags.eite:
            out[r] += fl("vom", r, j) * float(value(bm.vars["Y"][r, j]))
    return out


def _observe(bm: BCAModel) -> dict:
    b = bm.b
    pw = float(value(bm.d.PW))
    return {"C": {r: float(value(bm.vars["C"][r])) for r in b.regions}, "E": bm.emissions(),
            "eite": _eite_output(bm),
            "price": {r: carbon_price_usd_per_t(float(value(bm.vars["PCO2"][r])), pw) for r in b.regions}}


def _solve(bm, compiled, what: str, year: int, solved, solver: dict, warm=True):
    try:
        return solve_warm_then_cold(bm, compiled, warm=warm, **solver)
    except SolveError as exc:
        raise PathSolveError(f"path {what}: year {year} did not solve; the years before it are kept.\n{exc}",
                             getattr(exc, "result", None), partial=solved()) from None


def run_path(b: Benchmark, growth: list[YearGrowth], designs: dict[str, dict[int, Scenario]] | None = None,
             discount_rate_pct: float = DEFAULT_DISCOUNT_RATE_PCT, progress=None,
             elasticities: dict | None = None, solver: dict | None = None, route: str = "auto") -> PathResult:
    """Solve the baseline and every design on the path ``growth`` (module docstring). ``elasticities``:
    overrides (as a scenario's ``elasticities:``) applied to the baseline and to every design's
    scenarios alike, so that the designs stay measured against a baseline of the same economy.
    ``solver``: ``tol``, ``max_iter``, ``check_tol`` (default: the schema's); ``route``: the solver route."""
    solver = _solver(solver)
    designs = {name: {y: with_elasticities(sc, elasticities) for y, sc in schedule.items()}
               for name, schedule in (designs or {}).items()}
    fl = Flows(b)
    years = [g.year for g in growth]
    step = years[1] - years[0] if len(years) > 1 else 1
    timings = {"baseline_s": 0.0}
    rows_base, base_obs, base_points = [], {}, {}

    def partial():
        return PathResult(_tables(b, rows_base, base_obs, pol_rows, years, step, discount_rate_pct), timings)

    pol_rows: list[dict] = []
    t0 = time.perf_counter()
    bm = BCAModel(b, baseline_scenario(elasticities=elasticities))
    compiled = compile_system(bm.pyomo, route=route)
    for yg in growth:
        check_finite(yg)
        set_year(bm, yg)
        _solve(bm, compiled, BASELINE, yg.year, partial, solver)
        base_points[yg.year] = _point(bm)
        obs = base_obs[yg.year] = _observe(bm)
        by_fuel = emissions_by_fuel(bm, fl)
        for r in b.regions:
            rows_base.append({"year": yg.year, "region": r, "population_million": b.pop[b.regions.index(r)]
                              * yg.population_index[r], "population_index": yg.population_index[r],
                              "gdp_index": yg.gdp_index[r], "capital_index": yg.capital_index[r],
                              "labour_productivity_index": yg.labour_productivity_index[r],
                              "consumption_index": obs["C"][r], "current_account_bn_usd": yg.bop[r],
                              "emissions_mt": obs["E"][r],
                              **{f"co2_{f}_mt": by_fuel[(r, f)] for f in [*b.tags.fossil, "process"]}})
        if progress:
            progress(BASELINE, yg.year)
    timings["baseline_s"] = time.perf_counter() - t0
    for name, schedule in designs.items():
        t0 = time.perf_counter()
        _design_path(b, name, schedule, growth, base_points, pol_rows, partial, progress, solver, route)
        timings[f"{name}_s"] = time.perf_counter() - t0
    return PathResult(_tables(b, rows_base, base_obs, pol_rows, years, step, discount_rate_pct), timings)


def _design_path(b, name, schedule, growth, base_points, pol_rows, partial, progress, solver, route) -> None:
    models: dict = {}
    prev_key = None
    starts = sorted(schedule)
    for yg in growth:
        active = [y for y in starts if y <= yg.year]
        if not active:
            continue
        sc = schedule[active[-1]]
        design = resolve_design(b, sc)
        key = design.structure
        if key not in models:
            bm = BCAModel(b, sc, design=design)
            models[key] = (bm, compile_system(bm.pyomo, route=route))
        bm, compiled = models[key]
        bm.apply(sc, design)
        set_year(bm, yg)
        if key != prev_key:   # first year of this model: start from the same year's baseline
            _load_point(bm, base_points[yg.year])
        prev_key = key
        _solve(bm, compiled, name, yg.year, partial, solver)
        obs = _observe(bm)
        pol_rows.append({"design": name, "scenario": sc.name, "year": yg.year, "coalition": tuple(bm.coalition),
                         **obs})
        if progress:
            progress(name, yg.year)


def _tables(b, rows_base, base_obs, pol_rows, years, step, rate) -> dict[str, pd.DataFrame]:
    cons0 = dict(zip(b.regions, b.household_spending))
    summary, regions = [], []
    for row in pol_rows:
        y, cl = row["year"], set(row["coalition"])
        base = base_obs[y]
        e0c = sum(base["E"][r] for r in cl)
        dc = sum(row["E"][r] - base["E"][r] for r in cl)
        dr = sum(row["E"][r] - base["E"][r] for r in b.regions if r not in cl)
        leak, _why = leakage_rate(dc, dr, e0c)
        eite_c0 = sum(base["eite"][r] for r in cl)
        eite_c = sum(row["eite"][r] for r in cl)
        ev = {r: (row["C"][r] - base["C"][r]) * cons0[r] for r in b.regions}
        prices = [row["price"][r] for r in cl]
        summary.append({"design": row["design"], "scenario": row["scenario"], "year": y,
                        "carbon_price_usd_per_t": float(np.mean(prices)) if prices else 0.0,
                        "coalition_emissions_change_pct": 100 * dc / e0c if e0c else float("nan"),
                        "global_emissions_change_mt": dc + dr, "leakage_rate_pct": leak,
                        "eite_output_change_coalition_pct": 100 * (eite_c / eite_c0 - 1) if eite_c0 else float("nan"),
                        "ev_world_bn_usd": sum(ev.values())})
        for r in b.regions:
            e_base = base["eite"][r]
            regions.append({"design": row["design"], "year": y, "region": r, "coalition": r in cl,
                            "ev_bn_usd": ev[r], "ev_pct": 100 * (row["C"][r] / base["C"][r] - 1),
                            "emissions_mt": row["E"][r], "emissions_baseline_mt": base["E"][r],
                            "emissions_change_pct": 100 * (row["E"][r] / base["E"][r] - 1),
                            "eite_output_change_pct": 100 * (row["eite"][r] / e_base - 1) if e_base else float("nan"),
                            "carbon_price_usd_per_t": row["price"][r]})
    reg = pd.DataFrame(regions, columns=PATH_BY_NAME["path_regions"].names)
    base_cols = PATH_BY_NAME["path_baseline"].names
    extra = [c for c in (rows_base[0] if rows_base else {}) if c not in base_cols]
    return {"path_baseline": pd.DataFrame(rows_base, columns=base_cols + extra),
            "path_summary": pd.DataFrame(summary, columns=PATH_BY_NAME["path_summary"].names),
            "path_regions": reg,
            "path_welfare": welfare_over_path(reg, years[0], step, rate)}


def welfare_over_path(regions: pd.DataFrame, base_year: int, step: int, rate_pct: float) -> pd.DataFrame:
    """EV summed over the path and discounted to the base year, by design and region:
    ``Σ_t n_t·EV[t]`` and ``Σ_t n_t·EV[t]/(1 + ρ)^(t − base)``, where a solved year stands for the
    ``n_t`` years to the next solved year (the last one for ``step`` years)."""
    cols = PATH_BY_NAME["path_welfare"].names
    if regions.empty:
        return pd.DataFrame(columns=cols)
    solved = sorted(set(regions["year"]))
    span = {y: (solved[k + 1] - y if k + 1 < len(solved) else step) for k, y in enumerate(solved)}
    n = regions["year"].map(span)
    df = regions.assign(n=n, w=n / (1 + rate_pct / 100.0) ** (regions["year"] - base_year))
    g = df.groupby(["design", "region"], sort=False)
    out = pd.DataFrame({"years": g["year"].apply(lambda s: f"{s.min()}-{s.max()}"),
                        "ev_cumulative_bn_usd": g.apply(lambda x: float((x["ev_bn_usd"] * x["n"]).sum()),
                                                        include_groups=False),
                        "ev_discounted_bn_usd": g.apply(lambda x: float((x["ev_bn_usd"] * x["w"]).sum()),
                                                        include_groups=False)}).reset_index()
    out["discount_rate_pct"] = rate_pct
    return out[cols]
