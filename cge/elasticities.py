"""Elasticities as data: defaults in ``cge/defaults/elasticities.csv``, overridable per scenario.

The file has columns ``parameter, sector, value, source``; ``sector`` is a sector code or
``*`` (every sector not listed). A blank ``sigma_mm`` means ``2·sigma_dm`` (GTAP convention).
Entries for sector codes that a dataset does not have are ignored, so one defaults file serves
any aggregation that uses the standard energy codes (``coa, cru, gas, oil, ele``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from cge.errors import DataError

#: parameter -> meaning
PARAMETERS = {
    "sigma_klem": "materials vs capital-labour-energy (production top nest)",
    "sigma_kle": "value added vs energy",
    "sigma_va": "labour vs capital",
    "sigma_e": "electricity vs fossil fuels",
    "sigma_ff": "among fossil fuels",
    "sigma_dm": "Armington: domestic vs imported",
    "sigma_mm": "Armington: among import sources (blank = 2 x sigma_dm)",
    "eta": "supply elasticity of resource sectors (sigma_res = eta * theta/(1-theta))",
    "sigma_c": "household: energy vs non-energy",
    "sigma_cn": "household: among non-energy goods",
    "sigma_ce": "household: among energy goods",
}

DEFAULTS_FILE = "elasticities.csv"
#: parameters of the household nests: one economy-wide value each
HOUSEHOLD = ("sigma_c", "sigma_cn", "sigma_ce")


@dataclass(frozen=True)
class Elasticities:
    """Resolved elasticities for a set of sectors: ``table[parameter][sector] -> value``;
    sector ``"*"`` holds the economy-wide value (used for household nests)."""

    table: dict[str, dict[str, float]]

    def __call__(self, parameter: str, sector: str) -> float:
        return self.table[parameter][sector]


def read_elasticity_file(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate an elasticities CSV (the packaged defaults when ``path`` is None)."""
    if path is None:
        source = resources.files("cge") / "defaults" / DEFAULTS_FILE
        label = f"cge/defaults/{DEFAULTS_FILE}"
        with resources.as_file(source) as p:
            df = pd.read_csv(p, dtype={"parameter": str, "sector": str}, keep_default_na=False, na_values=[""])
    else:
        label = str(path)
        if not Path(path).exists():
            raise DataError(f"{label}: elasticity file is missing")
        df = pd.read_csv(path, dtype={"parameter": str, "sector": str}, keep_default_na=False, na_values=[""])
    expected = ["parameter", "sector", "value", "source"]
    if list(df.columns)[:3] != expected[:3]:
        raise DataError(f"{label}: columns are {list(df.columns)}, expected {expected}")
    for k, row in df.iterrows():
        if row["parameter"] not in PARAMETERS:
            raise DataError(f"{label}, row {k + 2}: unknown parameter {row['parameter']!r}; "
                            f"known: {', '.join(PARAMETERS)}")
        v = row["value"]
        if pd.isna(v):
            if row["parameter"] != "sigma_mm":
                raise DataError(f"{label}, row {k + 2}: {row['parameter']} has no value")
        elif not float(v) >= 0:
            raise DataError(f"{label}, row {k + 2}: {row['parameter']} = {v} must be non-negative")
    dup = df.duplicated(["parameter", "sector"])
    if dup.any():
        k = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{label}, row {k + 2}: {df.loc[k, 'parameter']} for {df.loc[k, 'sector']} given twice")
    for p in PARAMETERS:
        if not ((df["parameter"] == p) & (df["sector"] == "*")).any():
            raise DataError(f"{label}: no default ('*') row for {p}")
    return df


@lru_cache(maxsize=8)
def _default_table(path: str | None, mtime: float) -> dict[str, dict[str, float | None]]:
    """``{parameter: {sector or '*': value}}`` of a validated elasticity file, parsed once per
    file version (``mtime``): sweeps resolve elasticities for every point."""
    df = read_elasticity_file(path)
    table: dict[str, dict[str, float | None]] = {p: {} for p in PARAMETERS}
    for p, sector, v in zip(df["parameter"], df["sector"], df["value"]):
        table[p][sector] = None if pd.isna(v) else float(v)
    return table


def resolve(sectors: tuple[str, ...], overrides: dict | None = None, path: str | Path | None = None,
            data: dict | None = None) -> Elasticities:
    """Elasticities for ``sectors`` from the defaults file, then those the dataset carries
    (``data`` = ``Benchmark.elasticities``, e.g. GTAP's ``esubdm``/``esubva``: ``{parameter:
    {sector: value}}``), then ``overrides`` from a scenario:
    ``{parameter: value}`` or ``{parameter: {sector or '*': value}}``. In an override, ``'*'``
    sets every sector (replacing the defaults' sector-specific values too) and named sectors
    then take their own values, whatever the order of the keys. A ``sigma_dm`` override also
    moves a ``sigma_mm`` left blank in the defaults (``sigma_mm = 2·sigma_dm``)."""
    if path is None:
        with resources.as_file(resources.files("cge") / "defaults" / DEFAULTS_FILE) as f:
            defaults = _default_table(None, Path(f).stat().st_mtime)
    else:
        defaults = _default_table(str(path), Path(path).stat().st_mtime if Path(path).exists() else 0.0)
    table: dict[str, dict[str, float | None]] = {}
    for p in PARAMETERS:
        given = defaults[p]
        star = given["*"]
        table[p] = {s: given.get(s, star) for s in sectors}
        table[p]["*"] = star  # economy-wide (household) value
        for s, v in ((data or {}).get(p) or {}).items():
            if s in table[p]:
                table[p][s] = float(v)
    for p, spec in (overrides or {}).items():
        if p not in PARAMETERS:
            raise DataError(f"elasticities: unknown parameter {p!r}; known: {', '.join(PARAMETERS)}")
        spec = spec if isinstance(spec, dict) else {"*": spec}
        values = {}
        for s, v in spec.items():
            s = str(s)
            if s != "*" and p in HOUSEHOLD:
                raise DataError(f"elasticities.{p}: household elasticities have one value ('*'), not one "
                                f"per sector (got {s!r})")
            if s != "*" and s not in sectors:
                raise DataError(f"elasticities.{p}: unknown sector {s!r}; known: {', '.join(sectors)}")
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise DataError(f"elasticities.{p}.{s}: {v!r} is not a number") from None
            if not v >= 0:
                raise DataError(f"elasticities.{p}.{s}: {v} must be non-negative")
            values[s] = v
        # '*' first (every sector, replacing the defaults' sector values), then named sectors
        if "*" in values:
            for t in (*sectors, "*"):
                table[p][t] = values["*"]
        for t, v in values.items():
            if t != "*":
                table[p][t] = v
    for s in (*sectors, "*"):
        if table["sigma_mm"][s] is None:
            table["sigma_mm"][s] = 2 * table["sigma_dm"][s]
    return Elasticities({p: {s: float(v) for s, v in d.items()} for p, d in table.items()})
