"""The field's textbook models with published GAMS/MPSGE solutions, reproduced by ``cge.core``.

Reference numbers: ``tests/data/textbook/mpsge_reference.csv`` (GAMS/MPSGE solutions shipped
with the MPSGE.jl test suite, ``test/MPSGEresults.xlsx``; see the README there) and, for the
unbalanced-benchmark cases, the numbers printed in MPSGE.jl's ``test_Benchmark-Theta.jl``.
Every comparison is to 1e-6 (absolute, on values of order 1-300).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.core import query
from cge.core.blocks import TOP, AdValorem, Demand, Endowment, Input, Nest, Output, Production
from cge.core.model import EquilibriumModel
from cge.solve import SolveError
from cge.solve.mcp import solve_mcp

REF = pd.read_csv(Path(__file__).parent / "data" / "textbook" / "mpsge_reference.csv")
TOL = 1e-6
MAX_ERROR: dict[tuple, float] = {}      # filled as the tests run (reported in the README)
MAX_RELATIVE: dict[tuple, float] = {}


def reference(case: str, scenario: str) -> dict[str, float]:
    sel = REF[(REF["case"] == case) & (REF["scenario"] == scenario)]
    assert len(sel), f"no reference numbers for {case} / {scenario}"
    return dict(zip(sel["variable"], sel["value"]))


def assert_matches(case, scenario, got: dict[str, float], tol=TOL):
    ref = reference(case, scenario)
    errors = {}
    for name, value in got.items():
        r = ref.get(name, np.nan)
        if np.isnan(r):
            continue
        errors[name] = abs(value - r)
    worst = max(errors.values())
    MAX_RELATIVE[case, scenario] = max(MAX_RELATIVE.get((case, scenario), 0.0),
                                       max(e / max(1.0, abs(ref[k])) for k, e in errors.items()))
    MAX_ERROR[case, scenario] = max(MAX_ERROR.get((case, scenario), 0.0), worst)
    bad = {k: (got[k], ref[k]) for k, e in errors.items() if e > tol}
    assert not bad, f"{case} / {scenario}: {bad}"


# ----- joint production with transformation and taxes (MPSGE.jl "TWObyTWOwOutTax_tr_elas") ----
def outtax_cet_model():
    em = EquilibriumModel("outtax_cet")
    A, B, W = em.sectors("A"), em.sectors("B"), em.sectors("W")
    PX, PY, PW, PL, PK = (em.commodities(n) for n in ("PX", "PY", "PW", "PL", "PK"))
    CONS = em.consumers("CONS")
    par = {n: em.parameter(n, values=0.0) for n in
           ("sub_a", "sub_b", "sub_w", "t_a", "t_b", "otax1", "otax2", "otax3", "otax4", "itax")}

    def tax(rate, kind):
        return (AdValorem(CONS, rate, kind=kind),)

    em.add(Production(A, [Output(PX, 80, tax(par["otax1"], "output_tax")),
                          Output(PY, 20, tax(par["otax2"], "output_tax"))],
                      [Input(PL, 40, wedges=tax(par["itax"], "input_tax")),
                       Input(PK, 60, wedges=tax(par["itax"], "input_tax"))],
                      [Nest(TOP, par["sub_a"])], transformation=par["t_a"]))
    em.add(Production(B, [Output(PX, 20, tax(par["otax3"], "output_tax")),
                          Output(PY, 80, tax(par["otax4"], "output_tax"))],
                      [Input(PL, 60), Input(PK, 40)], [Nest(TOP, par["sub_b"])], transformation=par["t_b"]))
    em.add(Production(W, [Output(PW, 200)], [Input(PX, 100), Input(PY, 100)], [Nest(TOP, par["sub_w"])]))
    em.add(Demand(CONS, inputs=[Input(PW, 200)], endowments=[Endowment(PL, 100.0), Endowment(PK, 100.0)]))
    em.build()
    return em, par


def outtax_cet_values(em) -> dict[str, float]:
    m = em.pyomo
    got = {f"{n}.L": m.component(n).value for n in ("A", "B", "W", "PX", "PY", "PW", "PL", "PK", "CONS")}
    per = {"SAX": ("A", "PX"), "SAY": ("A", "PY"), "SBX": ("B", "PX"), "SBY": ("B", "PY"),
           "DAL": ("A", "PL"), "DAK": ("A", "PK"), "DBL": ("B", "PL"), "DBK": ("B", "PK"),
           "SW": ("W", "PW"), "DWX": ("W", "PX"), "DWY": ("W", "PY")}
    tab = query.flows(em)
    for name, (blk, com) in per.items():
        sel = tab[(tab["block"] == blk) & (tab["commodity"] == com)]
        got[f"{name}.L"] = float(sel["quantity_per_unit"].sum())
    got["DW.L"] = query.quantity(em, ("CONS", None), "PW")
    return got


OUTTAX_STEPS = [  # (scenario column, parameter values, fix, unfix) in the order MPSGE.jl runs them
    ("OUTTAX=0.1", {"otax1": 0.1}, {"CONS": 200, "PW": 1}, ()),
    ("SUBes=1", {"sub_a": 1, "sub_b": 1, "sub_w": 1}, {}, ("PW",)),
    ("PW.FX=1", {}, {"PW": 1}, ("CONS",)),
    ("OUTTAX=0.2", {"otax1": 0.2}, {}, ()),
    ("TrA=3B=1", {"t_a": 3, "t_b": 1}, {}, ()),
    ("TrA/B=1", {"t_a": 1, "t_b": 1}, {}, ()),
    ("S1Tr2,1.5", {"t_a": 2, "t_b": 1.5}, {}, ()),
    ("S0Tr=3,1", {"sub_a": 0, "sub_b": 0, "sub_w": 0, "t_a": 3, "t_b": 1}, {}, ()),
    ("Sub=0Tr=1", {"t_a": 1, "t_b": 1}, {}, ()),
    ("1.52,.5T0", {"sub_a": 1.5, "sub_b": 2, "sub_w": 0.5, "t_a": 0, "t_b": 0}, {}, ()),
    ("S..T2,1.5", {"t_a": 2, "t_b": 1.5}, {}, ()),
    ("S...T3,1", {"t_a": 3, "t_b": 1}, {}, ()),
    ("S...T1", {"t_a": 1, "t_b": 1}, {}, ()),
    ("S.T1,O2=.1", {"otax2": 0.1}, {}, ()),
    ("S.T1,O3=.1", {"otax2": 0.0, "otax3": 0.1}, {}, ()),
    ("S.T1,O4=.1", {"otax3": 0.0, "otax4": 0.1}, {}, ()),
    ("O4,I=0.1", {"itax": 0.1}, {}, ()),
    ("ITAX=0.1", {"otax4": 0.0}, {}, ()),
    ("O2=.3,I=.2", {"otax2": 0.3, "itax": 0.2}, {}, ()),
    ("ITAX=100%", {"itax": 1.0}, {}, ()),
]


def test_joint_production_with_transformation_and_taxes_matches_mpsge():
    em, par = outtax_cet_model()
    m = em.pyomo
    res = solve_mcp(em)
    assert res.iterations == 0
    assert_matches("outtax_cet", "benchmark", outtax_cet_values(em))
    for scenario, values, fix, unfix in OUTTAX_STEPS:
        for name, v in values.items():
            par[name].value = v
        for name, v in fix.items():
            em.fix(m.component(name), v)
        for name in unfix:
            em.unfix(m.component(name))
        solve_mcp(em)
        got = outtax_cet_values(em)
        if scenario == "OUTTAX=0.1":
            # all-Leontief technology with two fixed prices: quantities are determined but the
            # prices are not (a continuum of equilibria; PATH and this solver pick different ones)
            got = {k: v for k, v in got.items() if not k.startswith("P")}
        assert_matches("outtax_cet", scenario, got)
    assert em.n_builds > 1  # σ moved across Leontief / Cobb-Douglas / CES: recompiled in place


def test_input_tax_of_100_percent_shuts_the_sector_down():
    em, par = outtax_cet_model()
    m = em.pyomo
    par["otax1"].value, par["otax2"].value, par["itax"].value = 0.2, 0.3, 1.0
    for n in ("sub_a", "sub_b", "sub_w", "t_a", "t_b"):
        par[n].value = {"sub_a": 1.5, "sub_b": 2, "sub_w": 0.5, "t_a": 1, "t_b": 1}[n]
    em.fix(m.PW, 1.0)
    res = solve_mcp(em)
    assert m.A.value == pytest.approx(0.0, abs=1e-10)
    assert "A" in set(res.at_bounds["variable"])
    # A's unit cost exceeds its unit revenue at the equilibrium prices: the profit condition is slack
    slack = res.at_bounds.set_index("variable").loc["A", "condition_residual"]
    assert slack > 0.01
    assert_matches("outtax_cet", "ITAX=100%", outtax_cet_values(em))


# ----- joint production, intermediate demand (GAMS MPSGE user guide JPMGE, MPSGE.jl "JPMGE") -----
def jpmge_model():
    goods, factors, secs = ("g1", "g2"), ("labor", "capital"), ("s1", "s2")
    make0 = {("g1", "s1"): 6, ("g1", "s2"): 2, ("g2", "s1"): 2, ("g2", "s2"): 10}
    use0 = {("g1", "s1"): 4, ("g1", "s2"): 2, ("g2", "s1"): 2, ("g2", "s2"): 6}
    fd0 = {("labor", "s1"): 1, ("labor", "s2"): 3, ("capital", "s1"): 1, ("capital", "s2"): 1}
    c0 = {"g1": 2, "g2": 4}
    em = EquilibriumModel("jpmge")
    X = em.sectors("X", secs)
    P = em.commodities("P", goods)
    PF = em.commodities("PF", factors)
    Y = em.consumers("Y")
    endow = em.parameter("endow", factors, {f: float(sum(fd0[f, j] for j in secs)) for f in factors})
    for j in secs:
        em.add(Production(X[j], [Output(P[i], make0[i, j]) for i in goods],
                          [Input(P[i], use0[i, j]) for i in goods] + [Input(PF[f], fd0[f, j]) for f in factors],
                          [Nest(TOP, 1.0)], transformation=1.0))
    em.add(Demand(Y, inputs=[Input(P[i], c0[i]) for i in goods], nests=[Nest(TOP, 1.0)],
                  endowments=[Endowment(PF[f], endow[f]) for f in factors]))
    em.build()
    return em, endow


def jpmge_values(em, column):
    m = em.pyomo
    tab = query.flows(em)
    got = {f"X.{j}": m.X[j].value for j in ("s1", "s2")}
    got.update({f"P.{i}": m.P[i].value for i in ("g1", "g2")})
    got.update({f"PF.{f}": m.PF[f].value for f in ("labor", "capital")})
    got["Y._"] = m.Y.value
    got.update({f"PY.{i}": query.quantity(em, ("Y", None), f"P[{i}]") for i in ("g1", "g2")})
    per_unit = {}
    for r in tab.itertuples(index=False):
        if r.block.startswith("X["):
            com = r.commodity.split("[")[1].rstrip("]")
            per_unit[(r.role, com, r.block[2:-1])] = r.quantity_per_unit
    for (role, com, sec), q in per_unit.items():
        if role == "output":
            got[f"{com}.{sec}"] = q
    ref_d = {k: v for k, v in per_unit.items() if k[0] == "input"}
    return got, {f"{com}.{sec}": q for (_r, com, sec), q in ref_d.items()}


@pytest.mark.parametrize("column, step", [
    ("Y=6.4", lambda em, m: em.fix(m.Y, 6.4)),
    ("P(\"g1\")=1", lambda em, m: (em.unfix(m.Y), em.fix(m.P["g1"], 1.0))),
    ("PF(\"labor\")=1", lambda em, m: (em.unfix(m.Y), em.fix(m.PF["labor"], 1.0))),
])
def test_joint_production_with_transformation_matches_gams_jpmge(column, step):
    em, endow = jpmge_model()
    m = em.pyomo
    em.fix(m.Y, 6.0)
    solve_mcp(em)
    got, demand = jpmge_values(em, "benchmark")
    assert_matches("jpmge", "benchmark", got)
    endow["labor"].value = 1.1 * 4.0       # a 10% larger labour endowment
    em.fix(m.Y, 6.4)
    solve_mcp(em)
    if column != "Y=6.4":                   # change numeraire between solves, no rebuild
        step(em, m)
        res = solve_mcp(em)
        assert abs(res.walras_residual) < 1e-9
    got, demand = jpmge_values(em, column)
    assert_matches("jpmge", column, got)
    inputs = {k: v for k, v in demand.items() if k.split(".")[0] in ("g1", "g2")}
    factors = {k: v for k, v in demand.items() if k.split(".")[0] in ("labor", "capital")}
    assert_matches("jpmge", f"D {column}", inputs)
    assert_matches("jpmge", column, factors)
    assert em.n_builds == 1


def test_fixing_two_prices_is_caught_by_the_walras_check():
    em, endow = jpmge_model()
    m = em.pyomo
    em.fix(m.Y, 6.0)
    endow["labor"].value = 4.4
    em.fix(m.PF["labor"], 1.0)   # a second numeraire: the income condition no longer follows
    with pytest.raises(SolveError, match="Walras residual"):
        solve_mcp(em)
    assert m.X["s1"].value == 1.0  # variables restored


# ----- endogenous taxes through an auxiliary variable (Markusen M2_3S, MPSGE.jl "AuxinInputs") ----
def aux_tax_model():
    em = EquilibriumModel("aux_input_tax")
    X, Y, W, TL, TK = (em.sectors(n) for n in ("X", "Y", "W", "TL", "TK"))
    PX, PY, PW, PL, PK, PKS, PLS = (em.commodities(n) for n in ("PX", "PY", "PW", "PL", "PK", "PKS", "PLS"))
    CONS = em.consumers("CONS")
    TAU = em.auxiliaries("TAU", start=1.0, doc="tax multiplier")
    txl = em.parameter("txl", values=0.2)
    txk = em.parameter("txk", values=0.2)
    em.add(Production(X, [Output(PX, 120)], [Input(PLS, 48), Input(PKS, 72)], [Nest(TOP, 1.0)]))
    em.add(Production(Y, [Output(PY, 120)], [Input(PLS, 72), Input(PKS, 48)], [Nest(TOP, 1.0)]))
    em.add(Production(W, [Output(PW, 340)], [Input(PL, 100), Input(PX, 120, nest="AW"), Input(PY, 120, nest="AW")],
                      [Nest(TOP, 0.7), Nest("AW", 1.0, TOP)]))
    em.add(Production(TL, [Output(PLS, 120)], [Input(PL, 100, wedges=(AdValorem(CONS, txl * TAU, "factor_tax"),))]))
    em.add(Production(TK, [Output(PKS, 120)], [Input(PK, 100, wedges=(AdValorem(CONS, txk * TAU, "factor_tax"),))]))
    em.add(Demand(CONS, inputs=[Input(PW, 340)], endowments=[Endowment(PL, 200.0), Endowment(PK, 100.0)]))
    em.equation("tax_revenue", None, lambda: W * PW * 340 - PL * 200 - PK * 100 - 40 * (PX + PY) / 2,
                scale=340.0, pair=TAU)
    em.build()
    return em, txl, txk


AUX_STEPS = [("L.15,K.25", 0.15, 0.25), ("L.1,K.3", 0.1, 0.3), ("L.05,K.35", 0.05, 0.35),
             ("L.0,K.4", 0.0, 0.4), ("L-.05,K.45", -0.05, 0.45)]


def test_endogenous_taxes_through_an_auxiliary_match_mpsge():
    em, txl, txk = aux_tax_model()
    m = em.pyomo
    em.fix(m.CONS, 340.0)
    names = {"SXX": ("X", "PX"), "SYY": ("Y", "PY"), "SWW": ("W", "PW"), "SLSTL": ("TL", "PLS"),
             "SKSTK": ("TK", "PKS"), "DLSX": ("X", "PLS"), "DKSX": ("X", "PKS"), "DLSY": ("Y", "PLS"),
             "DKSY": ("Y", "PKS"), "DLW": ("W", "PL"), "DLTL": ("TL", "PL"), "DKTK": ("TK", "PK")}
    for column, l_rate, k_rate in [("benchmark", 0.2, 0.2)] + AUX_STEPS:
        txl.value, txk.value = l_rate, k_rate
        if column not in ("benchmark", "L.15,K.25"):
            em.fix(m.CONS, reference("aux_input_tax", column)["CONS"])
        solve_mcp(em)
        got = {n: m.component(n).value for n in ("X", "Y", "W", "TL", "TK", "PX", "PY", "PW", "PL", "PK",
                                                 "PKS", "PLS", "TAU", "CONS")}
        got.update({k: query.quantity(em, (b, None), c, per_unit=True) for k, (b, c) in names.items()})
        got["CWCONS"] = query.quantity(em, ("CONS", None), "PW")
        assert_matches("aux_input_tax", column, got)
    # the auxiliary is paired with its equation: fixing TAU drops the revenue target
    em.fix(m.TAU, 1.0)
    assert not em.condition(m.TAU).active
    em.unfix(m.TAU)
    assert em.condition(m.TAU).active


# ----- unbalanced benchmarks (MPSGE.jl "TWOBYTWO outputdiff / Inputs ThetaTest") --------------
def theta_model(where: str):
    """MPSGE's 2x2 model with a mutable gap ``diff`` between benchmark cost and revenue of X,
    in its output (``where="output"``) or its labour input (``"input"``)."""
    em = EquilibriumModel(f"theta_{where}")
    X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
    PX, PY, PU, PL, PK = (em.commodities(n) for n in ("PX", "PY", "PU", "PL", "PK"))
    RA = em.consumers("RA")
    endow = em.parameter("endow", values=1.0)
    diff = em.parameter("diff", values=0.0)
    out_x, lab_x = (100 + diff, 50) if where == "output" else (100, 50 + diff)
    cd = [Nest(TOP, 1.0)]
    em.add(Production(X, [Output(PX, out_x)], [Input(PL, lab_x), Input(PK, 50)], cd))
    em.add(Production(Y, [Output(PY, 50)], [Input(PL, 20), Input(PK, 30)], cd))
    em.add(Production(U, [Output(PU, 150)], [Input(PX, 100), Input(PY, 50)], cd))
    em.add(Demand(RA, inputs=[Input(PU, 150)], endowments=[Endowment(PL, endow * 70), Endowment(PK, 80.0)]))
    em.build()
    return em, endow, diff


def theta_values(em):
    m = em.pyomo
    got = {n: m.component(n).value for n in ("X", "Y", "U", "PX", "PY", "PU", "PL", "PK")}
    for b, c in (("X", "PL"), ("X", "PK"), ("Y", "PL"), ("Y", "PK"), ("U", "PX"), ("U", "PY")):
        got[f"{b}.{c}"] = query.quantity(em, (b, None), c, per_unit=True)
    return got


@pytest.mark.parametrize("where, steps", [
    ("output", [("diff=10,RA=157,endow=1.1", 10.0, 1.1, 157.0)]),
    ("input", [("diff=10,RA=150", 10.0, 1.0, 150.0), ("diff=10,RA=157,endow=1.1", 10.0, 1.1, 157.0)]),
])
def test_unbalanced_benchmark_calibrates_shares_as_mpsge(where, steps):
    em, endow, diff = theta_model(where)
    m = em.pyomo
    assert (em.imbalance()["imbalance"] == 0).all()
    for scenario, d, e, income in steps:
        diff.value, endow.value = d, e          # benchmark and endowment shocks: no rebuild
        em.fix(m.RA, income)
        solve_mcp(em)
        assert_matches(f"theta_{where}", scenario, theta_values(em))
    gap = em.imbalance().set_index("sector").loc["X", "imbalance"]
    assert gap == pytest.approx(10.0 if where == "output" else -10.0)
    assert em.n_builds == 1


# ----- a free good: excess supply at price zero --------------------------------------------------
def test_free_good_in_excess_supply_has_price_zero_and_leaves_the_economy_unchanged():
    """MPSGE's 2x2 model plus land, endowed 10 and used 5 per unit of X in fixed proportion: land
    is in excess supply, so its price is zero and every other number is the published solution of
    the model without land (labour endowment +10%, numeraire PX or PL)."""
    for numeraire, column in (("PX", "PX=1"), ("PL", "PL=1")):
        em = EquilibriumModel("free_good")
        X, Y, U = em.sectors("X"), em.sectors("Y"), em.sectors("U")
        PX, PY, PU, PL, PK, PLAND = (em.commodities(n) for n in ("PX", "PY", "PU", "PL", "PK", "PLAND"))
        RA = em.consumers("RA")
        em.add(Production(X, [Output(PX, 100)], [Input(PLAND, 5), Input(PL, 50, nest="va"), Input(PK, 50, nest="va")],
                          [Nest(TOP, 0.0), Nest("va", 1.0, TOP)]))
        em.add(Production(Y, [Output(PY, 50)], [Input(PL, 20), Input(PK, 30)], [Nest(TOP, 1.0)]))
        em.add(Production(U, [Output(PU, 150)], [Input(PX, 100), Input(PY, 50)], [Nest(TOP, 1.0)]))
        em.add(Demand(RA, inputs=[Input(PU, 150)],
                      endowments=[Endowment(PL, 77.0), Endowment(PK, 80.0), Endowment(PLAND, 10.0)]))
        em.set_numeraire(em.pyomo.component(numeraire))
        em.build()
        m = em.pyomo
        res = solve_mcp(em)
        assert m.PLAND.value == pytest.approx(0.0, abs=1e-10)
        assert "PLAND" in set(res.at_bounds["variable"])
        assert query.market_residuals(em).set_index("variable").loc["PLAND", "residual"] > 0.4
        got = {f"{n}.L": m.component(n).value for n in ("X", "Y", "U", "PX", "PY", "PU", "PL", "PK", "RA")}
        got.update({"LX.L": query.quantity(em, ("X", None), "PL", per_unit=True),
                    "KX.L": query.quantity(em, ("X", None), "PK", per_unit=True),
                    "LY.L": query.quantity(em, ("Y", None), "PL", per_unit=True),
                    "KY.L": query.quantity(em, ("Y", None), "PK", per_unit=True),
                    "DX.L": query.quantity(em, ("U", None), "PX", per_unit=True),
                    "DY.L": query.quantity(em, ("U", None), "PY", per_unit=True)})
        assert_matches("two_by_two", column, got)
        assert em.imbalance().set_index("sector").loc["X", "imbalance"] == pytest.approx(-5.0)


# ----- Scarf's activity-analysis economy (GAMS model library SCARFMCP, SEQ=132) -------------------
SCARF_C = ("capeop", "nondurbl", "durable", "capbop", "skillab", "unsklab")
SCARF_H = ("agent1", "agent2", "agent3", "agent4", "agent5")
SCARF_S = ("d1", "d2", "n1", "n2", "n3", "cd", "c1", "c2")
SCARF_E = {"capbop": (3, 0.1, 2, 1, 6), "skillab": (5, 0.1, 6, 0.1, 0.1), "unsklab": (0.1, 7, 0.1, 8, 0.5),
           "durable": (1, 2, 1.5, 1, 2)}
SCARF_D = {"capeop": (4, 0.4, 2, 5, 3), "skillab": (0.2, 0, 0.5, 0, 0), "unsklab": (0, 0.6, 0, 0.2, 0.2),
           "nondurbl": (2, 4, 2, 5, 4), "durable": (3.2, 1, 1.5, 4.5, 2)}
SCARF_ESUB = (1.2, 1.6, 0.8, 0.5, 0.6)
SCARF_OUT = {"nondurbl": (0, 0, 6, 8, 7, 0, 0, 0), "durable": (4, 3.5, 0, 0, 0, 0, 0, 0),
             "capeop": (4, 4, 1.6, 1.6, 1.6, 0.9, 7, 8)}
SCARF_IN = {"capbop": (5.3, 5, 2, 2, 2, 1, 4, 5), "skillab": (2, 1, 2, 4, 1, 0, 3, 2),
            "unsklab": (1, 6, 3, 1, 8, 0, 1, 8)}


def scarf_model():
    em = EquilibriumModel("scarf")
    Y = em.sectors("Y", SCARF_S)
    P = em.commodities("P", SCARF_C)
    INC = em.consumers("I", SCARF_H)
    for k, s in enumerate(SCARF_S):
        outs = [Output(P[c], q[k]) for c, q in SCARF_OUT.items() if q[k] > 0]
        ins = [Input(P[c], q[k]) for c, q in SCARF_IN.items() if q[k] > 0]
        em.add(Production(Y[s], outs, ins, [Nest(TOP, 0.0)], label=("Y", s)))   # activity analysis: unbalanced
    for k, h in enumerate(SCARF_H):
        em.add(Demand(INC[h], inputs=[Input(P[c], d[k]) for c, d in SCARF_D.items() if d[k] > 0],
                      nests=[Nest(TOP, SCARF_ESUB[k])],
                      endowments=[Endowment(P[c], e[k]) for c, e in SCARF_E.items() if e[k] > 0]))
    em.fix(INC["agent1"], 9.1)   # numeraire: agent1's income at unit prices, as in SCARFMCP
    em.build()
    return em


def scarf_gams_conditions(p: dict, y: dict, i: dict):
    """SCARFMCP's own equations (mkt ⟂ p, profit ⟂ y, income ⟂ i), written from the GAMS source."""
    a = {(c, s): SCARF_OUT.get(c, (0,) * 8)[k] - SCARF_IN.get(c, (0,) * 8)[k]
         for c in SCARF_C for k, s in enumerate(SCARF_S)}
    e = {(c, h): SCARF_E.get(c, (0,) * 5)[k] for c in SCARF_C for k, h in enumerate(SCARF_H)}
    alpha = {}
    for k, h in enumerate(SCARF_H):
        tot = sum(SCARF_D.get(c, (0,) * 5)[k] for c in SCARF_C)
        for c in SCARF_C:
            alpha[c, h] = SCARF_D.get(c, (0,) * 5)[k] / tot
    mkt = {}
    for c in SCARF_C:
        demand = 0.0
        for k, h in enumerate(SCARF_H):
            sg = SCARF_ESUB[k]
            if alpha[c, h] > 0:
                demand += i[h] / sum(alpha[cc, h] * p[cc] ** (1 - sg) for cc in SCARF_C) * alpha[c, h] * p[c] ** -sg
        mkt[c] = sum(a[c, s] * y[s] for s in SCARF_S) + sum(e[c, h] for h in SCARF_H) - demand
    profit = {s: -sum(a[c, s] * p[c] for c in SCARF_C) for s in SCARF_S}
    income = {h: i[h] - sum(p[c] * e[c, h] for c in SCARF_C) for h in SCARF_H}
    return mkt, profit, income


def test_scarf_activity_analysis_economy_has_idle_activities_and_solves_the_gams_equations():
    """No published solution table is reachable offline, so the solution is checked against
    SCARFMCP's own complementarity conditions (written independently from the GAMS source) and
    shown to be the same from different start points."""
    solutions = []
    rng = np.random.default_rng(7)
    for trial in range(3):
        em = scarf_model()
        m = em.pyomo
        if trial:
            for v in list(m.P.values()) + list(m.Y.values()):
                v.set_value(float(rng.uniform(0.5, 1.5)))
        res = solve_mcp(em)
        p = {c: m.P[c].value for c in SCARF_C}
        y = {s: m.Y[s].value for s in SCARF_S}
        i = {h: m.I[h].value for h in SCARF_H}
        mkt, profit, income = scarf_gams_conditions(p, y, i)
        comp = [abs(min(p[c], mkt[c])) for c in SCARF_C] + [abs(min(y[s], profit[s])) for s in SCARF_S] \
            + [abs(income[h]) for h in SCARF_H if h != "agent1"]
        assert max(comp) < 1e-8
        assert min(profit.values()) > -1e-10 and min(mkt.values()) > -1e-10
        idle = {s for s in SCARF_S if y[s] < 1e-9}
        assert idle and idle == {v.split("[")[1].rstrip("]") for v in res.at_bounds["variable"] if v.startswith("Y[")}
        solutions.append(np.array([*p.values(), *y.values(), *i.values()]))
        MAX_ERROR["scarf", "gams equations"] = max(MAX_ERROR.get(("scarf", "gams equations"), 0.0), max(comp))
    for other in solutions[1:]:
        assert np.max(np.abs(other - solutions[0])) < 1e-7


# ----- Hansen's activity-analysis economy (GAMS model library HANSMCP, SEQ=135) -------------------
def test_hansen_activity_analysis_economy_matches_the_gams_incomes():
    """14 commodities, 26 Leontief activities with joint outputs (unbalanced at unit prices), four
    Cobb-Douglas consumers; numeraire: the price of agric. Published: the GAMS/PATH incomes (as
    asserted by GAMSPy's copy of HANSMCP)."""
    data = Path(__file__).parent / "data" / "textbook"
    act = pd.read_csv(data / "hansen_activity.csv")
    agents = pd.read_csv(data / "hansen_agents.csv")
    goods = ["agric", "food", "textiles", "hserv", "entert", "houseop", "capeop", "steel", "coal", "lumber",
             "housbop", "capbop", "labor", "exchange"]
    sectors = list(dict.fromkeys(act["sector"]))
    em = EquilibriumModel("hansen")
    Y = em.sectors("Y", sectors)
    P = em.commodities("P", goods)
    INC = em.consumers("I", sorted(set(agents["agent"])))
    for s in sectors:
        rows = act[act["sector"] == s]
        outs = rows.loc[rows["kind"] == "output", ["commodity", "quantity"]].values
        ins = rows.loc[rows["kind"] == "input", ["commodity", "quantity"]].values
        em.add(Production(Y[s], [Output(P[c], q) for c, q in outs], [Input(P[c], q) for c, q in ins],
                          [Nest(TOP, 0.0)], label=("Y", s)))
    for h in sorted(set(agents["agent"])):
        rows = agents[agents["agent"] == h]
        em.add(Demand(INC[h], inputs=[Input(P[c], q) for c, q in rows.loc[rows["kind"] == "demand",
                                                                          ["commodity", "quantity"]].values],
                      nests=[Nest(TOP, 1.0)],
                      endowments=[Endowment(P[c], q) for c, q in rows.loc[rows["kind"] == "endowment",
                                                                          ["commodity", "quantity"]].values]))
    em.fix(P["agric"], 1.0)
    for c in set(agents.loc[agents["kind"] == "demand", "commodity"]):
        P[c].setlb(1e-5)                  # as HANSMCP: demanded goods keep Cobb-Douglas demand finite
    em.build()
    res = solve_mcp(em)
    m = em.pyomo
    assert_matches("hansen", "gams", {f"I.{h}": m.I[h].value for h in INC.index_set()}, tol=1e-6)
    idle = [v for v in res.at_bounds["variable"] if v.startswith("Y[")]
    assert idle, "some activities are unprofitable at the equilibrium prices"
    assert abs(res.walras_residual) < 1e-9
