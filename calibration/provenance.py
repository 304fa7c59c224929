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


def provenance_text(result, cfg) -> str:
    from calibration import report

    b = result.benchmark
    ms = result.split_shares["mining (c2)"].reset_index(names="region")
    us = result.split_shares["utilities (c17)"].reset_index(names="region")
    moves = result.moves.head(10).copy()
    rep = report.table(b)
    sources = (Path(__file__).with_name("provenance_sources.md")).read_text()
    return f"""# Provenance of `data/wiod2011`

Built by `python -m calibration build --shared ../shared/data --out data/wiod2011` (code in `calibration/`,
mapping and assumption files copied in `mappings/`). Year {cfg.year}. Values in billions of current USD,
CO2 in Mt, population in millions. Identities hold to {1e-9:g} (checked by `cge.benchmark.validate`).

## Sources (details, commits and licence notes in `../shared/data/*/README.md`)

{sources}## Regions and sectors

Regions (`mappings/wiod_regions.csv`, groups in `mappings/regions.csv`): EU27 (WIOD's 27 EU members of 2011,
incl. GBR; Croatia is in ROW), USA, OAI (Australia, Canada, Japan, Turkey), RUS, CHN, IND, EME (Brazil,
Indonesia, Korea, Mexico, Taiwan), ROW. `developed` follows UNFCCC Annex I at this aggregation (Russia, an
Annex I economy in transition, counts as developed), so `developed` = `annex1`. Flows within an aggregate
region are domestic. Satellite data: countries map to regions through WIOD's ISO3 codes; any other country
is ROW; for BP, ROW = World − named regions (BP has unassigned "Other ..." rows).

Sectors (`mappings/wiod_sectors.csv`, tags in `mappings/sectors.csv`): coa, cru, gas (natural gas
extraction + gas manufacture and distribution), oil (c8: coke, refined petroleum, nuclear fuel), ele,
chm (c9), nmm (c11), met (c12, basic *and fabricated* metals: WIOD does not separate them), agr, man
(other manufacturing incl. paper/printing/publishing and other mining), trn (c23–c26), ser (services,
construction, water). EITE = chm, nmm, met. Paper (c7) is not EITE because WIOD bundles it with printing
and publishing. Tags: fossil = coa, oil, gas; resource = coa, cru, gas; crude = cru; electricity = ele.

EU CBAM goods (Regulation (EU) 2023/956, Annex I): tag `cbam` = ele, chm, nmm, met. The share of CBAM goods
in each sector's output (`cbam_coverage.csv`, from `mappings/cbam_coverage.csv`, derived by
`python -m calibration.cbam_coverage`) is the 2011 value of crude steel and primary aluminium (met), cement
(nmm) and nitrogen fertilisers at the ammonia price (chm) over gross output; electricity = 1. Production:
worldsteel, OWID/USGS, FAOSTAT; prices: USGS Mineral Commodity Summaries 2012/2013 and the World Bank Pink
Sheet (the steel price is a finished-product unit value, an upper bound). Hydrogen is left out (mostly
captive). The model charges a covered share at the sector's average intensity, which understates the
intensity of steel, aluminium and cement relative to the rest of their sectors.

Final demand: household = CONS_h + CONS_np; government = CONS_g; investment = GFCF + INVEN. Cells still
negative after folding inventories into investment are set to zero before rebalancing (which restores
the identities): {len(result.clipped)} cells, {result.clipped['value'].sum():,.1f} M USD in total.

## Sector splits (assumptions; shares by region)

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

## Value added, rents, taxes

WIOD 2013 as stored has no value-added rows: value added is the residual output − intermediate inputs
and includes net product taxes and margins. Output taxes and tariffs are zero (no source data). Resource
rents are a share of value added in coa, cru, gas (`mappings/rent_shares.csv`); the rest is split into
labour and capital by sector shares (`mappings/labour_shares.csv`). All shares are assumptions of a
GTAP-like order of magnitude, not measurements.

## Emissions

JRC CO2 by country × industry (56 NACE sectors) is concorded to WIOD c1..c35 by the approximate map
`mappings/jrc56_to_wiod35.csv` (sector U dropped; FC_HH = household), and JRC's extra countries go to
ROW (`mappings/jrc_regions.csv`). Region totals equal JRC totals exactly. Cement calcination CO2 (OWID
`cement_co2`) becomes process emissions of nmm (`co2p`) and is subtracted from JRC's nmm total. Each
user's remaining CO2 is allocated to coal, refined oil and gas in proportion to fuel purchases × per-dollar
emission factors (`mappings/emission_factors.csv` divided by regional benchmark prices), scaled (RAS) so
that each user's total equals JRC exactly and the fuel totals follow OWID's fuel mix (coal; oil; gas +
flaring) at the JRC level. Crude oil is refinery feedstock and carries no emissions; government and
investment carry none. JRC totals include residents' international bunkers and differ from territorial
inventories (JRC World is 35.0 Gt against 33.2 Gt for GCB's country rows). Stated tolerance: ±10% per
region against GCB and EDGAR, ±25% for ROW (JRC's modelled rest of world is the least comparable):

{_md(rep)}

## Rebalancing

Rows short of output because WIOD was stored as truncated integers (and rows changed by clipping
negative investment) are restored exactly by a row-wise chi-square least-squares step (closed form,
`calibration/rebalance.py`): ordinary cells have stiffness 1, cells of fossil-fuel rows {cfg.k_fuel:g}, output
{cfg.k_output:g}; no new nonzeros are created. Largest moves (M USD):

{_md(moves, 1)}
"""
