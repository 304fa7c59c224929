"""Fold negative final demand and restore the row identities by weighted least squares.

Once value added is the column residual ``VA[s,j] = x[s,j] − Σ_{r,i} Z[r,i,s,j]`` and trade is read
off the MRIO (``vxmd[i,r,s] = Σ_j Z[r,i,s,j] + Σ_k Y[r,i,s,k]``, ``r ≠ s``), every identity of the
benchmark (zero profit, Armington clearance, income balance, balance of payments) follows from the
**row balance** ``x[r,i] = Σ_{s,j} Z[r,i,s,j] + Σ_{s,k} Y[r,i,s,k]`` and ``VA ≥ 0``. So the
rebalancing solves, for every row ``(r,i)`` with cells ``c`` (its Z and Y entries),

    min  Σ_c k_c·(z_c − z0_c)²/z0_c + k_x·(x − x0)²/x0     s.t.  Σ_c z_c = x

(chi-square distance: each cell moves in proportion to its size and inversely to its stiffness
``k``; a zero cell stays zero, so no new nonzeros). The closed form is, with the gap
``g = x0 − Σ_c z0_c`` and ``μ = g / (Σ_c z0_c/k_c + x0/k_x)``:

    z_c = z0_c·(1 + μ/k_c),      x = x0·(1 − μ/k_x).

Cells of fossil-fuel rows (which carry emissions) are stiffer (``k_fuel``) than other cells, and
output is stiffer (``k_output``) than ordinary cells, so the truncation gap of WIOD is closed mostly by
the many small cells that lost their decimals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.mrio import MRIO, row_gap
from cge.errors import DataError


def clip_negative_final_demand(m: MRIO) -> tuple[MRIO, pd.DataFrame]:
    """Set final-demand cells that are still negative (after folding inventories into investment
    by aggregation) to zero; return the new MRIO and the list of cells set to zero."""
    neg = np.argwhere(m.Y < 0)
    rows = [(m.regions[r], m.sectors[i], m.regions[s], m.categories[k], float(m.Y[r, i, s, k]))
            for r, i, s, k in neg]
    out = m.copy()
    out.Y = np.maximum(out.Y, 0.0)
    return out, pd.DataFrame(rows, columns=["source_region", "good", "region", "category", "value"])


def rebalance(m: MRIO, stiff_rows=(), k_cell: float = 1.0, k_fuel: float = 10.0,
              k_output: float = 10.0) -> tuple[MRIO, pd.DataFrame]:
    """Restore the row balance exactly (module docstring). ``stiff_rows``: sector codes whose cells
    carry emissions (stiffness ``k_fuel``). Returns the new MRIO and every move, largest first."""
    J = len(m.sectors)
    k = np.full(J, k_cell)
    for code in stiff_rows:
        k[m.sectors.index(code)] = k_fuel
    Z0, Y0, x0 = m.Z, m.Y, m.x
    if (Z0 < 0).any() or (Y0 < 0).any() or (x0 < 0).any():
        raise DataError("rebalance: negative cells remain; fold and clip final demand first")
    gap = row_gap(m)                                        # [r, i]
    cells = Z0.sum(axis=(2, 3)) + Y0.sum(axis=(2, 3))
    denom = cells / k[None, :] + x0 / k_output
    mu = np.divide(gap, denom, out=np.zeros_like(gap), where=denom > 0)
    factor = 1 + mu / k[None, :]                            # [r, i]
    if (factor < 0).any():
        r, i = np.argwhere(factor < 0)[0]
        raise DataError(f"rebalance: row {m.regions[r]}/{m.sectors[i]} would turn negative "
                        f"(gap {gap[r, i]:.6g} against cells {cells[r, i]:.6g})")
    out = m.copy()
    out.Z = Z0 * factor[:, :, None, None]
    out.Y = Y0 * factor[:, :, None, None]
    # output moves to x0·(1 − mu/k_output), which equals the adjusted row sum; take the row sum
    # itself so that the identity also holds to the last bit
    out.x = out.Z.sum(axis=(2, 3)) + out.Y.sum(axis=(2, 3))
    moves = []
    for name, a0, a1, labels in (
        ("Z", Z0, out.Z, (m.regions, m.sectors, m.regions, m.sectors)),
        ("Y", Y0, out.Y, (m.regions, m.sectors, m.regions, m.categories)),
        ("x", x0, out.x, (m.regions, m.sectors)),
    ):
        d = a1 - a0
        for idx in np.argwhere(np.abs(d) > 0):
            idx = tuple(idx)
            moves.append((name, "/".join(labels[n][v] for n, v in enumerate(idx)), float(a0[idx]),
                          float(a1[idx]), float(d[idx])))
    moves = pd.DataFrame(moves, columns=["table", "cell", "before", "after", "change"])
    moves = moves.reindex(moves["change"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    return out, moves
