"""The results contract: every public result table, its columns, their units and meaning.

One schema shared by :func:`cge.results.tables.collect` (its tables match it exactly, see
``tests/test_results_contract.py``), :data:`cge.results.schema.TABLES`, the output writer (CSV, Parquet, the
Excel ``units`` sheet, ``run.yaml``) and the report's reader (:mod:`cge.report.data`), so a column
is named, described and given a unit once.

Units follow the column name's suffix (:data:`SUFFIX_UNITS`; the longest matching suffix wins),
unless a column states its own (labels, flags, counts). Money is in bn USD at benchmark prices
deflated by the world consumer price index ``PW``; CO2 in Mt. Stacked over scenarios (as written
to files) every table gains a leading ``scenario`` column (:data:`SCENARIO`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SCENARIO = "scenario"
#: unit of a column by the end of its name
SUFFIX_UNITS = (
    ("_bn_usd_at_benchmark_prices", "bn USD at benchmark prices"),
    ("_bn_usd", "bn USD (benchmark prices, deflated by PW)"),
    ("_usd_per_t", "USD per t CO2"),
    ("_usd", "USD per person"),
    ("_pct_of_payer_gdp", "% of the payer's GDP"),
    ("_pct_of_income", "% of benchmark income"),
    ("_pct", "%"),
    ("_mt", "Mt CO2"),
    ("_t", "t CO2 per person"),
    ("_million", "million people"),
)
LABEL, FLAG, COUNT = "label", "flag (true/false)", "count"


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    unit: str = ""

    @property
    def units(self) -> str:
        """The stated unit, else the one of the name's suffix (:data:`SUFFIX_UNITS`)."""
        if self.unit:
            return self.unit
        for suffix, unit in SUFFIX_UNITS:
            if self.name.endswith(suffix):
                return unit
        raise ValueError(f"results column {self.name!r}: no unit (name it with a unit suffix or state one)")


@dataclass(frozen=True)
class Table:
    """One public result table: its columns in order, and the prefix of dataset-dependent columns
    that follow them (e.g. ``group_<name>`` flags of the dataset's region groups)."""

    name: str
    description: str
    columns: tuple[Column, ...]
    dynamic: Column | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def check(self, df: pd.DataFrame, stacked: bool = False) -> list[str]:
        """What differs between ``df`` and the contract (empty when it matches exactly, in order)."""
        want = ([SCENARIO] if stacked else []) + self.names
        got = list(df.columns)
        extra = got[len(want):]
        problems = []
        if got[:len(want)] != want:
            missing = [c for c in want if c not in got]
            problems.append(f"{self.name}: columns {got[:len(want)]} differ from the contract {want}"
                            + (f" (missing {', '.join(missing)})" if missing else ""))
        bad = [c for c in extra if self.dynamic is None or not c.startswith(self.dynamic.name)]
        if bad:
            problems.append(f"{self.name}: column(s) {', '.join(bad)} not in the results contract")
        return problems

    def unit_of(self, column: str) -> str:
        if column == SCENARIO:
            return LABEL
        for c in self.columns:
            if c.name == column:
                return c.units
        if self.dynamic is not None and column.startswith(self.dynamic.name):
            return self.dynamic.units
        raise KeyError(f"{self.name}: no column {column!r} in the results contract")

    def describe(self, column: str) -> str:
        if column == SCENARIO:
            return "scenario (design) name"
        for c in self.columns:
            if c.name == column:
                return c.description
        if self.dynamic is not None and column.startswith(self.dynamic.name):
            return self.dynamic.description.replace("<name>", column[len(self.dynamic.name):])
        raise KeyError(f"{self.name}: no column {column!r} in the results contract")


def _cols(*spec) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in spec)


_REGION = ("region", "region code", LABEL)
_COALITION = ("coalition", "region is a member of the carbon-pricing coalition", FLAG)
_REFERENCE = ("reference", "the scenario's reference (same policy without border measure), empty if none", LABEL)
# decomposition channels (cge/results/decomposition.py: CHANNELS), each in bn USD and in % of consumption
_CHANNELS = (("tot_fossil", "terms of trade in fossil fuels"), ("tot_eite", "terms of trade in EITE goods"),
             ("tot_other", "terms of trade in other goods"),
             ("bca_charges_paid", "BCA charges levied on the region's exports"),
             ("bca_charges_received", "BCA revenue kept as importer"),
             ("bca_revenue_returned", "BCA revenue returned to the region as exporter"),
             ("export_rebates", "export rebates"), ("output_rebates", "output-based rebates"),
             ("permit_trade", "allowance sales to (purchases from) partners"),
             ("efficiency_carbon", "allocative efficiency of carbon charges"),
             ("efficiency_other", "allocative efficiency of every other wedge"),
             ("endowments", "endowment quantities (employment under a fixed real wage)"),
             ("transfers_other", "other transfers (balance of payments, revenue transfers)"),
             ("remainder", "index-number remainder"))

CONTRACT: tuple[Table, ...] = (
    Table("summary", "one row per scenario: world and coalition measures", _cols(
        ("coalition_abatement_mt", "coalition abatement −ΔE(coalition)"),
        ("coalition_abatement_pct", "coalition abatement in % of its benchmark emissions"),
        ("non_coalition_emissions_change_mt", "ΔE of non-coalition regions"),
        ("global_emissions_change_mt", "ΔE of the world"),
        ("leakage_rate_pct", "100·ΔE(non-coalition)/−ΔE(coalition); empty when undefined (see undefined)"),
        ("carbon_price_usd_per_t", "coalition carbon price, weighted by benchmark emissions"),
        ("eite_output_change_coalition_pct", "EITE output change of coalition regions, output-weighted"),
        ("eite_output_change_non_coalition_pct", "EITE output change of non-coalition regions, output-weighted"),
        ("ev_world_bn_usd", "world equivalent variation Σ EV"),
        ("ev_world_pct", "world EV in % of world benchmark consumption"),
        ("ev_coalition_bn_usd", "EV of coalition regions"),
        ("ev_coalition_pct", "EV of coalition regions in % of their benchmark consumption"),
        ("ev_rest_bn_usd", "EV of non-coalition regions"),
        ("ev_rest_pct", "EV of non-coalition regions in % of their benchmark consumption"),
        ("burden_share_non_coalition_pct", "share of the global welfare cost borne by non-coalition regions"),
        ("bca_revenue_bn_usd", "BCA revenue, kept and returned"))),
    Table("regions", "one row per region", _cols(
        _REGION, _COALITION,
        ("ev_bn_usd", "equivalent variation (C − 1)·Σ vc"),
        ("ev_pct", "EV in % of benchmark household consumption, 100·(C − 1)"),
        ("ev_per_capita_usd", "EV per person"),
        ("emissions_benchmark_mt", "benchmark emissions"),
        ("emissions_mt", "emissions (combustion and process)"),
        ("emissions_change_mt", "emissions change"),
        ("emissions_change_pct", "emissions change in % of benchmark"),
        ("carbon_price_usd_per_t", "carbon price 1000·PCO2/PW"),
        ("carbon_revenue_bn_usd", "carbon revenue"),
        ("bca_revenue_kept_bn_usd", "BCA revenue kept as importer"),
        ("bca_revenue_returned_received_bn_usd", "BCA revenue returned to the region as exporter"),
        ("export_rebate_cost_bn_usd", "cost of export rebates"),
        ("output_rebate_cost_bn_usd", "cost of output-based rebates"),
        ("tariff_revenue_bn_usd", "tariff revenue"),
        ("income_per_capita_benchmark_usd", "benchmark income (Σ fd − bop) per person"),
        ("population_million", "population"),
        ("terms_of_trade_pct", "export over import price index at world prices, % change"),
        ("gdp_income_bn_usd", "GDP by income (current prices)"),
        ("gdp_expenditure_bn_usd", "GDP by expenditure C + G + I + X − M (current prices)"),
        ("trade_balance_bn_usd", "exports minus imports at world prices")),
        dynamic=Column("group_", "region belongs to the dataset's region group <name>", FLAG)),
    Table("groups", "one row per region group of the dataset", _cols(
        ("group", "region group", LABEL), ("regions", "member regions, space separated", LABEL),
        ("ev_bn_usd", "EV of the group"), ("ev_pct", "EV in % of the group's benchmark consumption"),
        ("ev_per_capita_usd", "EV per person"))),
    Table("sectors", "one row per producing region and sector", _cols(
        _REGION, ("sector", "sector code", LABEL), ("eite", "energy-intensive, trade-exposed sector", FLAG),
        _COALITION,
        ("output_benchmark_bn_usd", "benchmark output"), ("output_change_pct", "output change, 100·(Y − 1)"),
        ("exports_benchmark_bn_usd", "benchmark exports"), ("exports_change_pct", "export quantity change"),
        ("imports_benchmark_bn_usd", "benchmark imports"), ("imports_change_pct", "import quantity change"))),
    Table("bilateral", "one row per traded good, exporter and importer", _cols(
        ("good", "good", LABEL), ("exporter", "exporting region", LABEL), ("importer", "importing region", LABEL),
        ("benchmark_bn_usd", "benchmark trade flow"),
        ("quantity_bn_usd_at_benchmark_prices", "trade flow quantity"),
        ("change_pct", "quantity change"))),
    Table("bca_flows", "one row per charged trade flow and collector", _cols(
        ("good", "good", LABEL), ("exporter", "exporting region", LABEL), ("importer", "importing region", LABEL),
        ("collected_by", "region whose agent collects the charge", LABEL),
        ("charge_bn_usd", "BCA charge revenue"))),
    Table("decomposition", "EV by channel, relative to the benchmark and to the reference", _cols(
        ("relative_to", "base of the comparison: benchmark or the reference scenario", LABEL), _REGION,
        ("path_steps", "steps of the finest path sums (1 = two-point identity; the exact default halves the path "
                       "where its remainder is largest)", COUNT),
        ("ev_bn_usd", "EV (from the welfare level)"), ("ev_pct", "EV in % of benchmark consumption"),
        *((f"{k}_bn_usd", d) for k, d in _CHANNELS), *((f"{k}_pct", f"{d}, % of consumption") for k, d in _CHANNELS),
        ("check_bn_usd", "EV − Σ channels (zero at equilibrium)"))),
    Table("closures", "one row per region: what the closures and revenue recycling hold or let move", _cols(
        _REGION, ("capital_inflow_bn_usd", "capital inflow (current-account deficit); bop under a fixed current "
                  "account"),
        ("savings_rate_pct", "savings (investment less the inflow) in % of the regional agent's income"),
        ("real_wage_index", "wage over the consumer price (first labour factor)", "index, benchmark = 1"),
        ("unemployment_rate_pct", "unemployment in % of the benchmark labour force (fixed real wage; else 0)"),
        ("labour_tax_change_pct_points", "change of the labour-tax rate (labour-tax recycling; else 0)",
         "percentage points"),
        ("capital_rent_spread_pct", "highest over lowest sector capital rent, minus 1 (sector-specific "
         "capital; else 0)"),
        ("transfer_paid_bn_usd", "revenue paid abroad (recycling.transfer_share)"),
        ("transfer_received_bn_usd", "transfers received from abroad"),
        ("net_transfer_bn_usd", "received − paid"))),
    Table("fairness", "one row per region: per-capita welfare and emissions", _cols(
        _REGION, _COALITION, ("developing", "region counted as developing", FLAG),
        ("population_million", "population"),
        ("income_per_capita_benchmark_usd", "benchmark income per person"),
        ("emissions_per_capita_benchmark_t", "benchmark emissions per person"),
        ("emissions_per_capita_t", "emissions per person"),
        ("ev_bn_usd", "EV"), ("ev_pct", "EV in % of benchmark consumption"), ("ev_per_capita_usd", "EV per person"),
        ("ev_pct_of_income", "EV in % of benchmark income"), _REFERENCE,
        ("ev_vs_ref_bn_usd", "EV change relative to the reference"),
        ("ev_vs_ref_per_capita_usd", "EV change relative to the reference, per person"),
        ("transfer_received_bn_usd", "revenue transfers received (recycling.transfer_to)"),
        ("transfer_paid_bn_usd", "revenue transfers paid (recycling.transfer_share)"),
        ("net_transfer_bn_usd", "received − paid"))),
    Table("burden_shares", "one row per region group: share of the global welfare cost", _cols(
        ("group", "region group", LABEL), ("regions", "member regions", LABEL),
        ("population_share_pct", "share of world population"), ("income_share_pct", "share of world income"),
        ("emissions_share_benchmark_pct", "share of world benchmark emissions"),
        ("ev_bn_usd", "EV of the group"), ("ev_pct", "EV in % of the group's benchmark consumption"),
        ("burden_share_pct", "100·EV(group)/EV(world) when the world loses"), _REFERENCE,
        ("ev_vs_ref_bn_usd", "EV change relative to the reference"),
        ("burden_share_vs_ref_pct", "share of the world's EV change relative to the reference"),
        ("net_transfer_bn_usd", "revenue transfers received less paid by the group"))),
    Table("bca_transfers", "one row per developing exporter and a total: BCA charges paid to developed regions",
          _cols(("payer", "exporting (developing) region, or the total", LABEL),
                ("to_developed_bn_usd", "charges kept by developed importers"),
                ("returned_bn_usd", "charges returned to the payer"),
                ("payer_gdp_bn_usd", "payer's GDP by income"),
                ("to_developed_pct_of_payer_gdp", "charges kept by developed importers"),
                ("transfer_received_bn_usd", "revenue transfers received (recycling.transfer_to)"))),
    Table("cbdr", "one row per scenario: burden on developing regions", _cols(
        ("developing_group", "the group counted as developing", LABEL),
        ("ev_developing_bn_usd", "EV of developing regions"),
        ("ev_developing_pct", "EV of developing regions in % of their consumption"), _REFERENCE,
        ("ev_developing_vs_ref_bn_usd", "EV change of developing regions relative to the reference"),
        ("burden_share_developing_pct", "share of the global welfare cost borne by developing regions"),
        ("bca_to_developed_bn_usd", "BCA charges developing regions pay to developed ones"),
        ("ev_least_developed_pct", "EV of least-developed regions in % of their consumption, where tagged"),
        ("net_transfer_to_developing_bn_usd", "revenue transfers received less paid by developing regions"),
        ("cbdr_rank", "designs ranked by the burden on developing regions (1 = lightest)", COUNT))),
    # the detail tables (cge/results/detail.py): prices, factor prices, value added, employment, consumption,
    # emissions by sector and fuel, leakage channels; then the plausibility diagnostics (cge/results/diagnostics.py)
    Table("prices", "one row per region and good: price changes (benchmark = 1, deflated by PW)", _cols(
        _REGION, ("good", "good (commodity) code", LABEL),
        ("supply_price_change_pct", "producer (supply) price PY"),
        ("armington_price_change_pct", "Armington (domestic-import composite) price PA"),
        ("consumer_price_change_pct", "household buyer price ((1 + tpu)·PA + PCO2·ef)/(1 + tpu), carbon charge "
                                      "included; empty where households do not buy the good"))),
    Table("factor_prices", "one row per region and factor, resource rent and CO2 (prices deflated by PW)", _cols(
        _REGION, ("item", "factor code (e.g. labour: the wage, capital: the rental), resource sector code, or CO2",
                  LABEL),
        ("kind", "factor, resource_rent or carbon", LABEL),
        ("benchmark_bn_usd", "benchmark factor income or rent; empty for CO2"),
        ("price_change_pct", "factor price PF or resource rent PR; empty for CO2"),
        ("carbon_price_usd_per_t", "carbon price 1000·PCO2/PW (CO2 row only)"))),
    Table("value_added", "one row per region and sector: value added at factor cost (factors and resource rents)",
          _cols(_REGION, ("sector", "sector code", LABEL),
                ("benchmark_bn_usd", "benchmark value added Σ_f vfm + vrs"),
                ("quantity_bn_usd_at_benchmark_prices", "factor and resource inputs"),
                ("value_bn_usd", "Σ PF·q + PR·q (current prices)"),
                ("change_pct", "change of the quantity"))),
    Table("employment", "one row per region, sector and labour factor: labour demand", _cols(
        _REGION, ("sector", "sector code", LABEL), ("factor", "labour factor code", LABEL),
        ("benchmark_bn_usd", "benchmark wage bill vfm"),
        ("quantity_bn_usd_at_benchmark_prices", "labour demand at benchmark wages"),
        ("change_pct", "employment change"))),
    Table("consumption", "one row per region and good: household demand", _cols(
        _REGION, ("good", "good code", LABEL), ("benchmark_bn_usd", "benchmark household demand vc"),
        ("quantity_bn_usd_at_benchmark_prices", "household demand"), ("change_pct", "demand change"))),
    Table("emissions", "one row per region, emitting user and fuel: CO2 emissions", _cols(
        _REGION, ("user", "emitting sector code, or household", LABEL),
        ("fuel", "fossil fuel burnt (a fossil sector's code), or process", LABEL),
        ("emissions_benchmark_mt", "benchmark emissions"), ("emissions_mt", "emissions"),
        ("emissions_change_mt", "emissions change"), ("emissions_change_pct", "emissions change in % of benchmark"))),
    Table("leakage_channels", "one row per non-coalition region and their total: the emission change by channel "
          "(LMDI-I; they sum to emissions_change_mt)", _cols(
              _REGION, ("emissions_benchmark_mt", "benchmark emissions"),
              ("emissions_change_mt", "emissions change (leakage)"),
              ("eite_relocation_mt", "relocated EITE output: activity effect of EITE sectors, Σ L(E1,E0)·ln Y"),
              ("fuel_price_mt", "world fuel prices: change of emissions per unit of activity (intensity effect) "
                                "of every sector and the household, Σ L(E1,E0)·ln(I1/I0)"),
              ("other_activity_mt", "activity effect of the other sectors and of household consumption"))),
    Table("diagnostics", "one row per result outside the plausible range (thresholds: scenario diagnostics.*)",
          _cols(("check", "what is checked: ev, output, exports, imports, transfer, price", LABEL),
                ("region", "region", LABEL),
                ("item", "sector, transfer kind or price (e.g. PY[EU27,ele]); empty for EV", LABEL),
                ("value", "the result", "see the unit column"),
                ("limit", "the threshold it passes", "see the unit column"),
                ("unit", "unit of value and limit", LABEL), ("message", "the warning, one line", LABEL))),
)
#: every public table, in the order written (``cge.results.schema.TABLES``)
TABLES: tuple[str, ...] = tuple(t.name for t in CONTRACT)
BY_NAME = {t.name: t for t in CONTRACT}
#: the table of undefined ratios (kept per scenario, written to run.yaml, not a file)
UNDEFINED = Table("undefined", "ratios left undefined and why", _cols(
    ("measure", "the undefined measure (a column name)", LABEL), ("reason", "why it is undefined", LABEL)))
#: a sweep's ``summary_stats.csv`` (cge/sweep/summary.py): one row per design, measure and region
SWEEP_STATS = Table("summary_stats", "sweep statistics of each headline measure over the SSA draws", _cols(
    ("design", "design (scenario) name", LABEL), ("measure", "headline measure (cge/results/measures.py)", LABEL),
    ("region", "region, coalition, non-coalition or ALL", LABEL),
    ("mean", "mean over the draws", "unit of the measure"), ("std", "standard deviation", "unit of the measure"),
    ("p05", "5th percentile", "unit of the measure"), ("p95", "95th percentile", "unit of the measure"),
    ("n", "points that solved", COUNT)))
#: the solved state of one scenario (cge/results/state.py: ``run[name].prices()`` and the like), kept in
#: memory after a run, not written to the results folder
_VARIABLE = (("variable", "variable family (e.g. PY: output price)", LABEL),
             ("name", "variable with its index, e.g. PY[EU27,ele]", LABEL))
_WHERE = (("region", "region of the index, empty for world-wide variables", LABEL),
          ("item", "sector, good, factor or transport margin of the index (comma separated), or empty", LABEL),
          ("description", "what the variable is", LABEL))
_PRICE_INDEX = "index, benchmark = 1, deflated by the world consumer price index PW"
_LEVEL_INDEX = "index, benchmark = 1"
STATE: tuple[Table, ...] = (
    Table("prices", "one row per price of a good, factor, resource or transport service", _cols(
        *_VARIABLE, *_WHERE, ("price_index", "the solved price over PW", _PRICE_INDEX),
        ("price_change_pct", "100·(price_index − 1)"))),
    Table("quantities", "one row per activity level: production, Armington aggregation, consumption, transport",
          _cols(*_VARIABLE, *_WHERE, ("level_index", "the solved activity level", _LEVEL_INDEX),
                ("level_change_pct", "100·(level_index − 1)"))),
    Table("flows", "one row per input and output of every block (cge.core.query.flows)", _cols(
        ("block", "the block, e.g. Y[EU27,ele] (production), A[..] (Armington), C[..], RA[..]", LABEL),
        ("role", "input, output, fixed_demand, final_demand or endowment", LABEL),
        ("commodity", "the price of the flow's commodity, e.g. PA[EU27,coa]", LABEL),
        ("flow", "the benchmark flow it is calibrated to, e.g. vid[EU27,coa,ele]", LABEL),
        ("quantity_bn_usd_at_benchmark_prices", "quantity"),
        ("level_index", "activity level of the block", _LEVEL_INDEX),
        ("quantity_per_unit_level", "quantity per unit of the level (empty where the level is 0)",
         "bn USD at benchmark prices per unit of level_index"),
        ("price_index", "market price of the commodity over PW", _PRICE_INDEX),
        ("value_bn_usd", "quantity × price_index"))),
    Table("variables", "one row per variable of the model, as solved", _cols(
        *_VARIABLE, ("kind", "sector (activity), commodity (price), consumer (income) or auxiliary", LABEL),
        *_WHERE, ("value", "the solved value, in the row's unit", "see the unit column"),
        ("unit", "unit of value", LABEL), ("fixed", "fixed in this scenario (e.g. an unpriced carbon price)", FLAG))),
)
STATE_BY_NAME = {t.name: t for t in STATE}
#: the tables of a recursive-dynamic path (cge/dynamics/path.py), written by ``cge baseline``; measures are
#: relative to the baseline of the same year; money in bn USD at base-year benchmark prices
_YEAR = ("year", "year of the path", "year")
_DESIGN = ("design", "policy design on the path (a schedule of scenarios by year)", LABEL)
#: the columns of ``path_summary``, which ``path_variants`` repeats after its ``variant``
_PATH_SUMMARY = (_DESIGN, ("scenario", "the scenario that applies in the year", LABEL), _YEAR,
                 ("carbon_price_usd_per_t", "mean carbon price of the coalition"),
                 ("coalition_emissions_change_pct", "coalition emissions vs the same year's baseline"),
                 ("global_emissions_change_mt", "world emissions vs the same year's baseline"),
                 ("leakage_rate_pct", "100·ΔE(rest)/−ΔE(coalition), vs the same year's baseline"),
                 ("eite_output_change_coalition_pct", "coalition EITE output vs the same year's baseline"),
                 ("ev_world_bn_usd", "sum of the regions' EV"))
_INDEX = "index, base year = 1"
PATH: tuple[Table, ...] = (
    Table("path_baseline", "one row per year and region of the baseline path: drivers and outcomes", _cols(
        _YEAR, _REGION, ("population_million", "population (UN WPP 2024)"),
        ("population_index", "population relative to the base year (labour supply)", _INDEX),
        ("gdp_index", "real GDP target (SSP v3.1), met by real value added at base-year factor prices", _INDEX),
        ("capital_index", "capital stock", _INDEX),
        ("labour_productivity_index", "labour productivity calibrated to the GDP target", _INDEX),
        ("consumption_index", "household consumption C (benchmark = 1)", _INDEX),
        ("current_account_bn_usd", "current account transfer bop (sums to 0 over regions)"),
        ("emissions_mt", "CO2 emissions, combustion and process")),
        dynamic=Column("co2_", "CO2 from burning fuel <name> (process: process emissions); name ends _mt",
                       "Mt CO2")),
    Table("path_summary", "one row per design and year: world and coalition measures vs the same year's baseline",
          _cols(*_PATH_SUMMARY)),
    Table("path_regions", "one row per design, year and region, vs the same year's baseline", _cols(
        _DESIGN, _YEAR, _REGION, _COALITION,
        ("ev_bn_usd", "equivalent variation (C − C_baseline)·c0, bn USD at base-year benchmark prices"),
        ("ev_pct", "100·(C/C_baseline − 1)"), ("emissions_mt", "CO2 emissions"),
        ("emissions_baseline_mt", "CO2 emissions of the same year's baseline"),
        ("emissions_change_pct", "vs the same year's baseline"),
        ("eite_output_change_pct", "EITE output vs the same year's baseline"),
        ("carbon_price_usd_per_t", "the region's carbon price"))),
    Table("path_variants", "the path_summary rows of every variant of the assumptions (cge baseline --vary)", _cols(
        ("variant", "the assumption varied and its value (KEY=VALUE), or default", LABEL), *_PATH_SUMMARY)),
    Table("path_welfare", "one row per design and region: EV over the path", _cols(
        _DESIGN, _REGION, ("years", "first and last policy year", LABEL),
        ("ev_cumulative_bn_usd", "Σ_t n_t·EV[t] (n_t: years a solved year stands for)"),
        ("ev_discounted_bn_usd", "Σ_t n_t·EV[t]/(1+ρ)^(t − base year), discounted to the base year"),
        ("discount_rate_pct", "ρ, the discount rate"))),
)
PATH_BY_NAME = {t.name: t for t in PATH}
#: a path sweep's tables (cge/sweep/path_bands.py): the measures of cge/sweep/path_worker.py per point, and
#: their band across the points (the variants of the path assumptions)
_PATH_MEASURE = (("design", "policy design on the path, or baseline", LABEL), _YEAR,
                 ("measure", "a path measure (cge/sweep/path_worker.py), e.g. leakage_rate_pct, emissions_mt", LABEL),
                 ("region", "region, or ALL (world; the coalition for coalition measures)", LABEL))
PATH_SWEEP: tuple[Table, ...] = (
    Table("path_points", "one row per point (variant), design, year, measure and region of a path sweep", _cols(
        ("variant", "the sweep's design: the path assumptions varied", LABEL),
        ("point_id", "the point's id (a hash of its definition)", LABEL), *_PATH_MEASURE,
        ("value", "the measure's value", "unit of the measure"))),
    Table("path_bands", "one row per design, year, measure and region: the band across a path sweep's points",
          _cols(*_PATH_MEASURE, ("min", "lowest value over the points", "unit of the measure"),
                ("median", "median over the points", "unit of the measure"),
                ("max", "highest value over the points", "unit of the measure"),
                ("n", "points that solved", COUNT))),
)
PATH_SWEEP_BY_NAME = {t.name: t for t in PATH_SWEEP}
#: tables every results folder holds (written since the first release); the others may be absent in old folders
CORE_TABLES = ("summary", "regions", "groups", "sectors", "bilateral", "bca_flows")


def table(name: str) -> Table:
    return BY_NAME[name] if name != UNDEFINED.name else UNDEFINED


def check_tables(tables: dict[str, pd.DataFrame], stacked: bool = False) -> list[str]:
    """Differences between a scenario's (or stacked) tables and the contract; empty if they match."""
    problems = []
    for name, df in tables.items():
        if name in BY_NAME or name == UNDEFINED.name:
            problems += table(name).check(df, stacked=stacked)
        else:
            problems.append(f"{name}: not a table of the results contract")
    return problems


def units_frame() -> pd.DataFrame:
    """``table, column, unit, description`` of every contract column (the Excel ``units`` sheet)."""
    rows = []
    for t in CONTRACT:
        rows.append((t.name, SCENARIO, LABEL, "scenario (design) name"))
        rows += [(t.name, c.name, c.units, c.description) for c in t.columns]
        if t.dynamic is not None:
            rows.append((t.name, f"{t.dynamic.name}<name>", t.dynamic.units, t.dynamic.description))
    return pd.DataFrame(rows, columns=["table", "column", "unit", "description"])
