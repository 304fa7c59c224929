"""Value added as a residual, split into labour, capital and resource rents.

    VA[r,j]     = vom[r,j] − Σ_i vid[r,i,j]                    (zero profit with no taxes)
    vrs[r,j]    = ρ_j·VA[r,j]                                  (ρ_j > 0 only for resource sectors)
    vfm[r,L,j]  = λ_j·(VA[r,j] − vrs[r,j]),  vfm[r,K,j] = (1 − λ_j)·(VA[r,j] − vrs[r,j])

``λ_j`` (labour share) and ``ρ_j`` (rent share) are documented assumptions in
``calibration/mappings/labour_shares.csv`` and ``rent_shares.csv``. WIOD 2013 (as stored) has no
value-added rows, so VA also holds net product taxes and margins; output taxes are set to zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.errors import DataError


def read_sector_shares(path, column: str, sectors, default: float | None = None) -> np.ndarray:
    """Shares by sector from ``sector,<column>``; sectors not listed take ``default`` (or fail)."""
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(path, dtype={"sector": str})
    require_columns(df, ["sector", column], path)
    vals = pd.to_numeric(df[column], errors="coerce")
    out = {}
    for k, (s, v) in enumerate(zip(df["sector"], vals)):
        if s not in sectors:
            raise DataError(f"{path}, row {k + 2}: unknown sector code {s!r}")
        if s in out:
            raise DataError(f"{path}, row {k + 2}: sector {s!r} listed twice")
        if not np.isfinite(v) or not 0 <= v <= 1:
            raise DataError(f"{path}, row {k + 2}: {column} of {s!r} is {df[column].iloc[k]!r}; "
                            "must be a number in [0, 1]")
        out[s] = float(v)
    missing = [s for s in sectors if s not in out]
    if missing and default is None:
        raise DataError(f"{path}: no {column} for sector(s) {missing}")
    return np.array([out.get(s, default) for s in sectors])


def factor_split(va: np.ndarray, labour_share: np.ndarray, rent_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(vfm[r, (labour, capital), j], vrs[r, j])`` from ``va[r, j]`` (module docstring)."""
    if (va < 0).any():
        raise DataError("value added: negative residual value added (see the rebalancing gate)")
    vrs = va * rent_share[None, :]
    net = va - vrs
    vfm = np.stack([net * labour_share[None, :], net * (1 - labour_share[None, :])], axis=1)
    return vfm, vrs
