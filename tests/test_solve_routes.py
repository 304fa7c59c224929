"""cge.solve: route selection and cross-route agreement."""

import pyomo.environ as pe
import pytest
from solve_systems import exchange_cd_closed_form, exchange_economy

from cge.solve import compile_system, describe_routes, resolve_route, solve_model
from cge.solve._routes import route_available


def _values(m):
    return {v.name: v.value for v in m.component_data_objects(pe.Var)}


def test_describe_routes_has_exactly_one_default_matching_auto():
    rows = describe_routes()
    assert {r["route"] for r in rows} == {"casadi", "ipopt", "pounce"}
    defaults = [r["route"] for r in rows if r["default"]]
    assert defaults == [resolve_route("auto")]
    for r in rows:
        assert set(r) >= {"route", "available", "default", "version", "why"}
        assert r["why"]
    casadi = next(r for r in rows if r["route"] == "casadi")
    assert casadi["available"] and "Ipopt" in casadi["version"]


def test_auto_uses_casadi_when_no_ipopt_executable():
    if route_available("ipopt")[0]:
        pytest.skip("a real ipopt executable is installed; auto uses it")
    assert resolve_route("auto") == "casadi"
    assert type(compile_system(exchange_economy())).__name__ == "CasadiSystem"


def test_unknown_route_is_rejected():
    with pytest.raises(ValueError, match="unknown route"):
        compile_system(exchange_economy(), route="cplex")


def test_casadi_and_pounce_agree_on_ces_exchange():
    ok, why = route_available("pounce")
    if not ok:
        pytest.skip(f"pounce route unavailable: {why}")
    m1, m2 = exchange_economy(sigma=2.0), exchange_economy(sigma=2.0)
    r1 = solve_model(m1, route="casadi")
    r2 = solve_model(m2, route="pounce")
    assert r1.route == "casadi" and r2.route == "pounce"
    v1, v2 = _values(m1), _values(m2)
    assert max(abs(v1[k] - v2[k]) for k in v1) < 1e-6
    assert r2.max_residual < 1e-8


def test_pounce_route_matches_closed_form_and_resolves():
    ok, why = route_available("pounce")
    if not ok:
        pytest.skip(f"pounce route unavailable: {why}")
    m = exchange_economy()
    cs = compile_system(m, route="pounce")
    cs.solve()
    assert abs(m.p[2].value - exchange_cd_closed_form(m)) < 1e-8
    m.endow["B", 1] = 7.0
    cs.solve()
    assert abs(m.p[2].value - exchange_cd_closed_form(m)) < 1e-8
    again = cs.solve()
    assert again.iterations == 0
