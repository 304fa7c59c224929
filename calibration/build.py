"""Build the default benchmark (WIOD 2011 + JRC CO2) from ``shared/data``: one visible flow.

read WIOD + attach JRC CO2 → aggregate regions → split c17 and c2 → aggregate sectors and
final-demand categories → clip negative investment → rebalance → benchmark (value added, rents,
emissions) → validate (1e-9) → write ``data/wiod2011`` atomically with PROVENANCE.md and mappings.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import energy_splits, gates, report
from calibration.aggregate import aggregate, read_mapping
from calibration.emissions import FUELS, OWID_FUEL, allocate, per_dollar_factors
from calibration.mrio import MRIO
from calibration.readers import satellites as sat
from calibration.readers.wiod2013 import read_wiod_wide
from calibration.rebalance import clip_negative_final_demand, rebalance
from calibration.split import split_sector
from calibration.value_added import factor_split, read_sector_shares
from cge.benchmark import FINAL_AGENTS, Benchmark, Tags, validate, write_benchmark_files
from cge.errors import DataError
from cge.files import atomic_folder

REPO = Path(__file__).resolve().parent.parent
MAPPINGS = Path(__file__).resolve().parent / "mappings"
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "data" / "wiod2011"
TOLERANCE = 1e-9
CO2 = "CO2"


@dataclass
class BuildConfig:
    shared: Path = DEFAULT_SHARED
    out: Path = DEFAULT_OUT
    year: int = 2011
    mappings: Path = MAPPINGS
    k_fuel: float = 10.0
    k_output: float = 10.0
    name: str = "wiod2011"
    extra: dict = field(default_factory=dict)
    force: bool = False            # replace a non-benchmark folder at ``out`` (never an input)

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


def _region_list(cfg):
    df = sat.load_csv(cfg.mappings / "regions.csv", dtype=str)
    sat.require_columns(df, ["code", "annex1", "development"], cfg.mappings / "regions.csv")
    return df


def _sector_list(cfg):
    df = sat.load_csv(cfg.mappings / "sectors.csv", dtype=str).fillna("")
    sat.require_columns(df, ["code", "tags"], cfg.mappings / "sectors.csv")
    return df


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


def build(cfg: BuildConfig, echo=print) -> BuildResult:
    """Run every stage (module docstring); return the benchmark and the diagnostics."""
    M = cfg.mappings
    y = cfg.year
    # ---- read -------------------------------------------------------------------------------
    wiod = read_wiod_wide(cfg.path("wiod2013", f"wiot_{y}_wide.csv.gz"))
    jrc_conc = read_mapping(M / "jrc56_to_wiod35.csv", what="JRC sector")
    jrc_reg = read_mapping(M / "jrc_regions.csv", what="JRC region")
    E = sat.read_jrc_co2(cfg.path("energy", "jrc_wiod2016_co2_by_industry_2000_2016.csv.gz"), jrc_conc, y,
                         wiod.regions, wiod.sectors, wiod.categories, jrc_reg, "CONS_h")
    m0 = MRIO(wiod.regions, wiod.sectors, wiod.categories, wiod.Z, wiod.Y, wiod.x, stressors=(CO2,),
              E=E[None], unit="M USD", stressor_units={CO2: "Mt"}, metadata=wiod.metadata)
    gates.check_mrio(m0, "read WIOD")
    t_prev = gates.print_stage("read WIOD + JRC CO2", None, m0, echo)
    # ---- aggregate regions and final-demand categories; fold inventories ------------------------
    regions_df = _region_list(cfg)
    region_order = list(regions_df["code"])
    rmap = read_mapping(M / "wiod_regions.csv", wiod.regions, what="WIOD region")
    kmap = read_mapping(M / "wiod_final_demand.csv", wiod.categories, what="final-demand category")
    m1 = aggregate(m0, regions=rmap, categories=kmap, region_order=region_order, category_order=FINAL_AGENTS)
    if m1.categories != FINAL_AGENTS:
        raise DataError(f"wiod_final_demand.csv: targets must be exactly {FINAL_AGENTS}, got {m1.categories}")
    gates.check_totals(t_prev, gates.print_stage("aggregate regions and final demand", m0, m1, echo),
                       "aggregate regions", keys=("output", "intermediate", "final_demand", f"{CO2} (Mt)"))
    m1, clipped = clip_negative_final_demand(m1)
    echo(f"[fold inventories] {len(clipped)} final-demand cells still negative after folding inventories "
         f"into investment, set to zero (sum {clipped['value'].sum():,.6g} M USD)")
    gates.check_mrio(m1, "fold inventories", allow_negative_fd=False)
    t_prev = gates.totals(m1)
    # ---- splits --------------------------------------------------------------------------------
    cmap = sat.country_map(cfg.path("wiod2013", "regions.csv"), rmap, "ROW")
    bp = sat.read_bp_energy(cfg.path("energy", "bp2021_fossil_fuels_electricity.csv.gz"), y, cmap, m1.regions, "ROW")
    prices = sat.read_prices(cfg.path("energy", "bp2021_fossil_fuel_prices.csv"), y)
    price = energy_splits.benchmark_prices(M / "fuel_price_benchmarks.csv", prices, m1.regions)
    par = energy_splits.read_parameters(M / "energy_parameters.csv")
    ch, weights = _splits(cfg)
    ushares = energy_splits.utility_shares(bp, par)
    children = list(energy_splits.UTILITY_CHILDREN)
    th = ushares[children].to_numpy()
    m2 = split_sector(m1, "c17", children, th, weights, _emission_shares(ch, "c17", children, th),
                      where="split c17 (utilities)")
    mshares = energy_splits.mining_shares(m1.x[:, m1.sectors.index("c2")], bp, price, par)
    children = list(energy_splits.MINING_CHILDREN)
    th = mshares[children].to_numpy()
    m2 = split_sector(m2, "c2", children, th, weights, _emission_shares(ch, "c2", children, th),
                      where="split c2 (mining)")
    gates.check_totals(t_prev, gates.print_stage("split c17 and c2", m1, m2, echo), "split sectors",
                       keys=("output", "intermediate", "final_demand", f"{CO2} (Mt)"))
    gates.check_mrio(m2, "split sectors")
    # ---- aggregate sectors ------------------------------------------------------------------
    sectors_df = _sector_list(cfg)
    smap = read_mapping(M / "wiod_sectors.csv", m2.sectors, what="sector")
    m3 = aggregate(m2, sectors=smap, sector_order=list(sectors_df["code"]))
    gates.check_totals(t_prev, gates.print_stage("aggregate sectors", m2, m3, echo), "aggregate sectors",
                       keys=("output", "intermediate", "final_demand", f"{CO2} (Mt)"))
    # ---- rebalance --------------------------------------------------------------------------
    fossil = [c for c, t in zip(sectors_df["code"], sectors_df["tags"]) if "fossil" in t.split(";")]
    m5, moves = rebalance(m3, stiff_rows=fossil, k_fuel=cfg.k_fuel, k_output=cfg.k_output)
    gates.print_stage("rebalance", m3, m5, echo)
    gates.check_mrio(m5, "rebalance", row_tolerance=1e-12, allow_negative_fd=False)
    echo("[rebalance] largest moves (M USD):")
    for row in moves.head(8).itertuples():
        echo(f"    {row.table} {row.cell}: {row.before:,.1f} → {row.after:,.1f} ({row.change:+,.1f})")
    # ---- benchmark ------------------------------------------------------------------------------
    b, diag, comparison = to_benchmark(m5, cfg, regions_df, sectors_df, price, cmap)
    validate(b, TOLERANCE, source="calibration stage 'benchmark'")
    b.metadata["calibration"]["largest_rebalancing_moves"] = [
        {"table": r.table, "cell": r.cell, "before_M_USD": round(r.before, 3), "after_M_USD": round(r.after, 3)}
        for r in moves.head(10).itertuples()]
    b.metadata["calibration"]["negative_final_demand_set_to_zero_M_USD"] = [
        {"cell": f"{r.source_region}/{r.good}/{r.region}/{r.category}", "value": round(r.value, 3)}
        for r in clipped.itertuples()]
    shares = {"mining (c2)": mshares, "utilities (c17)": ushares}
    return BuildResult(b, moves, clipped, diag, comparison, shares)


def to_benchmark(m: MRIO, cfg: BuildConfig, regions_df, sectors_df, price, cmap):
    """Model-ready arrays in bn USD from a rebalanced MRIO (aggregated codes):

    ``vom = x``, ``vid[s,i,j] = Σ_r Z[r,i,s,j]``, ``fd[s,i,a] = Σ_r Y[r,i,s,a]``,
    ``vxmd[i,r,s] = Σ_j Z[r,i,s,j] + Σ_a Y[r,i,s,a]`` (r ≠ s), value added and rents by
    :mod:`calibration.value_added`, emissions by :mod:`calibration.emissions`; ``to = tm = 0``."""
    M, y = cfg.mappings, cfg.year
    s = 1e-3  # M USD → bn USD
    R, J = m.regions, m.sectors
    vom = m.x * s
    vid = np.einsum("risj->sij", m.Z) * s
    fd = np.einsum("risa->sia", m.Y) * s
    flows = (m.Z.sum(axis=3) + m.Y.sum(axis=3)) * s           # [r, i, s]
    vxmd = np.transpose(flows, (1, 0, 2)).copy()
    for r in range(len(R)):
        vxmd[:, r, r] = 0.0
    va = vom - vid.sum(axis=1)
    va[np.abs(va) < 1e-12 * np.maximum(vom, 1.0)] = 0.0
    ls = read_sector_shares(M / "labour_shares.csv", "labour_share", J)
    rs = read_sector_shares(M / "rent_shares.csv", "rent_share", J, default=0.0)
    vfm, vrs = factor_split(np.maximum(va, 0.0), ls, rs)
    # emissions
    users = J + ("household",)
    T = np.concatenate([m.E[0, :, : len(J)], m.E[0, :, len(J):len(J) + 1]], axis=1)   # household only
    if m.E[0, :, len(J) + 1:].any():
        raise DataError("emissions: JRC CO2 assigned to government or investment; only households emit")
    fuel_idx = [J.index(f) for f in FUELS]
    U = np.concatenate([vid[:, fuel_idx, :], fd[:, fuel_idx, 0][:, :, None]], axis=2)
    eps = per_dollar_factors(M / "emission_factors.csv", price).to_numpy()
    owid = sat.read_owid_co2(cfg.path("emissions", "owid_co2_2020.csv.gz"), y, cmap, R)
    of = np.stack([owid[OWID_FUEL[f]].sum(axis=1).to_numpy() for f in FUELS], axis=1)
    co2f, co2p_nmm, diag = allocate(T, U, eps, of, owid["cement_co2"].to_numpy(), J.index("nmm"), R, users)
    co2 = np.zeros((len(R), len(J), len(users)))
    co2[:, fuel_idx, :] = co2f
    co2p = np.zeros((len(R), len(J)))
    co2p[:, J.index("nmm")] = co2p_nmm
    tags = {t: [c for c, tt in zip(sectors_df["code"], sectors_df["tags"]) if t in tt.split(";")]
            for t in ("fossil", "electricity", "resource", "eite", "crude", "cbam")}
    groups = {
        "annex1": [c for c, a in zip(regions_df["code"], regions_df["annex1"]) if a == "1"],
        "non_annex1": [c for c, a in zip(regions_df["code"], regions_df["annex1"]) if a != "1"],
        "developed": [c for c, d in zip(regions_df["code"], regions_df["development"]) if d == "developed"],
        "developing": [c for c, d in zip(regions_df["code"], regions_df["development"]) if d == "developing"],
    }
    gcb = sat.read_gcb_territorial(cfg.path("emissions", "gcb2019_national_co2.csv.gz"), y, cmap, R)
    edgar = sat.read_edgar(cfg.path("emissions", "edgar_v50_co2_by_sector.csv.gz"), y, cmap, R)
    wb = sat.read_wb_gdp(cfg.path("emissions", "wb_gdp_current_usd.csv.gz"), y, cmap, R)
    jrc_total = T.sum(axis=1)
    comparison = pd.DataFrame({
        "region": list(R), "co2_jrc_mt": jrc_total, "co2_gcb_territorial_mt": gcb.to_numpy(),
        "co2_edgar_mt": edgar.to_numpy(), "gdp_world_bank_bn_usd": wb.to_numpy(),
    })
    metadata = {
        "year": y,
        "description": "WIOD 2013 release (2011) aggregated to 8 regions x 12 sectors, CO2 from JRC (2019) "
                       "allocated to fuels; see PROVENANCE.md",
        "currency": "billions of current USD (WIOD basic prices, 2011)",
        "output_taxes": "zero: the stored WIOD 2013 tables have no tax rows (value added is a residual that "
                        "includes net product taxes and margins)",
        "tariffs": "zero: WIOD has no separate tariff or cif/fob information",
        "calibration": {
            "command": "python -m calibration build --shared ../shared/data --out data/wiod2011",
            "tolerance": TOLERANCE,
            "rebalancing": {"method": "row-wise weighted chi-square least squares (closed form)",
                            "k_cell": 1.0, "k_fuel": cfg.k_fuel, "k_output": cfg.k_output},
            "co2_comparison": [
                {k: (round(float(v), 3) if not isinstance(v, str) else v) for k, v in row.items()}
                for row in comparison.to_dict("records")],
        },
        "region_names": dict(zip(regions_df["code"], regions_df.get("name", regions_df["code"]))),
    }
    b = Benchmark(
        name=cfg.name, regions=R, sectors=J, factors=("labour", "capital"),
        tags=Tags(fossil=tuple(tags["fossil"]), electricity=tuple(tags["electricity"]),
                  resource=tuple(tags["resource"]), eite=tuple(tags["eite"]), crude=tuple(tags["crude"]),
                  region_groups={k: tuple(v) for k, v in groups.items()}, cbam=tuple(tags["cbam"])),
        vom=vom, to=np.zeros_like(vom), vid=vid, vfm=vfm, vrs=vrs, vxmd=vxmd, tm=np.zeros_like(vxmd),
        fd=fd, co2=co2, co2p=co2p, pop=owid["population"].to_numpy(), metadata=metadata,
        cbam_coverage=cbam_coverage(M / "cbam_coverage.csv", R, J, tags["cbam"]),
    )
    return b, diag, comparison


def cbam_coverage(path: Path, R, J, cbam_sectors) -> np.ndarray | None:
    """Shares of EU CBAM goods in output (``mappings/cbam_coverage.csv``, derived by
    ``python -m calibration.cbam_coverage``); ``None`` (the format's default) when absent."""
    if not path.exists():
        return None
    df = sat.load_csv(path, dtype={"region": str, "sector": str})
    sat.require_columns(df, ["region", "sector", "share"], path)
    arr = np.array([[1.0 if j in cbam_sectors else 0.0 for j in J] for _ in R])
    for row in df.itertuples():
        if row.region not in R or row.sector not in J:
            raise DataError(f"{path}: unknown region/sector {row.region}/{row.sector}")
        arr[R.index(row.region), J.index(row.sector)] = float(row.share)
    return arr


def write_dataset(result: BuildResult, out: Path, cfg: BuildConfig, provenance: str) -> Path:
    """Write the benchmark, PROVENANCE.md and the mapping files; the folder appears all at once."""
    out = Path(out)
    with atomic_folder(out, "benchmark", inputs=[cfg.shared, cfg.mappings], force=cfg.force,
                       need_bytes=20_000_000) as stage:
        write_benchmark_files(result.benchmark, stage)
        (stage / "PROVENANCE.md").write_text(provenance)
        shutil.copytree(cfg.mappings, stage / "mappings", ignore=shutil.ignore_patterns("__pycache__"))
    return out


def run(cfg: BuildConfig, echo=print) -> BuildResult:
    """Build, validate, write and report (the ``python -m calibration build`` command)."""
    if not Path(cfg.shared).is_dir():
        raise DataError(f"{cfg.shared}: shared data folder does not exist (pass --shared)")
    from cge.outdir import check_target

    check_target(cfg.out, "benchmark", inputs=[cfg.shared, cfg.mappings], force=cfg.force)   # before the work
    result = build(cfg, echo)
    from calibration.provenance import provenance_text
    write_dataset(result, cfg.out, cfg, provenance_text(result, cfg))
    echo(f"[write] {cfg.out}")
    echo(report.text(result.benchmark))
    return result
