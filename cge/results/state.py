"""The solved state of one scenario, kept after the run without its Pyomo model.

:func:`capture_state` reads, right after a scenario solved, the value of every variable and the
quantity, activity level and price of every compiled flow into numpy arrays. The labels of the
variables and flows are the same for every scenario of one model structure; they are read once
per compiled model (:class:`StateCatalogue`) and shared, so a scenario keeps a few arrays (the
full WIOD model, 9 scenarios: tens of MB rather than nine Pyomo models). :class:`SolvedState`
gives them back as tidy DataFrames whose columns are those of the ``state`` tables of the results
contract (:data:`cge.results.schema.STATE`), units in the column names:

* :meth:`SolvedState.prices` — goods, Armington, consumer, factor, resource and transport prices,
  ``benchmark = 1``, deflated by the world consumer price index ``PW`` (carbon prices are in the
  ``regions`` table, in USD/t);
* :meth:`SolvedState.quantities` — activity levels of production, Armington aggregation, household
  consumption and transport, ``benchmark = 1``;
* :meth:`SolvedState.flows` — every input and output of every block (:func:`cge.core.query.flows`):
  quantity in bn USD at benchmark prices, price deflated by ``PW``, value;
* :meth:`SolvedState.variables` — every variable as solved, in model units (stated per row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cge.bca.model import BCAModel
from cge.core import query
from cge.results.schema import STATE_BY_NAME

#: the unit of a variable's value as solved, by its family's kind in the core model (or its name)
VARIABLE_UNITS = {
    "sector": "activity level, benchmark = 1",
    "commodity": "price, benchmark = 1, in units of the numeraire",
    "consumer": "income, bn USD in units of the numeraire",
    "PW": "price index, benchmark = 1, in units of the numeraire",
    "PCO2": "bn USD per Mt CO2 (= 1000 USD/t), in units of the numeraire",
}


@dataclass(frozen=True)
class StateCatalogue:
    """What the variables and flows of one compiled model are, apart from their values: one row
    per variable (``variable, name, kind, region, item, description, unit``) and per flow
    (``block, role, commodity, flow``), and which distinct level and price each flow reads."""

    variables: pd.DataFrame
    flows: pd.DataFrame
    level_of: np.ndarray
    price_of: np.ndarray


@dataclass(frozen=True)
class SolvedState:
    """The solved point of one scenario as arrays over a shared :class:`StateCatalogue`."""

    catalogue: StateCatalogue
    values: np.ndarray           # every variable, in catalogue order
    fixed: np.ndarray            # bool: fixed in this scenario (e.g. an unpriced region's PCO2)
    flow_quantity: np.ndarray    # bn USD at benchmark prices
    levels: np.ndarray           # distinct activity levels of the flows (catalogue.level_of)
    flow_prices: np.ndarray      # distinct prices of the flows (catalogue.price_of), numeraire units
    pw: float                    # the world consumer price index PW, numeraire units

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays this scenario keeps (the catalogue is shared)."""
        return sum(a.nbytes for a in (self.values, self.fixed, self.flow_quantity, self.levels, self.flow_prices))

    def variables(self) -> pd.DataFrame:
        """Every variable as solved, in model units (column ``unit``)."""
        cat = self.catalogue.variables
        out = cat[["variable", "name", "kind", "region", "item", "description"]].copy()
        out["value"] = self.values
        out["unit"] = cat["unit"].to_numpy()
        out["fixed"] = self.fixed
        return _columns("variables", out)

    def prices(self) -> pd.DataFrame:
        """Prices of goods, factors, resources and transport, ``benchmark = 1``, deflated by ``PW``."""
        cat = self.catalogue.variables
        keep = (cat["kind"] == "commodity").to_numpy()
        out = cat.loc[keep, ["variable", "name", "region", "item", "description"]].reset_index(drop=True)
        out["price_index"] = self.values[keep] / self.pw
        out["price_change_pct"] = 100 * (out["price_index"] - 1)
        return _columns("prices", out)

    def quantities(self) -> pd.DataFrame:
        """Activity levels (production, Armington aggregation, consumption, transport), ``benchmark = 1``."""
        cat = self.catalogue.variables
        keep = (cat["kind"] == "sector").to_numpy()
        out = cat.loc[keep, ["variable", "name", "region", "item", "description"]].reset_index(drop=True)
        out["level_index"] = self.values[keep]
        out["level_change_pct"] = 100 * (out["level_index"] - 1)
        return _columns("quantities", out)

    def flows(self) -> pd.DataFrame:
        """Every compiled flow (:func:`cge.core.query.flows`) at the solution, units in the names."""
        cat = self.catalogue
        out = cat.flows.copy()
        q = self.flow_quantity
        level = self.levels[cat.level_of] if len(cat.level_of) else np.zeros(0)
        price = (self.flow_prices[cat.price_of] if len(cat.price_of) else np.zeros(0)) / self.pw
        per_level = np.full(len(q), np.nan)
        np.divide(q, level, out=per_level, where=level != 0)
        out["quantity_bn_usd_at_benchmark_prices"] = q
        out["level_index"] = level
        out["quantity_per_unit_level"] = per_level
        out["price_index"] = price
        out["value_bn_usd"] = q * price
        return _columns("flows", out)


def _columns(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df[STATE_BY_NAME[name].names]


def _split(index, regions: frozenset) -> tuple[str, str]:
    """``(region, item)`` of a variable's index: its first element when that is a region, and
    the rest (a sector, good, factor or margin), comma separated."""
    parts = index if isinstance(index, tuple) else (() if index is None else (index,))
    if parts and parts[0] in regions:
        return str(parts[0]), ",".join(str(p) for p in parts[1:])
    return "", ",".join(str(p) for p in parts)


def _catalogue(bm: BCAModel) -> tuple[StateCatalogue, list]:
    """The :class:`StateCatalogue` of ``bm``'s compiled model and the variables to read, in its
    order; built once and kept on the model (its variables and flows are fixed once built)."""
    em = bm.em
    found = em.derived.get("state_catalogue")
    if found is not None:
        return found
    regions = frozenset(bm.b.regions)
    rows, datas = [], []
    for family, var in bm.vars.items():
        if var == {}:
            continue
        kind = em.kind[family]
        unit = VARIABLE_UNITS.get(family, VARIABLE_UNITS.get(kind, ""))
        for v in (var.values() if var.is_indexed() else [var]):
            index = v.index() if var.is_indexed() else None
            region, item = _split(index, regions)
            rows.append((family, query.label((family, index)), kind, region, item, var.doc or "", unit))
            datas.append(v)
    variables = pd.DataFrame(rows, columns=["variable", "name", "kind", "region", "item", "description", "unit"])
    fc = query.catalogue(em)
    flows = pd.DataFrame({"block": fc.block, "role": fc.role, "commodity": fc.commodity,
                          "flow": [query.label(f) for f in fc.flow]})
    found = (StateCatalogue(variables, flows, fc.level_of, fc.price_of), datas)
    em.derived["state_catalogue"] = found
    return found


def capture_state(bm: BCAModel, evaluate=None) -> SolvedState:
    """The current point of ``bm`` (call right after a solve); ``evaluate``: the model's
    :func:`~cge.core.evaluate.flow_evaluator` at this point, when the caller has one."""
    from cge.core.evaluate import flow_evaluator

    ev = evaluate if evaluate is not None else flow_evaluator(bm.em)
    catalogue, datas = _catalogue(bm)
    fc = query.catalogue(bm.em)
    q, _per_unit = query.flow_values(bm.em, ev)
    every = np.arange(len(fc.level_nodes))
    levels = query.node_values(fc.level_nodes, every, ev)
    prices = query.node_values(fc.price_nodes, np.arange(len(fc.price_nodes)), ev)
    values = np.array([np.nan if v.value is None else float(v.value) for v in datas], dtype=float)
    fixed = np.array([bool(v.fixed) for v in datas], dtype=bool)
    return SolvedState(catalogue, values, fixed, q.copy(), levels, prices, float(bm.vars["PW"].value))
