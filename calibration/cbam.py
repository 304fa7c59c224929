"""CBAM goods inside WIOD's aggregated sectors: split shares and coverage shares from production data.

The EU CBAM (Regulation (EU) 2023/956, Annex I) covers iron and steel, aluminium, cement,
fertilisers, hydrogen and electricity. WIOD lumps them: ``c12`` basic *and fabricated* metals,
``c11`` cement with glass and ceramics, ``c9`` fertilisers with all chemicals. The shipped table
``calibration/mappings/cbam_goods_2011.csv`` (sources in ``cbam_goods_sources.md``) gives the
value of production by country, ``v[c,g] = quantity[c,g]·price[g]`` (world average prices, M USD).

For a target region ``R`` (countries ``c ∈ R``; the rest of world is the world total less the
named countries) and parent sector ``p`` with CBAM goods ``g``:

    v[R,g] = Σ_{c∈R} v[c,g],   λ = min(1, (1 − φ)·x[R,p] / Σ_g v[R,g])
    θ[R,g] = λ·v[R,g]/x[R,p],  θ[R,other] = 1 − Σ_g θ[R,g]

(``x`` WIOD gross output; ``φ`` = ``cbam_other_min_share`` of ``energy_parameters.csv``, the floor
on the rest of the sector, as for mining). These are the output shares of the split children
(``ist``/``alu``/``ofm``, ``cem``/``onm``, ``fer``/``och``) and, for a sector tagged ``cbam`` that
is *not* split, its coverage share: the share of CBAM goods in the value of its output
(``cbam_coverage.csv``; a sector wholly a CBAM good, e.g. a split child or electricity, has 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.sources import MAPPINGS
from cge.errors import DataError

TABLE = MAPPINGS / "cbam_goods_2011.csv"
#: good -> (WIOD parent sector, split child)
GOODS = {"steel": ("c12", "ist"), "aluminium": ("c12", "alu"), "cement": ("c11", "cem"),
         "fertiliser": ("c9", "fer")}
#: split child that holds the rest of each parent
OTHER = {"c12": "ofm", "c11": "onm", "c9": "och"}
#: source sectors that are wholly CBAM goods
WHOLLY_CBAM = ("ist", "alu", "cem", "fer", "ele")
WORLD = "WLD"


def emptied_parents(own_sectors: dict) -> set[str]:
    """The WIOD parents (c9, c11, c12) every CBAM good of which a kept sector of the source's own
    holds (``own_sectors``: code -> concordance.OwnSector), e.g. c11 once EXIOBASE's ``cement`` is
    kept: they hold no CBAM good any more, so they take no ``cbam`` tag and may not carry one."""
    held = {o.cbam_good for o in own_sectors.values() if o.cbam_good}
    return {p for p in OTHER if all(g in held for g, (parent, _) in GOODS.items() if parent == p)}


def read_values(path=TABLE) -> pd.DataFrame:
    """The shipped table: ``iso3, good, value_musd`` (+ quantity, price, source columns)."""
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(path, dtype={"iso3": str, "good": str})
    require_columns(df, ["iso3", "good", "value_musd"], path)
    vals = pd.to_numeric(df["value_musd"], errors="coerce")
    for k, (g, v) in enumerate(zip(df["good"], vals)):
        if g not in GOODS:
            raise DataError(f"{path}, row {k + 2}: unknown good {g!r}; known: {', '.join(GOODS)}")
        if not np.isfinite(v) or v < 0:
            raise DataError(f"{path}, row {k + 2}: value_musd {df['value_musd'].iloc[k]!r} must be a number ≥ 0")
    df = df.assign(value_musd=vals.astype(float))
    if df.duplicated(["iso3", "good"]).any():
        k = int(np.nonzero(df.duplicated(["iso3", "good"]).to_numpy())[0][0])
        raise DataError(f"{path}, row {k + 2}: {df['iso3'].iloc[k]} {df['good'].iloc[k]} listed twice")
    return df


def values_by_region(df: pd.DataFrame, cmap: dict, regions, rest: str, fallbacks=None) -> pd.DataFrame:
    """``v[R, good]`` in M USD; the rest of world is the world row less the named countries."""
    from calibration.readers.satellites import region_of

    out = pd.DataFrame(0.0, index=list(regions), columns=list(GOODS))
    for g in GOODS:
        d = df[df["good"] == g]
        world = d.loc[d["iso3"] == WORLD, "value_musd"]
        named = 0.0
        for iso, v in zip(d["iso3"], d["value_musd"]):
            if iso == WORLD:
                continue
            r = region_of(iso, cmap)
            if r != rest:
                out.loc[r, g] += v
                named += v
        if len(world):
            remainder = float(world.iloc[0]) - named
            if remainder < 0:
                if fallbacks is not None:
                    fallbacks.add(rest, g, "CBAM production: named countries exceed the world total; rest of "
                                  "world set to zero", remainder, "M USD")
                remainder = 0.0
            out.loc[rest, g] = remainder
        else:
            out.loc[rest, g] += sum(v for iso, v in zip(d["iso3"], d["value_musd"])
                                    if iso != WORLD and region_of(iso, cmap) == rest)
    return out


def shares(parent: str, go: np.ndarray, values: pd.DataFrame, floor: float, fallbacks=None) -> pd.DataFrame:
    """Output shares of the CBAM goods and the rest of ``parent`` by region (module docstring)."""
    goods = [g for g, (p, _) in GOODS.items() if p == parent]
    v = values[goods].copy()
    v.columns = [GOODS[g][1] for g in goods]
    go = np.asarray(go, float)
    zero = go <= 0
    if zero.any():
        for r in values.index[zero]:
            if fallbacks is not None:
                fallbacks.add(r, parent, "WIOD output is zero: no CBAM goods split out", 0.0, "M USD")
        v.loc[zero] = 0.0
        go = np.where(zero, 1.0, go)
    total = v.sum(axis=1).to_numpy()
    lam = np.minimum(1.0, (1 - floor) * go / np.maximum(total, 1e-300))
    for r in values.index[lam < 1]:
        if fallbacks is not None:
            k = list(values.index).index(r)
            fallbacks.add(r, parent, f"CBAM goods worth more than {1 - floor:.0%} of WIOD output: scaled by",
                          float(lam[k]), "factor")
    out = v.mul(lam / go, axis=0)
    out[OTHER[parent]] = 1 - out.sum(axis=1)
    return out


def own_coverage(sector: str, good: str, go: np.ndarray, values: pd.DataFrame, fallbacks=None) -> pd.DataFrame:
    """The coverage of a source's own sector holding CBAM good ``good`` (e.g. OECD ICIO 2025's
    non-ferrous metals, aluminium): ``min(1, v[R, good] / x[R, sector])`` (column ``share``); capped
    regions are recorded."""
    go = np.asarray(go, float)
    v = values[good].to_numpy()
    share = np.divide(v, go, out=np.zeros_like(go), where=go > 0)
    for r in np.nonzero(share > 1)[0]:
        if fallbacks is not None:
            fallbacks.add(values.index[r], sector, f"{good} production worth more than the output of {sector}: "
                          "coverage capped at 1", float(share[r]), "share")
    return pd.DataFrame({"share": np.minimum(share, 1.0)}, index=values.index)


def coverage(agg, source_output: pd.DataFrame, parent_shares: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``region, sector, share`` for every sector tagged ``cbam``: the value share of CBAM goods in
    its output (``source_output[R, source sector]`` in M USD; ``parent_shares`` for unsplit parents
    and the source's own sectors kept, :func:`own_coverage`)."""
    rows = []
    for t in agg.sectors:
        if "cbam" not in t.tags:
            continue
        for r in source_output.index:
            total = covered = 0.0
            for m in t.members:
                x = float(source_output.loc[r, m])
                total += x
                if m in WHOLLY_CBAM:
                    covered += x
                elif m in getattr(agg, "own_sectors", {}) and m in parent_shares:
                    covered += x * float(parent_shares[m].loc[r, "share"])
                elif m in parent_shares:
                    covered += x * float(1 - parent_shares[m].loc[r, OTHER[m]])
            wholly = all(m in WHOLLY_CBAM for m in t.members)
            rows.append((r, t.code, 1.0 if wholly else (covered / total if total > 0 else 0.0)))
    return pd.DataFrame(rows, columns=["region", "sector", "share"])


def check_tags(agg, split_parents) -> None:
    """A sector tagged ``cbam`` must contain a CBAM good (whole, inside an unsplit c9/c11/c12, or a
    kept sector of the source's own that holds one)."""
    own_sectors = getattr(agg, "own_sectors", {})
    own = [c for c, o in own_sectors.items() if o.cbam_good]
    holding = set(OTHER) - set(split_parents) - emptied_parents(own_sectors)
    for t in agg.sectors:
        if "cbam" in t.tags:
            if not any(m in WHOLLY_CBAM or m in own or m in holding for m in t.members):
                raise DataError(f"{agg.path}: sectors.{t.code}.tags: tagged 'cbam' but contains no CBAM good "
                                f"({', '.join(WHOLLY_CBAM + tuple(own))}, or an unsplit c9, c11, c12 whose "
                                "goods no kept sector holds)")
