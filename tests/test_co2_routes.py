"""Where the CO2 comes from (issue 22, point 3): the source's satellite (WIOD: JRC), a table the
user supplies, or GCB national CO2 by fuel allocated to fuel purchases; and the energy data of
the table's year, or the nearest year the files have (point 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from calibration.build import (
    DEFAULT_AGGREGATION,
    DEFAULT_OUT,
    DEFAULT_SHARED,
    GCP_BY_FUEL,
    GCP_COUNTRIES,
    BuildConfig,
    build,
    co2_route,
)
from calibration.emissions import allocate_fuel_totals, co2_from_frame, gcb_gate
from calibration.fallbacks import Fallbacks
from calibration.readers import satellites as sat
from calibration.sources import MAPPINGS
from cge.cli import main
from cge.data.benchmark import read_benchmark
from cge.errors import DataError

pytestmark = pytest.mark.skipif(not (DEFAULT_SHARED / "wiod2013").is_dir(), reason="shared data not present")


def quiet(*a, **k):
    pass


def _agg(tmp_path, **co2) -> Path:
    spec = yaml.safe_load(DEFAULT_AGGREGATION.read_text())
    spec["name"] = "wiod2011_co2"
    if co2:
        spec["co2"] = co2
    p = tmp_path / "agg.yaml"
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


@pytest.fixture(scope="module")
def gcb_built(tmp_path_factory):
    lines = []
    r = build(BuildConfig(aggregation=_agg(tmp_path_factory.mktemp("gcb"), source="gcb_by_fuel")), echo=lines.append)
    return r, lines


def _jrc_frame() -> pd.DataFrame:
    """WIOD 2011's JRC CO2 as a user's table: region x WIOD industry, plus household (Mt)."""
    from calibration.aggregate import read_mapping
    from calibration.readers.wiod2013 import read_wiod_wide

    wiod = read_wiod_wide(DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz")
    E = sat.read_jrc_co2(DEFAULT_SHARED / "energy" / "jrc_wiod2016_co2_by_industry_2000_2016.csv.gz",
                         read_mapping(MAPPINGS / "jrc56_to_wiod35.csv"), 2011, wiod.regions, wiod.sectors,
                         wiod.categories, read_mapping(MAPPINGS / "jrc_regions.csv"), "CONS_h")
    nJ = len(wiod.sectors)
    df = pd.DataFrame(E[:, :nJ], index=pd.Index(wiod.regions, name="region"), columns=list(wiod.sectors))
    df["household"] = E[:, nJ + list(wiod.categories).index("CONS_h")]
    return df


# ----- the allocation of national CO2 by fuel ---------------------------------------------------------
def test_co2_allocated_from_national_fuel_totals_preserves_each_region_and_fuel_total():
    rng = np.random.default_rng(0)
    U = rng.uniform(0, 5, (3, 2, 6)) * (rng.uniform(size=(3, 2, 6)) > 0.3)
    totals = rng.uniform(10, 100, (3, 2))
    co2 = allocate_fuel_totals(U, rng.uniform(0.5, 2, (3, 2)), totals, "abc", tuple("uvwxyz"), ("coa", "oil"))
    assert co2.sum(axis=2) == pytest.approx(totals, rel=1e-14)
    assert (co2[U == 0] == 0).all()


def test_co2_of_a_fuel_is_shared_among_its_users_in_proportion_to_their_purchases():
    U = np.array([[[1.0, 3.0, 0.0, 6.0]]])
    co2 = allocate_fuel_totals(U, np.array([[2.5]]), np.array([[50.0]]), ("R",), tuple("abch"), ("gas",))
    assert co2[0, 0] == pytest.approx([5.0, 15.0, 0.0, 30.0], rel=1e-14)


def test_national_co2_of_a_fuel_nobody_buys_moves_to_the_other_fuels_keeping_the_region_total_and_is_recorded():
    U = np.array([[[1.0, 1.0], [0.0, 0.0]]])
    fb = Fallbacks(echo=quiet)
    co2 = allocate_fuel_totals(U, np.ones((1, 2)), np.array([[30.0, 10.0]]), ("R",), ("a", "h"), ("coa", "gas"), fb)
    assert co2.sum() == pytest.approx(40.0, rel=1e-14) and co2[0, 1].sum() == 0
    assert fb.rows[0]["sector"] == "gas" and fb.rows[0]["amount"] == 10.0


def test_gcb_route_on_wiod_keeps_gcb_totals_by_region_and_fuel_and_cement_as_process_co2(gcb_built):
    r, _ = gcb_built
    b = r.benchmark
    cmap = sat.country_map(DEFAULT_SHARED / "wiod2013" / "regions.csv", r.aggregation.region_map,
                           r.aggregation.rest_of_world)
    gcp = sat.read_gcp_co2_by_fuel(DEFAULT_SHARED.joinpath(*GCP_BY_FUEL), MAPPINGS / GCP_COUNTRIES, 2011, cmap,
                                   b.regions)
    fuel_co2 = {"coa": gcp["coal_co2"], "oil": gcp["oil_co2"], "gas": gcp["gas_co2"] + gcp["flaring_co2"]}
    for f, want in fuel_co2.items():
        assert b.co2[:, b.sectors.index(f), :].sum(axis=1) == pytest.approx(want.to_numpy(), rel=1e-12), f
    assert b.co2p.sum(axis=1) == pytest.approx(gcp["cement_co2"].to_numpy(), rel=1e-12)
    assert (b.co2p[:, [k for k, j in enumerate(b.sectors) if j != "nmm"]] == 0).all()
    assert any("GCB 2019 national CO2 by fuel" in f["what"] for f in b.metadata["calibration"]["fallbacks"])


def test_gcb_route_on_wiod_2011_is_within_the_gate_and_prints_no_co2_warning(gcb_built):
    r, lines = gcb_built
    assert not [x for x in lines if "CO2 gate" in x]
    assert "co2_gcb_by_fuel_mt" in r.comparison.columns


def test_co2_gate_warns_for_each_region_more_than_10_percent_off_gcb():
    out = gcb_gate(np.array([100.0, 111.0, 89.0, 5.0]), np.array([100.0, 100.0, 100.0, 0.0]), ("A", "B", "C", "D"))
    assert [w.split(":")[0] for w in out] == ["B", "C"]
    assert "+11.0%" in out[0] and "-11.0%" in out[1]


def test_default_wiod_build_warns_that_jrc_rest_of_world_is_more_than_10_percent_above_gcb():
    lines = []
    build(BuildConfig(), echo=lines.append)
    warnings = [x for x in lines if "CO2 gate" in x]
    assert [w.split("CO2 gate: ")[1].split(":")[0] for w in warnings] == ["ROW"]


# ----- the route and its record -----------------------------------------------------------------------
def test_without_a_satellite_or_a_table_co2_comes_from_gcb_by_fuel_and_the_fallback_is_recorded(tmp_path):
    from calibration.aggregation import load_aggregation

    fb = Fallbacks(echo=quiet)
    assert co2_route(load_aggregation(_agg(tmp_path), DEFAULT_SHARED), has_satellite=False, fallbacks=fb) == \
        "gcb_by_fuel"
    assert "the source has no CO2 satellite" in fb.rows[0]["what"]
    fb = Fallbacks(echo=quiet)
    assert co2_route(load_aggregation(_agg(tmp_path), DEFAULT_SHARED), has_satellite=True, fallbacks=fb) == \
        "satellite"
    assert fb.rows == []


def test_a_users_co2_table_equal_to_jrc_gives_the_benchmark_of_the_jrc_satellite(tmp_path):
    _jrc_frame().to_csv(tmp_path / "my_co2.csv")
    r = build(BuildConfig(aggregation=_agg(tmp_path, table="my_co2.csv")), echo=quiet)
    default = read_benchmark(DEFAULT_OUT)
    assert r.benchmark.co2 == pytest.approx(default.co2, rel=1e-9, abs=1e-9)   # written to 12 digits
    assert r.benchmark.co2p == pytest.approx(default.co2p, rel=1e-9, abs=1e-9)
    assert "the user's table my_co2.csv" in r.benchmark.metadata["calibration"]["fallbacks"][0]["what"]


def test_co2_frame_interface_gives_users_in_source_order_whatever_the_frames_order():
    f = pd.DataFrame({"household": [1.0, 2.0], "s2": [3.0, 4.0], "s1": [5.0, 6.0]}, index=["B", "A"])
    T = co2_from_frame(f, ("A", "B"), ("s1", "s2"), "sat")
    assert T.tolist() == [[6.0, 4.0, 2.0], [5.0, 3.0, 1.0]]


@pytest.mark.parametrize("edit, label", [
    (lambda df: df.rename(index={"CHN": "XXX"}), "region 'XXX' is not in the source table"),
    (lambda df: df.drop(index="USA"), "region 'USA' of the source table is missing"),
    (lambda df: df.drop(columns="c5"), "column 'c5' of the source table is missing"),
    (lambda df: df.rename(columns={"c5": "C05"}), "column 'C05' is not in the source table"),
    (lambda df: df.assign(c3=-1.0), "is not a CO2 quantity"),
])
def test_a_co2_table_that_does_not_match_the_source_is_one_line_naming_the_file_and_the_label(
        tmp_path, capsys, edit, label):
    edit(_jrc_frame()).to_csv(tmp_path / "my_co2.csv")
    out = tmp_path / "out"
    assert main(["calibrate", str(_agg(tmp_path, table="my_co2.csv")), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "my_co2.csv" in err and label in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_an_unknown_co2_source_or_a_missing_table_is_an_error_naming_the_key(tmp_path, capsys):
    for co2, key in (({"source": "edgar"}, "co2.source"), ({"table": "nope.csv"}, "co2.table"),
                     ({"source": "table"}, "co2.table")):
        assert main(["calibrate", str(_agg(tmp_path, **co2)), "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err.strip()
        assert key in err and "\n" not in err


# ----- point 4: the year of the table ----------------------------------------------------------------
def test_energy_statistics_and_prices_are_taken_for_the_year_of_the_table():
    cmap = {"CHN": "CHN", "_rest": "ROW"}
    bp = DEFAULT_SHARED / "energy" / "bp2021_fossil_fuels_electricity.csv.gz"
    raw = pd.read_csv(bp)
    for year in (2009, 2011, 2017):
        got = sat.read_bp_energy(bp, year, cmap, ("CHN", "ROW"), "ROW")
        want = raw[(raw.iso3 == "CHN") & (raw.year == year)]["coal_production_mt"].iloc[0]
        assert got.loc["CHN", "coal_production_mt"] == pytest.approx(want, rel=1e-12)
    prices = DEFAULT_SHARED / "energy" / "bp2021_fossil_fuel_prices.csv"
    assert sat.read_prices(prices, 2010)["Brent"] != sat.read_prices(prices, 2011)["Brent"]


def test_a_year_outside_the_energy_data_takes_the_nearest_year_with_a_warning_and_a_fallback_entry():
    prices = DEFAULT_SHARED / "energy" / "bp2021_fossil_fuel_prices.csv"
    lines = []
    fb = Fallbacks(echo=lines.append)
    assert sat.read_prices(prices, 2023, fallbacks=fb) == sat.read_prices(prices, 2017)
    assert sat.read_prices(prices, 1995, fallbacks=fb) == sat.read_prices(prices, 2009)
    assert [r["amount"] for r in fb.rows] == [2017, 2009]
    assert "has no 2023 (covers 2009-2017): nearest year 2017 used" in lines[0]
    with pytest.raises(DataError, match="no rows for 2023"):
        sat.read_prices(prices, 2023)          # without a record to write it to, no silent substitution


def test_a_build_whose_year_the_energy_files_lack_uses_the_nearest_year_and_says_so_in_provenance(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    for d in DEFAULT_SHARED.iterdir():
        if d.name != "energy":
            (shared / d.name).symlink_to(d)
    (shared / "energy").mkdir()
    for f in (DEFAULT_SHARED / "energy").iterdir():
        if f.name.startswith("bp2021"):
            df = pd.read_csv(f, keep_default_na=False, na_values=[""])
            df[df["year"] != 2011].to_csv(shared / "energy" / f.name, index=False)
        else:
            (shared / "energy" / f.name).symlink_to(f)
    out = tmp_path / "out"
    assert main(["calibrate", str(_agg(tmp_path)), "--out", str(out), "--shared", str(shared), "--quiet"]) == 0
    text = (out / "PROVENANCE.md").read_text()
    assert "bp2021_fossil_fuel_prices.csv has no 2011 (covers 2009-2017): nearest year 2012 used" in text
    assert "bp2021_fossil_fuels_electricity.csv.gz has no 2011" in text


def test_a_sources_own_co2_accounts_are_its_satellite_ahead_of_jrc(tmp_path, monkeypatch):
    """A source carrying CO2 accounts (``MRIO.co2``, EXIOBASE's) has them used as its satellite: here the
    JRC table scaled by 1.5 as the source's accounts gives 1.5 times the JRC benchmark's CO2."""
    import calibration.build as calibration_build

    read = calibration_build.read_source

    def with_accounts(*args, **kwargs):
        m = read(*args, **kwargs)
        m.co2 = 1.5 * _jrc_frame().T          # industries and household x regions, Mt
        return m
    monkeypatch.setattr(calibration_build, "read_source", with_accounts)
    r = build(BuildConfig(aggregation=_agg(tmp_path)), echo=quiet)
    default = read_benchmark(DEFAULT_OUT)
    assert r.benchmark.co2.sum() + r.benchmark.co2p.sum() == pytest.approx(
        1.5 * (default.co2.sum() + default.co2p.sum()), rel=1e-9)
    assert not r.benchmark.metadata["calibration"].get("fallbacks")      # the satellite route: no CO2 fallback
