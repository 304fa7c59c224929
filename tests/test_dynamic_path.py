"""The recursive-dynamic path (issue 26): a path without growth is the static model, a policy at a zero
carbon price is that year's baseline, and bad drivers or years are one clear line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cge.bca.growth import energy_goods
from cge.data.benchmark import read_benchmark
from cge.data.datasets import shipped_dataset_path
from cge.data.flows import Flows
from cge.dynamics import assumptions
from cge.dynamics.countries import Membership, check_matched, membership
from cge.dynamics.drivers import derive, read_drivers, shared_projections, shipped_path
from cge.dynamics.growth_path import growth_path
from cge.dynamics.path import run_path, welfare_over_path
from cge.dynamics.setup import path_growth
from cge.errors import DataError
from cge.results.run import run_scenarios
from cge.results.schema import PATH_BY_NAME
from cge.scenarios.spec import Scenario, load_scenarios

CBAM_FILE = Path(__file__).resolve().parents[1] / "cge" / "scenarios" / "eu_cbam_phase_in.yaml"


@pytest.fixture(scope="module")
def wiod():
    return read_benchmark(shipped_dataset_path())


def zero_growth(b, tmp_path, years):
    """Every driver index 1, no AEEI, current accounts at their base-year share and capital with GDP
    (the benchmark is not a steady state: accumulating from its investment would move capital)."""
    aeei = tmp_path / "aeei0.csv"
    aeei.write_text("region,fuel,rate_pct_per_year,source\n*,coa,0,test\n")
    a = assumptions.load({"current_account": {"rule": "constant_share"}, "capital": {"rule": "with_gdp"},
                          "aeei_file": str(aeei)})
    ones = pd.DataFrame(1.0, index=years, columns=list(b.regions))
    return growth_path(Flows(b), ones, ones, pd.Series(1.0, index=years), a, energy_goods(b), years)


def test_zero_growth_path_reproduces_the_static_model(wiod, tmp_path):
    cbam = load_scenarios(CBAM_FILE)
    sc = next(s for s in cbam if s.phase_in.year == 2030)
    static = run_scenarios(wiod, [sc]).table("regions").set_index("region")
    path = run_path(wiod, zero_growth(wiod, tmp_path, [2011, 2012, 2013]), {"CBAM": {2011: sc}})
    base = path.tables["path_baseline"]
    assert np.allclose(base["emissions_mt"], np.tile(wiod.emissions, 3), rtol=1e-9, atol=0)
    assert np.allclose(base["consumption_index"], 1.0, rtol=0, atol=1e-9)
    for year, got in path.tables["path_regions"].groupby("year"):
        got = got.set_index("region").loc[static.index]
        assert np.allclose(got["emissions_mt"], static["emissions_mt"], rtol=1e-9, atol=0), year
        assert np.allclose(got["ev_bn_usd"], static["ev_bn_usd"], rtol=0, atol=1e-9 * wiod.household_spending.max())


def test_policy_at_zero_carbon_price_equals_that_years_baseline(wiod):
    growth, _a, _t = path_growth(wiod, 2020, step=5)
    sc = next(s for s in load_scenarios(CBAM_FILE) if s.phase_in.year == 2030)
    free = sc.replace(name="CBAM-at-0", policy={"tax_usd_per_t": 0.0})
    res = run_path(wiod, growth, {"zero": {2015: free}})
    reg = res.tables["path_regions"]
    assert sorted(set(reg["year"])) == [2015, 2020]
    assert np.allclose(reg["emissions_mt"], reg["emissions_baseline_mt"], rtol=1e-9, atol=0)
    assert np.allclose(reg["ev_bn_usd"], 0.0, atol=1e-9 * wiod.household_spending.max())


def test_baseline_follows_the_ssp_gdp_and_grows_emissions(wiod):
    growth, a, table = path_growth(wiod, 2015, step=5)
    assert a.ssp == "SSP2"
    ssp = table[table["ssp"] == "SSP2"].pivot(index="year", columns="region", values="gdp_bn_usd2017_ppp")
    for r in wiod.regions:   # real value added at base-year factor prices follows the SSP by construction
        assert growth[-1].gdp_index[r] == pytest.approx(ssp.at[2015, r] / ssp.at[2011, r], rel=1e-12)
    res = run_path(wiod, growth)
    base = res.tables["path_baseline"].set_index(["year", "region"])
    assert base.at[(2015, "CHN"), "emissions_mt"] > base.at[(2011, "CHN"), "emissions_mt"]
    assert base.at[(2015, "CHN"), "consumption_index"] > 1.2


def test_current_accounts_sum_to_zero_on_the_path(wiod):
    growth, _a, _t = path_growth(wiod, 2035, step=5)
    for yg in growth:
        assert abs(sum(yg.bop.values())) < 1e-9 * sum(abs(v) for v in growth[0].bop.values())
    later = path_growth(wiod, 2050, step=5)[0][-1]
    assert all(abs(v) < 1e-12 for v in later.bop.values())    # zero by 2050
    assert any(abs(v) > 1 for v in growth[-1].bop.values())   # not yet in 2035


def test_year_outside_the_drivers_is_a_clear_error(wiod):
    with pytest.raises(DataError, match="year 2101 is outside the data"):
        path_growth(wiod, 2101, step=1)


def test_end_year_off_the_step_grid_is_refused(wiod):
    with pytest.raises(DataError, match="not on the 5-year grid"):
        path_growth(wiod, 2033, step=5)


def test_region_whose_members_have_no_match_is_named_with_them():
    m = Membership({"EU27": ("DEU", "FRA"), "XYZ": ("ATL", "DEU", "QQQ")}, None, "regions.yaml")
    with pytest.raises(DataError, match=r"^region XYZ \(regions.yaml\): member\(s\) ATL, QQQ have no match in UN WPP"):
        check_matched(m, "wpp_code", "UN WPP 2024")


def test_membership_of_the_shipped_dataset_has_the_rest_of_world_as_complement():
    b = read_benchmark(shipped_dataset_path())
    m = membership(shipped_dataset_path(), tuple(b.regions))
    assert m.complement == "ROW" and "ROU" in m.members["EU27"] and m.members["ROW"] == ()


@pytest.mark.skipif(not shared_projections().exists(), reason="needs ../shared/data/projections")
def test_shipped_drivers_are_those_derived_from_the_shared_files(wiod):
    shipped = read_drivers(shipped_path("wiod2011"), tuple(wiod.regions))
    got = derive(membership(shipped_dataset_path(), tuple(wiod.regions)), ssps=("SSP2",))
    want = shipped[shipped["ssp"] == "SSP2"].reset_index(drop=True)
    assert np.allclose(got["gdp_bn_usd2017_ppp"], want["gdp_bn_usd2017_ppp"], rtol=1e-9)
    assert np.allclose(got["population_million"], want["population_million"], rtol=1e-9)
    china = want[(want["region"] == "CHN") & (want["year"] == 2035)].iloc[0]   # the README's check values
    assert china["gdp_bn_usd2017_ppp"] == pytest.approx(41754.9, abs=0.05)
    assert china["population_million"] == pytest.approx(1370.6, abs=0.05)


def test_an_aeei_rate_outside_its_bounds_names_the_file_and_row(tmp_path):
    bad = tmp_path / "aeei.csv"
    bad.write_text("region,fuel,rate_pct_per_year,source\n*,coa,1,x\nCHN,oil,25,y\n")
    with pytest.raises(DataError, match=r"aeei.csv: row 3 \(CHN, oil\): rate_pct_per_year 25"):
        assumptions.read_aeei(bad)


def test_an_unknown_assumption_key_is_refused():
    with pytest.raises(DataError, match="unknown key"):
        assumptions.load({"capitl": {}})


def test_discounted_welfare_weights_each_year_by_its_step_and_discount_factor():
    reg = pd.DataFrame({"design": "d", "region": "A", "year": [2011, 2015, 2020], "ev_bn_usd": [1.0, 2.0, 3.0]})
    out = welfare_over_path(reg, 2011, 5, 10.0).iloc[0]
    assert out["ev_cumulative_bn_usd"] == pytest.approx(4 * 1 + 5 * 2 + 5 * 3)
    assert out["ev_discounted_bn_usd"] == pytest.approx(4 + 5 * 2 / 1.1 ** 4 + 5 * 3 / 1.1 ** 9)


def test_a_scenario_can_start_in_a_later_year(wiod):
    growth, _a, _t = path_growth(wiod, 2020, step=5)
    tax = Scenario(name="EU-44", coalition=["EU27"], policy={"instrument": "tax", "tax_usd_per_t": 44})
    res = run_path(wiod, growth, {"tax": {2015: tax}})
    assert sorted(set(res.tables["path_summary"]["year"])) == [2015, 2020]
    assert list(res.tables["path_summary"]["carbon_price_usd_per_t"]) == pytest.approx([44.0, 44.0], rel=1e-9)
    for name, df in res.tables.items():   # the path tables are those of the results contract
        assert PATH_BY_NAME[name].check(df) == [], name


def test_cge_baseline_writes_the_path_tables_and_never_a_user_folder(tmp_path, capsys):
    from cge.cli import main

    out = tmp_path / "path"
    assert main(["baseline", "--end", "2015", "--step", "5", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= {"path_baseline.csv", "path_summary.csv", "run.yaml"}
    assert sorted(set(pd.read_csv(out / "path_baseline.csv")["year"])) == [2011, 2015]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main(["baseline", "--end", "2015", "--step", "5", "--out", str(mine)]) != 0
    assert (mine / "notes.txt").read_text() == "keep me"
    assert "error:" in capsys.readouterr().err


def test_cbam_default_value_markup_rises_to_30_pct_from_2028_and_fertilisers_keep_1_pct():
    from cge.scenarios.cbam import default_value_markup, fertiliser_markup

    assert [default_value_markup(y) for y in (2026, 2027, 2028, 2034)] == [0.10, 0.20, 0.30, 0.30]
    assert fertiliser_markup(None, 2030) == 0.01
    with pytest.raises(DataError, match="no default-value mark-up for 2025"):
        default_value_markup(2025)


GCB = shared_projections().parent / "emissions" / "gcp2019_co2_by_fuel_1960_2018.csv.gz"


@pytest.mark.skipif(not GCB.exists(), reason="needs ../shared/data/emissions")
def test_aeei_calibrated_on_2011_2015_matches_gcb_in_sample_and_is_the_shipped_table(wiod):
    from cge.dynamics.backcast import backcast_table, calibrate_aeei

    a = assumptions.load(dataset_name="wiod2011")
    shipped = pd.read_csv(Path(a.sources["aeei_dataset"])).set_index(["region", "fuel"])["rate_pct_per_year"]
    rates = calibrate_aeei(wiod, shipped_dataset_path(), a)
    for key, rate in rates.items():
        assert rate == pytest.approx(shipped[key], abs=1e-3), key
    table = backcast_table(wiod, shipped_dataset_path(), a)
    in_sample = table[(table["year"] == 2015) & (table["measure"] == "co2_fossil")]
    assert in_sample["error_pct"].abs().max() < 2.0    # fitted by fuel, so the total within 2% (measured 1.7%)
    gdp = table[table["measure"] == "gdp"]
    assert np.allclose(gdp["error_pct"], 0.0, atol=1e-9)   # GDP follows the SSP history by construction


def test_a_year_that_does_not_solve_stops_the_path_naming_it_and_keeps_the_years_before(wiod, monkeypatch):
    import cge.dynamics.path as path_mod
    from cge.dynamics.path import PathSolveError
    from cge.solve import SolveError

    real, calls = path_mod.solve_warm_then_cold, []

    def failing_third(bm, compiled, warm, **solver):
        calls.append(1)
        if len(calls) == 3:
            raise SolveError("cge.solve: did not converge; worst equations: market[PA,CHN,ele] = 1e-2")
        return real(bm, compiled, warm=warm, **solver)

    monkeypatch.setattr(path_mod, "solve_warm_then_cold", failing_third)
    growth, _a, _t = path_growth(wiod, 2020, step=5)
    named = r"path baseline: year 2020 did not solve(.|\n)*market\[PA,CHN,ele\]"
    with pytest.raises(PathSolveError, match=named) as exc:
        run_path(wiod, growth)
    assert sorted(set(exc.value.partial.tables["path_baseline"]["year"])) == [2011, 2015]


def test_cge_baseline_on_a_dataset_with_an_unmatched_member_names_it_and_solves_nothing(tmp_path, capsys):
    import shutil

    import yaml

    from cge.cli import main

    data = tmp_path / "mydata"
    shutil.copytree(shipped_dataset_path(), data, ignore=shutil.ignore_patterns("mappings"))
    meta = yaml.safe_load((data / "metadata.yaml").read_text())
    meta["name"] = "mydata"              # not the shipped dataset: its drivers are derived from its members
    (data / "metadata.yaml").write_text(yaml.safe_dump(meta))
    members = {"EU27": ["DEU", "FRA"], "USA": ["USA"], "OAI": ["JPN"], "RUS": ["RUS"], "CHN": ["CHN"],
               "IND": ["IND"], "EME": ["BRA", "XKX", "ZZZ"], "ROW": ["RoW"]}
    (data / "regions.yaml").write_text(yaml.safe_dump(members))
    out = tmp_path / "out"
    assert main(["baseline", "--data", str(data), "--end", "2015", "--step", "5", "--out", str(out)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "region EME" in err[0] and "XKX, ZZZ" in err[0] and "nothing was solved" in err[0]
    assert not out.exists()


def test_vary_makes_one_override_per_value_and_an_own_aeei_file_replaces_the_calibrated_one():
    from cge.dynamics.commands import variants_of

    aeei = str(Path(assumptions.default_assumptions_path()).parent / "aeei.csv")
    got = variants_of(["ssp=SSP1,SSP3", "resources.elasticity=0,0.5", f"aeei_file={aeei}"],
                      {"resources": {"rule": "gdp_elasticity"}})
    assert list(got) == ["ssp=SSP1", "ssp=SSP3", "resources.elasticity=0", "resources.elasticity=0.5",
                         f"aeei_file={aeei}"]
    assert got["resources.elasticity=0.5"]["resources"] == {"rule": "gdp_elasticity", "elasticity": 0.5}
    uniform = assumptions.load(got[f"aeei_file={aeei}"], dataset_name="wiod2011")
    assert "aeei_dataset" not in uniform.sources and uniform.aeei_rate("CHN", "coa") == 1.0
    calibrated = assumptions.load(dataset_name="wiod2011")
    assert calibrated.aeei_rate("CHN", "coa") > 5.0


def test_the_report_gets_a_path_panel_from_a_baseline_folder(tmp_path):
    from cge.cli import main
    from cge.data.synthetic import random_benchmark
    from cge.report import build_report
    from cge.results.write import write_results

    path = tmp_path / "path"
    tax = tmp_path / "tax.yaml"
    tax.write_text("scenarios:\n  - {name: EU-44, coalition: [EU27], policy: {instrument: tax, tax_usd_per_t: 44}}\n")
    assert main(["baseline", "--end", "2020", "--step", "5", "--scenarios", str(tax), "--policy-from", "2015",
                 "--out", str(path)]) == 0
    b = random_benchmark(3, 6, seed=1)
    sc = Scenario(name="S", coalition=[b.regions[0]], policy={"instrument": "tax", "tax_usd_per_t": 20})
    results = write_results(run_scenarios(b, [sc]), tmp_path / "results")
    report = build_report(results, path=path)
    assert (report / "figures" / "validity_dynamic_path.png").exists()
    assert "Recursive-dynamic path" in (report / "report.html").read_text(encoding="utf-8")
    (path / "path_regions.csv").unlink()
    with pytest.raises(DataError, match="path_regions.csv: missing"):
        build_report(results, out=tmp_path / "again", path=path)


@pytest.mark.parametrize("section, message", [
    ("path: {ssp: SSP9}", r"^s\.yaml: path\.ssp: 'SSP9' is not one of SSP1, SSP2"),
    ("path: {capital: {depreciation_rate: 2}}", r"^s\.yaml: path\.capital\.depreciation_rate: 2 must lie in \[0"),
    ("path: {current_account: {zero_by: '2050'}}", r"^s\.yaml: path\.current_account\.zero_by: '2050' must be an int"),
    ("path: {capitl: {rule: accumulate}}", r"^s\.yaml: path: unknown key\(s\) \['capitl'\]; allowed: aeei_file"),
    ("path: {resources: {elasticty: 1}}", r"^s\.yaml: path\.resources: unknown key\(s\) \['elasticty'\]"),
])
def test_a_bad_path_assumption_in_a_scenario_file_is_one_line_naming_file_and_key(tmp_path, monkeypatch, section,
                                                                                    message):
    from cge.errors import ScenarioError
    from cge.scenarios.spec import load_scenarios

    monkeypatch.chdir(tmp_path)
    Path("s.yaml").write_text(f"{section}\nscenarios:\n  - {{name: T, coalition: [EU27], "
                              "policy: {instrument: tax, tax_usd_per_t: 44}}\n")
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenarios("s.yaml")
    assert "\n" not in str(err.value)


def test_a_bad_value_in_an_assumptions_file_names_that_file_and_its_key(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("resources: {elasticity: -1}\n")
    with pytest.raises(DataError, match=r"mine\.yaml: resources\.elasticity: -1 must lie in \[0"):
        assumptions.load(bad)
    from cge.dynamics.commands import base_override
    from cge.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"mine\.yaml: resources\.elasticity: -1 must lie in \[0"):
        base_override(bad)


def test_a_scenario_files_path_section_sets_the_assumptions_and_assumptions_file_wins(tmp_path):
    """Precedence: defaults < the scenario file's ``path:`` < ``--assumptions`` (< ``--vary``)."""
    from cge.cli import main

    scen = tmp_path / "tax.yaml"
    scen.write_text("path: {ssp: SSP3, resources: {elasticity: 0}, aeei_file: my_aeei.csv}\n"
                    "scenarios:\n  - {name: EU-44, coalition: [EU27], policy: {instrument: tax, tax_usd_per_t: 44}}\n")
    (tmp_path / "my_aeei.csv").write_text("region,fuel,rate_pct_per_year,source\n*,coa,2,test\n")
    mine = tmp_path / "mine.yaml"
    mine.write_text("ssp: SSP1\n")
    out = tmp_path / "out"
    assert main(["baseline", "--end", "2015", "--step", "5", "--scenarios", str(scen), "--assumptions", str(mine),
                 "--out", str(out)]) == 0
    run = yaml.safe_load((out / "run.yaml").read_text())
    assert run["ssp"] == "SSP1"                                            # --assumptions wins
    assert run["assumption_overrides"]["resources"] == {"elasticity": 0}  # from the scenario file
    assert run["assumptions"]["aeei"] == str((tmp_path / "my_aeei.csv").resolve())
    assert "aeei_dataset" not in run["assumptions"]     # an own AEEI file replaces the calibrated one


def test_a_vary_value_outside_the_schema_is_refused_before_any_solve():
    from cge.dynamics.commands import variants_of
    from cge.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"^--vary ssp=SSP7: ssp: 'SSP7' is not one of SSP1"):
        variants_of(["ssp=SSP2,SSP7"], {})
    with pytest.raises(ScenarioError, match=r"^--vary capital\.depreciaton=0\.1: capital: unknown key"):
        variants_of(["capital.depreciaton=0.1"], {})


def test_on_the_path_each_years_cbam_takes_its_years_default_value_markup(wiod, tmp_path):
    """A phase-in design with exporter_markup and no mark-up of its own charges 10%, 20% and 30% over the
    exporter's intensity in 2026, 2027 and 2028 (cbam_phase_in.yaml): the same as writing them out, and not
    the same as 30% throughout."""
    cbam = {s.phase_in.year: s for s in load_scenarios(CBAM_FILE)}
    years = [2011, 2012, 2013]   # a zero-growth path: each path year stands for one CBAM year

    def design(markups):
        return {y: cbam[c].replace(bca={"benchmark": "exporter_markup", "default_markup": m})
                for y, c, m in zip(years, (2026, 2027, 2028), markups)}

    growth = zero_growth(wiod, tmp_path, years)
    res = run_path(wiod, growth, {"by_year": design([None] * 3), "written": design([0.1, 0.2, 0.3]),
                                  "flat": design([0.3] * 3)}).tables["path_summary"].set_index(["design", "year"])
    got = res["global_emissions_change_mt"]
    for y in years:
        assert got["by_year", y] == pytest.approx(got["written", y], rel=1e-9, abs=1e-9)
    assert abs(got["by_year", 2011] - got["flat", 2011]) > 1e-3   # 10% is not 30%
    assert got["by_year", 2013] == pytest.approx(got["flat", 2013], rel=1e-9, abs=1e-9)


def test_a_higher_armington_elasticity_on_the_path_raises_leakage_in_every_year(wiod):
    """An elasticity variant (``--vary elasticities.sigma_dm=...``) changes the baseline and the designs
    alike: more substitutable imports relocate more production to unpriced regions, so the EU tax leaks
    more in each year; a variant at the data's own values is the default path."""
    growth, _a, _t = path_growth(wiod, 2020, step=5)
    tax = Scenario(name="EU-44", coalition=["EU27"], policy={"instrument": "tax", "tax_usd_per_t": 44})
    rate = {}
    for sigma in (1.0, 6.0):
        res = run_path(wiod, growth, {"tax": {2015: tax}}, elasticities={"sigma_dm": sigma})
        rate[sigma] = res.tables["path_summary"].set_index("year")["leakage_rate_pct"]
    assert (rate[6.0] > rate[1.0] + 1.0).all(), rate
    default = run_path(wiod, growth, {"tax": {2015: tax}}).tables["path_summary"]
    same = run_path(wiod, growth, {"tax": {2015: tax}}, elasticities={}).tables["path_summary"]
    assert np.allclose(default["leakage_rate_pct"], same["leakage_rate_pct"], rtol=1e-12, atol=0)


def test_an_elasticity_variant_is_checked_before_any_solve(tmp_path, capsys):
    from cge.cli import main
    from cge.dynamics.commands import split_variant, variants_of

    variants = variants_of(["elasticities.sigma_dm=2,8"], {"ssp": "SSP2"})
    assert [split_variant(v) for v in variants.values()] == [({"ssp": "SSP2"}, {"sigma_dm": 2.0}),
                                                             ({"ssp": "SSP2"}, {"sigma_dm": 8.0})]
    for bad, message in (("elasticities.sigma_xx=2", "unknown elasticity 'sigma_xx'"),
                         ("elasticities.sigma_dm=-1", "must be a number >= 0")):
        out = tmp_path / "p"
        assert main(["baseline", "--end", "2015", "--step", "5", "--out", str(out), "--vary", bad]) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0] and bad.partition("=")[0] in err[0], err
        assert not out.exists()
