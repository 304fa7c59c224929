"""Sweeps and systematic sensitivity analysis: each point equals a solve on its own, a killed
sweep resumes with every point exactly once, failures are recorded not fatal, SSA statistics
(Stroud moments, zero spread, Monte Carlo reproducibility) and bad input stopped up front."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cge.bca.model import BCAModel
from cge.data.synthetic import random_benchmark
from cge.errors import CGEError, ScenarioError
from cge.results.tables import collect
from cge.solve import compile_system
from cge.sweep import load_sweep, plan_points, run_sweep, stroud_points, summary_stats, sweep_from_dict
from cge.sweep.ssa import Distribution, stroud_design
from cge.sweep.store import Store

REPO = Path(__file__).resolve().parents[1]

SYNTH = "4x6:3"


@pytest.fixture(scope="module")
def bench():
    return random_benchmark(4, 6, seed=3)


BASE = {"coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.2}}


def sweep(**kw):
    d = {"name": "t", "base": BASE}
    d.update(kw)
    return sweep_from_dict(d, "test-sweep")


def run(spec, bench, out, **kw):
    kw.setdefault("workers", 0)
    return run_sweep(spec, bench, out, progress_stream=open(os.devnull, "w"), **kw)


def values(out) -> pd.DataFrame:
    return pd.read_parquet(out / "points.parquet")


# ----------------------------------------------------------------------------- the numbers
def test_sweep_point_equals_solving_the_scenario_alone(tmp_path, bench):
    spec = sweep(designs=[{"name": "REF"}, {"name": "BCA", "bca.import_charge": True},
                          {"name": "BCA-rebate", "bca": {"import_charge": True, "export_rebate": True,
                                                         "basis": "direct+electricity"}},
                          {"name": "regional-caps", "policy.instrument": "regional_cap"}],
                 grid={"policy.cut": [0.1, 0.25]})
    run(spec, bench, tmp_path)
    pts = values(tmp_path)
    plan = plan_points(spec, bench)
    assert len(plan) == 8 and set(pts["point_id"]) == {p.id for p in plan}
    for p in plan:
        bm = BCAModel(bench, p.scenario)
        compile_system(bm.pyomo).solve()
        t = collect(bm)
        got = pts[pts["point_id"] == p.id].set_index(["measure", "region"])["value"]
        summ, reg, sec = t["summary"].iloc[0], t["regions"].set_index("region"), t["sectors"]
        assert got["leakage_rate_pct", "ALL"] == pytest.approx(summ["leakage_rate_pct"], rel=1e-6, abs=1e-8)
        assert got["carbon_price_usd_per_t", "ALL"] == pytest.approx(summ["carbon_price_usd_per_t"], rel=1e-6)
        assert got["ev_pct", "ALL"] == pytest.approx(summ["ev_world_pct"], rel=1e-6, abs=1e-10)
        assert got["ev_pct", "coalition"] == pytest.approx(summ["ev_coalition_pct"], rel=1e-6, abs=1e-10)
        assert got["eite_output_change_pct", "coalition"] == pytest.approx(
            summ["eite_output_change_coalition_pct"], rel=1e-6, abs=1e-10)
        for r in bench.regions:
            assert got["ev_pct", r] == pytest.approx(reg.loc[r, "ev_pct"], rel=1e-6, abs=1e-10)
            assert got["emissions_mt", r] == pytest.approx(reg.loc[r, "emissions_mt"], rel=1e-8)
            eite = sec[(sec["region"] == r) & sec["eite"]]
            w = eite["output_benchmark_bn_usd"]
            assert got["eite_output_change_pct", r] == pytest.approx(
                (eite["output_change_pct"] * w).sum() / w.sum(), rel=1e-6, abs=1e-10)
    stats = pd.read_csv(tmp_path / "summary_stats.csv", keep_default_na=False)
    assert list(stats.columns) == ["design", "measure", "region", "mean", "std", "p05", "p95", "n"]
    assert set(stats["measure"]) == {"leakage_rate_pct", "ev_pct", "eite_output_change_pct", "carbon_price_usd_per_t"}
    # a BCA lowers leakage (the same sign as in the single-scenario tests)
    lk = stats[stats["measure"] == "leakage_rate_pct"].set_index("design")["mean"]
    assert lk["BCA; policy.cut=0.25"] < lk["REF; policy.cut=0.25"]


def test_dask_local_cluster_gives_the_numbers_of_the_in_process_run(tmp_path, bench):
    spec = sweep(designs=[{"name": "REF"}, {"name": "BCA", "bca.import_charge": True}],
                 ssa={"design": "stroud", "parameters": {"sigma_dm": {"distribution": "uniform", "low": 0.7,
                                                                      "high": 1.3}}})
    r = run(spec, bench, tmp_path / "dask", workers=2)
    assert (r.solved, r.failed, r.lost) == (4, 0, 0)
    run(spec, bench, tmp_path / "local")
    a = values(tmp_path / "dask").sort_values(["point_id", "measure", "region"]).reset_index(drop=True)
    b = values(tmp_path / "local").sort_values(["point_id", "measure", "region"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-7, atol=1e-9)


def test_local_workers_print_no_dask_warning_when_the_dashboard_port_is_taken(tmp_path):
    import socket

    taken = socket.socket()
    try:
        taken.bind(("0.0.0.0", 8787))                  # another program (or cluster) holds Dask's default port
        taken.listen()
    except OSError:
        pass                                           # held by someone else already: the same situation
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({"name": "t", "base": BASE, "designs": [{"name": "REF"}]}))
    try:
        r = _cli("sweep", str(f), "--out", str(tmp_path / "out"), "--synthetic", SYNTH, "--workers", "1")
    finally:
        taken.close()
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr and "already in use" not in r.stderr, r.stderr


# ----------------------------------------------------------------------------- resuming
KILL_SWEEP = {
    "name": "kill", "base": BASE, "batch_size": 1,
    "designs": [{"name": "REF"}, {"name": "BCA", "bca.import_charge": True}],
    "ssa": {"design": "monte_carlo", "draws": 15, "seed": 7,
            "parameters": {"sigma_dm": {"distribution": "uniform", "low": 0.6, "high": 1.4}}},
}


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "cge.cli", *args], capture_output=True, text=True, timeout=600,
                          **kw)


def _manifest_ids(out):
    ids = []
    for line in (out / "manifest.jsonl").read_text().splitlines():
        ids += [p["id"] for p in json.loads(line)["points"]]
    return ids


def test_killed_sweep_resumes_with_every_point_exactly_once(tmp_path, bench):
    f = tmp_path / "kill.yaml"
    f.write_text(yaml.safe_dump(KILL_SWEEP))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cge.cli", "sweep", str(f), "--out", str(out), "--synthetic",
                             SYNTH, "--workers", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        m = out / "manifest.jsonl"
        if m.exists() and len(m.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(_manifest_ids(out))
    assert 4 <= done_before < 30, "the kill should land mid-sweep"
    r = _cli("sweep", str(f), "--out", str(out), "--synthetic", SYNTH, "--workers", "0")
    assert r.returncode == 0, r.stderr
    ids = _manifest_ids(out)
    plan = pd.read_parquet(out / "plan.parquet")
    assert len(ids) == len(set(ids)) == 30, "no point lost, none duplicated"
    assert set(ids) == set(plan["point_id"])
    assert len(list((out / "parts").glob("part-*.parquet"))) == len((out / "manifest.jsonl").read_text().splitlines())
    vals = pd.read_parquet(out / "points.parquet")
    assert not vals.duplicated(["point_id", "measure", "region"]).any()
    assert vals["point_id"].nunique() == 30
    # the resumed run solved only what was missing (none solved twice) ...
    log = (out / "sweep.log").read_text()
    assert f"{done_before} already done, {30 - done_before} to solve" in log
    # ... and re-running a finished sweep does nothing
    before = (out / "manifest.jsonl").read_text()
    r = _cli("sweep", str(f), "--out", str(out), "--synthetic", SYNTH, "--workers", "0")
    assert r.returncode == 0 and "nothing to do" in r.stdout
    assert (out / "manifest.jsonl").read_text() == before


def test_store_recovery_adopts_an_unlisted_partition_and_drops_a_torn_manifest_line(tmp_path):
    s = Store(tmp_path)
    s.write([{"id": "a", "status": "ok", "values": [("ev_pct", "R1", 1.0)]}])
    name = s.write([{"id": "b", "status": "ok", "values": [("ev_pct", "R1", 2.0)]}])
    lines = (tmp_path / "manifest.jsonl").read_text().splitlines()
    # killed after the partition was renamed but mid-way through its manifest line
    (tmp_path / "manifest.jsonl").write_text(lines[0] + "\n" + lines[1][:20])
    (tmp_path / "parts" / "part-x.parquet.tmp").write_bytes(b"half a file")
    s2 = Store(tmp_path)
    done = s2.recover()
    assert set(done) == {"a", "b"}
    assert not list((tmp_path / "parts").glob("*.tmp"))
    assert name in (tmp_path / "manifest.jsonl").read_text()
    assert sorted(s2.values()["value"]) == [1.0, 2.0]


# ----------------------------------------------------------------------------- failures
def test_infeasible_point_is_recorded_as_failed_with_a_reason_while_the_others_succeed(tmp_path, bench):
    spec = sweep(grid={"policy.cut": [0.1, 0.99, 0.2]})
    r = run(spec, bench, tmp_path)
    assert (r.solved, r.failed) == (3, 1)
    failed = pd.read_csv(tmp_path / "failed.csv")
    assert list(failed["design"]) == ["policy.cut=0.99"]
    assert "Infeasible" in failed.loc[0, "reason"] or "failed" in failed.loc[0, "reason"]
    diag = json.loads(failed.loc[0, "diagnostics"])
    assert diag["max_residual"] > 1e-8 and diag["residuals_by_block"]
    stats = summary_stats(tmp_path)
    assert set(stats["design"]) == {"policy.cut=0.1", "policy.cut=0.2"}
    # a failed point is done: resuming does not try it again
    again = run(spec, bench, tmp_path)
    assert again.solved == 0


# ----------------------------------------------------------------------------- SSA statistics
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8])
def test_stroud_points_have_zero_mean_identity_covariance_and_zero_third_moments(n):
    z = stroud_points(n)
    assert z.shape == (2 * n, n)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.T @ z / (2 * n), np.eye(n), atol=1e-12)
    np.testing.assert_allclose(np.einsum("ki,kj,kl->ijl", z, z, z) / (2 * n), 0, atol=1e-12)
    np.testing.assert_allclose((z**2).sum(axis=1), n)          # on the sphere of radius sqrt(n)
    assert np.abs(z).max() <= np.sqrt(2) + 1e-12               # no coordinate beyond sqrt(2) sd


def test_stroud_design_reproduces_the_first_two_moments_of_linear_and_quadratic_outputs():
    dists = [Distribution({"distribution": "uniform", "low": 0.5, "high": 1.5}, "a"),
             Distribution({"distribution": "triangular", "low": 1, "mode": 2, "high": 4}, "b"),
             Distribution({"distribution": "normal", "mean": 3, "sd": 0.5}, "c")]
    x = stroud_design(dists)
    mu = np.array([d.mean for d in dists])
    cov = np.diag([d.sd**2 for d in dists])
    c = np.array([2.0, -1.0, 0.5])
    lin = 1.0 + x @ c
    assert lin.mean() == pytest.approx(1 + c @ mu, rel=1e-12)
    assert lin.var() == pytest.approx(c @ cov @ c, rel=1e-12)
    Q = np.array([[1.0, 0.3, 0.0], [0.3, -2.0, 0.5], [0.0, 0.5, 0.7]])
    quad = np.einsum("ki,ij,kj->k", x, Q, x) + x @ c
    assert quad.mean() == pytest.approx(mu @ Q @ mu + np.trace(Q @ cov) + c @ mu, rel=1e-12)
    # the moments used are those of the distributions themselves (uniform: (b-a)/sqrt(12))
    assert dists[0].sd == pytest.approx(1 / np.sqrt(12))
    rng = np.random.default_rng(0)
    draws = dists[2].sample(rng, 200_000)
    assert draws.min() > 0 and draws.mean() == pytest.approx(dists[2].mean, rel=1e-2)


def test_ssa_with_zero_spread_returns_the_central_case_with_zero_standard_deviation(tmp_path, bench):
    designs = [{"name": "BCA", "bca.import_charge": True}]
    central = run(sweep(designs=designs), bench, tmp_path / "central").summary.set_index(["measure", "region"])
    for k, ssa in enumerate([
        {"design": "stroud", "parameters": {"sigma_dm": {"distribution": "uniform", "low": 1, "high": 1},
                                            "eta": {"distribution": "normal", "mean": 1, "sd": 0}}},
        {"design": "monte_carlo", "draws": 5, "seed": 1,
         "parameters": {"sigma_kle": {"distribution": "triangular", "low": 1, "mode": 1, "high": 1}}},
    ]):
        stats = run(sweep(designs=designs, ssa=ssa), bench, tmp_path / f"ssa{k}").summary
        stats = stats.set_index(["measure", "region"])
        assert (stats["std"] == 0).all()
        assert (stats["n"] == (4 if k == 0 else 5)).all()
        np.testing.assert_allclose(stats["mean"], central.loc[stats.index, "mean"], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(stats["p05"], stats["mean"], rtol=1e-7, atol=1e-9)


def test_ssa_over_a_household_elasticity_varies_its_single_economy_wide_value(bench):
    spec = sweep(ssa={"design": "stroud", "parameters": {
        "sigma_c": {"distribution": "uniform", "low": 0.5, "high": 1.5},
        "sigma_dm": {"distribution": "uniform", "low": 0.8, "high": 1.2}}})
    points = plan_points(spec, bench)
    assert len(points) == 4
    from cge.bca.design import structure_of

    for p in points:
        structure_of(bench, p.scenario)  # resolves: household values are economy-wide
        assert set(p.scenario.elasticities["sigma_c"]) == {"*"}
    values_c = sorted(p.scenario.elasticities["sigma_c"]["*"] for p in points)
    assert values_c[0] < 0.5 < values_c[-1]  # default 0.5 scaled by draws around 1
    with pytest.raises(ScenarioError, match="household elasticities have one value"):
        plan_points(sweep(ssa={"design": "stroud", "parameters": {
            "sigma_c.coa": {"distribution": "uniform", "low": 0.5, "high": 1.5}}}), bench)


def test_monte_carlo_with_the_same_seed_is_identical_twice(tmp_path, bench):
    def mc(seed):
        return sweep(ssa={"design": "monte_carlo", "draws": 4, "seed": seed,
                          "parameters": {"sigma_dm": {"distribution": "normal", "mean": 1, "sd": 0.3},
                                         "sigma_kle": {"distribution": "uniform", "low": 0.5, "high": 1.5}}})

    run(mc(11), bench, tmp_path / "a")
    run(mc(11), bench, tmp_path / "b")
    a = pd.read_csv(tmp_path / "a" / "summary_stats.csv")
    b = pd.read_csv(tmp_path / "b" / "summary_stats.csv")
    pd.testing.assert_frame_equal(a, b)
    assert (a.loc[a["measure"] == "leakage_rate_pct", "std"] > 0).all()
    other = [p.id for p in plan_points(mc(12), bench)]
    assert set(other).isdisjoint(pd.read_parquet(tmp_path / "a" / "plan.parquet")["point_id"])


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad, named", [
    ({"grid": {"bca.basiss": ["direct"]}}, "bca.basiss"),
    ({"grid": {"tariff": [0.1]}}, "tariff"),
    ({"grid": {"policy.cut": []}}, "grid.policy.cut: empty axis"),
    ({"designs": []}, "designs"),
    ({"grid": {"bca.basis": ["indirect"]}}, "bca.basis: 'indirect' is not one of"),
    ({"designs": [{"name": "x", "policy.cut": -0.1}]}, "policy.cut"),
    ({"ssa": {"design": "stroud", "parameters": {"sigma_dm": {"distribution": "uniform", "low": -1, "high": 1}}}},
     "ssa.parameters.sigma_dm.low: -1 is negative"),
    ({"ssa": {"design": "stroud", "parameters": {"sigma_dm": {"distribution": "uniform", "low": 2, "high": 1}}}},
     "low 2.0 > high 1.0"),
    ({"ssa": {"design": "stroud", "parameters": {"eta": {"distribution": "triangular", "low": 1, "mode": 3,
                                                         "high": 2}}}}, "low <= mode <= high"),
    ({"ssa": {"design": "stroud", "parameters": {"eta": {"distribution": "normal", "mean": 1, "sd": -0.2}}}},
     "ssa.parameters.eta.sd"),
    ({"ssa": {"design": "monte_carlo", "parameters": {"eta": {"distribution": "normal", "mean": 1, "sd": 1}}}},
     "ssa.draws"),
    ({"ssa": {"design": "stroud", "parameters": {"sigma_xx": {"distribution": "normal", "mean": 1, "sd": 1}}}},
     "sigma_xx"),
    ({"ssa": {"design": "stroud", "parameters": {"sigma_dm": {"distribution": "normal", "mean": 0.2, "sd": 2},
                                                 "eta": {"distribution": "uniform", "low": 0.5, "high": 1.5}}}},
     "Stroud point falls at"),
    ({"ssa": {"design": "latin", "parameters": {}}}, "ssa.design"),
])
def test_bad_sweep_input_names_the_field(bad, named):
    with pytest.raises(ScenarioError, match=named.replace("(", r"\(").replace(".", r"\.").replace("+", r"\+")):
        sweep(**bad)


def test_unknown_region_or_sector_is_caught_against_the_dataset_before_any_work(tmp_path, bench):
    with pytest.raises(ScenarioError, match="bca.exempt"):
        run(sweep(grid={"bca.exempt": [["r4"], ["XYZ"]]}), bench, tmp_path / "a")
    with pytest.raises(ScenarioError, match="ssa.parameters.sigma_dm.nope"):
        run(sweep(ssa={"design": "stroud", "parameters": {
            "sigma_dm.nope": {"distribution": "uniform", "low": 1, "high": 2}}}), bench, tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_unreachable_scheduler_fails_fast_naming_the_address(tmp_path, bench):
    t0 = time.perf_counter()
    with pytest.raises(CGEError, match="tcp://127.0.0.1:1"):
        run(sweep(), bench, tmp_path / "o", workers=None, scheduler="tcp://127.0.0.1:1", connect_timeout_s=2)
    assert time.perf_counter() - t0 < 30
    assert not (tmp_path / "o").exists()


def test_cli_sweep_and_sweep_summary(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({"name": "cli", "base": BASE, "grid": {"bca.import_charge": [False, True]}}))
    out = tmp_path / "out"
    r = _cli("sweep", str(f), "--out", str(out), "--synthetic", SYNTH, "--workers", "0")
    assert r.returncode == 0, r.stderr
    (out / "summary_stats.csv").unlink()
    r = _cli("sweep-summary", str(out))
    assert r.returncode == 0, r.stderr
    assert "leakage_rate_pct" in r.stdout
    for name in ("summary_stats.csv", "summary.md", "summary.tex", "summary.xlsx", "points.parquet", "failed.csv"):
        assert (out / name).stat().st_size > 0
    r = _cli("sweep", str(f), "--out", str(tmp_path / "o2"), "--synthetic", SYNTH, "--scheduler", "tcp://127.0.0.1:1",
             "--connect-timeout", "1")
    assert r.returncode == 2 and "tcp://127.0.0.1:1" in r.stderr and "Traceback" not in r.stderr
    f.write_text(yaml.safe_dump({"name": "bad", "base": BASE, "grid": {"bca.nope": [1]}}))
    r = _cli("sweep", str(f), "--out", str(tmp_path / "o3"), "--synthetic", SYNTH)
    assert r.returncode == 2 and "grid.bca.nope" in r.stderr and not (tmp_path / "o3").exists()


def test_example_sweep_files_plan_on_the_default_dataset():
    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path

    examples = REPO / "examples"
    b = read_benchmark(default_dataset_path())
    assert len(plan_points(load_sweep(examples / "sweep_bca_ssa.yaml"), b)) == 4 * 2 * 6
    assert len(plan_points(load_sweep(examples / "sweep_grid_mc.yaml"), b)) == 12 * 50


def test_a_phase_in_points_id_follows_the_cbam_schedule_and_other_points_ids_do_not(tmp_path, monkeypatch):
    """A stored point of a scenario on the CBAM phase-in must not be reused once the schedule it read has
    changed; a scenario that never reads the schedule keeps its id (its stored points stay valid)."""
    from cge.scenarios import cbam
    from cge.scenarios.spec import scenario_from_dict
    from cge.sweep.spec import point_id

    on_path = scenario_from_dict({"name": "CBAM", "policy": {"instrument": "coalition_cap", "cut": 0.2},
                                  "bca": {"import_charge": True, "coverage": "cbam"}, "phase_in": {"year": 2030}})
    static = scenario_from_dict({"name": "REF", "policy": {"instrument": "coalition_cap", "cut": 0.2}})
    before = [point_id(sc, ("EU",), "fp", {}) for sc in (on_path, static)]
    edited = tmp_path / "cbam_phase_in.yaml"
    edited.write_text(cbam.default_schedule_path().read_text().replace("2030: 0.515", "2030: 0.6"))
    monkeypatch.setattr(cbam, "default_schedule_path", lambda: edited)
    after = [point_id(sc, ("EU",), "fp", {}) for sc in (on_path, static)]
    assert after[0] != before[0]
    assert after[1] == before[1]
