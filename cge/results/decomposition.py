"""Exact decomposition of each region's equivalent variation into channels (who pays and why).

The decomposition is an accounting identity of the regional agent's budget, written between two
solved equilibria ``0`` (the benchmark, or REF) and ``1`` (a design) with mid-point (Bennet)
weights, so that every product splits exactly: ``Δ(x·y) = x̄·Δy + ȳ·Δx`` with ``x̄ = (x⁰+x¹)/2``.
All prices are deflated by the world price index ``PW`` (the default numeraire; any numeraire
gives the same real numbers). Notation for one compiled flow ``f`` (an input or output of a
block): market price ``p_f``, quantity ``q_f``, wedges ``w`` with per-unit amounts ``τ_w`` (an ad
valorem rate times its base, or a specific charge) collected by region ``c_w``; the buyer pays
``b_f = p_f + Σ_w τ_w`` (inputs), the seller receives ``s_f = p_f − Σ_w τ_w`` (outputs). ``β_f`` is
the region of the block the flow belongs to and ``π_f`` the region of its commodity; a flow with
``π_f ≠ β_f`` is trade (exporter ``π_f``, importer ``β_f``). A wedge collected by no agent counts as
collected abroad.

**The identity.** Region r's agent spends its income ``M_r`` (factors, rents, wedge revenue,
transfers ``T_r``) on consumption ``PC_r·W_r`` (``W_r = C_r·Σ_i vc[r,i]``, benchmark value of the
welfare bundle) and fixed demands ``Σ ḡ·b``. Differencing the budget, adding the differenced
zero-profit conditions of all of r's production blocks and using market clearance of r's
commodities (all of their suppliers are r's blocks and r's agent) gives, exactly,

    PC̄_r · ΔW_r =  Σ_{f exported by r} q̄_f·ΔP_f − Σ_{f imported by r} q̄_f·ΔP_f          (terms of trade)
                 + Σ_{w collected by r, f ∈ r}  τ̄_w·Δq_f                                 (own wedges)
                 + Σ_{w collected by r, f ∉ r}  Δ(τ_w·q_f)                                (collected abroad)
                 − Σ_{w collected abroad, f ∈ r} q̄_f·Δτ_w                                 (paid abroad)
                 ± Σ_{border-priced w on r's trade} q̄_f·Δτ_w                             (moved into P)
                 + ΔT_r − ρ_r − Σ_{fixed demands} b̄·Δq,

with ``ρ_r = Σ_{production flows of r} (q̄·Δs for outputs, −q̄·Δb for inputs)``: the index-number
(curvature) term, zero to first order by Shephard's lemma and shown as ``remainder``. ``P_f`` is
the *border price* of a trade flow: the exporter's market price plus the wedges charged at the
border, i.e. the BCA charges (kept or returned) and wedges collected by anyone but the importer
(export taxes, margins), but not export rebates (their own channel). Moving a border-priced
wedge into ``P_f`` adds ``−q̄·Δτ`` to the exporter and ``+q̄·Δτ`` to the importer, which is the
``±`` line. Dividing by ``PC̄_r`` gives EV (bn USD at benchmark prices) channel by channel.

**Channels** (each from its own formula; the test ``test_channels_add_up_to_ev`` checks that
their sum equals the EV computed from the consumption level, which holds only if both points
are equilibria):

==========================  ======================================================================
``tot_fossil``              ``±q̄·ΔP`` on trade in fossil fuels (tags fossil and crude)
``tot_eite``                ``±q̄·ΔP`` on trade in EITE goods
``tot_other``               ``±q̄·ΔP`` on trade in all other goods
``bca_charges_paid``        ``−q̄·Δτ`` of BCA charges (kept or returned) levied on r's exports
``bca_charges_received``    ``Δ(τ·q)``: BCA revenue r keeps as importer
``bca_revenue_returned``    ``Δ(τ·q)``: BCA revenue returned to r as exporter
``export_rebates``          exporter: ``Δ(τ·q)`` (its rebate cost, τ < 0); importer: ``−q̄·Δτ``
                            (cheaper imports from rebated exporters)
``output_rebates``          ``τ̄·Δq`` of output-based rebates (τ < 0, a subsidy)
``permit_trade``            ``Δ(PCO2·(allowance − E))``: allowances sold to (bought from) partners
``efficiency_carbon``       ``τ̄·Δq`` of carbon charges: ``P̄CO2·ΔE`` (domestic carbon revenue is
                            paid by r's own buyers and recycled, so only the distortion remains)
``efficiency_other``        ``τ̄·Δq`` of every other wedge kind (output taxes, tariffs, and any kind
                            a dataset adds: purchase / factor / export taxes, margins)
``transfers_other``         ``ΔT`` of the other transfers (the balance of payments ``bop·PW/PW``)
``remainder``               ``−ρ_r − Σ b̄·Δq`` of fixed demands: the index-number term, shown
==========================  ======================================================================

A wedge kind the model adds later falls into ``efficiency_other`` (own wedges), the border price
(export-side wedges) or the paid/collected-abroad terms by the rules above; only the kinds named
in :data:`BCA_KINDS`, :data:`REBATE_KINDS` and :data:`CARBON_KINDS` have channels of their own.
A region that does not trade has zero terms-of-trade channels by construction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cge.bca.shocks import shock_benchmark_values
from cge.core import query
from cge.core.blocks import Deferred, Demand, Production
from cge.core.evaluate import flow_evaluator
from cge.errors import CGEError

#: BCA charges: legal incidence shown (paid by the exporter, received by the collector)
BCA_KINDS = ("bca_charge", "bca_charge_returned")
#: rebates with channels of their own
REBATE_KINDS = {"export_rebate": "export_rebates", "output_rebate": "output_rebates"}
CARBON_KINDS = ("carbon",)
PERMIT_TRANSFERS = ("permit_sales",)
TOT_GROUPS = ("fossil", "eite", "other")
CHANNELS = ("tot_fossil", "tot_eite", "tot_other", "bca_charges_paid", "bca_charges_received",
            "bca_revenue_returned", "export_rebates", "output_rebates", "permit_trade",
            "efficiency_carbon", "efficiency_other", "transfers_other", "remainder")


class DecompositionError(CGEError):
    """Two points that cannot be compared (different flows), or a model the identity does not cover."""


@dataclass
class FlowPoint:
    q: float
    p: float
    block_region: object
    price_region: object
    output: bool
    production: bool       # part of a production block (else the regional agent's demand)
    fixed: bool            # a fixed demand of the agent
    good: object


@dataclass
class Point:
    """One solved equilibrium, as the decomposition needs it (money deflated by ``PW``)."""

    regions: tuple
    flows: dict = field(default_factory=dict)          # label -> FlowPoint
    wedges: dict = field(default_factory=dict)         # (label, kind, collector, n) -> tau
    transfers: dict = field(default_factory=dict)      # (region, transfer label) -> value
    welfare: dict = field(default_factory=dict)        # region -> W = C·Σ vc (bn USD, benchmark prices)
    consumer_price: dict = field(default_factory=dict)  # region -> PC/PW


def _region(var):
    idx = var.index()
    return idx[0] if isinstance(idx, tuple) else idx


def _good(var):
    idx = var.index()
    return idx[1] if isinstance(idx, tuple) and len(idx) > 1 else None


@dataclass
class _SnapshotPlan:
    """Where a :class:`Point` reads each value (built once per compiled model, see :func:`snapshot`):
    the flows it keeps (``flow``: their positions in ``em.flows``) with their fixed attributes,
    the wedges (``wedge``: positions among the flows' per-unit revenues) with their keys, and the
    agents' transfers."""

    flow: np.ndarray
    labels: list
    attributes: list         # (block region, price region, output, production, fixed, good)
    wedge: np.ndarray
    wedge_keys: list         # (label, kind, collector, n)
    transfers: list          # ((region, label, n), amount expression)


def _snapshot_plan(bm) -> _SnapshotPlan:
    em = bm.em
    plan = em.derived.get("snapshot_plan")
    if plan is not None:
        return plan
    role: dict[tuple, tuple] = {}
    transfers = []
    for blk in em.blocks:
        if isinstance(blk, Production):
            reg = _region(blk.activity)
            role.update({o.label: (reg, True, True, False) for o in blk.outputs})
            role.update({i.label: (reg, False, True, False) for i in blk.inputs})
        elif isinstance(blk, Demand):
            reg = _region(blk.consumer)
            if len(blk.inputs) != 1:
                raise DecompositionError(f"{blk.label}: the decomposition needs one welfare good per agent, "
                                         f"found {len(blk.inputs)}")
            role.update({i.label: (reg, False, False, False) for i in blk.inputs})
            role.update({i.label: (reg, False, False, True) for i in blk.fixed})
            counts: dict[str, int] = defaultdict(int)
            for t in blk.transfers:
                amount = t.amount.build() if isinstance(t.amount, Deferred) else t.amount
                transfers.append(((reg, t.label, counts[t.label]), amount))
                counts[t.label] += 1
    keep, labels, attributes, wedge, wedge_keys = [], [], [], [], []
    seen: set = set()
    position = 0   # of the flow's first wedge among all per-unit revenues
    for k, f in enumerate(em.flows):
        first, position = position, position + len(f.revenue)
        if f.role == "endowment":   # endowment income enters through the factor markets' flows
            continue
        if not f.label or f.label in seen or f.label not in role:
            raise DecompositionError(f"flow {f.label!r}: every flow needs a unique label of a declared block")
        seen.add(f.label)
        reg, out, prod, fixed = role[f.label]
        keep.append(k)
        labels.append(f.label)
        attributes.append((reg, _region(f.price), out, prod, fixed, _good(f.price)))
        counts = defaultdict(int)
        for n, (agent, _per_unit, kind) in enumerate(f.revenue):
            key = (f.label, kind, _region(agent) if agent is not None else None)
            wedge.append(first + n)
            wedge_keys.append((*key, counts[key]))
            counts[key] += 1
    plan = _SnapshotPlan(np.array(keep, dtype=np.int64), labels, attributes, np.array(wedge, dtype=np.int64),
                         wedge_keys, transfers)
    em.derived["snapshot_plan"] = plan
    return plan


def snapshot(bm) -> Point:
    """The current point of a :class:`~cge.bca.model.BCAModel` (call after a solve, or at the
    benchmark before one)."""
    em, V = bm.em, bm.vars
    plan = _snapshot_plan(bm)
    ev = flow_evaluator(em)   # one numpy pass over the flows (tape kept on the model)
    pw = ev(V["PW"])
    cat = query.catalogue(em)
    q, per_unit = query.flow_values(em, ev)
    price = query.node_values(cat.price_nodes, cat.price_of, ev)
    pt = Point(tuple(bm.b.regions))
    pt.transfers = {key: ev(amount) / pw for key, amount in plan.transfers}
    qs, ps = q[plan.flow].tolist(), (price[plan.flow] / pw).tolist()
    pt.flows = {lab: FlowPoint(qk, pk, *attrs) for lab, qk, pk, attrs in zip(plan.labels, qs, ps, plan.attributes)}
    pt.wedges = dict(zip(plan.wedge_keys, (per_unit[plan.wedge] / pw).tolist()))
    cons0 = bm.b.vc.sum(axis=1)
    for k, r in enumerate(bm.b.regions):
        pt.welfare[r] = ev(V["C"][r]) * float(cons0[k])
        pt.consumer_price[r] = ev(V["PC"][r]) / pw
    return pt


def _group_of(good, tags) -> str:
    if good in tags.fossil or good in tags.crude:
        return "fossil"
    if good in tags.eite:
        return "eite"
    return "other"


def _border_priced(kind: str, collector, importer) -> bool:
    """Wedges that are part of the border price of a trade flow (see the module docstring)."""
    return kind in BCA_KINDS or (collector != importer and kind not in REBATE_KINDS)


def _channel_of(kind: str) -> str:
    if kind in REBATE_KINDS:
        return REBATE_KINDS[kind]
    if kind in CARBON_KINDS:
        return "efficiency_carbon"
    return "efficiency_other"


def decompose(p0: Point, p1: Point, tags) -> dict[str, dict[str, float]]:
    """``{region: {channel: bn USD}}`` for the move from ``p0`` to ``p1``, with ``ev`` (from the
    welfare level) and ``check`` (``ev − Σ channels``, zero at equilibrium) per region.

    Every flow and wedge adds its terms (module docstring) to a (collector, channel) table, as
    arrays: ``tests/test_decomposition_identity.py`` checks the result against the same identity
    written flow by flow."""
    if set(p0.flows) != set(p1.flows):
        missing = sorted(set(p0.flows) ^ set(p1.flows), key=str)[:3]
        raise DecompositionError(f"the two points have different flows (e.g. {missing}); they come from "
                                 "different benchmarks")
    f = _FlowArrays(p0, p1, tags)
    w = _WedgeArrays(p0, p1, f)
    raw = np.zeros((len(f.agent_of), len(CHANNELS)))
    col = {k: i for i, k in enumerate(CHANNELS)}

    def add(rows, channel, values) -> None:  # channel: a channel name or an array of channel numbers
        np.add.at(raw, (rows, np.broadcast_to(col[channel] if isinstance(channel, str) else channel,
                                              np.shape(rows))), values)

    beta, pi, qbar, dq = f.beta[w.flow], f.pi[w.flow], f.qbar[w.flow], f.dq[w.flow]
    dt, tbar = w.t1 - w.t0, (w.t0 + w.t1) / 2
    own = w.has_collector & (w.collector == beta)
    away = w.has_collector & ~own
    returned = w.bca & f.trade[w.flow] & (w.collector == pi)
    add(w.collector[own], w.channel[own], (tbar * dq)[own])                        # own wedge on own flow
    add(w.collector[away], np.where(returned, col["bca_revenue_returned"], w.channel)[away],
        (w.t1 * f.q1[w.flow] - w.t0 * f.q0[w.flow])[away])                          # collected abroad
    moved = f.trade[w.flow] & w.border_priced
    add(pi[moved], np.where(w.bca, col["bca_charges_paid"], w.channel)[moved], -(qbar * dt)[moved])
    # the buyer: minus the rate change on a wedge paid abroad, plus it back when it is part of the border
    # price; per wedge, so that the two cancel exactly where both apply (a returned BCA charge)
    add(beta, w.channel, np.where(~own, -(qbar * dt), 0.0) + np.where(moved, qbar * dt, 0.0))
    n = len(f.labels)
    border0 = np.bincount(w.flow[moved], weights=w.t0[moved], minlength=n)
    border1 = np.bincount(w.flow[moved], weights=w.t1[moved], minlength=n)
    wsum0 = np.bincount(w.flow, weights=w.t0, minlength=n)
    wsum1 = np.bincount(w.flow, weights=w.t1, minlength=n)
    d_border = (f.p1 + border1) - (f.p0 + border0)
    t = f.trade
    add(f.pi[t], f.group[t], (f.qbar * d_border)[t])                                # terms of trade
    add(f.beta[t], f.group[t], -(f.qbar * d_border)[t])
    sign = np.where(f.output, -1.0, 1.0)   # remainder = −ρ: outputs −q̄·Δs, inputs +q̄·Δb
    price0 = np.where(f.output, f.p0 - wsum0, f.p0 + wsum0)
    price1 = np.where(f.output1, f.p1 - wsum1, f.p1 + wsum1)
    add(f.beta[f.production], "remainder", (sign * f.qbar * (price1 - price0))[f.production])
    fixed = f.fixed & ~f.production
    add(f.beta[fixed], "remainder", -(((f.p0 + wsum0 + f.p1 + wsum1) / 2) * f.dq)[fixed])
    _add_transfers(raw, col, f.agent_of, p0, p1)
    out = {}
    for r in p0.regions:
        pc = (p0.consumer_price[r] + p1.consumer_price[r]) / 2
        row = raw[f.agent_of[r]] if r in f.agent_of else np.zeros(len(CHANNELS))
        ch = {k: float(row[i]) / pc for i, k in enumerate(CHANNELS)}
        ch["ev"] = p1.welfare[r] - p0.welfare[r]
        ch["check"] = ch["ev"] - sum(ch[k] for k in CHANNELS)
        out[r] = ch
    return out


class _FlowArrays:
    """The flows of two points as arrays (in ``p0``'s order), with every agent numbered:
    regions first, then any other block, price or collecting agent (an international pool)."""

    def __init__(self, p0: Point, p1: Point, tags):
        self.labels = list(p0.flows)
        a = [p0.flows[k] for k in self.labels]
        b = [p1.flows[k] for k in self.labels]
        self.agent_of: dict = {r: i for i, r in enumerate(p0.regions)}
        self.q0, self.q1 = np.array([x.q for x in a]), np.array([x.q for x in b])
        self.p0, self.p1 = np.array([x.p for x in a]), np.array([x.p for x in b])
        self.qbar, self.dq = (self.q0 + self.q1) / 2, self.q1 - self.q0
        self.buyer = [x.block_region for x in a]
        self.beta = np.array([self.agent(r) for r in self.buyer], dtype=np.int64)
        self.pi = np.array([self.agent(x.price_region) for x in a], dtype=np.int64)
        self.trade = self.pi != self.beta
        self.output = np.array([x.output for x in a], dtype=bool)
        self.output1 = np.array([x.output for x in b], dtype=bool)
        self.production = np.array([x.production for x in a], dtype=bool)
        self.fixed = np.array([x.fixed for x in a], dtype=bool)
        self.group = np.array([CHANNELS.index("tot_" + _group_of(x.good, tags)) for x in a], dtype=np.int64)

    def agent(self, key) -> int:
        i = self.agent_of.get(key)
        if i is None:
            i = self.agent_of[key] = len(self.agent_of)
        return i


class _WedgeArrays:
    """Every wedge of either point (``(label, kind, collector, n)``; missing ones are zero) as
    arrays: its flow's position, rates ``t0``/``t1``, collector, channel, whether it is a BCA
    charge and whether it is part of the border price on a trade flow (:func:`_border_priced`)."""

    def __init__(self, p0: Point, p1: Point, f: _FlowArrays):
        keys = sorted(set(p0.wedges) | set(p1.wedges), key=str)
        position = {lab: i for i, lab in enumerate(f.labels)}
        keys = [k for k in keys if k[0] in position]
        self.flow = np.array([position[k[0]] for k in keys], dtype=np.int64)
        self.t0 = np.array([p0.wedges.get(k, 0.0) for k in keys], dtype=float)
        self.t1 = np.array([p1.wedges.get(k, 0.0) for k in keys], dtype=float)
        self.has_collector = np.array([k[2] is not None for k in keys], dtype=bool)
        self.collector = np.array([f.agent(k[2]) if k[2] is not None else -1 for k in keys], dtype=np.int64)
        self.bca = np.array([k[1] in BCA_KINDS for k in keys], dtype=bool)
        self.border_priced = np.array([_border_priced(k[1], k[2], f.buyer[position[k[0]]]) for k in keys],
                                      dtype=bool)
        self.channel = np.array([CHANNELS.index("bca_charges_received" if k[1] in BCA_KINDS else _channel_of(k[1]))
                                 for k in keys], dtype=np.int64)


def _add_transfers(raw: np.ndarray, col: dict, agent_of: dict, p0: Point, p1: Point) -> None:
    """Transfers (permit sales and others) by the change in their value."""
    def channel(label: str) -> int:
        return col["permit_trade" if label in PERMIT_TRANSFERS else "transfers_other"]

    for (r, label, n), v0 in p0.transfers.items():
        if r in agent_of:
            raw[agent_of[r], channel(label)] += p1.transfers.get((r, label, n), 0.0) - v0
    for (r, label, n), v1 in p1.transfers.items():
        if (r, label, n) not in p0.transfers and r in agent_of:
            raw[agent_of[r], channel(label)] += v1


# ----------------------------------------------------------------------------- along a path
@dataclass
class Solved:
    """A solved equilibrium of one compiled model: its :class:`Point`, the model's mutable
    parameters and the values of its unknowns (to restart from it)."""

    point: Point
    parameters: dict
    unknowns: list


def parameter_values(bm) -> dict:
    """Every mutable parameter of the compiled model, ``{(component, index): value}``."""
    from pyomo.environ import Param

    items = bm.em.derived.get("parameters")
    if items is None:
        items = bm.em.derived["parameters"] = [((p.name, k), p[k]) for p in bm.pyomo.component_objects(Param)
                                               for k in p]
    return {key: data.value for key, data in items}


def set_parameters(bm, values: dict) -> None:
    for (name, k), v in values.items():
        bm.pyomo.component(name)[k].value = v


def unknowns(bm) -> list:
    """The model's unknowns: every variable of ``bm.vars`` not fixed (the order is fixed by the
    model, so value lists line up); the same set :meth:`~cge.bca.model.BCAModel.reset_to_benchmark`
    resets, since which variables are fixed is decided when the model is declared."""
    every = bm.em.derived.get("variables")
    if every is None:
        every = bm.em.derived["variables"] = [v for var in bm.vars.values() if var != {}
                                              for v in (var.values() if var.is_indexed() else [var])]
    return [v for v in every if not v.fixed]


def benchmark_values(bm) -> list[float]:
    """The benchmark value of every unknown (:func:`unknowns`), read through the model's public
    :meth:`reset_to_benchmark`; the model is left at its current point."""
    xs = unknowns(bm)
    now = [v.value for v in xs]
    bm.reset_to_benchmark()
    bench = [v.value for v in xs]
    for v, x in zip(xs, now):
        v.set_value(x)
    return bench


def capture(bm) -> Solved:
    """The model's current (solved) state."""
    return Solved(snapshot(bm), parameter_values(bm), [v.value for v in unknowns(bm)])


def benchmark_state(bm, end: Solved, point: Point) -> Solved:
    """The benchmark as the start of a path to ``end``: ``end``'s parameters with the climate
    policy switched off (cut and carbon taxes zero; every BCA charge and rebate is then zero too,
    being proportional to carbon prices) and every shocked cell at its benchmark value (the
    shocks of ``end`` are those set on ``bm`` now), unknowns at their benchmark values."""
    params = dict(end.parameters)
    off = {bm.cut.name} | {bm.tax.name}
    for key in params:
        if key[0] in off:
            params[key] = 0.0
    params.update(shock_benchmark_values(bm.d))  # shocked rates, endowments, productivities as in the data
    return Solved(point, params, benchmark_values(bm))


def _restore(bm, state: Solved) -> None:
    set_parameters(bm, state.parameters)
    for v, x in zip(unknowns(bm), state.unknowns):
        v.set_value(x)


def path_decomposition(bm, solve, start: Solved, end: Solved, steps: int) -> tuple[dict, int]:
    """The decomposition from ``start`` to ``end`` summed over ``steps`` equal steps of the
    parameters (``θ(t) = θ⁰ + t·(θ¹ − θ⁰)``, re-solving the compiled model at each interior
    ``t``): the identity is exact on every step, and the index-number remainder falls roughly
    as ``1/steps²`` (a path decomposition in the spirit of Harrison, Horridge and Pearson 2000).
    ``solve()`` solves the model from its current point. Returns ``({region: channels}, steps
    used)``; if an interior solve fails the two-point decomposition (one step) is returned. The
    model is left at ``end``."""
    from cge.solve import SolveError

    points = [start.point]
    if steps > 1:
        _restore(bm, start)
        try:
            for k in range(1, steps):
                t = k / steps
                set_parameters(bm, {key: v + t * (end.parameters[key] - v) for key, v in start.parameters.items()})
                solve()
                points.append(snapshot(bm))
        except SolveError:
            points = [start.point]
        _restore(bm, end)
    points.append(end.point)
    total: dict[str, dict[str, float]] = {}
    for a, b in zip(points, points[1:]):
        for r, ch in decompose(a, b, bm.b.tags).items():
            acc = total.setdefault(r, dict.fromkeys(ch, 0.0))
            for k, v in ch.items():
                acc[k] += v
    return total, len(points) - 1


def decomposition_frame(parts: dict, benchmark, relative_to: str, steps: int) -> pd.DataFrame:
    """Tidy ``decomposition`` rows (one per region) from ``{region: channels}``: each channel in
    bn USD (``<channel>_bn_usd``) and in % of benchmark household consumption (``<channel>_pct``),
    the EV, the number of path steps and ``check_bn_usd`` = EV − Σ channels (zero at equilibrium)."""
    cons0 = dict(zip(benchmark.regions, benchmark.vc.sum(axis=1)))
    rows = []
    for r in benchmark.regions:
        ch = parts[r]
        base = float(cons0[r])

        def pct(x, base=base):
            return 100 * x / base if base > 0 else np.nan

        row = {"relative_to": relative_to, "region": r, "path_steps": steps,
               "ev_bn_usd": ch["ev"], "ev_pct": pct(ch["ev"])}
        row.update({f"{k}_bn_usd": ch[k] for k in CHANNELS})
        row.update({f"{k}_pct": pct(ch[k]) for k in CHANNELS})
        row["check_bn_usd"] = ch["check"]
        rows.append(row)
    return pd.DataFrame(rows)
