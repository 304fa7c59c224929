"""The 2x2 closed economy of the MPSGE test suites (checks.md item 8), declared with the
package's own production and demand blocks and solved to its published GAMS/MPSGE numbers."""

import pytest

from cge.core.blocks import AdValorem, Demand, Endowment, Input, Nest, Output, Production
from cge.core.model import EquilibriumModel, walras_residual
from cge.solve import compile_system


def two_by_two(sigma: float = 1.0, sigma_utility: float | None = None):
    em = EquilibriumModel("2x2")
    X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
    PX, PY, PU = em.commodities("PX"), em.commodities("PY"), em.commodities("PU")
    PL, PK = em.commodities("PL"), em.commodities("PK")
    RA = em.consumers("RA")
    labour = em.parameter("labour_endowment", values=70.0)
    tax = em.parameter("output_tax_X", values=0.0)
    nest = [Nest("top", sigma)]
    utility = [Nest("top", sigma if sigma_utility is None else sigma_utility)]
    em.add(Production(X, [Output(PX, 100, wedges=(AdValorem(RA, tax),))], [Input(PL, 50), Input(PK, 50)], nest))
    em.add(Production(Y, [Output(PY, 50)], [Input(PL, 20), Input(PK, 30)], nest))
    em.add(Production(U, [Output(PU, 150)], [Input(PX, 100), Input(PY, 50)], utility))
    em.add(Demand(RA, inputs=[Input(PU, 150)], endowments=[Endowment(PL, labour), Endowment(PK, 80)]))
    return em, dict(X=X, Y=Y, U=U, PX=PX, PY=PY, PU=PU, PL=PL, PK=PK, RA=RA, labour=labour, tax=tax)


def solved(numeraire: str, labour: float, tax: float = 0.0, sigma: float = 1.0, sigma_utility=None):
    em, v = two_by_two(sigma, sigma_utility)
    em.set_numeraire(v[numeraire])
    em.build()
    v["labour"].value, v["tax"].value = labour, tax
    compile_system(em.pyomo).solve(tol=1e-12)
    return em, {k: x.value for k, x in v.items() if k not in ("labour", "tax")}


def test_benchmark_replicates_with_zero_iterations():
    em, v = two_by_two()
    em.set_numeraire(v["PL"])
    em.build()
    res = compile_system(em.pyomo).solve()
    assert res.iterations == 0
    assert res.max_residual < 1e-12
    assert v["RA"].value == pytest.approx(150.0, rel=1e-12)


def test_more_labour_with_labour_as_numeraire_matches_mpsge():
    _, s = solved("PL", 77)
    expected = dict(PK=1.1, PX=1.048809, PY=1.058853, PU=1.052146, RA=165, X=1.048809, Y=1.038860, U=1.045482)
    for k, x in expected.items():
        assert s[k] == pytest.approx(x, abs=1e-6), k


def test_more_labour_with_good_x_as_numeraire_matches_mpsge():
    _, s = solved("PX", 77)
    assert s["PL"] == pytest.approx(0.953463, abs=1e-6)
    assert s["RA"] == pytest.approx(157.3213, abs=1e-4)
    # real quantities do not depend on the numeraire
    _, t = solved("PL", 77)
    for k in ("X", "Y", "U"):
        assert s[k] == pytest.approx(t[k], abs=1e-9)


@pytest.mark.parametrize("tax, expected", [
    (0.1, dict(X=1.011685569, Y=1.112367218, U=1.044190563, RA=177.6923069, PX=1.17093237, PY=1.06494992,
               PU=1.134481983, PK=1.110576914)),
    (0.5, dict(X=0.7888106377, Y=1.552199943, U=0.9884720496, RA=256.6666667, PX=2.169229254, PY=1.102378028,
               PK=1.176388889)),
])
def test_output_tax_on_x_paid_to_consumer_matches_mpsge(tax, expected):
    em, s = solved("PL", 77, tax)
    for k, x in expected.items():
        assert s[k] == pytest.approx(x, abs=1e-6), k
    assert abs(walras_residual(em)) < 1e-9


@pytest.mark.parametrize("offset", [1e-7, 1e-5, 1e-3, -1e-3, -1e-5])
def test_ces_results_are_continuous_as_sigma_tends_to_cobb_douglas(offset):
    _, cd = solved("PL", 77, 0.1, sigma=1.0)
    _, near = solved("PL", 77, 0.1, sigma=1.0 + offset)
    for k in ("X", "Y", "U", "PX", "PY", "PK"):
        assert near[k] == pytest.approx(cd[k], abs=20 * abs(offset)), k
        assert near[k] != cd[k] or abs(offset) < 1e-6


def test_ces_results_are_continuous_as_sigma_tends_to_leontief():
    # Leontief utility (with all-Leontief production the factor markets could not both clear)
    _, leontief = solved("PL", 77, 0.1, sigma_utility=0.0)
    _, near = solved("PL", 77, 0.1, sigma_utility=1e-6)
    assert leontief["X"] / leontief["U"] == pytest.approx(1.0, abs=1e-9)  # fixed proportions
    assert leontief["Y"] / leontief["U"] == pytest.approx(1.0, abs=1e-9)
    for k in ("X", "Y", "U", "PX", "PY"):
        assert near[k] == pytest.approx(leontief[k], abs=1e-5), k


def test_an_unbuilt_equilibrium_model_solves_directly_to_the_mpsge_numbers():
    """``solve_model(em)`` builds the declared model itself (no ``em.build()`` first)."""
    from cge.solve import solve_model

    em, v = two_by_two()
    em.set_numeraire(v["PL"])
    v["labour"].value = 77
    res = solve_model(em, tol=1e-12)
    assert res.max_residual < 1e-10
    assert v["PK"].value == pytest.approx(1.1, abs=1e-6) and v["U"].value == pytest.approx(1.045482, abs=1e-6)


def test_solving_something_that_is_not_a_model_names_what_was_given():
    from cge.solve import solve_model

    with pytest.raises(TypeError, match="cannot solve a dict"):
        solve_model({"X": 1.0})
