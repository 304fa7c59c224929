"""Fault suite, one error path: inputs that used to end in a traceback now end in one line naming
the file, key, row or scenario, with one exit-code convention across `cge` and the calibration
command (2 = error, 3 = internal error, 130 = interrupted; --debug shows the traceback)."""

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml
from faults import REPO, SCENARIOS, child, cli, one_clean_error

from calibration.readers.satellites import read_jrc_co2
from cge.data.benchmark import write_benchmark
from cge.data.synthetic import random_benchmark
from cge.errors import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_INTERNAL, DataError, run_guarded


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_benchmark(random_benchmark(3, 6, seed=1), tmp_path_factory.mktemp("data") / "bench")


@pytest.fixture()
def scen(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIOS)
    return p


def compare(tmp_path, *args):
    return cli("compare", *args, "--out", tmp_path / "out")


# ----------------------------------------------------------------------------- scenario files
def test_a_scenario_file_that_is_not_utf8_is_named(tmp_path, dataset):
    p = tmp_path / "latin1.yaml"
    p.write_bytes("name: Réf\ncoalition: [annex1]\n".encode("latin-1"))
    rc, _, err = compare(tmp_path, "--data", dataset, "--scenarios", p)
    one_clean_error(rc, err, str(p), "not UTF-8")


def test_a_folder_given_as_scenario_file_is_named(tmp_path, dataset):
    rc, _, err = compare(tmp_path, "--data", dataset, "--scenarios", tmp_path)
    one_clean_error(rc, err, str(tmp_path), "is a folder")


@pytest.mark.parametrize("size, expected", [("1x5", "n_regions must be at least 2"),
                                            ("3x5", "n_sectors must be at least 6"),
                                            ("3by6", "expected REGIONSxSECTORS")])
def test_an_impossible_synthetic_size_is_a_message(tmp_path, scen, size, expected):
    rc, _, err = compare(tmp_path, "--synthetic", size, "--scenarios", scen)
    one_clean_error(rc, err, f"--synthetic {size!r}", expected)


@pytest.mark.parametrize("text, key", [
    ("coalition: [XXX]", "coalition: 'XXX' is neither a region"),
    ("coalition: [annex1]\nbca: {import_charge: true, exempt: [YYY]}", "bca.exempt: 'YYY'"),
    ("coalition: [annex1]\nnumeraire: PC:ZZZ", "numeraire: unknown region 'ZZZ'"),
    ("coalition: [annex1]\nbca: {import_charge: true, coverage: [nope]}", "bca.coverage: unknown sector"),
])
def test_bad_codes_in_a_scenario_name_the_file_and_the_scenario(tmp_path, dataset, text, key):
    p = tmp_path / "codes.yaml"
    p.write_text(f"name: mine\npolicy: {{instrument: coalition_cap, cut: 0.2}}\n{text}\n")
    rc, out, err = compare(tmp_path, "--data", dataset, "--scenarios", p)
    one_clean_error(rc, err, f"{p} [mine]: ", key)
    assert "solved" not in out


# ----------------------------------------------------------------------------- NaN and infinity
@pytest.mark.parametrize("text, key", [
    ("policy: {instrument: coalition_cap, cut: .nan}", "policy.cut: nan"),
    ("policy: {instrument: tax, tax_usd_per_t: .inf}", "policy.tax_usd_per_t: inf"),
    ("policy: {instrument: coalition_cap, cut: 0.2}\nelasticities: {sigma_dm: .inf}", "elasticities.sigma_dm: inf"),
    ("policy: {instrument: coalition_cap, cut: 0.2}\nelasticities: {sigma_va: {s1: .nan}}",
     "elasticities.sigma_va.s1: nan"),
    ("policy: {instrument: coalition_cap, cut: 0.2}\nelasticities: {sigma_va: {s1: -.inf}}",
     "elasticities.sigma_va.s1: -inf"),
    ("policy: {instrument: coalition_cap, cut: 0.2}\nforeign_carbon_prices: {r2: .nan}",
     "foreign_carbon_prices.r2: nan"),
    ("policy: {instrument: coalition_cap, cut: 0.2}\nbca: {import_charge: true, benchmark: exporter_markup, "
     "default_markup: .nan}", "bca.default_markup: nan"),
])
def test_nan_and_infinity_in_a_scenario_are_refused_on_load_naming_the_file_and_key(tmp_path, dataset, text, key):
    p = tmp_path / "nonfinite.yaml"
    p.write_text(f"name: mine\ncoalition: [annex1]\n{text}\n")
    rc, out, err = compare(tmp_path, "--data", dataset, "--scenarios", p)
    one_clean_error(rc, err, str(p), key)
    assert "solved" not in out


@pytest.mark.parametrize("text, key", [
    ("solver: {tol: .inf}", "solver.tol: inf"),
    ("solver: {check_tol: .nan}", "solver.check_tol: nan"),
    ("grid: {policy.cut: [0.1, .nan]}", "grid.policy.cut: nan"),
    ("designs: [{elasticities.sigma_dm: .inf}]", "elasticities.sigma_dm.*: inf"),
    ("grid: {elasticities.sigma_va: [1.0, .nan]}", "elasticities.sigma_va.*: nan"),
])
def test_nan_and_infinity_in_a_sweep_file_are_refused_on_load_naming_the_file_and_key(tmp_path, dataset, text,
                                                                                      key):
    p = tmp_path / "sweep.yaml"
    p.write_text(f"base: {{coalition: [annex1], policy: {{instrument: coalition_cap, cut: 0.2}}}}\n{text}\n")
    rc, out, err = cli("sweep", p, "--data", dataset, "--out", tmp_path / "sw")
    one_clean_error(rc, err, str(p), key)
    assert not (tmp_path / "sw").exists()


@pytest.mark.parametrize("value", [".inf", ".nan"])
def test_a_non_finite_elasticity_in_dataset_metadata_is_refused_naming_the_file_and_key(tmp_path, value):
    b = random_benchmark(3, 6, seed=1)
    folder = write_benchmark(b, tmp_path / "bench")
    meta = yaml.safe_load((folder / "metadata.yaml").read_text())
    from cge.data.elasticities import PARAMETERS
    meta["elasticities"] = {p: {"*": 1.0, **{s: 1.0 for s in b.sectors}} for p in PARAMETERS}
    text = yaml.safe_dump(meta).replace("sigma_dm:\n    '*': 1.0", f"sigma_dm:\n    '*': {value}")
    assert value in text
    (folder / "metadata.yaml").write_text(text)
    rc, _, err = cli("validate", folder)
    one_clean_error(rc, err, str(folder / "metadata.yaml"), "elasticities.sigma_dm.*", "finite")


# ----------------------------------------------------------------------------- dataset metadata
@pytest.mark.parametrize("edit, expected", [
    (lambda m: [m], "expected a mapping"),
    (lambda m: {**m, "tags": {**m["tags"], "region_groups": [["annex1", "r1"]]}}, "tags.region_groups: expected a"),
    (lambda m: {**m, "sets": {**m["sets"], "regions": "r1 r2 r3"}}, "sets.regions: expected a list of codes"),
    (lambda m: {**m, "sets": ["r1"]}, "sets: expected a mapping"),
    (lambda m: {**m, "tags": {**m["tags"], "eite": "s5"}}, "tags.eite: expected a list"),
    (lambda m: {**m, "tags": {**m["tags"], "region_groups": {"g": "r1"}}}, "tags.region_groups.g: expected a list"),
])
def test_malformed_metadata_names_the_file_and_key(tmp_path, edit, expected):
    folder = write_benchmark(random_benchmark(3, 6, seed=1), tmp_path / "bench")
    meta = yaml.safe_load((folder / "metadata.yaml").read_text())
    (folder / "metadata.yaml").write_text(yaml.safe_dump(edit(meta)))
    rc, _, err = cli("validate", folder)
    one_clean_error(rc, err, "metadata.yaml", expected)


# ----------------------------------------------------------------------------- truncated tables
def _rows(path):
    return path.read_text().splitlines()


def test_a_table_cut_inside_a_number_is_refused_as_truncated_naming_the_file_and_line(tmp_path):
    """``vid.csv`` cut half-way, inside the number of a row (the rest of the file lost): it used
    to be refused for a consequence (CO2 of a fuel flow that was now zero), not the truncation."""
    folder = write_benchmark(random_benchmark(3, 6, seed=1), tmp_path / "bench")
    path = folder / "vid.csv"
    rows = _rows(path)
    k = len(rows) // 2
    cut = rows[k][: rows[k].index(".") + 2]              # e.g. "r2,oil,s1,29.4" of "r2,oil,s1,29.486…"
    path.write_text("\n".join(rows[:k] + [cut]))
    rc, _, err = cli("validate", folder)
    one_clean_error(rc, err, f"{path}, line {k + 1}", "does not end with a newline", "truncated")


@pytest.mark.parametrize("row, expected", [("r1,coa", "line 3: 2 fields, expected 4"),
                                           ("r1,coa,s1,1.5,7", "line 3"),
                                           ("r1,coa,s1,12.3.4", "row 3: value '12.3.4' is not a number")])
def test_a_row_with_missing_or_extra_fields_or_a_malformed_number_names_the_file_and_line(tmp_path, row,
                                                                                          expected):
    folder = write_benchmark(random_benchmark(3, 6, seed=1), tmp_path / "bench")
    path = folder / "vid.csv"
    rows = _rows(path)
    path.write_text("\n".join(rows[:2] + [row] + rows[3:]) + "\n")
    rc, _, err = cli("validate", folder)
    one_clean_error(rc, err, str(path), expected)


# ----------------------------------------------------------------------------- wrong files as YAML
def test_a_huge_file_as_aggregation_file_is_refused_by_its_size_before_it_is_parsed(tmp_path, monkeypatch):
    """A 50 MB text file took 27-35 s and 825 MB to be refused (parsed in full first)."""
    import cge.io.files
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"QUJD" * (cge.io.files.MAX_YAML_BYTES // 4 + 1))

    def parse(*a, **k):
        raise AssertionError("the file was parsed")
    monkeypatch.setattr(cge.io.files.yaml, "safe_load", parse)
    rc, _, err = cli("calibrate", junk, "--shared", tmp_path, "--out", tmp_path / "out")
    one_clean_error(rc, err, f"{junk}: larger than 5 MB")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, expected", [
    ("name: x\n".encode("utf-16"), "not UTF-8 text (byte 0xff at offset 0)"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not UTF-8 text (byte 0x89 at offset 0)"),
    (b"name: x\n" + bytes(64), "binary content (a NUL byte at offset 8)"),
    (b"just some text\n", "expected a mapping"),
])
def test_a_binary_or_non_mapping_aggregation_file_is_one_line_naming_it(tmp_path, content, expected):
    junk = tmp_path / "agg.yaml"
    junk.write_bytes(content)
    rc, _, err = cli("calibrate", junk, "--shared", tmp_path, "--out", tmp_path / "out")
    one_clean_error(rc, err, str(junk), expected)


# ----------------------------------------------------------------------------- calibration
def test_text_in_a_jrc_co2_cell_names_the_row(tmp_path):
    p = tmp_path / "jrc.csv"
    p.write_text("region,sector,year,co2_kt\nAUS,A01,2011,12.5\nAUS,A01,2011,n/a\n")
    with pytest.raises(DataError, match=r"jrc.csv, row 3: co2_kt 'n/a' is not a number"):
        read_jrc_co2(p, {"A01": "AtB"}, 2011, ("AUS",), ("AtB",), (), {}, "CONS_h")


def test_the_calibration_command_shares_the_exit_code_convention(tmp_path):
    r = child("build", "--shared", tmp_path / "nowhere", "--out", tmp_path / "o", module="calibration")
    one_clean_error(r.returncode, r.stderr, "shared data folder does not exist")
    r = child("report", tmp_path / "nowhere", module="calibration")
    one_clean_error(r.returncode, r.stderr, "benchmark folder does not exist")


# ----------------------------------------------------------------------------- the guard itself
def test_an_internal_error_is_one_line_with_its_own_exit_code_and_debug_shows_the_traceback(capsys):
    def bug(args):
        raise KeyError("regions")
    assert run_guarded(bug, None) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.startswith("error: internal error KeyError") and "Traceback" not in err and "--debug" in err
    assert run_guarded(bug, None, debug=True) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_an_os_error_is_one_line_naming_the_file(capsys):
    def unreadable(args):
        open("/nonexistent/dir/file.csv")
    assert run_guarded(unreadable, None) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.strip() == "error: /nonexistent/dir/file.csv: No such file or directory"


def test_debug_flag_is_accepted_after_the_subcommand(tmp_path, scen):
    rc, _, err = compare(tmp_path, "--synthetic", "1x5", "--scenarios", scen, "--debug")
    assert rc == 2 and "Traceback" in err and err.strip().endswith("n_regions must be at least 2 (got 1)")


# ----------------------------------------------------------------------------- Ctrl-C
SLOW_SWEEP = """
name: ctrl-c
base:
  coalition: [annex1]
  policy: {instrument: coalition_cap, cut: 0.2}
designs:
  - {name: REF}
ssa:
  design: monte_carlo
  draws: 400
  seed: 1
  parameters:
    sigma_dm: {distribution: uniform, low: 0.5, high: 1.5}
batch_size: 1
"""


@pytest.mark.slow
def test_ctrl_c_during_a_dask_sweep_stops_cleanly_and_keeps_finished_points(tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(SLOW_SWEEP)
    out = tmp_path / "sw"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen([sys.executable, "-m", "cge.cli", "sweep", str(spec), "--out", str(out), "--synthetic",
                          "3x6:1", "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not ((out / "manifest.jsonl").exists()
                                          and (out / "manifest.jsonl").stat().st_size > 0):
        time.sleep(0.2)
    assert p.poll() is None, p.communicate()
    os.killpg(p.pid, signal.SIGINT)                 # what the terminal does: the whole process group
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert not (out / ".cge-lock").exists()
    r = child("sweep-summary", out)                 # the saved points are intact and readable ...
    assert r.returncode == EXIT_INCOMPLETE, r.stderr    # ... and the summary says it lacks the others
    assert "points are missing" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("seconds", ["nan", "inf", "-1", "0", "soon"])
def test_a_connect_timeout_that_is_not_a_positive_finite_number_is_refused(tmp_path, seconds):
    r = child("sweep", tmp_path / "s.yaml", "--out", tmp_path / "o", "--connect-timeout", seconds)
    assert r.returncode == EXIT_ERROR
    assert f"argument --connect-timeout: '{seconds}' is not" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o").exists()
