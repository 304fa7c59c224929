"""Shocks as scenario data (cge/scenarios/shocks.py, cge/bca/shocks.py): tariffs, taxes, endowments
and productivity, checked against closed forms on a hand-made 2 regions x 2 goods x 2 factors
economy, and against the model's own benchmark where a shock is zero.

The 2x2x2 economy: regions H and F each produce goods x and y from labour and capital with
Cobb-Douglas value added; households spend Cobb-Douglas shares on Armington goods, themselves
Cobb-Douglas in domestic and imported varieties (σ = 1 everywhere); no intermediate inputs, no
government or investment demand, balanced trade, no carbon. With every nest Cobb-Douglas, value
flows are fixed shares of incomes, so the equilibrium under a tariff is one linear system for
the incomes (:func:`hand_solution`), written from the textbook equations and not from the model code.
"""

import numpy as np
import pytest

from cge.bca.design import resolve_design
from cge.bca.model import BCAModel
from cge.data.benchmark import Benchmark, Tags, validate
from cge.errors import ScenarioError
from cge.results.tables import collect
from cge.scenarios.spec import Scenario, scenario_from_dict
from cge.solve import compile_system

REGIONS, GOODS, FACTORS = ("H", "F"), ("x", "y"), ("labour", "capital")
VOM = np.array([[60.0, 40.0], [30.0, 70.0]])                                   # [r, j]
VFM = np.array([[[40.0, 10.0], [20.0, 30.0]], [[10.0, 50.0], [20.0, 20.0]]])    # [r, f, j]
VXMD = np.zeros((2, 2, 2))                                                      # [i, exporter, importer]
VXMD[0, 0, 1], VXMD[0, 1, 0], VXMD[1, 0, 1], VXMD[1, 1, 0] = 20.0, 5.0, 5.0, 20.0
CD = {"sigma_dm": 1.0, "sigma_mm": 1.0, "sigma_va": 1.0, "sigma_cn": 1.0}


def two_by_two_by_two() -> Benchmark:
    dom = VOM - VXMD.sum(axis=2).T                    # domestic sales = output − exports
    va = dom + VXMD.sum(axis=1).T                     # Armington supply = domestic + imports, [r, i]
    fd = np.zeros((2, 2, 3))
    fd[:, :, 0] = va                                  # all to the household
    b = Benchmark(name="2x2x2", regions=REGIONS, sectors=GOODS, factors=FACTORS, tags=Tags(fossil=()),
                  vom=VOM.copy(), to=np.zeros((2, 2)), vid=np.zeros((2, 2, 2)), vfm=VFM.copy(),
                  vrs=np.zeros((2, 2)), vxmd=VXMD.copy(), tm=np.zeros((2, 2, 2)), fd=fd,
                  co2=np.zeros((2, 2, 3)), co2p=np.zeros((2, 2)), pop=np.ones(2))
    validate(b)
    return b


def hand_solution(tariff: dict, lam_hicks: dict | None = None) -> dict:
    """Closed form of the Cobb-Douglas 2x2x2 economy under ad valorem tariffs ``{(i, s, r): t}``
    (revenue to the importer's household) and Hicks-neutral productivity ``{(r, j): λ}``.

    Household r spends ``γ[r,i]·M_r`` on good i, the share ``a[r,i,s]`` of it on the variety of
    s at the buyer price, so producer s receives ``γ·M_r·a/(1+t)`` and r collects ``γ·M_r·a·t/(1+t)``;
    incomes solve ``M = K·M`` (one linear system, up to scale). Factor f of r earns the
    Cobb-Douglas share ``α[r,f,j]`` of each sector's revenue, its price is that over its
    endowment, the producer price is ``Π w^α / λ``, output is revenue over price, the consumer
    price ``Π_i Π_s (PY·(1+t))^(γ·a)`` and welfare ``M / PC``. Returned relative to the benchmark."""
    lam = lam_hicks or {}
    va = VOM - VXMD.sum(axis=2).T + VXMD.sum(axis=1).T
    gamma = va / va.sum(axis=1, keepdims=True)
    share = np.zeros((2, 2, 2))                       # a[r, i, s]
    for r in range(2):
        for i in range(2):
            for s in range(2):
                share[r, i, s] = (VOM[r, i] - VXMD[i, r].sum() if s == r else VXMD[i, s, r]) / va[r, i]
    t = np.zeros((2, 2, 2))                           # t[i, s, r]
    for (i, s, r), rate in tariff.items():
        t[GOODS.index(i), REGIONS.index(s), REGIONS.index(r)] = rate
    K = np.zeros((2, 2))
    for r in range(2):
        for rr in range(2):
            K[r, rr] = sum(gamma[rr, i] * share[rr, i, r] / (1 + t[i, r, rr]) for i in range(2))
        K[r, r] += sum(gamma[r, i] * share[r, i, s] * t[i, s, r] / (1 + t[i, s, r]) for i in range(2) for s in range(2))
    A = K - np.eye(2)
    A[1] = [1.0, 0.0]                                 # scale: M_H = 1 (any scale gives the same ratios)
    M = np.linalg.solve(A, [0.0, 1.0])
    rev = np.array([[sum(gamma[rr, i] * M[rr] * share[rr, i, r] / (1 + t[i, r, rr]) for rr in range(2))
                     for i in range(2)] for r in range(2)])
    alpha = VFM / VOM[:, None, :]
    w = np.einsum("rfj,rj->rf", alpha, rev) / VFM.sum(axis=2)
    lam_arr = np.array([[lam.get((r, j), 1.0) for j in GOODS] for r in REGIONS])
    py = np.exp(np.einsum("rfj,rf->rj", alpha, np.log(w))) / lam_arr
    pa = np.exp(np.einsum("ris,isr->ri", share, np.log(py.T[:, :, None] * (1 + t))))
    pc = np.exp((gamma * np.log(pa)).sum(axis=1))
    # every value is in benchmark units (prices 1 at the benchmark) times one arbitrary scale, which
    # quantities (value over price) do not depend on
    return {"Y": rev / py / VOM, "C": M / pc / va.sum(axis=1), "PY": py, "PF": w}


def _solve(b, sc, model=None):
    bm = model or BCAModel(b, sc)
    if model is not None:
        bm.reset_to_benchmark()
        bm.apply(sc)
    compiled = compile_system(bm.pyomo, route="casadi")
    res = compiled.solve(tol=1e-12)
    assert res.max_residual < 1e-9
    return bm


def _sc(**kw) -> Scenario:
    return Scenario(name=kw.pop("name", "shock"), policy={"instrument": "none"}, elasticities=CD, **kw)


@pytest.fixture(scope="module")
def economy():
    return two_by_two_by_two()


def test_tariff_on_imports_of_y_into_h_matches_the_closed_form_of_the_cobb_douglas_economy(economy):
    sc = _sc(shocks={"t": {"type": "import_tariff", "importer": "H", "exporter": "F", "sectors": "y", "rate": 0.25}})
    bm = _solve(economy, sc)
    want = hand_solution({("y", "F", "H"): 0.25})
    v = bm.vars
    for k, r in enumerate(REGIONS):
        assert v["C"][r].value == pytest.approx(want["C"][k], rel=1e-8), r
        for m, j in enumerate(GOODS):
            assert v["Y"][r, j].value == pytest.approx(want["Y"][k, m], rel=1e-8), (r, j)
    ratio = v["PY"]["H", "x"].value / v["PY"]["F", "y"].value
    assert ratio == pytest.approx(want["PY"][0, 0] / want["PY"][1, 1], rel=1e-8)
    # the textbook signs: the tariff turns H's terms of trade in its favour, F loses
    assert ratio > 1 and v["C"]["F"].value < 1


def test_hicks_neutral_productivity_raises_output_by_its_factor_and_lowers_the_price_by_the_same_factor(economy):
    """Cobb-Douglas everywhere: value flows do not move, so output of (H, x) rises by exactly λ and
    its price falls by λ relative to H's factor prices (which keep their ratio)."""
    bm = _solve(economy, _sc(shocks={"tfp": {"type": "productivity", "regions": "H", "sectors": "x", "change": 0.1}}))
    v = bm.vars
    sectors = collect(bm)["sectors"].set_index(["region", "sector"])
    assert sectors.loc[("H", "x"), "output_change_pct"] == pytest.approx(10.0, rel=1e-8)
    assert v["PY"]["H", "x"].value / v["PF"]["H", "labour"].value == pytest.approx(1 / 1.1, rel=1e-8)
    assert v["PF"]["H", "labour"].value / v["PF"]["H", "capital"].value == pytest.approx(1.0, rel=1e-8)
    want = hand_solution({}, {("H", "x"): 1.1})
    assert [v["C"][r].value for r in REGIONS] == pytest.approx(list(want["C"]), rel=1e-8)
    assert want["C"][0] > 1 and want["C"][1] > 1          # both gain: F through cheaper imports of x


def test_labour_augmenting_productivity_raises_output_by_lambda_to_the_labour_share(economy):
    """Y = (λL)^α K^(1−α): output of (H, x) rises by λ^α with α = 40/60, factor incomes keep their
    Cobb-Douglas shares, so the wage-rental ratio of H does not move."""
    sc = _sc(shocks={"lab": {"type": "productivity", "regions": "H", "sectors": "x", "factors": "labour",
                             "change": 0.1}})
    v = _solve(economy, sc).vars
    assert v["Y"]["H", "x"].value == pytest.approx(1.1 ** (40 / 60), rel=1e-8)
    assert v["PF"]["H", "labour"].value / v["PF"]["H", "capital"].value == pytest.approx(1.0, rel=1e-8)


def test_all_endowments_up_by_g_scale_every_quantity_by_1_plus_g_and_leave_prices_unchanged(economy):
    """Constant returns, no fixed demands, balanced trade: the economy is homogeneous of degree one
    in its endowments. (On a dataset with fixed government and investment demand or a trade
    balance this does not hold, and is not expected to.)"""
    g = 0.07
    bm = _solve(economy, _sc(shocks={"all": {"type": "endowment", "regions": "all", "change": g}}))
    v = bm.vars
    for r in REGIONS:
        assert v["C"][r].value == pytest.approx(1 + g, rel=1e-9)
        for j in GOODS:
            assert v["Y"][r, j].value == pytest.approx(1 + g, rel=1e-9)
            assert v["A"][r, j].value == pytest.approx(1 + g, rel=1e-9)
            assert v["PY"][r, j].value == pytest.approx(1.0, rel=1e-9)
            assert v["PA"][r, j].value == pytest.approx(1.0, rel=1e-9)
        for f in FACTORS:
            assert v["PF"][r, f].value == pytest.approx(1.0, rel=1e-9)


def test_an_export_tax_of_f_on_y_lowers_the_producer_price_of_f_relative_to_its_buyers(economy):
    sc = _sc(shocks={"x": {"type": "export_tax", "exporter": "F", "sectors": "y", "rate": 0.2}})
    v = _solve(economy, sc).vars
    assert v["Y"]["F", "y"].value < 1
    assert v["C"]["H"].value < 1                          # H pays more for F's y


@pytest.fixture(scope="module")
def synthetic():
    from cge.data.synthetic import random_benchmark

    return random_benchmark(5, 8, seed=0)


ZERO = {"tm": {"type": "import_tariff", "importer": "all", "change": 0.0},
        "tx": {"type": "export_tax", "exporter": "all", "change": 0.0},
        "to": {"type": "output_tax", "regions": "all", "change": 0.0},
        "ti": {"type": "input_tax", "regions": "all", "change": 0.0},
        "tf": {"type": "factor_tax", "regions": "all", "change": 0.0},
        "e": {"type": "endowment", "regions": "all", "change": 0.0},
        "p": {"type": "productivity", "regions": "all", "change": 0.0},
        "pf": {"type": "productivity", "regions": "all", "factors": ["labour"], "change": 0.0}}


def test_zero_shocks_of_every_kind_change_nothing_in_a_bca_design(synthetic):
    """Every kind of shock at zero change, in a model whose structure declares every tax parameter,
    gives the results of the same design without shocks (compiled without them)."""
    base = scenario_from_dict({"name": "cbam", "coalition": ["annex1"], "policy": {"instrument": "tax",
                               "tax_usd_per_t": 50}, "bca": {"import_charge": True}})
    plain = collect(_solve(synthetic, base), full=False)["regions"]
    shocked = collect(_solve(synthetic, base.replace(shocks=ZERO)), full=False)["regions"]
    for col in ("ev_bn_usd", "emissions_mt", "carbon_price_usd_per_t"):
        assert shocked[col].to_numpy() == pytest.approx(plain[col].to_numpy(), rel=1e-9, abs=1e-9), col


def test_a_tariff_set_back_to_zero_in_the_same_compiled_model_restores_the_solution(synthetic):
    """Shocked cells go back to their benchmark values when the next scenario does not shock them."""
    base = Scenario(name="b", coalition=["annex1"], policy={"instrument": "tax", "tax_usd_per_t": 30},
                    shocks={"z": {"type": "import_tariff", "importer": "all", "change": 0.0}})
    bm = _solve(synthetic, base)
    ev0 = collect(bm, full=False)["regions"]["ev_bn_usd"].to_numpy()
    retaliate = base.replace(shocks={"z": {"type": "import_tariff", "importer": "all", "sectors": "eite",
                                           "change": 0.3}})
    moved = collect(_solve(synthetic, retaliate, bm), full=False)["regions"]["ev_bn_usd"].to_numpy()
    assert abs(moved - ev0).max() > 1e-3
    back = collect(_solve(synthetic, base, bm), full=False)["regions"]["ev_bn_usd"].to_numpy()
    assert back == pytest.approx(ev0, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("shock, message", [
    ({"type": "tariff", "importer": "H"}, "shocks.s.type: 'tariff' is not a shock type; known: import_tariff"),
    ({"type": "import_tariff", "exporter": "H", "rate": 0.1}, "shocks.s.importer: a import_tariff shock must name"),
    ({"type": "import_tariff", "importer": "H", "rate": 0.1, "change": 0.1}, "shocks.s: a import_tariff shock "
     "takes exactly one rate or change (got 2)"),
    ({"type": "endowment", "regions": "H", "rate": 0.1}, "shocks.s.rate: unknown key for a endowment shock"),
    ({"type": "output_tax", "regions": "H", "rate": 1.5}, "shocks.s.rate: 1.5 must lie in [-0.9, 0.9]"),
    ({"type": "productivity", "regions": "H", "secters": "x", "change": 0.1}, "shocks.s.secters: unknown key"),
    ({"type": "endowment", "regions": "H", "factors": "labour", "sectors": "x", "change": 0.1},
     "shocks.s.sectors: endowments of labour are not by sector"),
])
def test_a_bad_shock_is_one_line_naming_its_key(shock, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"name": "bad", "policy": {"instrument": "none"}, "shocks": {"s": shock}}, source="f.yaml")
    assert message in str(err.value) and str(err.value).startswith("f.yaml: ")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("shock, message", [
    ({"type": "import_tariff", "importer": "XX", "rate": 0.1}, "shocks.s.importer: 'XX' is neither a region"),
    ({"type": "import_tariff", "importer": "H", "sectors": ["z"], "rate": 0.1},
     "shocks.s.sectors: unknown sector(s) ['z']; known: x, y"),
    ({"type": "factor_tax", "regions": "H", "factors": "land", "rate": 0.1},
     "shocks.s.factors: unknown factor(s) ['land']; known: labour, capital"),
    ({"type": "import_tariff", "importer": "H", "sectors": "eite", "rate": 0.1},
     "shocks.s.sectors: eite, but the dataset tags no sector as eite"),
    ({"type": "output_tax", "regions": "H", "change": 0.95}, "the output tax rate of H.x becomes 0.95"),
])
def test_shock_codes_unknown_to_the_dataset_are_one_line_naming_the_key(economy, shock, message):
    sc = _sc(shocks={"s": shock})
    with pytest.raises(ScenarioError) as err:
        resolve_design(economy, sc)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_sweep_varies_one_field_of_a_named_shock_and_rejects_an_unknown_field():
    from cge.sweep.spec import sweep_from_dict

    base = {"coalition": ["annex1"], "policy": {"instrument": "tax", "tax_usd_per_t": 50},
            "shocks": {"t": {"type": "import_tariff", "importer": "annex1", "change": 0.0}}}
    spec = sweep_from_dict({"base": base, "grid": {"shocks.t.change": [0.0, 0.1, 0.2]}})
    assert spec.grid == [("shocks.t.change", [0.0, 0.1, 0.2])]
    with pytest.raises(ScenarioError, match=r"grid.shocks.t.chnage: .*FIELD one of"):
        sweep_from_dict({"base": base, "grid": {"shocks.t.chnage": [0.1]}})
    with pytest.raises(ScenarioError, match=r"shocks.t: a import_tariff shock takes exactly one rate or change"):
        sweep_from_dict({"base": base, "grid": {"shocks.t.rate": [0.1]}})


def test_the_shipped_retaliation_scenarios_resolve_on_the_default_dataset_and_share_one_model():
    from cge.cli import default_scenarios_path
    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path
    from cge.scenarios.spec import load_scenarios

    b = read_benchmark(default_dataset_path())
    path = default_scenarios_path().parent / "eu_cbam_retaliation.yaml"
    designs = {sc.name: resolve_design(b, sc) for sc in load_scenarios(path)}
    assert len({d.structure for d in designs.values()}) == 1
    cells = designs["EU-CBAM-retaliation-25"].shocks.as_dict()
    hit = {(param, cell[1], cell[2]) for (param, cell) in cells}
    assert hit == {("rate_tm", "EU27", "CHN"), ("rate_tm", "EU27", "IND")}
    assert {cell[0] for (_p, cell) in cells} == set(b.tags.eite) and set(cells.values()) == {0.25}
    assert set(designs["EU-REF"].shocks.as_dict().values()) == {0.0}   # change 0 on WIOD's zero tariffs


def test_a_scenario_file_with_a_shock_on_an_unknown_region_stops_with_one_line(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "bad.yaml"
    p.write_text("name: x\ncoalition: [EU27]\nshocks: {t: {type: import_tariff, importer: CHINA, rate: 0.1}}\n")
    r = subprocess.run([sys.executable, "-m", "cge.cli", "compare", "--scenarios", str(p), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 2, r.stdout
    assert "shocks.t.importer: 'CHINA' is neither a region" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_the_welfare_decomposition_of_a_tariff_shock_adds_up_along_a_parameter_path_from_the_benchmark(synthetic):
    """With path steps the decomposition re-solves the model at interior points of a parameter path
    (tariffs included) between the benchmark, or REF, and the scenario; the channels add up to the EV."""
    from cge.results.decomposition import CHANNELS
    from cge.results.run import run_scenarios

    policy = {"coalition": ["annex1"], "policy": {"instrument": "tax", "tax_usd_per_t": 40}}
    zero = {"t": {"type": "import_tariff", "importer": "non_annex1", "exporter": "annex1", "sectors": "eite",
                  "change": 0.0}}
    ref = scenario_from_dict({"name": "REF", **policy, "shocks": zero})
    retaliation = ref.replace(name="RET", bca={"import_charge": True},
                              shocks={"t": {**zero["t"], "change": 0.2}})
    comp = run_scenarios(synthetic, [ref, retaliation], decomposition_steps=3)
    d = comp.table("decomposition")
    assert set(d["relative_to"]) == {"benchmark", "REF"} and (d["path_steps"] == 3).all()
    columns = [f"{c}_bn_usd" for c in CHANNELS]
    assert np.max(np.abs(d[columns].sum(axis=1) - d["ev_bn_usd"])) < 1e-8
    ret = d[(d["scenario"] == "RET") & (d["relative_to"] == "REF")].set_index("region")
    assert ret[columns].abs().to_numpy().max() > 1e-3          # the tariff moves something
