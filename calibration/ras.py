"""Biproportional (RAS) scaling.

Given a non-negative seed ``A0`` and targets ``u`` (row sums) and ``v`` (column sums) with
``Σu = Σv``, find ``A[i,j] = ρ_i·A0[i,j]·σ_j`` with ``Σ_j A[i,j] = u_i`` and ``Σ_i A[i,j] = v_j``.
Zeros in the seed stay zero (no new nonzeros). The last step always scales columns, so column sums
hold exactly even when the row targets cannot all be met (the returned row gap says by how much).
"""

from __future__ import annotations

import numpy as np

from cge.errors import DataError


def ras(seed: np.ndarray, row_targets: np.ndarray, col_targets: np.ndarray, tol: float = 1e-12,
        max_iter: int = 5000, where: str = "RAS", max_gap: float = 1e-6) -> tuple[np.ndarray, float]:
    """Return ``(A, max relative row gap)``; see module docstring for the equations. Column
    targets hold exactly; a row gap above ``max_gap`` (targets the seed's zero pattern cannot
    reach) is a :class:`DataError` naming ``where``."""
    A = np.array(seed, dtype=float)
    u, v = np.asarray(row_targets, float), np.asarray(col_targets, float)
    if (A < 0).any() or (u < 0).any() or (v < 0).any():
        raise DataError(f"{where}: seed and targets must be non-negative")
    empty_cols = (A.sum(axis=0) <= 0) & (v > 0)
    if empty_cols.any():
        raise DataError(f"{where}: column {int(np.nonzero(empty_cols)[0][0])} has a positive target "
                        f"({v[empty_cols][0]:.6g}) but an all-zero seed")
    scale = max(float(u.sum()), float(v.sum()), 1e-300)
    gap = np.inf
    for _ in range(max_iter):
        rs = A.sum(axis=1)
        rho = np.divide(u, rs, out=np.zeros_like(u), where=rs > 0)
        A *= rho[:, None]
        cs = A.sum(axis=0)
        sigma = np.divide(v, cs, out=np.zeros_like(v), where=cs > 0)
        A *= sigma[None, :]
        gap = float(np.abs(A.sum(axis=1) - u).max()) / scale
        if gap < tol:
            break
    if gap > max_gap:
        raise DataError(f"{where}: RAS cannot meet its row targets (largest gap {gap:.2e} of the total); "
                        "check the shares against the zero pattern of the seed")
    return A, gap
