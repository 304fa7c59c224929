"""Readers for the satellite data in ``shared/data/emissions`` and ``shared/data/energy``.

Every reader returns values by *target* region (via a country → region map, see
:func:`country_map`) for one year. Countries not named by the map belong to the rest of the world;
where a source has unassigned remainder rows (BP's "Other ..."), the rest of the world is the source's
World row less the named regions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import DataError

KT_PER_MT = 1000.0


def load_csv(path: str | Path, **kw) -> pd.DataFrame:
    """``pd.read_csv`` that keeps Namibia's ``NA`` code and names the file on failure."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: required input file is missing")
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""], **kw)
    except Exception as exc:
        raise DataError(f"{path}: cannot be parsed as CSV ({exc})") from None


def require_columns(df: pd.DataFrame, cols, path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{path}: column(s) {missing} missing (has {list(df.columns)})")


def numeric_column(df: pd.DataFrame, col: str, path) -> pd.Series:
    """``df[col]`` as floats; a cell that is not a number is an error naming the file's row
    (as a spreadsheet shows it: the header is row 1, ``df``'s index counts data rows from 0)."""
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() & df[col].notna()
    if bad.any():
        k = bad.to_numpy().nonzero()[0][0]
        raise DataError(f"{path}, row {df.index[k] + 2}: {col} {df[col].iloc[k]!r} is not a number")
    return values.astype(float)


def rows_of_year(df: pd.DataFrame, year: int, path, fallbacks=None, what: str = "data",
                 column: str = "year") -> pd.DataFrame:
    """The rows of ``df`` for ``year``; a year outside those the file covers takes the nearest
    year it has (the later one on a tie), printed and recorded as a fallback (``fallbacks``, a
    :class:`calibration.fallbacks.Fallbacks`; without one the substitution is an error)."""
    years = pd.to_numeric(df[column], errors="coerce")
    rows = df[years == year]
    if len(rows):
        return rows
    have = sorted(set(years.dropna().astype(int)))
    if not have:
        raise DataError(f"{path}: no {column} values")
    nearest = min(have, key=lambda y: (abs(y - year), -y))
    if fallbacks is None:
        raise DataError(f"{path}: no rows for {year} (the file covers {have[0]}-{have[-1]})")
    fallbacks.add("all regions", what, f"{Path(path).name} has no {year} (covers {have[0]}-{have[-1]}): "
                  f"nearest year {nearest} used", nearest, "year")
    return df[years == nearest]


def country_map(wiod_regions_csv: str | Path, region_map: dict[str, str], rest: str) -> dict[str, str]:
    """ISO3 country code → target region, from WIOD's ``regions.csv`` (``code, iso3``) and the WIOD
    region mapping. Countries not listed map to ``rest`` (see :func:`region_of`)."""
    df = load_csv(wiod_regions_csv, dtype=str)
    require_columns(df, ["code", "iso3"], wiod_regions_csv)
    out = {}
    for code, iso in zip(df["code"], df["iso3"]):
        if isinstance(iso, str) and iso:
            if code not in region_map:
                raise DataError(f"{wiod_regions_csv}: WIOD region {code!r} is unmapped")
            out[iso] = region_map[code]
    out["_rest"] = rest
    return out


def region_of(iso: str, cmap: dict[str, str]) -> str:
    return cmap.get(iso, cmap["_rest"])


def _by_region(df: pd.DataFrame, iso_col: str, value_cols, cmap, regions) -> pd.DataFrame:
    d = df[df[iso_col].notna() & (df[iso_col] != "")].copy()
    d["_region"] = [region_of(c, cmap) for c in d[iso_col]]
    return d.groupby("_region")[list(value_cols)].sum(min_count=1).reindex(list(regions)).fillna(0.0)


def read_jrc_co2(path, concordance: dict[str, str], year: int, regions, sectors, categories,
                 jrc_region_map: dict[str, str], household_category: str) -> np.ndarray:
    """JRC CO2 by country × industry (kt) → ``E[r, u]`` in Mt over WIOD regions and users
    (WIOD sectors, then final-demand categories; ``FC_HH`` goes to ``household_category``).

    ``concordance`` maps the JRC industry codes to WIOD-2013 codes (``DROP`` = not used);
    ``jrc_region_map`` maps JRC regions to WIOD regions (e.g. ROU → ROM, HRV → RoW)."""
    df = load_csv(path)
    require_columns(df, ["region", "sector", "year", "co2_kt"], path)
    df = df[df["year"] == year]
    if df.empty:
        raise DataError(f"{path}: no rows for year {year}")
    unknown = sorted(set(df["sector"]) - set(concordance))
    if unknown:
        raise DataError(f"{path}: JRC sector code {unknown[0]!r} is not in the JRC concordance")
    users = list(sectors) + list(categories)
    E = np.zeros((len(regions), len(users)))
    for reg, sec, val in zip(df["region"], df["sector"], numeric_column(df, "co2_kt", path)):
        target = concordance[sec]
        if target == "DROP":
            continue
        if target == "FC_HH":
            target = household_category
        wreg = jrc_region_map.get(reg, reg)
        if wreg not in regions:
            raise DataError(f"{path}: JRC region {reg!r} maps to no WIOD region")
        if target not in users:
            raise DataError(f"{path}: concordance target {target!r} of {sec!r} is not a WIOD sector")
        if not np.isfinite(val) or val < 0:
            raise DataError(f"{path}: CO2 of {reg} {sec} in {year} is {val!r} (must be ≥ 0)")
        E[list(regions).index(wreg), users.index(target)] += val / KT_PER_MT
    return E


def read_owid_co2(path, year: int, cmap, regions, fallbacks=None) -> pd.DataFrame:
    """OWID CO2 by fuel, cement and flaring (Mt) and population (millions) by target region
    (the nearest year the file has outside its years, :func:`rows_of_year`)."""
    df = load_csv(path)
    cols = ["co2", "coal_co2", "oil_co2", "gas_co2", "cement_co2", "flaring_co2", "population"]
    require_columns(df, ["iso_code", "year"] + cols, path)
    df = rows_of_year(df, year, path, fallbacks, "OWID CO2 by fuel and population")
    df = df[df["iso_code"].notna()]
    df = df[~df["iso_code"].str.startswith("OWID_") | (df["iso_code"] == "OWID_KOS")]
    out = _by_region(df, "iso_code", cols, cmap, regions)
    out["population"] = out["population"] / 1e6
    return out


def read_gcb_territorial(path, year: int, cmap, regions, fallbacks=None) -> pd.Series:
    """GCB 2019 territorial CO2 (Mt) by target region, countries only (bunkers excluded)."""
    df = load_csv(path)
    require_columns(df, ["code", "is_country", "year", "territorial_mtco2"], path)
    df = rows_of_year(df, year, path, fallbacks, "GCB territorial CO2")
    df = df[df["is_country"] == 1]
    return _by_region(df, "code", ["territorial_mtco2"], cmap, regions)["territorial_mtco2"]


def gcb_territorial_by_country(path, year: int, fallbacks=None) -> pd.Series:
    """GCB 2019 territorial CO2 (Mt) by country (ISO3) in ``year``."""
    df = load_csv(path)
    require_columns(df, ["code", "is_country", "year", "territorial_mtco2"], path)
    df = rows_of_year(df, year, path, fallbacks, "GCB territorial CO2")
    df = df[(df["is_country"] == 1) & df["code"].notna()]
    values = np.asarray(numeric_column(df, "territorial_mtco2", path), dtype=float)
    return pd.Series(values, index=df["code"].astype(str).to_numpy()).fillna(0.0)


def jrc_countries(path) -> set[str]:
    """The regions JRC's CO2 table lists by name (its ``RoW`` aside)."""
    df = load_csv(path, usecols=["region"], dtype=str)
    return set(df["region"].dropna()) - {"RoW"}


def read_edgar(path, year: int, cmap, regions) -> pd.Series:
    """EDGAR v5.0 fossil CO2 (Mt) by target region (country rows; AIR/SEA bunkers excluded)."""
    df = load_csv(path)
    require_columns(df, ["iso3", "year", "co2_mt"], path)
    df = df[df["year"] == year]
    return _by_region(df, "iso3", ["co2_mt"], cmap, regions)["co2_mt"]


def read_wb_gdp(path, year: int, cmap, regions) -> pd.Series:
    """World Bank GDP, current USD → bn USD by target region (countries only)."""
    df = load_csv(path)
    require_columns(df, ["code", "is_country", "year", "gdp_current_usd"], path)
    df = df[(df["year"] == year) & (df["is_country"] == 1)]
    return _by_region(df, "code", ["gdp_current_usd"], cmap, regions)["gdp_current_usd"] / 1e9


def read_bp_energy(path, year: int, cmap, regions, rest: str, fallbacks=None, kept=()) -> pd.DataFrame:
    """BP 2021 production (coal Mt, oil Mt, gas bcm), gas consumption (bcm) and electricity
    generation (TWh) by target region; ``rest`` = World − named regions (the nearest year the
    file has outside its years, :func:`rows_of_year`). A country of ``kept`` (one kept out of
    WIOD's rest of the world) BP does not list is an error naming it and the file: it would
    otherwise produce no energy at all and its mining be all other mining."""
    df = load_csv(path)
    cols = ["coal_production_mt", "oil_production_mt", "gas_production_bcm", "gas_consumption_bcm",
            "electricity_generation_twh"]
    require_columns(df, ["iso3", "entity", "year"] + cols, path)
    listed = set(df["iso3"].dropna())
    missing = [c for c in kept if c not in listed]
    if missing:
        raise DataError(f"{path}: the kept country {missing[0]!r} has no energy statistics (BP lists "
                        f"{len(listed)} countries), so its mining and utilities cannot be split; leave it in RoW")
    df = rows_of_year(df, year, path, fallbacks, "BP energy statistics")
    world = df[df["entity"] == "World"]
    if len(world) != 1:
        raise DataError(f"{path}: no single World row for {year}")
    named = df[df["iso3"].notna() & df["iso3"].map(lambda c: region_of(c, cmap) != rest)]
    out = _by_region(named, "iso3", cols, cmap, regions)
    out.loc[rest] = world[cols].iloc[0].fillna(0.0).to_numpy() - out.drop(index=rest).sum().to_numpy()
    if (out < 0).any().any():
        r, c = next((r, c) for r in out.index for c in out.columns if out.loc[r, c] < 0)
        raise DataError(f"{path}: {c} of {r} is negative after the World remainder ({out.loc[r, c]:.6g})")
    return out


def read_prices(path, year: int, fallbacks=None) -> dict[str, float]:
    """BP benchmark prices for one year: ``{benchmark: price}`` (units as in the file; the
    nearest year the file has outside its years, :func:`rows_of_year`)."""
    df = load_csv(path)
    require_columns(df, ["fuel", "benchmark", "year", "price", "unit"], path)
    df = rows_of_year(df, year, path, fallbacks, "BP fuel prices")
    return dict(zip(df["benchmark"], df["price"].astype(float)))


#: GCB fuels → the OWID-style columns :mod:`calibration.emissions` reads
GCP_FUEL_COLUMNS = {"coal": "coal_co2", "oil": "oil_co2", "gas": "gas_co2", "flaring": "flaring_co2",
                    "cement": "cement_co2"}


def read_gcp_co2_by_fuel(path, countries_csv, year: int, cmap, regions, fallbacks=None) -> pd.DataFrame:
    """GCB 2019 national CO2 by fuel (Mt; ``country, year, fuel, co2_mt``, countries by name) by
    target region, as the columns ``coal_co2, oil_co2, gas_co2, flaring_co2, cement_co2``.
    Country names go to ISO3 by ``countries_csv`` (``country, iso3``); a name it lacks is an error."""
    df = load_csv(path)
    require_columns(df, ["country", "year", "fuel", "co2_mt"], path)
    names = load_csv(countries_csv, dtype=str)
    require_columns(names, ["country", "iso3"], countries_csv)
    iso = dict(zip(names["country"], names["iso3"]))
    df = rows_of_year(df, year, path, fallbacks, "GCB CO2 by fuel")
    unknown = sorted(set(df["country"]) - set(iso))
    if unknown:
        raise DataError(f"{countries_csv}: country {unknown[0]!r} of {Path(path).name} has no ISO3 code")
    bad = sorted(set(df["fuel"]) - set(GCP_FUEL_COLUMNS))
    if bad:
        raise DataError(f"{path}: unknown fuel {bad[0]!r}; expected one of {list(GCP_FUEL_COLUMNS)}")
    df = df.assign(iso3=df["country"].map(iso), co2_mt=numeric_column(df, "co2_mt", path))
    wide = df.pivot_table(index="iso3", columns="fuel", values="co2_mt", aggfunc="sum").reset_index()
    wide = wide.rename(columns=GCP_FUEL_COLUMNS)
    for c in GCP_FUEL_COLUMNS.values():
        if c not in wide:
            wide[c] = 0.0
    return _by_region(wide, "iso3", list(GCP_FUEL_COLUMNS.values()), cmap, regions)
