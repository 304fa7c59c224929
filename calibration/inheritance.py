"""What a source's own sector or country kept as a model code inherits (:mod:`calibration.concordance`).

A kept sector ``k`` with WIOD parent ``p`` (e.g. OECD ICIO 2025's iron and steel ``C24A`` → ``steel``,
parent ``c12``) takes every assumption keyed by ``p``: labour share, resource rent, elasticities
(:func:`by_parent`). WIOD's satellite (the JRC CO2 table) is by WIOD sector, so the CO2 of ``p`` in
a region is shared between ``p`` and its kept sectors in proportion to their purchases of fuels
(the rows of mining ``c2`` and refined products ``c8``, from every region):

    E[r, k] = E_JRC[r, p] · f[r, k] / Σ_{k' ∈ {p} ∪ kept(p)} f[r, k']

(by output where none buys fuel). The row of ``c2`` is all mining, metal ores (iron ore, bauxite)
included, so a kept sector buying ores (steel, aluminium) gets more of the parent's CO2 than its fuel
purchases alone would give it. The fossil part of ``c2`` is not known at this stage: the sharing runs
on the source's table as read (stage 1, by source region), while ``c2`` is split into coal, crude, gas
and other mining only after the regions are aggregated (stage 3), from BP's energy statistics by
target region. Dropping ``c2`` instead would leave out coking coal, the largest fuel of primary steel.

A kept country (one WIOD keeps in its rest of the world) takes
the rest of the world's fuel price benchmarks. JRC's CO2 (by WIOD region) keeps every WIOD region;
a kept country JRC lists by name (CHE, HRV, NOR) takes its own JRC row, and one it does not list
takes a part of JRC's rest of the world by its share of the GCB territorial CO2 of the countries
that rest of the world holds (:func:`share_rest_co2`; same industry mix). Each use is a recorded
fallback.
"""

from __future__ import annotations

import numpy as np

#: the WIOD sectors whose rows are fuel purchases (before the splits of c2 and c17)
FUEL_ROWS = ("c2", "c8")


def by_parent(values: dict, parents: dict[str, str]) -> dict:
    """``values`` keyed by source sector with each kept sector given its parent's value (where the
    parent has one and the kept sector none of its own)."""
    out = dict(values)
    for code, parent in parents.items():
        if code not in out and parent in out:
            out[code] = out[parent]
    return out


def share_parent_co2(E: np.ndarray, m, parents: dict[str, str], fallbacks=None) -> np.ndarray:
    """``E[r, u]`` (users: ``m.sectors`` then final-demand categories) with each parent's CO2 shared
    over the parent and its kept sectors by fuel purchases (module docstring); totals kept."""
    E = E.copy()
    fuel = [m.sectors.index(s) for s in FUEL_ROWS]
    f = m.Z[:, fuel].sum(axis=(0, 1))                         # [region, sector]: fuel bought
    for parent in dict.fromkeys(parents.values()):
        cols = [m.sectors.index(parent)] + [m.sectors.index(k) for k, p in parents.items() if p == parent]
        w = f[:, cols]
        none = w.sum(axis=1) <= 0
        w[none] = m.x[none][:, cols]
        tot = w.sum(axis=1, keepdims=True)
        share = np.divide(w, tot, out=np.full_like(w, 1.0 / len(cols)), where=tot > 0)
        pool = E[:, cols].sum(axis=1, keepdims=True)
        E[:, cols] = pool * share
        if fallbacks is not None:
            kept = [k for k, p in parents.items() if p == parent]
            fallbacks.add("all regions", ", ".join(kept), f"JRC CO2 is by WIOD sector: the CO2 of {parent} is shared "
                          f"with {', '.join(kept)} by purchases of fuels ({', '.join(FUEL_ROWS)})",
                          float(E[:, cols[1:]].sum()), "Mt CO2")
    return E


def share_rest_co2(E: np.ndarray, regions, rest: str, kept, gcb, pool, gcb_path, fallbacks=None) -> np.ndarray:
    """``E[r, u]`` with the rest of the world's row shared between ``rest`` and each kept country
    ``c`` of ``kept`` by ``gcb[c] / Σ_{pool} gcb`` (GCB territorial CO2; ``pool``: the countries
    the rest of the world's row covers); every other row and the world total unchanged. A kept
    country GCB does not list is an error naming it and the file."""
    from cge.errors import DataError

    missing = [c for c in kept if c not in gcb.index]
    if missing:
        raise DataError(f"{gcb_path}: no territorial CO2 for the kept country {missing[0]!r}, so its share of "
                        "JRC's rest-of-the-world CO2 is unknown")
    E = E.copy()
    regions = list(regions)
    row = E[regions.index(rest)].copy()
    total = float(gcb[[c for c in gcb.index if c in pool]].sum())
    for c in kept:
        share = float(gcb[c]) / total if total > 0 else 0.0
        E[regions.index(c)] = share * row
        E[regions.index(rest)] -= share * row
        if fallbacks is not None:
            fallbacks.add(c, "CO2", f"JRC's CO2 has no row for {c}: {share:.4%} of JRC's rest-of-the-world CO2 (its "
                          "share of the rest of the world's GCB 2019 territorial CO2), with the same industry mix",
                          float(share * row.sum()), "Mt CO2")
    return E
