"""Where a benchmark comes from (cge.data.datasets) and the dataset checks that must name the file."""

import numpy as np
import pytest
import yaml

from cge.data.benchmark import read_benchmark, write_benchmark
from cge.data.datasets import load_benchmark, parse_synthetic, read_dataset
from cge.data.elasticities import PARAMETERS, default_values, for_benchmark
from cge.data.synthetic import random_benchmark
from cge.errors import CGEError, DataError


def test_synthetic_option_gives_the_seeded_random_benchmark():
    b, label = load_benchmark(synthetic="3x7:4")
    ref = random_benchmark(3, 7, 4)
    assert label == "synthetic 3x7 (seed 4)"
    assert np.array_equal(b.vom, ref.vom) and np.array_equal(b.vxmd, ref.vxmd)


@pytest.mark.parametrize("text", ["5by8", "5x", "x8:1", "5x8:one"])
def test_malformed_synthetic_size_is_one_clear_error(text):
    with pytest.raises(CGEError, match=r"expected REGIONSxSECTORS\[:SEED\]"):
        parse_synthetic(text)


def test_synthetic_size_below_the_minimum_names_the_option():
    with pytest.raises(CGEError, match=r"--synthetic '1x8'.*n_regions must be at least 2"):
        load_benchmark(synthetic="1x8")


def test_data_folder_reads_the_same_benchmark_as_read_benchmark(tmp_path):
    write_benchmark(random_benchmark(3, 7, 1), tmp_path / "d")
    b, label = load_benchmark(data=tmp_path / "d")
    assert label == str(tmp_path / "d")
    assert np.array_equal(b.vid, read_benchmark(tmp_path / "d").vid)
    assert np.array_equal(read_dataset(str(tmp_path / "d")).fd, b.fd)


def test_missing_shipped_dataset_falls_back_to_synthetic_with_a_note(tmp_path, monkeypatch, capsys):
    import cge.data.datasets

    monkeypatch.delenv("CGE_DATA", raising=False)
    monkeypatch.setattr(cge.data.datasets, "shipped_dataset_path", lambda: tmp_path / "not-built")
    b, label = load_benchmark()
    assert b.metadata["synthetic"] and "default dataset not built" in label
    assert "not found; running on a SYNTHETIC 5x8 benchmark" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["missing", "empty folder", "a plain file"])
def test_an_unusable_cge_data_is_an_error_naming_the_variable_and_the_path(tmp_path, monkeypatch, kind):
    path = tmp_path / "wiod2O11"                       # a typo: letter O for zero
    if kind == "empty folder":
        path.mkdir()
    elif kind == "a plain file":
        path.write_text("not a dataset\n")
    monkeypatch.setenv("CGE_DATA", str(path))
    with pytest.raises(CGEError) as err:
        load_benchmark()
    assert str(err.value).startswith(f"CGE_DATA={path}: ")


def test_a_mistyped_cge_data_stops_compare_before_writing_anything(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, CGE_DATA=str(tmp_path / "no-such-dataset"))
    p = subprocess.run([sys.executable, "-m", "cge.cli", "compare", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [p.stderr.strip()]          # one line
    assert "CGE_DATA=" in p.stderr and "no-such-dataset" in p.stderr and "SYNTHETIC" not in p.stderr
    assert not (tmp_path / "out").exists()


def _dataset_with_elasticity_table(tmp_path, table):
    folder = tmp_path / "d"
    write_benchmark(random_benchmark(3, 7, 1), folder)
    meta_path = folder / "metadata.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta["elasticities"] = table
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=False))
    return folder


def _full_table(sectors):
    return {p: {**{s: (None if p == "sigma_mm" else 0.5) for s in sectors}, "*": 0.5} for p in PARAMETERS}


def test_bad_dataset_elasticity_table_names_the_full_metadata_path_when_read(tmp_path):
    sectors = random_benchmark(3, 7, 1).sectors
    table = _full_table(sectors)
    del table["sigma_kle"][sectors[2]]
    folder = _dataset_with_elasticity_table(tmp_path, table)
    with pytest.raises(DataError) as err:
        read_benchmark(folder)
    assert str(err.value).startswith(f"{folder / 'metadata.yaml'}: elasticities.sigma_kle: no value for sector")


def test_negative_dataset_elasticity_names_file_parameter_and_sector(tmp_path):
    sectors = random_benchmark(3, 7, 1).sectors
    table = _full_table(sectors)
    table["sigma_dm"][sectors[0]] = -1.0
    folder = _dataset_with_elasticity_table(tmp_path, table)
    with pytest.raises(DataError, match=rf"^{folder / 'metadata.yaml'}: elasticities.sigma_dm.{sectors[0]}: -1.0 "
                       "must be non-negative"):
        read_benchmark(folder)


def test_valid_dataset_elasticity_table_is_used_instead_of_the_defaults(tmp_path):
    b = read_benchmark(_dataset_with_elasticity_table(tmp_path, _full_table(random_benchmark(3, 7, 1).sectors)))
    el = for_benchmark(b)
    assert el("sigma_kle", b.sectors[0]) == 0.5
    assert el("sigma_mm", b.sectors[0]) == 1.0          # blank sigma_mm = 2 x sigma_dm


def test_in_memory_benchmark_with_a_bad_table_names_the_dataset(tmp_path):
    b = random_benchmark(3, 7, 1)
    b.metadata["elasticities"] = {"sigma_kle": {"*": 0.5}}
    with pytest.raises(DataError, match=rf"^dataset '{b.name}' metadata: elasticities\."):
        for_benchmark(b)


def test_default_values_are_the_packaged_defaults_file():
    d = default_values()
    assert set(d) == set(PARAMETERS) and all("*" in v for v in d.values())
