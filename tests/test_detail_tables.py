"""The detail tables (cge/results/detail.py): prices, factor prices, value added, employment,
consumption, emissions by sector and fuel, and the leakage channels; their identities."""

import numpy as np
import pandas as pd
import pytest

import cge
from cge.data.benchmark import HOUSEHOLD
from cge.data.factors import labour_factors
from cge.results.detail import PROCESS, TOTAL
from cge.results.measures import leakage_split, log_mean
from cge.results.schema import BY_NAME

DETAIL = ("prices", "factor_prices", "value_added", "employment", "consumption", "emissions", "leakage_channels")
REL = 1e-9


@pytest.fixture(scope="module")
def data():
    return cge.load_dataset("synthetic:5x8:0")


@pytest.fixture(scope="module")
def run(data):
    zero = cge.Scenario(name="ZERO", coalition=["annex1"], policy={"instrument": "tax", "tax_usd_per_t": 0})
    tax = zero.replace(name="TAX", policy={"tax_usd_per_t": 60})
    bca = tax.replace(name="BCA", bca={"import_charge": True, "export_rebate": True})
    return cge.compare(data, [zero, tax, bca], progress=False)


def _close(a, b, rel=REL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.allclose(a, b, rtol=rel, atol=rel * max(1.0, float(np.abs(b).max())))


def test_every_detail_table_is_in_the_contract_with_a_unit_for_every_column(run):
    for name in DETAIL:
        df = run.table(name)
        assert list(df.columns) == ["scenario", *BY_NAME[name].names], name
        assert len(df), name
        for c in BY_NAME[name].names:
            assert BY_NAME[name].unit_of(c)


def test_detail_tables_have_one_row_per_region_and_item(run, data):
    one = {name: run["TAX"].table(name) for name in DETAIL}
    n_r, n_j = len(data.regions), len(data.sectors)
    assert len(one["prices"]) == n_r * n_j and not one["prices"].duplicated(["region", "good"]).any()
    assert len(one["value_added"]) == int((data.vom > 0).sum())
    assert len(one["consumption"]) == int((data.vc > 0).sum())
    fp = one["factor_prices"]
    assert (fp["kind"] == "carbon").sum() == n_r
    assert (fp["kind"] == "resource_rent").sum() == int((data.vrs > 0).sum())
    assert set(one["employment"]["factor"]) == set(labour_factors(data.factors)) == {"labour"}
    assert set(one["emissions"]["fuel"]) <= set(data.tags.fossil) | {PROCESS}
    assert set(one["emissions"]["user"]) <= set(data.sectors) | {HOUSEHOLD}


def test_at_zero_shock_prices_are_unchanged_and_value_added_is_benchmark_gdp_at_factor_cost(run, data):
    t = {name: run["ZERO"].table(name) for name in DETAIL}
    p = t["prices"][["supply_price_change_pct", "armington_price_change_pct", "consumer_price_change_pct"]]
    assert np.nanmax(np.abs(p.to_numpy(dtype=float))) < 1e-7
    assert np.nanmax(np.abs(t["factor_prices"]["price_change_pct"].to_numpy(dtype=float))) < 1e-7
    va = t["value_added"].groupby("region", sort=False)[["benchmark_bn_usd", "value_bn_usd"]].sum()
    gdp_factor_cost = data.vfm.sum(axis=(1, 2)) + data.vrs.sum(axis=1)
    assert _close(va["benchmark_bn_usd"].reindex(data.regions), gdp_factor_cost)
    assert _close(va["value_bn_usd"].reindex(data.regions), gdp_factor_cost, rel=1e-8)
    for name in ("value_added", "employment", "consumption"):
        assert np.abs(t[name]["change_pct"]).max() < 1e-7, name
    assert np.abs(t["emissions"]["emissions_change_mt"]).max() < 1e-7
    assert np.abs(t["leakage_channels"].iloc[:, 1:].drop(columns="emissions_benchmark_mt")).max().max() < 1e-7


def test_emissions_by_sector_and_fuel_sum_to_the_regions_emissions(run, data):
    for sc in ("ZERO", "TAX", "BCA"):
        e = run[sc].table("emissions").groupby("region")[["emissions_benchmark_mt", "emissions_mt"]].sum()
        reg = run[sc].table("regions").set_index("region")
        assert _close(e["emissions_mt"].reindex(reg.index), reg["emissions_mt"]), sc
        assert _close(e["emissions_benchmark_mt"].reindex(reg.index), reg["emissions_benchmark_mt"]), sc


def test_the_carbon_price_of_factor_prices_is_the_regions_carbon_price(run):
    fp = run["TAX"].table("factor_prices")
    co2 = fp[fp["kind"] == "carbon"].set_index("region")["carbon_price_usd_per_t"]
    reg = run["TAX"].table("regions").set_index("region")["carbon_price_usd_per_t"]
    assert _close(co2.reindex(reg.index), reg)
    assert _close(reg[run["TAX"].table("regions").set_index("region")["coalition"]], 60.0)


def test_full_employment_keeps_each_regions_labour_demand_at_its_endowment(run):
    emp = run["BCA"].table("employment")
    assert emp["change_pct"].abs().max() > 1e-3          # labour moves between sectors ...
    tot = emp.groupby(["region", "factor"])[["benchmark_bn_usd", "quantity_bn_usd_at_benchmark_prices"]].sum()
    assert _close(tot["quantity_bn_usd_at_benchmark_prices"], tot["benchmark_bn_usd"], rel=1e-8)  # ... not in total


def test_a_carbon_tax_raises_the_consumer_price_of_coal_in_the_coalition_and_cuts_its_use(run, data):
    p = run["TAX"].table("prices").set_index(["region", "good"])
    c = run["TAX"].table("consumption").set_index(["region", "good"])
    coalition = data.tags.region_groups["annex1"]
    for r in coalition:
        for fuel in data.tags.fossil:
            k = data.regions.index(r), data.sectors.index(fuel)
            if data.co2[k[0], k[1], len(data.sectors)] > 0:
                assert p.loc[(r, fuel), "consumer_price_change_pct"] > p.loc[(r, fuel), "armington_price_change_pct"]
                assert c.loc[(r, fuel), "change_pct"] < 0


@pytest.mark.parametrize("sc", ["TAX", "BCA"])
def test_leakage_channels_sum_to_total_leakage(run, sc):
    lc = run[sc].table("leakage_channels").set_index("region")
    parts = lc["eite_relocation_mt"] + lc["fuel_price_mt"] + lc["other_activity_mt"]
    assert _close(parts, lc["emissions_change_mt"])
    total = run[sc].table("summary")["non_coalition_emissions_change_mt"].iloc[0]
    assert abs(lc.loc[TOTAL, "emissions_change_mt"] - total) <= REL * abs(total)
    assert abs(parts[TOTAL] - total) <= REL * abs(total)
    assert abs(total) > 1e-3     # there is leakage to split


def test_the_fuel_price_channel_is_the_lmdi_intensity_effect(run, data):
    """Recomputed from the emissions and sectors tables: Σ L(E1, E0)·ln(I1/I0) over every activity of
    the non-coalition regions, I = E/Y (households: E/C), equals the fuel-price channel."""
    t = run["BCA"]
    e = t.table("emissions").groupby(["region", "user"])[["emissions_benchmark_mt", "emissions_mt"]].sum()
    y = t.table("sectors").set_index(["region", "sector"])["output_change_pct"] / 100 + 1
    c = t.table("regions").set_index("region")["ev_pct"] / 100 + 1      # C[r] = 1 + EV%/100
    lc = t.table("leakage_channels").set_index("region")
    for r in lc.index.drop(TOTAL):
        rows = e.loc[r]
        level = np.array([c[r] if u == HOUSEHOLD else y[(r, u)] for u in rows.index])
        e0, e1 = rows["emissions_benchmark_mt"].to_numpy(), rows["emissions_mt"].to_numpy()
        intensity = (log_mean(e1, e0) * np.log((e1 / level) / e0)).sum()
        assert abs(intensity - lc.loc[r, "fuel_price_mt"]) <= 1e-7 * max(1.0, abs(intensity)), r


def test_leakage_split_is_exact_for_any_activity_and_intensity_changes():
    rng = np.random.default_rng(0)
    e0 = rng.uniform(0.1, 100, 50)
    level = rng.uniform(0.2, 3.0, 50)
    e1 = e0 * level * rng.uniform(0.5, 1.5, 50)
    e1[3], level[3] = 0.0, 0.0           # an activity that stops
    e1[7] = e0[7]                        # nothing changes
    eite = rng.uniform(size=50) < 0.3
    parts = leakage_split(e0, e1, level, eite)
    assert abs(sum(parts) - (e1 - e0).sum()) <= 1e-12 * np.abs(e1 - e0).sum()
    assert all(np.isfinite(parts))


def test_without_regions_outside_the_coalition_there_are_no_leakage_channels(data):
    world = cge.Scenario(name="WORLD", coalition=list(data.regions), policy={"instrument": "tax", "tax_usd_per_t": 30})
    lc = cge.compare(data, [world], progress=False).table("leakage_channels")
    assert lc.empty and list(lc.columns) == ["scenario", *BY_NAME["leakage_channels"].names]


def test_detail_tables_are_written_with_the_results(run, tmp_path):
    out = run.write(tmp_path / "results")
    for name in (*DETAIL, "diagnostics"):
        assert (out / f"{name}.csv").exists() and (out / f"{name}.parquet").exists(), name
        back = pd.read_csv(out / f"{name}.csv")
        assert list(back.columns) == ["scenario", *BY_NAME[name].names]
