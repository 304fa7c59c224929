"""The command line: `cge compare` end to end, and bad input ending with one clear message,
a non-zero exit, no traceback and no partial output."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cge.data.benchmark import write_benchmark
from cge.data.synthetic import random_benchmark

SMALL_SCENARIOS = """
defaults:
  coalition: [annex1]
  policy: {instrument: coalition_cap, cut: 0.2}
scenarios:
  - name: REF
  - name: BCA
    bca: {import_charge: true, export_rebate: true}
"""


def cge(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cge.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture()
def dataset(tmp_path):
    return write_benchmark(random_benchmark(4, 7, seed=3), tmp_path / "bench")


@pytest.fixture()
def scenarios(tmp_path):
    p = tmp_path / "scenarios.yaml"
    p.write_text(SMALL_SCENARIOS)
    return p


def test_compare_writes_every_table_and_the_headline(tmp_path, dataset, scenarios):
    out = tmp_path / "out"
    r = cge("compare", "--data", str(dataset), "--scenarios", str(scenarios), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Leakage rate, %" in r.stdout
    for name in ("summary", "regions", "groups", "sectors", "bilateral", "bca_flows"):
        assert (out / f"{name}.csv").exists() and (out / f"{name}.parquet").exists()
        csv = pd.read_csv(out / f"{name}.csv")
        assert csv.shape == pd.read_parquet(out / f"{name}.parquet").shape
    for name in ("headline.md", "headline.tex", "results.xlsx", "run.yaml"):
        assert (out / name).stat().st_size > 0
    head = pd.read_csv(out / "headline.csv").set_index("measure")
    summary = pd.read_csv(out / "summary.csv").set_index("scenario")
    assert head.loc["Leakage rate, %", "BCA"] == pytest.approx(summary.loc["BCA", "leakage_rate_pct"])
    assert head.loc["Leakage rate, %", "BCA"] < head.loc["Leakage rate, %", "REF"]


def test_compare_on_synthetic_data_says_so(tmp_path, scenarios):
    r = cge("compare", "--synthetic", "3x6", "--scenarios", str(scenarios), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC" in r.stdout
    assert "synthetic: true" in (tmp_path / "o" / "run.yaml").read_text()


def test_info_names_the_solver_route():
    r = cge("info")
    assert r.returncode == 0, r.stderr
    assert "casadi" in r.stdout


def corrupt(dataset: Path, file: str, edit):
    path = dataset / file
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(df)
    df.to_csv(path, index=False)


def _set(col, value, row=0):
    def edit(df):
        df.loc[row, col] = value
    return edit


@pytest.mark.parametrize("file, edit, expected", [
    ("vid.csv", lambda df: df.__setitem__("value", df["value"].astype(float).mul(1.01).astype(str)),
     "zero profit"),
    ("vfm.csv", _set("value", "-1.0"), "vfm"),
    ("vom.csv", _set("region", "XXX"), "unknown region code 'XXX'"),
    ("vxmd.csv", _set("value", ""), "row 2"),
    ("co2.csv", _set("fuel", "s1"), "not tagged as a fossil fuel"),
])
def test_corrupt_dataset_gives_one_clear_message_and_no_output(tmp_path, dataset, scenarios, file, edit, expected):
    corrupt(dataset, file, edit)
    out = tmp_path / "out"
    r = cge("compare", "--data", str(dataset), "--scenarios", str(scenarios), "--out", str(out))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ")
    assert expected in r.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_missing_dataset_file_is_named(tmp_path, dataset, scenarios):
    (dataset / "vid.csv").unlink()
    r = cge("compare", "--data", str(dataset), "--scenarios", str(scenarios), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "vid.csv: required file is missing" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("text, expected", [
    ("name: x\ncoalition: [annex1]\nbca: {import_charges: true}\n", "bca.import_charges: unknown key"),
    ("name: x\ncoalition: [annex1]\nbca: {basis: indirect}\n", "bca.basis: 'indirect' is not one of"),
    ("name: x\ncoalition: [annex1]\npolicy: {cut: 1.5}\n", "policy.cut: 1.5 must lie in"),
    ("name: x\ncoalition: [nowhere]\n", "'nowhere' is neither a region"),
    ("name: x\nfoo: 1\n", "foo: unknown key"),
])
def test_malformed_scenario_names_the_key(tmp_path, dataset, text, expected):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    r = cge("compare", "--data", str(dataset), "--scenarios", str(p), "--out", str(tmp_path / "out"))
    assert r.returncode == 2, r.stdout
    assert expected in r.stderr and str(p) in r.stderr or expected in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_infeasible_target_reports_residuals_by_block_and_keeps_earlier_output(tmp_path, dataset, scenarios):
    out = tmp_path / "out"
    assert cge("compare", "--data", str(dataset), "--scenarios", str(scenarios), "--out", str(out)).returncode == 0
    before = (out / "regions.csv").read_text()
    bad = tmp_path / "impossible.yaml"
    bad.write_text("name: impossible\ncoalition: [annex1]\npolicy: {instrument: coalition_cap, cut: 0.99}\n")
    r = cge("compare", "--data", str(dataset), "--scenarios", str(bad), "--out", str(out))
    assert r.returncode == 2
    assert "did not solve" in r.stderr and "carbon_cap" in r.stderr
    assert "Traceback" not in r.stderr
    assert (out / "regions.csv").read_text() == before


def test_latex_escaping_is_single_pass():
    from cge.io.latex import escape

    assert escape("a\\b") == r"a\textbackslash{}b"
    assert escape("{x}_1 & 5%") == r"\{x\}\_1 \& 5\%"


def test_the_command_exits_fast_only_after_everything_is_printed():
    """``entry`` skips the interpreter's teardown (cge/cli.py), so the pipe must still get the
    whole output and the exit code must be the command's."""
    from cge.scenarios.options import markdown_table

    done = cge("options")
    assert done.returncode == 0 and done.stdout == markdown_table()
    failed = cge("compare", "--data", "/nonexistent/folder")
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1 and "/nonexistent/folder" in failed.stderr
