"""Every result figure the README and the documentation site (docs/) quote is checked against the model,
at the precision it is printed.

Each check finds its sentence on a page (so a reworded sentence fails here until its check is updated;
a figure is quoted on one page only), reads the numbers the page prints and compares them with a fresh
run: a figure agrees when the model's value rounds to it (half a unit of the last printed digit, e.g. 5.5
covers 5.45..5.55). A stale figure fails, naming the page's number and the model's. The default dataset's
figures run in the default suite (seconds); the figures of other aggregations need the shared WIOD
data and run with `pytest -m slow`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.data.benchmark import read_benchmark
from cge.data.datasets import shipped_dataset_path
from cge.results.run import run_scenarios
from cge.scenarios.spec import load_scenarios

REPO = Path(__file__).resolve().parents[1]
#: the README and every page of the site, each collapsed to single spaces (a sentence never spans two pages)
PAGES = {str(p.relative_to(REPO)): " ".join(p.read_text(encoding="utf-8").split()).replace("−", "-")
         for p in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]}
SCENARIOS = REPO / "cge" / "scenarios"
NUMBER = r"([+-]?\d+(?:\.\d+)?)"


def quoted(pattern: str) -> tuple[str, ...]:
    """The numbers of the sentence ``pattern`` (a regex whose groups are :data:`NUMBER`s; whitespace in the
    pages is collapsed to single spaces), found on exactly one page of the README and the site."""
    found = [(page, m) for page, text in PAGES.items() if (m := re.search(pattern, text))]
    assert found, f"no page has the sentence /{pattern}/ any more: update this test with the docs"
    assert len(found) == 1, f"the sentence /{pattern}/ is on {[p for p, _ in found]}: quote a figure once"
    return found[0][1].groups()


def agrees(printed: str, value: float, what: str) -> None:
    """``value`` rounds to the page's ``printed`` figure (see the module docstring)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(value - float(printed)) <= 0.5 * 10 ** -decimals * (1 + 1e-9), (
        f"the docs say {printed} for {what}; the model gives {value:.{decimals + 2}f}")


def within(printed: str, value: float, what: str) -> None:
    """``value`` is at most the page's bound ``printed``, at the precision it is printed."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert value <= float(printed) + 0.5 * 10 ** -decimals, (
        f"the docs bound {what} by {printed}; the model gives {value}")


def summary(comparison) -> pd.DataFrame:
    return comparison.table("summary").set_index("scenario")


@pytest.fixture(scope="module")
def default_dataset():
    path = shipped_dataset_path()
    if not path.exists():
        pytest.skip(f"default dataset {path} not built")
    return read_benchmark(path)


@pytest.fixture(scope="module")
def runs(default_dataset):
    cache = {}

    def run(name):
        if name not in cache:
            cache[name] = run_scenarios(default_dataset, load_scenarios(SCENARIOS / f"{name}.yaml"))
        return cache[name]
    return run


# ------------------------------------------------------------------------- the default dataset
@pytest.mark.parametrize("scenarios, sentence", [
    ("core", rf"with the UNFCCC Annex I coalition \(incl\. Russia\) REF leakage is {NUMBER}% at {NUMBER} USD/t, "
             rf"falling to {NUMBER}–{NUMBER}% with border adjustments"),
    ("emf29_wiod", rf"with the EMF29 coalition \(without Russia\) REF leakage is {NUMBER}% at {NUMBER} USD/t, "
                   rf"falling to {NUMBER}–{NUMBER}%"),
])
def test_readme_leakage_of_the_shipped_scenarios_matches_the_model(runs, scenarios, sentence):
    s = summary(runs(scenarios))
    leak, price, low, high = quoted(sentence)
    bca = s.loc[[d for d in s.index if d.startswith("BCA")], "leakage_rate_pct"]
    agrees(leak, s.loc["REF", "leakage_rate_pct"], f"{scenarios}: REF leakage, %")
    agrees(price, s.loc["REF", "carbon_price_usd_per_t"], f"{scenarios}: REF carbon price, USD/t")
    agrees(low, bca.min(), f"{scenarios}: lowest leakage with a border adjustment ({bca.idxmin()}), %")
    agrees(high, bca.max(), f"{scenarios}: highest leakage with a border adjustment ({bca.idxmax()}), %")


def test_readme_core_figure_of_the_default_aggregation_matches_the_model(runs):
    leak, price = quoted(rf"REF leakage is \S+% at \S+ USD/t in the CBAM aggregation, {NUMBER}% at {NUMBER} USD/t "
                         "with the default 8 regions")
    s = summary(runs("core"))
    agrees(leak, s.loc["REF", "leakage_rate_pct"], "core: REF leakage, %")
    agrees(price, s.loc["REF", "carbon_price_usd_per_t"], "core: REF carbon price, USD/t")


def test_readme_eu_cbam_figures_match_the_model(runs, default_dataset):
    b = default_dataset
    s, p = summary(runs("eu_cbam")), summary(runs("eu_cbam_phase_in"))
    ref, fa, y2026, y2034, rev26, rev34, co2, exports = quoted(
        rf"leakage {NUMBER}% without a border measure, {NUMBER}% with free allocation \(2025\), {NUMBER}% in 2026 "
        rf"\(mostly the electricity charge\), falling to {NUMBER}% in 2034; CBAM revenue {NUMBER} → {NUMBER} bn USD; "
        rf"the CBAM cuts global CO2 by {NUMBER}% against the ETS alone .*? the developing regions' exports of CBAM "
        rf"goods by {NUMBER}%")
    agrees(ref, s.loc["EU-REF", "leakage_rate_pct"], "eu_cbam: EU-REF leakage, %")
    agrees(fa, p.loc["CBAM-2025", "leakage_rate_pct"], "eu_cbam_phase_in: CBAM-2025 leakage, %")
    agrees(y2026, p.loc["CBAM-2026", "leakage_rate_pct"], "eu_cbam_phase_in: CBAM-2026 leakage, %")
    agrees(y2034, p.loc["CBAM-2034", "leakage_rate_pct"], "eu_cbam_phase_in: CBAM-2034 leakage, %")
    agrees(rev26, p.loc["CBAM-2026", "bca_revenue_bn_usd"], "eu_cbam_phase_in: CBAM revenue 2026, bn USD")
    agrees(rev34, p.loc["CBAM-2034", "bca_revenue_bn_usd"], "eu_cbam_phase_in: CBAM revenue 2034, bn USD")
    regions = runs("eu_cbam").table("regions")
    world = regions.groupby("scenario")["emissions_mt"].sum()
    agrees(co2, -100 * (world["EU-CBAM"] / world["EU-REF"] - 1), "eu_cbam: cut in global CO2, EU-CBAM vs EU-REF, %")
    sectors = runs("eu_cbam").table("sectors")
    developing = set(b.tags.region_groups["developing"])
    cbam = sectors[sectors["region"].isin(developing) & sectors["sector"].isin(b.tags.cbam)]
    share = np.array([b.cbam_coverage[b.regions.index(r), b.sectors.index(j)]
                      for r, j in zip(cbam["region"], cbam["sector"])])
    cbam = cbam.assign(weight=cbam["exports_benchmark_bn_usd"] * share)

    def covered_exports(design):       # CBAM goods only: each sector's exports times its CBAM share
        x = cbam[cbam["scenario"] == design]
        return (x["weight"] * (1 + x["exports_change_pct"] / 100)).sum()
    agrees(exports, -100 * (covered_exports("EU-CBAM") / covered_exports("EU-REF") - 1),
           "eu_cbam: fall in the developing regions' exports of CBAM goods, EU-CBAM vs EU-REF, %")


def test_readme_eu_cap_figures_match_the_model(runs):
    s = summary(runs("eu_cbam"))
    price_cert, price_allow, abate_cert, abate_allow = quoted(
        rf"surrendering allowances instead of buying certificates raises the permit price from {NUMBER} to {NUMBER} "
        rf"USD/t and the EU's own abatement from {NUMBER}% to {NUMBER}%")
    agrees(price_cert, s.loc["EU-CAP-CBAM-certificates", "carbon_price_usd_per_t"], "EU-CAP certificates, USD/t")
    agrees(price_allow, s.loc["EU-CAP-CBAM-allowances", "carbon_price_usd_per_t"], "EU-CAP allowances, USD/t")
    agrees(abate_cert, s.loc["EU-CAP-CBAM-certificates", "coalition_abatement_pct"], "EU abatement, certificates, %")
    agrees(abate_allow, s.loc["EU-CAP-CBAM-allowances", "coalition_abatement_pct"], "EU abatement, allowances, %")


def test_readme_cbam_retaliation_figures_match_the_model(runs):
    ev_cbam, ev_retal, leak_cbam, leak_retal = quoted(
        rf"the EU's welfare change goes from {NUMBER}% of consumption under the CBAM alone to {NUMBER}% under 25% "
        rf"retaliation, and the leakage rate from {NUMBER}% to {NUMBER}%")
    c = runs("eu_cbam_retaliation")
    ev = c.table("regions").set_index(["scenario", "region"])["ev_pct"]
    agrees(ev_cbam, ev["EU-CBAM", "EU27"], "eu_cbam_retaliation: EU EV under the CBAM, %")
    agrees(ev_retal, ev["EU-CBAM-retaliation-25", "EU27"], "eu_cbam_retaliation: EU EV, 25% retaliation, %")
    s = summary(c)
    agrees(leak_cbam, s.loc["EU-CBAM", "leakage_rate_pct"], "eu_cbam_retaliation: leakage under the CBAM, %")
    agrees(leak_retal, s.loc["EU-CBAM-retaliation-25", "leakage_rate_pct"],
           "eu_cbam_retaliation: leakage, 25% retaliation, %")


def test_readme_welfare_figures_of_the_reference_choice_match_the_model(runs):
    c = runs("eu_cbam")
    own, other, cap = quoted(
        rf"the EU's EV change from certificates under the cap is {NUMBER} bn USD, not the {NUMBER} bn of a comparison "
        rf"with `EU-REF`: the cap itself costs the EU {NUMBER} bn more than the price of 44 USD/t")
    dec = c.table("decomposition")
    eu = dec[dec["region"] == "EU27"].set_index(["scenario", "relative_to"])["ev_bn_usd"]
    agrees(own, eu["EU-CAP-CBAM-certificates", "EU-CAP-REF"], "EU EV, certificates vs EU-CAP-REF, bn USD")
    ev = c.table("regions").set_index(["scenario", "region"])["ev_bn_usd"]
    agrees(other, ev["EU-CAP-CBAM-certificates", "EU27"] - ev["EU-REF", "EU27"],
           "EU EV, certificates vs EU-REF, bn USD")
    agrees(cap, ev["EU-REF", "EU27"] - ev["EU-CAP-REF", "EU27"], "EU EV, EU-CAP-REF vs EU-REF, bn USD (a cost)")


def test_readme_bound_on_the_decomposition_check_holds_on_the_default_dataset(runs):
    (bound,) = quoted(rf"\|check\| < 1e-9 bn USD on the test economies, ≤ {NUMBER}e-8 on the default dataset")
    worst = runs("core").table("decomposition")["check_bn_usd"].abs().max()
    assert worst <= float(bound) * 1e-8, f"the docs bound |check| by {bound}e-8 bn USD; the model gives {worst:.1e}"


def test_readme_cbam_coverage_shares_match_the_shipped_dataset(default_dataset):
    b = default_dataset
    met_eu, met_max, nmm_eu, nmm_max, chm_lo, chm_hi, ele = quoted(
        rf"met {NUMBER}% \(EU\) to {NUMBER}% \(RUS\), nmm {NUMBER}% \(EU\) to {NUMBER}% \(IND\), "
        rf"chm {NUMBER}–{NUMBER}%, ele {NUMBER}\.")

    def share(sector, region=None):
        col = 100 * b.cbam_coverage[:, b.sectors.index(sector)]
        return col[b.regions.index(region)] if region else col
    agrees(met_eu, share("met", "EU27"), "CBAM share of met in the EU, %")
    agrees(met_max, share("met", "RUS"), "CBAM share of met in RUS, %")
    for sector, low, high in (("met", "EU27", "RUS"), ("nmm", "EU27", "IND")):      # the page's range ends
        assert (share(sector).argmin(), share(sector).argmax()) == (b.regions.index(low), b.regions.index(high))
    agrees(nmm_eu, share("nmm", "EU27"), "CBAM share of nmm in the EU, %")
    agrees(nmm_max, share("nmm", "IND"), "CBAM share of nmm in IND, %")
    agrees(chm_lo, share("chm").min(), "lowest CBAM share of chm, %")
    agrees(chm_hi, share("chm").max(), "highest CBAM share of chm, %")
    agrees(ele, share("ele").min() / 100, "CBAM share of ele")
    agrees(ele, share("ele").max() / 100, "CBAM share of ele")


# ------------------------------------------------------------------------- other aggregations
def _calibrated(aggregation: str, tmp_path_factory) -> Path:
    from calibration.build import DEFAULT_SHARED, BuildConfig, run

    if not (DEFAULT_SHARED / "wiod2013").exists():
        pytest.skip(f"shared data not found at {DEFAULT_SHARED}")
    out = tmp_path_factory.mktemp(aggregation) / "data"
    run(BuildConfig(shared=DEFAULT_SHARED, out=out, aggregation=REPO / "examples" / "aggregations"
                    / f"{aggregation}.yaml"), echo=lambda *a, **k: None)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("aggregation, sentence", [
    ("cbam", rf"REF leakage is {NUMBER}% at {NUMBER} USD/t in the CBAM aggregation"),
    ("g20", rf"{NUMBER}% at {NUMBER} USD/t with 20 regions"),
    ("full", rf"{NUMBER}% at {NUMBER} USD/t at full resolution"),
])
def test_readme_core_figures_of_other_aggregations_match_the_model(tmp_path_factory, aggregation, sentence):
    leak, price = quoted(sentence)
    b = read_benchmark(_calibrated(aggregation, tmp_path_factory))
    s = summary(run_scenarios(b, [sc for sc in load_scenarios(SCENARIOS / "core.yaml") if sc.name == "REF"]))
    agrees(leak, s.loc["REF", "leakage_rate_pct"], f"{aggregation}: REF leakage, %")
    agrees(price, s.loc["REF", "carbon_price_usd_per_t"], f"{aggregation}: REF carbon price, USD/t")


SOURCE_TABLE_COLUMNS = ("leakage_rate_pct", "carbon_price_usd_per_t", "ev_world_pct", "ev_coalition_pct",
                        "ev_rest_pct")


@pytest.mark.slow
def test_results_of_pymrios_test_system_beside_the_wiod_default_match_the_model(runs, tmp_path_factory):
    """The table of docs/sources/pymrio.md: leakage, carbon price and EV of the core REF and BCA-full
    on the default dataset and on pymrio.load_test() calibrated by examples/aggregations/pymrio.yaml."""
    pytest.importorskip("pymrio")
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    import mrio_layouts

    mrio_layouts.ensure_example_data(REPO / "examples" / "aggregations" / "pymrio.yaml")
    test_system = read_benchmark(_calibrated("pymrio", tmp_path_factory))
    chosen = [sc for sc in load_scenarios(SCENARIOS / "core.yaml") if sc.name in ("REF", "BCA-full")]
    tables = {"WIOD 2011 default (8 × 12)": summary(runs("core")),
              "pymrio test system (6 × 12)": summary(run_scenarios(test_system, chosen))}
    for label, s in tables.items():
        for name in ("REF", "BCA-full"):
            row = quoted(rf"\| {re.escape(label)} \| {name} \| " + r" \| ".join([NUMBER] * 5) + r" \|")
            for printed, column in zip(row, SOURCE_TABLE_COLUMNS):
                agrees(printed, s.loc[name, column], f"{label} {name}: {column}")


@pytest.mark.slow
def test_readme_cbam_goods_figures_match_the_model(tmp_path_factory):
    leak_all, leak_goods, rev_all, rev_goods = quoted(
        rf"\(`coverage: \[ist, alu, cem, fer, ele\]`\): leakage {NUMBER}% against {NUMBER}%, BCA revenue {NUMBER} "
        rf"against {NUMBER} bn USD")
    b = read_benchmark(_calibrated("cbam", tmp_path_factory))
    s = summary(run_scenarios(b, load_scenarios(REPO / "examples" / "aggregations" / "cbam_scenarios.yaml")))
    agrees(leak_all, s.loc["BCA-CBAM", "leakage_rate_pct"], "cbam_scenarios: BCA-CBAM leakage, %")
    agrees(leak_goods, s.loc["BCA-CBAM-goods", "leakage_rate_pct"], "cbam_scenarios: BCA-CBAM-goods leakage, %")
    agrees(rev_all, s.loc["BCA-CBAM", "bca_revenue_bn_usd"], "cbam_scenarios: BCA-CBAM revenue, bn USD")
    agrees(rev_goods, s.loc["BCA-CBAM-goods", "bca_revenue_bn_usd"], "cbam_scenarios: BCA-CBAM-goods revenue, bn USD")


@pytest.mark.slow
def test_readme_decomposition_remainders_by_path_steps_match_the_model(default_dataset):
    r1, r2, r4, r8, rest = quoted(
        rf"USA in BCA-total vs the benchmark: {NUMBER} bn at N = 1, {NUMBER} at 2, {NUMBER} at 4, {NUMBER} at 8; "
        rf"non-coalition regions ≤ {NUMBER} bn at N = 1")
    scenarios = [sc for sc in load_scenarios(SCENARIOS / "core.yaml") if sc.name in ("REF", "BCA-total")]
    for steps, printed in ((1, r1), (2, r2), (4, r4), (8, r8)):
        dec = run_scenarios(default_dataset, scenarios, decomposition_steps=steps).table("decomposition")
        dec = dec[(dec["scenario"] == "BCA-total") & (dec["relative_to"] == "benchmark")].set_index("region")
        agrees(printed, abs(dec.loc["USA", "remainder_bn_usd"]), f"|remainder| of USA, BCA-total, N = {steps}")
        if steps == 1:
            outside = ~dec.index.isin(default_dataset.tags.region_groups["annex1"])
            within(rest, dec.loc[outside, "remainder_bn_usd"].abs().max(), "the non-coalition remainders at N = 1")
