"""Resource sectors whose rent is a tiny share of costs (as in real GTAP files) solve over the
carbon-price range: the substitution elasticity of the resource nest is calibrated with the rent
share floored at ``RENT_SHARE_FLOOR`` (cge/bca/formulas.py), so it is never ~0."""

from pathlib import Path

import numpy as np
import pytest
from conftest import Solver, scenario

from cge.bca.formulas import RENT_SHARE_FLOOR, rent_share, resource_sigma
from cge.data.benchmark import validate
from cge.data.flows import Flows
from cge.data.synthetic import random_benchmark, with_gtap_wedges
from cge.results.tables import collect

ROOT = Path(__file__).resolve().parents[1]
SHARED_GTAP9 = ROOT.parent / "shared" / "data" / "gtap9" / "gtap9_2011_g20_10.gdx"
PRICES = (0.0, 25.0, 50.0, 100.0, 150.0, 200.0)


def _tax(p):
    return scenario(policy={"instrument": "tax", "tax_usd_per_t": p})


def _rents_below(b, theta):
    """``b`` with each resource sector's rent cut to ``theta`` of its cost; the rest of the rent
    is paid to capital (the sector's costs, hence the balance, are unchanged)."""
    k = b.factors.index("capital")
    for j in b.tags.resource:
        jj = b.sectors.index(j)
        target = theta * (1 - b.to[:, jj]) * b.vom[:, jj]
        moved = np.maximum(b.vrs[:, jj] - target, 0.0)
        b.vrs[:, jj] -= moved
        b.vfm[:, k, jj] += moved
    return b


@pytest.fixture(scope="module")
def tiny_rents_with_export_subsidies():
    b = with_gtap_wedges(_rents_below(random_benchmark(5, 8, seed=0), 1e-4), seed=3)
    validate(b)
    return b


def _solve_range(b):
    sv = Solver(b, _tax(0.0))
    out = []
    for p in PRICES:
        res = sv.solve(_tax(p), cold=False)
        assert res.max_residual < 1e-8
        out.append((p, res.iterations, collect(sv.model, full=False)["regions"]))
    return out


def test_synthetic_benchmark_has_rent_shares_below_one_percent_and_export_subsidies(tiny_rents_with_export_subsidies):
    b = tiny_rents_with_export_subsidies
    fl = Flows(b)
    shares = [rent_share(fl, r, j) for r in b.regions for j in b.tags.resource
              if b.vrs[b.regions.index(r), b.sectors.index(j)] > 0]
    assert shares and max(shares) < 0.01
    assert (b.tx < 0).any()


def test_benchmark_with_rent_shares_below_one_percent_and_export_subsidies_solves_from_0_to_200_usd_per_t(
        tiny_rents_with_export_subsidies):
    runs = _solve_range(tiny_rents_with_export_subsidies)
    assert runs[0][1] == 0
    co2 = [reg["emissions_mt"].sum() for _, _, reg in runs]
    assert all(a > b for a, b in zip(co2, co2[1:]))   # emissions fall as the price rises


def test_resource_sigma_keeps_the_spec_formula_where_the_rent_share_is_at_least_the_floor():
    for theta in (RENT_SHARE_FLOOR, 0.117, 0.3, 0.9):
        assert resource_sigma(2.0, theta) == pytest.approx(2.0 * theta / (1 - theta), rel=1e-15)


def test_resource_sigma_below_the_floor_is_the_floors_value_not_zero():
    floor = resource_sigma(1.0, RENT_SHARE_FLOOR)
    for theta in (1e-6, 1e-3, 0.5 * RENT_SHARE_FLOOR):
        assert resource_sigma(1.0, theta) == pytest.approx(floor, rel=1e-15)
    assert resource_sigma(1.0, 0.0) == 0.0   # no rent: no resource input, nothing to substitute


@pytest.mark.skipif(not SHARED_GTAP9.exists(), reason="shared GTAP 9 file not present")
def test_shared_gtap9_file_without_export_subsidies_solves_from_0_to_200_usd_per_t():
    pytest.importorskip("polars_gdx")
    from cge.data import gtap

    d = gtap.without_export_subsidies(gtap.read_gtap_arrays(SHARED_GTAP9))
    b = gtap.to_benchmark(d, "gtap9_no_export_subsidies", str(SHARED_GTAP9))
    fl = Flows(b)
    assert min(rent_share(fl, r, j) for r in b.regions for j in b.tags.resource
               if b.vrs[b.regions.index(r), b.sectors.index(j)] > 0) < 0.001
    runs = _solve_range(b)
    assert runs[0][1] == 0
    co2 = [reg["emissions_mt"].sum() for _, _, reg in runs]
    assert all(a > b for a, b in zip(co2, co2[1:]))
