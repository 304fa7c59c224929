"""Tests for cge.data.synthetic.random_benchmark: balanced by construction, plausible, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from cge.data.benchmark import identity_gaps, is_close, read_benchmark, validate, write_benchmark
from cge.data.synthetic import random_benchmark

SIZES = [(2, 6, 0), (3, 7, 1), (4, 6, 2), (5, 8, 0), (5, 8, 11), (8, 12, 3), (20, 30, 4)]


@pytest.fixture(scope="module")
def default():
    return random_benchmark()


@pytest.mark.parametrize("n_regions,n_sectors,seed", SIZES)
def test_identities_hold_to_1e10(n_regions, n_sectors, seed):
    b = random_benchmark(n_regions, n_sectors, seed)
    assert b.vom.shape == (n_regions, n_sectors)
    validate(b, tolerance=1e-10)
    for identity, (gap, _) in identity_gaps(b).items():
        assert gap < 1e-10, identity


def test_identities_hold_without_taxes():
    b = random_benchmark(6, 10, 5, with_taxes=False)
    validate(b, tolerance=1e-10)
    assert not b.to.any() and not b.tm.any()


def test_taxes_are_nonzero_and_in_range(default):
    b = default
    assert (b.to > 0).any() and (b.to == 0).any()
    assert b.to.min() >= 0 and b.to.max() <= 0.10
    assert (b.tm > 0).any()
    assert b.tm.min() >= 0 and b.tm.max() <= 0.15
    assert not b.tm[b.vxmd == 0].any(), "tariffs only on existing trade links"


@pytest.mark.parametrize("n_regions,n_sectors,seed", SIZES)
def test_flows_are_non_negative(n_regions, n_sectors, seed):
    b = random_benchmark(n_regions, n_sectors, seed)
    for name in ("vom", "vid", "vfm", "vrs", "vxmd", "fd", "co2", "co2p", "pop"):
        assert getattr(b, name).min() >= 0, name
    assert (b.vdm > 0).all(), "every region sells some of every good at home"
    assert (b.vom > 0).all(), "every region produces every sector"


def test_flows_are_sparse_but_mostly_positive(default):
    b = default
    for name in ("vid", "fd"):
        arr = getattr(b, name)
        assert 0 < (arr > 0).mean() < 1, name
    offdiag = ~np.eye(len(b.regions), dtype=bool)[None].repeat(len(b.sectors), axis=0)
    assert (b.vxmd[offdiag] > 0).mean() > 0.5
    assert (b.vxmd[offdiag] == 0).any()
    assert not b.vxmd[:, np.arange(5), np.arange(5)].any(), "no trade with oneself"


@pytest.mark.parametrize("n_regions,n_sectors,seed", [(2, 6, 0), (5, 8, 0), (9, 15, 21), (20, 30, 4)])
def test_bop_nonzero_and_sums_to_zero(n_regions, n_sectors, seed):
    b = random_benchmark(n_regions, n_sectors, seed)
    bop = b.bop
    absorption = b.fd.sum(axis=(1, 2))
    assert (np.abs(bop) > 0).all()
    assert (bop > 0).any() and (bop < 0).any()
    assert abs(bop.sum()) < 1e-9 * absorption.sum()
    assert (np.abs(bop) < 0.1 * absorption).all(), "imbalances are modest"


@pytest.mark.parametrize("n_regions,n_sectors,seed", [(2, 6, 0), (5, 8, 0), (20, 30, 4)])
def test_emissions_only_where_fuel_used(n_regions, n_sectors, seed):
    b = random_benchmark(n_regions, n_sectors, seed)
    fuel_use = np.concatenate([b.vid, b.vc[:, :, None]], axis=2)
    fossil = [b.sectors.index(f) for f in ("coa", "oil", "gas")]
    others = [k for k in range(len(b.sectors)) if k not in fossil]
    assert not b.co2[:, others, :].any(), "only coal, oil and gas burn (not crude)"
    assert not b.co2[fuel_use <= 0].any()
    used = fuel_use[:, fossil, :] > 0
    assert (b.co2[:, fossil, :][used] > 0).all(), "every fuel flow emits"
    # process emissions in exactly one EITE sector
    assert np.count_nonzero(b.co2p.any(axis=0)) == 1
    assert b.sectors[int(np.nonzero(b.co2p.any(axis=0))[0][0])] in b.tags.eite


def test_emission_intensities_plausible(default):
    b = default
    fuel_use = np.concatenate([b.vid, b.vc[:, :, None]], axis=2)
    developed = [b.regions.index(r) for r in b.tags.region_groups["developed"]]
    developing = [b.regions.index(r) for r in b.tags.region_groups["developing"]]
    for fuel, (lo, hi) in {"coa": (18, 44), "gas": (9, 22), "oil": (2.7, 8.8)}.items():
        i = b.sectors.index(fuel)
        ef = b.co2[:, i, :].sum(axis=1) / fuel_use[:, i, :].sum(axis=1)
        assert ((ef > lo) & (ef < hi)).all(), (fuel, ef)
        assert ef[developing].mean() > ef[developed].mean(), fuel


def test_sectors_and_tags():
    b = random_benchmark(3, 6, 0)
    assert b.sectors == ("coa", "cru", "gas", "oil", "ele", "eite1")
    assert b.tags.fossil == ("coa", "oil", "gas")
    assert b.tags.crude == ("cru",) and "cru" not in b.tags.fossil
    assert set(b.tags.resource) == {"coa", "cru", "gas"}
    assert b.tags.electricity == ("ele",)
    assert b.tags.eite == ("eite1",)
    b8 = random_benchmark(5, 8, 0)
    assert b8.sectors == ("coa", "cru", "gas", "oil", "ele", "eite1", "eite2", "s1")
    assert random_benchmark(2, 7, 0).sectors[-2:] == ("eite1", "s1")
    b30 = random_benchmark(3, 30, 0)
    assert len(b30.sectors) == 30 and len(set(b30.sectors)) == 30
    assert 2 <= len(b30.tags.eite) <= 4
    assert b30.factors == ("labour", "capital")


def test_energy_structure(default):
    b = default
    s = {c: b.sectors.index(c) for c in ("coa", "cru", "gas", "oil", "ele")}
    cost = (1 - b.to) * b.vom
    crude_share = b.vid[:, s["cru"], s["oil"]] / cost[:, s["oil"]]
    assert (crude_share > 0.5).all(), "refineries run on crude"
    fuel_share = b.vid[:, [s["coa"], s["gas"], s["oil"]], s["ele"]].sum(axis=1) / cost[:, s["ele"]]
    assert (fuel_share > 0.2).all(), "power generation burns coal, gas and oil"
    crude_users = np.nonzero(b.vid[:, s["cru"], :].any(axis=0))[0]
    assert list(crude_users) == [s["oil"]]
    # households buy oil, gas and electricity; government and investment no energy
    assert (b.vc[:, [s["oil"], s["gas"], s["ele"]]] > 0).all()
    assert not b.vc[:, s["cru"]].any()
    assert not b.vg[:, list(s.values())].any() and not b.vi[:, list(s.values())].any()


def test_resource_rents(default):
    b = default
    share = b.vrs / ((1 - b.to) * b.vom)
    resource = [b.sectors.index(c) for c in ("coa", "cru", "gas")]
    others = [k for k in range(len(b.sectors)) if k not in resource]
    assert ((share[:, resource] >= 0.2) & (share[:, resource] <= 0.5)).all()
    assert not b.vrs[:, others].any()


def test_region_groups_and_population():
    b = random_benchmark(5, 8, 0)
    g = b.tags.region_groups
    assert b.regions == ("r1", "r2", "r3", "r4", "r5")
    assert g["annex1"] == g["developed"] == ("r1", "r2")
    assert g["non_annex1"] == g["developing"] == ("r3", "r4", "r5")
    assert len(g["ldc"]) == 1 and g["ldc"][0] in g["developing"]
    per_head = b.vc.sum(axis=1) / b.pop
    dev = [b.regions.index(r) for r in g["developed"]]
    devg = [b.regions.index(r) for r in g["developing"]]
    assert per_head[dev].min() > per_head[devg].max()
    ldc = b.regions.index(g["ldc"][0])
    assert per_head[ldc] == per_head.min()
    assert "ldc" not in random_benchmark(3, 6, 0).tags.region_groups
    two = random_benchmark(2, 6, 0).tags.region_groups
    assert two["developed"] == ("r1",) and two["developing"] == ("r2",)


@pytest.mark.parametrize("seed", range(5))
def test_magnitudes_like_world_economy(seed):
    b = random_benchmark(5, 8, seed)
    output = b.vom.sum(axis=1)
    assert (output > 250).all() and (output < 25000).all()
    assert (b.pop > 0).all() and (b.emissions > 0).all()


@pytest.mark.parametrize("n_regions,n_sectors", [(1, 8), (0, 8), (5, 5), (5, 0)])
def test_too_small_raises(n_regions, n_sectors):
    with pytest.raises(ValueError):
        random_benchmark(n_regions, n_sectors)


def test_deterministic_for_a_seed():
    a, b = random_benchmark(6, 9, 42), random_benchmark(6, 9, 42)
    assert is_close(a, b, rtol=0)
    assert a.metadata == b.metadata


def test_different_seeds_differ():
    a, b = random_benchmark(6, 9, 1), random_benchmark(6, 9, 2)
    assert not is_close(a, b)


def test_metadata_and_name():
    b = random_benchmark(3, 6, 7)
    assert b.metadata == {
        "description": "synthetic random benchmark (seed=7)",
        "synthetic": True,
        "provenance": "generated by cge.data.synthetic.random_benchmark",
    }
    assert random_benchmark(3, 6, 7, name="toy").name == "toy"
    assert b.name != random_benchmark(3, 6, 8).name


@pytest.mark.parametrize("with_taxes", [True, False])
def test_round_trip_is_lossless(tmp_path, with_taxes):
    b = random_benchmark(4, 9, 3, with_taxes=with_taxes)
    # full precision: the values come back bit for bit
    back = read_benchmark(write_benchmark(b, tmp_path / "exact", float_format="%.17g"))
    assert is_close(b, back, rtol=0)
    # the default writer keeps 12 significant digits: relative rounding up to 5e-12
    folder = write_benchmark(b, tmp_path / "synthetic")
    back = read_benchmark(folder)
    assert is_close(b, back, rtol=1e-11)
    assert back.name == b.name
    assert back.metadata["synthetic"] is True
    assert back.tags.region_groups == b.tags.region_groups


def test_large_20x30_generates():
    # generation is a handful of small dense solves; well under a second (no timed assertion)
    b = random_benchmark(20, 30, 0)
    assert b.vid.shape == (20, 30, 30) and b.vxmd.shape == (30, 20, 20)
    validate(b, tolerance=1e-10)
