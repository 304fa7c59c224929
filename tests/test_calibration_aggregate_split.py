"""Aggregation through mapping files and data-driven sector splits preserve what they must."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.aggregate import aggregate, read_mapping
from calibration.energy_splits import mining_shares
from calibration.mrio import totals
from calibration.split import split_sector
from cge.errors import DataError

pymrio = pytest.importorskip("pymrio")
from calibration.readers.pymrio_reader import from_pymrio  # noqa: E402


@pytest.fixture(scope="module")
def m():
    return from_pymrio(pymrio.load_test(), emissions="emissions")


def _write(path, text):
    path.write_text(text)
    return path


def test_aggregation_preserves_every_total(m):
    a = aggregate(m, regions={r: ("north" if r in ("reg1", "reg2") else "south") for r in m.regions},
                  sectors={s: ("energy" if s in ("mining", "electricity") else s) for s in m.sectors})
    t0, t1 = totals(m), totals(a)
    for key in ("output", "intermediate", "final_demand", "value_added_residual"):
        assert t1[key] == pytest.approx(t0[key], rel=1e-13), key
    assert np.allclose(a.E.sum(axis=(1, 2)), m.E.sum(axis=(1, 2)), rtol=1e-13)
    assert a.regions == ("north", "south")


def test_trade_within_an_aggregate_region_becomes_domestic(m):
    a = aggregate(m, regions={r: "world" for r in m.regions})
    assert a.Z.sum() == pytest.approx(m.Z.sum(), rel=1e-13)
    assert a.Z.shape[0] == 1


def test_mapping_with_unknown_code_fails_naming_it(m, tmp_path):
    p = _write(tmp_path / "map.csv", "source,target\n" + "".join(f"{r},X\n" for r in m.regions) + "reg9,X\n")
    with pytest.raises(DataError, match=r"unknown region 'reg9'"):
        read_mapping(p, m.regions, what="region")


def test_mapping_with_duplicated_code_fails_naming_it(m, tmp_path):
    p = _write(tmp_path / "map.csv", "source,target\n" + "".join(f"{r},X\n" for r in m.regions) + "reg1,Y\n")
    with pytest.raises(DataError, match=r"row 8: region 'reg1' is mapped twice \(to 'X' and to 'Y'\)"):
        read_mapping(p, m.regions, what="region")


def test_mapping_with_unmapped_code_fails_naming_it(m, tmp_path):
    p = _write(tmp_path / "map.csv", "source,target\n" + "".join(f"{r},X\n" for r in m.regions[:-1]))
    with pytest.raises(DataError, match=r"region 'reg6' of the data is unmapped"):
        read_mapping(p, m.regions, what="region")


def test_missing_mapping_file_is_named(tmp_path):
    with pytest.raises(DataError, match="nothere.csv: mapping file is missing"):
        read_mapping(tmp_path / "nothere.csv")


WEIGHTS = {"coal": {"electricity": 5.0, "*": 0.1}, "metal": {"*": 1.0}}


def _split(m, shares=None):
    shares = np.tile([0.3, 0.7], (len(m.regions), 1)) if shares is None else shares
    return split_sector(m, "mining", ["coal", "metal"], shares, WEIGHTS)


def test_split_children_sum_to_their_parent_cell_by_cell(m):
    s = _split(m)
    p, k = m.sectors.index("mining"), [s.sectors.index("coal"), s.sectors.index("metal")]
    others_old = [j for j, c in enumerate(m.sectors) if c != "mining"]
    others_new = [s.sectors.index(m.sectors[j]) for j in others_old]
    # rows: the parent's sales to every other buyer equal the children's sales
    assert np.allclose(s.Z[:, k][:, :, :, others_new].sum(axis=1), m.Z[:, p][:, :, others_old], rtol=1e-10)
    assert np.allclose(s.Y[:, k].sum(axis=1), m.Y[:, p], rtol=1e-10)
    # columns: the children's inputs and output sum to the parent's
    assert np.allclose(s.Z[:, others_new][:, :, :, k].sum(axis=3), m.Z[:, others_old][:, :, :, p], rtol=1e-12)
    assert np.allclose(s.x[:, k].sum(axis=1), m.x[:, p], rtol=1e-12)
    assert np.allclose(s.E[:, :, k].sum(axis=2), m.E[:, :, p], rtol=1e-12)
    for key, v in totals(m).items():
        if key not in ("nonzeros", "max_abs_row_gap"):
            assert totals(s)[key] == pytest.approx(v, rel=1e-10), key


def test_split_children_sell_their_share_of_output(m):
    s = _split(m)
    rows = s.Z.sum(axis=(2, 3)) + s.Y.sum(axis=(2, 3))
    k = [s.sectors.index("coal"), s.sectors.index("metal")]
    assert np.allclose(rows[:, k], s.x[:, k], rtol=1e-8)
    assert np.allclose(s.x[:, k[0]] / (s.x[:, k[0]] + s.x[:, k[1]]), 0.3)


def test_use_weights_steer_a_child_to_its_buyers(m):
    s = _split(m)
    e = s.sectors.index("electricity")
    coal, metal = s.sectors.index("coal"), s.sectors.index("metal")
    share_to_ele = lambda i: s.Z[:, i, :, e].sum() / (s.Z[:, i].sum() + s.Y[:, i].sum())  # noqa: E731
    assert share_to_ele(coal) > share_to_ele(metal)


def test_split_shares_that_do_not_sum_to_one_fail_naming_the_region(m):
    shares = np.tile([0.3, 0.7], (len(m.regions), 1))
    shares[2] = [0.3, 0.6]
    with pytest.raises(DataError, match=r"output shares of mining in reg3 sum to 0.9, not 1"):
        _split(m, shares)


def test_negative_split_share_fails(m):
    shares = np.tile([1.2, -0.2], (len(m.regions), 1))
    with pytest.raises(DataError, match="must be non-negative"):
        _split(m, shares)


def test_mining_split_keeps_the_other_mining_floor():
    import pandas as pd

    bp = pd.DataFrame({"coal_production_mt": [100.0, 1.0], "oil_production_mt": [100.0, 0.0],
                       "gas_production_bcm": [10.0, 0.0]}, index=["A", "B"])
    price = pd.DataFrame({"coal": [100.0, 100.0], "oil": [100.0, 100.0], "gas": [5.0, 5.0]}, index=["A", "B"])
    par = {"barrels_per_tonne_crude": 7.33, "mmbtu_per_bcm_gas": 35.7, "other_mining_min_share": 0.1}
    sh = mining_shares(np.array([1000.0, 1000.0]), bp, price, par)
    assert np.allclose(sh[["coa", "cru", "ngs", "omn"]].sum(axis=1), 1.0)
    assert sh.loc["A", "omn"] == pytest.approx(0.1)          # fossil value 83,000 > 90% of 1,000: scaled
    assert sh.loc["B", "coa"] == pytest.approx(0.1)          # 1 Mt × 100 USD/t = 100 of 1,000
    assert sh.loc["A", "cru"] / sh.loc["A", "coa"] == pytest.approx(7.33)
