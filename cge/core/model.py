"""Compile declared blocks into a square Pyomo system in calibrated share form.

Unknowns are activity levels, prices, incomes and auxiliary variables; input demands are
expressions (Shephard's lemma), never extra variables, which keeps the system small.
Equations, each scaled by its benchmark magnitude so that residuals are relative:

* ``profit_<family>[key]``  zero profit of a sector:    ``(C̄·c_top − Σ_o q̄_o·s_o) / C̄ = 0``
* ``market_<family>[key]``  market clearance:           ``(supply − demand) / benchmark supply = 0``
* ``income_<family>[key]``  income balance:             ``(M − income sources) / M̄ = 0``
* user equations added with :meth:`EquilibriumModel.equation` (carbon caps, price indices …).

Walras' law makes one market redundant once a numeraire price is fixed; the model drops the
market named in :meth:`EquilibriumModel.set_numeraire` and :func:`walras_residual` checks
that it still clears after a solve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyomo.environ import (
    Any,
    ConcreteModel,
    Constraint,
    Expression,
    Param,
    Reals,
    Var,
    value,
)

from cge.core import ces
from cge.core.blocks import TOP, AdValorem, Deferred, Demand, Input, Nest, PerUnit, Production
from cge.core.evaluate import PointEvaluator

KINDS = ("sector", "commodity", "consumer", "auxiliary")


@dataclass
class _Flow:
    """A compiled input or output: its quantity expression and what it pays to whom."""

    label: tuple
    price: object
    quantity: object            # Pyomo expression (named Expression when shared)
    revenue: list = field(default_factory=list)   # (agent, per-unit expression, kind)
    accounts: list = field(default_factory=list)  # (account, coefficient)


class ModelDeclarationError(ValueError):
    """The declared model is inconsistent (unknown nest, empty market, not square …)."""


class EquilibriumModel:
    """A declarative general-equilibrium model compiled to a Pyomo ``ConcreteModel``.

    Declare variable families (:meth:`sectors`, :meth:`commodities`, :meth:`consumers`,
    :meth:`auxiliaries`), mutable :meth:`parameter` s, blocks (:meth:`add`) and auxiliary
    :meth:`equation` s, pick a :meth:`set_numeraire`, then :meth:`build`. Variables start at
    their benchmark values (activity levels and prices 1, incomes at benchmark income).
    """

    def __init__(self, name: str = "cge"):
        self.pyomo = ConcreteModel(name=name)
        self.kind: dict[str, str] = {}
        self.blocks: list = []
        self.equations: list[tuple[str, list, Callable, float | Callable]] = []
        self.numeraire: tuple | None = None
        self.dropped_market: tuple[str, object] | None = None
        self.flows: list[_Flow] = []
        self.accounts: dict[tuple, list] = defaultdict(list)
        self.built = False
        self._supply: dict[tuple, list] = defaultdict(list)
        self._demand: dict[tuple, list] = defaultdict(list)
        self._bench_supply: dict[tuple, float] = defaultdict(float)
        self._income: dict[tuple, list] = defaultdict(list)
        self._profit: dict[tuple, tuple] = {}
        self._n_expr = 0
        self.pyomo.cost_index = Expression(Any)
        self.pyomo.quantity = Expression(Any)

    # ----- declarations -----------------------------------------------------------------
    def _family(self, kind: str, name: str, index, start, lower=None, upper=None, doc=""):
        if name in self.kind:
            raise ModelDeclarationError(f"variable family {name!r} declared twice")
        self.kind[name] = kind
        keys = list(index) if index is not None else None
        if keys is None:
            var = Var(domain=Reals, initialize=start if not callable(start) else start(None),
                      bounds=(lower, upper), doc=doc)
        else:
            init = (lambda m, *k: start(k[0] if len(k) == 1 else k)) if callable(start) else start
            var = Var(keys, domain=Reals, initialize=init, bounds=(lower, upper), doc=doc, dense=True)
        self.pyomo.add_component(name, var)
        return var

    def sectors(self, name: str, index=None, doc: str = ""):
        """Activity levels (benchmark 1, non-negative)."""
        return self._family("sector", name, index, 1.0, lower=0.0, doc=doc)

    def commodities(self, name: str, index=None, doc: str = ""):
        """Market prices (benchmark 1, non-negative); each clears its market."""
        return self._family("commodity", name, index, 1.0, lower=0.0, doc=doc)

    def consumers(self, name: str, index=None, doc: str = ""):
        """Incomes; the benchmark income is computed from the data at :meth:`build`."""
        return self._family("consumer", name, index, 0.0, doc=doc)

    def auxiliaries(self, name: str, index=None, start=0.0, lower=None, upper=None, doc: str = ""):
        """Auxiliary unknowns (carbon prices, price indices, …); each needs an :meth:`equation`."""
        return self._family("auxiliary", name, index, start, lower=lower, upper=upper, doc=doc)

    def parameter(self, name: str, index=None, values=0.0, doc: str = ""):
        """A mutable parameter: scenarios change it and re-solve without rebuilding."""
        if index is None:
            p = Param(mutable=True, initialize=values, within=Reals, doc=doc)
        else:
            keys = list(index)
            init = values if isinstance(values, dict) else {k: values for k in keys}
            p = Param(keys, mutable=True, initialize=init, within=Reals, default=0.0, doc=doc)
        self.pyomo.add_component(name, p)
        return p

    def add(self, block: Production | Demand) -> None:
        if self.built:
            raise ModelDeclarationError("cannot add blocks after build()")
        self.blocks.append(block)

    def equation(self, name: str, index: Iterable | None, rule: Callable, scale: float | Callable = 1.0):
        """An auxiliary equation ``rule(key) == 0`` (``rule()`` when ``index`` is None), divided by
        ``scale``; ``rule`` may call :meth:`account` since it runs at :meth:`build`."""
        self.equations.append((name, None if index is None else list(index), rule, scale))

    def set_numeraire(self, var, value_: float = 1.0, drop_market=None) -> None:
        """Fix price ``var`` at ``value_`` and drop the market of ``drop_market`` (a commodity
        variable; by default ``var`` itself), which Walras' law makes redundant."""
        self.numeraire = (var, value_)
        target = drop_market if drop_market is not None else var
        self.dropped_market = (target.parent_component().name, target.index())

    def account(self, name: str, *key):
        """Sum of ``coefficient × quantity`` booked to account ``(name, *key)`` (e.g. CO2 in Mt)."""
        terms = self.accounts.get((name, *key), [])
        return sum(c * q for c, q in terms) if terms else 0.0

    # ----- compilation --------------------------------------------------------------------
    @staticmethod
    def _key(var) -> tuple:
        return (var.parent_component().name, var.index())

    def _named(self, component, expr):
        self._n_expr += 1
        component[self._n_expr] = expr
        return component[self._n_expr]

    def _input_price(self, inp: Input):
        """Fold the wedges of an input: buyer price, revenue per unit by agent, accounts."""
        b = inp.price
        revenue, accounts = [], []
        for w in inp.wedges:
            if isinstance(w, AdValorem):
                revenue.append((w.agent, w.rate * b, w.kind))
                b = b * (1 + w.rate)
            elif isinstance(w, PerUnit):
                revenue.append((w.agent, w.amount, w.kind))
                b = b + w.amount
                if w.account is not None:
                    accounts.append((w.account, w.coefficient))
            else:
                raise ModelDeclarationError(f"unknown wedge {w!r} on input {inp.label}")
        return b, revenue, accounts

    @staticmethod
    def _output_price(out):
        s = out.price
        revenue, accounts = [], []
        for w in out.wedges:
            if isinstance(w, AdValorem):
                revenue.append((w.agent, w.rate * out.price, w.kind))
                s = s - w.rate * out.price
            elif isinstance(w, PerUnit):
                revenue.append((w.agent, w.amount, w.kind))
                s = s - w.amount
                if w.account is not None:
                    accounts.append((w.account, w.coefficient))
            else:
                raise ModelDeclarationError(f"unknown wedge {w!r} on output {out.label}")
        return s, revenue, accounts

    def _nest_tree(self, inputs: list[Input], nests: list[Nest], where: tuple):
        """Compile a nest tree; returns (top unit cost, benchmark value, leaf demand-index list)."""
        by_name = {n.name: n for n in nests}
        if TOP not in by_name:
            by_name[TOP] = Nest(TOP, 0.0)
        for n in by_name.values():
            if n.name != TOP and n.parent not in by_name:
                raise ModelDeclarationError(f"{where}: nest {n.name!r} has unknown parent {n.parent!r}")
        leaves = []  # (input, buyer price, revenue, accounts, reference price)
        for inp in inputs:
            if inp.nest not in by_name:
                raise ModelDeclarationError(f"{where}: input {inp.label} names unknown nest {inp.nest!r}")
            b, rev, acc = self._input_price(inp)
            ref = inp.reference_price if inp.reference_price is not None else value(b)
            if not ref > 0:
                raise ModelDeclarationError(f"{where}: input {inp.label} has reference price {ref}")
            leaves.append((inp, b, rev, acc, ref))
        children: dict[str, list] = defaultdict(list)  # nest -> [("leaf", i) | ("nest", name)]
        for i, (inp, *_rest) in enumerate(leaves):
            children[inp.nest].append(("leaf", i))
        for n in by_name.values():
            if n.name != TOP:
                children[n.parent].append(("nest", n.name))

        values: dict[tuple, float] = {}

        def bench_value(node) -> float:
            if node in values:
                return values[node]
            if node[0] == "leaf":
                inp, _b, _r, _a, ref = leaves[node[1]]
                v = inp.quantity * ref
            else:
                v = sum(bench_value(c) for c in children[node[1]])
            values[node] = v
            return v

        cost: dict[str, object] = {}
        factor: dict[tuple, object] = {}  # demand factor of each child within its parent nest

        def compile_nest(name: str):
            kids = [c for c in children[name] if bench_value(c) > 0]
            if not kids:
                return None
            xs = []
            for c in kids:
                if c[0] == "leaf":
                    _inp, b, _r, _a, ref = leaves[c[1]]
                    xs.append(b / ref)
                else:
                    xs.append(compile_nest(c[1]))
            total = sum(bench_value(c) for c in kids)
            shares = [bench_value(c) / total for c in kids]
            sigma = by_name[name].sigma
            c_n = self._named(self.pyomo.cost_index, ces.unit_cost(sigma, shares, xs))
            cost[name] = c_n
            for c, d in zip(kids, ces.demand_factors(sigma, shares, xs, c_n)):
                factor[c] = d
            return c_n

        top = compile_nest(TOP)
        leaf_index = []
        for i, (inp, b, rev, acc, _ref) in enumerate(leaves):
            if bench_value(("leaf", i)) <= 0:
                continue
            index = 1
            node, nest = ("leaf", i), inp.nest
            while True:
                d = factor[node]
                if not (isinstance(d, (int, float)) and d == 1):
                    index = index * d
                if nest == TOP:
                    break
                node, nest = ("nest", nest), by_name[nest].parent
            leaf_index.append((inp, index, b, rev, acc))
        return top, bench_value(("nest", TOP)) if children[TOP] else 0.0, leaf_index

    def _add_flow(self, label, price, quantity, revenue, accounts, demand: bool, bench_q: float):
        shared = bool(revenue or accounts)
        q = self._named(self.pyomo.quantity, quantity) if shared else quantity
        key = self._key(price)
        (self._demand if demand else self._supply)[key].append(q)
        if not demand:
            self._bench_supply[key] += bench_q
        flow = _Flow(label, price, q, revenue, accounts)
        for agent, per_unit, _kind in revenue:
            if agent is not None:
                self._income[self._key(agent)].append(per_unit * q)
        for account, coef in accounts:
            self.accounts[account].append((coef, q))
        self.flows.append(flow)
        return flow

    def _compile_production(self, blk: Production):
        where = blk.label or self._key(blk.activity)
        top, bench_cost, leaves = self._nest_tree(blk.inputs, blk.nests, where)
        if top is None:
            raise ModelDeclarationError(f"{where}: production block has no inputs with positive value")
        revenue_terms, bench_revenue = [], 0.0
        for out in blk.outputs:
            s, rev, acc = self._output_price(out)
            revenue_terms.append(out.quantity * s)
            bench_revenue += out.quantity * value(s)
            self._add_flow(out.label, out.price, out.quantity * blk.activity, rev, acc, False, out.quantity)
        if abs(bench_revenue - bench_cost) > 1e-9 * max(1.0, bench_cost):
            raise ModelDeclarationError(
                f"{where}: benchmark cost {bench_cost:.10g} differs from benchmark revenue {bench_revenue:.10g}"
            )
        for inp, index, _b, rev, acc in leaves:
            self._add_flow(inp.label, inp.price, inp.quantity * blk.activity * index, rev, acc, True, 0.0)
        key = self._key(blk.activity)
        if key in self._profit:
            raise ModelDeclarationError(f"{where}: sector {key} has two production blocks")
        self._profit[key] = (bench_cost * top - sum(revenue_terms), bench_cost)

    def _compile_demand(self, blk: Demand):
        where = blk.label or self._key(blk.consumer)
        income = self._income[self._key(blk.consumer)]
        for e in blk.endowments:
            income.append(e.quantity * e.price)
            key = self._key(e.price)
            self._supply[key].append(e.quantity)
            self._bench_supply[key] += value(e.quantity)
        for t in blk.transfers:
            income.append(t.amount.build() if isinstance(t.amount, Deferred) else t.amount)
        fixed_cost = 0
        for inp in blk.fixed:
            b, rev, acc = self._input_price(inp)
            fixed_cost = fixed_cost + inp.quantity * b
            self._add_flow(inp.label, inp.price, inp.quantity, rev, acc, True, 0.0)
        if blk.inputs:
            top, bench_budget, leaves = self._nest_tree(blk.inputs, blk.nests, where)
            level = self._named(
                self.pyomo.quantity, (blk.consumer - fixed_cost) / (bench_budget * top)
            )
            for inp, index, _b, rev, acc in leaves:
                self._add_flow(inp.label, inp.price, inp.quantity * level * index, rev, acc, True, 0.0)
        self._spending[self._key(blk.consumer)] = blk

    def build(self) -> ConcreteModel:
        """Compile all blocks and equations into constraints on :attr:`pyomo`."""
        if self.built:
            return self.pyomo
        m = self.pyomo
        self._spending: dict = {}
        for blk in self.blocks:
            if isinstance(blk, Production):
                self._compile_production(blk)
        for blk in self.blocks:
            if isinstance(blk, Demand):
                self._compile_demand(blk)
            elif not isinstance(blk, Production):
                raise ModelDeclarationError(f"unknown block {blk!r}")

        # benchmark incomes: evaluate income sources at the benchmark point
        evaluate = PointEvaluator()
        for name, kind in self.kind.items():
            if kind != "consumer":
                continue
            var = m.component(name)
            for v in var.values():
                terms = self._income.get(self._key(v), [])
                v.set_value(sum(evaluate(t) for t in terms))

        families = defaultdict(dict)
        for key, (expr, scale) in self._profit.items():
            families[f"profit_{key[0]}"][key[1]] = expr / scale
        for name, kind in self.kind.items():
            var = m.component(name)
            for v in var.values():
                key = self._key(v)
                if kind == "commodity":
                    if key == self.dropped_market:
                        continue
                    if not self._supply.get(key) and not self._demand.get(key):
                        if v.fixed:
                            continue
                        raise ModelDeclarationError(f"commodity {name}{list(key[1:])} has no supply or demand")
                    scale = self._bench_supply.get(key) or 1.0
                    families[f"market_{name}"][key[1]] = (
                        sum(self._supply.get(key, [])) - sum(self._demand.get(key, []))
                    ) / scale
                elif kind == "consumer":
                    if key not in self._spending:
                        raise ModelDeclarationError(f"consumer {name}{list(key[1:])} has no demand block")
                    scale = max(abs(value(v)), 1e-12)
                    families[f"income_{name}"][key[1]] = (v - sum(self._income.get(key, []))) / scale
                elif kind == "sector" and key not in self._profit:
                    raise ModelDeclarationError(f"sector {name}{list(key[1:])} has no production block")
        for fam, rows in families.items():
            m.add_component(fam, Constraint(list(rows), rule=lambda _m, *k, rows=rows: rows[k[0] if len(k) == 1
                                                                                          else k] == 0))
        for name, index, rule, scale in self.equations:
            if index is None:
                s = scale() if callable(scale) else scale
                m.add_component(name, Constraint(expr=rule() / s == 0))
            else:
                rows = {}
                for k in index:
                    s = scale(k) if callable(scale) else scale
                    rows[k] = rule(k) / s
                m.add_component(name, Constraint(list(rows), rule=lambda _m, *k, rows=rows: rows[
                    k[0] if len(k) == 1 else k] == 0))
        if self.numeraire is not None:
            var, val = self.numeraire
            var.fix(val)
        self.built = True
        return m

    # ----- helpers for results ---------------------------------------------------------------
    def flow_values(self, kind_prefix: str | None = None) -> list[tuple[tuple, float]]:
        """(label, quantity) of every compiled flow (optionally those whose label starts with
        ``kind_prefix``), evaluated at the current variable values."""
        ev = PointEvaluator()
        return [(f.label, ev(f.quantity)) for f in self.flows
                if kind_prefix is None or (f.label and f.label[0] == kind_prefix)]


def walras_residual(em: EquilibriumModel) -> float:
    """Relative excess supply of the market dropped by Walras' law, at current values."""
    if em.dropped_market is None:
        return 0.0
    key = em.dropped_market
    evaluate = PointEvaluator()
    supply = sum(evaluate(t) for t in em._supply.get(key, []))
    demand = sum(evaluate(t) for t in em._demand.get(key, []))
    return (supply - demand) / (em._bench_supply.get(key) or 1.0)
