"""PROVENANCE.md of a built dataset: sources, years, licences (as far as verified), assumptions,
and the numbers the build measured (split shares, CO2 comparison, rebalancing moves)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _md(df: pd.DataFrame, digits: int = 3) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = [f"{v:,.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _members(agg, targets) -> str:
    rows = ["| code | name | source codes | tags |", "|---|---|---|---|"]
    for t in targets:
        rows.append(f"| {t.code} | {t.name} | {', '.join(t.members)} | {', '.join(getattr(t, 'tags', ()))} |")
    return "\n".join(rows)


def _fallbacks(result) -> str:
    fb = result.fallbacks
    if fb is None or not len(fb):
        return "None: every region and sector had the data it needed."
    return _md(fb, 6)


def _cbam(result) -> str:
    agg = result.aggregation
    parts = [k for k in result.split_shares if k.startswith("CBAM")]
    text = []
    if parts or (agg is not None and agg.tagged("cbam")):
        text.append("""## CBAM goods

The EU CBAM covers iron and steel, aluminium, cement, fertilisers, hydrogen and electricity; WIOD
lumps them into c12 (basic and fabricated metals), c11 (cement, glass, ceramics) and c9 (all
chemicals). Output shares of the CBAM goods come from production quantities × 2011 world prices
(`mappings/cbam_goods_2011.csv`, sources in `mappings/cbam_goods_sources.md`), divided by WIOD gross
output of the parent, with the rest of the parent kept at least at `cbam_other_min_share`
(`mappings/energy_parameters.csv`). Split children have their parent's input structure; their sales
follow `mappings/split_use_weights.csv`; combustion CO2 is shared in proportion to output and cement
calcination CO2 is process CO2 of cement. Sectors tagged `cbam` and their coverage shares (share of
CBAM goods in the value of output) are in `cbam_coverage.csv`.
""")
        for k in parts:
            text.append(f"{k}:\n\n{_md(result.split_shares[k].reset_index(names='region'), 4)}\n")
    return "\n".join(text)


def _elasticities(b) -> str:
    el = b.metadata.get("elasticities")
    if not el:
        return ""
    params = [p for p in el if p not in ("sigma_c", "sigma_cn", "sigma_ce")]
    rows = ["| sector | " + " | ".join(params) + " |", "|---|" + "---|" * len(params)]
    for j in list(b.sectors) + ["*"]:
        cells = ["2·σdm" if el[p][j] is None else f"{el[p][j]:.4g}" for p in params]
        rows.append(f"| {j} | " + " | ".join(cells) + " |")
    hh = ", ".join(f"{p} = {el[p]['*']:g}" for p in ("sigma_c", "sigma_cn", "sigma_ce"))
    return ("## Elasticities\n\nDefaults of `cge/defaults/elasticities.csv` keyed by source sector (`*` for sectors "
            "it does not name), aggregated to each sector with world output weights (stored in `metadata.yaml`, "
            f"used by the model; scenarios override them). Household: {hh}.\n\n" + "\n".join(rows) + "\n")


def provenance_text(result, cfg) -> str:
    """PROVENANCE.md of a build: one section after the other."""
    return "".join(section(result, cfg) for section in (
        _header, _regions_and_sectors, _assumptions_and_fallbacks, _splits, _value_added_and_emissions,
        _rebalancing))


def _header(result, cfg) -> str:
    """The title, what built the dataset and the sources."""
    b = result.benchmark
    agg = result.aggregation
    sources = (Path(__file__).with_name("provenance_sources.md")).read_text()
    return f"""# Provenance of `{b.name}`

Built by `cge calibrate` from the aggregation file `mappings/aggregation.yaml` (code in
`calibration/`; assumption files copied in `mappings/`). Year {cfg.year or agg.year}. Values in billions of
current USD, CO2 in Mt, population in millions. Identities hold to {1e-9:g} (checked by
`cge.data.benchmark.validate`). {agg.description}

## Sources (details, commits and licence notes in `../shared/data/*/README.md`)

{sources}"""


def _kept(agg) -> str:
    """The source's own sectors and countries this aggregation keeps apart from WIOD's classification
    (nothing for one that keeps none, so WIOD's PROVENANCE.md is unchanged)."""
    if not agg.own_sectors and not agg.own_regions:
        return ""
    lines = [f"- sector `{c}` (of the source's own; inherits `{o.parent}`'s assumptions; tags "
             f"{', '.join(o.tags) or 'none'}; CBAM good {o.cbam_good or 'none'})" for c, o in agg.own_sectors.items()]
    lines += [f"- country `{c}` (a region of its own, not in WIOD's `RoW`)" for c in agg.own_regions]
    return ("\nKept from the source's classification (`calibration/classifications/`; see the fallbacks for "
            "what they inherit):\n\n" + "\n".join(lines) + "\n")


def _regions_and_sectors(result, cfg) -> str:
    """Regions, groups, sectors (with their source codes and tags) and final demand."""
    agg = result.aggregation
    groups = "\n".join(f"- `{g}`: {', '.join(m)}" for g, m in agg.region_groups.items()) or "- (none)"
    return f"""## Regions and sectors

Regions (source codes: WIOD 2013's 40 countries and its modelled rest of world `RoW`; the region
holding `RoW` is the rest of world, here `{agg.rest_of_world}`):

{_members(agg, agg.regions)}

Region groups:

{groups}

Flows within an aggregate region are domestic. Satellite data: countries map to regions through WIOD's
ISO3 codes; any other country belongs to `{agg.rest_of_world}`; for BP, `{agg.rest_of_world}` = World − named
regions (BP has unassigned "Other ..." rows).

Sectors (source codes: WIOD c1..c35 with c2 split into coa, cru, ngs, omn, c17 into ele, gdt, wtr, and
any CBAM splits of c9, c11, c12; tags as given in the aggregation file):

{_members(agg, agg.sectors)}
{_kept(agg)}
In the default aggregation, paper (c7) is not EITE because WIOD bundles it with printing and publishing,
met holds basic *and fabricated* metals (WIOD does not separate them), and gas joins natural gas
extraction and gas distribution into one fuel.

EU CBAM goods (Regulation (EU) 2023/956, Annex I): sectors tagged `cbam` in the aggregation file. The share
of CBAM goods in each tagged sector's output (`cbam_coverage.csv`) is the 2011 value of the CBAM goods it
holds (production × world price, `mappings/cbam_goods_2011.csv`) over gross output, electricity and split
CBAM goods = 1 (see the CBAM goods section). The model charges a covered share at the sector's average
intensity, which understates the intensity of steel, aluminium and cement relative to the rest of their
sectors; split them out (examples/aggregations/cbam.yaml) where that matters.

Final demand: household = CONS_h + CONS_np; government = CONS_g; investment = GFCF + INVEN. Cells still
negative after folding inventories into investment are set to zero before rebalancing (which restores
the identities): {len(result.clipped)} cells, {result.clipped['value'].sum():,.1f} M USD in total.

"""


def _assumptions_and_fallbacks(result, cfg) -> str:
    """Assumptions keyed by source code and the fallbacks this build used."""
    return f"""## Assumptions keyed by source code

Labour shares (`mappings/labour_shares.csv`), resource-rent shares (`mappings/rent_shares.csv`, applied to
sectors tagged `resource` only), fuel price benchmarks (`mappings/fuel_price_benchmarks.csv`, by WIOD
source region) and elasticity defaults are given for source codes; a target takes the output-weighted
mean of its sources (world gross output for sectors, WIOD mining output c2 for regions), which is exactly
the common value when all sources agree. The aggregation file may override any of them (`assumptions`).

## Fallbacks used by this build (data gaps; region, sector, what was done, how much)

{_fallbacks(result)}

"""


def _splits(result, cfg) -> str:
    """The sector splits with their shares by region, CBAM goods and elasticities."""
    b = result.benchmark
    ms = result.split_shares["mining (c2)"].reset_index(names="region")
    us = result.split_shares["utilities (c17)"].reset_index(names="region")
    return f"""## Sector splits (assumptions; shares by region)

WIOD c17 (electricity, gas and water) → ele, gdt, wtr: water gets a fixed share
(`mappings/energy_parameters.csv`); electricity and gas distribution share the rest in proportion to
BP electricity generation × a notional price and BP gas consumption × a notional distribution value.
WIOD c2 (mining) → coa, cru, ngs, omn: BP production (coal Mt, oil Mt, gas bcm) × BP benchmark prices by
region (`mappings/fuel_price_benchmarks.csv`); if the fossil values exceed 90% of c2 output they are
scaled down (λ < 1) so that other mining keeps at least 10%. Inputs (columns) of each child have the
parent's structure; sales (rows) are divided by RAS with use weights by buyer
(`mappings/split_use_weights.csv`: crude oil goes to refineries, coal to power, steel and cement, gas to
distributors and power …), so that each parent cell equals the sum of its children exactly. JRC emissions
of c17 go entirely to electricity; those of c2 are shared in proportion to output
(`mappings/split_children.csv`).

{_md(us)}

{_md(ms)}

{_cbam(result)}
{_elasticities(b)}
"""


def _co2_route(result) -> str:
    """A paragraph for a build whose CO2 is not WIOD's JRC satellite (empty otherwise: the text
    below describes the JRC route)."""
    cols = set(result.comparison.columns)
    if "co2_gcb_by_fuel_mt" in cols:
        return ("**This dataset's CO2 is not JRC's**: GCB 2019 national CO2 by fuel "
                "(`gcp2019_co2_by_fuel_1960_2018.csv.gz`, countries by name mapped to ISO3 by "
                "`calibration/mappings/gcp_countries.csv`) is allocated to each user's purchases of the fuel "
                "in proportion to purchases × per-dollar emission factors, so totals by region and fuel equal "
                "GCB exactly (coal; oil; gas + flaring); GCB's cement CO2 is the process CO2 of the sector "
                "holding cement. The description of the JRC route below does not apply to this dataset; "
                "its comparison table compares the GCB allocation (column `co2_mt`) with GCB territorial CO2 "
                "and EDGAR.\n\n")
    if "co2_table_mt" in cols:
        return ("**This dataset's CO2 is the user's table** (aggregation file `co2.table`, region × WIOD industry "
                "plus household, Mt) in place of JRC's; everything below applies to it as to the JRC table.\n\n")
    return ""


def _value_added_and_emissions(result, cfg) -> str:
    """Value added, rents and taxes; the emission allocation and its check against GCB/EDGAR."""
    from calibration import report

    rep = report.table(result.benchmark)
    return f"""## Value added, rents, taxes

WIOD 2013 as stored has no value-added rows: value added is the residual output − intermediate inputs
and includes net product taxes and margins. Output taxes and tariffs are zero (no source data). Resource
rents are a share of value added in the sectors tagged `resource` (`mappings/rent_shares.csv`); the rest
is split into labour and capital by sector shares (`mappings/labour_shares.csv`). All shares are assumptions of a
GTAP-like order of magnitude, not measurements.

## Emissions

{_co2_route(result)}JRC CO2 by country × industry (56 NACE sectors) is concorded to WIOD c1..c35 by the approximate map
`mappings/jrc56_to_wiod35.csv` (sector U dropped; FC_HH = household), and JRC's extra countries go to
WIOD's RoW (`mappings/jrc_regions.csv`). Region totals equal JRC totals exactly. Cement calcination CO2 (OWID
`cement_co2`) becomes process emissions of the sector holding cement (`co2p`) and is subtracted from
its JRC total. A user with JRC emissions but no fuel purchases has them moved to the region's other
emitting users (listed under fallbacks), so region and world totals are unchanged. Each
user's remaining CO2 is allocated to the fuels (the sectors holding coal, refined oil, gas) in
proportion to fuel purchases × per-dollar emission factors (`mappings/emission_factors.csv` divided by
regional benchmark prices), scaled (RAS) so
that each user's total equals JRC exactly and the fuel totals follow OWID's fuel mix (coal; oil; gas +
flaring) at the JRC level. Crude oil is refinery feedstock and carries no emissions; government and
investment carry none. JRC totals include residents' international bunkers and differ from territorial
inventories (JRC World is 35.0 Gt against 33.2 Gt for GCB's country rows). Stated tolerance: ±10% per
region against GCB and EDGAR, ±25% for ROW (JRC's modelled rest of world is the least comparable):

{_md(rep)}

"""


def _rebalancing(result, cfg) -> str:
    """The rebalancing step and its largest moves."""
    moves = result.moves.head(10).copy()
    return f"""## Rebalancing

Rows short of output because WIOD was stored as truncated integers (and rows changed by clipping
negative investment) are restored exactly by a row-wise chi-square least-squares step (closed form,
`calibration/rebalance.py`): ordinary cells have stiffness 1, cells of fossil-fuel rows {cfg.k_fuel:g}, output
{cfg.k_output:g}; no new nonzeros are created. Largest moves (M USD):

{_md(moves, 1)}
"""
