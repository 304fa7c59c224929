"""Assumptions keyed by *source* code (or by ``tag:<tag>`` of the target sector), aggregated to
the target codes of an aggregation with output weights.

For a target ``T`` with source members ``a`` and weights ``w_a`` (WIOD gross output of the source,
world total for sector assumptions, by source region for region assumptions):

    v_T = Σ_a w_a·v_a / Σ_a w_a            (exactly v when every member has the same value v)

Files (``calibration/mappings``): ``labour_shares.csv`` and ``rent_shares.csv`` (``sector`` = source
sector), ``fuel_price_benchmarks.csv`` (``region`` = WIOD source region), and the elasticity
defaults ``cge/defaults/elasticities.csv`` (``sector`` = source codes separated by ``;``, or ``*``).
An aggregation file's ``assumptions`` block overrides any of them: a ``tag:<tag>`` key applies to
every source of the target sectors that carry the tag, a source key to that source only (it wins).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.errors import DataError


def weighted(values, weights) -> float:
    """Output-weighted mean; exactly the common value when all values are equal; equal weights
    when every weight is zero."""
    values = [float(v) for v in values]
    if all(v == values[0] for v in values):
        return values[0]
    w = np.asarray(weights, float)
    if w.sum() <= 0:
        w = np.ones(len(values))
    return float(np.dot(w, values) / w.sum())


def _source_values(path, column: str, known, default: float | None):
    """``{source sector: value}`` from ``sector,<column>`` (values in [0, 1])."""
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(path, dtype={"sector": str})
    require_columns(df, ["sector", column], path)
    vals = pd.to_numeric(df[column], errors="coerce")
    out: dict[str, float] = {}
    for k, (s, v) in enumerate(zip(df["sector"], vals)):
        if s not in known:
            raise DataError(f"{path}, row {k + 2}: unknown source sector code {s!r}")
        if s in out:
            raise DataError(f"{path}, row {k + 2}: sector {s!r} listed twice")
        if not np.isfinite(v) or not 0 <= v <= 1:
            raise DataError(f"{path}, row {k + 2}: {column} of {s!r} is {df[column].iloc[k]!r}; "
                            "must be a number in [0, 1]")
        out[s] = float(v)
    return out


def apply_overrides(values: dict, overrides: dict, agg) -> dict:
    """Source values with the aggregation file's overrides: tag keys first, then source keys."""
    out = dict(values)
    for key, v in overrides.items():
        if key.startswith("tag:"):
            for t in agg.sectors:
                if key[4:] in t.tags:
                    for m in t.members:
                        out[m] = v
    for key, v in overrides.items():
        if not key.startswith("tag:") and key != "*":
            out[key] = v
    return out


def sector_shares(path, column: str, agg, known_sources, source_output: dict[str, float],
                  only_tag: str | None = None) -> np.ndarray:
    """Target-sector shares (labour or rent) from source values (module docstring).

    With ``only_tag`` (rents: ``resource``) targets without the tag get 0 and a tagged target
    averages over the members that have a value (an error names a tagged target with none)."""
    from calibration.inheritance import by_parent

    src = by_parent(_source_values(path, column, known_sources, None), agg.sector_parents)
    src = apply_overrides(src, agg.assumptions.get(column, {}), agg)
    out = []
    for t in agg.sectors:
        if only_tag is not None and only_tag not in t.tags:
            out.append(0.0)
            continue
        members = [m for m in t.members if m in src] if only_tag else list(t.members)
        missing = [m for m in t.members if m not in src]
        if only_tag is None and missing:
            raise DataError(f"{path}: no {column} for source sector {missing[0]!r} (target {t.code!r})")
        if not members:
            raise DataError(f"{path}: target sector {t.code!r} is tagged {only_tag!r} but none of its source "
                            f"sectors ({', '.join(t.members)}) has a {column}")
        out.append(weighted([src[m] for m in members], [source_output.get(m, 0.0) for m in members]))
    return np.array(out)


def fuel_prices(path, prices: dict[str, float], agg, source_weight: dict[str, float], fallbacks=None) -> pd.DataFrame:
    """Price by target region × fuel (coal USD/t, oil USD/bbl, gas USD/MMBtu): each WIOD source
    region names a benchmark per fuel (a country kept out of WIOD's rest of the world takes the rest
    of the world's, a recorded fallback); a target region's price is the output-weighted mean of its
    members' prices (weights: WIOD c2 mining output)."""
    from calibration.readers.satellites import load_csv, require_columns
    from calibration.sources import WIOD_REST

    df = load_csv(path)
    require_columns(df, ["region", "fuel", "benchmark"], path)
    sources = {m for t in agg.regions for m in t.members}
    bench: dict[tuple[str, str], str] = {}
    for k, (r, f, b) in enumerate(zip(df["region"], df["fuel"], df["benchmark"])):
        if r not in sources or f not in ("coal", "oil", "gas"):
            raise DataError(f"{path}, row {k + 2}: unknown source region {r!r} or fuel {f!r}")
        if (r, f) in bench:
            raise DataError(f"{path}, row {k + 2}: {f} in {r} listed twice")
        bench[(r, f)] = b
    given = agg.assumptions.get("fuel_price_benchmarks", {})
    for r in agg.own_regions:
        for f in ("coal", "oil", "gas"):
            if (r, f) not in bench and (WIOD_REST, f) in bench and f not in given.get(r, {}):
                bench[(r, f)] = bench[(WIOD_REST, f)]
                if fallbacks is not None:
                    fallbacks.add(r, f"{f} price", f"no price benchmark of its own: {WIOD_REST}'s "
                                  f"({bench[(r, f)]})", 0, "-")
    for r, fuels in agg.assumptions.get("fuel_price_benchmarks", {}).items():
        for f, b in fuels.items():
            bench[(r, f)] = b
    out = pd.DataFrame(np.nan, index=list(agg.region_codes), columns=["coal", "oil", "gas"])
    for t in agg.regions:
        for f in out.columns:
            vals = []
            for m in t.members:
                if (m, f) not in bench:
                    raise DataError(f"{path}: no price benchmark for {f} in source region {m}")
                b = bench[(m, f)]
                if b not in prices:
                    raise DataError(f"{path}: benchmark {b!r} ({f} in {m}) has no price for the year")
                vals.append(prices[b])
            out.loc[t.code, f] = weighted(vals, [source_weight.get(m, 0.0) for m in t.members])
    return out
