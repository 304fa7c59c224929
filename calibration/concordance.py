"""Classifications as data: each source's industry codes mapped to the pipeline's sectors.

The calibration pipeline (splits, CO2, value added and rents, CBAM goods, elasticities) is keyed by
one *model classification*: WIOD 2013's 35 industries ``c1``..``c35`` and its 41 regions. A reader
returns an :class:`~calibration.mrio.MRIO` in its source's own codes; :func:`to_model` maps it onto
the model classification with the table ``calibration/classifications/<classification>.csv``::

    code,model_code,share,note
    C13T15,c4,0.839811212417998,WIOD 2011 world output shares of c4 and c5
    C13T15,c5,0.160188787582002,...
    B05_06,c2,1,

A code goes whole (share 1) to one model sector, or is split by fixed shares where the source lumps
together sectors the model keeps apart (rows and columns alike, so every total is kept). The tags,
the splits of ``c2`` (coal, crude oil, gas, other mining) and ``c17`` (electricity, gas distribution,
water) and the assumptions (labour shares, resource rents) follow from the model code, so an
aggregation file never repeats them. Regions go to WIOD's regions by ISO3 code; a country WIOD does
not list separately belongs to WIOD's rest of the world ``RoW``.

A row may also keep a source industry as a sector of its own (columns ``parent``, ``tags``,
``cbam_good``)::

    code,model_code,share,parent,tags,cbam_good,note
    C24A,ist_src,1,c12,eite;cbam,steel,iron and steel
    C24B,nfm_src,1,c12,eite;cbam,aluminium,non-ferrous metals

``model_code`` is then the source's own sector, kept when an aggregation file names it among a
target's members and otherwise folded into its ``parent`` (a WIOD code, as when nothing is kept).
A kept sector inherits everything keyed by its parent (the parent's JRC CO2, shared by fuel
purchases; labour share, resource rent, elasticities) and carries its own tags (the target's
tags when the aggregation file gives none) and the CBAM good whose production value is its
coverage. Countries work alike: an aggregation file may name any country of the source that WIOD
does not list (:func:`own_countries`); it is then a region of its own, else it is in ``RoW``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.mrio import MRIO
from cge.errors import DataError

CLASSIFICATIONS = Path(__file__).resolve().parent / "classifications"
MODEL_CLASSIFICATION = "wiod2013"
MODEL_REST = "RoW"
#: the concordances of each source format (``csv`` and ``pymrio`` name theirs in the aggregation file)
FORMAT_CLASSIFICATIONS = {"wiod2013": ("wiod2013",), "oecd-icio": ("oecd-icio-2021", "oecd-icio-2023",
                                                                  "oecd-icio-2025"),
                          "figaro": ("figaro",), "exiobase3": ("exiobase3-ixi",)}
#: the tags a kept sector may carry (those of :data:`cge.data.aggregation.SECTOR_TAGS` a concordance decides)
OWN_TAGS = ("fossil", "resource", "crude", "electricity", "eite", "cbam", "fertilisers")


@dataclass(frozen=True)
class OwnSector:
    """A source industry kept as a model sector: the WIOD sector whose assumptions it inherits,
    its own tags and the CBAM good (``calibration/mappings/cbam_goods_2011.csv``) it holds."""

    code: str
    parent: str
    tags: tuple[str, ...] = ()
    cbam_good: str | None = None


def _read(path: Path) -> pd.DataFrame:
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(path, dtype=str, comment="#")
    require_columns(df, ["code", "model_code", "share"], path)
    return df


@lru_cache(maxsize=16)
def classification(name: str) -> pd.DataFrame:
    """The validated concordance ``name`` (``code, model_code, share``): every share in (0, 1],
    the shares of a code sum to 1, every model code is a model sector."""
    path = CLASSIFICATIONS / f"{name}.csv"
    if not path.exists():
        known = sorted(p.stem for p in CLASSIFICATIONS.glob("*.csv") if "_" not in p.stem)
        raise DataError(f"{path}: no concordance for classification {name!r} (known: {', '.join(known)})")
    df = _read(path)
    model = set(_read(CLASSIFICATIONS / f"{MODEL_CLASSIFICATION}.csv")["code"])
    share = pd.to_numeric(df["share"], errors="coerce")
    for col in ("parent", "tags", "cbam_good"):
        df[col] = df[col].fillna("") if col in df else ""
    for k in range(len(df)):
        row = f"{path}, row {k + 2} ({df['code'].iloc[k]})"
        if df["model_code"].iloc[k] not in model:
            _check_own_row(df, k, row, model)
        elif df["parent"].iloc[k] or df["tags"].iloc[k] or df["cbam_good"].iloc[k]:
            raise DataError(f"{row}: parent, tags and cbam_good are for a sector of the source's own, not for "
                            f"the model sector {df['model_code'].iloc[k]!r}")
        if not 0 < share.iloc[k] <= 1:
            raise DataError(f"{row}: share {df['share'].iloc[k]!r} must be a number in (0, 1]")
    sums = share.groupby(df["code"]).sum()
    bad = sums[(sums - 1).abs() > 1e-9]
    if len(bad):
        raise DataError(f"{path}: shares of code {bad.index[0]!r} sum to {bad.iloc[0]:.12g}, not 1")
    return df.assign(share=share)


def _check_own_row(df: pd.DataFrame, k: int, row: str, model) -> None:
    """A row keeping a sector of the source's own: a WIOD parent, known tags and CBAM good, and the
    same of each for every row of that sector; its code must not be one the pipeline already has."""
    from calibration import cbam, sources

    code, parent = df["model_code"].iloc[k], df["parent"].iloc[k]
    if parent not in model:
        raise DataError(f"{row}: model_code {code!r} is not a model sector (c1..c35), so give its parent "
                        f"(the model sector whose assumptions it inherits), not {parent!r}")
    if parent in sources.STANDARD_SPLITS:
        raise DataError(f"{row}: parent {parent!r} of {code!r} is always split by energy statistics (mining c2, "
                        "utilities c17), so a sector kept out of it cannot inherit from it; map the row to it")
    taken = set(sources.split_catalogue()) | {c for cs in sources.split_catalogue().values() for c in cs}
    if code in taken:
        raise DataError(f"{row}: model_code {code!r} is a sector of the pipeline's splits; choose another code")
    bad = [t for t in tag_list(df["tags"].iloc[k]) if t not in OWN_TAGS]
    if bad:
        raise DataError(f"{row}: tag {bad[0]!r} is not one of {', '.join(OWN_TAGS)}")
    good = df["cbam_good"].iloc[k]
    if good and good not in cbam.GOODS:
        raise DataError(f"{row}: cbam_good {good!r} is not one of {', '.join(cbam.GOODS)}")
    first = df.index[df["model_code"] == code][0]
    for col in ("parent", "tags", "cbam_good"):
        if df[col].iloc[k] != df[col].loc[first]:
            raise DataError(f"{row}: {col} of {code!r} differs from its first row ({df[col].loc[first]!r})")


def tag_list(text) -> tuple[str, ...]:
    """The tags of a ``;``-separated cell (blank: none)."""
    return tuple(t.strip() for t in str(text).split(";") if t.strip())


def own_sectors(name: str) -> dict[str, OwnSector]:
    """The sectors of the source's own that classification ``name`` can keep, in file order."""
    df = classification(name)
    model = set(model_sectors())
    out = {}
    for code, parent, tags, good in zip(df["model_code"], df["parent"], df["tags"], df["cbam_good"]):
        if code not in model and code not in out:
            out[code] = OwnSector(code, parent, tag_list(tags), good or None)
    return out


def format_classifications(fmt: str, classification: str | None = None) -> tuple[str, ...]:
    """The concordances a table of format ``fmt`` may be in."""
    if classification:
        return (classification,)
    return FORMAT_CLASSIFICATIONS.get(fmt, (MODEL_CLASSIFICATION,))


def keepable_sectors(fmt: str, classification: str | None = None) -> dict[str, OwnSector]:
    """Every own sector of the format's concordances (an aggregation file may name these)."""
    out: dict[str, OwnSector] = {}
    for name in format_classifications(fmt, classification):
        for code, own in own_sectors(name).items():
            out.setdefault(code, own)
    return out


def own_countries(fmt: str, shared) -> tuple[str, ...]:
    """ISO3 codes of the countries a table of format ``fmt`` may have that WIOD does not list:
    those of the format's region table (FIGARO, EXIOBASE), any country of the world for the
    formats labelled by ISO3 (OECD ICIO); none for WIOD and the package's layouts."""
    from calibration.readers.satellites import load_csv, require_columns

    if fmt in REGION_TABLES:
        codes = [c for c in source_iso3(fmt).values() if c != "ROW"]
    elif fmt == "oecd-icio":
        path = Path(__file__).resolve().parent / "mappings" / "gcp_countries.csv"
        df = load_csv(path, dtype=str)
        require_columns(df, ["iso3"], path)
        codes = list(df["iso3"].dropna())
    else:
        return ()
    wiod = set(wiod_regions(shared)["iso3"].dropna())
    return tuple(sorted(set(codes) - wiod))


def source_codes(name: str) -> tuple[str, ...]:
    """The source's industry codes in the concordance's order."""
    return tuple(dict.fromkeys(classification(name)["code"]))


def model_sectors() -> tuple[str, ...]:
    return tuple(_read(CLASSIFICATIONS / f"{MODEL_CLASSIFICATION}.csv")["code"])


def sector_matrix(name: str, sectors, keep=()) -> np.ndarray:
    """``W[i, k]``: the share of source sector ``i`` that goes to model sector ``k`` (WIOD's, then
    the sectors of the source's own in ``keep``, :func:`kept_sectors`; one not kept goes to its
    parent). A source sector missing from the concordance is an error naming the code and the file."""
    df = classification(name)
    model = model_sectors() + kept_sectors(name, keep)
    parent = {c: o.parent for c, o in own_sectors(name).items()}
    W = np.zeros((len(sectors), len(model)))
    known = set(df["code"])
    for s in sectors:
        if s not in known:
            raise DataError(f"{CLASSIFICATIONS / (name + '.csv')}: industry {s!r} of the source is not in the "
                            "concordance")
    pos = {s: i for i, s in enumerate(sectors)}
    for code, tgt, sh in zip(df["code"], df["model_code"], df["share"]):
        if code in pos:
            W[pos[code], model.index(tgt if tgt in model else parent[tgt])] += sh
    return W


def kept_sectors(name: str, keep=()) -> tuple[str, ...]:
    """The own sectors of ``name`` in ``keep``, in the concordance's order; a code of ``keep`` that
    is neither one of them nor a model sector is an error naming it and the file."""
    own = own_sectors(name)
    unknown = [c for c in keep if c not in own]
    if unknown:
        raise DataError(f"{CLASSIFICATIONS / (name + '.csv')}: the aggregation names sector {unknown[0]!r}, which "
                        f"classification {name} does not have (its own sectors: {', '.join(own) or 'none'})")
    return tuple(c for c in own if c in keep)


def wiod_regions(shared) -> pd.DataFrame:
    from calibration.readers.satellites import load_csv, require_columns

    path = Path(shared) / "wiod2013" / "regions.csv"
    df = load_csv(path, dtype=str)
    require_columns(df, ["code", "iso3"], path)
    return df


def region_map_by_iso3(regions, shared, keep=()) -> dict[str, str]:
    """Source region (ISO3, or ``ROW``) → WIOD region, or itself for a country in ``keep``; a
    country WIOD does not list is otherwise in ``RoW``."""
    df = wiod_regions(shared)
    by_iso = {i: c for c, i in zip(df["code"], df["iso3"]) if isinstance(i, str) and i}
    by_iso.update({c: c for c in keep})
    return {r: by_iso.get(r, MODEL_REST) for r in regions}


def to_model(m: MRIO, name: str, region_map: dict[str, str], shared, keep_sectors=(), keep_regions=()) -> MRIO:
    """``m`` (source codes) on the model classification: ``Z' = Wᵀ Z W`` within each region pair,
    ``Y' = Wᵀ Y``, ``x' = x W``, regions summed by ``region_map`` into WIOD's region order followed
    by the countries kept (``keep_regions``); sectors WIOD's followed by the own sectors kept
    (``keep_sectors``). Totals are kept exactly (every code's shares sum to 1)."""
    W = sector_matrix(name, m.sectors, keep_sectors)
    sectors = model_sectors() + kept_sectors(name, keep_sectors)
    targets = list(wiod_regions(shared)["code"]) + list(keep_regions)
    R = np.zeros((len(m.regions), len(targets)))
    for a, r in enumerate(m.regions):
        R[a, targets.index(region_map[r])] = 1.0
    Z = np.einsum("risj,ik,sp,jl,ra->akpl", m.Z, W, R, W, R, optimize=True)
    Y = np.einsum("risc,ik,sp,ra->akpc", m.Y, W, R, R, optimize=True)
    x = np.einsum("ri,ik,ra->ak", m.x, W, R, optimize=True)
    VA = np.einsum("csj,jl,sp->cpl", m.VA, W, R, optimize=True)
    meta = dict(m.metadata, classification=name)
    co2 = None
    if m.co2 is not None:
        J = len(m.sectors)
        C = m.co2.reindex(index=list(m.sectors) + ["household"], columns=list(m.regions)).fillna(0.0).to_numpy()
        co2 = pd.DataFrame(np.vstack([W.T @ C[:J] @ R, C[J:] @ R]), index=list(sectors) + ["household"],
                           columns=targets)
    return MRIO(targets, sectors, m.categories, Z, Y, x, m.va_components, VA, unit=m.unit,
                metadata=meta, co2=co2)


#: source formats whose regions are not ISO3 codes: ``classifications/<format>_regions.csv`` (``code, iso3``)
REGION_TABLES = {"figaro": "FIGARO", "exiobase3": "EXIOBASE 3"}


def region_table(fmt: str) -> Path:
    return CLASSIFICATIONS / f"{fmt}_regions.csv"


def source_iso3(fmt: str) -> dict[str, str]:
    """The source's region codes (FIGARO's and EXIOBASE's ISO alpha-2) → ISO3 (``ROW``: WIOD's rest of world)."""
    from calibration.readers.satellites import load_csv, require_columns

    path = region_table(fmt)
    df = load_csv(path, dtype=str, comment="#")
    require_columns(df, ["code", "iso3"], path)
    return dict(zip(df["code"], df["iso3"]))


def has_final_demand(source: str) -> bool:
    """Whether ``classifications/final_demand.csv`` has rows for ``source`` (a format or a classification)."""
    from calibration.readers.satellites import load_csv

    df = load_csv(CLASSIFICATIONS / "final_demand.csv", dtype=str, comment="#")
    return bool((df["source"] == source).any())


def categories_to_model(m: MRIO, source: str) -> MRIO:
    """Final-demand columns summed onto WIOD's categories (``classifications/final_demand.csv``);
    a table whose columns are WIOD's categories already is returned as it is."""
    from calibration.readers.satellites import load_csv

    if set(m.categories) <= {"CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN"}:
        return m
    path = CLASSIFICATIONS / "final_demand.csv"
    df = load_csv(path, dtype=str, comment="#")
    df = df[df["source"] == source]
    cmap = dict(zip(df["code"], df["model_code"]))
    missing = [c for c in m.categories if c not in cmap]
    if missing:
        raise DataError(f"{path}: final-demand column {missing[0]!r} of {source} has no model_code")
    targets = list(dict.fromkeys(cmap[c] for c in m.categories))
    order = [c for c in ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN") if c in targets]
    Y = np.zeros(m.Y.shape[:3] + (len(order),))
    for k, c in enumerate(m.categories):
        Y[..., order.index(cmap[c])] += m.Y[..., k]
    return MRIO(m.regions, m.sectors, order, m.Z, Y, m.x, m.va_components, m.VA,
                unit=m.unit, metadata=m.metadata, co2=m.co2)
