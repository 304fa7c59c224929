"""The carbon-pricing and BCA model on random balanced benchmarks: the checks of checks.md."""

import numpy as np
import pytest
from conftest import Solver, scenario
from pyomo.environ import value

from cge.bca.model import BCAModel
from cge.core.model import walras_residual
from cge.results.tables import collect
from cge.scenarios.options import solver_default
from cge.solve import compile_system, solve_model

FULL_BCA = {"import_charge": True, "export_rebate": True, "basis": "direct+electricity", "coverage": "eite"}
#: the Newton stop test: converged when max|F| <= tol on the scaled rows
SOLVER_TOL = solver_default("tol")
#: how far below the tolerance the benchmark must replicate: the scaled rows carry floating-point noise of a
#: few 1e-16 that differs between BLAS kernels (SkylakeX, Haswell, ...), so a benchmark residual of the order
#: of the tolerance itself replicates in 0 iterations on one CPU and needs a Newton step on another
REPLICATION_MARGIN = 0.1


def unknowns(model):
    return {v.name: v.value for name, var in model.vars.items() if var != {}
            for v in (var.values() if var.is_indexed() else [var]) if not v.fixed}


@pytest.mark.parametrize("policy", [{"instrument": "coalition_cap", "cut": 0.0},
                                    {"instrument": "regional_cap", "cut": 0.0},
                                    {"instrument": "tax", "tax_usd_per_t": 0.0}])
def test_benchmark_residual_is_far_below_the_solver_tolerance_on_every_row(small_benchmark, policy):
    solver = Solver(small_benchmark, scenario(policy=policy))
    solver.model.reset_to_benchmark()
    compiled = solver.compiled
    start = np.array([v.value for v in compiled.unknowns])
    residuals = np.abs(compiled.residuals(start, compiled.param_values()))
    worst = int(residuals.argmax())
    assert residuals[worst] <= REPLICATION_MARGIN * SOLVER_TOL, compiled.rows.cons[worst].name


def test_benchmark_replicates_with_zero_iterations(cap_model):
    res = cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.0}))
    assert res.iterations == 0
    assert res.max_residual <= SOLVER_TOL
    m = cap_model.model
    for name in ("Y", "A", "C", "PY", "PA", "PC", "PF"):
        assert all(abs(v.value - 1) < 1e-12 for v in m.vars[name].values()), name


def test_benchmark_flows_rebuilt_from_the_solution_equal_the_data(cap_model, small_benchmark):
    """A solution accepted by the solver is within the tolerance of the benchmark on the scaled rows
    (unit prices and activity levels), so the flows it implies equal the data to that relative tolerance."""
    b = small_benchmark
    cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.0}))
    flows = dict(cap_model.model.em.flow_values())
    R, J, F = b.regions, b.sectors, b.factors
    for (r, i, j), v in np.ndenumerate(b.vid):
        if v > 0:
            assert flows[("vid", R[r], J[i], J[j])] == pytest.approx(v, rel=SOLVER_TOL)
    for (r, f, j), v in np.ndenumerate(b.vfm):
        if v > 0:
            assert flows[("vfm", R[r], F[f], J[j])] == pytest.approx(v, rel=SOLVER_TOL)
    for (i, s, r), v in np.ndenumerate(b.vxmd):
        if v > 0:
            assert flows[("vxmd", J[i], R[s], R[r])] == pytest.approx(v, rel=SOLVER_TOL)
    for (r, i), v in np.ndenumerate(b.vc):
        if v > 0:
            assert flows[("vc", R[r], J[i])] == pytest.approx(v, rel=SOLVER_TOL)
    emissions = cap_model.model.emissions()
    assert [emissions[r] for r in R] == pytest.approx(list(b.emissions), rel=SOLVER_TOL)


def test_zero_carbon_tax_reproduces_the_benchmark(tax_model):
    res = tax_model.solve(scenario(policy={"instrument": "tax", "tax_usd_per_t": 0.0}))
    assert res.iterations == 0
    assert all(abs(v - 1) < 1e-12 for k, v in unknowns(tax_model.model).items() if k.startswith(("Y[", "PA[")))


def test_bca_at_zero_carbon_price_changes_nothing(tax_model):
    bench = scenario(policy={"instrument": "tax", "tax_usd_per_t": 0.0})
    tax_model.solve(bench)
    base = unknowns(tax_model.model)
    every_switch = scenario(
        policy={"instrument": "tax", "tax_usd_per_t": 0.0},
        bca={**FULL_BCA, "credit_foreign_carbon_price": True, "revenue": "exporter", "benchmark": "best"},
        output_based_rebates={"enabled": True},
    )
    res = tax_model.solve(every_switch)
    after = unknowns(tax_model.model)
    assert max(abs(after[k] - base[k]) / max(1.0, abs(base[k])) for k in base) < 1e-12
    assert res.iterations == 0


def test_emissions_fall_as_the_carbon_price_rises(tax_model, small_benchmark):
    coalition = [r for r in small_benchmark.regions if r in small_benchmark.tags.region_groups["annex1"]]
    totals = []
    for tax in (0.0, 10.0, 40.0, 100.0):
        tax_model.solve(scenario(policy={"instrument": "tax", "tax_usd_per_t": tax}))
        e = tax_model.model.emissions()
        totals.append(sum(e[r] for r in coalition))
        assert collect(tax_model.model)["regions"].set_index("region").loc[
            coalition, "carbon_price_usd_per_t"].to_numpy() == pytest.approx(tax)
    assert all(a > b for a, b in zip(totals, totals[1:])), totals


def test_coalition_cap_is_met_and_priced(cap_model, small_benchmark):
    cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.2}))
    t = collect(cap_model.model)
    assert t["summary"]["coalition_abatement_pct"].iloc[0] == pytest.approx(20.0, abs=1e-6)
    assert t["summary"]["carbon_price_usd_per_t"].iloc[0] > 0


def test_slack_regional_cap_has_zero_price_not_a_negative_one(small_benchmark):
    # a cap at benchmark emissions does not bind: the complementarity gives a zero price
    sc = scenario(policy={"instrument": "regional_cap", "cut": 0.0})
    s = Solver(small_benchmark, sc)
    s.solve(sc)
    prices = collect(s.model)["regions"]["carbon_price_usd_per_t"]
    assert (prices >= -1e-9).all() and prices.abs().max() < 1e-6
    tight = scenario(policy={"instrument": "regional_cap", "cut": 0.1})
    s.solve(tight)
    t = collect(s.model)["regions"].set_index("region")
    for r in small_benchmark.tags.region_groups["annex1"]:
        assert t.loc[r, "emissions_change_pct"] == pytest.approx(-10.0, abs=1e-6)
        assert t.loc[r, "carbon_price_usd_per_t"] > 0


def test_walras_law_dropped_market_clears_after_a_large_shock(cap_model):
    cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.5}, bca=FULL_BCA))
    assert abs(walras_residual(cap_model.model.em)) < 1e-8


def test_homogeneity_doubling_the_numeraire_doubles_prices_and_leaves_quantities(cap_model):
    sc = scenario(policy={"instrument": "coalition_cap", "cut": 0.3}, bca=FULL_BCA)
    cap_model.solve(sc)
    base = unknowns(cap_model.model)
    pw = cap_model.model.vars["PW"]
    try:
        pw.fix(2.0)
        cap_model.solve(sc)
        scaled = unknowns(cap_model.model)
    finally:
        pw.fix(1.0)
    for k, v in base.items():
        if k.startswith(("P", "RA")):
            assert scaled[k] == pytest.approx(2 * v, rel=1e-8, abs=1e-12), k
        else:
            assert scaled[k] == pytest.approx(v, rel=1e-8, abs=1e-12), k


def test_numeraire_choice_does_not_change_real_results(small_benchmark):
    sc = scenario(policy={"instrument": "coalition_cap", "cut": 0.25}, bca=FULL_BCA)
    a = Solver(small_benchmark, sc)
    a.solve(sc)
    ta = collect(a.model)
    alt = scenario(policy={"instrument": "coalition_cap", "cut": 0.25}, bca=FULL_BCA, numeraire="PC:r3")
    b = Solver(small_benchmark, alt)
    b.solve(alt)
    tb = collect(b.model)
    for col in ("ev_pct", "emissions_mt", "carbon_price_usd_per_t", "gdp_income_bn_usd", "terms_of_trade_pct"):
        assert tb["regions"][col].to_numpy() == pytest.approx(ta["regions"][col].to_numpy(), rel=1e-7, abs=1e-9)
    assert value(b.model.vars["PC"]["r3"]) == 1.0
    assert value(b.model.vars["PW"]) != pytest.approx(1.0, abs=1e-6)


def test_gdp_by_income_equals_gdp_by_expenditure_after_shocks(cap_model):
    for design in (FULL_BCA, {**FULL_BCA, "revenue": "exporter"}, {"import_charge": True, "basis": "total"}):
        cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.3}, bca=design,
                                 output_based_rebates={"enabled": True}))
        reg = collect(cap_model.model)["regions"]
        assert reg["gdp_income_bn_usd"].to_numpy() == pytest.approx(reg["gdp_expenditure_bn_usd"].to_numpy(),
                                                                    rel=1e-9)


def test_bca_revenue_is_fully_accounted_for(cap_model):
    cap_model.solve(scenario(bca={**FULL_BCA, "revenue": "exporter"}))
    t = collect(cap_model.model)
    flows, reg = t["bca_flows"], t["regions"]
    assert flows["charge_bn_usd"].sum() == pytest.approx(
        (reg["bca_revenue_kept_bn_usd"] + reg["bca_revenue_returned_received_bn_usd"]).sum(), rel=1e-12)
    # revenue returned to exporters: nothing kept by importers, all received by the exporters
    assert reg["bca_revenue_kept_bn_usd"].abs().max() < 1e-12
    by_exporter = flows.groupby("exporter")["charge_bn_usd"].sum()
    received = reg.set_index("region")["bca_revenue_returned_received_bn_usd"]
    for r, v in by_exporter.items():
        assert received[r] == pytest.approx(v, rel=1e-12)


def test_permit_sales_sum_to_zero_under_coalition_trading(cap_model, small_benchmark):
    cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.3}))
    m = cap_model.model
    pco2 = value(m.vars["PCO2"]["r1"])
    e = m.emissions()
    sales = [pco2 * ((1 - 0.3) * e0 - e[r]) for r, e0 in zip(small_benchmark.regions, small_benchmark.emissions)
             if r in m.coalition]
    assert sum(sales) == pytest.approx(0.0, abs=1e-8)
    assert max(abs(s) for s in sales) > 1e-3  # members do trade


def test_ref_leakage_is_positive_and_full_bca_lowers_it(cap_model):
    cap_model.solve(scenario(name="REF"))
    ref = collect(cap_model.model)["summary"].iloc[0]
    cap_model.solve(scenario(name="BCA", bca=FULL_BCA))
    bca = collect(cap_model.model)["summary"].iloc[0]
    assert ref["leakage_rate_pct"] > 0
    assert bca["leakage_rate_pct"] < ref["leakage_rate_pct"]
    assert bca["coalition_abatement_pct"] == pytest.approx(ref["coalition_abatement_pct"], abs=1e-6)


def test_import_charge_shifts_the_burden_to_non_coalition_regions(cap_model):
    cap_model.solve(scenario(name="REF"))
    ref = collect(cap_model.model)["summary"].iloc[0]
    cap_model.solve(scenario(name="BCA", bca={"import_charge": True}))
    bca = collect(cap_model.model)["summary"].iloc[0]
    assert bca["ev_rest_bn_usd"] < ref["ev_rest_bn_usd"]
    assert bca["ev_coalition_bn_usd"] > ref["ev_coalition_bn_usd"]


def test_exempting_a_region_group_removes_its_charge(cap_model, small_benchmark):
    ldc = set(small_benchmark.tags.region_groups["ldc"])
    cap_model.solve(scenario(bca={"import_charge": True}))
    charged = set(collect(cap_model.model)["bca_flows"]["exporter"])
    assert ldc <= charged
    cap_model.solve(scenario(bca={"import_charge": True, "exempt": ["ldc"]}))
    flows = collect(cap_model.model)["bca_flows"]
    assert not flows.empty
    assert not ldc & set(flows["exporter"])


def test_coalition_members_are_exempt_unless_switched_off(cap_model, small_benchmark):
    members = set(small_benchmark.tags.region_groups["annex1"])
    cap_model.solve(scenario(bca={"import_charge": True}))
    assert not members & set(collect(cap_model.model)["bca_flows"]["exporter"])
    cap_model.solve(scenario(bca={"import_charge": True, "exempt_coalition": False}))
    flows = collect(cap_model.model)["bca_flows"]
    assert members <= set(flows["exporter"])
    # crediting the partner's (equal) permit price leaves nothing to charge between members
    cap_model.solve(scenario(bca={"import_charge": True, "exempt_coalition": False,
                                  "credit_foreign_carbon_price": True}))
    flows = collect(cap_model.model)["bca_flows"]
    within = flows[flows["exporter"].isin(members)]
    assert within["charge_bn_usd"].abs().sum() < 1e-6


def test_only_implementing_members_charge_imports(cap_model):
    cap_model.solve(scenario(bca={"import_charge": True, "implementers": ["r1"]}))
    assert set(collect(cap_model.model)["bca_flows"]["importer"]) == {"r1"}


def test_bilateral_trade_balances_sum_to_zero_and_match_the_bop(cap_model, small_benchmark):
    cap_model.solve(scenario(policy={"instrument": "coalition_cap", "cut": 0.3},
                             bca={**FULL_BCA, "revenue": "exporter"}))
    reg = collect(cap_model.model)["regions"]
    assert reg["trade_balance_bn_usd"].sum() == pytest.approx(0.0, abs=1e-8)
    # the current account: trade balance + bop transfer + permit sales = 0 (all deflated by PW)
    m = cap_model.model
    pco2 = value(m.vars["PCO2"]["r1"])
    e = m.emissions()
    for k, r in enumerate(small_benchmark.regions):
        permits = pco2 * (0.7 * small_benchmark.emissions[k] - e[r]) if r in m.coalition else 0.0
        current = reg.loc[k, "trade_balance_bn_usd"] + small_benchmark.bop[k] + permits
        assert current == pytest.approx(0.0, abs=1e-7), r


def test_terms_of_trade_count_export_rebates_as_a_price_cut(cap_model):
    cap_model.solve(scenario(bca={"import_charge": True}))
    charge_only = collect(cap_model.model)["regions"].set_index("region")["terms_of_trade_pct"]
    cap_model.solve(scenario(bca={"import_charge": True, "export_rebate": True}))
    with_rebate = collect(cap_model.model)["regions"].set_index("region")["terms_of_trade_pct"]
    for r in cap_model.model.coalition:  # rebating exporters sell abroad for less
        assert with_rebate[r] < charge_only[r]


def test_two_solver_routes_agree(small_benchmark):
    pytest.importorskip("pyomo_pounce")
    sc = scenario(bca=FULL_BCA)
    a = BCAModel(small_benchmark, sc)
    solve_model(a.pyomo, route="casadi")
    b = BCAModel(small_benchmark, sc)
    solve_model(b.pyomo, route="pounce")
    ua, ub = unknowns(a), unknowns(b)
    assert max(abs(ua[k] - ub[k]) / max(1, abs(ua[k])) for k in ua) < 1e-6


def test_same_inputs_give_the_same_outputs(small_benchmark):
    sc = scenario(bca=FULL_BCA)
    runs = []
    for _ in range(2):
        m = BCAModel(small_benchmark, sc)
        compile_system(m.pyomo).solve()
        runs.append(collect(m)["regions"])
    assert runs[0].equals(runs[1])


def test_re_solve_without_rebuild_equals_a_fresh_build(cap_model, small_benchmark):
    sc = scenario(policy={"instrument": "coalition_cap", "cut": 0.15}, bca={"import_charge": True, "basis": "total"})
    cap_model.solve(scenario(bca=FULL_BCA), cold=False)
    cap_model.solve(sc, cold=False)  # warm start from another design
    warm = collect(cap_model.model)["regions"]
    fresh = BCAModel(small_benchmark, sc)
    compile_system(fresh.pyomo).solve()
    cold = collect(fresh)["regions"]
    assert warm["ev_pct"].to_numpy() == pytest.approx(cold["ev_pct"].to_numpy(), abs=1e-8)


def test_elasticity_change_re_solves_without_rebuild_and_equals_a_fresh_build(cap_model, small_benchmark):
    sc = scenario(elasticities={"sigma_dm": {"*": 5.0}, "eta": {"coa": 2.0}, "sigma_kle": 0.8})
    assert cap_model.model.structure == BCAModel(small_benchmark, sc).structure
    cap_model.solve(sc)
    warm = collect(cap_model.model)["regions"]
    fresh = BCAModel(small_benchmark, sc)
    compile_system(fresh.pyomo).solve()
    assert warm["ev_pct"].to_numpy() == pytest.approx(collect(fresh)["regions"]["ev_pct"].to_numpy(), abs=1e-9)
    cap_model.solve(scenario())
    default = collect(cap_model.model)["regions"]
    assert not np.allclose(default["ev_pct"], warm["ev_pct"], atol=1e-6)  # the elasticities did matter


def test_an_elasticity_changing_regime_needs_a_new_model(cap_model):
    from cge.errors import ScenarioError

    with pytest.raises(ScenarioError, match="changes the model structure"):
        cap_model.model.apply(scenario(elasticities={"sigma_va": 0.5}))  # Cobb-Douglas -> general CES
