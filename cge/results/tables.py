"""Results of one solve as tidy DataFrames (spec section 6); units are in the column names.

The tables, their columns and units are the results contract (:mod:`cge.results.schema`); each
measure is defined once, with its formula, in :mod:`cge.results.measures` (EV, carbon price, abatement,
leakage rate, burden share, EITE output). This module reads the solution through the core's query
API (:mod:`cge.core.query`) and does the national accounting (benchmark values in bn USD, CO2 in Mt):

* Emissions ``E[r]`` = combustion (benchmark coefficients × demand) + process (the model's ``co2`` accounts).
* Terms of trade: benchmark-weighted export price index over import price index at world
  prices (what the buyer pays abroad: fob net of export rebates plus returned BCA revenue, the
  same prices as in GDP by expenditure), ``100·(ToT − 1)`` in %.
* Trade balance: exports minus imports at those world prices; it sums to zero over regions.
* GDP by expenditure ``= C + G + I + X − M`` with exports and imports valued at what the buyer
  pays abroad before the importer's own tariff and kept charges (fob net of export rebates,
  plus BCA revenue returned to the exporter); GDP by income = factor incomes + rents + net
  indirect taxes kept at home (output taxes, carbon revenue, tariffs, kept BCA charges, less
  export and output rebates) + BCA revenue returned from abroad. The two must agree.
* Fairness tables (:func:`fairness_tables`): per-capita welfare and emissions, burden shares by
  region group, BCA transfers from developing to developed regions, the CBDR ranking.

Undefined ratios (never a number made of rounding noise): the leakage rate and the burden share are
NaN below the noise levels of :mod:`cge.results.measures` (``ABATEMENT_NOISE``, ``WELFARE_NOISE``); the
solver's residuals are scaled by benchmark values and checked at 1e-8, so changes below 1e-5
(emissions) or 1e-7 (EV, from ``C`` solved to 1e-10) of their benchmark scale are noise. The reason
is in the ``undefined`` table (``measure, reason``), in ``run.yaml`` and in the headline
("undefined (no abatement)").
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from pyomo.core import value

from cge.bca.model import BCAModel
from cge.core import query
from cge.core.evaluate import flow_evaluator
from cge.results.closures import closure_table, employment
from cge.results.detail import detail_tables
from cge.results.diagnostics import diagnostics_table, price_indices
from cge.results.measures import (
    carbon_price_usd_per_t,
    ev_bn_usd,
    headline_rows,
    pct_change,
    summary_row,
)
from cge.results.schema import BY_NAME, UNDEFINED

DOMESTIC_REVENUE = ("output_tax", "carbon", "tariff", "bca_charge", "export_rebate", "output_rebate",
                    "purchase_tax", "factor_tax", "export_tax")  # the last three: GTAP wedges
#: designs whose developing-region EV differs by less than this (bn USD) tie in the CBDR ranking
RANK_RESOLUTION_BN_USD = 1e-6


def _v(x) -> float:
    return float(value(x))


def _frame(name: str, rows: list) -> pd.DataFrame:
    """A table of the results contract (:mod:`cge.results.schema`) from its rows: tuples of every
    column, or dicts of some (a projection: the contract's columns present, in order)."""
    spec = BY_NAME[name]
    if rows and isinstance(rows[0], dict):
        dynamic = [c for c in rows[0] if spec.dynamic is not None and c.startswith(spec.dynamic.name)]
        return pd.DataFrame({c: [row[c] for row in rows] for c in [*spec.names, *dynamic] if c in rows[0]})
    return pd.DataFrame(rows, columns=spec.names)


class _Solution:
    """One solved point as the accounting reads it through the core's query API: flow
    quantities by label, wedge revenue by (region, kind), BCA charges by flow, world prices."""

    def __init__(self, bm: BCAModel, evaluate, pw: float):
        self.pw = pw
        flows = query.flows(bm.em, evaluate)
        self.qty: dict[tuple, float] = {lab: q for lab, q in zip(flows["flow"].tolist(), flows["quantity"].tolist())
                                        if lab}
        wedges = query.revenue(bm.em, evaluate)
        self.revenue: dict[tuple, float] = defaultdict(float)            # (region, kind) -> bn USD
        self.bca_rows = []
        for region, kind, flow, amount in zip(wedges["agent_index"].tolist(), wedges["kind"].tolist(),
                                              wedges["flow"].tolist(), wedges["revenue"].tolist()):
            self.revenue[(region, kind)] += amount
            if kind in ("bca_charge", "bca_charge_returned") and amount != 0 and flow[0] == "vxmd":
                _, i, s, r = flow
                self.bca_rows.append((i, s, r, region, amount / self.pw))
        self.world_price = _world_prices(bm, flows, wedges)

    def deflated(self, region, kind: str, sign: float = 1.0) -> float:
        """Revenue of ``kind`` collected by ``region``, deflated by ``PW``."""
        return sign * self.revenue[(region, kind)] / self.pw


def _regions_table(bm: BCAModel, emissions: dict, pw: float, s: _Solution | None) -> pd.DataFrame:
    """One row per region: EV, emissions and carbon price (from the model's own variables and
    accounts); with the solution ``s`` read through the query API also revenue, terms of trade
    and GDP (module docstring). Without ``s``: the projection on the first group of columns."""
    b, V = bm.b, bm.vars
    cl = set(bm.coalition)
    cons0 = b.household_spending
    rows = []
    for k, r in enumerate(b.regions):
        c = _v(V["C"][r])
        ev = ev_bn_usd(c, cons0[k])
        pop = b.pop[k] if np.isfinite(b.pop[k]) and b.pop[k] > 0 else np.nan
        e0 = b.emissions[k]
        row = {"region": r, "coalition": r in cl, "ev_bn_usd": ev, "ev_pct": 100 * (c - 1),
               "ev_per_capita_usd": ev * 1000 / pop if pop == pop else np.nan, "emissions_benchmark_mt": e0,
               "emissions_mt": emissions[r], "emissions_change_mt": emissions[r] - e0,
               "emissions_change_pct": pct_change(emissions[r], e0),
               "carbon_price_usd_per_t": carbon_price_usd_per_t(_v(V["PCO2"][r]), pw),
               "income_per_capita_benchmark_usd": (b.fd[k].sum() - b.bop[k]) * 1000 / pop if pop == pop else np.nan,
               "population_million": pop}
        row.update({f"{BY_NAME['regions'].dynamic.name}{g}": r in members
                    for g, members in b.tags.region_groups.items()})
        if s is not None:
            row.update({"carbon_revenue_bn_usd": s.deflated(r, "carbon"),
                        "bca_revenue_kept_bn_usd": s.deflated(r, "bca_charge"),
                        "bca_revenue_returned_received_bn_usd": s.deflated(r, "bca_charge_returned"),
                        "export_rebate_cost_bn_usd": s.deflated(r, "export_rebate", -1),
                        "output_rebate_cost_bn_usd": s.deflated(r, "output_rebate", -1),
                        "tariff_revenue_bn_usd": s.deflated(r, "tariff")})
        rows.append(row)
    if s is not None:
        gdp_inc, gdp_exp, balance = _gdp(bm, s.qty, s.revenue, s.world_price)
        for row, tot in zip(rows, _terms_of_trade(bm, s.world_price)):
            r = row["region"]
            row.update({"terms_of_trade_pct": tot, "gdp_income_bn_usd": gdp_inc[r] / pw,
                        "gdp_expenditure_bn_usd": gdp_exp[r] / pw, "trade_balance_bn_usd": balance[r] / pw})
    return _frame("regions", rows)


def _sectors_table(bm: BCAModel, qty: dict | None) -> pd.DataFrame:
    """Output and trade by producing region and sector: benchmark values and % changes (without
    the flow quantities ``qty``: the projection on output)."""
    b = bm.b
    R, J = b.regions, b.sectors
    cl = set(bm.coalition)
    rows = []
    for (r, j) in bm.ykeys:
        ri, ji = R.index(r), J.index(j)
        row = {"region": r, "sector": j, "eite": j in b.tags.eite, "coalition": r in cl,
               "output_benchmark_bn_usd": b.vom[ri, ji],
               # output is activity times Hicks-neutral productivity (1 unless shocked, cge.bca.shocks)
               "output_change_pct": 100 * (_v(bm.vars["Y"][r, j]) * _v(bm.d.shocks["productivity"][r, j]) - 1)}
        if qty is not None:
            exp0, imp0 = b.vxmd[ji, ri].sum(), b.vxmd[ji, :, ri].sum()
            exp1 = sum(qty.get(("vxmd", j, r, s), 0.0) for s in R if s != r)
            imp1 = sum(qty.get(("vxmd", j, s, r), 0.0) for s in R if s != r)
            row.update({"exports_benchmark_bn_usd": exp0, "exports_change_pct": pct_change(exp1, exp0),
                        "imports_benchmark_bn_usd": imp0, "imports_change_pct": pct_change(imp1, imp0)})
        rows.append(row)
    return _frame("sectors", rows)


def _bilateral_table(b, qty: dict) -> pd.DataFrame:
    """Every benchmark trade flow: benchmark value, quantity and % change."""
    rows = []
    for ii, i in enumerate(b.sectors):
        for si, s in enumerate(b.regions):
            for ri, r in enumerate(b.regions):
                v0 = b.vxmd[ii, si, ri]
                if v0 > 0:
                    q = qty.get(("vxmd", i, s, r), np.nan)
                    rows.append((i, s, r, v0, q, 100 * (q / v0 - 1)))
    return _frame("bilateral", rows)


def collect(bm: BCAModel, full: bool = True, evaluate=None) -> dict[str, pd.DataFrame]:
    """All result tables for the model's current solution (one scenario), as the results
    contract (:mod:`cge.results.schema`) names them, plus ``undefined`` (``measure, reason``).

    With ``full`` also the detail tables (:mod:`cge.results.detail`: prices, factor prices, value added,
    employment, consumption, emissions by sector and fuel, leakage channels) and the plausibility
    ``diagnostics`` (:mod:`cge.results.diagnostics`, thresholds from the scenario's ``diagnostics.*``).
    ``full=False`` builds only the ``regions``, ``sectors``, ``summary`` and ``undefined`` tables,
    projected on the columns that need no pass over the model's flows (welfare, emissions, carbon
    prices, output; not revenue, trade, terms of trade or GDP): what a sweep's
    :func:`headline_measures` read, at a fraction of the cost. Every value is the one of the full tables.
    ``evaluate``: the model's :func:`~cge.core.evaluate.flow_evaluator` at this point, when the caller has one."""
    evaluate = flow_evaluator(bm.em) if evaluate is None else evaluate
    pw = _v(bm.vars["PW"])
    s = _Solution(bm, evaluate, pw) if full else None
    regions = _regions_table(bm, bm.emissions(evaluate), pw, s)
    sectors = _sectors_table(bm, s.qty if s else None)
    summary, undefined = summary_row(regions, sectors, bm.b.household_spending)
    out = {"summary": _frame("summary", [summary]), "regions": regions, "sectors": sectors,
           "undefined": pd.DataFrame(undefined, columns=UNDEFINED.names)}
    if s is not None:
        out.update({"groups": _groups(bm.b, regions), "bilateral": _bilateral_table(bm.b, s.qty),
                    "bca_flows": _frame("bca_flows", s.bca_rows), "closures": closure_table(bm, pw)})
        out.update(detail_tables(bm, s.qty, pw))
        out["diagnostics"] = diagnostics_table(bm.scenario.diagnostics, regions, sectors, out["bca_flows"],
                                               bm.b.household_spending, price_indices(bm, pw))
    return {name: out[name] for name in (*BY_NAME, UNDEFINED.name) if name in out}


def headline_measures(bm: BCAModel) -> list[tuple[str, str, float]]:
    """The outputs sweeps summarise, as tidy ``(measure, region, value)`` rows: a projection of
    the result tables (:func:`cge.results.measures.headline_rows` of ``collect(bm, full=False)``, whose
    values are those of the full tables; ``tests/test_results_contract.py`` checks it)."""
    return headline_rows(collect(bm, full=False))


def _world_prices(bm: BCAModel, flows: pd.DataFrame, wedges: pd.DataFrame) -> dict[tuple, float]:
    """Unit price of each bilateral flow as paid abroad: ``PY[s,i] − XR + returned charge``
    (fob net of the exporter's rebate, plus BCA revenue the importer hands back to the exporter);
    ``flows`` and ``wedges`` are the core's :func:`cge.core.query.flows` / ``revenue`` tables."""
    PY = bm.vars["PY"]
    supply_price: dict[tuple, float] = {}
    out = {}
    for lab in flows["flow"].tolist():
        if lab and lab[0] == "vxmd":
            _, i, s, _r = lab
            p = supply_price.get((s, i))
            if p is None:
                p = supply_price[(s, i)] = _v(PY[s, i])
            out[lab] = p
    for lab, kind, per_unit in zip(wedges["flow"].tolist(), wedges["kind"].tolist(),
                                   wedges["revenue_per_unit"].tolist()):
        if lab and lab[0] == "vxmd" and kind in ("export_rebate", "bca_charge_returned", "export_tax"):
            out[lab] += per_unit
    return out


def _terms_of_trade(bm: BCAModel, world_price: dict) -> list[float]:
    """Export over import price index at world prices, benchmark (fob) weights, % change."""
    b = bm.b
    n = len(b.regions)
    if not world_price:
        return [0.0] * n
    sector = {j: k for k, j in enumerate(b.sectors)}
    region = {r: k for k, r in enumerate(b.regions)}
    keys = list(world_price)
    i = np.array([sector[key[1]] for key in keys])
    s = np.array([region[key[2]] for key in keys])
    d = np.array([region[key[3]] for key in keys])
    price = np.fromiter(world_price.values(), dtype=float, count=len(keys))
    weight = b.vxmd[i, s, d]

    def index(by: np.ndarray) -> np.ndarray:  # weighted mean price by exporter (or importer); 1 if none
        count = np.bincount(by, minlength=n)
        total = np.bincount(by, weights=weight, minlength=n)
        paid = np.bincount(by, weights=weight * price, minlength=n)
        return np.where(count > 0, paid / np.where(count > 0, total, 1.0), 1.0)

    return (100 * (index(s) / index(d) - 1)).tolist()


def _gdp(bm: BCAModel, qty: dict, revenue: dict, world_price: dict):
    """GDP by income and by expenditure and the trade balance, in current prices (module docstring)."""
    b, V = bm.b, bm.vars
    R, J, F = b.regions, b.sectors, b.factors
    inc, exp, balance = {}, {}, {}
    exports_val = defaultdict(float)
    imports_val = defaultdict(float)
    for label, price in world_price.items():
        _, _i, s, r = label
        exports_val[s] += price * qty[label]
        imports_val[r] += price * qty[label]
    for label, q in qty.items():  # international transport: sold by regions, bought with imports
        if not label:             # endowments carry no flow label
            continue
        if label[0] == "vst":
            exports_val[label[1]] += _v(V["PY"][label[1], label[2]]) * q
        elif label[0] == "vtwr":
            imports_val[label[4]] += _v(V["PT"][label[1]]) * q
    for k, r in enumerate(R):
        factor = sum(_v(V["PF"][r, f]) * b.vfm[k, fi].sum() * employment(bm, r, f)
                     for fi, f in enumerate(F) if b.vfm[k, fi].sum() > 0)
        rent = sum(_v(V["PR"][r, j]) * b.vrs[k, ji] for ji, j in enumerate(J) if b.vrs[k, ji] > 0)
        taxes = sum(revenue[(r, kind)] for kind in DOMESTIC_REVENUE) + revenue[(r, "bca_charge_returned")]
        inc[r] = factor + rent + taxes
        c = _v(V["PC"][r]) * _v(V["C"][r]) * (b.vc[k].sum() + (b.vc[k] * b.tpu[k, :, len(J)]).sum())
        tg, ti = b.tpu[k, :, len(J) + 1], b.tpu[k, :, len(J) + 2]  # purchase taxes of government, investment
        gi = sum(_v(V["PA"][r, i]) * (b.vg[k, ii] * (1 + tg[ii]) + b.vi[k, ii] * (1 + ti[ii]))
                 for ii, i in enumerate(J) if b.vg[k, ii] + b.vi[k, ii] > 0)
        balance[r] = exports_val[r] - imports_val[r]
        exp[r] = c + gi + balance[r]
    return inc, exp, balance


def _groups(b, regions: pd.DataFrame) -> pd.DataFrame:
    cons0 = dict(zip(b.regions, b.household_spending))
    rows = []
    for group, members in b.tags.region_groups.items():
        sel = regions[regions["region"].isin(members)]
        base = sum(cons0[m] for m in members)
        pop = sel["population_million"].sum()
        rows.append({"group": group, "regions": " ".join(members), "ev_bn_usd": sel["ev_bn_usd"].sum(),
                     "ev_pct": 100 * sel["ev_bn_usd"].sum() / base if base else np.nan,
                     "ev_per_capita_usd": sel["ev_bn_usd"].sum() * 1000 / pop if pop > 0 else np.nan})
    return pd.DataFrame(rows, columns=["group", "regions", "ev_bn_usd", "ev_pct", "ev_per_capita_usd"])


# ----------------------------------------------------------------------------- fairness
#: region-group pairs read as (developing, developed), first match wins; without either pair the
#: non-coalition regions stand in for developing and the coalition for developed ones
DEVELOPMENT_GROUPS = (("developing", "developed"), ("non_annex1", "annex1"))
LEAST_DEVELOPED_GROUPS = ("least_developed", "ldc")


def development_split(b, coalition) -> tuple[tuple, tuple, str]:
    """``(developing regions, developed regions, label)`` from the dataset's region groups."""
    groups = b.tags.region_groups
    for poor, rich in DEVELOPMENT_GROUPS:
        if poor in groups and rich in groups:
            return tuple(groups[poor]), tuple(groups[rich]), poor
    cl = set(coalition)
    return tuple(r for r in b.regions if r not in cl), tuple(r for r in b.regions if r in cl), "non-coalition"


def _cost_share(part: float, world: float) -> float:
    """Share (%) of a global welfare cost borne by a part (NaN when the world does not lose)."""
    return 100 * part / world if world < 0 else np.nan


def fairness_tables(b, coalition, tables: dict[str, dict[str, pd.DataFrame]],
                    references: dict[str, str | None]) -> dict[str, dict[str, pd.DataFrame]]:
    """The fairness tables of the BCA debate for every scenario (``tables``: scenario → its
    ``regions`` and ``bca_flows``), relative to the benchmark and to the scenario's reference
    ("REF": ``references``, scenario → the same policy without border measure, see
    :func:`cge.results.run.reference_scenarios`; the ``reference`` column names it; no reference: NaN
    changes vs REF):

    * ``fairness`` (one row per region): EV per capita against benchmark income and emissions per
      capita (t CO2 = Mt / million people), EV in % of benchmark income (GDP by expenditure
      ``Σ fd − bop``), and the change relative to REF;
    * ``burden_shares`` (one row per region group of the dataset, e.g. annex1 / non_annex1,
      developed / developing, least developed where tagged): EV, and the share of the global
      welfare cost ``100·EV_group/EV_world`` (when the world loses), also for the change vs REF;
    * ``bca_transfers`` (one row per developing exporter, and a total): BCA charges on its exports
      kept by developed importers (a transfer from developing to developed regions), in bn USD
      and % of the payer's GDP (by income, in the scenario), and charges returned to it;
    * ``cbdr`` (one row): EV of developing regions, its change vs REF, their share of the global
      cost, charges they pay to developed regions, least-developed EV where tagged, and ``cbdr_rank``:
      designs ranked by the burden they put on developing regions (1 = lightest, by EV in bn USD).
    """
    poor, rich, poor_label = development_split(b, coalition)
    base = _FairnessBase(b, poor)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    cbdr_rows = []
    for name, t in tables.items():
        reference = references.get(name)
        ref_ev = tables[reference]["regions"].set_index("region")["ev_bn_usd"] if reference in tables else None
        reg = t["regions"].set_index("region").reindex(base.R)
        ev = reg["ev_bn_usd"].to_numpy(dtype=float)
        d_ev = (ev - ref_ev.reindex(base.R).to_numpy(dtype=float) if ref_ev is not None
                else np.full(len(base.R), np.nan))
        paid, received = _revenue_transfers(t, base.R)
        transfers = _transfers_frame(t, poor, rich, poor_label, received)
        out[name] = {"fairness": _fairness_frame(base, reg, ev, d_ev, reference, paid, received),
                     "burden_shares": _burden_frame(base, ev, d_ev, reference, received - paid),
                     "bca_transfers": transfers}
        cbdr_rows.append(_cbdr_row(base, name, poor, poor_label, ev, d_ev, reference, transfers, received - paid))
    cbdr = pd.DataFrame(cbdr_rows, columns=["scenario", *BY_NAME["cbdr"].names[:-1]])
    # designs whose developing-region EV differs by solver noise only (e.g. two designs that coincide on
    # this dataset) share a rank: the key is rounded to RANK_RESOLUTION_BN_USD before ranking
    key = (cbdr["ev_developing_bn_usd"] / RANK_RESOLUTION_BN_USD).round()
    cbdr["cbdr_rank"] = key.rank(ascending=False, method="min").astype(int)
    for name in tables:
        out[name]["cbdr"] = cbdr[cbdr["scenario"] == name].drop(columns="scenario").reset_index(drop=True)
    return out


def _revenue_transfers(t: dict, R: list) -> tuple[np.ndarray, np.ndarray]:
    """Revenue transfers paid and received by region (the ``closures`` table; zeros without it)."""
    if "closures" not in t:
        return np.zeros(len(R)), np.zeros(len(R))
    c = t["closures"].set_index("region").reindex(R)
    return (c["transfer_paid_bn_usd"].to_numpy(dtype=float), c["transfer_received_bn_usd"].to_numpy(dtype=float))


class _FairnessBase:
    """Benchmark facts the fairness tables share: population (NaN where unknown), income
    (``Σ fd − bop``), emissions, region groups and the least-developed group where tagged."""

    def __init__(self, b, poor):
        self.b, self.R, self.poor = b, list(b.regions), poor
        self.pop = np.where(np.isfinite(b.pop) & (b.pop > 0), b.pop, np.nan)
        self.income = b.fd.sum(axis=(1, 2)) - b.bop
        self.E0 = b.emissions
        self.groups = b.tags.region_groups
        self.ldc = next((self.groups[g] for g in LEAST_DEVELOPED_GROUPS if g in self.groups), None)

    def consumption(self, idx) -> float:
        """Benchmark household consumption at buyer prices (the base of every EV %, as in the
        ``regions`` and ``groups`` tables: :attr:`cge.data.benchmark.Benchmark.household_spending`)."""
        return self.b.household_spending[idx].sum()


def _fairness_frame(base: _FairnessBase, reg: pd.DataFrame, ev, d_ev, reference, paid, received) -> pd.DataFrame:
    R, pop, income = base.R, base.pop, base.income
    return pd.DataFrame({
        "region": R, "coalition": reg["coalition"].to_numpy(), "developing": [r in base.poor for r in R],
        "population_million": pop, "income_per_capita_benchmark_usd": income * 1000 / pop,
        "emissions_per_capita_benchmark_t": base.E0 / pop,
        "emissions_per_capita_t": reg["emissions_mt"].to_numpy(dtype=float) / pop,
        "ev_bn_usd": ev, "ev_pct": reg["ev_pct"].to_numpy(dtype=float), "ev_per_capita_usd": ev * 1000 / pop,
        "ev_pct_of_income": np.where(income > 0, 100 * ev / np.where(income > 0, income, 1), np.nan),
        "reference": reference, "ev_vs_ref_bn_usd": d_ev, "ev_vs_ref_per_capita_usd": d_ev * 1000 / pop,
        "transfer_received_bn_usd": received, "transfer_paid_bn_usd": paid, "net_transfer_bn_usd": received - paid,
    }, columns=BY_NAME["fairness"].names)


def _burden_frame(base: _FairnessBase, ev, d_ev, reference, net) -> pd.DataFrame:
    pop, income, E0 = base.pop, base.income, base.E0
    world, d_world = ev.sum(), d_ev.sum()
    rows = []
    for g, members in base.groups.items():
        idx = [base.R.index(m) for m in members]
        rows.append((g, " ".join(members), 100 * np.nansum(pop[idx]) / np.nansum(pop),
                     100 * income[idx].sum() / income.sum(), 100 * E0[idx].sum() / E0.sum(),
                     ev[idx].sum(), 100 * ev[idx].sum() / base.consumption(idx), _cost_share(ev[idx].sum(), world),
                     reference, d_ev[idx].sum(), _cost_share(d_ev[idx].sum(), d_world), net[idx].sum()))
    return _frame("burden_shares", rows)


def _transfers_frame(t: dict, poor, rich, poor_label: str, received) -> pd.DataFrame:
    """BCA charges each developing exporter pays to developed importers (and gets back), and the
    revenue transfers it receives (``received``, by region of the benchmark); and a total."""
    flows = t["bca_flows"]
    gdp = t["regions"].set_index("region")["gdp_income_bn_usd"]
    rows = []
    got = dict(zip(gdp.index, received)) if len(received) == len(gdp) else {}
    for payer in poor:
        mine = flows[flows["exporter"] == payer]
        kept = float(mine.loc[mine["collected_by"].isin(rich), "charge_bn_usd"].sum())
        back = float(mine.loc[mine["collected_by"] == payer, "charge_bn_usd"].sum())
        paid = float(gdp[payer])
        rows.append((payer, kept, back, paid, 100 * kept / paid if paid > 0 else np.nan, got.get(payer, 0.0)))
    transfers = _frame("bca_transfers", rows)
    if len(transfers):
        tot = transfers[["to_developed_bn_usd", "returned_bn_usd", "payer_gdp_bn_usd",
                         "transfer_received_bn_usd"]].sum()
        transfers.loc[len(transfers)] = {"payer": f"all {poor_label}", **tot.to_dict(),
                                         "to_developed_pct_of_payer_gdp": 100 * tot["to_developed_bn_usd"]
                                         / tot["payer_gdp_bn_usd"] if tot["payer_gdp_bn_usd"] > 0 else np.nan}
    return transfers


def _cbdr_row(base: _FairnessBase, name, poor, poor_label, ev, d_ev, reference, transfers, net) -> dict:
    ip = [base.R.index(r) for r in poor]
    ldc = base.ldc
    return {
        "scenario": name, "developing_group": poor_label,
        "ev_developing_bn_usd": ev[ip].sum(), "ev_developing_pct": 100 * ev[ip].sum() / base.consumption(ip),
        "reference": reference, "ev_developing_vs_ref_bn_usd": d_ev[ip].sum(),
        "burden_share_developing_pct": _cost_share(ev[ip].sum(), ev.sum()),
        "bca_to_developed_bn_usd": float(transfers["to_developed_bn_usd"].iloc[:-1].sum()) if len(transfers) else 0.0,
        "ev_least_developed_pct": (100 * ev[[base.R.index(r) for r in ldc]].sum()
                                   / base.consumption([base.R.index(r) for r in ldc])) if ldc else np.nan,
        "net_transfer_to_developing_bn_usd": float(net[ip].sum()),
    }
