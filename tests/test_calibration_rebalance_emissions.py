"""Rebalancing restores the row identities exactly; emissions hit their targets."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.emissions import allocate
from calibration.mrio import MRIO, row_gap, value_added_residual
from calibration.ras import ras
from calibration.rebalance import clip_negative_final_demand, rebalance
from cge.errors import DataError


def _unbalanced(seed=0, uniform_gap=None):
    rng = np.random.default_rng(seed)
    R, J, K = 3, 4, 3
    Z = rng.uniform(0, 10, (R, J, R, J)) * (rng.uniform(size=(R, J, R, J)) > 0.3)
    Y = rng.uniform(0, 30, (R, J, R, K))
    x = Z.sum(axis=(2, 3)) + Y.sum(axis=(2, 3))
    short = rng.uniform(0.0, 0.01, x.shape) if uniform_gap is None else uniform_gap
    x = x * (1 + short)                                      # rows short of output, as in truncated WIOD
    Y[0, 1, 0, 2] = -4.0                                     # a negative inventory cell
    return MRIO(["A", "B", "C"], ["coa", "man", "ser", "oil"], ["household", "government", "investment"], Z, Y, x)


def test_rebalancing_restores_row_balance_to_1e_12():
    m, clipped = clip_negative_final_demand(_unbalanced())
    assert len(clipped) == 1 and clipped["value"].iloc[0] == -4.0
    out, moves = rebalance(m, stiff_rows=["coa", "oil"])
    assert np.abs(row_gap(out)).max() <= 1e-12 * out.x.max()
    assert (value_added_residual(out) >= 0).all()
    assert not moves.empty


def test_rebalancing_creates_no_new_nonzeros():
    m, _ = clip_negative_final_demand(_unbalanced(1))
    out, _ = rebalance(m)
    assert ((out.Z != 0) == (m.Z != 0)).all() and ((out.Y != 0) == (m.Y != 0)).all()


def test_emission_carrying_cells_move_less_than_ordinary_cells():
    m, _ = clip_negative_final_demand(_unbalanced(2, uniform_gap=0.005))
    out, _ = rebalance(m, stiff_rows=["coa"], k_fuel=10.0)
    rel = np.where(m.Z > 0, np.abs(out.Z / np.where(m.Z > 0, m.Z, 1) - 1), 0).max(axis=(2, 3))  # [r, i]
    assert (rel[:, 0] < rel[:, 1]).all()


def test_ras_meets_row_and_column_targets():
    rng = np.random.default_rng(3)
    seed = rng.uniform(size=(4, 6)) * (rng.uniform(size=(4, 6)) > 0.2)
    seed[:, 0] += 0.1
    u = rng.uniform(1, 2, 4)
    v = rng.uniform(1, 2, 6)
    v *= u.sum() / v.sum()
    A, gap = ras(seed, u, v)
    assert gap < 1e-12
    assert np.allclose(A.sum(axis=0), v, rtol=1e-13) and np.allclose(A.sum(axis=1), u, rtol=1e-11)
    assert ((A > 0) == (seed > 0)).all()


USERS = ("ele", "nmm", "trn", "household")


def _inputs():
    T = np.array([[100.0, 30.0, 20.0, 10.0]])                 # JRC totals by user
    U = np.array([[[5.0, 1.0, 0.0, 0.2],                      # coal purchases
                   [1.0, 1.0, 6.0, 2.0],                      # refined oil
                   [3.0, 1.0, 0.0, 1.5]]])                    # gas
    eps = np.array([[20.0, 3.5, 6.0]])
    owid = np.array([[80.0, 40.0, 30.0]])
    return T, U, eps, owid


def test_emissions_match_user_totals_and_region_total_exactly():
    T, U, eps, owid = _inputs()
    co2, co2p, diag = allocate(T, U, eps, owid, np.array([12.0]), 1, ["R"], USERS)
    assert co2p[0] == 12.0
    totals = co2[0].sum(axis=0)
    totals[1] += co2p[0]
    assert np.allclose(totals, T[0], rtol=1e-13)
    assert co2.sum() + co2p.sum() == pytest.approx(T.sum(), rel=1e-13)


def test_emissions_follow_the_national_fuel_mix():
    T, U, eps, owid = _inputs()
    co2, co2p, _ = allocate(T, U, eps, owid, np.array([12.0]), 1, ["R"], USERS)
    mix = co2[0].sum(axis=1) / co2[0].sum()
    assert np.allclose(mix, owid[0] / owid[0].sum(), atol=1e-8)


def test_no_emissions_where_no_fuel_is_bought():
    T, U, eps, owid = _inputs()
    co2, _, _ = allocate(T, U, eps, owid, np.array([0.0]), 1, ["R"], USERS)
    assert (co2[U == 0] == 0).all()


def test_cement_process_emissions_cannot_exceed_the_sector_total():
    T, U, eps, owid = _inputs()
    co2, co2p, _ = allocate(T, U, eps, owid, np.array([50.0]), 1, ["R"], USERS)
    assert co2p[0] == 30.0 and co2[0, :, 1].sum() == 0


def test_emissions_of_a_user_that_buys_no_fuel_are_moved_and_named_in_the_fallbacks():
    from calibration.fallbacks import Fallbacks

    T, U, eps, owid = _inputs()
    U[0, :, 2] = 0.0
    fb = Fallbacks(echo=lambda *a: None)
    co2, co2p, _ = allocate(T, U, eps, owid, np.array([0.0]), 1, ["R"], USERS, fallbacks=fb)
    assert co2[0, :, 2].sum() == 0
    assert co2.sum() + co2p.sum() == pytest.approx(T.sum(), rel=1e-13)
    assert (fb.rows[0]["region"], fb.rows[0]["sector"], fb.rows[0]["amount"]) == ("R", "trn", 20.0)


def test_a_region_where_no_user_buys_fuel_is_named():
    T, U, eps, owid = _inputs()
    U[:] = 0.0
    with pytest.raises(DataError, match="no user in R buys coal, refined oil or gas"):
        allocate(T, U, eps, owid, np.array([0.0]), 1, ["R"], USERS)
