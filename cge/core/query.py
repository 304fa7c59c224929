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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cge.core.evaluate import flow_expressions
from cge.core.model import EquilibriumModel, walras_residual
from cge.expr.evaluate import BatchEvaluator, PointEvaluator

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


@dataclass
class FlowCatalogue:
    """What the flows of a built model are, apart from their values: labels, and which node
    gives each flow's level and price (distinct nodes once, ``*_of`` index them), and for each
    wedge its flow (``revenue_flow``), collecting agent and kind. Built once per compiled model
    (:func:`catalogue`); the query functions only evaluate values on top of it."""

    block: list
    role: list
    commodity: list
    flow: list
    level_nodes: list
    level_of: np.ndarray
    price_nodes: list
    price_of: np.ndarray
    revenue_flow: np.ndarray
    agent: list
    agent_index: list
    kind: list


def _distinct(nodes: list) -> tuple[list, np.ndarray]:
    """The distinct objects of ``nodes`` (by identity, in first-seen order) and each one's position."""
    position: dict[int, int] = {}
    unique: list = []
    of = []
    for node in nodes:
        at = position.get(id(node))
        if at is None:
            at = position[id(node)] = len(unique)
            unique.append(node)
        of.append(at)
    return unique, np.array(of, dtype=np.int64)


def catalogue(em: EquilibriumModel) -> FlowCatalogue:
    """The :class:`FlowCatalogue` of ``em``'s compiled flows (kept on ``em`` until it recompiles)."""
    cat = em.derived.get("flow_catalogue")
    if cat is not None:
        return cat
    fs = em.flows
    levels, level_of = _distinct([f.level for f in fs])
    prices, price_of = _distinct([f.price for f in fs])
    price_labels = [_var_label(p) for p in prices]
    blocks, block_of = _distinct([f.block for f in fs])   # labels made once per block, agents once per agent
    block_labels = [label(b) for b in blocks]
    wedges = [(k, agent, kind) for k, f in enumerate(fs) for agent, _per_unit, kind in f.revenue]
    agents, agent_of = _distinct([a for _k, a, _kind in wedges])
    agent_names = [None if a is None else a.parent_component().name for a in agents]
    agent_indices = [None if a is None else a.index() for a in agents]
    agent_of = agent_of.tolist()
    cat = FlowCatalogue(
        block=[block_labels[i] for i in block_of.tolist()], role=[f.role for f in fs],
        commodity=[price_labels[i] for i in price_of.tolist()], flow=[f.label for f in fs],
        level_nodes=levels, level_of=level_of, price_nodes=prices, price_of=price_of,
        revenue_flow=np.array([k for k, _a, _kind in wedges], dtype=np.int64),
        agent=[agent_names[i] for i in agent_of], agent_index=[agent_indices[i] for i in agent_of],
        kind=[kind for _k, _a, kind in wedges])
    em.derived["flow_catalogue"] = cat
    return cat


def flow_values(em: EquilibriumModel, evaluate: PointEvaluator) -> tuple[np.ndarray, np.ndarray]:
    """``(quantities, per-unit revenues)`` of every flow and wedge (the order of
    :func:`cge.core.evaluate.flow_expressions`), read off the flow tape when ``evaluate`` is the
    model's :func:`~cge.core.evaluate.flow_evaluator` (walking only what the tape left NaN)."""
    n = len(em.flows)
    tape = em.flow_tape
    if isinstance(evaluate, BatchEvaluator) and tape is not None and evaluate.exprs is tape[1]:
        values = np.array(evaluate.values, dtype=float)
        missing = np.flatnonzero(np.isnan(values))
        for k in missing:
            values[k] = float(evaluate(evaluate.exprs[k]))
    else:
        values = np.array([float(evaluate(e)) for e in flow_expressions(em)], dtype=float)
    return values[:n], values[n:]


def node_values(nodes: list, of: np.ndarray, evaluate: PointEvaluator) -> np.ndarray:
    """``evaluate`` of each distinct node once, spread to every flow (``of``: a catalogue's index)."""
    return np.array([float(evaluate(x)) for x in nodes], dtype=float)[of] if len(of) else np.zeros(0)


def flows(em: EquilibriumModel, evaluate: PointEvaluator | None = None) -> pd.DataFrame:
    """One row per compiled flow (see module docstring); ``role`` is ``input``, ``output``,
    ``fixed_demand``, ``final_demand`` or ``endowment``. ``quantity_per_unit`` is NaN where the
    level is zero (a sector that shut down)."""
    ev = evaluate or PointEvaluator()
    cat = catalogue(em)
    q, _per_unit = flow_values(em, ev)
    level = node_values(cat.level_nodes, cat.level_of, ev)
    price = node_values(cat.price_nodes, cat.price_of, ev)
    per_level = np.full(len(q), np.nan)
    np.divide(q, level, out=per_level, where=level != 0)
    return pd.DataFrame({"block": cat.block, "role": cat.role, "commodity": cat.commodity, "flow": cat.flow,
                         "quantity": q, "level": level, "quantity_per_unit": per_level, "price": price,
                         "value": q * price}, columns=FLOW_COLUMNS)


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
    cat = catalogue(em)
    q, per_unit = flow_values(em, ev)
    k = cat.revenue_flow
    quantity = q[k]
    return pd.DataFrame({"agent": cat.agent, "agent_index": cat.agent_index, "kind": cat.kind,
                         "block": [cat.block[i] for i in k.tolist()],
                         "commodity": [cat.commodity[i] for i in k.tolist()],
                         "flow": [cat.flow[i] for i in k.tolist()], "revenue_per_unit": per_unit,
                         "quantity": quantity, "revenue": per_unit * quantity}, columns=REVENUE_COLUMNS)


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
