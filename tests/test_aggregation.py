"""Calibration at any resolution from an aggregation file (issue 10): the default aggregation
rebuilds the shipped dataset, small and full aggregations build with CO2 preserved, CBAM goods,
elasticities that follow the aggregation, and bad aggregation files. Needs ../shared/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from calibration.build import DEFAULT_AGGREGATION, DEFAULT_OUT, DEFAULT_SHARED, BuildConfig, build
from cge.cli import main
from cge.data.benchmark import WRITTEN_RTOL, read_benchmark
from cge.errors import DataError

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz").exists(),
    reason=f"shared data not found at {DEFAULT_SHARED}",
)
EXAMPLES = DEFAULT_AGGREGATION.parent


def quiet(*a, **k):
    pass


def _default() -> dict:
    return yaml.safe_load(DEFAULT_AGGREGATION.read_text())


def _write(tmp_path, spec: dict, name="agg.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


def _two_by_two() -> dict:
    d = _default()
    d["name"] = "tiny"
    d["description"] = "2 regions x 2 sectors"
    reg = d["regions"]
    d["regions"] = {"NORTH": {"members": [m for r in ("EU27", "USA", "OAI", "RUS") for m in reg[r]["members"]]},
                    "SOUTH": {"members": [m for r in ("CHN", "IND", "EME", "ROW") for m in reg[r]["members"]]}}
    d["region_groups"] = {"annex1": ["NORTH"]}
    energy = ["coa", "cru", "ngs", "gdt", "c8", "ele"]
    others = [m for t in d["sectors"].values() for m in t["members"] if m not in energy]
    d["sectors"] = {"energy": {"members": energy, "tags": ["fossil", "resource"]}, "other": {"members": others}}
    return d


@pytest.fixture(scope="module")
def jrc_totals():
    """JRC CO2 by WIOD source region and the world total (Mt), as the build reads them."""
    from calibration.aggregate import read_mapping
    from calibration.readers import satellites as sat
    from calibration.readers.wiod2013 import read_wiod_wide
    from calibration.sources import MAPPINGS

    wiod = read_wiod_wide(DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz")
    E = sat.read_jrc_co2(DEFAULT_SHARED / "energy" / "jrc_wiod2016_co2_by_industry_2000_2016.csv.gz",
                         read_mapping(MAPPINGS / "jrc56_to_wiod35.csv"), 2011, wiod.regions, wiod.sectors,
                         wiod.categories, read_mapping(MAPPINGS / "jrc_regions.csv"), "CONS_h")
    return dict(zip(wiod.regions, E.sum(axis=1)))


# ----- 1 and 5: one file, one command; the default rebuilds data/wiod2011 --------------------------
def _differs_beyond_the_written_precision(built: Path, shipped: Path) -> bool:
    """A benchmark table must have the same columns, rows and labels, and numbers equal to one unit in
    their last written digit (the BLAS kernel of the CPU moves the calibration's sums by a few 1e-16, which
    crosses a rounding boundary of the 12th digit only rarely); any other file must have the same text."""
    if built.suffix != ".csv" or built.parent.name == "mappings":
        return built.read_text() != shipped.read_text()
    a, b = pd.read_csv(built), pd.read_csv(shipped)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return True
    numbers = [c for c in a.columns if pd.api.types.is_float_dtype(a[c]) or pd.api.types.is_float_dtype(b[c])]
    labels = [c for c in a.columns if c not in numbers]
    if not a[labels].equals(b[labels]):
        return True
    return not np.allclose(a[numbers].to_numpy(float), b[numbers].to_numpy(float),
                           rtol=WRITTEN_RTOL, atol=0)


def test_calibrate_with_the_default_aggregation_rebuilds_the_shipped_dataset_to_its_written_precision(tmp_path):
    out = tmp_path / "wiod2011"
    assert main(["calibrate", str(DEFAULT_AGGREGATION), "--out", str(out), "--quiet"]) == 0
    shipped = sorted(p.relative_to(DEFAULT_OUT) for p in DEFAULT_OUT.rglob("*") if p.is_file())
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert built == shipped
    assert [str(p) for p in shipped if _differs_beyond_the_written_precision(out / p, DEFAULT_OUT / p)] == []


def test_default_dataset_carries_its_aggregation_and_source_keyed_assumptions():
    b = read_benchmark(DEFAULT_OUT)
    assert (DEFAULT_OUT / "mappings" / "aggregation.yaml").read_text() == DEFAULT_AGGREGATION.read_text()
    assert b.metadata["sector_sources"]["gas"] == ["ngs", "gdt"]
    assert b.tags.region_groups["annex1"] == ("EU27", "USA", "OAI", "RUS")
    assert "fallbacks" not in b.metadata["calibration"]       # the default needs none


# ----- 2: every aggregation builds; CO2 preserved ---------------------------------------------------
def test_two_region_two_sector_aggregation_builds_with_world_co2_of_the_default(tmp_path):
    r = build(BuildConfig(aggregation=_write(tmp_path, _two_by_two())), echo=quiet)
    b, default = r.benchmark, read_benchmark(DEFAULT_OUT)
    assert b.regions == ("NORTH", "SOUTH") and b.sectors == ("energy", "other")
    assert b.emissions.sum() == pytest.approx(default.emissions.sum(), rel=1e-12)
    north = [r for r in ("EU27", "USA", "OAI", "RUS")]
    assert b.emissions[0] == pytest.approx(sum(default.emissions[default.regions.index(x)] for x in north), rel=1e-12)
    # the combined fuel carries all combustion CO2; rents only in the resource-tagged sector
    assert b.co2[:, 1, :].sum() == 0 and b.vrs[:, 1].sum() == 0 and (b.vrs[:, 0] > 0).all()


def test_a_user_that_buys_no_fuel_has_its_emissions_moved_and_the_region_total_kept():
    from calibration.emissions import allocate
    from calibration.fallbacks import Fallbacks

    T = np.array([[10.0, 2.0, 3.0, 5.0]])                 # user 1 has CO2 but buys no fuel
    U = np.array([[[4.0, 0.0, 1.0, 2.0], [1.0, 0.0, 2.0, 1.0]]])
    fb = Fallbacks(echo=quiet)
    co2, co2p, _ = allocate(T, U, np.array([[1.0, 1.0]]), np.array([[6.0, 4.0]]), np.array([0.0]), 3,
                            ("R",), ("a", "b", "c", "household"), fuels=("f1", "f2"), fallbacks=fb)
    assert co2[0, :, 1].sum() == 0
    assert co2.sum() == pytest.approx(T.sum(), rel=1e-14)
    assert co2[0, :, 0].sum() / co2[0, :, 2].sum() == pytest.approx(10 / 3, rel=1e-9)   # moved pro rata
    assert fb.rows[0]["sector"] == "b" and fb.rows[0]["amount"] == 2.0


@pytest.mark.slow
def test_full_resolution_builds_with_every_fallback_recorded_and_country_co2_preserved(tmp_path, jrc_totals):
    r = build(BuildConfig(aggregation=EXAMPLES / "full.yaml"), echo=quiet)
    b = r.benchmark
    assert len(b.regions) == 41 and len(b.sectors) == 44
    em = dict(zip(b.regions, b.emissions))
    for reg, total in jrc_totals.items():
        assert em[reg] == pytest.approx(total, rel=1e-12, abs=1e-12)
    fb = b.metadata["calibration"]["fallbacks"]
    moved = {(f["region"], f["sector"]) for f in fb if "moved" in f["what"]}
    assert ("BEL", "c35") in moved and ("IND", "c31") in moved
    assert any(f["region"] == "MLT" and f["sector"] == "c17" for f in fb)
    assert "MLT / c17" in r.fallbacks.assign(k=r.fallbacks.region + " / " + r.fallbacks.sector)["k"].str.cat()


# ----- 3: CBAM goods ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cbam_built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cbam") / "cbam"
    assert main(["calibrate", str(EXAMPLES / "cbam.yaml"), "--out", str(out), "--quiet"]) == 0
    return out


def test_cbam_example_splits_steel_aluminium_cement_fertilisers_and_tags_them(cbam_built):
    b = read_benchmark(cbam_built)
    for s in ("ist", "alu", "cem", "fer", "ofm", "onm", "och"):
        assert s in b.sectors
    assert set(b.tags.cbam) == {"ele", "ist", "alu", "cem", "fer"}
    # split CBAM goods are wholly covered (share 1, the format's default for a tagged sector), the rest not
    J = b.sectors
    tagged = [J.index(s) for s in b.tags.cbam]
    assert (b.cbam_coverage[:, tagged] == 1).all() and b.cbam_coverage.sum() == b.cbam_coverage[:, tagged].sum()
    # cement calcination CO2 is process CO2 of cement; the CBAM goods are more CO2-intensive than the rest
    assert b.co2p[:, J.index("cem")].sum() > 0 and b.co2p[:, J.index("onm")].sum() == 0
    china = b.regions.index("CHN")
    assert 0.2 < b.vom[china, J.index("ist")] / (b.vom[china, [J.index(s) for s in ("ist", "alu", "ofm")]].sum()) < 0.8


def test_split_cement_keeps_the_unsplit_calcination_co2_and_gets_its_share_of_combustion_co2(cbam_built):
    """Splitting c11 moves no calcination CO2 to glass and ceramics: cement's process CO2 by region
    equals the default's (unsplit c11) over the same countries, and cement burns fuel too."""
    split, default = read_benchmark(cbam_built), read_benchmark(DEFAULT_OUT)
    members = {a: {k: set(v["members"]) for k, v in yaml.safe_load(f.read_text())["regions"].items()}
               for a, f in (("split", EXAMPLES / "cbam.yaml"), ("default", DEFAULT_AGGREGATION))}
    cem, nmm = split.sectors.index("cem"), default.sectors.index("nmm")
    for reg, countries in members["default"].items():
        parts = [r for r, c in members["split"].items() if c <= countries]
        assert set().union(*(members["split"][r] for r in parts)) == countries
        got = sum(split.co2p[split.regions.index(r), cem] for r in parts)
        assert got == pytest.approx(default.co2p[default.regions.index(reg), nmm], rel=1e-9, abs=1e-12)
    assert split.co2p.sum() == pytest.approx(default.co2p.sum(), rel=1e-9)
    assert split.co2.sum() + split.co2p.sum() == pytest.approx(default.co2.sum() + default.co2p.sum(), rel=1e-12)
    # combustion CO2 of cement: positive wherever c11 has CO2 left after calcination (else a recorded fallback)
    capped = {f["region"] for f in split.metadata["calibration"].get("fallbacks", []) if f["sector"] == "cem"}
    burnt = split.co2[:, :, cem].sum(axis=1)
    for k, reg in enumerate(split.regions):
        assert (burnt[k] > 0) != (reg in capped), reg
    assert burnt.sum() > 0.1 * split.co2p[:, cem].sum()


def test_split_cbam_goods_sum_to_the_unsplit_sector_of_the_same_regions(cbam_built, tmp_path):
    d = yaml.safe_load((EXAMPLES / "cbam.yaml").read_text())
    d["sectors"]["met"] = {"members": ["c12"], "tags": ["eite", "cbam"]}
    for s in ("ist", "alu", "ofm"):
        del d["sectors"][s]
    d["splits"] = {"c9": {}, "c11": {}}
    r = build(BuildConfig(aggregation=_write(tmp_path, d)), echo=quiet)
    split = read_benchmark(cbam_built)
    J = split.sectors
    metals = split.vom[:, [J.index(s) for s in ("ist", "alu", "ofm")]].sum(axis=1)
    assert metals == pytest.approx(r.benchmark.vom[:, r.benchmark.sectors.index("met")], rel=2e-3)
    # coverage of the unsplit sector = the output share of steel and aluminium in the split build
    cov = r.cbam_coverage.set_index(["region", "sector"])["share"]
    for k, reg in enumerate(split.regions):
        cbam_share = split.vom[k, [J.index("ist"), J.index("alu")]].sum() / metals[k]
        assert cov[(reg, "met")] == pytest.approx(cbam_share, rel=5e-3)


def test_cbam_shares_scale_down_to_keep_the_rest_of_the_sector():
    import pandas as pd

    from calibration import cbam

    values = pd.DataFrame({"steel": [95.0, 10.0], "aluminium": [5.0, 0.0], "cement": 0.0, "fertiliser": 0.0},
                          index=["A", "B"])
    sh = cbam.shares("c12", np.array([100.0, 100.0]), values, floor=0.10)
    assert sh.loc["A", "ofm"] == pytest.approx(0.10) and sh.loc["A", "ist"] / sh.loc["A", "alu"] == pytest.approx(19)
    assert sh.loc["B"].to_dict() == pytest.approx({"ist": 0.10, "alu": 0.0, "ofm": 0.90})


# ----- 4: elasticities follow the aggregation ---------------------------------------------------------
def test_elasticities_are_keyed_by_source_sector_whatever_the_target_codes(tmp_path):
    d = _default()
    sec = d["sectors"]
    sec["coal"] = sec.pop("coa")
    sec["fuels"] = {"members": sec.pop("oil")["members"] + sec.pop("gas")["members"], "tags": ["fossil"]}
    r = build(BuildConfig(aggregation=_write(tmp_path, d)), echo=quiet)
    el = r.benchmark.metadata["elasticities"]
    assert el["sigma_dm"]["coal"] == 3.05 and el["eta"]["coal"] == 4.0
    assert 2.1 < el["sigma_dm"]["fuels"] < 3.05          # output-weighted mean of refined oil and gas
    assert el["sigma_dm"]["chm"] == 3.5 and el["sigma_mm"]["chm"] is None
    from cge.data.elasticities import for_benchmark, generic_warning

    assert for_benchmark(r.benchmark)("sigma_mm", "coal") == pytest.approx(6.1)
    assert generic_warning(r.benchmark) is None


def test_a_dataset_without_its_own_table_warns_naming_the_generic_sectors_and_records_it(tmp_path):
    from cge.data.elasticities import generic_warning
    from cge.data.synthetic import random_benchmark

    b = random_benchmark(3, 8, 0)
    w = generic_warning(b)
    assert w["sectors"] == ["eite1", "eite2", "s1"] and w["values"]["sigma_dm"] == 3.5
    assert main(["compare", "--synthetic", "3x8:0", "--out", str(tmp_path / "res")]) == 0
    run = yaml.safe_load((tmp_path / "res" / "run.yaml").read_text())
    assert run["elasticity_warning"]["sectors"] == ["eite1", "eite2", "s1"]


# ----- 6: bad aggregation files -----------------------------------------------------------------------
def _bad(tmp_path, capsys, spec, message):
    out = tmp_path / "out"
    path = _write(tmp_path, spec) if isinstance(spec, dict) else spec
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ")
    assert message in err, err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_an_unmapped_source_region_is_an_error_naming_file_and_code(tmp_path, capsys):
    d = _default()
    d["regions"]["EME"]["members"].remove("TWN")
    _bad(tmp_path, capsys, d, "agg.yaml: regions: source region 'TWN' is unmapped")


def test_a_source_sector_mapped_twice_is_an_error(tmp_path, capsys):
    d = _default()
    d["sectors"]["man"]["members"].append("c12")
    _bad(tmp_path, capsys, d, "sectors.man.members: source sector 'c12' is mapped twice (to 'met' and to 'man')")


def test_an_unknown_source_code_is_an_error(tmp_path, capsys):
    d = _default()
    d["regions"]["ROW"]["members"].append("XYZ")
    _bad(tmp_path, capsys, d, "regions.ROW.members: unknown source region code 'XYZ'")


def test_a_group_naming_an_unknown_region_is_an_error(tmp_path, capsys):
    d = _default()
    d["region_groups"]["annex1"].append("JPN")
    _bad(tmp_path, capsys, d, "region_groups.annex1: unknown region 'JPN'")


def test_an_unknown_tag_and_a_tag_on_no_sector_are_errors(tmp_path, capsys):
    d = _default()
    d["sectors"]["met"]["tags"] = ["eite", "steel"]
    _bad(tmp_path, capsys, d, "sectors.met.tags: unknown tag 'steel'")
    d = _default()
    for sector in d["sectors"].values():        # the default tags ele, chm, nmm, met as cbam
        sector["tags"] = [t for t in sector.get("tags", []) if t != "cbam"]
    d["assumptions"] = {"labour_share": {"tag:cbam": 0.5}}
    _bad(tmp_path, capsys, d, "assumptions.labour_share: 'tag:cbam': no target sector carries tag 'cbam'")


@pytest.mark.parametrize("assumptions, message", [
    ({"elasticities": {"sigma_dm": float("inf")}}, "assumptions.elasticities.sigma_dm.*: inf is not a finite number"),
    ({"elasticities": {"sigma_va": {"c12": float("nan")}}}, "assumptions.elasticities.sigma_va.c12: nan"),
    ({"labour_share": {"c12": float("nan")}}, "assumptions.labour_share.c12: nan"),
])
def test_nan_and_infinity_in_the_assumptions_are_errors_naming_the_key(tmp_path, capsys, assumptions, message):
    d = _default()
    d["assumptions"] = {**(d.get("assumptions") or {}), **assumptions}
    _bad(tmp_path, capsys, d, message)


def test_split_shares_that_do_not_sum_to_one_are_an_error(tmp_path, capsys):
    d = yaml.safe_load((EXAMPLES / "cbam.yaml").read_text())
    d["splits"]["c11"] = {"shares": {"cem": 0.3, "onm": 0.6}}
    _bad(tmp_path, capsys, d, "splits.c11.shares: shares sum to 0.9, not 1")


def test_a_cbam_tag_on_a_sector_without_cbam_goods_is_an_error(tmp_path):
    d = _default()
    d["sectors"]["agr"]["tags"] = ["cbam"]
    with pytest.raises(DataError, match="sectors.agr.tags: tagged 'cbam' but contains no CBAM good"):
        build(BuildConfig(aggregation=_write(tmp_path, d)), echo=quiet)


def test_a_missing_source_file_is_an_error_and_an_existing_output_is_kept(tmp_path, capsys):
    _bad(tmp_path, capsys, tmp_path / "nope.yaml", "nope.yaml: required file is missing")
    out = tmp_path / "kept"
    out.mkdir()
    (out / "mine.txt").write_text("user data")
    assert main(["calibrate", str(DEFAULT_AGGREGATION), "--out", str(out)]) == 2
    assert "exists and was not written by cge" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "user data"
    shared = tmp_path / "shared"
    (shared / "wiod2013").mkdir(parents=True)
    for f in ("regions.csv", "sectors.csv"):
        (shared / "wiod2013" / f).write_text((DEFAULT_SHARED / "wiod2013" / f).read_text())
    out2 = tmp_path / "out2"
    assert main(["calibrate", str(DEFAULT_AGGREGATION), "--out", str(out2), "--shared", str(shared)]) == 2
    assert "wiot_2011_wide.csv.gz: WIOD table file is missing" in capsys.readouterr().err
    assert not out2.exists()


def test_calibrate_never_writes_over_its_own_aggregation_file_even_with_force(tmp_path, capsys):
    folder = tmp_path / "aggregations"
    folder.mkdir()
    agg = folder / "mine.yaml"
    agg.write_text(DEFAULT_AGGREGATION.read_text())
    assert main(["calibrate", str(agg), "--out", str(folder), "--force", "--quiet"]) == 2
    assert "mine.yaml" in capsys.readouterr().err
    assert agg.read_text() == DEFAULT_AGGREGATION.read_text()


def test_another_aggregation_does_not_replace_the_shipped_dataset_without_force(capsys):
    before = {p.name: p.read_bytes() for p in DEFAULT_OUT.glob("*.csv")}
    assert main(["calibrate", str(EXAMPLES / "g20.yaml"), "--out", str(DEFAULT_OUT), "--quiet"]) == 2
    assert "is the package's default dataset" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in DEFAULT_OUT.glob("*.csv")} == before
