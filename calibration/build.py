"""Build a benchmark from ``shared/data`` at the resolution an aggregation file asks for.

read the aggregation file's source (its reader, then the concordance onto WIOD 2013's classification,
:func:`calibration.readers.read_source`; the only source-specific step) + attach JRC CO2 →
aggregate regions (aggregation file) → split c17 and c2 (and the optional CBAM splits of c9, c11,
c12) → aggregate sectors and final-demand categories → clip
negative investment → rebalance → benchmark (value added, rents, emissions) → validate (1e-9) →
write the dataset atomically with PROVENANCE.md, the aggregation file and the assumption files.
The default aggregation ``examples/aggregations/default.yaml`` rebuilds ``data/wiod2011``.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import assumptions, cbam, energy_splits, gates, inheritance, report, sources
from calibration import concordance as cc
from calibration.aggregate import aggregate, check_mapping, read_mapping
from calibration.aggregation import Aggregation, load_aggregation
from calibration.emissions import (
    allocate,
    allocate_fuel_totals,
    co2_from_frame,
    fuel_targets,
    gcb_gate,
    per_dollar_factors,
    process_first_shares,
    read_co2_table,
    target_factors,
    target_fuel_totals,
)
from calibration.fallbacks import Fallbacks
from calibration.mrio import MRIO
from calibration.readers import read_source
from calibration.readers import satellites as sat
from calibration.rebalance import clip_negative_final_demand, rebalance
from calibration.sources import MAPPINGS
from calibration.split import split_sector
from calibration.value_added import factor_split
from cge.data.benchmark import FINAL_AGENTS, Benchmark, Tags, validate, write_benchmark_files
from cge.errors import DataError
from cge.io.outdir import atomic_folder

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "data" / "wiod2011"
DEFAULT_AGGREGATION = REPO / "examples" / "aggregations" / "default.yaml"
TOLERANCE = 1e-9
CO2 = "CO2"
#: GCB 2019 national CO2 by fuel (the third CO2 route) and the ISO3 codes of its country names
GCP_BY_FUEL = ("emissions", "gcp2019_co2_by_fuel_1960_2018.csv.gz")
GCP_COUNTRIES = "gcp_countries.csv"
#: the split child whose CO2 includes the calcination (process) CO2 of OWID ``cement_co2``
PROCESS_CHILD = "cem"
#: assumption and concordance files copied into every dataset's ``mappings/``
ASSUMPTION_FILES = ("emission_factors.csv", "energy_parameters.csv", "fuel_price_benchmarks.csv",
                    "jrc56_to_wiod35.csv", "jrc_regions.csv", "labour_shares.csv", "rent_shares.csv",
                    "split_children.csv", "split_use_weights.csv", "wiod_final_demand.csv",
                    "cbam_goods_2011.csv", "cbam_goods_sources.md")


@dataclass
class BuildConfig:
    shared: Path = DEFAULT_SHARED
    out: Path = DEFAULT_OUT
    aggregation: Path = DEFAULT_AGGREGATION
    year: int | None = None          # None: the aggregation file's year
    mappings: Path = MAPPINGS
    k_fuel: float = 10.0
    k_output: float = 10.0
    extra: dict = field(default_factory=dict)
    force: bool = False            # replace a non-benchmark folder at ``out`` (never an input)
    wait: bool = False             # wait for another writer of ``out`` instead of stopping

    def path(self, *parts) -> Path:
        return Path(self.shared).joinpath(*parts)


@dataclass
class BuildResult:
    benchmark: Benchmark
    moves: pd.DataFrame
    clipped: pd.DataFrame
    emission_diagnostics: pd.DataFrame
    comparison: pd.DataFrame
    split_shares: dict
    aggregation: Aggregation | None = None
    fallbacks: pd.DataFrame | None = None
    cbam_coverage: pd.DataFrame | None = None


def _splits(cfg):
    ch = sat.load_csv(cfg.mappings / "split_children.csv", dtype=str)
    sat.require_columns(ch, ["parent", "child", "emission_share"], cfg.mappings / "split_children.csv")
    w = sat.load_csv(cfg.mappings / "split_use_weights.csv", dtype={"parent": str, "child": str, "buyer": str})
    sat.require_columns(w, ["parent", "child", "buyer", "weight"], cfg.mappings / "split_use_weights.csv")
    weights: dict[str, dict[str, float]] = {}
    for k, (c, b, v) in enumerate(zip(w["child"], w["buyer"], pd.to_numeric(w["weight"], errors="coerce"))):
        if not np.isfinite(v) or v < 0:
            raise DataError(f"{cfg.mappings / 'split_use_weights.csv'}, row {k + 2}: weight must be ≥ 0")
        weights.setdefault(c, {})[b] = float(v)
    return ch, weights


def _emission_shares(ch: pd.DataFrame, parent: str, children, out_shares: np.ndarray) -> np.ndarray:
    spec = dict(zip(ch.loc[ch.parent == parent, "child"], ch.loc[ch.parent == parent, "emission_share"]))
    if all(spec[c] == "output" for c in children):
        return out_shares
    try:
        vec = np.array([float(spec[c]) for c in children])
    except ValueError:
        raise DataError(f"split_children.csv: emission_share of {parent} must be all 'output' or all numbers") from None
    return np.tile(vec, (out_shares.shape[0], 1))


def _process_first(m: MRIO, parent: str, children, phi, cfg, y, cmap, fb) -> np.ndarray:
    """Emission shares of a split c11: cement keeps the calcination CO2 (OWID ``cement_co2``) whole,
    capped at c11's JRC CO2, and its share of the combustion rest (:func:`process_first_shares`);
    a region where the cap binds is recorded as a fallback."""
    T = m.E[0, :, m.sectors.index(parent)]
    cement = sat.read_owid_co2(cfg.path("emissions", "owid_co2_2020.csv.gz"), y, cmap, m.regions,
                               fallbacks=fb)["cement_co2"]
    cement = cement.to_numpy()
    for r in np.nonzero(cement > T)[0]:
        fb.add(m.regions[r], PROCESS_CHILD, f"cement calcination CO2 (OWID {cement[r]:,.6g} Mt) exceeds the JRC CO2 "
               f"of {parent}: process CO2 capped at it, no combustion CO2 left in {parent}", float(T[r]), "Mt CO2")
    return process_first_shares(T, cement, phi, list(children).index(PROCESS_CHILD))


def process_co2_target(agg: Aggregation) -> str:
    """The target sector that holds cement's process (calcination) CO2: the one holding the cement
    child ``cem`` of a split c11, else the one holding a kept sector of the source's own whose CBAM
    good is cement (e.g. EXIOBASE's ``cement``), else the one holding c11."""
    kept_cement = [c for c, o in agg.own_sectors.items() if o.cbam_good == "cement" and c in agg.sector_map]
    source = PROCESS_CHILD if PROCESS_CHILD in agg.sector_map else (kept_cement[0] if kept_cement else "c11")
    return agg.sector_map[source]


def _aggregation(cfg) -> Aggregation:
    if isinstance(cfg.aggregation, Aggregation):
        return cfg.aggregation
    return load_aggregation(cfg.aggregation, cfg.shared)


def build(cfg: BuildConfig, echo=print) -> BuildResult:
    """Run every stage (module docstring); return the benchmark and the diagnostics."""
    agg = _aggregation(cfg)
    check_tags_up_front(agg)           # a wrong tag fails in a second, not after the rebalancing
    y = cfg.year or agg.year
    fb = Fallbacks(echo)
    # every source is put on WIOD 2013's classification, so JRC's CO2 by WIOD industry is its satellite
    # unless the source carries CO2 accounts of its own (MRIO.co2, e.g. EXIOBASE's)
    # (JRC's rest of the world is shared with the kept countries it does not list, _source_co2)
    route = co2_route(agg, has_satellite=True, fallbacks=fb)
    wiod, m0 = _read_sources(cfg, agg, y, echo, route, fb)
    m1, clipped = _aggregate_regions(m0, wiod, agg, cfg.mappings, echo)
    t_prev = gates.totals(m1)
    inputs = _split_inputs(cfg, agg, m0, m1, y, fb, route)
    m2, shares, cbam_parent_shares = _split_sectors(m1, inputs, cfg, y, fb, agg)
    gates.check_totals(t_prev, gates.print_stage("split sectors", m1, m2, echo), "split sectors",
                       keys=("output", "intermediate", "final_demand", f"{CO2} (Mt)"))
    gates.check_mrio(m2, "split sectors")
    m3, source_output = _aggregate_sectors(m2, agg, t_prev, echo)
    m5, moves = _rebalance(m3, agg, cfg, echo)
    b, diag, comparison = to_benchmark(m5, cfg, agg, inputs.price, inputs.cmap, source_output, fb, route)
    validate(b, TOLERANCE, source="calibration stage 'benchmark'")
    _record_adjustments(b, moves, clipped, fb)
    cov = _cbam_coverage(b, agg, source_output, cbam_parent_shares)
    return BuildResult(b, moves, clipped, diag, comparison, shares, agg, fb.table(), cov)


def check_tags_up_front(agg: Aggregation) -> None:
    """Tags that only the aggregation file decides, checked before any data is read: a target
    sector containing a source fuel (coa, c8, ngs, gdt) must be tagged ``fossil`` and a sector
    tagged ``fossil`` must contain one (the rebalancing keeps fossil rows stiff and the emissions
    are allocated to them); a sector tagged ``cbam`` must contain a CBAM good."""
    fuels = fuel_targets(agg.sector_map, agg.sector_codes)
    not_fossil = [t for t in fuels if t not in agg.tagged("fossil")]
    if not_fossil:
        raise DataError(f"{agg.path}: sectors.{not_fossil[0]}.tags: contains a fuel "
                        f"({', '.join(fuels[not_fossil[0]])}) and must be tagged 'fossil'")
    no_fuel = [t for t in agg.tagged("fossil") if t not in fuels]
    if no_fuel:
        raise DataError(f"{agg.path}: sectors.{no_fuel[0]}.tags: tagged 'fossil' but contains no fuel "
                        "(coa, c8, ngs or gdt)")
    if agg.tagged("cbam"):
        cbam.check_tags(agg, agg.splits)


def co2_route(agg: Aggregation, has_satellite: bool, fallbacks: Fallbacks) -> str:
    """Where the CO2 comes from (:data:`calibration.emissions.CO2_ROUTES`): the aggregation file's
    ``co2.source`` (a ``co2.table`` alone chooses the table: a table the user supplies is meant
    to be used), else the first available of the source's satellite and GCB national CO2 by
    fuel. Any route other than the source's own satellite is printed and
    recorded (a fallback, or the file's choice)."""
    chosen = agg.co2.get("source") or ("table" if agg.co2.get("table") else None)
    route = chosen or ("satellite" if has_satellite else "gcb_by_fuel")
    why = f"chosen by {Path(agg.path).name} co2" if chosen else "the source has no CO2 satellite"
    if route == "table":
        fallbacks.add("all regions", CO2, f"CO2 by industry and household from the user's table "
                      f"{Path(agg.co2['table']).name} ({why})", 0, "-")
    elif route == "gcb_by_fuel":
        fallbacks.add("all regions", CO2, "CO2 from GCB 2019 national CO2 by fuel, allocated to fuel purchases "
                      f"by emission factors; cement CO2 as process CO2 ({why})", 0, "-")
    elif not has_satellite:
        raise DataError(f"{agg.path}: co2.source: the source has no CO2 satellite; use 'table' or 'gcb_by_fuel'")
    return route


def has_co2_accounts(agg: Aggregation) -> bool:
    """Whether the source carries CO2 accounts of its own (EXIOBASE, a pymrio extension)."""
    return agg.source is not None and (agg.source.format == "exiobase3" or bool(agg.source.co2))


def _source_co2(cfg: BuildConfig, y: int, agg: Aggregation, route: str, wiod,
                fb: Fallbacks | None = None) -> np.ndarray:
    """``E[r, u]`` (Mt) over WIOD's regions and users (sectors, then final-demand categories):
    the JRC table (WIOD's satellite), the user's table (households to ``CONS_h``) or zeros (GCB by
    fuel is allocated after the rebalancing, :func:`_emissions`)."""
    M = cfg.mappings
    if route == "satellite" and getattr(wiod, "co2", None) is not None:    # the source's own CO2 accounts
        T = co2_from_frame(wiod.co2.T, wiod.regions, wiod.sectors, f"{agg.source.path}: CO2 accounts")
        E = np.zeros((len(wiod.regions), len(wiod.sectors) + len(wiod.categories)))
        E[:, :len(wiod.sectors)] = T[:, :-1]
        E[:, len(wiod.sectors) + list(wiod.categories).index("CONS_h")] = T[:, -1]
        return E
    if route == "satellite":
        jrc_conc = read_mapping(M / "jrc56_to_wiod35.csv", what="JRC sector")
        own = tuple(agg.own_regions) if agg is not None else ()
        jrc_reg = {k: v for k, v in read_mapping(M / "jrc_regions.csv", what="JRC region").items() if k not in own}
        jrc = cfg.path("energy", "jrc_wiod2016_co2_by_industry_2000_2016.csv.gz")
        E = sat.read_jrc_co2(jrc, jrc_conc, y, wiod.regions, wiod.sectors, wiod.categories, jrc_reg, "CONS_h")
        if own:
            listed = sat.jrc_countries(jrc)
            gcb_path = cfg.path("emissions", "gcb2019_national_co2.csv.gz")
            gcb = sat.gcb_territorial_by_country(gcb_path, y, fb)
            pool = set(gcb.index) - set(cc.wiod_regions(cfg.shared)["iso3"].dropna()) - (set(own) & listed)
            E = inheritance.share_rest_co2(E, wiod.regions, sources.WIOD_REST, [c for c in own if c not in listed],
                                           gcb, pool, gcb_path, fb)
        kept = agg is not None and agg.own_sectors
        return inheritance.share_parent_co2(E, wiod, agg.sector_parents, fb) if kept else E
    nJ = len(wiod.sectors)
    E = np.zeros((len(wiod.regions), nJ + len(wiod.categories)))
    if route == "table":
        T = read_co2_table(agg.co2["table"], wiod.regions, wiod.sectors)
        E[:, :nJ] = T[:, :nJ]
        E[:, nJ + list(wiod.categories).index("CONS_h")] = T[:, nJ]
    return E


def _read_sources(cfg: BuildConfig, agg: Aggregation, y: int, echo, route: str = "satellite",
                  fb: Fallbacks | None = None):
    """Stage 1: the source table of year ``y`` (the aggregation file's ``source``, by its reader, on
    WIOD 2013's classification and the source's own sectors and countries the file names) with its
    CO2 by industry and household attached (:func:`_source_co2`)."""
    src = agg.source
    wiod = read_source(src.format, src.path, y, cfg.shared, src.classification, src.co2,
                       keep_sectors=tuple(agg.own_sectors), keep_regions=agg.own_regions)
    E = _source_co2(cfg, y, agg, route, wiod, fb)
    m0 = MRIO(wiod.regions, wiod.sectors, wiod.categories, wiod.Z, wiod.Y, wiod.x, stressors=(CO2,),
              E=E[None], unit="M USD", stressor_units={CO2: "Mt"}, metadata=wiod.metadata)
    gates.check_mrio(m0, f"read {src.format}")
    own = "its own CO2 accounts" if getattr(wiod, "co2", None) is not None else "JRC CO2"
    co2 = {"satellite": f"+ {own}", "table": "+ the user's CO2 table",
           "gcb_by_fuel": "(CO2 from GCB by fuel after the rebalancing)"}[route]
    gates.print_stage(f"read {src.format} ({wiod.metadata.get('source', src.path)}) {co2}", None, m0, echo)
    return wiod, m0


def _aggregate_regions(m0: MRIO, wiod, agg: Aggregation, M: Path, echo) -> tuple[MRIO, pd.DataFrame]:
    """Stage 2: aggregate regions and final-demand categories; fold inventories into investment
    and clip the final-demand cells still negative (returned, recorded in the metadata)."""
    t_prev = gates.totals(m0)
    rmap = agg.region_map
    check_mapping(rmap, wiod.regions, f"{agg.path}: regions", what="WIOD region")
    kmap = read_mapping(M / "wiod_final_demand.csv", wiod.categories, what="final-demand category")
    m1 = aggregate(m0, regions=rmap, categories=kmap, region_order=list(agg.region_codes),
                   category_order=FINAL_AGENTS)
    if m1.categories != FINAL_AGENTS:
        raise DataError(f"wiod_final_demand.csv: targets must be exactly {FINAL_AGENTS}, got {m1.categories}")
    gates.check_totals(t_prev, gates.print_stage("aggregate regions and final demand", m0, m1, echo),
                       "aggregate regions", keys=("output", "intermediate", "final_demand", f"{CO2} (Mt)"))
    m1, clipped = clip_negative_final_demand(m1)
    echo(f"[fold inventories] {len(clipped)} final-demand cells still negative after folding inventories "
         f"into investment, set to zero (sum {clipped['value'].sum():,.6g} M USD)")
    gates.check_mrio(m1, "fold inventories", allow_negative_fd=False)
    return m1, clipped


@dataclass
class _SplitInputs:
    """What the splits (and later the emissions) read besides the tables: the country map,
    energy quantities and prices, and the energy parameters."""

    cmap: object
    bp: pd.DataFrame
    price: object
    par: dict
    co2_route: str = "satellite"


def _split_inputs(cfg: BuildConfig, agg: Aggregation, m0: MRIO, m1: MRIO, y: int, fb: Fallbacks | None = None,
                  route: str = "satellite") -> _SplitInputs:
    """Energy statistics and prices of the table's year ``y`` (the nearest year the files have
    outside their years, a recorded fallback)."""
    M = cfg.mappings
    rest = agg.rest_of_world
    cmap = sat.country_map(cfg.path("wiod2013", "regions.csv"), agg.region_map, rest)
    cmap.update({c: agg.region_map[c] for c in agg.own_regions})     # countries kept out of WIOD's RoW
    bp = sat.read_bp_energy(cfg.path("energy", "bp2021_fossil_fuels_electricity.csv.gz"), y, cmap, m1.regions, rest,
                            fallbacks=fb, kept=agg.own_regions)
    prices = sat.read_prices(cfg.path("energy", "bp2021_fossil_fuel_prices.csv"), y, fallbacks=fb)
    c2 = m0.x[:, m0.sectors.index("c2")]
    price = assumptions.fuel_prices(M / "fuel_price_benchmarks.csv", prices, agg, dict(zip(m0.regions, c2)), fb)
    par = energy_splits.read_parameters(M / "energy_parameters.csv")
    par.update(agg.assumptions.get("energy_parameters", {}))
    return _SplitInputs(cmap, bp, price, par, route)


def _split_sectors(m1: MRIO, inputs: _SplitInputs, cfg: BuildConfig, y: int, fb: Fallbacks,
                   agg: Aggregation) -> tuple[MRIO, dict, dict]:
    """Stage 3: split c17 (utilities) and c2 (mining), then the optional CBAM splits of c9, c11,
    c12; returns the split table, the output shares used (by parent) and the CBAM goods' output
    shares (also of the parents not split, for the coverage shares)."""
    ch, weights = _splits(cfg)
    bp, par = inputs.bp, inputs.par
    ushares = energy_splits.utility_shares(bp, par, fb)
    children = list(energy_splits.UTILITY_CHILDREN)
    th = ushares[children].to_numpy()
    m2 = split_sector(m1, "c17", children, th, weights, _emission_shares(ch, "c17", children, th),
                      where="split c17 (utilities)")
    mshares = energy_splits.mining_shares(m1.x[:, m1.sectors.index("c2")], bp, inputs.price, par, fb)
    children = list(energy_splits.MINING_CHILDREN)
    th = mshares[children].to_numpy()
    m2 = split_sector(m2, "c2", children, th, weights, _emission_shares(ch, "c2", children, th),
                      where="split c2 (mining)")
    shares = {"mining (c2)": mshares, "utilities (c17)": ushares}
    cbam_parent_shares = _cbam_shares(agg, m1, inputs.cmap, agg.rest_of_world, par, fb)
    for parent in sources.split_order(agg.splits)[len(sources.STANDARD_SPLITS):]:
        children = list(sources.OPTIONAL_SPLITS[parent])
        th = cbam_parent_shares[parent][children].to_numpy()
        phi = _emission_shares(ch, parent, children, th)
        if PROCESS_CHILD in children and inputs.co2_route != "gcb_by_fuel":   # GCB: cement CO2 booked later
            phi = _process_first(m2, parent, children, phi, cfg, y, inputs.cmap, fb)
        m2 = split_sector(m2, parent, children, th, weights, phi, where=f"split {parent}")
        shares[f"CBAM goods ({parent})"] = cbam_parent_shares[parent]
    return m2, shares, cbam_parent_shares


def _aggregate_sectors(m2: MRIO, agg: Aggregation, t_prev: dict, echo) -> tuple[MRIO, pd.DataFrame]:
    """Stage 4: aggregate the (split) source sectors to the target sectors; also returns the
    source sectors' output by target region (the weights of shares keyed by source sector)."""
    smap = agg.sector_map
    check_mapping(smap, m2.sectors, f"{agg.path}: sectors", what="source sector")
    source_output = pd.DataFrame(m2.x, index=list(m2.regions), columns=list(m2.sectors))
    m3 = aggregate(m2, sectors=smap, sector_order=list(agg.sector_codes))
    gates.check_totals(t_prev, gates.print_stage("aggregate sectors", m2, m3, echo), "aggregate sectors",
                       keys=("output", "intermediate", "final_demand", f"{CO2} (Mt)"))
    return m3, source_output


def _rebalance(m3: MRIO, agg: Aggregation, cfg: BuildConfig, echo) -> tuple[MRIO, pd.DataFrame]:
    """Stage 5: rebalance (fossil rows stiff); print the largest moves."""
    m5, moves = rebalance(m3, stiff_rows=list(agg.tagged("fossil")), k_fuel=cfg.k_fuel, k_output=cfg.k_output)
    gates.print_stage("rebalance", m3, m5, echo)
    gates.check_mrio(m5, "rebalance", row_tolerance=1e-12, allow_negative_fd=False)
    echo("[rebalance] largest moves (M USD):")
    for row in moves.head(8).itertuples():
        echo(f"    {row.table} {row.cell}: {row.before:,.1f} → {row.after:,.1f} ({row.change:+,.1f})")
    return m5, moves


def _record_adjustments(b: Benchmark, moves: pd.DataFrame, clipped: pd.DataFrame, fb: Fallbacks) -> None:
    """The largest rebalancing moves, the clipped final demand and the fallbacks, in the metadata."""
    b.metadata["calibration"]["largest_rebalancing_moves"] = [
        {"table": r.table, "cell": r.cell, "before_M_USD": round(r.before, 3), "after_M_USD": round(r.after, 3)}
        for r in moves.head(10).itertuples()]
    b.metadata["calibration"]["negative_final_demand_set_to_zero_M_USD"] = [
        {"cell": f"{r.source_region}/{r.good}/{r.region}/{r.category}", "value": round(r.value, 3)}
        for r in clipped.itertuples()]
    if fb.rows:
        b.metadata["calibration"]["fallbacks"] = fb.rows


def _cbam_coverage(b: Benchmark, agg: Aggregation, source_output: pd.DataFrame,
                   cbam_parent_shares: dict) -> pd.DataFrame | None:
    """CBAM coverage shares of the sectors tagged ``cbam`` (set on ``b``; None when none is)."""
    if not agg.tagged("cbam"):
        return None
    cov = cbam.coverage(agg, source_output, {p: s for p, s in cbam_parent_shares.items() if p not in agg.splits})
    b.cbam_coverage = cov.pivot(index="region", columns="sector", values="share").reindex(
        index=list(b.regions), columns=list(b.sectors)).fillna(0.0).to_numpy()
    return cov


def _cbam_shares(agg, m1: MRIO, cmap, rest, par, fb) -> dict[str, pd.DataFrame]:
    """Output shares of the CBAM goods in c9, c11 and c12 by target region (:mod:`calibration.cbam`):
    for the parents split, and for those inside a sector tagged ``cbam`` (coverage shares); and the
    coverage of each kept sector of the source's own holding a CBAM good (its column ``share``).
    A good a kept sector holds is no longer in its parent."""
    tagged = {m for t in agg.sectors if "cbam" in t.tags for m in t.members}
    wanted = set(agg.splits) | {m for m in tagged if m in cbam.OTHER}
    own = [c for c, o in agg.own_sectors.items() if o.cbam_good and c in tagged]
    if not wanted and not own:
        return {}
    values = cbam.values_by_region(cbam.read_values(), cmap, m1.regions, rest, fb)
    held = [o.cbam_good for o in agg.own_sectors.values() if o.cbam_good]
    floor = par.get("cbam_other_min_share", 0.10)
    out = {}
    for parent in sorted(wanted, key=list(cbam.OTHER).index):
        given = agg.splits.get(parent, {}).get("shares")
        if given:
            out[parent] = pd.DataFrame([given] * len(m1.regions), index=list(m1.regions))
        else:
            rest_of_parent = values.assign(**dict.fromkeys(held, 0.0))
            out[parent] = cbam.shares(parent, m1.x[:, m1.sectors.index(parent)], rest_of_parent, floor, fb)
    for c in own:
        out[c] = cbam.own_coverage(c, agg.own_sectors[c].cbam_good, m1.x[:, m1.sectors.index(c)], values, fb)
    return out


def to_benchmark(m: MRIO, cfg: BuildConfig, agg: Aggregation, price, cmap, source_output: pd.DataFrame,
                 fb: Fallbacks | None = None, route: str = "satellite"):
    """Model-ready arrays in bn USD from a rebalanced MRIO (aggregated codes):

    ``vom = x``, ``vid[s,i,j] = Σ_r Z[r,i,s,j]``, ``fd[s,i,a] = Σ_r Y[r,i,s,a]``,
    ``vxmd[i,r,s] = Σ_j Z[r,i,s,j] + Σ_a Y[r,i,s,a]`` (r ≠ s), value added and rents by
    :mod:`calibration.value_added` (shares keyed by source sector, :mod:`calibration.assumptions`),
    emissions by :mod:`calibration.emissions`; ``to = tm = 0``."""
    y = cfg.year or agg.year
    R, J = m.regions, m.sectors
    vom, vid, fd, vxmd = _flows_bn_usd(m)
    world_out = source_output.sum(axis=0).to_dict()
    vfm, vrs = _factor_payments(vom, vid, cfg.mappings, agg, source_output, world_out)
    owid = sat.read_owid_co2(cfg.path("emissions", "owid_co2_2020.csv.gz"), y, cmap, R, fallbacks=fb)
    if route == "gcb_by_fuel":
        gcp = sat.read_gcp_co2_by_fuel(cfg.path(*GCP_BY_FUEL), cfg.mappings / GCP_COUNTRIES, y, cmap, R, fallbacks=fb)
        co2, co2p, diag = _emissions_from_fuel_totals(m, vid, fd, agg, cfg.mappings, price, gcp, fb)
    else:
        co2, co2p, diag = _emissions(m, vid, fd, agg, cfg.mappings, price, owid, fb)
    comparison = _co2_comparison(m, cfg, y, cmap, fb, route, co2.sum(axis=(1, 2)) + co2p.sum(axis=1))
    b = Benchmark(
        name=agg.name, regions=R, sectors=J, factors=("labour", "capital"),
        tags=Tags(fossil=agg.tagged("fossil"), electricity=agg.tagged("electricity"),
                  resource=agg.tagged("resource"), eite=agg.tagged("eite"), crude=agg.tagged("crude"),
                  region_groups=dict(agg.region_groups), cbam=agg.tagged("cbam"),
                  fertilisers=agg.tagged("fertilisers")),
        vom=vom, to=np.zeros_like(vom), vid=vid, vfm=vfm, vrs=vrs, vxmd=vxmd, tm=np.zeros_like(vxmd),
        fd=fd, co2=co2, co2p=co2p, pop=owid["population"].to_numpy(),
        metadata=_metadata(agg, cfg, y, comparison, world_out),
    )
    return b, diag, comparison


def _flows_bn_usd(m: MRIO):
    """``vom, vid, fd, vxmd`` in bn USD (formulas of :func:`to_benchmark`)."""
    s = 1e-3  # M USD → bn USD
    vom = m.x * s
    vid = np.einsum("risj->sij", m.Z) * s
    fd = np.einsum("risa->sia", m.Y) * s
    flows = (m.Z.sum(axis=3) + m.Y.sum(axis=3)) * s           # [r, i, s]
    vxmd = np.transpose(flows, (1, 0, 2)).copy()
    for r in range(len(m.regions)):
        vxmd[:, r, r] = 0.0
    return vom, vid, fd, vxmd


def _factor_payments(vom, vid, M: Path, agg: Aggregation, source_output: pd.DataFrame, world_out: dict):
    """Value added ``va = vom − Σ_i vid`` split into labour, capital (``vfm``) and resource rent
    (``vrs``) with shares keyed by source sector, weighted by world output."""
    va = vom - vid.sum(axis=1)
    va[np.abs(va) < 1e-12 * np.maximum(vom, 1.0)] = 0.0
    known = set(source_output.columns) | set(sources.split_catalogue()) | {
        c for cs in sources.split_catalogue().values() for c in cs}
    known |= set(agg.own_sectors)
    ls = assumptions.sector_shares(M / "labour_shares.csv", "labour_share", agg, known, world_out)
    rs = assumptions.sector_shares(M / "rent_shares.csv", "rent_share", agg, known, world_out, only_tag="resource")
    return factor_split(np.maximum(va, 0.0), ls, rs)


def _emissions(m: MRIO, vid, fd, agg: Aggregation, M: Path, price, owid: pd.DataFrame, fb: Fallbacks | None):
    """Combustion CO2 ``co2[r, fuel, user]`` (sectors and the household) and process CO2 ``co2p``
    allocated to fuel purchases (:func:`calibration.emissions.allocate`), with its diagnostics."""
    R, J = m.regions, m.sectors
    users = J + ("household",)
    T = np.concatenate([m.E[0, :, : len(J)], m.E[0, :, len(J):len(J) + 1]], axis=1)   # household only
    if m.E[0, :, len(J) + 1:].any():
        raise DataError("emissions: JRC CO2 assigned to government or investment; only households emit")
    fuels = fuel_targets(agg.sector_map, J)    # fossil tags checked up front (check_tags_up_front)
    fuel_idx = [J.index(f) for f in fuels]
    U = np.concatenate([vid[:, fuel_idx, :], fd[:, fuel_idx, 0][:, :, None]], axis=2)
    eps_src = per_dollar_factors(M / "emission_factors.csv", price)
    eps = target_factors(eps_src, owid, fuels)
    of = target_fuel_totals(owid, fuels, eps * U.sum(axis=2))
    process = process_co2_target(agg)
    co2f, co2p_nmm, diag = allocate(T, U, eps, of, owid["cement_co2"].to_numpy(), J.index(process), R, users,
                                    fuels=tuple(fuels), fallbacks=fb)
    co2 = np.zeros((len(R), len(J), len(users)))
    co2[:, fuel_idx, :] = co2f
    co2p = np.zeros((len(R), len(J)))
    co2p[:, J.index(process)] = co2p_nmm
    return co2, co2p, diag


def _emissions_from_fuel_totals(m: MRIO, vid, fd, agg: Aggregation, M: Path, price, gcp: pd.DataFrame,
                                fb: Fallbacks | None):
    """The third CO2 route: GCB national CO2 by fuel (coal; oil; gas + flaring) allocated to each
    user's fuel purchases by emission factors (:func:`calibration.emissions.allocate_fuel_totals`;
    totals by region and fuel exact) and GCB's cement CO2 as process CO2 of the sector holding
    cement (per unit of its output)."""
    R, J = m.regions, m.sectors
    users = J + ("household",)
    fuels = fuel_targets(agg.sector_map, J)
    fuel_idx = [J.index(f) for f in fuels]
    U = np.concatenate([vid[:, fuel_idx, :], fd[:, fuel_idx, 0][:, :, None]], axis=2)
    eps = target_factors(per_dollar_factors(M / "emission_factors.csv", price), gcp, fuels)
    totals = target_fuel_totals(gcp, fuels, eps * U.sum(axis=2))
    co2f = allocate_fuel_totals(U, eps, totals, R, users, tuple(fuels), fb)
    co2 = np.zeros((len(R), len(J), len(users)))
    co2[:, fuel_idx, :] = co2f
    co2p = np.zeros((len(R), len(J)))
    process = process_co2_target(agg)
    co2p[:, J.index(process)] = gcp["cement_co2"].to_numpy()
    diag = pd.DataFrame([(R[r], f, float(totals[r, k]), float(totals[r, k]), float(co2f[r, k].sum()))
                         for r in range(len(R)) for k, f in enumerate(fuels)],
                        columns=["region", "fuel", "seed_mt", "owid_mix_target_mt", "allocated_mt"])
    return co2, co2p, diag


def _co2_comparison(m: MRIO, cfg: BuildConfig, y: int, cmap, fb: Fallbacks | None = None, route: str = "satellite",
                    totals: np.ndarray | None = None) -> pd.DataFrame:
    """The source's CO2 by region (JRC on WIOD's satellite route; the benchmark's total on the
    others) next to GCB territorial and EDGAR CO2 and World Bank GDP (for PROVENANCE.md); the
    gate prints a warning for each region more than 10% off GCB of the same year."""
    R, J = m.regions, m.sectors
    gcb = sat.read_gcb_territorial(cfg.path("emissions", "gcb2019_national_co2.csv.gz"), y, cmap, R, fallbacks=fb)
    edgar = sat.read_edgar(cfg.path("emissions", "edgar_v50_co2_by_sector.csv.gz"), y, cmap, R)
    wb = sat.read_wb_gdp(cfg.path("emissions", "wb_gdp_current_usd.csv.gz"), y, cmap, R)
    T = np.concatenate([m.E[0, :, : len(J)], m.E[0, :, len(J):len(J) + 1]], axis=1)   # sectors and the household
    source_total = T.sum(axis=1) if route == "satellite" or totals is None else totals
    echo = fb.echo if fb is not None else print
    for line in gcb_gate(source_total if totals is None else totals, gcb.to_numpy(), R):
        echo(f"[warning] CO2 gate: {line}")
    return pd.DataFrame({
        "region": list(R), "co2_jrc_mt" if route == "satellite" else f"co2_{route}_mt": source_total,
        "co2_gcb_territorial_mt": gcb.to_numpy(),
        "co2_edgar_mt": edgar.to_numpy(), "gdp_world_bank_bn_usd": wb.to_numpy(),
    })


def _metadata(agg: Aggregation, cfg: BuildConfig, y: int, comparison: pd.DataFrame, world_out: dict) -> dict:
    """``metadata.yaml`` of a calibrated dataset: year, units, the calibration record, names,
    source sectors and the dataset's elasticity table."""
    from calibration.elasticity_defaults import dataset_elasticities

    R, J = agg.region_codes, agg.sector_codes
    fmt = agg.source.format if agg.source else "wiod2013"
    source = "WIOD 2013 release" if fmt == "wiod2013" else f"{fmt} table on WIOD 2013's classification"
    return {
        "year": y,
        "description": agg.description or f"{source} ({y}) aggregated to {len(R)} regions x "
                                          f"{len(J)} sectors; see PROVENANCE.md",
        "currency": f"billions of current USD ({'WIOD' if fmt == 'wiod2013' else fmt} basic prices, {y})",
        "output_taxes": "zero: the stored WIOD 2013 tables have no tax rows (value added is a residual that "
                        "includes net product taxes and margins)",
        "tariffs": "zero: WIOD has no separate tariff or cif/fob information",
        "calibration": {
            "command": "cge calibrate AGGREGATION.yaml --out DIR (the aggregation file is mappings/aggregation.yaml)",
            "aggregation": {"file": Path(agg.path).name,
                            "sha256": hashlib.sha256(Path(agg.path).read_bytes()).hexdigest()},
            "tolerance": TOLERANCE,
            "rebalancing": {"method": "row-wise weighted chi-square least squares (closed form)",
                            "k_cell": 1.0, "k_fuel": cfg.k_fuel, "k_output": cfg.k_output},
            "co2_comparison": [
                {k: (round(float(v), 3) if not isinstance(v, str) else v) for k, v in row.items()}
                for row in comparison.to_dict("records")],
        },
        "region_names": {t.code: t.name for t in agg.regions},
        "sector_names": {t.code: t.name for t in agg.sectors},
        "sector_sources": {t.code: list(t.members) for t in agg.sectors},
        "elasticities": dataset_elasticities(agg, world_out),
    }


def write_dataset(result: BuildResult, out: Path, cfg: BuildConfig, provenance: str) -> Path:
    """Write the benchmark, PROVENANCE.md, ``cbam_coverage.csv`` (when sectors are tagged ``cbam``),
    the aggregation file and the assumption files; the folder appears all at once."""
    out = Path(out)
    source = result.aggregation.source.path if result.aggregation is not None else None
    with atomic_folder(out, "benchmark", inputs=[cfg.shared, cfg.mappings, cfg.aggregation, source], force=cfg.force,
                       wait=cfg.wait, need_bytes=20_000_000) as stage:
        write_benchmark_files(result.benchmark, stage)   # cbam_coverage.csv included where tagged
        (stage / "PROVENANCE.md").write_text(provenance)
        (stage / "mappings").mkdir()
        for name in ASSUMPTION_FILES:
            if (Path(cfg.mappings) / name).exists():
                shutil.copy2(Path(cfg.mappings) / name, stage / "mappings" / name)
        if result.aggregation is not None:
            shutil.copy2(result.aggregation.path, stage / "mappings" / "aggregation.yaml")
    return out


def protect_default_dataset(cfg: BuildConfig) -> None:
    """The shipped dataset (``data/wiod2011``) is rebuilt only from the default aggregation: another
    aggregation written there would silently change every default result (``--force`` to do so)."""
    same = Path(cfg.aggregation).resolve() == Path(DEFAULT_AGGREGATION).resolve()
    if Path(cfg.out).resolve() == Path(DEFAULT_OUT).resolve() and not same and not cfg.force:
        raise DataError(f"{cfg.out}: is the package's default dataset, built from {DEFAULT_AGGREGATION}; "
                        f"writing {cfg.aggregation} there would change every default result. Choose another "
                        "--out (or pass --force to replace it)")


def run(cfg: BuildConfig, echo=print) -> BuildResult:
    """Build, validate, write and report (``cge calibrate`` and ``python -m calibration build``).
    Nothing is written unless every stage succeeds."""
    if not Path(cfg.shared).is_dir():
        raise DataError(f"{cfg.shared}: shared data folder does not exist (pass --shared)")
    from cge.io.outdir import check_target

    inputs = [cfg.shared, cfg.mappings, cfg.aggregation]
    check_target(cfg.out, "benchmark", inputs=inputs, force=cfg.force)   # before reading anything
    source = _aggregation(cfg).source     # the table the aggregation names is an input too
    check_target(cfg.out, "benchmark", inputs=[*inputs, source.path], force=cfg.force)
    protect_default_dataset(cfg)
    result = build(cfg, echo)
    from calibration.provenance import provenance_text
    write_dataset(result, cfg.out, cfg, provenance_text(result, cfg))
    echo(f"[write] {cfg.out}")
    echo(report.text(result.benchmark))
    if result.fallbacks is not None and len(result.fallbacks):
        echo(f"[fallbacks] {len(result.fallbacks)} documented fallbacks used (metadata.yaml calibration.fallbacks, "
             "PROVENANCE.md)")
    return result
