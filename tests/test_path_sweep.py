"""Sweeps over the assumptions of the recursive-dynamic baseline (issue 26, point 5): each point solves the
whole path; faster energy-efficiency improvement lowers emissions in every later year, the band of a sweep
brackets every point, points are stored once and a re-run resumes, and bad axes are one clear line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cge.data.benchmark import read_benchmark
from cge.data.datasets import shipped_dataset_path
from cge.errors import ScenarioError
from cge.sweep.execute import run_sweep
from cge.sweep.spec import load_sweep, plan_points

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sweep_path_aeei.yaml"
AEEI_HEADER = "region,fuel,rate_pct_per_year,source\n"


def aeei_file(folder: Path, name: str, rate: float) -> str:
    (folder / name).write_text(AEEI_HEADER + "".join(f"*,{f},{rate},test\n" for f in ("coa", "oil", "gas")))
    return name


@pytest.fixture(scope="module")
def wiod():
    return read_benchmark(shipped_dataset_path())


@pytest.fixture(scope="module")
def aeei_sweep(wiod, tmp_path_factory):
    """A sweep over three AEEI rates (0, 1.5, 3% a year) on the path 2011-2020 in 5-year steps, with an EU
    tax of 44 USD/t from 2015; solved in-process."""
    folder = tmp_path_factory.mktemp("path-sweep")
    tax = folder / "tax.yaml"
    tax.write_text("scenarios:\n  - {name: EU-44, coalition: [EU27], policy: {instrument: tax, tax_usd_per_t: 44}}\n")
    names = [aeei_file(folder, f"aeei_{r}.csv", r) for r in (0.0, 1.5, 3.0)]
    sweep = folder / "sweep.yaml"
    sweep.write_text("name: aeei\npath: {end: 2020, step: 5, scenarios: tax.yaml, policy_from: 2015}\n"
                     f"grid:\n  path.aeei_file: [{', '.join(names)}]\n")
    spec = load_sweep(sweep)
    run = run_sweep(spec, wiod, folder / "out", workers=0)
    return spec, run, folder / "out"


def test_faster_aeei_lowers_emissions_in_every_later_year_of_the_path(aeei_sweep):
    _spec, run, out = aeei_sweep
    assert run.total == 3 and run.solved == 3 and run.failed == 0
    pts = pd.read_csv(out / "path_points.csv")
    world = pts[(pts["design"] == "baseline") & (pts["measure"] == "emissions_mt") & (pts["region"] == "ALL")]
    e = world.pivot(index="year", columns="variant", values="value")
    slow, mid, fast = (e[f"path.aeei_file=aeei_{r}.csv"] for r in (0.0, 1.5, 3.0))
    assert slow[2011] == pytest.approx(fast[2011], rel=1e-9)            # the base year is the benchmark
    for y in (2015, 2020):
        assert slow[y] > mid[y] * 1.01 > fast[y] * 1.02, (y, slow[y], mid[y], fast[y])
    taxed = pts[(pts["design"] == "EU-44") & (pts["measure"] == "leakage_rate_pct")]
    assert set(taxed["year"]) == {2015, 2020} and taxed["variant"].nunique() == 3


def test_the_band_of_a_path_sweep_brackets_every_point(aeei_sweep):
    _spec, _run, out = aeei_sweep
    pts = pd.read_csv(out / "path_points.csv")
    bands = pd.read_csv(out / "path_bands.csv", keep_default_na=False)
    keys = ["design", "year", "measure", "region"]
    joined = pts.merge(bands, on=keys, how="left", validate="many_to_one")
    assert joined["n"].eq(3).all()
    tol = 1e-9 * joined["value"].abs().clip(lower=1)
    assert (joined["min"] <= joined["value"] + tol).all() and (joined["value"] <= joined["max"] + tol).all()
    assert (joined["min"] <= joined["median"] + tol).all() and (joined["median"] <= joined["max"] + tol).all()
    spread = bands[(bands["design"] == "baseline") & (bands["measure"] == "emissions_mt") & (bands["year"] == 2020)]
    assert (spread["max"] > spread["min"]).all()     # AEEI moves every region's emissions


def test_a_path_sweep_run_again_solves_nothing_and_keeps_its_points(aeei_sweep, wiod):
    spec, _run, out = aeei_sweep
    before = pd.read_csv(out / "path_bands.csv")
    again = run_sweep(spec, wiod, out, workers=0)
    assert again.solved == 0 and again.already_done == 3
    pd.testing.assert_frame_equal(pd.read_csv(out / "path_bands.csv"), before)


@pytest.fixture(scope="module")
def aeei_path(aeei_sweep, tmp_path_factory):
    """The `cge baseline` path the AEEI sweep varies (same scenarios, years, policy year and dataset)."""
    from cge.cli import main

    _spec, _run, out = aeei_sweep
    path = tmp_path_factory.mktemp("baseline") / "path"
    assert main(["baseline", "--end", "2020", "--step", "5", "--scenarios", str(out.parent / "tax.yaml"),
                 "--policy-from", "2015", "--out", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def small_results(tmp_path_factory):
    from cge.data.synthetic import random_benchmark
    from cge.results.run import run_scenarios
    from cge.results.write import write_results
    from cge.scenarios.spec import Scenario

    b = random_benchmark(3, 6, seed=1)
    sc = Scenario(name="S", coalition=[b.regions[0]], policy={"instrument": "tax", "tax_usd_per_t": 20})
    return write_results(run_scenarios(b, [sc]), tmp_path_factory.mktemp("results") / "results")


def test_the_report_shades_the_path_sweeps_band_in_the_path_panel(aeei_sweep, aeei_path, small_results):
    from cge.report import build_report

    _spec, _run, out = aeei_sweep
    report = build_report(small_results, path=aeei_path, path_sweep=out)
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "Shaded: the lowest to the highest value across the 3 variants" in html


def _edited_path(aeei_path, tmp_path, key, value) -> Path:
    import shutil

    import yaml

    copy = tmp_path / "path"
    shutil.copytree(aeei_path, copy)
    run = yaml.safe_load((copy / "run.yaml").read_text())
    run[key] = value
    (copy / "run.yaml").write_text(yaml.safe_dump(run, sort_keys=False))
    return copy


@pytest.mark.parametrize("key, value, named", [
    ("discount_rate_pct", 5.0, r"discount rate 3\.0 vs 5\.0"),
    ("years", [2011, 2015, 2020, 2025], r"years \[2011, 2015, 2020\] vs \[2011, 2015, 2020, 2025\]"),
    ("designs", {"EU-44": {2020: "EU-44"}}, r"designs .* vs "),
    ("dataset_fingerprint", "0123456789abcdef", r"dataset fingerprint \w+ vs 0123456789abcdef"),
])
def test_the_report_refuses_a_path_sweeps_bands_around_another_path(aeei_sweep, aeei_path, small_results, tmp_path,
                                                                     key, value, named):
    from cge.errors import DataError
    from cge.report.data import load_results

    _spec, _run, out = aeei_sweep
    other = _edited_path(aeei_path, tmp_path, key, value)
    with pytest.raises(DataError, match=r"^--path-sweep .*: not a sweep of the path in .*: " + named) as exc:
        load_results(small_results, path=other, path_sweep=out)
    assert "\n" not in str(exc.value)


def test_cge_baseline_records_the_datasets_fingerprint_a_sweep_records(aeei_sweep, aeei_path):
    import json

    import yaml

    _spec, _run, out = aeei_sweep
    run = yaml.safe_load((aeei_path / "run.yaml").read_text())
    assert run["dataset_fingerprint"] == json.loads((out / "sweep.json").read_text())["dataset_fingerprint"]


def test_a_design_of_the_path_without_a_band_is_a_one_line_warning(aeei_sweep, aeei_path):
    from cge.report.data import check_path_sweep_matches
    from cge.sweep.path_bands import read_path_bands

    _spec, _run, out = aeei_sweep
    bands = read_path_bands(out)
    assert check_path_sweep_matches(aeei_path, out, bands) == []
    (warning,) = check_path_sweep_matches(aeei_path, out, bands[bands["design"] != "EU-44"])
    assert "has no bands for design(s) EU-44" in warning and "\n" not in warning


@pytest.mark.parametrize("text, message", [
    ("grid: {path.ssp: [SSP1, SSP9]}", r"grid\.path\.ssp: 'SSP9' is not one of SSP1"),
    ("grid: {path.nonsense: [1]}", r"grid\.path\.nonsense: unknown path field 'path\.nonsense'"),
    ("grid: {elasticities.sigma_xx: [1]}", r"grid\.elasticities\.sigma_xx: 'elasticities\.sigma_xx': vary"),
    ("grid: {elasticities.sigma_dm: [-1]}", r"grid\.elasticities\.sigma_dm: an elasticity must be a number >= 0"),
    ("base: {coalition: [EU27]}", r"base: not used by a path sweep"),
    ("designs: [{name: x, policy.cut: 0.2}]", r"designs\[0\]\.policy\.cut: unknown path field"),
    ("path: {step: 5}", r"path\.end: missing"),
    ("path: {end: 2020, step: 2}", r"path\.step: 2 must be 1 or 5"),
])
def test_a_bad_axis_of_a_path_sweep_is_one_line_naming_file_and_key(tmp_path, text, message):
    f = tmp_path / "s.yaml"
    f.write_text(text + "\n" if text.startswith("path:") else f"path: {{end: 2020, step: 5}}\n{text}\n")
    with pytest.raises(ScenarioError, match=r"^" + str(f).replace(".", r"\.") + ": .*" + message) as exc:
        load_sweep(f)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("design, message", [
    ("{elasticities.sigma_dm: abc}", r"designs\[0\]\.elasticities\.sigma_dm: an elasticity must be a number >= 0, "
                                     r"got 'abc'"),
    ("{elasticities.sigma_dm: -2}", r"designs\[0\]\.elasticities\.sigma_dm: an elasticity must be a number >= 0"),
    ("{elasticities.sigma_dm: {chm: 2}}", r"designs\[0\]\.elasticities\.sigma_dm: a path sweep sets an elasticity "
                                          r"for every sector"),
])
def test_a_bad_elasticity_in_a_path_sweeps_design_is_one_line_naming_file_and_key(tmp_path, design, message):
    f = tmp_path / "s.yaml"
    f.write_text(f"path: {{end: 2020, step: 5}}\ndesigns: [{{name: x}}, {design}]\n".replace("[{name: x}, ", "["))
    with pytest.raises(ScenarioError, match=r"^" + str(f).replace(".", r"\.") + ": " + message) as exc:
        load_sweep(f)
    assert "\n" not in str(exc.value)


def test_a_path_sweeps_design_elasticity_reaches_its_point(wiod, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("path: {end: 2015, step: 5}\ndesigns: [{name: low, elasticities.sigma_dm: 2}]\n")
    (point,) = plan_points(load_sweep(f), wiod)
    assert point.work.elasticities == {"sigma_dm": 2.0}


def test_the_example_path_sweep_plans_nine_distinct_paths_to_2030(wiod):
    spec = load_sweep(EXAMPLE)
    points = plan_points(spec, wiod)
    assert len(points) == len({p.id for p in points}) == 9
    assert all(p.definition["years"][-1] == 2030 for p in points)
    assert {p.definition["assumptions"]["ssp"] for p in points} == {"SSP1", "SSP2", "SSP3"}
    assert set(points[0].work.designs) == {"REF", "eu_cbam_phase_in"}


def _folder_state(out: Path) -> dict:
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_scenario_sweep_into_a_path_sweeps_folder_stops_and_writes_nothing(aeei_sweep, wiod, tmp_path):
    from cge.errors import CGEError

    _spec, _run, out = aeei_sweep
    before = _folder_state(out)
    f = tmp_path / "tax.yaml"
    f.write_text("name: tax\nbase: {coalition: [EU27], policy: {instrument: tax, tax_usd_per_t: 20}}\n")
    with pytest.raises(CGEError, match=r"^" + str(out).replace(".", r"\.") + " holds a path sweep; use another --out$"):
        run_sweep(load_sweep(f), wiod, out, workers=0)
    assert _folder_state(out) == before


def test_a_path_sweep_into_a_scenario_sweeps_folder_stops_and_writes_nothing(wiod, tmp_path):
    from cge.data.synthetic import random_benchmark
    from cge.errors import CGEError

    b = random_benchmark(3, 6, seed=2)
    scen = tmp_path / "scen.yaml"
    scen.write_text(f"name: s\nbase: {{coalition: [{b.regions[0]}], policy: {{instrument: tax, tax_usd_per_t: 20}}}}\n")
    out = tmp_path / "out"
    assert run_sweep(load_sweep(scen), b, out, workers=0).solved == 1
    before = _folder_state(out)
    path = tmp_path / "path.yaml"
    path.write_text("name: p\npath: {end: 2015, step: 5}\n")
    with pytest.raises(CGEError, match=r"holds a scenario sweep; use another --out$"):
        run_sweep(load_sweep(path), wiod, out, workers=0)
    assert _folder_state(out) == before


def _one_point_id(wiod, tmp_path) -> str:
    f = tmp_path / "one.yaml"
    if not f.exists():
        f.write_text("name: one\npath: {end: 2015, step: 5}\n")
    (point,) = plan_points(load_sweep(f), wiod)
    return point.id


def test_editing_the_cbam_phase_in_schedule_changes_a_path_points_id(wiod, tmp_path, monkeypatch):
    import shutil

    from cge.sweep import fingerprints

    before = _one_point_id(wiod, tmp_path)
    copy = tmp_path / "defaults"
    shutil.copytree(fingerprints._DEFAULTS, copy)
    schedule = copy / "cbam_phase_in.yaml"
    schedule.write_text(schedule.read_text() + "\n# edited\n")
    monkeypatch.setattr(fingerprints, "_DEFAULTS", copy)
    fingerprints.path_defaults_fingerprint.cache_clear()
    try:
        assert _one_point_id(wiod, tmp_path) != before
    finally:
        monkeypatch.undo()
        fingerprints.path_defaults_fingerprint.cache_clear()
    assert _one_point_id(wiod, tmp_path) == before


def test_drivers_computed_for_a_path_enter_its_points_id(wiod, tmp_path, monkeypatch):
    """Drivers derived from the shared projections and the dataset's mappings have no file of their own in
    the id: the computed multipliers do."""
    import dataclasses

    import cge.dynamics.setup as setup

    before = _one_point_id(wiod, tmp_path)
    real = setup.path_growth

    def faster_labour(*args, **kwargs):
        growth, a, table = real(*args, **kwargs)
        last = growth[-1]
        endow = {k: v * 1.01 for k, v in last.endow.items()}
        return [*growth[:-1], dataclasses.replace(last, endow=endow)], a, table

    monkeypatch.setattr(setup, "path_growth", faster_labour)
    assert _one_point_id(wiod, tmp_path) != before


def test_editing_an_aeei_files_content_changes_a_path_points_id(wiod, tmp_path):
    aeei_file(tmp_path, "aeei.csv", 1.0)
    f = tmp_path / "aeei.yaml"
    f.write_text("name: a\npath: {end: 2015, step: 5, assumptions: {aeei_file: aeei.csv}}\n")
    (before,) = plan_points(load_sweep(f), wiod)
    aeei_file(tmp_path, "aeei.csv", 2.0)
    (after,) = plan_points(load_sweep(f), wiod)
    assert after.id != before.id


def test_editing_only_a_scenarios_description_keeps_a_path_points_id(wiod, tmp_path):
    scen = tmp_path / "tax.yaml"
    text = ("scenarios:\n  - {name: EU-44, description: %s, coalition: [EU27],\n"
            "     policy: {instrument: tax, tax_usd_per_t: 44}}\n")
    scen.write_text(text % "first words")
    f = tmp_path / "s.yaml"
    f.write_text("name: s\npath: {end: 2015, step: 5, scenarios: tax.yaml, policy_from: 2015}\n")
    (before,) = plan_points(load_sweep(f), wiod)
    scen.write_text(text % "other words")
    (after,) = plan_points(load_sweep(f), wiod)
    assert after.id == before.id
    scen.write_text((text % "first words").replace("44}", "45}"))
    (taxed_more,) = plan_points(load_sweep(f), wiod)
    assert taxed_more.id != before.id
