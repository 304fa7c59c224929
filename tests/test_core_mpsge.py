"""MPSGE semantics of ``cge.core``: CET outputs, variable/condition pairing with fix/unfix between
solves, no silent wrong answers, and the public query API."""

import numpy as np
import pytest

from cge.core import query
from cge.core.blocks import TOP, AdValorem, Demand, Endowment, Input, Nest, Output, Production
from cge.core.model import EquilibriumModel, ModelDeclarationError, walras_residual
from cge.errors import CGEError
from cge.solve import compile_system, solve_model
from cge.solve.mcp import solve_mcp


def two_by_two(sigma=1.0, tax=0.0, quantity_k=50.0, agent="RA"):
    em = EquilibriumModel("2x2")
    X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
    PX, PY, PU, PL, PK = (em.commodities(n) for n in ("PX", "PY", "PU", "PL", "PK"))
    RA = em.consumers("RA")
    collector = RA if agent == "RA" else None
    em.add(Production(X, [Output(PX, 100, wedges=(AdValorem(collector, tax, kind="output_tax"),))],
                      [Input(PL, 50), Input(PK, quantity_k)], [Nest(TOP, sigma)]))
    em.add(Production(Y, [Output(PY, 50)], [Input(PL, 20), Input(PK, 30)], [Nest(TOP, sigma)]))
    em.add(Production(U, [Output(PU, 150)], [Input(PX, 100), Input(PY, 50)], [Nest(TOP, 1.0)]))
    em.add(Demand(RA, inputs=[Input(PU, 150)], endowments=[Endowment(PL, 77.0), Endowment(PK, 80.0)]))
    return em


def test_revenue_without_an_agent_is_a_declaration_error():
    em = two_by_two(tax=0.1, agent=None)
    with pytest.raises(ModelDeclarationError, match="names no agent") as err:
        em.build()
    assert isinstance(err.value, CGEError)


def test_elasticity_moved_across_regimes_recompiles_and_matches_a_fresh_build():
    em = EquilibriumModel("regimes")
    sigma = em.parameter("sigma", values=1.0)
    ref = two_by_two(sigma=1.5)
    ref.set_numeraire(ref.pyomo.PL)
    ref.build()
    solve_model(ref.pyomo, tol=1e-12)
    # the same model with a mutable elasticity, built as Cobb-Douglas, then moved to 1.5
    em = two_by_two(sigma=sigma)
    em.set_numeraire(em.pyomo.PL)
    em.build()
    system = compile_system(em.pyomo)
    system.solve(tol=1e-12)
    before = query.catalogue(em)            # derived from the first build's flows
    sigma.value = 1.5
    system.solve(tol=1e-12)
    assert em.n_builds == 2
    for n in ("X", "Y", "U", "PX", "PY", "PK", "RA"):
        assert em.pyomo.component(n).value == pytest.approx(ref.pyomo.component(n).value, abs=1e-10), n
    # the result tables read the recompiled flows, not the first build's
    assert query.catalogue(em) is not before
    mine, fresh = query.flows(em), query.flows(ref)
    assert mine["quantity"].to_numpy() == pytest.approx(fresh["quantity"].to_numpy(), abs=1e-9)
    sigma.value = 1.2   # within the CES regime: no recompile
    system.solve(tol=1e-12)
    assert em.n_builds == 2


def test_fixing_a_variable_drops_its_condition_and_unfixing_restores_it():
    em = two_by_two()
    em.build()
    m = em.pyomo
    em.fix(m.PL, 1.0)                        # the numeraire is just a fixed price
    assert not em.condition(m.PL).active and em.dropped() == [("PL", None)]
    system = compile_system(m)
    system.solve(tol=1e-12)
    pk_with_pl = m.PK.value
    em.unfix(m.PL)
    m.RA.fix(165.0)                         # Pyomo's own fix works too: the income condition goes
    system.solve(tol=1e-12)
    assert em.condition(m.PL).active and not em.condition(m.RA).active
    assert m.PL.value == pytest.approx(1.0, abs=1e-10) and m.PK.value == pytest.approx(pk_with_pl, abs=1e-10)
    assert abs(walras_residual(em)) < 1e-10
    assert em.n_builds == 1


def test_fixing_an_activity_level_drops_its_zero_profit_condition():
    em = two_by_two()
    em.set_numeraire(em.pyomo.PL)
    em.build()
    m = em.pyomo
    em.fix(m.X, 1.2)
    solve_model(m, tol=1e-12)
    cond = query.conditions(em).set_index("variable")
    assert not cond.loc["X", "active"] and cond.loc["X", "residual"] != pytest.approx(0.0, abs=1e-6)
    assert m.X.value == 1.2


def _model_with_mutable_quantities():
    """Two sectors whose benchmark quantities are parameters: capital in X (with its reference
    price) and the labour Y supplies."""
    em = EquilibriumModel("mutable")
    X, Y = em.sectors("X"), em.sectors("Y")
    PX, PL, PK = (em.commodities(n) for n in ("PX", "PL", "PK"))
    RA = em.consumers("RA")
    qk = em.parameter("qk", values=50.0)
    ref = em.parameter("ref", values=1.0)
    lab = em.parameter("lab", values=50.0)
    em.add(Production(X, [Output(PX, 100)], [Input(PL, 50), Input(PK, qk, reference_price=ref)], [Nest(TOP, 1.0)]))
    em.add(Production(Y, [Output(PL, lab, label=("labour",))], [Input(PK, 50)]))
    em.add(Demand(RA, inputs=[Input(PX, 100)], endowments=[Endowment(PK, 100.0)]))
    em.set_numeraire(em.pyomo.PX)
    em.build()
    return em, qk, ref, lab


def test_mutable_quantities_and_reference_prices_resolve_without_rebuilding():
    em, qk, ref, lab = _model_with_mutable_quantities()
    system = compile_system(em.pyomo)
    assert system.solve().iterations == 0
    qk.value, ref.value = 60.0, 1.2    # benchmark value of capital in X: 50 -> 72 (an unbalanced benchmark)
    lab.value = 55.0
    system.solve(tol=1e-12)
    assert em.n_builds == 1
    # the benchmark value of X's inputs is 122, bought at PL = PK = 1 while capital's reference is 1.2
    assert em.imbalance().set_index("sector").loc["X", "imbalance"] == pytest.approx(100 - 122 / 1.2 ** (72 / 122))


def test_a_quantity_parameter_made_negative_after_solves_is_still_refused():
    """The checks before a solve are skipped while the parameters they read keep their values
    (re-solves along a policy path); moving one of them runs them again."""
    em, qk, _ref, lab = _model_with_mutable_quantities()
    system = compile_system(em.pyomo)
    system.solve(tol=1e-12)
    lab.value = 55.0
    system.solve(tol=1e-12)
    qk.value = -5.0
    with pytest.raises(ModelDeclarationError, match="must be non-negative"):
        system.solve(tol=1e-12)
    qk.value = 50.0
    system.solve(tol=1e-12)
    assert em.n_builds == 1


def test_cet_supplies_obey_hotelling_and_revenue_is_exhausted():
    """At arbitrary seller prices, supplies per unit are (x_o / r)^t times the benchmark and the
    revenue function equals the value of those supplies (Euler)."""
    em = EquilibriumModel("cet")
    Z = em.sectors("Z")
    PA, PB, PL = (em.commodities(n) for n in ("PA", "PB", "PL"))
    RA = em.consumers("RA")
    em.add(Production(Z, [Output(PA, 30), Output(PB, 70, reference_price=1.0)], [Input(PL, 100)],
                      transformation=2.5))
    em.add(Demand(RA, inputs=[Input(PA, 30), Input(PB, 70)], endowments=[Endowment(PL, 100.0)]))
    em.build()
    m = em.pyomo
    m.PA.set_value(1.3)
    m.PB.set_value(0.8)
    r = (0.3 * 1.3 ** 3.5 + 0.7 * 0.8 ** 3.5) ** (1 / 3.5)
    supply_a = query.quantity(em, ("Z", None), "PA", per_unit=True)
    supply_b = query.quantity(em, ("Z", None), "PB", per_unit=True)
    assert supply_a == pytest.approx(30 * (1.3 / r) ** 2.5, rel=1e-12)
    assert supply_b == pytest.approx(70 * (0.8 / r) ** 2.5, rel=1e-12)
    assert 1.3 * supply_a + 0.8 * supply_b == pytest.approx(100 * r, rel=1e-12)
    em.fix(m.PL, 1.0)
    res = solve_mcp(em)
    assert res.max_residual < 1e-10 and abs(res.walras_residual) < 1e-10


def test_query_api_reports_flows_revenue_and_residuals_of_a_taxed_economy():
    em = two_by_two(tax=0.1)
    em.set_numeraire(em.pyomo.PL)
    em.build()
    m = em.pyomo
    solve_model(m, tol=1e-12)
    flows = query.flows(em)
    assert set(flows["role"]) == {"input", "output", "final_demand", "endowment"}
    x_out = flows[(flows["block"] == "X") & (flows["role"] == "output")].iloc[0]
    assert x_out["quantity"] == pytest.approx(100 * m.X.value, rel=1e-12)
    assert x_out["quantity_per_unit"] == pytest.approx(100.0)
    rev = query.revenue_by_agent(em)
    assert list(rev["kind"]) == ["output_tax"]
    assert rev["revenue"].iloc[0] == pytest.approx(0.1 * m.PX.value * 100 * m.X.value, rel=1e-12)
    # income = factor income + tax revenue
    assert m.RA.value == pytest.approx(77 * m.PL.value + 80 * m.PK.value + rev["revenue"].iloc[0], rel=1e-10)
    res = query.conditions(em)
    assert np.all(np.abs(res.loc[res["active"], "residual"]) < 1e-10)
    assert len(query.market_residuals(em)) == 5 and len(query.profit_residuals(em)) == 3
    assert abs(query.walras_check(em)) < 1e-10


def test_smoothing_continuation_reaches_the_same_equilibrium_with_a_shut_down_sector():
    """The fallback of the complementarity route (smoothed Fischer-Burmeister, μ → 0) finds the
    same solution as semismooth Newton, including an activity at zero."""
    def model():
        em = two_by_two()
        Z = em.sectors("Z")
        em.add(Production(Z, [Output(em.pyomo.PX, 10)], [Input(em.pyomo.PL, 10, reference_price=1.0,
                                                               wedges=(AdValorem(em.pyomo.RA, 1.0),))]))
        em.set_numeraire(em.pyomo.PL)
        em.build()
        return em
    direct, smooth = model(), model()
    a = solve_mcp(direct)
    b = solve_mcp(smooth, smoothing=True)
    assert "smoothing continuation" in b.message
    assert set(a.at_bounds["variable"]) == set(b.at_bounds["variable"]) == {"Z"}
    for n in ("X", "Y", "U", "PX", "PK", "RA", "Z"):
        assert smooth.pyomo.component(n).value == pytest.approx(direct.pyomo.component(n).value, rel=1e-9, abs=1e-9)


def test_a_negative_quantity_parameter_is_refused_before_the_solve():
    em, _qk, _ref, lab = _model_with_mutable_quantities()
    system = compile_system(em.pyomo)
    lab.value = -5.0
    with pytest.raises(ModelDeclarationError, match=r"Y.*quantity of \('labour',\) is -5"):
        system.solve()
    lab.value = 55.0
    assert system.solve().max_residual < 1e-8   # a valid value solves again


def leontief_with_a_free_factor(sigma=1.0, labour=80.0):
    """Two sectors with different factor proportions; once Leontief with labour doubled to 160,
    capital binds and labour is a free good (price 0): X = 4/3, Y = 0.8, PX = 3/8, PY = 5/8."""
    em = EquilibriumModel("free_factor")
    X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
    PX, PY, PU, PL, PK = (em.commodities(n) for n in ("PX", "PY", "PU", "PL", "PK"))
    RA = em.consumers("RA")
    sigma = em.parameter("sigma", values=sigma)
    labour = em.parameter("labour", values=labour)
    em.add(Production(X, [Output(PX, 80)], [Input(PL, 50), Input(PK, 30)], [Nest(TOP, sigma)]))
    em.add(Production(Y, [Output(PY, 80)], [Input(PL, 30), Input(PK, 50)], [Nest(TOP, sigma)]))
    em.add(Production(U, [Output(PU, 160)], [Input(PX, 80), Input(PY, 80)], [Nest(TOP, 1.0)]))
    em.add(Demand(RA, inputs=[Input(PU, 160)], endowments=[Endowment(PL, labour), Endowment(PK, 80.0)]))
    em.set_numeraire(PK)
    em.build()
    return em, sigma, labour


FREE_LABOUR = {"X": 4 / 3, "Y": 0.8, "PX": 0.375, "PY": 0.625, "PL": 0.0, "PK": 1.0, "RA": 80.0}


def test_a_recompile_keeps_the_first_builds_equation_scales():
    em, sigma, labour = leontief_with_a_free_factor()
    solve_mcp(em)
    labour.value = 160.0                        # labour market: (160 - 80) / 80 at the benchmark
    assert query.market_residuals(em).set_index("variable").loc["PL", "residual"] == pytest.approx(1.0)
    sigma.value = 0.0                           # Cobb-Douglas -> Leontief: recompiled in place
    em.before_solve()
    assert em.n_builds == 2
    assert query.market_residuals(em).set_index("variable").loc["PL", "residual"] == pytest.approx(1.0)


def test_a_leontief_economy_recompiled_from_cobb_douglas_finds_its_free_factor():
    em, sigma, labour = leontief_with_a_free_factor()
    solve_mcp(em)
    sigma.value, labour.value = 0.0, 160.0
    res = solve_mcp(em)
    assert em.n_builds == 2 and "PL" in set(res.at_bounds["variable"])
    for k, x in FREE_LABOUR.items():
        assert em.pyomo.component(k).value == pytest.approx(x, abs=1e-9), k


def test_imbalance_of_a_benchmark_that_replicates_is_zero_at_any_reference_prices_and_nests():
    """X's output has a reference price of 1.4 (fixed proportions: revenue is q·PX whatever it
    is), and a nested household U buys at reference prices of 1.2 (its cost index at the benchmark
    is 1/1.2 of C̄ = 180): both blocks make zero profit at the benchmark, which replicates."""
    em = EquilibriumModel("references")
    X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
    PX, PY, PU, PL, PK = (em.commodities(n) for n in ("PX", "PY", "PU", "PL", "PK"))
    RA = em.consumers("RA")
    em.add(Production(X, [Output(PX, 100, reference_price=1.4)], [Input(PL, 50), Input(PK, 50)], [Nest(TOP, 1.0)]))
    em.add(Production(Y, [Output(PY, 50)], [Input(PL, 20), Input(PK, 30)], [Nest(TOP, 1.0)]))
    em.add(Production(U, [Output(PU, 150)],
                      [Input(PX, 100, "goods", reference_price=1.2), Input(PY, 50, "services", reference_price=1.2)],
                      [Nest(TOP, 0.5), Nest("goods", 2.0, TOP), Nest("services", 1.0, TOP)]))
    em.add(Demand(RA, inputs=[Input(PU, 150)], endowments=[Endowment(PL, 70.0), Endowment(PK, 80.0)]))
    em.set_numeraire(PL)
    em.build()
    assert compile_system(em.pyomo).solve().iterations == 0
    imbalance = em.imbalance().set_index("sector")
    assert imbalance["imbalance"].abs().max() < 1e-12
    assert imbalance.loc["U", "benchmark_cost"] == pytest.approx(150.0, rel=1e-12)


def test_imbalance_is_the_zero_profit_gap_at_the_benchmark_point():
    """An unbalanced benchmark: X pays capital 1.2 in the data while PK is 1 at the benchmark, so
    it makes the loss ``100 − C̄·c(x̄)`` per unit there, which is what its zero-profit row says."""
    em, qk, ref, _lab = _model_with_mutable_quantities()
    qk.value, ref.value = 60.0, 1.2
    cost = 122 * (1 / 1.2) ** (72 / 122)             # Cobb-Douglas cost at PL = PK = 1
    x = em.imbalance().set_index("sector").loc["X"]
    assert x["benchmark_cost"] == pytest.approx(cost, rel=1e-12)
    assert x["imbalance"] == pytest.approx(100 - cost, rel=1e-12)
    profit = query.profit_residuals(em).set_index("variable").loc["X", "residual"]
    assert profit * 100 == pytest.approx(-x["imbalance"], rel=1e-12)   # row scale: the first build's cost


@pytest.mark.parametrize("start", [
    {},                                                   # the benchmark: incomes match the prices
    {"RA": 160.0},                                        # the income of the economy with 80 of labour
    {"RA": 80.0},
    {"X": 1.564, "Y": 1.095, "U": 1.153, "PX": 1.614, "PY": 0.946, "PL": 1.522, "PU": 1.48, "RA": 283.0},
    {"X": 2.437, "Y": 0.033, "U": 0.131, "PX": 1.813, "PY": 0.429, "PL": 51.22, "PU": 29.67, "RA": 3.374},
], ids=["benchmark", "income-160", "income-80", "far", "very-far"])
def test_a_leontief_economy_with_a_free_factor_solves_from_any_start_point(start):
    """Built directly with doubled labour: from a start whose income does not match its prices,
    semismooth Newton used to run every price but the numeraire off to infinity (a pseudo-solution
    where capital is free) and stall there."""
    em, _sigma, _labour = leontief_with_a_free_factor(sigma=0.0, labour=160.0)
    for name, x in start.items():
        em.pyomo.component(name).set_value(x)
    res = solve_mcp(em)
    assert res.max_residual < 1e-9 and abs(res.walras_residual) < 1e-9
    for k, x in FREE_LABOUR.items():
        assert em.pyomo.component(k).value == pytest.approx(x, abs=1e-9), k
