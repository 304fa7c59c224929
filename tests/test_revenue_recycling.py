"""Revenue recycling and international transfers (cge/bca/recycling.py): transfers add up across
regions and show in the fairness tables; labour-tax recycling keeps its stated budget measure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import Solver, scenario
from pyomo.environ import value

from cge.core import query
from cge.core.evaluate import flow_evaluator
from cge.data.synthetic import random_benchmark, with_gtap_wedges
from cge.errors import ScenarioError
from cge.results.run import run_scenarios

TAX = {"policy": {"instrument": "tax", "tax_usd_per_t": 50.0}}
CBAM = {"bca": {"import_charge": True}}
TO_DEVELOPING = {"recycling": {"transfer_share": 0.5, "transfer_to": ["developing"]}}


@pytest.fixture(scope="module")
def runs(small_benchmark):
    return run_scenarios(small_benchmark, [scenario(name="REF"), scenario(name="CBAM", **CBAM),
                                           scenario(name="CBAM-FINANCE", **CBAM, **TO_DEVELOPING)])


def test_revenue_transfers_add_up_across_regions(runs):
    t = runs.table("closures").query("scenario == 'CBAM-FINANCE'")
    paid, received = t["transfer_paid_bn_usd"].sum(), t["transfer_received_bn_usd"].sum()
    assert paid > 1
    assert received == pytest.approx(paid, rel=1e-9)


def test_each_region_pays_the_share_of_the_bca_revenue_it_keeps_and_recipients_split_by_consumption(
        runs, small_benchmark):
    b = small_benchmark
    t = runs.table("closures").query("scenario == 'CBAM-FINANCE'").set_index("region")
    kept = runs.table("regions").query("scenario == 'CBAM-FINANCE'").set_index("region")["bca_revenue_kept_bn_usd"]
    np.testing.assert_allclose(t["transfer_paid_bn_usd"], 0.5 * kept.reindex(t.index), rtol=1e-9, atol=1e-12)
    poor = b.tags.region_groups["developing"]
    spending = {r: b.household_spending[b.regions.index(r)] for r in poor}
    pool = t["transfer_paid_bn_usd"].sum()
    for r in b.regions:
        want = pool * spending[r] / sum(spending.values()) if r in poor else 0.0
        assert t.loc[r, "transfer_received_bn_usd"] == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_climate_finance_out_of_cbam_revenue_raises_the_recipients_welfare_and_lowers_the_payers(runs):
    ev = runs.table("regions").pivot(index="region", columns="scenario", values="ev_bn_usd")
    net = runs.table("closures").query("scenario == 'CBAM-FINANCE'").set_index("region")["net_transfer_bn_usd"]
    gains = ev["CBAM-FINANCE"] - ev["CBAM"]
    assert (gains[net > 0] > 0).all() and (gains[net < 0] < 0).all()


def test_fairness_tables_show_who_pays_and_who_receives_the_transfer(runs):
    fair = runs.table("fairness").query("scenario == 'CBAM-FINANCE'").set_index("region")
    closures = runs.table("closures").query("scenario == 'CBAM-FINANCE'").set_index("region")
    for col in ("transfer_received_bn_usd", "transfer_paid_bn_usd", "net_transfer_bn_usd"):
        np.testing.assert_allclose(fair[col], closures[col], rtol=1e-12)
    cbdr = runs.table("cbdr").set_index("scenario")
    developing = fair.query("developing")["net_transfer_bn_usd"].sum()
    assert cbdr.loc["CBAM-FINANCE", "net_transfer_to_developing_bn_usd"] == pytest.approx(developing, rel=1e-12)
    assert developing > 0 and cbdr.loc["CBAM", "net_transfer_to_developing_bn_usd"] == 0
    # the design's reference is the policy without BCA and without the transfer
    assert set(runs.table("fairness").query("scenario == 'CBAM-FINANCE'")["reference"]) == {"REF"}


def test_a_transfer_share_needs_recipients_and_recipients_must_be_regions_or_groups(small_benchmark):
    with pytest.raises(ScenarioError, match=r"^recycling\.transfer_share: a share above 0 needs"):
        scenario(recycling={"transfer_share": 0.5})
    with pytest.raises(ScenarioError, match=r"^recycling\.transfer_to: 'poorest' is neither a region"):
        Solver(small_benchmark, scenario(**CBAM, recycling={"transfer_share": 0.5, "transfer_to": ["poorest"]}))


# ----------------------------------------------------------------------------- labour-tax recycling
@pytest.fixture(scope="module")
def wedged():
    return with_gtap_wedges(random_benchmark(5, 8, seed=0), seed=3)


def _budget(model, r: str) -> float:
    """(labour-tax revenue + net climate-policy revenue) / PC[r], counted from the solved flows."""
    rev = query.revenue(model.em, flow_evaluator(model.em))
    mine = rev[rev["agent_index"] == r]
    on_labour = np.array([f[:3] == ("vfm", r, "labour") for f in mine["flow"]], dtype=bool)
    labour = mine[(mine["kind"] == "factor_tax").to_numpy() & on_labour]
    policy = mine[mine["kind"].isin(["carbon", "bca_charge", "bca_charge_returned", "export_rebate",
                                     "output_rebate"])]
    return (labour["revenue"].sum() + policy["revenue"].sum()) / value(model.d.PC[r])


def test_labour_tax_recycling_keeps_real_labour_and_climate_revenue_at_its_benchmark(wedged):
    sc = scenario(**TAX, **CBAM, recycling={"domestic": "labour_tax"})
    s = Solver(wedged, sc)
    k = wedged.factors.index("labour")
    with s.model.em.at_benchmark():
        before = {r: _budget(s.model, r) for r in s.model.coalition}
    assert s.solve(sc).status == "converged"
    for r in s.model.coalition:
        i = wedged.regions.index(r)
        assert before[r] == pytest.approx((wedged.tf[i, k] * wedged.vfm[i, k]).sum(), rel=1e-12)
        assert _budget(s.model, r) == pytest.approx(before[r], rel=1e-9)
        assert value(s.model.d.TL[r]) < -1e-3          # the carbon revenue cuts the labour tax


def test_labour_tax_recycling_equals_lump_sum_under_full_employment(small_benchmark):
    # a labour tax on a fixed labour supply is a lump-sum tax: the allocation does not change
    lump = Solver(small_benchmark, scenario(**TAX))
    lump.solve(scenario(**TAX))
    labour = Solver(small_benchmark, scenario(**TAX, recycling={"domestic": "labour_tax"}))
    labour.solve(scenario(**TAX, recycling={"domestic": "labour_tax"}))
    for r in small_benchmark.regions:
        assert value(labour.model.d.C[r]) == pytest.approx(value(lump.model.d.C[r]), rel=1e-9)


def test_labour_tax_recycling_raises_employment_under_a_fixed_real_wage(small_benchmark):
    fixed = {"closure": {"labour": "fixed_real_wage"}}
    lump = Solver(small_benchmark, scenario(**TAX, **fixed))
    lump.solve(scenario(**TAX, **fixed))
    cut = scenario(**TAX, **fixed, recycling={"domestic": "labour_tax"})
    labour = Solver(small_benchmark, cut)
    labour.solve(cut)
    for r in labour.model.coalition:
        assert value(labour.model.d.EMP[r]) > value(lump.model.d.EMP[r]) + 1e-4


# ----------------------------------------------------------------------------- the shipped example
NUMBER = r"([+-]?\d+(?:\.\d+)?)"
FINANCE = ("EU-REF", "EU-CBAM", "EU-CBAM-finance50", "EU-CBAM-finance100")


@pytest.fixture(scope="module")
def wiod():
    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path

    return read_benchmark(default_dataset_path())


@pytest.fixture(scope="module")
def finance(wiod):
    """REF, the CBAM and the CBAM with all its revenue paid to developing regions, from the shipped example."""
    from importlib import resources

    from cge.results.run import check_scenarios
    from cge.scenarios.spec import load_scenarios

    with resources.as_file(resources.files("cge") / "scenarios" / "cbam_climate_finance.yaml") as f:
        scs = {sc.name: sc for sc in load_scenarios(f)}
        check_scenarios(wiod, list(scs.values()), f)
    return run_scenarios(wiod, [scs[name] for name in FINANCE])


def test_cbam_climate_finance_example_pays_the_eus_cbam_revenue_to_developing_regions(finance, wiod):
    from cge.sweep.spec import load_sweep, plan_points

    closures = finance.table("closures").query("scenario == 'EU-CBAM-finance100'").set_index("region")
    regions = finance.table("regions").query("scenario == 'EU-CBAM-finance100'").set_index("region")
    assert closures.loc["EU27", "transfer_paid_bn_usd"] == pytest.approx(regions.loc["EU27", "bca_revenue_kept_bn_usd"],
                                                                        rel=1e-9)
    developing = list(wiod.tags.region_groups["developing"])
    assert closures.loc[developing, "transfer_received_bn_usd"].sum() == pytest.approx(
        closures["transfer_paid_bn_usd"].sum(), rel=1e-9)
    cbdr = finance.table("cbdr").set_index("scenario")["ev_developing_bn_usd"]
    assert cbdr["EU-CBAM-finance100"] > cbdr["EU-CBAM"]
    examples = Path(__file__).resolve().parents[1] / "examples"
    assert len(plan_points(load_sweep(examples / "sweep_cbam_finance.yaml"), wiod)) == 20


def test_the_climate_finance_figures_of_the_closures_page_are_the_models(finance):
    from test_readme_figures import agrees, quoted

    dev0, dev1, eu0, eu1 = quoted(r"moves their EV from " + NUMBER + " to " + NUMBER + r" bn USD and the EU27's from "
                                  + NUMBER + " to " + NUMBER + " bn USD")
    cbdr = finance.table("cbdr").set_index("scenario")["ev_developing_bn_usd"]
    ev = finance.table("regions").query("region == 'EU27'").set_index("scenario")["ev_bn_usd"]
    agrees(dev0, cbdr["EU-CBAM"], "developing EV under EU-CBAM")
    agrees(dev1, cbdr["EU-CBAM-finance100"], "developing EV under EU-CBAM-finance100")
    agrees(eu0, ev["EU-CBAM"], "EU27 EV under EU-CBAM")
    agrees(eu1, ev["EU-CBAM-finance100"], "EU27 EV under EU-CBAM-finance100")


def test_the_climate_finance_table_of_the_closures_page_is_the_models(finance):
    from test_readme_figures import agrees

    page = (Path(__file__).resolve().parents[1] / "docs" / "explanation" / "closures.md").read_text(encoding="utf-8")
    ev = finance.table("regions").pivot(index="region", columns="scenario", values="ev_bn_usd")
    net = finance.table("closures").pivot(index="region", columns="scenario", values="net_transfer_bn_usd")
    rows = [line.strip("|").split("|") for line in page.splitlines() if line.startswith("| ") and
            line.split("|")[1].strip() in ev.index]
    assert len(rows) == len(ev)
    for region, *cells in rows:
        region = region.strip()
        want = [*(ev.loc[region, s] for s in FINANCE), net.loc[region, "EU-CBAM-finance100"]]
        for printed, value_ in zip(cells, want, strict=True):
            agrees(printed.strip(), value_, f"{region} on the closures page")


@pytest.mark.parametrize("of", ["carbon", "carbon_and_bca"])
def test_carbon_revenue_transfers_under_a_coalition_cap_count_permit_sales_and_add_up(small_benchmark, of):
    from cge.results.closures import closure_table

    sc = scenario(**CBAM, recycling={"transfer_share": 0.2, "transfer_of": of, "transfer_to": ["ldc"],
                                     "transfer_weights": "equal"})
    s = Solver(small_benchmark, sc)
    assert s.solve(sc).status == "converged"
    d, pw = s.model.d, value(s.model.d.PW)
    t = closure_table(s.model, pw).set_index("region")
    regions = {r: i for i, r in enumerate(small_benchmark.regions)}
    for r in s.model.coalition:   # charges plus permit sales = the carbon price on the region's allowances
        carbon = value(d.PCO2[r]) * (1 - value(d.cut)) * small_benchmark.emissions[regions[r]]
        bca = 0.0 if of == "carbon" else value(d.em.collected(d.RA[r], ("bca_charge",)))
        assert t.loc[r, "transfer_paid_bn_usd"] == pytest.approx(0.2 * (carbon + bca) / pw, rel=1e-9)
    assert t["transfer_received_bn_usd"].sum() == pytest.approx(t["transfer_paid_bn_usd"].sum(), rel=1e-9)
    assert t.loc["r4", "transfer_received_bn_usd"] == pytest.approx(t["transfer_paid_bn_usd"].sum(), rel=1e-9)


def test_recipients_split_the_pool_by_population_when_asked(small_benchmark):
    from cge.results.closures import closure_table

    sc = scenario(**CBAM, recycling={"transfer_share": 1.0, "transfer_to": ["developing"],
                                     "transfer_weights": "population"})
    s = Solver(small_benchmark, sc)
    assert s.solve(sc).status == "converged"
    t = closure_table(s.model, value(s.model.d.PW)).set_index("region")
    poor = small_benchmark.tags.region_groups["developing"]
    pop = {r: small_benchmark.pop[small_benchmark.regions.index(r)] for r in poor}
    pool = t["transfer_paid_bn_usd"].sum()
    for r in poor:
        assert t.loc[r, "transfer_received_bn_usd"] == pytest.approx(pool * pop[r] / sum(pop.values()), rel=1e-9)
