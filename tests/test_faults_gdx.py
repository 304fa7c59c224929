"""Fault suite, GDX files: a corrupt file is one line naming the file and the symbol (the Rust
reader's panic is no traceback), `cge gtap-export` never writes into its input dataset, writes
files with the permissions of any new file and names the user's path in its errors, and a GDX
file it wrote reads back with the elasticities it was written with (no generic-defaults warning)."""

import os

import pytest
from faults import child, cli, one_clean_error, snapshot, tmpfs

pytest.importorskip("polars_gdx")

from cge.data import gtap  # noqa: E402
from cge.data.benchmark import write_benchmark  # noqa: E402
from cge.data.elasticities import for_benchmark, generic_warning  # noqa: E402
from cge.data.synthetic import random_benchmark, with_gtap_wedges  # noqa: E402


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    b = with_gtap_wedges(random_benchmark(3, 8, seed=1), seed=2)
    return write_benchmark(b, tmp_path_factory.mktemp("data") / "bench")


@pytest.fixture(scope="module")
def exported(dataset, tmp_path_factory):
    path = tmp_path_factory.mktemp("gdx") / "bench.gdx"
    rc, _, err = cli("gtap-export", dataset, path)
    assert rc == 0, err
    return path


@pytest.fixture(scope="module")
def corrupt(exported, tmp_path_factory):
    """The export with 64 bytes in the middle overwritten."""
    good = exported.read_bytes()
    mid = len(good) // 2
    path = tmp_path_factory.mktemp("bad") / "corrupt.gdx"
    path.write_bytes(good[:mid] + bytes([0xAB]) * 64 + good[mid + 64:])
    return path


# ----------------------------------------------------------------------------- corrupt files
@pytest.mark.parametrize("command", [["validate", "{gdx}"], ["gtap-import", "{gdx}", "--out", "{tmp}/out"],
                                     ["compare", "--data", "{gdx}", "--out", "{tmp}/out"]])
def test_a_corrupt_gdx_file_is_one_line_naming_the_file_and_the_symbol(tmp_path, corrupt, command):
    """A child process: the reader's panic prints its backtrace on file descriptor 2 itself."""
    r = child(*[a.format(gdx=corrupt, tmp=tmp_path) for a in command])
    one_clean_error(r.returncode, r.stderr, str(corrupt), "cannot read symbol", "corrupt")
    assert "panicked" not in r.stderr and "backtrace" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- gtap-export targets
@pytest.mark.parametrize("name", ["vom.csv", "metadata.yaml", "new.gdx"])
def test_gtap_export_never_writes_into_its_input_dataset_even_with_force(dataset, name):
    before = snapshot(dataset)
    rc, _, err = cli("gtap-export", dataset, dataset / name, "--force")
    one_clean_error(rc, err, str(dataset / name), "inside the input dataset")
    assert snapshot(dataset) == before


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exported_gdx_permissions_follow_the_umask(tmp_path, dataset, umask, mode):
    old = os.umask(umask)
    try:
        rc, _, err = cli("gtap-export", dataset, tmp_path / "w.gdx")
    finally:
        os.umask(old)
    assert rc == 0, err
    assert (tmp_path / "w.gdx").stat().st_mode & 0o777 == mode


def test_gtap_export_to_a_read_only_disk_names_the_path_given(tmp_path, dataset):
    with tmpfs(tmp_path / "ro", "ro,size=64k") as mnt:
        rc, _, err = cli("gtap-export", dataset, mnt / "w.gdx")
    one_clean_error(rc, err, f"{mnt / 'w.gdx'}: ", "Read-only file system")
    assert ".w.gdx." not in err


def test_gtap_export_to_a_full_disk_is_an_error_naming_the_path_and_leaves_nothing(tmp_path, dataset):
    """The GDX library reports no failed write: a full disk used to leave a truncated file and exit 0."""
    with tmpfs(tmp_path / "full", "size=8k") as mnt:
        rc, _, err = cli("gtap-export", dataset, mnt / "w.gdx")
        left = sorted(p.name for p in mnt.iterdir())
    one_clean_error(rc, err, f"{mnt / 'w.gdx'}: ", "incomplete")
    assert ".w.gdx." not in err
    assert left == []


def test_gtap_export_to_a_folder_is_refused(tmp_path, dataset):
    (tmp_path / "folder").mkdir()
    rc, _, err = cli("gtap-export", dataset, tmp_path / "folder", "--force")
    one_clean_error(rc, err, str(tmp_path / "folder"), "is a folder")


# ----------------------------------------------------------------------------- elasticities
def test_a_gdx_file_written_by_gtap_export_reads_back_with_its_elasticities_and_no_warning(dataset, exported):
    from cge.data.benchmark import read_benchmark
    original, back = read_benchmark(dataset), gtap.read_gtap(exported)
    assert generic_warning(original) is not None    # the synthetic codes get the generic defaults ...
    assert generic_warning(back) is None            # ... which the export records: nothing generic remains
    assert for_benchmark(back).table == for_benchmark(original).table


def test_the_round_trip_of_the_shipped_dataset_keeps_its_own_elasticity_table(tmp_path):
    from cge.data.datasets import default_dataset_path, read_dataset
    data = default_dataset_path()
    if not data.exists():
        pytest.skip("shipped dataset not built")
    rc, _, err = cli("gtap-export", data, tmp_path / "w.gdx")
    assert rc == 0, err
    original, back = read_dataset(data), gtap.read_gtap(tmp_path / "w.gdx")
    assert generic_warning(back) is None
    got, want = for_benchmark(back).table, for_benchmark(original).table
    assert {p: set(v) for p, v in got.items()} == {p: set(v) for p, v in want.items()}
    for p, by in want.items():
        assert [got[p][s] for s in by] == pytest.approx(list(by.values()), rel=1e-12), p


def test_the_warning_of_an_aggregated_gdx_file_lists_only_the_values_that_are_generic(exported):
    """Aggregating sectors drops the written table (it names the old codes); GTAP's esubdm and
    esubva still give sigma_dm and sigma_va, so the warning must not call them generic."""
    codes = gtap.read_gtap_arrays(exported).sectors
    sectors = {s: ("eite" if s.startswith("eite") else s) for s in codes}
    back = gtap.read_gtap(exported, sectors=sectors)
    warning = generic_warning(back)
    assert warning is not None
    assert "sigma_klem=" in warning["message"]
    assert "sigma_dm=" not in warning["message"] and "sigma_va=" not in warning["message"]
    assert "sigma_mm=2*sigma_dm" in warning["message"]
