"""The default dataset built from ../shared/data (WIOD 2011 + JRC CO2): identities, emission
targets, replication in the model, bad input. Skipped when the shared data are absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from calibration.build import DEFAULT_OUT, DEFAULT_SHARED, BuildConfig, build, run
from calibration.sources import MAPPINGS
from cge.data.benchmark import WRITTEN_RTOL, identity_gaps, is_close, read_benchmark
from cge.errors import DataError

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz").exists(),
    reason=f"shared data not found at {DEFAULT_SHARED} (the WIOD tests need ../shared/data)",
)

NAMED_REGION_TOLERANCE = 0.10   # |JRC − GCB| / GCB for the named regions (stated in PROVENANCE.md)
ROW_TOLERANCE = 0.25            # the rest of the world is the least comparable aggregate


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "wiod2011"
    result = run(BuildConfig(out=out), echo=quiet)
    return result, out


def test_wiod_reader_finds_the_world_output_of_the_readme():
    from calibration.readers.wiod2013 import read_wiod_wide

    m = read_wiod_wide(DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz")
    assert m.x.sum() == 141_767_904
    assert m.Z.sum() == 72_440_092 and m.Y.sum() == 69_268_600
    assert (m.regions[0], m.regions[-1], len(m.regions), len(m.sectors)) == ("AUS", "RoW", 41, 35)


def test_identities_hold_to_1e_9_after_rebalancing(built):
    _, out = built
    b = read_benchmark(out, tolerance=1e-9)
    for identity, (gap, _) in identity_gaps(b).items():
        assert gap < WRITTEN_RTOL, identity        # read back from files written to 12 significant digits


def test_region_co2_matches_the_jrc_totals_exactly(built):
    result, _ = built
    b = result.benchmark
    jrc = result.comparison.set_index("region")["co2_jrc_mt"].reindex(b.regions).to_numpy()
    assert np.allclose(b.emissions, jrc, rtol=1e-10)


def test_region_co2_is_within_the_stated_tolerance_of_gcb_and_edgar(built):
    result, _ = built
    b = result.benchmark
    cmp = result.comparison.set_index("region").reindex(b.regions)
    for ref in ("co2_gcb_territorial_mt", "co2_edgar_mt"):
        diff = np.abs(b.emissions / cmp[ref].to_numpy() - 1)
        for r, d in zip(b.regions, diff):
            assert d < (ROW_TOLERANCE if r == "ROW" else NAMED_REGION_TOLERANCE), (r, ref, d)


def test_cement_is_process_co2_of_non_metallic_minerals_only(built):
    b = built[0].benchmark
    nmm = b.sectors.index("nmm")
    assert (b.co2p[:, nmm] > 0).all()
    assert not np.delete(b.co2p, nmm, axis=1).any()
    assert 1000 < b.co2p.sum() < 2500   # world cement CO2 in 2011 is about 1.5-1.6 Gt


def test_crude_oil_carries_no_emissions_and_fuels_match_owid_mix(built):
    result, _ = built
    b = result.benchmark
    assert not b.co2[:, b.sectors.index("cru")].any()
    d = result.emission_diagnostics
    assert np.allclose(d["allocated_mt"], d["owid_mix_target_mt"], rtol=1e-6)


def test_every_fuel_cell_with_emissions_has_a_fuel_flow(built):
    b = built[0].benchmark
    use = np.concatenate([b.vid, b.vc[:, :, None]], axis=2)
    assert not ((b.co2 > 0) & (use <= 0)).any()


def test_sets_tags_and_groups_are_as_decided(built):
    b = built[0].benchmark
    assert b.regions == ("EU27", "USA", "OAI", "RUS", "CHN", "IND", "EME", "ROW")
    assert set(b.tags.fossil) == {"coa", "oil", "gas"} and b.tags.crude == ("cru",)
    assert set(b.tags.resource) == {"coa", "cru", "gas"} and b.tags.electricity == ("ele",)
    assert set(b.tags.eite) == {"chm", "nmm", "met"}
    assert set(b.tags.region_groups) == {"annex1", "non_annex1", "developed", "developing"}
    assert set(b.region_group("annex1")) == {"EU27", "USA", "OAI", "RUS"}
    assert b.factors == ("labour", "capital")
    assert (b.pop > 0).all() and 6900 < b.pop.sum() < 7100


def test_investment_is_non_negative_cell_by_cell(built):
    b = built[0].benchmark
    assert (b.vi >= 0).all()


def test_build_is_deterministic_and_the_committed_dataset_is_current(built):
    repo_data = DEFAULT_OUT
    if not repo_data.exists():
        pytest.skip("data/wiod2011 has not been built")
    committed = read_benchmark(repo_data, tolerance=1e-9)
    assert is_close(committed, built[0].benchmark, rtol=1e-9)
    size = sum(p.stat().st_size for p in repo_data.rglob("*") if p.is_file())
    assert size < 1_000_000


def test_default_dataset_replicates_its_benchmark_in_the_model(built):
    pytest.importorskip("cge.bca.model")
    from pyomo.environ import Constraint, value

    from cge.bca.model import BCAModel
    from cge.scenarios.spec import Scenario

    model = BCAModel(read_benchmark(built[1]), Scenario(name="benchmark"))
    worst = 0.0
    for c in model.pyomo.component_data_objects(Constraint, active=True):
        body = value(c.body)
        lo = value(c.lower) if c.lower is not None else body
        up = value(c.upper) if c.upper is not None else body
        worst = max(worst, lo - body, body - up)
    assert worst < 1e-8


# ----- bad input: one message naming the file or code; nothing half-written -------------------


def _shared_copy(tmp_path) -> Path:
    shared = tmp_path / "shared"
    shutil.copytree(DEFAULT_SHARED, shared)
    for p in shared.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return shared


def _mappings_copy(tmp_path) -> Path:
    m = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, m, ignore=shutil.ignore_patterns("__pycache__"))
    return m


def _assert_nothing_written(out: Path):
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


def test_missing_input_file_stops_naming_it_and_writes_nothing(tmp_path):
    shared = _shared_copy(tmp_path)
    (shared / "energy" / "jrc_wiod2016_co2_by_industry_2000_2016.csv.gz").unlink()
    out = tmp_path / "out" / "wiod2011"
    out.parent.mkdir()
    with pytest.raises(DataError, match="jrc_wiod2016_co2_by_industry_2000_2016.csv.gz: required input file"):
        run(BuildConfig(shared=shared, out=out), echo=quiet)
    _assert_nothing_written(out)


def test_unmapped_region_code_stops_naming_it(tmp_path):
    from calibration.build import DEFAULT_AGGREGATION

    agg = tmp_path / "agg.yaml"
    agg.write_text(DEFAULT_AGGREGATION.read_text().replace("MEX, TWN]", "MEX]"))
    with pytest.raises(DataError, match="agg.yaml: regions: source region 'TWN' is unmapped"):
        build(BuildConfig(aggregation=agg), echo=quiet)


def test_split_emission_shares_not_summing_to_one_stop_naming_the_parent(tmp_path):
    maps = _mappings_copy(tmp_path)
    p = maps / "split_children.csv"
    p.write_text(p.read_text().replace("c17,gdt,Gas manufacture and distribution,0,",
                                       "c17,gdt,Gas manufacture and distribution,0.2,"))
    with pytest.raises(DataError, match=r"split c17 \(utilities\): emission shares of c17 in EU27 sum to 1.2"):
        build(BuildConfig(mappings=maps), echo=quiet)


def test_negative_output_in_the_wiod_table_stops_naming_the_row(tmp_path):
    import pandas as pd

    shared = _shared_copy(tmp_path)
    path = shared / "wiod2013" / "wiot_2011_wide.csv.gz"
    df = pd.read_csv(path, dtype={0: str, 1: str})
    df.loc[5, "GO"] = -1
    df.to_csv(path, index=False)
    out = tmp_path / "o" / "wiod2011"
    with pytest.raises(DataError, match=r"row 7 \(AUS c6\): negative GO value -1"):
        run(BuildConfig(shared=shared, out=out), echo=quiet)
    assert not out.exists()
