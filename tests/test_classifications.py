"""Classifications as data (issue 22, point 2): a source's own industries and countries survive to
the model when the aggregation names them. OECD ICIO 2025's iron and steel (C24A) and non-ferrous
metals (C24B) become sectors of their own, tagged CBAM by the concordance and inheriting WIOD c12's
assumptions; a country WIOD keeps in its rest of the world (South Africa, listed apart in the ICIO
and FIGARO fixtures as in the published tables) becomes a region of its own. Bad input is one line.
Needs ../shared/data (the fixtures are written from WIOD, tests/mrio_layouts.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from calibration import concordance as cc
from calibration.aggregation import load_aggregation
from calibration.build import (
    DEFAULT_AGGREGATION,
    DEFAULT_SHARED,
    BuildConfig,
    build,
    process_co2_target,
)
from calibration.elasticity_defaults import dataset_elasticities
from calibration.inheritance import share_parent_co2
from calibration.mrio import MRIO
from calibration.readers import read_source
from cge.cli import main
from cge.errors import DataError

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz").exists(),
    reason=f"shared data not found at {DEFAULT_SHARED}",
)
sys.path.insert(0, str(Path(__file__).resolve().parent))
import mrio_layouts  # noqa: E402  (tests/mrio_layouts.py)

STEEL_EXAMPLE = DEFAULT_AGGREGATION.parent / "oecd-icio-2025-steel.yaml"
ZAF_SHARE = mrio_layouts.OUT_OF_REST["ZAF"]


def quiet(*a, **k):
    pass


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("classifications")
    return {name: mrio_layouts.WRITERS[name](root / name).parent for name in ("oecd-icio-2025", "oecd-icio-2023",
                                                                              "figaro")}


def write_aggregation(tmp_path: Path, base: Path, source: dict, edit=None, name: str = "agg.yaml") -> Path:
    spec = yaml.safe_load(base.read_text())
    spec["source"] = source
    if edit:
        edit(spec)
    p = tmp_path / name
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


def icio(tables, edition: int) -> dict:
    return {"format": "oecd-icio", "path": str(tables[f"oecd-icio-{edition}"]), "year": 2011}


def full_resolution_with_steel_apart(spec: dict) -> None:
    """examples/aggregations/full.yaml with ICIO 2025's own sectors in place of the c12 split and
    every region of the table, South Africa included."""
    spec["splits"] = {k: v for k, v in spec["splits"].items() if k != "c12"}
    spec["sectors"] = {k: v for k, v in spec["sectors"].items() if not set(v["members"]) & {"ist", "alu", "ofm"}}
    spec["sectors"].update({"c12": {"name": "Fabricated metal products", "members": ["c12"]},
                            "steel": {"name": "Iron and steel", "members": ["steel"]},
                            "nfm": {"name": "Non-ferrous metals", "members": ["nfm"]}})
    spec["regions"]["ZAF"] = {"name": "South Africa", "members": ["ZAF"]}


def with_south_africa(spec: dict) -> None:
    spec["regions"]["ZAF"] = {"name": "South Africa", "members": ["ZAF"]}


# ----- sectors of the source's own ---------------------------------------------------------------

def test_icio_2025_concordance_keeps_steel_and_non_ferrous_metals_under_c12_with_cbam_tags():
    own = cc.own_sectors("oecd-icio-2025")
    assert (own["steel"].parent, own["nfm"].parent) == ("c12", "c12")
    assert {"cbam", "eite"} <= set(own["steel"].tags) and {"cbam", "eite"} <= set(own["nfm"].tags)
    assert (own["steel"].cbam_good, own["nfm"].cbam_good) == ("steel", "aluminium")
    assert cc.own_sectors("oecd-icio-2023") == {}          # C24 is one industry before 2025


def test_a_sector_not_named_by_the_aggregation_goes_to_its_parent_and_a_named_one_stays_apart(tables):
    w = mrio_layouts.wiod()
    folded = read_source("oecd-icio", tables["oecd-icio-2025"], 2011, DEFAULT_SHARED)
    kept = read_source("oecd-icio", tables["oecd-icio-2025"], 2011, DEFAULT_SHARED, keep_sectors=("steel", "nfm"))
    assert folded.sectors == cc.model_sectors() and kept.sectors == cc.model_sectors() + ("steel", "nfm")
    c12 = w.x[:, w.sectors.index("c12")]
    # the fixture writes C24A, C24B and C25 a third of WIOD's c12 each
    assert np.abs(folded.x[:, folded.sectors.index("c12")] - c12).max() <= 1e-9 * c12.max()
    for s in ("steel", "nfm", "c12"):
        assert np.abs(kept.x[:, kept.sectors.index(s)] - c12 / 3).max() <= 1e-9 * c12.max(), s
    assert abs(kept.Z.sum() - folded.Z.sum()) <= 1e-12 * folded.Z.sum()
    assert abs(kept.Y.sum() - folded.Y.sum()) <= 1e-12 * folded.Y.sum()


def test_exiobase_fertiliser_industries_can_be_kept_as_one_cbam_sector_of_chemicals():
    own = cc.keepable_sectors("exiobase3")
    assert own["fertilisers"].parent == "c9" and "cbam" in own["fertilisers"].tags
    assert "fertilisers" in own["fertilisers"].tags  # so the CBAM's fertiliser default-value mark-up applies
    assert own["fertilisers"].cbam_good == "fertiliser"
    codes = list(cc.source_codes("exiobase3-ixi"))
    W = cc.sector_matrix("exiobase3-ixi", codes, keep=("fertilisers",))
    fert = len(cc.model_sectors())
    assert W[codes.index("N-fertiliser"), fert] == W[codes.index("P- and other fertiliser"), fert] == 1
    assert W[codes.index("Chemicals nec"), cc.model_sectors().index("c9")] == 1
    assert np.abs(W.sum(axis=1) - 1).max() <= 1e-12


def test_parent_co2_is_shared_with_kept_sectors_by_fuel_purchases_keeping_the_total():
    sectors = ("c2", "c8", "c12", "steel")
    Z = np.zeros((1, 4, 1, 4))
    Z[0, 0, 0, 2], Z[0, 1, 0, 2] = 1.0, 1.0           # c12 buys 2 of fuels
    Z[0, 0, 0, 3] = 6.0                               # steel buys 6
    m = MRIO(("A",), sectors, ("CONS_h",), Z, np.zeros((1, 4, 1, 1)), np.full((1, 4), 10.0))
    E = np.array([[0.0, 0.0, 8.0, 0.0, 1.5]])
    got = share_parent_co2(E, m, {"steel": "c12"})
    assert got[0, 2] == pytest.approx(2.0, rel=1e-12) and got[0, 3] == pytest.approx(6.0, rel=1e-12)
    assert got[0, 4] == 1.5 and got.sum() == pytest.approx(E.sum(), rel=1e-12)


def test_kept_sectors_inherit_their_parents_elasticities_and_take_their_tags_from_the_concordance(tables,
                                                                                                  tmp_path):
    agg = load_aggregation(write_aggregation(tmp_path, STEEL_EXAMPLE, icio(tables, 2025)), DEFAULT_SHARED)
    assert agg.sector_parents == {"steel": "c12", "nfm": "c12"}
    tags = {t.code: set(t.tags) for t in agg.sectors}
    assert tags["ist"] == tags["nfm"] == {"eite", "cbam"}
    default = load_aggregation(DEFAULT_AGGREGATION, DEFAULT_SHARED)            # met: [c12]
    ours, ref = dataset_elasticities(agg, {}), dataset_elasticities(default, {})
    for p in ("sigma_dm", "sigma_va", "sigma_kle"):
        assert ours[p]["ist"] == ours[p]["nfm"] == ref[p]["met"], p


@pytest.mark.slow
def test_icio_2025_calibrates_with_steel_and_non_ferrous_metals_as_separate_cbam_sectors_at_full_resolution(
        tables, tmp_path):
    agg = write_aggregation(tmp_path, DEFAULT_AGGREGATION.parent / "full.yaml", icio(tables, 2025),
                            full_resolution_with_steel_apart)
    r = build(BuildConfig(aggregation=agg), echo=quiet)
    b = r.benchmark
    assert {"steel", "nfm", "c12"} <= set(b.sectors) and "ZAF" in b.regions
    assert {"steel", "nfm"} <= set(b.tags.cbam) and {"steel", "nfm"} <= set(b.tags.eite)
    k = list(b.sectors).index("steel")
    assert b.vom[:, k].sum() > 0 and b.co2[:, :, k].sum() > 0
    cov = r.cbam_coverage.set_index(["region", "sector"])["share"]
    assert cov.loc[("DEU", "steel")] > 0 and cov.loc[("DEU", "nfm")] > 0
    assert "c12" not in set(b.tags.cbam)        # its CBAM goods are in steel and nfm now


@pytest.mark.slow
def test_the_steel_example_calibrates_with_steel_and_non_ferrous_metals_apart_keeping_the_co2(tables, tmp_path):
    src = icio(tables, 2025)
    r = build(BuildConfig(aggregation=write_aggregation(tmp_path, STEEL_EXAMPLE, src)), echo=quiet)
    ref = build(BuildConfig(aggregation=write_aggregation(tmp_path, DEFAULT_AGGREGATION, src, name="ref.yaml")),
                echo=quiet).benchmark
    b = r.benchmark
    assert b.sectors == ("coa", "cru", "gas", "oil", "ele", "chm", "nmm", "ist", "nfm", "agr", "man", "trn", "ser")
    assert {"ist", "nfm"} <= set(b.tags.cbam)
    total, ref_total = b.co2.sum() + b.co2p.sum(), ref.co2.sum() + ref.co2p.sum()
    assert abs(total - ref_total) <= 1e-9 * ref_total
    # output: the same table; only the rebalancing's small moves differ with the sectors (about 2e-9)
    assert abs(b.vom.sum() - ref.vom.sum()) <= 1e-7 * ref.vom.sum()
    assert any("shared with steel, nfm" in w for w in r.fallbacks["what"])


def test_the_default_aggregation_with_every_tag_removed_takes_the_same_tags_from_data(tmp_path):
    spec = yaml.safe_load(DEFAULT_AGGREGATION.read_text())
    for body in spec["sectors"].values():
        body.pop("tags", None)
    (tmp_path / "untagged.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    got = load_aggregation(tmp_path / "untagged.yaml", DEFAULT_SHARED)
    ref = load_aggregation(DEFAULT_AGGREGATION, DEFAULT_SHARED)
    assert {t.code: set(t.tags) for t in got.sectors} == {t.code: set(t.tags) for t in ref.sectors}


def test_a_target_takes_fuel_tags_from_any_member_and_eite_or_cbam_only_from_all(tmp_path):
    spec = yaml.safe_load(DEFAULT_AGGREGATION.read_text())
    spec["sectors"]["man"]["members"] += spec["sectors"].pop("met")["members"]      # c12 joins other manufacturing
    spec["sectors"]["gas"].pop("tags")
    spec["sectors"]["man"].pop("tags", None)
    (tmp_path / "mixed.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    tags = {t.code: set(t.tags) for t in load_aggregation(tmp_path / "mixed.yaml", DEFAULT_SHARED).sectors}
    assert tags["gas"] == {"fossil", "resource"} and tags["man"] == set()


@pytest.mark.slow
def test_the_steel_example_calibrates_and_compares_from_a_fresh_checkout(tmp_path):
    mrio_layouts.ensure_example_data(STEEL_EXAMPLE)                # examples/data/oecd-icio-2025, written once
    data, results = tmp_path / "data", tmp_path / "results"
    assert main(["calibrate", str(STEEL_EXAMPLE), "--out", str(data)]) == 0
    assert main(["compare", "--data", str(data), "--out", str(results)]) == 0
    assert "`steel` (of the source's own; inherits `c12`'s" in (data / "PROVENANCE.md").read_text()
    assert {"ist", "nfm"} <= set(yaml.safe_load((data / "metadata.yaml").read_text())["sector_names"])


# ----- countries WIOD keeps in its rest of the world ---------------------------------------------

@pytest.mark.parametrize("fmt", ["oecd-icio-2023", "figaro"])
def test_a_country_the_table_lists_becomes_a_region_of_its_own_only_when_named(tables, fmt):
    source = "figaro" if fmt == "figaro" else "oecd-icio"
    folded = read_source(source, tables[fmt], 2011, DEFAULT_SHARED)
    kept = read_source(source, tables[fmt], 2011, DEFAULT_SHARED, keep_regions=("ZAF",))
    assert "ZAF" not in folded.regions and kept.regions == folded.regions + ("ZAF",)
    rest = folded.x[folded.regions.index("RoW")]          # WIOD's RoW (through the concordance's lumps)
    tol = 1e-9 * rest.max()
    assert np.abs(kept.x[kept.regions.index("ZAF")] - ZAF_SHARE * rest).max() <= tol
    assert np.abs(kept.x[kept.regions.index("RoW")] - (1 - ZAF_SHARE) * rest).max() <= tol
    w = mrio_layouts.wiod_rows_balanced() if fmt == "figaro" else mrio_layouts.wiod()
    assert abs(rest.sum() - w.x[w.regions.index("RoW")].sum()) <= 1e-9 * rest.sum()
    assert abs(kept.Z.sum() - folded.Z.sum()) <= 1e-12 * folded.Z.sum()


@pytest.mark.slow
def test_a_named_country_is_calibrated_as_a_region_with_its_fallbacks_recorded(tables, tmp_path):
    agg = write_aggregation(tmp_path, DEFAULT_AGGREGATION.parent / "oecd-icio.yaml", icio(tables, 2023),
                            with_south_africa)
    r = build(BuildConfig(aggregation=agg), echo=quiet)
    b = r.benchmark
    assert b.regions[-1] == "ZAF" and b.vom[-1].sum() > 0 and b.co2[-1].sum() > 0
    fb = r.fallbacks
    assert {"coal price", "oil price", "gas price"} <= set(fb.loc[fb["region"] == "ZAF", "sector"])
    assert any("JRC's CO2 has no row for ZAF" in w for w in fb.loc[fb["region"] == "ZAF", "what"])
    assert b.metadata["calibration"]["fallbacks"] == fb.to_dict("records")


# ----- bad input: one line, nothing written ------------------------------------------------------

def _refused(capsys, agg: Path, message: str):
    out = agg.parent / "out"
    assert main(["calibrate", str(agg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert not out.exists()


def test_a_sector_the_tables_edition_does_not_have_is_refused_naming_it(tables, tmp_path, capsys):
    _refused(capsys, write_aggregation(tmp_path, STEEL_EXAMPLE, icio(tables, 2023)),
             "oecd-icio-2023.csv: the aggregation names sector 'steel', which classification oecd-icio-2023 does "
             "not have")


def test_an_aggregation_member_no_classification_knows_is_refused_naming_the_key(tables, tmp_path, capsys):
    def widgets(spec):
        spec["sectors"]["ist"]["members"] = ["widgets"]
    _refused(capsys, write_aggregation(tmp_path, STEEL_EXAMPLE, icio(tables, 2025), widgets),
             "sectors.ist.members: unknown source sector code 'widgets'")


def test_a_country_the_table_does_not_have_is_refused_naming_it(tables, tmp_path, capsys):
    def argentina(spec):
        spec["regions"]["ARG"] = {"members": ["ARG"]}
    _refused(capsys, write_aggregation(tmp_path, STEEL_EXAMPLE, icio(tables, 2025), argentina),
             "the aggregation names region 'ARG', which this oecd-icio table does not have")


def test_a_country_outside_wiod_is_refused_for_a_wiod_source_naming_the_key(tmp_path, capsys):
    wiod = {"format": "wiod2013", "path": str(DEFAULT_SHARED / "wiod2013"), "year": 2011}
    _refused(capsys, write_aggregation(tmp_path, DEFAULT_AGGREGATION, wiod, with_south_africa),
             "regions.ZAF.members: unknown source region code 'ZAF'")


def test_a_kept_sector_whose_parent_is_also_split_is_refused_naming_the_key(tables, tmp_path, capsys):
    def split_c12(spec):
        spec["splits"] = {"c12": {}}
    _refused(capsys, write_aggregation(tmp_path, STEEL_EXAMPLE, icio(tables, 2025), split_c12),
             "splits.c12: the source's own sector 'steel' of c12 is kept")


def test_a_concordance_row_keeping_a_sector_without_a_wiod_parent_is_refused_naming_the_row(tmp_path,
                                                                                            monkeypatch):
    (tmp_path / "mine.csv").write_text("code,model_code,share,parent,tags,cbam_good,note\n"
                                       "X1,steel,1,c99,cbam,steel,\n")
    (tmp_path / "wiod2013.csv").write_text((cc.CLASSIFICATIONS / "wiod2013.csv").read_text())
    monkeypatch.setattr(cc, "CLASSIFICATIONS", tmp_path)
    cc.classification.cache_clear()
    try:
        with pytest.raises(DataError, match=r"mine.csv, row 2 \(X1\): model_code 'steel' is not a model sector "
                                            r"\(c1..c35\), so give its parent"):
            cc.classification("mine")
    finally:
        cc.classification.cache_clear()


def test_exiobase_fertilisers_kept_apart_take_the_fertilisers_tag_so_the_cbam_markup_finds_them(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "aggregations" / "exiobase3.yaml"
    spec = yaml.safe_load(example.read_text())
    spec["source"]["path"] = str(tmp_path)  # the tags come from the concordance, not the table
    spec["sectors"]["fer"] = {"name": "Fertilisers", "members": ["fertilisers"]}
    (tmp_path / "fertilisers.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    tags = {t.code: set(t.tags) for t in load_aggregation(tmp_path / "fertilisers.yaml", DEFAULT_SHARED).sectors}
    assert tags["fer"] == {"eite", "cbam", "fertilisers"}
    assert "fertilisers" not in tags["chm"]


def _exiobase_with(tmp_path: Path, **kept) -> Path:
    example = Path(__file__).resolve().parents[1] / "examples" / "aggregations" / "exiobase3.yaml"
    spec = yaml.safe_load(example.read_text())
    spec["source"]["path"] = str(tmp_path)  # loading the aggregation reads no table
    spec["sectors"].update(kept)
    (tmp_path / "kept.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return tmp_path / "kept.yaml"


def test_cement_process_co2_falls_on_the_sector_holding_exiobase_kept_cement_not_on_its_parent(tmp_path):
    agg = load_aggregation(_exiobase_with(tmp_path, cmt={"name": "Cement", "members": ["cement"]}), DEFAULT_SHARED)
    assert process_co2_target(agg) == "cmt"
    default = load_aggregation(DEFAULT_AGGREGATION, DEFAULT_SHARED)      # c11 whole, no cement kept
    assert process_co2_target(default) == default.sector_map["c11"]


def test_naming_a_country_keeps_jrc_co2_of_every_wiod_region_and_shares_only_the_rest_of_the_world(tables,
                                                                                                  tmp_path):
    from calibration.build import _source_co2
    from calibration.fallbacks import Fallbacks

    def co2(edit):
        agg = load_aggregation(write_aggregation(tmp_path, DEFAULT_AGGREGATION.parent / "oecd-icio.yaml",
                                                 icio(tables, 2023), edit, name=f"{bool(edit)}.yaml"), DEFAULT_SHARED)
        wiod = read_source("oecd-icio", agg.source.path, 2011, DEFAULT_SHARED, keep_regions=agg.own_regions)
        fb = Fallbacks(quiet)
        return dict(zip(wiod.regions, _source_co2(BuildConfig(aggregation=agg), 2011, agg, "satellite", wiod, fb))), fb

    folded, _ = co2(None)
    kept, fb = co2(with_south_africa)
    for r in folded:
        if r != "RoW":
            assert np.abs(kept[r] - folded[r]).max() <= 1e-9 * max(folded[r].max(), 1.0), r
    assert 0 < kept["ZAF"].sum() < folded["RoW"].sum()
    world = sum(e.sum() for e in folded.values())
    assert abs(sum(e.sum() for e in kept.values()) - world) <= 1e-9 * world
    zaf = fb.table()
    assert (zaf["region"] == "ZAF").any() and any("JRC's CO2 has no row for ZAF" in w for w in zaf["what"])


def test_a_kept_country_without_energy_statistics_is_refused_naming_it_and_the_file():
    from calibration.readers import satellites as sat

    bp = DEFAULT_SHARED / "energy" / "bp2021_fossil_fuels_electricity.csv.gz"
    cmap = {"ZAF": "ZAF", "CMR": "CMR", "_rest": "RoW"}
    with pytest.raises(DataError, match=r"bp2021_fossil_fuels_electricity.csv.gz: the kept country 'CMR' has no "
                                        r"energy statistics"):
        sat.read_bp_energy(bp, 2011, cmap, ("ZAF", "CMR", "RoW"), "RoW", kept=("ZAF", "CMR"))
    zaf = sat.read_bp_energy(bp, 2011, {"ZAF": "ZAF", "_rest": "RoW"}, ("ZAF", "RoW"), "RoW", kept=("ZAF",))
    assert zaf.loc["ZAF", "coal_production_mt"] > 0


def test_a_kept_sector_listed_in_short_form_whose_parent_is_also_split_is_refused_naming_the_key(tables, tmp_path,
                                                                                               capsys):
    def split_c12_short_form(spec):
        spec["splits"] = {"c12": {}}
        spec["sectors"]["ist"] = ["steel", "ist"]
    _refused(capsys, write_aggregation(tmp_path, STEEL_EXAMPLE, icio(tables, 2025), split_c12_short_form),
             "splits.c12: the source's own sector 'steel' of c12 is kept")


def test_a_parent_whose_cbam_goods_are_all_kept_apart_holds_no_cbam_good(tmp_path):
    from calibration.build import check_tags_up_front

    cement = {"name": "Cement", "members": ["cement"]}
    untagged = load_aggregation(_exiobase_with(tmp_path, cmt=cement, nmm={"name": "Minerals", "members": ["c11"]}),
                                DEFAULT_SHARED)
    tags = {t.code: set(t.tags) for t in untagged.sectors}
    assert tags["nmm"] == {"eite"} and "cbam" in tags["cmt"]     # c11 without cement has no CBAM good
    tagged = load_aggregation(_exiobase_with(tmp_path, cmt=cement), DEFAULT_SHARED)  # nmm: [eite, cbam]
    with pytest.raises(DataError, match="sectors.nmm.tags: tagged 'cbam' but contains no CBAM good"):
        check_tags_up_front(tagged)


@pytest.mark.parametrize("parent", ["c2", "c17"])
def test_a_concordance_row_keeping_a_sector_out_of_mining_or_utilities_is_refused_naming_the_row(tmp_path,
                                                                                                monkeypatch, parent):
    (tmp_path / "mine.csv").write_text("code,model_code,share,parent,tags,cbam_good,note\n"
                                       f"X1,ore,1,{parent},eite,,\n")
    (tmp_path / "wiod2013.csv").write_text((cc.CLASSIFICATIONS / "wiod2013.csv").read_text())
    monkeypatch.setattr(cc, "CLASSIFICATIONS", tmp_path)
    cc.classification.cache_clear()
    try:
        with pytest.raises(DataError, match=rf"mine.csv, row 2 \(X1\): parent '{parent}' of 'ore' is always split"):
            cc.classification("mine")
    finally:
        cc.classification.cache_clear()


@pytest.mark.parametrize("rows, message", [
    ("c8,fossil,\nc8,fossil,\n", r"row 3 \(c8\): 'c8' is listed twice"),
    ("steal,eite,\n", r"row 2 \(steal\): 'steal' is not a source sector of the pipeline"),
    ("c8,fosil,\n", r"row 2 \(c8\): unknown tag 'fosil'"),
])
def test_a_sector_tags_row_that_is_duplicated_unknown_or_mistagged_is_refused_naming_the_row(tmp_path, rows,
                                                                                              message):
    from calibration.aggregation import sector_tags

    (tmp_path / "sector_tags.csv").write_text("sector,tags,note\n" + rows)
    with pytest.raises(DataError, match=r"sector_tags.csv, " + message):
        sector_tags(tmp_path / "sector_tags.csv")
