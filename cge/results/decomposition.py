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
``endowments``              ``p̄·Δq`` of the agent's endowments: employment under a fixed real wage
                            (``closure.labour``; zero when endowments are fixed)
``transfers_other``         ``ΔT`` of the other transfers (the balance of payments ``bop·PW/PW``, a
                            flexible current account, international revenue transfers)
``remainder``               ``−ρ_r − Σ b̄·Δq`` of fixed demands: the index-number term, shown
==========================  ======================================================================

**Along the path** (the default, :func:`exact_path_decomposition`): the identity summed over steps of the
policy path between two equilibria of one compiled model is a mid-point rule for the path integral of the
channels, whose remainder is zero (Shephard's lemma at every point); adaptive Richardson extrapolation of
those sums brings every region's remainder within ``max(1% of |EV|, 0.01 bn USD)``
(:data:`REMAINDER_TOL`, :data:`REMAINDER_FLOOR_BN_USD`), and the channels with the remainder still add
up to the EV. :func:`path_decomposition` sums over a given number of equal steps, without extrapolation.

A wedge kind the model adds later falls into ``efficiency_other`` (own wedges), the border price
(export-side wedges) or the paid/collected-abroad terms by the rules above; only the kinds named
in :data:`BCA_KINDS`, :data:`REBATE_KINDS` and :data:`CARBON_KINDS` have channels of their own.
A region that does not trade has zero terms-of-trade channels by construction.
"""

from __future__ import annotations

import copy
import dataclasses
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
            "efficiency_carbon", "efficiency_other", "endowments", "transfers_other", "remainder")


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
    endowments: dict = field(default_factory=dict)     # (region, price) -> (quantity, price / PW)
    welfare: dict = field(default_factory=dict)        # region -> W = C·Σ vc (bn USD, benchmark prices)
    consumer_price: dict = field(default_factory=dict)  # region -> PC/PW
    #: the plan :func:`snapshot` read it with (``flows`` and ``wedges`` in the plan's order; None if made otherwise)
    plan: object = field(default=None, repr=False, compare=False)
    #: ``flows``' quantities and prices and ``wedges``' rates as arrays, in the plan's order (set by :func:`snapshot`)
    arrays: tuple = field(default=(), repr=False, compare=False)


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
    endowments: list = field(default_factory=list)     # ((region, price name), position in em.flows)
    #: the decomposition's arrays of what does not change between points (:func:`_static_arrays`), per tags
    static: dict = field(default_factory=dict)


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
    keep, labels, attributes, wedge, wedge_keys, endowments = [], [], [], [], [], []
    seen: set = set()
    position = 0   # of the flow's first wedge among all per-unit revenues
    for k, f in enumerate(em.flows):
        first, position = position, position + len(f.revenue)
        if f.role == "endowment":   # endowment income enters through the factor markets' flows, but
            endowments.append(((_region(f.price), f.price.name), k))   # its quantity may change
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
                         wedge_keys, transfers, endowments)
    em.derived["snapshot_plan"] = plan
    return plan


def snapshot(bm, dicts: bool = True) -> Point:
    """The current point of a :class:`~cge.bca.model.BCAModel` (call after a solve, or at the
    benchmark before one). ``dicts=False``: its flows and wedges as :attr:`Point.arrays` only
    (``flows`` and ``wedges`` left empty; enough for :func:`decompose` with another snapshot of
    the same model, as along a path)."""
    em, V = bm.em, bm.vars
    plan = _snapshot_plan(bm)
    ev = flow_evaluator(em)   # one numpy pass over the flows (tape kept on the model)
    pw = ev(V["PW"])
    cat = query.catalogue(em)
    q, per_unit = query.flow_values(em, ev)
    price = query.node_values(cat.price_nodes, cat.price_of, ev)
    pt = Point(tuple(bm.b.regions))
    pt.transfers = {key: ev(amount) / pw for key, amount in plan.transfers}
    qa, pa, ta = q[plan.flow], price[plan.flow] / pw, per_unit[plan.wedge] / pw
    pt.arrays, pt.plan = (qa, pa, ta), plan
    pt.endowments = {key: (float(q[k]), float(price[k]) / pw) for key, k in plan.endowments}
    if dicts:
        pt = _with_dicts(pt)
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
    static = _static_arrays(p0, p1, tags)
    if static is None:
        p0, p1 = _with_dicts(p0), _with_dicts(p1)
        if set(p0.flows) != set(p1.flows):
            missing = sorted(set(p0.flows) ^ set(p1.flows), key=str)[:3]
            raise DecompositionError(f"the two points have different flows (e.g. {missing}); they come from "
                                     "different benchmarks")
        f = _FlowArrays(p0, p1, tags)
        w = _WedgeArrays(p0, p1, f)
    else:
        f, w = static[0].at(p0, p1), static[1].at(p0, p1)
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
    for (r, name), (q0, e0) in p0.endowments.items():     # the value of endowment changes
        q1, e1 = p1.endowments.get((r, name), (q0, e0))
        if r in f.agent_of:
            raw[f.agent_of[r], col["endowments"]] += (e0 + e1) / 2 * (q1 - q0)
    out = {}
    for r in p0.regions:
        pc = (p0.consumer_price[r] + p1.consumer_price[r]) / 2
        row = raw[f.agent_of[r]] if r in f.agent_of else np.zeros(len(CHANNELS))
        ch = {k: float(row[i]) / pc for i, k in enumerate(CHANNELS)}
        ch["ev"] = p1.welfare[r] - p0.welfare[r]
        ch["check"] = ch["ev"] - sum(ch[k] for k in CHANNELS)
        out[r] = ch
    return out


def _with_dicts(p: Point) -> Point:
    """``p`` with its ``flows`` and ``wedges`` (a snapshot taken with ``dicts=False`` has only arrays)."""
    if p.flows or not p.arrays:
        return p
    plan, (q, price, tau) = p.plan, p.arrays
    flows = {lab: FlowPoint(qk, pk, *attrs)
             for lab, qk, pk, attrs in zip(plan.labels, q.tolist(), price.tolist(), plan.attributes)}
    return dataclasses.replace(p, flows=flows, wedges=dict(zip(plan.wedge_keys, tau.tolist())))


def _static_arrays(p0: Point, p1: Point, tags):
    """The flow and wedge arrays of two points that :func:`snapshot` read with the same plan and
    that still hold exactly the plan's flows and wedges (in its order), built once per plan and
    tags: only the values are read from the points then (their :attr:`Point.arrays`, the same
    numbers as their ``flows`` and ``wedges``). None otherwise (points made or re-keyed by hand:
    everything is read from their dicts)."""
    plan = p0.plan
    if plan is None or p1.plan is not plan or not p0.arrays or not p1.arrays:
        return None
    for p in (p0, p1):
        arrays_only = not p.flows and not p.wedges
        if not arrays_only and (list(p.flows) != plan.labels or list(p.wedges) != plan.wedge_keys):
            return None
    key = id(tags)
    if key not in plan.static:
        full = [p for p in (p0, p1) if p.flows]
        if not full:
            return None   # built from a snapshot with its dicts (every path starts at one)
        f = _FlowArrays(full[0], full[0], tags)
        plan.static[key] = (f, _WedgeArrays(full[0], full[0], f), tags)   # tags kept: their id stays theirs
    return plan.static[key][:2]


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

    def at(self, p0: Point, p1: Point) -> _FlowArrays:
        """These arrays with the values of ``p0`` and ``p1`` (points of the same plan, see
        :func:`_static_arrays`; their flows in this order)."""
        new = copy.copy(self)
        (new.q0, new.p0, _), (new.q1, new.p1, _) = p0.arrays, p1.arrays
        new.qbar, new.dq = (new.q0 + new.q1) / 2, new.q1 - new.q0
        return new

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
        self.order = np.array(sorted(range(len(p0.wedges)), key=lambda i, k=list(p0.wedges): str(k[i])),
                              dtype=np.int64) if len(keys) == len(p0.wedges) else None

    def at(self, p0: Point, p1: Point) -> _WedgeArrays:
        """These arrays with the rates of ``p0`` and ``p1`` (points of the same plan, see
        :func:`_static_arrays`: the same wedges, in the plan's order, which :attr:`order` sorts)."""
        new = copy.copy(self)
        new.t0, new.t1 = p0.arrays[2][self.order], p1.arrays[2][self.order]
        return new


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
    from pyomo.core import Param

    items = bm.em.derived.get("parameters")
    if items is None:
        items = bm.em.derived["parameters"] = [((p.name, k), p[k]) for p in bm.pyomo.component_objects(Param)
                                               for k in p]
    return {key: data.value for key, data in items}


def set_parameters(bm, values: dict) -> None:
    """Set mutable parameters of the compiled model from ``{(component, index): value}``."""
    data = bm.em.derived.get("parameter_data")
    if data is None:
        parameter_values(bm)
        data = bm.em.derived["parameter_data"] = dict(bm.em.derived["parameters"])
    for key, v in values.items():
        param = data[key]
        if param._value != v:  # Pyomo's validated set costs ~3 µs; most parameters stay put along a path
            param.value = v


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


def _sum_of_steps(points: list, tags) -> dict[str, dict[str, float]]:
    """The decomposition summed over the steps between consecutive ``points``."""
    total: dict[str, dict[str, float]] = {}
    for a, b in zip(points, points[1:]):
        for r, ch in decompose(a, b, tags).items():
            acc = total.setdefault(r, dict.fromkeys(ch, 0.0))
            for k, v in ch.items():
                acc[k] += v
    return total


def _path_parameters(start: Solved, end: Solved, t: float) -> dict:
    return {key: v + t * (end.parameters[key] - v) for key, v in start.parameters.items()}


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
                set_parameters(bm, _path_parameters(start, end, k / steps))
                solve()
                points.append(snapshot(bm))
        except SolveError:
            points = [start.point]
        _restore(bm, end)
    points.append(end.point)
    return _sum_of_steps(points, bm.b.tags), len(points) - 1


#: the exact decomposition's target, per region: ``|remainder| ≤ max(REMAINDER_TOL·|EV|, REMAINDER_FLOOR_BN_USD)``
REMAINDER_TOL = 0.01
REMAINDER_FLOOR_BN_USD = 0.01
#: the most interior equilibria the exact decomposition solves along one path
MAX_PATH_SOLVES = 31


def remainder_targets(parts: dict) -> dict:
    """Each region's target for the remainder of the exact decomposition: :data:`REMAINDER_TOL`
    of its |EV|, or :data:`REMAINDER_FLOOR_BN_USD`, whichever is larger."""
    return {r: max(REMAINDER_TOL * abs(ch["ev"]), REMAINDER_FLOOR_BN_USD) for r, ch in parts.items()}


def _add(*parts: tuple) -> dict:
    """``Σ weight·parts`` channel by channel, from ``(weight, {region: channels})`` pairs."""
    first = parts[0][1]
    return {r: {k: sum(w * p[r][k] for w, p in parts) for k in first[r]} for r in first}


def _predictor(a: float, m: float, b: float, target: int) -> tuple:
    """The interpolation of the unknowns at a quarter (``target`` 0) or three quarters (1) of the
    way along segment ``[a, b]`` with middle ``m``, all three solved: the quadratic through them,
    as ``((weight, t), …)``."""
    return ((0.375, a), (0.75, m), (-0.125, b)) if target == 0 else ((-0.125, a), (0.75, m), (0.375, b))


#: where a compiled model keeps the unknowns along its last decomposed paths, by start (``{start: {t: values}}``)
GUIDE = "decomposition_paths"
#: the most paths (distinct starts) it keeps
MAX_GUIDES = 8


class _Path:
    """The solved points of one path (``t`` ↦ point, unknowns) and the decomposition of each step
    between two of them, computed once."""

    def __init__(self, bm, solve, start: Solved, end: Solved):
        self.bm, self.solve, self.start, self.end = bm, solve, start, end
        self.xs = unknowns(bm)
        self.points = {0.0: (start.point, np.asarray(start.unknowns, float)),
                       1.0: (end.point, np.asarray(end.unknowns, float))}
        self.steps: dict = {}
        self.solves = 0
        #: the parameters that move along the path (the others are set to ``end``'s before the first solve)
        self.moving = {key: (v, end.parameters[key]) for key, v in start.parameters.items()
                       if v != end.parameters[key]}
        self.guide = bm.em.derived.setdefault(GUIDE, {}).get(self.points[0.0][1].tobytes())

    def keep_as_guide(self) -> None:
        """Keep this path's unknowns (``t`` ↦ values) for the next path from the same start."""
        if self.solves:
            guides = self.bm.em.derived.setdefault(GUIDE, {})
            guides[self.points[0.0][1].tobytes()] = {t: x for t, (_, x) in self.points.items()}
            while len(guides) > MAX_GUIDES:
                del guides[next(iter(guides))]

    def step(self, a: float, b: float) -> dict:
        if (a, b) not in self.steps:
            self.steps[a, b] = decompose(self.points[a][0], self.points[b][0], self.bm.b.tags)
        return self.steps[a, b]

    def solve_at(self, t: float, weights: tuple) -> None:
        """Solve the equilibrium at ``t`` from ``Σ weight·x(t_k)`` over the solved points of
        ``weights`` (``((weight, t_k), …)``), plus the amount by which the last path of this model
        from the same start (kept under :data:`GUIDE`, if it has these points) differed from that
        interpolation at ``t``: paths from one start (the benchmark, or a reference) bend alike,
        so the warm start is a Newton step or two closer."""
        if not self.solves:
            set_parameters(self.bm, self.end.parameters)
        set_parameters(self.bm, {key: a + t * (b - a) for key, (a, b) in self.moving.items()})
        guess = sum(w * self.points[tk][1] for w, tk in weights)
        guide = self.guide
        if guide is not None and t in guide and all(tk in guide for _, tk in weights):
            guess = guess + guide[t] - sum(w * guide[tk] for w, tk in weights)
        for v, x in zip(self.xs, guess.tolist()):
            v.set_value(x, skip_validation=True)
        self.solve()
        self.solves += 1
        self.points[t] = (snapshot(self.bm, dicts=False), np.fromiter((v.value for v in self.xs), float, len(self.xs)))

    def extrapolated(self, a: float, b: float) -> dict:
        """Richardson's extrapolation on segment ``[a, b]`` (its middle solved): the two half steps
        plus a third of their difference from the whole step, which removes the ``h²`` error term."""
        m = (a + b) / 2
        halves = _add((1.0, self.step(a, m)), (1.0, self.step(m, b)))
        return _add((4 / 3, halves), (-1 / 3, self.step(a, b)))


def exact_path_decomposition(bm, solve, start: Solved, end: Solved) -> tuple[dict, int]:
    """The path integral of the decomposition from ``start`` to ``end`` (the default), by adaptive
    Richardson extrapolation of the path sums of :func:`path_decomposition`.

    On a segment of the path, the sum over two half steps differs from the integral by about a
    quarter of the one-step sum's error (mid-point weights are a symmetric rule: the error of a
    step ``h`` is ``c·h³ + O(h⁵)``), so ``(4·halves − whole)/3`` removes the leading term. The
    index-number remainder of the integral is zero (Shephard's lemma holds at every point of the
    path), so each segment's extrapolated remainder measures its error. Starting from the whole
    path (no solve at all when the two-point remainder is already within
    :func:`remainder_targets`: a zero shock, most comparisons with a reference), the segment
    furthest from the target is halved (two more solves) until the sum over segments of each
    region's |remainder| is within its target, or :data:`MAX_PATH_SOLVES` interior equilibria are
    solved. Halving where the error is, not everywhere, keeps the cost small where the path bends
    sharply at one end (a high carbon tax: most of the curvature lies in the first dollars). Each
    extrapolation has weights adding up to one and each step adds up to the EV, so the channels
    (with the remainder) still add up to the EV. Interior points are solved from the quadratic
    through their solved neighbours (:func:`_predictor`), bent like the model's last path from the
    same start (:meth:`_Path.solve_at`). Returns ``({region: channels}, steps of
    the finest sums)``; if an interior solve fails the last complete result is returned. The
    model is left at ``end``."""
    from cge.solve import SolveError

    path = _Path(bm, solve, start, end)
    best, steps = path.step(0.0, 1.0), 1
    target = remainder_targets(best)
    if all(abs(best[r]["remainder"]) <= target[r] for r in target):
        return best, steps
    segments = [(0.0, 1.0)]
    try:
        path.solve_at(0.5, ((0.5, 0.0), (0.5, 1.0)))
        while True:
            parts = {seg: path.extrapolated(*seg) for seg in segments}
            best, steps = _add(*((1.0, p) for p in parts.values())), 2 * len(segments)
            worst = {seg: max(abs(p[r]["remainder"]) / target[r] for r in target) for seg, p in parts.items()}
            if (all(sum(abs(p[r]["remainder"]) for p in parts.values()) <= target[r] for r in target)
                    or path.solves + 2 > MAX_PATH_SOLVES):
                break
            a, b = max(segments, key=worst.get)
            m = (a + b) / 2
            for k, t in enumerate(((a + m) / 2, (m + b) / 2)):
                path.solve_at(t, _predictor(a, m, b, k))
            i = segments.index((a, b))
            segments[i:i + 1] = [(a, m), (m, b)]
    except SolveError:
        pass   # the last complete result stands
    path.keep_as_guide()
    _restore(bm, end)
    return best, steps


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
