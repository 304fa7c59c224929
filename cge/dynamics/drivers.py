"""Population and real GDP by region and year: the drivers of the baseline path.

``population_million``: UN WPP 2024 total population (both sexes), 1 July, summed over the region's
members; before 2024 back-cast from the 2024 level with WPP's estimated annual changes. WPP's age
groups are not in the shared files, so labour supply grows with **total** population, not working-age
population. ``gdp_bn_usd2017_ppp``: SSP v3.1 GDP|PPP (OECD ENV-Growth 2023), ``Historical Reference``
to 2019 and the chosen SSP from 2020, summed over members; between the file's 5-year points the log
is interpolated linearly (constant growth within each 5 years). The complement region (``RoW``) is
WPP's ``World`` less every named member, and the sum over SSP countries not named (the SSP file lacks
a few countries, e.g. Afghanistan, Syria, Venezuela: their GDP is missing from that sum).

For the shipped dataset the table is shipped (``cge/defaults/dynamics/drivers_<dataset>.csv``, derived
from the shared files by :func:`derive`, the sources cited in its ``sources`` file); for any other
dataset :func:`derive` builds it from ``shared/data/projections`` (or the folder given).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from cge.dynamics.countries import Membership, check_matched, country_concordance
from cge.errors import DataError
from cge.scenarios.options import SSPS, WPP_VARIANTS

COLUMNS = ("region", "year", "ssp", "wpp_variant", "population_million", "gdp_bn_usd2017_ppp")
WORLD_M49 = 900
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: the SSP projections start here; earlier years are the Historical Reference
SSP_FROM = 2020


def shared_projections() -> Path:
    """``$CGE_SHARED_DATA/projections`` if set, else ``shared/data/projections`` beside the checkout."""
    env = os.environ.get("CGE_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    return base / "projections"


def shipped_path(dataset_name: str) -> Path:
    with resources.as_file(resources.files("cge") / "defaults" / "dynamics" / f"drivers_{dataset_name}.csv") as p:
        return Path(p)


def read_drivers(path: Path, regions: tuple[str, ...]) -> pd.DataFrame:
    """A drivers table, validated: its columns, every region of the dataset, positive values."""
    df = pd.read_csv(path)
    missing = set(COLUMNS) - set(df.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {sorted(missing)}")
    absent = [r for r in regions if r not in set(df["region"])]
    if absent:
        raise DataError(f"{path}: no drivers for region(s) {', '.join(absent)}")
    bad = df[~((df["population_million"] > 0) & (df["gdp_bn_usd2017_ppp"] > 0))]
    if len(bad):
        row = bad.iloc[0]
        raise DataError(f"{path}: row region {row['region']}, year {row['year']}, {row['ssp']}: "
                        "population and GDP must be positive")
    return df[df["region"].isin(regions)].reset_index(drop=True)


def _loglinear(points: dict[int, float], years: range) -> dict[int, float]:
    points = {y: v for y, v in points.items() if v > 0}
    xs = np.array(sorted(points), dtype=float)
    ys = np.log(np.array([points[int(x)] for x in xs]))
    return {y: float(np.exp(np.interp(y, xs, ys))) for y in years if xs[0] <= y <= xs[-1]}


def _population(m: Membership, variant: str, folder: Path) -> dict[str, dict[int, float]]:
    proj = pd.read_csv(folder / f"wpp2024_population_{variant}.tsv.gz", sep="\t").set_index("country_code")
    change = pd.read_csv(folder / "wpp2024_population_change_1950_2023.tsv.gz", sep="\t").set_index("country_code")
    conc = country_concordance()
    codes = {r: [int(conc.at[c, "wpp_code"]) for c in cs] for r, cs in m.members.items()}
    named = [c for cs in codes.values() for c in cs]

    def level(code_list, sign=1.0):
        p = proj.loc[code_list].drop(columns="country").sum() / 1000.0 * sign
        d = change.loc[code_list].drop(columns="country").sum() / 1000.0 * sign
        out = {int(y): float(v) for y, v in p.items()}
        for y in range(2023, FIRST_YEAR - 1, -1):  # pop[y] = pop[y + 1] - change[y]
            out[y] = out[y + 1] - float(d[str(y)])
        return out

    pops = {r: level(cs) for r, cs in codes.items()}
    if m.complement is not None:
        world, rest = level([WORLD_M49]), level(named) if named else {}
        pops[m.complement] = {y: world[y] - rest.get(y, 0.0) for y in world}
    return pops


def _gdp(m: Membership, ssp: str, folder: Path) -> dict[str, dict[int, float]]:
    raw = pd.read_csv(folder / "ssp_v31_gdp_ppp_oecd.csv.gz")
    raw = raw[raw["variable"] == "GDP|PPP"]
    hist = raw[(raw["scenario"] == "Historical Reference") & (raw["year"] < SSP_FROM)]
    proj = raw[raw["scenario"] == ssp]
    table = pd.concat([hist, proj]).pivot_table(index="iso", columns="year", values="value", aggfunc="sum")
    named = [c for cs in m.members.values() for c in cs]
    sums = {r: table.loc[list(cs)].sum() for r, cs in m.members.items()}
    if m.complement is not None:
        sums[m.complement] = table.loc[[i for i in table.index if i not in set(named)]].sum()
    return {r: _loglinear({int(y): float(v) for y, v in s.items()}, range(FIRST_YEAR, LAST_YEAR + 1))
            for r, s in sums.items()}


def derive(m: Membership, ssps=SSPS, variant: str = "med", folder: Path | None = None) -> pd.DataFrame:
    """The drivers table of the regions of ``m`` (module docstring), every year 2000–2100."""
    check_matched(m, "wpp_code", "UN WPP 2024")
    check_matched(m, "ssp_name", "SSP v3.1 GDP")
    folder = folder or shared_projections()
    if not folder.exists():
        raise DataError(f"{folder}: the shared projections folder is missing (set CGE_SHARED_DATA)")
    if variant not in WPP_VARIANTS:
        raise DataError(f"WPP variant {variant!r}: expected one of {', '.join(WPP_VARIANTS)}")
    pops = _population(m, variant, folder)
    rows = []
    for ssp in ssps:
        gdp = _gdp(m, ssp, folder)
        for r in m.members:
            for y in range(FIRST_YEAR, LAST_YEAR + 1):
                rows.append((r, y, ssp, variant, round(pops[r][y], 6), round(gdp[r][y], 6)))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def index(table: pd.DataFrame, ssp: str, base_year: int, years: list[int], column: str) -> pd.DataFrame:
    """``column`` relative to ``base_year``, region × year, for ``ssp``; a year outside the table is an error."""
    t = table[table["ssp"] == ssp]
    if t.empty:
        raise DataError(f"drivers: no rows for {ssp} (have {', '.join(sorted(set(table['ssp'])))})")
    wide = t.pivot(index="year", columns="region", values=column)
    outside = [y for y in [base_year, *years] if y not in wide.index]
    if outside:
        raise DataError(f"drivers: year {outside[0]} is outside the data ({int(wide.index.min())}–"
                        f"{int(wide.index.max())})")
    return wide.loc[years] / wide.loc[base_year]
