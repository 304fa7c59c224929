"""Compile declared blocks into a square Pyomo system in calibrated share form.

Unknowns are activity levels, prices, incomes and auxiliary variables; input demands are
expressions (Shephard's lemma), never extra variables, which keeps the system small.
Equations, each scaled by its benchmark magnitude so that residuals are relative:

* ``profit_<family>[key]``  zero profit of a sector:    ``(C̄·c_top − Σ_o q̄_o·s_o) / C̄ = 0``
* ``market_<family>[key]``  market clearance:           ``(supply − demand) / benchmark supply = 0``
* ``income_<family>[key]``  income balance:             ``(M − income sources) / M̄ = 0``
* user equations added with :meth:`EquilibriumModel.equation` (carbon caps, price indices …).

Each variable is paired with its condition, as in MPSGE: sector ⟂ zero profit, commodity ⟂
market, consumer ⟂ income, auxiliary ⟂ the equation declared with ``pair=`` it. Fixing a
variable (:meth:`EquilibriumModel.fix`, or Pyomo's own ``var.fix()``) between solves drops its
condition and unfixing restores it, without rebuilding; a numeraire is just a fixed price.
Walras' law makes the dropped market (or income condition) redundant; :func:`walras_residual`
checks that it still holds after a solve. Before every solve the model also checks that no
mutable elasticity has changed its CES regime (σ = 0, 1, near 1, other) since it was compiled,
and recompiles in place if one has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from pyomo.core import (
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
from cge.errors import CGEError
from cge.expr.evaluate import PointEvaluator
from cge.expr.interface import hints_of
from cge.runtime.gc_pause import gc_paused

KINDS = ("sector", "commodity", "consumer", "auxiliary")


@dataclass
class _Flow:
    """A compiled input or output: its quantity expression and what it pays to whom."""

    label: tuple
    price: object
    quantity: object            # Pyomo expression (named Expression when shared)
    revenue: list = field(default_factory=list)   # (agent, per-unit expression, kind)
    accounts: list = field(default_factory=list)  # (account, coefficient)
    block: tuple = ()           # label of the block the flow belongs to
    role: str = ""              # "input", "output", "fixed_demand", "final_demand", "endowment"
    level: object = 1.0         # activity (or demand bundle) level the flow is proportional to


class ModelDeclarationError(CGEError, ValueError):
    """The declared model is inconsistent (unknown nest, empty market, not square …)."""


def _is_number(x) -> bool:
    return isinstance(x, (int, float))


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
        self._family_names: dict[int, str] = {}
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
        self.pairs: dict[tuple, object] = {}         # variable key -> its condition (ConstraintData)
        self._pair_of_equation: dict[str, object] = {}
        self._dropped: set[tuple] = set()            # conditions dropped explicitly (set_numeraire)
        self._regimes: list[tuple[str, object, str]] = []
        self._imbalance: list[tuple] = []
        self._calibration: dict[int, float] = {}     # reference prices fixed at the first build
        self._point: PointEvaluator | None = None    # values at the current point, while compiling
        self._income_scale: dict[tuple, float] = {}
        self._market_scale: dict[tuple, float] = {}  # equation scales of the first build
        self._profit_scale: dict[tuple, float] = {}
        self._equation_scale: dict[tuple, float] = {}
        self._starts: dict[str, object] = {}          # declared benchmark value of each family
        #: every variable's value at the benchmark point (after the first build's calibration)
        self.benchmark_values: dict[int, float] = {}
        #: ``(tape, expressions)``: a numpy tape of the flows' quantities and per-unit revenues
        #: (:func:`cge.core.evaluate.flow_evaluator`), made with the benchmark incomes at build
        self.flow_tape = None
        #: what readers derive from the compiled structure alone, by name, made at first use and
        #: dropped when the model recompiles (e.g. :func:`cge.core.query.catalogue`)
        self.derived: dict = {}
        self._components: list[str] = []
        self.n_builds = 0
        #: solvers compiled for this model, by name (e.g. ``"mcp"``: :func:`cge.solve.mcp.solve_mcp`)
        self.solver_cache: dict = {}

    # ----- declarations -----------------------------------------------------------------
    def _family(self, kind: str, name: str, index, start, lower=None, upper=None, doc=""):
        if name in self.kind:
            raise ModelDeclarationError(f"variable family {name!r} declared twice")
        self.kind[name] = kind
        self._starts[name] = start
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

    def equation(self, name: str, index: Iterable | None, rule: Callable, scale: float | Callable = 1.0,
                 pair=None):
        """An auxiliary equation ``rule(key) == 0`` (``rule()`` when ``index`` is None), divided by
        ``scale``; ``rule`` may call :meth:`account` since it runs at :meth:`build`.

        ``pair`` names the auxiliary variable (family, indexed like the equation) the equation is
        complementary to: fixing that variable drops the equation, and under
        :func:`cge.solve.mcp.solve_mcp` a bounded auxiliary makes the equation an inequality
        (``rule ≥ 0`` ⟂ ``aux ≥ lower``)."""
        self.equations.append((name, None if index is None else list(index), rule, scale))
        if pair is not None:
            if self.kind.get(pair.parent_component().name) != "auxiliary":
                raise ModelDeclarationError(f"equation {name!r}: pair must be an auxiliary variable")
            self._pair_of_equation[name] = pair

    def set_numeraire(self, var, value_: float = 1.0, drop_market=None) -> None:
        """Fix price ``var`` at ``value_`` and drop the market of ``drop_market`` (a commodity
        variable; by default ``var`` itself), which Walras' law makes redundant.

        Equivalent to :meth:`fix` of ``var`` (which drops its own paired condition) plus, when
        ``drop_market`` is given, dropping that market explicitly (e.g. a fixed price index that
        is not itself a commodity)."""
        self.numeraire = (var, value_)
        target = drop_market if drop_market is not None else var
        self.dropped_market = (target.parent_component().name, target.index())
        if drop_market is not None:
            self._dropped.add(self.dropped_market)
        if self.built:
            self.fix(var, value_)
            self._sync_pairs()

    def account(self, name: str, *key):
        """Sum of ``coefficient × quantity`` booked to account ``(name, *key)`` (e.g. CO2 in Mt)."""
        terms = self.accounts.get((name, *key), [])
        return sum(c * q for c, q in terms) if terms else 0.0

    def collected(self, agent, kinds, label=None):
        """Revenue ``Σ per_unit·quantity`` of the wedges of ``kinds`` that ``agent`` collects on the
        flows compiled so far (optionally those whose label passes ``label``): for terms built while
        the model compiles (a :class:`~cge.core.blocks.Deferred` transfer or an :meth:`equation`
        rule); every production block is compiled before any demand block."""
        kinds = set(kinds)
        terms = [per_unit * f.quantity for f in self.flows if label is None or label(f.label)
                 for who, per_unit, kind in f.revenue if kind in kinds and who is agent]
        return sum(terms) if terms else 0.0

    # ----- compilation --------------------------------------------------------------------
    def _key(self, var) -> tuple:
        """``(family, index)`` of a variable (family names cached: Pyomo's ``name`` is slow)."""
        comp = var.parent_component()
        name = self._family_names.get(id(comp))
        if name is None:
            name = self._family_names[id(comp)] = comp.name
        return (name, var.index())

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

    def _reference(self, obj, where, b) -> object:
        """Reference (benchmark) price of an input or output: given, or the wedge-folded price at
        the values of the first build (kept on rebuilds, so recalibration never moves it)."""
        if obj.reference_price is not None:
            ref = obj.reference_price
        else:
            ref = self._calibration.get(id(obj))
            if ref is None:
                ref = self._calibration[id(obj)] = self._now(b)
        if not self._now(ref) > 0:
            raise ModelDeclarationError(f"{where}: flow {obj.label} has reference price {self._now(ref)}")
        return ref

    def _now(self, x) -> float:
        """The value of a number or expression at the current point, while the model compiles
        (named expressions evaluated once each, :class:`~cge.expr.evaluate.PointEvaluator`)."""
        return float(x) if _is_number(x) else float(self._point(x))

    def _record_regime(self, where, name, sigma) -> None:
        if not _is_number(sigma):
            self._regimes.append((f"{where} nest {name!r}", sigma, ces.regime(sigma)))

    def _nest_tree(self, inputs: list[Input], nests: list[Nest], where: tuple):
        """Compile a nest tree; returns (top unit cost, benchmark value, leaf demand-index list).

        Benchmark values ``q̄·p̄`` are expressions when a quantity or reference price is a
        mutable parameter, so the value shares follow it between solves; children with a zero
        numeric benchmark value are left out."""
        by_name, leaves, children = self._nest_structure(inputs, nests, where)
        tree = _NestTree(self, where, by_name, leaves, children)
        top = tree.compile_nest(TOP)
        leaf_index = [(inp, _demand_index(("leaf", i), inp.nest, tree.factor, by_name), b, rev, acc)
                      for i, (inp, b, rev, acc, _ref) in enumerate(leaves) if tree.present(("leaf", i))]
        return top, tree.bench_value(("nest", TOP)) if children[TOP] else 0.0, leaf_index

    def _nest_structure(self, inputs: list[Input], nests: list[Nest], where: tuple):
        """Nests by name (with the top nest), the leaves ``(input, buyer price, revenue, accounts,
        reference price)`` and each nest's children ``("leaf", i)`` / ``("nest", name)``."""
        by_name = {n.name: n for n in nests}
        if TOP not in by_name:
            by_name[TOP] = Nest(TOP, 0.0)
        for n in by_name.values():
            if n.name != TOP and n.parent not in by_name:
                raise ModelDeclarationError(f"{where}: nest {n.name!r} has unknown parent {n.parent!r}")
        leaves = []
        for inp in inputs:
            if inp.nest not in by_name:
                raise ModelDeclarationError(f"{where}: input {inp.label} names unknown nest {inp.nest!r}")
            b, rev, acc = self._input_price(inp)
            leaves.append((inp, b, rev, acc, self._reference(inp, where, b)))
        children: dict[str, list] = defaultdict(list)
        for i, (inp, *_rest) in enumerate(leaves):
            children[inp.nest].append(("leaf", i))
        for n in by_name.values():
            if n.name != TOP:
                children[n.parent].append(("nest", n.name))
        return by_name, leaves, children

    def _add_flow(self, label, price, quantity, revenue, accounts, demand: bool, bench_q,
                  block=(), role="", level=1.0):
        shared = bool(revenue or accounts)
        q = self._named(self.pyomo.quantity, quantity) if shared else quantity
        key = self._key(price)
        (self._demand if demand else self._supply)[key].append(q)
        if not demand:
            self._bench_supply[key] += self._now(bench_q)
        flow = _Flow(label, price, q, revenue, accounts, block, role, level)
        for agent, per_unit, kind in revenue:
            if agent is None:
                raise ModelDeclarationError(
                    f"{block or label}: a {kind!r} wedge on flow {label} names no agent; its revenue "
                    "would belong to no one and Walras' law would fail — give the consumer who collects it"
                )
            self._income[self._key(agent)].append(per_unit * q)
        for account, coef in accounts:
            self.accounts[account].append((coef, q))
        self.flows.append(flow)
        return flow

    def _compile_outputs(self, blk: Production, where):
        """Revenue side of a production block, ``R̄·r(s)``; adds the supplies."""
        t = blk.transformation
        if _is_number(t) and t < 0:
            raise ModelDeclarationError(f"{where}: transformation elasticity must be non-negative, got {t}")
        if _is_number(t) and t == 0:  # fixed proportions: revenue is Σ q̄·s, no calibration needed
            revenue_terms = []
            for out in blk.outputs:
                s, rev, acc = self._output_price(out)
                revenue_terms.append(out.quantity * s)
                self._add_flow(out.label, out.price, out.quantity * blk.activity, rev, acc, False, out.quantity,
                               block=where, role="output", level=blk.activity)
            return sum(revenue_terms)
        if not _is_number(t):
            self._regimes.append((f"{where} transformation", t, "cet"))
        outs = []
        for out in blk.outputs:
            s, rev, acc = self._output_price(out)
            ref = self._reference(out, where, s)
            bench = out.quantity * ref
            if _is_number(bench) and bench <= 0:
                continue
            outs.append((out, s, rev, acc, ref, bench))
        if not outs:
            raise ModelDeclarationError(f"{where}: production block has no outputs with positive value")
        total = sum(o[5] for o in outs)
        shares = [o[5] / total for o in outs]
        xs = [o[1] / o[4] for o in outs]
        r = self._named(self.pyomo.cost_index, ces.unit_revenue(t, shares, xs))
        for (out, _s, rev, acc, _ref, _b), f in zip(outs, ces.supply_factors(t, shares, xs, r)):
            self._add_flow(out.label, out.price, out.quantity * blk.activity * f, rev, acc, False, out.quantity,
                           block=where, role="output", level=blk.activity)
        return total * r

    def _compile_production(self, blk: Production):
        where = blk.label or self._key(blk.activity)
        top, bench_cost, leaves = self._nest_tree(blk.inputs, blk.nests, where)
        if top is None:
            raise ModelDeclarationError(f"{where}: production block has no inputs with positive value")
        revenue = self._compile_outputs(blk, where)
        self._imbalance.append((where, self._key(blk.activity), bench_cost * top, revenue))
        for inp, index, _b, rev, acc in leaves:
            self._add_flow(inp.label, inp.price, inp.quantity * blk.activity * index, rev, acc, True, 0.0,
                           block=where, role="input", level=blk.activity)
        key = self._key(blk.activity)
        if key in self._profit:
            raise ModelDeclarationError(f"{where}: sector {key} has two production blocks")
        scale = self._profit_scale.get(key)
        if scale is None:
            scale = self._profit_scale[key] = self._now(bench_cost)
        self._profit[key] = (bench_cost * top - revenue, scale)

    def _compile_demand(self, blk: Demand):
        where = blk.label or self._key(blk.consumer)
        income = self._income[self._key(blk.consumer)]
        for e in blk.endowments:
            income.append(e.quantity * e.price)
            key = self._key(e.price)
            self._supply[key].append(e.quantity)
            self._bench_supply[key] += self._now(e.quantity)
            self.flows.append(_Flow((), e.price, e.quantity, [], [], where, "endowment", 1.0))
        for t in blk.transfers:
            income.append(t.amount.build() if isinstance(t.amount, Deferred) else t.amount)
        fixed_cost = 0
        for inp in blk.fixed:
            b, rev, acc = self._input_price(inp)
            fixed_cost = fixed_cost + inp.quantity * b
            self._add_flow(inp.label, inp.price, inp.quantity, rev, acc, True, 0.0,
                           block=where, role="fixed_demand", level=1.0)
        if blk.inputs:
            top, bench_budget, leaves = self._nest_tree(blk.inputs, blk.nests, where)
            level = self._named(
                self.pyomo.quantity, (blk.consumer - fixed_cost) / (bench_budget * top)
            )
            for inp, index, _b, rev, acc in leaves:
                self._add_flow(inp.label, inp.price, inp.quantity * level * index, rev, acc, True, 0.0,
                               block=where, role="final_demand", level=level)
        self._spending[self._key(blk.consumer)] = blk

    def build(self) -> ConcreteModel:
        """Compile all blocks and equations into constraints on :attr:`pyomo`.

        Calibration is at the benchmark point, as in MPSGE: every variable at its declared
        benchmark value (activity levels and prices 1, auxiliaries at their ``start``, incomes at
        the benchmark income). Values given before the build, by :meth:`fix`, Pyomo's own
        ``var.fix()`` or ``var.value = …``, are the counterfactual's (or the start point's): they
        are put back after the calibration, so fixing before or after the build is the same."""
        if self.built:
            return self.pyomo
        given = self._move_to_benchmark()
        with gc_paused():
            self._compile(first=True)
        self.benchmark_values = {id(v): v.value for v in self._all_variables()}
        for v, val in given:
            v.set_value(val, skip_validation=True)
        if self.numeraire is not None:
            var, val = self.numeraire
            var.fix(val)
        self._sync_pairs()
        self.built = True
        hints_of(self.pyomo, create=True).before_solve = self.before_solve
        hints_of(self.pyomo, create=True).after_solve = self.over_fixing
        return self.pyomo

    def _all_variables(self):
        for name in self.kind:
            yield from self.pyomo.component(name).values()

    def _declared_start(self, name: str, index) -> float:
        start = self._starts[name]
        return float(start(index) if callable(start) else start)

    def _move_to_benchmark(self) -> list:
        """Put every variable whose value was changed before the build back at its declared
        benchmark value; returns ``(variable, value given)`` to put back after calibration."""
        given = []
        for name in self.kind:
            for index, v in self.pyomo.component(name).items():
                bench = self._declared_start(name, index)
                if v.value is not None and v.value != bench:
                    given.append((v, v.value))
                    v.set_value(bench, skip_validation=True)
        return given

    def rebuild(self) -> None:
        """Recompile every block in place (same variables, values and parameters; reference prices
        and equation scales of the first build — market rows keep the first build's benchmark
        supply, profit rows its benchmark cost, income rows its benchmark income — so a recompile
        changes the regime's formulas and nothing else): for a mutable elasticity that changed
        regime."""
        m = self.pyomo
        for name in self._components:
            m.del_component(name)
        m.del_component("cost_index")
        m.del_component("quantity")
        m.cost_index = Expression(Any)
        m.quantity = Expression(Any)
        self.flows = []
        self.accounts = defaultdict(list)
        for d in (self._supply, self._demand, self._bench_supply, self._income, self._profit):
            d.clear()
        self._n_expr = 0
        with gc_paused():
            self._compile(first=False)

    def _compile(self, first: bool) -> None:
        m = self.pyomo
        self._spending: dict = {}
        self._regimes = []
        self._imbalance = []
        self._components = []
        self.pairs = {}
        self._pair_vars: dict[tuple, object] = {}
        self._point = PointEvaluator()  # values do not change while the blocks compile
        for blk in self.blocks:
            if isinstance(blk, Production):
                self._compile_production(blk)
        for blk in self.blocks:
            if isinstance(blk, Demand):
                self._compile_demand(blk)
            elif not isinstance(blk, Production):
                raise ModelDeclarationError(f"unknown block {blk!r}")
        self._point = None

        self.flow_tape = None
        self.derived = {}
        if first:
            self._set_benchmark_incomes()

        families = defaultdict(dict)
        owner: dict[str, dict] = defaultdict(dict)   # family -> {index: variable key}
        for key, (expr, scale) in self._profit.items():
            families[f"profit_{key[0]}"][key[1]] = expr / scale
            owner[f"profit_{key[0]}"][key[1]] = key
        for name, kind in self.kind.items():
            var = m.component(name)
            for v in var.values():
                key = self._key(v)
                if kind == "commodity":
                    if not self._supply.get(key) and not self._demand.get(key):
                        if v.fixed or key == self.dropped_market:
                            continue
                        raise ModelDeclarationError(f"commodity {name}{list(key[1:])} has no supply or demand")
                    scale = self._market_scale.setdefault(key, self._bench_supply.get(key) or 1.0)
                    families[f"market_{name}"][key[1]] = (
                        sum(self._supply.get(key, [])) - sum(self._demand.get(key, []))
                    ) / scale
                    owner[f"market_{name}"][key[1]] = key
                elif kind == "consumer":
                    if key not in self._spending:
                        raise ModelDeclarationError(f"consumer {name}{list(key[1:])} has no demand block")
                    scale = self._income_scale.setdefault(key, max(abs(value(v)), 1e-12))
                    families[f"income_{name}"][key[1]] = (v - sum(self._income.get(key, []))) / scale
                    owner[f"income_{name}"][key[1]] = key
                elif kind == "sector" and key not in self._profit:
                    raise ModelDeclarationError(f"sector {name}{list(key[1:])} has no production block")
        for fam, rows in families.items():
            m.add_component(fam, Constraint(list(rows), rule=lambda _m, *k, rows=rows: rows[k[0] if len(k) == 1
                                                                                          else k] == 0))
            self._components.append(fam)
            con = m.component(fam)
            for idx, key in owner[fam].items():
                self.pairs[key] = con[idx]
        self._add_equations()
        self.n_builds += 1
        self._sync_pairs()

    def _add_equations(self) -> None:
        """The auxiliary equations (:meth:`equation`), each paired with its auxiliary variable."""
        m = self.pyomo
        for name, index, rule, scale in self.equations:
            if index is None:
                s = self._equation_scale.setdefault((name, None), scale() if callable(scale) else scale)
                m.add_component(name, Constraint(expr=rule() / s == 0))
            else:
                rows = {}
                for k in index:
                    s = self._equation_scale.setdefault((name, k), scale(k) if callable(scale) else scale)
                    rows[k] = rule(k) / s
                m.add_component(name, Constraint(list(rows), rule=lambda _m, *k, rows=rows: rows[
                    k[0] if len(k) == 1 else k] == 0))
            self._components.append(name)
            aux = self._pair_of_equation.get(name)
            if aux is not None:
                con = m.component(name)
                if index is None:
                    self.pairs[self._key(aux)] = con
                else:
                    for k in index:
                        self.pairs[self._key(aux[k])] = con[k]

    def _set_benchmark_incomes(self) -> None:
        """Start every income at its sources evaluated at the benchmark point. One numpy tape of
        the flows and the income terms (:func:`cge.core.evaluate.build_flow_tape`, kept for the
        result tables) evaluates them together, unless a term depends on an income itself (then
        the incomes are set one after the other, as each needs the ones before)."""
        from cge.core.evaluate import build_flow_tape

        consumers = [v for name, kind in self.kind.items() if kind == "consumer"
                     for v in self.pyomo.component(name).values()]
        terms = [self._income.get(self._key(v), []) for v in consumers]
        flat = [t for ts in terms for t in ts]
        tape = build_flow_tape(self, extra=flat, extendable=True)
        ids = {id(v) for v in consumers}
        if tape is not None:
            is_income = np.array([id(leaf) in ids for leaf in tape[0].leaves], dtype=bool)
        if tape is None or tape[0].depends_on(is_income)[len(tape[1]):].any():
            evaluate = PointEvaluator()
            for v, ts in zip(consumers, terms):
                v.set_value(sum(evaluate(t) for t in ts))
            return
        self.flow_tape = tape
        hints_of(self.pyomo, create=True).base_tape = tape[0]  # the solver's compile adds the rows to it
        values = tape[0].evaluate()[len(tape[1]):].tolist()
        start = 0
        for v, ts in zip(consumers, terms):
            v.set_value(sum(values[start:start + len(ts)]))
            start += len(ts)

    # ----- MPSGE pairing: fix / unfix -------------------------------------------------------
    def var_of(self, key):
        """The variable (Pyomo VarData) of key ``(family, index)``."""
        comp = self.pyomo.component(key[0])
        return comp if key[1] is None else comp[key[1]]


    def condition(self, var):
        """The condition (Pyomo ``ConstraintData``) paired with variable ``var``, or None."""
        return self.pairs.get(self._key(var))

    def _sync_pairs(self) -> None:
        """Deactivate the condition of every fixed variable and of every explicitly dropped
        market; reactivate the others."""
        if len(self._pair_vars) != len(self.pairs):
            self._pair_vars = {key: self.var_of(key) for key in self.pairs}
        pv, dropped = self._pair_vars, self._dropped
        for key, con in self.pairs.items():
            drop = pv[key].fixed or key in dropped
            if drop and con.active:
                con.deactivate()
            elif not drop and not con.active:
                con.activate()

    @staticmethod
    def _datas(var):
        return list(var.values()) if var.is_indexed() else [var]

    def fix(self, var, value_=None) -> None:
        """Fix ``var`` (a variable or a whole family) at ``value_`` (default: its current value)
        and drop its paired condition; takes effect at the next solve, no rebuild needed."""
        for v in self._datas(var):
            v.fix(v.value if value_ is None else value_)
        if self.built:
            self._sync_pairs()

    def unfix(self, var) -> None:
        """Free ``var`` again and restore its paired condition."""
        for v in self._datas(var):
            v.unfix()
            if self.numeraire is not None and v is self.numeraire[0]:
                self.numeraire = None
        if self.built:
            self._sync_pairs()

    def drop_condition(self, var) -> None:
        """Drop the condition paired with ``var`` while ``var`` stays free (e.g. the market that
        Walras' law makes redundant when the numeraire is a price index)."""
        self._dropped.add(self._key(var))
        if self.built:
            self._sync_pairs()

    def restore_condition(self, var) -> None:
        self._dropped.discard(self._key(var))
        if self.built:
            self._sync_pairs()

    def dropped(self) -> list[tuple]:
        """Keys ``(family, index)`` of variables whose paired condition is currently dropped."""
        return [key for key, con in self.pairs.items() if not con.active]

    # ----- checks before every solve --------------------------------------------------------
    def before_solve(self) -> bool:
        """Called by every solve route (the model's :class:`~cge.expr.interface.SolverHints`): pair conditions with the
        variables fixed now, and recompile in place when a mutable elasticity has crossed a CES
        regime since the last build. Returns True when the model was recompiled.

        The checks read only the mutable parameters (and fixed variables) in the benchmark
        quantities and elasticities: when none of them has changed since checks that passed, they
        are skipped (a re-solve after moving other parameters, e.g. along a policy path)."""
        signature = self._check_signature()
        if signature == self.derived.get("checked_signature"):
            self._sync_pairs()
            return False
        self._check_mutable_quantities()
        changed = False
        for where, sigma, built in self._regimes:
            now = float(value(sigma))
            if built == "cet":
                if now < 0:
                    raise ModelDeclarationError(f"{where}: transformation elasticity must be non-negative, got {now}")
                continue
            if ces.regime(sigma) != built:
                changed = True
        if changed:
            self.rebuild()
        else:
            self._sync_pairs()
            self.derived["checked_signature"] = signature
        return changed

    def _check_signature(self) -> tuple:
        """The values of every mutable parameter and variable that :meth:`before_solve` reads
        (in the mutable benchmark quantities and the elasticities of the CES regimes)."""
        leaves = self.derived.get("check_leaves")
        if leaves is None:
            self._check_mutable_quantities()   # finds the mutable quantities (and checks them)
            exprs = [flow.quantity for _, flow in self.derived["mutable_quantities"]]
            exprs += [sigma for _, sigma, _ in self._regimes if not _is_number(sigma)]
            leaves = self.derived["check_leaves"] = _leaves_of(exprs)
        return tuple(leaf.value for leaf in leaves)

    def _check_mutable_quantities(self) -> None:
        """A benchmark quantity that is a mutable parameter must stay non-negative: a negative one
        gives negative value shares, and Newton would only fail after many iterations. The
        quantities are evaluated together on a numpy tape (:class:`cge.expr.tape.Tape`)."""
        from cge.expr.tape import Tape

        found = self.derived.get("mutable_quantities")
        if found is None:
            found = self.derived["mutable_quantities"] = []
            for blk in self.blocks:
                flows = [flow for flow in (*blk.inputs, *getattr(blk, "outputs", ()), *getattr(blk, "fixed", ()))
                         if not _is_number(flow.quantity)]
                if flows:
                    owner = blk.activity if isinstance(blk, Production) else blk.consumer
                    where = blk.label or _label(self._key(owner))
                    found.extend((where, flow) for flow in flows)
            self.derived["mutable_quantity_tape"] = Tape([flow.quantity for _, flow in found])
        values = self.derived["mutable_quantity_tape"].evaluate()
        for k in np.flatnonzero(~(values >= 0)):   # negative, or not a number (Pyomo says why)
            where, flow = found[k]
            q = float(value(flow.quantity))
            if q < 0:
                raise ModelDeclarationError(f"{where}: benchmark quantity of {flow.label or flow.price} is "
                                            f"{q:g}; a quantity parameter must be non-negative")

    def over_fixing(self, tol: float) -> str | None:
        """After a solve: None when every dropped market or income condition holds to ``tol``
        (as Walras' law says the one a numeraire drops must), else one line naming the variables
        whose conditions are dropped and the conditions that fail. Fixing two prices (or a price
        and an income) of one economy over-fixes it: the solve then satisfies every remaining
        equation while a market does not clear. Called by every solve route.

        A fixed activity level drops its zero-profit condition: its profit or loss then belongs to
        no one, and the one dropped market absorbs it (as in MPSGE), which is not an error."""
        evaluate = PointEvaluator()
        dropped, failed, fixed_activity = [], [], False
        for key, con in self.pairs.items():
            kind = self.kind[key[0]]
            if con.active or kind not in ("commodity", "consumer"):
                fixed_activity = fixed_activity or (kind == "sector" and not con.active)
                continue
            dropped.append(_label(key))
            r = float(evaluate(con.body))
            if not abs(r) <= tol:
                failed.append(f"{con.name} = {r:.3e}")
        if not failed or (len(dropped) == 1 and fixed_activity):
            return None
        names = ", ".join(dropped)
        if len(dropped) > 1:
            return (f"the model is over-fixed: the conditions of {names} are dropped (fixed prices or incomes, "
                    f"or dropped markets) but Walras' law makes only one redundant, and after the solve "
                    f"{'; '.join(failed)} (tolerance {tol:.1e}); fix one numeraire only")
        return (f"Walras' law fails: the condition of {names} was dropped as redundant but after the solve "
                f"{'; '.join(failed)} (tolerance {tol:.1e}); some income or spending is not accounted for")

    def imbalance(self):
        """Cost, revenue and imbalance (revenue − cost) per unit of activity of every production
        block at the benchmark point (every variable at its value after the calibration,
        :attr:`benchmark_values`), with the current values of the mutable parameters, as a
        DataFrame. They are the block's own cost and revenue functions, so reference prices other
        than the benchmark prices, wedges and nests are all accounted for: a block that replicates
        the benchmark has imbalance 0, and an unbalanced one shows the gap that moves its activity
        (MPSGE accepts unbalanced benchmarks and so does this core: each side is calibrated to its
        own benchmark value). Read it before changing policy parameters, which move it too."""
        import pandas as pd

        rows = []
        if self._imbalance:
            with self.at_benchmark():
                evaluate = PointEvaluator()
                for where, key, c, r in self._imbalance:
                    c, r = float(evaluate(c)), float(evaluate(r))
                    rows.append({"block": str(where), "sector": _label(key), "benchmark_cost": c,
                                 "benchmark_revenue": r, "imbalance": r - c})
        return pd.DataFrame(rows, columns=["block", "sector", "benchmark_cost", "benchmark_revenue", "imbalance"])

    @contextmanager
    def at_benchmark(self):
        """Every variable at its benchmark value (:attr:`benchmark_values`) inside the block, back
        at its current value after it."""
        now = [(v, v.value) for v in self._all_variables()]
        bench = self.benchmark_values
        try:
            for v, _val in now:
                v.set_value(bench.get(id(v), v.value), skip_validation=True)
            yield
        finally:
            for v, val in now:
                v.set_value(val, skip_validation=True)

    # ----- helpers for results ---------------------------------------------------------------
    def flow_values(self, kind_prefix: str | None = None) -> list[tuple[tuple, float]]:
        """(label, quantity) of every compiled flow (optionally those whose label starts with
        ``kind_prefix``), evaluated at the current variable values."""
        ev = PointEvaluator()
        return [(f.label, ev(f.quantity)) for f in self.flows
                if kind_prefix is None or (f.label and f.label[0] == kind_prefix)]

    def walras_residual(self) -> float:
        """:func:`walras_residual` of this model (what the solver reports after a solve)."""
        return walras_residual(self)


class _NestTree:
    """One nest tree being compiled (:meth:`EquilibriumModel._nest_tree`): benchmark values of
    its nodes, the unit-cost index of each nest and the demand factor of each child. A class
    rather than recursive closures, which would hold themselves in reference cycles (models are
    built with the cyclic collector paused, :mod:`cge.runtime.gc_pause`)."""

    def __init__(self, em: EquilibriumModel, where: tuple, by_name: dict, leaves: list, children: dict):
        self.em, self.where, self.by_name, self.leaves, self.children = em, where, by_name, leaves, children
        self.values: dict[tuple, object] = {}
        self.symbolic: dict[tuple, bool] = {}
        self.factor: dict[tuple, object] = {}  # demand factor of each child within its parent nest

    def bench_value(self, node):
        if node in self.values:
            return self.values[node]
        if node[0] == "leaf":
            inp, _b, _r, _a, ref = self.leaves[node[1]]
            v = inp.quantity * ref
            self.symbolic[node] = not (_is_number(inp.quantity) and _is_number(ref))
        else:
            kids = self.children[node[1]]
            v = sum(self.bench_value(c) for c in kids)
            self.symbolic[node] = any(self.symbolic[c] for c in kids)
        self.values[node] = v
        return v

    def present(self, node) -> bool:
        v = self.bench_value(node)
        return self.symbolic[node] or v > 0

    def compile_nest(self, name: str):
        kids = [c for c in self.children[name] if self.present(c)]
        if not kids:
            return None
        xs = []
        for c in kids:
            if c[0] == "leaf":
                _inp, b, _r, _a, ref = self.leaves[c[1]]
                xs.append(b / ref)
            else:
                xs.append(self.compile_nest(c[1]))
        total = sum(self.bench_value(c) for c in kids)
        shares = [self.bench_value(c) / total for c in kids]
        sigma = self.by_name[name].sigma
        em = self.em
        if len(kids) > 1:
            em._record_regime(self.where, name, sigma)
        c_n = em._named(em.pyomo.cost_index, ces.unit_cost(sigma, shares, xs))
        for c, d in zip(kids, ces.demand_factors(sigma, shares, xs, c_n)):
            self.factor[c] = d
        return c_n


def _demand_index(node, nest, factor, by_name):
    """Demand index of a leaf: the product of its demand factors up the nest tree to the top."""
    index = 1
    while True:
        d = factor[node]
        if not (isinstance(d, (int, float)) and d == 1):
            index = index * d
        if nest == TOP:
            return index
        node, nest = ("nest", nest), by_name[nest].parent


def _leaves_of(exprs: list) -> list:
    """The variables (fixed or not) and mutable parameters in ``exprs``, each once: the leaves of
    a numpy tape of them, or Pyomo's visitors for a node the tape does not handle."""
    from cge.expr.tape import Tape

    try:
        return Tape(exprs).leaves
    except (NotImplementedError, ValueError):
        from pyomo.core.expr.visitor import identify_mutable_parameters, identify_variables

        found: dict = {}
        for expr in exprs:
            for leaf in (*identify_mutable_parameters(expr), *identify_variables(expr, include_fixed=True)):
                found.setdefault(id(leaf), leaf)
        return list(found.values())


def _label(key) -> str:
    name, idx = key
    if idx is None:
        return name
    idx = idx if isinstance(idx, tuple) else (idx,)
    return f"{name}[{','.join(str(i) for i in idx)}]"


def walras_residual(em: EquilibriumModel) -> float:
    """Residual (relative excess supply, or relative income gap) of the dropped market or income
    conditions at current values — Walras' law says they hold once all others do. With several
    dropped, the one of largest magnitude (signed); 0 when none is dropped."""
    evaluate = PointEvaluator()
    worst = 0.0
    for key, con in em.pairs.items():
        if con.active or em.kind[key[0]] not in ("commodity", "consumer"):
            continue
        r = float(evaluate(con.body))
        if abs(r) > abs(worst):
            worst = r
    return worst
