"""MPSGE semantics of fixing in ``cge.core``: the model is calibrated at the benchmark whatever was
fixed before the build (the fixed values are the counterfactual's), and an over-fixed model (more
fixed prices or incomes than Walras' law makes redundant) is an error on every solve route."""

import pytest

from cge.core.blocks import Demand, Endowment, Input, Nest, Output, Production
from cge.core.model import EquilibriumModel
from cge.solve import SolveError, compile_system, solve_model
from cge.solve._routes import route_available
from cge.solve.mcp import solve_mcp

#: GAMS/MPSGE solution of the README's 2x2 economy, labour endowment 70 -> 77, income fixed at 157
MPSGE_RA_157 = {"RA": 157.0, "PL": 0.9515151513, "PK": 1.046666667}
#: its real quantities (as with any numeraire; tests/test_textbook_2x2.py, six digits)
MPSGE_QUANTITIES = {"X": 1.048809, "Y": 1.038860, "U": 1.045482}


def two_by_two():
    """The README's 2x2 economy (MPSGE test suite) with the labour endowment a parameter at 70."""
    em = EquilibriumModel("2x2")
    X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
    PX, PY, PU, PL, PK = (em.commodities(n) for n in ("PX", "PY", "PU", "PL", "PK"))
    RA = em.consumers("RA")
    labour = em.parameter("labour", values=70.0)
    cd = [Nest("top", 1.0)]
    em.add(Production(X, [Output(PX, 100)], [Input(PL, 50), Input(PK, 50)], cd))
    em.add(Production(Y, [Output(PY, 50)], [Input(PL, 20), Input(PK, 30)], cd))
    em.add(Production(U, [Output(PU, 150)], [Input(PX, 100), Input(PY, 50)], cd))
    em.add(Demand(RA, inputs=[Input(PU, 150)], endowments=[Endowment(PL, labour), Endowment(PK, 80)]))
    return em, labour


def values(em) -> dict:
    return {n: em.pyomo.component(n).value for n in ("X", "Y", "U", "PX", "PY", "PU", "PL", "PK", "RA")}


def test_fixing_income_before_the_build_is_the_counterfactual_value():
    em, labour = two_by_two()
    em.fix(em.pyomo.RA, 157.0)            # MPSGE: RA.FX = 157, declared before the build
    em.build()
    assert em.pyomo.RA.value == 157.0 and em.pyomo.RA.fixed
    labour.value = 77.0
    solve_model(em.pyomo, tol=1e-12)
    for k, x in MPSGE_RA_157.items():
        assert values(em)[k] == pytest.approx(x, abs=1e-8), k
    for k, x in MPSGE_QUANTITIES.items():
        assert values(em)[k] == pytest.approx(x, abs=1e-6), k


@pytest.mark.parametrize("how", ["em.fix", "pyomo fix"])
def test_fixing_before_or_after_the_build_gives_the_same_equilibrium(how):
    def fix(em, name, value_):
        var = em.pyomo.component(name)
        em.fix(var, value_) if how == "em.fix" else var.fix(value_)

    for name, value_ in (("RA", 157.0), ("PL", 2.0)):
        before, lab_before = two_by_two()
        fix(before, name, value_)
        before.build()
        after, lab_after = two_by_two()
        after.build()
        fix(after, name, value_)
        lab_before.value = lab_after.value = 77.0
        solve_model(before.pyomo, tol=1e-12)
        solve_model(after.pyomo, tol=1e-12)
        for k, x in values(after).items():
            assert values(before)[k] == pytest.approx(x, rel=1e-10), (name, k)


def test_a_price_fixed_before_the_build_does_not_move_the_calibration_point():
    em, labour = two_by_two()
    em.fix(em.pyomo.PL, 2.0)
    em.build()
    assert compile_system(em.pyomo).solve().iterations > 0   # PL = 2 is not the benchmark
    labour.value = 77.0
    solve_model(em.pyomo, tol=1e-12)
    got = values(em)
    assert got["X"] == pytest.approx(MPSGE_QUANTITIES["X"], abs=1e-6)  # real quantities: as at PL = 1
    assert got["PK"] == pytest.approx(2.2, abs=1e-8)         # twice the PL = 1 solution (PK = 1.1)
    assert got["PL"] == 2.0


def test_values_given_before_the_build_are_restored_as_the_start_point():
    em, _labour = two_by_two()
    em.pyomo.X.set_value(1.3)                 # a start value, not a fixing
    em.build()
    assert em.pyomo.X.value == 1.3 and not em.pyomo.X.fixed
    assert em.benchmark_values[id(em.pyomo.X)] == 1.0
    solve_model(em.pyomo, tol=1e-12)
    assert em.pyomo.X.value == pytest.approx(1.0, abs=1e-10)   # the benchmark is the solution


# ----- over-fixing: two numeraires ------------------------------------------------------------
def over_fixed():
    em, labour = two_by_two()
    em.build()
    em.fix(em.pyomo.PL, 1.0)
    em.fix(em.pyomo.PK, 1.0)       # a second numeraire: the capital market can no longer clear
    labour.value = 77.0
    return em


def solve_on(route, em):
    if route == "mcp":
        return solve_mcp(em)
    if route.startswith("casadi-"):
        return solve_model(em.pyomo, route="casadi", method=route.split("-")[1])
    ok, why = route_available(route)
    if not ok:
        pytest.skip(f"route {route} unavailable here: {why}")
    return solve_model(em.pyomo, route=route)


@pytest.mark.parametrize("route", ["casadi-auto", "casadi-newton", "casadi-ipopt", "ipopt", "pounce", "mcp"])
def test_an_over_fixed_model_is_an_error_on_every_route_naming_the_fixed_variables(route):
    em = over_fixed()
    with pytest.raises(SolveError, match=r"over-fixed.*PL.*PK") as err:
        solve_on(route, em)
    assert "market_PK" in str(err.value) or "market_PL" in str(err.value)
    assert em.pyomo.X.value == 1.0           # variables restored


def test_two_numeraires_that_are_consistent_at_the_benchmark_replicate_it():
    """Over-fixing is about the solution, not a count: at the benchmark both fixed prices are
    the equilibrium ones, so nothing is violated and the benchmark replicates."""
    em, _labour = two_by_two()
    em.build()
    em.fix(em.pyomo.PL, 1.0)
    em.fix(em.pyomo.PK, 1.0)
    assert solve_model(em.pyomo).iterations == 0


def test_a_numeraire_at_two_is_a_counterfactual_value_not_the_benchmark():
    em, labour = two_by_two()
    em.pyomo.PL.set_value(3.0)            # a start value, then the numeraire's own value wins
    em.set_numeraire(em.pyomo.PL, 2.0)
    em.build()
    assert em.pyomo.PL.value == 2.0 and em.pyomo.PL.fixed
    assert em.benchmark_values[id(em.pyomo.PL)] == 1.0
    assert em.imbalance()["imbalance"].abs().max() < 1e-12   # the benchmark is balanced at PL = 1
    labour.value = 77.0
    solve_model(em.pyomo, tol=1e-12)
    assert em.pyomo.PK.value == pytest.approx(2.2, abs=1e-8)
    assert em.pyomo.X.value == pytest.approx(MPSGE_QUANTITIES["X"], abs=1e-6)
