"""Results of one solve as tidy DataFrames (spec section 6); units are in the column names.

Definitions (benchmark values in bn USD, CO2 in Mt):

* Equivalent variation with homothetic household utility: ``EV[r] = (C[r] − 1)·Σ_i vc[r,i]``
  (bn USD at benchmark prices) and ``EV%[r] = 100·(C[r] − 1)``; per capita in USD.
* Emissions ``E[r]`` = combustion (benchmark coefficients × demand) + process; leakage rate
  ``100·ΔE(non-coalition) / (−ΔE(coalition))``.
* Carbon price in USD/t: ``1000·PCO2[r]/PW``.
* Terms of trade: benchmark-weighted export price index over import price index at world
  prices (what the buyer pays abroad: fob net of export rebates plus returned BCA revenue, the
  same prices as in GDP by expenditure), ``100·(ToT − 1)`` in %.
* Trade balance: exports minus imports at those world prices; it sums to zero over regions.
* GDP by expenditure ``= C + G + I + X − M`` with exports and imports valued at what the buyer
  pays abroad before the importer's own tariff and kept charges (fob net of export rebates,
  plus BCA revenue returned to the exporter); GDP by income = factor incomes + rents + net
  indirect taxes kept at home (output taxes, carbon revenue, tariffs, kept BCA charges, less
  export and output rebates) + BCA revenue returned from abroad. The two must agree.
* Burden shifting: share (%) of the global welfare cost (−Σ EV) borne by non-coalition regions.

Undefined ratios (never a number made of rounding noise): the leakage rate is NaN when the coalition's
abatement is below :data:`ABATEMENT_NOISE` of its benchmark emissions (zero cut, zero tax, no
coalition) or negative; the burden share is NaN without a global welfare cost above
:data:`WELFARE_NOISE` of world consumption. The solver's residuals are scaled by benchmark values
and checked at 1e-8, so changes below 1e-5 (emissions) or 1e-7 (EV, from ``C`` solved to 1e-10)
of their benchmark scale are noise. The reason is in the ``undefined`` table (``measure,
reason``), in ``run.yaml`` and in the headline ("undefined (no abatement)").
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from pyomo.environ import value

from cge.bca_model import BCAModel
from cge.core import query
from cge.core.evaluate import flow_evaluator

DOMESTIC_REVENUE = ("output_tax", "carbon", "tariff", "bca_charge", "export_rebate", "output_rebate",
                    "purchase_tax", "factor_tax", "export_tax")  # the last three: GTAP wedges
#: designs whose developing-region EV differs by less than this (bn USD) tie in the CBDR ranking
RANK_RESOLUTION_BN_USD = 1e-6
#: coalition abatement below this share of its benchmark emissions is solver noise: no leakage rate
ABATEMENT_NOISE = 1e-5
#: a world EV below this share of world consumption is solver noise: no burden share
WELFARE_NOISE = 1e-7


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


def _v(x) -> float:
    return float(value(x))


def weighted_mean(values, weights) -> float:
    """``Σ w·x / Σ w`` (NaN when the weights sum to zero): EITE output changes are weighted by
    benchmark output, the coalition carbon price by benchmark emissions (one price under a
    tax or coalition trading; a weighted average under regional caps)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    total = weights.sum()
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def eite_output_changes(bm: BCAModel) -> dict[str, tuple[float, float]]:
    """``{region: (benchmark EITE output, % change)}``: output-weighted over EITE sectors."""
    b, Y = bm.b, bm.vars["Y"]
    out = {}
    for r in b.regions:
        pairs = [(b.vom[b.regions.index(r), b.sectors.index(j)], 100 * (_v(Y[r, j]) - 1))
                 for (rr, j) in bm.ykeys if rr == r and j in b.tags.eite]
        w = sum(p[0] for p in pairs)
        out[r] = (w, weighted_mean([p[1] for p in pairs], [p[0] for p in pairs]) if pairs else float("nan"))
    return out


def headline_measures(bm: BCAModel) -> list[tuple[str, str, float]]:
    """The outputs sweeps summarise, as tidy ``(measure, region, value)`` rows with the
    definitions of :func:`collect` but without its full tables: ``ev_pct``, ``ev_bn_usd``,
    ``emissions_mt``, ``emissions_change_pct``, ``carbon_price_usd_per_t`` and
    ``eite_output_change_pct`` per region; world-level (``ALL``) leakage, abatement, carbon price,
    EV and EITE output; ``coalition`` / ``non-coalition`` EV and EITE output."""
    b, V = bm.b, bm.vars
    R = b.regions
    cl = set(bm.coalition)
    pw = _v(V["PW"])
    em = bm.emissions(flow_evaluator(bm.em))
    E0 = dict(zip(R, (float(x) for x in b.emissions)))
    cons0 = b.household_spending
    eite = eite_output_changes(bm)
    price = {r: 1000 * _v(V["PCO2"][r]) / pw for r in R}
    ev_bn = {r: (_v(V["C"][r]) - 1) * cons0[k] for k, r in enumerate(R)}
    rows: list[tuple[str, str, float]] = []
    for k, r in enumerate(R):
        rows += [
            ("ev_pct", r, 100 * ev_bn[r] / cons0[k]),
            ("ev_bn_usd", r, ev_bn[r]),
            ("emissions_mt", r, em[r]),
            ("emissions_change_pct", r, 100 * (em[r] / E0[r] - 1) if E0[r] > 0 else float("nan")),
            ("carbon_price_usd_per_t", r, price[r]),
            ("eite_output_change_pct", r, eite[r][1]),
        ]
    members, rest = [r for r in R if r in cl], [r for r in R if r not in cl]
    d_cl = sum(em[r] - E0[r] for r in members)
    d_rest = sum(em[r] - E0[r] for r in rest)

    def eite_of(regions):
        return weighted_mean([eite[r][1] for r in regions if eite[r][0] > 0],
                             [eite[r][0] for r in regions if eite[r][0] > 0])

    rows += [
        ("leakage_rate_pct", "ALL", leakage_rate(d_cl, d_rest, sum(E0[r] for r in members))[0]),
        ("carbon_price_usd_per_t", "ALL",
         weighted_mean([price[r] for r in members], [E0[r] for r in members]) if members else 0.0),
        ("coalition_abatement_pct", "ALL", -100 * d_cl / sum(E0[r] for r in members) if members else 0.0),
        ("global_emissions_change_mt", "ALL", d_cl + d_rest),
        ("ev_pct", "ALL", 100 * sum(ev_bn.values()) / cons0.sum()),
        ("ev_bn_usd", "ALL", sum(ev_bn.values())),
        ("eite_output_change_pct", "ALL", eite_of(R)),
    ]
    for label, group in (("coalition", members), ("non-coalition", rest)):
        if group:
            idx = [R.index(r) for r in group]
            rows.append(("ev_pct", label, 100 * sum(ev_bn[r] for r in group) / cons0[idx].sum()))
            rows.append(("eite_output_change_pct", label, eite_of(group)))
    return rows


def collect(bm: BCAModel) -> dict[str, pd.DataFrame]:
    """All result tables for the model's current solution (one scenario)."""
    b, V = bm.b, bm.vars
    R, J = b.regions, b.sectors
    cl = set(bm.coalition)
    evaluate = flow_evaluator(bm.em)
    pw = _v(V["PW"])

    # flows: quantities and revenue by agent and kind, through the core's query API
    flows = query.flows(bm.em, evaluate)
    qty: dict[tuple, float] = {lab: q for lab, q in zip(flows["flow"], flows["quantity"]) if lab}
    wedges = query.revenue(bm.em, evaluate)
    revenue = defaultdict(float)            # (region, kind) -> bn USD
    bca_rows = []
    for region, kind, flow, amount in zip(wedges["agent_index"], wedges["kind"], wedges["flow"],
                                          wedges["revenue"]):
        revenue[(region, kind)] += amount
        if kind in ("bca_charge", "bca_charge_returned") and amount != 0 and flow[0] == "vxmd":
            _, i, s, r = flow
            bca_rows.append({"good": i, "exporter": s, "importer": r, "collected_by": region,
                             "charge_bn_usd": amount})

    emissions = bm.emissions(evaluate)
    E0 = dict(zip(R, b.emissions))
    cons0 = b.household_spending
    rows = []
    for k, r in enumerate(R):
        c = _v(V["C"][r])
        ev = (c - 1) * cons0[k]
        pop = b.pop[k] if np.isfinite(b.pop[k]) and b.pop[k] > 0 else np.nan
        rows.append({
            "region": r,
            "coalition": r in cl,
            "ev_bn_usd": ev,
            "ev_pct": 100 * (c - 1),
            "ev_per_capita_usd": ev * 1000 / pop if pop == pop else np.nan,
            "emissions_benchmark_mt": E0[r],
            "emissions_mt": emissions[r],
            "emissions_change_mt": emissions[r] - E0[r],
            "emissions_change_pct": 100 * (emissions[r] / E0[r] - 1) if E0[r] > 0 else np.nan,
            "carbon_price_usd_per_t": 1000 * _v(V["PCO2"][r]) / pw,
            "carbon_revenue_bn_usd": revenue[(r, "carbon")] / pw,
            "bca_revenue_kept_bn_usd": revenue[(r, "bca_charge")] / pw,
            "bca_revenue_returned_received_bn_usd": revenue[(r, "bca_charge_returned")] / pw,
            "export_rebate_cost_bn_usd": -revenue[(r, "export_rebate")] / pw,
            "output_rebate_cost_bn_usd": -revenue[(r, "output_rebate")] / pw,
            "tariff_revenue_bn_usd": revenue[(r, "tariff")] / pw,
            "income_per_capita_benchmark_usd": (b.fd[k].sum() - b.bop[k]) * 1000 / pop if pop == pop else np.nan,
            "population_million": pop,
        })
    regions = pd.DataFrame(rows)
    world_price = _world_prices(bm, flows, wedges)
    regions["terms_of_trade_pct"] = _terms_of_trade(bm, world_price)
    gdp_inc, gdp_exp, balance = _gdp(bm, qty, revenue, world_price)
    regions["gdp_income_bn_usd"] = [gdp_inc[r] / pw for r in R]
    regions["gdp_expenditure_bn_usd"] = [gdp_exp[r] / pw for r in R]
    regions["trade_balance_bn_usd"] = [balance[r] / pw for r in R]
    for group, members in b.tags.region_groups.items():
        regions[f"group_{group}"] = regions["region"].isin(members)

    # output and trade by region x sector
    out_rows = []
    for (r, j) in bm.ykeys:
        ri, ji = R.index(r), J.index(j)
        y = _v(V["Y"][r, j])
        exp0 = b.vxmd[ji, ri].sum()
        imp0 = b.vxmd[ji, :, ri].sum()
        exp1 = sum(qty.get(("vxmd", j, r, s), 0.0) for s in R if s != r)
        imp1 = sum(qty.get(("vxmd", j, s, r), 0.0) for s in R if s != r)
        out_rows.append({
            "region": r, "sector": j, "eite": j in b.tags.eite, "coalition": r in cl,
            "output_benchmark_bn_usd": b.vom[ri, ji], "output_change_pct": 100 * (y - 1),
            "exports_benchmark_bn_usd": exp0,
            "exports_change_pct": 100 * (exp1 / exp0 - 1) if exp0 > 0 else np.nan,
            "imports_benchmark_bn_usd": imp0,
            "imports_change_pct": 100 * (imp1 / imp0 - 1) if imp0 > 0 else np.nan,
        })
    sectors = pd.DataFrame(out_rows)
    bil = []
    for ii, i in enumerate(J):
        for si, s in enumerate(R):
            for ri, r in enumerate(R):
                v0 = b.vxmd[ii, si, ri]
                if v0 > 0:
                    q = qty.get(("vxmd", i, s, r), np.nan)
                    bil.append({"good": i, "exporter": s, "importer": r, "benchmark_bn_usd": v0,
                                "quantity_bn_usd_at_benchmark_prices": q, "change_pct": 100 * (q / v0 - 1)})
    bilateral = pd.DataFrame(bil)
    bca_flows = pd.DataFrame(bca_rows, columns=["good", "exporter", "importer", "collected_by", "charge_bn_usd"])
    if not bca_flows.empty:
        bca_flows["charge_bn_usd"] /= pw
    summary, undefined = _summary(bm, regions)
    groups = _groups(b, regions)
    return {"summary": summary, "regions": regions, "groups": groups, "sectors": sectors,
            "bilateral": bilateral, "bca_flows": bca_flows,
            "undefined": pd.DataFrame(undefined, columns=["measure", "reason"])}


def _world_prices(bm: BCAModel, flows: pd.DataFrame, wedges: pd.DataFrame) -> dict[tuple, float]:
    """Unit price of each bilateral flow as paid abroad: ``PY[s,i] − XR + returned charge``
    (fob net of the exporter's rebate, plus BCA revenue the importer hands back to the exporter);
    ``flows`` and ``wedges`` are the core's :func:`cge.core.query.flows` / ``revenue`` tables."""
    PY = bm.vars["PY"]
    out = {}
    for lab in flows["flow"]:
        if lab and lab[0] == "vxmd":
            _, i, s, _r = lab
            out[lab] = _v(PY[s, i])
    for lab, kind, per_unit in zip(wedges["flow"], wedges["kind"], wedges["revenue_per_unit"]):
        if lab and lab[0] == "vxmd" and kind in ("export_rebate", "bca_charge_returned", "export_tax"):
            out[lab] += per_unit
    return out


def _terms_of_trade(bm: BCAModel, world_price: dict) -> list[float]:
    """Export over import price index at world prices, benchmark (fob) weights, % change."""
    b = bm.b
    out = []
    for r in b.regions:
        x = [(b.vxmd[b.sectors.index(i), b.regions.index(s), b.regions.index(d)], p)
             for (_, i, s, d), p in world_price.items() if s == r]
        m = [(b.vxmd[b.sectors.index(i), b.regions.index(s), b.regions.index(d)], p)
             for (_, i, s, d), p in world_price.items() if d == r]
        px = sum(w * p for w, p in x) / sum(w for w, _ in x) if x else 1.0
        pm = sum(w * p for w, p in m) / sum(w for w, _ in m) if m else 1.0
        out.append(100 * (px / pm - 1))
    return out


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
        factor = sum(_v(V["PF"][r, f]) * b.vfm[k, fi].sum() for fi, f in enumerate(F) if b.vfm[k, fi].sum() > 0)
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


def _summary(bm: BCAModel, regions: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The one-row summary table and the ``(measure, reason)`` of each ratio left undefined."""
    cl = regions["coalition"]
    d_cl = regions.loc[cl, "emissions_change_mt"].sum()
    d_rest = regions.loc[~cl, "emissions_change_mt"].sum()
    ev_world = regions["ev_bn_usd"].sum()
    ev_rest = regions.loc[~cl, "ev_bn_usd"].sum()
    cons0 = bm.b.household_spending
    prices = regions.loc[cl, "carbon_price_usd_per_t"]
    weights = regions.loc[cl, "emissions_benchmark_mt"]
    eite = eite_output_changes(bm)
    members = set(regions.loc[cl, "region"])

    def eite_of(keep):
        rs = [r for r in bm.b.regions if keep(r) and eite[r][0] > 0]
        return weighted_mean([eite[r][1] for r in rs], [eite[r][0] for r in rs])
    leakage, why_leakage = leakage_rate(d_cl, d_rest, regions.loc[cl, "emissions_benchmark_mt"].sum())
    burden, why_burden = burden_share(ev_rest, ev_world, cons0.sum())
    undefined = [(m, why) for m, why in (("leakage_rate_pct", why_leakage),
                                         ("burden_share_non_coalition_pct", why_burden)) if why]
    return pd.DataFrame([{
        "coalition_abatement_mt": -d_cl,
        "coalition_abatement_pct": -100 * d_cl / regions.loc[cl, "emissions_benchmark_mt"].sum() if cl.any() else 0.0,
        "non_coalition_emissions_change_mt": d_rest,
        "global_emissions_change_mt": d_cl + d_rest,
        "leakage_rate_pct": leakage,
        "carbon_price_usd_per_t": weighted_mean(prices, weights) if len(prices) else 0.0,
        "eite_output_change_coalition_pct": eite_of(lambda r: r in members),
        "eite_output_change_non_coalition_pct": eite_of(lambda r: r not in members),
        "ev_world_bn_usd": ev_world,
        "ev_world_pct": 100 * ev_world / cons0.sum(),
        "ev_coalition_bn_usd": regions.loc[cl, "ev_bn_usd"].sum(),
        "ev_coalition_pct": 100 * regions.loc[cl, "ev_bn_usd"].sum() / cons0[cl.to_numpy()].sum() if cl.any() else 0,
        "ev_rest_bn_usd": ev_rest,
        "ev_rest_pct": 100 * ev_rest / cons0[~cl.to_numpy()].sum() if (~cl).any() else 0.0,
        "burden_share_non_coalition_pct": burden,
        "bca_revenue_bn_usd": regions["bca_revenue_kept_bn_usd"].sum()
        + regions["bca_revenue_returned_received_bn_usd"].sum(),
    }]), undefined


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
    :func:`cge.run.reference_scenarios`; the ``reference`` column names it; no reference: NaN
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
    R = list(b.regions)
    pop = np.where(np.isfinite(b.pop) & (b.pop > 0), b.pop, np.nan)
    income = b.fd.sum(axis=(1, 2)) - b.bop
    E0 = b.emissions
    groups = b.tags.region_groups
    ldc = next((groups[g] for g in LEAST_DEVELOPED_GROUPS if g in groups), None)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    cbdr_rows = []
    for name, t in tables.items():
        reference = references.get(name)
        ref_ev = tables[reference]["regions"].set_index("region")["ev_bn_usd"] if reference in tables else None
        reg = t["regions"].set_index("region").reindex(R)
        ev = reg["ev_bn_usd"].to_numpy(dtype=float)
        d_ev = ev - ref_ev.reindex(R).to_numpy(dtype=float) if ref_ev is not None else np.full(len(R), np.nan)
        fair = pd.DataFrame({
            "region": R, "coalition": reg["coalition"].to_numpy(), "developing": [r in poor for r in R],
            "population_million": pop, "income_per_capita_benchmark_usd": income * 1000 / pop,
            "emissions_per_capita_benchmark_t": E0 / pop,
            "emissions_per_capita_t": reg["emissions_mt"].to_numpy(dtype=float) / pop,
            "ev_bn_usd": ev, "ev_pct": reg["ev_pct"].to_numpy(dtype=float), "ev_per_capita_usd": ev * 1000 / pop,
            "ev_pct_of_income": np.where(income > 0, 100 * ev / np.where(income > 0, income, 1), np.nan),
            "reference": reference, "ev_vs_ref_bn_usd": d_ev, "ev_vs_ref_per_capita_usd": d_ev * 1000 / pop,
        })
        world, d_world = ev.sum(), d_ev.sum()
        g_rows = []
        for g, members in groups.items():
            idx = [R.index(m) for m in members]
            g_rows.append({
                "group": g, "regions": " ".join(members),
                "population_share_pct": 100 * np.nansum(pop[idx]) / np.nansum(pop),
                "income_share_pct": 100 * income[idx].sum() / income.sum(),
                "emissions_share_benchmark_pct": 100 * E0[idx].sum() / E0.sum(),
                "ev_bn_usd": ev[idx].sum(), "ev_pct": 100 * ev[idx].sum() / b.vc[idx].sum(),
                "burden_share_pct": _cost_share(ev[idx].sum(), world),
                "reference": reference, "ev_vs_ref_bn_usd": d_ev[idx].sum(),
                "burden_share_vs_ref_pct": _cost_share(d_ev[idx].sum(), d_world),
            })
        burden = pd.DataFrame(g_rows, columns=["group", "regions", "population_share_pct", "income_share_pct",
                                               "emissions_share_benchmark_pct", "ev_bn_usd", "ev_pct",
                                               "burden_share_pct", "reference", "ev_vs_ref_bn_usd",
                                               "burden_share_vs_ref_pct"])
        flows = t["bca_flows"]
        gdp = t["regions"].set_index("region")["gdp_income_bn_usd"]
        x_rows = []
        for payer in poor:
            mine = flows[flows["exporter"] == payer]
            kept = float(mine.loc[mine["collected_by"].isin(rich), "charge_bn_usd"].sum())
            back = float(mine.loc[mine["collected_by"] == payer, "charge_bn_usd"].sum())
            x_rows.append({"payer": payer, "to_developed_bn_usd": kept, "returned_bn_usd": back,
                           "payer_gdp_bn_usd": float(gdp[payer]), "to_developed_pct_of_payer_gdp":
                           100 * kept / float(gdp[payer]) if gdp[payer] > 0 else np.nan})
        transfers = pd.DataFrame(x_rows, columns=["payer", "to_developed_bn_usd", "returned_bn_usd",
                                                  "payer_gdp_bn_usd", "to_developed_pct_of_payer_gdp"])
        if len(transfers):
            tot = transfers[["to_developed_bn_usd", "returned_bn_usd", "payer_gdp_bn_usd"]].sum()
            transfers.loc[len(transfers)] = {"payer": f"all {poor_label}", **tot.to_dict(),
                                             "to_developed_pct_of_payer_gdp": 100 * tot["to_developed_bn_usd"]
                                             / tot["payer_gdp_bn_usd"] if tot["payer_gdp_bn_usd"] > 0 else np.nan}
        ip = [R.index(r) for r in poor]
        cbdr_rows.append({
            "scenario": name, "developing_group": poor_label,
            "ev_developing_bn_usd": ev[ip].sum(), "ev_developing_pct": 100 * ev[ip].sum() / b.vc[ip].sum(),
            "reference": reference, "ev_developing_vs_ref_bn_usd": d_ev[ip].sum(),
            "burden_share_developing_pct": _cost_share(ev[ip].sum(), world),
            "bca_to_developed_bn_usd": float(transfers["to_developed_bn_usd"].iloc[:-1].sum())
            if len(transfers) else 0.0,
            "ev_least_developed_pct": (100 * ev[[R.index(r) for r in ldc]].sum()
                                       / b.vc[[R.index(r) for r in ldc]].sum()) if ldc else np.nan,
        })
        out[name] = {"fairness": fair, "burden_shares": burden, "bca_transfers": transfers}
    cbdr = pd.DataFrame(cbdr_rows)
    # designs whose developing-region EV differs by solver noise only (e.g. two designs that coincide on
    # this dataset) share a rank: the key is rounded to RANK_RESOLUTION_BN_USD before ranking
    key = (cbdr["ev_developing_bn_usd"] / RANK_RESOLUTION_BN_USD).round()
    cbdr["cbdr_rank"] = key.rank(ascending=False, method="min").astype(int)
    for name in tables:
        out[name]["cbdr"] = cbdr[cbdr["scenario"] == name].drop(columns="scenario").reset_index(drop=True)
    return out
