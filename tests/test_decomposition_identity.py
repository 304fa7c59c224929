"""The welfare decomposition's array form (cge.results.decomposition.decompose) is the identity written
flow by flow: the per-flow loop below is the definition, kept here as the reference."""

from collections import defaultdict

import pytest

from cge.bca.model import BCAModel
from cge.data.synthetic import random_benchmark
from cge.results.decomposition import (
    BCA_KINDS,
    CHANNELS,
    PERMIT_TRANSFERS,
    _border_priced,
    _channel_of,
    _group_of,
    capture,
    decompose,
    snapshot,
)
from cge.scenarios.spec import load_scenarios
from cge.solve import compile_system


def decompose_flow_by_flow(p0, p1, tags) -> dict:
    """The identity written flow by flow, wedge by wedge (the definition the arrays follow)."""
    # agents or commodities outside the regions (e.g. an international pool) accumulate apart
    raw: dict = defaultdict(lambda: dict.fromkeys(CHANNELS, 0.0))
    tau0, tau1 = defaultdict(float, p0.wedges), defaultdict(float, p1.wedges)
    by_flow: dict[tuple, list] = defaultdict(list)
    for key in set(p0.wedges) | set(p1.wedges):
        by_flow[key[0]].append(key)
    for label, a in p0.flows.items():
        b = p1.flows[label]
        qbar, dq = (a.q + b.q) / 2, b.q - a.q
        beta, pi = a.block_region, a.price_region
        trade = pi != beta
        border0 = border1 = 0.0
        wsum0 = wsum1 = 0.0
        for key in sorted(by_flow.get(label, ()), key=str):
            _, kind, c, _n = key
            t0, t1 = tau0[key], tau1[key]
            wsum0, wsum1 = wsum0 + t0, wsum1 + t1
            dt, tbar = t1 - t0, (t0 + t1) / 2
            bca = kind in BCA_KINDS
            channel = "bca_charges_received" if bca else _channel_of(kind)
            moved = trade and _border_priced(kind, c, beta)
            if c is not None and c == beta:          # own wedge on own flow: rate × change in quantity
                raw[c][channel] += tbar * dq
            else:                                    # collected abroad / paid abroad
                if c is not None:
                    name = "bca_revenue_returned" if (bca and trade and c == pi) else channel
                    raw[c][name] += t1 * b.q - t0 * a.q
                raw[beta][channel] -= qbar * dt
            if moved:                                # part of the border price P
                raw[pi]["bca_charges_paid" if bca else channel] -= qbar * dt
                raw[beta][channel] += qbar * dt
                border0, border1 = border0 + t0, border1 + t1
        if trade:
            group = "tot_" + _group_of(a.good, tags)
            dP = (b.p + border1) - (a.p + border0)
            raw[pi][group] += qbar * dP
            raw[beta][group] -= qbar * dP
        if a.production:
            sign = -1.0 if a.output else 1.0   # remainder = −ρ: outputs −q̄·Δs, inputs +q̄·Δb
            price0 = a.p - wsum0 if a.output else a.p + wsum0
            price1 = b.p - wsum1 if b.output else b.p + wsum1
            raw[beta]["remainder"] += sign * qbar * (price1 - price0)
        elif a.fixed:
            raw[beta]["remainder"] -= ((a.p + wsum0 + b.p + wsum1) / 2) * dq
    for (r, label, _n), v0 in p0.transfers.items():
        dv = p1.transfers.get((r, label, _n), 0.0) - v0
        raw[r]["permit_trade" if label in PERMIT_TRANSFERS else "transfers_other"] += dv
    for (r, label, n), v1 in p1.transfers.items():
        if (r, label, n) not in p0.transfers:
            raw[r]["permit_trade" if label in PERMIT_TRANSFERS else "transfers_other"] += v1
    out = {}
    for r in p0.regions:
        pc = (p0.consumer_price[r] + p1.consumer_price[r]) / 2
        ch = {k: v / pc for k, v in raw[r].items()}
        ch["ev"] = p1.welfare[r] - p0.welfare[r]
        ch["check"] = ch["ev"] - sum(ch[k] for k in CHANNELS)
        out[r] = ch
    return out


@pytest.mark.parametrize("source", ["default", (4, 7)])
def test_array_decomposition_equals_the_flow_by_flow_identity_for_every_core_design(source):
    from cge.cli import default_scenarios_path
    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path

    b = read_benchmark(default_dataset_path()) if source == "default" else random_benchmark(*source, seed=5)
    designs = load_scenarios(default_scenarios_path())
    models, points = {}, {}
    for sc in designs:
        bm = BCAModel(b, sc)
        compile_system(bm.pyomo).solve()
        models[sc.name], points[sc.name] = bm, capture(bm).point
    bench = snapshot(BCAModel(b, designs[0]))
    pairs = [(bench, points[n]) for n in points] + [(points["REF"], points[n]) for n in points if n != "REF"]
    for p0, p1 in pairs:
        fast, slow = decompose(p0, p1, b.tags), decompose_flow_by_flow(p0, p1, b.tags)
        assert fast.keys() == slow.keys()
        for r in fast:
            for k in (*CHANNELS, "ev", "check"):
                assert fast[r][k] == pytest.approx(slow[r][k], rel=1e-10, abs=1e-10), (r, k)
