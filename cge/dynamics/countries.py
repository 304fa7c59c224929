"""Region membership of a dataset and its match to the country lists of the drivers.

A dataset built by ``cge calibrate`` keeps its aggregation file in ``mappings/aggregation.yaml``:
``regions: {CODE: {members: [ISO3, ...]}}``. The member ``RoW`` (WIOD's modelled rest of the
world) stands for every country no other region names: the complement, so it always matches.
WIOD codes Romania ``ROM`` (ISO3 ``ROU``). A dataset without that file may give the same mapping in
``regions.yaml`` beside its tables (``{CODE: [ISO3, ...]}``).

The concordance ``cge/defaults/dynamics/countries.csv`` (ISO3, SSP v3.1 name, UN M49 code and WPP
2024 name, GCB 2019 name) was built by matching the names of the three files, with the renames listed
in its ``note`` column done by hand (sources: ``shared/data/projections/README.md``,
``shared/data/emissions/README.md``); it lists the 192 countries of the SSP file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from cge.errors import DataError
from cge.io.files import load_yaml

#: the member code that stands for every country not named by another region
COMPLEMENT = "RoW"
#: dataset country codes that are not ISO3
ALIASES = {"ROM": "ROU"}


@dataclass(frozen=True)
class Membership:
    """``members[region]``: ISO3 codes; ``complement``: the region holding every other country."""

    members: dict[str, tuple[str, ...]]
    complement: str | None
    source: str


def concordance_path() -> Path:
    with resources.as_file(resources.files("cge") / "defaults" / "dynamics" / "countries.csv") as p:
        return Path(p)


@lru_cache(maxsize=2)
def country_concordance(path: str | None = None) -> pd.DataFrame:
    """The country concordance, validated: unique ISO3 codes, every column present."""
    p = Path(path) if path else concordance_path()
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    need = {"iso3", "ssp_name", "wpp_code", "wpp_name", "gcb_name"}
    if need - set(df.columns):
        raise DataError(f"{p}: missing column(s) {sorted(need - set(df.columns))}")
    dup = df["iso3"][df["iso3"].duplicated()]
    if len(dup):
        raise DataError(f"{p}: iso3 {dup.iloc[0]} is listed twice")
    return df.set_index("iso3")


def membership(dataset: Path, regions: tuple[str, ...]) -> Membership:
    """The countries of each region of the dataset in folder ``dataset`` (module docstring)."""
    agg = dataset / "mappings" / "aggregation.yaml"
    plain = dataset / "regions.yaml"
    if agg.exists():
        spec = (load_yaml(agg) or {}).get("regions") or {}
        raw = {r: (v or {}).get("members") or [] for r, v in spec.items()}
        src = agg
    elif plain.exists():
        raw, src = load_yaml(plain) or {}, plain
    else:
        raise DataError(f"{dataset}: no region membership (mappings/aggregation.yaml or regions.yaml): the "
                        "baseline drivers cannot be matched to countries")
    missing = [r for r in regions if r not in raw]
    if missing:
        raise DataError(f"{src}: region(s) {', '.join(missing)} of the dataset have no members")
    members, complement = {}, None
    for r in regions:
        codes = [str(c) for c in raw[r]]
        if COMPLEMENT in codes:
            if complement is not None:
                raise DataError(f"{src}: regions {complement} and {r} both hold {COMPLEMENT}")
            complement = r
        members[r] = tuple(ALIASES.get(c, c) for c in codes if c != COMPLEMENT)
    return Membership(members, complement, str(src))


def check_matched(m: Membership, column: str, what: str) -> None:
    """Raise one line naming each region with members absent from ``column`` of the country concordance."""
    conc = country_concordance()
    for r, codes in m.members.items():
        bad = [c for c in codes if c not in conc.index or not conc.at[c, column]]
        if bad:
            raise DataError(f"region {r} ({m.source}): member(s) {', '.join(bad)} have no match in {what}; "
                            "nothing was solved")
