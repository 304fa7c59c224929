"""Source codes an aggregation file maps from: WIOD's regions and its sectors after the splits.

Regions are WIOD 2013's 40 countries and ``RoW`` (``shared/data/wiod2013/regions.csv``). Sectors
are WIOD's ``c1``..``c35`` (``sectors.csv``) with the data-driven splits of
``calibration/mappings/split_children.csv`` in place of their parents: ``c2`` (mining) and ``c17``
(utilities) are always split (the model needs coal, crude oil, gas and electricity); the CBAM
splits of ``c12``, ``c11`` and ``c9`` are optional (``splits:`` in the aggregation file).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cge.errors import DataError

MAPPINGS = Path(__file__).resolve().parent / "mappings"
WIOD_REST = "RoW"
#: splits done in every build, in this order
STANDARD_SPLITS = ("c17", "c2")


@lru_cache(maxsize=4)
def split_catalogue(mappings: str = str(MAPPINGS)) -> dict[str, tuple[str, ...]]:
    """``{parent: children}`` from ``split_children.csv`` (file order)."""
    from calibration.readers.satellites import load_csv, require_columns

    path = Path(mappings) / "split_children.csv"
    df = load_csv(path, dtype=str)
    require_columns(df, ["parent", "child", "name", "emission_share"], path)
    out: dict[str, list[str]] = {}
    for p, c in zip(df["parent"], df["child"]):
        out.setdefault(p, []).append(c)
    return {p: tuple(c) for p, c in out.items()}


OPTIONAL_SPLITS = {p: c for p, c in split_catalogue().items() if p not in STANDARD_SPLITS}


def _codes(shared, name: str) -> tuple[str, ...]:
    from calibration.readers.satellites import load_csv, require_columns

    path = Path(shared) / "wiod2013" / name
    df = load_csv(path, dtype=str)
    require_columns(df, ["code"], path)
    return tuple(df["code"])


def source_regions(shared) -> tuple[str, ...]:
    codes = _codes(shared, "regions.csv")
    if WIOD_REST not in codes:
        raise DataError(f"{Path(shared) / 'wiod2013' / 'regions.csv'}: WIOD's rest of world {WIOD_REST!r} is missing")
    return codes


def split_order(splits) -> tuple[str, ...]:
    """Parents in the order they are split: the standard splits, then the optional ones."""
    return STANDARD_SPLITS + tuple(p for p in OPTIONAL_SPLITS if p in splits)


def sectors_after_splits(sectors, parents) -> tuple[str, ...]:
    cat = split_catalogue()
    out = list(sectors)
    for p in parents:
        if p not in out:
            raise DataError(f"split: parent sector {p!r} is not in the source table")
        k = out.index(p)
        out[k:k + 1] = list(cat[p])
    return tuple(out)


def source_sectors(shared, splits=()) -> tuple[str, ...]:
    """WIOD sectors with the standard splits and the chosen optional ones in place of their parents."""
    return sectors_after_splits(_codes(shared, "sectors.csv"), split_order(splits))
