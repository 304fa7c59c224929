"""Closures as options (cge/bca/closures.py): each closure's defining property on the 5 x 8
synthetic benchmark under the default coalition cap (annex1 cuts 20%), and the default closures
building the model of spec section 3 unchanged (the golden tables: tests/test_golden_results.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Solver, scenario
from pyomo.environ import value

from cge.bca.closures import benchmark_income, investment_value
from cge.bca.design import structure_of
from cge.errors import ScenarioError
from cge.results.closures import closure_table
from cge.results.write import closure_record

FIXED_WAGE = {"closure": {"labour": "fixed_real_wage"}}
FLEXIBLE_CA = {"closure": {"current_account": "flexible"}}


def _solved(benchmark, **kw):
    sc = scenario(**kw)
    s = Solver(benchmark, sc)
    res = s.solve(sc)
    assert res.status == "converged"
    return s.model


def _consumption(model) -> np.ndarray:
    return np.array([value(model.d.C[r]) for r in model.R])


@pytest.fixture(scope="module")
def mobile(small_benchmark):
    return _solved(small_benchmark)


def test_default_closures_declare_no_closure_unknowns(mobile):
    st = mobile.structure
    assert (st.current_account, st.capital, st.labour, st.recycling, st.transfer) == (
        "fixed", "mobile", "full_employment", "lump_sum", ())
    assert not {"CA", "INV", "KT", "PK", "EMP", "TL"} & set(mobile.vars)


def test_fixed_current_account_keeps_each_capital_inflow_at_its_benchmark(mobile, small_benchmark):
    table = closure_table(mobile, value(mobile.d.PW))
    np.testing.assert_allclose(table["capital_inflow_bn_usd"], small_benchmark.bop, rtol=1e-12, atol=1e-12)


def test_flexible_current_account_keeps_each_savings_rate_and_lets_inflows_move(small_benchmark, mobile):
    model = _solved(small_benchmark, **FLEXIBLE_CA)
    d, b = model.d, small_benchmark
    table = closure_table(model, value(d.PW))
    for r, got in zip(b.regions, table["savings_rate_pct"]):
        bench = 100 * (investment_value(d, r) - b.bop[b.regions.index(r)]) / benchmark_income(d, r)
        assert got == pytest.approx(bench, rel=1e-9)
    inflow = table["capital_inflow_bn_usd"].to_numpy()
    assert np.abs(inflow - b.bop).max() > 1e-3                   # the current account moved ...
    assert inflow.sum() == pytest.approx(b.bop.sum(), abs=1e-8)  # ... and inflows still add up
    assert abs(value(d.INV) - 1) > 1e-6                           # world investment adjusted
    assert np.abs(_consumption(model) - _consumption(mobile)).max() > 1e-5


def test_fixed_real_wage_stays_at_its_benchmark_and_unemployment_absorbs_the_shock(small_benchmark, mobile):
    coalition = [r for r in mobile.R if r in mobile.coalition]
    wage = {r: value(mobile.d.PF[r, "labour"]) / value(mobile.d.PC[r]) for r in coalition}
    assert max(wage.values()) < 0.99  # under full employment the cap lowers the coalition's real wage
    model = _solved(small_benchmark, **FIXED_WAGE)
    table = closure_table(model, value(model.d.PW)).set_index("region")
    np.testing.assert_allclose(table["real_wage_index"], 1.0, rtol=0, atol=1e-10)
    assert (table.loc[coalition, "unemployment_rate_pct"] > 1).all()
    for r in model.R:
        assert table.loc[r, "unemployment_rate_pct"] == pytest.approx(100 * (1 - value(model.d.EMP[r])), rel=1e-12)


def test_sector_specific_capital_rents_differ_by_sector_and_approach_the_mobile_case_as_the_cet_grows(
        small_benchmark, mobile):
    sc = scenario(closure={"capital": "sector_specific", "capital_cet": 1.0})
    s = Solver(small_benchmark, sc)
    gaps, spreads = [], []
    for t in (1.0, 10.0, 1000.0):
        assert s.solve(sc.replace(closure={"capital_cet": t})).status == "converged"
        spreads.append(closure_table(s.model, value(s.model.d.PW))["capital_rent_spread_pct"].max())
        gaps.append(np.abs(_consumption(s.model) - _consumption(mobile)).max())
    assert spreads[0] > 1                      # rents differ by sector after the cap
    assert spreads[0] > spreads[1] > spreads[2] and spreads[2] < 0.02 * spreads[0]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.01 * gaps[0]   # welfare approaches the mobile case


def test_real_results_of_the_new_closures_do_not_depend_on_the_numeraire(small_benchmark):
    kw = {"closure": {"labour": "fixed_real_wage", "current_account": "flexible", "capital": "sector_specific"}}
    pw = _consumption(_solved(small_benchmark, **kw))
    pc = _consumption(_solved(small_benchmark, numeraire="PC:r3", **kw))
    np.testing.assert_allclose(pw, pc, rtol=1e-8)


def test_closures_are_part_of_the_model_structure_and_of_the_run_record(small_benchmark):
    base = structure_of(small_benchmark, scenario())
    for kw in (FIXED_WAGE, FLEXIBLE_CA, {"closure": {"capital": "sector_specific"}}):
        assert structure_of(small_benchmark, scenario(**kw)) != base
    assert structure_of(small_benchmark, scenario(closure={"capital_cet": 3.0})) == base

    class _Run:  # closure_record reads a comparison's results: scenario and regions table
        def __init__(self, sc):
            self.scenario = sc
            self.tables = {"regions": __import__("pandas").DataFrame({"region": ["r1"], "coalition": [True]})}

    class _Comparison:
        results = [_Run(scenario(name="U", **FIXED_WAGE))]

    record = closure_record(_Comparison())["scenarios"]["U"]
    assert record["closure"]["labour"] == "fixed_real_wage" and record["recycling"]["domestic"] == "lump_sum"


def test_a_closure_on_a_factor_the_dataset_lacks_is_an_error_naming_the_option(small_benchmark):
    import dataclasses

    b = dataclasses.replace(small_benchmark, factors=("labour", "land"))
    with pytest.raises(ScenarioError, match=r"^closure\.capital: sector_specific needs a capital factor"):
        Solver(b, scenario(closure={"capital": "sector_specific"}))


def test_welfare_decomposition_adds_up_under_every_new_closure_and_a_transfer(small_benchmark):
    from cge.results.run import run_scenarios

    every = {"closure": {"labour": "fixed_real_wage", "current_account": "flexible", "capital": "sector_specific"}}
    runs = run_scenarios(small_benchmark, [
        scenario(name="REF", **every),
        scenario(name="CBAM", bca={"import_charge": True}, **every,
                 recycling={"domestic": "labour_tax", "transfer_share": 0.3, "transfer_to": ["ldc"]})])
    d = runs.table("decomposition")
    ev = d["ev_bn_usd"].abs().max()
    assert d["check_bn_usd"].abs().max() < 1e-8 * ev
    employment = d[(d["relative_to"] == "benchmark")].set_index(["scenario", "region"])["endowments_bn_usd"]
    assert employment.abs().max() > 1     # unemployment is its own channel, not lost in the check


def test_a_real_wage_floor_binds_where_labour_demand_falls_and_is_slack_where_it_rises(small_benchmark, mobile):
    falls = [r for r in mobile.R if value(mobile.d.PF[r, "labour"]) < value(mobile.d.PC[r])]
    assert falls and len(falls) < len(mobile.R)
    model = _solved(small_benchmark, closure={"labour": "real_wage_floor"})
    table = closure_table(model, value(model.d.PW)).set_index("region")
    for r in model.R:
        if r in falls:   # at the floor, with unemployment
            assert table.loc[r, "real_wage_index"] == pytest.approx(1.0, abs=1e-9)
            assert table.loc[r, "unemployment_rate_pct"] > 1
        else:            # full employment, the wage above its floor
            assert table.loc[r, "real_wage_index"] > 1 + 1e-4
            assert table.loc[r, "unemployment_rate_pct"] == pytest.approx(0.0, abs=1e-8)


def test_a_labour_tax_cut_out_of_carbon_revenue_removes_the_unemployment_of_a_real_wage_floor(small_benchmark):
    floor = {"closure": {"labour": "real_wage_floor"}}
    lump = _solved(small_benchmark, **floor)
    cut = _solved(small_benchmark, **floor, recycling={"domestic": "labour_tax"})
    before = closure_table(lump, value(lump.d.PW))["unemployment_rate_pct"]
    after = closure_table(cut, value(cut.d.PW))["unemployment_rate_pct"]
    assert before.max() > 1
    assert after.abs().max() < 1e-6


def test_closures_example_compares_each_bca_design_with_the_reference_under_its_own_closure():
    from importlib import resources

    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path
    from cge.results.run import check_scenarios, reference_scenarios
    from cge.scenarios.spec import load_scenarios

    b = read_benchmark(default_dataset_path())
    with resources.as_file(resources.files("cge") / "scenarios" / "closures_wiod.yaml") as f:
        scs = load_scenarios(f)
        check_scenarios(b, scs, f)
    refs = reference_scenarios(scs, b)
    designs = [sc.name for sc in scs if sc.name.startswith("BCA")]
    assert len(designs) == 5
    assert {name: refs[name][0] for name in designs} == {name: "REF" + name[3:] for name in designs}
