"""The EU CBAM as legislated: coverage shares in the benchmark format, default values, indirect
emissions by good, the 2026-2034 phase-in with free allocation, charge vs allowance surrender,
and bad input."""

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import Solver, scenario
from pyomo.environ import value

from cge.bca.model import BCAModel
from cge.data import intensity
from cge.data.benchmark import read_benchmark, write_benchmark
from cge.errors import DataError, ScenarioError
from cge.results.phase_in import exporters_table, path_table
from cge.results.run import run_scenarios
from cge.results.tables import collect
from cge.scenarios import cbam
from cge.scenarios.spec import load_scenarios

CBAM_SECTORS = ("ele", "eite1", "eite2")
CBAM = {"import_charge": True, "coverage": "cbam", "basis": "direct+electricity", "benchmark": "exporter"}


def with_cbam(b, shares: dict | None = None):
    """``b`` with sectors ele, eite1, eite2 tagged cbam and coverage shares ``{sector: share}``."""
    tags = dataclasses.replace(b.tags, cbam=CBAM_SECTORS)
    cover = np.array([[1.0 if j in CBAM_SECTORS else 0.0 for j in b.sectors] for _ in b.regions])
    for j, s in (shares or {}).items():
        cover[:, b.sectors.index(j)] = s
    return dataclasses.replace(b, tags=tags, cbam_coverage=cover)


@pytest.fixture(scope="module")
def cbam_benchmark(small_benchmark):
    return with_cbam(small_benchmark, {"eite1": 0.5, "eite2": 0.25})


@pytest.fixture(scope="module")
def cbam_model(cbam_benchmark):
    return Solver(cbam_benchmark, scenario())


def theta(model, i, s, r):
    return model.model.bca_theta[i, s, r].value


# ----- the benchmark format ------------------------------------------------------------------

def test_coverage_shares_round_trip_through_the_benchmark_format(tmp_path, cbam_benchmark):
    b = dataclasses.replace(cbam_benchmark, cbam_coverage=cbam_benchmark.cbam_coverage.copy())
    b.cbam_coverage[2, b.sectors.index("eite1")] = 0.0  # a tagged sector without CBAM goods in r3
    back = read_benchmark(write_benchmark(b, tmp_path / "b"))
    assert back.tags.cbam == CBAM_SECTORS
    assert np.array_equal(back.cbam_coverage, b.cbam_coverage)


def test_missing_coverage_cells_are_one_for_cbam_sectors_and_zero_elsewhere(tmp_path, cbam_benchmark):
    folder = write_benchmark(cbam_benchmark, tmp_path / "b")
    df = pd.read_csv(folder / "cbam_coverage.csv")
    df[~((df["region"] == "r1") & (df["sector"] == "eite1"))].to_csv(folder / "cbam_coverage.csv", index=False)
    back = read_benchmark(folder)
    assert back.cbam_coverage[0, back.sectors.index("eite1")] == 1.0
    assert back.cbam_coverage[1, back.sectors.index("eite1")] == 0.5
    (folder / "cbam_coverage.csv").unlink()
    assert np.array_equal(read_benchmark(folder).cbam_coverage,
                          with_cbam(cbam_benchmark).cbam_coverage)


def test_a_dataset_without_cbam_tags_has_zero_coverage(small_benchmark, tmp_path):
    back = read_benchmark(write_benchmark(small_benchmark, tmp_path / "b"))
    assert back.tags.cbam == () and not back.cbam_coverage.any()
    assert not (tmp_path / "b" / "cbam_coverage.csv").exists()


@pytest.mark.parametrize("row, message", [
    ("r1,eite1,1.5", "a share must lie in [0, 1]"),
    ("r1,s1,0.3", "is not tagged cbam"),
    ("r9,eite1,0.3", "r9"),
])
def test_bad_coverage_cells_are_errors_naming_the_file_and_cell(tmp_path, cbam_benchmark, row, message):
    folder = write_benchmark(cbam_benchmark, tmp_path / "b")
    (folder / "cbam_coverage.csv").write_text(f"region,sector,share\n{row}\n")
    with pytest.raises(DataError, match="cbam_coverage") as err:
        read_benchmark(folder)
    assert message in str(err.value)


def test_cbam_tag_naming_an_unknown_sector_is_an_error(tmp_path, small_benchmark):
    b = dataclasses.replace(small_benchmark, tags=dataclasses.replace(small_benchmark.tags, cbam=("steel",)),
                            cbam_coverage=np.zeros_like(small_benchmark.vom))
    folder = write_benchmark(small_benchmark, tmp_path / "b")
    meta = (folder / "metadata.yaml").read_text().replace("  crude:\n", "  cbam:\n  - steel\n  crude:\n")
    (folder / "metadata.yaml").write_text(meta)
    with pytest.raises(DataError, match="tags.cbam names unknown sector 'steel'"):
        read_benchmark(folder)
    assert b.tags.cbam == ("steel",)


# ----- the charge: coverage shares, default values, indirect emissions --------------------------

def test_coverage_shares_scale_each_charge_to_the_cbam_goods_share(cbam_model):
    cbam_model.model.apply(scenario(bca=CBAM))
    m = cbam_model.model
    full = intensity.reference_intensity(m.b, m.theta["direct+electricity"], "exporter")
    J, R = m.J, m.R
    checked = 0
    for (i, s, r) in m.bca_keys:
        if s in m.coalition:
            continue
        expected = full[J.index(i), R.index(s), R.index(r)] * m.b.cbam_coverage[R.index(s), J.index(i)]
        assert theta(cbam_model, i, s, r) == pytest.approx(expected, rel=1e-14)
        checked += i in ("eite1", "eite2")
    assert checked > 0
    assert all(theta(cbam_model, i, s, r) == 0 for (i, s, r) in m.bca_keys if i not in CBAM_SECTORS)


def test_full_coverage_shares_give_the_charge_on_the_listed_sectors(small_benchmark):
    full = Solver(with_cbam(small_benchmark), scenario())
    full.solve(scenario(bca=CBAM))
    a = collect(full.model)["summary"].iloc[0]
    full.solve(scenario(bca={**CBAM, "coverage": list(CBAM_SECTORS)}))
    b = collect(full.model)["summary"].iloc[0]
    assert a["bca_revenue_bn_usd"] > 0
    for col in ("leakage_rate_pct", "bca_revenue_bn_usd", "carbon_price_usd_per_t", "ev_world_bn_usd"):
        assert a[col] == pytest.approx(b[col], rel=1e-9, abs=1e-12)


def test_default_values_raise_the_exporter_average_or_take_the_worst_performer(cbam_model):
    m = cbam_model.model
    m.apply(scenario(bca=CBAM))
    actual = {k: theta(cbam_model, *k) for k in m.bca_keys}
    m.apply(scenario(bca={**CBAM, "benchmark": "exporter_markup", "default_markup": 0.3}))
    for k, v in actual.items():
        assert theta(cbam_model, *k) == pytest.approx(1.3 * v, rel=1e-14)
    m.apply(scenario(bca={**CBAM, "benchmark": "worst"}))
    own = m.theta["direct+electricity"]
    for (i, s, r) in m.bca_keys:
        if actual[(i, s, r)] > 0:
            ji, si = m.J.index(i), m.R.index(s)
            worst = own[m.b.vom[:, ji] > 0, ji].max()
            assert theta(cbam_model, i, s, r) == pytest.approx(worst * m.b.cbam_coverage[si, ji], rel=1e-14)
            assert theta(cbam_model, i, s, r) >= actual[(i, s, r)] - 1e-15


def test_default_value_markup_follows_the_phase_in_year_unless_the_scenario_sets_one(cbam_model):
    """cge/defaults/cbam_phase_in.yaml: +10% in 2026, +20% in 2027, +30% from 2028; an explicit
    bca.default_markup wins over the schedule."""
    m = cbam_model.model
    marked = {**CBAM, "benchmark": "exporter_markup"}
    for year, markup in ((2026, 0.10), (2027, 0.20), (2028, 0.30), (2032, 0.30)):
        m.apply(scenario(bca=CBAM, phase_in={"year": year}))
        actual = {k: theta(cbam_model, *k) for k in m.bca_keys}
        assert max(actual.values()) > 0
        m.apply(scenario(bca=marked, phase_in={"year": year}))
        for k, v in actual.items():
            assert theta(cbam_model, *k) == pytest.approx((1 + markup) * v, rel=1e-12, abs=1e-15)
        m.apply(scenario(bca={**marked, "default_markup": 0.5}, phase_in={"year": year}))
        for k, v in actual.items():
            assert theta(cbam_model, *k) == pytest.approx(1.5 * v, rel=1e-12, abs=1e-15)
    assert cbam.design_markup(None, 2025) == 0.0   # transitional period: nothing is charged
    assert cbam.design_markup(0.05, 2030) == 0.05


def test_a_sector_tagged_fertilisers_takes_the_fertiliser_markup_and_the_others_the_general_one(cbam_benchmark):
    """cbam_phase_in.yaml: fertilisers +1% in every year of the definitive period, the other goods +10/20/30%;
    a scenario's own bca.default_markup is one number for every sector."""
    b = dataclasses.replace(cbam_benchmark, tags=dataclasses.replace(cbam_benchmark.tags, fertilisers=("eite2",)))
    solver = Solver(b, scenario())
    m = solver.model
    marked = {**CBAM, "benchmark": "exporter_markup"}
    for year, general in ((2026, 0.10), (2028, 0.30)):
        m.apply(scenario(bca=CBAM, phase_in={"year": year}))
        actual = {k: theta(solver, *k) for k in m.bca_keys}
        assert max(v for (i, _s, _r), v in actual.items() if i == "eite2") > 0
        m.apply(scenario(bca=marked, phase_in={"year": year}))
        for (i, s, r), v in actual.items():
            rate = 0.01 if i == "eite2" else general
            assert theta(solver, i, s, r) == pytest.approx((1 + rate) * v, rel=1e-12, abs=1e-15), (i, year)
        m.apply(scenario(bca={**marked, "default_markup": 0.5}, phase_in={"year": year}))
        for k, v in actual.items():
            assert theta(solver, *k) == pytest.approx(1.5 * v, rel=1e-12, abs=1e-15)
    assert list(cbam.sector_markups(("a", "f"), ("f",), None, 2025)) == [0.0, 0.0]   # transitional: nothing


def test_run_yaml_says_where_the_fertiliser_markup_applied_or_that_no_sector_took_it(cbam_benchmark, tmp_path):
    import yaml

    from cge.results.write import write_results

    sc = scenario(name="CBAM-2027", bca={**CBAM, "benchmark": "exporter_markup"}, phase_in={"year": 2027},
                  output_based_rebates={"enabled": False}, policy={"instrument": "tax", "tax_usd_per_t": 30})
    tagged = dataclasses.replace(cbam_benchmark, tags=dataclasses.replace(cbam_benchmark.tags, fertilisers=("eite2",)))
    for name, b in (("untagged", cbam_benchmark), ("tagged", tagged)):
        out = write_results(run_scenarios(b, [sc]), tmp_path / name)
        rec = yaml.safe_load((out / "run.yaml").read_text())["cbam_default_value_markup"]["CBAM-2027"]
        assert rec["general"] == pytest.approx(0.20)
        if name == "untagged":
            assert "0.01 not applied: no sector of dataset" in rec["fertilisers"], rec
        else:
            assert rec["fertilisers"] == {"markup": 0.01, "sectors": ["eite2"]}


def test_run_yaml_says_the_schedule_sets_no_fertiliser_markup_rather_than_the_transitional_period(
        cbam_benchmark, monkeypatch):
    sched = cbam.phase_in_schedule()
    monkeypatch.setattr(cbam, "phase_in_schedule",
                        lambda path=None: dataclasses.replace(sched, default_value_markup_fertilisers=None))
    tagged = dataclasses.replace(cbam_benchmark, tags=dataclasses.replace(cbam_benchmark.tags, fertilisers=("eite2",)))
    records = {}
    for year in (2025, 2028):
        sc = scenario(name=f"CBAM-{year}", bca={**CBAM, "benchmark": "exporter_markup"}, phase_in={"year": year})
        records.update(cbam.markup_record(tagged, [sc]))
    assert records["CBAM-2025"]["fertilisers"] == "none: nothing is charged in the transitional period"
    assert records["CBAM-2028"]["fertilisers"] == ("none: cbam_phase_in.yaml sets no default_value_markup_fertilisers, "
                                                   "so every sector takes the general mark-up")
    assert records["CBAM-2028"]["general"] == pytest.approx(0.30)


def test_the_fertilisers_tag_round_trips_and_an_unknown_sector_in_it_is_named(tmp_path, cbam_benchmark):
    b = dataclasses.replace(cbam_benchmark, tags=dataclasses.replace(cbam_benchmark.tags, fertilisers=("eite2",)))
    assert read_benchmark(write_benchmark(b, tmp_path / "b")).tags.fertilisers == ("eite2",)
    meta = tmp_path / "b" / "metadata.yaml"
    meta.write_text(meta.read_text().replace("fertilisers:\n  - eite2", "fertilisers:\n  - urea"))
    with pytest.raises(DataError, match=r"tags\.fertilisers names unknown sector 'urea'"):
        read_benchmark(tmp_path / "b")


def test_tagging_fertilisers_changes_the_fingerprint_and_no_tag_keeps_the_one_recorded_before_the_tag(cbam_benchmark):
    """Sweeps resume only on the dataset whose fingerprint they recorded: a dataset without the (newer)
    fertilisers tag keeps the fingerprint of the tags it had before, a tagged one is another dataset."""
    import hashlib
    import json

    from cge.data.benchmark import dataset_fingerprint

    b = cbam_benchmark
    tagged = dataclasses.replace(b, tags=dataclasses.replace(b.tags, fertilisers=("eite2",)))
    assert dataset_fingerprint(tagged) != dataset_fingerprint(b)
    t = b.tags
    before = (f"Tags(fossil={t.fossil!r}, electricity={t.electricity!r}, resource={t.resource!r}, eite={t.eite!r}, "
              f"crude={t.crude!r}, region_groups={t.region_groups!r}, cbam={t.cbam!r})")   # the Tags of before
    h = hashlib.sha256(json.dumps([b.regions, b.sectors, b.factors, before], sort_keys=True).encode())
    for name in ("vom", "to", "vid", "vfm", "vrs", "vxmd", "tm", "fd", "co2", "co2p", "pop"):
        h.update(name.encode())
        h.update(np.ascontiguousarray(getattr(b, name), dtype=float).tobytes())
    for name in ("tx", "vst", "vtwr", "tpd", "tpi", "tpu", "tf"):
        a = getattr(b, name, None)
        if a is not None and np.any(a):
            h.update(name.encode())
            h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    if b.elasticities:
        h.update(json.dumps(b.elasticities, sort_keys=True).encode())
    assert dataset_fingerprint(b) == h.hexdigest()[:16]


def test_exporter_markup_without_a_markup_needs_a_phase_in_year():
    with pytest.raises(ScenarioError, match=r"bca\.default_markup: required when bca\.benchmark is "
                                            r"exporter_markup and no phase_in\.year"):
        scenario(bca={**CBAM, "benchmark": "exporter_markup"})
    assert scenario(bca={**CBAM, "benchmark": "exporter_markup"}, phase_in={"year": 2027}).bca.default_markup is None


def test_indirect_emissions_count_only_for_the_listed_goods(cbam_model):
    m = cbam_model.model
    m.apply(scenario(bca={**CBAM, "indirect_sectors": ["eite1"]}))
    d, de = m.theta["direct"], m.theta["direct+electricity"]
    for (i, s, r) in m.bca_keys:
        if i in ("eite1", "eite2") and s not in m.coalition:
            si, ji = m.R.index(s), m.J.index(i)
            base = (de if i == "eite1" else d)[si, ji] * m.b.cbam_coverage[si, ji]
            assert theta(cbam_model, i, s, r) == pytest.approx(base, rel=1e-14)
    assert (de > d + 1e-9).any()  # the electricity component is not trivially zero


# ----- the phase-in ------------------------------------------------------------------------------

def test_schedule_is_the_directives_cbam_factor():
    fa = cbam.phase_in_schedule().free_allocation
    assert {y: fa[y] for y in range(2026, 2035)} == {
        2026: 0.975, 2027: 0.95, 2028: 0.90, 2029: 0.775, 2030: 0.515, 2031: 0.39, 2032: 0.265, 2033: 0.14,
        2034: 0.0}


def test_phase_in_charges_the_phased_out_share_and_rebates_the_free_allocation_left(cbam_model):
    m = cbam_model.model
    m.apply(scenario(bca=CBAM))
    full = {k: theta(cbam_model, *k) for k in m.bca_keys}
    m.apply(scenario(bca=CBAM, phase_in={"year": 2030}))
    for (i, s, r), v in full.items():
        factor = 1.0 if i == "ele" else 1 - 0.515  # electricity has no free allocation to phase out
        assert theta(cbam_model, i, s, r) == pytest.approx(factor * v, rel=1e-14)
    direct = m.theta["direct"]
    for (r, j) in m.obr_keys:
        ri, ji = m.R.index(r), m.J.index(j)
        expected = 0.515 * direct[ri, ji] * m.b.cbam_coverage[ri, ji] if j in ("eite1", "eite2") else 0.0
        assert m.obr_theta[r, j].value == pytest.approx(expected, rel=1e-14)
    assert any(m.obr_theta[k].value > 0 for k in m.obr_keys)


def test_transitional_year_charges_nothing_and_allocates_in_full(cbam_model):
    m = cbam_model.model
    m.apply(scenario(bca=CBAM, phase_in={"year": 2025}))
    assert all(theta(cbam_model, *k) == 0 for k in m.bca_keys)
    m.apply(scenario(output_based_rebates={"enabled": True, "basis": "direct", "coverage": ["eite1", "eite2"]}))
    plain_obr = {k: m.obr_theta[k].value * m.b.cbam_coverage[m.R.index(k[0]), m.J.index(k[1])]
                 for k in m.obr_keys}
    m.apply(scenario(bca=CBAM, phase_in={"year": 2025}))
    for k, v in plain_obr.items():
        assert m.obr_theta[k].value == pytest.approx(v, rel=1e-14)


def test_phase_in_2034_is_the_cbam_without_free_allocation(cbam_model):
    cbam_model.solve(scenario(bca=CBAM))
    a = collect(cbam_model.model)["summary"].iloc[0]
    cbam_model.solve(scenario(bca=CBAM, phase_in={"year": 2034}))
    b = collect(cbam_model.model)["summary"].iloc[0]
    for col in ("leakage_rate_pct", "bca_revenue_bn_usd", "carbon_price_usd_per_t", "ev_world_bn_usd"):
        assert a[col] == pytest.approx(b[col], rel=1e-9, abs=1e-12)


def test_cbam_with_free_allocation_at_zero_carbon_price_changes_nothing(cbam_benchmark):
    tax0 = scenario(policy={"instrument": "tax", "tax_usd_per_t": 0.0})
    s = Solver(cbam_benchmark, tax0)
    res = s.solve(dataclasses.replace(tax0, bca=scenario(bca=CBAM).bca, phase_in=scenario(
        bca=CBAM, phase_in={"year": 2029}).phase_in))
    assert res.iterations == 0
    assert all(abs(v.value - 1) < 1e-12 for v in s.model.vars["Y"].values())


def test_phase_in_path_runs_the_years_as_comparative_statics(cbam_benchmark, tmp_path):
    years = (2026, 2030, 2034)
    scs = [scenario(name=f"CBAM-{y}", bca=CBAM, phase_in={"year": y}) for y in years]
    comp = run_scenarios(cbam_benchmark, scs[::-1])
    defs = {r.scenario.name: r.scenario.to_dict() for r in comp.results}
    path = path_table(comp.table("summary"), comp.table("regions"), defs)
    assert list(path["year"]) == list(years)
    assert list(path["free_allocation_share"]) == [0.975, 0.515, 0.0]
    assert path["cbam_revenue_bn_usd"].is_monotonic_increasing
    assert path["free_allocation_bn_usd"].is_monotonic_decreasing and path["free_allocation_bn_usd"].iloc[-1] == 0
    assert path["leakage_rate_pct"].iloc[-1] < path["leakage_rate_pct"].iloc[0]
    ex = exporters_table(comp.table("regions"), comp.table("bca_flows"), defs)
    assert set(ex["region"]) == {"r3", "r4", "r5"} and len(ex) == 9
    paid = ex.groupby("year")["cbam_paid_bn_usd"].sum()
    assert paid.values == pytest.approx(path["cbam_revenue_bn_usd"].values, rel=1e-9)
    # written by `cge compare` and drawn by `cge report` from the folder alone
    from cge.report.data import load_results
    from cge.report.figures import Styles, cbam_phase_in
    from cge.results.write import write_results

    out = write_results(comp, tmp_path / "res")
    written = pd.read_csv(out / "phase_in_path.csv")
    assert list(written["year"]) == list(years)
    res = load_results(out)
    fig = cbam_phase_in(res, Styles(res.designs))
    assert fig is not None and list(fig.data["year"]) == list(years)
    assert f"{written['leakage_rate_pct'].iloc[-1]:.2f}%" in fig.caption


# ----- tax or allowances -----------------------------------------------------------------------------

def test_certificates_at_the_permit_price_equal_the_charge(cbam_model):
    cbam_model.solve(scenario(bca=CBAM))
    a = collect(cbam_model.model)["summary"].iloc[0]
    cbam_model.solve(scenario(bca={**CBAM, "instrument": "certificates"}))
    b = collect(cbam_model.model)["summary"].iloc[0]
    assert a.to_dict() == pytest.approx(b.to_dict(), rel=1e-12, abs=1e-12)


def test_allowances_surrendered_for_imports_count_against_the_cap(cbam_benchmark, cbam_model):
    cbam_model.solve(scenario(bca=CBAM))
    cert = collect(cbam_model.model)
    sc = scenario(bca={**CBAM, "instrument": "allowances"})
    model = Solver(cbam_benchmark, sc)
    model.solve(sc)
    m = model.model
    allow = collect(m)
    embodied = {r: value(m.em.account("bca_co2", r)) for r in m.coalition}
    own = m.emissions()
    cap = 0.8 * sum(m.E0[m.R.index(r)] for r in m.coalition)
    assert sum(own[r] + embodied[r] for r in m.coalition) == pytest.approx(cap, rel=1e-9)
    assert sum(embodied.values()) > 0
    pc, pa = cert["summary"].iloc[0], allow["summary"].iloc[0]
    assert pa["carbon_price_usd_per_t"] > pc["carbon_price_usd_per_t"]
    assert pa["coalition_abatement_pct"] > pc["coalition_abatement_pct"] == pytest.approx(20.0)
    # the charge is the price of the allowances surrendered: revenue = price x embodied emissions
    price = value(m.vars["PCO2"][m.coalition[0]]) / value(m.vars["PW"])
    assert pa["bca_revenue_bn_usd"] == pytest.approx(price * sum(embodied.values()), rel=1e-9)


# ----- bad input ----------------------------------------------------------------------------------------

def _yaml(tmp_path, text):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("body, key", [
    ("phase_in: {year: 2040}", "phase_in.year"),
    ("bca: {import_charge: true}\n    phase_in: {year: 2030}", "phase_in.year"),  # phase-in of all EITE goods
    ("bca: {import_charge: true, benchmark: exporter_markup}", "bca.default_markup"),
    ("bca: {import_charge: true, benchmark: exporter, default_markup: 0.1}", "bca.default_markup"),
    ("bca: {import_charge: true, basis: direct, indirect_sectors: [eite1]}", "bca.indirect_sectors"),
    ("bca: {import_charge: true, instrument: allowances}\n    policy: {instrument: tax, tax_usd_per_t: 10}",
     "bca.instrument"),
    ("bca: {import_charge: true, instrument: tradable}", "bca.instrument"),
])
def test_bad_cbam_settings_are_errors_naming_the_file_and_key(tmp_path, body, key):
    p = _yaml(tmp_path, f"scenarios:\n  - name: X\n    coalition: [annex1]\n    {body}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenarios(p)
    assert str(p) in str(err.value) and key in str(err.value)


def test_cbam_coverage_on_a_dataset_without_cbam_goods_is_an_error(small_benchmark):
    with pytest.raises(ScenarioError, match="bca.coverage: cbam"):
        BCAModel(small_benchmark, scenario(bca=CBAM))


@pytest.mark.parametrize("bca, key", [
    ("{import_charge: true, coverage: [steel]}", "bca.coverage"),
    ("{import_charge: true, implementers: [r3]}", "bca.implementers"),
    ("{import_charge: true, basis: direct+electricity, indirect_sectors: [steel]}", "bca.indirect_sectors"),
])
def test_cli_stops_on_dataset_mismatches_naming_the_file_and_key_and_writes_nothing(tmp_path, bca, key):
    p = _yaml(tmp_path, f"scenarios:\n  - name: X\n    coalition: [annex1]\n    bca: {bca}\n")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "cge.cli", "compare", "--synthetic", "3x6", "--scenarios", str(p),
                        "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert str(p) in r.stderr and key in r.stderr and "[X]" in r.stderr
    assert not out.exists()


def test_shipped_cbam_scenario_files_validate_against_the_default_dataset():
    from cge.data.datasets import default_dataset_path
    from cge.results.run import check_scenarios

    path = default_dataset_path()
    if not path.exists():
        pytest.skip("default dataset not built")
    b = read_benchmark(path)
    assert b.tags.cbam and (b.cbam_coverage[:, b.sectors.index("ele")] == 1).all()
    from importlib import resources
    for name in ("eu_cbam.yaml", "eu_cbam_phase_in.yaml"):
        with resources.as_file(resources.files("cge") / "scenarios" / name) as f:
            scs = load_scenarios(f)
            check_scenarios(b, scs, f)
    years = [s.phase_in.year for s in scs]
    assert years == list(range(2025, 2035))
