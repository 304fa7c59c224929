"""The detail tables a GTAP user reads first: prices, factor prices, value added, employment,
household consumption, emissions by sector and fuel, and the channels of carbon leakage.

Built by :func:`cge.results.tables.collect` from the solved model (its variables and the flow
quantities read through the core's query API) as tables of the results contract
(:mod:`cge.results.schema`). Prices are deflated by the world consumer price index ``PW`` and
stated as % changes from the benchmark (where every price is 1); quantities are in bn USD at
benchmark prices, values in bn USD at current prices deflated by ``PW``, CO2 in Mt.

* ``prices`` (region × good): supply price ``PY``, Armington price ``PA`` and the consumer price
  of the good, ``((1 + tpu)·PA + PCO2·co2[r,i,hh]/vc[r,i]) / (1 + tpu)`` (what households pay per
  unit, carbon charge included, benchmark = 1).
* ``factor_prices`` (region × factor, resource, CO2): factor prices ``PF`` (wage, capital rental),
  resource rents ``PR`` by resource sector, and the region's carbon price in USD/t.
* ``value_added`` (region × sector): payments to factors and resource owners, net of factor taxes
  (value added at factor cost): benchmark ``Σ_f vfm + vrs``, quantity, and value ``Σ PF·q + PR·q``.
* ``employment`` (region × sector × labour factor): labour demand in bn USD at benchmark wages
  (the factors of :func:`labour_factors`).
* ``consumption`` (region × good): household demand ``vc`` at the solution.
* ``emissions`` (region × user × fuel): combustion CO2 of each fossil fuel by each sector and the
  household (``co2[r,i,u]`` times the change in the fuel's use) and process CO2 (fuel
  ``process``, ``co2p[r,j]·Y[r,j]``); they sum to the ``emissions_mt`` of the ``regions`` table.
* ``leakage_channels`` (one row per non-coalition region, and a total): :func:`cge.results.measures.leakage_split`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyomo.core import value

from cge.bca.model import BCAModel
from cge.data.benchmark import HOUSEHOLD
from cge.data.factors import labour_factors
from cge.results.measures import carbon_price_usd_per_t, leakage_split
from cge.results.schema import BY_NAME

#: the fuel label of process emissions in the ``emissions`` table
PROCESS = "process"
#: the ``leakage_channels`` row that sums the non-coalition regions
TOTAL = "non-coalition"


def _frame(name: str, rows: list) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=BY_NAME[name].names)


def _pct(index: float) -> float:
    return 100 * (index - 1)


class _Point:
    """The solved values the detail tables read: variables (over ``PW``) and flow quantities."""

    def __init__(self, bm: BCAModel, qty: dict, pw: float):
        self.bm, self.b, self.qty, self.pw = bm, bm.b, qty, pw
        self.V = bm.vars

    def var(self, family: str, key, default=float("nan")) -> float:
        var = self.V.get(family, {})
        return float(value(var[key])) if var != {} and key in var else default

    def price(self, family: str, key) -> float:
        """A price index over ``PW`` (NaN where the model has no such price)."""
        return self.var(family, key) / self.pw

    def q(self, label, default: float = 0.0) -> float:
        return self.qty.get(label, default)


def prices_table(p: _Point) -> pd.DataFrame:
    """Supply, Armington and consumer price change by region and good (module docstring)."""
    b = p.b
    nJ = len(b.sectors)
    rows = []
    for k, r in enumerate(b.regions):
        pco2 = p.var("PCO2", r, 0.0)
        for i_, i in enumerate(b.sectors):
            if (r, i) not in p.V["PA"] and (r, i) not in p.V["PY"]:
                continue
            pa = p.var("PA", (r, i))
            vc, tpu = b.vc[k, i_], b.tpu[k, i_, nJ]
            consumer = ((1 + tpu) * pa + pco2 * b.co2[k, i_, nJ] / vc) / (1 + tpu) if vc > 0 else np.nan
            rows.append((r, i, _pct(p.price("PY", (r, i))), _pct(pa / p.pw), _pct(consumer / p.pw)))
    return _frame("prices", rows)


def factor_prices_table(p: _Point) -> pd.DataFrame:
    """Factor prices, resource rents and the carbon price by region (module docstring)."""
    b = p.b
    rows = []
    for k, r in enumerate(b.regions):
        for f_, f in enumerate(b.factors):
            if (r, f) in p.V["PF"]:
                rows.append((r, f, "factor", b.vfm[k, f_].sum(), _pct(p.price("PF", (r, f))), np.nan))
        for j_, j in enumerate(b.sectors):
            if b.vrs[k, j_] > 0:
                rows.append((r, j, "resource_rent", b.vrs[k, j_], _pct(p.price("PR", (r, j))), np.nan))
        rows.append((r, "CO2", "carbon", np.nan, np.nan, carbon_price_usd_per_t(p.var("PCO2", r, 0.0), p.pw)))
    return _frame("factor_prices", rows)


def value_added_table(p: _Point) -> pd.DataFrame:
    """Value added at factor cost by region and sector: factor payments and resource rents."""
    b = p.b
    rows = []
    for (r, j) in p.bm.ykeys:
        k, j_ = b.regions.index(r), b.sectors.index(j)
        v0 = q1 = val = 0.0
        for f_, f in enumerate(b.factors):
            if b.vfm[k, f_, j_] > 0:
                q = p.q(("vfm", r, f, j))
                v0, q1, val = v0 + b.vfm[k, f_, j_], q1 + q, val + p.price("PF", (r, f)) * q
        if b.vrs[k, j_] > 0:
            q = p.q(("vrs", r, j))
            v0, q1, val = v0 + b.vrs[k, j_], q1 + q, val + p.price("PR", (r, j)) * q
        rows.append((r, j, v0, q1, val, 100 * (q1 / v0 - 1) if v0 > 0 else np.nan))
    return _frame("value_added", rows)


def employment_table(p: _Point) -> pd.DataFrame:
    """Labour demand by region, sector and labour factor, in bn USD at benchmark wages."""
    b = p.b
    labour = set(labour_factors(b.factors))
    rows = []
    for (r, j) in p.bm.ykeys:
        k, j_ = b.regions.index(r), b.sectors.index(j)
        for f_, f in enumerate(b.factors):
            if f in labour and b.vfm[k, f_, j_] > 0:
                v0, q = b.vfm[k, f_, j_], p.q(("vfm", r, f, j))
                rows.append((r, j, f, v0, q, 100 * (q / v0 - 1)))
    return _frame("employment", rows)


def consumption_table(p: _Point) -> pd.DataFrame:
    """Household demand by region and good (benchmark, quantity, % change)."""
    b = p.b
    rows = []
    for k, r in enumerate(b.regions):
        for i_, i in enumerate(b.sectors):
            v0 = b.vc[k, i_]
            if v0 > 0:
                q = p.q(("vc", r, i))
                rows.append((r, i, v0, q, 100 * (q / v0 - 1)))
    return _frame("consumption", rows)


def emission_cells(p: _Point) -> list[tuple[str, str, str, float, float]]:
    """``(region, user, fuel, benchmark Mt, Mt)`` of every emitting cell: combustion of each fuel by
    each sector and the household, ``co2[r,i,u]·q/q0`` of its fuel flow, and process emissions
    ``co2p[r,j]·Y[r,j]`` (fuel :data:`PROCESS`)."""
    b = p.b
    nJ = len(b.sectors)
    out = []
    for k, r in enumerate(b.regions):
        for u_, u in enumerate(b.users):
            for i_ in np.nonzero(b.co2[k, :, u_] > 0)[0]:
                i = b.sectors[i_]
                label, q0 = (("vc", r, i), b.vc[k, i_]) if u_ == nJ else (("vid", r, i, u), b.vid[k, i_, u_])
                e0 = b.co2[k, i_, u_]
                out.append((r, u, i, e0, e0 * p.q(label) / q0))
            if u_ < nJ and b.co2p[k, u_] > 0:
                out.append((r, u, PROCESS, b.co2p[k, u_], b.co2p[k, u_] * p.var("Y", (r, u), 1.0)))
    return out


def emissions_table(cells) -> pd.DataFrame:
    """Emissions by region, user (sector or household) and fuel, with the change."""
    rows = [(r, u, f, e0, e1, e1 - e0, 100 * (e1 / e0 - 1)) for r, u, f, e0, e1 in cells]
    return _frame("emissions", rows)


def leakage_channels_table(p: _Point, cells) -> pd.DataFrame:
    """The non-coalition emission change by channel (:func:`cge.results.measures.leakage_split`),
    one row per non-coalition region and a total row (:data:`TOTAL`); empty without a coalition
    or without regions outside it."""
    b, bm = p.b, p.bm
    cl = set(bm.coalition)
    rest = [r for r in b.regions if r not in cl]
    if not cl or not rest:
        return _frame("leakage_channels", [])
    eite = set(b.tags.eite)
    by_activity: dict[tuple, list[float]] = {}
    for r, u, _f, e0, e1 in cells:
        if r in cl:
            continue
        cell = by_activity.setdefault((r, u), [0.0, 0.0])
        cell[0] += e0
        cell[1] += e1
    rows = []
    for r in rest:
        keys = [(u, *e) for (rr, u), e in by_activity.items() if rr == r]
        e0 = np.array([k[1] for k in keys])
        e1 = np.array([k[2] for k in keys])
        level = np.array([p.var("C", r, 1.0) if u == HOUSEHOLD else p.var("Y", (r, u), 1.0) for u, *_ in keys])
        is_eite = np.array([u in eite for u, *_ in keys], dtype=bool)
        eite_output, intensity, other = leakage_split(e0, e1, level, is_eite)
        rows.append((r, e0.sum(), e1.sum() - e0.sum(), eite_output, intensity, other))
    total = np.array([row[1:] for row in rows]).sum(axis=0)
    rows.append((TOTAL, *total))
    return _frame("leakage_channels", rows)


def detail_tables(bm: BCAModel, qty: dict, pw: float) -> dict[str, pd.DataFrame]:
    """The detail tables of the module docstring for the model's current solution (``qty``: flow
    quantities by label, :class:`cge.results.tables._Solution`)."""
    p = _Point(bm, qty, pw)
    cells = emission_cells(p)
    return {"prices": prices_table(p), "factor_prices": factor_prices_table(p), "value_added": value_added_table(p),
            "employment": employment_table(p), "consumption": consumption_table(p),
            "emissions": emissions_table(cells), "leakage_channels": leakage_channels_table(p, cells)}
