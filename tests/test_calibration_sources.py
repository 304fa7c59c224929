"""One calibration path for every source (issue 22): WIOD 2011 written in the published layouts
of OECD ICIO (2021, 2023, 2025 editions), FIGARO and the package's CSV layout is read by each
format's reader, put on the pipeline's classification by the concordances, and calibrated by the
same stages as the WIOD 2013 files; bad input is one line naming the file and the label. Needs
../shared/data (the fixtures are written from it, tests/mrio_layouts.py)."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import cge
from calibration import concordance as cc
from calibration.build import DEFAULT_AGGREGATION, DEFAULT_SHARED, BuildConfig, build
from calibration.mrio import MRIO, write_csv
from calibration.readers import read_source
from calibration.readers.figaro import usd_per_eur
from cge.cli import main
from cge.errors import DataError

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz").exists(),
    reason=f"shared data not found at {DEFAULT_SHARED}",
)
import mrio_layouts  # noqa: E402  (tests/mrio_layouts.py)

TABLES = ("vom", "vid", "vfm", "vrs", "vxmd", "fd", "co2", "co2p", "pop")


def quiet(*a, **k):
    pass


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    root = tmp_path_factory.mktemp("layouts")
    published = ("oecd-icio-2021", "oecd-icio-2023", "oecd-icio-2025", "figaro")
    return {name: mrio_layouts.WRITERS[name](root / name).parent for name in published}


def lumped_wiod(name: str) -> MRIO:
    """WIOD 2011 through the concordance's lumps only: each WIOD sector spread over its source
    codes as the fixture writer does, then back by the concordance's shares (L = D W)."""
    w = mrio_layouts.wiod_rows_balanced() if name == "figaro" else mrio_layouts.wiod()
    _, D = mrio_layouts.spread(name, w.sectors)
    L = D @ cc.sector_matrix(name, cc.source_codes(name))
    return MRIO(w.regions, w.sectors, w.categories, np.einsum("risj,ik,jl->rksl", w.Z, L, L),
                np.einsum("risc,ik->rksc", w.Y, L), w.x @ L, metadata={"classification": "wiod2013"})


def aggregation(tmp_path, source: dict | None, name="agg.yaml") -> Path:
    d = yaml.safe_load(DEFAULT_AGGREGATION.read_text())
    if source:
        d["source"] = source
        d["year"] = source.get("year", d["year"])
    p = tmp_path / name
    p.write_text(yaml.safe_dump(d, sort_keys=False))
    return p


def benchmark(path: Path):
    return build(BuildConfig(aggregation=path), echo=quiet).benchmark


def assert_same_benchmark(a, b, tol=1e-9):
    for t in TABLES:
        x, y = getattr(a, t), getattr(b, t)
        assert np.abs(x - y).max() <= tol * max(np.abs(y).max(), 1.0), t


@pytest.fixture(scope="module")
def wiod_benchmark():
    return build(BuildConfig(), echo=quiet).benchmark


@pytest.mark.parametrize("name", ["oecd-icio-2021", "oecd-icio-2023", "oecd-icio-2025", "figaro"])
def test_wiod_written_in_a_published_layout_reads_back_to_wiod_up_to_the_concordance_lumps(layouts, name):
    fmt = "figaro" if name == "figaro" else "oecd-icio"
    m = read_source(fmt, layouts[name], 2011, DEFAULT_SHARED)
    ref = lumped_wiod(name)
    assert (m.regions, m.sectors, m.categories) == (ref.regions, ref.sectors, ref.categories)
    for a in ("Z", "Y", "x"):
        assert np.abs(getattr(m, a) - getattr(ref, a)).max() <= 1e-12 * np.abs(getattr(ref, a)).max(), a


def _write_layout(layout: str, table: MRIO, out: Path) -> dict:
    """``table`` written in ``layout``; the aggregation file's ``source`` for it."""
    if layout == "csv":
        write_csv(table, out)
        return {"format": "csv", "path": str(out), "year": 2011}
    if layout == "pymrio":
        from calibration.readers.pymrio_reader import to_pymrio

        to_pymrio(table).save_all(out)
        return {"format": "pymrio", "path": str(out), "year": 2011}
    if layout == "figaro":
        mrio_layouts.write_figaro(out, m=table)
        return {"format": "figaro", "path": str(out), "year": 2011}
    mrio_layouts.write_oecd_icio(out, int(layout[-4:]), m=table)
    return {"format": "oecd-icio", "path": str(out), "year": 2011}


#: the WIOD 2011 table each layout can carry exactly, and why (the reference is the wiod2013
#: reader on that same table written in WIOD's own layout)
ICIO_LUMPS = "c4:c5 and c19:c20:c21 in the concordance's world output shares (ICIO lumps them"
LAYOUT_TABLES = {
    "csv": "WIOD as published",
    "pymrio": "WIOD as published",
    "oecd-icio-2021": f"{ICIO_LUMPS}: D13T15, D45T47)",
    "oecd-icio-2023": f"{ICIO_LUMPS}: C13T15, G)",
    "oecd-icio-2025": f"{ICIO_LUMPS}: C13T15, G)",
    "figaro": "rows adding up to gross output (no output column) and c4:c5 in world output shares (C13T15)",
}


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(LAYOUT_TABLES))
def test_wiod_written_in_each_layout_calibrates_to_the_wiod2013_readers_benchmark(tmp_path, layout):
    """The reader and the concordance are the only source-specific steps: WIOD 2011 written in a
    layout calibrates to the benchmark the ``wiod2013`` reader gives for the same table, to 1e-9
    (default aggregation, 8 regions x 12 sectors). Where a layout's labels lump WIOD sectors
    together, the table is WIOD at the resolution where the lump holds (LAYOUT_TABLES): the
    lumped sectors in fixed proportions, which the concordance's shares restore exactly; without
    it the benchmarks differ by up to 6e-5 (ICIO 2023) and 2e-3 (FIGARO, also its row balance)
    of the largest cell, through the one negative final-demand cell the build clips (EU27 c5
    investment) and the row gaps WIOD has and FIGARO cannot carry."""
    if layout == "pymrio":
        pytest.importorskip("pymrio")
    if layout in ("csv", "pymrio"):
        table = mrio_layouts.wiod()
    else:
        table = lumped_wiod("figaro" if layout == "figaro" else layout)
    mrio_layouts.write_wiod_wide(table, tmp_path / "wiod")
    ref = benchmark(aggregation(tmp_path, {"format": "wiod2013", "path": str(tmp_path / "wiod"), "year": 2011},
                                "ref.yaml"))
    got = benchmark(aggregation(tmp_path, _write_layout(layout, table, tmp_path / layout)))
    assert_same_benchmark(got, ref)


@pytest.mark.slow
def test_wiod_written_as_an_exiobase_release_calibrates_to_the_wiod2013_readers_benchmark(tmp_path):
    """EXIOBASE 3 ixi (163 industries, each mapped whole to one WIOD sector, so no lump; million
    EUR; CO2 in its own satellite): WIOD 2011 with JRC's CO2 written as a release zip calibrates
    to the wiod2013 reader's benchmark to 1e-9, at the resolution the fixture carries (DEU, USA,
    CHN and every other region in RoW, the aggregation of examples/aggregations/exiobase3.yaml)."""
    pytest.importorskip("pymrio")
    example = DEFAULT_AGGREGATION.parent / "exiobase3.yaml"
    z = mrio_layouts.write_exiobase3(tmp_path / "exio")
    mrio_layouts.write_wiod_wide(mrio_layouts.wiod_on_exiobase_regions(), tmp_path / "wiod")
    spec = yaml.safe_load(example.read_text())
    for name, source in (("ref.yaml", {"format": "wiod2013", "path": str(tmp_path / "wiod"), "year": 2011}),
                         ("exio.yaml", {"format": "exiobase3", "path": str(z), "year": 2011})):
        (tmp_path / name).write_text(yaml.safe_dump(dict(spec, source=source), sort_keys=False))
    assert_same_benchmark(benchmark(tmp_path / "exio.yaml"), benchmark(tmp_path / "ref.yaml"))


def test_the_default_aggregation_without_a_source_key_reads_wiod2013(wiod_benchmark, tmp_path):
    got = benchmark(aggregation(tmp_path, {"format": "wiod2013", "path": str(DEFAULT_SHARED / "wiod2013"),
                                           "year": 2011}))
    assert_same_benchmark(got, wiod_benchmark, tol=0.0)


# ----- bad input: one line naming the file and the label, nothing written ------------------------

def _refused(tmp_path, capsys, source: dict, message: str):
    out = tmp_path / "out"
    assert main(["calibrate", str(aggregation(tmp_path, source)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert not out.exists()


def _icio_file(layouts) -> Path:
    return layouts["oecd-icio-2023"] / "2011_SML.csv"


def test_a_truncated_zip_is_refused_naming_the_file(tmp_path, capsys, layouts):
    z = tmp_path / "2011-2011_SML.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(_icio_file(layouts), "2011_SML.csv")
    z.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
    _refused(tmp_path, capsys, {"format": "oecd-icio", "path": str(z), "year": 2011},
             f"{z}: is not a readable zip archive (truncated or damaged")


def test_labels_of_another_edition_are_refused_naming_the_label(tmp_path, capsys, layouts):
    text = _icio_file(layouts).read_text().replace("_C24,", "_C24X,", 1)
    bad = tmp_path / "icio" / "2011_SML.csv"
    bad.parent.mkdir()
    bad.write_text(text)
    with pytest.raises(DataError, match=r"2011_SML.csv, column \d+: label 'AUS_C24X' is not an industry"):
        read_source("oecd-icio", bad.parent, 2011, DEFAULT_SHARED)
    lines = text.splitlines()
    lines[1] = lines[1].replace("AUS_A01_02", "AUS_A01", 1)
    bad.write_text("\n".join(lines) + "\n")
    _refused(tmp_path, capsys, {"format": "oecd-icio", "path": str(bad.parent), "year": 2011},
             "industry label 'A01' is not an industry of the OECD ICIO 2023 edition")


def test_a_region_missing_from_the_concordance_is_refused_naming_it(tmp_path, capsys, layouts):
    src = layouts["figaro"] / "matrix_eu-ic-io_ind-ind_2011.csv"
    bad = tmp_path / "fig" / src.name
    bad.parent.mkdir()
    bad.write_text(re.sub(r"(^|[,\n])AT_", r"\1XX_", src.read_text()))
    _refused(tmp_path, capsys, {"format": "figaro", "path": str(bad.parent), "year": 2011},
             "FIGARO region 'XX' is not in")


def test_an_industry_missing_from_the_concordance_is_refused_naming_it(tmp_path):
    w = mrio_layouts.wiod()
    m = MRIO(w.regions, w.sectors[:-1] + ("c99",), w.categories, w.Z, w.Y, w.x)
    with pytest.raises(DataError, match=r"wiod2013.csv: industry 'c99' of the source is not in the concordance"):
        cc.to_model(m, "wiod2013", {r: r for r in w.regions}, DEFAULT_SHARED)


def test_negative_gross_output_is_refused_naming_the_label(tmp_path, capsys, layouts):
    lines = _icio_file(layouts).read_text().splitlines()
    k = next(n for n, line in enumerate(lines) if line.startswith("OUT,"))
    cells = lines[k].split(",")
    cells[2] = "-5"                           # AUS_A03
    lines[k] = ",".join(cells)
    bad = tmp_path / "icio" / "2011_SML.csv"
    bad.parent.mkdir()
    bad.write_text("\n".join(lines) + "\n")
    _refused(tmp_path, capsys, {"format": "oecd-icio", "path": str(bad.parent), "year": 2011},
             "2011_SML.csv, AUS_A03: negative gross output -5")


def test_a_year_absent_from_the_source_is_refused_naming_the_years_found(tmp_path, capsys, layouts):
    _refused(tmp_path, capsys, {"format": "oecd-icio", "path": str(layouts["oecd-icio-2023"]), "year": 2015},
             "has no table for year 2015 (years found: [2011])")


def test_an_unknown_source_format_is_refused_naming_the_key(tmp_path, capsys):
    _refused(tmp_path, capsys, {"format": "gloria", "path": ".", "year": 2011},
             "agg.yaml: source.format: 'gloria' is not a known format")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(mrio_layouts.EXAMPLE_WRITERS))
def test_every_source_example_calibrates_and_compares(tmp_path, fmt):
    if fmt in ("pymrio", "exiobase3"):
        pytest.importorskip("pymrio")
    example = DEFAULT_AGGREGATION.parent / f"{fmt}.yaml"
    mrio_layouts.ensure_example_data(example)
    data = tmp_path / "data"
    assert main(["calibrate", str(example), "--out", str(data)]) == 0
    assert main(["compare", "--data", str(data), "--out", str(tmp_path / "results")]) == 0
    assert (tmp_path / "results").is_dir()


# ----- EXIOBASE 3: the Zenodo layout (pymrio's text files, a ``satellite`` extension) ------------

def exiobase_zip(folder: Path, year: int = 2011) -> tuple[Path, object]:
    """``pymrio.load_test()`` laid out as an EXIOBASE 3 release zip (``IOT_{year}_ixi.zip`` with
    ``IOT_{year}_ixi/`` holding Z, Y, x, unit and ``satellite/``), its CO2 rows named as EXIOBASE's."""
    import pymrio

    io = pymrio.load_test()
    em = io.emissions
    F = pd.DataFrame(em.F.to_numpy()[[0, 0]] * [[0.9], [0.1]], columns=em.F.columns,
                     index=pd.Index(["CO2 - combustion - air", "CO2 - non combustion - Cement production - air"],
                                    name="stressor"))
    FY = pd.DataFrame(em.F_Y.to_numpy()[[0, 0]] * [[1.0], [0.0]], columns=em.F_Y.columns, index=F.index)
    del io.emissions
    return mrio_layouts.save_exiobase_release(io, F, FY, folder, year), pymrio.load_test()


def test_exiobase_zip_gives_its_co2_accounts_on_the_mrio_in_mt(tmp_path):
    pytest.importorskip("pymrio")
    from calibration.readers import read_native

    z, io = exiobase_zip(tmp_path)
    m = read_native("exiobase3", tmp_path, 2011)
    assert m.metadata["classification"] == "exiobase3-ixi"
    assert np.abs(m.Z.sum() - io.Z.to_numpy().sum()) <= 1e-12 * io.Z.to_numpy().sum()
    industry = io.emissions.F.iloc[0].to_numpy().reshape(len(m.regions), len(m.sectors)).T / 1e9
    households = io.emissions.F_Y.iloc[0].to_numpy().reshape(len(m.regions), -1)[:, 0] / 1e9
    assert np.allclose(m.co2.loc[list(m.sectors)].to_numpy(), industry, rtol=1e-12, atol=0)
    assert np.allclose(m.co2.loc["household"].to_numpy(), households, rtol=1e-12, atol=0)


def test_a_truncated_exiobase_zip_is_refused_naming_the_file(tmp_path, capsys):
    pytest.importorskip("pymrio")
    z, _ = exiobase_zip(tmp_path)
    z.write_bytes(z.read_bytes()[:-300])
    _refused(tmp_path, capsys, {"format": "exiobase3", "path": str(z), "year": 2011},
             f"{z}: is not a readable zip archive (truncated or damaged")


def test_an_exiobase_year_absent_from_the_folder_is_refused_naming_the_years_found(tmp_path):
    pytest.importorskip("pymrio")
    from calibration.readers import read_native

    exiobase_zip(tmp_path)
    with pytest.raises(DataError, match=r"has no EXIOBASE table for year 2019 \(years found: \['2011'\]\)"):
        read_native("exiobase3", tmp_path, 2019)


def test_a_cell_that_is_not_a_number_is_refused_naming_row_label_and_column(tmp_path, layouts):
    src = layouts["figaro"] / "matrix_eu-ic-io_ind-ind_2011.csv"
    lines = src.read_text().splitlines()
    cells = lines[3].split(",")
    cells[5] = "n/a"
    lines[3] = ",".join(cells)
    bad = tmp_path / src.name
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"ind-ind_2011.csv, row 4 \(AU_A03\), column AU_C10T12: 'n/a' is not a number"):
        read_source("figaro", bad, 2011, DEFAULT_SHARED)


def test_the_source_table_is_never_the_output_even_with_force(tmp_path, capsys):
    write_csv(mrio_layouts.wiod(), tmp_path / "wiod_csv")
    before = sorted(p.name for p in (tmp_path / "wiod_csv").iterdir())
    agg = aggregation(tmp_path, {"format": "csv", "path": "wiod_csv", "year": 2011})
    assert main(["calibrate", str(agg), "--out", str(tmp_path / "wiod_csv"), "--force"]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "wiod_csv").iterdir()) == before


# ----- EXIOBASE 3 ixi on the model classification: the concordance and the region codes ---------

EXIOBASE_COUNTRIES = ("DE", "GB", "TW", "CH")
EXIOBASE_REST = ("WA", "WE", "WF", "WL", "WM")
EXIOBASE_FINAL_DEMAND = (
    "Final consumption expenditure by households",
    "Final consumption expenditure by non-profit organisations serving households (NPISH)",
    "Final consumption expenditure by government", "Gross fixed capital formation", "Changes in inventories",
    "Changes in valuables", "Exports: Total (fob)")


def exiobase3_industries() -> list[str]:
    """EXIOBASE 3's 163 industries as pymrio ships them (``mrio_models/exio3_ixi/sectors.tsv``)."""
    import pymrio

    path = Path(pymrio.__file__).parent / "mrio_models" / "exio3_ixi" / "sectors.tsv"
    return list(pd.read_csv(path, sep="\t")["ExioName"])


def exiobase_ixi_release(folder: Path, year: int = 2011, regions=EXIOBASE_COUNTRIES + EXIOBASE_REST):
    """A small EXIOBASE 3 ixi release zip (the Zenodo layout of :func:`exiobase_zip`) with the real
    163 industry names and final-demand columns, four countries and the five rest-of-world regions,
    random positive flows (million EUR) and CO2 accounts (kg) by industry and household."""
    import pymrio

    rng = np.random.default_rng(22)
    sectors = exiobase3_industries()
    rows = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    cols = pd.MultiIndex.from_product([regions, EXIOBASE_FINAL_DEMAND], names=["region", "category"])
    Z = pd.DataFrame(rng.uniform(0.0, 1.0, (len(rows), len(rows))), index=rows, columns=rows)
    Y = pd.DataFrame(rng.uniform(1.0, 50.0, (len(rows), len(cols))), index=rows, columns=cols)
    x = pd.DataFrame({"indout": Z.sum(axis=1) + Y.sum(axis=1)})
    stressors = pd.Index(["CO2 - combustion - air", "CO2 - non combustion - Cement production - air"], name="stressor")
    F = pd.DataFrame(rng.uniform(0.0, 1e9, (2, len(rows))), index=stressors, columns=rows)
    FY = pd.DataFrame(0.0, index=stressors, columns=cols)
    FY.loc["CO2 - combustion - air", (slice(None), EXIOBASE_FINAL_DEMAND[0])] = rng.uniform(1e9, 5e9, len(regions))
    io = pymrio.IOSystem(Z=Z, Y=Y, x=x, unit=pd.DataFrame({"unit": "M.EUR"}, index=rows), name="EXIOBASE-shaped")
    return mrio_layouts.save_exiobase_release(io, F, FY, folder, year), io


def test_the_exiobase3_concordance_maps_every_exiobase_industry_once_onto_model_sectors():
    pytest.importorskip("pymrio")
    industries = exiobase3_industries()
    table = cc.classification("exiobase3-ixi")  # validated: model codes c1..c35, shares in (0, 1] summing to 1
    assert len(industries) == 163
    assert sorted(cc.source_codes("exiobase3-ixi")) == sorted(industries)
    assert table.groupby("code")["share"].sum().sub(1).abs().max() <= 1e-12
    parent = {c: o.parent for c, o in cc.own_sectors("exiobase3-ixi").items()}   # where an own sector not kept goes
    to = {c: parent.get(m, m) for c, m in zip(table["code"], table["model_code"])}
    assert set(to.values()) == set(cc.model_sectors())
    assert {to[s] for s in industries if s.startswith("Production of electricity")} == {"c17"}
    assert to["Mining of coal and lignite; extraction of peat (10)"] == to[
        "Extraction of crude petroleum and services related to crude oil extraction, excluding surveying"] == to[
        "Extraction of natural gas and services related to natural gas extraction, excluding surveying"] == "c2"
    assert to["Petroleum Refinery"] == to["Manufacture of coke oven products"] == "c8"
    assert to["Manufacture of basic iron and steel and of ferro-alloys and first products thereof"] == to[
        "Re-processing of secondary steel into new steel"] == to["Aluminium production"] == "c12"
    assert to["Manufacture of cement, lime and plaster"] == "c11"
    assert to["N-fertiliser"] == to["Chemicals nec"] == "c9"


def test_exiobase_regions_go_to_wiod_regions_by_iso3_and_its_rest_of_world_to_row():
    iso = cc.source_iso3("exiobase3")
    assert len(iso) == 49
    rmap = cc.region_map_by_iso3([iso[r] for r in iso], DEFAULT_SHARED)
    wiod = dict(zip(iso, (rmap[iso[r]] for r in iso)))
    assert (wiod["DE"], wiod["GB"], wiod["TW"], wiod["RO"], wiod["GR"]) == ("DEU", "GBR", "TWN", "ROM", "GRC")
    assert {wiod[r] for r in EXIOBASE_REST + ("CH", "HR", "NO", "ZA")} == {"RoW"}
    assert sum(v != "RoW" for v in wiod.values()) == 40


def test_an_exiobase_ixi_release_is_read_onto_the_model_classification_keeping_totals_and_co2(tmp_path):
    pytest.importorskip("pymrio")
    z, io = exiobase_ixi_release(tmp_path)
    m = read_source("exiobase3", z, 2011, DEFAULT_SHARED)
    assert m.sectors == cc.model_sectors() and m.regions == tuple(cc.wiod_regions(DEFAULT_SHARED)["code"])
    rate = usd_per_eur(2011)                    # million EUR as released -> the pipeline's million USD
    for ours, theirs in ((m.Z, io.Z), (m.Y, io.Y), (m.x, io.x)):
        assert abs(ours.sum() - rate * theirs.to_numpy().sum()) <= 1e-12 * rate * theirs.to_numpy().sum()
    de = rate * io.x.loc["DE", "indout"]
    assert abs(m.x[m.regions.index("DEU")].sum() - de.sum()) <= 1e-12 * de.sum()
    rest = rate * io.x.loc[list(EXIOBASE_REST + ("CH",)), "indout"].sum()
    assert abs(m.x[m.regions.index("RoW")].sum() - rest) <= 1e-12 * rest
    F = io.satellite.F.sum(axis=0)
    table = cc.classification("exiobase3-ixi")
    utilities = list(table["code"][table["model_code"] == "c17"])  # every source of power, gas, steam, water
    assert len(utilities) == 17
    de_c17 = F.loc[[("DE", s) for s in utilities]].sum() / 1e9
    assert abs(m.co2.loc["c17", "DEU"] - de_c17) <= 1e-12 * de_c17
    total = (F.sum() + io.satellite.F_Y.to_numpy().sum()) / 1e9
    assert abs(m.co2.to_numpy().sum() - total) <= 1e-12 * total


def test_cge_calibrate_on_an_exiobase_release_passes_the_gates_and_keeps_its_co2_accounts(tmp_path):
    pytest.importorskip("pymrio")
    z, io = exiobase_ixi_release(tmp_path)
    agg = yaml.safe_load(DEFAULT_AGGREGATION.read_text())
    others = [r for r in cc.wiod_regions(DEFAULT_SHARED)["code"] if r not in ("DEU", "GBR")]
    agg.update(source={"format": "exiobase3", "path": str(z), "year": 2011},
               regions={"DEU": {"name": "Germany", "members": ["DEU"]},
                        "GBR": {"name": "United Kingdom", "members": ["GBR"]},
                        "ROW": {"name": "Rest of world (TW, CH and EXIOBASE's WA, WE, WF, WL, WM)", "members": others}})
    agg.pop("region_groups", None)
    path = tmp_path / "exiobase.yaml"
    path.write_text(yaml.safe_dump(agg, sort_keys=False))
    assert main(["calibrate", str(path), "--out", str(tmp_path / "data")]) == 0
    b = benchmark(path)
    total = (io.satellite.F.to_numpy().sum() + io.satellite.F_Y.to_numpy().sum()) / 1e9
    assert abs(b.co2.sum() + b.co2p.sum() - total) <= 1e-9 * total


def test_an_exiobase_region_code_missing_from_its_region_table_is_refused_naming_it(tmp_path, capsys):
    pytest.importorskip("pymrio")
    z, _ = exiobase_ixi_release(tmp_path, regions=("DE", "XX"))
    _refused(tmp_path, capsys, {"format": "exiobase3", "path": str(z), "year": 2011},
             f"{z}: EXIOBASE 3 region 'XX' is not in {cc.region_table('exiobase3')}")


# ----- pymrio's test system: an MRIO nobody here wrote, on its own concordance ------------------

PYMRIO_EXAMPLE = DEFAULT_AGGREGATION.parent / "pymrio.yaml"
PYMRIO_CO2 = {"extension": "emissions", "rows": ["emission_type1 | air"]}


def test_pymrio_test_system_is_read_onto_stand_in_regions_keeping_its_totals_and_co2(tmp_path):
    pytest.importorskip("pymrio")
    import pymrio

    mrio_layouts.write_pymrio_test(tmp_path / "test")
    m = read_source("pymrio", tmp_path / "test", 2011, DEFAULT_SHARED, "pymrio-test", PYMRIO_CO2)
    io = pymrio.load_all(tmp_path / "test")
    assert m.sectors == cc.model_sectors()
    for ours, theirs in ((m.Z, io.Z), (m.Y, io.Y), (m.x, io.x)):
        assert abs(ours.sum() - theirs.to_numpy().sum()) <= 1e-12 * theirs.to_numpy().sum()
    stand_in = {"reg1": "DEU", "reg2": "CHN", "reg3": "RoW", "reg4": "USA", "reg5": "BRA", "reg6": "RUS"}
    for reg, wiod_region in stand_in.items():
        x = io.x.loc[reg, "indout"].sum()
        assert abs(m.x[m.regions.index(wiod_region)].sum() - x) <= 1e-12 * x, reg
    others = [k for k, r in enumerate(m.regions) if r not in stand_in.values()]
    assert m.x[others].sum() == 0.0
    kg = io.emissions.F.loc[("emission_type1", "air")].sum() + io.emissions.F_Y.loc[("emission_type1", "air")].sum()
    assert abs(m.co2.to_numpy().sum() - kg / 1e9) <= 1e-12 * kg / 1e9
    mining = io.emissions.F.loc[("emission_type1", "air"), ("reg2", "mining")] / 1e9
    assert abs(m.co2.loc["c2", "CHN"] - mining) <= 1e-12 * mining


def test_pymrio_test_system_calibrates_and_replicates_its_benchmark_in_zero_iterations(tmp_path):
    """examples/aggregations/pymrio.yaml (pymrio.load_test() saved with save_all): cge calibrate
    keeps the system's CO2, and cge compare at a zero carbon price, with and without border
    adjustments, reproduces the benchmark with 0 Newton iterations."""
    pytest.importorskip("pymrio")
    import pymrio

    mrio_layouts.ensure_example_data(PYMRIO_EXAMPLE)
    data, results = tmp_path / "data", tmp_path / "results"
    assert main(["calibrate", str(PYMRIO_EXAMPLE), "--out", str(data)]) == 0
    b = cge.load_dataset(data)
    io = pymrio.load_test()
    kg = io.emissions.F.loc[("emission_type1", "air")].sum() + io.emissions.F_Y.loc[("emission_type1", "air")].sum()
    assert abs(b.co2.sum() + b.co2p.sum() - kg / 1e9) <= 1e-9 * kg / 1e9
    assert b.regions == ("reg1", "reg2", "reg3", "reg4", "reg5", "reg6")
    scenarios = DEFAULT_AGGREGATION.parent / "benchmark_scenarios.yaml"
    assert main(["compare", "--data", str(data), "--scenarios", str(scenarios), "--out", str(results)]) == 0
    solves = yaml.safe_load((results / "run.yaml").read_text())["solves"]
    assert [s["scenario"] for s in solves] == ["BENCHMARK", "BENCHMARK-BCA"]
    assert all(s["iterations"] == 0 for s in solves), solves


def test_a_co2_row_the_pymrio_system_does_not_have_is_refused_naming_it(tmp_path, capsys):
    pytest.importorskip("pymrio")
    mrio_layouts.write_pymrio_test(tmp_path / "test")
    _refused(tmp_path, capsys, {"format": "pymrio", "path": str(tmp_path / "test"), "year": 2011,
                                "classification": "pymrio-test",
                                "co2": {"extension": "emissions", "rows": ["CO2 | air"]}},
             "extension 'emissions' has no row 'CO2 | air'")


def test_source_keys_of_pymrio_only_are_refused_for_a_published_format(tmp_path, capsys, layouts):
    _refused(tmp_path, capsys, {"format": "oecd-icio", "path": str(layouts["oecd-icio-2023"]), "year": 2011,
                                "classification": "pymrio-test"},
             "agg.yaml: source.classification: only for formats csv and pymrio")


@pytest.mark.parametrize("fmt", ["pymrio", "exiobase3"])
def test_without_pymrio_its_formats_say_in_one_line_that_the_optional_extra_is_needed(tmp_path, capsys,
                                                                                        monkeypatch, fmt):
    monkeypatch.setitem(sys.modules, "pymrio", None)          # import pymrio raises ImportError
    (tmp_path / "src").mkdir()
    _refused(tmp_path, capsys, {"format": fmt, "path": "src", "year": 2011},
             f"source format '{fmt}' needs pymrio: pip install 'cge-bca[calibration]'")


def test_a_pymrio_system_in_wiods_sectors_with_iso3_region_codes_is_read_onto_wiods_regions(tmp_path):
    """Romania as ROU (its ISO3 code) rather than WIOD's ROM: the regions go to WIOD's by ISO3 and
    the final-demand columns, WIOD's already, are kept."""
    pytest.importorskip("pymrio")
    from calibration.readers.pymrio_reader import to_pymrio

    w = mrio_layouts.wiod()
    iso = MRIO([("ROU" if r == "ROM" else r) for r in w.regions], w.sectors, w.categories, w.Z, w.Y, w.x)
    to_pymrio(iso).save_all(tmp_path / "iso")
    m = read_source("pymrio", tmp_path / "iso", 2011, DEFAULT_SHARED)
    assert m.regions == w.regions and m.categories == w.categories
    assert np.abs(m.x - w.x).max() <= 1e-9 * np.abs(w.x).max()
