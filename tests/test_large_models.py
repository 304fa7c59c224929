"""Longer checks on large random benchmarks (marker `slow`; `.ci/run` runs them)."""

import pytest
from conftest import scenario

from cge.bca.model import BCAModel
from cge.core.model import walras_residual
from cge.data.synthetic import random_benchmark
from cge.results.tables import collect
from cge.solve import compile_system

pytestmark = pytest.mark.slow


def test_twenty_regions_thirty_sectors_solve_with_leakage_and_a_bca_that_lowers_it():
    b = random_benchmark(20, 30, seed=7)
    ref = scenario(name="REF")
    model = BCAModel(b, ref)
    compiled = compile_system(model.pyomo)
    res = compiled.solve()
    assert res.max_residual < 1e-8
    assert abs(walras_residual(model.em)) < 1e-8
    t_ref = collect(model)
    model.apply(scenario(name="BCA", bca={"import_charge": True, "export_rebate": True, "basis": "total"}))
    compiled.solve()
    t_bca = collect(model)
    assert t_ref["summary"]["leakage_rate_pct"].iloc[0] > 0
    assert t_bca["summary"]["leakage_rate_pct"].iloc[0] < t_ref["summary"]["leakage_rate_pct"].iloc[0]
    reg = t_bca["regions"]
    assert reg["gdp_income_bn_usd"].to_numpy() == pytest.approx(reg["gdp_expenditure_bn_usd"].to_numpy(), rel=1e-9)
