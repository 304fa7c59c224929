"""One calibration path for every source (issue 22): WIOD 2011 written in the published layouts
of OECD ICIO (2021, 2023, 2025 editions), FIGARO and the package's CSV layout is read by each
format's reader, put on the pipeline's classification by the concordances, and calibrated by the
same stages as the WIOD 2013 files; bad input is one line naming the file and the label. Needs
../shared/data (the fixtures are written from it, tests/mrio_layouts.py)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from calibration import concordance as cc
from calibration.build import DEFAULT_AGGREGATION, DEFAULT_SHARED, BuildConfig, build
from calibration.mrio import MRIO, write_csv
from calibration.readers import read_source
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


def test_wiod_in_the_package_csv_layout_calibrates_to_the_wiod2013_benchmark(tmp_path, wiod_benchmark):
    write_csv(mrio_layouts.wiod(), tmp_path / "wiod_csv")
    got = benchmark(aggregation(tmp_path, {"format": "csv", "path": "wiod_csv", "year": 2011}))
    assert_same_benchmark(got, wiod_benchmark)


@pytest.mark.parametrize("name", ["oecd-icio-2023", "figaro"])
def test_a_published_layout_calibrates_like_wiod_with_the_concordance_lumps(tmp_path, layouts, name):
    """The reader and the concordance are the only source-specific steps: the benchmark equals the
    one of WIOD passed through the same lumps (C13T15 = c4 + c5; ICIO's G = c19 + c20 + c21), which
    differs from WIOD's only where negative final demand is clipped at source-sector level."""
    fmt = "figaro" if name == "figaro" else "oecd-icio"
    got = benchmark(aggregation(tmp_path, {"format": fmt, "path": str(layouts[name]), "year": 2011}))
    write_csv(lumped_wiod(name), tmp_path / "lumped")
    ref = benchmark(aggregation(tmp_path, {"format": "csv", "path": "lumped", "year": 2011}, "ref.yaml"))
    assert_same_benchmark(got, ref)


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


def test_wiod_saved_by_pymrio_save_all_calibrates_to_the_wiod2013_benchmark(tmp_path, wiod_benchmark):
    pytest.importorskip("pymrio")
    mrio_layouts.write_pymrio(tmp_path / "wiod_pymrio")
    got = benchmark(aggregation(tmp_path, {"format": "pymrio", "path": "wiod_pymrio", "year": 2011}))
    assert_same_benchmark(got, wiod_benchmark)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(mrio_layouts.EXAMPLE_WRITERS))
def test_every_source_example_calibrates_and_compares(tmp_path, fmt):
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
    import pandas as pd
    import pymrio

    io = pymrio.load_test()
    em = io.emissions
    F = pd.DataFrame(em.F.to_numpy()[[0, 0]] * [[0.9], [0.1]], columns=em.F.columns,
                     index=pd.Index(["CO2 - combustion - air", "CO2 - non combustion - Cement production - air"],
                                    name="stressor"))
    FY = pd.DataFrame(em.F_Y.to_numpy()[[0, 0]] * [[1.0], [0.0]], columns=em.F_Y.columns, index=F.index)
    del io.emissions
    io.satellite = pymrio.Extension("satellite", F=F, F_Y=FY,
                                    unit=pd.DataFrame({"unit": ["kg", "kg"]}, index=F.index))
    src = folder / f"IOT_{year}_ixi"
    io.save_all(src)
    z = folder / f"IOT_{year}_ixi.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(src.rglob("*")):
            zf.write(p, p.relative_to(folder))
    return z, pymrio.load_test()


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
