"""Fault suite, no wrong numbers: ratios over solver noise are undefined with a reason (not
"Leakage rate -20.00%"), a policy that applies to nobody and an empty scenario list are errors,
and the report refuses a truncated or edited results folder or sweep summary."""

import json
import math
import shutil

import pandas as pd
import pytest
import yaml
from faults import cli, one_clean_error, snapshot

from cge.data.synthetic import random_benchmark
from cge.io.files import file_digest
from cge.report import build_report
from cge.results.measures import ABATEMENT_NOISE, burden_share, leakage_rate
from cge.results.run import run_scenarios
from cge.results.write import write_results
from cge.scenarios.spec import load_scenarios, scenario_from_dict

POLICIES = """
defaults:
  coalition: [annex1]
scenarios:
  - name: REF
    policy: {instrument: coalition_cap, cut: 0.2}
  - name: zero-cut
    policy: {instrument: coalition_cap, cut: 0.0}
  - name: zero-tax
    policy: {instrument: tax, tax_usd_per_t: 0}
"""


@pytest.fixture(scope="module")
def bench():
    return random_benchmark(3, 6, seed=1)


@pytest.fixture(scope="module")
def comparison(bench, tmp_path_factory):
    p = tmp_path_factory.mktemp("scen") / "policies.yaml"
    p.write_text(POLICIES)
    return run_scenarios(bench, load_scenarios(p))


@pytest.fixture(scope="module")
def results(comparison, tmp_path_factory):
    return write_results(comparison, tmp_path_factory.mktemp("res") / "results")


# ----------------------------------------------------------------------------- undefined ratios
def test_leakage_is_undefined_without_abatement_and_says_why(comparison):
    summ = comparison.table("summary").set_index("scenario")
    assert 0 < summ.loc["REF", "leakage_rate_pct"] < 100          # a real cut: a real number
    for name in ("zero-cut", "zero-tax"):
        assert math.isnan(summ.loc[name, "leakage_rate_pct"])
        assert math.isnan(summ.loc[name, "burden_share_non_coalition_pct"])
    und = comparison.undefined()
    assert set(und[und["measure"] == "leakage_rate_pct"]["scenario"]) == {"zero-cut", "zero-tax"}
    assert set(und["reason"]) == {"no abatement", "no global welfare cost"}
    head = comparison.headline().set_index("measure")
    assert head.loc["Leakage rate, %", "zero-cut"] == "undefined (no abatement)"
    assert head.loc["Leakage rate, %", "zero-tax"] == "undefined (no abatement)"
    assert head.loc["Leakage rate, %", "REF"] == pytest.approx(summ.loc["REF", "leakage_rate_pct"])


def test_undefined_ratios_are_recorded_in_run_yaml_and_the_headline_files(results):
    run = yaml.safe_load((results / "run.yaml").read_text())
    assert {"scenario": "zero-cut", "measure": "leakage_rate_pct", "reason": "no abatement"} in run["undefined"]
    head = pd.read_csv(results / "headline.csv").set_index("measure")
    assert head.loc["Leakage rate, %", "zero-tax"] == "undefined (no abatement)"
    assert "undefined (no abatement)" in (results / "headline.md").read_text()


def test_ratio_thresholds_separate_noise_from_economics():
    e0 = 1000.0
    noise = 0.1 * ABATEMENT_NOISE * e0
    assert math.isnan(leakage_rate(-noise, 0.2 * noise, e0)[0])        # was -20 % before
    assert leakage_rate(-noise, 0.2 * noise, e0)[1] == "no abatement"
    assert leakage_rate(-10.0, 0.5, e0) == (pytest.approx(5.0), None)
    assert leakage_rate(+10.0, 0.5, e0)[1] == "coalition emissions rise"
    assert leakage_rate(-1.0, 0.1, 0.0)[1] == "no coalition"
    assert burden_share(-1.0, -2.0, 100.0) == (pytest.approx(50.0), None)
    assert math.isnan(burden_share(-1e-12, -2e-12, 100.0)[0])


def test_the_cli_prints_undefined_not_rounding_noise(tmp_path):
    p = tmp_path / "zero.yaml"
    p.write_text("name: zero\ncoalition: [annex1]\npolicy: {instrument: coalition_cap, cut: 0.0}\n")
    rc, out, err = cli("compare", "--synthetic", "3x6:1", "--scenarios", p, "--out", tmp_path / "o")
    assert rc == 0, err
    line = next(x for x in out.splitlines() if "Leakage rate" in x)
    assert "undefined (no abatement)" in line and "%" in line.split("Leakage rate")[1][:3]


# ----------------------------------------------------------------------------- nobody, nothing
@pytest.mark.parametrize("coalition", ["", "coalition: []\n"])
def test_a_policy_that_applies_to_nobody_is_an_error(tmp_path, coalition):
    p = tmp_path / "nobody.yaml"
    p.write_text(f"name: lonely\n{coalition}policy: {{instrument: coalition_cap, cut: 0.2}}\n")
    rc, out, err = cli("compare", "--synthetic", "3x6:1", "--scenarios", p, "--out", tmp_path / "o")
    one_clean_error(rc, err, str(p), "[lonely]", "coalition", "apply to nobody", "policy.instrument: none")
    assert not (tmp_path / "o").exists()


def test_no_policy_must_be_stated_and_then_runs(bench):
    sc = scenario_from_dict({"name": "benchmark", "policy": {"instrument": "none"}})
    comp = run_scenarios(bench, [sc])
    summ = comp.table("summary").iloc[0]
    assert abs(summ["ev_world_pct"]) < 1e-8 and math.isnan(summ["leakage_rate_pct"])
    assert comp.headline().set_index("measure").loc["Leakage rate, %", "benchmark"] == "undefined (no coalition)"
    with pytest.raises(Exception, match="policy.instrument is none"):
        scenario_from_dict({"name": "x", "coalition": ["annex1"], "policy": {"instrument": "none"}})


@pytest.mark.parametrize("text", ["scenarios: []\n", "scenarios:\n", "[]\n", ""])
def test_an_empty_scenario_list_is_an_error_and_keeps_earlier_results(tmp_path, results, text):
    out = tmp_path / "results"
    shutil.copytree(results, out)
    before = snapshot(out)
    p = tmp_path / "empty.yaml"
    p.write_text(text)
    rc, _, err = cli("compare", "--synthetic", "3x6:1", "--scenarios", p, "--out", out)
    one_clean_error(rc, err, str(p))
    assert "empty" in err
    assert snapshot(out) == before


# ----------------------------------------------------------------------------- the report reads only sound folders
@pytest.fixture()
def copy(results, tmp_path):
    out = tmp_path / "res"
    shutil.copytree(results, out)
    shutil.rmtree(out / "report", ignore_errors=True)
    return out


def test_the_report_builds_from_an_intact_folder_with_undefined_ratios(copy):
    out = build_report(copy)
    assert (out / "report.html").stat().st_size > 0


def test_the_report_refuses_a_truncated_sectors_table(copy):
    path = copy / "sectors.csv"
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    rc, _, err = cli("report", copy)
    one_clean_error(rc, err, "sectors.csv", "does not match", "truncated")
    assert not (copy / "report").exists()


def test_the_report_refuses_an_edited_number(copy):
    path = copy / "summary.csv"
    df = pd.read_csv(path)
    df.loc[0, "carbon_price_usd_per_t"] *= 2
    df.to_csv(path, index=False)
    rc, _, err = cli("report", copy)
    one_clean_error(rc, err, "summary.csv", "does not match")


def _legacy(copy):
    """A folder written before run.yaml recorded digests: the structural checks still apply."""
    run = yaml.safe_load((copy / "run.yaml").read_text())
    del run["tables"]
    (copy / "run.yaml").write_text(yaml.safe_dump(run, sort_keys=False))


def test_the_report_refuses_an_incomplete_legacy_folder(copy):
    _legacy(copy)
    sectors = pd.read_csv(copy / "sectors.csv", keep_default_na=False, na_values=[""])
    sectors.iloc[:-3].to_csv(copy / "sectors.csv", index=False)        # truncated at a row boundary
    rc, _, err = cli("report", copy)
    one_clean_error(rc, err, "sectors.csv", "incomplete", "zero-tax")


def test_the_report_refuses_a_summary_missing_a_scenario_of_run_yaml(copy):
    _legacy(copy)
    summ = pd.read_csv(copy / "summary.csv")
    summ[summ["scenario"] != "zero-cut"].to_csv(copy / "summary.csv", index=False)
    rc, _, err = cli("report", copy)
    one_clean_error(rc, err, "summary.csv", "zero-cut")


def _stats_folder(tmp_path, with_digest=True):
    sw = tmp_path / "sweep"
    sw.mkdir()
    rows = [(d, m, r, 1.0, 0.1, 0.9, 1.1, 5) for d in ("REF", "zero-cut")
            for m in ("leakage_rate_pct", "ev_pct") for r in ("ALL", "coalition")]
    pd.DataFrame(rows, columns=["design", "measure", "region", "mean", "std", "p05", "p95", "n"]).to_csv(
        sw / "summary_stats.csv", index=False)
    if with_digest:
        (sw / "summary.json").write_text(json.dumps({"summary_stats.csv": file_digest(sw / "summary_stats.csv")}))
    return sw


def test_the_report_refuses_a_truncated_sweep_summary(copy, tmp_path):
    sw = _stats_folder(tmp_path)
    data = (sw / "summary_stats.csv").read_bytes()
    (sw / "summary_stats.csv").write_bytes(data[:-20])
    rc, _, err = cli("report", copy, "--sweep", sw)
    one_clean_error(rc, err, "summary_stats.csv", "does not match")


def test_the_report_refuses_a_sweep_summary_missing_rows(copy, tmp_path):
    sw = _stats_folder(tmp_path, with_digest=False)
    df = pd.read_csv(sw / "summary_stats.csv")
    df.iloc[:-1].to_csv(sw / "summary_stats.csv", index=False)
    rc, _, err = cli("report", copy, "--sweep", sw)
    one_clean_error(rc, err, "summary_stats.csv", "incomplete", "zero-cut")


def test_a_sweep_design_that_applies_to_nobody_is_refused_before_solving(bench):
    from cge.errors import ScenarioError
    from cge.sweep import plan_points, sweep_from_dict

    spec = sweep_from_dict({"name": "s", "base": {"coalition": ["annex1"], "policy": {"cut": 0.2}},
                            "designs": [{"name": "REF"}, {"name": "alone", "coalition": []}]}, "s.yaml")
    with pytest.raises(ScenarioError, match=r"alone.*apply to nobody"):
        plan_points(spec, bench)


# ----------------------------------------------------------------------------- degenerate solutions
ALL_ELASTICITIES_AT = """
defaults:
  coalition: [annex1]
  policy: {{instrument: coalition_cap, cut: 0.2}}
  elasticities: {{{values}}}
scenarios:
  - name: REF
"""


def _all_elasticities(tmp_path, value: float):
    from cge.data.elasticities import PARAMETERS
    p = tmp_path / "low.yaml"
    p.write_text(ALL_ELASTICITIES_AT.format(values=", ".join(f"{k}: {value}" for k in PARAMETERS)))
    return p


def test_factor_prices_near_zero_are_a_failed_solve_and_nothing_is_written(tmp_path):
    """Every elasticity at 0.01 and a 20% cut: the solver converges to wages and capital rentals of
    about 1e-8 of the numeraire (5e-24 on the shipped dataset), which used to be reported as a
    result (exit 0, the region losing two thirds of its consumption)."""
    rc, out, err = cli("compare", "--synthetic", "3x6:1", "--scenarios", _all_elasticities(tmp_path, 0.01),
                       "--out", tmp_path / "out")
    assert rc == 2, err
    assert "Traceback" not in err
    assert "scenario 'REF' did not solve" in err and "of the numeraire" in err
    assert "PF[r1,labour]" in err and "PF[r1,capital]" in err
    assert not (tmp_path / "out").exists()
    assert "Headline" not in out


def test_the_price_floor_leaves_ordinary_solutions_alone(tmp_path, bench):
    from cge.bca.model import PRICE_FLOOR, BCAModel
    from cge.results.run import solve_warm_then_cold
    from cge.solve import compile_system

    sc = load_scenarios(_all_elasticities(tmp_path, 0.5))[0]
    bm = BCAModel(bench, sc)
    solve_warm_then_cold(bm, compile_system(bm.pyomo), warm=False)
    assert bm.prices_below_floor() == []
    assert min(v.value for v in bm.d.PF.values()) > 100 * PRICE_FLOOR
