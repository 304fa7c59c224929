"""Elasticities as data: defaults in ``cge/defaults/elasticities.csv``, overridable per scenario.

The file has columns ``parameter, sector, value, source``; ``sector`` is a sector code, several
codes separated by ``;`` (the same fact for a dataset code and the WIOD source codes it stands
for, e.g. ``oil;c8``), or ``*`` (every sector not listed). A blank ``sigma_mm`` means
``2·sigma_dm`` (GTAP convention).

A dataset built by ``cge calibrate`` carries its own table (``metadata.yaml`` ``elasticities``):
the defaults keyed by *source* sector (or tag) aggregated to its sectors with output weights
(:mod:`calibration.elasticity_defaults`), so its codes need not match this file. For any other
dataset, sectors whose code this file does not name get the ``*`` values; :func:`generic_sectors`
lists them and ``cge compare`` prints a warning and records it in ``run.yaml``.
"""

from __future__ import annotations

import math
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
        with resources.as_file(source) as p:
            label = str(p)
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
        elif not math.isfinite(float(v)) or not float(v) >= 0:
            raise DataError(f"{label}, row {k + 2}: {row['parameter']} = {v} must be a finite non-negative number")
    df = df.assign(sector=df["sector"].str.split(";")).explode("sector", ignore_index=False)
    df["sector"] = df["sector"].str.strip()
    df.index = df.index.rename(None)
    dup = df.reset_index(drop=False).duplicated(["parameter", "sector"])
    if dup.any():
        flat = df.reset_index(drop=False)
        k = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{label}, row {int(flat.loc[k, 'index']) + 2}: {flat.loc[k, 'parameter']} for "
                        f"{flat.loc[k, 'sector']} given twice")
    for p in PARAMETERS:
        if not ((df["parameter"] == p) & (df["sector"] == "*")).any():
            raise DataError(f"{label}: no default ('*') row for {p}")
    return df


@lru_cache(maxsize=8)
def _parsed_file(path: str | None, mtime: float) -> dict[str, dict[str, float | None]]:
    """``{parameter: {sector or '*': value}}`` of a validated elasticity file, parsed once per
    file version (``mtime``): sweeps resolve elasticities for every point."""
    df = read_elasticity_file(path)
    table: dict[str, dict[str, float | None]] = {p: {} for p in PARAMETERS}
    for p, sector, v in zip(df["parameter"], df["sector"], df["value"]):
        table[p][sector] = None if pd.isna(v) else float(v)
    return table


def default_codes(path: str | Path | None = None) -> set[str]:
    """Sector codes the defaults file names (besides ``*``)."""
    return {s for d in default_values(path).values() for s in d if s != "*"}


def default_values(path: str | Path | None = None) -> dict[str, dict[str, float | None]]:
    """``{parameter: {sector code or '*': value}}`` of the defaults file (the packaged one when
    ``path`` is None), validated and cached per file version (read-only: do not modify); a
    blank ``sigma_mm`` is None (``2·sigma_dm``)."""
    if path is None:
        with resources.as_file(resources.files("cge") / "defaults" / DEFAULTS_FILE) as f:
            return _parsed_file(None, Path(f).stat().st_mtime)
    return _parsed_file(str(path), Path(path).stat().st_mtime if Path(path).exists() else 0.0)


def _non_negative(v, where: str) -> float:
    """An elasticity value: a number ≥ 0, else a :class:`DataError` naming ``where``."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {v!r} is not a number") from None
    if not math.isfinite(v):
        raise DataError(f"{where}: {v} is not a finite number")
    if not v >= 0:
        raise DataError(f"{where}: {v} must be non-negative")
    return v


def dataset_table(sectors, table: dict | None, where: str = "dataset metadata: elasticities"):
    """Validate a dataset's own elasticity table ``{parameter: {sector or '*': value}}``; errors
    start with ``where`` (:func:`cge.data.benchmark.read_benchmark` passes the full path of the
    folder's ``metadata.yaml``, so a table on disk is checked, and named, when it is read)."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise DataError(f"{where}: expected a mapping of parameter to {{sector: value}}")
    out: dict[str, dict[str, float | None]] = {}
    for p in PARAMETERS:
        d = table.get(p)
        if not isinstance(d, dict) or "*" not in d:
            raise DataError(f"{where}.{p}: missing (give a value per sector and '*')")
        missing = [s for s in sectors if s not in d]
        if missing:
            raise DataError(f"{where}.{p}: no value for sector {missing[0]!r}")
        vals = {}
        for s, v in d.items():
            if v is None and p == "sigma_mm":
                vals[str(s)] = None
                continue
            vals[str(s)] = _non_negative(v, f"{where}.{p}.{s}")
        out[p] = vals
    return out


def generic_sectors(sectors, dataset: dict | None = None, path: str | Path | None = None) -> list[str]:
    """Sectors that get only the generic ``*`` defaults because neither the dataset carries its
    own table nor the defaults file names their code (never silent: warned and recorded)."""
    if dataset is not None:
        return []
    named = default_codes(path)
    return [s for s in sectors if s not in named]


def generic_warning(b, path: str | Path | None = None) -> dict | None:
    """``{sectors, values, message}`` when sectors of ``b`` get only the generic ``*`` defaults
    (:func:`generic_sectors`), else None; printed by ``cge compare`` and recorded in ``run.yaml``."""
    sectors = generic_sectors(b.sectors, (b.metadata or {}).get("elasticities"), path)
    data = getattr(b, "elasticities", None) or {}
    # a parameter the data carry for each of these sectors (e.g. GTAP's esubdm, esubva) is not generic
    star = {p: v["*"] for p, v in default_values(path).items()
            if p not in HOUSEHOLD and not all(s in (data.get(p) or {}) for s in sectors)}
    if not sectors or not star:
        return None
    used = ", ".join(f"{p}={'2*sigma_dm' if v is None else f'{v:g}'}" for p, v in star.items())
    msg = (f"elasticities: no sector-specific default for {', '.join(sectors)} (the dataset has no elasticity "
           f"table of its own and {DEFAULTS_FILE} does not name these codes); generic '*' values used: {used}")
    return {"sectors": list(sectors), "values": {p: v for p, v in star.items()}, "message": msg}


def for_benchmark(b, overrides: dict | None = None, path: str | Path | None = None) -> Elasticities:
    """Elasticities of a benchmark: its own full table (``metadata['elasticities']``, written by
    ``cge calibrate``) when it has one, else the defaults; then the values its data carry
    (``Benchmark.elasticities``, e.g. GTAP's ``esubdm``/``esubva``); then scenario ``overrides``."""
    return resolve(b.sectors, overrides, path, dataset=(b.metadata or {}).get("elasticities"),
                   data=getattr(b, "elasticities", None), where=f"dataset {b.name!r} metadata: elasticities")


def resolve(sectors: tuple[str, ...], overrides: dict | None = None, path: str | Path | None = None,
            dataset: dict | None = None, data: dict | None = None,
            where: str = "dataset metadata: elasticities") -> Elasticities:
    """Elasticities for ``sectors`` from the defaults file (or a dataset's full table ``dataset``),
    then those the data carry (``data`` = ``Benchmark.elasticities``, e.g. GTAP's
    ``esubdm``/``esubva``: ``{parameter: {sector: value}}``), then ``overrides`` from a scenario:
    ``{parameter: value}`` or ``{parameter: {sector or '*': value}}``. In an override, ``'*'``
    sets every sector (replacing the defaults' sector-specific values too) and named sectors
    then take their own values, whatever the order of the keys. A ``sigma_dm`` override also
    moves a ``sigma_mm`` left blank in the defaults (``sigma_mm = 2·sigma_dm``). ``dataset``: a
    dataset's own table (see :func:`dataset_table`; errors start with ``where``), used instead
    of the defaults file."""
    defaults = dataset_table(sectors, dataset, where) if dataset is not None else default_values(path)
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
            values[s] = _non_negative(v, f"elasticities.{p}.{s}")
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
