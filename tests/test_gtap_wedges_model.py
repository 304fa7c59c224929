"""GTAP's wedges in the model: purchase taxes by buyer and origin, factor taxes, export taxes
and subsidies, international transport margins; elasticities carried by the data."""

import numpy as np
import pytest
from conftest import Solver, scenario

from cge.core.model import walras_residual
from cge.data.synthetic import random_benchmark, with_gtap_wedges
from cge.results.tables import collect

FULL_BCA = {"import_charge": True, "export_rebate": True, "basis": "direct+electricity", "coverage": "eite"}


@pytest.fixture(scope="module")
def wedged():
    b = with_gtap_wedges(random_benchmark(5, 8, seed=0), seed=3)
    b.elasticities = {"sigma_dm": {"eite1": 4.4, "ele": 1.3}, "sigma_va": {"s1": 0.7}}
    return b


@pytest.fixture(scope="module")
def wedge_model(wedged):
    return Solver(wedged, scenario())


def test_gtap_benchmark_with_every_wedge_replicates_with_zero_iterations(wedge_model, wedged):
    assert wedged.tx.any() and wedged.vtwr.any() and wedged.tpd.any() and wedged.tpu.any() and wedged.tf.any()
    res = wedge_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.0}))
    assert res.iterations == 0
    assert res.max_residual < 1e-8
    for name in ("Y", "A", "C", "PY", "PA", "PC", "PF", "T", "PT"):
        assert all(abs(v.value - 1) < 1e-12 for v in wedge_model.model.vars[name].values()), name


def test_benchmark_flows_and_tax_revenue_equal_the_data(wedge_model, wedged):
    b = wedged
    wedge_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.0}))
    flows = dict(wedge_model.model.em.flow_values())
    R, J = b.regions, b.sectors
    for (m, i, s, r), v in np.ndenumerate(b.vtwr):
        if v > 0:
            assert flows[("vtwr", J[m], J[i], R[s], R[r])] == pytest.approx(v, rel=1e-12)
    for (r, m), v in np.ndenumerate(b.vst):
        if v > 0:
            assert flows[("vst", R[r], J[m])] == pytest.approx(v, rel=1e-12)
    reg = collect(wedge_model.model)["regions"]
    # every tax the data carry is collected by the model at the benchmark
    assert (reg["gdp_income_bn_usd"] - reg["gdp_expenditure_bn_usd"]).abs().max() < 1e-8
    gdp = b.vfm.sum(axis=(1, 2)) + b.vrs.sum(axis=1) + b.tax_revenue()
    assert reg["gdp_income_bn_usd"].to_numpy() == pytest.approx(gdp, rel=1e-10)


def test_accounts_balance_after_a_carbon_price_shock_with_gtap_wedges(wedge_model):
    wedge_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.3}, bca=FULL_BCA))
    assert abs(walras_residual(wedge_model.model.em)) < 1e-9
    reg = collect(wedge_model.model)["regions"]
    assert reg["gdp_income_bn_usd"].to_numpy() == pytest.approx(reg["gdp_expenditure_bn_usd"].to_numpy(), rel=1e-9)
    assert abs(reg["trade_balance_bn_usd"].sum()) < 1e-8


def test_bca_charge_falls_on_the_goods_at_fob_quantity_not_on_margins_or_taxes(wedge_model, wedged):
    wedge_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.2}, bca=FULL_BCA))
    m = wedge_model.model
    for f in m.em.flows:
        kinds = {k for _a, _p, k in f.revenue}
        if f.label and f.label[0] == "vtwr":
            assert not kinds & {"bca_charge", "bca_charge_returned"}
    t = collect(m)
    assert t["bca_flows"]["charge_bn_usd"].sum() > 0
    # charge = carbon price x intensity x goods quantity (the goods valued at the exporter's price)
    qty = dict(m.em.flow_values())
    pco2 = {r: m.vars["PCO2"][r].value for r in wedged.regions}
    for row in t["bca_flows"].itertuples():
        theta = m.bca_theta[row.good, row.exporter, row.importer].value
        q = qty[("vxmd", row.good, row.exporter, row.importer)]
        assert row.charge_bn_usd == pytest.approx(pco2[row.importer] * theta * q, rel=1e-9)


def test_each_gtap_tax_is_collected_by_the_right_agent_at_its_data_value(wedge_model, wedged):
    from cge.expr.evaluate import PointEvaluator
    b = wedged
    wedge_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.0}))
    ev = PointEvaluator()
    got = {}
    for f in wedge_model.model.em.flows:
        q = ev(f.quantity)
        for agent, per_unit, kind in f.revenue:
            key = (agent.index(), kind)
            got[key] = got.get(key, 0.0) + ev(per_unit) * q
    use = np.concatenate([b.vid, b.fd], axis=2)
    want = {
        "export_tax": (b.tx * b.vxmd).sum(axis=(0, 2)),          # the exporter's agent
        "tariff": (b.tm * b.cif).sum(axis=(0, 1)),               # the importer's agent, on cif
        "factor_tax": (b.tf * b.vfm).sum(axis=(1, 2)),
        "purchase_tax": (b.tpd * b.vdm).sum(axis=1) + (b.tpi * b.imports_gross).sum(axis=1)
        + (b.tpu * use).sum(axis=(1, 2)),
    }
    for kind, values in want.items():
        assert any(abs(v) > 1e-6 for v in values), kind
        for r, v in zip(b.regions, values):
            assert got.get((r, kind), 0.0) == pytest.approx(v, rel=1e-10, abs=1e-9), (kind, r)


def test_elasticities_from_the_data_are_used_unless_the_scenario_overrides_them(wedge_model, wedged):
    el = wedge_model.model.el
    assert el("sigma_dm", "eite1") == 4.4 and el("sigma_mm", "eite1") == 8.8
    assert el("sigma_va", "s1") == 0.7
    wedge_model.model.apply(scenario(elasticities={"sigma_dm": {"eite1": 2.0}}))
    assert wedge_model.model.el("sigma_dm", "eite1") == 2.0
    assert wedge_model.model.elasticity["sigma_dm", "eite1"].value == 2.0
    wedge_model.model.apply(scenario())
    assert wedge_model.model.elasticity["sigma_dm", "eite1"].value == 4.4


def test_run_yaml_records_the_elasticities_used(tmp_path, wedged):
    import yaml

    from cge.results.run import run_scenarios
    from cge.results.write import write_results
    c = run_scenarios(wedged, [scenario(name="REF", policy={"instrument": "coalition_cap", "cut": 0.1}),
                               scenario(name="low", elasticities={"sigma_dm": {"eite1": 2.0}})])
    meta = yaml.safe_load((write_results(c, tmp_path / "out") / "run.yaml").read_text())
    rec = meta["elasticities"]
    assert rec["from_dataset"]["sigma_dm"]["eite1"] == 4.4
    assert rec["used"]["scenarios without overrides"]["sigma_dm"]["eite1"] == 4.4
    assert rec["used"]["low"]["sigma_dm"]["eite1"] == 2.0


def test_gtap_export_of_a_wedged_benchmark_reads_back_into_a_model_that_replicates(tmp_path, wedged):
    pytest.importorskip("polars_gdx")
    from cge.data import gtap
    back = gtap.read_gtap(gtap.write_gtap(wedged, tmp_path / "w.gdx"), name=wedged.name)
    res = Solver(back, scenario()).solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.0}))
    assert res.iterations == 0 and res.max_residual < 1e-8


def test_aggregated_gtap_data_with_intra_regional_trade_solve_a_coalition_cut(tmp_path, wedged):
    pytest.importorskip("polars_gdx")
    from cge.data import gtap
    path = gtap.write_gtap(wedged, tmp_path / "w.gdx")
    agg = gtap.read_gtap(path, regions={"r1": "n", "r2": "n", "r3": "s", "r4": "s", "r5": "s"},
                         region_groups={"annex1": ["n"]})
    assert agg.vxmd[:, 0, 0].sum() > 0  # trade between r1 and r2 is now inside region n
    solver = Solver(agg, scenario())
    res = solver.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.3}, bca=FULL_BCA))
    assert res.max_residual < 1e-8
    t = collect(solver.model)
    assert set(t["bca_flows"]["exporter"]) == {"s"}  # intra-regional trade is never charged
