"""A dataset's elasticity table: the defaults of ``cge/defaults/elasticities.csv`` keyed by
*source* sector (or ``*``), overridden by the aggregation file (source keys or ``tag:<tag>``), and
aggregated to each target sector with world output weights (a source's own sector kept as a
model code takes its WIOD parent's defaults, :mod:`calibration.inheritance`) (:func:`calibration.assumptions.weighted`):

    σ_T = Σ_a x_a·σ_a / Σ_a x_a         (a: source sectors of T; exactly σ when all are equal)

A blank ``sigma_mm`` (``2·sigma_dm``) stays blank when it is blank for every source; otherwise the
sources' effective values are averaged. Household parameters have one economy-wide value (``*``).
The table is stored in the dataset's ``metadata.yaml`` (``elasticities``) and used by the model
instead of the defaults file, so every sector of the dataset has a documented default.
"""

from __future__ import annotations

from calibration.assumptions import apply_overrides, weighted
from calibration.inheritance import by_parent
from cge.data.elasticities import HOUSEHOLD, PARAMETERS, default_values


def dataset_elasticities(agg, source_output: dict[str, float]) -> dict[str, dict[str, float | None]]:
    defaults = default_values(None)
    over = agg.assumptions.get("elasticities", {})
    sources = [m for t in agg.sectors for m in t.members]
    table: dict[str, dict[str, float | None]] = {}
    for p in PARAMETERS:
        d = defaults[p]
        star = over.get(p, {}).get("*", d["*"])
        inherited = by_parent(d, agg.sector_parents)
        src = {m: inherited.get(m, d["*"]) for m in sources}
        if "*" in over.get(p, {}):
            src = {m: star for m in sources}
        src = apply_overrides(src, over.get(p, {}), agg)
        row: dict[str, float | None] = {}
        if p not in HOUSEHOLD:
            for t in agg.sectors:
                vals = [src[m] for m in t.members]
                if all(v is None for v in vals):
                    row[t.code] = None
                else:
                    if p == "sigma_mm":
                        dm = table["sigma_dm_src"]
                        vals = [2 * dm[m] if v is None else v for m, v in zip(t.members, vals)]
                    row[t.code] = weighted(vals, [source_output.get(m, 0.0) for m in t.members])
        row["*"] = star
        table[p] = row
        if p == "sigma_dm":
            table["sigma_dm_src"] = src
    table.pop("sigma_dm_src")
    for p in HOUSEHOLD:
        table[p] = {**{t.code: table[p]["*"] for t in agg.sectors}, "*": table[p]["*"]}
    return table
