"""The MRIO object, its CSV layout and the pymrio bridge: lossless round trips, plain errors."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.mrio import equal, read_csv, row_gap, write_csv
from cge.errors import DataError

pymrio = pytest.importorskip("pymrio")
from calibration.readers.pymrio_reader import from_pymrio, to_pymrio  # noqa: E402


@pytest.fixture(scope="module")
def pymrio_system():
    return from_pymrio(pymrio.load_test(), value_added="factor_inputs", emissions="emissions")


def test_pymrio_test_system_keeps_every_flow(pymrio_system):
    io = pymrio.load_test()
    m = pymrio_system
    assert m.Z.sum() == pytest.approx(io.Z.to_numpy().sum(), rel=1e-14)
    assert m.Y.sum() == pytest.approx(io.Y.to_numpy().sum(), rel=1e-14)
    assert m.VA.sum() == pytest.approx(io.factor_inputs.F.to_numpy().sum(), rel=1e-14)
    assert m.stressors == ("emission_type1 | air", "emission_type2 | water")
    assert np.abs(row_gap(m)).max() < 1e-6 * m.x.max()


def test_csv_layout_round_trip_is_lossless(pymrio_system, tmp_path):
    write_csv(pymrio_system, tmp_path / "mrio")
    assert equal(read_csv(tmp_path / "mrio"), pymrio_system)


def test_pymrio_round_trip_is_lossless(pymrio_system):
    back = from_pymrio(to_pymrio(pymrio_system), value_added="factor_inputs", emissions="emissions")
    assert equal(back, pymrio_system)
    assert back.stressor_units == pymrio_system.stressor_units


def test_missing_file_is_named(pymrio_system, tmp_path):
    write_csv(pymrio_system, tmp_path / "m")
    (tmp_path / "m" / "output.csv").unlink()
    with pytest.raises(DataError, match="output.csv: required file is missing"):
        read_csv(tmp_path / "m")


def test_malformed_row_is_named_by_file_and_row(pymrio_system, tmp_path):
    write_csv(pymrio_system, tmp_path / "m")
    path = tmp_path / "m" / "intermediate.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",twelve"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"intermediate.csv, row 4: value 'twelve'"):
        read_csv(tmp_path / "m")


def test_negative_output_is_named(pymrio_system, tmp_path):
    write_csv(pymrio_system, tmp_path / "m")
    path = tmp_path / "m" / "output.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",-5"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"output.csv, row 3: negative value -5"):
        read_csv(tmp_path / "m")


def test_unknown_code_in_csv_is_named(pymrio_system, tmp_path):
    write_csv(pymrio_system, tmp_path / "m")
    path = tmp_path / "m" / "output.csv"
    path.write_text(path.read_text().replace("reg2,", "regX,", 1))
    with pytest.raises(DataError, match="unknown region code 'regX'"):
        read_csv(tmp_path / "m")


def _tiny_wide(path, go="30"):
    path.write_text(
        "row_region,row_sector,A.s1,A.s2,A.CONS_h,GO\n"
        "A,s1,1,2,20,23\n"
        f"A,s2,3,4,23,{go}\n"
    )


def test_wiod_reader_reads_a_tiny_wide_table(tmp_path):
    from calibration.readers.wiod2013 import read_wiod_wide

    _tiny_wide(tmp_path / "w.csv")
    m = read_wiod_wide(tmp_path / "w.csv")
    assert m.regions == ("A",) and m.sectors == ("s1", "s2") and m.categories == ("CONS_h",)
    assert m.Z[0, 1, 0, 0] == 3 and m.Y[0, 1, 0, 0] == 23 and m.x[0, 1] == 30


def test_wiod_reader_names_a_negative_output_row(tmp_path):
    from calibration.readers.wiod2013 import read_wiod_wide

    _tiny_wide(tmp_path / "w.csv", go="-30")
    with pytest.raises(DataError, match=r"row 3 \(A s2\): negative GO"):
        read_wiod_wide(tmp_path / "w.csv")


def test_wiod_reader_names_a_malformed_cell(tmp_path):
    from calibration.readers.wiod2013 import read_wiod_wide

    _tiny_wide(tmp_path / "w.csv", go="abc")
    with pytest.raises(DataError, match=r"row 3 \(A s2\), column GO: value 'abc'"):
        read_wiod_wide(tmp_path / "w.csv")


def test_wiod_reader_names_a_missing_file(tmp_path):
    from calibration.readers.wiod2013 import read_wiod_wide

    with pytest.raises(DataError, match="nope.csv.gz: WIOD table file is missing"):
        read_wiod_wide(tmp_path / "nope.csv.gz")
