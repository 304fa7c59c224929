"""Random synthetic benchmarks that are balanced by construction (spec section 2).

:func:`random_benchmark` draws an economy of world-economy magnitudes (bn USD, Mt CO2) with
the energy sectors the model expects (coal, crude oil, gas, refined oil, electricity), a few
energy-intensive trade-exposed (EITE) sectors and other goods. No solver balances the data:
the economy is written in share form and the output levels follow from one multi-region
Leontief system, so every identity checked by :func:`cge.benchmark.validate` holds to
rounding error.

Construction
------------
1. Cost shares ``θ[r,i,j]`` of intermediate good ``i`` in sector ``j`` and the shares of rent
   and value added are drawn per unit of producer revenue ``(1 − to[r,j])·vom[r,j]`` and sum
   to one, so zero profit holds for any output level. Intermediate use is
   ``vid = a·vom`` with ``a[r,i,j] = θ[r,i,j]·(1 − to[r,j])``.
2. Each region's Armington supply ``va[r,i]`` is split into a domestic part ``(1 − m[r,i])``
   and tariff-inclusive imports ``m[r,i]``, shared among sources ``w[i,s,r]``; the fob flow is
   ``vxmd[i,s,r] = m[r,i]·va[r,i]·w[i,s,r]/(1 + tm[i,s,r])``.
3. Armington clearance ``va = a·vom + fd`` and output = domestic sales + exports give the
   linear system ``(I − T·A)·vom = T·fd`` over all regions and sectors.
4. Everything is linear in the final-demand levels, so each region's final-demand scale is
   chosen by one small linear system that gives it a prescribed, non-zero balance of
   payments (the scales of a balanced-trade world, shifted by the imbalances).

Income balance then follows from zero profit, market clearance and the definition of ``bop``.
"""

from __future__ import annotations

import numpy as np

from cge.benchmark import FINAL_AGENTS, Benchmark, Tags

ENERGY_SECTORS = ("coa", "cru", "gas", "oil", "ele")
FACTORS = ("labour", "capital")
COA, CRU, GAS, OIL, ELE = range(5)
FUELS = (COA, GAS, OIL)  # fossil fuels whose combustion emits CO2 (not crude)

#: Mt CO2 per bn USD of fuel purchased: (developed range, developing range)
EMISSION_FACTORS = {
    COA: ((20.0, 28.0), (28.0, 40.0)),
    GAS: ((10.0, 14.0), (14.0, 20.0)),
    OIL: ((3.0, 5.0), (5.0, 8.0)),
}

#: typical share of tariff-inclusive imports in Armington supply, by kind of good
_IMPORT_SHARE = {COA: 0.25, CRU: 0.55, GAS: 0.25, OIL: 0.20, ELE: 0.04, "eite": 0.30, "other": 0.12}


def _sector_codes(n_sectors: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Sector codes: the five energy goods, then EITE sectors, then other goods."""
    rest = n_sectors - len(ENERGY_SECTORS)
    n_eite = 1 if rest <= 2 else min(4, max(2, rest // 3))
    eite = tuple(f"eite{k + 1}" for k in range(n_eite))
    other = tuple(f"s{k + 1}" for k in range(rest - n_eite))
    return ENERGY_SECTORS + eite + other, eite, other


def _split(rng: np.random.Generator, total: np.ndarray, mask: np.ndarray, sigma: float = 0.6) -> np.ndarray:
    """Split ``total[r]`` over the goods allowed by ``mask[r, k]`` with random positive weights."""
    weights = np.exp(sigma * rng.standard_normal(mask.shape)) * mask
    return total[:, None] * weights / weights.sum(axis=1, keepdims=True)


def _mask(rng: np.random.Generator, n: int, prob: float, force: int | None = None) -> np.ndarray:
    """A boolean pattern of length ``n`` with at least one True (``force`` if given)."""
    m = rng.random(n) < prob
    m[force if force is not None else rng.integers(n)] = True
    return m


def random_benchmark(
    n_regions: int = 5,
    n_sectors: int = 8,
    seed: int = 0,
    *,
    with_taxes: bool = True,
    name: str | None = None,
) -> Benchmark:
    """A random multi-region benchmark, balanced by construction.

    Regions ``r1..rN`` (the first ~40% developed / Annex I; the smallest developing region is
    tagged ``ldc`` when there are at least four regions). Sectors ``coa, cru, gas, oil, ele``,
    then ``eite1, …`` and ``s1, …``. Factors ``labour`` and ``capital``; resource rents in coal,
    crude and gas. With ``with_taxes`` output taxes (0–10%) and import tariffs (0–15%) are
    non-zero. Every region has a non-zero trade balance; the balances sum to zero. The result
    is deterministic for a given ``seed`` and passes :func:`cge.benchmark.validate` to ~1e-12.
    """
    if n_regions < 2:
        raise ValueError(f"n_regions must be at least 2 (got {n_regions})")
    if n_sectors < 6:
        raise ValueError(
            f"n_sectors must be at least 6 (coa, cru, gas, oil, ele and one EITE sector; got {n_sectors})"
        )
    rng = np.random.default_rng(seed)
    sectors, eite, other = _sector_codes(n_sectors)
    R, J = n_regions, n_sectors
    regions = tuple(f"r{k + 1}" for k in range(R))
    E = np.arange(len(ENERGY_SECTORS), len(ENERGY_SECTORS) + len(eite))  # EITE indices
    S = np.arange(len(ENERGY_SECTORS) + len(eite), J)  # other goods
    M = np.concatenate([E, S])  # material (non-energy) goods

    # ----- regions: development status, size --------------------------------------------
    n_dev = min(R - 1, max(1, round(0.4 * R)))
    developed = np.arange(R) < n_dev
    dev_idx, devg_idx = np.nonzero(developed)[0], np.nonzero(~developed)[0]
    # intended final demand (absorption) per region, bn USD; output is about twice as large
    log_size = np.where(developed, rng.uniform(np.log(1500), np.log(9000), R),
                        rng.uniform(np.log(350), np.log(6000), R))
    size = np.exp(log_size)
    ldc = None
    if R >= 4:
        ldc = int(devg_idx[np.argmin(size[devg_idx])])
        size[ldc] = min(size[ldc], rng.uniform(350, 500))
    # energy intensity of developing regions relative to developed ones
    energy_factor = np.where(developed, 1.0, rng.uniform(1.2, 1.5, R))

    # ----- cost shares θ[r, i, j] of (1 − to)·vom ---------------------------------------
    theta = np.zeros((R, J, J))
    rent = np.zeros((R, J))

    def u(lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, R)

    def maybe(prob: float, lo: float, hi: float) -> np.ndarray:
        """Same sparsity pattern in all regions (technology), region-specific values."""
        return u(lo, hi) * (rng.random() < prob)

    materials = np.zeros((R, J))  # total material share of each column
    # coal mining
    rent[:, COA] = u(0.25, 0.45)
    theta[:, ELE, COA] = u(0.03, 0.06)
    theta[:, OIL, COA] = u(0.03, 0.05)
    theta[:, COA, COA] = maybe(0.5, 0.005, 0.03)
    materials[:, COA] = u(0.10, 0.16)
    # crude oil extraction
    rent[:, CRU] = u(0.30, 0.50)
    theta[:, ELE, CRU] = u(0.01, 0.03)
    theta[:, OIL, CRU] = u(0.01, 0.02)
    theta[:, GAS, CRU] = maybe(0.7, 0.01, 0.04)
    materials[:, CRU] = u(0.08, 0.14)
    # natural gas extraction and distribution
    rent[:, GAS] = u(0.20, 0.40)
    theta[:, ELE, GAS] = u(0.02, 0.04)
    theta[:, OIL, GAS] = u(0.01, 0.02)
    theta[:, GAS, GAS] = u(0.02, 0.06)
    materials[:, GAS] = u(0.08, 0.14)
    # refined oil: crude is the major input
    theta[:, CRU, OIL] = u(0.55, 0.68)
    theta[:, GAS, OIL] = u(0.01, 0.04)
    theta[:, ELE, OIL] = u(0.01, 0.03)
    theta[:, OIL, OIL] = u(0.01, 0.04)
    theta[:, COA, OIL] = maybe(0.3, 0.002, 0.01)
    materials[:, OIL] = u(0.05, 0.09)
    # electricity: heavy use of coal, gas and oil; developing regions lean on coal
    fuel_total = u(0.25, 0.40)
    coal_weight = np.where(developed, u(0.2, 0.5), u(0.5, 0.8))
    gas_weight = u(0.6, 0.9)
    theta[:, COA, ELE] = fuel_total * coal_weight
    theta[:, GAS, ELE] = fuel_total * (1 - coal_weight) * gas_weight
    theta[:, OIL, ELE] = fuel_total * (1 - coal_weight) * (1 - gas_weight)
    theta[:, ELE, ELE] = u(0.03, 0.06)
    materials[:, ELE] = u(0.10, 0.15)
    # EITE sectors: energy-intensive
    for j in E:
        theta[:, ELE, j] = u(0.04, 0.08) * energy_factor
        theta[:, COA, j] = maybe(0.8, 0.005, 0.02) * energy_factor
        theta[:, GAS, j] = u(0.01, 0.03) * energy_factor
        theta[:, OIL, j] = u(0.01, 0.03) * energy_factor
        materials[:, j] = u(0.30, 0.40)
    # other goods and services
    for j in S:
        theta[:, ELE, j] = u(0.01, 0.03) * energy_factor
        theta[:, OIL, j] = u(0.005, 0.03) * energy_factor
        theta[:, GAS, j] = maybe(0.5, 0.001, 0.01) * energy_factor
        theta[:, COA, j] = maybe(0.15, 0.001, 0.005) * energy_factor
        materials[:, j] = u(0.25, 0.40)
    # split material inputs over the non-energy goods (sparse, same pattern in all regions)
    for j in range(J):
        own = int(np.nonzero(M == j)[0][0]) if j in M else None
        pattern = _mask(rng, len(M), 0.5 if j < len(ENERGY_SECTORS) else 0.7, force=own)
        theta[:, M, j] = _split(rng, materials[:, j], np.broadcast_to(pattern, (R, len(M))))

    factor_share = 1.0 - theta.sum(axis=1) - rent
    assert (factor_share > 0.1).all(), "cost shares leave too little value added"
    labour_share = np.zeros((R, J))
    labour_share[:, :len(ENERGY_SECTORS)] = rng.uniform(0.25, 0.45, (R, len(ENERGY_SECTORS)))
    labour_share[:, E] = rng.uniform(0.45, 0.60, (R, len(E)))
    labour_share[:, S] = rng.uniform(0.55, 0.75, (R, len(S)))

    # ----- taxes (drawn always, so with_taxes=False gives the same economy untaxed) -----
    to = np.where(rng.random((R, J)) < 0.6, rng.uniform(0.0, 0.10, (R, J)), 0.0)
    to[:, OIL] = rng.uniform(0.05, 0.10, R)
    to[:, CRU] = 0.0

    # ----- trade: import shares m[r, i], source shares w[i, s, r], tariffs tm[i, s, r] ---
    base = np.array([_IMPORT_SHARE[j] if j < len(ENERGY_SECTORS) else
                     _IMPORT_SHARE["eite" if j in E else "other"] for j in range(J)])
    smallness = 1.0 - size / size.max()
    m = base[None, :] * rng.uniform(0.6, 1.4, (R, J)) * (0.7 + 0.6 * smallness)[:, None]
    m = np.clip(m, 0.005, 0.85)
    link_prob = np.full(J, 0.85)
    link_prob[ELE], link_prob[CRU] = 0.4, 0.7
    w = np.zeros((J, R, R))
    for i in range(J):
        for r in range(R):
            sources = np.delete(np.arange(R), r)
            links = _mask(rng, R - 1, link_prob[i])
            weight = size[sources] ** 0.9 * np.exp(0.5 * rng.standard_normal(R - 1)) * links
            w[i, sources, r] = weight / weight.sum()
    tm = np.where(developed[None, None, :], rng.uniform(0.0, 0.05, (J, R, R)),
                  rng.uniform(0.03, 0.15, (J, R, R)))
    tm[list(ENERGY_SECTORS.index(c) for c in ("coa", "cru", "gas", "ele"))] *= 0.3
    tm *= (rng.random((J, R, R)) < 0.7) & (w > 0)
    if not with_taxes:
        to = np.zeros((R, J))
        tm = np.zeros((J, R, R))

    # ----- final demand per unit of intended absorption ---------------------------------
    unit_fd = np.zeros((R, J, len(FINAL_AGENTS)))
    hh_share = u(0.55, 0.65)
    gov_share = u(0.15, 0.20)
    inv_share = 1.0 - hh_share - gov_share
    hh = np.zeros((R, J))
    hh[:, ELE] = u(0.02, 0.035)
    hh[:, OIL] = u(0.025, 0.045)
    hh[:, GAS] = u(0.008, 0.02)
    hh[:, COA] = np.where(~developed & (rng.random(R) < 0.5), u(0.001, 0.004), 0.0)
    eite_total = u(0.03, 0.06) if len(S) else 1.0 - hh.sum(axis=1)
    hh[:, E] = _split(rng, eite_total, np.ones((R, len(E)), bool))
    if len(S):
        hh[:, S] = _split(rng, 1.0 - hh.sum(axis=1), np.ones((R, len(S)), bool))
    gov = np.zeros((R, J))
    inv = np.zeros((R, J))
    if len(S):
        gov[:, S] = _split(rng, np.ones(R), np.broadcast_to(_mask(rng, len(S), 0.5, force=len(S) - 1),
                                                            (R, len(S))))
        inv_eite = u(0.15, 0.30)
        inv[:, E] = _split(rng, inv_eite, np.ones((R, len(E)), bool))
        inv[:, S] = _split(rng, 1.0 - inv_eite, np.broadcast_to(_mask(rng, len(S), 0.6, force=0), (R, len(S))))
    else:
        gov[:, E] = _split(rng, np.ones(R), np.ones((R, len(E)), bool))
        inv[:, E] = _split(rng, np.ones(R), np.ones((R, len(E)), bool))
    unit_fd[:, :, 0] = hh * hh_share[:, None]
    unit_fd[:, :, 1] = gov * gov_share[:, None]
    unit_fd[:, :, 2] = inv * inv_share[:, None]
    unit_fd *= size[:, None, None]

    # ----- the multi-region Leontief system (I − T·A)·vom = T·f ------------------------
    a = theta * (1.0 - to)[:, None, :]  # vid per unit of vom
    tariff_factor = np.where(w > 0, w / (1.0 + tm), 0.0)  # fob per unit of gross imports
    trade = m.T[:, None, :] * tariff_factor  # [i, s, r]: fob export s->r per unit of va[r, i]
    Tg = trade + np.eye(R)[None] * (1.0 - m.T)[:, :, None]  # [i, s, r]: output of s per va[r]
    T = np.einsum("isr,ik->sirk", Tg, np.eye(J)).reshape(R * J, R * J)
    A = np.einsum("rij,rq->riqj", a, np.eye(R)).reshape(R * J, R * J)
    leontief = np.eye(R * J) - T @ A

    def solve(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Output and Armington supply ([..., R, J]) for final demand f[R, J, ...]."""
        flat = f.reshape(R * J, -1)
        vom = np.linalg.solve(leontief, T @ flat)
        va = A @ vom + flat
        return vom.reshape(R, J, -1), va.reshape(R, J, -1)

    # GDP at market prices (value added + output taxes + tariffs) is linear in final demand:
    # G[r, q] = GDP of r generated by q's unit final demand.
    per_region = np.zeros((R, J, R))
    for q in range(R):
        per_region[q, :, q] = unit_fd[q].sum(axis=1)
    vom_q, va_q = solve(per_region)
    tariff_rate = (w * tm / (1.0 + tm)).sum(axis=1).T * m  # tariff revenue per unit of va
    G = ((1.0 - a.sum(axis=1))[:, :, None] * vom_q).sum(axis=1) + (tariff_rate[:, :, None] * va_q).sum(axis=1)
    absorption = unit_fd.sum(axis=(1, 2))

    # Σ_q (δ_rq·absorption_q − G[r,q])·scale_q = bop_r. The rows sum to zero (world bop is
    # zero), so the last row is replaced by the normalisation Σ absorption·scale = Σ absorption.
    lhs = np.diag(absorption) - G
    lhs[-1] = absorption

    def scales(bop: np.ndarray) -> np.ndarray:
        rhs = bop.copy()
        rhs[-1] = absorption.sum()
        return np.linalg.solve(lhs, rhs)

    # balanced trade first (a positive Perron vector), then prescribed imbalances of 1–5% of
    # that absorption, both signs present, the larger side shrunk so that they sum to zero
    balanced = absorption * scales(np.zeros(R))
    sign = np.where(rng.random(R) < 0.5, 1.0, -1.0)
    if (sign > 0).all() or (sign < 0).all():
        sign[rng.integers(R)] *= -1
    target = sign * rng.uniform(0.01, 0.05, R) * balanced
    pos, neg = target[target > 0].sum(), -target[target < 0].sum()
    target = np.where(target > 0, target * min(1.0, neg / pos), target * min(1.0, pos / neg))
    scale = scales(target)
    if not (scale > 0).all():  # pragma: no cover - imbalances are small against absorption
        raise RuntimeError("synthetic benchmark: final-demand scales are not positive")

    fd = unit_fd * scale[:, None, None]
    vom, va = (x[:, :, 0] for x in solve(fd.sum(axis=2)))
    vid = a * vom[:, None, :]
    vxmd = trade * va.T[:, None, :]  # [i, s, r]
    revenue = (1.0 - to) * vom
    vrs = rent * revenue
    vfm = np.stack([factor_share * labour_share * revenue, factor_share * (1.0 - labour_share) * revenue], axis=1)
    # clean rounding noise: exact zeros where the structure says zero
    vid[a == 0] = 0.0
    vxmd[w == 0] = 0.0

    # ----- emissions ----------------------------------------------------------------------
    users = J + 1
    co2 = np.zeros((R, J, users))
    fuel_use = np.concatenate([vid, fd[:, :, :1]], axis=2)  # sectors, then household
    for i in FUELS:
        (lo_d, hi_d), (lo_g, hi_g) = EMISSION_FACTORS[i]
        ef = np.where(developed, u(lo_d, hi_d), u(lo_g, hi_g))
        noise = rng.uniform(0.9, 1.1, (R, users))
        co2[:, i, :] = np.where(fuel_use[:, i, :] > 0, ef[:, None] * noise * fuel_use[:, i, :], 0.0)
    co2p = np.zeros((R, J))
    co2p[:, E[0]] = np.where(developed, u(0.2, 0.4), u(0.4, 0.8)) * vom[:, E[0]]  # Mt per bn USD

    # ----- population: lower consumption per head in developing regions -----------------
    per_head = np.where(developed, u(20000, 40000), u(2000, 8000))  # USD per person
    if ldc is not None:
        per_head[ldc] = rng.uniform(500, 1200)
    pop = fd[:, :, 0].sum(axis=1) * 1e3 / per_head  # millions

    groups: dict[str, tuple[str, ...]] = {
        "annex1": tuple(regions[k] for k in dev_idx),
        "non_annex1": tuple(regions[k] for k in devg_idx),
        "developed": tuple(regions[k] for k in dev_idx),
        "developing": tuple(regions[k] for k in devg_idx),
    }
    if ldc is not None:
        groups["ldc"] = (regions[ldc],)
    tags = Tags(
        fossil=("coa", "oil", "gas"),
        electricity=("ele",),
        resource=("coa", "cru", "gas"),
        eite=eite,
        crude=("cru",),
        region_groups=groups,
    )
    return Benchmark(
        name=name or f"synthetic_{R}x{J}_seed{seed}",
        regions=regions,
        sectors=sectors,
        factors=FACTORS,
        tags=tags,
        vom=vom, to=to, vid=vid, vfm=vfm, vrs=vrs, vxmd=vxmd, tm=tm, fd=fd,
        co2=co2, co2p=co2p, pop=pop,
        metadata={
            "description": f"synthetic random benchmark (seed={seed})",
            "synthetic": True,
            "provenance": "generated by cge.synthetic.random_benchmark",
        },
    )


def with_gtap_wedges(b: Benchmark, seed: int = 0, margin_sector: str | None = None,
                     margin_rate: float = 0.04) -> Benchmark:
    """``b`` with GTAP's wedges added, still balanced: export taxes and subsidies ``tx``,
    transport margins ``vtwr`` (``margin_rate`` of each flow, supplied through ``vst`` by every
    region's ``margin_sector`` — the last sector by default — in proportion to its domestic
    sales), purchase taxes on domestic and imported supply (``tpd``, ``tpi``), buyer wedges
    ``tpu`` in the canonical form (zero revenue per good and region, as the GTAP reader makes
    them) and factor taxes ``tf``.

    Balance: the Armington supply changes, so every buyer's composite quantity is scaled by
    ``va_new/va_old``; the output tax then takes each sector's change in cost,
    ``to = 1 − cost/vom``. Income balance follows (see :mod:`cge.benchmark`)."""
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    R, J = b.regions, b.sectors
    nR, nJ = len(R), len(J)
    m = J.index(margin_sector) if margin_sector else nJ - 1
    traded = b.vxmd > 0
    tx = np.where(traded, rng.uniform(-0.05, 0.10, b.vxmd.shape), 0.0)
    vtwr = np.zeros((nJ, nJ, nR, nR))
    vtwr[m] = margin_rate * b.vxmd * (1 + tx)
    total = vtwr[m].sum()
    vdm = b.vdm
    vst = np.zeros((nR, nJ))
    vst[:, m] = total * vdm[:, m] / vdm[:, m].sum()
    tpd = rng.uniform(0.0, 0.12, (nR, nJ))
    tpi = rng.uniform(0.0, 0.12, (nR, nJ))
    tf = np.where(b.vfm > 0, rng.uniform(-0.02, 0.25, b.vfm.shape), 0.0)
    out = replace(b, tx=tx, vtwr=vtwr, vst=vst, tpd=tpd, tpi=tpi, tf=tf, metadata=dict(b.metadata))
    ratio = np.divide(out.va, b.va, out=np.ones_like(b.va), where=b.va > 0)
    out.vid = b.vid * ratio[:, :, None]
    out.fd = b.fd * ratio[:, :, None]
    x = np.concatenate([out.vid, out.fd], axis=2)
    tpu = np.where(x > 0, rng.uniform(-0.05, 0.3, x.shape), 0.0)
    mean = np.divide((x * tpu).sum(axis=2), x.sum(axis=2), out=np.zeros((nR, nJ)), where=x.sum(axis=2) > 0)
    out.tpu = np.where(x > 0, tpu - mean[:, :, None], 0.0)
    cost = (out.vid * (1 + out.tpu[:, :, :nJ])).sum(axis=1) + (out.vfm * (1 + tf)).sum(axis=1) + out.vrs
    out.to = np.where(out.vom > 0, 1 - cost / np.where(out.vom > 0, out.vom, 1.0), 0.0)
    out.name = f"{b.name}+wedges"
    out.metadata["synthetic_wedges"] = {"seed": seed, "margin_sector": J[m], "margin_rate": margin_rate}
    return out
