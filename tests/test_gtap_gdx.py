"""The GTAPinGAMS reader and writer: gates refuse bad data, the export of any benchmark reads
back exactly (the positive test of the reader), bad files give one clear message."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("polars_gdx")

from cge.data import gtap  # noqa: E402
from cge.data.benchmark import WRITTEN_RTOL, identity_gaps, is_close, read_benchmark  # noqa: E402
from cge.data.synthetic import random_benchmark, with_gtap_wedges  # noqa: E402
from cge.errors import DataError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_GTAP9 = ROOT.parent / "shared" / "data" / "gtap9" / "gtap9_2011_g20_10.gdx"
if not SHARED_GTAP9.exists():
    SHARED_GTAP9 = Path("/work/shared/data/gtap9/gtap9_2011_g20_10.gdx")


@pytest.fixture(scope="module")
def wedged():
    return with_gtap_wedges(random_benchmark(3, 8, seed=1), seed=2)


@pytest.mark.skipif(not SHARED_GTAP9.exists(), reason="shared GTAP 9 file not present")
def test_shared_gtap9_file_is_refused_naming_the_export_tax_defect_and_worst_regions():
    with pytest.raises(DataError) as exc:
        gtap.read_gtap(SHARED_GTAP9)
    msg = str(exc.value)
    assert "balance of payments" in msg and "rtxs" in msg
    assert "REU" in msg and "usa" in msg  # the regions with the largest implied transfers
    assert "\n" not in msg


@pytest.mark.skipif(not SHARED_GTAP9.exists(), reason="shared GTAP 9 file not present")
def test_shared_gtap9_file_satisfies_the_market_identities_it_is_refused_only_for_export_taxes():
    d = gtap.read_gtap_arrays(SHARED_GTAP9)
    vom = d.vom_cost()
    assert np.abs(vom - d.vom_sales()).max() / vom.max() < 1e-8
    # GTAPinGAMS's vb sums to ~0 only because export-tax revenue equals world factor income
    assert abs(d.vb().sum()) < 1e-6 * d.final_demand().sum()
    assert d.export_tax_revenue().sum() == pytest.approx(d.vfm.sum(), rel=0.01)


def test_default_dataset_exported_in_gtapingams_layout_reads_back_exactly(tmp_path):
    b = read_benchmark(ROOT / "data" / "wiod2011")
    path = gtap.write_gtap(b, tmp_path / "wiod.gdx")
    back = gtap.read_gtap(path, name=b.name)
    # exact to the precision its files are written at (the identities' gaps become output tax rates of ~1e-12)
    assert is_close(gtap.roundtrip_view(b), back, rtol=WRITTEN_RTOL, atol=WRITTEN_RTOL)
    assert not back.has_wedges


def test_benchmark_with_taxes_and_margins_reads_back_exactly(tmp_path, wedged):
    assert wedged.has_wedges and wedged.vtwr.any() and wedged.tx.any()
    assert max(gap for gap, _ in identity_gaps(wedged).values()) < 1e-12
    back = gtap.read_gtap(gtap.write_gtap(wedged, tmp_path / "w.gdx"), name=wedged.name)
    assert is_close(gtap.roundtrip_view(wedged), back)


def test_gtapingams_identities_hold_in_the_export(tmp_path, wedged):
    d = gtap.read_gtap_arrays(gtap.write_gtap(wedged, tmp_path / "w.gdx"))
    gaps = gtap.gates(d, "export")
    assert max(gaps.values()) < 1e-12
    # purchase values by user are GTAP's: origin-average taxes times buyer wedges
    gross = (d.vdfm * (1 + d.rtfd) + d.vifm * (1 + d.rtfi)).sum(axis=0)  # [g, r]
    x = np.concatenate([wedged.vid, wedged.fd], axis=2) * (1 + wedged.tpu)  # [r, i, g]
    assert np.allclose(gross, x.sum(axis=1).T, rtol=1e-12)


def test_export_never_overwrites_an_existing_file(tmp_path, wedged):
    target = tmp_path / "keep.gdx"
    target.write_text("user's file")
    with pytest.raises(DataError, match="exists"):
        gtap.write_gtap(wedged, target)
    assert target.read_text() == "user's file"


def test_missing_symbols_are_refused(tmp_path):
    from cge.data.gdx import write_gdx
    path = write_gdx(tmp_path / "other.gdx", [("r", "regions", ("*",), [(("a",), None)])])
    with pytest.raises(DataError, match="not a GTAPinGAMS dataset: missing symbol"):
        gtap.read_gtap(path)


def test_truncated_and_foreign_files_are_refused(tmp_path, wedged):
    good = gtap.write_gtap(wedged, tmp_path / "w.gdx").read_bytes()
    (tmp_path / "cut.gdx").write_bytes(good[: len(good) // 2])
    (tmp_path / "junk.gdx").write_bytes(b"not a gdx file at all")
    for name in ("cut.gdx", "junk.gdx", "absent.gdx"):
        with pytest.raises(DataError, match=name):
            gtap.read_gtap(tmp_path / name)


def test_negative_flows_and_wrong_domains_are_refused(tmp_path, wedged):
    d = gtap.from_benchmark(wedged)
    d.vxmd[0, 0, 1] = -1.0
    path = gtap.write_gtap_data(d, tmp_path / "neg.gdx")
    with pytest.raises(DataError, match=r"negative flow vxmd\('coa', 'r1', 'r2'\)"):
        gtap.read_gtap(path)
    from cge.data.gdx import write_gdx
    bad = write_gdx(tmp_path / "dom.gdx", [
        ("r", "", ("*",), [(("a",), None)]), ("i", "", ("*",), [(("x",), None)]),
        ("f", "", ("*",), [(("lab",), None)]),
        *[(n, "", ("*",) * k, [(("x",) * (k - 1) + ("zz",), 1.0)]) for n, k in gtap.REQUIRED.items()
          if n not in ("r", "i", "f")],
    ])
    with pytest.raises(DataError, match="'zz' in index position"):
        gtap.read_gtap(bad)


def test_rebalancing_is_refused_above_the_threshold(tmp_path, wedged):
    d = gtap.from_benchmark(wedged)
    d.vfm[0, 5, 0] *= 1.01  # a sector's cost no longer matches its sales
    with pytest.raises(DataError, match="output value = domestic sales"):
        gtap.to_benchmark(d, "x", "test")


def test_reader_aggregation_hook_keeps_world_totals_and_rejects_unknown_codes(tmp_path, wedged):
    path = gtap.write_gtap(wedged, tmp_path / "w.gdx")
    regions = {"r1": "north", "r2": "south", "r3": "south"}
    agg = gtap.read_gtap(path, regions=regions, region_groups={"annex1": ["north"]})
    assert agg.regions == ("north", "south")
    assert agg.vom.sum() == pytest.approx(wedged.vom.sum(), rel=1e-12)
    assert agg.emissions.sum() == pytest.approx(wedged.emissions.sum(), rel=1e-12)
    assert agg.tax_revenue().sum() == pytest.approx(wedged.tax_revenue().sum(), rel=1e-10)
    assert agg.vxmd[:, 1, 1].sum() > 0  # trade between r2 and r3 is intra-regional trade of 'south'
    with pytest.raises(DataError, match="unknown region code"):
        gtap.read_gtap(path, regions={**regions, "mars": "south"})
    with pytest.raises(DataError, match="not mapped"):
        gtap.read_gtap(path, regions={"r1": "north"})


def test_cli_exports_imports_and_refuses_with_one_line_and_exit_code_2(tmp_path, capsys, wedged):
    from cge.cli import main
    from cge.data.benchmark import write_benchmark
    folder = write_benchmark(wedged, tmp_path / "bench")
    gdx = tmp_path / "w.gdx"
    assert main(["gtap-export", str(folder), str(gdx)]) == 0
    assert main(["gtap-export", str(folder), str(gdx)]) == 2  # never overwrites without --force
    assert main(["gtap-import", str(gdx), "--out", str(tmp_path / "back")]) == 0
    back = read_benchmark(tmp_path / "back")
    # GDX -> benchmark folder -> read: exact to the precision the folders are written at
    assert is_close(gtap.roundtrip_view(wedged), back, rtol=WRITTEN_RTOL, atol=WRITTEN_RTOL)
    (tmp_path / "regions.csv").write_text("code,aggregate\nr1,north\nr2,south\nr9,south\n")
    capsys.readouterr()
    assert main(["gtap-import", str(gdx), "--out", str(tmp_path / "agg"), "--regions",
                 str(tmp_path / "regions.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: region mapping: unknown region code(s) ['r9']") and err.count("\n") == 1
    assert not (tmp_path / "agg").exists()
    if SHARED_GTAP9.exists():
        assert main(["compare", "--data", str(SHARED_GTAP9), "--out", str(tmp_path / "res")]) == 2
        err = capsys.readouterr().err
        assert "balance of payments" in err and err.count("\n") == 1
        assert not (tmp_path / "res").exists()


def test_without_the_gtap_extra_gdx_input_says_how_to_install_it(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, "polars_gdx", None)  # as if polars-gdx were not installed
    (tmp_path / "x.gdx").write_bytes(b"")
    with pytest.raises(DataError, match=r'pip install -e "\.\[gtap\]"'):
        gtap.read_gtap(tmp_path / "x.gdx")


def test_a_purchase_tax_of_minus_100_percent_is_refused_naming_the_cell(wedged):
    d = gtap.from_benchmark(wedged)
    d.rtfd[2, 1, 0] = -1.0
    with pytest.raises(DataError, match=r"rtfd\[gas/cru/r1\] = -1 makes a price non-positive"):
        gtap.to_benchmark(d, "x", "test")


# ----- the aggregation YAML of the WIOD path, with GDX codes as members ------------------------------

THREE_REGIONS = {"EU": ["EU27"], "AN1": ["USA", "OAI", "RUS"], "NA1": ["CHN", "IND", "EME", "ROW"]}
SEVEN_SECTORS = {"coa": (["coa"], ["fossil", "resource"]), "cru": (["cru"], ["resource", "crude"]),
                 "gas": (["gas"], ["fossil", "resource"]), "oil": (["oil"], ["fossil"]),
                 "ele": (["ele"], ["electricity"]), "eim": (["chm", "nmm", "met"], ["eite"]),
                 "oth": (["agr", "man", "trn", "ser"], [])}


def _gdx_aggregation() -> dict:
    return {"name": "wiod3x7", "description": "the default dataset's GDX export in 3 regions x 7 sectors",
            "regions": {r: {"name": f"region {r}", "members": list(m)} for r, m in THREE_REGIONS.items()},
            "region_groups": {"annex1": ["EU", "AN1"], "developing": ["NA1"]},
            "sectors": {s: {"members": list(m), "tags": list(t)} for s, (m, t) in SEVEN_SECTORS.items()}}


def _yaml(tmp_path, spec, name="agg.yaml"):
    import yaml
    p = tmp_path / name
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


@pytest.fixture(scope="module")
def default_gdx(tmp_path_factory):
    return gtap.write_gtap(read_benchmark(ROOT / "data" / "wiod2011"), tmp_path_factory.mktemp("gdx") / "wiod.gdx")


def test_aggregation_yaml_gives_the_benchmark_of_the_equivalent_csv_maps_with_its_tags_and_groups(
        tmp_path, default_gdx):
    from dataclasses import replace

    from cge.cli import main
    (tmp_path / "regions.csv").write_text("code,aggregate\n" + "".join(
        f"{m},{r}\n" for r, members in THREE_REGIONS.items() for m in members))
    (tmp_path / "sectors.csv").write_text("code,aggregate\n" + "".join(
        f"{m},{s}\n" for s, (members, _) in SEVEN_SECTORS.items() for m in members))
    agg = _yaml(tmp_path, _gdx_aggregation())
    assert main(["gtap-import", str(default_gdx), "--out", str(tmp_path / "yaml"), "--aggregation", str(agg)]) == 0
    assert main(["gtap-import", str(default_gdx), "--out", str(tmp_path / "csv"), "--regions",
                 str(tmp_path / "regions.csv"), "--sectors", str(tmp_path / "sectors.csv")]) == 0
    by_yaml, by_csv = read_benchmark(tmp_path / "yaml"), read_benchmark(tmp_path / "csv")
    assert by_yaml.regions == ("EU", "AN1", "NA1") and len(by_yaml.sectors) == 7
    assert by_yaml.name == "wiod3x7"
    # the YAML's groups are the benchmark's; the CSV maps carry none (no GTAP annex-I codes left)
    assert by_yaml.tags.region_groups == {"annex1": ("EU", "AN1"), "developing": ("NA1",)}
    assert by_csv.tags.region_groups == {}
    assert is_close(by_yaml, replace(by_csv, tags=replace(by_csv.tags, region_groups=by_yaml.tags.region_groups)))
    # world totals of the 8 x 12 dataset are kept
    default = read_benchmark(ROOT / "data" / "wiod2011")
    assert by_yaml.vom.sum() == pytest.approx(default.vom.sum(), rel=1e-12)
    assert by_yaml.emissions.sum() == pytest.approx(default.emissions.sum(), rel=1e-12)
    assert by_yaml.tags.resource == ("coa", "cru", "gas") and by_yaml.tags.eite == ("eim",)


def test_aggregation_yaml_tags_become_the_benchmark_tags(tmp_path, default_gdx):
    spec = _gdx_aggregation()
    spec["sectors"]["ele"]["tags"].append("cbam")
    spec["sectors"]["eim"]["tags"].append("cbam")
    b = gtap.read_gtap(default_gdx, aggregation=_yaml(tmp_path, spec))
    assert b.tags.cbam == ("ele", "eim") and b.tags.crude == ("cru",)
    assert b.metadata["sector_sources"]["eim"] == ["chm", "nmm", "met"]


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["regions"]["NA1"]["members"].remove("ROW"), "agg.yaml: regions: source region 'ROW' is unmapped"),
    (lambda d: d["sectors"]["oth"]["members"].append("met"),
     "agg.yaml: sectors.oth.members: source sector 'met' is mapped twice (to 'eim' and to 'oth')"),
    (lambda d: d["regions"]["EU"]["members"].append("deu"),
     "agg.yaml: regions.EU.members: unknown source region code 'deu' (codes in "),
    (lambda d: d["region_groups"]["annex1"].append("JPN"), "agg.yaml: region_groups.annex1: unknown region 'JPN'"),
    (lambda d: d["sectors"]["eim"]["tags"].append("steel"), "agg.yaml: sectors.eim.tags: unknown tag 'steel'"),
    (lambda d: d["sectors"]["oil"].update(tags=[]), "agg.yaml: sectors.oil.tags: holds CO2 from fuel use"),
    (lambda d: d["sectors"]["oth"].update(tags=["resource"]),
     "agg.yaml: sectors.oth.tags: tagged 'resource' but its members have no natural-resource payments"),
    (lambda d: d.update(year=2011), "agg.yaml: year: is for a WIOD source only"),
    (lambda d: d.update(splits={"c12": {}}), "agg.yaml: splits: is for a WIOD source only"),
    (lambda d: d.update(assumptions={"labour_share": {"met": 0.5}}),
     "agg.yaml: assumptions: is for a WIOD source only"),
    (lambda d: d.update(source={"format": "oecd-icio", "path": ".", "year": 2011}),
     "agg.yaml: source: is for an MRIO source only"),
    (lambda d: d.update(co2={"source": "gcb_by_fuel"}), "agg.yaml: co2: is for an MRIO source only"),
])
def test_a_bad_gdx_aggregation_is_one_error_naming_the_yaml_key_and_nothing_is_written(
        tmp_path, capsys, default_gdx, edit, message):
    from cge.cli import main
    spec = _gdx_aggregation()
    edit(spec)
    agg = _yaml(tmp_path, spec)
    capsys.readouterr()
    assert main(["gtap-import", str(default_gdx), "--out", str(tmp_path / "out"), "--aggregation", str(agg)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_gtap_import_refuses_with_a_reason_every_key_only_an_mrio_aggregation_has():
    """One aggregation schema: ``cge gtap-import`` accepts the keys common to both paths and refuses
    each key of the MRIO path (``cge calibrate``) with a reason, not as an unknown key."""
    from calibration.aggregation import WIOD_KEYS
    from cge.data.gtap import WIOD_ONLY

    assert set(WIOD_ONLY) == set(WIOD_KEYS)
