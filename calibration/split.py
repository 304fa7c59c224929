"""Sector splits driven by data: one parent sector of an MRIO becomes several children.

For a parent ``p`` with children ``k`` and output shares ``θ[r,k]`` (``Σ_k θ[r,k] = 1``):

* **columns (inputs):** each child has its parent's input structure,
  ``Z[·,·,s,k] = θ[s,k]·Z[·,·,s,p]``, ``VA[c,s,k] = θ[s,k]·VA[c,s,p]``, ``x[s,k] = θ[s,k]·x[s,p]``;
  the satellite of the parent column is shared by ``φ[s,k]`` (emission shares, default ``θ``);
* **rows (sales):** for each producing region ``r`` the parent's sales to every destination ``d``
  (a sector or final-demand category of some region) are divided among the children by RAS:
  ``S[k,d] = ρ_k·w[k,d]·σ_d·cell[d]`` with ``Σ_k S[k,d] = cell[d]`` exactly (the split sums to its
  parent) and ``Σ_d S[k,d] = θ[r,k]·Σ_d cell[d]`` (each child sells its share of the parent's
  sales). ``w[k,d]`` are documented use weights by buying sector or category (e.g. crude oil is
  sold to refineries).

Children replace the parent in the sector list, in place.
"""

from __future__ import annotations

import numpy as np

from calibration.mrio import MRIO
from calibration.ras import ras
from cge.errors import DataError

SHARE_TOLERANCE = 1e-9


def check_shares(shares: np.ndarray, regions, children, what: str, where: str) -> None:
    """Shares must be finite, non-negative and sum to one in every region."""
    shares = np.asarray(shares, float)
    if shares.shape != (len(regions), len(children)):
        raise DataError(f"{where}: {what} have shape {shares.shape}, expected {(len(regions), len(children))}")
    if not np.isfinite(shares).all() or (shares < 0).any():
        r, k = np.argwhere(~np.isfinite(shares) | (shares < 0))[0]
        raise DataError(f"{where}: {what} of {children[k]} in {regions[r]} is {shares[r, k]!r}; "
                        "shares must be non-negative numbers")
    bad = np.abs(shares.sum(axis=1) - 1) > SHARE_TOLERANCE
    if bad.any():
        r = int(np.nonzero(bad)[0][0])
        raise DataError(f"{where}: {what} in {regions[r]} sum to {shares[r].sum():.12g}, not 1 "
                        f"({dict(zip(children, shares[r].round(6)))})")


def split_sector(m: MRIO, parent: str, children: list[str], shares: np.ndarray,
                 use_weights: dict[str, dict[str, float]], emission_shares: np.ndarray | None = None,
                 where: str = "split") -> MRIO:
    """Split ``parent`` into ``children`` (see module docstring).

    ``shares[r, k]``: output shares by region; ``use_weights[child][buyer]``: weight of a buyer
    (sector code after the split, final-demand category, or ``"*"`` for any other buyer).
    """
    if parent not in m.sectors:
        raise DataError(f"{where}: parent sector {parent!r} is not in the table")
    clash = [c for c in children if c in m.sectors]
    if clash:
        raise DataError(f"{where}: child code(s) {clash} already exist in the table")
    check_shares(shares, m.regions, children, f"output shares of {parent}", where)
    phi = shares if emission_shares is None else np.asarray(emission_shares, float)
    check_shares(phi, m.regions, children, f"emission shares of {parent}", where)
    R, J, K, n = len(m.regions), len(m.sectors), len(m.categories), len(children)
    p = m.sectors.index(parent)
    new_sectors = m.sectors[:p] + tuple(children) + m.sectors[p + 1:]
    # position of each new sector in the old list (children point at the parent)
    old_of = [m.sectors.index(s) if s in m.sectors else p for s in new_sectors]
    child_pos = list(range(p, p + n))
    col_factor = np.ones((R, len(new_sectors)))
    col_factor[:, child_pos] = shares
    # 1. columns: inputs, value added, output and satellite of the children
    Z = m.Z[:, :, :, old_of] * col_factor[None, None, :, :]
    VA = m.VA[:, :, old_of] * col_factor[None, :, :]
    xcol = m.x[:, old_of] * col_factor
    users_old = list(old_of) + [J + k for k in range(K)]
    efac = np.ones((R, len(new_sectors) + K))
    efac[:, child_pos] = phi
    E = m.E[:, :, users_old] * efac[None, :, :]
    # 2. rows: sales of the parent divided among the children by RAS
    Znew = Z[:, old_of, :, :].copy()
    Ynew = m.Y[:, old_of, :, :].copy()
    buyers = list(new_sectors) + list(m.categories)
    W = np.zeros((n, len(buyers)))
    for k, c in enumerate(children):
        wk = use_weights.get(c)
        if wk is None:
            raise DataError(f"{where}: no use weights for child {c!r}")
        unknown = [b for b in wk if b != "*" and b not in buyers]
        if unknown:
            raise DataError(f"{where}: use weights of {c!r} name unknown buyer(s) {unknown}")
        W[k] = [wk.get(b, wk.get("*", 0.0)) for b in buyers]
    if (W < 0).any():
        raise DataError(f"{where}: negative use weight")
    for r in range(R):
        cells = np.concatenate([Z[r, p].reshape(-1), m.Y[r, p].reshape(-1)])  # (s, buyer) flattened
        total = cells.sum()
        seed_w = np.concatenate([np.tile(W[:, : len(new_sectors)], (1, R)), np.tile(W[:, len(new_sectors):], (1, R))],
                                axis=1)
        seed = seed_w * cells[None, :]
        # a destination no child may serve keeps its cell: give it to the children in output shares
        orphan = (seed.sum(axis=0) <= 0) & (cells > 0)
        seed[:, orphan] = shares[r][:, None] * cells[None, orphan]
        if total <= 0:
            S = np.zeros_like(seed)
        else:
            S, _ = ras(seed, shares[r] * total, cells, where=f"{where} {parent} row of {m.regions[r]}")
        nz = len(new_sectors)
        Znew[r, child_pos] = S[:, : R * nz].reshape(n, R, nz)
        Ynew[r, child_pos] = S[:, R * nz:].reshape(n, R, K)
    return MRIO(m.regions, new_sectors, m.categories, Znew, Ynew, xcol, m.va_components, VA, m.stressors, E,
                m.unit, dict(m.stressor_units), dict(m.metadata))
