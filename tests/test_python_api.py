"""The Python front door (issue 23): ``cge.load_dataset``, ``cge.compare``, the solved state of each
scenario, the notebook display, progress and the version; and the README's example, whose tables
must equal those ``cge compare`` writes for the same scenarios."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest
import yaml

import cge
from cge.errors import DataError, ScenarioError
from cge.results.compare import PROGRESS_AFTER_S, progress_reporter
from cge.results.schema import STATE, TABLES

TAX = {"instrument": "tax", "tax_usd_per_t": 50}
#: relative precision at which two computations of one number must agree (the solver's residual
#: tolerance is 1e-10; the same code path on the same machine agrees far closer)
RTOL = 1e-9


@pytest.fixture(scope="module")
def small():
    return cge.load_dataset("synthetic:4x6:3")


@pytest.fixture(scope="module")
def small_run(small):
    ref = cge.Scenario(name="REF", coalition=["r1", "r2"], policy=TAX)
    return cge.compare(small, [ref, ref.replace(name="BCA", bca={"import_charge": True})], progress=False,
                       decomposition_steps=3)


# ----------------------------------------------------------------------------- load_dataset
@pytest.mark.parametrize("path", ["typo", "typo.gdx"])
def test_load_dataset_of_a_path_that_is_not_there_is_an_error_naming_it(path, capsys):
    with pytest.raises(DataError, match=rf"^{path}: no such dataset folder or \.gdx file$"):
        cge.load_dataset(path)
    assert "SYNTHETIC" not in capsys.readouterr().err


def test_load_dataset_never_falls_back_when_the_default_dataset_is_not_there(tmp_path, monkeypatch, capsys):
    import cge.data.datasets

    monkeypatch.delenv("CGE_DATA", raising=False)
    monkeypatch.setattr(cge.data.datasets, "shipped_dataset_path", lambda: tmp_path / "wiod2011")
    with pytest.raises(DataError, match=rf"^{tmp_path / 'wiod2011'}: the default dataset is not built"):
        cge.load_dataset()
    assert "SYNTHETIC" not in capsys.readouterr().err


def test_load_dataset_reads_the_default_a_folder_and_a_synthetic_benchmark_and_records_where_from(
        tmp_path, monkeypatch):
    from cge.data.datasets import shipped_dataset_path

    monkeypatch.delenv("CGE_DATA", raising=False)
    default = cge.load_dataset()
    assert default.origin == str(shipped_dataset_path()) and "EU27" in default.regions
    cge.write_benchmark(cge.random_benchmark(3, 6, 1), tmp_path / "mine")
    mine = cge.load_dataset(tmp_path / "mine")
    assert mine.origin == str(tmp_path / "mine") and mine.regions == ("r1", "r2", "r3")
    synthetic = cge.load_dataset("synthetic:3x6:1")
    assert synthetic.origin == "synthetic 3x6 (seed 1)"
    assert np.array_equal(synthetic.vxmd, cge.random_benchmark(3, 6, 1).vxmd)
    with pytest.raises(cge.CGEError, match=r"^cge.load_dataset '3by5': expected REGIONSxSECTORS\[:SEED\]"):
        cge.load_dataset("synthetic:3by5")


# ----------------------------------------------------------------------------- compare: bad input
def test_an_unknown_region_is_an_error_naming_it_and_the_datasets_regions_and_groups(small):
    sc = cge.Scenario(name="S", coalition=["r1", "EU27"], policy=TAX)
    with pytest.raises(ScenarioError) as err:
        cge.compare(small, [sc], progress=False)
    assert str(err.value) == ("scenario 'S': coalition: 'EU27' is neither a region (r1, r2, r3, r4) nor a region "
                              f"group ({', '.join(sorted(small.tags.region_groups))})")


def test_a_bare_region_code_is_one_region_on_the_dataset(small):
    """issue 23: ``coalition="EU27"`` was split into characters; now it is the region r1 itself."""
    run = cge.compare(small, cge.Scenario(name="S", coalition="r1", policy=TAX), progress=False)
    assert run.regions.query("coalition")["region"].tolist() == ["r1"]


def test_compare_refuses_what_is_not_a_list_of_scenarios_before_any_solve(small):
    sc = cge.Scenario(name="S", coalition=["r1"], policy=TAX)
    with pytest.raises(ScenarioError, match=r"^no scenarios to compare"):
        cge.compare(small, [])
    with pytest.raises(ScenarioError, match=r"^scenario name\(s\) used twice: S "):
        cge.compare(small, [sc, sc.replace(policy={"tax_usd_per_t": 20})])
    with pytest.raises(ScenarioError, match=r"^scenario #2: expected a cge.Scenario or a mapping"):
        cge.compare(small, [sc, "EU-50"])
    with pytest.raises(ScenarioError, match=r"^scenario 'M': policy\.tax_usd_per_t: -5 must lie in"):
        cge.compare(small, [{"name": "M", "coalition": ["r1"], "policy": {"instrument": "tax", "tax_usd_per_t": -5}}])
    with pytest.raises(ScenarioError, match=r"^solver\.route: 'fast' is not one of auto, casadi"):
        cge.compare(small, [sc], route="fast")
    with pytest.raises(ScenarioError, match=r"^solver\.decomposition_steps: 0 must be an integer >= 1"):
        cge.compare(small, [sc], decomposition_steps=0)


def test_compare_takes_mappings_and_a_scenario_file(small, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"scenarios": [{"name": "A", "coalition": ["r1"], "policy": TAX}]}))
    from_file = cge.compare(small, path, progress=False)
    from_mapping = cge.compare(small, [{"name": "A", "coalition": "r1", "policy": TAX}], progress=False)
    pd.testing.assert_frame_equal(from_file.summary, from_mapping.summary, rtol=RTOL)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"name": "B", "coalition": ["nowhere"], "policy": TAX}))
    with pytest.raises(ScenarioError, match=rf"^{bad} \[B\]: coalition: 'nowhere' is neither a region"):
        cge.compare(small, bad, progress=False)


# ----------------------------------------------------------------------------- the solved state
def test_the_solved_state_has_the_columns_of_the_results_contract(small_run):
    r = small_run["BCA"]
    frames = {"prices": r.prices(), "quantities": r.quantities(), "flows": r.flows(), "variables": r.variables()}
    for t in STATE:
        assert list(frames[t.name].columns) == t.names, t.name
        assert len(frames[t.name]) > 0
    assert set(r.prices()["variable"]) == {"PY", "PA", "PC", "PF", "PR", "PT"} & set(r.variables()["variable"])
    assert set(r.quantities()["variable"]) <= {"Y", "A", "C", "T"}


def test_the_solved_state_agrees_with_the_result_tables(small_run):
    """Kept after the run, after the decomposition re-solved the model along its path (3 steps):
    output levels are those of the sectors table, carbon prices those of the regions table, the
    trade flows those of the bilateral table."""
    for name in ("REF", "BCA"):
        r = small_run[name]
        y = r.quantities().query("variable == 'Y'").set_index(["region", "item"])["level_change_pct"]
        sectors = r.table("sectors").set_index(["region", "sector"])["output_change_pct"]
        np.testing.assert_allclose(y.loc[sectors.index].to_numpy(), sectors.to_numpy(), rtol=RTOL, atol=1e-9)
        v = r.variables().set_index("name")["value"]
        carbon = r.table("regions").set_index("region")["carbon_price_usd_per_t"]
        np.testing.assert_allclose([1000 * v[f"PCO2[{k}]"] / v["PW"] for k in carbon.index], carbon.to_numpy(),
                                   rtol=RTOL)
        flows = r.flows()
        imports = flows[flows["flow"].str.startswith("vxmd[")]
        trade = imports.groupby("flow")["quantity_bn_usd_at_benchmark_prices"].sum()
        bilateral = r.table("bilateral")
        keys = [f"vxmd[{g},{s},{d}]" for g, s, d in bilateral[["good", "exporter", "importer"]].itertuples(index=False)]
        np.testing.assert_allclose(trade.loc[keys].to_numpy(), bilateral["quantity_bn_usd_at_benchmark_prices"],
                                   rtol=RTOL)


def test_the_solved_state_keeps_arrays_not_the_model(small_run):
    ref, bca = small_run["REF"].state, small_run["BCA"].state
    assert ref.catalogue is bca.catalogue            # labels read once per model structure, shared
    for f in ("values", "fixed", "flow_quantity", "levels", "flow_prices"):
        assert isinstance(getattr(ref, f), np.ndarray), f
    assert ref.nbytes < 100_000
    assert not np.allclose(ref.values, bca.values)   # two solutions, not one point seen twice


# ----------------------------------------------------------------------------- results object
def test_a_comparison_is_indexed_by_scenario_name(small_run):
    assert [r.name for r in small_run] == ["REF", "BCA"] == small_run.scenarios and len(small_run) == 2
    assert small_run["BCA"].scenario.bca.import_charge
    with pytest.raises(KeyError, match="no scenario 'CBAM' in this comparison; scenarios: REF, BCA"):
        small_run["CBAM"]  # noqa: B018
    pd.testing.assert_frame_equal(small_run.summary, small_run.table("summary"))
    pd.testing.assert_frame_equal(small_run["BCA"].regions, small_run.table("regions").query("scenario == 'BCA'")
                                  .drop(columns="scenario").reset_index(drop=True))


def test_results_show_as_a_headline_table_in_a_notebook(small_run):
    page = small_run._repr_html_()
    assert page.count("<table") == 1 and "<code>REF</code>, <code>BCA</code>" in page
    for label in ("EV, % of consumption: r1", "Leakage rate, %", "Carbon price, USD/t", "BCA revenue, bn USD"):
        assert label in page
    one = small_run["BCA"]._repr_html_()
    assert one.count("<table") == 1 and "<code>BCA</code>" in one and "max residual" in one
    assert "tax (50 USD/t) in r1, r2; import charge (direct, exporter intensity, coverage eite)" in one
    assert "[SYNTHETIC DATA]" in page and "[SYNTHETIC DATA]" not in one


# ----------------------------------------------------------------------------- progress
class _Clock:
    def __init__(self, *times):
        self.times = list(times)

    def __call__(self):
        return self.times.pop(0)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Result:
    route, iterations, max_residual = "casadi", 4, 1e-12


def _scenario(name):
    return cge.Scenario(name=name)


def test_progress_by_default_reports_on_a_terminal_and_otherwise_only_a_long_run():
    log = io.StringIO()
    report = progress_reporter(None, 3, stream=log, clock=_Clock(0.0, 1.0, PROGRESS_AFTER_S + 1, PROGRESS_AFTER_S + 2))
    for name in "ABC":
        report(_scenario(name), _Result())
    lines = log.getvalue().splitlines()
    assert [line.split()[2] for line in lines] == ["B", "C"]       # A solved within PROGRESS_AFTER_S: quiet
    assert lines[0] == f"cge: solved B (2/3, {PROGRESS_AFTER_S + 1:.1f} s): casadi, 4 iterations, max residual 1.0e-12"
    tty = _Terminal()
    report = progress_reporter(None, 1, stream=tty, clock=_Clock(0.0, 0.5))
    report(_scenario("A"), _Result())
    assert tty.getvalue().startswith("cge: solved A (1/1, 0.5 s)")


def test_progress_true_false_or_a_function():
    log = io.StringIO()
    report = progress_reporter(True, 1, stream=log, clock=_Clock(0.0, 0.1))
    report(_scenario("A"), _Result())
    assert log.getvalue().count("\n") == 1
    assert progress_reporter(False, 1) is None
    seen = []
    assert progress_reporter(lambda sc, res: seen.append(sc.name), 1) is not None
    with pytest.raises(TypeError, match="progress: expected True, False, None or a function"):
        progress_reporter("yes", 1)


def test_compare_reports_progress_on_stderr(small, capsys):
    sc = cge.Scenario(name="S", coalition=["r1"], policy=TAX)
    cge.compare(small, [sc, sc.replace(name="T", policy={"tax_usd_per_t": 20})], progress=True)
    err = capsys.readouterr()
    assert [line.split()[2] for line in err.err.splitlines()] == ["S", "T"] and err.out == ""
    seen = []
    cge.compare(small, [sc], progress=lambda scenario, result: seen.append((scenario.name, result.success)))
    assert seen == [("S", True)]


# ----------------------------------------------------------------------------- version
def test_the_version_is_that_of_the_installed_distribution():
    assert cge.__version__ == version("cge-bca") == cge.installed_version()
    out = subprocess.run([sys.executable, "-m", "cge.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"cge {version('cge-bca')}\n"


def test_the_version_of_a_source_tree_that_is_not_installed_is_unknown(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert cge.installed_version() == "unknown"


def test_import_cge_reads_no_metadata_and_loads_no_stage():
    code = "import sys, cge\nprint(sorted(m for m in sys.modules if m.startswith('cge.') or m == 'importlib.metadata'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ----------------------------------------------------------------------------- API = CLI
def _readme_api_block() -> str:
    from test_readme_examples import BLOCKS

    found = [source for where, source in BLOCKS if where.startswith("README.md:") and "cge.compare(" in source]
    assert len(found) == 1, "README.md has no (or two) Python API examples"
    return found[0]


def test_the_readme_example_writes_the_tables_cge_compare_writes_for_the_same_scenarios(tmp_path, monkeypatch):
    """The block of README "Python API", run as pasted (it writes ``results/``), against
    ``cge compare --scenarios`` with the block's scenarios: every table equal to RTOL, the same files."""
    monkeypatch.chdir(tmp_path)
    pasted: dict = {}
    exec(compile(_readme_api_block(), "README.md (Python API)", "exec"), pasted)
    run, api = pasted["run"], tmp_path / "results"
    assert run.scenarios == ["EU-50", "EU-50-CBAM"]
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text(yaml.safe_dump({"scenarios": [r.scenario.to_dict() for r in run]}, sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "cge.cli", "compare", "--scenarios", str(scenarios),
                           "--out", str(tmp_path / "cli")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in (*TABLES, "headline"):
        a, c = pd.read_csv(api / f"{name}.csv"), pd.read_csv(tmp_path / "cli" / f"{name}.csv")
        pd.testing.assert_frame_equal(a, c, rtol=RTOL, obj=name)
    meta_api, meta_cli = (yaml.safe_load((folder / "run.yaml").read_text()) for folder in (api, tmp_path / "cli"))
    for key in ("dataset", "package", "scenarios", "solver", "references", "closure", "dataset_path"):
        assert meta_api[key] == meta_cli[key], key
    assert sorted(p.name for p in api.iterdir()) == sorted(p.name for p in (tmp_path / "cli").iterdir())
