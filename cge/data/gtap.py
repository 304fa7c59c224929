"""GTAP data the way GTAPinGAMS users hold it: read a GTAPinGAMS GDX file into the benchmark
format behind the GTAPinGAMS identities as gates, and write any benchmark back in that layout.

Symbols read (GTAPinGAMS names and index order): sets ``r, i, f``; ``vdfm[i,g,r]``,
``vifm[i,g,r]`` (purchases by sectors and by ``c, g, i`` at market prices), ``vfm[f,j,r]``,
``vxmd[i,r,s]``, ``vst[i,r]``, ``vtwr[m,i,r,s]``, the rates ``rto, rtf, rtfd, rtfi, rtxs, rtms``
and, when present, ``eco2d, eco2i`` (Mt CO2), ``esubdm, esubva``, ``pop``.

Gates (:func:`gates`), each refusing the file with the worst cells or regions named:

* output value / domestic market: ``vom[j,r] = (Σ vdfm·(1+rtfd) + vifm·(1+rtfi) + Σ_f vfm·(1+rtf))
  / (1−rto)`` must equal ``Σ_g vdfm + Σ_s vxmd + vst`` (zero profit and domestic clearance);
* import market: ``Σ_g vifm[i,g,r] = Σ_s (vxmd·(1−rtxs) + Σ_m vtwr)·(1+rtms)``;
* transport market: ``Σ_r vst[m,r] = Σ vtwr[m,·,·,·]``;
* balance of payments: GTAPinGAMS's ``vb[r]`` (final demand less factor income and all tax
  revenue) must sum to zero over the world;
* plausible export taxes and subsidies: ``|rtxs| ≤ 1`` and export-tax revenue at most 25 % of a
  region's factor income (a GTAP build with ``rtxs ≈ −2`` balances its import market only by
  inventing export-tax revenue as large as world factor income).

Gaps up to :data:`REBALANCE_THRESHOLD` (relative) are absorbed and reported in the benchmark's
``metadata.gtap_import`` (output taxes take the zero-profit gap, imports are scaled to the
trade side); nothing larger is ever rebalanced.

Folding into the package's structure (one Armington composite per region and good, not one per
user): purchase taxes become origin-average rates on the composite's domestic and imported
supply (``tpd``, ``tpi``, revenue-weighted over users, so revenue by origin is GTAP's) and a
buyer wedge ``tpu`` that gives every user its GTAP purchase value (these buyer wedges raise
zero revenue in total: the *canonical form*). What it changes: every user faces the same
domestic/imported price ratio. Natural-resource payments (``res``) become resource rents
``vrs`` (taxes included; the regional agent owns and taxes them, so nothing changes) in the
sectors tagged ``resource`` and capital elsewhere. CO2 from fuels burnt by government and
investment (zero in GTAP 9) is added to the household's. Intra-regional trade of aggregated
regions (``r = s``) stays a trade flow.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from cge.data.benchmark import Benchmark, Tags, validate
from cge.data.gdx import list_symbols, read_symbol, write_gdx
from cge.errors import DataError

#: GTAPinGAMS final users and the benchmark's final agents
FINAL_USERS = {"c": "household", "g": "government", "i": "investment"}
REQUIRED = {"r": 1, "i": 1, "f": 1, "vfm": 3, "vdfm": 3, "vifm": 3, "vxmd": 3, "vst": 2, "vtwr": 4,
            "rto": 2, "rtf": 3, "rtfd": 3, "rtfi": 3, "rtxs": 3, "rtms": 3}
OPTIONAL = {"eco2d": 3, "eco2i": 3, "esubdm": 1, "esubva": 1, "pop": 1}
#: identity gaps (relative) up to this are absorbed and reported; larger ones refuse the file
REBALANCE_THRESHOLD = 1e-6
MAX_EXPORT_TAX = 1.0
MAX_EXPORT_TAX_REVENUE_SHARE = 0.25
RESOURCE_CODES = ("col", "coa", "cru", "gas", "ogs", "oil", "omn")
ELECTRICITY_CODES = ("ele", "ely")
EITE_CODES = ("eis", "i_s", "nfm", "nmm", "crp", "ppp", "eim")
ANNEX1_CODES = ("aus", "aut", "bel", "bgr", "blr", "can", "che", "cze", "deu", "dnk", "esp", "est", "fin", "fra",
                "gbr", "grc", "hrv", "hun", "irl", "isl", "ita", "jpn", "ltu", "lux", "lva", "nld", "nor", "nzl",
                "pol", "prt", "rou", "rus", "svk", "svn", "swe", "tur", "ukr", "usa")


@dataclass
class GTAPData:
    """A GTAPinGAMS dataset in its own index order; ``users`` = sectors then ``c, g, i``."""

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    factors: tuple[str, ...]
    vdfm: np.ndarray   # [i, g, r]
    vifm: np.ndarray   # [i, g, r]
    vfm: np.ndarray    # [f, j, r]
    vxmd: np.ndarray   # [i, r, s]
    vst: np.ndarray    # [m, r]
    vtwr: np.ndarray   # [m, i, r, s]
    rto: np.ndarray    # [j, r]
    rtf: np.ndarray    # [f, j, r]
    rtfd: np.ndarray   # [i, g, r]
    rtfi: np.ndarray   # [i, g, r]
    rtxs: np.ndarray   # [i, r, s]
    rtms: np.ndarray   # [i, r, s]
    eco2d: np.ndarray  # [i, g, r]
    eco2i: np.ndarray  # [i, g, r]
    esubdm: np.ndarray  # [i], NaN when absent
    esubva: np.ndarray  # [i], NaN when absent
    pop: np.ndarray    # [r], NaN when absent
    co2_process: np.ndarray | None = None  # [j, r], the package's extra symbol
    cbam_coverage: np.ndarray | None = None  # [j, r], the package's extra symbol
    tags: dict | None = None
    groups: dict | None = None
    #: the package's extra symbols: the full elasticity table ``{parameter: {sector or '*': value}}``
    elasticity_table: dict | None = None

    @property
    def users(self) -> tuple[str, ...]:
        return self.sectors + tuple(FINAL_USERS)

    # GTAPinGAMS derived values
    def vom_cost(self) -> np.ndarray:
        """``vom[j,r]`` from the cost side (GTAPinGAMS's definition), sectors only."""
        nJ = len(self.sectors)
        cost = (self.vdfm * (1 + self.rtfd) + self.vifm * (1 + self.rtfi)).sum(axis=0)[:nJ]
        cost = cost + (self.vfm * (1 + self.rtf)).sum(axis=0)
        return cost / (1 - self.rto)

    def vom_sales(self) -> np.ndarray:
        return self.vdfm.sum(axis=1) + self.vxmd.sum(axis=2) + self.vst

    def cif(self) -> np.ndarray:
        return self.vxmd * (1 - self.rtxs) + self.vtwr.sum(axis=0)

    def imports_trade(self) -> np.ndarray:
        """``[i, r]`` imports at market prices from the trade side."""
        return (self.cif() * (1 + self.rtms)).sum(axis=1)

    def export_tax_revenue(self) -> np.ndarray:
        """``[r]`` revenue of export taxes (``−rtxs·vxmd``; negative for subsidies)."""
        return (-self.rtxs * self.vxmd).sum(axis=(0, 2))

    def vb(self) -> np.ndarray:
        """GTAPinGAMS's balance-of-payments transfer ``vb[r]``: final demand less factor income
        and the revenue of every tax (output, factor, purchase, tariffs, export taxes)."""
        nJ = len(self.sectors)
        final = (self.vdfm * (1 + self.rtfd) + self.vifm * (1 + self.rtfi)).sum(axis=0)[nJ:].sum(axis=0)
        tax = (
            (self.rto * self.vom_cost()).sum(axis=0) + (self.rtf * self.vfm).sum(axis=(0, 1))
            + (self.rtfd * self.vdfm + self.rtfi * self.vifm).sum(axis=(0, 1))
            + (self.rtms * self.cif()).sum(axis=(0, 1)) + self.export_tax_revenue()
        )
        return final - self.vfm.sum(axis=(0, 1)) - tax

    def final_demand(self) -> np.ndarray:
        nJ = len(self.sectors)
        return (self.vdfm * (1 + self.rtfd) + self.vifm * (1 + self.rtfi)).sum(axis=0)[nJ:].sum(axis=0)


# ----- reading -----------------------------------------------------------------------------


def _set(path: Path, name: str) -> tuple[str, ...]:
    df = read_symbol(path, name)
    codes = tuple(str(x) for x in df.iloc[:, 0])
    if not codes:
        raise DataError(f"{path}: set {name!r} is empty")
    return codes


def _param(path: Path, name: str, axes: list[tuple[str, ...]], positions: list[str]) -> np.ndarray:
    df = read_symbol(path, name)
    arr = np.zeros([len(a) for a in axes])
    if df.empty:
        return arr
    idx = []
    for k, (ax, label) in enumerate(zip(axes, positions)):
        col = df.iloc[:, k].astype(str)
        pos = np.array([ax.index(c) if c in ax else -1 for c in col])
        if (pos < 0).any():
            bad = col.iloc[int(np.nonzero(pos < 0)[0][0])]
            raise DataError(f"{path}: symbol {name} has {bad!r} in index position {k + 1}, which is not in "
                            f"set {label} ({', '.join(ax)}); not a GTAPinGAMS file or wrong domains")
        idx.append(pos)
    arr[tuple(idx)] = df["value"].to_numpy(dtype=float)
    if not np.isfinite(arr).all():
        cell = tuple(int(i[0]) for i in np.nonzero(~np.isfinite(arr)))
        raise DataError(f"{path}: symbol {name} has a non-finite value at "
                        f"{tuple(axes[k][i] for k, i in enumerate(cell))}")
    return arr


def read_gtap_arrays(path: str | Path) -> GTAPData:
    """Read the GTAPinGAMS symbols of ``path``; a file that is not GTAPinGAMS (missing
    symbols, wrong dimensions or domains), truncated, or with negative flows is refused."""
    path = Path(path)
    symbols = list_symbols(path)
    dims = dict(zip(symbols["name"], symbols["dim"]))
    missing = [s for s in REQUIRED if s not in dims]
    if missing:
        raise DataError(f"{path}: not a GTAPinGAMS dataset: missing symbol(s) {', '.join(missing)}")
    for s, d in {**REQUIRED, **OPTIONAL}.items():
        if s in dims and int(dims[s]) != d:
            raise DataError(f"{path}: symbol {s} has {dims[s]} indices, GTAPinGAMS has {d}")
    R, J, F = _set(path, "r"), _set(path, "i"), _set(path, "f")
    clash = set(J) & set(FINAL_USERS)
    if clash:
        raise DataError(f"{path}: sector code(s) {sorted(clash)} clash with the final users c, g, i")
    G = J + tuple(FINAL_USERS)
    a = {
        "vdfm": _param(path, "vdfm", [J, G, R], ["i", "g", "r"]),
        "vifm": _param(path, "vifm", [J, G, R], ["i", "g", "r"]),
        "vfm": _param(path, "vfm", [F, J, R], ["f", "i", "r"]),
        "vxmd": _param(path, "vxmd", [J, R, R], ["i", "r", "r"]),
        "vst": _param(path, "vst", [J, R], ["i", "r"]),
        "vtwr": _param(path, "vtwr", [J, J, R, R], ["i", "i", "r", "r"]),
        "rtf": _param(path, "rtf", [F, J, R], ["f", "i", "r"]),
        "rtfd": _param(path, "rtfd", [J, G, R], ["i", "g", "r"]),
        "rtfi": _param(path, "rtfi", [J, G, R], ["i", "g", "r"]),
        "rtxs": _param(path, "rtxs", [J, R, R], ["i", "r", "r"]),
        "rtms": _param(path, "rtms", [J, R, R], ["i", "r", "r"]),
    }
    rto = _param(path, "rto", [G, R], ["g", "r"])
    if rto[len(J):].any():
        raise DataError(f"{path}: rto is non-zero for a final user (c, g, i); the reader supports output taxes "
                        "of sectors only")
    a["rto"] = rto[:len(J)]
    for name in ("eco2d", "eco2i"):
        a[name] = _param(path, name, [J, G, R], ["i", "g", "r"]) if name in dims else np.zeros((len(J), len(G), len(R)))
    for name in ("esubdm", "esubva"):
        a[name] = _param(path, name, [J], ["i"]) if name in dims else np.full(len(J), np.nan)
    a["pop"] = _param(path, "pop", [R], ["r"]) if "pop" in dims else np.full(len(R), np.nan)
    for name in ("vdfm", "vifm", "vfm", "vxmd", "vst", "vtwr", "eco2d", "eco2i"):
        arr = a[name]
        if (arr < 0).any():
            cell = tuple(int(i[0]) for i in np.nonzero(arr < 0))
            axes = {"vdfm": [J, G, R], "vifm": [J, G, R], "vfm": [F, J, R], "vxmd": [J, R, R], "vst": [J, R],
                    "vtwr": [J, J, R, R], "eco2d": [J, G, R], "eco2i": [J, G, R]}[name]
            raise DataError(f"{path}: negative flow {name}{tuple(axes[k][i] for k, i in enumerate(cell))} = "
                            f"{arr[cell]:.6g}")
    tags = groups = None
    if "cge_co2_process" in dims:
        a["co2_process"] = _param(path, "cge_co2_process", [J, R], ["i", "r"])
    if "cge_cbam_coverage" in dims:
        a["cbam_coverage"] = _param(path, "cge_cbam_coverage", [J, R], ["i", "r"])
    if "cge_tags" in dims:
        df = read_symbol(path, "cge_tags")
        tags = {}
        for t, s in zip(df.iloc[:, 0], df.iloc[:, 1]):
            tags.setdefault(str(t), []).append(str(s))
    if "cge_groups" in dims:
        df = read_symbol(path, "cge_groups")
        groups = {}
        for g, r in zip(df.iloc[:, 0], df.iloc[:, 1]):
            groups.setdefault(str(g), []).append(str(r))
    table = _read_elasticity_table(path) if "cge_elasticity_keys" in dims and "cge_elasticity" in dims else None
    return GTAPData(R, J, F, tags=tags, groups=groups, elasticity_table=table, **a)


def _read_elasticity_table(path: Path) -> dict:
    """The elasticity table a GDX file written by this package carries: the keys
    ``(parameter, sector or '*')`` in ``cge_elasticity_keys`` and the non-zero values in
    ``cge_elasticity`` (GDX does not store zeros; a key without a value is 0). Validated, like
    any dataset's own table, when the benchmark resolves its elasticities."""
    keys = read_symbol(path, "cge_elasticity_keys")
    vals = read_symbol(path, "cge_elasticity")
    given = {(str(p), str(s)): float(v) for p, s, v in zip(vals.iloc[:, 0], vals.iloc[:, 1], vals["value"])}
    table: dict[str, dict[str, float]] = {}
    for p, s in zip(keys.iloc[:, 0], keys.iloc[:, 1]):
        table.setdefault(str(p), {})[str(s)] = given.get((str(p), str(s)), 0.0)
    return table


# ----- aggregation hook --------------------------------------------------------------------


def _agg_matrix(codes: tuple[str, ...], mapping: dict | None, what: str, source: str, order=None):
    if mapping is None:
        return codes, np.eye(len(codes))
    unknown = sorted(set(mapping) - set(codes))
    if unknown:
        raise DataError(f"{what} mapping: unknown {what} code(s) {unknown} (not in {source})")
    unmapped = [c for c in codes if c not in mapping]
    if unmapped:
        raise DataError(f"{what} mapping: {source} {what} code(s) {unmapped} are not mapped")
    targets = tuple(order) if order else tuple(dict.fromkeys(str(mapping[c]) for c in codes))
    m = np.zeros((len(targets), len(codes)))
    for k, c in enumerate(codes):
        m[targets.index(str(mapping[c])), k] = 1.0
    return targets, m


def aggregate(d: GTAPData, regions: dict | None = None, sectors: dict | None = None,
              source: str = "the GTAP file", region_order=None, sector_order=None) -> GTAPData:
    """Aggregate a GTAPinGAMS dataset with region and sector maps (``{code: aggregate code}``):
    flows are summed, each rate is re-derived from summed revenue over its summed base, and
    ``esubdm`` / ``esubva`` are averaged with import / value-added weights. This is the
    reader-level hook; an aggregation YAML (:func:`load_aggregation`) maps onto these dicts.
    Targets come in ``region_order`` / ``sector_order``, else in order of first appearance."""
    if regions is None and sectors is None:
        return d
    R, mr = _agg_matrix(d.regions, regions, "region", source, region_order)
    J, mj = _agg_matrix(d.sectors, sectors, "sector", source, sector_order)
    nF = len(d.factors)
    mg = np.zeros((len(J) + 3, len(d.sectors) + 3))
    mg[:len(J), :len(d.sectors)] = mj
    mg[len(J):, len(d.sectors):] = np.eye(3)
    eye_f = np.eye(nF)

    def agg(arr, ms):
        out = arr
        for axis, m in enumerate(ms):
            out = np.moveaxis(np.tensordot(m, np.moveaxis(out, axis, 0), axes=1), 0, axis)
        return out

    def rate(rev, base):
        return np.divide(rev, base, out=np.zeros_like(base), where=base != 0)

    vom = d.vom_cost()
    vdfm, vifm = agg(d.vdfm, [mj, mg, mr]), agg(d.vifm, [mj, mg, mr])
    vfm, vxmd = agg(d.vfm, [eye_f, mj, mr]), agg(d.vxmd, [mj, mr, mr])
    cif = agg(d.cif(), [mj, mr, mr])
    va = d.vfm.sum(axis=0)  # [j, r] value added weights
    imp = d.vifm.sum(axis=1)  # [i, r]

    def avg(e, w):
        w = w.sum(axis=1)
        return np.array([(e * w * m).sum() / (w * m).sum() if (w * m).sum() > 0 else np.nan for m in mj])

    out = GTAPData(
        R, J, d.factors,
        vdfm=vdfm, vifm=vifm, vfm=vfm, vxmd=vxmd,
        vst=agg(d.vst, [mj, mr]), vtwr=agg(d.vtwr, [mj, mj, mr, mr]),
        rto=rate(agg(d.rto * vom, [mj, mr]), agg(vom, [mj, mr])),
        rtf=rate(agg(d.rtf * d.vfm, [eye_f, mj, mr]), vfm),
        rtfd=rate(agg(d.rtfd * d.vdfm, [mj, mg, mr]), vdfm),
        rtfi=rate(agg(d.rtfi * d.vifm, [mj, mg, mr]), vifm),
        rtxs=rate(agg(d.rtxs * d.vxmd, [mj, mr, mr]), vxmd),
        rtms=rate(agg(d.rtms * d.cif(), [mj, mr, mr]), cif),
        eco2d=agg(d.eco2d, [mj, mg, mr]), eco2i=agg(d.eco2i, [mj, mg, mr]),
        esubdm=avg(d.esubdm, imp), esubva=avg(d.esubva, va),
        pop=mr @ d.pop,
        co2_process=None if d.co2_process is None else agg(d.co2_process, [mj, mr]),
        cbam_coverage=_aggregate_coverage(d.cbam_coverage, vom, lambda a: agg(a, [mj, mr])),
        tags=d.tags if sectors is None else None,  # the file's tags, groups and table name the old codes
        groups=d.groups if regions is None else None,
        elasticity_table=d.elasticity_table if sectors is None else None,
    )
    return out


def _aggregate_coverage(cov: np.ndarray | None, vom: np.ndarray, agg) -> np.ndarray | None:
    """CBAM coverage ``[j, r]`` of the aggregates: the share of CBAM goods in the value of
    output, ``Σ cov·vom / Σ vom`` over the members (their plain mean where they have no output)."""
    if cov is None:
        return None
    total = agg(vom)
    mean = agg(cov) / agg(np.ones_like(cov))
    return np.divide(agg(cov * vom), total, out=mean, where=total > 0)


# ----- gates -------------------------------------------------------------------------------


def _worst_cells(gap, scale, labels, top=3):
    rel = np.abs(gap) / np.maximum(np.abs(scale), 1.0)
    order = np.argsort(rel, axis=None)[::-1][:top]
    cells = []
    for flat in order:
        idx = np.unravel_index(flat, gap.shape)
        cells.append(f"{'/'.join(labels[k][i] for k, i in enumerate(idx))}: {gap[idx]:+,.6g} bn USD "
                     f"({rel[idx]:.2e} relative)")
    return float(rel.max()) if rel.size else 0.0, "; ".join(cells)


def gates(d: GTAPData, source: str, threshold: float = REBALANCE_THRESHOLD) -> dict[str, float]:
    """Check the GTAPinGAMS identities and the plausibility of export taxes; raise
    :class:`DataError` naming the failing identity and its worst cells or regions. Returns the
    largest relative gap of each identity (all at most ``threshold``)."""
    R, J = d.regions, d.sectors
    axes = {"rto": (J, R), "rtf": (d.factors, J, R), "rtms": (J, R, R)}
    for name in ("rto", "rtf", "rtfd", "rtfi", "rtms"):
        arr = getattr(d, name)
        bad = arr >= 1 if name == "rto" else arr <= -1
        if bad.any():
            cell = tuple(int(i[0]) for i in np.nonzero(bad))
            labels = (J, d.users, R) if name in ("rtfd", "rtfi") else axes[name]
            where = "/".join(labels[k][i] for k, i in enumerate(cell))
            raise DataError(f"{source}: rate {name}[{where}] = {arr[cell]:.6g} makes a price non-positive "
                            f"({'must be < 1' if name == 'rto' else 'must be > -1'})")
    # export taxes and subsidies: fob = vxmd·(1 − rtxs)
    xrev = d.export_tax_revenue()
    factor_income = d.vfm.sum(axis=(0, 1))
    share = np.divide(np.abs(xrev), factor_income, out=np.zeros_like(xrev), where=factor_income > 0)
    traded = d.vxmd > 0
    if traded.any() and (np.abs(d.rtxs[traded]).max() > MAX_EXPORT_TAX or share.max() > MAX_EXPORT_TAX_REVENUE_SHARE):
        rt = d.rtxs[traded]
        vb_regions = d.vb() + xrev
        vb_without = vb_regions.sum()
        order = np.argsort(-np.abs(vb_regions))[:5]
        worst = "; ".join(f"{R[k]} vb {vb_regions[k]:+,.0f} bn USD (export-tax revenue {100 * share[k]:.0f}% of "
                          "its factor income)" for k in order)
        raise DataError(
            f"{source}: GTAPinGAMS gate 'balance of payments / export taxes and subsidies' fails: rtxs ranges "
            f"{rt.min():.3g} to {rt.max():.3g} (value-weighted mean "
            f"{(d.rtxs * d.vxmd).sum() / d.vxmd.sum():.3g}; plausible |rtxs| <= {MAX_EXPORT_TAX:g}), so exports "
            f"at fob prices ({(d.vxmd * (1 - d.rtxs)).sum() / 1e3:,.1f} tn USD) are "
            f"{(d.vxmd * (1 - d.rtxs)).sum() / d.vxmd.sum():.2f} times their value at market prices "
            f"({d.vxmd.sum() / 1e3:,.1f} tn) and imports clear only through export-tax revenue of "
            f"{xrev.sum() / 1e3:+,.1f} tn against world factor income of {factor_income.sum() / 1e3:,.1f} tn; "
            f"without it the balance-of-payments transfers vb sum to {vb_without / 1e3:+,.1f} tn over the world "
            f"instead of 0. Worst regions: {worst}. Not rebalanced (only gaps up to {threshold:g} relative are)."
        )
    out = {}
    vom = d.vom_cost()
    checks = [
        ("output value = domestic sales + exports + sales to transport (zero profit, domestic market)",
         vom - d.vom_sales(), vom, (J, R)),
        ("import market: sum_g vifm = sum_s cif*(1+rtms)", d.vifm.sum(axis=1) - d.imports_trade(),
         d.vifm.sum(axis=1), (J, R)),
        ("transport market: sum_r vst = sum vtwr", d.vst.sum(axis=1) - d.vtwr.sum(axis=(1, 2, 3)),
         d.vst.sum(axis=1), (J,)),
    ]
    for name, gap, scale, labels in checks:
        rel, cells = _worst_cells(gap, scale, labels)
        out[name] = rel
        if rel > threshold:
            raise DataError(f"{source}: GTAPinGAMS identity '{name}' fails: largest relative gap {rel:.3e} > "
                            f"{threshold:g} (the rebalancing threshold). Worst cells: {cells}")
    vb = d.vb()
    fd = d.final_demand()
    world = abs(vb.sum()) / max(fd.sum(), 1.0)
    out["balance of payments: sum_r vb = 0"] = world
    if world > threshold:
        order = np.argsort(-np.abs(vb))[:5]
        worst = "; ".join(f"{R[k]} {vb[k]:+,.0f} bn USD" for k in order)
        raise DataError(f"{source}: GTAPinGAMS identity 'balance of payments' fails: the transfers vb sum to "
                        f"{vb.sum():+,.1f} bn USD over the world ({world:.2e} of world final demand) instead of 0. "
                        f"Worst regions: {worst}")
    return out


def without_export_subsidies(d: GTAPData) -> GTAPData:
    """``d`` with its export taxes and subsidies set to zero and rebalanced: each flow keeps its
    fob value, ``vxmd' = vxmd·(1 − rtxs)``, so the import side is unchanged, and the output tax
    absorbs each sector's change in sales, ``rto' = 1 − cost/vom_sales'`` (cost net of the old
    output tax). A repair for testing the model on real GTAP bytes whose ``rtxs`` the gates refuse
    (``shared/data/gtap9``): the output taxes it implies are not data; never publish results from it."""
    from dataclasses import replace

    cost = d.vom_cost() * (1 - d.rto)
    out = replace(d, vxmd=d.vxmd * (1 - d.rtxs), rtxs=np.zeros_like(d.rtxs))
    sales = out.vom_sales()
    out.rto = np.where(sales > 0, 1 - cost / np.where(sales > 0, sales, 1.0), d.rto)
    return out


# ----- GTAP -> benchmark -------------------------------------------------------------------


def _default_tags(d: GTAPData, co2: np.ndarray) -> dict:
    J = d.sectors
    res = d.vfm[d.factors.index("res")].sum(axis=1) if "res" in d.factors else np.zeros(len(J))
    return {
        "fossil": [j for k, j in enumerate(J) if co2[k].any()],
        "electricity": [j for j in J if j in ELECTRICITY_CODES],
        "resource": [j for k, j in enumerate(J) if j in RESOURCE_CODES and res[k] > 0],
        "eite": [j for j in J if j in EITE_CODES],
        "crude": [j for j in J if j == "cru"],
        "cbam": [],    # GTAP sectors are not mapped to EU CBAM goods; tag them in an aggregation
    }


def to_benchmark(d: GTAPData, name: str, source: str, tags: dict | None = None,
                 region_groups: dict | None = None, threshold: float = REBALANCE_THRESHOLD) -> Benchmark:
    """Fold a gated GTAPinGAMS dataset into a :class:`Benchmark` (see the module docstring)."""
    gaps = gates(d, source, threshold)
    nR, nJ = len(d.regions), len(d.sectors)
    co2_gtap = d.eco2d + d.eco2i  # [i, g, r]
    t = _benchmark_tags(d, co2_gtap, tags, region_groups)
    notes: list[str] = []
    F, b_vfm, b_tf, vrs = _factor_payments(d, set(t.resource), source, notes)
    p = _purchases(d)
    vid, fd = p.x[:, :, :nJ], p.x[:, :, nJ:]
    # output: sales side; the output tax absorbs the (gated, small) zero-profit gap
    vom = d.vom_sales().T  # [r, j]
    cost = p.gross[:, :, :nJ].sum(axis=1) + (b_vfm * (1 + b_tf)).sum(axis=1) + vrs
    to = np.divide(vom - cost, vom, out=np.zeros_like(vom), where=vom > 0)
    to = np.where(np.abs(to - d.rto.T) < 1e-15, d.rto.T, to)
    b_co2 = _co2_by_user(co2_gtap, vid, fd, notes)
    meta = {"source": str(source), "format": "GTAPinGAMS GDX",
            "gtap_import": {"identity_gaps_absorbed": {k: float(v) for k, v in gaps.items()},
                            "rebalancing_threshold": REBALANCE_THRESHOLD, "notes": notes}}
    if d.elasticity_table is not None:  # written by this package: the table the exported benchmark used
        meta["elasticities"] = d.elasticity_table
    b = Benchmark(
        name=name, regions=d.regions, sectors=d.sectors, factors=F, tags=t,
        vom=vom, to=to, vid=vid, vfm=b_vfm, vrs=vrs,
        vxmd=d.vxmd.copy(), tm=d.rtms.copy(), fd=fd, co2=b_co2,
        co2p=d.co2_process.T.copy() if d.co2_process is not None else np.zeros((nR, nJ)),
        pop=d.pop.copy(), metadata=meta,
        tx=-d.rtxs * (d.vxmd > 0), vst=d.vst.T.copy(), vtwr=d.vtwr.copy(), tpd=p.tpd, tpi=p.tpi,
        tpu=np.where(p.x > 0, p.tpu, 0.0), tf=b_tf, elasticities=_data_elasticities(d),
        cbam_coverage=_benchmark_cbam_coverage(d, t, notes),
    )
    b.tm = np.where(b.cif > 0, b.tm, 0.0)
    b.tf = np.where(b.vfm > 0, b.tf, 0.0)
    pop = b.pop
    b.pop = np.nan_to_num(pop, nan=0.0)
    validate(b, source=source)
    b.pop = pop
    return b


def _benchmark_tags(d: GTAPData, co2_gtap: np.ndarray, tags: dict | None, region_groups: dict | None) -> Tags:
    """Tags and region groups: those the file carries (written by this package), else defaults
    by GTAP code; then the caller's ``tags`` / ``region_groups`` (an aggregation YAML)."""
    R, J = d.regions, d.sectors
    tag = dict(_default_tags(d, co2_gtap.sum(axis=(1, 2))[:, None]))
    if d.tags is not None:  # written by this package: exactly these tags (in sector order)
        tag = {k: [j for j in J if j in d.tags.get(k, [])] for k in tag}
    if tags:
        tag.update({k: list(v) for k, v in tags.items()})
    groups = {g: [r for r in R if r in m] for g, m in d.groups.items()} if d.groups is not None else {}
    if region_groups is not None:
        groups = region_groups
    if not groups and d.groups is None:
        annex1 = [r for r in R if r in ANNEX1_CODES]
        groups = {"annex1": annex1} if annex1 else {}
    return Tags(
        fossil=tuple(tag.get("fossil", ())), electricity=tuple(tag.get("electricity", ())),
        resource=tuple(tag.get("resource", ())), eite=tuple(tag.get("eite", ())),
        crude=tuple(tag.get("crude", ())), cbam=tuple(tag.get("cbam", ())),
        fertilisers=tuple(tag.get("fertilisers", ())),
        region_groups={str(g): tuple(m) for g, m in groups.items()},
    )


def _factor_payments(d: GTAPData, resource: set, source: str, notes: list[str]):
    """Factors less ``res``: ``(F, vfm[r, f, j], tf[r, f, j], vrs[r, j])``; natural-resource
    payments (tax included) become rents ``vrs`` in sectors tagged resource, capital elsewhere."""
    J = d.sectors
    F = tuple(f for f in d.factors if f != "res")
    vfm = np.moveaxis(d.vfm, [0, 1, 2], [1, 2, 0])  # [r, f, j]
    rtf = np.moveaxis(d.rtf, [0, 1, 2], [1, 2, 0])
    keep = [d.factors.index(f) for f in F]
    b_vfm, b_tf = vfm[:, keep, :].copy(), rtf[:, keep, :].copy()
    vrs = np.zeros((len(d.regions), len(J)))
    if "res" in d.factors:
        k = d.factors.index("res")
        gross = vfm[:, k, :] * (1 + rtf[:, k, :])
        for ji, j in enumerate(J):
            if j in resource:
                vrs[:, ji] = gross[:, ji]
            elif gross[:, ji].any():
                if "cap" not in F:
                    raise DataError(f"{source}: resource payments in {j}, which is not tagged resource, and no "
                                    "'cap' factor to fold them into")
                c = F.index("cap")
                # capital keeps its tax rate; its payment grows by the resource's cost to the sector
                b_vfm[:, c, ji] += gross[:, ji] / (1 + b_tf[:, c, ji])
                notes.append(f"natural-resource payments of {j} ({gross[:, ji].sum():.6g} bn USD) folded into cap")
    return F, b_vfm, b_tf, vrs


@dataclass
class _Purchases:
    """Purchases folded onto one Armington composite per region and good (``[r, i, g]``)."""

    x: np.ndarray        # composite quantities of every user (sectors, then final users)
    gross: np.ndarray    # GTAP purchase values (taxes included)
    tpd: np.ndarray      # [r, i] origin-average tax on domestic supply
    tpi: np.ndarray      # [r, i] origin-average tax on imported supply
    tpu: np.ndarray      # buyer wedges: gross / x − 1


def _purchases(d: GTAPData) -> _Purchases:
    """Origin-average taxes on the composite (revenue-weighted over users, so revenue by origin
    is GTAP's) and buyer wedges ``tpu`` that give each user its GTAP purchase value; imports by
    users are scaled to the trade side first."""
    vdfm, vifm = np.moveaxis(d.vdfm, 2, 0), np.moveaxis(d.vifm, 2, 0)  # [r, i, g]
    rtfd, rtfi = np.moveaxis(d.rtfd, 2, 0), np.moveaxis(d.rtfi, 2, 0)
    imp_trade = d.imports_trade().T  # [r, i]
    imp_users = vifm.sum(axis=2)
    scale = np.divide(imp_trade, imp_users, out=np.ones_like(imp_trade), where=imp_users > 0)
    vifm = vifm * scale[:, :, None]
    dom, imp = vdfm.sum(axis=2), vifm.sum(axis=2)
    tpd = np.divide((vdfm * rtfd).sum(axis=2), dom, out=np.zeros_like(dom), where=dom > 0)
    tpi = np.divide((vifm * rtfi).sum(axis=2), imp, out=np.zeros_like(imp), where=imp > 0)
    x = vdfm * (1 + tpd[:, :, None]) + vifm * (1 + tpi[:, :, None])  # composite quantities
    gross = vdfm * (1 + rtfd) + vifm * (1 + rtfi)
    tpu = np.divide(gross, x, out=np.ones_like(x), where=x > 0) - 1
    tpu[np.abs(tpu) < 1e-14] = 0.0
    return _Purchases(x, gross, tpd, tpi, tpu)


def _co2_by_user(co2_gtap: np.ndarray, vid: np.ndarray, fd: np.ndarray, notes: list[str]) -> np.ndarray:
    """CO2 ``[r, fuel, user]`` for the sectors and the household (government and investment
    added to the household's); CO2 without a fuel purchase is dropped (noted)."""
    nJ = vid.shape[2]
    co2 = np.moveaxis(co2_gtap, 2, 0)  # [r, i, g]
    b_co2 = np.concatenate([co2[:, :, :nJ], co2[:, :, nJ:nJ + 1]], axis=2).copy()
    other = co2[:, :, nJ + 1:].sum(axis=2)
    if other.any():
        b_co2[:, :, nJ] += other
        notes.append(f"CO2 of government and investment ({other.sum():.6g} Mt) added to the household's")
    use = np.concatenate([vid, fd[:, :, :1]], axis=2)
    orphan = (b_co2 > 0) & (use <= 0)
    if orphan.any():
        notes.append(f"CO2 without a fuel purchase dropped: {b_co2[orphan].sum():.6g} Mt")
        b_co2[orphan] = 0.0
    return b_co2


def _data_elasticities(d: GTAPData) -> dict:
    """GTAP's ``esubdm`` / ``esubva`` as ``{parameter: {sector: value}}`` where finite."""
    out = {}
    if np.isfinite(d.esubdm).any():
        out["sigma_dm"] = {j: float(v) for j, v in zip(d.sectors, d.esubdm) if np.isfinite(v)}
    if np.isfinite(d.esubva).any():
        out["sigma_va"] = {j: float(v) for j, v in zip(d.sectors, d.esubva) if np.isfinite(v)}
    return out


def _benchmark_cbam_coverage(d: GTAPData, t: Tags, notes: list[str]) -> np.ndarray | None:
    """The file's CBAM coverage shares ``[r, j]`` for the sectors tagged ``cbam`` (None: the
    default, 1 for tagged sectors). The tags decide what the CBAM covers: a share above zero in
    an untagged sector (e.g. an aggregate the aggregation file did not tag) is set to zero and
    noted in ``metadata.gtap_import.notes``."""
    if d.cbam_coverage is None or not t.cbam:
        return None
    cov = d.cbam_coverage.T.copy()
    untagged = [k for k, j in enumerate(d.sectors) if j not in t.cbam and cov[:, k].any()]
    for k in untagged:
        notes.append(f"CBAM coverage of {d.sectors[k]} (up to {cov[:, k].max():.6g}) dropped: "
                     "the sector is not tagged cbam")
        cov[:, k] = 0.0
    return cov


def read_gtap(path: str | Path, regions: dict | None = None, sectors: dict | None = None,
              tags: dict | None = None, region_groups: dict | None = None, name: str | None = None,
              threshold: float = REBALANCE_THRESHOLD, aggregation: str | Path | None = None) -> Benchmark:
    """Read a GTAPinGAMS GDX file into a validated :class:`Benchmark`, optionally aggregated
    with ``regions`` / ``sectors`` maps or an ``aggregation`` YAML (:func:`read_gtap_aggregated`);
    raises :class:`DataError` on any failed gate."""
    if aggregation is not None:
        if regions is not None or sectors is not None or tags is not None or region_groups is not None:
            raise DataError(f"{aggregation}: give the aggregation either as a YAML file or as region/sector "
                            "maps, not both")
        return read_gtap_aggregated(path, aggregation, threshold=threshold)
    path = Path(path)
    d = aggregate(read_gtap_arrays(path), regions, sectors, source=str(path))
    return to_benchmark(d, name or path.stem, str(path), tags, region_groups, threshold)


# ----- the aggregation YAML ----------------------------------------------------------------

#: keys of a WIOD aggregation file that have no meaning for a GTAPinGAMS source
#: keys of the aggregation schema that only an MRIO source has (``calibration.aggregation.WIOD_KEYS``;
#: tests/test_aggregation.py checks that each is here), each refused with the reason
WIOD_ONLY = {
    "source": "is for an MRIO source only (the table cge calibrate reads); cge gtap-import reads the GDX file "
              "named on its command line (remove it)",
    "year": "is for a WIOD source only; a GDX file holds one year (remove it)",
    "splits": "is for a WIOD source only (WIOD sector splits); a GDX file is aggregated from its own sectors, "
              "it cannot be split (remove it)",
    "assumptions": "is for a WIOD source only (the calibration's shares and overrides); a GDX file carries its "
                   "own values; override elasticities in the scenario file (remove it)",
    "co2": "is for an MRIO source only; a GDX file carries its own CO2 (eco2d, eco2i) (remove it)",
}


def load_aggregation(path: str | Path, d: GTAPData, source: str):
    """Read the aggregation YAML ``path`` (the MRIO path's schema less the keys of :data:`WIOD_ONLY`:
    ``source``, ``year``, ``splits``, ``assumptions``, ``co2``) and validate it against the sets
    of ``d`` (:mod:`cge.data.aggregation`).
    Beyond the common checks, a target holding CO2 must be tagged ``fossil`` and one tagged
    ``resource`` must hold natural-resource payments; errors name the YAML file and key."""
    from cge.data.aggregation import err, read_spec, validate_mapping

    m = validate_mapping(path, read_spec(path, refused=WIOD_ONLY), d.regions, d.sectors,
                         listing=f"codes in {source}")
    co2 = (d.eco2d + d.eco2i).sum(axis=(1, 2))
    res = d.vfm[d.factors.index("res")].sum(axis=1) if "res" in d.factors else np.zeros(len(d.sectors))
    for t in m.sectors:
        k = [d.sectors.index(s) for s in t.members]
        if co2[k].sum() > 0 and "fossil" not in t.tags:
            raise err(m.path, f"sectors.{t.code}.tags", f"holds CO2 from fuel use ({co2[k].sum():.6g} Mt in {source}) "
                      "but is not tagged 'fossil'")
        if "resource" in t.tags and not res[k].sum() > 0:
            raise err(m.path, f"sectors.{t.code}.tags", f"tagged 'resource' but its members have no natural-resource "
                      f"payments (factor res) in {source}")
    return m


def read_gtap_aggregated(path: str | Path, aggregation: str | Path,
                         threshold: float = REBALANCE_THRESHOLD) -> Benchmark:
    """Read a GTAPinGAMS GDX file aggregated with an aggregation YAML: members are the file's
    own set elements; the YAML's order, name, tags and region groups become the benchmark's."""
    from cge.data.aggregation import read_spec

    path, aggregation = Path(path), Path(aggregation)
    read_spec(aggregation, refused=WIOD_ONLY)   # a bad YAML is refused before the GDX file is read
    d = read_gtap_arrays(path)
    m = load_aggregation(aggregation, d, str(path))
    agg = aggregate(d, m.region_map, m.sector_map, source=str(path), region_order=m.region_codes,
                    sector_order=m.sector_codes)
    from cge.data.benchmark import SECTOR_TAGS

    b = to_benchmark(agg, m.name, str(path), {t: list(m.tagged(t)) for t in SECTOR_TAGS},
                     dict(m.region_groups), threshold)
    b.metadata.update({
        "description": m.description or f"{path.name} aggregated to {len(b.regions)} regions x {len(b.sectors)} "
                                        "sectors",
        "aggregation": {"file": aggregation.name,
                        "sha256": hashlib.sha256(aggregation.read_bytes()).hexdigest()},
        "region_names": {t.code: t.name for t in m.regions},
        "sector_names": {t.code: t.name for t in m.sectors},
        "region_sources": {t.code: list(t.members) for t in m.regions},
        "sector_sources": {t.code: list(t.members) for t in m.sectors},
    })
    return b


# ----- benchmark -> GTAP -------------------------------------------------------------------


def from_benchmark(b: Benchmark) -> GTAPData:
    """The GTAPinGAMS layout of a benchmark: each user's composite splits into domestic and
    imported purchases in the Armington proportions; purchase rates are
    ``rtfd = (1+tpd)(1+tpu) − 1``, ``rtfi = (1+tpi)(1+tpu) − 1``; rents become factor ``res``;
    process CO2, which GTAPinGAMS does not hold, travels in the extra symbol ``cge_co2_process``."""
    if "res" in b.factors:
        raise DataError(f"{b.name}: a factor is named 'res', which GTAPinGAMS reserves for natural resources")
    R, J = b.regions, b.sectors
    nJ = len(J)
    F = b.factors + (("res",) if b.vrs.any() else ())
    x = np.concatenate([b.vid, b.fd], axis=2)  # [r, i, g]
    va, vdm, imp = b.va, b.vdm, b.imports_gross
    sd = np.divide(vdm, va, out=np.zeros_like(va), where=va > 0)
    si = np.divide(imp, va, out=np.zeros_like(va), where=va > 0)
    vdfm, vifm = x * sd[:, :, None], x * si[:, :, None]
    rtfd = (1 + b.tpd[:, :, None]) * (1 + b.tpu) - 1
    rtfi = (1 + b.tpi[:, :, None]) * (1 + b.tpu) - 1
    vfm = np.concatenate([b.vfm, b.vrs[:, None, :]], axis=1) if b.vrs.any() else b.vfm
    rtf = np.concatenate([b.tf, np.zeros_like(b.vrs)[:, None, :]], axis=1) if b.vrs.any() else b.tf
    hh = b.co2[:, :, nJ:]
    co2 = np.concatenate([b.co2[:, :, :nJ], hh, np.zeros_like(hh), np.zeros_like(hh)], axis=2)  # [r, i, g]
    dshare = np.divide(vdm, vdm + imp, out=np.zeros_like(vdm), where=(vdm + imp) > 0)
    from cge.data.elasticities import for_benchmark
    el = for_benchmark(b)  # the dataset's own table (if any), then the values its data carry
    tags = {"fossil": b.tags.fossil, "electricity": b.tags.electricity, "resource": b.tags.resource,
            "eite": b.tags.eite, "crude": b.tags.crude, "cbam": b.tags.cbam, "fertilisers": b.tags.fertilisers}
    return GTAPData(
        R, J, F,
        vdfm=np.transpose(vdfm, (1, 2, 0)), vifm=np.transpose(vifm, (1, 2, 0)),
        vfm=np.transpose(vfm, (1, 2, 0)), vxmd=b.vxmd.copy(), vst=b.vst.T.copy(), vtwr=b.vtwr.copy(),
        rto=b.to.T.copy(), rtf=np.transpose(rtf, (1, 2, 0)),
        rtfd=np.transpose(rtfd, (1, 2, 0)), rtfi=np.transpose(rtfi, (1, 2, 0)),
        rtxs=-b.tx, rtms=b.tm.copy(),
        eco2d=np.transpose(co2 * dshare[:, :, None], (1, 2, 0)),
        eco2i=np.transpose(co2 * (1 - dshare)[:, :, None], (1, 2, 0)),
        esubdm=np.array([el("sigma_dm", j) for j in J]), esubva=np.array([el("sigma_va", j) for j in J]),
        pop=b.pop.copy(), tags={k: list(v) for k, v in tags.items()},
        groups={k: list(v) for k, v in b.tags.region_groups.items()},
        co2_process=b.co2p.T.copy() if b.co2p.any() else None,
        cbam_coverage=b.cbam_coverage.T.copy() if b.tags.cbam else None,
        elasticity_table=el.table,
    )


def _records(arr: np.ndarray, axes: list[tuple[str, ...]], mask: np.ndarray | None = None):
    nz = np.nonzero(arr if mask is None else mask)
    return [(tuple(axes[k][i] for k, i in enumerate(idx)), float(arr[idx])) for idx in zip(*nz)]


def write_gtap(b: Benchmark, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``b`` as a GTAPinGAMS GDX file (atomically; an existing file is kept unless
    ``overwrite``). Rates are written where their base flow is positive, as GTAPinGAMS does;
    the package's tags, region groups and full elasticity table travel in extra symbols
    (``cge_tags``, ``cge_groups``, ``cge_elasticity_keys``, ``cge_elasticity``) that GTAPinGAMS
    ignores, so reading the file back gives the benchmark the package used."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise DataError(f"{path}: exists; choose another file or pass overwrite (--force)")
    return write_gtap_data(from_benchmark(b), path, producer=f"cge-bca: {b.name}")


def write_gtap_data(d: GTAPData, path: str | Path, producer: str = "cge-bca") -> Path:
    """Write a :class:`GTAPData` as a GTAPinGAMS GDX file, atomically (a temporary file
    renamed into place), replacing ``path``."""
    path = Path(path)
    R, J, F, G = d.regions, d.sectors, d.factors, d.users
    pos_d, pos_i = d.vdfm > 0, d.vifm > 0
    syms = [
        ("r", "regions", ("*",), [((r,), None) for r in R]),
        ("i", "sectors", ("*",), [((j,), None) for j in J]),
        ("f", "factors", ("*",), [((f,), None) for f in F]),
        ("g", "sectors and final users c, g, i", ("*",), [((u,), None) for u in G]),
        ("vfm", "factor payments at market prices", ("f", "i", "r"), _records(d.vfm, [F, J, R])),
        ("vdfm", "domestic purchases at market prices", ("i", "g", "r"), _records(d.vdfm, [J, G, R])),
        ("vifm", "imported purchases at market prices", ("i", "g", "r"), _records(d.vifm, [J, G, R])),
        ("vxmd", "bilateral exports at market prices", ("i", "r", "r"), _records(d.vxmd, [J, R, R])),
        ("vst", "exports to international transport", ("i", "r"), _records(d.vst, [J, R])),
        ("vtwr", "trade margins", ("i", "i", "r", "r"), _records(d.vtwr, [J, J, R, R])),
        ("rto", "output tax rate", ("g", "r"), _records(np.concatenate([d.rto, np.zeros((3, len(R)))]), [G, R])),
        ("rtf", "factor tax rate", ("f", "i", "r"), _records(d.rtf, [F, J, R], d.vfm > 0)),
        ("rtfd", "purchase tax rate, domestic", ("i", "g", "r"), _records(d.rtfd, [J, G, R], pos_d)),
        ("rtfi", "purchase tax rate, imported", ("i", "g", "r"), _records(d.rtfi, [J, G, R], pos_i)),
        ("rtxs", "export subsidy rate", ("i", "r", "r"), _records(d.rtxs, [J, R, R], d.vxmd > 0)),
        ("rtms", "import tariff rate", ("i", "r", "r"), _records(d.rtms, [J, R, R], d.vxmd > 0)),
        ("eco2d", "CO2 from domestic fuel (Mt)", ("i", "g", "r"), _records(d.eco2d, [J, G, R])),
        ("eco2i", "CO2 from imported fuel (Mt)", ("i", "g", "r"), _records(d.eco2i, [J, G, R])),
        ("esubdm", "Armington elasticity domestic vs imports", ("i",), _records(d.esubdm, [J])),
        ("esubva", "elasticity of substitution in value added", ("i",), _records(d.esubva, [J])),
    ]
    if np.isfinite(d.pop).all():
        syms.append(("pop", "population (million)", ("r",), _records(d.pop, [R])))
    if d.co2_process is not None:
        syms.append(("cge_co2_process", "cge-bca process CO2 (Mt), not read by GTAPinGAMS", ("i", "r"),
                     _records(d.co2_process, [J, R])))
    if d.cbam_coverage is not None:
        syms.append(("cge_cbam_coverage", "cge-bca share of EU CBAM goods in output, not read by GTAPinGAMS",
                     ("i", "r"), _records(d.cbam_coverage, [J, R])))
    tag_rows = [((t, s), None) for t, codes in (d.tags or {}).items() for s in codes]
    if tag_rows:
        syms.append(("cge_tags", "cge-bca sector tags", ("*", "i"), tag_rows))
    group_rows = [((g, r), None) for g, members in (d.groups or {}).items() for r in members]
    if group_rows:
        syms.append(("cge_groups", "cge-bca region groups", ("*", "r"), group_rows))
    if d.elasticity_table:
        cells = [((p, s), v) for p, by in d.elasticity_table.items() for s, v in by.items()]
        syms.append(("cge_elasticity_keys", "cge-bca elasticity table: parameter, sector or * (economy-wide)",
                     ("*", "*"), [(k, None) for k, _ in cells]))
        syms.append(("cge_elasticity", "cge-bca elasticity values (a key without a value is 0)", ("*", "*"),
                     cells))
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the GDX file to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_file_beside(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        write_gdx(tmp, syms, producer=producer, shown_as=path)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _new_file_beside(path: Path) -> Path:
    """A new, empty, hidden file next to ``path`` with the permissions of any new file (``0666``
    less the umask; ``tempfile.mkstemp`` would give ``0600`` whatever the umask), to be written
    and then renamed to ``path``."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.gdx")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


def roundtrip_view(b: Benchmark) -> Benchmark:
    """``b`` as reading its GTAPinGAMS export gives it back: the same benchmark with the
    elasticities the package uses written out as data (GTAPinGAMS needs ``esubdm``/``esubva``)
    and as the dataset's own table (``metadata['elasticities']``, from the extra symbols), and
    tags and region groups listed in set order (GDX stores set elements in that order)."""
    from cge.data.elasticities import for_benchmark
    el = for_benchmark(b, None)
    data = {"sigma_dm": {j: el("sigma_dm", j) for j in b.sectors},
            "sigma_va": {j: el("sigma_va", j) for j in b.sectors}}
    t = b.tags

    def ordered(codes, order):
        return tuple(c for c in order if c in codes)

    tags = Tags(ordered(t.fossil, b.sectors), ordered(t.electricity, b.sectors), ordered(t.resource, b.sectors),
                ordered(t.eite, b.sectors), ordered(t.crude, b.sectors),
                {g: ordered(m, b.regions) for g, m in t.region_groups.items()}, ordered(t.cbam, b.sectors),
                ordered(t.fertilisers, b.sectors))
    return replace(b, elasticities=data, tags=tags, metadata={**(b.metadata or {}), "elasticities": el.table})
