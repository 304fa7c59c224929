"""Random synthetic benchmarks that are balanced by construction (spec section 2).

:func:`random_benchmark` draws an economy of world-economy magnitudes (bn USD, Mt CO2) with
the energy sectors the model expects (coal, crude oil, gas, refined oil, electricity), a few
energy-intensive trade-exposed (EITE) sectors and other goods. No solver balances the data:
the economy is written in share form and the output levels follow from one multi-region
Leontief system, so every identity checked by :func:`cge.data.benchmark.validate` holds to
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

from dataclasses import dataclass

import numpy as np

from cge.data.benchmark import FINAL_AGENTS, Benchmark, Tags

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
    is deterministic for a given ``seed`` and passes :func:`cge.data.benchmark.validate` to ~1e-12.

    The steps follow the module docstring; each draws from one random stream in a fixed order.
    """
    if n_regions < 2:
        raise ValueError(f"n_regions must be at least 2 (got {n_regions})")
    if n_sectors < 6:
        raise ValueError(
            f"n_sectors must be at least 6 (coa, cru, gas, oil, ele and one EITE sector; got {n_sectors})"
        )
    rng = np.random.default_rng(seed)
    sectors, eite, _ = _sector_codes(n_sectors)
    lay = _draw_regions(rng, n_regions, n_sectors, len(eite))
    shares = _draw_cost_shares(rng, lay)
    to = _draw_output_taxes(rng, lay)
    trade = _draw_trade(rng, lay)
    if not with_taxes:  # taxes are drawn always, so with_taxes=False gives the same economy untaxed
        to = np.zeros((lay.R, lay.J))
        trade.tm = np.zeros((lay.J, lay.R, lay.R))
    unit_fd = _draw_final_demand_per_unit(rng, lay)
    flows = _balanced_flows(rng, lay, shares, to, trade, unit_fd)
    co2, co2p = _draw_emissions(rng, lay, flows)
    pop = _draw_population(rng, lay, flows.fd)
    regions = lay.regions
    return Benchmark(
        name=name or f"synthetic_{lay.R}x{lay.J}_seed{seed}",
        regions=regions,
        sectors=sectors,
        factors=FACTORS,
        tags=_tags(lay, eite),
        vom=flows.vom, to=to, vid=flows.vid, vfm=flows.vfm, vrs=flows.vrs, vxmd=flows.vxmd, tm=trade.tm,
        fd=flows.fd, co2=co2, co2p=co2p, pop=pop,
        metadata={
            "description": f"synthetic random benchmark (seed={seed})",
            "synthetic": True,
            "provenance": "generated by cge.data.synthetic.random_benchmark",
        },
    )


@dataclass
class _Layout:
    """Regions and sector groups of one draw: sizes, development status, index sets."""

    R: int
    J: int
    E: np.ndarray           # EITE sector indices
    S: np.ndarray           # other goods
    M: np.ndarray           # material (non-energy) goods
    developed: np.ndarray   # bool[R]
    size: np.ndarray        # intended final demand (absorption) per region, bn USD
    ldc: int | None
    energy_factor: np.ndarray

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(f"r{k + 1}" for k in range(self.R))


class _Uniform:
    """Region vectors of uniform draws from one stream."""

    def __init__(self, rng: np.random.Generator, n: int):
        self.rng, self.n = rng, n

    def __call__(self, lo: float, hi: float) -> np.ndarray:
        return self.rng.uniform(lo, hi, self.n)

    def maybe(self, prob: float, lo: float, hi: float) -> np.ndarray:
        """Same sparsity pattern in all regions (technology), region-specific values."""
        return self(lo, hi) * (self.rng.random() < prob)


def _draw_regions(rng: np.random.Generator, R: int, J: int, n_eite: int) -> _Layout:
    """Development status (the first ~40% developed), size and energy intensity of each region."""
    E = np.arange(len(ENERGY_SECTORS), len(ENERGY_SECTORS) + n_eite)
    S = np.arange(len(ENERGY_SECTORS) + n_eite, J)
    n_dev = min(R - 1, max(1, round(0.4 * R)))
    developed = np.arange(R) < n_dev
    devg_idx = np.nonzero(~developed)[0]
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
    return _Layout(R, J, E, S, np.concatenate([E, S]), developed, size, ldc, energy_factor)


@dataclass
class _CostShares:
    """Shares of producer revenue ``(1 − to)·vom``: inputs θ[r, i, j], rent, value added."""

    theta: np.ndarray
    rent: np.ndarray
    factor_share: np.ndarray
    labour_share: np.ndarray


def _draw_cost_shares(rng: np.random.Generator, lay: _Layout) -> _CostShares:
    """Cost shares θ[r, i, j] of (1 − to)·vom, rents, and the labour share of value added."""
    R, J = lay.R, lay.J
    theta = np.zeros((R, J, J))
    rent = np.zeros((R, J))
    materials = np.zeros((R, J))  # total material share of each column
    u = _Uniform(rng, R)
    _energy_columns(u, lay, theta, rent, materials)
    _non_energy_columns(u, lay, theta, materials)
    # split material inputs over the non-energy goods (sparse, same pattern in all regions)
    M = lay.M
    for j in range(J):
        own = int(np.nonzero(M == j)[0][0]) if j in M else None
        pattern = _mask(rng, len(M), 0.5 if j < len(ENERGY_SECTORS) else 0.7, force=own)
        theta[:, M, j] = _split(rng, materials[:, j], np.broadcast_to(pattern, (R, len(M))))

    factor_share = 1.0 - theta.sum(axis=1) - rent
    assert (factor_share > 0.1).all(), "cost shares leave too little value added"
    labour_share = np.zeros((R, J))
    labour_share[:, :len(ENERGY_SECTORS)] = rng.uniform(0.25, 0.45, (R, len(ENERGY_SECTORS)))
    labour_share[:, lay.E] = rng.uniform(0.45, 0.60, (R, len(lay.E)))
    labour_share[:, lay.S] = rng.uniform(0.55, 0.75, (R, len(lay.S)))
    return _CostShares(theta, rent, factor_share, labour_share)


def _energy_columns(u: _Uniform, lay: _Layout, theta: np.ndarray, rent: np.ndarray,
                    materials: np.ndarray) -> None:
    """Input columns of the five energy sectors (filled in place)."""
    maybe = u.maybe
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
    coal_weight = np.where(lay.developed, u(0.2, 0.5), u(0.5, 0.8))
    gas_weight = u(0.6, 0.9)
    theta[:, COA, ELE] = fuel_total * coal_weight
    theta[:, GAS, ELE] = fuel_total * (1 - coal_weight) * gas_weight
    theta[:, OIL, ELE] = fuel_total * (1 - coal_weight) * (1 - gas_weight)
    theta[:, ELE, ELE] = u(0.03, 0.06)
    materials[:, ELE] = u(0.10, 0.15)


def _non_energy_columns(u: _Uniform, lay: _Layout, theta: np.ndarray, materials: np.ndarray) -> None:
    """Energy inputs and material totals of EITE and other sectors (filled in place)."""
    maybe, energy_factor = u.maybe, lay.energy_factor
    # EITE sectors: energy-intensive
    for j in lay.E:
        theta[:, ELE, j] = u(0.04, 0.08) * energy_factor
        theta[:, COA, j] = maybe(0.8, 0.005, 0.02) * energy_factor
        theta[:, GAS, j] = u(0.01, 0.03) * energy_factor
        theta[:, OIL, j] = u(0.01, 0.03) * energy_factor
        materials[:, j] = u(0.30, 0.40)
    # other goods and services
    for j in lay.S:
        theta[:, ELE, j] = u(0.01, 0.03) * energy_factor
        theta[:, OIL, j] = u(0.005, 0.03) * energy_factor
        theta[:, GAS, j] = maybe(0.5, 0.001, 0.01) * energy_factor
        theta[:, COA, j] = maybe(0.15, 0.001, 0.005) * energy_factor
        materials[:, j] = u(0.25, 0.40)


def _draw_output_taxes(rng: np.random.Generator, lay: _Layout) -> np.ndarray:
    """Output tax rates ``to[r, j]``: 0–10% on ~60% of sectors, 5–10% on refined oil, none on crude."""
    R, J = lay.R, lay.J
    to = np.where(rng.random((R, J)) < 0.6, rng.uniform(0.0, 0.10, (R, J)), 0.0)
    to[:, OIL] = rng.uniform(0.05, 0.10, R)
    to[:, CRU] = 0.0
    return to


@dataclass
class _Trade:
    """Import shares m[r, i] of Armington supply, source shares w[i, s, r], tariffs tm[i, s, r]."""

    m: np.ndarray
    w: np.ndarray
    tm: np.ndarray


def _draw_trade(rng: np.random.Generator, lay: _Layout) -> _Trade:
    """Import shares (larger in small regions), trade links weighted by source size, tariffs."""
    R, J, E, size = lay.R, lay.J, lay.E, lay.size
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
    tm = np.where(lay.developed[None, None, :], rng.uniform(0.0, 0.05, (J, R, R)),
                  rng.uniform(0.03, 0.15, (J, R, R)))
    tm[list(ENERGY_SECTORS.index(c) for c in ("coa", "cru", "gas", "ele"))] *= 0.3
    tm *= (rng.random((J, R, R)) < 0.7) & (w > 0)
    return _Trade(m, w, tm)


def _draw_final_demand_per_unit(rng: np.random.Generator, lay: _Layout) -> np.ndarray:
    """Final demand ``[r, i, agent]`` (household, government, investment) per unit of intended
    absorption, times the region's size."""
    R, J, E, S, developed = lay.R, lay.J, lay.E, lay.S, lay.developed
    u = _Uniform(rng, R)
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
    unit_fd *= lay.size[:, None, None]
    return unit_fd


@dataclass
class _Flows:
    """The balanced benchmark flows (bn USD)."""

    vom: np.ndarray
    vid: np.ndarray
    vxmd: np.ndarray
    vrs: np.ndarray
    vfm: np.ndarray
    fd: np.ndarray


class _Leontief:
    """The multi-region Leontief system ``(I − T·A)·vom = T·f`` of steps 1–3."""

    def __init__(self, lay: _Layout, a: np.ndarray, m: np.ndarray, w: np.ndarray, tm: np.ndarray):
        R, J = lay.R, lay.J
        self.R, self.J = R, J
        tariff_factor = np.where(w > 0, w / (1.0 + tm), 0.0)  # fob per unit of gross imports
        self.trade = m.T[:, None, :] * tariff_factor  # [i, s, r]: fob export s->r per unit of va[r, i]
        Tg = self.trade + np.eye(R)[None] * (1.0 - m.T)[:, :, None]  # [i, s, r]: output of s per va[r]
        self.T = np.einsum("isr,ik->sirk", Tg, np.eye(J)).reshape(R * J, R * J)
        self.A = np.einsum("rij,rq->riqj", a, np.eye(R)).reshape(R * J, R * J)
        self.leontief = np.eye(R * J) - self.T @ self.A

    def solve(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Output and Armington supply ([..., R, J]) for final demand f[R, J, ...]."""
        R, J = self.R, self.J
        flat = f.reshape(R * J, -1)
        vom = np.linalg.solve(self.leontief, self.T @ flat)
        va = self.A @ vom + flat
        return vom.reshape(R, J, -1), va.reshape(R, J, -1)


def _balanced_flows(rng: np.random.Generator, lay: _Layout, shares: _CostShares, to: np.ndarray,
                    trade: _Trade, unit_fd: np.ndarray) -> _Flows:
    """Steps 3–4: the Leontief system at final-demand scales that give each region a
    prescribed balance of payments, and the flows that follow from the shares."""
    a = shares.theta * (1.0 - to)[:, None, :]  # vid per unit of vom
    system = _Leontief(lay, a, trade.m, trade.w, trade.tm)
    scale = _final_demand_scales(rng, lay, system, a, trade, unit_fd)
    fd = unit_fd * scale[:, None, None]
    vom, va = (x[:, :, 0] for x in system.solve(fd.sum(axis=2)))
    vid = a * vom[:, None, :]
    vxmd = system.trade * va.T[:, None, :]  # [i, s, r]
    revenue = (1.0 - to) * vom
    vrs = shares.rent * revenue
    fs, ls = shares.factor_share, shares.labour_share
    vfm = np.stack([fs * ls * revenue, fs * (1.0 - ls) * revenue], axis=1)
    # clean rounding noise: exact zeros where the structure says zero
    vid[a == 0] = 0.0
    vxmd[trade.w == 0] = 0.0
    return _Flows(vom, vid, vxmd, vrs, vfm, fd)


def _final_demand_scales(rng: np.random.Generator, lay: _Layout, system: _Leontief, a: np.ndarray,
                         trade: _Trade, unit_fd: np.ndarray) -> np.ndarray:
    """Step 4: each region's final-demand scale, for a non-zero balance of payments that sums
    to zero over regions: ``Σ_q (δ_rq·absorption_q − G[r,q])·scale_q = bop_r``."""
    R = lay.R
    w, tm, m = trade.w, trade.tm, trade.m
    # GDP at market prices (value added + output taxes + tariffs) is linear in final demand:
    # G[r, q] = GDP of r generated by q's unit final demand.
    per_region = np.zeros((R, lay.J, R))
    for q in range(R):
        per_region[q, :, q] = unit_fd[q].sum(axis=1)
    vom_q, va_q = system.solve(per_region)
    tariff_rate = (w * tm / (1.0 + tm)).sum(axis=1).T * m  # tariff revenue per unit of va
    G = ((1.0 - a.sum(axis=1))[:, :, None] * vom_q).sum(axis=1) + (tariff_rate[:, :, None] * va_q).sum(axis=1)
    absorption = unit_fd.sum(axis=(1, 2))

    # The rows sum to zero (world bop is zero), so the last row is replaced by the
    # normalisation Σ absorption·scale = Σ absorption.
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
    return scale


def _draw_emissions(rng: np.random.Generator, lay: _Layout, flows: _Flows) -> tuple[np.ndarray, np.ndarray]:
    """Combustion CO2 ``co2[r, fuel, user]`` (sectors, then the household) from emission factors
    per bn USD of fuel, and process CO2 ``co2p`` of the first EITE sector (Mt)."""
    R, J, developed = lay.R, lay.J, lay.developed
    u = _Uniform(rng, R)
    users = J + 1
    co2 = np.zeros((R, J, users))
    fuel_use = np.concatenate([flows.vid, flows.fd[:, :, :1]], axis=2)  # sectors, then household
    for i in FUELS:
        (lo_d, hi_d), (lo_g, hi_g) = EMISSION_FACTORS[i]
        ef = np.where(developed, u(lo_d, hi_d), u(lo_g, hi_g))
        noise = rng.uniform(0.9, 1.1, (R, users))
        co2[:, i, :] = np.where(fuel_use[:, i, :] > 0, ef[:, None] * noise * fuel_use[:, i, :], 0.0)
    co2p = np.zeros((R, J))
    co2p[:, lay.E[0]] = np.where(developed, u(0.2, 0.4), u(0.4, 0.8)) * flows.vom[:, lay.E[0]]  # Mt per bn USD
    return co2, co2p


def _draw_population(rng: np.random.Generator, lay: _Layout, fd: np.ndarray) -> np.ndarray:
    """Population (millions): lower consumption per head in developing regions."""
    u = _Uniform(rng, lay.R)
    per_head = np.where(lay.developed, u(20000, 40000), u(2000, 8000))  # USD per person
    if lay.ldc is not None:
        per_head[lay.ldc] = rng.uniform(500, 1200)
    return fd[:, :, 0].sum(axis=1) * 1e3 / per_head


def _tags(lay: _Layout, eite: tuple[str, ...]) -> Tags:
    """Sector tags and region groups (Annex I = developed; the LDC when there is one)."""
    regions = lay.regions
    dev = tuple(regions[k] for k in np.nonzero(lay.developed)[0])
    devg = tuple(regions[k] for k in np.nonzero(~lay.developed)[0])
    groups: dict[str, tuple[str, ...]] = {"annex1": dev, "non_annex1": devg, "developed": dev, "developing": devg}
    if lay.ldc is not None:
        groups["ldc"] = (regions[lay.ldc],)
    return Tags(
        fossil=("coa", "oil", "gas"),
        electricity=("ele",),
        resource=("coa", "cru", "gas"),
        eite=eite,
        crude=("cru",),
        region_groups=groups,
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
    ``to = 1 − cost/vom``. Income balance follows (see :mod:`cge.data.benchmark`)."""
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
