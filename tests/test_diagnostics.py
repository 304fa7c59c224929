"""Plausibility diagnostics (cge/results/diagnostics.py): implausible results are flagged, never refused."""

import numpy as np
import pandas as pd
import pytest
import yaml

import cge
from cge.cli import main
from cge.results.diagnostics import diagnostics_lines, diagnostics_table
from cge.results.schema import BY_NAME
from cge.scenarios.spec import Diagnostics

EXTREME = {"name": "T500-XR", "coalition": ["annex1"], "policy": {"instrument": "tax", "tax_usd_per_t": 500},
           "bca": {"import_charge": True, "export_rebate": True, "basis": "direct+electricity"}}


@pytest.fixture(scope="module")
def wiod_run():
    """The case of issue 24 on the default data: 500 USD/t with export rebates costs Russia 46% of its
    welfare; the same design at 50 USD/t; and the extreme case with lenient thresholds."""
    extreme = cge.Scenario(**EXTREME)
    moderate = extreme.replace(name="T50-XR", policy={"tax_usd_per_t": 50})
    lenient = extreme.replace(name="T500-XR-lenient", diagnostics={"ev_pct": 50, "change_pct": 2000,
                                                                    "transfer_pct": 100, "price_factor": 200})
    return cge.compare(cge.load_dataset(), [extreme, moderate, lenient], progress=False)


def test_500_usd_export_rebates_flag_russias_welfare_loss_and_the_rebates_cost(wiod_run):
    d = wiod_run["T500-XR"].table("diagnostics")
    ev = d[(d["check"] == "ev") & (d["region"] == "RUS")]
    assert len(ev) == 1 and ev["value"].iloc[0] < -40 and ev["limit"].iloc[0] == 10
    rebates = d[(d["check"] == "transfer") & (d["region"] == "RUS") & (d["item"] == "export rebates")]
    assert len(rebates) == 1 and rebates["value"].iloc[0] > 50
    assert {"output", "exports", "price"} <= set(d["check"])
    assert d["message"].str.len().min() > 0


def test_a_moderate_carbon_price_with_the_same_design_is_not_flagged(wiod_run):
    d = wiod_run["T50-XR"].table("diagnostics")
    assert d.empty and list(d.columns) == BY_NAME["diagnostics"].names
    assert diagnostics_lines(wiod_run.table("diagnostics").query("scenario == 'T50-XR'")) == []


def test_the_thresholds_are_scenario_options(wiod_run):
    assert wiod_run["T500-XR-lenient"].table("diagnostics").empty
    same = [wiod_run[s].table("regions")["ev_pct"].to_numpy() for s in ("T500-XR-lenient", "T500-XR")]
    assert np.allclose(*same, rtol=0, atol=1e-6)   # the thresholds change no result (solver tolerance apart)


def test_one_summary_line_per_flagged_scenario(wiod_run):
    lines = diagnostics_lines(wiod_run.table("diagnostics"))
    assert len(lines) == 1 and lines[0].startswith("T500-XR: ") and "ev" in lines[0]


def _frames(ev_pct=0.0, output=0.0, rebate=0.0, price=1.0):
    regions = pd.DataFrame({"region": ["A", "B"], "ev_pct": [ev_pct, 0.0],
                            "export_rebate_cost_bn_usd": [rebate, 0.0], "output_rebate_cost_bn_usd": [0.0, 0.0],
                            "bca_revenue_kept_bn_usd": [0.0, 0.0], "bca_revenue_returned_received_bn_usd": [0.0, 0.0]})
    sectors = pd.DataFrame({"region": ["A"], "sector": ["s"], "output_change_pct": [output],
                            "exports_change_pct": [np.nan], "imports_change_pct": [0.0]})
    flows = pd.DataFrame(columns=["exporter", "collected_by", "charge_bn_usd"])
    return regions, sectors, flows, np.array([100.0, 100.0]), {"PY[A,s]": price}


@pytest.mark.parametrize("case, check", [({"ev_pct": -10.5}, "ev"), ({"output": 101.0}, "output"),
                                         ({"rebate": 10.5}, "transfer"), ({"price": 2.01}, "price"),
                                         ({"price": 0.49}, "price")])
def test_each_check_flags_a_result_just_beyond_its_threshold(case, check):
    d = diagnostics_table(Diagnostics(), *_frames(**case))
    assert list(d["check"]) == [check] and list(d["region"]) == ["A"]


def test_results_at_the_thresholds_are_not_flagged():
    assert diagnostics_table(Diagnostics(), *_frames(ev_pct=-10.0, output=100.0, rebate=10.0, price=2.0)).empty
    assert diagnostics_table(Diagnostics(), *_frames(price=0.5)).empty


def test_cge_compare_exits_0_and_prints_a_warning_line_for_a_flagged_scenario(tmp_path, capsys):
    scen = tmp_path / "scenarios.yaml"
    scen.write_text(yaml.safe_dump({"scenarios": [
        {"name": "STRICT", "coalition": ["annex1"], "policy": {"instrument": "tax", "tax_usd_per_t": 40},
         "diagnostics": {"ev_pct": 0.0}}]}))
    code = main(["compare", "--synthetic", "4x6:3", "--scenarios", str(scen), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Plausibility diagnostics" in out and "warning: STRICT: " in out
    written = pd.read_csv(tmp_path / "out" / "diagnostics.csv")
    assert (written["check"] == "ev").all() and len(written) >= 1


def test_the_report_shows_the_diagnostics_first(wiod_run, tmp_path):
    from cge.report.build import build_report

    out = build_report(wiod_run.write(tmp_path / "results"))
    html = (out / "report.html").read_text(encoding="utf-8")
    box = html.index('id="diagnostics-box"')
    assert html[:box].rindex("<p") == html[:box].rindex('<p class="warn"')
    assert "T500-XR: " in html[box:box + 400] and "T50-XR" not in html[box:box + 400]
    assert box < html.index('id="diagnostics"') < html.index('id="tab-diagnostics"') < html.index('id="validity"')
    assert "RUS: EV -46" in html
