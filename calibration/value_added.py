"""Value added as a residual, split into labour, capital and resource rents.

    VA[r,j]     = vom[r,j] − Σ_i vid[r,i,j]                    (zero profit with no taxes)
    vrs[r,j]    = ρ_j·VA[r,j]                                  (ρ_j > 0 only for resource sectors)
    vfm[r,L,j]  = λ_j·(VA[r,j] − vrs[r,j]),  vfm[r,K,j] = (1 − λ_j)·(VA[r,j] − vrs[r,j])

``λ_j`` (labour share) and ``ρ_j`` (rent share) are documented assumptions in
``calibration/mappings/labour_shares.csv`` and ``rent_shares.csv``, read and aggregated to the
target sectors by :mod:`calibration.assumptions`. WIOD 2013 (as stored) has no
value-added rows, so VA also holds net product taxes and margins; output taxes are set to zero.
"""

from __future__ import annotations

import numpy as np

from cge.errors import DataError


def factor_split(va: np.ndarray, labour_share: np.ndarray, rent_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(vfm[r, (labour, capital), j], vrs[r, j])`` from ``va[r, j]`` (module docstring)."""
    if (va < 0).any():
        raise DataError("value added: negative residual value added (see the rebalancing gate)")
    vrs = va * rent_share[None, :]
    net = va - vrs
    vfm = np.stack([net * labour_share[None, :], net * (1 - labour_share[None, :])], axis=1)
    return vfm, vrs
