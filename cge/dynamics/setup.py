"""From a dataset to the growth multipliers of its path: the drivers table (shipped for the default
dataset, else derived from the shared raw files), the assumptions, and the years."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cge.bca.growth import energy_goods
from cge.data.benchmark import Benchmark
from cge.data.flows import Flows
from cge.dynamics import assumptions as assumptions_mod
from cge.dynamics.assumptions import Assumptions
from cge.dynamics.countries import membership
from cge.dynamics.drivers import derive, index, read_drivers, shipped_path
from cge.dynamics.growth_path import YearGrowth, growth_path, world_index, years_of
from cge.errors import DataError


def base_year(b: Benchmark) -> int:
    """The benchmark's year (``metadata.yaml: year``)."""
    y = (b.metadata or {}).get("year")
    if isinstance(y, bool) or not isinstance(y, int):
        raise DataError(f"dataset {b.name}: metadata.yaml has no year; the path needs its base year")
    return y


def drivers_for(b: Benchmark, dataset: Path | None, ssp: str, variant: str, folder: Path | None = None) -> pd.DataFrame:
    """The shipped drivers of a dataset of that name with the same regions, else derived (needs the
    dataset's region membership and the shared projections)."""
    shipped = shipped_path(b.name)
    if shipped.exists() and _same_regions(shipped, b):
        table = read_drivers(shipped, tuple(b.regions))
        if ((table["ssp"] == ssp) & (table["wpp_variant"] == variant)).any():
            return table[table["wpp_variant"] == variant]
    if dataset is None:
        raise DataError(f"dataset {b.name}: no shipped drivers; give the dataset folder to derive them")
    m = membership(Path(dataset), tuple(b.regions))
    return derive(m, ssps=(ssp,), variant=variant, folder=folder)


def _same_regions(path: Path, b: Benchmark) -> bool:
    return set(pd.read_csv(path, usecols=["region"])["region"]) == set(b.regions)


def path_growth(b: Benchmark, end: int, step: int = 1, dataset: Path | None = None,
                override: Path | dict | None = None, projections: Path | None = None,
                start: int | None = None) -> tuple[list[YearGrowth], Assumptions, pd.DataFrame]:
    """The growth multipliers of every year from the base year to ``end``, the assumptions used and
    the drivers table."""
    base = base_year(b)
    a = assumptions_mod.load(override, regions=tuple(b.regions), energy_goods=energy_goods(b), dataset_name=b.name)
    years = years_of(base, end, step)
    table = drivers_for(b, dataset, a.ssp, a.wpp_variant, projections)
    gdp = index(table, a.ssp, base, years, "gdp_bn_usd2017_ppp")
    pop = index(table, a.ssp, base, years, "population_million")
    levels = table[table["ssp"] == a.ssp].pivot(index="year", columns="region", values="gdp_bn_usd2017_ppp")
    world = world_index(levels[list(b.regions)], base)
    growth = growth_path(Flows(b), gdp, pop, world, a, energy_goods(b), years)
    return growth, a, table
