"""The results contract (cge/results/schema.py): the tables the model produces, the files written
and what the report reads are the same tables, columns and units; run.yaml records what the results
depend on; each measure is defined once (cge/results/measures.py) and the sweep's measures are a projection
of the full tables."""

import copy
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from cge.data.synthetic import random_benchmark
from cge.report import build_report
from cge.report.data import load_results
from cge.report.tables import validity_table
from cge.results.decomposition import benchmark_values, unknowns
from cge.results.measures import headline_rows
from cge.results.run import run_scenarios
from cge.results.schema import CONTRACT, TABLES, UNDEFINED, check_tables, units_frame
from cge.results.tables import collect, headline_measures
from cge.results.write import provenance_record, write_results
from cge.scenarios.spec import scenario_from_dict

CAP = {"coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.2}}
TAX = {"coalition": ["annex1"], "policy": {"instrument": "tax", "tax_usd_per_t": 40.0}}
BCA = {"bca": {"import_charge": True, "basis": "direct"}}
# run order chosen so that "the first design without a BCA" (NO-CUT) is nobody's reference but its own
DESIGNS = [
    {"name": "TAX-BCA", **TAX, **BCA},
    {"name": "NO-CUT", "coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.0}},
    {"name": "REF", **CAP},
    {"name": "BCA", **CAP, **BCA},
    {"name": "BCA-returned", **CAP, "bca": {**BCA["bca"], "revenue": "exporter"}},
    {"name": "TAX-REF", **TAX},
]


@pytest.fixture(scope="module")
def comparison():
    return run_scenarios(random_benchmark(4, 6, seed=3), [scenario_from_dict(d) for d in DESIGNS])


@pytest.fixture(scope="module")
def results_dir(comparison, tmp_path_factory):
    return write_results(comparison, tmp_path_factory.mktemp("contract") / "results")


@pytest.fixture(scope="module")
def report_html(results_dir):
    return (build_report(results_dir) / "report.html").read_text(encoding="utf-8")


def test_every_table_of_every_scenario_matches_the_results_contract_exactly(comparison):
    for r in comparison.results:
        assert set(r.tables) == set(TABLES) | {UNDEFINED.name}
        assert check_tables(r.tables) == []
    assert check_tables({name: comparison.table(name) for name in TABLES}, stacked=True) == []


def test_a_stacked_money_column_stays_numeric_when_the_first_design_has_no_rows(comparison):
    """NO-CUT and REF have no BCA flows: their empty tables must not turn the stacked charges into
    objects (pandas 3 keeps empty frames in the dtype choice, pandas 2 did not)."""
    assert len(comparison["NO-CUT"].tables["bca_flows"]) == 0 < len(comparison["BCA"].tables["bca_flows"])
    stacked = comparison.table("bca_flows")
    assert pd.api.types.is_float_dtype(stacked["charge_bn_usd"])
    assert set(stacked["scenario"]) == {"TAX-BCA", "BCA", "BCA-returned"}


def test_a_column_outside_the_contract_is_reported(comparison):
    regions = comparison.results[0].tables["regions"].assign(surprise_pct=1.0)
    summary = comparison.results[0].tables["summary"].drop(columns="leakage_rate_pct")
    problems = check_tables({"regions": regions, "summary": summary})
    assert any("surprise_pct" in p for p in problems) and any("leakage_rate_pct" in p for p in problems)


def test_every_contract_column_has_a_unit_and_a_description():
    units = units_frame()
    assert len(units) == sum(len(t.columns) + 1 + (t.dynamic is not None) for t in CONTRACT)
    assert (units["unit"].str.len() > 0).all() and (units["description"].str.len() > 0).all()
    money = units[units["column"].str.endswith("_bn_usd")]
    assert set(money["unit"]) == {"bn USD (benchmark prices, deflated by PW)"}


def test_written_tables_round_trip_through_the_report_reader(comparison, results_dir):
    res = load_results(results_dir)
    for name in TABLES:
        want = comparison.table(name).reset_index(drop=True)
        got = res.tables[name][list(want.columns)]
        assert list(res.tables[name].columns) == list(want.columns), name
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12, obj=name)


def test_excel_workbook_holds_every_table_and_the_units_of_every_column(comparison, results_dir):
    sheets = pd.read_excel(results_dir / "results.xlsx", sheet_name=None)
    assert set(TABLES) | {"headline", "units", "notes"} <= set(sheets)
    pd.testing.assert_frame_equal(sheets["units"], units_frame(), check_dtype=False)
    assert len(sheets["bilateral"]) == len(comparison.table("bilateral"))


def test_run_yaml_records_fingerprint_version_solver_settings_closure_and_elasticities(results_dir):
    import cge

    run = yaml.safe_load((results_dir / "run.yaml").read_text())
    assert len(run["dataset"]["fingerprint"]) == 16
    assert run["package"]["version"] == cge.__version__
    assert {"route", "tol", "check_tol", "max_iter", "linear_solver"} <= set(run["solver"])
    assert run["solver"]["tol"] == 1e-10 and run["solver"]["max_iter"] == 200
    closure = run["closure"]
    assert {"factors", "balance_of_payments", "government_and_investment"} <= set(closure)
    assert closure["scenarios"]["TAX-REF"]["instrument"] == "tax"
    assert closure["scenarios"]["REF"]["numeraire"] == "PW"
    assert closure["scenarios"]["REF"]["coalition"]
    assert run["elasticities"]["used"]


def test_dataset_fingerprint_changes_when_the_benchmark_data_changes(comparison):
    b2 = copy.deepcopy(comparison.benchmark)
    b2.co2[np.unravel_index(np.argmax(b2.co2), b2.co2.shape)] *= 1.001
    same = provenance_record(comparison)["dataset"]["fingerprint"]
    changed = provenance_record(dataclasses.replace(comparison, benchmark=b2))["dataset"]["fingerprint"]
    assert same == provenance_record(dataclasses.replace(comparison, benchmark=copy.deepcopy(comparison.benchmark))
                                     )["dataset"]["fingerprint"]
    assert changed != same


def test_sweep_measures_are_a_projection_of_the_full_tables(cap_model):
    cap_model.solve(scenario_from_dict({"name": "bca", **CAP, **BCA}))
    bm = cap_model.model
    light, full = headline_measures(bm), headline_rows(collect(bm))
    assert [(m, r) for m, r, _ in light] == [(m, r) for m, r, _ in full]
    for (m, r, x), (_, _, y) in zip(light, full):
        assert (math.isnan(x) and math.isnan(y)) or x == y, (m, r)
    tables = collect(bm)
    regions = tables["regions"].set_index("region")
    rows = {(m, r): v for m, r, v in light}
    for r in regions.index:
        assert rows[("ev_pct", r)] == regions.loc[r, "ev_pct"]
        assert rows[("carbon_price_usd_per_t", r)] == regions.loc[r, "carbon_price_usd_per_t"]
    assert rows[("leakage_rate_pct", "ALL")] == tables["summary"]["leakage_rate_pct"].iloc[0]


def test_validity_table_gives_the_reason_of_an_undefined_leakage_rate(results_dir, report_html):
    res = load_results(results_dir)
    why = res.why_undefined("NO-CUT", "leakage_rate_pct")
    assert why == "no abatement"
    t = validity_table(res)
    assert math.isnan(t.df.set_index("design").loc["NO-CUT", "leakage rate, %"])
    assert "NO-CUT: leakage rate (no abatement)" in t.note
    assert "NO-CUT: leakage rate (no abatement)" in (results_dir / "report" / "tables" / "validity.md").read_text()


def test_the_reports_reference_is_the_runs_mapping_not_the_first_design_without_bca(comparison, results_dir,
                                                                                    report_html):
    res = load_results(results_dir)
    assert res.references() == {name: ref for name, (ref, _) in comparison.references.items()}
    assert res.references()["TAX-BCA"] == "TAX-REF" and res.references()["BCA"] == "REF"
    assert res.reference() == "REF"       # the reference of most designs, not NO-CUT (first without a BCA)
    assert "<b>TAX-REF</b> for TAX-BCA" in report_html and "<b>REF</b> for BCA, BCA-returned" in report_html


def test_benchmark_values_of_the_unknowns_leave_the_model_where_it_is(cap_model):
    cap_model.solve(scenario_from_dict({"name": "bca", **CAP, **BCA}))
    bm = cap_model.model
    now = [v.value for v in unknowns(bm)]
    bench = benchmark_values(bm)
    assert [v.value for v in unknowns(bm)] == now
    assert bench != now
    bm.reset_to_benchmark()
    assert [v.value for v in unknowns(bm)] == bench


def test_a_groups_ev_percent_has_one_base_in_every_table():
    """EV % of consumption of a region group is 100·ΣEV / Σ household spending at buyer prices in
    the ``groups`` and the ``burden_shares`` tables alike; the two bases (Σ vc and Σ vc·(1+tpu))
    differ when households pay purchase taxes, as on GTAP data."""
    from conftest import scenario

    from cge.data.synthetic import random_benchmark
    from cge.results.run import run_scenarios
    from cge.results.tables import fairness_tables

    b = random_benchmark(4, 6, seed=2)
    comp = run_scenarios(b, [scenario(name="REF"), scenario(name="BCA", bca={"import_charge": True})])
    tpu = b.tpu.copy()
    tpu[:, :, len(b.sectors)] = 0.2  # households pay a 20 % purchase tax: the bases now differ
    taxed = dataclasses.replace(b, tpu=tpu)
    assert not np.allclose(taxed.household_spending, taxed.vc.sum(axis=1))
    tables = {r.scenario.name: r.tables for r in comp.results}
    regions = tables["BCA"]["regions"].set_index("region")
    coalition = regions.index[regions["coalition"]].tolist()
    burden = fairness_tables(taxed, coalition, tables, {"REF": "REF", "BCA": "REF"})["BCA"]["burden_shares"]
    burden = burden.set_index("group")
    assert len(burden) > 0
    for group, row in burden.iterrows():
        members = row["regions"].split()
        idx = [b.regions.index(m) for m in members]
        want = 100 * regions.loc[members, "ev_bn_usd"].sum() / taxed.household_spending[idx].sum()
        assert row["ev_pct"] == pytest.approx(want, rel=1e-12), group
