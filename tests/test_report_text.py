"""The report's sentences come from the run itself: its instrument, coalition, references, dataset
and bands; nothing assumes the 20% cap experiment, and no local path of the user is embedded."""

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from cge.data.synthetic import random_benchmark
from cge.report import build_report
from cge.report.build import all_figures
from cge.report.data import load_results
from cge.results.run import run_scenarios
from cge.results.write import write_results
from cge.scenarios.spec import scenario_from_dict

DESIGNS = [{"name": "REF"}, {"name": "BCA", "bca": {"import_charge": True}}]


def _compare(folder, policy):
    b = random_benchmark(3, 6, seed=2)
    scenarios = [scenario_from_dict({"coalition": ["annex1"], "policy": policy, **d}) for d in DESIGNS]
    return write_results(run_scenarios(b, scenarios), folder)


@pytest.fixture(scope="module")
def tax_results(tmp_path_factory):
    return _compare(tmp_path_factory.mktemp("tax") / "results", {"instrument": "tax", "tax_usd_per_t": 40})


@pytest.fixture(scope="module")
def cap_results(tmp_path_factory):
    return _compare(tmp_path_factory.mktemp("cap") / "results", {"instrument": "coalition_cap", "cut": 0.3})


def _html(folder, **kw):
    out = build_report(folder, **kw)
    plt.close("all")
    return (out / "report.html").read_text(encoding="utf-8")


def test_a_tax_report_speaks_of_the_same_tax_not_of_the_same_cap_or_emissions(tax_results):
    html = _html(tax_results, out=tax_results.parent / "report")
    assert "a carbon tax of 40 USD/t" in html
    assert "every design faces the same carbon tax" in html
    assert "same coalition emissions" not in html and "same cap" not in html


def test_a_cap_report_states_its_own_cut_and_that_the_price_meets_it(cap_results):
    html = _html(cap_results, out=cap_results.parent / "report")
    assert "cutting emissions by 30% from the benchmark" in html
    assert "every design reaches the same coalition emissions" in html
    assert "the same cap" in html and "carbon tax" not in html


def test_the_report_embeds_no_local_path(cap_results, tmp_path):
    html = _html(cap_results, out=tmp_path / "report")
    assert str(cap_results.parent) not in html and str(tmp_path) not in html
    assert "/work/" not in html and "/home/" not in html


def _sweep_folder(folder, designs, regions=("r1", "r2", "r3")):
    folder.mkdir()
    rows = []
    for k, d in enumerate(designs):
        rows.append({"design": d, "measure": "leakage_rate_pct", "region": "ALL", "mean": 5.0 - k, "std": 1.0,
                     "p05": 3.0 - k, "p95": 7.0 - k, "n": 10})
        rows += [{"design": d, "measure": "ev_pct", "region": r, "mean": -0.1, "std": 0.02, "p05": -0.15,
                  "p95": -0.05, "n": 10} for r in regions]
    pd.DataFrame(rows).to_csv(folder / "summary_stats.csv", index=False)
    (folder / "sweep.json").write_text(json.dumps({"name": "s", "dataset": "/home/someone/data/mydata",
                                                   "designs": list(designs)}))
    (folder / "sweep.yaml").write_text("name: s\nbase:\n  coalition: [annex1]\n"
                                       "  policy: {instrument: tax, tax_usd_per_t: 25}\n")
    return folder


def test_a_report_from_a_sweep_folder_names_its_dataset_regions_and_policy(tmp_path):
    html = _html(_sweep_folder(tmp_path / "sweep", ["A", "B"]))
    assert "Dataset: <b>?</b>" not in html and "0 regions" not in html
    assert "Dataset: <b>mydata</b>" in html and "3 regions" in html
    assert "a carbon tax of 25 USD/t" in html and "/home/someone" not in html


@pytest.mark.parametrize("with_bca, reference", [((False, True), "The design without a border measure, <b>A</b>"),
                                                 ((True, True), "No design has a reference")])
def test_a_sweep_folder_report_names_the_reference_its_plan_defines(tmp_path, with_bca, reference):
    folder = _sweep_folder(tmp_path / "sweep", ["A", "B"])
    scenarios = [scenario_from_dict({"name": d, "coalition": ["annex1"], "bca": {"import_charge": bca}}).to_dict()
                 for d, bca in zip(["A", "B"], with_bca)]
    pd.DataFrame({"point_id": ["p1", "p2"], "design": ["A", "B"], "draw": [-1, -1], "weight": [1.0, 1.0],
                  "scenario": [json.dumps(sc) for sc in scenarios]}).to_parquet(folder / "plan.parquet")
    assert reference in _html(folder)


def test_sweep_bands_matching_no_design_are_a_warning_and_no_caption_promises_whiskers(cap_results, tmp_path,
                                                                                        capsys):
    sweep = _sweep_folder(tmp_path / "sweep", ["other-1", "other-2"])
    html = _html(cap_results, out=tmp_path / "report", sweep=sweep)
    err = capsys.readouterr().err
    assert "warning:" in err and "summary_stats.csv" in err and "REF" in err and "no SSA bands" in err
    assert "Whiskers" not in html and "5th-95th" not in html


def _segments(fig):
    return sum(len(c.get_segments()) for ax in fig.fig.axes for c in ax.collections if hasattr(c, "get_segments"))


def test_captions_promise_whiskers_only_for_figures_that_draw_them(cap_results, tmp_path):
    plain = {f.key: _segments(f) for f in all_figures(load_results(cap_results))}
    plt.close("all")
    sweep = _sweep_folder(tmp_path / "sweep", ["REF", "BCA"])
    figs = all_figures(load_results(cap_results, sweep=sweep))
    assert any("Whiskers" in f.caption for f in figs)
    for f in figs:
        assert ("Whiskers" in f.caption) == (_segments(f) > plain[f.key]), f.key
    plt.close("all")
