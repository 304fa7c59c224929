"""Embodied-carbon intensities of output (Mt CO2 per bn USD of output at market prices),
the basis of border carbon adjustments and output-based rebates (spec section 5).

* ``direct``:  ``θ[r,i] = (Σ_f co2[r,f,i] + co2p[r,i]) / vom[r,i]`` — own combustion and process.
* ``direct+electricity``: adds the electricity bought per unit of output times the
  producing region's direct electricity intensity, ``Σ_e vid[r,e,i]/vom[r,i] · θ_direct[r,e]``.
* ``total``: the full content through the global multi-regional Leontief inverse,
  ``θ = d · (I − A)⁻¹`` where ``A[(s,k),(r,i)] = vid[r,k,i]/vom[r,i] · share[s→r,k]`` and the
  sourcing coefficients of region r's Armington good k are fob quantities per unit of Armington
  value: ``share[r→r,k] = vdm[r,k]/va[r,k]``, ``share[s→r,k] = vxmd[k,s,r]/va[r,k]`` with
  ``va = vdm + Σ vxmd·(1+tm)``. (They sum to less than one where tariffs are positive: tariff
  revenue carries no carbon. Spec section 5 says "Armington sourcing shares (fob, excluding
  tariffs)"; we read it as fob content per unit of the tariff-inclusive Armington good.)

Benchmarks of intensity turn ``θ[exporter, i]`` into the intensity charged on the flow
``exporter → importer``: ``exporter`` (own), ``importer`` (the importer's own), ``world_average``
(output-weighted over all regions) and ``best`` (lowest over regions with output).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from cge.data.benchmark import Benchmark


def direct(b: Benchmark) -> np.ndarray:
    """``θ_direct[r, i]``: own combustion plus process CO2 per unit of output."""
    co2 = b.co2[:, :, : len(b.sectors)].sum(axis=1) + b.co2p
    return np.divide(co2, b.vom, out=np.zeros_like(co2), where=b.vom > 0)


def direct_electricity(b: Benchmark) -> np.ndarray:
    """``θ_direct + Σ_e vid[r,e,i]/vom[r,i]·θ_direct[r,e]`` over electricity goods ``e``."""
    d = direct(b)
    out = d.copy()
    for e in b.tags.electricity:
        k = b.sectors.index(e)
        coef = np.divide(b.vid[:, k, :], b.vom, out=np.zeros_like(b.vom), where=b.vom > 0)
        out += coef * d[:, [k]]
    return out


def total(b: Benchmark) -> np.ndarray:
    """Full embodied intensity through the global Leontief inverse (see module docstring)."""
    R, J = len(b.regions), len(b.sectors)
    n = R * J
    va = b.va  # Armington supply incl. tariffs [r, k]: fob content per unit of Armington value
    coef = np.divide(b.vid, b.vom[:, None, :], out=np.zeros_like(b.vid), where=b.vom[:, None, :] > 0)
    rows, cols, vals = [], [], []
    for r in range(R):  # user region
        for s in range(R):  # source region
            share = b.vdm[r] if s == r else b.vxmd[:, s, r]
            share = np.divide(share, va[r], out=np.zeros(J), where=va[r] > 0)
            block = coef[r] * share[:, None]  # [k, i]
            k_idx, i_idx = np.nonzero(block)
            rows.append(s * J + k_idx)
            cols.append(r * J + i_idx)
            vals.append(block[k_idx, i_idx])
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    d = direct(b).reshape(n)
    # θ (I − A) = d  <=>  (I − A)ᵀ θᵀ = dᵀ
    theta = spla.spsolve((sp.identity(n, format="csc") - A).T.tocsc(), d)
    return np.asarray(theta).reshape(R, J)


BASES = {"direct": direct, "direct+electricity": direct_electricity, "total": total}


def by_basis(b: Benchmark, basis: str) -> np.ndarray:
    if basis not in BASES:
        raise ValueError(f"unknown embodied-carbon basis {basis!r}; choose from {', '.join(BASES)}")
    return BASES[basis](b)


def reference_intensity(b: Benchmark, theta: np.ndarray, benchmark: str) -> np.ndarray:
    """Intensity applied to flows ``[i, exporter, importer]`` under a benchmark of intensity."""
    R = len(b.regions)
    if benchmark == "exporter":
        per = theta.T[:, :, None] * np.ones((1, 1, R))
    elif benchmark == "importer":
        per = np.ones((1, R, 1)) * theta.T[:, None, :]
    elif benchmark == "world_average":
        w = b.vom.sum(axis=0)
        avg = np.divide((theta * b.vom).sum(axis=0), w, out=np.zeros_like(w), where=w > 0)
        per = np.broadcast_to(avg[:, None, None], (len(b.sectors), R, R)).copy()
    elif benchmark == "best":
        masked = np.where(b.vom > 0, theta, np.inf)
        best = masked.min(axis=0)
        best[~np.isfinite(best)] = 0.0
        per = np.broadcast_to(best[:, None, None], (len(b.sectors), R, R)).copy()
    else:
        raise ValueError(f"unknown intensity benchmark {benchmark!r}")
    return per


def own_reference(b: Benchmark, theta: np.ndarray, benchmark: str) -> np.ndarray:
    """Producer-side intensity ``[r, i]`` under a benchmark (own, world average or best)."""
    if benchmark in ("exporter", "importer"):
        return theta.copy()
    flows = reference_intensity(b, theta, benchmark)
    return flows[:, 0, :].T.copy()
