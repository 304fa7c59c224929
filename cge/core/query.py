"""Public query API of a built (and usually solved) :class:`~cge.core.model.EquilibriumModel`.

Everything a report needs, as tidy DataFrames evaluated at the current variable values, so no
caller reads the model's private bookkeeping:

* :func:`flows` — every compiled flow by block and commodity: quantity, the level of the
  activity (or demand bundle) it belongs to, the quantity per unit of that level (MPSGE's
  "compensated demand"; supplies of outputs positive), the market price and value;
* :func:`revenue` — wedge revenue by flow, collecting agent and kind (per unit and total);
* :func:`accounts` — totals booked to each account (e.g. CO2 by region);
* :func:`conditions` — every variable with its paired condition, the condition's residual, and
  whether it is active (dropped when the variable is fixed) or at a bound;
* :func:`walras_check` — the residual of the conditions dropped by Walras' law.

Quantities are in the benchmark units of the model's data (value at benchmark prices); labels
are rendered as ``family[index,…]`` strings, e.g. ``PY[usa,ele]``.
"""

from __future__ import annotations

import pandas as pd

from cge.core.evaluate import PointEvaluator
from cge.core.model import EquilibriumModel, walras_residual

FLOW_COLUMNS = ["block", "role", "commodity", "flow", "quantity", "level", "quantity_per_unit",
                "price", "value"]
REVENUE_COLUMNS = ["agent", "agent_index", "kind", "block", "commodity", "flow", "revenue_per_unit",
                   "quantity", "revenue"]


def label(key) -> str:
    """``("PY", ("usa", "ele"))`` or ``("Y", "usa", "ele")`` → ``"PY[usa,ele]"``; ``("W", None)`` → ``"W"``."""
    if not isinstance(key, tuple) or not key:
        return str(key)
    head, rest = key[0], key[1:]
    parts = []
    for r in rest:
        if r is None:
            continue
        parts.extend(r if isinstance(r, tuple) else (r,))
    return f"{head}[{','.join(str(p) for p in parts)}]" if parts else str(head)


def variable(em: EquilibriumModel, key):
    """The Pyomo variable of a pair key ``(family name, index or None)`` (the keys of
    ``em.pairs``), looked up through the public Pyomo model ``em.pyomo``."""
    family = em.pyomo.component(key[0])
    return family if key[1] is None else family[key[1]]


def _var_label(v) -> str:
    return label((v.parent_component().name, v.index()))


def flows(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    """One row per compiled flow (see module docstring); ``role`` is ``input``, ``output``,
    ``fixed_demand``, ``final_demand`` or ``endowment``. ``quantity_per_unit`` is NaN where the
    level is zero (a sector that shut down)."""
    ev = evaluate or PointEvaluator()
    rows = []
    for f in em.flows:
        q = float(ev(f.quantity))
        level = float(ev(f.level))
        price = float(ev(f.price))
        rows.append((label(f.block), f.role, _var_label(f.price), f.label, q, level,
                     q / level if level != 0 else float("nan"), price, q * price))
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def quantity(em: EquilibriumModel, block, commodity, role: str | None = None,
             per_unit: bool = False, evaluate: PointEvaluator | None = None) -> float:
    """Total quantity (or quantity per unit of activity) of ``commodity`` (a variable or its
    label) in ``block`` (its label tuple, activity variable or label string)."""
    tab = flows(em, evaluate)
    b = block if isinstance(block, str) else (label(block) if isinstance(block, tuple)
                                              else _var_label(block))
    c = commodity if isinstance(commodity, str) else _var_label(commodity)
    sel = tab[(tab["block"] == b) & (tab["commodity"] == c)]
    if role is not None:
        sel = sel[sel["role"] == role]
    if sel.empty:
        raise KeyError(f"no flow of {c} in block {b}" + (f" with role {role}" if role else ""))
    return float(sel["quantity_per_unit" if per_unit else "quantity"].sum())


def revenue(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    """Wedge revenue: one row per (flow, wedge) with the collecting ``agent`` (family name),
    ``agent_index`` (its index), ``kind`` (e.g. ``tariff``, ``carbon``), per-unit and total."""
    ev = evaluate or PointEvaluator()
    rows = []
    for f in em.flows:
        if not f.revenue:
            continue
        q = float(ev(f.quantity))
        for agent, per_unit, kind in f.revenue:
            u = float(ev(per_unit))
            rows.append((agent.parent_component().name, agent.index(), kind, label(f.block),
                         _var_label(f.price), f.label, u, q, u * q))
    return pd.DataFrame(rows, columns=REVENUE_COLUMNS)


def revenue_by_agent(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    """Total revenue by agent and kind."""
    tab = revenue(em, evaluate)
    tab["agent"] = [label((a, i)) for a, i in zip(tab["agent"], tab["agent_index"])]
    return tab.groupby(["agent", "kind"], as_index=False, sort=False)["revenue"].sum()


def accounts(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    """Total of every account (e.g. ``co2`` by region, in the account's units)."""
    ev = evaluate or PointEvaluator()
    rows = [(key[0], key[1:] if len(key) > 2 else (key[1] if len(key) == 2 else None),
             float(sum(c * ev(q) for c, q in terms))) for key, terms in em.accounts.items()]
    return pd.DataFrame(rows, columns=["account", "key", "total"])


def conditions(em: EquilibriumModel, evaluate: PointEvaluator | None = None,
               at_bound_tol: float = 1e-9) -> pd.DataFrame:
    """Every paired variable with its condition: ``kind`` (sector, commodity, consumer,
    auxiliary), value, ``fixed``, condition name, ``active`` (False once dropped), ``residual``
    (the scaled condition: profit = (cost − revenue)/benchmark cost, market = (supply −
    demand)/benchmark supply, income = (M − sources)/benchmark income) and ``at_lower_bound``."""
    ev = evaluate or PointEvaluator()
    rows = []
    for key, con in em.pairs.items():
        v = variable(em, key)
        lb = v.lb
        val = v.value
        rows.append((label(key), em.kind[key[0]], val, v.fixed, con.name, con.active, float(ev(con.body)),
                     lb is not None and val is not None and val - lb <= at_bound_tol * (1 + abs(lb))))
    return pd.DataFrame(rows, columns=["variable", "kind", "value", "fixed", "condition", "active",
                                       "residual", "at_lower_bound"])


def market_residuals(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    tab = conditions(em, evaluate)
    return tab[tab["kind"] == "commodity"].reset_index(drop=True)


def profit_residuals(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    tab = conditions(em, evaluate)
    return tab[tab["kind"] == "sector"].reset_index(drop=True)


def walras_check(em: EquilibriumModel) -> float:
    """Residual of the market (or income) conditions dropped by Walras' law (see
    :func:`cge.core.model.walras_residual`)."""
    return walras_residual(em)
