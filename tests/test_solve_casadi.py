"""cge.solve: CasADi route (walker, Newton, Ipopt fallback, diagnostics)."""

import math

import pyomo.environ as pe
import pytest
from solve_systems import exchange_cd_closed_form, exchange_economy, random_ces_system

from cge.solve import (
    NonSquareSystemError,
    SolveError,
    compile_system,
    max_residuals_by_block,
    solve_model,
)


def _values(m):
    return {v.name: v.value for v in m.component_data_objects(pe.Var)}


def test_cobb_douglas_exchange_matches_closed_form():
    m = exchange_economy()
    res = solve_model(m, route="casadi")
    p2 = exchange_cd_closed_form(m)
    assert res.route == "casadi"
    assert res.iterations > 0
    assert abs(pe.value(m.p[2]) - p2) < 1e-8
    # Cobb-Douglas demand x_hg = a_hg * I_h / p_g with I_h = sum_g p_g e_hg
    for h in m.H:
        inc = sum(pe.value(m.p[g] * m.endow[h, g]) for g in m.G)
        for g in m.G:
            assert abs(m.x[h, g].value - pe.value(m.share[h, g]) * inc / pe.value(m.p[g])) < 1e-8
    assert res.max_residual < 1e-8
    assert set(res.residuals_by_block["block"]) == {"income_balance", "demand", "market_clearance"}


def test_ipopt_method_agrees_with_newton_on_ces_exchange():
    m1, m2 = exchange_economy(sigma=2.0), exchange_economy(sigma=2.0)
    r1 = solve_model(m1, route="casadi", method="newton")
    r2 = solve_model(m2, route="casadi", method="ipopt")
    assert r1.algorithm == "newton" and r2.algorithm == "ipopt"
    v1, v2 = _values(m1), _values(m2)
    assert max(abs(v1[k] - v2[k]) for k in v1) < 1e-8


def test_resolve_after_param_change_matches_fresh_solve():
    m = exchange_economy(sigma=2.0)
    cs = compile_system(m, route="casadi")
    cs.solve()
    m.endow["A", 2] = 6.0
    m.share["B", 1] = 0.45
    m.share["B", 2] = 0.55
    res = cs.solve()
    assert res.iterations > 0
    assert cs.n_compiles == 1  # no re-walk for a Param change
    assert res.timings["walk_s"] == 0.0 and res.timings["setup_s"] == 0.0

    fresh = exchange_economy(sigma=2.0)
    fresh.endow["A", 2] = 6.0
    fresh.share["B", 1] = 0.45
    fresh.share["B", 2] = 0.55
    solve_model(fresh, route="casadi")
    v1, v2 = _values(m), _values(fresh)
    assert max(abs(v1[k] - v2[k]) for k in v1) < 1e-9


def test_fixed_var_value_change_is_a_parameter_change():
    m = exchange_economy()
    cs = compile_system(m, route="casadi")
    cs.solve()
    p2 = m.p[2].value
    m.p[1].fix(2.0)  # numeraire doubled: all prices double
    cs.solve()
    assert cs.n_compiles == 1
    assert abs(m.p[2].value - 2 * p2) < 1e-9


def test_structure_change_triggers_recompile():
    m = exchange_economy()
    cs = compile_system(m, route="casadi")
    cs.solve()
    p2 = m.p[2].value
    # switch closure: p[2] numeraire instead of p[1]
    m.p[1].unfix()
    m.p[2].fix(1.0)
    res = cs.solve()
    assert cs.n_compiles == 2
    assert "recompiled" in res.message
    assert abs(m.p[1].value - 1.0 / p2) < 1e-9


def test_start_point_that_solves_takes_zero_iterations():
    m = exchange_economy(sigma=2.0)
    cs = compile_system(m, route="casadi")
    first = cs.solve(tol=1e-13)
    assert first.iterations > 0
    before = _values(m)
    again = cs.solve(tol=1e-10)
    assert again.iterations == 0
    assert again.status == "already_solved"
    assert _values(m) == before


def _inconsistent_model():
    m = pe.ConcreteModel()
    m.y = pe.Var(initialize=1.0)
    m.u = pe.Var(initialize=3.0)
    m.link = pe.Constraint(expr=m.u == 2 * m.y)
    m.carbon_cap = pe.Constraint(expr=m.y**2 + 1.0 == 0)  # no real solution
    return m


def test_inconsistent_system_raises_with_block_and_restores_vars():
    m = _inconsistent_model()
    with pytest.raises(SolveError) as err:
        solve_model(m, route="casadi", max_iter=50)
    msg = str(err.value)
    assert "carbon_cap" in msg
    assert "casadi" in msg
    res = err.value.result
    assert res is not None and not res.success
    assert res.residuals_by_block.iloc[0]["block"] == "carbon_cap"
    assert res.residuals_by_block.iloc[0]["max_abs_residual"] >= 1.0
    assert m.y.value == 1.0 and m.u.value == 3.0


def test_non_square_model_reports_counts():
    m = exchange_economy(drop_market=False)
    with pytest.raises(NonSquareSystemError) as err:
        compile_system(m, route="casadi")
    msg = str(err.value)
    assert "8 active equality rows" in msg and "7 unfixed variables" in msg
    assert "market_clearance=2" in msg


def test_inequality_constraint_is_rejected():
    m = exchange_economy()
    m.extra = pe.Constraint(expr=m.income["A"] >= 0)
    with pytest.raises(NonSquareSystemError, match="extra"):
        compile_system(m, route="casadi")


def test_unsupported_node_type_is_named():
    m = pe.ConcreteModel()
    m.x = pe.Var(initialize=1.0)
    m.c = pe.Constraint(expr=pe.Expr_if(IF=m.x >= 0, THEN=m.x, ELSE=-m.x) == 1)
    with pytest.raises(NotImplementedError, match="Expr_ifExpression"):
        compile_system(m, route="casadi")


def test_named_expression_converted_once_for_1000_uses():
    m = pe.ConcreteModel()
    m.I = pe.RangeSet(1000)
    m.y = pe.Var([1, 2, 3], initialize=1.0, bounds=(1e-6, None))
    m.x = pe.Var(m.I, initialize=1.0)
    m.c = pe.Param(m.I, initialize=lambda m, i: 1.0 + i / 1000.0, mutable=True)
    m.agg = pe.Expression(expr=sum((k + 1) * m.y[k] ** 0.5 for k in (1, 2, 3)))
    m.use = pe.Constraint(m.I, rule=lambda m, i: m.x[i] == m.c[i] * m.agg)
    m.ydef = pe.Constraint([1, 2, 3], rule=lambda m, k: m.y[k] == k * 4.0)
    walked = compile_system(m, route="casadi", builder="walker")
    assert walked.walk_stats["named_converted"] == 1
    assert walked.walk_stats["named_refs"] == 1000
    cs = compile_system(m, route="casadi")  # the tape: one intermediate shared by 1000 rows
    assert cs.walk_stats["n_intermediates"] == 1
    cs.solve()
    agg = sum((k + 1) * math.sqrt(4.0 * k) for k in (1, 2, 3))
    assert abs(m.x[1000].value - 2.0 * agg) < 1e-9


def test_newton_backtracks_out_of_log_domain():
    m = pe.ConcreteModel()
    m.x = pe.Var(initialize=1.0)
    m.eq = pe.Constraint(expr=pe.log(m.x) == -5.0)  # full Newton step goes to x=-4
    res = solve_model(m, route="casadi", method="newton")
    assert abs(m.x.value - math.exp(-5.0)) < 1e-12
    assert res.algorithm == "newton"


def test_newton_root_outside_bounds_falls_back_to_ipopt():
    m = pe.ConcreteModel()
    m.x = pe.Var(initialize=-1.0, bounds=(0, None))
    m.eq = pe.Constraint(expr=m.x**2 == 4.0)
    res = solve_model(m, route="casadi")
    assert res.algorithm == "newton->ipopt"
    assert abs(m.x.value - 2.0) < 1e-8


def test_max_residuals_by_block_on_pyomo_model():
    m = exchange_economy()
    df = max_residuals_by_block(m)
    assert list(df.columns) == ["block", "max_abs_residual", "worst_index", "n_rows"]
    by_block = df.set_index("block")
    # start point p=1, income=10, x=5: demand p*x - a*I is worst at (B,1): |5 - 0.3*10|;
    # income_balance I - sum_g p*e is worst at A: |10 - 12|; market: |10 - 10|
    assert by_block.loc["demand", "worst_index"] == ("B", 1)
    assert abs(by_block.loc["demand", "max_abs_residual"] - 2.0) < 1e-12
    assert by_block.loc["income_balance", "worst_index"] == "A"
    assert abs(by_block.loc["income_balance", "max_abs_residual"] - 2.0) < 1e-12
    assert by_block.loc["market_clearance", "max_abs_residual"] == 0.0
    assert df.iloc[-1]["block"] == "market_clearance"  # sorted worst first
    assert dict(zip(df["block"], df["n_rows"])) == {
        "demand": 4, "income_balance": 2, "market_clearance": 1}


def test_random_ces_system_solves_and_resolves():
    m = random_ces_system(n_goods=60, k=5, seed=3)
    cs = compile_system(m, route="casadi")
    assert cs.walk_stats["n_intermediates"] == 60  # one unit cost per good
    cs.solve()  # benchmark (tax = 0): p = 1, q from the Leontief system
    assert all(abs(m.p[i].value - 1.0) < 1e-9 for i in m.G)
    assert cs.solve().iterations == 0  # benchmark replication
    for i in m.G:
        m.tax[i] = 0.1 * (i % 2)
    r1 = cs.solve()
    assert r1.iterations > 0 and r1.max_residual < 1e-8
    assert any(abs(m.p[i].value - 1.0) > 1e-3 for i in m.G)


def test_ipopt_trial_points_where_the_equations_are_undefined_print_nothing(capfd):
    """A square root whose Newton step overshoots below zero: Ipopt meets NaN at trial points and
    backtracks to the root; CasADi's 'NaN detected' warnings must not reach the terminal."""
    m = pe.ConcreteModel()
    m.x = pe.Var(initialize=4.0)
    m.c = pe.Constraint(expr=m.x ** 0.5 == 0.1)
    res = solve_model(m, route="casadi", method="ipopt")
    out, err = capfd.readouterr()
    assert res.status == "Solve_Succeeded" and pe.value(m.x) == pytest.approx(0.01, rel=1e-6)
    assert "NaN" not in out + err and err == ""
