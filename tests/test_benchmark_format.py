"""The model-ready benchmark format: lossless round trip, and every identity and sign rule
enforced with a message naming the file, row or cell."""

import numpy as np
import pandas as pd
import pytest

from cge.data.benchmark import (
    SIGNIFICANT_DIGITS,
    WRITTEN_RTOL,
    identity_gaps,
    is_close,
    read_benchmark,
    validate,
    write_benchmark,
)
from cge.data.synthetic import random_benchmark
from cge.errors import DataError


@pytest.fixture()
def bench():
    return random_benchmark(3, 7, seed=5)


@pytest.fixture()
def folder(tmp_path, bench):
    return write_benchmark(bench, tmp_path / "b")


def test_round_trip_through_the_csv_format_at_full_precision_is_lossless(bench, tmp_path):
    back = read_benchmark(write_benchmark(bench, tmp_path / "exact", float_format="%.17g"))
    assert is_close(bench, back, rtol=0)


def _significant_digits(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].replace(".", "")
    return len(mantissa.lstrip("0"))


def test_written_numbers_are_rounded_to_the_stated_significant_digits_and_pass_every_gate(bench, folder):
    written = [v for name in ("vom", "vid", "vfm", "vxmd", "co2")
               for v in pd.read_csv(folder / f"{name}.csv", dtype=str)["value"]]
    assert max(_significant_digits(v) for v in written) == SIGNIFICANT_DIGITS
    back = read_benchmark(folder)                       # every identity and sign gate passes on the rounded data
    assert is_close(bench, back, rtol=WRITTEN_RTOL)
    assert all(gap < WRITTEN_RTOL for gap, _ in identity_gaps(back).values())


def test_writer_replaces_its_own_earlier_files_and_keeps_the_users(bench, folder):
    import yaml

    from cge.io.outdir import MARKER

    marker = yaml.safe_load((folder / MARKER).read_text())
    (folder / MARKER).write_text(yaml.safe_dump({**marker, "files": [*marker["files"], "stale.csv"]}))
    (folder / "stale.csv").write_text("old")          # written by the earlier run, not by this one
    (folder / "notes.txt").write_text("mine")         # written by the user
    write_benchmark(bench, folder)
    assert not (folder / "stale.csv").exists()
    assert (folder / "notes.txt").read_text() == "mine"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".b")]


def test_balanced_benchmark_has_no_identity_gap(bench):
    assert all(gap < 1e-12 for gap, _ in identity_gaps(bench).values())


def test_unbalanced_zero_profit_names_the_worst_sector(bench):
    bench.vfm[1, 0, 4] += 5.0  # region r2, labour, sector ele
    with pytest.raises(DataError, match=r"zero profit.*r2/ele"):
        validate(bench)


def test_unbalanced_market_names_the_worst_cell(bench):
    bench.fd[0, 6, 0] += 3.0
    with pytest.raises(DataError, match=r"Armington market clearance.*r1/"):
        validate(bench)


def test_negative_flow_is_named(bench):
    bench.vid[2, 1, 3] = -1.0
    with pytest.raises(DataError, match=r"vid: value -1 at \('r3', 'cru', 'oil'\)"):
        validate(bench)


def test_exports_above_output_are_named(bench):
    bench.vxmd[5, 0, 1] += bench.vom[0, 5] * 2
    with pytest.raises(DataError, match="exceed its output"):
        validate(bench)


def test_emissions_without_fuel_use_are_named(bench):
    k = bench.sectors.index("gas")
    bench.vid[0, k, 5] = 0.0
    bench.co2[0, k, 5] = 1.0
    with pytest.raises(DataError, match="that fuel flow is zero"):
        validate(bench, tolerance=1.0)


@pytest.mark.parametrize("file, column, bad, message", [
    ("vom.csv", "value", "abc", r"vom.csv, row 2: value 'abc' is not a number"),
    ("vom.csv", "value", "", r"vom.csv, row 2: value is missing \(empty cell\)"),
    ("vid.csv", "region", "ZZZ", r"vid.csv, row 2: unknown region code 'ZZZ'"),
    ("co2.csv", "user", "nobody", r"co2.csv, row 2: unknown user code 'nobody'"),
])
def test_malformed_cell_names_file_and_row(folder, file, column, bad, message):
    df = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    df.loc[0, column] = bad
    df.to_csv(folder / file, index=False)
    with pytest.raises(DataError, match=message):
        read_benchmark(folder)


def test_duplicate_row_is_named(folder):
    df = pd.read_csv(folder / "vfm.csv", dtype=str)
    pd.concat([df, df.iloc[[3]]]).to_csv(folder / "vfm.csv", index=False)
    with pytest.raises(DataError, match=rf"vfm.csv, row {len(df) + 2}: duplicate entry"):
        read_benchmark(folder)


def test_missing_file_and_missing_sets_are_named(folder):
    (folder / "vxmd.csv").unlink()
    with pytest.raises(DataError, match="vxmd.csv: required file is missing"):
        read_benchmark(folder)


def test_unknown_tag_in_metadata_is_named(folder):
    meta = (folder / "metadata.yaml").read_text().replace("  eite:", "  eitee:")
    (folder / "metadata.yaml").write_text(meta)
    with pytest.raises(DataError, match="unknown tag"):
        read_benchmark(folder)


def test_derived_quantities_follow_the_spec(bench):
    assert np.allclose(bench.vdm, bench.vom - bench.vxmd.sum(axis=2).T)
    assert bench.bop.sum() == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(bench.va, bench.vid.sum(axis=2) + bench.fd.sum(axis=2))
